//! Diffing two contract versions into breaking and compatible changes (docs/invariants.md 4).
//!
//! The point of view is the consumer's: a change is breaking when a consumer written against
//! the old contract can fail against a provider that follows the new one. Schemas are compared
//! after `$ref`s are inlined ([`Schema::resolved`](super::Schema)), with `allOf` merged and
//! `oneOf`/`anyOf` folded into one shape, so a refactoring of components is not a change.
//!
//! ```
//! use lmh::contract::{Contract, diff::diff};
//! let d = diff(&Contract::v1(), &Contract::v2());
//! assert!(d.breaking().iter().any(|c| c.location == "POST /send"));
//! assert!(diff(&Contract::v1(), &Contract::v1()).is_empty());
//! ```

mod change;
mod compare;
mod forms;
mod operation;
mod rename;
mod shape;
mod words;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub use change::{Change, ChangeKind};

use super::{Contract, Operation};

/// The differences between an old and a new contract, split by what they do to a consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContractDiff {
    /// The old contract, `title vN (origin)`.
    pub old: String,
    /// The new contract, `title vN (origin)`.
    pub new: String,
    breaking: Vec<Change>,
    compatible: Vec<Change>,
}

impl ContractDiff {
    /// Changes that can break a consumer of the old contract.
    pub fn breaking(&self) -> &[Change] {
        &self.breaking
    }

    /// Changes a consumer of the old contract survives.
    pub fn compatible(&self) -> &[Change] {
        &self.compatible
    }

    /// True when the contracts are equivalent.
    pub fn is_empty(&self) -> bool {
        self.breaking.is_empty() && self.compatible.is_empty()
    }

    /// True when at least one change is breaking.
    pub fn is_breaking(&self) -> bool {
        !self.breaking.is_empty()
    }

    /// Record one change as breaking or compatible.
    fn push(&mut self, breaking: bool, kind: ChangeKind, location: &str, detail: String) {
        let change = Change {
            kind,
            location: location.to_string(),
            detail,
        };
        if breaking {
            self.breaking.push(change);
        } else {
            self.compatible.push(change);
        }
    }
}

/// Compare `old` with `new` from the point of view of a consumer written against `old`.
pub fn diff(old: &Contract, new: &Contract) -> ContractDiff {
    let mut d = ContractDiff {
        old: format!("{} ({})", old.label(), old.origin),
        new: format!("{} ({})", new.label(), new.origin),
        ..ContractDiff::default()
    };
    let key = |op: &Operation| (op.method.clone(), op.path.to_ascii_lowercase());
    let new_ops: BTreeMap<_, &Operation> = new.operations.iter().map(|o| (key(o), o)).collect();
    let old_keys: BTreeSet<_> = old.operations.iter().map(key).collect();
    for op in &old.operations {
        match new_ops.get(&key(op)) {
            None => d.push(
                true,
                ChangeKind::OperationRemoved,
                &op.label(),
                format!(
                    "operation `{}` removed: a consumer calling it gets the unknown-route answer",
                    op.id
                ),
            ),
            Some(n) => operation::operation(&mut d, op, n),
        }
    }
    for op in new
        .operations
        .iter()
        .filter(|o| !old_keys.contains(&key(o)))
    {
        d.push(
            false,
            ChangeKind::OperationAdded,
            &op.label(),
            format!("operation `{}` added", op.id),
        );
    }
    for (name, o, n) in [
        (
            "x-lmh-unknown-route",
            &old.unknown_route,
            &new.unknown_route,
        ),
        (
            "x-lmh-malformed-body",
            &old.malformed_body,
            &new.malformed_body,
        ),
    ] {
        if let (Some(o), Some(n)) = (o, n) {
            if o.status != n.status {
                d.push(
                    true,
                    ChangeKind::StatusRemoved,
                    name,
                    format!("status {} -> {}", o.status, n.status),
                );
            }
            operation::body(&mut d, name, o, n);
        }
    }
    d
}

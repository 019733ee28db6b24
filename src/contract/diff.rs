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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::{Contract, Operation, ResponseSpec, Schema};

/// What kind of change one [`Change`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// An operation of the old contract is gone.
    OperationRemoved,
    /// The new contract has an operation the old one lacks.
    OperationAdded,
    /// A documented status code is gone.
    StatusRemoved,
    /// A status code is newly documented.
    StatusAdded,
    /// The success code(s) of an operation changed.
    SuccessStatusChanged,
    /// A required response field is gone.
    RequiredFieldRemoved,
    /// A required response field is gone and a similar one appeared: probably a rename.
    FieldRenamed,
    /// A required response field became optional.
    FieldBecameOptional,
    /// A field became required (breaking in a request, harmless in a response).
    FieldBecameRequired,
    /// An optional field is gone.
    FieldRemoved,
    /// A field was added.
    FieldAdded,
    /// Values were removed from an enum (or a const changed).
    EnumNarrowed,
    /// Values were added to an enum, or the enum was lifted.
    EnumWidened,
    /// A value's type changed.
    TypeChanged,
    /// A request header became required, or a required one was added.
    HeaderRequired,
    /// A request header is no longer documented.
    HeaderRemoved,
    /// An optional request header was added.
    HeaderAdded,
    /// A required request header became optional.
    HeaderOptional,
    /// An operation now takes a request body.
    RequestBodyAdded,
    /// An operation no longer takes a request body.
    RequestBodyRemoved,
    /// An answer no longer has a documented JSON body.
    BodyNoLongerJson,
    /// An answer now has a documented JSON body.
    BodyNowJson,
}

impl ChangeKind {
    /// The kebab-case name, as in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::OperationRemoved => "operation-removed",
            ChangeKind::OperationAdded => "operation-added",
            ChangeKind::StatusRemoved => "status-removed",
            ChangeKind::StatusAdded => "status-added",
            ChangeKind::SuccessStatusChanged => "success-status-changed",
            ChangeKind::RequiredFieldRemoved => "required-field-removed",
            ChangeKind::FieldRenamed => "field-renamed",
            ChangeKind::FieldBecameOptional => "field-became-optional",
            ChangeKind::FieldBecameRequired => "field-became-required",
            ChangeKind::FieldRemoved => "field-removed",
            ChangeKind::FieldAdded => "field-added",
            ChangeKind::EnumNarrowed => "enum-narrowed",
            ChangeKind::EnumWidened => "enum-widened",
            ChangeKind::TypeChanged => "type-changed",
            ChangeKind::HeaderRequired => "header-required",
            ChangeKind::HeaderRemoved => "header-removed",
            ChangeKind::HeaderAdded => "header-added",
            ChangeKind::HeaderOptional => "header-optional",
            ChangeKind::RequestBodyAdded => "request-body-added",
            ChangeKind::RequestBodyRemoved => "request-body-removed",
            ChangeKind::BodyNoLongerJson => "body-no-longer-json",
            ChangeKind::BodyNowJson => "body-now-json",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One difference between two contracts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What kind of change.
    pub kind: ChangeKind,
    /// Where: `METHOD /path`, then a status code, `request` or `header NAME`, then a JSON pointer.
    pub location: String,
    /// One line a person can act on.
    pub detail: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.location, self.detail, self.kind)
    }
}

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

    /// As report checks (area `contract`): one failed check per breaking change, one passed
    /// check summing up the compatible ones (an `ok` line never reads "22 breaking").
    pub fn to_checks(&self) -> Vec<crate::report::Check> {
        use crate::report::Check;
        let title = format!("{} -> {}", self.old, self.new);
        let mut checks: Vec<Check> = self
            .breaking
            .iter()
            .map(|c| {
                Check::fail(
                    "contract",
                    &c.location,
                    format!("{} [{}]", c.detail, c.kind),
                )
            })
            .collect();
        let compatible = Check::pass(
            "contract",
            &title,
            if self.is_breaking() {
                format!(
                    "{} compatible changes; the {} breaking ones fail separately",
                    self.compatible.len(),
                    self.breaking.len()
                )
            } else {
                format!("0 breaking, {} compatible changes", self.compatible.len())
            },
        )
        .with_details(self.compatible.iter().map(ToString::to_string));
        checks.push(compatible);
        checks
    }

    /// Terminal form: the breaking list, the compatible list, a verdict line.
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "contract diff: {} -> {}", self.old, self.new);
        if self.is_empty() {
            let _ = writeln!(out, "  no changes");
        }
        for (title, list) in [
            ("breaking", &self.breaking),
            ("compatible", &self.compatible),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{title} ({}):", list.len());
            for c in list {
                let _ = writeln!(out, "  {c}");
            }
        }
        let _ = writeln!(
            out,
            "{}: {} breaking, {} compatible",
            if self.is_breaking() { "FAIL" } else { "PASS" },
            self.breaking.len(),
            self.compatible.len()
        );
        out
    }

    /// JSON form: both contracts, the verdict and both lists.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "old": self.old,
            "new": self.new,
            "passed": !self.is_breaking(),
            "breaking": self.breaking,
            "compatible": self.compatible,
        })
    }

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
            Some(n) => operation(&mut d, op, n),
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
            body(&mut d, name, o, n);
        }
    }
    d
}

fn operation(d: &mut ContractDiff, old: &Operation, new: &Operation) {
    let label = old.label();
    for h in &old.headers {
        let loc = format!("{label} header {}", h.name);
        match new.header(&h.name) {
            // The consumer relies on it to reach its own session: a provider that ignores it
            // serves every client from one WhatsApp session.
            None if h.selects_session => d.push(
                true,
                ChangeKind::HeaderRemoved,
                &loc,
                format!(
                    "header `{}` no longer documented, and it selects the session \
                     (x-lmh-selects-session): a provider that ignores it collapses every client \
                     onto one WhatsApp session, so messages go out from the wrong number",
                    h.name
                ),
            ),
            None => d.push(
                false,
                ChangeKind::HeaderRemoved,
                &loc,
                format!(
                    "header `{}` no longer documented: the provider may ignore it",
                    h.name
                ),
            ),
            Some(n) => {
                if n.required && !h.required {
                    d.push(
                        true,
                        ChangeKind::HeaderRequired,
                        &loc,
                        format!("header `{}` became required", h.name),
                    );
                }
                // The consumer still sends it, so nothing breaks; but a session-selecting header
                // the provider can do without means it may pick a session on its own.
                if h.required && !n.required {
                    let why = if h.selects_session {
                        ": it selects the session (x-lmh-selects-session); check which session \
                         the provider uses when it is missing"
                    } else {
                        ""
                    };
                    d.push(
                        false,
                        ChangeKind::HeaderOptional,
                        &loc,
                        format!("header `{}` became optional{why}", h.name),
                    );
                }
                schema(d, &loc, &h.schema, &n.schema, Direction::Request);
            }
        }
    }
    for h in new.headers.iter().filter(|h| old.header(&h.name).is_none()) {
        let loc = format!("{label} header {}", h.name);
        if h.required {
            d.push(
                true,
                ChangeKind::HeaderRequired,
                &loc,
                format!("new required header `{}`", h.name),
            );
        } else {
            d.push(
                false,
                ChangeKind::HeaderAdded,
                &loc,
                format!("new optional header `{}`", h.name),
            );
        }
    }
    let loc = format!("{label} request");
    match (&old.request_body, &new.request_body) {
        (Some(o), Some(n)) => schema(d, &loc, o, n, Direction::Request),
        (None, Some(n)) => {
            let required = Shape::of(&n.resolved).required;
            d.push(
                !required.is_empty(),
                ChangeKind::RequestBodyAdded,
                &loc,
                if required.is_empty() {
                    "now takes an optional JSON body".into()
                } else {
                    format!(
                        "now takes a JSON body with required {}",
                        list(required.iter())
                    )
                },
            );
        }
        (Some(_), None) => d.push(
            false,
            ChangeKind::RequestBodyRemoved,
            &loc,
            "no longer takes a JSON body".into(),
        ),
        (None, None) => {}
    }

    let success = |op: &Operation| -> Vec<u16> {
        op.statuses()
            .into_iter()
            .filter(|s| (200..300).contains(s))
            .collect()
    };
    let (old_ok, new_ok) = (success(old), success(new));
    let success_changed = !old_ok.is_empty() && !new_ok.is_empty() && old_ok != new_ok;
    if success_changed {
        d.push(
            true,
            ChangeKind::SuccessStatusChanged,
            &label,
            format!(
                "success answered with {} instead of {}",
                codes(&new_ok),
                codes(&old_ok)
            ),
        );
    }
    let skip = |s: u16| success_changed && (200..300).contains(&s);
    for r in &old.responses {
        match new.response(r.status) {
            Some(n) => body(d, &format!("{label} {}", r.status), r, n),
            None if skip(r.status) => {}
            None => d.push(
                true,
                ChangeKind::StatusRemoved,
                &format!("{label} {}", r.status),
                format!("status {} no longer documented", r.status),
            ),
        }
    }
    for r in new
        .responses
        .iter()
        .filter(|r| old.response(r.status).is_none() && !skip(r.status))
    {
        d.push(
            false,
            ChangeKind::StatusAdded,
            &format!("{label} {}", r.status),
            format!("status {} newly documented", r.status),
        );
    }
}

/// Compare the JSON bodies of one answer.
fn body(d: &mut ContractDiff, loc: &str, old: &ResponseSpec, new: &ResponseSpec) {
    match (&old.schema, &new.schema) {
        (Some(o), Some(n)) => schema(d, loc, o, n, Direction::Response),
        (Some(_), None) => d.push(
            true,
            ChangeKind::BodyNoLongerJson,
            loc,
            "no JSON body documented any more (a consumer parsing JSON fails)".into(),
        ),
        (None, Some(_)) => d.push(
            false,
            ChangeKind::BodyNowJson,
            loc,
            "a JSON body is now documented".into(),
        ),
        (None, None) => {}
    }
}

/// Who writes the value: the provider (a response the consumer reads) or the consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Response,
    Request,
}

fn schema(d: &mut ContractDiff, loc: &str, old: &Schema, new: &Schema, dir: Direction) {
    compare(
        d,
        loc,
        "",
        &Shape::of(&old.resolved),
        &Shape::of(&new.resolved),
        dir,
    );
}

/// What a schema allows, flattened: enough to diff, not to validate.
#[derive(Debug, Clone, Default, PartialEq)]
struct Shape {
    /// JSON types allowed; `None` for any.
    types: Option<BTreeSet<String>>,
    /// `enum` / `const` values; `None` for unrestricted.
    values: Option<Vec<Value>>,
    properties: BTreeMap<String, Shape>,
    required: BTreeSet<String>,
    items: Option<Box<Shape>>,
}

impl Shape {
    fn of(v: &Value) -> Shape {
        let Value::Object(map) = v else {
            return Shape::default();
        };
        let mut s = Shape::default();
        match map.get("type") {
            Some(Value::String(t)) => s.types = Some(BTreeSet::from([t.clone()])),
            Some(Value::Array(ts)) => {
                s.types = Some(
                    ts.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                )
            }
            _ => {}
        }
        if let Some(c) = map.get("const") {
            s.values = Some(vec![c.clone()]);
        } else if let Some(Value::Array(e)) = map.get("enum") {
            s.values = Some(e.clone());
        }
        if let Some(Value::Object(props)) = map.get("properties") {
            s.properties = props
                .iter()
                .map(|(k, v)| (k.clone(), Shape::of(v)))
                .collect();
        }
        if let Some(Value::Array(req)) = map.get("required") {
            s.required = req
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
        if let Some(items) = map.get("items") {
            s.items = Some(Box::new(Shape::of(items)));
        }
        if let Some(Value::Array(parts)) = map.get("allOf") {
            for p in parts {
                s = s.and(Shape::of(p));
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(parts)) = map.get(key) {
                let mut iter = parts.iter().map(Shape::of);
                if let Some(first) = iter.next() {
                    s = s.and(iter.fold(first, Shape::or));
                }
            }
        }
        s
    }

    /// Both at once (`allOf`).
    fn and(self, other: Shape) -> Shape {
        let types = match (self.types, other.types) {
            (Some(a), Some(b)) => Some(a.intersection(&b).cloned().collect()),
            (a, b) => a.or(b),
        };
        let values = match (self.values, other.values) {
            (Some(a), Some(b)) => Some(a.into_iter().filter(|v| b.contains(v)).collect()),
            (a, b) => a.or(b),
        };
        let mut properties = self.properties;
        for (k, v) in other.properties {
            let merged = match properties.remove(&k) {
                Some(mine) => mine.and(v),
                None => v,
            };
            properties.insert(k, merged);
        }
        let items = match (self.items, other.items) {
            (Some(a), Some(b)) => Some(Box::new(a.and(*b))),
            (a, b) => a.or(b),
        };
        Shape {
            types,
            values,
            properties,
            required: self.required.union(&other.required).cloned().collect(),
            items,
        }
    }

    /// Either one (`oneOf`, `anyOf`).
    fn or(self, other: Shape) -> Shape {
        let types = match (self.types, other.types) {
            (Some(a), Some(b)) => Some(a.union(&b).cloned().collect()),
            _ => None,
        };
        let values = match (self.values, other.values) {
            (Some(mut a), Some(b)) => {
                for v in b {
                    if !a.contains(&v) {
                        a.push(v);
                    }
                }
                Some(a)
            }
            _ => None,
        };
        let mut properties = self.properties;
        for (k, v) in other.properties {
            let merged = match properties.remove(&k) {
                Some(mine) => mine.or(v),
                None => v,
            };
            properties.insert(k, merged);
        }
        let items = match (self.items, other.items) {
            (Some(a), Some(b)) => Some(Box::new(a.or(*b))),
            (a, b) => a.or(b),
        };
        Shape {
            types,
            values,
            properties,
            required: self
                .required
                .intersection(&other.required)
                .cloned()
                .collect(),
            items,
        }
    }

    /// Declared types, or the types of the allowed values, or those an object shape implies.
    fn effective_types(&self) -> Option<BTreeSet<String>> {
        if let Some(t) = &self.types {
            let mut t = t.clone();
            // An integer is a number: `number` -> `integer` is a narrowing, not a new type.
            if t.contains("number") {
                t.insert("integer".into());
            }
            return Some(t);
        }
        if let Some(values) = &self.values {
            return Some(values.iter().map(|v| json_type(v).to_string()).collect());
        }
        None
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn compare(
    d: &mut ContractDiff,
    base: &str,
    pointer: &str,
    old: &Shape,
    new: &Shape,
    dir: Direction,
) {
    let loc = if pointer.is_empty() {
        base.to_string()
    } else {
        format!("{base} {pointer}")
    };
    let what = if pointer.is_empty() {
        "body".to_string()
    } else {
        format!("`{}`", pointer.trim_start_matches('/'))
    };
    if let (Some(ot), Some(nt)) = (old.effective_types(), new.effective_types())
        && ot != nt
    {
        // What the reader of the value must now accept is what matters: a response may
        // narrow, a request may widen.
        let (narrower, wider) = match dir {
            Direction::Response => (&nt, &ot),
            Direction::Request => (&ot, &nt),
        };
        let safe = narrower.is_subset(wider);
        d.push(
            !safe,
            ChangeKind::TypeChanged,
            &loc,
            format!("{what} type {} -> {}", list(ot.iter()), list(nt.iter())),
        );
        if ot.is_disjoint(&nt) {
            return;
        }
    }
    match (&old.values, &new.values) {
        (Some(o), Some(n)) => {
            let removed: Vec<&Value> = o.iter().filter(|v| !n.contains(v)).collect();
            let added: Vec<&Value> = n.iter().filter(|v| !o.contains(v)).collect();
            if !removed.is_empty() {
                d.push(
                    true,
                    ChangeKind::EnumNarrowed,
                    &loc,
                    format!("{what} values removed: {}", values(&removed)),
                );
            }
            if !added.is_empty() {
                d.push(
                    false,
                    ChangeKind::EnumWidened,
                    &loc,
                    format!("{what} values added: {}", values(&added)),
                );
            }
        }
        (None, Some(n)) => d.push(
            true,
            ChangeKind::EnumNarrowed,
            &loc,
            format!(
                "{what} now restricted to {}",
                values(&n.iter().collect::<Vec<_>>())
            ),
        ),
        (Some(_), None) => d.push(
            false,
            ChangeKind::EnumWidened,
            &loc,
            format!("{what} no longer restricted to a list of values"),
        ),
        (None, None) => {}
    }

    let field_loc = |name: &str| format!("{base} {pointer}/{name}");
    let mut names: BTreeSet<&String> = old.properties.keys().collect();
    names.extend(&old.required);
    let mut new_names: BTreeSet<&String> = new.properties.keys().collect();
    new_names.extend(&new.required);
    let any = Shape::default();
    let shape_of = |s: &'_ Shape, k: &str| -> Shape { s.properties.get(k).unwrap_or(&any).clone() };

    let removed_required: Vec<&String> = names
        .iter()
        .filter(|k| !new_names.contains(*k) && old.required.contains(**k))
        .copied()
        .collect();
    let added_required: Vec<&String> = new_names
        .iter()
        .filter(|k| !names.contains(*k) && new.required.contains(**k))
        .copied()
        .collect();
    let renames = if dir == Direction::Response {
        renames(old, new, &removed_required, &added_required)
    } else {
        Vec::new()
    };

    for name in &names {
        let in_old_required = old.required.contains(*name);
        if !new_names.contains(name) {
            let loc = field_loc(name);
            if let Some((_, to)) = renames.iter().find(|(from, _)| from == *name) {
                d.push(
                    true,
                    ChangeKind::FieldRenamed,
                    &loc,
                    format!("required field `{name}` removed (renamed? {name} -> {to})"),
                );
            } else if in_old_required && dir == Direction::Response {
                d.push(
                    true,
                    ChangeKind::RequiredFieldRemoved,
                    &loc,
                    format!("required field `{name}` removed"),
                );
            } else {
                d.push(
                    false,
                    ChangeKind::FieldRemoved,
                    &loc,
                    format!(
                        "{} field `{name}` removed",
                        if in_old_required {
                            "required"
                        } else {
                            "optional"
                        }
                    ),
                );
            }
            continue;
        }
        let in_new_required = new.required.contains(*name);
        match (in_old_required, in_new_required, dir) {
            (true, false, Direction::Response) => d.push(
                true,
                ChangeKind::FieldBecameOptional,
                &field_loc(name),
                format!("field `{name}` became optional: a consumer reading it may find nothing"),
            ),
            (false, true, Direction::Request) => d.push(
                true,
                ChangeKind::FieldBecameRequired,
                &field_loc(name),
                format!("field `{name}` became required"),
            ),
            (false, true, Direction::Response) => d.push(
                false,
                ChangeKind::FieldBecameRequired,
                &field_loc(name),
                format!("field `{name}` is now always present"),
            ),
            _ => {}
        }
        compare(
            d,
            base,
            &format!("{pointer}/{name}"),
            &shape_of(old, name),
            &shape_of(new, name),
            dir,
        );
    }
    for name in new_names.iter().filter(|k| !names.contains(**k)) {
        if renames.iter().any(|(_, to)| to == *name) {
            continue;
        }
        let required = new.required.contains(*name);
        let breaking = required && dir == Direction::Request;
        d.push(
            breaking,
            ChangeKind::FieldAdded,
            &field_loc(name),
            format!(
                "{} field `{name}` added",
                if required { "required" } else { "optional" }
            ),
        );
    }
    if let (Some(o), Some(n)) = (&old.items, &new.items) {
        compare(d, base, &format!("{pointer}/[]"), o, n, dir);
    }
}

/// Pair removed required fields with added required ones that look like the same field under
/// a new name: a similar name or overlapping values, and compatible types.
fn renames(
    old: &Shape,
    new: &Shape,
    removed: &[&String],
    added: &[&String],
) -> Vec<(String, String)> {
    let any = Shape::default();
    let mut candidates: Vec<(i64, &String, &String)> = Vec::new();
    for from in removed {
        for to in added {
            let o = old.properties.get(*from).unwrap_or(&any);
            let n = new.properties.get(*to).unwrap_or(&any);
            let distance = levenshtein(from, to);
            let longest = from.chars().count().max(to.chars().count());
            let similar_name = distance * 2 <= longest;
            let shared_values = match (&o.values, &n.values) {
                (Some(a), Some(b)) => a.iter().any(|v| b.contains(v)),
                _ => false,
            };
            let types_fit = match (o.effective_types(), n.effective_types()) {
                (Some(a), Some(b)) => !a.is_disjoint(&b),
                _ => true,
            };
            if types_fit && (similar_name || shared_values) {
                let score =
                    10 * i64::from(similar_name) + 10 * i64::from(shared_values) - distance as i64;
                candidates.push((score, from, to));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (_, from, to) in candidates {
        if pairs.iter().all(|(f, t)| f != from && t != to) {
            pairs.push((from.clone(), to.clone()));
        }
    }
    pairs
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn codes(c: &[u16]) -> String {
    c.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

fn list<'a>(items: impl Iterator<Item = &'a String>) -> String {
    items
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn values(v: &[&Value]) -> String {
    v.iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("state", "status"), 2);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }

    #[test]
    fn all_of_merges_and_one_of_folds() {
        let s = Shape::of(&serde_json::json!({
            "allOf": [
                {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}},
                {"properties": {"code": {"enum": ["A", "B"]}}}
            ]
        }));
        assert_eq!(s.required, BTreeSet::from(["code".to_string()]));
        assert_eq!(
            s.properties["code"].values,
            Some(vec![Value::from("A"), Value::from("B")])
        );
        let u = Shape::of(&serde_json::json!({
            "oneOf": [{"type": "string"}, {"type": "null"}]
        }));
        assert_eq!(
            u.types,
            Some(BTreeSet::from(["null".to_string(), "string".to_string()]))
        );
    }
}

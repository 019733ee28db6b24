//! Comparing one operation of both contracts: headers, request body, statuses, bodies.

use super::compare::compare;
use super::shape::Shape;
use super::words::{codes, list};
use super::{ChangeKind, ContractDiff};
use crate::contract::{HeaderParam, Operation, ResponseSpec, Schema};

/// Who writes the value: the provider (a response the consumer reads) or the consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Response,
    Request,
}

/// Every change between the old and the new version of one operation.
pub(super) fn operation(d: &mut ContractDiff, old: &Operation, new: &Operation) {
    let label = old.label();
    for h in &old.headers {
        old_header(d, &label, h, new.header(&h.name));
    }
    for h in new.headers.iter().filter(|h| old.header(&h.name).is_none()) {
        new_header(d, &label, h);
    }
    request_body(d, &label, old, new);
    statuses(d, &label, old, new);
}

/// A header the old contract documents, against the new one's (`None`: gone).
fn old_header(d: &mut ContractDiff, label: &str, h: &HeaderParam, new: Option<&HeaderParam>) {
    let loc = format!("{label} header {}", h.name);
    let Some(n) = new else {
        return header_removed(d, &loc, h);
    };
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

fn header_removed(d: &mut ContractDiff, loc: &str, h: &HeaderParam) {
    if h.selects_session {
        // The consumer relies on it to reach its own session: a provider that ignores it
        // serves every client from one WhatsApp session.
        d.push(
            true,
            ChangeKind::HeaderRemoved,
            loc,
            format!(
                "header `{}` no longer documented, and it selects the session \
                 (x-lmh-selects-session): a provider that ignores it collapses every client \
                 onto one WhatsApp session, so messages go out from the wrong number",
                h.name
            ),
        );
    } else {
        d.push(
            false,
            ChangeKind::HeaderRemoved,
            loc,
            format!(
                "header `{}` no longer documented: the provider may ignore it",
                h.name
            ),
        );
    }
}

/// A header only the new contract documents.
fn new_header(d: &mut ContractDiff, label: &str, h: &HeaderParam) {
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

fn request_body(d: &mut ContractDiff, label: &str, old: &Operation, new: &Operation) {
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
}

/// The operation's success codes (2xx).
fn success(op: &Operation) -> Vec<u16> {
    op.statuses()
        .into_iter()
        .filter(|s| (200..300).contains(s))
        .collect()
}

/// Documented statuses: a changed success code, removed and added ones, each body compared.
fn statuses(d: &mut ContractDiff, label: &str, old: &Operation, new: &Operation) {
    let (old_ok, new_ok) = (success(old), success(new));
    let success_changed = !old_ok.is_empty() && !new_ok.is_empty() && old_ok != new_ok;
    if success_changed {
        d.push(
            true,
            ChangeKind::SuccessStatusChanged,
            label,
            format!(
                "success answered with {} instead of {}",
                codes(&new_ok),
                codes(&old_ok)
            ),
        );
    }
    // A changed success code is one change, not a removed and an added status.
    let skip = |s: u16| success_changed && (200..300).contains(&s);
    for r in &old.responses {
        let loc = format!("{label} {}", r.status);
        match new.response(r.status) {
            Some(n) => body(d, &loc, r, n),
            None if skip(r.status) => {}
            None => d.push(
                true,
                ChangeKind::StatusRemoved,
                &loc,
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
pub(super) fn body(d: &mut ContractDiff, loc: &str, old: &ResponseSpec, new: &ResponseSpec) {
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

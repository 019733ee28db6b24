//! How answers are written in checks: a deviation from the contract, an excerpt of a body,
//! the few words naming an answer.

use serde_json::Value;

use super::AREA;
use crate::contract::{ResponseViolation, snippet};
use crate::report::Check;

/// A failed check for an answer that breaks the contract, with the JSON path and the rule.
pub(super) fn deviation(
    name: &str,
    status: u16,
    media: &str,
    body: &[u8],
    violation: &ResponseViolation,
) -> Check {
    match violation {
        ResponseViolation::UndocumentedStatus { documented, .. } => Check::fail(
            AREA,
            name,
            format!(
                "undocumented status {status} ({media}); the contract documents {}",
                codes(documented)
            ),
        )
        .with_details([format!("answer: {}", excerpt(body))]),
        ResponseViolation::ContentType { .. } => Check::fail(
            AREA,
            name,
            violation.to_string().replacen(
                &format!("status {status}: "),
                &format!("{status}: "),
                1,
            ),
        )
        .with_details([format!("answer: {}", excerpt(body))]),
        ResponseViolation::NotJson { .. } => Check::fail(
            AREA,
            name,
            format!(
                "{status}: the body is not JSON ({media}): {}",
                excerpt(body)
            ),
        ),
        ResponseViolation::Schema { violations, .. } => Check::fail(
            AREA,
            name,
            format!(
                "{status}: the body breaks the contract's schema ({} {})",
                violations.len(),
                if violations.len() == 1 {
                    "rule"
                } else {
                    "rules"
                }
            ),
        )
        .with_details(violations.iter().map(|v| {
            format!(
                "at {}: {} (schema rule {})",
                if v.path.is_empty() { "/" } else { &v.path },
                v.message,
                v.rule
            )
        })),
    }
}

/// The first bytes of a body, quoted; an HTML page reduced to its text (`Cannot GET /send`
/// says more than `<!DOCTYPE html>`).
pub(super) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if !text.trim_start().starts_with('<') {
        return format!("{:?}", snippet(body));
    }
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => {
                in_tag = true;
                plain.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let words = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{:?} (HTML page, text only)", snippet(words.as_bytes()))
}

/// A few words naming an answer: its code, or its state.
pub(super) fn describe(value: &Value) -> String {
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(clean);
    if let Some(code) = text("code") {
        return code;
    }
    if let Some(error) = text("error") {
        return error;
    }
    if let Some(state) = text("state") {
        return format!("state {state}");
    }
    if value.get("qr").is_some() {
        return "a QR".into();
    }
    if let Some(id) = text("message_id") {
        return format!("message_id {id}");
    }
    if let Some(status) = text("status") {
        return format!("status {status}");
    }
    String::new()
}

/// Status codes, comma-separated, or `no such status`.
pub(super) fn codes(c: &[u16]) -> String {
    match c {
        [] => "no such status".into(),
        _ => c.iter().map(u16::to_string).collect::<Vec<_>>().join(", "),
    }
}

/// A provider-supplied string made safe to print.
pub(super) fn clean(s: &str) -> String {
    crate::report::printable(s, 80)
}

//! How values, names and codes are written in a change's detail.

use serde_json::Value;

/// Status codes, comma-separated.
pub(super) fn codes(c: &[u16]) -> String {
    c.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

/// Names in backquotes, comma-separated.
pub(super) fn list<'a>(items: impl Iterator<Item = &'a String>) -> String {
    items
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Enum values as written in a contract, comma-separated.
pub(super) fn values(v: &[&Value]) -> String {
    v.iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

//! The JSON form: one document with title, verdict, tally and every check.

use super::Report;

/// Title, passed, tally and every check.
pub fn render(report: &Report) -> serde_json::Value {
    serde_json::json!({
        "title": report.title,
        "passed": report.passed(),
        "tally": report.tally(),
        "checks": report.checks,
    })
}

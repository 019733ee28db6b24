//! central-hub's own code as a cause of stuck rows: the calls `lmh verify consumer --source`
//! failed, as the doctor's first lines. A call the session-manager does not have (or one
//! without X-Cliente-Id) makes every tick abort before it sends, whatever the database and
//! the session say.

use crate::report::{Check, Outcome};

/// The area of the source checks (see [`crate::source::check`]).
const AREA: &str = "consumer.source";

/// One call in central-hub's code that stops its scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerBlocker {
    /// `file:line:col`.
    pub location: String,
    /// `METHOD /path` as written.
    pub call: String,
    /// What the contract says about it.
    pub why: String,
}

impl ConsumerBlocker {
    /// The diagnosis line: what happens, where, and what to change.
    pub fn line(&self) -> String {
        match self.why.split_once("; nearest: ") {
            Some((_, nearest)) if self.why.starts_with("no such operation") => format!(
                "rows stay pendiente: central-hub's code calls {} ({}), which the session-manager \
                 does not have ({}); it must call {nearest}",
                self.call,
                self.location,
                self.why.split(';').next().unwrap_or(&self.why)
            ),
            _ => format!(
                "rows stay pendiente: central-hub's code calls {} ({}): {}",
                self.call, self.location, self.why
            ),
        }
    }

    /// The reason in a few words, for the next-tick preview.
    pub fn short(&self) -> String {
        format!(
            "central-hub calls {} ({}), which the session-manager refuses",
            self.call, self.location
        )
    }
}

/// The failed source checks among `checks`, as blockers.
pub fn consumer_blockers(checks: &[Check]) -> Vec<ConsumerBlocker> {
    checks
        .iter()
        .filter(|c| c.area == AREA && c.outcome == Outcome::Fail)
        .map(|c| {
            let (call, why) = c
                .summary
                .split_once(": ")
                .unwrap_or((c.summary.as_str(), ""));
            ConsumerBlocker {
                location: c.name.clone(),
                call: call.to_string(),
                why: why.to_string(),
            }
        })
        .collect()
}

/// One line naming the calls lmh could not check, or `None` when there are none.
pub fn not_checked_line(checks: &[Check]) -> Option<String> {
    let skipped: Vec<&Check> = checks
        .iter()
        .filter(|c| c.area == AREA && c.outcome == Outcome::Skip)
        .collect();
    if skipped.is_empty() {
        return None;
    }
    let shown: Vec<String> = skipped
        .iter()
        .take(3)
        .map(|c| {
            format!(
                "{} ({})",
                c.name,
                c.summary.trim_start_matches("not checked: ")
            )
        })
        .collect();
    let more = if skipped.len() > shown.len() {
        format!("; and {} more", skipped.len() - shown.len())
    } else {
        String::new()
    };
    Some(format!(
        "not checked in central-hub's code: {}{more}",
        shown.join("; ")
    ))
}

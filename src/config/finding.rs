//! Findings: what the check found, how bad, about which sources.

use super::Source;
use crate::report::{Check, Outcome};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Checked and fine; reported so every source is named.
    Info,
    /// Not checked, with the reason.
    Skipped,
    /// Works now, but is a trap (shadowed values, assumptions).
    Warning,
    /// Wrong: the services do not find each other, or a source cannot be read.
    Error,
}

impl Severity {
    /// The report outcome for this severity.
    pub fn outcome(self) -> Outcome {
        match self {
            Severity::Info => Outcome::Pass,
            Severity::Skipped => Outcome::Skip,
            Severity::Warning => Outcome::Warn,
            Severity::Error => Outcome::Fail,
        }
    }
}

/// One thing the check found, with the sources it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// What it is about, e.g. `session-manager PORT` or `port agreement`; the check's name.
    pub topic: String,
    /// One line: what was found, naming files and lines.
    pub message: String,
    /// The sources it is about.
    pub sources: Vec<Source>,
    /// Further lines: shadowed values, skipped lines, scan hits.
    pub details: Vec<String>,
}

impl Finding {
    /// A finding about no source yet, without details.
    pub(super) fn new(severity: Severity, topic: &str, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            topic: topic.to_string(),
            message: message.into(),
            sources: Vec::new(),
            details: Vec::new(),
        }
    }

    /// This finding as a report check in area `config`.
    pub fn to_check(&self) -> Check {
        let check = Check::new(
            "config",
            &self.topic,
            self.severity.outcome(),
            self.message.clone(),
        )
        .with_details(self.details.iter().cloned());
        // The first file source is where a person fixes it: annotations point there.
        match self
            .sources
            .iter()
            .find_map(|s| Some((s.file.clone()?, s.line)))
        {
            Some((file, line)) => check.at(file, line),
            None => check,
        }
    }
}

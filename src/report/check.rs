//! One check: what was checked, its outcome and why, where it points.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

/// How the summary of a skipped probe starts when no safe request can provoke the answer; the
/// short terminal form sums those up in one line per area.
pub const NOT_EXERCISED: &str = "not exercised";

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Checked and fine.
    Pass,
    /// Checked, fine, but worth a look.
    Warn,
    /// Not checked, with the reason in the summary.
    Skip,
    /// Checked and wrong.
    Fail,
    /// Could not be checked at all: a usage or setup error stopped the run (exit 2).
    Error,
}

impl Outcome {
    /// Fixed-width label for terminal output.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "ok",
            Outcome::Warn => "warn",
            Outcome::Skip => "skip",
            Outcome::Fail => "FAIL",
            Outcome::Error => "ERR",
        }
    }
}

/// A place in a file a check is about, for annotations (`file=…,line=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// The 1-based line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// One named check with its outcome and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The area it belongs to: `config`, `contract`, `provider`, `consumer`, `e2e`, `db`, ...
    pub area: String,
    /// What was checked, e.g. an invariant or an operation.
    pub name: String,
    /// The outcome.
    pub outcome: Outcome,
    /// One line: what was found.
    pub summary: String,
    /// Further lines: rows, files and lines, JSON paths.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// The file and line it is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// How long it took, when measured.
    #[serde(skip)]
    pub time: Option<Duration>,
}

impl Check {
    /// A check with the given outcome.
    pub fn new(area: &str, name: &str, outcome: Outcome, summary: impl Into<String>) -> Check {
        Check {
            area: area.to_string(),
            name: name.to_string(),
            outcome,
            summary: summary.into(),
            details: Vec::new(),
            location: None,
            time: None,
        }
    }
    /// A passed check.
    pub fn pass(area: &str, name: &str, summary: impl Into<String>) -> Check {
        Check::new(area, name, Outcome::Pass, summary)
    }
    /// A failed check.
    pub fn fail(area: &str, name: &str, summary: impl Into<String>) -> Check {
        Check::new(area, name, Outcome::Fail, summary)
    }
    /// A warning.
    pub fn warn(area: &str, name: &str, summary: impl Into<String>) -> Check {
        Check::new(area, name, Outcome::Warn, summary)
    }
    /// A check that was not run, and why.
    pub fn skip(area: &str, name: &str, why: impl Into<String>) -> Check {
        Check::new(area, name, Outcome::Skip, why)
    }
    /// A usage or setup error that stopped the run.
    pub fn error(area: &str, name: &str, what: impl Into<String>) -> Check {
        Check::new(area, name, Outcome::Error, what)
    }
    /// The same check with detail lines added.
    pub fn with_details(mut self, details: impl IntoIterator<Item = String>) -> Check {
        self.details.extend(details);
        self
    }
    /// The same check, about this file and line.
    pub fn at(mut self, file: impl Into<PathBuf>, line: Option<usize>) -> Check {
        self.location = Some(Location {
            file: file.into(),
            line,
        });
        self
    }
    /// The same check, having taken this long.
    pub fn with_time(mut self, time: Duration) -> Check {
        self.time = Some(time);
        self
    }
    /// The summary and the details, one per line.
    pub fn body(&self) -> String {
        std::iter::once(self.summary.as_str())
            .chain(self.details.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The checks that failed, one `name: summary` line each (for a terse report or a test's
/// assertion message).
pub fn failures(checks: &[Check]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .map(|c| format!("{}: {}", c.name, c.summary))
        .collect()
}

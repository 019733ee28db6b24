//! Check results, and the forms people and CI read them in: terminal text, JSON, JUnit XML,
//! Markdown and GitHub annotations, and a self-contained HTML page.
//!
//! Every command that checks something (e2e, verify, config check, doctor, gate) turns its
//! findings into [`Check`]s inside a [`Report`]; this module knows nothing of where they came from.
//!
//! ```
//! use lmh::report::{Check, Report};
//! let mut report = Report::new("gate");
//! report.push(Check::pass("config", "port agreement", "hub and session-manager agree on 3011"));
//! report.push(Check::fail("contract", "GET /api/session-manager/sessions/sender_51", "no such operation"));
//! assert!(!report.passed());
//! assert!(report.to_junit().contains("<failure"));
//! ```

mod github;
mod html;
mod human;
mod json;
mod junit;
mod markdown;
pub mod timeline;

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

pub use human::Brevity;
pub use timeline::Timeline;

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

/// A titled list of checks.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// What produced it, e.g. `lmh gate`.
    pub title: String,
    /// Every check, in the order they ran.
    pub checks: Vec<Check>,
    /// When the run started.
    #[serde(skip)]
    pub started: chrono::DateTime<chrono::Utc>,
    /// The run of each fixture on its virtual clock, for the HTML page.
    #[serde(skip)]
    pub timelines: Vec<Timeline>,
}

/// Counts per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Passed checks.
    pub pass: usize,
    /// Warnings.
    pub warn: usize,
    /// Skipped checks.
    pub skip: usize,
    /// Failed checks.
    pub fail: usize,
    /// Setup errors.
    pub error: usize,
}

impl Report {
    /// An empty report.
    pub fn new(title: &str) -> Report {
        Report {
            title: title.to_string(),
            checks: Vec::new(),
            started: chrono::Utc::now(),
            timelines: Vec::new(),
        }
    }

    /// Add one check.
    pub fn push(&mut self, check: Check) {
        self.checks.push(check);
    }

    /// Add many checks.
    pub fn extend(&mut self, checks: impl IntoIterator<Item = Check>) {
        self.checks.extend(checks);
    }

    /// True when no check failed (warnings and skips do not fail a report).
    pub fn passed(&self) -> bool {
        self.checks
            .iter()
            .all(|c| !matches!(c.outcome, Outcome::Fail | Outcome::Error))
    }

    /// A report of a run a usage or setup error stopped: the error as its one check, so CI's
    /// report step has something to show.
    pub fn setup_error(title: &str, error: impl Into<String>) -> Report {
        let mut report = Report::new(title);
        report.push(Check::error("setup", "usage or setup", error));
        report
    }

    /// The areas in the order they first appear, each with its checks.
    pub fn areas(&self) -> Vec<(&str, Vec<&Check>)> {
        let mut areas: Vec<(&str, Vec<&Check>)> = Vec::new();
        for c in &self.checks {
            match areas.iter_mut().find(|(a, _)| *a == c.area) {
                Some((_, checks)) => checks.push(c),
                None => areas.push((&c.area, vec![c])),
            }
        }
        areas
    }

    /// `PASS` or `FAIL` (or `ERROR` when a setup error stopped the run).
    pub fn verdict(&self) -> &'static str {
        if self.checks.iter().any(|c| c.outcome == Outcome::Error) {
            "ERROR"
        } else if self.passed() {
            "PASS"
        } else {
            "FAIL"
        }
    }

    /// Counts per outcome.
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for c in &self.checks {
            match c.outcome {
                Outcome::Pass => t.pass += 1,
                Outcome::Warn => t.warn += 1,
                Outcome::Skip => t.skip += 1,
                Outcome::Fail => t.fail += 1,
                Outcome::Error => t.error += 1,
            }
        }
        t
    }

    /// Terminal form: one line per check, details indented, a closing tally.
    pub fn to_human(&self) -> String {
        human::full(self)
    }

    /// Terminal form for long reports: every check that did not pass in full, the passed ones
    /// only counted per area, and never-provoked answers summed up in one line.
    pub fn to_human_brief(&self) -> String {
        human::brief(self)
    }

    /// Terminal form leaving out what `brevity` says.
    pub fn to_human_with(&self, brevity: Brevity) -> String {
        human::render(self, brevity)
    }

    /// JSON form: title, passed, tally and every check.
    pub fn to_json(&self) -> serde_json::Value {
        json::render(self)
    }

    /// JUnit XML: one test suite per area, one test case per check.
    pub fn to_junit(&self) -> String {
        junit::render(self)
    }

    /// Markdown for `$GITHUB_STEP_SUMMARY`: verdict, what did not pass, the rest per area.
    pub fn to_markdown(&self) -> String {
        markdown::render(self)
    }

    /// GitHub workflow commands (`::error file=…,line=…::…`), one per failed or warned check.
    pub fn to_annotations(&self) -> String {
        github::render(self)
    }

    /// One self-contained HTML page: verdict, checks per area, a timeline per fixture.
    pub fn to_html(&self) -> String {
        html::render(self)
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

/// A string from outside (a provider's answer, a consumer's header) made safe to print:
/// at most `max_chars` characters, control characters escaped.
pub fn printable(s: &str, max_chars: usize) -> String {
    let cut: String = s.chars().take(max_chars).collect();
    let mut out = terminal_line(&cut);
    if s.chars().count() > max_chars {
        out.push('…');
    }
    out
}

/// One line of terminal text from values lmh did not write (files, journals, providers):
/// control characters (ANSI escapes, carriage returns, newlines) and bidirectional overrides
/// shown escaped (`\u{1b}`), so no value can move the cursor, recolour or hide a FAIL line.
pub fn terminal_line(s: &str) -> String {
    escape_for_terminal(s, false)
}

/// Like [`terminal_line`] for text of several lines: newlines and tabs are kept.
pub fn terminal_text(s: &str) -> String {
    escape_for_terminal(s, true)
}

fn escape_for_terminal(s: &str, keep_lines: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        if keep_lines && matches!(c, '\n' | '\t') {
            out.push(c);
        } else if c.is_control() || bidi {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// An error and its sources, joined with `: `, without repeating a message.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The innermost error of a chain, the one that says what really happened (e.g. "Connection
/// refused (os error 111)"), without the wrappers that repeat the URL.
pub fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

//! A titled list of checks, its tally and verdict, and the forms it is rendered in.

use serde::Serialize;

use super::{Brevity, Check, Outcome, Timeline, github, html, human, json, junit, markdown};

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

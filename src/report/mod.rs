//! Check results, and the forms people and CI read them in: terminal text, JSON, JUnit XML.
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

use std::fmt::Write as _;

use serde::Serialize;

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
}

impl Outcome {
    /// Fixed-width label for terminal output.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "ok",
            Outcome::Warn => "warn",
            Outcome::Skip => "skip",
            Outcome::Fail => "FAIL",
        }
    }
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
    /// The same check with detail lines added.
    pub fn with_details(mut self, details: impl IntoIterator<Item = String>) -> Check {
        self.details.extend(details);
        self
    }
}

/// A titled list of checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// What produced it, e.g. `lmh gate`.
    pub title: String,
    /// Every check, in the order they ran.
    pub checks: Vec<Check>,
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
}

impl Report {
    /// An empty report.
    pub fn new(title: &str) -> Report {
        Report {
            title: title.to_string(),
            checks: Vec::new(),
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
        self.checks.iter().all(|c| c.outcome != Outcome::Fail)
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
            }
        }
        t
    }

    /// Terminal form: one line per check, details indented, a closing tally.
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.title);
        for c in &self.checks {
            write_check(&mut out, c);
        }
        out.push_str(&self.closing_line());
        out
    }

    /// Terminal form for long reports: every check that did not pass in full, the passed ones
    /// only counted per area.
    pub fn to_human_brief(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.title);
        let mut passed_per_area: Vec<(&str, usize)> = Vec::new();
        for c in &self.checks {
            if c.outcome == Outcome::Pass {
                match passed_per_area.iter_mut().find(|(a, _)| *a == c.area) {
                    Some((_, n)) => *n += 1,
                    None => passed_per_area.push((&c.area, 1)),
                }
                continue;
            }
            write_check(&mut out, c);
        }
        for (area, n) in passed_per_area {
            let _ = writeln!(out, "  [  ok] {area}: {n} checks passed");
        }
        out.push_str(&self.closing_line());
        out
    }

    /// `PASS: 3 passed, 0 failed, 1 warnings, 0 skipped`: the line CI logs end with.
    fn closing_line(&self) -> String {
        let t = self.tally();
        format!(
            "{}: {} passed, {} failed, {} warnings, {} skipped\n",
            if self.passed() { "PASS" } else { "FAIL" },
            t.pass,
            t.fail,
            t.warn,
            t.skip
        )
    }

    /// JSON form: title, passed, tally and every check.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "title": self.title,
            "passed": self.passed(),
            "tally": self.tally(),
            "checks": self.checks,
        })
    }

    /// JUnit XML: one test suite per area, one test case per check.
    pub fn to_junit(&self) -> String {
        let mut areas: Vec<&str> = Vec::new();
        for c in &self.checks {
            if !areas.contains(&c.area.as_str()) {
                areas.push(&c.area);
            }
        }
        let t = self.tally();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            xml(&self.title),
            self.checks.len(),
            t.fail,
            t.skip
        );
        for area in areas {
            let cases: Vec<&Check> = self.checks.iter().filter(|c| c.area == area).collect();
            let fails = cases.iter().filter(|c| c.outcome == Outcome::Fail).count();
            let skips = cases.iter().filter(|c| c.outcome == Outcome::Skip).count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
                xml(area),
                cases.len(),
                fails,
                skips
            );
            for c in cases {
                let _ = write!(
                    out,
                    "    <testcase classname=\"lmh.{}\" name=\"{}\"",
                    xml(area),
                    xml(&c.name)
                );
                let body = std::iter::once(c.summary.as_str())
                    .chain(c.details.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join("\n");
                match c.outcome {
                    Outcome::Fail => {
                        let _ = writeln!(
                            out,
                            ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                            xml(&c.summary),
                            xml(&body)
                        );
                    }
                    Outcome::Skip => {
                        let _ = writeln!(
                            out,
                            ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                            xml(&c.summary)
                        );
                    }
                    Outcome::Pass | Outcome::Warn => {
                        let _ = writeln!(
                            out,
                            ">\n      <system-out>{}</system-out>\n    </testcase>",
                            xml(&body)
                        );
                    }
                }
            }
            let _ = writeln!(out, "  </testsuite>");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

/// One check for a terminal: its line, then its details indented under it.
fn write_check(out: &mut String, c: &Check) {
    let _ = writeln!(
        out,
        "  [{:>4}] {}: {}: {}",
        c.outcome.label(),
        c.area,
        c.name,
        c.summary
    );
    for d in &c.details {
        let _ = writeln!(out, "         {d}");
    }
}

/// Escape text for XML attributes and content, dropping characters XML 1.0 cannot carry.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A string from outside (a provider's answer, a consumer's header) made safe to print:
/// at most `max_chars` characters, control characters escaped.
pub fn printable(s: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for c in s.chars().take(max_chars) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if s.chars().count() > max_chars {
        out.push('…');
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

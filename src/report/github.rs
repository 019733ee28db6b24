//! GitHub workflow commands: `::error file=…,line=…,title=…::message` for each failed check,
//! `::warning …` for each warning, so they show on the run's summary and in the diff.

use std::fmt::Write as _;

use super::{Check, Outcome, Report};

/// One annotation line per failed, errored or warned check.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for c in &report.checks {
        let command = match c.outcome {
            Outcome::Fail | Outcome::Error => "error",
            Outcome::Warn => "warning",
            Outcome::Pass | Outcome::Skip => continue,
        };
        let _ = writeln!(out, "::{command} {}::{}", properties(c), data(&c.body()));
    }
    out
}

/// `file=…,line=…,title=…` (file and line only when the check has them).
fn properties(c: &Check) -> String {
    let mut props = Vec::new();
    if let Some(loc) = &c.location {
        props.push(format!(
            "file={}",
            property(&loc.file.display().to_string())
        ));
        if let Some(line) = loc.line {
            props.push(format!("line={line}"));
        }
    }
    props.push(format!(
        "title={}",
        property(&format!("{}: {}", c.area, c.name))
    ));
    props.join(",")
}

/// A message, escaped as the runner expects (`%`, CR and LF); other control characters are
/// shown escaped, as in the terminal lines, since the Actions log obeys terminal escapes.
fn data(s: &str) -> String {
    super::terminal_text(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: a message's escapes, and `:` and `,` too.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

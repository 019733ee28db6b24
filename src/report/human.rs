//! The terminal form: one line per check, details indented, a closing tally.

use std::fmt::Write as _;

use super::{Check, NOT_EXERCISED, Outcome, Report, terminal_line};

/// What a short terminal form leaves out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Brevity {
    /// Count passed checks per area instead of listing them.
    pub count_passes: bool,
    /// Sum up answers a probe can never provoke in one line per area.
    pub group_not_exercised: bool,
}

/// Every check, every detail.
pub fn full(report: &Report) -> String {
    render(report, Brevity::default())
}

/// Passed checks counted per area, never-provoked answers summed up.
pub fn brief(report: &Report) -> String {
    render(
        report,
        Brevity {
            count_passes: true,
            group_not_exercised: true,
        },
    )
}

/// The terminal form, leaving out what `brevity` says.
pub fn render(report: &Report, brevity: Brevity) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", terminal_line(&report.title));
    let mut passed_per_area: Vec<(&str, usize)> = Vec::new();
    let mut unexercised_per_area: Vec<(&str, Vec<&str>)> = Vec::new();
    for c in &report.checks {
        if brevity.count_passes && c.outcome == Outcome::Pass {
            match passed_per_area.iter_mut().find(|(a, _)| *a == c.area) {
                Some((_, n)) => *n += 1,
                None => passed_per_area.push((&c.area, 1)),
            }
            continue;
        }
        if brevity.group_not_exercised && is_not_exercised(c) {
            match unexercised_per_area.iter_mut().find(|(a, _)| *a == c.area) {
                Some((_, names)) => names.push(&c.name),
                None => unexercised_per_area.push((&c.area, vec![&c.name])),
            }
            continue;
        }
        write_check(&mut out, c);
    }
    for (area, names) in unexercised_per_area {
        let _ = writeln!(
            out,
            "  [skip] {}: {} documented answers no safe request can provoke ({}); --verbose says why",
            terminal_line(area),
            names.len(),
            terminal_line(&names.join(", "))
        );
    }
    for (area, n) in passed_per_area {
        let _ = writeln!(out, "  [  ok] {}: {n} checks passed", terminal_line(area));
    }
    out.push_str(&closing_line(report));
    out
}

/// A skipped probe of a documented answer no safe request provokes.
fn is_not_exercised(c: &Check) -> bool {
    c.outcome == Outcome::Skip && c.summary.starts_with(NOT_EXERCISED)
}

/// `PASS: 3 passed, 0 failed, 1 warnings, 0 skipped`: the line CI logs end with.
pub fn closing_line(report: &Report) -> String {
    let t = report.tally();
    let errors = if t.error > 0 {
        format!(", {} setup errors", t.error)
    } else {
        String::new()
    };
    format!(
        "{}: {} passed, {} failed, {} warnings, {} skipped{errors}\n",
        report.verdict(),
        t.pass,
        t.fail,
        t.warn,
        t.skip
    )
}

/// One check for a terminal: its line, then its details indented under it.
fn write_check(out: &mut String, c: &Check) {
    let _ = writeln!(
        out,
        "  [{:>4}] {}: {}: {}",
        c.outcome.label(),
        terminal_line(&c.area),
        terminal_line(&c.name),
        terminal_line(&c.summary)
    );
    for d in &c.details {
        let _ = writeln!(out, "         {}", terminal_line(d));
    }
}

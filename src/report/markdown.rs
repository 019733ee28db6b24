//! Markdown for `$GITHUB_STEP_SUMMARY`: the verdict first, then every check that did not pass,
//! then the passed ones per area, folded.

use std::fmt::Write as _;

use super::{Check, Outcome, Report};

/// The report as GitHub-flavoured Markdown.
pub fn render(report: &Report) -> String {
    let t = report.tally();
    let mut out = String::new();
    let icon = match report.verdict() {
        "PASS" => "✅",
        "FAIL" => "❌",
        _ => "⛔",
    };
    let _ = writeln!(
        out,
        "## {icon} {}: {}\n",
        text(&report.title),
        report.verdict()
    );
    let _ = writeln!(
        out,
        "**{} failed**, {} passed, {} warnings, {} skipped{}\n",
        t.fail,
        t.pass,
        t.warn,
        t.skip,
        if t.error > 0 {
            format!(", **{} setup errors**", t.error)
        } else {
            String::new()
        }
    );
    let notable: Vec<&Check> = report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail | Outcome::Error | Outcome::Warn))
        .collect();
    if !notable.is_empty() {
        out.push_str("| | Area | Check | Finding |\n|---|---|---|---|\n");
        for c in notable {
            row(&mut out, c);
        }
        out.push('\n');
    }
    for (area, checks) in report.areas() {
        let rest: Vec<&&Check> = checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Pass | Outcome::Skip))
            .collect();
        if rest.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<details><summary>{}: {} passed, {} skipped</summary>\n",
            text(area),
            rest.iter().filter(|c| c.outcome == Outcome::Pass).count(),
            rest.iter().filter(|c| c.outcome == Outcome::Skip).count()
        );
        out.push_str("| | Check | Finding |\n|---|---|---|\n");
        for c in rest {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                mark(c.outcome),
                cell(&c.name),
                cell(&c.summary)
            );
        }
        out.push_str("\n</details>\n\n");
    }
    out
}

fn row(out: &mut String, c: &Check) {
    let mut finding = cell(&c.summary);
    if let Some(loc) = &c.location {
        let line = loc.line.map(|l| format!(":{l}")).unwrap_or_default();
        finding.push_str(&format!(
            " (`{}{line}`)",
            loc.file.display().to_string().replace('`', "'")
        ));
    }
    for d in c.details.iter().take(10) {
        finding.push_str("<br>");
        finding.push_str(&cell(d));
    }
    if c.details.len() > 10 {
        finding.push_str(&format!("<br>… {} more lines", c.details.len() - 10));
    }
    let _ = writeln!(
        out,
        "| {} | {} | {} | {finding} |",
        mark(c.outcome),
        cell(&c.area),
        cell(&c.name)
    );
}

fn mark(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "✅",
        Outcome::Warn => "⚠️",
        Outcome::Skip => "⏭️",
        Outcome::Fail => "❌",
        Outcome::Error => "⛔",
    }
}

/// Text outside tables: HTML and Markdown specials escaped, one line.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// A table cell: as [`text`], and never longer than a screen.
fn cell(s: &str) -> String {
    let cut: String = s.chars().take(400).collect();
    let mut out = text(&cut);
    if s.chars().count() > 400 {
        out.push('…');
    }
    out
}

//! One self-contained HTML page for a person after a run: the verdict first, every check grouped
//! by area, and per fixture a timeline of its run on the virtual clock, drawn as inline SVG.
//! No script, no stylesheet or font from the network: it opens from a CI artifact as it is.
//! The markup is well-formed XML too, so tests can parse it with an XML parser.

use std::fmt::Write as _;

use chrono::{Duration, NaiveDateTime};

use super::timeline::{Lane, Timeline};
use super::{Check, Outcome, Report};

mod chart;

const STYLE: &str = "
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:0 16px 40px}
header.verdict{padding:18px 24px;color:#fff}
header.pass{background:#1f7a3d} header.fail{background:#b3261e} header.error{background:#6b1f9e}
header h1{margin:0;font-size:26px} header p{margin:4px 0 0}
h2{margin:28px 0 8px;font-size:19px}
table{border-collapse:collapse;width:100%;background:#fff}
td,th{border-bottom:1px solid #e2e5ea;padding:4px 8px;text-align:left;vertical-align:top}
td.o{white-space:nowrap;font-weight:600;width:4em}
.fail td.o,.error td.o{color:#b3261e} .warn td.o{color:#a05a00} .skip td.o{color:#6b7280} .pass td.o{color:#1f7a3d}
.details{color:#4b5563;font-size:12px;white-space:pre-wrap;margin:2px 0 0}
details{background:#fff;margin:6px 0;border:1px solid #e2e5ea;border-radius:6px}
summary{padding:6px 10px;cursor:pointer;font-weight:600}
details.more{border:0;margin:0} details.more summary{padding:0;font-weight:400;font-size:12px;color:#4b5563}
figure{background:#fff;margin:12px 0;padding:10px 14px;border:1px solid #e2e5ea;border-radius:6px}
figure h3{margin:0 0 4px} .held{color:#1f7a3d} .broken{color:#b3261e} figure p{margin:0 0 6px;color:#4b5563}
svg text{font:11px system-ui,sans-serif;fill:#1d2330}
ul.skips{margin:2px 0 10px;font-size:12px;color:#4b5563}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
";

/// The whole page.
pub fn render(report: &Report) -> String {
    let verdict = report.verdict();
    let t = report.tally();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\
         <meta name=\"viewport\" content=\"width=device-width\"/><title>{}: {verdict}</title>\
         <style>{STYLE}</style></head><body>\n",
        esc(&report.title)
    );
    let _ = write!(
        out,
        "<header class=\"verdict {}\" id=\"verdict\"><h1>{}: {verdict}</h1>\
         <p>{} failed, {} passed, {} warnings, {} skipped{} · started {} UTC</p></header>\n<main>\n",
        verdict.to_ascii_lowercase(),
        esc(&report.title),
        t.fail,
        t.pass,
        t.warn,
        t.skip,
        if t.error > 0 {
            format!(", {} setup errors", t.error)
        } else {
            String::new()
        },
        report.started.format("%Y-%m-%d %H:%M:%S")
    );
    notable(&mut out, report);
    areas(&mut out, report);
    if !report.timelines.is_empty() {
        out.push_str("<h2 id=\"timelines\">Timelines (virtual clock, business-local time)</h2>\n");
        out.push_str(chart::LEGEND);
        for timeline in &report.timelines {
            fixture(&mut out, timeline);
        }
    }
    out.push_str("</main></body></html>\n");
    out
}

/// What did not pass, first.
fn notable(out: &mut String, report: &Report) {
    let notable: Vec<&Check> = report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail | Outcome::Error | Outcome::Warn))
        .collect();
    if notable.is_empty() {
        return;
    }
    out.push_str("<h2 id=\"attention\">Needs attention</h2>\n<table>");
    for c in notable {
        row(out, c, true);
    }
    out.push_str("</table>\n");
}

/// Every check, per area; areas with a failure are open.
fn areas(out: &mut String, report: &Report) {
    out.push_str("<h2 id=\"checks\">Every check</h2>\n");
    for (area, checks) in report.areas() {
        let count = |o: Outcome| checks.iter().filter(|c| c.outcome == o).count();
        let bad = count(Outcome::Fail) + count(Outcome::Error);
        let _ = write!(
            out,
            "<details class=\"area\" data-area=\"{}\"{}><summary>{}: {} ok, {bad} failed, {} warnings, {} skipped</summary><table>",
            esc(area),
            if bad > 0 { " open=\"open\"" } else { "" },
            esc(area),
            count(Outcome::Pass),
            count(Outcome::Warn),
            count(Outcome::Skip)
        );
        for c in checks {
            row(out, c, false);
        }
        out.push_str("</table></details>\n");
    }
}

fn row(out: &mut String, c: &Check, with_area: bool) {
    let class = format!("{:?}", c.outcome).to_ascii_lowercase();
    let area = if with_area {
        format!("<td>{}</td>", esc(&c.area))
    } else {
        String::new()
    };
    let mut finding = esc(&c.summary);
    if let Some(loc) = &c.location {
        let line = loc.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = write!(
            finding,
            " <code>{}{line}</code>",
            esc(&loc.file.display().to_string())
        );
    }
    // A few lines at once; a long list folds, so the next failure stays in sight.
    let (shown, folded) = c.details.split_at(c.details.len().min(5));
    if !shown.is_empty() {
        let _ = write!(
            finding,
            "<div class=\"details\">{}</div>",
            esc(&shown.join("\n"))
        );
    }
    if !folded.is_empty() {
        let _ = write!(
            finding,
            "<details class=\"more\"><summary>{} more lines</summary><div class=\"details\">{}</div></details>",
            folded.len(),
            esc(&folded.join("\n"))
        );
    }
    let _ = write!(
        out,
        "<tr class=\"check {class}\"><td class=\"o\">{}</td>{area}<td>{}</td><td>{finding}</td></tr>",
        c.outcome.label(),
        esc(&c.name)
    );
}

/// One fixture: heading, description, the chart, and why ticks skipped.
fn fixture(out: &mut String, t: &Timeline) {
    let _ = writeln!(
        out,
        "<figure class=\"timeline\" data-fixture=\"{}\"><h3>{} — <span class=\"{}\">{}</span></h3><p>{} · {}</p>",
        esc(&t.fixture),
        esc(&t.fixture),
        if t.passed { "held" } else { "broken" },
        if t.passed {
            "invariants hold"
        } else {
            "INVARIANTS FAILED"
        },
        esc(&t.description),
        esc(&t.tz)
    );
    let (t0, t1) = span(t);
    out.push_str(&chart::svg(t, t0, t1));
    for lane in &t.lanes {
        skips(out, lane);
    }
    out.push_str("</figure>\n");
}

/// Why a programación's ticks skipped, counted per reason, with the scheduler's words.
fn skips(out: &mut String, lane: &Lane) {
    let mut reasons: Vec<(&str, usize, &str)> = Vec::new();
    for m in &lane.ticks {
        if let Some(skip) = &m.skip {
            match reasons.iter_mut().find(|(r, ..)| *r == skip.as_str()) {
                Some((_, n, _)) => *n += 1,
                None => reasons.push((skip, 1, &m.detail)),
            }
        }
    }
    if reasons.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<ul class=\"skips\">programación {}:",
        lane.programacion_id
    );
    for (reason, n, detail) in reasons {
        let _ = write!(out, "<li><b>{}</b> ×{n}: {}</li>", esc(reason), esc(detail));
    }
    out.push_str("</ul>\n");
}

/// The run's time span: start to the last thing recorded (at least an hour).
fn span(t: &Timeline) -> (NaiveDateTime, NaiveDateTime) {
    let last = t
        .lanes
        .iter()
        .flat_map(|l| {
            l.samples
                .iter()
                .map(|s| s.at)
                .chain(l.ticks.iter().map(|m| m.at))
        })
        .chain(t.general.iter().map(|m| m.at))
        .max()
        .unwrap_or(t.start);
    let end = last.max(t.start + Duration::hours(1));
    (t.start, end + (end - t.start) / 50)
}

/// Text for HTML and XML: markup characters escaped, control characters made visible.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in super::junit::xml_safe(s).chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

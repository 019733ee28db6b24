//! JUnit XML, written with `quick-junit`: one test suite per area, one test case per check.
//!
//! Shaped for the JUnit schema Jenkins and the GitHub test-report actions read: every suite has
//! `tests`, `failures`, `errors`, `skipped`, `time` and `timestamp`; every case has `time`; the
//! `(classname, name)` pairs are unique; a warning passes but says `WARNING:` in its
//! `system-out`; a setup error is an `error` case; characters XML 1.0 forbids never get in.

use std::collections::BTreeMap;
use std::time::Duration;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use super::{Check, Outcome, Report};

/// The report as a JUnit XML document.
pub fn render(report: &Report) -> String {
    let started = report.started.fixed_offset();
    let mut junit = quick_junit::Report::new(xml_safe(&report.title));
    junit.set_timestamp(started);
    let mut total = Duration::ZERO;
    for (area, checks) in report.areas() {
        let mut suite = TestSuite::new(xml_safe(area));
        suite.set_timestamp(started);
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut time = Duration::ZERO;
        for check in checks {
            let name = unique_name(&mut seen, &check.name);
            let case = test_case(check, &name, area);
            time += check.time.unwrap_or_default();
            suite.add_test_case(case);
        }
        suite.set_time(time);
        total += time;
        junit.add_test_suite(suite);
    }
    let elapsed = (chrono::Utc::now() - report.started)
        .to_std()
        .unwrap_or_default();
    junit.set_time(elapsed.max(total));
    junit.to_string().unwrap_or_else(|e| {
        // Only an I/O error of the writer can fail it, and a String cannot have one.
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- {} -->\n",
            xml_safe(&e.to_string()).replace("--", "- -")
        )
    })
}

/// The check's name, or, when the area already has a case of that name, `name (2)`, `name (3)`...
fn unique_name(seen: &mut BTreeMap<String, usize>, name: &str) -> String {
    let n = seen.entry(name.to_string()).or_insert(0);
    *n += 1;
    if *n == 1 {
        name.to_string()
    } else {
        format!("{name} ({n})")
    }
}

fn test_case(check: &Check, name: &str, area: &str) -> TestCase {
    let body = xml_safe(&check.body());
    let status = match check.outcome {
        Outcome::Pass | Outcome::Warn => TestCaseStatus::success(),
        Outcome::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(xml_safe(&check.summary));
            s
        }
        Outcome::Fail | Outcome::Error => {
            let kind = if check.outcome == Outcome::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(xml_safe(&check.summary));
            s.set_type(format!(
                "lmh.{}",
                if kind == NonSuccessKind::Failure {
                    "check-failed"
                } else {
                    "setup-error"
                }
            ));
            s.set_description(body.clone());
            s
        }
    };
    let mut case = TestCase::new(xml_safe(name), status);
    case.set_classname(xml_safe(&format!("lmh.{area}")));
    case.set_time(check.time.unwrap_or_default());
    match check.outcome {
        Outcome::Warn => {
            case.set_system_out(format!("WARNING: {body}"));
        }
        Outcome::Pass => {
            case.set_system_out(body);
        }
        _ => {}
    }
    case
}

/// Text XML 1.0 can carry: control characters other than tab and line breaks, and U+FFFE /
/// U+FFFF, become U+FFFD (so a provider's stray byte shows, instead of breaking the file).
pub fn xml_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

//! The forms CI and people read: JUnit against the schema's rules, Markdown and annotations
//! for GitHub, the HTML page (parsed, and rendered by headless Chromium when it is installed).

use std::process::Command;

use lmh::report::timeline::{Lane, Sample, TickMark, Timeline};
use lmh::report::{Check, Report};

use crate::helpers::{self, lmh, output, root, run_lmh, seed_day};
use crate::junit_schema::{assert_valid, validate};

/// A report with every outcome, a repeated name and text XML cannot carry.
fn every_outcome() -> Report {
    let mut r = Report::new("lmh test \u{1}report");
    r.push(Check::pass("config", "port agreement", "3011 <&> \"both\""));
    r.push(
        Check::warn("config", "side effects", "created a session")
            .with_details(["detail \u{1b}[31mred".into()]),
    );
    r.push(Check::skip(
        "contract.mock",
        "GET /qr 500",
        "not exercised: server fault",
    ));
    r.push(Check::fail(
        "contract.mock",
        "GET /qr 500",
        "answered \u{0}\u{FFFE}\u{FFFF} bytes",
    ));
    r.push(Check::error(
        "setup",
        "usage or setup",
        "--fixtures nope: cannot read",
    ));
    r
}

#[test]
fn junit_of_every_outcome_follows_the_schema() {
    let xml = every_outcome().to_junit();
    assert_valid(&xml);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let case = |name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
            .unwrap_or_else(|| panic!("no case {name}: {xml}"))
    };
    // The repeated name is made unique, not dropped.
    assert!(
        case("GET /qr 500")
            .children()
            .any(|k| k.has_tag_name("skipped"))
    );
    assert!(
        case("GET /qr 500 (2)")
            .children()
            .any(|k| k.has_tag_name("failure"))
    );
    // A warning passes but says so where reporters show it.
    let out = case("side effects")
        .children()
        .find(|k| k.has_tag_name("system-out"))
        .unwrap();
    assert!(
        out.text()
            .unwrap()
            .starts_with("WARNING: created a session"),
        "{xml}"
    );
    // The setup error is an error, not a failure.
    assert!(
        case("usage or setup")
            .children()
            .any(|k| k.has_tag_name("error"))
    );
    let root = doc.root_element();
    assert_eq!(root.attribute("errors"), Some("1"));
    assert_eq!(root.attribute("failures"), Some("1"));
    assert!(!xml.contains('\u{FFFE}') && !xml.contains('\u{1}'), "{xml}");
}

#[test]
fn the_schema_check_rejects_what_reporters_reject() {
    let bad = r#"<?xml version="1.0"?><testsuites><testsuite name="a" tests="2" failures="0">
        <testcase name="x" classname="c"><system-out/><failure/></testcase>
        <testcase name="x" classname="c" flaky="yes"/></testsuite></testsuites>"#;
    let errors = validate(bad).unwrap_err().join("\n");
    for rule in [
        "lacks time",
        "lacks timestamp",
        "lacks skipped",
        "out of order",
        "twice",
        "\"flaky\"",
    ] {
        assert!(errors.contains(rule), "{rule} not caught:\n{errors}");
    }
    assert!(
        validate("<testsuites><testsuite name=\"a\" tests=\"1\">\u{1}</testsuite></testsuites>")
            .is_err()
    );
}

#[test]
fn every_command_offering_junit_prints_valid_junit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("diff.xml");
    let hub = root("tests/data/config/seed/central-hub");
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["contract", "ops", "v2", "--format", "junit"], 0),
        (vec!["contract", "diff", "v1", "v2", "--format", "junit"], 1),
        (
            vec![
                "config",
                "check",
                "--hub",
                &hub,
                "--sm-shell",
                "PORT=3011",
                "--format",
                "junit",
            ],
            1,
        ),
        (
            vec!["gate", "--no-e2e", "--contract", "v2", "--format", "junit"],
            1,
        ),
    ];
    for (args, code) in cases {
        let (got, out, err) = run_lmh(&args);
        assert_eq!(got, code, "{args:?}: {err}");
        assert_valid(&out);
    }
    // `contract diff` takes --junit like every checking command.
    let (code, out, err) = run_lmh(&[
        "contract",
        "diff",
        "v1",
        "v2",
        "--junit",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("POST /send"), "{out}");
    let xml = std::fs::read_to_string(&file).unwrap();
    assert_valid(&xml);
    assert!(xml.contains("operation-removed"), "{xml}");
}

#[test]
fn a_setup_error_still_writes_the_junit_file_with_an_error_case() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("gate.xml");
    let md = dir.path().join("gate.md");
    let (code, _, err) = run_lmh(&[
        "gate",
        "--no-e2e",
        "--contract",
        "/nonexistent/openapi.yaml",
        "--junit",
        junit.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_valid(&xml);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let error = doc
        .descendants()
        .find(|n| n.has_tag_name("error"))
        .expect("an error case");
    assert!(
        error
            .attribute("message")
            .unwrap()
            .contains("/nonexistent/openapi.yaml"),
        "{xml}"
    );
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .contains("lmh gate: ERROR")
    );
}

#[test]
fn a_failed_check_with_a_file_and_line_is_a_github_annotation_and_a_summary_row() {
    let hub = root("tests/data/config/seed/central-hub");
    let (code, out, err) = run_lmh(&[
        "config",
        "check",
        "--hub",
        &hub,
        "--sm-shell",
        "PORT=3011",
        "--format",
        "github",
    ]);
    assert_eq!(code, 1, "{err}");
    let annotation = out
        .lines()
        .find(|l| l.starts_with("::error file=") && l.contains("title=config%3A port agreement"))
        .unwrap_or_else(|| panic!("no annotation for the port agreement: {out}"));
    assert!(annotation.contains(",line="), "{annotation}");
    // The human lines follow for the log.
    assert!(out.contains("FAIL: "), "{out}");

    let (code, md, _) = run_lmh(&[
        "gate",
        "--no-e2e",
        "--contract",
        "v2",
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 1);
    assert!(md.starts_with("## ❌ lmh gate: FAIL"), "{md}");
    assert!(md.contains("| ❌ | contract.diff | POST /send |"), "{md}");
    assert!(md.contains("<details><summary>contract.mock:"), "{md}");
}

#[test]
fn the_default_gate_output_sums_up_answers_no_probe_can_provoke() {
    let (_, short, _) = run_lmh(&["gate", "--no-e2e"]);
    let (_, verbose, _) = run_lmh(&["gate", "--no-e2e", "--verbose"]);
    let skips = |s: &str| {
        s.lines()
            .filter(|l| l.contains("[skip] contract.mock"))
            .count()
    };
    assert_eq!(skips(&short), 1, "{short}");
    assert!(
        short.contains("documented answers no safe request can provoke"),
        "{short}"
    );
    assert!(skips(&verbose) > 5, "{verbose}");
}

/// The seed's gate, with the HTML page: it fails on the configuration and the consumer.
fn seed_gate_html(dir: &std::path::Path) -> String {
    let html = dir.join("gate.html");
    let (code, _, err) = output(helpers::seed_gate().args(["--html", html.to_str().unwrap()]));
    assert_eq!(code, 1, "{err}");
    std::fs::read_to_string(&html).unwrap()
}

#[test]
fn the_html_report_puts_the_verdict_first_and_draws_each_fixtures_run() {
    let dir = tempfile::tempdir().unwrap();
    let html = seed_gate_html(dir.path());
    let body = html.split_once("<!DOCTYPE html>").map(|(_, b)| b).unwrap();
    let doc = roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("{e}: {html}"));
    let class = |n: roxmltree::Node, c: &str| {
        n.attribute("class")
            .is_some_and(|v| v.split(' ').any(|x| x == c))
    };
    let first = doc
        .descendants()
        .find(|n| n.has_tag_name("header"))
        .unwrap();
    assert_eq!(first.attribute("id"), Some("verdict"));
    let verdict: String = first.descendants().filter_map(|n| n.text()).collect();
    assert!(verdict.contains("lmh gate: FAIL"), "{verdict}");
    // Every area is a group; the failing ones are open.
    let areas: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("details"))
        .collect();
    for area in ["config", "contract.consumer", "e2e", "e2e.seed-incident"] {
        assert!(
            areas.iter().any(|a| a.attribute("data-area") == Some(area)),
            "no group {area}"
        );
    }
    // The fixture's timeline: one lane per programación, rows by estado, a mark per tick.
    let figure = doc
        .descendants()
        .find(|n| n.attribute("data-fixture") == Some("seed-incident"))
        .unwrap();
    let lanes = figure.descendants().filter(|n| class(*n, "lane")).count();
    assert_eq!(lanes, 3, "the seed has three programaciones");
    assert!(figure.descendants().any(|n| class(n, "enviado")));
    assert!(
        figure
            .descendants()
            .any(|n| class(n, "tick") && class(n, "sent"))
    );
    assert!(figure.descendants().any(|n| class(n, "window")));
    assert!(figure.descendants().any(|n| class(n, "cupo")));
    // Self-contained: nothing to fetch (URLs appear only as text of the findings).
    for n in doc.descendants() {
        for a in ["src", "href", "xlink:href", "srcset", "action"] {
            assert!(
                n.attribute(a).is_none(),
                "<{:?} {a}=...> in the page",
                n.tag_name()
            );
        }
        assert!(!["script", "link", "iframe", "img", "object"].contains(&n.tag_name().name()));
    }
    for needle in ["@import", "url("] {
        assert!(!html.contains(needle), "{needle} in the page");
    }
}

/// Headless Chromium, when installed (ci/test.sh installs it and sets LMH_REQUIRE_CHROMIUM=1).
fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() && std::env::var("LMH_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
        panic!("LMH_REQUIRE_CHROMIUM=1 but no chromium: apt-get install -y chromium");
    }
    found
}

fn chromium_args(profile: &std::path::Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// The browser, killed after 90 s should it hang (coreutils `timeout`).
fn bounded(browser: &str) -> Command {
    let mut c = Command::new("timeout");
    c.args(["--kill-after=5", "90", browser]);
    c
}

#[test]
fn headless_chromium_renders_the_html_report() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    seed_gate_html(dir.path());
    let page = format!("file://{}", dir.path().join("gate.html").display());
    let profile = tempfile::tempdir().unwrap();
    let dom = bounded(browser)
        .args(chromium_args(profile.path()))
        .args(["--dump-dom", &page])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("lmh gate: FAIL"), "{dom}");
    assert_eq!(dom.matches("class=\"lane\"").count(), 3, "{dom}");

    let shot = dir.path().join("gate.png");
    let out = bounded(browser)
        .args(chromium_args(profile.path()))
        .args([
            format!("--screenshot={}", shot.display()),
            "--window-size=1100,1400".into(),
            page,
        ])
        .output()
        .unwrap();
    let png = std::fs::read(&shot)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    if let Ok(keep) = std::env::var("LMH_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}

#[test]
fn the_gate_runs_from_any_directory_with_the_fixtures_built_in() {
    let out = lmh()
        .current_dir("/")
        .args([
            "gate",
            "--db-url",
            &helpers::server_url(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fixtures: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["area"] == "e2e")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        fixtures.len(),
        lmh::fixtures::EMBEDDED.len(),
        "{fixtures:?}"
    );
    // --fixtures still overrides, and a wrong one names the flag's value.
    let out = lmh()
        .current_dir("/")
        .args([
            "gate",
            "--db-url",
            &helpers::server_url(),
            "--fixtures",
            "nope.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.yaml"));
}

#[test]
fn a_fixture_that_does_not_load_is_an_annotation_at_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "description: x\ntz: America/Argentina/Buenos_Aires\nstart: nope\n",
    )
    .unwrap();
    let junit = dir.path().join("e2e.xml");
    let (code, out, _) = run_lmh(&[
        "e2e",
        "--db-url",
        &helpers::server_url(),
        "--fixtures",
        bad.to_str().unwrap(),
        "--format",
        "github",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}");
    let expected = format!("::error file={},line=3,", bad.display());
    assert!(out.starts_with(&expected), "{out}");
    assert_valid(&std::fs::read_to_string(&junit).unwrap());
}

#[test]
fn annotations_escape_what_the_runner_would_misread() {
    let mut r = Report::new("t");
    r.push(
        Check::fail("config", "a, b: c", "100% wrong\nsecond line").at("dir/x,y:z.env", Some(7)),
    );
    r.push(Check::warn(
        "contract.mock",
        "side effects",
        "created a session",
    ));
    r.push(Check::pass("config", "ok", "fine"));
    let a = r.to_annotations();
    let lines: Vec<&str> = a.lines().collect();
    assert_eq!(
        lines,
        vec![
            "::error file=dir/x%2Cy%3Az.env,line=7,title=config%3A a%2C b%3A c::100%25 wrong%0Asecond line",
            "::warning title=contract.mock%3A side effects::created a session",
        ]
    );
}

/// A value from a hostile file reaches the Actions log through an annotation: its terminal
/// escapes are shown, not obeyed, as in the terminal lines.
#[test]
fn annotations_escape_terminal_control_characters() {
    let mut r = Report::new("t");
    r.push(Check::fail(
        "config\u{1b}]0;x\u{7}",
        "URL",
        "`http://h:1\u{1b}[2K\u{1b}[1A[  ok] all good` is not a URL\u{202E}",
    ));
    let a = r.to_annotations();
    assert!(!a.chars().any(|c| c.is_control() && c != '\n'), "{a:?}");
    assert!(!a.contains('\u{202E}'), "{a:?}");
    assert!(a.contains("\\u{1b}[2K"), "{a:?}");
}

/// Programación 7, Tuesdays 9–18 with a cupo of 2: a tick skipped for the window at 08:55,
/// two sends at 09:00, a tick skipped for the quota at 09:01.
fn a_lane_with_two_skips() -> Lane {
    Lane {
        programacion_id: 7,
        campania_id: 3,
        cliente_id: 51,
        hora_inicio: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        hora_fin: chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
        weekdays: vec![1],
        cupo_diario: 2,
        samples: vec![
            Sample {
                at: seed_day(8, 55),
                pendiente: 3,
                ..Sample::default()
            },
            Sample {
                at: seed_day(9, 0),
                pendiente: 1,
                enviado: 2,
                error: 0,
            },
        ],
        ticks: vec![
            TickMark {
                at: seed_day(8, 55),
                skip: Some("skip_window".into()),
                detail: "08:55 outside <9-18>".into(),
                ..TickMark::default()
            },
            TickMark {
                at: seed_day(9, 0),
                sent: 2,
                ..TickMark::default()
            },
            TickMark {
                at: seed_day(9, 1),
                skip: Some("skip_quota_exhausted".into()),
                detail: "cupo 2 used".into(),
                ..TickMark::default()
            },
        ],
    }
}

/// The HTML page of a report holding `lane`'s timeline, from its doctype on.
fn timeline_page(lane: Lane) -> String {
    let mut r = Report::new("lmh e2e");
    r.timelines.push(Timeline {
        fixture: "t".into(),
        start: seed_day(8, 55),
        lanes: vec![lane],
        ..Timeline::default()
    });
    let html = r.to_html();
    html.split_once("<!DOCTYPE html>").unwrap().1.to_string()
}

/// The text of every element named `tag`, one string per element.
fn texts_of(doc: &roxmltree::Document, tag: &str) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name(tag))
        .map(|n| n.descendants().filter_map(|t| t.text()).collect())
        .collect()
}

#[test]
fn a_skipped_tick_says_why_on_the_chart_and_under_it() {
    let body = timeline_page(a_lane_with_two_skips());
    let doc = roxmltree::Document::parse(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    // On the chart: each tick's circle says what it did, or why it skipped.
    let titles = texts_of(&doc, "circle");
    assert_eq!(titles.len(), 3);
    assert!(
        titles[0].ends_with("skip_window: 08:55 outside <9-18>"),
        "{titles:?}"
    );
    assert!(titles[1].contains("sent 2"), "{titles:?}");
    // Under it: the skips, counted, with their words.
    let listed: String = texts_of(&doc, "li").concat();
    assert!(
        listed.contains("skip_quota_exhausted ×1: cupo 2 used"),
        "{listed}"
    );
    // Tuesday is chrono's day 1 from Monday: the window band is drawn.
    assert!(
        doc.descendants()
            .any(|n| n.attribute("class") == Some("window"))
    );
}

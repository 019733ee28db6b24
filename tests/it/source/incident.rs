//! The incident's client fails at the line of its call; the corrected one passes, in the
//! library and on the command line.

use super::*;

#[test]
fn the_incident_client_is_caught_at_its_line() {
    let dir = hub_tree(INCIDENT_CLIENT);
    let report = run(dir.path());
    let failed = with(&report, Outcome::Fail);
    assert_eq!(failed.len(), 1, "{}", report.to_human());
    assert_eq!(failed[0].name, "src/services/sessionManagerClient.js:18:12");
    assert_eq!(
        failed[0].summary,
        "GET /api/session-manager/sessions/${instanceId}: no such operation in session-manager v1; \
         nearest: GET /status with X-Cliente-Id"
    );
    let details = failed[0].details.join("\n");
    assert!(
        details.contains("through #request (src/services/sessionManagerClient.js:9:"),
        "{details}"
    );
    assert!(
        with(&report, Outcome::Pass).is_empty(),
        "{}",
        report.to_human()
    );
}

#[test]
fn the_corrected_client_passes() {
    let dir = hub_tree(CORRECTED_CLIENT);
    let report = run(dir.path());
    assert!(report.passed(), "{}", report.to_human());
    let passed = with(&report, Outcome::Pass);
    assert_eq!(passed.len(), 1, "{}", report.to_human());
    assert_eq!(
        passed[0].summary,
        "GET /status is GET /status with X-Cliente-Id"
    );
}

fn lmh(args: &[&str]) -> std::process::Output {
    crate::helpers::lmh().args(args).output().expect("lmh runs")
}

#[test]
fn cli_fails_on_the_incident_and_passes_the_corrected_client() {
    let bad = hub_tree(INCIDENT_CLIENT);
    let out = lmh(&[
        "verify",
        "consumer",
        "--source",
        bad.path().to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("src/services/sessionManagerClient.js:18:12"),
        "{stdout}"
    );
    assert!(
        stdout.contains("GET /api/session-manager/sessions/${instanceId}: no such operation"),
        "{stdout}"
    );

    let good = hub_tree(CORRECTED_CLIENT);
    let out = lmh(&[
        "verify",
        "consumer",
        "--source",
        good.path().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = lmh(&["verify", "consumer", "--source", "/nonexistent/lmh-tree"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--source /nonexistent/lmh-tree"));
    let out = lmh(&["verify", "consumer"]);
    assert_eq!(out.status.code(), Some(2));
}

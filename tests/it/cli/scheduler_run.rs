//! `lmh scheduler run --once` against a real HTTP provider.

use super::*;

/// `lmh scheduler run --once` on the happy path, with `extra` arguments.
fn run_once(extra: &[&str]) -> Command {
    let mut cmd = lmh();
    cmd.args([
        "scheduler",
        "run",
        "--db-url",
        &helpers::server_url(),
        "--fixtures",
        &root("fixtures/happy-path.yaml"),
        "--once",
    ])
    .args(extra);
    cmd
}

#[test]
fn scheduler_run_once_sends_through_a_real_http_provider() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mock = rt.block_on(lmh::mock::MockSessionManager::start());
    mock.set_state(51, lmh::session::SessionState::Ready);
    let uri = mock.uri();
    a_tick_logs_one_json_decision_per_line(&uri);
    auto_campaigns_run_only_on_the_exact_value_true(&uri);
    refusals_send_nothing(&mock, &uri);
}

/// Real clock: whether today is in the fixture's window depends on the day, so this only
/// checks that the tick ran and logged its decisions.
fn a_tick_logs_one_json_decision_per_line(uri: &str) {
    let out = run_once(&["--session-manager", uri, "--pacing", "none", "--allow-send"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every line is a structured decision.
    for line in stdout.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(v["event"].is_string());
    }
    assert!(!stdout.is_empty());
}

/// As central-hub: anything but the exact `true` means off; a decision, not an error.
fn auto_campaigns_run_only_on_the_exact_value_true(uri: &str) {
    let out = run_once(&["--session-manager", uri, "--allow-send"])
        .env("AUTO_CAMPAIGNS_ENABLED", "TRUE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("scheduler_disabled") && stdout.contains("exact value"),
        "{stdout}"
    );
}

/// A URL with credentials and no scheme, a provider by URL without --allow-send, and a
/// DRY_RUN that is neither true nor false: usage errors, and nothing sent.
fn refusals_send_nothing(mock: &lmh::mock::MockSessionManager, uri: &str) {
    // A URL with credentials and no scheme: refused, the secret never printed.
    let out = run_once(&["--session-manager", "hub:s3cretPW@127.0.0.1:3011"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--session-manager") && !stderr.contains("s3cretPW"),
        "{stderr}"
    );

    // Without --allow-send, nothing is sent through a provider given by URL.
    let before = mock.deliveries().len();
    let out = run_once(&["--session-manager", uri]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-send"));
    assert_eq!(mock.deliveries().len(), before);

    // DRY_RUN must say true or false.
    let out = run_once(&["--session-manager", uri, "--allow-send"])
        .env("DRY_RUN", "yes")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DRY_RUN=\"yes\""));
}

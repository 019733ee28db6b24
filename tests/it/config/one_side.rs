//! One service given alone: the other is reported as not given, and what needs it skipped.

use super::*;

#[test]
fn hub_only_reports_the_session_manager_as_not_given_and_skips_the_comparison() {
    let inputs = CheckInputs {
        hub: ServiceInputs::from_dir(&fixture("seed").join("central-hub")).expect("hub dir"),
        ..CheckInputs::default()
    };
    let report = check(&inputs).expect("one side is enough");
    assert!(report.hub_given && !report.sm_given);
    assert_eq!(
        report.sm_effective_port, None,
        "no default stands in for a missing side"
    );
    assert_eq!(report.base_url.as_ref().map(|u| u.port), Some(3001));

    let f = finding(&report, "session-manager sources");
    assert_eq!(f.severity, Severity::Skipped);
    assert!(f.message.contains("not given"), "{f:?}");
    assert!(f.message.contains("--sm DIR"), "{f:?}");
    let f = finding(&report, "port agreement");
    assert_eq!(f.severity, Severity::Skipped);
    assert!(f.message.contains("session-manager is not given"), "{f:?}");
    assert!(f.message.contains("--sm DIR or --sm-shell PORT=N"), "{f:?}");
    assert!(
        findings_starting(&report, "session-manager PORT").is_empty(),
        "{:#?}",
        report.findings
    );
    assert_eq!(
        finding(&report, "central-hub SESSION_MANAGER_BASE_URL").severity,
        Severity::Info
    );
    assert!(report.passed(), "{:#?}", report.findings);
    let checks = report.to_checks();
    assert!(checks.iter().all(|c| c.outcome != Outcome::Fail));
    assert!(!all_output(&report).contains("Seed-Db-Pass-7731"));
}

#[test]
fn hub_only_still_catches_a_url_pointing_at_the_hub_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".env"),
        "PORT=3012\nSESSION_MANAGER_BASE_URL=http://localhost:3012\n",
    )
    .expect("write");
    let mut inputs = CheckInputs::default();
    inputs.hub.dotenv = Some(dir.path().join(".env"));
    let report = check(&inputs).expect("reads");
    assert_eq!(
        finding(&report, "central-hub self-reference").severity,
        Severity::Error
    );
    assert!(!report.passed());
}

#[test]
fn sm_only_reports_central_hub_as_not_given_and_checks_the_port() {
    let mut inputs = CheckInputs::default();
    inputs.sm.shell.insert("PORT".into(), "3011".into());
    let report = check(&inputs).expect("one side is enough");
    assert!(!report.hub_given && report.sm_given);
    assert_eq!(report.sm_effective_port, Some(3011));
    assert_eq!(report.base_url, None);

    let f = finding(&report, "central-hub sources");
    assert_eq!(f.severity, Severity::Skipped);
    assert!(
        f.message.contains("not given") && f.message.contains("--hub DIR"),
        "{f:?}"
    );
    let f = finding(&report, "port agreement");
    assert_eq!(f.severity, Severity::Skipped);
    assert!(f.message.contains("central-hub is not given"), "{f:?}");
    assert!(f.message.contains("--hub DIR"), "{f:?}");
    assert!(
        findings_starting(&report, "central-hub SESSION_MANAGER_BASE_URL").is_empty(),
        "a missing side is not a missing variable: {:#?}",
        report.findings
    );
    assert_eq!(
        finding(&report, "session-manager PORT").severity,
        Severity::Info
    );
    assert!(report.passed(), "{:#?}", report.findings);

    let mut inputs = CheckInputs::default();
    inputs.sm.shell.insert("PORT".into(), "70000".into());
    let report = check(&inputs).expect("reads");
    assert_eq!(
        finding(&report, "session-manager PORT").severity,
        Severity::Error
    );
    assert!(!report.passed());
}

#[tokio::test]
async fn sm_only_is_not_probed_and_says_what_to_pass() {
    let mut inputs = CheckInputs::default();
    inputs.sm.shell.insert("PORT".into(), "3011".into());
    let mut report = check(&inputs).expect("reads");
    report.probe(&quick()).await;
    assert!(report.probes.is_empty());
    let f = finding(&report, "probe");
    assert_eq!(f.severity, Severity::Skipped);
    assert!(
        f.message.contains("central-hub is not given") && f.message.contains("--hub DIR"),
        "{f:?}"
    );
}

#[tokio::test]
async fn hub_only_probe_confirms_the_url_without_a_configured_port() {
    let server = session_manager().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let env = dir.path().join(".env");
    std::fs::write(&env, format!("SESSION_MANAGER_BASE_URL={}\n", server.uri())).expect("write");
    let mut inputs = CheckInputs::default();
    inputs.hub.dotenv = Some(env);
    let mut report = check(&inputs).expect("reads");
    report.probe(&quick()).await;
    assert_eq!(report.probes.len(), 1);
    let f = finding(&report, "provider location");
    assert_eq!(f.severity, Severity::Info);
    assert!(f.message.contains("not given"), "{f:?}");
    assert!(report.passed(), "{:#?}", report.findings);
}

#[test]
fn nothing_given_is_an_error_naming_both_sides() {
    let err = check(&CheckInputs::default()).expect_err("nothing given");
    assert!(matches!(err, ConfigError::NothingGiven), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("--hub DIR") && text.contains("--sm DIR"),
        "{text}"
    );
}

//! The seed incident and precedence: the shell's leftover PORT, .env never overriding,
//! defaults from the service code, a URL pointing at the hub itself.

use super::*;

#[test]
fn seed_with_leftover_shell_port_is_a_mismatch_naming_both_files_and_lines() {
    let mut inputs = tree_inputs("seed");
    inputs.sm.shell.insert("PORT".into(), "3011".into());
    let report = check(&inputs).expect("seed reads");

    assert!(!report.passed());
    assert_eq!(report.base_url.as_ref().map(|u| u.port), Some(3001));
    assert_eq!(report.sm_effective_port, Some(3011));
    let mismatch = finding(&report, "port agreement");
    assert_eq!(mismatch.severity, Severity::Error);
    let m = &mismatch.message;
    assert!(
        m.contains(
            "central-hub/.env:3 SESSION_MANAGER_BASE_URL=http://localhost:3001 -> port 3001"
        ),
        "{m}"
    );
    assert!(m.contains("session-manager PORT=3011 from shell"), "{m}");
    assert!(
        m.contains("(overrides ")
            && m.contains("session-manager/ecosystem.config.cjs:7 PORT=3001)"),
        "{m}"
    );

    // The provider's own finding names the shadowed PM2 value and warns about the trap.
    let sm_port = finding(&report, "session-manager PORT");
    assert_eq!(sm_port.severity, Severity::Warning);
    assert!(
        sm_port.details.iter().any(|d| d.starts_with("shadowed: ")
            && d.contains("ecosystem.config.cjs:7 (PM2 env) PORT=3001"))
    );
    assert!(sm_port.sources.iter().any(|s| s.kind == SourceKind::Shell));

    let out = all_output(&report);
    for secret in FIXTURE_SECRETS {
        assert!(!out.contains(secret), "secret {secret} printed");
    }
}

#[test]
fn seed_files_alone_agree_so_the_shell_is_what_broke_it() {
    let report = check(&tree_inputs("seed")).expect("seed reads");
    assert_eq!(report.sm_effective_port, Some(3001));
    let agreement = finding(&report, "port agreement");
    assert_eq!(agreement.severity, Severity::Info, "{agreement:?}");
    assert!(report.passed());
}

#[test]
fn fixed_tree_agrees_and_drops_the_trailing_slash() {
    let report = check(&tree_inputs("fixed")).expect("fixed reads");
    assert!(report.passed(), "{:#?}", report.findings);
    let url = report.base_url.as_ref().expect("valid url");
    assert_eq!(url.text, "http://127.0.0.1:3001");
    assert_eq!(url.port, 3001);
    let url_finding = finding(&report, "central-hub SESSION_MANAGER_BASE_URL");
    assert!(
        url_finding.message.contains("central-hub/.env:3"),
        "{url_finding:?}"
    );
    let checks = report.to_checks();
    assert!(checks.iter().all(|c| c.area == "config"));
    assert!(checks.iter().all(|c| c.outcome != Outcome::Fail));
    assert!(
        checks
            .iter()
            .any(|c| c.name == "port agreement" && c.outcome == Outcome::Pass)
    );
}

#[test]
fn hub_shell_wins_over_dotenv_which_never_overrides() {
    let mut inputs = tree_inputs("seed");
    inputs.hub.shell.insert(
        "SESSION_MANAGER_BASE_URL".into(),
        "http://localhost:3011".into(),
    );
    inputs.sm.shell.insert("PORT".into(), "3011".into());
    let report = check(&inputs).expect("reads");
    assert_eq!(report.base_url.as_ref().map(|u| u.port), Some(3011));
    let url = &report.hub_base_url;
    let Effective::Set(winner) = &url.effective else {
        panic!("set: {url:?}")
    };
    assert_eq!(winner.source.kind, SourceKind::Shell);
    assert_eq!(url.shadowed.len(), 1);
    assert_eq!(url.shadowed[0].source.line, Some(3));
    assert!(finding(&report, "port agreement").severity == Severity::Info);
}

#[test]
fn default_port_is_reported_as_the_service_code_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("hub.env"),
        "SESSION_MANAGER_BASE_URL=http://localhost:3001\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("sm.env"), "NODE_ENV=production\n").expect("write");
    let mut inputs = CheckInputs::default();
    inputs.hub.dotenv = Some(dir.path().join("hub.env"));
    inputs.sm.dotenv = Some(dir.path().join("sm.env"));
    let report = check(&inputs).expect("reads");
    assert_eq!(report.sm_port.effective, Effective::Default("3001".into()));
    let f = finding(&report, "session-manager PORT");
    assert!(f.message.contains("default from the service code"), "{f:?}");
    assert_eq!(report.hub_effective_port, Some(3012));
    assert!(report.passed());
}

#[test]
fn url_pointing_at_the_hub_itself_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".env"),
        "PORT=3012\nSESSION_MANAGER_BASE_URL=http://localhost:3012\n",
    )
    .expect("write");
    let mut inputs = CheckInputs::default();
    inputs.hub.dotenv = Some(dir.path().join(".env"));
    inputs.sm.shell.insert("PORT".into(), "3012".into());
    let report = check(&inputs).expect("reads");
    let f = finding(&report, "central-hub self-reference");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains(".env:1"), "{f:?}");
}

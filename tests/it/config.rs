//! `lmh config check`: sources, precedence, validation, probes against real loopback HTTP
//! servers, port scans, and the command line on the seed's trees.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lmh::config::dotenv;
use lmh::config::pm2;
use lmh::config::probe::{self, ProbeOutcome};
use lmh::config::scan::{self, ScanOptions};
use lmh::config::source::{display_value, is_secret_key, mask_url_password};
use lmh::config::validate::{parse_base_url, parse_port};
use lmh::config::{
    CheckInputs, ConfigError, ConfigReport, Effective, Finding, ProbeOptions, ServiceConfig,
    ServiceInputs, Severity, SourceKind, check,
};
use lmh::config::{Service, read_shell_file};
use lmh::report::Outcome;
use proptest::prelude::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every password the fixture trees contain; none may ever be printed.
const FIXTURE_SECRETS: [&str; 5] = [
    "Seed-Db-Pass-7731",
    "Fixed-Db-Pass-4410",
    "Malformed-Pass-9902",
    "Bom-Pass-1212",
    "Missing-Var-Pass-5150",
];

fn fixture(tree: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/config")
        .join(tree)
}

/// Both services of a fixture tree, read from their directories, with an empty shell.
fn tree_inputs(tree: &str) -> CheckInputs {
    CheckInputs {
        hub: ServiceInputs::from_dir(&fixture(tree).join("central-hub")).expect("hub dir"),
        sm: ServiceInputs::from_dir(&fixture(tree).join("session-manager")).expect("sm dir"),
    }
}

fn finding<'a>(report: &'a ConfigReport, topic: &str) -> &'a Finding {
    report
        .findings
        .iter()
        .find(|f| f.topic == topic)
        .unwrap_or_else(|| panic!("no finding {topic:?} in {:#?}", report.findings))
}

fn findings_starting<'a>(report: &'a ConfigReport, prefix: &str) -> Vec<&'a Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.topic.starts_with(prefix))
        .collect()
}

/// Every rendering of a report, for leak checks.
fn all_output(report: &ConfigReport) -> String {
    let r = report.to_report("lmh config check");
    format!(
        "{}\n{}\n{}\n{:?}",
        r.to_human(),
        r.to_json(),
        r.to_junit(),
        report
    )
}

// ---------------------------------------------------------------------------------------------
// The seed incident

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

// ---------------------------------------------------------------------------------------------
// Validation trees

#[test]
fn invalid_url_is_an_error_and_skips_the_comparison() {
    let report = check(&tree_inputs("invalid-url")).expect("reads");
    let f = finding(&report, "central-hub SESSION_MANAGER_BASE_URL");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("central-hub/.env:1"), "{f:?}");
    assert!(f.message.contains("scheme `localhost`"), "{f:?}");
    assert_eq!(
        finding(&report, "port agreement").severity,
        Severity::Skipped
    );
    assert!(!report.passed());
}

#[test]
fn base_url_rules() {
    let ok = parse_base_url("https://sm.example:8443/").expect("valid");
    assert_eq!(
        (ok.text.as_str(), ok.port),
        ("https://sm.example:8443", 8443)
    );
    assert_eq!(parse_base_url("http://localhost").expect("valid").port, 80);
    assert!(
        !parse_base_url("http://localhost")
            .expect("valid")
            .explicit_port
    );
    for (bad, why) in [
        ("", "empty"),
        ("localhost:3001", "scheme"),
        ("ftp://localhost:3001", "scheme `ftp`"),
        ("http://localhost:3001/api/session-manager", "has a path"),
        ("http://localhost:3001//", "has a path"),
        ("http://localhost:3001?x=1", "query"),
        ("http://localhost:3001#top", "query or fragment"),
        ("http://admin:hunter2@localhost:3001", "credentials"),
        (" http://localhost:3001", "spaces"),
        ("http://localhost:99999", "not a URL"),
    ] {
        let err = parse_base_url(bad).expect_err(bad);
        assert!(err.contains(why), "{bad:?}: {err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}

#[test]
fn port_out_of_range_is_an_error_with_file_and_line() {
    let report = check(&tree_inputs("port-out-of-range")).expect("reads");
    let f = finding(&report, "session-manager PORT");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("ecosystem.config.cjs:7"), "{f:?}");
    assert!(f.message.contains("70000 is out of range"), "{f:?}");
    assert_eq!(report.sm_effective_port, None);
    assert!(!report.passed());
}

#[test]
fn port_rules() {
    assert_eq!(parse_port("3011"), Ok(3011));
    assert_eq!(parse_port(" 3011 "), Ok(3011));
    assert_eq!(parse_port("65535"), Ok(65535));
    for bad in ["", "0", "65536", "-1", "30.11", "abc", "3011abc"] {
        assert!(parse_port(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn missing_base_url_is_an_error() {
    let report = check(&tree_inputs("missing-variable")).expect("reads");
    let f = finding(&report, "central-hub SESSION_MANAGER_BASE_URL");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("not set in any source"), "{f:?}");
    assert_eq!(report.hub_base_url.effective, Effective::Missing);
    assert!(!report.passed());
    assert!(!all_output(&report).contains("Missing-Var-Pass-5150"));
}

// ---------------------------------------------------------------------------------------------
// .env syntax

#[test]
fn dotenv_syntax_as_dotenv_reads_it() {
    let text = "\
# comment
export EXPORTED=yes
SINGLE='it''s # not a comment'
DOUBLE=\"line1\\nline2 \\\"kept\\\"\"
BACKTICK=`tick`
INLINE=value # trailing comment
EMPTY=
SPACED = spaced value   
COLON: colon value
MULTI=\"first
second\"
DUP=one
DUP=two
";
    let parsed = dotenv::parse(text);
    let get = |k: &str| {
        parsed
            .entries
            .iter()
            .rev()
            .find(|e| e.key == k)
            .map(|e| (e.value.as_str(), e.line))
    };
    assert_eq!(get("EXPORTED"), Some(("yes", 2)));
    assert_eq!(get("DOUBLE"), Some(("line1\nline2 \\\"kept\\\"", 4)));
    assert_eq!(get("BACKTICK"), Some(("tick", 5)));
    assert_eq!(get("INLINE"), Some(("value", 6)));
    assert_eq!(get("EMPTY"), Some(("", 7)));
    assert_eq!(get("SPACED"), Some(("spaced value", 8)));
    assert_eq!(get("COLON"), Some(("colon value", 9)));
    assert_eq!(get("MULTI"), Some(("first\nsecond", 10)));
    assert_eq!(get("DUP"), Some(("two", 13)));
    // 'it' then text after the closing quote: dotenv reads the line unquoted, up to `#`
    // (quotes kept, as they do not pair up); loaded as dotenv does, reported as an error.
    assert_eq!(get("SINGLE"), Some(("'it''s", 3)));
    assert_eq!(
        dotenv::parse("A=\"x\" y\nB='q' 'r'\n").entries[1].value,
        "q' 'r",
        "matching outer quotes are stripped"
    );
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    assert_eq!(parsed.problems[0].line, 3);
    assert_eq!(parsed.problems[0].severity, Severity::Error);
}

#[test]
fn dotenv_hash_glued_to_a_value_is_a_warning() {
    let parsed = dotenv::parse("SESSION_MANAGER_BASE_URL=http://localhost:3001#old\n");
    assert_eq!(parsed.entries[0].value, "http://localhost:3001");
    assert_eq!(parsed.problems[0].severity, Severity::Warning);
    assert!(parsed.problems[0].reason.contains("quote the value"));
}

#[test]
fn malformed_env_lines_are_errors_with_file_line_and_reason_but_no_values() {
    let report = check(&tree_inputs("malformed-env")).expect("reads");
    let f = finding(&report, "central-hub .env");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message
            .contains(".env:2: `DB_PASSWORD` is not followed by `=`"),
        "{f:?}"
    );
    assert!(f.message.contains("(and 2 more)"), "{f:?}");
    let lines: Vec<Option<usize>> = f.sources.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![Some(2), Some(3), Some(4)]);
    assert!(f.details[1].contains(".env:3: does not start with a variable name"));
    assert!(f.details[2].contains(".env:4: the double quote opened for GREETING is never closed"));
    // dotenv loads the unclosed quote with the quote in it; the other lines still count.
    let greeting = dotenv::load(&fixture("malformed-env").join("central-hub/.env")).expect("loads");
    let greeting = greeting
        .parsed
        .entries
        .iter()
        .find(|e| e.key == "GREETING")
        .expect("loaded");
    assert_eq!(greeting.value, "\"hola");
    assert_eq!(report.base_url.as_ref().map(|u| u.port), Some(3001));
    assert_eq!(report.hub_effective_port, Some(3012));
    assert!(!report.passed());
    assert!(!all_output(&report).contains("Malformed-Pass-9902"));
}

#[test]
fn bom_and_crlf_are_tolerated_with_right_line_numbers() {
    let report = check(&tree_inputs("bom-crlf")).expect("reads");
    assert!(report.passed(), "{:#?}", report.findings);
    assert_eq!(report.hub_base_url.source().and_then(|s| s.line), Some(1));
    assert_eq!(report.hub_port.source().and_then(|s| s.line), Some(2));
    assert_eq!(report.sm_port.source().and_then(|s| s.line), Some(5));
    assert_eq!(
        report.base_url.as_ref().map(|u| u.text.as_str()),
        Some("http://localhost:3001")
    );
    assert!(!all_output(&report).contains("Bom-Pass-1212"));
}

#[test]
fn loaded_sources_do_not_leak_secrets_through_debug() {
    let inputs = tree_inputs("seed");
    let hub = ServiceConfig::load(Service::CentralHub, &inputs.hub).expect("loads");
    let debug = format!("{hub:?}");
    assert!(debug.contains("DB_PASSWORD"));
    assert!(!debug.contains("Seed-Db-Pass-7731"), "{debug}");
}

proptest! {
    #[test]
    fn dotenv_parse_never_panics(text in "\\PC{0,200}") {
        let _ = dotenv::parse(&text);
    }

    #[test]
    fn quoted_values_round_trip(value in "[A-Za-z0-9 _./:#=-]{0,40}") {
        let parsed = dotenv::parse(&format!("KEY='{value}'\n"));
        prop_assert_eq!(parsed.entries.len(), 1);
        prop_assert_eq!(&parsed.entries[0].value, &value);
        prop_assert!(parsed.problems.is_empty());
    }

    #[test]
    fn pm2_parse_never_panics(text in "[ -~\\n]{0,200}") {
        let _ = pm2::parse(&text, Path::new("ecosystem.config.js"));
        let _ = pm2::parse(&text, Path::new("ecosystem.config.json"));
    }
}

// ---------------------------------------------------------------------------------------------
// PM2 ecosystem files

#[test]
fn json_ecosystem_env_and_env_production() {
    let report = check(&tree_inputs("json-ecosystem")).expect("reads");
    assert_eq!(report.sm_effective_port, Some(3011));
    assert_eq!(report.sm_port.source().and_then(|s| s.line), Some(6));
    assert!(report.passed(), "{:#?}", report.findings);
    let f = finding(&report, "session-manager PORT");
    assert!(
        f.details.iter().any(|d| d.starts_with("not applied: ")
            && d.contains("env_production")
            && d.contains(":7")),
        "{f:?}"
    );

    let mut inputs = tree_inputs("json-ecosystem");
    inputs.sm.pm2_env = Some("production".into());
    let report = check(&inputs).expect("reads");
    assert_eq!(report.sm_effective_port, Some(3001));
    let Effective::Set(c) = &report.sm_port.effective else {
        panic!("set")
    };
    assert_eq!(
        c.source.kind,
        SourceKind::Pm2 {
            block: "env_production".into()
        }
    );
    assert_eq!(report.sm_port.shadowed[0].value.as_deref(), Some("3011"));
    assert_eq!(finding(&report, "port agreement").severity, Severity::Error);
}

#[test]
fn non_literal_values_are_reported_not_guessed() {
    let report = check(&tree_inputs("non-literal")).expect("reads");
    // `process.env.SM_PORT || 3001` with SM_PORT unset in the given shell.
    assert_eq!(report.sm_effective_port, Some(3001));
    let f = finding(&report, "session-manager PORT");
    assert!(
        f.message.contains("default 3001 unless SM_PORT is set"),
        "{f:?}"
    );
    assert!(f.message.contains("ecosystem.config.cjs:11"), "{f:?}");
    // A template string in the hub's PM2 env wins over .env and cannot be read.
    let url = finding(&report, "central-hub SESSION_MANAGER_BASE_URL");
    assert_eq!(url.severity, Severity::Error);
    assert!(
        url.message
            .contains("could not be read: `http://localhost:${process.env.SM_PORT}`"),
        "{url:?}"
    );
    assert!(url.message.contains("ecosystem.config.js:6"), "{url:?}");
    assert!(url.details.iter().any(|d| d.contains(".env:1")), "{url:?}");

    let mut inputs = tree_inputs("non-literal");
    inputs.sm.shell.insert("SM_PORT".into(), "3011".into());
    let report = check(&inputs).expect("reads");
    assert_eq!(report.sm_effective_port, Some(3011));

    let mut inputs = tree_inputs("non-literal");
    inputs.sm.pm2_env = Some("staging".into());
    let report = check(&inputs).expect("reads");
    let f = finding(&report, "session-manager PORT");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("could not be read: base + 11"), "{f:?}");
    assert!(f.message.contains("ecosystem.config.cjs:15"), "{f:?}");
}

#[test]
fn malformed_js_names_the_unbalanced_bracket() {
    let report = check(&tree_inputs("malformed-js")).expect("reads");
    let f = finding(&report, "session-manager ecosystem.config.cjs");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("ecosystem.config.cjs:10: could not be read: unbalanced brackets: `]` closes the `{` opened at line 3"), "{f:?}");
    let port = finding(&report, "session-manager PORT");
    assert_eq!(port.severity, Severity::Error);
    assert_eq!(
        finding(&report, "port agreement").severity,
        Severity::Skipped
    );
}

fn parse_js(src: &str) -> pm2::Pm2File {
    pm2::parse(src, Path::new("ecosystem.config.js")).expect("parses")
}

/// Resolve PORT for the session-manager from an inline ecosystem file and shell.
fn sm_port_from(src: &str, shell: &[(&str, &str)]) -> lmh::config::Resolution {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ecosystem.config.js");
    std::fs::write(&file, src).expect("write");
    let inputs = ServiceInputs {
        pm2: Some(file),
        shell: shell
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..ServiceInputs::default()
    };
    let config = ServiceConfig::load(Service::SessionManager, &inputs).expect("loads");
    config.resolve("PORT", Some("3001"))
}

#[test]
fn js_forms_pm2_files_use() {
    let file = parse_js(
        "export default {\n apps: [{ name: 'session-manager', port: 3005, env: { PORT: '3001' } }]\n}",
    );
    assert_eq!(file.apps[0].port.as_ref().map(|(_, line)| *line), Some(2));

    let r = sm_port_from(
        "const PORT = 3011;\nmodule.exports = { apps: [{ name: 'sm', env: { PORT } }] };\n",
        &[],
    );
    assert_eq!(r.value(), Some("3011"));

    // `port` wins over env.PORT, as PM2 copies it in.
    let r = sm_port_from(
        "module.exports = { apps: [{ name: 'sm', port: 3005, env: { PORT: 3001 } }] };",
        &[],
    );
    assert_eq!(r.value(), Some("3005"));
    assert_eq!(r.shadowed[0].value.as_deref(), Some("3001"));

    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: Number(process.env.SM_PORT) || 3001 } }] };",
        &[("SM_PORT", "3011")],
    );
    assert_eq!(r.value(), Some("3011"));

    // `||` treats an empty variable as unset, `??` does not.
    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: process.env.SM_PORT || 3001 } }] };",
        &[("SM_PORT", "")],
    );
    assert_eq!(r.value(), Some("3001"));
    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: process.env['SM_PORT'] ?? '3001' } }] };",
        &[("SM_PORT", "")],
    );
    assert_eq!(r.value(), Some(""));

    // `process.env.X` alone, X unset: PM2 passes nothing; the note says so.
    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: process.env.SM_PORT } }] };",
        &[],
    );
    assert_eq!(r.effective, Effective::Default("3001".into()));
    assert!(r.notes[0].contains("SM_PORT is not set"), "{:?}", r.notes);
}

#[test]
fn spreads_make_values_unreadable_only_when_they_could_win() {
    let r = sm_port_from(
        "module.exports = { apps: [{ env: { ...shared, PORT: 3001 } }] };",
        &[],
    );
    assert_eq!(r.value(), Some("3001"));

    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: 3001, ...shared } }] };",
        &[],
    );
    let Effective::Unreadable(c) = &r.effective else {
        panic!("unreadable: {r:?}")
    };
    assert!(c.written.contains("...shared"), "{c:?}");

    // A spread after `env` in the app may replace the whole block.
    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: 3001 }, ...require('./more') }] };",
        &[],
    );
    assert!(matches!(r.effective, Effective::Unreadable(_)), "{r:?}");

    // A spread before `env` is overridden by the literal block.
    let r = sm_port_from(
        "module.exports = { apps: [{ ...require('./base'), env: { PORT: 3001 } }] };",
        &[],
    );
    assert_eq!(r.value(), Some("3001"));

    // The shell still wins over an unreadable PM2 value.
    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: compute() } }] };",
        &[("PORT", "3011")],
    );
    assert_eq!(r.value(), Some("3011"));
    assert_eq!(r.shadowed[0].value, None);
}

#[test]
fn several_apps_are_chosen_by_name_or_reported() {
    let two = "module.exports = { apps: [\n { name: 'leadmaster-central-hub', env: { PORT: 3012 } },\n { name: 'session-manager', env: { PORT: 3011 } },\n] };";
    assert_eq!(sm_port_from(two, &[]).value(), Some("3011"));
    let ambiguous = "module.exports = { apps: [{ name: 'a', env: { PORT: 1 } }, { name: 'b', env: { PORT: 2 } }] };";
    let r = sm_port_from(ambiguous, &[]);
    assert!(matches!(r.effective, Effective::Unreadable(_)), "{r:?}");
}

#[test]
fn pm2_errors_name_the_line() {
    let err = pm2::parse("module.exports = {\n  apps: [\n", Path::new("e.config.js")).unwrap_err();
    assert_eq!(err.line, 2);
    assert!(err.reason.contains("never closed"), "{err}");
    let err = pm2::parse("const x = 1;\n", Path::new("e.config.js")).unwrap_err();
    assert!(err.reason.contains("module.exports"), "{err}");
    let err = pm2::parse("module.exports = { apps: 'x' }", Path::new("e.config.js")).unwrap_err();
    assert!(err.reason.contains("not a list"), "{err}");
    let err = pm2::parse("module.exports = {\n a: 'open\n}", Path::new("e.config.js")).unwrap_err();
    assert_eq!(err.line, 2);
}

// ---------------------------------------------------------------------------------------------
// Inputs and errors

#[test]
fn unreadable_inputs_are_errors_naming_the_path() {
    let mut inputs = CheckInputs::default();
    inputs.hub.dotenv = Some(PathBuf::from("/nonexistent/lmh/central-hub/.env"));
    inputs.sm.shell.insert("PORT".into(), "3001".into());
    let err = check(&inputs).expect_err("missing file");
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(
        err.to_string()
            .contains("/nonexistent/lmh/central-hub/.env"),
        "{err}"
    );

    let err = ServiceInputs::from_dir(Path::new("/nonexistent/lmh")).expect_err("no dir");
    assert!(matches!(err, ConfigError::NotADirectory { .. }), "{err}");

    let mut inputs = CheckInputs::default();
    inputs.hub.dotenv = Some(fixture("seed"));
    inputs.sm.shell.insert("PORT".into(), "3001".into());
    assert!(matches!(check(&inputs), Err(ConfigError::NotAFile { .. })));

    let err = check(&CheckInputs::default()).expect_err("nothing given");
    assert!(err.to_string().contains("--hub DIR"), "{err}");
}

#[test]
fn shell_vars_and_files() {
    assert_eq!(
        lmh::config::parse_shell_var("PORT=3011").expect("ok"),
        ("PORT".to_string(), "3011".to_string())
    );
    assert_eq!(lmh::config::parse_shell_var("A=b=c").expect("ok").1, "b=c");
    let err = lmh::config::parse_shell_var("DB_PASSWORD hunter2").expect_err("no =");
    assert!(!err.to_string().contains("hunter2"), "{err}");

    let dir = tempfile::tempdir().expect("tempdir");
    let environ = dir.path().join("environ");
    std::fs::write(&environ, b"PORT=3011\0PATH=/usr/bin\0").expect("write");
    let vars = read_shell_file(&environ).expect("reads");
    assert!(vars.contains(&("PORT".to_string(), "3011".to_string())));
    let lines = dir.path().join("shell.env");
    std::fs::write(&lines, "export PORT=3011\n").expect("write");
    assert_eq!(
        read_shell_file(&lines).expect("reads"),
        vec![("PORT".to_string(), "3011".to_string())]
    );
}

#[test]
fn secret_redaction() {
    for key in [
        "DB_PASSWORD",
        "JWT_SECRET",
        "API_TOKEN",
        "OPENAI_API_KEY",
        "db_pass",
    ] {
        assert!(is_secret_key(key), "{key}");
        assert_eq!(display_value(key, "x"), "<redacted>");
    }
    assert!(!is_secret_key("SESSION_MANAGER_BASE_URL"));
    assert_eq!(
        mask_url_password("mysql://root:pw@db:3306/x and http://h:1"),
        "mysql://root:<redacted>@db:3306/x and http://h:1"
    );
    // A user name alone is the token; token-like query values are secrets too.
    assert_eq!(
        display_value(
            "SESSION_MANAGER_BASE_URL",
            "http://TOKEN42@h:3011/?key=k&page=2"
        ),
        "http://<redacted>@h:3011/?key=<redacted>&page=2"
    );
    let line = scan::redact_line("fetch('https://TOKEN42@h/x?page=1&access_token=abc&sig=1')");
    assert!(!line.contains("TOKEN42") && !line.contains("abc"), "{line}");
    assert_eq!(
        scan::redact_line("DB_PASSWORD=abc PORT=3001 node app.js"),
        "DB_PASSWORD=<redacted> PORT=3001 node app.js"
    );
    assert_eq!(
        scan::redact_line(r#""DB_PASSWORD": "abc", "PORT": 3001"#),
        r#""DB_PASSWORD":<redacted>, "PORT": 3001"#
    );
}

// ---------------------------------------------------------------------------------------------
// Probes against real loopback servers

/// Inputs whose hub URL and session-manager port are given directly.
fn probe_inputs(dir: &Path, url: &str, sm_port: u16) -> CheckInputs {
    let env = dir.join(".env");
    std::fs::write(&env, format!("SESSION_MANAGER_BASE_URL={url}\n")).expect("write");
    let mut inputs = CheckInputs::default();
    inputs.hub.dotenv = Some(env);
    inputs.sm.shell.insert("PORT".into(), sm_port.to_string());
    inputs
}

async fn server_answering(body: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(body)
        .mount(&server)
        .await;
    server
}

async fn session_manager() -> MockServer {
    server_answering(ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "status": "ok", "service": "session-manager", "whatsapp_state": "NOT_INITIALIZED"
    })))
    .await
}

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

fn quick() -> ProbeOptions {
    // Generous: these servers answer at once; only a loaded CI machine makes them slow.
    ProbeOptions {
        timeout: Duration::from_secs(3),
        extra_ports: Vec::new(),
    }
}

#[tokio::test]
async fn probe_confirms_a_session_manager() {
    let server = session_manager().await;
    let port = server.address().port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = check(&probe_inputs(dir.path(), &server.uri(), port)).expect("reads");
    report.probe(&quick()).await;
    assert_eq!(
        report.probes[0].outcome,
        ProbeOutcome::SessionManager {
            status: 200,
            whatsapp_state: Some("NOT_INITIALIZED".into())
        }
    );
    assert_eq!(
        finding(&report, &format!("probe port {port}")).severity,
        Severity::Info
    );
    assert_eq!(
        finding(&report, "provider location").severity,
        Severity::Info
    );
    assert!(report.passed(), "{:#?}", report.findings);
}

#[tokio::test]
async fn probe_reports_another_service_holding_the_port() {
    let server = server_answering(
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"status": "ok", "service": "central-hub"})),
    )
    .await;
    let port = server.address().port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = check(&probe_inputs(dir.path(), &server.uri(), port)).expect("reads");
    report.probe(&quick()).await;
    let f = finding(&report, &format!("probe port {port}"));
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains(&format!(
            "port {port} is held by another service: service \"central-hub\""
        )),
        "{f:?}"
    );
    assert_eq!(
        finding(&report, "provider location").severity,
        Severity::Error
    );
    assert!(!report.passed());
}

#[tokio::test]
async fn probe_reports_html_by_its_first_bytes() {
    let server = server_answering(ResponseTemplate::new(200).set_body_raw(
        "<!DOCTYPE html>\n<html><body>nginx welcome</body></html>",
        "text/html",
    ))
    .await;
    let port = server.address().port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = check(&probe_inputs(dir.path(), &server.uri(), port)).expect("reads");
    report.probe(&quick()).await;
    let ProbeOutcome::OtherService {
        service,
        snippet,
        status,
    } = &report.probes[0].outcome
    else {
        panic!("{:?}", report.probes)
    };
    assert_eq!((*status, service.as_deref()), (200, None));
    assert!(snippet.starts_with("<!DOCTYPE html> <html>"), "{snippet}");
    let f = finding(&report, &format!("probe port {port}"));
    assert!(
        f.message
            .contains("held by another service: 200 `<!DOCTYPE html>"),
        "{f:?}"
    );
}

#[tokio::test]
async fn probe_reports_a_closed_port_as_refused() {
    let port = closed_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("http://127.0.0.1:{port}");
    let mut report = check(&probe_inputs(dir.path(), &url, port)).expect("reads");
    report.probe(&quick()).await;
    assert_eq!(report.probes[0].outcome, ProbeOutcome::Refused);
    let f = finding(&report, &format!("probe port {port}"));
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("connection refused"), "{f:?}");
    assert!(
        finding(&report, "provider location")
            .message
            .contains("no session-manager answered")
    );
}

#[tokio::test]
async fn probe_reports_a_hanging_server_as_timeout() {
    let server = server_answering(ResponseTemplate::new(200)
            .set_delay(Duration::from_secs(5))
            .set_body_json(serde_json::json!({"status": "ok", "service": "session-manager", "whatsapp_state": "NOT_INITIALIZED"})),
    )
    .await;
    let port = server.address().port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = check(&probe_inputs(dir.path(), &server.uri(), port)).expect("reads");
    let options = ProbeOptions {
        timeout: Duration::from_millis(150),
        extra_ports: Vec::new(),
    };
    report.probe(&options).await;
    assert_eq!(report.probes[0].outcome, ProbeOutcome::Timeout);
    let f = finding(&report, &format!("probe port {port}"));
    assert!(f.message.contains("no answer within 150 ms"), "{f:?}");
    assert_eq!(f.severity, Severity::Error);
}

#[tokio::test]
async fn probe_flags_a_drifted_health_answer() {
    // The v2 provider: same name, but /health lost whatsapp_state.
    let server = server_answering(ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "status": "ok", "service": "session-manager", "timestamp": "2026-03-01T10:00:00Z"
    })))
    .await;
    let port = server.address().port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = check(&probe_inputs(dir.path(), &server.uri(), port)).expect("reads");
    report.probe(&quick()).await;
    let ProbeOutcome::OffContract { problem, .. } = &report.probes[0].outcome else {
        panic!("{:?}", report.probes)
    };
    assert!(problem.contains("whatsapp_state"), "{problem}");
    assert_eq!(
        finding(&report, &format!("probe port {port}")).severity,
        Severity::Warning
    );
}

#[tokio::test]
async fn probe_finds_the_provider_on_its_configured_port_not_the_urls() {
    // The incident: the hub looks at a port where nothing listens; the provider answers on
    // the port its shell gave it.
    let server = session_manager().await;
    let real = server.address().port();
    let wrong = closed_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("http://127.0.0.1:{wrong}");
    let mut report = check(&probe_inputs(dir.path(), &url, real)).expect("reads");
    assert_eq!(finding(&report, "port agreement").severity, Severity::Error);
    report.probe(&quick()).await;
    assert_eq!(report.probes.len(), 2);
    assert_eq!(report.probes[0].outcome, ProbeOutcome::Refused);
    assert!(report.probes[1].outcome.is_session_manager());
    let f = finding(&report, "provider location");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains(&format!("answers on port {real}, but central-hub's SESSION_MANAGER_BASE_URL points at port {wrong}")),
        "{f:?}"
    );
}

#[tokio::test]
async fn probe_warns_when_the_running_provider_differs_from_its_config() {
    let server = session_manager().await;
    let port = server.address().port();
    let other = closed_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = check(&probe_inputs(dir.path(), &server.uri(), other)).expect("reads");
    let other_service = server_answering(
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"status": "ok", "service": "central-hub"})),
    )
    .await;
    let options = ProbeOptions {
        timeout: Duration::from_secs(3),
        extra_ports: vec![other_service.address().port()],
    };
    report.probe(&options).await;
    assert_eq!(report.probes.len(), 3);
    let f = finding(&report, "provider location");
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.message
            .contains(&format!("answers on port {port}, where central-hub looks")),
        "{f:?}"
    );
    assert!(
        f.message
            .contains(&format!("configuration resolves to {other}")),
        "{f:?}"
    );
    let extra = finding(
        &report,
        &format!("probe port {}", other_service.address().port()),
    );
    assert_eq!(extra.severity, Severity::Info);
    assert!(extra.message.contains("service \"central-hub\""));
}

#[test]
fn classify_uses_the_contract() {
    let ok = br#"{"status":"ok","service":"session-manager","whatsapp_state":"NOT_INITIALIZED"}"#;
    assert!(matches!(
        probe::classify(200, ok),
        ProbeOutcome::SessionManager { status: 200, .. }
    ));
    let down = br#"{"status":"error","service":"session-manager","error":"boom"}"#;
    assert!(matches!(
        probe::classify(503, down),
        ProbeOutcome::SessionManager { status: 503, .. }
    ));
    let not_found = br#"{"error":true,"code":"NOT_FOUND","message":"Endpoint not found"}"#;
    assert!(matches!(
        probe::classify(404, not_found),
        ProbeOutcome::OtherService {
            status: 404,
            service: None,
            ..
        }
    ));
    // An undocumented status from something claiming the name is still off-contract.
    assert!(matches!(
        probe::classify(201, ok),
        ProbeOutcome::OffContract { .. }
    ));
}

#[test]
fn probe_without_a_url_is_skipped() {
    let mut report = check(&tree_inputs("missing-variable")).expect("reads");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(report.probe(&quick()));
    assert!(report.probes.is_empty());
    assert_eq!(finding(&report, "probe").severity, Severity::Skipped);
}

// ---------------------------------------------------------------------------------------------
// Scans

#[test]
fn scan_lists_stale_ports_outside_node_modules_and_binaries() {
    // Once fixed (effective 3001), the hub's old 3011 references stand out.
    let mut report = check(&tree_inputs("fixed")).expect("reads");
    assert_eq!(report.stale_ports(), vec![3011]);
    let root = fixture("seed").join("central-hub");
    report.scan(&root, &ScanOptions::default()).expect("scans");
    let scan = &report.scans[0];
    let hits: Vec<String> = scan
        .hits
        .iter()
        .map(|h| {
            format!(
                "{}:{}",
                h.file.strip_prefix(&root).expect("under root").display(),
                h.line
            )
        })
        .collect();
    assert_eq!(
        hits,
        vec![
            "Dockerfile:5",
            "Dockerfile:6",
            "docker-compose.yml:5",
            "nginx/leadmaster.conf:5",
            "scripts/restart.sh:4",
            "scripts/restart.sh:5",
        ]
    );
    assert_eq!(scan.skipped_binary, 1);
    assert!(scan.hits.iter().all(|h| h.port == 3011));
    let f = findings_starting(&report, "scan ")[0];
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.details
            .iter()
            .any(|d| d.ends_with("nginx/leadmaster.conf:5: proxy_pass http://127.0.0.1:3011;")),
        "{f:?}"
    );
    assert!(report.passed(), "a scan warns, it does not fail");
}

#[test]
fn scan_in_the_seed_scenario_flags_the_3001_references() {
    let mut inputs = tree_inputs("seed");
    inputs.sm.shell.insert("PORT".into(), "3011".into());
    let mut report = check(&inputs).expect("reads");
    assert_eq!(report.stale_ports(), vec![3001]);
    report
        .scan(&fixture("seed"), &ScanOptions::default())
        .expect("scans");
    let hits: Vec<(String, usize)> = report.scans[0]
        .hits
        .iter()
        .map(|h| {
            (
                h.file
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string(),
                h.line,
            )
        })
        .collect();
    assert_eq!(
        hits,
        vec![
            (".env".to_string(), 3),
            ("ecosystem.config.cjs".to_string(), 7)
        ]
    );
    assert!(!all_output(&report).contains("Seed-Db-Pass-7731"));
}

#[test]
fn scan_skips_big_files_and_stops_when_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut big = "PORT=3011\n".repeat(110_000);
    big.push_str("tail\n");
    std::fs::write(dir.path().join("big.env"), big).expect("write");
    std::fs::write(dir.path().join("a.sh"), "PORT=3011\nPORT=3011\nPORT=3011\n").expect("write");
    std::fs::write(dir.path().join("notes.txt"), "PORT=3011\n").expect("write");
    let report = scan::scan_tree(dir.path(), &[3011], &ScanOptions::default()).expect("scans");
    assert_eq!(report.skipped_large, vec![dir.path().join("big.env")]);
    assert_eq!(report.hits.len(), 3, "notes.txt is not a config file");

    let tight = ScanOptions {
        max_hits: 2,
        ..ScanOptions::default()
    };
    let report = scan::scan_tree(dir.path(), &[3011], &tight).expect("scans");
    assert_eq!(report.hits.len(), 2);
    assert!(
        report
            .truncated
            .as_deref()
            .is_some_and(|t| t.contains("2 references"))
    );

    let err = scan::scan_tree(
        Path::new("/nonexistent/lmh-scan"),
        &[3011],
        &ScanOptions::default(),
    )
    .expect_err("missing");
    assert!(err.to_string().contains("/nonexistent/lmh-scan"));
}

#[test]
fn port_reference_rules() {
    let ports = [3001, 3011];
    for (line, want) in [
        ("SESSION_MANAGER_BASE_URL=http://localhost:3001", vec![3001]),
        ("PORT: 3011,", vec![3011]),
        ("\"PORT\": \"3011\"", vec![3011]),
        ("EXPOSE 3011", vec![3011]),
        ("listen 3011;", vec![3011]),
        ("- \"3011:3011\"", vec![3011]),
        ("const x = 3001;", vec![3001]),
        ("total 3001 rows", vec![]),
        ("id 13001 and 30011", vec![]),
        ("version 3.0.11 and v3001x", vec![]),
    ] {
        assert_eq!(scan::port_references(line, &ports), want, "{line}");
    }
}

// ---------------------------------------------------------------------------------------------
// The command line

fn lmh(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lmh"))
        .args(args)
        .env("PORT", "9999") // lmh's own environment must not leak into the check
        .output()
        .expect("runs lmh")
}

/// `lmh config check --hub <tree>/central-hub --sm <tree>/session-manager <extra>`.
fn lmh_check_tree(tree: &str, extra: &[&str]) -> std::process::Output {
    let hub = fixture(tree).join("central-hub");
    let sm = fixture(tree).join("session-manager");
    let mut args = vec![
        "config",
        "check",
        "--hub",
        hub.to_str().expect("utf8"),
        "--sm",
        sm.to_str().expect("utf8"),
    ];
    args.extend_from_slice(extra);
    lmh(&args)
}

#[test]
fn cli_seed_with_shell_port_fails_and_names_both_sources() {
    let out = lmh_check_tree("seed", &["--sm-shell", "PORT=3011"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("[FAIL] config: port agreement"), "{stdout}");
    assert!(
        stdout.contains("central-hub/.env:3 SESSION_MANAGER_BASE_URL=http://localhost:3001"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ecosystem.config.cjs:7 PORT=3001"),
        "{stdout}"
    );
    assert!(!stdout.contains("9999"), "lmh's own PORT leaked: {stdout}");
    for secret in FIXTURE_SECRETS {
        assert!(!stdout.contains(secret));
        assert!(!String::from_utf8_lossy(&out.stderr).contains(secret));
    }
}

#[test]
fn cli_fixed_tree_passes_with_json_output() {
    let out = lmh_check_tree("fixed", &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["passed"], true);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Fixed-Db-Pass-4410"));
}

#[test]
fn cli_usage_errors_exit_2_naming_the_input() {
    let out = lmh(&[
        "config",
        "check",
        "--hub-env",
        "/nonexistent/lmh/.env",
        "--sm-shell",
        "PORT=3001",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/lmh/.env"));

    let hub = fixture("seed").join("central-hub");
    let out = lmh(&[
        "config",
        "check",
        "--hub",
        hub.to_str().expect("utf8"),
        "--sm-shell",
        "PORT",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not KEY=VALUE"));

    let out = lmh(&["config", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing describes either service"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--hub DIR") && stderr.contains("--sm DIR"),
        "{stderr}"
    );
}

/// The check name and outcome of every check in `lmh ... --format json` output.
fn json_checks(stdout: &[u8]) -> Vec<(String, String, String)> {
    let json: serde_json::Value = serde_json::from_slice(stdout).expect("JSON output");
    json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                c["outcome"].as_str().unwrap_or_default().to_string(),
                c["summary"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn cli_one_side_alone_is_checked_and_the_other_reported_as_not_given() {
    let hub = fixture("seed").join("central-hub");
    let out = lmh(&[
        "config",
        "check",
        "--hub",
        hub.to_str().expect("utf8"),
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let checks = json_checks(&out.stdout);
    let outcome = |name: &str| {
        checks
            .iter()
            .find(|(n, ..)| n == name)
            .unwrap_or_else(|| panic!("no check {name:?} in {checks:#?}"))
            .clone()
    };
    assert_eq!(outcome("central-hub SESSION_MANAGER_BASE_URL").1, "pass");
    let (_, o, summary) = outcome("session-manager sources");
    assert_eq!(o, "skip");
    assert!(summary.contains("not given"), "{summary}");
    let (_, o, summary) = outcome("port agreement");
    assert_eq!(o, "skip");
    assert!(
        summary.contains("--sm DIR") && summary.contains("--sm-shell PORT=N"),
        "{summary}"
    );

    let out = lmh(&[
        "config",
        "check",
        "--sm-shell",
        "PORT=3011",
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let checks = json_checks(&out.stdout);
    assert!(
        checks
            .iter()
            .any(|(n, o, s)| n == "session-manager PORT" && o == "pass" && s.contains("3011")),
        "{checks:#?}"
    );
    assert!(
        checks
            .iter()
            .any(|(n, o, s)| n == "central-hub sources" && o == "skip" && s.contains("not given")),
        "{checks:#?}"
    );
    assert!(
        checks
            .iter()
            .any(|(n, o, s)| n == "port agreement" && o == "skip" && s.contains("--hub DIR")),
        "{checks:#?}"
    );

    // What is given is still checked: a bad port fails with only the session-manager side.
    let out = lmh(&["config", "check", "--sm-shell", "PORT=70000"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_directory_with_two_ecosystem_files_uses_the_js_one_and_warns() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("ecosystem.config.js"),
        "module.exports = { apps: [{ name: 'session-manager', env: { PORT: 3011 } }] };\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("ecosystem.config.json"),
        r#"{ "apps": [{ "name": "session-manager", "env": { "PORT": 3001 } }] }"#,
    )
    .expect("write");
    let inputs = ServiceInputs::from_dir(dir.path()).expect("dir");
    assert_eq!(inputs.pm2, Some(dir.path().join("ecosystem.config.js")));
    let config = ServiceConfig::load(Service::SessionManager, &inputs).expect("loads");
    assert_eq!(config.resolve("PORT", Some("3001")).value(), Some("3011"));
    let warning = config
        .findings
        .iter()
        .find(|f| f.topic == "session-manager ecosystem.config.json")
        .expect("warning about the unused file");
    assert_eq!(warning.severity, Severity::Warning);

    let mut inputs = inputs;
    inputs.pm2_app = Some("other".into());
    let config = ServiceConfig::load(Service::SessionManager, &inputs).expect("loads");
    let f = config
        .findings
        .iter()
        .find(|f| f.topic == "session-manager ecosystem.config.js")
        .expect("no such app");
    assert!(f.message.contains("no app named `other`"), "{f:?}");
}

#[test]
fn mismatch_with_a_default_port_and_a_remote_host() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".env"),
        "SESSION_MANAGER_BASE_URL=http://localhost:3011\n",
    )
    .expect("write");
    let mut inputs = CheckInputs::default();
    inputs.hub.dotenv = Some(dir.path().join(".env"));
    inputs.sm.dir = Some(dir.path().to_path_buf());
    let report = check(&inputs).expect("reads");
    let f = finding(&report, "port agreement");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message
            .contains("session-manager PORT=3001 by default (from the service code)"),
        "{f:?}"
    );

    // Another host may be a proxy: the port difference is a warning, not a verdict.
    std::fs::write(
        dir.path().join(".env"),
        "SESSION_MANAGER_BASE_URL=https://sm.example.com\n",
    )
    .expect("write");
    let report = check(&inputs).expect("reads");
    let f = finding(&report, "port agreement");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("-> port 443"), "{f:?}");
    assert!(f.details.iter().any(|d| d.contains("not this machine")));
}

#[test]
fn a_schemeless_password_in_the_hub_url_never_reaches_output() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(
        &env,
        "SESSION_MANAGER_BASE_URL=admin:s3cr3t@127.0.0.1:3011\n",
    )
    .unwrap();
    for format in ["human", "json", "junit"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_lmh"))
            .args([
                "config",
                "check",
                "--hub-env",
                env.to_str().unwrap(),
                "--format",
                format,
            ])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains("s3cr3t"), "{format}: {text}");
        assert!(text.contains("127.0.0.1:3011"), "{format}: {text}");
    }
}

#[test]
fn terminal_escapes_in_a_value_are_shown_escaped_never_sent_to_the_terminal() {
    // ESC[1A ESC[2K CR: move up, erase the line, rewrite it: would hide the FAIL line above.
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(
        &env,
        "SESSION_MANAGER_BASE_URL=http://127.0.0.1:3011/\u{1b}[1A\u{1b}[2K\r  [  ok] all good\u{202e}\n",
    )
    .unwrap();
    let out = lmh(&[
        "config",
        "check",
        "--hub-env",
        env.to_str().unwrap(),
        "--sm-shell",
        "PORT=3011",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for c in ['\u{1b}', '\r', '\u{202e}'] {
        assert!(
            !stdout.contains(c),
            "{c:?} reached the terminal: {stdout:?}"
        );
    }
    assert!(stdout.contains("\\u{1b}"), "shown escaped: {stdout}");
    assert!(stdout.contains("[FAIL]"), "{stdout}");
}

#[test]
fn scan_honours_gitignore_and_reads_hidden_env_copies() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".gitignore"), "generated/\n*.bak.sh\n").expect("write");
    std::fs::create_dir(dir.path().join("generated")).expect("mkdir");
    std::fs::write(dir.path().join("generated/proxy.conf"), "listen 3011;\n").expect("write");
    std::fs::write(dir.path().join("old.bak.sh"), "PORT=3011\n").expect("write");
    std::fs::write(dir.path().join("run.sh"), "PORT=3011\n").expect("write");
    std::fs::write(dir.path().join(".env.production"), "PORT=3011\n").expect("write");
    let report = scan::scan_tree(dir.path(), &[3011], &ScanOptions::default()).expect("scans");
    let files: Vec<String> = report
        .hits
        .iter()
        .map(|h| h.file.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, vec![".env.production", "run.sh"], "{report:?}");
}

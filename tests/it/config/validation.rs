//! Validation of URLs and ports, on the validation trees and as rules.

use super::*;
use lmh::config::validate::{parse_base_url, parse_port};

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

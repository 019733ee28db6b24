//! `lmh gate` and contracts: the provider's contract is diffed against the consumer's
//! (docs/invariants.md 4), the provider is verified against its contract and the consumer's journal
//! against the consumer's.

use crate::helpers::{lmh, root};
use std::process::Output;

use lmh::mock::{MockConfig, MockSessionManager, Profile};

/// `lmh gate --no-e2e ARGS --format json`: the exit code and the report.
fn gate_json(args: &[&str]) -> (Option<i32>, serde_json::Value, Output) {
    let out = lmh()
        .args(["gate", "--no-e2e", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), json, out)
}

/// The checks of `report` in `area` with `outcome`.
fn checks<'a>(
    report: &'a serde_json::Value,
    area: &str,
    outcome: &str,
) -> Vec<&'a serde_json::Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["area"] == area && c["outcome"] == outcome)
        .collect()
}

/// The JUnit test case `name` of suite `classname`, as written.
fn junit_case<'a>(xml: &'a str, classname: &str, name: &str) -> &'a str {
    crate::junit_schema::assert_valid(xml);
    let doc = roxmltree::Document::parse(xml).unwrap();
    let case = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("testcase")
                && n.attribute("classname") == Some(classname)
                && n.attribute("name") == Some(name)
        })
        .unwrap_or_else(|| panic!("no test case {classname} {name} in {xml}"));
    &xml[case.range()]
}

fn v2_mock(rt: &tokio::runtime::Runtime) -> MockSessionManager {
    rt.block_on(MockSessionManager::start_with(MockConfig {
        profile: Profile::V2,
        ..MockConfig::default()
    }))
    .expect("a loopback mock")
}

#[test]
fn a_provider_on_v2_fails_the_gate_for_a_v1_consumer_naming_post_send() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("gate.xml");
    let out = lmh()
        .args([
            "gate",
            "--no-e2e",
            "--contract",
            "v2",
            "--junit",
            junit.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("[FAIL] contract.diff: POST /send: operation `send` removed"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    let send = junit_case(&xml, "lmh.contract.diff", "POST /send");
    assert!(send.contains("<failure"), "{send}");
    assert!(send.contains("operation-removed"), "{send}");
    // Only the diff fails: the harness's own mock still follows v1.
    let failing_suites: Vec<&str> = xml
        .lines()
        .filter(|l| l.contains("<testsuite ") && !l.contains(r#"failures="0""#))
        .collect();
    assert_eq!(failing_suites.len(), 1, "{xml}");
    assert!(
        failing_suites[0].contains(r#"name="contract.diff""#),
        "{xml}"
    );
}

#[test]
fn the_same_contract_on_both_sides_passes_the_diff() {
    let (code, report, _) = gate_json(&["--contract", "v1"]);
    assert_eq!(code, Some(0), "{report:#}");
    let passed = checks(&report, "contract.diff", "pass");
    assert_eq!(passed.len(), 1, "{report:#}");
    assert!(
        passed[0]["summary"]
            .as_str()
            .unwrap()
            .starts_with("0 breaking, 0 compatible"),
        "{report:#}"
    );
    assert!(checks(&report, "contract.diff", "fail").is_empty());

    // A contract file works as the shortcut does; a v2 consumer against a v1 provider breaks.
    let (code, report, _) = gate_json(&[
        "--contract",
        &root("contracts/session-manager.v1.yaml"),
        "--consumer-contract",
        "v1",
    ]);
    assert_eq!(code, Some(0), "{report:#}");
    let (code, report, _) = gate_json(&["--contract", "v1", "--consumer-contract", "v2"]);
    assert_eq!(code, Some(1), "{report:#}");
    assert!(!checks(&report, "contract.diff", "fail").is_empty());
}

#[test]
fn without_contract_the_diff_is_skipped_saying_how_to_enable_it() {
    let (code, report, _) = gate_json(&[]);
    assert_eq!(code, Some(0), "{report:#}");
    let skipped = checks(&report, "contract.diff", "skip");
    assert_eq!(skipped.len(), 1, "{report:#}");
    assert!(
        skipped[0]["summary"]
            .as_str()
            .unwrap()
            .contains("pass --contract FILE"),
        "{report:#}"
    );
}

#[test]
fn the_consumer_journal_is_checked_against_the_consumer_contract() {
    let journal = root("tests/data/seed/consumer-journal.jsonl");
    let (code, report, _) = gate_json(&["--journal", &journal]);
    assert_eq!(code, Some(1), "{report:#}");
    let failed = checks(&report, "contract.consumer", "fail");
    assert!(
        failed[0]["summary"]
            .as_str()
            .unwrap()
            .contains("no such operation in session-manager v1"),
        "{report:#}"
    );

    let (code, report, _) = gate_json(&[
        "--journal",
        &journal,
        "--consumer-contract",
        "v2",
        "--contract",
        "v2",
    ]);
    assert_eq!(code, Some(1), "{report:#}");
    assert!(checks(&report, "contract.diff", "fail").is_empty());
    let failed = checks(&report, "contract.consumer", "fail");
    assert!(
        failed[0]["summary"]
            .as_str()
            .unwrap()
            .contains("no such operation in session-manager v2"),
        "{report:#}"
    );
}

#[test]
fn the_session_manager_is_verified_against_the_provider_contract() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mock = v2_mock(&rt);
    let url = mock.uri();

    // A v2 provider checked against v2 (both sides on v2): conformant.
    let (code, report, _) = gate_json(&[
        "--session-manager",
        &url,
        "--contract",
        "v2",
        "--consumer-contract",
        "v2",
    ]);
    assert_eq!(code, Some(0), "{report:#}");
    assert!(!checks(&report, "contract.provider", "pass").is_empty());

    // Without --contract, the provider is held to the consumer's contract.
    let (code, report, _) = gate_json(&["--session-manager", &url, "--consumer-contract", "v2"]);
    assert_eq!(code, Some(0), "{report:#}");

    // The same provider held to v1 fails in the provider area, and nowhere else.
    let (code, report, _) = gate_json(&["--session-manager", &url, "--contract", "v1"]);
    assert_eq!(code, Some(1), "{report:#}");
    let failed: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "fail")
        .map(|c| c["area"].as_str().unwrap())
        .collect();
    assert!(!failed.is_empty());
    assert!(
        failed.iter().all(|a| *a == "contract.provider"),
        "{failed:?}"
    );
}

#[test]
fn an_unreadable_contract_is_a_usage_error_naming_it() {
    for flag in ["--contract", "--consumer-contract"] {
        let out = lmh()
            .args(["gate", "--no-e2e", flag, "no-such-contract.yaml"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(flag), "{stderr}");
        assert!(stderr.contains("no-such-contract.yaml"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_gate_verifies_the_session_manager_central_hub_is_configured_to_use() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let v1 = rt.block_on(MockSessionManager::start());
    let hub = tempfile::tempdir().unwrap();
    std::fs::write(
        hub.path().join(".env"),
        format!("SESSION_MANAGER_BASE_URL={}\n", v1.uri()),
    )
    .unwrap();
    let (code, report, out) = gate_json(&["--hub", hub.path().to_str().unwrap()]);
    assert_eq!(code, Some(0), "{report:#}");
    let derived = checks(&report, "config", "pass")
        .into_iter()
        .find(|c| c["name"] == "taken from central-hub's configuration")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert!(
        derived
            .to_string()
            .contains("SESSION_MANAGER_BASE_URL from "),
        "{derived}"
    );
    assert!(!checks(&report, "contract.provider", "pass").is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&v1.uri()));
    // `none` verifies no live session-manager.
    let (_, report, _) = gate_json(&[
        "--hub",
        hub.path().to_str().unwrap(),
        "--session-manager",
        "none",
    ]);
    assert!(checks(&report, "contract.provider", "pass").is_empty());
}

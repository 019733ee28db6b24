//! `lmh proxy`: a recording, validating reverse proxy in front of a provider on loopback (the
//! mock, a provider breaking the contract, a closed port); and `lmh e2e` against a provider
//! given by URL, recorded through the in-process proxy so no invariant is skipped.

use std::path::Path;

use lmh::journal::read_journal;
use lmh::mock::{MockConfig, MockSessionManager};
use lmh::proxy::{Proxy, ProxyConfig, Summary};
use lmh::session::SessionState;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{self, closed_port_url, run_lmh_async};

async fn proxy(upstream: &str, journal: &Path) -> Proxy {
    let mut config = ProxyConfig::new(upstream, journal);
    config.print = false;
    Proxy::start(config).await.expect("a loopback proxy")
}

fn http() -> reqwest::Client {
    lmh::http_client()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn forwards_unchanged_records_and_names_the_consumers_fault() {
    let mock = MockSessionManager::start().await;
    mock.set_state(51, SessionState::Ready);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let p = proxy(&mock.uri(), &journal).await;

    let direct = http()
        .get(format!("{}/status", mock.uri()))
        .header("X-Cliente-Id", "51")
        .send()
        .await
        .unwrap();
    let direct = (direct.status(), direct.text().await.unwrap());
    let via = http()
        .get(format!("{}/status", p.uri()))
        .header("X-Cliente-Id", "51")
        .send()
        .await
        .unwrap();
    assert_eq!((via.status(), via.text().await.unwrap()), direct);
    let wrong = http()
        .get(format!(
            "{}/api/session-manager/sessions/sender_51",
            p.uri()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404, "the provider's own 404, passed on");

    // The provider received exactly what the consumer sent, once each.
    let received: Vec<String> = mock.journal().iter().map(|e| e.label()).collect();
    assert_eq!(
        received,
        [
            "GET /status",
            "GET /status",
            "GET /api/session-manager/sessions/sender_51"
        ]
    );
    assert_eq!(
        mock.journal()[1]
            .headers
            .get("x-cliente-id")
            .map(String::as_str),
        Some("51")
    );
    assert_eq!(
        p.summary(),
        Summary {
            exchanges: 2,
            consumer_violations: 1,
            provider_violations: 0,
            transport_failures: 0
        }
    );
    let recorded = read_journal(&journal).unwrap();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].cliente_id, Some(51));
    assert_eq!(recorded[1].seq, 2);
    assert!(recorded[1].unknown_route);
    // What `verify consumer --journal` reads.
    let report = lmh::verify::verify_journal(&journal, &lmh::contract::Contract::v1()).unwrap();
    assert!(!report.passed());
    assert!(report.to_human().contains(
        "no such operation in session-manager v1; nearest: GET /status with X-Cliente-Id: 51"
    ));
}

#[tokio::test]
async fn an_answer_the_contract_does_not_allow_is_the_providers_fault() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"state": "READY"})),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let p = proxy(&server.uri(), &journal).await;
    let answer = http()
        .get(format!("{}/status", p.uri()))
        .header("X-Cliente-Id", "51")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), r#"{"state":"READY"}"#);
    assert_eq!(p.summary().provider_violations, 1);
    assert_eq!(p.summary().consumer_violations, 0);
    let recorded = read_journal(&journal).unwrap();
    assert!(recorded[0].violation.is_some(), "{:?}", recorded[0]);
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_transport_failure_not_a_made_up_answer() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let p = proxy(&closed_port_url(), &journal).await;
    let outcome = http()
        .post(format!("{}/send", p.uri()))
        .header("X-Cliente-Id", "51")
        .json(&serde_json::json!({"to": "5491155550000", "message": "hola"}))
        .send()
        .await;
    let err = outcome.expect_err("no answer at all, as without the proxy");
    assert!(!err.is_status(), "{err}");
    assert_eq!(p.summary().transport_failures, 1);
    assert_eq!(p.summary().exchanges, 0);
    assert!(
        read_journal(&journal).unwrap().is_empty(),
        "the provider answered nothing"
    );
}

#[tokio::test]
async fn a_journal_appended_to_goes_on_with_its_sequence_and_keeps_its_lines() {
    let mock = MockSessionManager::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let earlier = proxy(&mock.uri(), &journal).await;
    for _ in 0..2 {
        http()
            .get(format!("{}/health", earlier.uri()))
            .send()
            .await
            .unwrap();
    }
    drop(earlier);
    let before = std::fs::read_to_string(&journal).unwrap();

    let later = proxy(&mock.uri(), &journal).await;
    http()
        .get(format!("{}/health", later.uri()))
        .send()
        .await
        .unwrap();
    let after = std::fs::read_to_string(&journal).unwrap();
    assert!(
        after.starts_with(&before),
        "the earlier lines stay as they were"
    );
    let seqs: Vec<u64> = read_journal(&journal)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
}

#[tokio::test]
async fn a_symlink_as_the_journal_is_refused_and_its_target_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep me").unwrap();
    let link = dir.path().join("j.jsonl");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let mut config = ProxyConfig::new("http://127.0.0.1:9", &link);
    config.print = false;
    let err = match Proxy::start(config).await {
        Ok(_) => panic!("a proxy started with a symlink as its journal"),
        Err(e) => e,
    };
    assert!(
        matches!(
            err,
            lmh::proxy::ProxyError::JournalFile(lmh::files::WriteError::NotAFile { .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
}

/// Run `lmh <command> ... --session-manager <a READY mock> --allow-send` on the happy path
/// and check that every journal invariant was checked (and passed) against it.
async fn journal_invariants_checked(command: &str, extra: &[&str]) {
    let mock = MockSessionManager::start_with(MockConfig {
        new_client_state: Some(SessionState::Ready),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let mut args = vec![
        command.to_string(),
        "--db-url".into(),
        helpers::server_url(),
        "--session-manager".into(),
        mock.uri(),
        "--allow-send".into(),
        "--fixtures".into(),
        helpers::root("fixtures/happy-path.yaml"),
        "--format".into(),
        "json".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let (code, stdout, stderr) = run_lmh_async(&args).await;
    let json: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
    let checks = json["checks"].as_array().unwrap();
    for name in [
        "I1 only contract routes called",
        "I6/I8 enviado only after a confirmed send",
        "I7 provider answers conform",
        "I9 at most one send per envio",
        "I18 text and phone exact",
    ] {
        let c = checks
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {json:#}"));
        assert_eq!(c["outcome"], "pass", "{name}: {c:#}");
    }
    assert!(
        !checks
            .iter()
            .any(|c| c["summary"].as_str().unwrap_or("").contains("no journal")),
        "{json:#}"
    );
    assert_eq!(code, 0, "{json:#}");
    assert!(
        mock.journal().iter().any(|e| e.path == "/send"),
        "the sends reached the provider"
    );
}

#[tokio::test]
async fn e2e_against_a_provider_by_url_checks_every_invariant() {
    journal_invariants_checked("e2e", &[]).await;
}

#[tokio::test]
async fn gate_with_allow_send_checks_every_invariant_against_the_provider() {
    journal_invariants_checked("gate", &[]).await;
}

#[tokio::test]
async fn cli_proxy_prints_violations_and_a_summary_on_sigterm() {
    let mock = MockSessionManager::start().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let mut child = helpers::lmh()
        .args(["proxy", "--upstream", &mock.uri(), "--port", "0"])
        .arg("--journal")
        .arg(&journal)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first line on stderr names the address: `lmh proxy: http://127.0.0.1:N -> ...`.
    let stderr = child.stderr.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stderr), &mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    let answered = http()
        .get(format!("{url}/api/session-manager/sessions/sender_51"))
        .send()
        .await
        .ok()
        .map(|r| r.status());
    assert_eq!(answered, Some(reqwest::StatusCode::NOT_FOUND));
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout
            .contains("consumer #1 GET /api/session-manager/sessions/sender_51: no such operation"),
        "{stdout}"
    );
    assert!(stdout.contains("1 exchanges recorded in"), "{stdout}");
    assert_eq!(read_journal(&journal).unwrap().len(), 1);
}

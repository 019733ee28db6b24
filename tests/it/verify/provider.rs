//! `verify provider` against real HTTP servers on loopback (the mock in both profiles, a foreign
//! service, a closed port, a hanging one). `verify consumer` is `consumer.rs`.

use std::path::PathBuf;
use std::time::Duration;

use lmh::contract::Contract;
use lmh::mock::{MockConfig, MockSessionManager, Profile};
use lmh::report::{Check, Outcome, Report};
use lmh::session::SessionState;
use lmh::verify::{DEFAULT_CLIENTE_ID, ProviderOptions, VerifyError, verify_provider};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{closed_port, run_lmh_async};

/// A mock playing `profile`, writing its journal to `journal` if given.
pub(super) async fn mock(profile: Profile, journal: Option<PathBuf>) -> MockSessionManager {
    MockSessionManager::start_with(MockConfig {
        profile,
        journal_file: journal,
        ..MockConfig::default()
    })
    .await
    .expect("a loopback mock")
}

/// The failed checks of a report.
pub(super) fn failures(report: &Report) -> Vec<&Check> {
    report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .collect()
}

/// The check named `name`; the test fails when there is none.
pub(super) fn check<'a>(report: &'a Report, name: &str) -> &'a Check {
    report
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name:?} in\n{}", report.to_human()))
}

async fn provider(base: &str) -> Report {
    verify_provider(&ProviderOptions::new(base))
        .await
        .expect("usable options")
}

#[tokio::test]
async fn provider_is_clean_against_the_v1_mock_in_every_state() {
    for state in SessionState::ALL {
        let mock = mock(Profile::V1, None).await;
        mock.set_state(DEFAULT_CLIENTE_ID, state);
        let report = provider(&mock.uri()).await;
        assert!(
            failures(&report).is_empty(),
            "{state}:\n{}",
            report.to_human()
        );
        // Non-destructive: nothing went out, and only the probe client's session exists.
        assert!(mock.deliveries().is_empty(), "{state}: a message was sent");
        let ids: Vec<Option<u64>> = mock
            .journal()
            .iter()
            .map(|e| e.cliente_id)
            .filter(Option::is_some)
            .collect();
        assert!(ids.iter().all(|id| *id == Some(DEFAULT_CLIENTE_ID)));
        // The session's state is what the report describes.
        let expected = match state {
            // The first /status creates the session; the mock settles it at once.
            SessionState::NotInitialized => SessionState::Ready,
            s => s,
        };
        let status = check(&report, "GET /status with X-Cliente-Id: 999999");
        assert_eq!(
            status.summary,
            format!("conformant: 200, state {expected}"),
            "{state}"
        );
        let side = check(&report, "side effects");
        assert_eq!(
            side.outcome,
            if state == SessionState::NotInitialized {
                Outcome::Warn
            } else {
                Outcome::Pass
            },
            "{state}: {side:?}"
        );
        assert!(side.summary.contains("nothing was sent"));
        // The /qr-code answer matched the state, and the statuses it could not reach say why.
        let qr = check(&report, "GET /qr-code answer for the session's state");
        assert_eq!(qr.outcome, Outcome::Pass, "{state}: {qr:?}");
        if state == SessionState::Ready {
            assert_eq!(
                check(&report, "GET /qr-code 404").summary,
                "not exercised: 404 needs a QR_REQUIRED session whose QR is not generated yet; client 999999 is READY"
            );
        }
        let send_200 = check(&report, "POST /send 200");
        assert_eq!(send_200.outcome, Outcome::Skip);
        assert!(send_200.summary.contains("--allow-send"));
    }
}

#[tokio::test]
async fn side_effects_report_what_was_observed() {
    let mock = mock(Profile::V1, None).await;
    let report = provider(&mock.uri()).await;
    let send = check(&report, "POST /send with X-Cliente-Id: 999999 and body {}");
    assert_eq!(send.summary, "conformant: 400, INVALID_REQUEST");
    // No prediction from x-lmh-creates-session: only what the answers showed.
    assert!(send.details.is_empty(), "{send:?}");
    let side = check(&report, "side effects");
    assert_eq!(side.outcome, Outcome::Warn);
    assert_eq!(
        side.summary,
        "client 999999 had no session (GET /status answered NOT_INITIALIZED, then READY): \
         this run created it; nothing was sent (no request carried a message that was accepted)"
    );

    // A session that existed before: nothing is claimed to have been created.
    let mock = mock_with_state(SessionState::QrRequired).await;
    let report = provider(&mock.uri()).await;
    let side = check(&report, "side effects");
    assert_eq!(side.outcome, Outcome::Pass);
    assert!(
        side.summary.starts_with(
            "client 999999's session already existed (GET /status answered QR_REQUIRED at once)"
        ),
        "{side:?}"
    );
}

async fn mock_with_state(state: SessionState) -> MockSessionManager {
    let mock = mock(Profile::V1, None).await;
    mock.set_state(DEFAULT_CLIENTE_ID, state);
    mock
}

#[tokio::test]
async fn a_real_send_happens_only_when_allowed_and_is_checked() {
    let mock = mock(Profile::V1, None).await;
    mock.set_state(51, SessionState::Ready);
    mock.set_state(52, SessionState::QrRequired);

    let mut options = ProviderOptions::new(mock.uri());
    options.cliente_id = 51;
    options.send_to = Some("5491155550000".into());
    let report = verify_provider(&options).await.unwrap();
    assert!(failures(&report).is_empty(), "{}", report.to_human());
    let sent = mock.deliveries();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.contains(lmh::verify::TEST_MESSAGE));
    // The number goes out as the scheduler would send it: its chat id.
    let body: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(body["to"], "5491155550000@c.us");
    let send = check(
        &report,
        "POST /send with X-Cliente-Id: 51 and a real message to 5491155550000@c.us",
    );
    assert!(
        send.summary
            .starts_with("conformant: 200, message_id true_5491155550000@c.us_")
    );
    assert!(
        check(&report, "side effects")
            .summary
            .contains("one message was sent to 5491155550000@c.us")
    );

    // A session that is not READY answers 409 and nothing goes out.
    options.cliente_id = 52;
    let report = verify_provider(&options).await.unwrap();
    assert!(failures(&report).is_empty(), "{}", report.to_human());
    assert_eq!(mock.deliveries().len(), 1);
    let send = check(
        &report,
        "POST /send with X-Cliente-Id: 52 and a real message to 5491155550000@c.us",
    );
    assert_eq!(send.summary, "conformant: 409, SESSION_NOT_READY");
    assert_eq!(
        check(&report, "POST /send 200").summary,
        "not exercised: 200 needs a READY session; client 52 is QR_REQUIRED"
    );
}

#[tokio::test]
async fn the_v2_contract_is_clean_against_the_v2_mock() {
    let mock = mock(Profile::V2, None).await;
    let mut options = ProviderOptions::new(mock.uri());
    options.contract = Contract::v2();
    let report = verify_provider(&options).await.unwrap();
    assert!(failures(&report).is_empty(), "{}", report.to_human());
    // State-changing routes are not called.
    assert!(mock.journal().iter().all(|e| e.method == "GET"));
    assert_eq!(check(&report, "POST /connect").outcome, Outcome::Skip);
}

/// The report with the mock's address made stable.
fn redacted(report: &Report, uri: &str) -> String {
    report.to_human().replace(uri, "http://127.0.0.1:[PORT]")
}

#[tokio::test]
async fn provider_against_the_v2_mock_lists_every_deviation() {
    let mock = mock(Profile::V2, None).await;
    let report = provider(&mock.uri()).await;
    let failed: Vec<String> = failures(&report)
        .iter()
        .map(|c| format!("{}: {}", c.name, c.summary))
        .collect();
    assert!(failed.contains(
        &"POST /send: contract v1 documents it; the provider answers 404 text/html (route missing)"
            .to_string()
    ));
    assert!(failed.contains(
        &"GET /qr-code: contract v1 documents it; the provider answers 404 text/html (route missing)"
            .to_string()
    ));
    assert!(check(&report, "GET /health").details.contains(
        &"at /: \"whatsapp_state\" is a required property (schema rule /required)".to_string()
    ));
    let text = redacted(&report, &mock.uri());
    assert!(!text.contains(&mock.address().port().to_string()));
    insta::assert_snapshot!("provider_v2_deviations", text);
}

#[tokio::test]
async fn another_service_on_the_port_fails_the_identity_check_and_nothing_else_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"status": "ok", "service": "central-hub"})),
        )
        .mount(&server)
        .await;
    let report = provider(&server.uri()).await;
    let identity = check(&report, "identity (GET /health)");
    assert_eq!(identity.outcome, Outcome::Fail);
    assert!(
        identity
            .summary
            .starts_with("something else answers on this port:"),
        "{identity:?}"
    );
    assert!(identity.summary.contains("\"central-hub\""));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(check(&report, "contract checks").outcome, Outcome::Skip);
}

#[tokio::test]
async fn an_html_page_on_the_port_fails_the_identity_check() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_raw("<html>nginx</html>", "text/html"))
        .mount(&server)
        .await;
    let report = provider(&server.uri()).await;
    let identity = check(&report, "identity (GET /health)");
    assert_eq!(identity.outcome, Outcome::Fail);
    assert!(identity.summary.contains("404 text/html"), "{identity:?}");
}

#[tokio::test]
async fn a_closed_port_fails_the_identity_check_with_what_to_do() {
    let port = closed_port();
    let report = provider(&format!("http://127.0.0.1:{port}")).await;
    assert_eq!(report.checks.len(), 2, "{}", report.to_human());
    let identity = check(&report, "identity (GET /health)");
    assert_eq!(identity.outcome, Outcome::Fail);
    assert!(
        identity
            .summary
            .starts_with(&format!("cannot connect to http://127.0.0.1:{port}/health"))
    );
    assert!(identity.summary.contains("start the session-manager"));
    assert!(identity.summary.contains("--base-url"));
}

#[tokio::test]
async fn a_hanging_provider_is_bounded_by_the_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accept and hold every connection without ever answering.
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut options = ProviderOptions::new(format!("http://{addr}"));
    options.timeout = Duration::from_millis(200);
    let report = verify_provider(&options).await.unwrap();
    holder.abort();
    let identity = check(&report, "identity (GET /health)");
    assert_eq!(identity.outcome, Outcome::Fail);
    assert!(identity.summary.contains("within 200 ms"), "{identity:?}");
    assert!(identity.summary.contains("--timeout-ms"));
}

#[tokio::test]
async fn unusable_provider_options_are_usage_errors() {
    let bad_url = verify_provider(&ProviderOptions::new("localhost:3001"))
        .await
        .unwrap_err();
    assert!(bad_url.to_string().contains("--base-url"), "{bad_url}");
    let mut options = ProviderOptions::new("http://127.0.0.1:9");
    options.cliente_id = 0;
    let err = verify_provider(&options).await.unwrap_err();
    assert!(matches!(err, VerifyError::Input { ref input, .. } if input == "--cliente-id"));
}

/// `--to` follows the scheduler's one rule of what may be sent (`normalize_phone`): a number
/// the scheduler refuses is refused here before anything is sent.
#[tokio::test]
async fn a_send_to_a_number_the_scheduler_refuses_is_a_usage_error() {
    let mock = mock(Profile::V1, None).await;
    mock.set_state(51, SessionState::Ready);
    let mut options = ProviderOptions::new(mock.uri());
    options.cliente_id = 51;
    for to in [
        "not-a-number",
        "+5491155550000",
        "54 9 11 5555-0000",
        "0111555500",
        "1234567",
        "1234567890123456",
        "5491155550000@s.whatsapp.net",
    ] {
        assert_eq!(lmh::domain::normalize_phone(to), None, "{to}");
        options.send_to = Some(to.into());
        let err = verify_provider(&options).await.unwrap_err();
        let VerifyError::Input { input, reason } = &err else {
            panic!("{to}: {err:?}");
        };
        assert_eq!(input, "--to");
        assert!(reason.contains(&format!("{to:?}")), "{reason}");
        assert!(reason.contains("8 to 15 digits"), "{reason}");
        assert!(reason.contains("no leading 0"), "{reason}");
    }
    assert!(mock.deliveries().is_empty());

    // What the scheduler accepts, with or without the chat suffix, is sent as its chat id.
    for to in ["12345678", "5491155550000@c.us"] {
        options.send_to = Some(to.into());
        let report = verify_provider(&options).await.unwrap();
        assert!(failures(&report).is_empty(), "{}", report.to_human());
    }
    let sent: Vec<serde_json::Value> = mock
        .deliveries()
        .iter()
        .map(|d| serde_json::from_str(&d.body).unwrap())
        .collect();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["to"], "12345678@c.us");
    assert_eq!(sent[1]["to"], "5491155550000@c.us");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_verify_provider_exit_codes() {
    let v1 = mock(Profile::V1, None).await;
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("provider.xml");
    let (code, out, err) = run_lmh_async(&[
        "verify",
        "provider",
        "--base-url",
        &v1.uri(),
        "--junit",
        junit.to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("PASS:"));
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<testsuite name=\"provider\"")
    );

    let v2 = mock(Profile::V2, None).await;
    let (code, out, _) = run_lmh_async(&[
        "verify",
        "provider",
        "--base-url",
        &v2.uri(),
        "--format",
        "json",
    ])
    .await;
    assert_eq!(code, 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["passed"], false);

    let (code, _, err) =
        run_lmh_async(&["verify", "provider", "--base-url", "localhost:3001"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("--base-url"), "{err}");

    v1.set_state(51, SessionState::Ready);
    let (code, _, err) = run_lmh_async(&[
        "verify",
        "provider",
        "--base-url",
        &v1.uri(),
        "--cliente-id",
        "51",
        "--allow-send",
        "--to",
        "+5491155550000",
    ])
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--to"), "{err}");
    assert!(err.contains("\"+5491155550000\""), "{err}");
    assert!(err.contains("8 to 15 digits"), "{err}");
    assert!(v1.deliveries().is_empty());
}

/// The real service's 404 on /qr-code (QR_REQUIRED, no QR string yet) is judged right.
#[tokio::test]
async fn a_session_waiting_for_its_qr_gets_404_and_passes() {
    let mock = mock(Profile::V1, None).await;
    mock.set_qr_pending(DEFAULT_CLIENTE_ID);
    let report = provider(&mock.uri()).await;
    assert!(failures(&report).is_empty(), "{}", report.to_human());
    assert_eq!(
        check(&report, "GET /qr-code with X-Cliente-Id: 999999").summary,
        "conformant: 404, QR_NOT_AVAILABLE"
    );
    let qr = check(&report, "GET /qr-code answer for the session's state");
    assert_eq!(qr.outcome, Outcome::Pass, "{qr:?}");
}

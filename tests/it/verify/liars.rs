//! Providers that lie in one way each, on loopback (wiremock): `verify provider` fails every
//! one with a check naming the broken rule, and the adapter refuses the same answers.
//! `honest()` is the same server telling the truth, so each lie is the only difference.

use lmh::adapter::{ClientConfig, ErrorKind, ProtocolError, SessionManagerClient};
use lmh::contract::ResponseViolation;
use lmh::report::{Outcome, Report};
use lmh::verify::{ProviderOptions, verify_provider};
use serde_json::{Value, json};
use wiremock::matchers::{any, body_string, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::run_lmh_async;

/// The probe client `verify provider` uses by default.
const ID: &str = "999999";
const TO: &str = "5491155550000";

fn envelope(code: &str, message: &str) -> Value {
    json!({"error": true, "code": code, "message": message})
}

fn ready_status(cliente_id: u64) -> Value {
    json!({
        "cliente_id": cliente_id, "connected": true, "state": "READY",
        "reconnection_attempts": 0, "max_reconnection_attempts": 3,
        "can_send_messages": true, "needs_qr": false, "is_recoverable": false,
        "recommended_action": "Session operational - can send messages",
        "qr_code_base64": null
    })
}

fn json_answer(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// A v1 session-manager whose client 999999 is READY, answering every probe truthfully.
/// Lower priority numbers win in wiremock: lies are mounted with priority 1.
async fn honest() -> MockServer {
    let s = MockServer::start().await;
    mount_unknown_routes(&s).await;
    mount_sessionless_routes(&s).await;
    mount_header_checks(&s).await;
    mount_client_routes(&s).await;
    mount_send_answers(&s).await;
    s
}

/// Every route the contract does not have: 404 `NOT_FOUND`, below everything else.
async fn mount_unknown_routes(s: &MockServer) {
    Mock::given(any())
        .respond_with(json_answer(
            404,
            envelope("NOT_FOUND", "Endpoint not found"),
        ))
        .with_priority(10)
        .mount(s)
        .await;
}

/// The routes that name no client: `/health`, and `/qr` of the process's own session.
async fn mount_sessionless_routes(s: &MockServer) {
    Mock::given(method("GET")).and(path("/health")).respond_with(json_answer(
        200,
        json!({"status": "ok", "service": "session-manager", "whatsapp_state": "NOT_INITIALIZED"}),
    ))
    .mount(s)
    .await;
    Mock::given(method("GET")).and(path("/qr")).respond_with(json_answer(
        409,
        json!({"error": "QR not available", "state": "NOT_INITIALIZED", "can_send_messages": false}),
    ))
    .mount(s)
    .await;
}

/// The client routes without `X-Cliente-Id` (`MISSING_HEADER`) or with a non-number in it
/// (`INVALID_HEADER`); `/qr-code` answers them in its own shape.
async fn mount_header_checks(s: &MockServer) {
    for (m, p) in [("GET", "/status"), ("POST", "/send"), ("GET", "/qr-code")] {
        let header_error = |code: &str, message: &str| {
            if p == "/qr-code" {
                json_answer(400, json!({"error": code, "message": message}))
            } else {
                json_answer(400, envelope(code, message))
            }
        };
        Mock::given(method(m))
            .and(path(p))
            .respond_with(header_error(
                "MISSING_HEADER",
                "X-Cliente-Id header is required",
            ))
            .with_priority(9)
            .mount(s)
            .await;
        Mock::given(method(m))
            .and(path(p))
            .and(header("X-Cliente-Id", "abc"))
            .respond_with(header_error(
                "INVALID_HEADER",
                "X-Cliente-Id must be a positive integer",
            ))
            .mount(s)
            .await;
    }
}

/// A request to `m p` for the probe client.
fn with_id(m: &str, p: &str) -> wiremock::MockBuilder {
    Mock::given(method(m))
        .and(path(p))
        .and(header("X-Cliente-Id", ID))
}

/// The probe client's `/status` (READY) and `/qr-code` (409: already connected).
async fn mount_client_routes(s: &MockServer) {
    with_id("GET", "/status")
        .respond_with(json_answer(200, ready_status(999_999)))
        .mount(s)
        .await;
    with_id("GET", "/qr-code")
        .respond_with(json_answer(
            409,
            json!({"error": "QR_NOT_REQUIRED", "message": "Session is already connected", "current_state": "READY"}),
        ))
        .mount(s)
        .await;
}

/// `/send` for the probe client: an empty body refused, a real one sent, and a body cut
/// short a parse error.
async fn mount_send_answers(s: &MockServer) {
    with_id("POST", "/send")
        .and(body_string("{}"))
        .respond_with(json_answer(
            400,
            envelope("INVALID_REQUEST", "Fields 'to' and 'message' are required"),
        ))
        .mount(s)
        .await;
    with_id("POST", "/send")
        .and(body_string_contains("\"to\""))
        .respond_with(json_answer(
            200,
            json!({"ok": true, "message_id": format!("true_{TO}@c.us_3EB0AA11BB22CC33")}),
        ))
        .mount(s)
        .await;
    Mock::given(method("POST"))
        .and(path("/send"))
        .and(body_string("{\"to\":"))
        .respond_with(json_answer(
            500,
            envelope("INTERNAL_ERROR", "Unexpected token in JSON"),
        ))
        .with_priority(3)
        .mount(s)
        .await;
}

/// `honest()` with one lie mounted over it.
async fn liar(lie: Mock) -> MockServer {
    let s = honest().await;
    lie.with_priority(1).mount(&s).await;
    s
}

async fn verify(base: &str, send: bool) -> Report {
    let mut options = ProviderOptions::new(base);
    if send {
        options.send_to = Some(TO.into());
    }
    verify_provider(&options).await.expect("usable options")
}

/// The failed checks, as `name: summary` lines.
fn failed(report: &Report) -> Vec<String> {
    report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .map(|c| format!("{}: {}", c.name, c.summary))
        .collect()
}

/// Exactly one check failed, the one named, and its summary names `rule`.
fn fails_by(report: &Report, name: &str, rule: &str) {
    let failed = failed(report);
    assert_eq!(failed.len(), 1, "{}", report.to_human());
    assert!(
        failed[0].starts_with(&format!("{name}: ")) && failed[0].contains(&format!("rule {rule}")),
        "{failed:?}"
    );
}

const SEND_CHECK: &str =
    "POST /send with X-Cliente-Id: 999999 and a real message to 5491155550000@c.us";

#[tokio::test]
async fn the_honest_provider_passes_even_with_a_send() {
    let s = honest().await;
    for send in [false, true] {
        let report = verify(&s.uri(), send).await;
        assert!(failed(&report).is_empty(), "{}", report.to_human());
    }
}

#[tokio::test]
async fn a_provider_answering_another_error_code_than_the_request_provoked_fails() {
    let s = liar(
        Mock::given(method("GET"))
            .and(path("/status"))
            .and(header("X-Cliente-Id", "abc"))
            .respond_with(json_answer(
                400,
                envelope("MISSING_HEADER", "X-Cliente-Id header is required"),
            )),
    )
    .await;
    let report = verify(&s.uri(), false).await;
    fails_by(
        &report,
        "GET /status with X-Cliente-Id: abc",
        "error-code-matches-request",
    );
    assert!(
        failed(&report)[0].contains("called for INVALID_HEADER, the answer says MISSING_HEADER")
    );

    // The same for a body that breaks the schema answered as a header problem.
    let s = liar(
        with_id("POST", "/send")
            .and(body_string("{}"))
            .respond_with(json_answer(
                400,
                envelope("INVALID_HEADER", "X-Cliente-Id must be a positive integer"),
            )),
    )
    .await;
    fails_by(
        &verify(&s.uri(), false).await,
        "POST /send with X-Cliente-Id: 999999 and body {}",
        "error-code-matches-request",
    );
}

#[tokio::test]
async fn a_status_about_another_client_fails() {
    let s = liar(with_id("GET", "/status").respond_with(json_answer(200, ready_status(51)))).await;
    let report = verify(&s.uri(), false).await;
    fails_by(
        &report,
        "GET /status with X-Cliente-Id: 999999",
        "status-echoes-client",
    );
    assert!(
        failed(&report)[0]
            .contains("asked about cliente_id 999999, the answer is about cliente_id 51")
    );
}

#[tokio::test]
async fn a_self_contradictory_status_fails_naming_the_field() {
    for (field, value) in [
        ("can_send_messages", false),
        ("connected", false),
        ("needs_qr", true),
    ] {
        let mut body = ready_status(999_999);
        body[field] = json!(value);
        let s = liar(with_id("GET", "/status").respond_with(json_answer(200, body.clone()))).await;
        let report = verify(&s.uri(), false).await;
        fails_by(
            &report,
            "GET /status with X-Cliente-Id: 999999",
            "status-state-consistent",
        );
        assert!(
            failed(&report)[0].contains(&format!("state READY with {field} {value}")),
            "{field}"
        );

        // The adapter refuses the same answer with the same rule.
        let client = SessionManagerClient::new(ClientConfig::new(s.uri())).unwrap();
        let err = client.status(999_999).await.unwrap_err();
        assert!(
            matches!(
                &err.kind,
                ErrorKind::Protocol(ProtocolError::Inconsistent { detail })
                    if detail.starts_with("rule status-state-consistent")
            ),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_placeholder_message_id_fails() {
    for id in ["undefined", "null", "sent-via-ui", "NaN"] {
        let s = liar(
            with_id("POST", "/send")
                .and(body_string_contains("\"to\""))
                .respond_with(json_answer(200, json!({"ok": true, "message_id": id}))),
        )
        .await;
        let report = verify(&s.uri(), true).await;
        fails_by(&report, SEND_CHECK, "message-id-not-placeholder");
        // Nothing proves the message went out, and the side effects do not claim it did.
        let side = report
            .checks
            .iter()
            .find(|c| c.name == "side effects")
            .unwrap();
        assert!(
            side.summary.contains(&format!(
                "with the placeholder message_id {id:?}: whether it went out is unknown"
            )),
            "{side:?}"
        );
    }
    // An empty id breaks the contract's schema already.
    let s = liar(
        with_id("POST", "/send")
            .and(body_string_contains("\"to\""))
            .respond_with(json_answer(200, json!({"ok": true, "message_id": ""}))),
    )
    .await;
    let failed = failed(&verify(&s.uri(), true).await);
    assert_eq!(failed.len(), 1);
    assert!(failed[0].starts_with(SEND_CHECK), "{failed:?}");
}

#[tokio::test]
async fn an_answer_labelled_with_another_content_type_fails() {
    let good = json!({"ok": true, "message_id": format!("true_{TO}@c.us_3EB0AA11BB22CC33")});
    let s = liar(
        with_id("POST", "/send")
            .and(body_string_contains("\"to\""))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(good.to_string(), "text/html; charset=utf-8"),
            ),
    )
    .await;
    let report = verify(&s.uri(), true).await;
    fails_by(&report, SEND_CHECK, "content-type");
    assert!(
        failed(&report)[0]
            .contains("answered as text/html, the contract documents application/json")
    );
    // Not a confirmed send for the adapter either.
    let client = SessionManagerClient::new(ClientConfig::new(s.uri())).unwrap();
    let err = client
        .send_message(999_999, &format!("{TO}@c.us"), "hola")
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err.kind,
            ErrorKind::Protocol(ProtocolError::Contract(
                ResponseViolation::ContentType { .. }
            ))
        ),
        "{err}"
    );

    // A /status without any Content-Type fails too.
    let s = liar(with_id("GET", "/status").respond_with(
        ResponseTemplate::new(200).set_body_bytes(ready_status(999_999).to_string()),
    ))
    .await;
    fails_by(
        &verify(&s.uri(), false).await,
        "GET /status with X-Cliente-Id: 999999",
        "content-type",
    );
}

#[tokio::test]
async fn a_qr_code_answer_that_contradicts_the_state_fails() {
    // The lie lmh used to tell itself: 404 for a session that is not QR_REQUIRED.
    let lies = [
        json_answer(
            404,
            json!({"error": "QR_NOT_AVAILABLE", "message": "QR code not available yet"}),
        ),
        json_answer(
            409,
            json!({"error": "QR_NOT_REQUIRED", "message": "x", "current_state": "INITIALIZING"}),
        ),
    ];
    for lie in lies {
        let s = liar(with_id("GET", "/qr-code").respond_with(lie)).await;
        fails_by(
            &verify(&s.uri(), false).await,
            "GET /qr-code answer for the session's state",
            "qr-code-matches-state",
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_1_naming_the_rule() {
    let s = liar(with_id("GET", "/status").respond_with(json_answer(200, ready_status(51)))).await;
    let (code, stdout, _) = run_lmh_async(&["verify", "provider", "--base-url", &s.uri()]).await;
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("rule status-echoes-client"), "{stdout}");
}

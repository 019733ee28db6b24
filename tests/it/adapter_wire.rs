//! The reference adapter against real HTTP servers on loopback (wiremock, and raw TCP for
//! broken connections): every route × every documented v1 status, and every way an answer
//! can go wrong, lands in exactly the right class.

use std::sync::Arc;
use std::time::Duration;

use lmh::adapter::{
    AdapterError, ClientConfig, DomainError, ErrorKind, MAX_BODY_BYTES, MAX_JS_SAFE_INTEGER,
    ProtocolError, REQUESTS, SENTINEL_MESSAGE_IDS, SessionManagerClient, Stage, missing_operations,
    parse_base_url, parse_instance_id,
};
use lmh::contract::{Contract, ResponseViolation};
use lmh::session::SessionState;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------- helpers

fn client_for(base_url: &str) -> SessionManagerClient {
    SessionManagerClient::new(ClientConfig::new(base_url)).expect("valid loopback config")
}

async fn serve(m: &str, p: &str, template: ResponseTemplate) -> (MockServer, SessionManagerClient) {
    let server = MockServer::start().await;
    Mock::given(method(m))
        .and(path(p))
        .respond_with(template)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    (server, client)
}

fn json_answer(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// A `/status` body as the v1 provider builds it for `state` (docs/system.md §2 table).
fn status_body(cliente_id: u64, state: SessionState) -> Value {
    let mut body = json!({
        "cliente_id": cliente_id,
        "connected": state.can_send(),
        "state": state.as_str(),
        "reconnection_attempts": 0,
        "max_reconnection_attempts": 3,
        "can_send_messages": state.can_send(),
        "needs_qr": state.needs_qr(),
        "is_recoverable": state.is_recoverable(),
        "recommended_action": state.recommended_action(),
        "qr_code_base64": if state == SessionState::QrRequired {
            json!("data:image/png;base64,iVBORw0KGgo=")
        } else {
            Value::Null
        },
    });
    if state == SessionState::NotInitialized {
        body["error"] = json!("Session not initialized");
    }
    body
}

/// Call the adapter method for a contract operation id, forgetting the success value.
async fn call(client: &SessionManagerClient, op: &str) -> Result<(), AdapterError> {
    match op {
        "health" => client.health().await.map(drop),
        "status" => client.status(51).await.map(drop),
        "send" => client
            .send_message(51, "5491155550000@c.us", "Hola")
            .await
            .map(drop),
        "qr" => client.qr_legacy().await.map(drop),
        "qr_code" => client.qr_code(51).await.map(drop),
        other => panic!("no adapter method for operation {other}"),
    }
}

fn protocol(e: &AdapterError) -> &ProtocolError {
    match &e.kind {
        ErrorKind::Protocol(p) => p,
        other => panic!("expected a protocol error, got {other:?}: {e}"),
    }
}

fn schema_violation_paths(e: &AdapterError) -> Vec<(String, String, String)> {
    match protocol(e) {
        ProtocolError::Contract(ResponseViolation::Schema { violations, .. }) => violations
            .iter()
            .map(|v| (v.path.clone(), v.rule.clone(), v.message.clone()))
            .collect(),
        other => panic!("expected a schema violation, got {other:?}"),
    }
}

/// A port on loopback where nothing listens: bind, note the port, close.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    port
}

/// A raw TCP server that reads one request, then writes `reply` (maybe nothing) and closes.
async fn raw_server(reply: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let mut seen = Vec::new();
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match sock.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = sock.write_all(&reply).await;
            let _ = sock.shutdown().await;
        }
    });
    format!("http://{addr}")
}

// ---------------------------------------------------------------- every route × every status

/// What a documented answer must turn into.
enum Expect {
    Ok,
    Domain(DomainError),
}

fn documented_answers() -> Vec<(&'static str, u16, Value, Expect)> {
    use DomainError as D;
    let env = |code: &str, message: &str| json!({"error": true, "code": code, "message": message});
    vec![
        (
            "health",
            200,
            json!({"status": "ok", "service": "session-manager", "whatsapp_state": "NOT_INITIALIZED"}),
            Expect::Ok,
        ),
        (
            "health",
            503,
            json!({"status": "error", "service": "session-manager", "error": "client map broken"}),
            Expect::Domain(D::Unhealthy {
                error: "client map broken".into(),
            }),
        ),
        (
            "status",
            200,
            status_body(51, SessionState::Ready),
            Expect::Ok,
        ),
        (
            "status",
            400,
            env("MISSING_HEADER", "X-Cliente-Id header is required"),
            Expect::Domain(D::InvalidHeader {
                code: "MISSING_HEADER".into(),
                message: "X-Cliente-Id header is required".into(),
            }),
        ),
        (
            "status",
            400,
            env("INVALID_HEADER", "X-Cliente-Id must be a positive integer"),
            Expect::Domain(D::InvalidHeader {
                code: "INVALID_HEADER".into(),
                message: "X-Cliente-Id must be a positive integer".into(),
            }),
        ),
        (
            "status",
            500,
            env("INTERNAL_ERROR", "Cannot read properties of undefined"),
            Expect::Domain(D::Internal {
                message: "Cannot read properties of undefined".into(),
            }),
        ),
        (
            "send",
            200,
            json!({"ok": true, "message_id": "true_5491155550000@c.us_3EB0C767D26A1D8B6E42"}),
            Expect::Ok,
        ),
        (
            "send",
            400,
            env("MISSING_HEADER", "X-Cliente-Id header is required"),
            Expect::Domain(D::InvalidHeader {
                code: "MISSING_HEADER".into(),
                message: "X-Cliente-Id header is required".into(),
            }),
        ),
        (
            "send",
            400,
            env("INVALID_HEADER", "X-Cliente-Id must be a positive integer"),
            Expect::Domain(D::InvalidHeader {
                code: "INVALID_HEADER".into(),
                message: "X-Cliente-Id must be a positive integer".into(),
            }),
        ),
        (
            "send",
            400,
            env("INVALID_REQUEST", "to and message are required"),
            Expect::Domain(D::InvalidRequest {
                message: "to and message are required".into(),
            }),
        ),
        (
            "send",
            409,
            env(
                "SESSION_NOT_READY",
                "WhatsApp session not ready. Current state: QR_REQUIRED",
            ),
            Expect::Domain(D::SessionNotReady {
                state: SessionState::QrRequired,
            }),
        ),
        (
            "send",
            500,
            env(
                "SEND_FAILED",
                "Evaluation failed: Error: wid error: invalid wid",
            ),
            Expect::Domain(D::SendFailed {
                reason: "Evaluation failed: Error: wid error: invalid wid".into(),
            }),
        ),
        (
            "send",
            500,
            env("INTERNAL_ERROR", "Unexpected token } in JSON at position 9"),
            Expect::Domain(D::Internal {
                message: "Unexpected token } in JSON at position 9".into(),
            }),
        ),
        (
            "qr",
            409,
            json!({"error": "QR not available", "state": "NOT_INITIALIZED", "can_send_messages": false}),
            Expect::Domain(D::QrLegacyUnavailable),
        ),
        (
            "qr",
            500,
            json!({"error": "Internal error", "message": "boom"}),
            Expect::Domain(D::Internal {
                message: "boom".into(),
            }),
        ),
        (
            "qr_code",
            200,
            json!({"qr": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"}),
            Expect::Ok,
        ),
        (
            "qr_code",
            400,
            json!({"error": "MISSING_HEADER", "message": "X-Cliente-Id header is required"}),
            Expect::Domain(D::InvalidHeader {
                code: "MISSING_HEADER".into(),
                message: "X-Cliente-Id header is required".into(),
            }),
        ),
        (
            "qr_code",
            400,
            json!({"error": "INVALID_HEADER", "message": "X-Cliente-Id must be a positive integer"}),
            Expect::Domain(D::InvalidHeader {
                code: "INVALID_HEADER".into(),
                message: "X-Cliente-Id must be a positive integer".into(),
            }),
        ),
        (
            "qr_code",
            404,
            json!({"error": "QR_NOT_AVAILABLE", "message": "QR code not yet generated"}),
            Expect::Domain(D::QrNotAvailable {
                message: "QR code not yet generated".into(),
            }),
        ),
        (
            "qr_code",
            409,
            json!({"error": "QR_NOT_REQUIRED", "message": "Session already connected", "current_state": "READY"}),
            Expect::Domain(D::QrNotRequired {
                state: SessionState::Ready,
            }),
        ),
        (
            "qr_code",
            500,
            json!({"error": "INTERNAL_ERROR", "message": "qrcode.toDataURL failed"}),
            Expect::Domain(D::Internal {
                message: "qrcode.toDataURL failed".into(),
            }),
        ),
    ]
}

#[test]
fn the_table_covers_every_documented_status_of_v1() {
    let contract = Contract::v1();
    let table = documented_answers();
    for op in &contract.operations {
        for status in op.statuses() {
            assert!(
                table
                    .iter()
                    .any(|(id, s, _, _)| *id == op.id && *s == status),
                "no test answer for {} {status}",
                op.label()
            );
        }
    }
    // And every test answer is one the contract allows, so the table is not made up.
    for (id, status, body, _) in &table {
        let op = contract.operation(id).expect("operation in v1");
        let bytes = serde_json::to_vec(body).expect("json");
        contract
            .check_response(op, *status, &bytes)
            .unwrap_or_else(|v| panic!("test answer for {id} {status} breaks v1: {v}"));
    }
}

#[tokio::test]
async fn every_route_and_documented_status_is_classified() {
    let contract = Contract::v1();
    for (id, status, body, expect) in documented_answers() {
        let op = contract.operation(id).expect("operation in v1");
        let (_server, client) = serve(&op.method, &op.path, json_answer(status, body)).await;
        let got = call(&client, id).await;
        match (expect, got) {
            (Expect::Ok, Ok(())) => {}
            (Expect::Domain(want), Err(e)) => {
                assert_eq!(
                    e.kind,
                    ErrorKind::Domain(want.clone()),
                    "{id} {status}: {e}"
                );
                assert_eq!(e.method(), Some(op.method.as_str()));
                assert_eq!(e.path(), Some(op.path.as_str()));
                let retryable = matches!(want, DomainError::SessionNotReady { .. });
                assert_eq!(e.is_retryable(), retryable, "{id} {status}");
                assert!(!e.outcome_unknown());
                assert!(e.to_string().contains(&op.path), "{e}");
            }
            (Expect::Ok, Err(e)) => panic!("{id} {status}: expected success, got {e}"),
            (Expect::Domain(want), Ok(())) => panic!("{id} {status}: expected {want:?}, got Ok"),
        }
    }
}

// ---------------------------------------------------------------- /status and get_session

#[tokio::test]
async fn get_session_reads_readiness_from_state_for_every_state() {
    for state in SessionState::ALL {
        let (server, client) =
            serve("GET", "/status", json_answer(200, status_body(51, state))).await;
        let session = client
            .get_session("sender_51")
            .await
            .unwrap_or_else(|e| panic!("{state}: {e}"));
        assert_eq!(session.state, state);
        assert_eq!(session.ready, state == SessionState::Ready, "{state}");
        assert_eq!(session.cliente_id, 51);
        assert_eq!(session.instance_id, "sender_51");
        assert_eq!(session.needs_qr, state.needs_qr());
        assert_eq!(session.recoverable, state.is_recoverable());
        let requests = server.received_requests().await.expect("recording on");
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].url.path(), "/status");
        assert_eq!(
            requests[0]
                .headers
                .get("x-cliente-id")
                .and_then(|v| v.to_str().ok()),
            Some("51")
        );
    }
}

#[tokio::test]
async fn status_returns_the_typed_view() {
    let (_s, client) = serve(
        "GET",
        "/status",
        json_answer(200, status_body(7, SessionState::QrRequired)),
    )
    .await;
    let st = client.status(7).await.expect("valid answer");
    assert_eq!(st.cliente_id, 7);
    assert_eq!(st.state, SessionState::QrRequired);
    assert!(!st.connected && !st.can_send_messages && st.needs_qr && !st.is_recoverable);
    assert_eq!(st.max_reconnection_attempts, 3);
    assert_eq!(st.recommended_action, "Scan QR code to authenticate");
    assert_eq!(
        st.qr_code_base64.as_deref(),
        Some("data:image/png;base64,iVBORw0KGgo=")
    );
}

#[tokio::test]
async fn missing_state_is_a_protocol_error_naming_the_field() {
    let mut body = status_body(51, SessionState::Ready);
    body.as_object_mut().expect("object").remove("state");
    let (_s, client) = serve("GET", "/status", json_answer(200, body)).await;
    let e = client.get_session("sender_51").await.unwrap_err();
    let v = schema_violation_paths(&e);
    assert!(
        v.iter().any(|(p, rule, msg)| p.is_empty()
            && rule.contains("required")
            && msg.contains("state")),
        "{v:?}"
    );
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("state"), "{e}");
}

#[tokio::test]
async fn unknown_states_are_protocol_errors_at_slash_state() {
    // "CONNECTED" was never a v1 state; lowercase names are the seed's imagined API.
    for bad in ["CONNECTED", "connected", "qr_required", "", "AUTHENTICATED"] {
        let mut body = status_body(51, SessionState::Ready);
        body["state"] = json!(bad);
        let (_s, client) = serve("GET", "/status", json_answer(200, body)).await;
        let e = client.get_session("sender_51").await.unwrap_err();
        let v = schema_violation_paths(&e);
        assert!(
            v.iter()
                .any(|(p, rule, _)| p == "/state" && rule.contains("enum")),
            "{bad:?}: {v:?}"
        );
        assert!(e.to_string().contains("/state"), "{e}");
    }
}

#[tokio::test]
async fn state_of_the_wrong_type_is_a_protocol_error() {
    let mut body = status_body(51, SessionState::Ready);
    body["state"] = json!(4);
    body["connected"] = json!("true");
    let (_s, client) = serve("GET", "/status", json_answer(200, body)).await;
    let e = client.status(51).await.unwrap_err();
    let paths: Vec<String> = schema_violation_paths(&e)
        .into_iter()
        .map(|v| v.0)
        .collect();
    assert!(paths.contains(&"/state".to_string()), "{paths:?}");
    assert!(paths.contains(&"/connected".to_string()), "{paths:?}");
}

#[tokio::test]
async fn can_send_messages_must_agree_with_state() {
    for (state, can_send) in [
        (SessionState::Ready, false),
        (SessionState::QrRequired, true),
        (SessionState::Initializing, true),
    ] {
        let mut body = status_body(51, state);
        body["can_send_messages"] = json!(can_send);
        let (_s, client) = serve("GET", "/status", json_answer(200, body)).await;
        let e = client.get_session("sender_51").await.unwrap_err();
        match protocol(&e) {
            ProtocolError::Inconsistent { detail } => {
                assert!(detail.contains(state.as_str()), "{detail}");
                assert!(detail.contains(&can_send.to_string()), "{detail}");
            }
            other => panic!("{state}: expected inconsistency, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn connected_must_agree_with_state() {
    for (state, connected) in [
        (SessionState::Ready, false),
        (SessionState::Reconnecting, true),
    ] {
        let mut body = status_body(51, state);
        body["connected"] = json!(connected);
        let (_s, client) = serve("GET", "/status", json_answer(200, body)).await;
        let e = client.get_session("sender_51").await.unwrap_err();
        assert!(
            matches!(protocol(&e), ProtocolError::Inconsistent { detail }
                if detail.contains(state.as_str()) && detail.contains("connected")),
            "{e}"
        );
    }
}

#[test]
fn the_client_can_be_shared_across_tasks() {
    fn send_sync<T: Send + Sync + Clone + 'static>() {}
    send_sync::<SessionManagerClient>();
    send_sync::<AdapterError>();
    // Small enough that Result<_, AdapterError> passes clippy's result_large_err everywhere.
    assert!(std::mem::size_of::<AdapterError>() <= 128);
}

#[tokio::test]
async fn calls_run_in_spawned_tasks() {
    let (_s, client) = serve(
        "GET",
        "/status",
        json_answer(200, status_body(51, SessionState::Ready)),
    )
    .await;
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.get_session("sender_51").await })
        })
        .collect();
    for h in handles {
        assert!(h.await.expect("task").expect("session").ready);
    }
}

#[tokio::test]
async fn an_answer_about_another_client_is_a_protocol_error() {
    let (_s, client) = serve(
        "GET",
        "/status",
        json_answer(200, status_body(52, SessionState::Ready)),
    )
    .await;
    let e = client.status(51).await.unwrap_err();
    assert!(
        matches!(protocol(&e), ProtocolError::Inconsistent { detail } if detail.contains("52")),
        "{e}"
    );
}

#[tokio::test]
async fn a_2xx_that_is_not_json_is_never_success() {
    for (op, m, p) in [
        ("status", "GET", "/status"),
        ("send", "POST", "/send"),
        ("qr_code", "GET", "/qr-code"),
    ] {
        let (_s, client) = serve(
            m,
            p,
            ResponseTemplate::new(200).set_body_string("OK, message queued"),
        )
        .await;
        let e = call(&client, op).await.unwrap_err();
        assert!(
            matches!(
                protocol(&e),
                ProtocolError::Contract(ResponseViolation::NotJson { status: 200, snippet })
                    if snippet.contains("queued")
            ),
            "{op}: {e}"
        );
        assert!(!e.is_retryable());
    }
    // An empty 200 is no better.
    let (_s, client) = serve("POST", "/send", ResponseTemplate::new(200)).await;
    let e = call(&client, "send").await.unwrap_err();
    assert!(matches!(
        protocol(&e),
        ProtocolError::Contract(ResponseViolation::NotJson { .. })
    ));
}

#[tokio::test]
async fn undocumented_statuses_are_protocol_errors() {
    for status in [418u16, 201, 204, 401, 502] {
        let (_s, client) = serve(
            "GET",
            "/status",
            json_answer(status, json!({"error": true, "code": "X", "message": "y"})),
        )
        .await;
        let e = client.status(51).await.unwrap_err();
        match protocol(&e) {
            ProtocolError::Contract(ResponseViolation::UndocumentedStatus {
                status: got,
                documented,
            }) => {
                assert_eq!(*got, status);
                assert_eq!(documented, &vec![200, 400, 500]);
            }
            other => panic!("{status}: {other:?}"),
        }
        assert!(e.to_string().contains(&status.to_string()), "{e}");
    }
}

#[tokio::test]
async fn redirects_are_reported_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/elsewhere/status"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/elsewhere/status"))
        .respond_with(json_answer(200, status_body(51, SessionState::Ready)))
        .expect(0)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let e = client.status(51).await.unwrap_err();
    assert!(matches!(
        protocol(&e),
        ProtocolError::Contract(ResponseViolation::UndocumentedStatus { status: 302, .. })
    ));
    assert!(e.to_string().contains("redirect"), "{e}");
    server.verify().await;
}

// ---------------------------------------------------------------- route missing

#[tokio::test]
async fn json_404_not_found_is_route_missing_not_session_not_found() {
    // A provider without the route answers its catch-all, as for the seed's
    // GET /api/session-manager/sessions/sender_51.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(json_answer(
            404,
            json!({"error": true, "code": "NOT_FOUND", "message": "Endpoint not found"}),
        ))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    for op in ["status", "send", "qr", "qr_code"] {
        let e = call(&client, op).await.unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::RouteMissing {
                status: 404,
                answer: "Endpoint not found".into()
            },
            "{op}"
        );
        assert!(!e.is_retryable());
        let text = e.to_string();
        assert!(text.contains("404 Endpoint not found"), "{text}");
        assert!(text.contains("no such route"), "{text}");
        assert!(text.contains("SESSION_MANAGER_BASE_URL"), "{text}");
    }
    let e = client.get_session("sender_51").await.unwrap_err();
    assert!(
        matches!(&e.kind, ErrorKind::RouteMissing { status: 404, .. }),
        "{e}"
    );
}

#[test]
fn the_seed_route_is_not_in_the_contract_and_every_adapter_request_is() {
    let v1 = Contract::v1();
    assert!(
        v1.find_operation("GET", "/api/session-manager/sessions/sender_51")
            .is_none()
    );
    for (m, p) in REQUESTS {
        assert!(v1.find_operation(m, p).is_some(), "{m} {p} missing from v1");
    }
    assert!(missing_operations(&v1).is_empty());
    let mut missing = missing_operations(&Contract::v2());
    missing.sort();
    assert_eq!(missing, vec!["GET /qr-code", "POST /send"]);
}

#[tokio::test]
async fn html_404_is_route_missing_with_the_first_bytes() {
    let html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot POST /send</pre>\n</body>\n</html>\n";
    let (_s, client) = serve(
        "POST",
        "/send",
        ResponseTemplate::new(404).set_body_raw(html, "text/html; charset=utf-8"),
    )
    .await;
    let e = call(&client, "send").await.unwrap_err();
    match &e.kind {
        ErrorKind::RouteMissing { status, answer } => {
            assert_eq!(*status, 404);
            assert!(answer.contains("<!DOCTYPE html>"), "{answer}");
        }
        other => panic!("{other:?}"),
    }
    // wiremock's own empty 404 for an unmounted route too.
    let server = MockServer::start().await;
    let e = client_for(&server.uri()).status(51).await.unwrap_err();
    assert!(
        matches!(&e.kind, ErrorKind::RouteMissing { status: 404, .. }),
        "{e}"
    );
}

#[tokio::test]
async fn status_405_is_route_missing() {
    let (_s, client) = serve("GET", "/status", ResponseTemplate::new(405)).await;
    let e = client.status(51).await.unwrap_err();
    assert!(
        matches!(&e.kind, ErrorKind::RouteMissing { status: 405, .. }),
        "{e}"
    );
}

#[tokio::test]
async fn qr_code_404_is_domain_only_with_its_documented_code() {
    let (_s, client) = serve(
        "GET",
        "/qr-code",
        json_answer(
            404,
            json!({"error": "QR_NOT_AVAILABLE", "message": "QR code not yet generated"}),
        ),
    )
    .await;
    let e = client.qr_code(51).await.unwrap_err();
    assert!(
        matches!(e.domain(), Some(DomainError::QrNotAvailable { .. })),
        "{e}"
    );
    // The same status with the catch-all body means the route is gone (as in v2).
    let (_s, client) = serve(
        "GET",
        "/qr-code",
        json_answer(
            404,
            json!({"error": true, "code": "NOT_FOUND", "message": "Endpoint not found"}),
        ),
    )
    .await;
    let e = client.qr_code(51).await.unwrap_err();
    assert!(
        matches!(&e.kind, ErrorKind::RouteMissing { status: 404, .. }),
        "{e}"
    );
}

// ---------------------------------------------------------------- /send

#[tokio::test]
async fn send_carries_the_header_and_the_exact_body() {
    let (server, client) = serve(
        "POST",
        "/send",
        json_answer(
            200,
            json!({"ok": true, "message_id": "true_5491155550000@c.us_ABC"}),
        ),
    )
    .await;
    let text = "¡Hola, Ñandú! Café con leche ☕ 🇦🇷 — mañana 👋🏽";
    let sent = client
        .send_message(51, "5491155550000@c.us", text)
        .await
        .expect("sent");
    assert_eq!(sent.message_id, "true_5491155550000@c.us_ABC");
    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), "/send");
    let header = |n: &str| req.headers.get(n).and_then(|v| v.to_str().ok());
    assert_eq!(header("x-cliente-id"), Some("51"));
    assert_eq!(header("content-type"), Some("application/json"));
    let expected = format!(r#"{{"to":"5491155550000@c.us","message":"{text}"}}"#);
    assert_eq!(
        req.body,
        expected.as_bytes(),
        "body must be byte-exact UTF-8"
    );
    // The text's own bytes appear unchanged (no \u escapes).
    assert!(req.body.windows(text.len()).any(|w| w == text.as_bytes()));
}

#[tokio::test]
async fn send_escapes_json_specials_and_round_trips() {
    let (server, client) = serve(
        "POST",
        "/send",
        json_answer(200, json!({"ok": true, "message_id": "id-1"})),
    )
    .await;
    let text = "línea 1\nlínea \"2\"\t\\ fin";
    client.send_message(51, "549", text).await.expect("sent");
    let requests = server.received_requests().await.expect("recording on");
    let body: Value = serde_json::from_slice(&requests[0].body).expect("json body");
    assert_eq!(body, json!({"to": "549", "message": text}));
    assert_eq!(
        body["message"].as_str().map(str::as_bytes),
        Some(text.as_bytes())
    );
}

#[tokio::test]
async fn send_success_without_ok_and_message_id_is_a_protocol_error() {
    let (_s, client) = serve(
        "POST",
        "/send",
        json_answer(200, json!({"success": true, "message": "Message sent"})),
    )
    .await;
    let e = call(&client, "send").await.unwrap_err();
    let v = schema_violation_paths(&e);
    assert!(
        v.iter()
            .any(|(_, r, m)| r.contains("required") && m.contains("message_id")),
        "{v:?}"
    );
    assert!(
        v.iter()
            .any(|(_, r, m)| r.contains("required") && m.contains("\"ok\"")),
        "{v:?}"
    );
}

#[tokio::test]
async fn send_with_ok_false_or_empty_id_is_a_protocol_error() {
    for (body, at) in [
        (json!({"ok": false, "message_id": "abc"}), "/ok"),
        (json!({"ok": true, "message_id": ""}), "/message_id"),
        (json!({"ok": true, "message_id": 12345}), "/message_id"),
        (json!({"ok": "true", "message_id": "abc"}), "/ok"),
    ] {
        let (_s, client) = serve("POST", "/send", json_answer(200, body.clone())).await;
        let e = call(&client, "send").await.unwrap_err();
        let v = schema_violation_paths(&e);
        assert!(v.iter().any(|(p, _, _)| p == at), "{body}: {v:?}");
    }
}

#[tokio::test]
async fn send_with_a_sentinel_id_is_a_protocol_error() {
    let mut ids: Vec<String> = SENTINEL_MESSAGE_IDS.iter().map(|s| s.to_string()).collect();
    ids.extend(["SENT-VIA-UI".into(), "  undefined ".into(), "   ".into()]);
    for id in ids {
        let (_s, client) = serve(
            "POST",
            "/send",
            json_answer(200, json!({"ok": true, "message_id": id})),
        )
        .await;
        let e = call(&client, "send").await.unwrap_err();
        // Ids with blanks already break the contract's printable-ASCII pattern; either way
        // it is a protocol error, never a send.
        let with_blanks = id.chars().any(char::is_whitespace);
        assert!(
            matches!(protocol(&e), ProtocolError::SentinelMessageId { message_id } if *message_id == id)
                || (with_blanks && matches!(protocol(&e), ProtocolError::Contract(_))),
            "{id:?}: {e}"
        );
        assert!(!e.is_retryable());
    }
}

#[tokio::test]
async fn session_not_ready_with_an_unknown_state_is_a_protocol_error() {
    let (_s, client) = serve(
        "POST",
        "/send",
        json_answer(
            409,
            json!({"error": true, "code": "SESSION_NOT_READY",
                   "message": "WhatsApp session not ready. Current state: CONNECTING"}),
        ),
    )
    .await;
    let e = call(&client, "send").await.unwrap_err();
    assert!(
        matches!(protocol(&e), ProtocolError::UnknownState { found, .. } if found == "CONNECTING"),
        "{e}"
    );
    assert!(!e.is_retryable(), "an unknown state is not 'not ready'");
}

#[tokio::test]
async fn bad_send_input_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let client = client_for(&server.uri());
    let cases: Vec<(u64, &str, &str, &str)> = vec![
        (51, "", "hola", "`to`"),
        (51, "549", "", "`message`"),
        (0, "549", "hola", "cliente_id"),
        (MAX_JS_SAFE_INTEGER + 1, "549", "hola", "cliente_id"),
    ];
    for (id, to, msg, input_name) in cases {
        let e = client.send_message(id, to, msg).await.unwrap_err();
        match &e.kind {
            ErrorKind::Validation { input, .. } => assert_eq!(input, input_name, "{e}"),
            other => panic!("{other:?}"),
        }
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("nothing was sent"), "{e}");
    }
    for id in [0, MAX_JS_SAFE_INTEGER + 1, u64::MAX] {
        assert!(matches!(
            client.status(id).await.unwrap_err().kind,
            ErrorKind::Validation { .. }
        ));
        assert!(matches!(
            client.qr_code(id).await.unwrap_err().kind,
            ErrorKind::Validation { .. }
        ));
    }
    assert!(client.status(MAX_JS_SAFE_INTEGER).await.is_err()); // reaches the server: 404
    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(
        requests.len(),
        1,
        "only the valid id may reach the provider"
    );
}

// ---------------------------------------------------------------- /qr-code, /qr

#[tokio::test]
async fn qr_code_returns_the_data_url_and_checks_it() {
    let url = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB";
    let (server, client) = serve("GET", "/qr-code", json_answer(200, json!({"qr": url}))).await;
    assert_eq!(client.qr_code(9).await.expect("qr"), url);
    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(
        requests[0]
            .headers
            .get("x-cliente-id")
            .and_then(|v| v.to_str().ok()),
        Some("9")
    );
    let (_s, client) = serve(
        "GET",
        "/qr-code",
        json_answer(200, json!({"qr": "2@abc,def"})),
    )
    .await;
    let e = client.qr_code(9).await.unwrap_err();
    assert!(
        schema_violation_paths(&e).iter().any(|v| v.0 == "/qr"),
        "{e}"
    );
}

#[tokio::test]
async fn v2_style_qr_success_is_undocumented_in_v1() {
    let (_s, client) = serve("GET", "/qr", json_answer(200, json!({"status": "NO_QR"}))).await;
    let e = client.qr_legacy().await.unwrap_err();
    assert!(matches!(
        protocol(&e),
        ProtocolError::Contract(ResponseViolation::UndocumentedStatus { status: 200, .. })
    ));
}

// ---------------------------------------------------------------- /health identity

#[tokio::test]
async fn health_confirms_a_session_manager() {
    let (_s, client) = serve(
        "GET",
        "/health",
        json_answer(
            200,
            json!({"status": "ok", "service": "session-manager", "whatsapp_state": "NOT_INITIALIZED"}),
        ),
    )
    .await;
    let h = client.health().await.expect("healthy");
    assert_eq!(h.service, "session-manager");
    assert_eq!(h.whatsapp_state, SessionState::NotInitialized);
}

#[tokio::test]
async fn health_from_another_service_is_wrong_service() {
    let cases: Vec<(ResponseTemplate, &str)> = vec![
        (
            json_answer(200, json!({"status": "ok", "service": "central-hub"})),
            "central-hub",
        ),
        (
            json_answer(200, json!({"status": "UP"})),
            "without a `service` field",
        ),
        (
            ResponseTemplate::new(200)
                .set_body_raw("<html><body>nginx welcome</body></html>", "text/html"),
            "<html><body>nginx",
        ),
        (ResponseTemplate::new(200).set_body_string("pong"), "pong"),
        (
            ResponseTemplate::new(404).set_body_raw("<pre>Cannot GET /health</pre>", "text/html"),
            "Cannot GET /health",
        ),
        (
            json_answer(
                503,
                json!({"status": "error", "service": "billing", "error": "db"}),
            ),
            "billing",
        ),
    ];
    for (template, needle) in cases {
        let (_s, client) = serve("GET", "/health", template).await;
        let e = client.health().await.unwrap_err();
        match &e.kind {
            ErrorKind::WrongService { found } => assert!(found.contains(needle), "{found}"),
            other => panic!("{needle}: expected WrongService, got {other:?}"),
        }
        let text = e.to_string();
        assert!(text.contains("something else holds that port"), "{text}");
        assert!(text.contains("SESSION_MANAGER_BASE_URL"), "{text}");
        assert!(!e.is_retryable());
    }
}

#[tokio::test]
async fn a_session_manager_with_a_bad_health_body_is_a_protocol_error() {
    let (_s, client) = serve(
        "GET",
        "/health",
        json_answer(
            200,
            json!({"status": "ok", "service": "session-manager", "timestamp": "2026-03-01T10:00:00Z"}),
        ),
    )
    .await;
    let e = client.health().await.unwrap_err();
    let v = schema_violation_paths(&e);
    assert!(
        v.iter()
            .any(|(_, r, m)| r.contains("required") && m.contains("whatsapp_state")),
        "{v:?}"
    );
}

// ---------------------------------------------------------------- transport and timeouts

#[tokio::test]
async fn connection_refused_is_transport_before_sending() {
    let port = closed_port().await;
    let client = client_for(&format!("http://127.0.0.1:{port}"));
    for op in ["health", "status", "send", "qr", "qr_code"] {
        let e = call(&client, op).await.unwrap_err();
        assert!(
            matches!(
                &e.kind,
                ErrorKind::Transport {
                    stage: Stage::Connect,
                    ..
                }
            ),
            "{op}: {e:?}"
        );
        assert!(e.is_retryable());
        assert!(!e.outcome_unknown());
        let text = e.to_string();
        assert!(text.contains(&port.to_string()), "{text}");
        assert!(text.contains("SESSION_MANAGER_BASE_URL"), "{text}");
    }
}

#[tokio::test]
async fn a_dropped_connection_is_transport_with_unknown_outcome() {
    let base = raw_server(Vec::new()).await;
    let e = client_for(&base)
        .send_message(51, "549", "hola")
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e.kind,
            ErrorKind::Transport {
                stage: Stage::Exchange,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_retryable());
    assert!(e.outcome_unknown());
}

#[tokio::test]
async fn an_incomplete_body_is_transport_not_success() {
    let reply = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"ok\":true,\"message_id\":\"x".to_vec();
    let base = raw_server(reply).await;
    let e = client_for(&base)
        .send_message(51, "549", "hola")
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e.kind,
            ErrorKind::Transport {
                stage: Stage::Exchange,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.outcome_unknown());
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/send"))
        .respond_with(
            json_answer(200, json!({"ok": true, "message_id": "late"}))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let mut config = ClientConfig::new(server.uri());
    config.timeout = Duration::from_millis(200);
    let client = SessionManagerClient::new(config).expect("config");
    let e = client.send_message(51, "549", "hola").await.unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Timeout {
            stage: Stage::Exchange,
            limit: Duration::from_millis(200)
        },
        "{e}"
    );
    assert!(e.is_retryable());
    assert!(e.outcome_unknown(), "the provider may have sent it");
    assert!(e.to_string().contains("LMH_TIMEOUT_MS"), "{e}");
}

#[tokio::test]
async fn an_oversized_body_is_a_protocol_error() {
    let big = vec![b' '; MAX_BODY_BYTES + 1];
    let (_s, client) = serve(
        "GET",
        "/status",
        ResponseTemplate::new(200).set_body_raw(big, "application/json"),
    )
    .await;
    let e = client.status(51).await.unwrap_err();
    assert_eq!(
        protocol(&e),
        &ProtocolError::TooLarge {
            limit: MAX_BODY_BYTES
        }
    );
    // Without a Content-Length the limit holds while streaming.
    let mut reply =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".to_vec();
    reply.extend(std::iter::repeat_n(b'[', 2 * MAX_BODY_BYTES));
    let base = raw_server(reply).await;
    let e = client_for(&base).status(51).await.unwrap_err();
    assert_eq!(
        protocol(&e),
        &ProtocolError::TooLarge {
            limit: MAX_BODY_BYTES
        }
    );
}

#[tokio::test]
async fn hostile_strings_are_bounded_and_escaped_in_messages() {
    let message = format!("\u{1b}[31mred{}", "x".repeat(5000));
    let (_s, client) = serve(
        "POST",
        "/send",
        json_answer(
            500,
            json!({"error": true, "code": "SEND_FAILED", "message": message}),
        ),
    )
    .await;
    let e = call(&client, "send").await.unwrap_err();
    let text = e.to_string();
    assert!(!text.contains('\u{1b}'), "control characters escaped");
    assert!(text.len() < 1000, "bounded: {} bytes", text.len());
}

// ---------------------------------------------------------------- base URL and config

#[tokio::test]
async fn a_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sm/v1/status"))
        .respond_with(json_answer(200, status_body(51, SessionState::Ready)))
        .mount(&server)
        .await;
    let client = client_for(&format!("{}/sm/v1/", server.uri()));
    assert_eq!(client.base_url(), format!("{}/sm/v1", server.uri()));
    assert!(
        client
            .get_session("sender_51")
            .await
            .expect("via prefix")
            .ready
    );
}

#[test]
fn base_url_validation_table() {
    let ok = [
        ("http://127.0.0.1:3001", "http://127.0.0.1:3001"),
        ("http://127.0.0.1:3001/", "http://127.0.0.1:3001"),
        ("  http://localhost:3011  ", "http://localhost:3011"),
        (
            "https://gw.example.com/session-manager/",
            "https://gw.example.com/session-manager",
        ),
        ("http://[::1]:3001//", "http://[::1]:3001"),
        ("HTTP://LOCALHOST:3001", "http://localhost:3001"),
    ];
    for (input, want) in ok {
        assert_eq!(
            parse_base_url(input, "SESSION_MANAGER_BASE_URL").as_deref(),
            Ok(want),
            "{input}"
        );
    }
    let bad = [
        ("", "empty"),
        ("   ", "empty"),
        ("localhost:3001", "http://localhost:3001"),
        ("127.0.0.1:3001", "scheme is missing"),
        ("ftp://host:21", "not http or https"),
        ("file:///etc/passwd", "not http or https"),
        ("http://", "not a URL"),
        ("http://host:99999", "not a URL"),
        ("http://host:3001/?x=1", "query"),
        ("http://host:3001#frag", "fragment"),
        ("http://user:s3cr3t@host:3001", "credentials"),
        ("http://token@host:3001", "credentials"),
        ("http://exa mple:3001", "not a URL"),
        ("http://user:s3cr3t@exa mple:3001", "not a URL"),
    ];
    for (input, needle) in bad {
        let e = parse_base_url(input, "SESSION_MANAGER_BASE_URL").unwrap_err();
        let text = e.to_string();
        assert!(matches!(&e.kind, ErrorKind::Validation { .. }), "{input}");
        assert!(text.contains("SESSION_MANAGER_BASE_URL"), "{text}");
        assert!(text.contains(needle), "{input:?}: {text}");
        assert!(
            !text.contains("s3cr3t") && !text.contains("token@"),
            "secret leaked: {text}"
        );
    }
}

#[test]
fn client_construction_validates_its_config() {
    let e = SessionManagerClient::new(ClientConfig::new("localhost:3001")).unwrap_err();
    assert!(e.to_string().contains("ClientConfig.base_url"), "{e}");
    let mut config = ClientConfig::new("http://127.0.0.1:3001");
    config.timeout = Duration::ZERO;
    assert!(SessionManagerClient::new(config).is_err());
    let mut config = ClientConfig::new("http://127.0.0.1:3001");
    config.contract = Arc::new(Contract::v2());
    let e = SessionManagerClient::new(config).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("POST /send") && text.contains("GET /qr-code"),
        "{text}"
    );
}

#[test]
fn config_from_variables() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let e = ClientConfig::from_vars(vars(&[])).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("SESSION_MANAGER_BASE_URL") && text.contains("set"),
        "{text}"
    );

    let c = ClientConfig::from_vars(vars(&[(
        "SESSION_MANAGER_BASE_URL",
        "http://127.0.0.1:3001/",
    )]))
    .expect("valid");
    assert_eq!(c.base_url, "http://127.0.0.1:3001");
    assert_eq!(c.connect_timeout, Duration::from_secs(2));
    assert_eq!(c.timeout, Duration::from_secs(10));

    let c = ClientConfig::from_vars(vars(&[
        ("SESSION_MANAGER_BASE_URL", "http://127.0.0.1:3001"),
        ("LMH_CONNECT_TIMEOUT_MS", "250"),
        ("LMH_TIMEOUT_MS", "1500"),
    ]))
    .expect("valid");
    assert_eq!(c.connect_timeout, Duration::from_millis(250));
    assert_eq!(c.timeout, Duration::from_millis(1500));

    for (var, value) in [
        ("LMH_TIMEOUT_MS", "abc"),
        ("LMH_TIMEOUT_MS", "0"),
        ("LMH_TIMEOUT_MS", "-5"),
        ("LMH_CONNECT_TIMEOUT_MS", "2s"),
        ("LMH_CONNECT_TIMEOUT_MS", "99999999999"),
    ] {
        let lookup = move |name: &str| match name {
            "SESSION_MANAGER_BASE_URL" => Some("http://127.0.0.1:3001".to_string()),
            n if n == var => Some(value.to_string()),
            _ => None,
        };
        let e = ClientConfig::from_vars(lookup).unwrap_err();
        let text = e.to_string();
        assert!(text.contains(var) && text.contains(value), "{text}");
    }
    let e = ClientConfig::from_vars(vars(&[("SESSION_MANAGER_BASE_URL", "localhost:3001")]))
        .unwrap_err();
    assert!(e.to_string().contains("SESSION_MANAGER_BASE_URL"), "{e}");
}

// ---------------------------------------------------------------- retryability

#[test]
fn only_transport_timeout_and_not_ready_are_retryable() {
    let with = |kind: ErrorKind| {
        AdapterError::new(kind).with_request("POST", "/send", "http://127.0.0.1:3001", Some(51))
    };
    let retryable = [
        ErrorKind::Transport {
            stage: Stage::Connect,
            detail: "refused".into(),
        },
        ErrorKind::Transport {
            stage: Stage::Exchange,
            detail: "reset".into(),
        },
        ErrorKind::Timeout {
            stage: Stage::Exchange,
            limit: Duration::from_secs(1),
        },
        ErrorKind::Domain(DomainError::SessionNotReady {
            state: SessionState::Initializing,
        }),
    ];
    let not_retryable = [
        ErrorKind::Validation {
            input: "x".into(),
            value: None,
            reason: "y".into(),
        },
        ErrorKind::Protocol(ProtocolError::TooLarge { limit: 1 }),
        ErrorKind::RouteMissing {
            status: 404,
            answer: "Endpoint not found".into(),
        },
        ErrorKind::WrongService { found: "x".into() },
        ErrorKind::Domain(DomainError::SendFailed { reason: "x".into() }),
        ErrorKind::Domain(DomainError::Internal {
            message: "x".into(),
        }),
        ErrorKind::Domain(DomainError::QrNotAvailable {
            message: "x".into(),
        }),
        ErrorKind::Domain(DomainError::InvalidRequest {
            message: "x".into(),
        }),
    ];
    for k in retryable {
        assert!(with(k.clone()).is_retryable(), "{k:?}");
    }
    for k in not_retryable {
        assert!(!with(k.clone()).is_retryable(), "{k:?}");
    }
}

// ---------------------------------------------------------------- instance ids

#[test]
fn instance_id_examples() {
    assert_eq!(parse_instance_id("sender_51").ok(), Some(51));
    assert_eq!(
        parse_instance_id("sender_18446744073709551615").ok(),
        Some(u64::MAX)
    );
    for bad in [
        "",
        "sender_",
        "sender_0",
        "sender_051",
        "sender_+51",
        "sender_-51",
        "sender_ 51",
        "sender_51 ",
        "sender_51abc",
        "Sender_51",
        "sender-51",
        "51",
        "sender_18446744073709551616",
        "sender_٥١",
        "sender_51\n",
    ] {
        let e = parse_instance_id(bad).unwrap_err();
        match &e.kind {
            ErrorKind::Validation { input, value, .. } => {
                assert_eq!(input, "instance id");
                assert_eq!(value.as_deref(), Some(bad));
            }
            other => panic!("{bad:?}: {other:?}"),
        }
        assert!(
            e.to_string().contains("sender_51"),
            "says what a good one looks like"
        );
    }
}

proptest::proptest! {
    #[test]
    fn every_positive_id_round_trips(n in 1u64..=u64::MAX) {
        proptest::prop_assert_eq!(parse_instance_id(&format!("sender_{n}")).ok(), Some(n));
    }

    /// Accepted exactly when the input is the canonical `sender_{n}` of its result.
    #[test]
    fn anything_else_is_rejected_without_panic(
        s in "(sender_|Sender_|sender-|sender|)[+ -]?0?[0-9٠-٩]{0,22}[a-z_ \n]?"
    ) {
        match parse_instance_id(&s) {
            Ok(n) => {
                proptest::prop_assert!(n > 0);
                proptest::prop_assert_eq!(format!("sender_{n}"), s);
            }
            Err(e) => {
                let is_validation = matches!(&e.kind, ErrorKind::Validation { .. });
                proptest::prop_assert!(is_validation);
                let canonical = s
                    .strip_prefix("sender_")
                    .and_then(|d| d.parse::<u64>().ok())
                    .is_some_and(|n| n > 0 && format!("sender_{n}") == s);
                proptest::prop_assert!(!canonical, "rejected canonical {:?}", s);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,40}") {
        let _ = parse_instance_id(&s);
    }
}

#[tokio::test]
async fn get_session_with_a_bad_instance_id_sends_nothing() {
    let server = MockServer::start().await;
    let client = client_for(&server.uri());
    let e = client.get_session("sender_x").await.unwrap_err();
    assert!(matches!(&e.kind, ErrorKind::Validation { .. }));
    assert_eq!(e.path(), Some("/status"));
    assert!(e.to_string().contains("\"sender_x\""), "{e}");
    assert!(
        server
            .received_requests()
            .await
            .expect("recording")
            .is_empty()
    );
}

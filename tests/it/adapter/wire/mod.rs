//! The reference adapter against real HTTP servers on loopback (wiremock, and raw TCP for
//! broken connections): every route × every documented v1 status, and every way an answer
//! can go wrong, lands in exactly the right class.

mod answers;
mod client;
mod documented;
mod health;
mod instance_ids;
mod qr;
mod retry;
mod route_missing;
mod send;
mod status;
mod transport;

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

use crate::helpers::closed_port;

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

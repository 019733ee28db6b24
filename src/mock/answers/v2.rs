//! The drifted provider (contract v2, docs/system.md §3): one session for everyone, `status` instead
//! of `state`, no `/send`, and Express's default HTML pages for unknown routes and bad bodies.

use serde_json::{Value, json};

use super::super::Shared;
use super::{Call, Reply, malformed_json_body};
use crate::session::SessionState;

/// The v2 answer: a finished body, JSON or Express's HTML (faults do not bend it).
pub(crate) fn answer(shared: &Shared, call: &Call<'_>) -> Reply {
    let (status, body, html) = answer_raw(shared, call);
    Reply::Raw(status, body, html)
}

fn answer_raw(shared: &Shared, call: &Call<'_>) -> (u16, String, bool) {
    let request = call.request;
    let method = request.method.as_str();
    let path = request.url.path();
    if malformed_json_body(request) {
        return (
            400,
            express_page("SyntaxError: Unexpected token in JSON at position 0"),
            true,
        );
    }
    let json = |status: u16, body: Value| (status, body.to_string(), false);
    let state = || shared.sessions.first_state(call.now);
    match call.operation {
        Some("health") => json(
            200,
            json!({"status": "ok", "service": "session-manager", "timestamp": chrono::Utc::now().to_rfc3339()}),
        ),
        Some("status") => json(200, json!({"status": v2_status(state())})),
        Some("qr") => match state() {
            SessionState::QrRequired => json(
                200,
                json!({"status": "QR_AVAILABLE", "qr": "2@lmh-mock-qr,placeholder"}),
            ),
            _ => json(200, json!({"status": "NO_QR"})),
        },
        Some("connect") => json(200, json!({"success": true, "message": "Connecting"})),
        Some("disconnect") => json(200, json!({"success": true, "message": "Disconnected"})),
        _ => (404, express_page(&format!("Cannot {method} {path}")), true),
    }
}

/// How the v2 provider names a v1 state.
pub fn v2_status(state: SessionState) -> &'static str {
    match state {
        SessionState::Ready => "READY",
        SessionState::QrRequired => "QR_REQUIRED",
        SessionState::NotInitialized | SessionState::Initializing | SessionState::Reconnecting => {
            "INIT"
        }
        SessionState::DisconnectedRecoverable
        | SessionState::DisconnectedLogout
        | SessionState::DisconnectedBanned => "DISCONNECTED",
        SessionState::AuthFailure | SessionState::Error => "ERROR",
    }
}

fn express_page(message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>{message}</pre>\n</body>\n</html>\n"
    )
}

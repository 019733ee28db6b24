//! The seed-era provider (contract v1): per-client sessions created on demand, the documented
//! bodies and status codes, the odd error envelopes included.

use serde_json::{Value, json};

use super::super::{Fault, FaultKind, Shared};
use super::{Answer, Call, Reply, error_envelope, malformed_json_body};
use crate::domain::CHAT_SUFFIX;
use crate::session::{MAX_RECONNECTION_ATTEMPTS, SessionState, parse_cliente_id_header};

/// The v1 answer: JSON, bent afterwards by any injected fault.
pub(crate) fn answer(shared: &Shared, call: &Call<'_>) -> Reply {
    Reply::Json(answer_json(shared, call))
}

/// The body checks, in the real service's order: express.json(), the route, the client
/// header, then the operation itself.
fn answer_json(shared: &Shared, call: &Call<'_>) -> Answer {
    if malformed_json_body(call.request) {
        return Answer::new(
            500,
            error_envelope("INTERNAL_ERROR", "Unexpected token in JSON body"),
        );
    }
    let Some(operation) = call.operation else {
        return not_found();
    };
    let cliente_id = match operation {
        "status" | "send" | "qr_code" => match client_of(operation, call.header) {
            Ok(id) => id,
            Err(refused) => return refused,
        },
        _ => 0,
    };
    match operation {
        "health" => Answer::new(
            200,
            json!({"status": "ok", "service": "session-manager", "whatsapp_state": "NOT_INITIALIZED"}),
        ),
        "qr" => Answer::new(
            409,
            json!({"error": "QR not available", "state": "NOT_INITIALIZED", "can_send_messages": false}),
        ),
        "status" => {
            let state = shared.sessions.touch(cliente_id, call.now);
            Answer::new(200, status_body(shared, cliente_id, state))
        }
        "qr_code" => qr_code(shared, cliente_id, call),
        "send" => send(shared, cliente_id, call),
        _ => not_found(),
    }
}

fn not_found() -> Answer {
    Answer::new(404, error_envelope("NOT_FOUND", "Endpoint not found"))
}

/// The client an operation that needs `X-Cliente-Id` is for, or the 400 it answers without
/// one. `/qr-code`'s router answers in its own envelope, without `error: true`.
fn client_of(operation: &str, header: Option<&str>) -> Result<u64, Answer> {
    let refuse = |code: &str, message: &str| {
        let body = if operation == "qr_code" {
            json!({"error": code, "message": message})
        } else {
            error_envelope(code, message)
        };
        Answer::new(400, body)
    };
    let header = header.ok_or_else(|| refuse("MISSING_HEADER", MISSING_HEADER_MSG))?;
    parse_cliente_id_header(header).ok_or_else(|| refuse("INVALID_HEADER", INVALID_HEADER_MSG))
}

/// The real service: 409 in every state but QR_REQUIRED; 404 only while the QR string does
/// not exist yet.
fn qr_code(shared: &Shared, cliente_id: u64, call: &Call<'_>) -> Answer {
    match shared.sessions.touch(cliente_id, call.now) {
        SessionState::QrRequired if shared.sessions.qr_pending(cliente_id) => Answer::new(
            404,
            json!({"error": "QR_NOT_AVAILABLE", "message": "QR code not available yet"}),
        ),
        SessionState::QrRequired => Answer::new(200, json!({"qr": QR_PNG})),
        state => Answer::new(
            409,
            json!({"error": "QR_NOT_REQUIRED", "message": format!("QR code not required. Current state: {state}"), "current_state": state.as_str()}),
        ),
    }
}

/// `/send`: the body, the session, what the library does with the message, in that order.
fn send(shared: &Shared, cliente_id: u64, call: &Call<'_>) -> Answer {
    // The real service creates the session before it looks at the body.
    let state = shared.sessions.touch(cliente_id, call.now);
    let body: Value = serde_json::from_slice(&call.request.body).unwrap_or(Value::Null);
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let (Some(to), Some(_message)) = (text("to"), text("message")) else {
        return Answer::new(
            400,
            error_envelope("INVALID_REQUEST", "Fields 'to' and 'message' are required"),
        );
    };
    if state != SessionState::Ready {
        return Answer::new(
            409,
            error_envelope(
                "SESSION_NOT_READY",
                &format!("WhatsApp session not ready. Current state: {state}"),
            ),
        );
    }
    if let Some(failed) = undelivered(call.fault) {
        return failed;
    }
    let Some(chat) = whatsapp_chat_id(to) else {
        return Answer::new(500, error_envelope("SEND_FAILED", INVALID_WID_MSG));
    };
    delivered(shared.next_message_id(&chat), call.fault)
}

/// A fault that stops the message before WhatsApp takes it: the answer it gets instead.
fn undelivered(fault: Option<&Fault>) -> Option<Answer> {
    let failed = |code: &str, text: &str| Some(Answer::new(500, error_envelope(code, text)));
    match fault.map(|f| &f.kind) {
        Some(FaultKind::SendFailsWhileReady) => failed(
            "SEND_FAILED",
            "Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.",
        ),
        Some(FaultKind::SendFailsForRecipient) => failed(
            "SEND_FAILED",
            "Evaluation failed: Error: Phone not registered",
        ),
        Some(FaultKind::ResetBeforeDelivery) => {
            failed("INTERNAL_ERROR", "connection reset before delivery")
        }
        _ => None,
    }
}

/// The answer to a message WhatsApp took, with id `id`: 200, or a 500 when the browser
/// crashed after delivery (the journal keeps the id either way).
fn delivered(id: String, fault: Option<&Fault>) -> Answer {
    if matches!(
        fault.map(|f| &f.kind),
        Some(FaultKind::SendFailsAfterDelivery)
    ) {
        return Answer {
            status: 500,
            body: error_envelope(
                "SEND_FAILED",
                "Protocol error (Runtime.callFunctionOn): Target closed.",
            ),
            message_id: Some(id),
        };
    }
    Answer {
        status: 200,
        body: json!({"ok": true, "message_id": id}),
        message_id: Some(id),
    }
}

fn status_body(shared: &Shared, cliente_id: u64, state: SessionState) -> Value {
    let mut body = json!({
        "cliente_id": cliente_id,
        "connected": state.can_send(),
        "state": state.as_str(),
        "reconnection_attempts": shared.sessions.reconnection_attempts(cliente_id),
        "max_reconnection_attempts": MAX_RECONNECTION_ATTEMPTS,
        "can_send_messages": state.can_send(),
        "needs_qr": state.needs_qr(),
        "is_recoverable": state.is_recoverable(),
        "recommended_action": state.recommended_action(),
        "qr_code_base64": if state == SessionState::QrRequired && !shared.sessions.qr_pending(cliente_id) { Value::from(QR_PNG) } else { Value::Null },
    });
    if state == SessionState::NotInitialized {
        body["error"] = Value::from("Client not initialized");
    }
    body
}

const MISSING_HEADER_MSG: &str = "X-Cliente-Id header is required";
const INVALID_HEADER_MSG: &str = "X-Cliente-Id must be a positive integer";
/// A 1×1 PNG, the QR the mock shows while a session waits for a scan.
const QR_PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// What the WhatsApp library throws for a chat id it cannot address.
const INVALID_WID_MSG: &str = "Evaluation failed: Error: wid error: invalid wid";

/// `to` as the chat id the real service sends to (`@c.us` appended when missing), if
/// WhatsApp can address it: a phone number of 1 to 15 digits (E.164). Anything else (spaces,
/// letters, non-ASCII, 300 digits) makes the library throw, so the send fails with 500
/// SEND_FAILED, and no message id the contract forbids is ever made up.
fn whatsapp_chat_id(to: &str) -> Option<String> {
    let number = to.strip_suffix(CHAT_SUFFIX).unwrap_or(to);
    let addressable =
        (1..=15).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit());
    addressable.then(|| format!("{number}{CHAT_SUFFIX}"))
}

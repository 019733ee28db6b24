//! The seed-era provider (contract v1): per-client sessions created on demand, the documented
//! bodies and status codes, the odd error envelopes included.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use super::super::{FaultKind, Shared, error_envelope};
use super::{Answer, Call, Reply};
use crate::session::{MAX_RECONNECTION_ATTEMPTS, SessionState, parse_cliente_id_header};

/// The v1 answer: JSON, bent afterwards by any injected fault.
pub(crate) fn answer(shared: &Shared, call: &Call<'_>) -> Reply {
    Reply::Json(answer_json(shared, call))
}

fn answer_json(shared: &Shared, call: &Call<'_>) -> Answer {
    let Call {
        operation,
        request,
        header,
        now,
        fault,
    } = *call;
    // express.json() runs before any route: a malformed JSON body is a thrown error.
    if super::super::malformed_json_body(request) {
        return Answer::new(
            500,
            error_envelope("INTERNAL_ERROR", "Unexpected token in JSON body"),
        );
    }
    let Some(operation) = operation else {
        return Answer::new(404, error_envelope("NOT_FOUND", "Endpoint not found"));
    };
    let qr_code_envelope = operation == "qr_code";
    let header_error = |code: &str, message: &str| {
        if qr_code_envelope {
            Answer::new(400, json!({"error": code, "message": message}))
        } else {
            Answer::new(400, error_envelope(code, message))
        }
    };
    let cliente_id = match operation {
        "status" | "send" | "qr_code" => match header {
            None => return header_error("MISSING_HEADER", MISSING_HEADER_MSG),
            Some(h) => match parse_cliente_id_header(h) {
                Some(id) => id,
                None => return header_error("INVALID_HEADER", INVALID_HEADER_MSG),
            },
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
            let state = shared.touch(cliente_id, now);
            Answer::new(200, status_body(shared, cliente_id, state))
        }
        // The real service: 409 in every state but QR_REQUIRED; 404 only while the QR
        // string does not exist yet.
        "qr_code" => match shared.touch(cliente_id, now) {
            SessionState::QrRequired if shared.qr_pending(cliente_id) => Answer::new(
                404,
                json!({"error": "QR_NOT_AVAILABLE", "message": "QR code not available yet"}),
            ),
            SessionState::QrRequired => Answer::new(200, json!({"qr": QR_PNG})),
            state => Answer::new(
                409,
                json!({"error": "QR_NOT_REQUIRED", "message": format!("QR code not required. Current state: {state}"), "current_state": state.as_str()}),
            ),
        },
        "send" => {
            // The real service creates the session before it looks at the body.
            let state = shared.touch(cliente_id, now);
            let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
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
            let library_error = match fault.map(|f| &f.kind) {
                Some(FaultKind::SendFailsWhileReady) => Some(
                    "Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.",
                ),
                Some(FaultKind::SendFailsForRecipient) => {
                    Some("Evaluation failed: Error: Phone not registered")
                }
                _ => None,
            };
            if let Some(text) = library_error {
                return Answer::new(500, error_envelope("SEND_FAILED", text));
            }
            if matches!(fault.map(|f| &f.kind), Some(FaultKind::ResetBeforeDelivery)) {
                return Answer::new(
                    500,
                    error_envelope("INTERNAL_ERROR", "connection reset before delivery"),
                );
            }
            let Some(chat) = whatsapp_chat_id(to) else {
                return Answer::new(500, error_envelope("SEND_FAILED", INVALID_WID_MSG));
            };
            let n = shared.sent.fetch_add(1, Ordering::SeqCst) + 1;
            let id = format!("true_{chat}_3EB0{}{n:08X}", shared.id_prefix);
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
        _ => Answer::new(404, error_envelope("NOT_FOUND", "Endpoint not found")),
    }
}

fn status_body(shared: &Shared, cliente_id: u64, state: SessionState) -> Value {
    let mut body = json!({
        "cliente_id": cliente_id,
        "connected": state.can_send(),
        "state": state.as_str(),
        "reconnection_attempts": shared.reconnection_attempts(cliente_id),
        "max_reconnection_attempts": MAX_RECONNECTION_ATTEMPTS,
        "can_send_messages": state.can_send(),
        "needs_qr": state.needs_qr(),
        "is_recoverable": state.is_recoverable(),
        "recommended_action": state.recommended_action(),
        "qr_code_base64": if state == SessionState::QrRequired && !shared.qr_pending(cliente_id) { Value::from(QR_PNG) } else { Value::Null },
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
    let number = to.strip_suffix("@c.us").unwrap_or(to);
    let addressable =
        (1..=15).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit());
    addressable.then(|| format!("{number}@c.us"))
}

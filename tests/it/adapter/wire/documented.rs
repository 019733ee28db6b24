//! Every route × every documented v1 status, each classified as the contract says.

use super::*;

/// What a documented answer must turn into.
enum Expect {
    Ok,
    Domain(DomainError),
}

/// One documented answer: operation id, status, body, and what the adapter makes of it.
type Answer = (&'static str, u16, Value, Expect);

/// Every documented v1 answer of every route.
fn documented_answers() -> Vec<Answer> {
    [
        health_answers(),
        status_answers(),
        send_answers(),
        qr_answers(),
        qr_code_answers(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The `{error: true, code, message}` envelope of `/status` and `/send`.
fn envelope(code: &str, message: &str) -> Value {
    json!({"error": true, "code": code, "message": message})
}

/// A missing and an invalid `X-Cliente-Id`, in the answer `body` writes for `op`.
fn header_errors(op: &'static str, body: fn(&str, &str) -> Value) -> Vec<Answer> {
    [
        ("MISSING_HEADER", "X-Cliente-Id header is required"),
        ("INVALID_HEADER", "X-Cliente-Id must be a positive integer"),
    ]
    .into_iter()
    .map(|(code, message)| {
        (
            op,
            400,
            body(code, message),
            Expect::Domain(DomainError::InvalidHeader {
                code: code.into(),
                message: message.into(),
            }),
        )
    })
    .collect()
}

/// An `INTERNAL_ERROR` of `op`, in the `{error: true, code, message}` envelope.
fn internal_error(op: &'static str, message: &str) -> Answer {
    (
        op,
        500,
        envelope("INTERNAL_ERROR", message),
        Expect::Domain(DomainError::Internal {
            message: message.into(),
        }),
    )
}

fn health_answers() -> Vec<Answer> {
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
            Expect::Domain(DomainError::Unhealthy {
                error: "client map broken".into(),
            }),
        ),
    ]
}

fn status_answers() -> Vec<Answer> {
    let mut answers = vec![(
        "status",
        200,
        status_body(51, SessionState::Ready),
        Expect::Ok,
    )];
    answers.extend(header_errors("status", envelope));
    answers.push(internal_error(
        "status",
        "Cannot read properties of undefined",
    ));
    answers
}

fn send_answers() -> Vec<Answer> {
    let mut answers = vec![(
        "send",
        200,
        json!({"ok": true, "message_id": "true_5491155550000@c.us_3EB0C767D26A1D8B6E42"}),
        Expect::Ok,
    )];
    answers.extend(header_errors("send", envelope));
    answers.extend([
        (
            "send",
            400,
            envelope("INVALID_REQUEST", "to and message are required"),
            Expect::Domain(DomainError::InvalidRequest {
                message: "to and message are required".into(),
            }),
        ),
        (
            "send",
            409,
            envelope(
                "SESSION_NOT_READY",
                "WhatsApp session not ready. Current state: QR_REQUIRED",
            ),
            Expect::Domain(DomainError::SessionNotReady {
                state: SessionState::QrRequired,
            }),
        ),
        (
            "send",
            500,
            envelope(
                "SEND_FAILED",
                "Evaluation failed: Error: wid error: invalid wid",
            ),
            Expect::Domain(DomainError::SendFailed {
                reason: "Evaluation failed: Error: wid error: invalid wid".into(),
            }),
        ),
        internal_error("send", "Unexpected token } in JSON at position 9"),
    ]);
    answers
}

fn qr_answers() -> Vec<Answer> {
    vec![
        (
            "qr",
            409,
            json!({"error": "QR not available", "state": "NOT_INITIALIZED", "can_send_messages": false}),
            Expect::Domain(DomainError::QrLegacyUnavailable),
        ),
        (
            "qr",
            500,
            json!({"error": "Internal error", "message": "boom"}),
            Expect::Domain(DomainError::Internal {
                message: "boom".into(),
            }),
        ),
    ]
}

/// `/qr-code` writes its errors as `{error: CODE, message}`.
fn qr_code_answers() -> Vec<Answer> {
    let mut answers = vec![(
        "qr_code",
        200,
        json!({"qr": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"}),
        Expect::Ok,
    )];
    answers.extend(header_errors(
        "qr_code",
        |code, message| json!({"error": code, "message": message}),
    ));
    answers.extend([
        (
            "qr_code",
            404,
            json!({"error": "QR_NOT_AVAILABLE", "message": "QR code not yet generated"}),
            Expect::Domain(DomainError::QrNotAvailable {
                message: "QR code not yet generated".into(),
            }),
        ),
        (
            "qr_code",
            409,
            json!({"error": "QR_NOT_REQUIRED", "message": "Session already connected", "current_state": "READY"}),
            Expect::Domain(DomainError::QrNotRequired {
                state: SessionState::Ready,
            }),
        ),
        (
            "qr_code",
            500,
            json!({"error": "INTERNAL_ERROR", "message": "qrcode.toDataURL failed"}),
            Expect::Domain(DomainError::Internal {
                message: "qrcode.toDataURL failed".into(),
            }),
        ),
    ]);
    answers
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

//! `/send`: the exact request, what counts as a confirmed send, input refused before sending.

use super::*;

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

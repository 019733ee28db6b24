//! `/status` and `get_session`: the typed view, readiness from the state, and answers that
//! contradict themselves or the client asked.

use super::*;

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

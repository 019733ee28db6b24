//! Transport failures and timeouts, bounded bodies and hostile strings.

use super::*;

#[tokio::test]
async fn connection_refused_is_transport_before_sending() {
    let port = closed_port();
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

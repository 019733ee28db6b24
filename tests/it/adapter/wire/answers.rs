//! Answers outside the contract: a 2xx that is not JSON, undocumented statuses, redirects.

use super::*;

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

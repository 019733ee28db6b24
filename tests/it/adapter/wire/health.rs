//! `/health` as proof of identity: a session-manager, or something else.

use super::*;

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

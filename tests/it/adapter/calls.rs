//! The reference adapter against the mock session-manager: every route, every documented
//! status code, each classified into exactly one kind; and the seed bug reproduced.

use std::time::Duration;

use lmh::adapter::{ClientConfig, DomainError, ErrorKind, ProtocolError, SessionManagerClient};
use lmh::mock::{Fault, FaultKind, MockSessionManager};
use lmh::session::SessionState;
use serde_json::json;

use crate::helpers::closed_port_url;

fn client_for(mock: &MockSessionManager) -> SessionManagerClient {
    let mut config = ClientConfig::new(mock.uri());
    config.timeout = Duration::from_millis(500);
    SessionManagerClient::new(config).expect("the mock's URL is valid")
}

async fn ready_mock() -> (MockSessionManager, SessionManagerClient) {
    let mock = MockSessionManager::start().await;
    mock.set_state(51, SessionState::Ready);
    let client = client_for(&mock);
    (mock, client)
}

#[tokio::test]
async fn health_confirms_identity() {
    let (mock, client) = ready_mock().await;
    let health = client.health().await.unwrap();
    assert_eq!(health.service, "session-manager");
    mock.inject(
        Fault::on(
            "health",
            FaultKind::Status(
                503,
                Some(
                    json!({"status":"error","service":"session-manager","error":"client crashed"}),
                ),
            ),
        )
        .times(1),
    );
    let err = client.health().await.unwrap_err();
    assert!(
        matches!(err.domain(), Some(DomainError::Unhealthy { .. })),
        "{err}"
    );
}

#[tokio::test]
async fn status_for_every_state_says_ready_only_for_ready() {
    let (mock, client) = ready_mock().await;
    for state in SessionState::ALL
        .into_iter()
        .filter(|s| *s != SessionState::NotInitialized)
    {
        mock.set_state(51, state);
        let status = client.status(51).await.unwrap();
        assert_eq!(status.state, state);
        let session = client.get_session("sender_51").await.unwrap();
        assert_eq!(session.ready, state == SessionState::Ready, "{state}");
        assert_eq!(session.needs_qr, state.needs_qr(), "{state}");
        assert_eq!(session.recoverable, state.is_recoverable(), "{state}");
    }
    // An unknown client: the first answer is NOT_INITIALIZED, which is not ready.
    let session = client.get_session("sender_77").await.unwrap();
    assert_eq!(session.state, SessionState::NotInitialized);
    assert!(!session.ready);
}

#[tokio::test]
async fn status_errors_are_classified() {
    let (mock, client) = ready_mock().await;
    mock.inject(
        Fault::on(
            "status",
            FaultKind::Status(
                500,
                Some(json!({"error":true,"code":"INTERNAL_ERROR","message":"boom"})),
            ),
        )
        .times(1),
    );
    let err = client.status(51).await.unwrap_err();
    assert!(
        matches!(err.domain(), Some(DomainError::Internal { .. })),
        "{err}"
    );
    assert!(!err.is_retryable());

    mock.inject(Fault::on("status", FaultKind::MalformedJson).times(1));
    let err = client.status(51).await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Protocol(_)), "{err}");

    mock.inject(Fault::on("status", FaultKind::NonJson).times(1));
    let err = client.status(51).await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Protocol(_)),
        "a 2xx HTML body is never success: {err}"
    );

    mock.inject(
        Fault::on(
            "status",
            FaultKind::Status(200, Some(json!({"status": "READY"}))),
        )
        .times(1),
    );
    let err = client.status(51).await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Protocol(ProtocolError::Contract(_))),
        "v2's shape is a protocol error, never 'not ready': {err}"
    );

    mock.inject(Fault::on("status", FaultKind::Latency(Duration::from_secs(2))).times(1));
    let err = client.status(51).await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Timeout { .. }), "{err}");
    assert!(err.is_retryable());

    mock.inject(Fault::on("status", FaultKind::DropConnection).times(1));
    let err = client.status(51).await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Transport { .. }), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn send_succeeds_only_with_ok_and_a_real_id() {
    let (mock, client) = ready_mock().await;
    let sent = client
        .send_message(51, "5491134567890", "Hola José 👋")
        .await
        .unwrap();
    assert_eq!(
        mock.deliveries()[0].message_id.as_deref(),
        Some(sent.message_id.as_str())
    );
    assert_eq!(
        mock.deliveries()[0].json_body().unwrap(),
        json!({"to": "5491134567890", "message": "Hola José 👋"})
    );
    assert_eq!(mock.deliveries()[0].headers["x-cliente-id"], "51");

    mock.inject(Fault::on("send", FaultKind::SendSuccessWithoutId).times(1));
    let err = client
        .send_message(51, "5491134567890", "x")
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Protocol(_)), "{err}");

    mock.inject(Fault::on("send", FaultKind::SendConstantId).times(1));
    let err = client
        .send_message(51, "5491134567890", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind,
            ErrorKind::Protocol(ProtocolError::SentinelMessageId { .. })
        ),
        "{err}"
    );
}

#[tokio::test]
async fn send_errors_are_classified() {
    let (mock, client) = ready_mock().await;
    mock.set_state(52, SessionState::QrRequired);
    let err = client
        .send_message(52, "5491134567890", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.domain(),
            Some(DomainError::SessionNotReady {
                state: SessionState::QrRequired
            })
        ),
        "{err}"
    );
    assert!(err.is_retryable());

    mock.inject(Fault::on("send", FaultKind::SendFailsWhileReady).times(1));
    let err = client
        .send_message(51, "5491134567890", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err.domain(), Some(DomainError::SendFailed { .. })),
        "{err}"
    );
    assert!(!err.is_retryable());

    let err = client.send_message(51, "", "x").await.unwrap_err();
    assert!(
        matches!(err.domain(), Some(DomainError::InvalidRequest { .. }))
            || err.kind_name() == "validation",
        "{err}"
    );

    mock.inject(Fault::on("send", FaultKind::Latency(Duration::from_secs(2))).times(1));
    let err = client
        .send_message(51, "5491134567890", "late")
        .await
        .unwrap_err();
    assert!(
        err.outcome_unknown(),
        "a timeout after the request left is an unknown outcome: {err}"
    );
    assert_eq!(mock.deliveries().len(), 1, "and the provider did send it");

    mock.inject(Fault::on("send", FaultKind::Status(400, Some(json!({"error":true,"code":"INVALID_HEADER","message":"X-Cliente-Id must be a positive integer"})))).times(1));
    let err = client
        .send_message(51, "5491134567890", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err.domain(), Some(DomainError::InvalidHeader { .. })),
        "{err}"
    );
}

/// /qr-code in every state, by the mock, the adapter and the shared rule alike.
#[tokio::test]
async fn qr_code_answer_per_state() {
    use lmh::adapter::rules;
    let (mock, client) = ready_mock().await;
    let http = lmh::http_client().build().unwrap();
    for state in SessionState::ALL {
        mock.set_state(51, state);
        let resp = http
            .get(format!("{}/qr-code", mock.uri()))
            .header("X-Cliente-Id", "51")
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.unwrap();
        // NOT_INITIALIZED: that request created the session (and answered NOT_INITIALIZED);
        // the adapter's request finds it settled.
        let now = mock.state(51);
        let result = client.qr_code(51).await;
        if state == SessionState::QrRequired {
            assert_eq!(status, 200, "{state}: {body}");
            assert!(result.unwrap().starts_with("data:image/png;base64,"));
        } else {
            assert_eq!(status, 409, "{state}: {body}");
            assert_eq!(body["current_state"], state.as_str(), "{state}");
            let err = result.unwrap_err();
            let expected = DomainError::QrNotRequired { state: now };
            assert_eq!(err.domain(), Some(&expected), "{err}");
        }
        rules::qr_code_answer(state, status, &body).expect("the mock keeps the rule");
        // Any other status in this state breaks the rule.
        for other in [200, 404, 409].into_iter().filter(|s| *s != status) {
            if state == SessionState::QrRequired && other != 409 {
                continue;
            }
            assert!(
                rules::qr_code_answer(state, other, &body).is_err(),
                "{state} {other}"
            );
        }
    }
    mock.set_qr_pending(51);
    let err = client.qr_code(51).await.unwrap_err();
    assert!(
        matches!(err.domain(), Some(DomainError::QrNotAvailable { .. })),
        "{err}"
    );
    let status = client.status(51).await.unwrap();
    assert_eq!(status.qr_code_base64, None, "no QR string yet");
}

#[tokio::test]
async fn qr_routes_are_classified() {
    let (mock, client) = ready_mock().await;
    let err = client.qr_code(51).await.unwrap_err();
    assert!(
        matches!(
            err.domain(),
            Some(DomainError::QrNotRequired {
                state: SessionState::Ready
            })
        ),
        "{err}"
    );
    mock.set_state(51, SessionState::QrRequired);
    assert!(
        client
            .qr_code(51)
            .await
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    // Every state but QR_REQUIRED is 409 with current_state, INITIALIZING included.
    mock.set_state(51, SessionState::Initializing);
    let err = client.qr_code(51).await.unwrap_err();
    assert!(
        matches!(
            err.domain(),
            Some(DomainError::QrNotRequired {
                state: SessionState::Initializing
            })
        ),
        "{err}"
    );
    mock.set_qr_pending(51);
    let err = client.qr_code(51).await.unwrap_err();
    assert!(
        matches!(err.domain(), Some(DomainError::QrNotAvailable { .. })),
        "a documented 404 is a domain error, not a missing route: {err}"
    );
    let err = client.qr_legacy().await.unwrap_err();
    assert!(
        matches!(err.domain(), Some(DomainError::QrLegacyUnavailable)),
        "{err}"
    );
}

#[tokio::test]
async fn seed_bug_is_a_missing_route_never_session_not_found() {
    let mock = MockSessionManager::start().await;
    // The old client's call, made with a plain HTTP client exactly as central-hub made it.
    let resp = lmh::http_client()
        .build()
        .unwrap()
        .get(format!(
            "{}/api/session-manager/sessions/sender_51",
            mock.uri()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let unknown = mock.unknown_routes();
    assert_eq!(unknown.len(), 1);
    assert_eq!(
        unknown[0].label(),
        "GET /api/session-manager/sessions/sender_51"
    );

    // The adapter pointed at a provider that lacks its routes (here: the v2 profile) says the
    // route is missing, with method and path; it never reports "session not found".
    let v2 = MockSessionManager::start_with(lmh::mock::MockConfig {
        profile: lmh::mock::Profile::V2,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = client_for(&v2);
    let err = client
        .send_message(51, "5491134567890", "hola")
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::RouteMissing { status: 404, .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(text.contains("POST /send"), "{text}");
    assert!(!text.to_lowercase().contains("session not found"), "{text}");
}

#[tokio::test]
async fn closed_port_is_transport_and_retryable() {
    let client = SessionManagerClient::new(ClientConfig::new(closed_port_url())).unwrap();
    let err = client.status(51).await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Transport { .. }), "{err}");
    assert!(err.is_retryable());
    assert!(
        !err.outcome_unknown(),
        "a refused connection never delivered anything"
    );
}

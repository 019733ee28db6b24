//! Which failures are retryable.

use super::*;

#[test]
fn only_transport_timeout_and_not_ready_are_retryable() {
    let with = |kind: ErrorKind| {
        AdapterError::new(kind).with_request("POST", "/send", "http://127.0.0.1:3001", Some(51))
    };
    let retryable = [
        ErrorKind::Transport {
            stage: Stage::Connect,
            detail: "refused".into(),
        },
        ErrorKind::Transport {
            stage: Stage::Exchange,
            detail: "reset".into(),
        },
        ErrorKind::Timeout {
            stage: Stage::Exchange,
            limit: Duration::from_secs(1),
        },
        ErrorKind::Domain(DomainError::SessionNotReady {
            state: SessionState::Initializing,
        }),
    ];
    let not_retryable = [
        ErrorKind::Validation {
            input: "x".into(),
            value: None,
            reason: "y".into(),
        },
        ErrorKind::Protocol(ProtocolError::TooLarge { limit: 1 }),
        ErrorKind::RouteMissing {
            status: 404,
            answer: "Endpoint not found".into(),
        },
        ErrorKind::WrongService { found: "x".into() },
        ErrorKind::Domain(DomainError::SendFailed { reason: "x".into() }),
        ErrorKind::Domain(DomainError::Internal {
            message: "x".into(),
        }),
        ErrorKind::Domain(DomainError::QrNotAvailable {
            message: "x".into(),
        }),
        ErrorKind::Domain(DomainError::InvalidRequest {
            message: "x".into(),
        }),
    ];
    for k in retryable {
        assert!(with(k.clone()).is_retryable(), "{k:?}");
    }
    for k in not_retryable {
        assert!(!with(k.clone()).is_retryable(), "{k:?}");
    }
}

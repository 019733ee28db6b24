//! What an answer is: a validated success, or the one error kind it belongs to.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::exchange::Answer;
use super::{AdapterError, DomainError, ErrorKind, ProtocolError, SessionManagerClient, rules};
use crate::contract::{Operation, snippet};
use crate::session::SessionState;

impl SessionManagerClient {
    /// success, or the one error kind the answer belongs to.
    pub(super) fn classify(
        &self,
        op: &Operation,
        cliente_id: Option<u64>,
        answer: &Answer,
    ) -> Result<Value, AdapterError> {
        let status = answer.status;
        let content_type = answer.content_type.as_deref();
        match self
            .contract
            .check_answer(op, status, content_type, &answer.body)
        {
            Ok(value) if (200..300).contains(&status) => Ok(value),
            Ok(value) => Err(self.err(op, cliente_id, domain_kind(status, &value))),
            // A 404/405 that is not the operation's documented domain answer: no such route.
            Err(_) if matches!(status, 404 | 405) => Err(self.err(
                op,
                cliente_id,
                ErrorKind::RouteMissing {
                    status,
                    answer: answer_text(&answer.body),
                },
            )),
            Err(v) => Err(self.err(
                op,
                cliente_id,
                ErrorKind::Protocol(ProtocolError::Contract(v)),
            )),
        }
    }

    /// Deserialize a validated body into a typed view.
    pub(super) fn typed<T: DeserializeOwned>(
        &self,
        op: &Operation,
        cliente_id: Option<u64>,
        value: Value,
    ) -> Result<T, AdapterError> {
        serde_json::from_value(value).map_err(|e| {
            self.err(
                op,
                cliente_id,
                ErrorKind::Protocol(ProtocolError::Shape {
                    detail: e.to_string(),
                }),
            )
        })
    }

    /// The session state a validated body names at `at`, or a protocol error.
    pub(super) fn state(
        &self,
        op: &Operation,
        cliente_id: Option<u64>,
        at: &str,
        found: &str,
    ) -> Result<SessionState, AdapterError> {
        found.parse().map_err(|_| {
            self.err(
                op,
                cliente_id,
                ErrorKind::Protocol(ProtocolError::UnknownState {
                    at: at.into(),
                    found: clean(found),
                }),
            )
        })
    }
}

/// The domain error a documented non-2xx answer stands for; both v1 envelopes are read:
/// `{error: true, code, message}` and `/qr-code`'s `{error: CODE, message}`.
fn domain_kind(status: u16, value: &Value) -> ErrorKind {
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(clean);
    let message = text("message").unwrap_or_default();
    if value.get("status").and_then(Value::as_str) == Some("error")
        && value.get("service").is_some()
    {
        return ErrorKind::Domain(DomainError::Unhealthy {
            error: text("error").unwrap_or_default(),
        });
    }
    let code = rules::error_code(value).unwrap_or("");
    let state_in = |at: &str, raw: &str| -> Result<SessionState, ErrorKind> {
        raw.parse().map_err(|_| {
            ErrorKind::Protocol(ProtocolError::UnknownState {
                at: at.into(),
                found: clean(raw),
            })
        })
    };
    let domain = match code {
        "MISSING_HEADER" | "INVALID_HEADER" => DomainError::InvalidHeader {
            code: code.into(),
            message,
        },
        "INVALID_REQUEST" => DomainError::InvalidRequest { message },
        "SESSION_NOT_READY" => {
            let raw = value
                .get("message")
                .and_then(Value::as_str)
                .and_then(|m| m.rsplit_once("Current state: "))
                .map(|(_, s)| s.trim())
                .unwrap_or("");
            match state_in("/message", raw) {
                Ok(state) => DomainError::SessionNotReady { state },
                Err(kind) => return kind,
            }
        }
        "SEND_FAILED" => DomainError::SendFailed { reason: message },
        "INTERNAL_ERROR" | "Internal error" => DomainError::Internal { message },
        "QR_NOT_AVAILABLE" => DomainError::QrNotAvailable { message },
        "QR_NOT_REQUIRED" => {
            let raw = value
                .get("current_state")
                .and_then(Value::as_str)
                .unwrap_or("");
            match state_in("/current_state", raw) {
                Ok(state) => DomainError::QrNotRequired { state },
                Err(kind) => return kind,
            }
        }
        "QR not available" => DomainError::QrLegacyUnavailable,
        other => DomainError::Other {
            status,
            code: clean(other),
            message,
        },
    };
    ErrorKind::Domain(domain)
}

/// `None` when the body names the session-manager; otherwise what it is instead.
pub(super) fn foreign_service(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body) {
        Err(_) => Some(format!("a non-JSON body: {:?}", snippet(body))),
        Ok(v) => match v.get("service").and_then(Value::as_str) {
            Some("session-manager") => None,
            Some(other) => Some(format!("service {:?}", clean(other))),
            None => Some(format!(
                "a JSON body without a `service` field: {}",
                snippet(body)
            )),
        },
    }
}

/// What a 404/405 said: its JSON `message`, or its first bytes.
fn answer_text(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(clean))
        .unwrap_or_else(|| format!("{:?}", snippet(body)))
}

/// A provider-supplied string made safe to print.
pub(super) fn clean(s: &str) -> String {
    crate::report::printable(s, 200)
}

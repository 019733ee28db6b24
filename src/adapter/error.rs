//! How a call to the session-manager went wrong: exactly one [`ErrorKind`] per outcome.

use crate::domain::SESSION_MANAGER_BASE_URL;
use std::fmt;
use std::time::Duration;

use crate::contract::ResponseViolation;
use crate::session::SessionState;

/// A failed adapter call: what kind of failure, and which request it was.
///
/// The request context is boxed so that `Result<_, AdapterError>` stays small (clippy's
/// `result_large_err`); read it through [`AdapterError::method`], [`AdapterError::path`],
/// [`AdapterError::base_url`] and [`AdapterError::cliente_id`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AdapterError {
    /// What went wrong.
    pub kind: ErrorKind,
    request: Option<Box<RequestContext>>,
}

/// Which request an error belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RequestContext {
    method: String,
    path: String,
    base_url: String,
    cliente_id: Option<u64>,
}

/// Where a transport failure or timeout happened, which decides whether the request may
/// have reached the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Before a connection existed: the request was certainly not delivered.
    Connect,
    /// After the connection was made: the provider may have received (and acted on) it.
    Exchange,
}

/// The one class an outcome falls into (docs/invariants.md 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input caught before any request: nothing was sent.
    Validation {
        /// Which input: a variable name, an argument, a field.
        input: String,
        /// The offending value (credentials redacted); `None` when the input was missing.
        value: Option<String>,
        /// What is wrong and what to do.
        reason: String,
    },
    /// No usable connection: refused, DNS failure, reset, dropped connection, incomplete body.
    Transport {
        /// Whether the request may have been delivered.
        stage: Stage,
        /// The underlying error chain.
        detail: String,
    },
    /// No complete answer in time.
    Timeout {
        /// `Connect` for the connect timeout, `Exchange` for the total timeout.
        stage: Stage,
        /// The limit that ran out.
        limit: Duration,
    },
    /// The answer breaks the contract, or is self-contradictory.
    Protocol(ProtocolError),
    /// 404/405 without a documented domain code: the provider has no such route.
    RouteMissing {
        /// 404 or 405.
        status: u16,
        /// The provider's `message`, or the first bytes of the body.
        answer: String,
    },
    /// `/health` was answered by something that is not a session-manager.
    WrongService {
        /// The `service` it named, or what it sent instead.
        found: String,
    },
    /// A documented error code of the contract.
    Domain(DomainError),
}

/// Ways an answer breaks the contract or contradicts itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// Undocumented status, non-JSON body or schema violation, as the contract reports it.
    Contract(ResponseViolation),
    /// The body exceeded [`super::MAX_BODY_BYTES`].
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A state name that is not one of the v1 states.
    UnknownState {
        /// The JSON path (or message) where it was found.
        at: String,
        /// The value found.
        found: String,
    },
    /// A send "succeeded" with a placeholder id, which proves nothing was sent.
    SentinelMessageId {
        /// The id received.
        message_id: String,
    },
    /// Fields of a schema-valid answer contradict each other.
    Inconsistent {
        /// Which fields and values.
        detail: String,
    },
    /// A schema-valid body that still does not fit the adapter's typed view.
    Shape {
        /// The deserializer's complaint.
        detail: String,
    },
}

/// A documented error code of the v1 contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// 409 `SESSION_NOT_READY` from `/send`.
    SessionNotReady {
        /// The state the provider reported in its message.
        state: SessionState,
    },
    /// 500 `SEND_FAILED` from `/send`: the WhatsApp library failed.
    SendFailed {
        /// The library's error text.
        reason: String,
    },
    /// 409 `QR_NOT_REQUIRED` from `/qr-code`: the session is in any state but QR_REQUIRED
    /// (INITIALIZING, READY, DISCONNECTED_*, ...), named in `current_state`.
    QrNotRequired {
        /// `current_state`.
        state: SessionState,
    },
    /// 404 `QR_NOT_AVAILABLE` from `/qr-code`: the session is QR_REQUIRED but the library has
    /// not produced a QR string yet.
    QrNotAvailable {
        /// The provider's message.
        message: String,
    },
    /// 400 `MISSING_HEADER` / `INVALID_HEADER`.
    InvalidHeader {
        /// `MISSING_HEADER` or `INVALID_HEADER`.
        code: String,
        /// The provider's message.
        message: String,
    },
    /// 400 `INVALID_REQUEST` from `/send`: `to` or `message` missing.
    InvalidRequest {
        /// The provider's message.
        message: String,
    },
    /// 500 `INTERNAL_ERROR` (or `/qr`'s `Internal error`).
    Internal {
        /// The provider's message.
        message: String,
    },
    /// 409 from the legacy `/qr`, which reads no client id and so never has a QR.
    QrLegacyUnavailable,
    /// 503 from `/health`: the session-manager says it is unhealthy.
    Unhealthy {
        /// The provider's `error`.
        error: String,
    },
    /// A code the contract documents but this adapter does not know (a custom contract).
    Other {
        /// HTTP status.
        status: u16,
        /// The code (or `error`) field.
        code: String,
        /// The provider's message.
        message: String,
    },
}

impl AdapterError {
    /// An error of `kind` not tied to a request (yet).
    pub fn new(kind: ErrorKind) -> AdapterError {
        AdapterError {
            kind,
            request: None,
        }
    }

    /// A validation error raised before any request.
    pub fn validation(
        input: impl Into<String>,
        value: Option<String>,
        reason: impl Into<String>,
    ) -> AdapterError {
        AdapterError::new(ErrorKind::Validation {
            input: input.into(),
            value,
            reason: reason.into(),
        })
    }

    /// Name the request the error belongs to: method, contract path, base URL and (for
    /// routes that take `X-Cliente-Id`) the client.
    pub fn with_request(
        mut self,
        method: impl Into<String>,
        path: impl Into<String>,
        base_url: impl Into<String>,
        cliente_id: Option<u64>,
    ) -> AdapterError {
        self.request = Some(Box::new(RequestContext {
            method: method.into(),
            path: path.into(),
            base_url: base_url.into(),
            cliente_id,
        }));
        self
    }

    /// HTTP method of the request, e.g. `GET`; `None` for validation errors raised before any
    /// request was meant (a bad base URL, a bad instance id given to
    /// [`super::parse_instance_id`]).
    pub fn method(&self) -> Option<&str> {
        self.request.as_ref().map(|r| r.method.as_str())
    }

    /// Contract path of the request, e.g. `/status` (the base URL's prefix not included).
    pub fn path(&self) -> Option<&str> {
        self.request.as_ref().map(|r| r.path.as_str())
    }

    /// Base URL the request went (or would have gone) to.
    pub fn base_url(&self) -> Option<&str> {
        self.request.as_ref().map(|r| r.base_url.as_str())
    }

    /// The client whose session was meant, for routes that take `X-Cliente-Id`.
    pub fn cliente_id(&self) -> Option<u64> {
        self.request.as_ref().and_then(|r| r.cliente_id)
    }

    /// Only transport failures, timeouts and a not-ready session are worth retrying
    /// (docs/invariants.md 2). A retry of `/send` after [`AdapterError::outcome_unknown`] is the
    /// caller's decision: the first attempt may have been delivered.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Transport { .. }
                | ErrorKind::Timeout { .. }
                | ErrorKind::Domain(DomainError::SessionNotReady { .. })
        )
    }

    /// Whether the request may have reached the provider although no answer was read
    /// (a timeout or dropped connection after connecting); a `/send` in this state must not
    /// be re-sent automatically (docs/invariants.md 9).
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Transport {
                stage: Stage::Exchange,
                ..
            } | ErrorKind::Timeout {
                stage: Stage::Exchange,
                ..
            }
        )
    }

    /// The domain error, when the provider answered with a documented code.
    pub fn domain(&self) -> Option<&DomainError> {
        match &self.kind {
            ErrorKind::Domain(d) => Some(d),
            _ => None,
        }
    }

    /// A short stable name of the kind, for reports and logs: `validation`, `transport`,
    /// `timeout`, `protocol`, `route_missing`, `wrong_service`, `domain`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ErrorKind::Validation { .. } => "validation",
            ErrorKind::Transport { .. } => "transport",
            ErrorKind::Timeout { .. } => "timeout",
            ErrorKind::Protocol(_) => "protocol",
            ErrorKind::RouteMissing { .. } => "route_missing",
            ErrorKind::WrongService { .. } => "wrong_service",
            ErrorKind::Domain(_) => "domain",
        }
    }
}

impl fmt::Display for AdapterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(r) = &self.request {
            write!(f, "{} {} at {}", r.method, r.path, r.base_url)?;
            if let Some(id) = r.cliente_id {
                write!(f, " (X-Cliente-Id {id})")?;
            }
            // "GET /x answered 404 ..." reads as one sentence; everything else follows a colon.
            f.write_str(if matches!(self.kind, ErrorKind::RouteMissing { .. }) {
                " "
            } else {
                ": "
            })?;
        }
        match &self.kind {
            ErrorKind::Validation {
                input,
                value,
                reason,
            } => match value {
                Some(v) => write!(f, "invalid {input} {v:?}: {reason}"),
                None => write!(f, "{input}: {reason}"),
            },
            ErrorKind::Transport {
                stage: Stage::Connect,
                detail,
            } => write!(
                f,
                "could not connect ({detail}); nothing was sent. Check that the session-manager \
                 is running and that {SESSION_MANAGER_BASE_URL} names its host and port"
            ),
            ErrorKind::Transport {
                stage: Stage::Exchange,
                detail,
            } => write!(
                f,
                "the connection broke before a complete answer ({detail}); the provider may have \
                 received the request. Check the session-manager's logs before repeating it"
            ),
            ErrorKind::Timeout {
                stage: Stage::Connect,
                limit,
            } => write!(
                f,
                "no connection within {} ms; nothing was sent. Check the host and port in \
                 {SESSION_MANAGER_BASE_URL} (or raise LMH_CONNECT_TIMEOUT_MS)",
                limit.as_millis()
            ),
            ErrorKind::Timeout {
                stage: Stage::Exchange,
                limit,
            } => write!(
                f,
                "no complete answer within {} ms; the provider may have received the request. \
                 Raise LMH_TIMEOUT_MS if the provider is only slow",
                limit.as_millis()
            ),
            ErrorKind::Protocol(p) => write!(f, "{p}"),
            ErrorKind::RouteMissing { status, answer } => write!(
                f,
                "answered {status} {answer}: the provider has no such route; check the contract \
                 version and {SESSION_MANAGER_BASE_URL}"
            ),
            ErrorKind::WrongService { found } => write!(
                f,
                "the answer does not come from a session-manager ({found}): something else holds \
                 that port. Point {SESSION_MANAGER_BASE_URL} at the session-manager (its PORT, default 3001)"
            ),
            ErrorKind::Domain(d) => write!(f, "{d}"),
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const WHAT_TO_DO: &str = "the provider does not speak the contract: check its version \
                                  and that the base URL reaches a session-manager";
        match self {
            ProtocolError::Contract(v @ ResponseViolation::UndocumentedStatus { status, .. })
                if (300..400).contains(status) =>
            {
                write!(
                    f,
                    "protocol error: {v}; lmh follows no redirects: point the base URL at the \
                     address that answers directly"
                )
            }
            ProtocolError::Contract(v) => write!(f, "protocol error: {v}; {WHAT_TO_DO}"),
            ProtocolError::TooLarge { limit } => write!(
                f,
                "protocol error: the body exceeds {limit} bytes; no session-manager answer is that \
                 large, so something else answers there"
            ),
            ProtocolError::UnknownState { at, found } => write!(
                f,
                "protocol error: unknown session state {found:?} at {at}; a missing or unknown \
                 state is never read as \"not ready\": {WHAT_TO_DO}"
            ),
            ProtocolError::SentinelMessageId { message_id } => write!(
                f,
                "protocol error (rule message-id-not-placeholder): the send \"succeeded\" with \
                 the placeholder message_id {message_id:?}, which proves no message was sent; the provider drifted from the \
                 contract: do not mark the row as sent"
            ),
            ProtocolError::Inconsistent { detail } => {
                write!(f, "protocol error: self-contradictory answer: {detail}")
            }
            ProtocolError::Shape { detail } => write!(
                f,
                "protocol error: the body passes the schema but not the adapter's reading of it \
                 ({detail}); the contract file and the adapter disagree"
            ),
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainError::SessionNotReady { state } => write!(
                f,
                "the WhatsApp session is not ready (state {state}; provider's advice: {}); nothing \
                 was sent, retry when it is READY",
                state.recommended_action()
            ),
            DomainError::SendFailed { reason } => write!(
                f,
                "the provider failed to send (SEND_FAILED: {reason}); check the number and the \
                 session-manager's logs"
            ),
            DomainError::QrNotRequired { state } => {
                write!(f, "no QR to scan: the session is {state} (QR_NOT_REQUIRED)")
            }
            DomainError::QrNotAvailable { message } => write!(
                f,
                "the session is QR_REQUIRED but no QR was generated yet (QR_NOT_AVAILABLE: \
                 {message}); ask again in a few seconds"
            ),
            DomainError::InvalidHeader { code, message } => write!(
                f,
                "the provider rejected X-Cliente-Id ({code}: {message}); a proxy may strip the \
                 header, or the id is not a positive integer"
            ),
            DomainError::InvalidRequest { message } => write!(
                f,
                "the provider rejected the request body (INVALID_REQUEST: {message}); `to` and \
                 `message` must be non-empty strings"
            ),
            DomainError::Internal { message } => write!(
                f,
                "the provider failed internally (INTERNAL_ERROR: {message}); check the \
                 session-manager's logs"
            ),
            DomainError::QrLegacyUnavailable => f.write_str(
                "the legacy GET /qr never has a QR (it reads no client id); use GET /qr-code \
                 with X-Cliente-Id",
            ),
            DomainError::Unhealthy { error } => write!(
                f,
                "the session-manager reports itself unhealthy ({error}); check its logs"
            ),
            DomainError::Other {
                status,
                code,
                message,
            } => write!(
                f,
                "documented error {status} {code} ({message}), unknown to this adapter; update \
                 the adapter for this contract"
            ),
        }
    }
}

//! The reference adapter: central-hub's view of the session-manager, spoken over the real
//! header-based v1 API (docs/system.md §2), with every outcome classified (docs/invariants.md 1, 2, 5, 6).
//!
//! The seed's bug was a client written against an imagined REST API
//! (`GET /api/session-manager/sessions/sender_51`). [`SessionManagerClient::get_session`] is the
//! fix: it turns `sender_51` into `GET /status` with `X-Cliente-Id: 51`. Every answer is checked
//! with [`Contract::check_response`] before it is read; typed views come after validation.
//!
//! | outcome | [`ErrorKind`] | retryable |
//! |---|---|---|
//! | bad input, nothing sent | `Validation` | no |
//! | refused, DNS, reset, dropped, incomplete body | `Transport` | yes |
//! | connect or total timeout | `Timeout` | yes |
//! | non-JSON, schema violation, wrong content type, undocumented status (3xx included), placeholder id, contradiction ([`rules`]) | `Protocol` | no |
//! | 404/405 without a documented code for the route | `RouteMissing` | no |
//! | `/health` answered by something else | `WrongService` | no |
//! | documented error code | `Domain` | only `SessionNotReady` |

mod config;
mod error;
pub mod rules;
mod types;

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::contract::{Contract, Operation, snippet};
use crate::session::SessionState;

pub use config::{
    CONNECT_TIMEOUT_VAR, ClientConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, TIMEOUT_VAR,
    parse_base_url,
};
pub use error::{AdapterError, BASE_URL_VAR, DomainError, ErrorKind, ProtocolError, Stage};
pub use types::{
    Health, INSTANCE_PREFIX, SENTINEL_MESSAGE_IDS, SentMessage, Session, SessionStatus,
    is_sentinel_message_id, parse_instance_id,
};

/// Largest response body read; a larger one is a protocol error (answers are hostile input).
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The header that selects the client's session.
pub const CLIENTE_ID_HEADER: &str = "X-Cliente-Id";

/// Largest integer a JavaScript number holds exactly: the provider reads `X-Cliente-Id` with
/// `parseInt`, so a larger id would address some other client's session.
pub const MAX_JS_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// Every request this adapter can make, as `(method, path)`; each must exist in the contract
/// (docs/invariants.md 1), which [`SessionManagerClient::new`] checks.
pub const REQUESTS: [(&str, &str); 5] = [
    ("GET", "/health"),
    ("GET", "/status"),
    ("POST", "/send"),
    ("GET", "/qr"),
    ("GET", "/qr-code"),
];

/// The adapter's requests that `contract` does not have, as `METHOD /path`.
pub fn missing_operations(contract: &Contract) -> Vec<String> {
    REQUESTS
        .iter()
        .filter(|(m, p)| contract.find_operation(m, p).is_none())
        .map(|(m, p)| format!("{m} {p}"))
        .collect()
}

/// The contract's operations for [`REQUESTS`], looked up once.
#[derive(Debug)]
struct Ops {
    health: Operation,
    status: Operation,
    send: Operation,
    qr: Operation,
    qr_code: Operation,
}

/// HTTP client for the session-manager's v1 API.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use lmh::adapter::{ClientConfig, SessionManagerClient};
/// use wiremock::matchers::{header, method, path};
/// use wiremock::{Mock, MockServer, ResponseTemplate};
///
/// let server = MockServer::start().await;
/// Mock::given(method("GET"))
///     .and(path("/status"))
///     .and(header("X-Cliente-Id", "51"))
///     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
///         "cliente_id": 51, "connected": true, "state": "READY",
///         "reconnection_attempts": 0, "max_reconnection_attempts": 3,
///         "can_send_messages": true, "needs_qr": false, "is_recoverable": false,
///         "recommended_action": "Session operational - can send messages",
///         "qr_code_base64": null
///     })))
///     .mount(&server)
///     .await;
///
/// let client = SessionManagerClient::new(ClientConfig::new(server.uri()))?;
/// let session = client.get_session("sender_51").await?;
/// assert!(session.ready);
/// assert_eq!(session.cliente_id, 51);
///
/// // A malformed instance id is refused before any request is sent.
/// let err = client.get_session("sender_x").await.unwrap_err();
/// assert_eq!(err.kind_name(), "validation");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SessionManagerClient {
    http: reqwest::Client,
    base_url: String,
    contract: Arc<Contract>,
    ops: Arc<Ops>,
    connect_timeout: Duration,
    timeout: Duration,
}

/// The bytes of an answer that arrived complete.
struct Answer {
    status: u16,
    /// The `Content-Type` header as received.
    content_type: Option<String>,
    body: Vec<u8>,
}

impl SessionManagerClient {
    /// Validate `config` and build the client; nothing is sent.
    ///
    /// Fails (kind `Validation`) on a bad base URL, a zero timeout, or a contract that lacks
    /// one of the adapter's [`REQUESTS`].
    pub fn new(config: ClientConfig) -> Result<SessionManagerClient, AdapterError> {
        let base_url = parse_base_url(&config.base_url, "ClientConfig.base_url")?;
        for (name, d) in [
            ("ClientConfig.connect_timeout", config.connect_timeout),
            ("ClientConfig.timeout", config.timeout),
        ] {
            if d.is_zero() {
                return Err(AdapterError::validation(
                    name,
                    Some("0 ms".into()),
                    "a zero timeout fails every request; use a positive duration",
                ));
            }
        }
        let contract = config.contract;
        let find = |(m, p): (&str, &str)| contract.find_operation(m, p).cloned();
        let (Some(health), Some(status), Some(send), Some(qr), Some(qr_code)) = (
            find(REQUESTS[0]),
            find(REQUESTS[1]),
            find(REQUESTS[2]),
            find(REQUESTS[3]),
            find(REQUESTS[4]),
        ) else {
            return Err(AdapterError::validation(
                "contract",
                Some(contract.origin.clone()),
                format!(
                    "{} lacks {}, which the adapter calls; the adapter speaks session-manager v1: \
                     give it the v1 contract",
                    contract.label(),
                    missing_operations(&contract).join(", ")
                ),
            ));
        };
        let ops = Ops {
            health,
            status,
            send,
            qr,
            qr_code,
        };
        // reqwest is built without a crypto provider; https needs one installed process-wide.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            // A 3xx is undocumented: report it rather than follow it to another host.
            .redirect(reqwest::redirect::Policy::none())
            // Talk to exactly the configured address, whatever HTTP_PROXY says.
            .no_proxy()
            .user_agent(concat!("lmh/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                AdapterError::validation(
                    "HTTP client",
                    None,
                    format!("could not be built: {}", crate::report::error_chain(&e)),
                )
            })?;
        Ok(SessionManagerClient {
            http,
            base_url,
            contract,
            ops: Arc::new(ops),
            connect_timeout: config.connect_timeout,
            timeout: config.timeout,
        })
    }

    /// The validated base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The contract answers are validated against.
    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    /// `GET /health`, and proof that a session-manager answers (docs/system.md §6): a body from
    /// anything else (another service's JSON, HTML, non-JSON) is `WrongService`.
    ///
    /// Not a readiness probe: v1 reports NOT_INITIALIZED here whatever the sessions are.
    pub async fn health(&self) -> Result<Health, AdapterError> {
        let op = &self.ops.health;
        let answer = self.exchange(op, None, None).await?;
        if matches!(answer.status, 200 | 404 | 405 | 503)
            && let Some(found) = foreign_service(&answer.body)
        {
            return Err(self.err(op, None, ErrorKind::WrongService { found }));
        }
        let value = self.classify(op, None, &answer)?;
        #[derive(Deserialize)]
        struct Raw {
            status: String,
            service: String,
            whatsapp_state: String,
        }
        let raw: Raw = self.typed(op, None, value)?;
        let whatsapp_state = self.state(op, None, "/whatsapp_state", &raw.whatsapp_state)?;
        Ok(Health {
            status: raw.status,
            service: raw.service,
            whatsapp_state,
        })
    }

    /// `GET /status` for one client (creates its session on the provider when unknown).
    ///
    /// A missing or unknown `state` is a protocol error, never "not ready"; so is an answer
    /// that breaks [`rules::status_answer`]: about another client, or `connected`,
    /// `can_send_messages` or `needs_qr` disagreeing with `state`.
    pub async fn status(&self, cliente_id: u64) -> Result<SessionStatus, AdapterError> {
        let op = &self.ops.status;
        let id = Some(cliente_id);
        self.check_cliente_id(op, cliente_id)?;
        let value = self.call(op, id, None).await?;
        #[derive(Deserialize)]
        struct Raw {
            cliente_id: u64,
            connected: bool,
            state: String,
            reconnection_attempts: u64,
            max_reconnection_attempts: u64,
            can_send_messages: bool,
            needs_qr: bool,
            is_recoverable: bool,
            recommended_action: String,
            qr_code_base64: Option<String>,
            qr_error: Option<String>,
            error: Option<String>,
        }
        let raw: Raw = self.typed(op, id, value)?;
        let state = self.state(op, id, "/state", &raw.state)?;
        let facts = rules::StatusFacts {
            cliente_id: raw.cliente_id,
            state,
            connected: raw.connected,
            can_send_messages: raw.can_send_messages,
            needs_qr: raw.needs_qr,
        };
        if let Err(broken) = rules::status_answer(cliente_id, &facts) {
            let detail = broken.to_string();
            return Err(self.err(
                op,
                id,
                ErrorKind::Protocol(ProtocolError::Inconsistent { detail }),
            ));
        }
        Ok(SessionStatus {
            cliente_id: raw.cliente_id,
            connected: raw.connected,
            state,
            reconnection_attempts: raw.reconnection_attempts,
            max_reconnection_attempts: raw.max_reconnection_attempts,
            can_send_messages: raw.can_send_messages,
            needs_qr: raw.needs_qr,
            is_recoverable: raw.is_recoverable,
            recommended_action: raw.recommended_action,
            qr_code_base64: raw.qr_code_base64,
            qr_error: raw.qr_error,
            error: raw.error,
        })
    }

    /// `GET /qr-code`: the client's QR as a `data:image/png;base64,...` URL.
    ///
    /// Only a QR_REQUIRED session has one: every other state is `Domain(QrNotRequired)`
    /// (409, `current_state` names it), and QR_REQUIRED before the library produced the QR
    /// string is `Domain(QrNotAvailable)` (404).
    pub async fn qr_code(&self, cliente_id: u64) -> Result<String, AdapterError> {
        let op = &self.ops.qr_code;
        let id = Some(cliente_id);
        self.check_cliente_id(op, cliente_id)?;
        let value = self.call(op, id, None).await?;
        #[derive(Deserialize)]
        struct Raw {
            qr: String,
        }
        let raw: Raw = self.typed(op, id, value)?;
        Ok(raw.qr)
    }

    /// The legacy `GET /qr`. v1 documents no success for it (it reads no client id), so in
    /// practice this is always `Domain(QrLegacyUnavailable)`; `Ok` carries the validated body
    /// only if a contract documents a success.
    pub async fn qr_legacy(&self) -> Result<Value, AdapterError> {
        let op = &self.ops.qr;
        self.call(op, None, None).await
    }

    /// The seed's fix: central-hub's `sender_{cliente_id}` as `GET /status` with
    /// `X-Cliente-Id`, mapped to the session shape the scheduler expects. `ready` is true only
    /// in READY.
    pub async fn get_session(&self, instance_id: &str) -> Result<Session, AdapterError> {
        let op = &self.ops.status;
        let cliente_id = parse_instance_id(instance_id)
            .map_err(|e| e.with_request(&op.method, &op.path, &self.base_url, None))?;
        let status = self.status(cliente_id).await?;
        Ok(Session {
            instance_id: instance_id.to_string(),
            cliente_id,
            ready: status.state == SessionState::Ready,
            needs_qr: status.needs_qr,
            recoverable: status.is_recoverable,
            state: status.state,
        })
    }

    /// `POST /send` of one text through the client's session.
    ///
    /// Success only on 200 with `ok == true` and a non-empty `message_id` that is not a
    /// placeholder ([`SENTINEL_MESSAGE_IDS`]). `to` and `message` are sent as given, byte for
    /// byte (the caller appends `@c.us` if it wants to).
    pub async fn send_message(
        &self,
        cliente_id: u64,
        to: &str,
        message: &str,
    ) -> Result<SentMessage, AdapterError> {
        let op = &self.ops.send;
        let id = Some(cliente_id);
        self.check_cliente_id(op, cliente_id)?;
        #[derive(serde::Serialize)]
        struct Body<'a> {
            to: &'a str,
            message: &'a str,
        }
        let body = Body { to, message };
        if let Some(schema) = &op.request_body {
            let as_value = serde_json::json!({ "to": to, "message": message });
            if let Some(v) = schema.violations(&as_value).into_iter().next() {
                let field = v.path.trim_start_matches('/');
                let (input, value) = match field {
                    "to" => ("`to`", Some(to.to_string())),
                    "message" => ("`message`", Some(message.to_string())),
                    _ => ("send body", None),
                };
                return Err(self.err(
                    op,
                    id,
                    ErrorKind::Validation {
                        input: input.into(),
                        value,
                        reason: format!(
                            "{} (contract rule {}); nothing was sent",
                            v.message, v.rule
                        ),
                    },
                ));
            }
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| {
            self.err(
                op,
                id,
                ErrorKind::Validation {
                    input: "send body".into(),
                    value: None,
                    reason: format!("cannot be encoded as JSON: {e}"),
                },
            )
        })?;
        let value = self.call(op, id, Some(bytes)).await?;
        #[derive(Deserialize)]
        struct Raw {
            ok: bool,
            message_id: String,
        }
        let raw: Raw = self.typed(op, id, value)?;
        if !raw.ok {
            return Err(self.err(
                op,
                id,
                ErrorKind::Protocol(ProtocolError::Inconsistent {
                    detail: "status 200 with ok false".into(),
                }),
            ));
        }
        if rules::message_id(&raw.message_id).is_err() {
            return Err(self.err(
                op,
                id,
                ErrorKind::Protocol(ProtocolError::SentinelMessageId {
                    message_id: clean(&raw.message_id),
                }),
            ));
        }
        Ok(SentMessage {
            message_id: raw.message_id,
        })
    }

    fn err(&self, op: &Operation, cliente_id: Option<u64>, kind: ErrorKind) -> AdapterError {
        AdapterError::new(kind).with_request(&op.method, &op.path, &self.base_url, cliente_id)
    }

    /// Refuse ids the provider would read as another (or no) client.
    fn check_cliente_id(&self, op: &Operation, cliente_id: u64) -> Result<(), AdapterError> {
        let reason = if cliente_id == 0 {
            Some("the provider rejects 0: cliente_id must be positive".to_string())
        } else if cliente_id > MAX_JS_SAFE_INTEGER {
            Some(format!(
                "above {MAX_JS_SAFE_INTEGER}, the provider's parseInt loses precision and would \
                 address another client's session"
            ))
        } else {
            op.header(CLIENTE_ID_HEADER).and_then(|h| {
                let violations = h.schema.violations(&Value::String(cliente_id.to_string()));
                violations
                    .first()
                    .map(|v| format!("breaks the contract's header schema: {}", v.message))
            })
        };
        match reason {
            None => Ok(()),
            Some(reason) => Err(self.err(
                op,
                Some(cliente_id),
                ErrorKind::Validation {
                    input: "cliente_id".into(),
                    value: Some(cliente_id.to_string()),
                    reason: format!("{reason}; nothing was sent"),
                },
            )),
        }
    }

    /// Send one request and read the whole answer (bounded by [`MAX_BODY_BYTES`]).
    /// One request, its answer checked against the contract and classified.
    async fn call(
        &self,
        op: &Operation,
        cliente_id: Option<u64>,
        body: Option<Vec<u8>>,
    ) -> Result<Value, AdapterError> {
        let answer = self.exchange(op, cliente_id, body).await?;
        self.classify(op, cliente_id, &answer)
    }

    async fn exchange(
        &self,
        op: &Operation,
        cliente_id: Option<u64>,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, AdapterError> {
        let url = format!("{}{}", self.base_url, op.path);
        let method = match reqwest::Method::from_bytes(op.method.as_bytes()) {
            Ok(m) => m,
            Err(_) => {
                return Err(self.err(
                    op,
                    cliente_id,
                    ErrorKind::Validation {
                        input: "contract method".into(),
                        value: Some(op.method.clone()),
                        reason: "not an HTTP method".into(),
                    },
                ));
            }
        };
        let mut req = self
            .http
            .request(method, &url)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(id) = cliente_id {
            req = req.header(CLIENTE_ID_HEADER, id.to_string());
        }
        if let Some(bytes) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes);
        }
        let mut resp = req.send().await.map_err(|e| {
            self.err(
                op,
                cliente_id,
                self.transport_kind(&e, "sending the request"),
            )
        })?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let too_large = || {
            self.err(
                op,
                cliente_id,
                ErrorKind::Protocol(ProtocolError::TooLarge {
                    limit: MAX_BODY_BYTES,
                }),
            )
        };
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY_BYTES {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(self.err(
                        op,
                        cliente_id,
                        self.transport_kind(&e, &format!("reading the {status} answer's body")),
                    ));
                }
            }
        }
        Ok(Answer {
            status,
            content_type,
            body,
        })
    }

    fn transport_kind(&self, e: &reqwest::Error, doing: &str) -> ErrorKind {
        let stage = if e.is_connect() {
            Stage::Connect
        } else {
            Stage::Exchange
        };
        if e.is_timeout() {
            let limit = match stage {
                Stage::Connect => self.connect_timeout.min(self.timeout),
                Stage::Exchange => self.timeout,
            };
            return ErrorKind::Timeout { stage, limit };
        }
        let what = if e.is_dns() {
            "DNS lookup failed"
        } else if e.is_connect() {
            "connection failed"
        } else {
            "connection lost"
        };
        ErrorKind::Transport {
            stage,
            detail: format!("{what} while {doing}: {}", crate::report::root_cause(e)),
        }
    }

    /// Check an answer against the contract (status, body, schema, media type: a `/send`
    /// answered as `text/html` is no confirmed send): the validated body of a documented
    /// success, or the one error kind the answer belongs to.
    fn classify(
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
    fn typed<T: DeserializeOwned>(
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

    fn state(
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
fn foreign_service(body: &[u8]) -> Option<String> {
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
fn clean(s: &str) -> String {
    crate::report::printable(s, 200)
}

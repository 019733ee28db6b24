//! The client itself: built from a checked configuration, with the contract's operations
//! looked up once.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::{
    AdapterError, CLIENTE_ID_HEADER, ClientConfig, ErrorKind, MAX_JS_SAFE_INTEGER, REQUESTS,
    missing_operations, parse_base_url,
};
use crate::contract::{Contract, Operation};

/// The contract's operations for [`REQUESTS`], looked up once.
#[derive(Debug)]
pub(super) struct Ops {
    pub(super) health: Operation,
    pub(super) status: Operation,
    pub(super) send: Operation,
    pub(super) qr: Operation,
    pub(super) qr_code: Operation,
}

impl Ops {
    /// Every operation of [`REQUESTS`] in `contract`, or the error naming those it lacks.
    fn find(contract: &Contract) -> Result<Ops, AdapterError> {
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
                    missing_operations(contract).join(", ")
                ),
            ));
        };
        Ok(Ops {
            health,
            status,
            send,
            qr,
            qr_code,
        })
    }
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
    pub(super) http: reqwest::Client,
    pub(super) base_url: String,
    pub(super) contract: Arc<Contract>,
    pub(super) ops: Arc<Ops>,
    pub(super) connect_timeout: Duration,
    pub(super) timeout: Duration,
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
        let ops = Ops::find(&contract)?;
        let http = crate::http_client()
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

    /// The error for `op` (to `cliente_id`, when it has one).
    pub(super) fn err(
        &self,
        op: &Operation,
        cliente_id: Option<u64>,
        kind: ErrorKind,
    ) -> AdapterError {
        AdapterError::new(kind).with_request(&op.method, &op.path, &self.base_url, cliente_id)
    }

    /// Refuse ids the provider would read as another (or no) client.
    pub(super) fn check_cliente_id(
        &self,
        op: &Operation,
        cliente_id: u64,
    ) -> Result<(), AdapterError> {
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
}

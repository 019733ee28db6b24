//! Asking what really answers on a port: `GET /health`, checked against contract v1.
//!
//! "Something answers on 3011" proves nothing: 3011 was central-hub's own old port and later
//! another service's. Only a `/health` answer that conforms to the contract and says
//! `service: "session-manager"` confirms the provider's identity.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::contract::{Contract, snippet};

/// Biggest `/health` body read; anything longer is not a session-manager's answer anyway.
const MAX_BODY: usize = 64 * 1024;

/// How to probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Connect and whole-request timeout for each probe.
    pub timeout: Duration,
    /// Ports to probe besides the URL's port and the session-manager's configured port.
    pub extra_ports: Vec<u16>,
}

impl Default for ProbeOptions {
    fn default() -> ProbeOptions {
        ProbeOptions {
            timeout: Duration::from_secs(2),
            extra_ports: Vec::new(),
        }
    }
}

/// What answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// `/health` conforms to contract v1 and says `service: "session-manager"`.
    SessionManager {
        /// 200, or 503 when the provider reports a failing health check.
        status: u16,
        /// `whatsapp_state` of a 200 answer.
        whatsapp_state: Option<String>,
    },
    /// It says `service: "session-manager"` but breaks contract v1 (e.g. the drifted v2 shape).
    OffContract {
        /// HTTP status.
        status: u16,
        /// How it breaks the contract.
        problem: String,
    },
    /// Something else answers: another service's JSON, an HTML page, a 404...
    OtherService {
        /// HTTP status.
        status: u16,
        /// Its `service` field, when it has one.
        service: Option<String>,
        /// The first bytes of the body, on one line.
        snippet: String,
    },
    /// Nothing listens there.
    Refused,
    /// No answer within the timeout.
    Timeout,
    /// Any other transport failure (DNS, reset, TLS...).
    Transport {
        /// What failed.
        reason: String,
    },
}

impl ProbeOutcome {
    /// Whether what answered identifies itself as a session-manager.
    pub fn is_session_manager(&self) -> bool {
        matches!(
            self,
            ProbeOutcome::SessionManager { .. } | ProbeOutcome::OffContract { .. }
        )
    }

    /// One phrase for reports, e.g. `held by another service: service "central-hub"`.
    pub fn describe(&self) -> String {
        match self {
            ProbeOutcome::SessionManager {
                status: 200,
                whatsapp_state,
            } => format!(
                "session-manager, identity confirmed (whatsapp_state {})",
                whatsapp_state.as_deref().unwrap_or("?")
            ),
            ProbeOutcome::SessionManager { status, .. } => {
                format!(
                    "session-manager, identity confirmed, but its health check fails ({status})"
                )
            }
            ProbeOutcome::OffContract { status, problem } => format!(
                "says it is a session-manager, but /health ({status}) breaks contract v1: {problem}"
            ),
            ProbeOutcome::OtherService {
                service: Some(s), ..
            } => format!("held by another service: service \"{s}\""),
            ProbeOutcome::OtherService {
                status, snippet, ..
            } => format!("held by another service: {status} `{snippet}`"),
            ProbeOutcome::Refused => "connection refused: nothing listens there".into(),
            ProbeOutcome::Timeout => "no answer within the timeout".into(),
            ProbeOutcome::Transport { reason } => format!("transport error: {reason}"),
        }
    }
}

/// The answer of one port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    /// The URL requested.
    pub url: String,
    /// The port probed.
    pub port: u16,
    /// What answered.
    pub outcome: ProbeOutcome,
}

/// `GET <base>/health` and classify the answer.
pub async fn probe_health(base: &Url, timeout: Duration) -> ProbeResult {
    let mut url = base.clone();
    url.set_path("/health");
    url.set_query(None);
    let port = url.port_or_known_default().unwrap_or(0);
    let outcome = match fetch(&url, timeout).await {
        Ok((status, body)) => classify(status, &body),
        Err(outcome) => outcome,
    };
    ProbeResult {
        url: url.to_string(),
        port,
        outcome,
    }
}

async fn fetch(url: &Url, timeout: Duration) -> Result<(u16, Vec<u8>), ProbeOutcome> {
    // reqwest is built without a default TLS provider; https probes need one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(timeout)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ProbeOutcome::Transport {
            reason: format!("cannot build an HTTP client: {e}"),
        })?;
    let mut response = client
        .get(url.clone())
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| transport_outcome(&e))?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while body.len() < MAX_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => return Err(transport_outcome(&e)),
        }
    }
    Ok((status, body))
}

fn transport_outcome(e: &reqwest::Error) -> ProbeOutcome {
    if e.is_timeout() {
        return ProbeOutcome::Timeout;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cause {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return ProbeOutcome::Refused,
                std::io::ErrorKind::TimedOut => return ProbeOutcome::Timeout,
                _ => {}
            }
        }
        cause = err.source();
    }
    ProbeOutcome::Transport {
        reason: error_chain(e),
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = e.source();
    while let Some(err) = cause {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cause = err.source();
    }
    parts.join(": ")
}

/// Classify a `/health` answer: session-manager per contract v1, off-contract, or another service.
pub fn classify(status: u16, body: &[u8]) -> ProbeOutcome {
    static V1: OnceLock<Contract> = OnceLock::new();
    let contract = V1.get_or_init(Contract::v1);
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let service = json
        .as_ref()
        .and_then(|v| v.get("service"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let claims_identity = service.as_deref() == Some("session-manager");
    let Some(op) = contract.find_operation("GET", "/health") else {
        return ProbeOutcome::Transport {
            reason: "contract v1 has no GET /health".into(),
        };
    };
    match contract.check_response(op, status, body) {
        Ok(value) if claims_identity => ProbeOutcome::SessionManager {
            status,
            whatsapp_state: value
                .get("whatsapp_state")
                .and_then(Value::as_str)
                .map(str::to_string),
        },
        Err(violation) if claims_identity => ProbeOutcome::OffContract {
            status,
            problem: violation.to_string(),
        },
        _ => ProbeOutcome::OtherService {
            status,
            service,
            snippet: one_line(&snippet(body)),
        },
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

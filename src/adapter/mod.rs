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

mod calls;
mod classify;
mod client;
mod config;
mod error;
mod exchange;
pub mod rules;
mod types;

use crate::contract::Contract;

pub use client::SessionManagerClient;
pub use config::{
    CONNECT_TIMEOUT_VAR, ClientConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, TIMEOUT_VAR,
    parse_base_url,
};
pub use error::{AdapterError, DomainError, ErrorKind, ProtocolError, Stage};
pub(crate) use exchange::{BodyError, read_body};
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

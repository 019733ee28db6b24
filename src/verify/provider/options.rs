//! What to check and how, and the options checked before anything is sent.

use std::time::Duration;

use super::{DEFAULT_CLIENTE_ID, DEFAULT_TIMEOUT, TEST_MESSAGE};
use crate::adapter::{MAX_JS_SAFE_INTEGER, parse_base_url};
use crate::contract::{Contract, Operation};
use crate::domain::normalize_phone;
use crate::verify::VerifyError;

/// What to check and how.
#[derive(Debug, Clone)]
pub struct ProviderOptions {
    /// Base URL of the provider, e.g. `http://127.0.0.1:3001`.
    pub base_url: String,
    /// The client id the probes send in `X-Cliente-Id` (its session may be created).
    pub cliente_id: u64,
    /// The contract the answers are checked against.
    pub contract: Contract,
    /// When set, one real message ([`TEST_MESSAGE`]) is sent to this number. It must pass the
    /// scheduler's rule ([`normalize_phone`]) and goes out as the chat id the scheduler would send.
    pub send_to: Option<String>,
    /// Limit for each request.
    pub timeout: Duration,
}

impl ProviderOptions {
    /// Options for `base_url` with the v1 contract, [`DEFAULT_CLIENTE_ID`], no real send.
    pub fn new(base_url: impl Into<String>) -> ProviderOptions {
        ProviderOptions {
            base_url: base_url.into(),
            cliente_id: DEFAULT_CLIENTE_ID,
            contract: Contract::v1(),
            send_to: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// The options, checked: what a run needs from them.
pub(super) struct Checked {
    /// The base URL, validated, without a trailing slash.
    pub(super) base: String,
    /// The chat id a real message goes to (checked by [`check_send_to`]).
    pub(super) send_to: Option<String>,
}

impl ProviderOptions {
    /// Check every option before anything is sent; an unusable one is an input error (exit 2).
    pub(super) fn checked(&self) -> Result<Checked, VerifyError> {
        let base = parse_base_url(&self.base_url, "--base-url").map_err(|e| {
            VerifyError::input(
                "--base-url",
                e.to_string()
                    .trim_start_matches("invalid --base-url ")
                    .to_string(),
            )
        })?;
        check_cliente_id(self)?;
        if self.timeout.is_zero() {
            return Err(VerifyError::input(
                "--timeout-ms",
                "0 would time out every request; give a positive number of milliseconds",
            ));
        }
        let send_to = match &self.send_to {
            Some(to) => Some(check_send_to(to, send_operation(&self.contract))?),
            None => None,
        };
        Ok(Checked { base, send_to })
    }
}

/// The probe client id must be one the provider reads as itself.
fn check_cliente_id(options: &ProviderOptions) -> Result<(), VerifyError> {
    let id = options.cliente_id;
    if id == 0 {
        return Err(VerifyError::input(
            "--cliente-id",
            "0: the provider rejects it; give a positive, unused client id (default 999999)",
        ));
    }
    if id > MAX_JS_SAFE_INTEGER {
        return Err(VerifyError::input(
            "--cliente-id",
            format!(
                "{id}: above {MAX_JS_SAFE_INTEGER} the provider's parseInt loses precision and would \
                 address another client's session"
            ),
        ));
    }
    Ok(())
}

/// The operation a real message goes through: the contract's `send`.
pub(super) fn send_operation(contract: &Contract) -> Option<&Operation> {
    contract
        .operations
        .iter()
        .find(|op| op.request_body.is_some() && (op.id == "send" || op.path == "/send"))
}

/// `to` as the chat id the scheduler would send to: one rule of what may be sent, so a number
/// the scheduler refuses is never sent to here either.
fn check_send_to(to: &str, send_op: Option<&Operation>) -> Result<String, VerifyError> {
    let Some(chat) = normalize_phone(to) else {
        return Err(VerifyError::input(
            "--to",
            format!(
                "{to:?} is not a number the scheduler sends to; give 8 to 15 digits in \
                 international form with no leading 0, no `+`, spaces or dashes, optionally \
                 ending in @c.us, e.g. 5491155550000"
            ),
        ));
    };
    let Some(op) = send_op else {
        return Err(VerifyError::input(
            "--allow-send",
            "the contract has no send operation (POST /send with a JSON body) to send through",
        ));
    };
    if let Some(schema) = &op.request_body {
        let body = serde_json::json!({"to": chat, "message": TEST_MESSAGE});
        if let Some(v) = schema.violations(&body).first() {
            return Err(VerifyError::input(
                "--to",
                format!("{to:?}: the send body breaks the contract: {v}"),
            ));
        }
    }
    Ok(chat)
}

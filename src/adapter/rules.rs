//! What a v1 answer must *mean*, beyond its shape: the one rule set the adapter applies to
//! every answer it reads and `lmh verify provider` applies to the answers it provokes (and
//! that `doctor` can call), so the two can never drift apart.
//!
//! Each rule has a stable name, printed with every break: `rule status-echoes-client: ...`.
//!
//! ```
//! use lmh::adapter::rules::{self, Provocation};
//! use serde_json::json;
//! let answer = json!({"error": true, "code": "MISSING_HEADER", "message": "X-Cliente-Id header is required"});
//! assert!(rules::provoked_code(Provocation::MissingHeader, &answer).is_ok());
//! let err = rules::provoked_code(Provocation::InvalidHeader, &answer).unwrap_err();
//! assert_eq!(err.rule, rules::ERROR_CODE_MATCHES_REQUEST);
//! assert!(rules::message_id("sent-via-ui").is_err());
//! ```

use std::fmt;

use serde_json::Value;

use super::types::is_sentinel_message_id;
use crate::session::SessionState;

/// `/status` is about the client that was asked (`cliente_id` echoes `X-Cliente-Id`).
pub const STATUS_ECHOES_CLIENT: &str = "status-echoes-client";
/// `/status`'s `connected`, `can_send_messages` and `needs_qr` agree with its `state`.
pub const STATUS_STATE_CONSISTENT: &str = "status-state-consistent";
/// `/qr-code` answers 200/404 only in QR_REQUIRED, 409 with `current_state` in every other.
pub const QR_CODE_MATCHES_STATE: &str = "qr-code-matches-state";
/// An error answer carries the code of the mistake the request made.
pub const ERROR_CODE_MATCHES_REQUEST: &str = "error-code-matches-request";
/// A confirmed send carries a real message id, not a placeholder.
pub const MESSAGE_ID_NOT_PLACEHOLDER: &str = "message-id-not-placeholder";

/// One broken rule: its name and what was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleBreak {
    /// The rule's name, one of this module's constants.
    pub rule: &'static str,
    /// What the answer said, against what the rule requires.
    pub detail: String,
}

impl fmt::Display for RuleBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {}: {}", self.rule, self.detail)
    }
}

fn broken(rule: &'static str, detail: String) -> Result<(), RuleBreak> {
    Err(RuleBreak { rule, detail })
}

/// The fields of a `/status` answer the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusFacts {
    /// `cliente_id`.
    pub cliente_id: u64,
    /// `state`.
    pub state: SessionState,
    /// `connected`.
    pub connected: bool,
    /// `can_send_messages`.
    pub can_send_messages: bool,
    /// `needs_qr`.
    pub needs_qr: bool,
}

impl StatusFacts {
    /// Read them from a `/status` body; `None` when one is missing or of another type (a
    /// shape problem, which the contract reports) or the state is unknown.
    pub fn from_json(value: &Value) -> Option<StatusFacts> {
        let flag = |k: &str| value.get(k).and_then(Value::as_bool);
        Some(StatusFacts {
            cliente_id: value.get("cliente_id").and_then(Value::as_u64)?,
            state: value.get("state").and_then(Value::as_str)?.parse().ok()?,
            connected: flag("connected")?,
            can_send_messages: flag("can_send_messages")?,
            needs_qr: flag("needs_qr")?,
        })
    }
}

/// A `/status` answer for `asked`: about that client, and self-consistent.
pub fn status_answer(asked: u64, facts: &StatusFacts) -> Result<(), RuleBreak> {
    let state = facts.state;
    if facts.cliente_id != asked {
        return broken(
            STATUS_ECHOES_CLIENT,
            format!(
                "asked about cliente_id {asked}, the answer is about cliente_id {}",
                facts.cliente_id
            ),
        );
    }
    // `connected` too: a consumer reading it instead of `state` would decide otherwise.
    let flags = [
        (
            "can_send_messages",
            facts.can_send_messages,
            state.can_send(),
            "only READY sends",
        ),
        (
            "connected",
            facts.connected,
            state.can_send(),
            "only READY is connected",
        ),
        (
            "needs_qr",
            facts.needs_qr,
            state.needs_qr(),
            "a QR is needed exactly in QR_REQUIRED, AUTH_FAILURE and DISCONNECTED_LOGOUT",
        ),
    ];
    for (field, said, implied, why) in flags {
        if said != implied {
            return broken(
                STATUS_STATE_CONSISTENT,
                format!("state {state} with {field} {said}; {why}"),
            );
        }
    }
    Ok(())
}

/// A `/qr-code` answer for a session known to be in `state`.
pub fn qr_code_answer(state: SessionState, status: u16, body: &Value) -> Result<(), RuleBreak> {
    let qr_required = state == SessionState::QrRequired;
    match status {
        200 | 404 if !qr_required => broken(
            QR_CODE_MATCHES_STATE,
            format!(
                "the session is {state}, yet /qr-code answered {status}; every state but \
                 QR_REQUIRED answers 409 QR_NOT_REQUIRED"
            ),
        ),
        409 if qr_required => broken(
            QR_CODE_MATCHES_STATE,
            "the session is QR_REQUIRED, yet /qr-code answered 409 QR_NOT_REQUIRED; it answers \
             the QR (200) or, before the QR exists, 404 QR_NOT_AVAILABLE"
                .into(),
        ),
        409 => {
            let current = body.get("current_state").and_then(Value::as_str);
            if current == Some(state.as_str()) {
                Ok(())
            } else {
                broken(
                    QR_CODE_MATCHES_STATE,
                    format!(
                        "the session is {state}, yet /qr-code's current_state is {}",
                        current.map_or("missing".into(), |c| format!("{c:?}"))
                    ),
                )
            }
        }
        _ => Ok(()),
    }
}

/// The error code of a v1 error answer, in either envelope: `{error: true, code}` or
/// `/qr-code`'s `{error: CODE}`.
pub fn error_code(value: &Value) -> Option<&str> {
    match value.get("error") {
        Some(Value::Bool(true)) => value.get("code").and_then(Value::as_str),
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    }
}

/// A mistake a request makes on purpose, to provoke one documented error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provocation {
    /// `X-Cliente-Id` left out.
    MissingHeader,
    /// `X-Cliente-Id` that is not a positive integer.
    InvalidHeader,
    /// A body without the required fields.
    InvalidBody,
}

impl Provocation {
    /// The code the provider must answer with.
    pub fn expected_code(self) -> &'static str {
        match self {
            Provocation::MissingHeader => "MISSING_HEADER",
            Provocation::InvalidHeader => "INVALID_HEADER",
            Provocation::InvalidBody => "INVALID_REQUEST",
        }
    }
}

/// An error answer to a request that made mistake `p` names that mistake.
pub fn provoked_code(p: Provocation, body: &Value) -> Result<(), RuleBreak> {
    let expected = p.expected_code();
    match error_code(body) {
        Some(code) if code == expected => Ok(()),
        found => broken(
            ERROR_CODE_MATCHES_REQUEST,
            format!(
                "the request called for {expected}, the answer says {}",
                found.map_or("no code".into(), |c| crate::report::printable(c, 60))
            ),
        ),
    }
}

/// The `message_id` of a confirmed send is a real id: a placeholder (`undefined`, `null`,
/// empty, `sent-via-ui`, ...) means the row would be marked sent without proof.
pub fn message_id(id: &str) -> Result<(), RuleBreak> {
    if is_sentinel_message_id(id) {
        return broken(
            MESSAGE_ID_NOT_PLACEHOLDER,
            format!(
                "message_id {:?} is a placeholder, not a WhatsApp id: nothing proves the message went out",
                crate::report::printable(id, 60)
            ),
        );
    }
    Ok(())
}

//! Typed views of validated answers, and the instance-id grammar.

use crate::session::SessionState;

use super::error::AdapterError;

/// `/health`'s answer from a session-manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// Always `ok` on 200.
    pub status: String,
    /// Always `session-manager` (checked).
    pub service: String,
    /// Always NOT_INITIALIZED in v1 (no client id): not a readiness signal.
    pub whatsapp_state: SessionState,
}

/// `/status`'s answer: one client's WhatsApp session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStatus {
    /// The client the session belongs to (checked to be the one asked for).
    pub cliente_id: u64,
    /// Whether WhatsApp Web is connected (READY only).
    pub connected: bool,
    /// The session state.
    pub state: SessionState,
    /// Drops counted so far.
    pub reconnection_attempts: u64,
    /// The provider's limit of drops (3).
    pub max_reconnection_attempts: u64,
    /// Whether `/send` would be accepted (checked to equal `state == READY`).
    pub can_send_messages: bool,
    /// Whether a person must scan a QR.
    pub needs_qr: bool,
    /// Whether the provider recovers by itself.
    pub is_recoverable: bool,
    /// The provider's advice, e.g. `Scan QR code to authenticate`.
    pub recommended_action: String,
    /// The current QR as a data URL, when there is one.
    pub qr_code_base64: Option<String>,
    /// Why the QR could not be rendered, when the provider says so.
    pub qr_error: Option<String>,
    /// The provider's note for NOT_INITIALIZED.
    pub error: Option<String>,
}

/// The session shape central-hub's scheduler expects, for an instance id `sender_{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The instance id asked for, e.g. `sender_51`.
    pub instance_id: String,
    /// The client it names.
    pub cliente_id: u64,
    /// True only in READY: the one state that sends.
    pub ready: bool,
    /// Whether a person must scan a QR.
    pub needs_qr: bool,
    /// Whether waiting helps.
    pub recoverable: bool,
    /// The provider's state.
    pub state: SessionState,
}

/// A send the provider confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// WhatsApp's id for the message (non-empty, not a sentinel).
    pub message_id: String,
}

/// Message ids that drifted providers returned instead of a real id; a send answered with
/// one of these (compared case-insensitively, after trimming) is a protocol error.
pub const SENTINEL_MESSAGE_IDS: &[&str] = &[
    "sent-via-ui",
    "undefined",
    "null",
    "none",
    "nil",
    "nan",
    "[object object]",
    "true",
    "false",
    "0",
    "ok",
    "sent",
    "message sent",
];

/// Whether `id` is a placeholder rather than a message id.
pub fn is_sentinel_message_id(id: &str) -> bool {
    let id = id.trim();
    id.is_empty()
        || SENTINEL_MESSAGE_IDS
            .iter()
            .any(|s| s.eq_ignore_ascii_case(id))
}

/// The prefix of central-hub's instance ids.
pub use crate::domain::INSTANCE_PREFIX;

/// Parse central-hub's instance id `sender_{cliente_id}`.
///
/// Grammar: exactly `sender_` followed by a positive decimal integer that fits in `u64`,
/// with no sign, no whitespace and **no leading zeros**. Leading zeros are refused so that
/// each client has exactly one instance id (`sender_051` and `sender_51` must not both mean
/// client 51).
///
/// ```
/// use lmh::adapter::parse_instance_id;
/// assert_eq!(parse_instance_id("sender_51").unwrap(), 51);
/// assert!(parse_instance_id("sender_051").is_err());
/// assert!(parse_instance_id("sender_0").is_err());
/// assert!(parse_instance_id("51").is_err());
/// ```
pub fn parse_instance_id(instance_id: &str) -> Result<u64, AdapterError> {
    let fail = |reason: &str| {
        Err(AdapterError::validation(
            "instance id",
            Some(instance_id.to_string()),
            format!(
                "{reason}; an instance id is `sender_` followed by the positive cliente_id \
                 without leading zeros, e.g. sender_51"
            ),
        ))
    };
    let Some(digits) = instance_id.strip_prefix(INSTANCE_PREFIX) else {
        return fail("it does not start with `sender_`");
    };
    if digits.is_empty() {
        return fail("the cliente_id after `sender_` is missing");
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return fail("the cliente_id after `sender_` is not a plain decimal number");
    }
    if digits.starts_with('0') {
        return fail("the cliente_id is zero or has leading zeros");
    }
    match digits.parse::<u64>() {
        Ok(n) => Ok(n),
        Err(_) => fail("the cliente_id does not fit in 64 bits"),
    }
}

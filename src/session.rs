//! The session-manager's session states (docs/system.md §2) and what each one means.

use std::fmt;
use std::str::FromStr;

/// A WhatsApp session state as the v1 session-manager reports it in `/status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SessionState {
    /// Pseudo-state: no session in the provider's map yet.
    NotInitialized,
    /// First start, nothing on disk.
    Initializing,
    /// Restoring a session saved on disk.
    Reconnecting,
    /// Connected: the only state that sends.
    Ready,
    /// Waiting for a phone to scan the QR.
    QrRequired,
    /// Authentication failed.
    AuthFailure,
    /// Temporary drop (counted, max 3).
    DisconnectedRecoverable,
    /// Logged out, or opened elsewhere.
    DisconnectedLogout,
    /// Number banned.
    DisconnectedBanned,
    /// Technical error, or more than 3 drops.
    Error,
}

/// The provider gives up reconnecting after this many drops.
pub const MAX_RECONNECTION_ATTEMPTS: u32 = 3;

impl SessionState {
    /// Every state, in the order of docs/system.md §2.
    pub const ALL: [SessionState; 10] = [
        SessionState::NotInitialized,
        SessionState::Initializing,
        SessionState::Reconnecting,
        SessionState::Ready,
        SessionState::QrRequired,
        SessionState::AuthFailure,
        SessionState::DisconnectedRecoverable,
        SessionState::DisconnectedLogout,
        SessionState::DisconnectedBanned,
        SessionState::Error,
    ];

    /// The wire name, e.g. `READY`.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::NotInitialized => "NOT_INITIALIZED",
            SessionState::Initializing => "INITIALIZING",
            SessionState::Reconnecting => "RECONNECTING",
            SessionState::Ready => "READY",
            SessionState::QrRequired => "QR_REQUIRED",
            SessionState::AuthFailure => "AUTH_FAILURE",
            SessionState::DisconnectedRecoverable => "DISCONNECTED_RECOVERABLE",
            SessionState::DisconnectedLogout => "DISCONNECTED_LOGOUT",
            SessionState::DisconnectedBanned => "DISCONNECTED_BANNED",
            SessionState::Error => "ERROR",
        }
    }

    /// Only READY sends (and reports `connected`).
    pub fn can_send(self) -> bool {
        self == SessionState::Ready
    }

    /// Whether a person must scan a QR.
    pub fn needs_qr(self) -> bool {
        matches!(
            self,
            SessionState::QrRequired | SessionState::AuthFailure | SessionState::DisconnectedLogout
        )
    }

    /// Whether the provider recovers by itself if you wait.
    pub fn is_recoverable(self) -> bool {
        matches!(
            self,
            SessionState::Initializing
                | SessionState::Reconnecting
                | SessionState::DisconnectedRecoverable
        )
    }

    /// The provider's `recommended_action` text for this state.
    pub fn recommended_action(self) -> &'static str {
        match self {
            SessionState::Initializing => "Initializing for first time - wait",
            SessionState::Reconnecting => "Recovering existing session - wait",
            SessionState::Ready => "Session operational - can send messages",
            SessionState::QrRequired => "Scan QR code to authenticate",
            SessionState::AuthFailure => "Restart service and scan new QR",
            SessionState::DisconnectedRecoverable => "Auto-reconnecting - wait",
            SessionState::DisconnectedLogout => "User logged out - restart and scan QR",
            SessionState::DisconnectedBanned => "Number banned - contact WhatsApp support",
            SessionState::Error => "Technical error - check logs",
            SessionState::NotInitialized => "Unknown state",
        }
    }
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state name that is not one of the ten v1 states.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown session state {0:?}; expected one of NOT_INITIALIZED, INITIALIZING, RECONNECTING, READY, QR_REQUIRED, AUTH_FAILURE, DISCONNECTED_RECOVERABLE, DISCONNECTED_LOGOUT, DISCONNECTED_BANNED, ERROR"
)]
pub struct UnknownState(pub String);

impl FromStr for SessionState {
    type Err = UnknownState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SessionState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownState(s.to_string()))
    }
}

/// Parse `X-Cliente-Id` as the real service does: JavaScript `parseInt` (leading whitespace,
/// optional sign, leading digits; the rest ignored), then it must be a positive integer.
///
/// ```
/// use lmh::session::parse_cliente_id_header;
/// assert_eq!(parse_cliente_id_header("51"), Some(51));
/// assert_eq!(parse_cliente_id_header("51abc"), Some(51));
/// assert_eq!(parse_cliente_id_header("abc"), None);
/// assert_eq!(parse_cliente_id_header("0"), None);
/// assert_eq!(parse_cliente_id_header("-3"), None);
/// ```
pub fn parse_cliente_id_header(value: &str) -> Option<u64> {
    let s = value.trim_start();
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let digits = &digits[..end];
    if digits.is_empty() || negative {
        return None;
    }
    // parseInt of a huge number is still a positive number in JS; saturate rather than fail.
    let n = digits.parse::<u64>().unwrap_or(u64::MAX);
    (n > 0).then_some(n)
}

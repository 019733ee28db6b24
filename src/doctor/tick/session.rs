//! The client sessions the preview asks for, and what an unreadable one says about the
//! session-manager, in words.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::read::Row;
use crate::adapter::{AdapterError, ErrorKind, SessionManagerClient, Stage};
use crate::domain::instance_id;
use crate::session::SessionState;

/// What the session-manager said about one client's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCheck {
    /// Not asked: the client has no approved programación in its date range today.
    NotAsked,
    /// The session answered with this state (only READY sends).
    State(SessionState),
    /// The session could not be read; the adapter's classified error.
    Unreadable(AdapterError),
}

impl SessionCheck {
    /// True only for a READY session.
    pub fn is_ready(&self) -> bool {
        *self == SessionCheck::State(SessionState::Ready)
    }

    /// What the session gate judges: the state, or why it could not be read (completing
    /// "the session cannot be read: ...").
    pub(super) fn gate_input(&self, fallback_url: &str) -> Result<SessionState, String> {
        match self {
            SessionCheck::State(state) => Ok(*state),
            SessionCheck::Unreadable(e) => {
                let p = describe_session_error(e, fallback_url);
                Err(format!(
                    "the session-manager at {} {}",
                    p.base_url, p.phrase
                ))
            }
            SessionCheck::NotAsked => Err("it was not asked".to_string()),
        }
    }
}

/// One `GET /status` per client whose programaciones may run today (in their date range), as
/// the scheduler asks it: for `sender_{cliente_id}`.
pub(super) async fn ask_sessions(
    client: &SessionManagerClient,
    rows: &[Row],
    today: NaiveDate,
) -> BTreeMap<i64, SessionCheck> {
    let mut sessions = BTreeMap::new();
    for row in rows {
        let Some(cliente_id) = row.cliente_id else {
            continue;
        };
        if sessions.contains_key(&cliente_id) || !row.in_date_range(today) {
            continue;
        }
        let check = match instance_id(cliente_id) {
            None => SessionCheck::Unreadable(
                AdapterError::validation(
                    "cliente_id",
                    Some(cliente_id.to_string()),
                    "is not a positive integer; the scheduler asks for sender_{cliente_id}",
                )
                .with_request("GET", "/status", client.base_url(), None),
            ),
            Some(instance) => match client.get_session(&instance).await {
                Ok(session) => SessionCheck::State(session.state),
                Err(e) => SessionCheck::Unreadable(e),
            },
        };
        sessions.insert(cliente_id, check);
    }
    sessions
}

/// What an unreadable session says about the session-manager, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionProblem {
    /// The adapter's kind name (`transport`, `route_missing`, `protocol`, ...).
    pub kind: &'static str,
    /// Where the request went.
    pub base_url: String,
    /// Completes "the session-manager at URL ...", e.g. `refuses connections`.
    pub phrase: String,
    /// What to do about it.
    pub hint: String,
}

const PORT_HINT: &str = "point SESSION_MANAGER_BASE_URL at the host and port the session-manager \
                         really listens on (its PORT; `lmh config check` compares every source)";

/// Describe why a session could not be read, the way a person would say it.
pub fn describe_session_error(e: &AdapterError, fallback_url: &str) -> SessionProblem {
    let base_url = e.base_url().unwrap_or(fallback_url).to_string();
    let (phrase, hint) = match &e.kind {
        ErrorKind::Transport { stage, detail } => transport(*stage, detail),
        ErrorKind::Timeout { stage, limit } => timeout(*stage, limit.as_millis()),
        ErrorKind::RouteMissing { status, .. } => (
            format!("answers {status} to GET /status (route missing)"),
            "what answers there has no GET /status: it is not a v1 session-manager, or the base \
             URL carries a wrong path (the seed's consumer asked \
             /api/session-manager/sessions/sender_N, a route that never existed)"
                .into(),
        ),
        ErrorKind::Protocol(_) => (
            "answers GET /status outside the v1 contract (protocol error)".to_string(),
            format!(
                "the provider drifted from the contract the scheduler speaks (v2 answers \
                 {{status}} instead of {{state}}): {e}"
            ),
        ),
        ErrorKind::WrongService { found } => (
            format!("is not a session-manager ({found})"),
            PORT_HINT.to_string(),
        ),
        ErrorKind::Domain(d) => (
            format!("rejects GET /status ({d})"),
            "check the session-manager's logs".into(),
        ),
        ErrorKind::Validation { .. } => (
            format!("cannot be asked: {e}"),
            "fix the programación's cliente_id".into(),
        ),
    };
    SessionProblem {
        kind: e.kind_name(),
        base_url,
        phrase,
        hint,
    }
}

/// A connection refused, unreachable or dropped: phrase and hint.
fn transport(stage: Stage, detail: &str) -> (String, String) {
    if stage != Stage::Connect {
        return (
            format!("drops the connection during GET /status ({detail})"),
            "check the session-manager's logs and anything (proxy, firewall) in between".into(),
        );
    }
    let phrase = if detail.to_ascii_lowercase().contains("refused") {
        "refuses connections".to_string()
    } else {
        format!("cannot be reached ({detail})")
    };
    (phrase, format!("nothing answers there: {PORT_HINT}"))
}

/// No connection, or no answer, within the limit: phrase and hint.
fn timeout(stage: Stage, limit_ms: u128) -> (String, String) {
    if stage == Stage::Connect {
        return (
            format!("does not accept a connection within {limit_ms} ms"),
            format!("the host or port may be wrong: {PORT_HINT}"),
        );
    }
    (
        format!("does not answer GET /status within {limit_ms} ms"),
        "the session-manager accepts connections but hangs: check its logs".into(),
    )
}

//! The mock's WhatsApp sessions, one per client, created on demand as the real service does
//! and settling from INITIALIZING on their own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{MockConfig, lock};
use crate::session::{MAX_RECONNECTION_ATTEMPTS, SessionState};

/// One client's session inside the mock.
#[derive(Debug, Clone)]
struct ClientSession {
    state: SessionState,
    /// When set, the state becomes `.1` at `.0` (INITIALIZING settling).
    settles: Option<(Instant, SessionState)>,
    reconnection_attempts: u32,
    /// QR_REQUIRED, but the library has not produced a QR string yet.
    qr_pending: bool,
}

impl ClientSession {
    /// A session created by a request, in `state`, settling as `settles` says.
    fn new(state: SessionState, settles: Option<(Instant, SessionState)>) -> ClientSession {
        ClientSession {
            state,
            settles,
            reconnection_attempts: 0,
            qr_pending: false,
        }
    }

    /// A session put in `state` from outside, with the reconnection count that state implies.
    fn forced(state: SessionState) -> ClientSession {
        let reconnection_attempts = match state {
            SessionState::DisconnectedRecoverable => 1,
            SessionState::Error => MAX_RECONNECTION_ATTEMPTS,
            _ => 0,
        };
        ClientSession {
            reconnection_attempts,
            ..ClientSession::new(state, None)
        }
    }

    fn current(&mut self, now: Instant) -> SessionState {
        if let Some((at, to)) = self.settles
            && now >= at
        {
            self.state = to;
            self.settles = None;
        }
        self.state
    }
}

/// Every client's session, and how a new one starts.
pub(super) struct Sessions {
    clients: Mutex<HashMap<u64, ClientSession>>,
    /// The state a new session is created in; `None`: INITIALIZING, settling as below.
    new_state: Option<SessionState>,
    ready_after: Duration,
    settles_to: SessionState,
}

impl Sessions {
    /// No session yet; new ones start as `config` says.
    pub fn new(config: &MockConfig) -> Sessions {
        Sessions {
            clients: Mutex::new(HashMap::new()),
            new_state: config.new_client_state,
            ready_after: config.ready_after,
            settles_to: config.settles_to,
        }
    }

    /// Put a client in `state` now (NOT_INITIALIZED forgets it, as a restart does).
    pub fn force(&self, cliente_id: u64, state: SessionState) {
        let mut clients = lock(&self.clients);
        if state == SessionState::NotInitialized {
            clients.remove(&cliente_id);
        } else {
            clients.insert(cliente_id, ClientSession::forced(state));
        }
    }

    /// Mark a client's QR_REQUIRED session as still waiting for the library's QR string.
    pub fn set_qr_pending(&self, cliente_id: u64) {
        if let Some(c) = lock(&self.clients).get_mut(&cliente_id) {
            c.qr_pending = true;
        }
    }

    /// A client's current state, without creating its session (NOT_INITIALIZED if none).
    pub fn state(&self, cliente_id: u64, now: Instant) -> SessionState {
        lock(&self.clients)
            .get_mut(&cliente_id)
            .map_or(SessionState::NotInitialized, |c| c.current(now))
    }

    /// The session of `cliente_id`, created on demand as the real service does.
    /// Returns the state the answer reports (NOT_INITIALIZED on the creating request).
    pub fn touch(&self, cliente_id: u64, now: Instant) -> SessionState {
        let mut clients = lock(&self.clients);
        if let Some(c) = clients.get_mut(&cliente_id) {
            return c.current(now);
        }
        let (session, reported) = match self.new_state {
            Some(state) => (ClientSession::new(state, None), state),
            None => (
                ClientSession::new(
                    SessionState::Initializing,
                    Some((now + self.ready_after, self.settles_to)),
                ),
                SessionState::NotInitialized,
            ),
        };
        clients.insert(cliente_id, session);
        reported
    }

    /// The state of the one session a single-session provider (v2) keeps: the lowest client
    /// id's, INITIALIZING while there is none.
    pub fn first_state(&self, now: Instant) -> SessionState {
        let mut clients = lock(&self.clients);
        let first = clients.keys().min().copied();
        first
            .and_then(|id| clients.get_mut(&id))
            .map_or(SessionState::Initializing, |c| c.current(now))
    }

    /// Whether the client's QR is not produced yet.
    pub fn qr_pending(&self, cliente_id: u64) -> bool {
        lock(&self.clients)
            .get(&cliente_id)
            .is_some_and(|c| c.qr_pending)
    }

    /// How many times the client's session tried to reconnect.
    pub fn reconnection_attempts(&self, cliente_id: u64) -> u32 {
        lock(&self.clients)
            .get(&cliente_id)
            .map_or(0, |c| c.reconnection_attempts)
    }
}

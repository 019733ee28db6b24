//! The running mock: a wiremock server on loopback with one responder, and the state every
//! request shares (sessions, faults, journal, clock).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Instant;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

use super::faults::Faults;
use super::respond::Responder;
use super::sessions::Sessions;
use super::{Fault, MockConfig, MockError, lock};
use crate::clock::Clock;
use crate::contract::Contract;
use crate::journal::{Journal, JournalEntry, JournalWriter};
use crate::session::SessionState;

/// What every request to one mock shares.
pub(crate) struct Shared {
    pub(super) config: MockConfig,
    pub(super) contract: Contract,
    pub(super) sessions: Sessions,
    pub(super) faults: Faults,
    journal: Mutex<Journal>,
    file: Option<JournalWriter>,
    seq: AtomicU64,
    sent: AtomicU64,
    /// Journal timestamps come from here, so a virtual clock shared with a scheduler dates
    /// each request in the scheduler's time.
    clock: Mutex<Clock>,
    /// Makes this mock's message ids differ from another's.
    id_prefix: String,
}

impl Shared {
    /// The next journal sequence number and the time to date the entry by.
    pub(super) fn next_entry(&self) -> (u64, chrono::DateTime<chrono::Utc>) {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        (seq, lock(&self.clock).now())
    }

    /// Keep `entry`, and append it to the journal file if there is one.
    pub(super) fn record(&self, entry: JournalEntry) {
        if let Some(file) = &self.file {
            // A journal that cannot be written must not stop the answer; the in-memory one stays.
            let _ = file.append(&entry);
        }
        lock(&self.journal).push(entry);
    }

    /// A new message id for a send to `chat`, unique in this mock and across mocks, shaped as
    /// whatsapp-web.js makes them (`true_<chat>_3EB0...`).
    pub(super) fn next_message_id(&self, chat: &str) -> String {
        let n = self.sent.fetch_add(1, Ordering::SeqCst) + 1;
        format!("true_{chat}_3EB0{}{n:08X}", self.id_prefix)
    }

    /// The journal entries that pass `keep`.
    fn entries(&self, keep: impl Fn(&JournalEntry) -> bool) -> Journal {
        lock(&self.journal)
            .iter()
            .filter(|e| keep(e))
            .cloned()
            .collect()
    }
}

/// A running mock session-manager; stops when dropped.
pub struct MockSessionManager {
    server: MockServer,
    shared: Arc<Shared>,
}

impl MockSessionManager {
    /// Start a v1 mock on a free loopback port, with the real service's defaults.
    pub async fn start() -> MockSessionManager {
        MockSessionManager::start_with(MockConfig::default())
            .await
            .expect("binding 127.0.0.1:0 cannot fail")
    }

    /// Start a mock with the given configuration.
    pub async fn start_with(config: MockConfig) -> Result<MockSessionManager, MockError> {
        quiet_dropped_connection_panics();
        let listener =
            std::net::TcpListener::bind(config.bind).map_err(|source| MockError::Bind {
                addr: config.bind,
                source,
            })?;
        let file = match &config.journal_file {
            Some(path) => Some(JournalWriter::open(path)?),
            None => None,
        };
        let shared = Arc::new(Shared {
            contract: config.profile.contract(),
            sessions: Sessions::new(&config),
            config,
            faults: Faults::default(),
            journal: Mutex::new(Vec::new()),
            file,
            seq: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            clock: Mutex::new(Clock::System),
            id_prefix: format!("{:08X}", fastrand::u32(..)),
        });
        let server = MockServer::builder().listener(listener).start().await;
        Mock::given(any())
            .respond_with(Responder(shared.clone()))
            .mount(&server)
            .await;
        Ok(MockSessionManager { server, shared })
    }

    /// Base URL, e.g. `http://127.0.0.1:43121`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        *self.server.address()
    }

    /// The contract this mock answers by.
    pub fn contract(&self) -> &Contract {
        &self.shared.contract
    }

    /// Date journal entries by `clock` (e.g. the virtual clock a scheduler runs on).
    pub fn set_clock(&self, clock: Clock) {
        *lock(&self.shared.clock) = clock;
    }

    /// Put a client's session in `state` (creating it), as if the provider had got there.
    pub fn set_state(&self, cliente_id: u64, state: SessionState) {
        self.shared.sessions.force(cliente_id, state);
    }

    /// Put a client's session in QR_REQUIRED before the library has produced a QR: `/qr-code`
    /// answers 404 QR_NOT_AVAILABLE and `/status` has no `qr_code_base64` until
    /// [`MockSessionManager::set_state`] is called again.
    pub fn set_qr_pending(&self, cliente_id: u64) {
        self.set_state(cliente_id, SessionState::QrRequired);
        self.shared.sessions.set_qr_pending(cliente_id);
    }

    /// A client's current state, as `/status` would report it (without creating it).
    pub fn state(&self, cliente_id: u64) -> SessionState {
        self.shared.sessions.state(cliente_id, Instant::now())
    }

    /// Add a fault; faults are tried in the order added, the first that applies wins.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.push(fault);
    }

    /// Remove every fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Every request received so far.
    pub fn journal(&self) -> Journal {
        self.shared.entries(|_| true)
    }

    /// Forget the journal (the sessions stay).
    pub fn clear_journal(&self) {
        lock(&self.shared.journal).clear();
    }

    /// Journal entries of `/send` calls the provider carried out (a message went out).
    pub fn deliveries(&self) -> Vec<JournalEntry> {
        self.shared.entries(JournalEntry::delivered)
    }

    /// Journal entries for routes the contract does not have.
    pub fn unknown_routes(&self) -> Vec<JournalEntry> {
        self.shared.entries(|e| e.unknown_route)
    }
}

/// hyper debug-asserts on the short body that [`super::FaultKind::DropConnection`] relies on;
/// the assertion only kills that connection's task, which is the point, so keep it off stderr.
fn quiet_dropped_connection_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !message.contains("custom content-length header claims") {
                previous(info);
            }
        }));
    });
}

//! A mock session-manager on loopback, built on wiremock and driven by the contract.
//!
//! It answers like the real v1 service (docs/system.md §2): per-client sessions created on demand,
//! the documented bodies and status codes, the odd error envelopes included. Each answer is
//! checked against the contract as it leaves, and every request lands in a [`Journal`] with the
//! operation it matched, or flagged as an unknown route. Faults can be injected per route.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use lmh::mock::MockSessionManager;
//! use lmh::session::SessionState;
//!
//! let mock = MockSessionManager::start().await;
//! mock.set_state(51, SessionState::Ready);
//! let status: serde_json::Value = lmh::http_client().build().unwrap()
//!     .get(format!("{}/status", mock.uri()))
//!     .header("X-Cliente-Id", "51")
//!     .send().await.unwrap()
//!     .json().await.unwrap();
//! assert_eq!(status["state"], "READY");
//! assert_eq!(mock.journal()[0].operation.as_deref(), Some("status"));
//! # }
//! ```

pub(crate) mod answers;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::clock::Clock;
use crate::contract::{Contract, ContractVersion, VERSIONS, versions};
use crate::session::{MAX_RECONNECTION_ATTEMPTS, SessionState, parse_cliente_id_header};
use answers::{Answer, Call, Reply};

/// Which provider the mock plays: a row of the contract version table
/// ([`crate::contract::VERSIONS`]).
#[derive(Clone, Copy)]
pub struct Profile(&'static ContractVersion);

impl Profile {
    /// The seed-era service, `contracts/session-manager.v1.yaml`.
    pub const V1: Profile = Profile(&versions::V1);
    /// The drifted service of March 2026, `contracts/session-manager.v2.yaml`.
    pub const V2: Profile = Profile(&versions::V2);

    /// The contract this profile answers by.
    pub fn contract(self) -> Contract {
        self.0.contract()
    }

    /// The row of the version table it plays.
    pub fn version(self) -> &'static ContractVersion {
        self.0
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile::V1
    }
}

impl PartialEq for Profile {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for Profile {}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // As the enum it replaced printed: `V1`.
        f.write_str(&self.0.name.to_uppercase())
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match crate::contract::version(s) {
            Some(v) => Ok(Profile(v)),
            None => {
                let known: Vec<String> = VERSIONS
                    .iter()
                    .map(|v| format!("{} ({})", v.name, v.about))
                    .collect();
                Err(format!(
                    "unknown mock profile {s:?}; use {}",
                    known.join(" or ")
                ))
            }
        }
    }
}

/// How the mock behaves; every field has a default that mirrors the real service.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Which service to play.
    pub profile: Profile,
    /// Address to bind; loopback with a free port by default.
    pub bind: SocketAddr,
    /// State an unknown client's session is created in. `None` mirrors the real service:
    /// NOT_INITIALIZED on the first answer, INITIALIZING, then [`MockConfig::settles_to`].
    pub new_client_state: Option<SessionState>,
    /// How long a new session stays INITIALIZING.
    pub ready_after: Duration,
    /// What a new session becomes after `ready_after`: READY, or QR_REQUIRED.
    pub settles_to: SessionState,
    /// Append every journal entry to this file as a JSON line, as requests arrive.
    pub journal_file: Option<PathBuf>,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            profile: Profile::V1,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            new_client_state: None,
            ready_after: Duration::ZERO,
            settles_to: SessionState::Ready,
            journal_file: None,
        }
    }
}

/// Why the mock could not start.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}; pick another --port or stop what holds it")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The journal file could not be opened.
    #[error(transparent)]
    Journal(#[from] crate::files::WriteError),
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultScope {
    /// Operation id (`status`, `send`, ...); `None` for every route.
    pub operation: Option<String>,
    /// Only this client; `None` for every client.
    pub cliente_id: Option<u64>,
    /// Only the first `times` matching requests; `None` for all of them.
    pub times: Option<u32>,
}

/// Something the mock does wrong on purpose.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer normally, but this late (a `/send` still goes out: the outcome is unknown to a
    /// client that times out first).
    Latency(Duration),
    /// Answer with this status and body instead (`None`: `{"error":true,"code":"INJECTED"...}`).
    Status(u16, Option<Value>),
    /// Answer 200 with a truncated JSON body.
    MalformedJson,
    /// Answer 200 with an HTML page.
    NonJson,
    /// Close the connection in the middle of the answer (after the request was processed).
    DropConnection,
    /// `/send` fails with 500 SEND_FAILED while `/status` still says READY: the library lost
    /// its page (a session-level failure).
    SendFailsWhileReady,
    /// `/send` fails with 500 SEND_FAILED because the number is not on WhatsApp (a
    /// recipient-level failure).
    SendFailsForRecipient,
    /// `/send` answers 200 `{success:true, message:"Message sent"}`: no `ok`, no id.
    SendSuccessWithoutId,
    /// `/send` answers 200 with the constant id `sent-via-ui` for every message.
    SendConstantId,
    /// Answer normally. Placed before another fault with `times(n)`, it lets the first `n`
    /// matching requests through, so the next fault hits a request in the middle of a batch.
    Pass,
    /// Close the connection before the request is carried out: a `/send` delivers nothing.
    ResetBeforeDelivery,
    /// `/send` delivers the message, then answers 500 SEND_FAILED with a non-recipient reason
    /// (the browser crashed after WhatsApp took the message).
    SendFailsAfterDelivery,
    /// The client's session leaves READY for this state, and this request is answered in it
    /// (a session dropping out in the middle of a batch).
    SessionDropsOut(SessionState),
}

/// A fault with its scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Which requests it applies to.
    pub scope: FaultScope,
    /// What goes wrong.
    pub kind: FaultKind,
}

impl Fault {
    /// A fault on one operation, for every client, every time.
    pub fn on(operation: &str, kind: FaultKind) -> Fault {
        Fault {
            scope: FaultScope {
                operation: Some(operation.to_string()),
                ..FaultScope::default()
            },
            kind,
        }
    }
    /// The same fault, limited to the first `n` matching requests.
    pub fn times(mut self, n: u32) -> Fault {
        self.scope.times = Some(n);
        self
    }
    /// The same fault, limited to one client.
    pub fn for_client(mut self, cliente_id: u64) -> Fault {
        self.scope.cliente_id = Some(cliente_id);
        self
    }
    fn label(&self) -> String {
        format!("{:?}", self.kind)
    }
}

/// One request the mock received and what it answered.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct JournalEntry {
    /// Order of arrival, from 1.
    pub seq: u64,
    /// Arrival time, RFC 3339 UTC.
    pub at: String,
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Query string, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Request headers (lower-case names; repeated headers joined with `, `).
    pub headers: BTreeMap<String, String>,
    /// Request body, lossily decoded.
    pub body: String,
    /// The contract operation it matched; `None` for an unknown route.
    pub operation: Option<String>,
    /// True when no operation of the contract matches.
    pub unknown_route: bool,
    /// The client the provider understood from `X-Cliente-Id`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cliente_id: Option<u64>,
    /// Status answered.
    pub status: u16,
    /// Body answered.
    pub response: String,
    /// For a `/send` the provider carried out: the message id it gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The injected fault that shaped the answer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    /// Why the answer breaks the contract, when it does (only expected with a fault).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<String>,
}

impl JournalEntry {
    /// `METHOD /path`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
    /// The JSON body the consumer sent, if it was JSON.
    pub fn json_body(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// Requests received, in order.
pub type Journal = Vec<JournalEntry>;

/// Journals bigger than this are refused.
pub const MAX_JOURNAL_BYTES: u64 = 256 * 1024 * 1024;

/// Read a journal written as JSON lines (by `lmh mock serve --journal`), streaming: one line is
/// held at a time besides the entries.
pub fn read_journal(path: &Path) -> Result<Journal, String> {
    let mut journal = Journal::new();
    crate::files::for_each_line::<String>(path, MAX_JOURNAL_BYTES, "journal", |number, line| {
        if line.trim().is_empty() {
            return Ok(());
        }
        let entry = serde_json::from_str(line).map_err(|e| {
            format!(
                "journal {}:{number}: not a journal entry: {e}; expected one JSON object per line as `lmh mock serve --journal` writes",
                path.display(),
            )
        })?;
        journal.push(entry);
        Ok(())
    })?;
    Ok(journal)
}

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

pub(crate) struct Shared {
    config: MockConfig,
    contract: Contract,
    clients: Mutex<HashMap<u64, ClientSession>>,
    faults: Mutex<Vec<(Fault, u32)>>,
    journal: Mutex<Journal>,
    sink: Option<Mutex<std::fs::File>>,
    seq: AtomicU64,
    sent: AtomicU64,
    /// Journal timestamps come from here, so a virtual clock shared with a scheduler dates
    /// each request in the scheduler's time.
    clock: Mutex<Clock>,
    id_prefix: String,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the mock down with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
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
        let sink = match &config.journal_file {
            Some(path) => Some(Mutex::new(
                crate::files::open_append_file(path, "journal").map_err(MockError::Journal)?,
            )),
            None => None,
        };
        let shared = Arc::new(Shared {
            contract: config.profile.contract(),
            config,
            clients: Mutex::new(HashMap::new()),
            faults: Mutex::new(Vec::new()),
            journal: Mutex::new(Vec::new()),
            sink,
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
        self.shared.force_state(cliente_id, state);
    }

    /// Put a client's session in QR_REQUIRED before the library has produced a QR: `/qr-code`
    /// answers 404 QR_NOT_AVAILABLE and `/status` has no `qr_code_base64` until
    /// [`MockSessionManager::set_state`] is called again.
    pub fn set_qr_pending(&self, cliente_id: u64) {
        self.set_state(cliente_id, SessionState::QrRequired);
        if let Some(c) = lock(&self.shared.clients).get_mut(&cliente_id) {
            c.qr_pending = true;
        }
    }

    /// A client's current state, as `/status` would report it (without creating it).
    pub fn state(&self, cliente_id: u64) -> SessionState {
        let mut clients = lock(&self.shared.clients);
        clients
            .get_mut(&cliente_id)
            .map(|c| c.current(Instant::now()))
            .unwrap_or(SessionState::NotInitialized)
    }

    /// Add a fault; faults are tried in the order added, the first that applies wins.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push((fault, 0));
    }

    /// Remove every fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every request received so far.
    pub fn journal(&self) -> Journal {
        lock(&self.shared.journal).clone()
    }

    /// Forget the journal (the sessions stay).
    pub fn clear_journal(&self) {
        lock(&self.shared.journal).clear();
    }

    /// Journal entries of `/send` calls the provider carried out (a message went out).
    pub fn deliveries(&self) -> Vec<JournalEntry> {
        lock(&self.shared.journal)
            .iter()
            .filter(|e| e.message_id.is_some())
            .cloned()
            .collect()
    }

    /// Journal entries for routes the contract does not have.
    pub fn unknown_routes(&self) -> Vec<JournalEntry> {
        lock(&self.shared.journal)
            .iter()
            .filter(|e| e.unknown_route)
            .cloned()
            .collect()
    }
}

/// The one wiremock responder: routes by the contract, applies faults, journals.
struct Responder(Arc<Shared>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let shared = &self.0;
        let now = Instant::now();
        let method = request.method.as_str().to_string();
        let path = request.url.path().to_string();
        let operation = shared
            .contract
            .find_operation(&method, &path)
            .map(|op| op.id.clone());
        let header = request
            .headers
            .get("x-cliente-id")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let cliente_id = header.as_deref().and_then(parse_cliente_id_header);
        let fault = shared.take_fault(operation.as_deref(), cliente_id);
        if let (
            Some(Fault {
                kind: FaultKind::SessionDropsOut(state),
                ..
            }),
            Some(id),
        ) = (&fault, cliente_id)
        {
            shared.force_state(id, *state);
        }

        let call = Call {
            operation: operation.as_deref(),
            request,
            header: header.as_deref(),
            now,
            fault: fault.as_ref(),
        };
        let (mut template, status, response, message_id, media) =
            match (shared.config.profile.version().answers)(shared, &call) {
                Reply::Json(answer) => {
                    let media = match fault.as_ref().map(|f| &f.kind) {
                        Some(FaultKind::NonJson) => "text/html",
                        _ => "application/json",
                    };
                    let (template, status, response, message_id) =
                        shared.render(answer, fault.as_ref());
                    (template, status, response, message_id, media)
                }
                Reply::Raw(status, body, html) => {
                    let media = if html {
                        "text/html"
                    } else {
                        "application/json"
                    };
                    let template = ResponseTemplate::new(status).set_body_raw(
                        body.clone().into_bytes(),
                        format!("{media}; charset=utf-8").as_str(),
                    );
                    (template, status, body, None, media)
                }
            };
        let violation = shared
            .contract
            .check_exchange(&method, &path, status, Some(media), response.as_bytes())
            .err()
            .map(|e| e.to_string());
        if let Some(Fault {
            kind: FaultKind::Latency(d),
            ..
        }) = &fault
        {
            template = template.set_delay(*d);
        }

        let entry = JournalEntry {
            seq: shared.seq.fetch_add(1, Ordering::SeqCst) + 1,
            at: lock(&shared.clock)
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            method,
            path,
            query: request.url.query().map(str::to_string),
            headers: headers_map(request),
            body: String::from_utf8_lossy(&request.body).into_owned(),
            unknown_route: operation.is_none(),
            operation,
            cliente_id: if shared.config.profile.version().per_client_sessions {
                cliente_id
            } else {
                None
            },
            status,
            response,
            message_id,
            fault: fault.as_ref().map(Fault::label),
            violation,
        };
        shared.record(entry);
        template
    }
}

fn headers_map(request: &Request) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &request.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        out.entry(name.as_str().to_string())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    out
}

/// A body declared as JSON that does not parse: express.json() throws on it before routing.
fn malformed_json_body(request: &Request) -> bool {
    let declared_json = request
        .headers
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap_or("").contains("json"));
    declared_json
        && !request.body.is_empty()
        && serde_json::from_slice::<Value>(&request.body).is_err()
}

fn error_envelope(code: &str, message: &str) -> Value {
    json!({"error": true, "code": code, "message": message})
}

impl Shared {
    /// Put a client in `state` now (NOT_INITIALIZED forgets it, as a restart does).
    fn force_state(&self, cliente_id: u64, state: SessionState) {
        let mut clients = lock(&self.clients);
        if state == SessionState::NotInitialized {
            clients.remove(&cliente_id);
            return;
        }
        let reconnection_attempts = match state {
            SessionState::DisconnectedRecoverable => 1,
            SessionState::Error => MAX_RECONNECTION_ATTEMPTS,
            _ => 0,
        };
        clients.insert(
            cliente_id,
            ClientSession {
                state,
                settles: None,
                reconnection_attempts,
                qr_pending: false,
            },
        );
    }

    fn take_fault(&self, operation: Option<&str>, cliente_id: Option<u64>) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        for (fault, used) in faults.iter_mut() {
            let s = &fault.scope;
            let applies = s.operation.as_deref().is_none_or(|o| Some(o) == operation)
                && s.cliente_id.is_none_or(|c| Some(c) == cliente_id)
                && s.times.is_none_or(|t| *used < t);
            if applies {
                *used += 1;
                return Some(fault.clone());
            }
        }
        None
    }

    fn record(&self, entry: JournalEntry) {
        if let Some(sink) = &self.sink
            && let Ok(line) = serde_json::to_string(&entry)
        {
            // A journal that cannot be written must not stop the answer; the in-memory one stays.
            let mut file = lock(sink);
            let _ = writeln!(file, "{line}");
            let _ = file.flush();
        }
        lock(&self.journal).push(entry);
    }

    /// The session of `cliente_id`, created on demand as the real service does.
    /// Returns the state the answer reports (NOT_INITIALIZED on the creating request).
    fn touch(&self, cliente_id: u64, now: Instant) -> SessionState {
        let mut clients = lock(&self.clients);
        if let Some(c) = clients.get_mut(&cliente_id) {
            return c.current(now);
        }
        let session = match self.config.new_client_state {
            Some(state) => ClientSession {
                state,
                settles: None,
                reconnection_attempts: 0,
                qr_pending: false,
            },
            None => ClientSession {
                state: SessionState::Initializing,
                settles: Some((now + self.config.ready_after, self.config.settles_to)),
                reconnection_attempts: 0,
                qr_pending: false,
            },
        };
        let reported = if self.config.new_client_state.is_some() {
            session.state
        } else {
            SessionState::NotInitialized
        };
        clients.insert(cliente_id, session);
        reported
    }

    fn qr_pending(&self, cliente_id: u64) -> bool {
        lock(&self.clients)
            .get(&cliente_id)
            .is_some_and(|c| c.qr_pending)
    }

    fn reconnection_attempts(&self, cliente_id: u64) -> u32 {
        lock(&self.clients)
            .get(&cliente_id)
            .map_or(0, |c| c.reconnection_attempts)
    }

    /// Turn an answer into a wiremock template, bending it as the fault says.
    /// Returns the template, status, body text and message id.
    fn render(
        &self,
        answer: Answer,
        fault: Option<&Fault>,
    ) -> (ResponseTemplate, u16, String, Option<String>) {
        let json_template = |status: u16, text: &str| {
            ResponseTemplate::new(status)
                .set_body_raw(text.as_bytes().to_vec(), "application/json; charset=utf-8")
        };
        let normal = answer.body.to_string();
        match fault.map(|f| &f.kind) {
            Some(FaultKind::Status(status, body)) => {
                let body = body
                    .clone()
                    .unwrap_or_else(|| error_envelope("INJECTED", "injected by lmh mock"))
                    .to_string();
                (json_template(*status, &body), *status, body, None)
            }
            Some(FaultKind::MalformedJson) => {
                // Cut on a character boundary: the body may carry the caller's non-ASCII text.
                let body: String = normal.chars().take(normal.chars().count() / 2).collect();
                (json_template(200, &body), 200, body, answer.message_id)
            }
            Some(FaultKind::NonJson) => {
                let body = "<html><body><h1>Bad Gateway</h1></body></html>".to_string();
                let t = ResponseTemplate::new(200)
                    .set_body_raw(body.clone().into_bytes(), "text/html; charset=utf-8");
                (t, 200, body, answer.message_id)
            }
            Some(FaultKind::DropConnection | FaultKind::ResetBeforeDelivery) => {
                // A Content-Length larger than the body makes hyper abort the connection
                // mid-answer: the client sees a dropped connection, not a response.
                let t = json_template(answer.status, &normal)
                    .insert_header("content-length", (normal.len() + 4096).to_string());
                (t, answer.status, normal, answer.message_id)
            }
            Some(FaultKind::SendSuccessWithoutId) if answer.message_id.is_some() => {
                let body = json!({"success": true, "message": "Message sent"}).to_string();
                (json_template(200, &body), 200, body, answer.message_id)
            }
            Some(FaultKind::SendConstantId) if answer.message_id.is_some() => {
                let body = json!({"ok": true, "message_id": "sent-via-ui"}).to_string();
                (json_template(200, &body), 200, body, answer.message_id)
            }
            _ => (
                json_template(answer.status, &normal),
                answer.status,
                normal,
                answer.message_id,
            ),
        }
    }
}

/// hyper debug-asserts on the short body that [`FaultKind::DropConnection`] relies on; the
/// assertion only kills that connection's task, which is the point, so keep it off stderr.
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

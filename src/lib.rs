//! lmh: the LeadMaster harness.
//!
//! Checks that central-hub's scheduler and the WhatsApp session-manager agree (contract),
//! that they are configured to find each other (config), and that pending messages really go
//! from `pendiente` to `enviado` (scheduler + e2e), against a mock or a real session-manager
//! and a real MySQL/MariaDB.
//!
//! One module per concept; `docs/architecture.md` says how data flows between them and where
//! each rule lives. The modules are grouped below by layer, and the main entry types are
//! re-exported at the crate root.
//!
//! # Features
//!
//! - `cli` (default): the `lmh` command line (clap, anyhow, indicatif).
//! - `container` (default): ephemeral database containers (testcontainers). Without it,
//!   asking for a container fails with [`container::ContainerError`]`::NotBuilt`.
//!
//! Another crate's tests can use the mock and the adapter without either:
//! `lmh = { path = "...", default-features = false }`.
//!
//! # The mock, as another project's test uses it
//!
//! Start a session-manager on loopback, put a client in a state, talk to it over HTTP, then
//! read what it received from its journal:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use lmh::{MockSessionManager, SessionState};
//!
//! let mock = MockSessionManager::start().await;
//! mock.set_state(51, SessionState::Ready);
//! let answer = lmh::http_client().build().unwrap()
//!     .post(format!("{}/send", mock.uri()))
//!     .header("X-Cliente-Id", "51")
//!     .json(&serde_json::json!({ "to": "5491134567890@c.us", "message": "hola" }))
//!     .send().await.unwrap();
//! assert_eq!(answer.status(), 200);
//! let sent = mock.deliveries();
//! assert_eq!(sent.len(), 1);
//! assert_eq!(sent[0].cliente_id, Some(51));
//! assert_eq!(mock.journal()[0].operation.as_deref(), Some("send"));
//! # }
//! ```
//!
//! # The adapter, against the mock
//!
//! The reference client central-hub should be: it speaks the header-based API, checks every
//! answer against the contract and classifies each failure.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use lmh::adapter::DomainError;
//! use lmh::{ClientConfig, MockSessionManager, SessionManagerClient, SessionState};
//!
//! let mock = MockSessionManager::start().await;
//! let client = SessionManagerClient::new(ClientConfig::new(mock.uri())).unwrap();
//!
//! // A client that has not scanned its QR cannot send; the adapter says so, typed.
//! let err = client.send_message(51, "5491134567890", "hola").await.unwrap_err();
//! assert!(matches!(err.domain(), Some(DomainError::SessionNotReady { .. })));
//! assert!(err.is_retryable());
//!
//! mock.set_state(51, SessionState::Ready);
//! let status = client.status(51).await.unwrap();
//! assert!(status.can_send_messages);
//! let sent = client.send_message(51, "5491134567890", "hola").await.unwrap();
//!
//! let deliveries = mock.deliveries();
//! assert_eq!(deliveries.len(), 1);
//! assert_eq!(deliveries[0].message_id.as_deref(), Some(sent.message_id.as_str()));
//! assert!(deliveries[0].headers.get("x-cliente-id").is_some_and(|v| v == "51"));
//! # }
//! ```

// The LeadMaster vocabulary and its rules: estados, calendar, recipients, gates. Pure.
pub mod domain;

// Contract: what the session-manager promises, and the shared vocabulary of its states.
pub mod contract;
pub mod session;

// Adapter: central-hub's side of the wire.
pub mod adapter;

// Mock: the session-manager on loopback, and the journal of what a provider received.
pub mod journal;
pub mod mock;

// Database: scratch databases, containers, fixtures.
pub mod container;
pub mod db;
pub mod fixtures;

// Scheduler: the reference central-hub scheduler and its clock.
pub mod clock;
pub mod scheduler;

// Checks: invariants, contract verification, configuration, diagnosis, end-to-end runs.
pub mod bench;
pub mod chaos;
pub mod config;
pub mod doctor;
pub mod e2e;
pub mod invariants;
pub mod proxy;
pub mod source;
pub mod verify;

// Reports and input: outcomes, bounded file reading and safe writing, YAML, redaction.
pub mod files;
pub mod redact;
pub mod report;
pub mod yaml;

pub use adapter::{AdapterError, ClientConfig, ErrorKind, SessionManagerClient};
pub use clock::Clock;
pub use contract::{Contract, ContractError, ContractVersion};
pub use db::{DbServer, DbSource, ScratchDb};
pub use domain::{EstadoCampania, EstadoEnvio, EstadoProgramacion, Gate, Skip};
pub use e2e::{E2eConfig, Provider};
pub use fixtures::Fixture;
pub use invariants::Evidence;
pub use journal::{Journal, JournalEntry};
pub use mock::{Fault, FaultKind, MockConfig, MockSessionManager, Profile};
pub use report::{Check, Outcome, Report};
pub use scheduler::{Rules, Scheduler, SchedulerConfig, TickReport};
pub use session::SessionState;

/// A reqwest client builder with lmh's TLS provider (rustls on ring) installed.
///
/// reqwest is built without a default crypto provider to keep aws-lc out of the build, so
/// every HTTP client in lmh, and in its tests, starts here.
pub fn http_client() -> reqwest::ClientBuilder {
    // Installing twice is harmless; only the first call wins.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

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
mod config;
mod faults;
mod respond;
mod server;
mod sessions;

use std::sync::{Mutex, MutexGuard};

pub use config::{MockConfig, MockError, Profile};
pub use faults::{Fault, FaultKind, FaultScope};
pub use server::MockSessionManager;
pub(crate) use server::Shared;

/// The journal's types and reader, at the path they had before [`crate::journal`] held them.
pub use crate::journal::{Journal, JournalEntry, MAX_JOURNAL_BYTES, read_journal};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the mock down with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

//! lmh: the LeadMaster harness.
//!
//! Checks that central-hub's scheduler and the WhatsApp session-manager agree (contract),
//! that they are configured to find each other (config), and that pending messages really go
//! from `pendiente` to `enviado` (scheduler + e2e), against a mock or a real session-manager
//! and a real MySQL/MariaDB.
//!
//! One module per concept; see the README for how data flows between them.

pub mod adapter;
pub mod bench;
pub mod chaos;
pub mod clock;
pub mod config;
pub mod container;
pub mod contract;
pub mod db;
pub mod doctor;
pub mod e2e;
pub mod files;
pub mod fixtures;
pub mod invariants;
pub mod mock;
pub mod report;
pub mod scheduler;
pub mod session;
pub mod verify;

/// A reqwest client builder with lmh's TLS provider (rustls on ring) installed.
///
/// reqwest is built without a default crypto provider to keep aws-lc out of the build, so
/// every HTTP client in lmh, and in its tests, starts here.
pub fn http_client() -> reqwest::ClientBuilder {
    // Installing twice is harmless; only the first call wins.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

//! lmh: the LeadMaster harness.
//!
//! Checks that central-hub's scheduler and the WhatsApp session-manager agree (contract),
//! that they are configured to find each other (config), and that pending messages really go
//! from `pendiente` to `enviado` (scheduler + e2e), against a mock or a real session-manager
//! and a real MySQL/MariaDB.
//!
//! One module per concept; see the README for how data flows between them.

pub mod adapter;
pub mod config;
pub mod container;
pub mod contract;
pub mod db;
pub mod e2e;
pub mod fixtures;
pub mod invariants;
pub mod mock;
pub mod report;
pub mod scheduler;
pub mod session;
pub mod verify;

//! End to end: a fixture in a scratch database, the reference scheduler on a virtual clock,
//! the mock (or a real) session-manager, and every invariant checked on what is left.
//!
//! ```text
//! fixture ──► scratch DB ──► scheduler ticks (virtual clock) ──► adapter ──► mock | URL
//!                 │                                                   │
//!                 └──────────────► invariants ◄──────── journal ◄─────┘
//! ```

mod config;
mod judge;
mod outcome;
mod provider;
mod reachability;
mod run;
mod ticks;
mod timeline;

pub use config::{E2eConfig, E2eError, Provider};
pub use outcome::FixtureRun;
pub(crate) use provider::fixture_mock;
pub use run::run_fixture;

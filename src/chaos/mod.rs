//! `lmh chaos`: a randomized fault campaign that measures the scheduler's guarantees (never
//! twice, never a phantom `enviado`, never lost) instead of asserting them case by case.
//!
//! Each schedule draws, from the campaign seed and its number, a fixture and a fault plan
//! ([`plan`]): provider faults, connection kills at chosen statements, a crash, two schedulers
//! at once. It runs them ([`run`]), heals, and judges the database against the mock's journal
//! ([`verdict`]).
//!
//! Deterministic for a seed: the draws (fixture, faults, their order and targets). Real
//! concurrency is not: which await point a time-based crash hits, whether a crash lands while
//! the send is in flight or just after, and how two schedulers interleave vary between runs.

mod campaign;
pub mod faults;
pub mod plan;
mod report;
pub mod run;
pub mod verdict;

use std::time::Duration;

use crate::db::DbError;
use crate::fixtures::FixtureError;

pub use campaign::run_campaign;
pub use report::{CampaignReport, ClassFigures, Violation};

/// A schedule that takes longer than this is a hang, reported as a violation.
pub const SCHEDULE_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a campaign could not be carried out (as opposed to guarantees that broke).
#[derive(Debug, thiserror::Error)]
pub enum ChaosError {
    /// The database could not be provided or used.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The drawn fixture could not be inserted.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// Reading the state after a schedule failed.
    #[error("reading the database after a schedule: {0}")]
    Evidence(sqlx::Error),
    /// Injecting a database fault (or a crash's session kill) failed.
    #[error("injecting a database fault: {0}")]
    Fault(sqlx::Error),
    /// The mock or a client could not start.
    #[error("chaos setup: {0}")]
    Setup(String),
}

/// What to run.
#[derive(Debug, Clone)]
pub struct ChaosConfig {
    /// Campaign seed.
    pub seed: u64,
    /// Schedules to run.
    pub schedules: u32,
    /// Run only this schedule number (a replay).
    pub only: Option<u32>,
}

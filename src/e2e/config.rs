//! What an end-to-end run is given: which session-manager, how to drive the ticks, and why it
//! may not be carried out.

use std::path::PathBuf;
use std::time::Duration;

use crate::db::DbError;
use crate::fixtures::FixtureError;
use crate::journal::JournalError;
use crate::scheduler::{Pacing, SchedulerError};

/// Which session-manager the scheduler talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// An in-process mock per fixture, with the fixture's session states.
    Mock,
    /// A running session-manager (real, or `lmh mock serve`); its journal, when given, is
    /// read after the run so the journal-based invariants can be checked.
    Url {
        /// Base URL.
        base_url: String,
        /// The journal file of an `lmh mock serve` at that URL, if that is what it is.
        journal: Option<PathBuf>,
    },
}

/// How the run is driven.
#[derive(Debug, Clone)]
pub struct E2eConfig {
    /// Pause between sends (on the virtual clock, so it costs no real time).
    pub pacing: Pacing,
    /// DRY_RUN: nothing may be sent.
    pub dry_run: bool,
    /// Time between two ticks' starts (60 s in central-hub).
    pub tick_every: Duration,
    /// Give up after this many ticks, whatever the fixture's end says.
    pub max_ticks: u32,
    /// Total timeout of each HTTP call to the session-manager.
    pub http_timeout: Duration,
    /// Keep ticking until the fixture's end even when nothing is left to send (simulations).
    pub run_to_end: bool,
    /// After a tick that only found programaciones outside their day or hours, jump to the
    /// next window opening or midnight instead of ticking through the idle minutes.
    pub skip_idle: bool,
    /// Record the run for the HTML timeline (one small query per tick).
    pub timeline: bool,
    /// Print a progress line on stderr this often (real time) during a long fixture.
    pub progress_every: Option<Duration>,
    /// Ticks in a row in which a client's session could not be read before lmh stops waiting
    /// for that client's rows (and fails the run, naming the cause).
    pub unreachable_after_ticks: u32,
}

impl Default for E2eConfig {
    fn default() -> Self {
        E2eConfig {
            pacing: Pacing::NONE,
            dry_run: false,
            tick_every: Duration::from_secs(60),
            max_ticks: 2 * 24 * 60,
            http_timeout: Duration::from_secs(5),
            run_to_end: false,
            skip_idle: true,
            timeline: false,
            progress_every: None,
            unreachable_after_ticks: 3,
        }
    }
}

/// Why an end-to-end run could not be carried out (as opposed to invariants that failed).
#[derive(Debug, thiserror::Error)]
pub enum E2eError {
    /// The database could not be provided or used.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A fixture could not be loaded or inserted.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// The scheduler hit a database error.
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
    /// Reading the state after the run failed.
    #[error("reading the database after the run of {fixture}: {source}")]
    Evidence {
        /// Which fixture.
        fixture: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The session-manager URL is unusable.
    #[error("--session-manager: {0}")]
    Provider(String),
    /// The journal of the session-manager given by URL cannot be read, or shrank during the run.
    #[error("--session-manager: {0}")]
    Journal(JournalError),
    /// The fixture's start time does not exist in its zone (a DST gap).
    #[error(
        "fixture {fixture}: start {start} does not exist in {tz} (a daylight-saving gap); pick another time"
    )]
    Start {
        /// Which fixture.
        fixture: String,
        /// Its start.
        start: String,
        /// Its zone.
        tz: String,
    },
}

//! How the scheduler is configured: zone, pacing, dry run, identity, locks, lanes, budget,
//! attempts and the rules it sends by.

use std::time::Duration;

use chrono_tz::Tz;

use super::rules::Rules;
use crate::domain::DEFAULT_TZ;

/// `origen` written in historial rows by this scheduler.
pub const ORIGIN: &str = "lmh-scheduler";

/// How often central-hub's scheduler ticks.
pub const TICK_PERIOD: Duration = Duration::from_secs(60);

/// `POST /send` attempts per row when each certainly failed (see [`SchedulerConfig::max_attempts`]).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// How long to wait between two sends of a batch: a random duration in `[min, max]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// Shortest pause.
    pub min: Duration,
    /// Longest pause.
    pub max: Duration,
}

impl Pacing {
    /// Production pacing: 30–90 s, after WhatsApp restricted the number for 11 messages in
    /// about ten minutes.
    pub const PRODUCTION: Pacing = Pacing {
        min: Duration::from_secs(30),
        max: Duration::from_secs(90),
    };
    /// No pause (tests, drain benchmarks).
    pub const NONE: Pacing = Pacing {
        min: Duration::ZERO,
        max: Duration::ZERO,
    };
}

/// How the scheduler behaves.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// Zone for the window and "today", whatever the process `TZ` or the DB session zone.
    pub tz: Tz,
    /// Pause between sends.
    pub pacing: Pacing,
    /// `DRY_RUN=true`: decide everything, send nothing, write nothing.
    pub dry_run: bool,
    /// Who holds locks and claims (`locked_by`, `worker`); unique per process.
    pub worker_id: String,
    /// A programación lock older than this belongs to a dead process and is taken over.
    pub lock_timeout: Duration,
    /// Lanes (clients) served at once within a tick; `None`: one per client with work.
    pub max_lanes: Option<usize>,
    /// How far past its start a tick may pace a lane: a lane whose next send is due later
    /// leaves it to the next tick, so a window that opens meanwhile waits one tick at most.
    /// `None`: a lane sends its whole batch within the tick.
    pub tick_budget: Option<Duration>,
    /// `POST /send` attempts allowed per row when each certainly failed (nothing delivered);
    /// the last one marks the row `error`. An uncertain failure is never retried.
    pub max_attempts: u32,
    /// Ticks in a row with work to do and nothing sent before a programación is reported stuck.
    pub stuck_after_ticks: u32,
    /// The rules it sends by: [`Rules::REFERENCE`] everywhere but the negative tests, which
    /// put back one historical bug ([`Rules::historical`]).
    pub rules: Rules,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            tz: DEFAULT_TZ,
            pacing: Pacing::PRODUCTION,
            dry_run: false,
            worker_id: format!("lmh-{}-{:04x}", std::process::id(), fastrand::u16(..)),
            lock_timeout: Duration::from_secs(600),
            max_lanes: None,
            tick_budget: Some(TICK_PERIOD),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            stuck_after_ticks: 3,
            rules: Rules::REFERENCE,
        }
    }
}

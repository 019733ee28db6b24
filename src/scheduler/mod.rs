//! The reference scheduler: central-hub's sending rules (docs/system.md §5), done right
//! (docs/invariants.md 8–15).
//!
//! One [`Scheduler::tick`] does what `programacionScheduler` does every 60 s:
//!
//! 1. approved programaciones whose date range holds today, in the business time zone;
//! 2. skip those whose weekday or hours do not hold now;
//! 3. take the programación's lock (a stale lock of a dead process is taken over);
//! 4. ask the session-manager for the client's session; only READY goes on;
//! 5. the campaign must exist and be `en_progreso`;
//! 6. quota left today = `cupo_diario` − today's counter;
//! 7. for each `pendiente` row, oldest first: claim it (at most one send per row, ever), send
//!    it, and only after a confirmed send write `enviado`, `fecha_envio`, `message_id`, the
//!    historial row and the counter in one transaction; pause between sends.
//!
//! Session-level failures stop the batch and leave rows `pendiente`, released for at most
//! [`SchedulerConfig::max_attempts`] attempts; recipient-level failures mark the row `error`; a
//! send whose outcome is unknown (including a 500 that may follow a real delivery) is left
//! claimed for a person and is never re-sent. Every decision is one structured [`Decision`].

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use sqlx::MySqlPool;

pub use crate::clock::Clock;

use futures_util::stream::{self, StreamExt};

use crate::adapter::SessionManagerClient;
use crate::db::ScratchDb;
use lane::{Lane, Timeline};

mod batch;
mod claim;
mod lane;
mod programacion;
mod rules;

pub use claim::{UNCLAIMED, claim_holds};
pub use rules::{in_window, local_to_utc, normalize_phone, runs_on, weekday_name};

/// The business time zone LeadMaster runs in.
pub const DEFAULT_TZ: Tz = chrono_tz::America::Argentina::Buenos_Aires;
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

/// A bug central-hub really shipped, re-introduced on purpose so tests can prove the
/// invariant checks catch it. Never set outside negative tests.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoricalBug {
    /// Mark `enviado` before sending, never revert (the 250 phantom rows of 2026-02-07).
    MarkBeforeSend,
    /// No claim on the row: an unknown outcome leaves it `pendiente`, so it is re-sent.
    NoClaim,
    /// Never add to the daily counter.
    NoCounter,
    /// Decide window and "today" in the process clock (UTC) instead of the business zone.
    WindowInProcessTime,
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
    /// Re-introduced bug, for negative tests only.
    #[doc(hidden)]
    pub bug: Option<HistoricalBug>,
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
            bug: None,
        }
    }
}

/// Why a tick could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// A database statement failed.
    #[error("database error while {doing}: {source}")]
    Db {
        /// What the scheduler was doing.
        doing: String,
        /// The driver's error.
        source: sqlx::Error,
    },
}

fn db(doing: &str) -> impl FnOnce(sqlx::Error) -> SchedulerError + '_ {
    move |source| SchedulerError::Db {
        doing: doing.to_string(),
        source,
    }
}

/// What the scheduler decided, one per event, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Business-local time of the decision.
    pub at: NaiveDateTime,
    /// The programación concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub programacion_id: Option<i64>,
    /// The row concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub envio_id: Option<i64>,
    /// What happened.
    pub event: Event,
    /// Why, in words.
    pub detail: String,
}

impl Decision {
    /// The decision as one JSON line for logs.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| format!("{self:?}"))
    }
}

/// The kinds of decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// No programación is approved with today in its date range.
    NothingApproved,
    /// Today's weekday is not in `dias_semana`.
    SkipWeekday,
    /// Now is outside `[hora_inicio, hora_fin]`.
    SkipWindow,
    /// Another live process holds the programación.
    SkipLocked,
    /// A stale lock of a dead process was taken over.
    LockTakenOver,
    /// The client's session is not READY.
    SkipSessionNotReady,
    /// The session-manager could not tell (unreachable, wrong route, broken answer).
    SkipSessionUnknown,
    /// The campaign does not exist.
    SkipCampaignMissing,
    /// The campaign is not `en_progreso`.
    SkipCampaignNotInProgress,
    /// Today's quota is used up.
    SkipQuotaExhausted,
    /// No `pendiente` row left to send.
    NothingPending,
    /// A row was sent and recorded `enviado`.
    Sent,
    /// DRY_RUN: the row would have been sent.
    DryRunWouldSend,
    /// The recipient was refused (invalid number, no text): row `error`.
    RecipientError,
    /// A session-level failure stopped the batch; untouched rows stay `pendiente`.
    BatchStopped,
    /// The window closed during the batch.
    WindowClosed,
    /// The send may have gone out but lmh cannot tell: left for a person, never re-sent.
    OutcomeUnknown,
    /// A row's sends certainly failed as many times as allowed: row `error`.
    AttemptsExhausted,
    /// The lane's next send is due after the tick's budget: the next tick goes on.
    PacedToNextTick,
    /// Rows stay `pendiente` although everything says they should go.
    Stuck,
}

/// What one tick did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TickReport {
    /// Every decision, in order.
    pub decisions: Vec<Decision>,
    /// Rows sent and recorded.
    pub sent: usize,
    /// Rows marked `error`.
    pub errors: usize,
    /// Rows whose send outcome is unknown (left for a person).
    pub unknown: Vec<i64>,
}

impl TickReport {
    /// Append another lane's report.
    fn merge(&mut self, other: TickReport) {
        self.decisions.extend(other.decisions);
        self.sent += other.sent;
        self.errors += other.errors;
        self.unknown.extend(other.unknown);
    }

    /// How many decisions of this kind.
    pub fn count(&self, event: Event) -> usize {
        self.decisions.iter().filter(|d| d.event == event).count()
    }
}

/// An approved programación, as read from the database.
#[derive(Debug, Clone)]
struct Programacion {
    id: i64,
    campania_id: i64,
    cliente_id: i64,
    dias_semana: String,
    hora_inicio: NaiveTime,
    hora_fin: NaiveTime,
    cupo_diario: i64,
}

/// A row to send.
#[derive(Debug, Clone)]
struct Envio {
    id: i64,
    telefono: Option<String>,
    mensaje: Option<String>,
}

/// The reference scheduler over one lmh-created database and one session-manager.
pub struct Scheduler {
    pool: MySqlPool,
    client: SessionManagerClient,
    clock: Clock,
    config: SchedulerConfig,
    rng: Mutex<fastrand::Rng>,
    /// Ticks in a row each programación had work and sent nothing.
    idle_ticks: Mutex<HashMap<i64, u32>>,
    /// When each client's next send may start (pacing across ticks).
    next_send: Mutex<HashMap<i64, DateTime<Utc>>>,
    /// Message ids seen by this process, to catch a provider that repeats them.
    seen_ids: Mutex<HashSet<String>>,
    /// Hears each decision as it is made (streamed logs survive an interrupted tick).
    on_decision: Option<DecisionSink>,
}

/// A callback for each decision, as it is made.
pub type DecisionSink = Box<dyn Fn(&Decision) + Send + Sync>;

/// How a batch ended.
enum BatchEnd {
    Done,
    Stopped,
}

impl Scheduler {
    /// A scheduler writing only to `db`, a database lmh created.
    pub fn new(
        db: &ScratchDb,
        client: SessionManagerClient,
        clock: Clock,
        config: SchedulerConfig,
    ) -> Scheduler {
        Scheduler {
            pool: db.pool().clone(),
            client,
            clock,
            config,
            rng: Mutex::new(fastrand::Rng::new()),
            idle_ticks: Mutex::new(HashMap::new()),
            next_send: Mutex::new(HashMap::new()),
            seen_ids: Mutex::new(HashSet::new()),
            on_decision: None,
        }
    }

    /// Call `sink` with each decision as it is made, before the tick ends.
    pub fn on_decision(mut self, sink: impl Fn(&Decision) + Send + Sync + 'static) -> Scheduler {
        self.on_decision = Some(Box::new(sink));
        self
    }

    /// The configuration in force.
    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// The clock it reads.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Business-local now (or process-UTC now under the re-introduced window bug).
    fn local_now(&self) -> NaiveDateTime {
        let now = self.clock.now();
        if self.config.bug == Some(HistoricalBug::WindowInProcessTime) {
            return now.naive_utc();
        }
        now.with_timezone(&self.config.tz).naive_local()
    }

    fn decide(
        &self,
        report: &mut TickReport,
        programacion_id: Option<i64>,
        envio_id: Option<i64>,
        event: Event,
        detail: impl Into<String>,
    ) {
        let decision = Decision {
            at: self.local_now(),
            programacion_id,
            envio_id,
            event,
            detail: detail.into(),
        };
        if let Some(sink) = &self.on_decision {
            sink(&decision);
        }
        report.decisions.push(decision);
    }

    /// Run one tick over every approved programación.
    pub async fn tick(&self) -> Result<TickReport, SchedulerError> {
        let mut report = TickReport::default();
        let today = self.local_now().date();
        let programaciones = self.approved_programaciones(today).await?;
        if programaciones.is_empty() {
            self.decide(
                &mut report,
                None,
                None,
                Event::NothingApproved,
                format!("no programación is aprobada with {today} in its date range"),
            );
        }
        let lanes = lane::by_client(programaciones);
        let limit = self
            .config
            .max_lanes
            .map_or(lanes.len(), |n| n.max(1))
            .max(1);
        let timeline = Timeline::new(self.clock.clone(), lanes.len(), limit);
        let mut done: Vec<(usize, Result<TickReport, SchedulerError>)> =
            stream::iter(lanes.into_iter().enumerate())
                .map(|(i, lane)| {
                    let timeline = &timeline;
                    async move { (i, self.run_lane(lane, timeline).await) }
                })
                .buffer_unordered(limit)
                .collect()
                .await;
        // Every lane ran to its end; the report lists them in programación order.
        done.sort_by_key(|(i, _)| *i);
        for (_, lane_report) in done {
            report.merge(lane_report?);
        }
        Ok(report)
    }

    /// One client's programaciones, one after another, paced as one WhatsApp session.
    async fn run_lane(
        &self,
        programaciones: Vec<Programacion>,
        timeline: &Timeline,
    ) -> Result<TickReport, SchedulerError> {
        timeline.join();
        let _running = lane::Running(timeline);
        let mut report = TickReport::default();
        let mut lane = Lane {
            timeline,
            cliente_id: programaciones.first().map_or(0, |p| p.cliente_id),
            tick_start: self.clock.now(),
            yielded: false,
        };
        for p in programaciones {
            if self.due_after_budget(&lane) {
                // Nothing this lane could send in this tick: no lock, no status, no reads.
                let detail = "next send of this client is due after this tick's budget";
                self.decide(
                    &mut report,
                    Some(p.id),
                    None,
                    Event::PacedToNextTick,
                    detail,
                );
                self.track_stuck(&p, false, &mut report);
                continue;
            }
            let sent_before = report.sent;
            let had_work = self.run_programacion(&p, &mut lane, &mut report).await?;
            // Waiting for its pacing is not being stuck.
            let idle = had_work && report.sent == sent_before && !lane.yielded;
            self.track_stuck(&p, idle, &mut report);
            lane.yielded = false;
        }
        Ok(report)
    }

    /// Invariant 16: in window, READY, quota left, rows pending, and nothing sent for N ticks.
    fn track_stuck(&self, p: &Programacion, idle_with_work: bool, report: &mut TickReport) {
        let mut idle = self.idle_ticks.lock().unwrap_or_else(|e| e.into_inner());
        let count = idle.entry(p.id).or_insert(0);
        if !idle_with_work {
            *count = 0;
            return;
        }
        *count += 1;
        if *count == self.config.stuck_after_ticks {
            let n = *count;
            drop(idle);
            self.decide(
                report,
                Some(p.id),
                None,
                Event::Stuck,
                format!(
                    "{n} ticks in window with the session READY and rows pendiente, and nothing sent: \
                     look at the OutcomeUnknown/BatchStopped decisions above and at lmh_envio_intentos"
                ),
            );
        }
    }
}

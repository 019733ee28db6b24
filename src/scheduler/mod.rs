//! The reference scheduler: central-hub's sending rules (docs/system.md §5), done right
//! (docs/invariants.md 8–15).
//!
//! One [`Scheduler::tick`] does what `programacionScheduler` does every 60 s: it takes the
//! approved programaciones, and walks each through the gates of [`crate::domain::Gate::ORDER`]
//! as it reaches them, the same gates `doctor` previews:
//!
//! 1. date range: today within `[fecha_inicio, fecha_fin]`, in the business time zone (the
//!    tick takes only those);
//! 2. weekday and window: today in `dias_semana`, now within `[hora_inicio, hora_fin]`;
//! 3. quota: today's counter below `cupo_diario` (one read; nothing else is asked when not);
//! 4. then, under the programación's lock (a stale lock of a dead process is taken over, and
//!    the quota is read again): the client's session READY, the campaign `en_progreso`;
//! 5. pending rows: for each `pendiente` row, oldest first, claim it (at most one send per
//!    row, ever), send it, and only after a confirmed send write `enviado`, `fecha_envio`,
//!    `message_id`, the historial row and the counter in one transaction; pause between sends.
//!
//! Session-level failures stop the batch and leave rows `pendiente`, released for at most
//! [`SchedulerConfig::max_attempts`] attempts; recipient-level failures mark the row `error`; a
//! send whose outcome is unknown (including a 500 that may follow a real delivery) is left
//! claimed for a person and is never re-sent. Every decision is one structured [`Decision`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::MySqlPool;

pub use crate::clock::Clock;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::adapter::SessionManagerClient;
use crate::db::ScratchDb;
use crate::domain::{BusinessTime, Envio, Programacion, Skip, gates};
use lane::{Lane, Timeline};

mod batch;
mod claim;
mod config;
mod decision;
mod lane;
pub(crate) mod programacion;
mod rules;

pub use claim::UNCLAIMED;
pub use config::{DEFAULT_MAX_ATTEMPTS, ORIGIN, Pacing, SchedulerConfig, TICK_PERIOD};
pub use decision::{Decision, Event, TickReport};
pub use rules::{HistoricalBug, Rules};

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

/// The reference scheduler over one lmh-created database and one session-manager.
///
/// A clone is the same scheduler (its state is shared): each lane of a tick runs as a task
/// of its own on a clone.
#[derive(Clone)]
pub struct Scheduler {
    pool: MySqlPool,
    client: SessionManagerClient,
    clock: Clock,
    config: SchedulerConfig,
    rng: Arc<Mutex<fastrand::Rng>>,
    /// Ticks in a row each programación had work and sent nothing.
    idle_ticks: Arc<Mutex<HashMap<i64, u32>>>,
    /// When each client's next send may start (pacing across ticks).
    next_send: Arc<Mutex<HashMap<i64, DateTime<Utc>>>>,
    /// Message ids seen by this process, to catch a provider that repeats them.
    seen_ids: Arc<Mutex<HashSet<String>>>,
    /// Hears each decision as it is made (streamed logs survive an interrupted tick).
    on_decision: Option<DecisionSink>,
}

/// A callback for each decision, as it is made.
pub type DecisionSink = Arc<dyn Fn(&Decision) + Send + Sync>;

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
            rng: Arc::new(Mutex::new(fastrand::Rng::new())),
            idle_ticks: Arc::default(),
            next_send: Arc::default(),
            seen_ids: Arc::default(),
            on_decision: None,
        }
    }

    /// Call `sink` with each decision as it is made, before the tick ends.
    pub fn on_decision(mut self, sink: impl Fn(&Decision) + Send + Sync + 'static) -> Scheduler {
        self.on_decision = Some(Arc::new(sink));
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
        self.business_now().local
    }

    /// Now on the business clock the gates are judged by.
    fn business_now(&self) -> BusinessTime {
        let now = self.clock.now();
        if !self.config.rules.business_time {
            return BusinessTime {
                local: now.naive_utc(),
                tz: self.config.tz,
            };
        }
        BusinessTime::at(now, self.config.tz)
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

    /// A programación a gate held back: decided as that skip's event, in the domain's words.
    fn skipped(&self, report: &mut TickReport, p: &Programacion, skip: &Skip) {
        if let Some(event) = Event::of_skip(skip) {
            self.decide(report, Some(p.id), None, event, skip.to_string());
        }
    }

    /// Run one tick over every approved programación.
    pub async fn tick(&self) -> Result<TickReport, SchedulerError> {
        let mut report = TickReport::default();
        let now = self.business_now();
        let today = now.today();
        // The date range decides which programaciones the tick takes at all.
        let programaciones: Vec<Programacion> = self
            .approved_programaciones()
            .await?
            .into_iter()
            .filter(|p| gates::date_range(p, now).is_ok())
            .collect();
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
        let timeline = Arc::new(Timeline::new(self.clock.clone(), lanes.len(), limit));
        let done = self.run_lanes(lanes, limit, &timeline).await;
        for lane_report in done {
            report.merge(lane_report?);
        }
        Ok(report)
    }

    /// Each lane as a task of its own, at most `limit` at once, started in order; their
    /// reports in lane order. A lane's task runs on a worker thread beside the I/O it waits
    /// for, and the lanes of a tick use every core. Dropping this future (an interrupted or
    /// crashed tick) aborts every lane, as dropping the lanes' futures would.
    async fn run_lanes(
        &self,
        lanes: Vec<Vec<Programacion>>,
        limit: usize,
        timeline: &Arc<Timeline>,
    ) -> Vec<Result<TickReport, SchedulerError>> {
        let slots = Arc::new(Semaphore::new(limit));
        let mut tasks = JoinSet::new();
        let count = lanes.len();
        for (i, lane) in lanes.into_iter().enumerate() {
            // The semaphore is never closed, so a slot always comes.
            let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
                break;
            };
            let (me, timeline) = (self.clone(), Arc::clone(timeline));
            tasks.spawn(async move {
                let _slot = slot;
                (i, me.run_lane(lane, &timeline).await)
            });
        }
        let mut done: Vec<Option<Result<TickReport, SchedulerError>>> =
            (0..count).map(|_| None).collect();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((i, lane_report)) => done[i] = Some(lane_report),
                // A lane that panicked takes the tick down with it, as it would inline.
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => {}
            }
        }
        done.into_iter().flatten().collect()
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

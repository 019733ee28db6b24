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
use std::sync::Mutex;

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::MySqlPool;

pub use crate::clock::Clock;

use crate::adapter::SessionManagerClient;
use crate::db::ScratchDb;
use crate::domain::{BusinessTime, Envio, Programacion, Skip};
use lane::Lane;

mod batch;
mod claim;
mod config;
mod decision;
mod lane;
mod programacion;
mod recording;
mod rules;
mod run;
pub mod switches;
mod tick;

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
}

/// A caller may run ticks as tasks of their own: this does not compile unless a tick is.
#[cfg(test)]
mod send_check {
    #[allow(dead_code)]
    fn a_tick_can_be_spawned(s: super::Scheduler) {
        drop(tokio::spawn(async move { s.tick().await.map(|r| r.sent) }));
    }
}

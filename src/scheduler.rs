//! The reference scheduler: central-hub's sending rules (system.md §5), done right
//! (invariants.md 8–15).
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
//! Session-level failures stop the batch and leave rows `pendiente`; recipient-level failures
//! mark the row `error`; a send whose outcome is unknown is left claimed for a person and is
//! never re-sent automatically. Every decision is one structured [`Decision`].

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;
use sqlx::{MySqlPool, Row};

pub use crate::clock::Clock;

use crate::adapter::{AdapterError, DomainError, ErrorKind, SessionManagerClient};
use crate::db::ScratchDb;

/// The business time zone LeadMaster runs in.
pub const DEFAULT_TZ: Tz = chrono_tz::America::Argentina::Buenos_Aires;
/// `origen` written in historial rows by this scheduler.
pub const ORIGIN: &str = "lmh-scheduler";

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
        for p in programaciones {
            let sent_before = report.sent;
            let had_work = self.run_programacion(&p, &mut report).await?;
            self.track_stuck(&p, had_work && report.sent == sent_before, &mut report);
        }
        Ok(report)
    }

    /// Step 1: approved, and today within `[fecha_inicio, fecha_fin]` (today given, never
    /// `CURDATE()`, so the DB session zone cannot move it).
    async fn approved_programaciones(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<Programacion>, SchedulerError> {
        let rows = sqlx::query(
            "SELECT id, campania_id, cliente_id, dias_semana, hora_inicio, hora_fin, cupo_diario
             FROM ll_programaciones
             WHERE estado = 'aprobada' AND fecha_inicio <= ? AND (fecha_fin IS NULL OR fecha_fin >= ?)
             ORDER BY id",
        )
        .bind(today)
        .bind(today)
        .fetch_all(&self.pool)
        .await
        .map_err(db("reading approved programaciones"))?;
        rows.iter()
            .map(|r| {
                Ok(Programacion {
                    id: r.try_get::<i32, _>("id")?.into(),
                    campania_id: r.try_get::<i32, _>("campania_id")?.into(),
                    cliente_id: r.try_get::<i32, _>("cliente_id")?.into(),
                    dias_semana: r.try_get("dias_semana")?,
                    hora_inicio: r.try_get("hora_inicio")?,
                    hora_fin: r.try_get("hora_fin")?,
                    cupo_diario: r.try_get::<i32, _>("cupo_diario")?.into(),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("decoding programaciones"))
    }

    /// Steps 2–8 for one programación. Returns whether it had work it should have done
    /// (in window, session READY, quota left, rows pending), for stuck detection.
    async fn run_programacion(
        &self,
        p: &Programacion,
        report: &mut TickReport,
    ) -> Result<bool, SchedulerError> {
        let now = self.local_now();
        if !runs_on(&p.dias_semana, now.weekday()) {
            self.decide(
                report,
                Some(p.id),
                None,
                Event::SkipWeekday,
                format!(
                    "{} not in dias_semana {:?}",
                    weekday_name(now.weekday()),
                    p.dias_semana
                ),
            );
            return Ok(false);
        }
        if !in_window(now.time(), p.hora_inicio, p.hora_fin) {
            self.decide(
                report,
                Some(p.id),
                None,
                Event::SkipWindow,
                format!(
                    "{} outside [{}, {}] ({})",
                    now.time().format("%H:%M:%S"),
                    p.hora_inicio,
                    p.hora_fin,
                    self.config.tz
                ),
            );
            return Ok(false);
        }
        // A dry run writes nothing, not even a lock.
        if self.config.dry_run {
            return self.locked_programacion(p, report).await;
        }
        if !self.lock(p, report).await? {
            return Ok(false);
        }
        let result = self.locked_programacion(p, report).await;
        self.unlock(p).await?;
        result
    }

    async fn locked_programacion(
        &self,
        p: &Programacion,
        report: &mut TickReport,
    ) -> Result<bool, SchedulerError> {
        let cliente_id = match u64::try_from(p.cliente_id) {
            Ok(id) if id > 0 => id,
            _ => {
                self.decide(
                    report,
                    Some(p.id),
                    None,
                    Event::SkipSessionUnknown,
                    format!("cliente_id {} is not a positive integer", p.cliente_id),
                );
                return Ok(false);
            }
        };
        match self
            .client
            .get_session(&format!("sender_{cliente_id}"))
            .await
        {
            Ok(session) if session.ready => {}
            Ok(session) => {
                self.decide(
                    report,
                    Some(p.id),
                    None,
                    Event::SkipSessionNotReady,
                    format!("cliente {cliente_id} session is {}", session.state),
                );
                return Ok(false);
            }
            Err(e) => {
                self.decide(
                    report,
                    Some(p.id),
                    None,
                    Event::SkipSessionUnknown,
                    e.to_string(),
                );
                return Ok(false);
            }
        }
        let campaign: Option<String> = sqlx::query_scalar(
            "SELECT CAST(estado AS CHAR) FROM ll_campanias_whatsapp WHERE id = ?",
        )
        .bind(p.campania_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("reading the campaign"))?;
        match campaign.as_deref() {
            None => {
                self.decide(
                    report,
                    Some(p.id),
                    None,
                    Event::SkipCampaignMissing,
                    format!("campaign {} does not exist", p.campania_id),
                );
                return Ok(false);
            }
            Some("en_progreso") => {}
            Some(other) => {
                self.decide(
                    report,
                    Some(p.id),
                    None,
                    Event::SkipCampaignNotInProgress,
                    format!("campaign {} is {other:?}", p.campania_id),
                );
                return Ok(false);
            }
        }
        let today = self.local_now().date();
        let used = self.sent_today(p.id, today).await?;
        let left = p.cupo_diario - used;
        if left <= 0 {
            self.decide(
                report,
                Some(p.id),
                None,
                Event::SkipQuotaExhausted,
                format!("{used} of cupo_diario {} sent on {today}", p.cupo_diario),
            );
            return Ok(false);
        }
        self.send_batch(p, cliente_id, left, report).await
    }

    /// Take the programación's lock, or a stale one; false when a live process holds it.
    async fn lock(
        &self,
        p: &Programacion,
        report: &mut TickReport,
    ) -> Result<bool, SchedulerError> {
        let now = self.clock.now().naive_utc();
        let stale = now
            - chrono::Duration::from_std(self.config.lock_timeout).unwrap_or(chrono::Duration::MAX);
        let previous: Option<(Option<String>, Option<NaiveDateTime>)> =
            sqlx::query_as("SELECT locked_by, locked_at FROM ll_programaciones WHERE id = ?")
                .bind(p.id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db("reading the programación lock"))?;
        // Lock times are UTC, so a lock's age does not depend on any zone.
        let taken = sqlx::query(
            "UPDATE ll_programaciones SET locked_at = ?, locked_by = ?
             WHERE id = ? AND (locked_at IS NULL OR locked_at < ? OR locked_by = ?)",
        )
        .bind(now)
        .bind(&self.config.worker_id)
        .bind(p.id)
        .bind(stale)
        .bind(&self.config.worker_id)
        .execute(&self.pool)
        .await
        .map_err(db("taking the programación lock"))?
        .rows_affected()
            == 1;
        match previous {
            Some((Some(holder), Some(at))) if holder != self.config.worker_id => {
                if taken {
                    self.decide(
                        report,
                        Some(p.id),
                        None,
                        Event::LockTakenOver,
                        format!(
                            "lock of {holder} since {at} UTC was older than {:?}",
                            self.config.lock_timeout
                        ),
                    );
                } else {
                    self.decide(
                        report,
                        Some(p.id),
                        None,
                        Event::SkipLocked,
                        format!("held by {holder} since {at} UTC"),
                    );
                }
            }
            _ => {}
        }
        Ok(taken)
    }

    async fn unlock(&self, p: &Programacion) -> Result<(), SchedulerError> {
        sqlx::query(
            "UPDATE ll_programaciones SET locked_at = NULL, locked_by = NULL WHERE id = ? AND locked_by = ?",
        )
        .bind(p.id)
        .bind(&self.config.worker_id)
        .execute(&self.pool)
        .await
        .map_err(db("releasing the programación lock"))?;
        Ok(())
    }

    async fn sent_today(
        &self,
        programacion_id: i64,
        today: NaiveDate,
    ) -> Result<i64, SchedulerError> {
        let used: Option<i32> = sqlx::query_scalar(
            "SELECT enviados FROM ll_programacion_envios_diarios WHERE programacion_id = ? AND fecha = ?",
        )
        .bind(programacion_id)
        .bind(today)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("reading today's counter"))?;
        Ok(used.unwrap_or(0).into())
    }

    /// Pending rows nobody has claimed, oldest first.
    async fn pending(&self, campania_id: i64, limit: i64) -> Result<Vec<Envio>, SchedulerError> {
        let claimed_filter = if self.config.bug == Some(HistoricalBug::NoClaim) {
            ""
        } else {
            "AND NOT EXISTS (SELECT 1 FROM lmh_envio_intentos i WHERE i.envio_id = e.id)"
        };
        let sql = format!(
            "SELECT e.id, e.telefono_wapp, e.mensaje_final FROM ll_envios_whatsapp e
             WHERE e.campania_id = ? AND e.estado = 'pendiente' {claimed_filter}
             ORDER BY e.id LIMIT ?"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(campania_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db("reading pending rows"))?;
        rows.iter()
            .map(|r| {
                Ok(Envio {
                    id: r.try_get::<i32, _>("id")?.into(),
                    telefono: r.try_get("telefono_wapp")?,
                    mensaje: r.try_get("mensaje_final")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("decoding pending rows"))
    }

    /// Step 7: send up to `left` rows. Returns whether there was work (rows pending).
    async fn send_batch(
        &self,
        p: &Programacion,
        cliente_id: u64,
        left: i64,
        report: &mut TickReport,
    ) -> Result<bool, SchedulerError> {
        if self.config.dry_run {
            return self.dry_run_batch(p, left, report).await;
        }
        let batch_day = self.local_now().date();
        let mut had_rows = false;
        let mut first = true;
        // Each row leaves the pending set (claimed or marked error) before the next page, so
        // paging ends; the quota is re-read from the counter before every send.
        'batch: loop {
            let used = self.sent_today(p.id, batch_day).await?;
            let page = if first { left } else { p.cupo_diario - used };
            if page <= 0 {
                break;
            }
            let rows = self.pending(p.campania_id, page).await?;
            if rows.is_empty() {
                break;
            }
            had_rows = true;
            for envio in rows {
                let (to, message) = match recipient(&envio) {
                    Ok(r) => r,
                    Err(reason) => {
                        self.mark_error(p, &envio, &reason, false).await?;
                        report.errors += 1;
                        self.decide(
                            report,
                            Some(p.id),
                            Some(envio.id),
                            Event::RecipientError,
                            reason,
                        );
                        continue;
                    }
                };
                if !first {
                    self.clock.sleep(self.pause()).await;
                }
                first = false;
                if let Some(stop) = self.before_send(p, batch_day).await? {
                    self.decide(report, Some(p.id), None, stop.0, stop.1);
                    break 'batch;
                }
                match self
                    .send_one(p, cliente_id, &envio, &to, &message, report)
                    .await?
                {
                    BatchEnd::Done => {}
                    BatchEnd::Stopped => break 'batch,
                }
            }
        }
        if !had_rows {
            self.decide(
                report,
                Some(p.id),
                None,
                Event::NothingPending,
                format!(
                    "campaign {} has no pendiente row left to send",
                    p.campania_id
                ),
            );
        }
        Ok(had_rows)
    }

    /// DRY_RUN: report what a batch would do; no `/send`, no claim, no write.
    async fn dry_run_batch(
        &self,
        p: &Programacion,
        left: i64,
        report: &mut TickReport,
    ) -> Result<bool, SchedulerError> {
        // Rows that would be marked error do not use quota, so look past them.
        let rows = self
            .pending(p.campania_id, left.saturating_add(1000))
            .await?;
        let mut would_send = 0;
        for envio in &rows {
            if would_send == left {
                break;
            }
            match recipient(envio) {
                Ok((to, _)) => {
                    would_send += 1;
                    self.decide(
                        report,
                        Some(p.id),
                        Some(envio.id),
                        Event::DryRunWouldSend,
                        format!("DRY_RUN: would send to {to}"),
                    );
                }
                Err(reason) => {
                    self.decide(
                        report,
                        Some(p.id),
                        Some(envio.id),
                        Event::RecipientError,
                        format!("DRY_RUN: would mark error: {reason}"),
                    );
                }
            }
        }
        if rows.is_empty() {
            self.decide(
                report,
                Some(p.id),
                None,
                Event::NothingPending,
                format!(
                    "campaign {} has no pendiente row left to send",
                    p.campania_id
                ),
            );
        }
        Ok(false)
    }

    /// What must still hold when a send is about to start, after a pause that may have been
    /// long: the window (no send starts outside it), the lock (a process whose lock went
    /// stale must not go on beside the one that took it over) and the quota (re-read, never
    /// assumed). `Some` says why the batch stops.
    async fn before_send(
        &self,
        p: &Programacion,
        batch_day: NaiveDate,
    ) -> Result<Option<(Event, String)>, SchedulerError> {
        let now = self.local_now();
        if now.date() != batch_day || !in_window(now.time(), p.hora_inicio, p.hora_fin) {
            return Ok(Some((
                Event::WindowClosed,
                format!(
                    "window [{}, {}] of {batch_day} closed at {now}",
                    p.hora_inicio, p.hora_fin
                ),
            )));
        }
        // sqlx connects with CLIENT_FOUND_ROWS: an unchanged locked_at still counts as matched.
        let still_ours = sqlx::query(
            "UPDATE ll_programaciones SET locked_at = ? WHERE id = ? AND locked_by = ?",
        )
        .bind(self.clock.now().naive_utc())
        .bind(p.id)
        .bind(&self.config.worker_id)
        .execute(&self.pool)
        .await
        .map_err(db("refreshing the programación lock"))?
        .rows_affected()
            == 1;
        if !still_ours {
            return Ok(Some((
                Event::BatchStopped,
                format!(
                    "lost the lock of programación {}: another scheduler took it over",
                    p.id
                ),
            )));
        }
        let used = self.sent_today(p.id, batch_day).await?;
        if used >= p.cupo_diario {
            return Ok(Some((
                Event::SkipQuotaExhausted,
                format!(
                    "{used} of cupo_diario {} sent on {batch_day}",
                    p.cupo_diario
                ),
            )));
        }
        Ok(None)
    }

    fn pause(&self) -> Duration {
        let Pacing { min, max } = self.config.pacing;
        if max <= min {
            return min;
        }
        let span = (max - min).as_millis() as u64;
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        min + Duration::from_millis(rng.u64(0..=span))
    }

    /// Claim, send and record one row. `Stopped` ends the batch.
    async fn send_one(
        &self,
        p: &Programacion,
        cliente_id: u64,
        envio: &Envio,
        to: &str,
        message: &str,
        report: &mut TickReport,
    ) -> Result<BatchEnd, SchedulerError> {
        let bug = self.config.bug;
        if bug != Some(HistoricalBug::NoClaim) && !self.claim(p, envio).await? {
            // Another scheduler got there first: not ours to send.
            return Ok(BatchEnd::Done);
        }
        if bug == Some(HistoricalBug::MarkBeforeSend) {
            self.record_sent(p, envio, "pending-send").await?;
        }
        match self.client.send_message(cliente_id, to, message).await {
            Ok(sent) => {
                let id = sent.message_id;
                let repeated = !self
                    .seen_ids
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(id.clone())
                    || self.message_id_used(&id).await?;
                if repeated && bug != Some(HistoricalBug::MarkBeforeSend) {
                    let detail = format!(
                        "provider answered message_id {id:?}, already given for another row: cannot prove this send"
                    );
                    return self.outcome_unknown(p, envio, detail, true, report).await;
                }
                if bug == Some(HistoricalBug::MarkBeforeSend) {
                    sqlx::query("UPDATE ll_envios_whatsapp SET message_id = ? WHERE id = ?")
                        .bind(&id)
                        .bind(envio.id)
                        .execute(&self.pool)
                        .await
                        .map_err(db("recording the message id"))?;
                } else {
                    let detail = match self.record_sent(p, envio, &id).await {
                        Ok(true) => None,
                        Ok(false) => Some(
                            "the row changed while its send was in flight; not recorded"
                                .to_string(),
                        ),
                        // The message went out: a failed write must not lose that, nor abort the tick.
                        Err(e) => Some(format!(
                            "sent as message_id {id:?} but recording it failed: {e}"
                        )),
                    };
                    if let Some(detail) = detail {
                        return self.outcome_unknown(p, envio, detail, true, report).await;
                    }
                }
                report.sent += 1;
                self.decide(
                    report,
                    Some(p.id),
                    Some(envio.id),
                    Event::Sent,
                    format!("to {to}, message_id {id}"),
                );
                Ok(BatchEnd::Done)
            }
            Err(e) => self.send_failed(p, envio, e, report).await,
        }
    }

    /// Decide what a failed send means for the row and the batch.
    async fn send_failed(
        &self,
        p: &Programacion,
        envio: &Envio,
        e: AdapterError,
        report: &mut TickReport,
    ) -> Result<BatchEnd, SchedulerError> {
        let detail = e.to_string();
        let claimed = self.config.bug != Some(HistoricalBug::NoClaim);
        if bug_marked_first(self.config.bug) {
            // The historical bug: the row already says enviado and nobody reverts it.
            self.decide(
                report,
                Some(p.id),
                Some(envio.id),
                Event::BatchStopped,
                detail,
            );
            return Ok(BatchEnd::Stopped);
        }
        if e.outcome_unknown() || matches!(e.kind, ErrorKind::Protocol(_)) {
            // The request reached the provider and we could not read a valid answer.
            return self
                .outcome_unknown(p, envio, detail, claimed, report)
                .await;
        }
        if let Some(reason) = recipient_failure(&e) {
            self.mark_error(p, envio, &reason, claimed).await?;
            report.errors += 1;
            self.decide(
                report,
                Some(p.id),
                Some(envio.id),
                Event::RecipientError,
                reason,
            );
            return Ok(BatchEnd::Done);
        }
        // Session-level: certainly not sent. Release the claim so a later tick sends it.
        if claimed {
            self.release(envio).await?;
        }
        self.decide(
            report,
            Some(p.id),
            Some(envio.id),
            Event::BatchStopped,
            detail,
        );
        Ok(BatchEnd::Stopped)
    }

    /// The send may have gone out but cannot be proven: keep the claim (nobody re-sends the
    /// row), record why, and stop the batch. A person resolves it.
    async fn outcome_unknown(
        &self,
        p: &Programacion,
        envio: &Envio,
        detail: String,
        claimed: bool,
        report: &mut TickReport,
    ) -> Result<BatchEnd, SchedulerError> {
        if claimed {
            self.mark_unknown(envio, &detail).await?;
        }
        report.unknown.push(envio.id);
        self.decide(
            report,
            Some(p.id),
            Some(envio.id),
            Event::OutcomeUnknown,
            detail,
        );
        Ok(BatchEnd::Stopped)
    }

    async fn claim(&self, p: &Programacion, envio: &Envio) -> Result<bool, SchedulerError> {
        let claimed = sqlx::query(
            "INSERT IGNORE INTO lmh_envio_intentos (envio_id, programacion_id, worker, claimed_at)
             SELECT id, ?, ?, ? FROM ll_envios_whatsapp WHERE id = ? AND estado = 'pendiente'",
        )
        .bind(p.id)
        .bind(&self.config.worker_id)
        .bind(self.clock.now().naive_utc())
        .bind(envio.id)
        .execute(&self.pool)
        .await
        .map_err(db("claiming a row"))?
        .rows_affected();
        Ok(claimed == 1)
    }

    async fn release(&self, envio: &Envio) -> Result<(), SchedulerError> {
        sqlx::query("DELETE FROM lmh_envio_intentos WHERE envio_id = ? AND worker = ? AND resultado = 'en_curso'")
            .bind(envio.id)
            .bind(&self.config.worker_id)
            .execute(&self.pool)
            .await
            .map_err(db("releasing a claim"))?;
        Ok(())
    }

    async fn mark_unknown(&self, envio: &Envio, detail: &str) -> Result<(), SchedulerError> {
        sqlx::query("UPDATE lmh_envio_intentos SET resultado = 'desconocido', detalle = ?, actualizado_en = ? WHERE envio_id = ?")
            .bind(detail)
            .bind(self.clock.now().naive_utc())
            .bind(envio.id)
            .execute(&self.pool)
            .await
            .map_err(db("recording an unknown outcome"))?;
        Ok(())
    }

    async fn message_id_used(&self, id: &str) -> Result<bool, SchedulerError> {
        let used: Option<i32> =
            sqlx::query_scalar("SELECT id FROM ll_envios_whatsapp WHERE message_id = ? LIMIT 1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db("checking the message id"))?;
        Ok(used.is_some())
    }

    /// The one transaction of a confirmed send: estado, fecha_envio, message_id, historial,
    /// counter, claim. False (and nothing written) when the row was no longer `pendiente`.
    async fn record_sent(
        &self,
        p: &Programacion,
        envio: &Envio,
        message_id: &str,
    ) -> Result<bool, SchedulerError> {
        let now = self.local_now();
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(db("starting the send transaction"))?;
        let updated = sqlx::query(
            "UPDATE ll_envios_whatsapp SET estado = 'enviado', fecha_envio = ?, message_id = ?
             WHERE id = ? AND estado = 'pendiente'",
        )
        .bind(now)
        .bind(message_id)
        .bind(envio.id)
        .execute(&mut *tx)
        .await
        .map_err(db("marking a row enviado"))?
        .rows_affected();
        if updated != 1 {
            tx.rollback().await.map_err(db("rolling back"))?;
            return Ok(false);
        }
        historial(
            &mut tx,
            envio.id,
            "enviado",
            &format!("programacion {} message_id {message_id}", p.id),
            now,
        )
        .await?;
        if self.config.bug != Some(HistoricalBug::NoCounter) {
            sqlx::query(
                "INSERT INTO ll_programacion_envios_diarios (programacion_id, fecha, enviados) VALUES (?, ?, 1)
                 ON DUPLICATE KEY UPDATE enviados = enviados + 1",
            )
            .bind(p.id)
            .bind(now.date())
            .execute(&mut *tx)
            .await
            .map_err(db("adding to today's counter"))?;
        }
        sqlx::query(
            "INSERT INTO lmh_envio_intentos (envio_id, programacion_id, worker, claimed_at, resultado, message_id, actualizado_en)
             VALUES (?, ?, ?, ?, 'confirmado', ?, ?)
             ON DUPLICATE KEY UPDATE resultado = 'confirmado', message_id = VALUES(message_id), actualizado_en = VALUES(actualizado_en)",
        )
        .bind(envio.id)
        .bind(p.id)
        .bind(&self.config.worker_id)
        .bind(self.clock.now().naive_utc())
        .bind(message_id)
        .bind(self.clock.now().naive_utc())
        .execute(&mut *tx)
        .await
        .map_err(db("confirming the claim"))?;
        tx.commit().await.map_err(db("committing the send"))?;
        Ok(true)
    }

    /// Mark a row `error` with its historial row, in one transaction.
    async fn mark_error(
        &self,
        p: &Programacion,
        envio: &Envio,
        reason: &str,
        claimed: bool,
    ) -> Result<(), SchedulerError> {
        let now = self.local_now();
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(db("starting the error transaction"))?;
        let updated = sqlx::query(
            "UPDATE ll_envios_whatsapp SET estado = 'error' WHERE id = ? AND estado = 'pendiente'",
        )
        .bind(envio.id)
        .execute(&mut *tx)
        .await
        .map_err(db("marking a row error"))?
        .rows_affected();
        if updated == 1 {
            historial(
                &mut tx,
                envio.id,
                "error",
                &format!("programacion {}: {reason}", p.id),
                now,
            )
            .await?;
        }
        if claimed {
            sqlx::query("UPDATE lmh_envio_intentos SET resultado = 'fallido', detalle = ?, actualizado_en = ? WHERE envio_id = ?")
                .bind(reason)
                .bind(self.clock.now().naive_utc())
                .bind(envio.id)
                .execute(&mut *tx)
                .await
                .map_err(db("closing the claim"))?;
        }
        tx.commit().await.map_err(db("committing the error"))?;
        Ok(())
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

/// The audit row of a change from `pendiente`, written in the same transaction as the change.
async fn historial(
    tx: &mut sqlx::Transaction<'_, sqlx::MySql>,
    envio_id: i64,
    nuevo: &str,
    detalle: &str,
    at: NaiveDateTime,
) -> Result<(), SchedulerError> {
    sqlx::query(
        "INSERT INTO ll_envios_whatsapp_historial (envio_id, estado_anterior, estado_nuevo, origen, detalle, created_at)
         VALUES (?, 'pendiente', ?, ?, ?, ?)",
    )
    .bind(envio_id)
    .bind(nuevo)
    .bind(ORIGIN)
    .bind(detalle)
    .bind(at)
    .execute(&mut **tx)
    .await
    .map_err(db("writing historial"))?;
    Ok(())
}

fn bug_marked_first(bug: Option<HistoricalBug>) -> bool {
    bug == Some(HistoricalBug::MarkBeforeSend)
}

/// A recipient-level failure (invalid number, bad `to`/`message`), or `None` for a failure of
/// the session or the provider.
fn recipient_failure(e: &AdapterError) -> Option<String> {
    match e.domain()? {
        DomainError::InvalidRequest { message } => {
            Some(format!("provider refused the request: {message}"))
        }
        DomainError::SendFailed { reason } => {
            let lower = reason.to_lowercase();
            let about_recipient = ["not registered", "invalid wid", "invalid number"]
                .iter()
                .any(|k| lower.contains(k));
            about_recipient.then(|| format!("provider could not send to this number: {reason}"))
        }
        _ => None,
    }
}

/// The `to` and `message` of a row, or why it must not reach the provider.
fn recipient(envio: &Envio) -> Result<(String, String), String> {
    let phone = envio.telefono.as_deref().unwrap_or("");
    if phone.trim().is_empty() {
        return Err("no phone number (telefono_wapp empty)".into());
    }
    let message = envio.mensaje.as_deref().unwrap_or("");
    if message.trim().is_empty() {
        return Err("no message text (mensaje_final empty)".into());
    }
    let to = normalize_phone(phone).ok_or_else(|| format!("invalid phone number {phone:?}"))?;
    Ok((to, message.to_string()))
}

/// `telefono_wapp` as a WhatsApp chat id (`digits@c.us`), or `None` when it is not one:
/// 8 to 15 digits, no leading 0, optionally already ending in `@c.us`. Nothing is guessed
/// (no `+`, spaces or dashes removed): what is sent is the row's number, as stored.
///
/// ```
/// use lmh::scheduler::normalize_phone;
/// assert_eq!(normalize_phone("5491134567890").as_deref(), Some("5491134567890@c.us"));
/// assert_eq!(normalize_phone("5491134567890@c.us").as_deref(), Some("5491134567890@c.us"));
/// assert_eq!(normalize_phone("+54 9 11 3456-7890"), None);
/// assert_eq!(normalize_phone("011345678"), None);
/// ```
pub fn normalize_phone(raw: &str) -> Option<String> {
    let digits = raw.strip_suffix("@c.us").unwrap_or(raw);
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| format!("{digits}@c.us"))
}

/// Whether `dias_semana` (comma list of sun..sat) includes `day`.
pub fn runs_on(dias_semana: &str, day: Weekday) -> bool {
    let name = weekday_name(day);
    dias_semana
        .split(',')
        .any(|d| d.trim().eq_ignore_ascii_case(name))
}

/// The three-letter name `dias_semana` uses.
pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Sun => "sun",
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
    }
}

/// Whether `t` is within `[start, end]`; an inverted window holds no time at all.
pub fn in_window(t: NaiveTime, start: NaiveTime, end: NaiveTime) -> bool {
    start <= t && t <= end
}

/// Business-local `naive` time in `tz` as a UTC instant (the earliest, around DST changes).
pub fn local_to_utc(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

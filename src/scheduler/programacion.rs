//! One programación's walk through the gates, in [`Gate::ORDER`], as the scheduler reaches
//! them (the session is asked only once the window and the quota hold), and its lock.

use chrono::{NaiveDate, NaiveDateTime};

use super::{Event, Lane, Programacion, Scheduler, SchedulerError, TickReport, db};
use crate::db::rows::{PROGRAMACION_COLUMNS, decode_programacion};
use crate::domain::{BusinessTime, EstadoProgramacion, Gate, Skip, gates, instance_id};
use crate::session::SessionState;

/// What a programación's walk through the gates has found so far.
struct Walk {
    /// When its gates are judged.
    now: BusinessTime,
    /// Whether the walk holds the programación's lock.
    locked: bool,
    /// Sends left today, once the quota gate passed.
    left: i64,
}

impl Scheduler {
    /// Every approved programación (the date range is a gate, judged by the tick).
    pub(super) async fn approved_programaciones(
        &self,
    ) -> Result<Vec<Programacion>, SchedulerError> {
        let sql = format!(
            "SELECT {PROGRAMACION_COLUMNS} FROM ll_programaciones WHERE estado = ? ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(EstadoProgramacion::Aprobada.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(db("reading approved programaciones"))?;
        rows.iter()
            .map(decode_programacion)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("decoding programaciones"))
    }

    /// One programación: its gates, then its batch. Returns whether it had work it should
    /// have done (every gate passed and rows pending), for stuck detection.
    pub(super) async fn run_programacion(
        &self,
        p: &Programacion,
        lane: &mut Lane<'_>,
        report: &mut TickReport,
    ) -> Result<bool, SchedulerError> {
        let mut walk = Walk {
            now: self.business_now(),
            locked: false,
            left: 0,
        };
        let result = match self.walk_gates(p, &mut walk, report).await {
            // The session gate passed, so cliente_id is a positive integer.
            Ok(true) => {
                let cliente_id = u64::try_from(p.cliente_id).unwrap_or_default();
                self.send_batch(p, cliente_id, walk.left, lane, report)
                    .await
            }
            other => other,
        };
        if walk.locked {
            self.unlock(p).await?;
        }
        result
    }

    /// Judge the gates in [`Gate::ORDER`]; false once one holds the programación back (then
    /// decided), or when a live process holds its lock. The lock is taken before the first
    /// gate judged under it, except in a dry run, which writes nothing, not even a lock.
    async fn walk_gates(
        &self,
        p: &Programacion,
        walk: &mut Walk,
        report: &mut TickReport,
    ) -> Result<bool, SchedulerError> {
        for gate in Gate::ORDER {
            if gate.under_lock() && !walk.locked && !self.config.dry_run {
                if !self.lock(p, report).await? {
                    return Ok(false);
                }
                walk.locked = true;
                // Another scheduler may have sent since the quota was read.
                if let Err(skip) = self.judge(Gate::Quota, p, walk).await? {
                    self.skipped(report, p, &skip);
                    return Ok(false);
                }
            }
            if let Err(skip) = self.judge(gate, p, walk).await? {
                self.skipped(report, p, &skip);
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// One gate, on the facts it needs, read now.
    async fn judge(
        &self,
        gate: Gate,
        p: &Programacion,
        walk: &mut Walk,
    ) -> Result<Result<(), Skip>, SchedulerError> {
        let now = walk.now;
        Ok(match gate {
            // The tick took it for its date range; judged again at the walk's own now, since
            // a tick that paces past midnight meets a new day.
            Gate::DateRange => gates::date_range(p, now),
            Gate::Weekday => gates::weekday(p, now),
            Gate::Window => gates::window(p, now),
            Gate::Quota => {
                let enviados = self.sent_today(p.id, now.today()).await?;
                gates::quota(p, enviados, now).map(|left| walk.left = left)
            }
            Gate::Session => gates::session(p, self.session_state(p).await),
            Gate::Campaign => gates::campaign(p, self.campaign_estado(p).await?.as_deref()),
            // Judged by the batch on the first page of rows it reads: one read for both.
            Gate::Pending => Ok(()),
        })
    }

    /// The client's session state, as the adapter reads `sender_{cliente_id}`, or why it
    /// cannot be read.
    async fn session_state(&self, p: &Programacion) -> Result<SessionState, String> {
        let Some(instance) = instance_id(p.cliente_id) else {
            return Err(format!(
                "cliente_id {} is not a positive integer",
                p.cliente_id
            ));
        };
        self.client
            .get_session(&instance)
            .await
            .map(|session| session.state)
            .map_err(|e| e.to_string())
    }

    /// The campaign's `estado`; `None` when it does not exist.
    async fn campaign_estado(&self, p: &Programacion) -> Result<Option<String>, SchedulerError> {
        sqlx::query_scalar("SELECT CAST(estado AS CHAR) FROM ll_campanias_whatsapp WHERE id = ?")
            .bind(p.campania_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("reading the campaign"))
    }

    /// Take the programación's lock, or a stale one; false when a live process holds it.
    pub(super) async fn lock(
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
        let q = sqlx::query(
            "UPDATE ll_programaciones SET locked_at = ?, locked_by = ?
             WHERE id = ? AND (locked_at IS NULL OR locked_at < ? OR locked_by = ?)",
        )
        .bind(now)
        .bind(&self.config.worker_id)
        .bind(p.id)
        .bind(stale)
        .bind(&self.config.worker_id);
        let taken = self
            .commit_one(q, "taking the programación lock")
            .await?
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

    pub(super) async fn unlock(&self, p: &Programacion) -> Result<(), SchedulerError> {
        let q = sqlx::query(
            "UPDATE ll_programaciones SET locked_at = NULL, locked_by = NULL WHERE id = ? AND locked_by = ?",
        )
        .bind(p.id)
        .bind(&self.config.worker_id);
        self.commit_one(q, "releasing the programación lock")
            .await?;
        Ok(())
    }

    /// Keep the lock alive; false when another scheduler took it over.
    pub(super) async fn refresh_lock(&self, p: &Programacion) -> Result<bool, SchedulerError> {
        // sqlx connects with CLIENT_FOUND_ROWS: an unchanged locked_at still counts as matched.
        let q = sqlx::query(
            "UPDATE ll_programaciones SET locked_at = ? WHERE id = ? AND locked_by = ?",
        )
        .bind(self.clock.now().naive_utc())
        .bind(p.id)
        .bind(&self.config.worker_id);
        let done = self
            .commit_one(q, "refreshing the programación lock")
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn sent_today(
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
}

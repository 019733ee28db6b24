//! Steps 1–6 of a tick for one programación: read, window, lock, session, campaign, quota.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use sqlx::Row;

use super::rules::{in_window, runs_on, weekday_name};
use super::{Event, Lane, Programacion, Scheduler, SchedulerError, TickReport, db};

impl Scheduler {
    /// Step 1: approved, and today within `[fecha_inicio, fecha_fin]` (today given, never
    /// `CURDATE()`, so the DB session zone cannot move it).
    pub(super) async fn approved_programaciones(
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
    pub(super) async fn run_programacion(
        &self,
        p: &Programacion,
        lane: &mut Lane<'_>,
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
            return self.locked_programacion(p, lane, report).await;
        }
        // A used-up quota needs no lock, session or campaign (the counter only grows within a
        // day); checked again under the lock before any send.
        if self.quota_used_up(p, report).await? {
            return Ok(false);
        }
        if !self.lock(p, report).await? {
            return Ok(false);
        }
        let result = self.locked_programacion(p, lane, report).await;
        self.unlock(p).await?;
        result
    }

    pub(super) async fn locked_programacion(
        &self,
        p: &Programacion,
        lane: &mut Lane<'_>,
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
            self.quota_exhausted(p, used, today, report);
            return Ok(false);
        }
        self.send_batch(p, cliente_id, left, lane, report).await
    }

    /// Whether today's quota is used up (then decided as such).
    async fn quota_used_up(
        &self,
        p: &Programacion,
        report: &mut TickReport,
    ) -> Result<bool, SchedulerError> {
        let today = self.local_now().date();
        let used = self.sent_today(p.id, today).await?;
        if used < p.cupo_diario {
            return Ok(false);
        }
        self.quota_exhausted(p, used, today, report);
        Ok(true)
    }

    fn quota_exhausted(
        &self,
        p: &Programacion,
        used: i64,
        today: NaiveDate,
        report: &mut TickReport,
    ) {
        self.decide(
            report,
            Some(p.id),
            None,
            Event::SkipQuotaExhausted,
            format!("{used} of cupo_diario {} sent on {today}", p.cupo_diario),
        );
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

//! The claim on a row and the transactions that close it (invariants 9, 11 and 12).

use chrono::{DateTime, NaiveDateTime, Utc};

use super::{Envio, ORIGIN, Programacion, Scheduler, SchedulerError, db};
use crate::domain::EstadoEnvio;

/// SQL condition on `e` (an `ll_envios_whatsapp` row): no claim holds it. A released claim
/// (`reintentar`) does not; the attempt limit is enforced when it is claimed again. The SQL
/// side of [`crate::domain::ResultadoIntento::holds_row`].
pub const UNCLAIMED: &str = "NOT EXISTS (SELECT 1 FROM lmh_envio_intentos i WHERE i.envio_id = e.id AND i.resultado <> 'reintentar')";

/// What became of a confirmed send's transaction.
pub(super) enum Recorded {
    /// Recorded; whether the next row was claimed with it.
    Sent {
        /// The next row is now ours to send.
        next_claimed: bool,
    },
    /// The row was no longer `pendiente`: nothing written.
    RowChanged,
    /// Another row already has this message id: nothing written.
    IdRepeated,
}

/// A fresh claim of `envio` for `p`, inside `tx`; false when the row is claimed already or no
/// longer `pendiente`.
async fn insert_claim(
    tx: &mut sqlx::Transaction<'_, sqlx::MySql>,
    p: &Programacion,
    envio: &Envio,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool, SchedulerError> {
    let inserted = sqlx::query(
        "INSERT IGNORE INTO lmh_envio_intentos (envio_id, programacion_id, worker, claimed_at)
         SELECT id, ?, ?, ? FROM ll_envios_whatsapp WHERE id = ? AND estado = 'pendiente'",
    )
    .bind(p.id)
    .bind(worker)
    .bind(now.naive_utc())
    .bind(envio.id)
    .execute(&mut **tx)
    .await
    .map_err(db("claiming a row"))?
    .rows_affected();
    Ok(inserted == 1)
}

impl Scheduler {
    /// Claim a row for one more `/send`: a fresh claim, or a released one (`reintentar`)
    /// with attempts left. The attempt number, or `None` when the row is not ours to send.
    pub(super) async fn claim(
        &self,
        p: &Programacion,
        envio: &Envio,
    ) -> Result<Option<u32>, SchedulerError> {
        let mut tx = self.pool.begin().await.map_err(db("claiming a row"))?;
        let fresh =
            insert_claim(&mut tx, p, envio, &self.config.worker_id, self.clock.now()).await?;
        tx.commit().await.map_err(db("claiming a row"))?;
        if fresh {
            return Ok(Some(1));
        }
        self.reclaim(p, envio).await
    }

    /// Take a released claim back for its next attempt, within the limit. LAST_INSERT_ID(expr)
    /// hands the new count back in the same statement.
    async fn reclaim(
        &self,
        p: &Programacion,
        envio: &Envio,
    ) -> Result<Option<u32>, SchedulerError> {
        let q = sqlx::query(
            "UPDATE lmh_envio_intentos
             SET resultado = 'en_curso', worker = ?, programacion_id = ?, claimed_at = ?,
                 intentos = LAST_INSERT_ID(intentos + 1)
             WHERE envio_id = ? AND resultado = 'reintentar' AND intentos < ?",
        )
        .bind(&self.config.worker_id)
        .bind(p.id)
        .bind(self.clock.now().naive_utc())
        .bind(envio.id)
        .bind(self.config.max_attempts);
        let done = self.commit_one(q, "claiming a row again").await?;
        Ok((done.rows_affected() == 1)
            .then(|| u32::try_from(done.last_insert_id()).unwrap_or(u32::MAX)))
    }

    /// A send that certainly did not go out: release the claim for a later attempt, or, at the
    /// limit, mark the row `error`. True when the row was marked `error`.
    pub(super) async fn release(
        &self,
        p: &Programacion,
        envio: &Envio,
        attempt: u32,
        reason: &str,
    ) -> Result<bool, SchedulerError> {
        if attempt >= self.config.max_attempts {
            let reason = format!(
                "gave up after {attempt} attempts (limit {}), none delivered; last: {reason}",
                self.config.max_attempts
            );
            self.mark_error(p, envio, &reason, true).await?;
            return Ok(true);
        }
        let q = sqlx::query(
            "UPDATE lmh_envio_intentos SET resultado = 'reintentar', detalle = CONCAT_WS('\\n', detalle, ?), actualizado_en = ?
             WHERE envio_id = ? AND worker = ? AND resultado = 'en_curso'",
        )
        .bind(self.attempt_note(attempt, reason))
        .bind(self.clock.now().naive_utc())
        .bind(envio.id)
        .bind(&self.config.worker_id);
        self.commit_one(q, "releasing a claim").await?;
        Ok(false)
    }

    /// One line of the claim's record: which attempt, when (UTC), why.
    fn attempt_note(&self, attempt: u32, reason: &str) -> String {
        format!(
            "attempt {attempt} at {} UTC: {reason}",
            self.clock.now().naive_utc().format("%Y-%m-%d %H:%M:%S")
        )
    }

    pub(super) async fn mark_unknown(
        &self,
        envio: &Envio,
        detail: &str,
    ) -> Result<(), SchedulerError> {
        let q = sqlx::query("UPDATE lmh_envio_intentos SET resultado = 'desconocido', detalle = CONCAT_WS('\\n', detalle, ?), actualizado_en = ? WHERE envio_id = ?")
            .bind(detail)
            .bind(self.clock.now().naive_utc())
            .bind(envio.id);
        self.commit_one(q, "recording an unknown outcome").await?;
        Ok(())
    }

    /// The one transaction (and the one commit) of a confirmed send: estado, fecha_envio,
    /// message_id, historial, counter, claim, and the claim of `next`, the row the batch sends
    /// next, so it is durably claimed before its `/send` without a commit of its own. Nothing
    /// is written when the row was no longer `pendiente` or the id was already recorded.
    pub(super) async fn record_sent(
        &self,
        p: &Programacion,
        envio: &Envio,
        message_id: &str,
        next: Option<&Envio>,
    ) -> Result<Recorded, SchedulerError> {
        let now = self.local_now();
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(db("starting the send transaction"))?;
        if self.config.rules.is_reference() {
            let used: Option<i32> = sqlx::query_scalar(
                "SELECT id FROM ll_envios_whatsapp WHERE message_id = ? LIMIT 1",
            )
            .bind(message_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("checking the message id"))?;
            if used.is_some() {
                tx.rollback().await.map_err(db("rolling back"))?;
                return Ok(Recorded::IdRepeated);
            }
        }
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
            return Ok(Recorded::RowChanged);
        }
        historial(
            &mut tx,
            envio.id,
            EstadoEnvio::Enviado.as_str(),
            &format!("programacion {} message_id {message_id}", p.id),
            now,
        )
        .await?;
        if self.config.rules.count_sends {
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
        let next_claimed = match next {
            Some(n) => {
                insert_claim(&mut tx, p, n, &self.config.worker_id, self.clock.now()).await?
            }
            None => false,
        };
        tx.commit().await.map_err(db("committing the send"))?;
        Ok(Recorded::Sent { next_claimed })
    }

    /// Drop a claim this batch made and never used for a `/send` (its first attempt).
    pub(super) async fn release_unsent(&self, envio_id: i64) -> Result<(), SchedulerError> {
        let q = sqlx::query(
            "DELETE FROM lmh_envio_intentos
             WHERE envio_id = ? AND worker = ? AND resultado = 'en_curso' AND intentos = 1",
        )
        .bind(envio_id)
        .bind(&self.config.worker_id);
        self.commit_one(q, "releasing an unsent claim").await?;
        Ok(())
    }

    /// One write as its own transaction. Every write of the scheduler is inside an explicit
    /// transaction, so the server's `Com_commit` counts each durable commit (`lmh bench`).
    pub(super) async fn commit_one(
        &self,
        q: sqlx::query::Query<'_, sqlx::MySql, sqlx::mysql::MySqlArguments>,
        doing: &str,
    ) -> Result<sqlx::mysql::MySqlQueryResult, SchedulerError> {
        let mut tx = self.pool.begin().await.map_err(db(doing))?;
        let done = q.execute(&mut *tx).await.map_err(db(doing))?;
        tx.commit().await.map_err(db(doing))?;
        Ok(done)
    }

    /// Mark a row `error` with its historial row, in one transaction.
    pub(super) async fn mark_error(
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
                EstadoEnvio::Error.as_str(),
                &format!("programacion {}: {reason}", p.id),
                now,
            )
            .await?;
        }
        if claimed {
            sqlx::query("UPDATE lmh_envio_intentos SET resultado = 'fallido', detalle = CONCAT_WS('\\n', detalle, ?), actualizado_en = ? WHERE envio_id = ?")
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
}

/// The audit row of a change from `pendiente`, written in the same transaction as the change.
pub(super) async fn historial(
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

//! The claim on a row and the transactions that close it (invariants 9, 11 and 12).

use chrono::{DateTime, NaiveDateTime, Utc};

use super::recording::RecordingConn;
use super::{Envio, ORIGIN, Programacion, Scheduler, SchedulerError, db};
use crate::domain::{EstadoEnvio, PendingRows};

/// SQL condition on `i` (an `lmh_envio_intentos` row): its claim holds its row. A macro so that
/// [`UNCLAIMED`] and [`Scheduler::held_rows`] are built from it at compile time.
macro_rules! holds_row {
    () => {
        "i.resultado <> 'reintentar'"
    };
}

/// SQL condition on `e` (an `ll_envios_whatsapp` row): no claim holds it. A released claim
/// (`reintentar`) does not; the attempt limit is enforced when it is claimed again. The SQL
/// side of [`crate::domain::ResultadoIntento::holds_row`].
pub const UNCLAIMED: &str = concat!(
    "NOT EXISTS (SELECT 1 FROM lmh_envio_intentos i WHERE i.envio_id = e.id AND ",
    holds_row!(),
    ")"
);

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
    /// The campaign's `pendiente` rows held by a claim, and how many of those have an unknown
    /// outcome: counted as `doctor` counts them, so that both say the same when nothing is
    /// left to send.
    pub(super) async fn held_rows(&self, campania_id: i64) -> Result<PendingRows, SchedulerError> {
        let (claimed, outcome_unknown): (i64, i64) = sqlx::query_as(concat!(
            "SELECT CAST(COUNT(*) AS SIGNED),
                    CAST(COALESCE(SUM(i.resultado = 'desconocido'), 0) AS SIGNED)
             FROM ll_envios_whatsapp e
             JOIN lmh_envio_intentos i ON i.envio_id = e.id AND ",
            holds_row!(),
            " WHERE e.campania_id = ? AND e.estado = 'pendiente'",
        ))
        .bind(campania_id)
        .fetch_one(&self.pool)
        .await
        .map_err(db("counting the claimed pendiente rows"))?;
        Ok(PendingRows {
            unclaimed: 0,
            claimed,
            outcome_unknown,
        })
    }

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

    /// The claim of a send whose outcome is unknown is left for a person. Only an open claim:
    /// a transaction that committed and then lost its answer has confirmed it already.
    pub(super) async fn mark_unknown(
        &self,
        envio: &Envio,
        detail: &str,
    ) -> Result<(), SchedulerError> {
        let q = sqlx::query("UPDATE lmh_envio_intentos SET resultado = 'desconocido', detalle = CONCAT_WS('\\n', detalle, ?), actualizado_en = ? WHERE envio_id = ? AND resultado = 'en_curso'")
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
    ///
    /// One round trip: the statements are the stored procedure `lmh_confirmar_envio`
    /// (migration 0005), run on the batch's own connection when it has one.
    pub(super) async fn record_sent(
        &self,
        p: &Programacion,
        envio: &Envio,
        message_id: &str,
        next: Option<&Envio>,
        recording: &mut RecordingConn,
    ) -> Result<Recorded, SchedulerError> {
        let now = self.local_now();
        let utc = self.clock.now().naive_utc();
        let detalle = format!("programacion {} message_id {message_id}", p.id);
        let call = sqlx::query_as::<_, (String, i64)>(
            "CALL lmh_confirmar_envio(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(envio.id)
        .bind(p.id)
        .bind(&self.config.worker_id)
        .bind(message_id)
        .bind(ORIGIN)
        .bind(detalle)
        .bind(now)
        .bind(utc)
        .bind(next.map(|n| n.id))
        // The placeholder id of a row marked before its send repeats by design.
        .bind(self.config.rules.enviado_after_send)
        .bind(self.config.rules.count_sends)
        .bind(self.config.rules.claim_before_send);
        let mut conn = recording
            .take(&self.pool)
            .await
            .map_err(db("committing the send"))?;
        let rows = match call.fetch_all(&mut *conn).await {
            Ok(rows) => rows,
            Err(e) => {
                // It may be broken (killed, timed out) or, had the procedure's handler not
                // run, inside an open transaction: closed, never back in the pool.
                conn.close_on_drop();
                return Err(db("committing the send")(e));
            }
        };
        recording.keep(conn);
        match rows.first().map(|(r, n)| (r.as_str(), *n)) {
            Some(("sent", next_claimed)) => Ok(Recorded::Sent {
                next_claimed: next_claimed == 1,
            }),
            Some(("row_changed", _)) => Ok(Recorded::RowChanged),
            Some(("id_repeated", _)) => Ok(Recorded::IdRepeated),
            other => Err(SchedulerError::Db {
                doing: "committing the send".into(),
                source: sqlx::Error::Protocol(format!("lmh_confirmar_envio answered {other:?}")),
            }),
        }
    }

    /// Drop a claim this batch made for `p` and never used for a `/send` (its first attempt).
    /// Only this batch's: the row may be claimed by another programación's lane, or, after a
    /// transaction that claimed it failed, by nobody.
    pub(super) async fn release_unsent(
        &self,
        p: &Programacion,
        envio_id: i64,
    ) -> Result<(), SchedulerError> {
        let q = sqlx::query(
            "DELETE FROM lmh_envio_intentos
             WHERE envio_id = ? AND worker = ? AND programacion_id = ? AND resultado = 'en_curso' AND intentos = 1",
        )
        .bind(envio_id)
        .bind(&self.config.worker_id)
        .bind(p.id);
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

//! Step 7 for one programación: pending rows, pacing, and what each send's answer means.

use std::time::Duration;

use chrono::NaiveDate;
use sqlx::Row;

use super::claim::UNCLAIMED;
use super::rules::{bug_marked_first, in_window, may_have_sent, recipient, recipient_failure};
use super::{
    BatchEnd, Envio, Event, HistoricalBug, Pacing, Programacion, Scheduler, SchedulerError,
    TickReport, db,
};
use crate::adapter::{AdapterError, ErrorKind};

impl Scheduler {
    /// Pending rows nobody has claimed, oldest first.
    pub(super) async fn pending(
        &self,
        campania_id: i64,
        limit: i64,
    ) -> Result<Vec<Envio>, SchedulerError> {
        let claimed_filter = if self.config.bug == Some(HistoricalBug::NoClaim) {
            String::new()
        } else {
            format!("AND {UNCLAIMED}")
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
    pub(super) async fn send_batch(
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
    pub(super) async fn dry_run_batch(
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
    pub(super) async fn before_send(
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

    pub(super) fn pause(&self) -> Duration {
        let Pacing { min, max } = self.config.pacing;
        if max <= min {
            return min;
        }
        let span = (max - min).as_millis() as u64;
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        min + Duration::from_millis(rng.u64(0..=span))
    }

    /// Claim, send and record one row. `Stopped` ends the batch.
    pub(super) async fn send_one(
        &self,
        p: &Programacion,
        cliente_id: u64,
        envio: &Envio,
        to: &str,
        message: &str,
        report: &mut TickReport,
    ) -> Result<BatchEnd, SchedulerError> {
        let bug = self.config.bug;
        let attempt = if bug == Some(HistoricalBug::NoClaim) {
            1
        } else {
            match self.claim(p, envio).await? {
                Some(attempt) => attempt,
                // Another scheduler got there first, or no attempt is left: not ours to send.
                None => return Ok(BatchEnd::Done),
            }
        };
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
            Err(e) => self.send_failed(p, envio, attempt, e, report).await,
        }
    }

    /// Decide what a failed send means for the row and the batch.
    pub(super) async fn send_failed(
        &self,
        p: &Programacion,
        envio: &Envio,
        attempt: u32,
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
        if e.outcome_unknown() || matches!(e.kind, ErrorKind::Protocol(_)) || may_have_sent(&e) {
            // The request reached the provider and we could not read a valid answer, or the
            // provider failed after it may have handed the message to WhatsApp.
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
        // Certainly not sent: release the claim for a later tick, within the attempt limit.
        if claimed && self.release(p, envio, attempt, &detail).await? {
            report.errors += 1;
            self.decide(
                report,
                Some(p.id),
                Some(envio.id),
                Event::AttemptsExhausted,
                format!("{attempt} attempts, none delivered: row marked error"),
            );
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
    pub(super) async fn outcome_unknown(
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
}

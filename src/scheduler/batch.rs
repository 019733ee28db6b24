//! Step 7 for one programación: pending rows, pacing, and what each send's answer means.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use super::claim::{Recorded, UNCLAIMED};
use super::recording::RecordingConn;
use super::rules::{may_have_sent, recipient_failure};
use super::{
    BatchEnd, Envio, Event, Lane, Pacing, Programacion, Scheduler, SchedulerError, TickReport, db,
};
use crate::adapter::{AdapterError, ErrorKind};
use crate::db::rows::{ENVIO_COLUMNS, decode_envio};
use crate::domain::gates;

/// Where a batch stands between two sends.
pub(super) struct Batch {
    /// The business day it started on (it stops at midnight).
    day: NaiveDate,
    /// Quota left today, kept under the lock.
    left: i64,
    /// When the lock was last known to be ours.
    lock_checked: DateTime<Utc>,
    /// A row claimed with the previous send's result, not sent yet.
    preclaimed: Option<i64>,
    /// The connection the batch's sends are recorded on (parked before any other statement).
    recording: RecordingConn,
}

/// One row to send, and the row after it (claimed with this one's result).
struct Send<'a> {
    cliente_id: u64,
    envio: &'a Envio,
    to: &'a str,
    message: &'a str,
    next: Option<&'a Envio>,
}

impl Scheduler {
    /// Pending rows nobody has claimed, oldest first.
    pub(super) async fn pending(
        &self,
        campania_id: i64,
        limit: i64,
    ) -> Result<Vec<Envio>, SchedulerError> {
        let claimed_filter = if !self.config.rules.claim_before_send {
            String::new()
        } else {
            format!("AND {UNCLAIMED}")
        };
        let sql = format!(
            "SELECT {ENVIO_COLUMNS} FROM ll_envios_whatsapp e
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
            .map(decode_envio)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("decoding pending rows"))
    }

    /// Step 7: send up to `left` rows. Returns whether there was work (rows pending).
    pub(super) async fn send_batch(
        &self,
        p: &Programacion,
        cliente_id: u64,
        left: i64,
        lane: &mut Lane<'_>,
        report: &mut TickReport,
    ) -> Result<bool, SchedulerError> {
        if self.config.dry_run {
            return self.dry_run_batch(p, left, report).await;
        }
        let mut b = Batch {
            day: self.local_now().date(),
            left,
            lock_checked: self.clock.now(),
            preclaimed: None,
            recording: RecordingConn::default(),
        };
        let result = self.batch_rows(p, cliente_id, &mut b, lane, report).await;
        b.recording.park();
        // A row claimed with the previous send's result but never sent is released at once.
        if let Some(id) = b.preclaimed.take() {
            self.release_unsent(p, id).await?;
        }
        let had_rows = result?;
        if !had_rows {
            self.nothing_pending(p, report).await?;
        }
        Ok(had_rows)
    }

    /// The rows of a batch, page by page. Each row leaves the pending set (claimed or marked
    /// error) before the next page, so paging ends.
    async fn batch_rows(
        &self,
        p: &Programacion,
        cliente_id: u64,
        b: &mut Batch,
        lane: &mut Lane<'_>,
        report: &mut TickReport,
    ) -> Result<bool, SchedulerError> {
        let mut had_rows = false;
        let mut seen = HashSet::new();
        while b.left > 0 {
            b.recording.park();
            let page = self.pending(p.campania_id, b.left).await?;
            // A row this batch already tried and could not claim (taken by another scheduler,
            // or out of attempts) must not keep the paging going.
            let mut rows: VecDeque<Envio> =
                page.into_iter().filter(|e| seen.insert(e.id)).collect();
            if rows.is_empty() {
                break;
            }
            had_rows = true;
            while let Some(envio) = rows.pop_front() {
                let Some((to, message)) = self.sendable(p, &envio, b, report).await? else {
                    continue;
                };
                if !self.wait_turn(lane).await {
                    let detail = "next send of this client is due after this tick's budget";
                    self.decide(report, Some(p.id), None, Event::PacedToNextTick, detail);
                    return Ok(true);
                }
                if let Some((event, detail)) = self.before_send(p, b).await? {
                    self.decide(report, Some(p.id), None, event, detail);
                    return Ok(true);
                }
                // The next row is claimed in the same transaction as this one's result, unless
                // pacing puts its send after this tick's budget (a claim then only costs a
                // release).
                let pause = self.pause();
                let next = rows.front().filter(|n| {
                    b.left > 1
                        && self.config.rules.is_reference()
                        && n.recipient().is_ok()
                        && !self.after_budget(lane, self.clock.now() + to_chrono(pause))
                });
                let send = Send {
                    cliente_id,
                    envio: &envio,
                    to: &to,
                    message: &message,
                    next,
                };
                let end = self.send_one(p, send, b, report).await?;
                self.paced(lane.cliente_id, pause);
                if let BatchEnd::Stopped = end {
                    return Ok(true);
                }
            }
        }
        Ok(had_rows)
    }

    /// The row's `to` and `message`, or `None` after marking it `error` (no quota used).
    async fn sendable(
        &self,
        p: &Programacion,
        envio: &Envio,
        b: &mut Batch,
        report: &mut TickReport,
    ) -> Result<Option<(String, String)>, SchedulerError> {
        match envio.recipient() {
            Ok(r) => Ok(Some((r.to, r.message))),
            Err(reason) => {
                b.recording.park();
                let reason = reason.to_string();
                self.mark_error(p, envio, &reason, false).await?;
                report.errors += 1;
                self.decide(
                    report,
                    Some(p.id),
                    Some(envio.id),
                    Event::RecipientError,
                    reason,
                );
                Ok(None)
            }
        }
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
            match envio.recipient() {
                Ok(r) => {
                    would_send += 1;
                    self.decide(
                        report,
                        Some(p.id),
                        Some(envio.id),
                        Event::DryRunWouldSend,
                        format!("DRY_RUN: would send to {}", r.to),
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
            self.nothing_pending(p, report).await?;
        }
        Ok(false)
    }

    /// What must still hold when a send is about to start, after a pause that may have been
    /// long: the window (no send starts outside it), the lock (a process whose lock went
    /// stale must not go on beside the one that took it over) and the quota. The lock is
    /// checked when due (a quarter of the stale-lock timeout): before that nobody may take it
    /// over. The quota is kept in memory under the lock, and re-read whenever the lock was
    /// checked. `Some` says why the batch stops.
    pub(super) async fn before_send(
        &self,
        p: &Programacion,
        b: &mut Batch,
    ) -> Result<Option<(Event, String)>, SchedulerError> {
        let now = self.local_now();
        if now.date() != b.day || !p.window().contains(now.time()) {
            return Ok(Some((
                Event::WindowClosed,
                format!(
                    "window [{}, {}] of {} closed at {now}",
                    p.hora_inicio, p.hora_fin, b.day
                ),
            )));
        }
        let due = self.config.lock_timeout / 4;
        let since = (self.clock.now() - b.lock_checked)
            .to_std()
            .unwrap_or_default();
        if since >= due {
            b.recording.park();
            if !self.refresh_lock(p).await? {
                return Ok(Some((
                    Event::BatchStopped,
                    format!(
                        "lost the lock of programación {}: another scheduler took it over",
                        p.id
                    ),
                )));
            }
            b.lock_checked = self.clock.now();
            b.left = p.cupo_diario - self.sent_today(p.id, b.day).await?;
        }
        if let Err(skip) = gates::quota(p, p.cupo_diario - b.left, self.business_now()) {
            return Ok(Some((Event::SkipQuotaExhausted, skip.to_string())));
        }
        Ok(None)
    }

    /// Wait for this client's pacing; false (without waiting) when the send is due after the
    /// tick's budget.
    async fn wait_turn(&self, lane: &mut Lane<'_>) -> bool {
        let now = self.clock.now();
        let due = self.lock_next_send().get(&lane.cliente_id).copied();
        let Some(due) = due.filter(|d| *d > now) else {
            return true;
        };
        if self.after_budget(lane, due) {
            lane.yielded = true;
            return false;
        }
        lane.timeline
            .sleep((due - now).to_std().unwrap_or_default())
            .await;
        true
    }

    /// Whether a send at `at` would start after this lane's tick budget.
    fn after_budget(&self, lane: &Lane<'_>, at: DateTime<Utc>) -> bool {
        self.config
            .tick_budget
            .is_some_and(|budget| at > lane.tick_start + to_chrono(budget))
    }

    /// Whether this client's next send is due after the tick's budget.
    pub(super) fn due_after_budget(&self, lane: &Lane<'_>) -> bool {
        let due = self.lock_next_send().get(&lane.cliente_id).copied();
        due.is_some_and(|due| self.after_budget(lane, due))
    }

    /// After a send of this client: its next one waits `pause`.
    fn paced(&self, cliente_id: i64, pause: Duration) {
        let at = self.clock.now() + to_chrono(pause);
        self.lock_next_send().insert(cliente_id, at);
    }

    fn lock_next_send(&self) -> std::sync::MutexGuard<'_, HashMap<i64, DateTime<Utc>>> {
        self.next_send.lock().unwrap_or_else(|e| e.into_inner())
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

    /// Claim (unless already claimed with the previous result), send and record one row.
    /// `Stopped` ends the batch.
    async fn send_one(
        &self,
        p: &Programacion,
        send: Send<'_>,
        b: &mut Batch,
        report: &mut TickReport,
    ) -> Result<BatchEnd, SchedulerError> {
        let Send {
            cliente_id,
            envio,
            to,
            message,
            next,
        } = send;
        let rules = self.config.rules;
        let preclaimed = match b.preclaimed.take() {
            Some(id) if id == envio.id => true,
            Some(other) => {
                b.recording.park();
                self.release_unsent(p, other).await?;
                false
            }
            None => false,
        };
        let attempt = if !rules.claim_before_send || preclaimed {
            1
        } else {
            b.recording.park();
            match self.claim(p, envio).await? {
                Some(attempt) => attempt,
                // Another scheduler got there first, or no attempt is left: not ours to send.
                None => return Ok(BatchEnd::Done),
            }
        };
        if !rules.enviado_after_send {
            self.record_sent(p, envio, "pending-send", None, &mut b.recording)
                .await?;
        }
        match self.client.send_message(cliente_id, to, message).await {
            Ok(sent) => {
                let id = sent.message_id;
                if !rules.enviado_after_send {
                    b.recording.park();
                    sqlx::query("UPDATE ll_envios_whatsapp SET message_id = ? WHERE id = ?")
                        .bind(&id)
                        .bind(envio.id)
                        .execute(&self.pool)
                        .await
                        .map_err(db("recording the message id"))?;
                } else if let Some(detail) = self.confirm(p, envio, &id, next, b).await {
                    return self.outcome_unknown(p, envio, detail, true, report).await;
                }
                b.left -= 1;
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
            Err(e) => {
                b.recording.park();
                self.send_failed(p, envio, attempt, e, report).await
            }
        }
    }

    /// Record a confirmed send (and claim `next` with it). `Some` says why it could not be
    /// recorded: then the outcome is unknown.
    async fn confirm(
        &self,
        p: &Programacion,
        envio: &Envio,
        id: &str,
        next: Option<&Envio>,
        b: &mut Batch,
    ) -> Option<String> {
        let first_time = self
            .seen_ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_string());
        let repeated = format!(
            "provider answered message_id {id:?}, already given for another row: cannot prove this send"
        );
        if !first_time {
            return Some(repeated);
        }
        let unknown = match self.record_sent(p, envio, id, next, &mut b.recording).await {
            Ok(Recorded::Sent { next_claimed }) => {
                b.preclaimed = next.filter(|_| next_claimed).map(|n| n.id);
                return None;
            }
            Ok(Recorded::IdRepeated) => repeated,
            Ok(Recorded::RowChanged) => {
                "the row changed while its send was in flight; not recorded".to_string()
            }
            // The message went out: a failed write must not lose that, nor abort the tick.
            // The transaction may have committed before its answer was lost, claiming `next`
            // with it: the batch stops, so that claim, if it exists, is released.
            Err(e) => {
                b.preclaimed = next.map(|n| n.id);
                format!("sent as message_id {id:?} but recording it failed: {e}")
            }
        };
        b.recording.park();
        Some(unknown)
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
        let claimed = self.config.rules.claim_before_send;
        if !self.config.rules.enviado_after_send {
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

impl Scheduler {
    /// The campaign has no row this programación could take: say why, with the claims that
    /// hold its rows.
    async fn nothing_pending(
        &self,
        p: &Programacion,
        report: &mut TickReport,
    ) -> Result<(), SchedulerError> {
        // Rows that arrive after the page was read wait for the next tick.
        if let Err(skip) = gates::pending(p, self.held_rows(p.campania_id).await?) {
            self.skipped(report, p, &skip);
        }
        Ok(())
    }
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or_default()
}

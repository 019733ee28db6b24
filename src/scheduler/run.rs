//! `lmh scheduler run`'s loop: a tick every period, as central-hub's scheduler does, and what
//! was in flight when it was stopped.

use std::time::Duration;

use super::{Decision, Event, Scheduler, SchedulerError, db};
use crate::db::rows::{INTENTO_COLUMNS, decode_intento};

impl Scheduler {
    /// Tick every `every` (a tick never overlaps the previous one) until `ticks` ticks ran
    /// (at least one; `None`: until dropped) or `go_on` says no after a tick. How many ran.
    pub async fn run(
        &self,
        every: Duration,
        ticks: Option<u32>,
        mut go_on: impl FnMut() -> bool,
    ) -> Result<u32, SchedulerError> {
        let mut n = 0;
        loop {
            let started = tokio::time::Instant::now();
            self.tick().await?;
            n += 1;
            if ticks.is_some_and(|limit| n >= limit) || !go_on() {
                return Ok(n);
            }
            tokio::time::sleep_until(started + every).await;
        }
    }

    /// An `outcome_unknown` decision for each row this worker claimed and never settled: its
    /// send was in flight when the run stopped (a tick dropped where it stood), so it may have
    /// been delivered. The claims stay: nobody re-sends those rows.
    pub async fn in_flight(&self) -> Result<Vec<Decision>, SchedulerError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INTENTO_COLUMNS} FROM lmh_envio_intentos WHERE worker = ? AND resultado = 'en_curso' ORDER BY envio_id",
        )))
        .bind(&self.config.worker_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db("reading the sends in flight"))?;
        let at = self.local_now();
        rows.iter()
            .map(|row| {
                let intento = decode_intento(row).map_err(db("reading a send in flight"))?;
                Ok(Decision {
                    at,
                    programacion_id: Some(intento.programacion_id),
                    envio_id: Some(intento.envio_id),
                    event: Event::OutcomeUnknown,
                    detail: "interrupted while its send was in flight: it may have been delivered; left for a person".into(),
                })
            })
            .collect()
    }
}

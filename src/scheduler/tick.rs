//! One tick: the approved programaciones in their date range, grouped into one lane per
//! client, the lanes side by side (bounded), each lane's programaciones one after another.

use futures_util::stream::{self, StreamExt};

use super::lane::{self, Lane, Timeline};
use super::{Event, Programacion, Scheduler, SchedulerError, TickReport};
use crate::domain::gates;

impl Scheduler {
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
        let timeline = Timeline::new(self.clock.clone(), lanes.len(), limit);
        let mut done: Vec<(usize, Result<TickReport, SchedulerError>)> =
            stream::iter(lanes.into_iter().enumerate())
                .map(|(i, lane)| {
                    let timeline = &timeline;
                    async move { (i, self.run_lane(lane, timeline).await) }
                })
                .buffer_unordered(limit)
                .collect()
                .await;
        // Every lane ran to its end; the report lists them in programación order.
        done.sort_by_key(|(i, _)| *i);
        for (_, lane_report) in done {
            report.merge(lane_report?);
        }
        Ok(report)
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

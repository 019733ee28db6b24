//! Per-client lanes: each client's WhatsApp session is one lane. Within a tick, lanes run
//! concurrently (at most [`SchedulerConfig::max_lanes`](super::SchedulerConfig::max_lanes));
//! inside a lane, programaciones and sends are sequential and paced, so one client's pause,
//! slow provider or failure never delays another client.
//!
//! On a virtual clock, concurrent lanes share one [`Timeline`]: a lane that pauses waits
//! until every running lane is paused too, then the clock moves to the earliest wake-up. So
//! the clock (and the mock's journal, which reads it) shows each send at its true simulated
//! time, as if the lanes had really run side by side.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;

use super::{Clock, Programacion};

/// Programaciones grouped by client, each group in id order, groups in order of their first
/// programación.
pub(super) fn by_client(programaciones: Vec<Programacion>) -> Vec<Vec<Programacion>> {
    let mut lanes: Vec<Vec<Programacion>> = Vec::new();
    for p in programaciones {
        match lanes.iter_mut().find(|l| l[0].cliente_id == p.cliente_id) {
            Some(lane) => lane.push(p),
            None => lanes.push(vec![p]),
        }
    }
    lanes
}

/// Shared time of the lanes of one tick.
pub(super) struct Timeline {
    clock: Clock,
    limit: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Lanes created but not yet running (waiting for a free slot).
    queued: usize,
    /// Lanes running now.
    running: usize,
    /// Paused lanes: when each wakes, and how to wake it.
    sleepers: Vec<(DateTime<Utc>, oneshot::Sender<()>)>,
}

impl Timeline {
    /// A timeline for `lanes` lanes, at most `limit` running at once.
    pub(super) fn new(clock: Clock, lanes: usize, limit: usize) -> Timeline {
        Timeline {
            clock,
            limit: limit.max(1),
            state: Mutex::new(State {
                queued: lanes,
                ..State::default()
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A queued lane starts running.
    pub(super) fn join(&self) {
        let mut s = self.state();
        s.queued = s.queued.saturating_sub(1);
        s.running += 1;
    }

    /// A running lane is done (called on every path, also on error).
    pub(super) fn leave(&self) {
        let mut s = self.state();
        s.running = s.running.saturating_sub(1);
        self.advance(&mut s);
    }

    /// Pause a lane for `d`: really on the system clock; on a virtual clock, until every
    /// running lane is paused and `d` has passed on the shared clock.
    pub(super) async fn sleep(&self, d: Duration) {
        if matches!(self.clock, Clock::System) {
            return tokio::time::sleep(d).await;
        }
        let wake = {
            let mut s = self.state();
            let (tx, rx) = oneshot::channel();
            let at = self.clock.now() + chrono::Duration::from_std(d).unwrap_or_default();
            s.sleepers.push((at, tx));
            self.advance(&mut s);
            rx
        };
        // A dropped sender only happens when the timeline is gone: nothing left to wait for.
        let _ = wake.await;
    }

    /// While every running lane is paused (and no queued lane can start instead), move the
    /// clock to the earliest wake-up and wake the lanes due then.
    fn advance(&self, s: &mut State) {
        while !s.sleepers.is_empty()
            && s.sleepers.len() >= s.running
            && (s.queued == 0 || s.running >= self.limit)
        {
            let next = s
                .sleepers
                .iter()
                .map(|(at, _)| *at)
                .min()
                .unwrap_or_default();
            if let Ok(wait) = (next - self.clock.now()).to_std() {
                self.clock.advance(wait);
            }
            let now = self.clock.now();
            let (due, later): (Vec<_>, Vec<_>) =
                s.sleepers.drain(..).partition(|(at, _)| *at <= now);
            s.sleepers = later;
            for (_, tx) in due {
                let _ = tx.send(());
            }
        }
    }
}

/// Leaves the timeline when a lane ends, whatever the path.
pub(super) struct Running<'a>(pub(super) &'a Timeline);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// What a lane carries from one send to the next within a tick.
pub(super) struct Lane<'a> {
    /// The tick's shared time.
    pub(super) timeline: &'a Timeline,
    /// The client whose session this lane is.
    pub(super) cliente_id: i64,
    /// When the tick started (the tick budget counts from here).
    pub(super) tick_start: DateTime<Utc>,
    /// Whether the lane left its next send to the next tick.
    pub(super) yielded: bool,
}

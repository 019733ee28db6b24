//! Ticking: the scheduler's ticks on the run's virtual clock until nothing is left to do, the
//! fixture's end, or the tick limit; idle stretches jumped over.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::reachability::Reachability;
use super::run::Run;
use super::timeline;
use super::{E2eConfig, E2eError};
use crate::domain::local_to_utc;
use crate::fixtures::Fixture;
use crate::scheduler::{Decision, Event, TickReport};

/// Decisions kept for diagnosis: past the high mark, the oldest are dropped down to the low.
const LOG_HIGH: usize = 2000;
const LOG_LOW: usize = 1000;

/// What the ticks did.
pub(super) struct Ticked {
    /// Ticks run.
    pub ticks: u32,
    /// Rows sent.
    pub sent: usize,
    /// Count of each decision, by its JSON event name.
    pub decisions: BTreeMap<String, usize>,
    /// The last decisions.
    pub log: Vec<Decision>,
    /// Rows a dry run said it would send.
    pub would_send: BTreeSet<i64>,
    /// The clients whose session could not be read, and those given up on.
    pub reachability: Reachability,
    /// The run for the HTML timeline, when asked for.
    pub timeline: Option<timeline::Recorder>,
}

impl Ticked {
    /// Count one tick's report.
    fn absorb(&mut self, report: TickReport) {
        self.ticks += 1;
        self.sent += report.sent;
        for d in &report.decisions {
            *self.decisions.entry(event_name(d.event)).or_default() += 1;
            if d.event == Event::DryRunWouldSend
                && let Some(id) = d.envio_id
            {
                self.would_send.insert(id);
            }
        }
        self.log.extend(report.decisions);
        if self.log.len() > LOG_HIGH {
            self.log.drain(..self.log.len() - LOG_LOW);
        }
    }
}

/// Tick until the run is over; every tick's decisions counted, the timeline sampled.
pub(super) async fn tick_until_done(run: &Run<'_>) -> Result<Ticked, E2eError> {
    let (fixture, config, clock) = (run.fixture, run.config, &run.clock);
    let local = |t: DateTime<Utc>| t.with_timezone(&fixture.tz).naive_local();
    let mut ticked = Ticked {
        ticks: 0,
        sent: 0,
        decisions: BTreeMap::new(),
        log: Vec::new(),
        would_send: BTreeSet::new(),
        reachability: Reachability::new(fixture, config.unreachable_after_ticks),
        timeline: config.timeline.then(|| timeline::Recorder::new(fixture)),
    };
    if let Some(r) = &mut ticked.timeline {
        r.sample(run.db.pool(), local(clock.now()))
            .await
            .map_err(run.evidence_error())?;
    }
    let mut progress = Progress::new(config);
    while clock.now() < run.end && ticked.ticks < config.max_ticks {
        let tick_start = clock.now();
        let report = run.scheduler.tick().await?;
        ticked.reachability.observe(&report.decisions, &run.name);
        let idle = idle(&report, &ticked.reachability);
        if let Some(r) = &mut ticked.timeline {
            r.tick(local(tick_start), &report.decisions);
            r.sample(run.db.pool(), local(clock.now()))
                .await
                .map_err(run.evidence_error())?;
        }
        ticked.absorb(report);
        progress.print(run, &ticked);
        if !config.dry_run && !config.run_to_end && run.nothing_left(&ticked.reachability).await? {
            break;
        }
        let next = next_tick_at(fixture, config, tick_start, clock.now(), idle);
        if let Ok(wait) = (next - clock.now()).to_std() {
            clock.advance(wait);
        }
    }
    Ok(ticked)
}

/// In a run nothing else writes to, only the clock (a window opening, a new day) can change
/// a tick whose every decision was one of these. A client given up on cannot change anything
/// either.
fn idle(report: &TickReport, reachability: &Reachability) -> bool {
    report.sent == 0
        && report
            .decisions
            .iter()
            .all(|d| reachability.given_up_on(d.programacion_id) || d.event.waits_for_the_clock())
}

/// When the next tick starts. A tick never overlaps the previous one: the next starts a
/// period after this one started, or right away if pacing made this one longer; after an
/// idle tick, at the next window opening or midnight when [`E2eConfig::skip_idle`] says so.
fn next_tick_at(
    fixture: &Fixture,
    config: &E2eConfig,
    tick_start: DateTime<Utc>,
    now: DateTime<Utc>,
    idle: bool,
) -> DateTime<Utc> {
    let next = tick_start
        + chrono::Duration::from_std(config.tick_every).unwrap_or(chrono::Duration::seconds(60));
    if config.skip_idle && idle {
        next.max(next_opening(fixture, now).unwrap_or(next))
    } else {
        next
    }
}

/// The next instant after `now` at which a programación's window opens or a business day
/// starts: until then, ticks that skipped for weekday or hours would skip again.
fn next_opening(fixture: &Fixture, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = now.with_timezone(&fixture.tz).naive_local();
    let midnight = chrono::NaiveTime::MIN;
    let times = fixture
        .programaciones
        .iter()
        .map(|p| p.hora_inicio)
        .chain(std::iter::once(midnight));
    times
        .flat_map(|t| {
            let today = local.date().and_time(t);
            let candidate = if today > local {
                today
            } else {
                today + chrono::Duration::days(1)
            };
            first_instant_from(fixture.tz, candidate)
        })
        .min()
}

/// `naive` in `tz`, or, when it falls in a daylight-saving gap, the first minute after the gap
/// (a window that opens in the gap opens when the clocks jump, not never).
fn first_instant_from(tz: chrono_tz::Tz, naive: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    (0..=24 * 60)
        .map(|m| naive + chrono::Duration::minutes(m))
        .find_map(|t| local_to_utc(tz, t))
}

/// A decision's event as `scheduler run` prints it.
pub(super) fn event_name(e: Event) -> String {
    serde_json::to_value(e)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The progress line on stderr, at most once per [`E2eConfig::progress_every`] (real time).
struct Progress {
    every: Option<std::time::Duration>,
    last: Instant,
}

impl Progress {
    fn new(config: &E2eConfig) -> Progress {
        Progress {
            every: config.progress_every,
            last: Instant::now(),
        }
    }

    fn print(&mut self, run: &Run<'_>, ticked: &Ticked) {
        if let Some(every) = self.every
            && self.last.elapsed() >= every
        {
            self.last = Instant::now();
            eprintln!(
                "  {}: tick {}, {} business time, {} sent so far",
                run.name,
                ticked.ticks,
                run.clock
                    .now()
                    .with_timezone(&run.fixture.tz)
                    .format("%Y-%m-%d %H:%M"),
                ticked.sent
            );
        }
    }
}

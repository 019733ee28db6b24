//! Running one schedule: a scratch database and an in-process mock, schedulers ticking on a
//! virtual clock under the planned faults, then healing ticks without faults, then the verdict.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::MySqlPool;
use std::time::Duration;

use crate::adapter::{ClientConfig, SessionManagerClient};
use crate::clock::Clock;
use crate::db::{ScratchDb, SqlMode};
use crate::domain::local_to_utc;
use crate::invariants::Evidence;
use crate::mock::{MockConfig, MockSessionManager};
use crate::scheduler::{Pacing, Scheduler, SchedulerConfig};
use crate::session::SessionState;

use super::ChaosError;
use super::faults;
use super::plan::{CLIENT_TIMEOUT, Crash, Schedule};
use super::verdict::{self, Finding, Tally};

/// A lock older than this is a dead scheduler's (short, so healing ticks take crashed locks over).
const LOCK_TIMEOUT: Duration = Duration::from_secs(120);
/// Healing ticks at most: enough to drain every fixture a schedule draws.
const HEALING_TICKS: u32 = 10;
/// How long a crash waits for its send before it lets the tick finish.
const CRASH_PATIENCE: Duration = Duration::from_secs(3);

/// What one schedule gave.
#[derive(Debug, Clone)]
pub struct ScheduleRun {
    /// Counts.
    pub tally: Tally,
    /// Broken guarantees.
    pub findings: Vec<Finding>,
    /// Connections the database faults killed.
    pub kills: u32,
    /// Whether a scheduler was aborted.
    pub crashed: bool,
    /// Ticks that ended with a database error.
    pub tick_errors: u32,
}

/// Run `schedule` on a fresh scratch database of `server_url`, dropped afterwards.
pub async fn run_schedule(
    server_url: &str,
    schedule: &Schedule,
) -> Result<ScheduleRun, ChaosError> {
    let db = ScratchDb::create(server_url).await?;
    let result = run_in(&db, schedule).await;
    let dropped = db.drop_database().await;
    let run = result?;
    dropped?;
    Ok(run)
}

/// The schedulers, the mock and the clock of one schedule.
struct World<'a> {
    db: &'a ScratchDb,
    mock: MockSessionManager,
    clock: Clock,
    tz: chrono_tz::Tz,
    number: u32,
    workers: u32,
    tick_errors: u32,
}

impl World<'_> {
    /// A fresh scheduler process: its own worker id, its own HTTP client.
    fn scheduler(&mut self) -> Result<Scheduler, ChaosError> {
        self.workers += 1;
        let mut config = ClientConfig::new(self.mock.uri());
        config.timeout = CLIENT_TIMEOUT;
        config.connect_timeout = CLIENT_TIMEOUT;
        let client =
            SessionManagerClient::new(config).map_err(|e| ChaosError::Setup(e.to_string()))?;
        Ok(Scheduler::new(
            self.db,
            client,
            self.clock.clone(),
            SchedulerConfig {
                tz: self.tz,
                pacing: Pacing::NONE,
                worker_id: format!("chaos-{}-w{}", self.number, self.workers),
                lock_timeout: LOCK_TIMEOUT,
                ..SchedulerConfig::default()
            },
        ))
    }

    /// One tick; a database error ends the tick, not the schedule (the next tick comes anyway,
    /// as central-hub's interval does). Returns rows sent.
    async fn tick(&mut self, s: &Scheduler) -> usize {
        match s.tick().await {
            Ok(r) => r.sent + r.errors,
            Err(_) => {
                self.tick_errors += 1;
                0
            }
        }
    }
}

async fn run_in(db: &ScratchDb, schedule: &Schedule) -> Result<ScheduleRun, ChaosError> {
    let fixture = &schedule.fixture;
    crate::fixtures::insert(fixture, db).await?;
    let start = local_to_utc(fixture.tz, fixture.start)
        .ok_or_else(|| ChaosError::Setup("the chaos day has no such local time".into()))?;
    let clock = Clock::virtual_at(start);
    let mock = MockSessionManager::start_with(MockConfig::default())
        .await
        .map_err(|e| ChaosError::Setup(e.to_string()))?;
    mock.set_clock(clock.clone());
    for (cliente, state) in &fixture.sessions {
        mock.set_state(u64::try_from(*cliente).unwrap_or(0), *state);
    }
    faults::inject(&mock, &schedule.provider);
    let admin = db.pool_with_sql_mode(SqlMode::Strict).await?;
    let baseline = Evidence::collect(db.pool())
        .await
        .map_err(ChaosError::Evidence)?;
    let mut world = World {
        db,
        mock,
        clock,
        tz: fixture.tz,
        number: schedule.number,
        workers: 0,
        tick_errors: 0,
    };

    let ticks_done = AtomicBool::new(false);
    let blocker_id = Mutex::new(None);
    let killer = async {
        let mut killed = 0;
        for f in &schedule.db {
            // A blocker that fails (a crash's session kill can hit it) only means this fault
            // did not fire; `connections_killed` shows whether faults fire at all.
            if let Ok(k) = faults::kill_at(&admin, db.name(), *f, &ticks_done, &blocker_id).await {
                killed += k.killed;
            }
        }
        killed
    };
    let ticking = async {
        let crashed = chaos_ticks(&mut world, schedule, &admin, &blocker_id).await;
        ticks_done.store(true, Ordering::Relaxed);
        crashed
    };
    let (kills, chaos) = tokio::join!(killer, ticking);
    let dead = chaos?;
    let crashed = dead.is_some();
    admin.close().await;

    heal(&mut world).await?;

    let mut ev = Evidence::collect(db.pool())
        .await
        .map_err(ChaosError::Evidence)?;
    ev.tz = Some(fixture.tz);
    ev.baseline_counters = baseline.counters;
    ev.journal = Some(world.mock.journal());
    ev.journal_in_run_time = true;
    let (tally, findings) = verdict::judge(&ev, dead.as_deref());
    Ok(ScheduleRun {
        tally,
        findings,
        kills,
        crashed,
        tick_errors: world.tick_errors,
    })
}

/// The ticks under faults. Returns the worker id of the process that crashed, if one did.
async fn chaos_ticks(
    world: &mut World<'_>,
    schedule: &Schedule,
    admin: &MySqlPool,
    blocker_id: &Mutex<Option<i64>>,
) -> Result<Option<String>, ChaosError> {
    let mut first = world.scheduler()?;
    let second = if schedule.two_schedulers {
        Some(world.scheduler()?)
    } else {
        None
    };
    let mut crash = schedule.crash;
    let mut crashed = false;
    let mut dead = None;
    for _ in 0..schedule.chaos_ticks {
        let errors_before = world.tick_errors;
        let first_tick = async {
            match crash.take() {
                None => first.tick().await.is_err(),
                Some(c) => {
                    tokio::select! {
                        r = first.tick() => r.is_err(),
                        // Dropping the tick future aborts it at whatever await point it is at.
                        () = crash_point(&world.mock, c) => { crashed = true; false }
                    }
                }
            }
        };
        let second_tick = async {
            match &second {
                Some(s) => s.tick().await.is_err(),
                None => false,
            }
        };
        let (e1, e2) = tokio::join!(first_tick, second_tick);
        world.tick_errors = errors_before + u32::from(e1) + u32::from(e2);
        if crashed && schedule.crash.is_some() && crash.is_none() && dead.is_none() {
            // The dead process's sessions close; a fresh process takes over: new worker id,
            // the dead one's locks and claims stay.
            let keep: Vec<i64> = blocker_id
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .copied()
                .collect();
            faults::kill_sessions(admin, world.db.name(), &keep)
                .await
                .map_err(ChaosError::Fault)?;
            dead = Some(first.config().worker_id.clone());
            first = world.scheduler()?;
        }
        world.clock.advance(Duration::from_secs(60));
    }
    Ok(dead)
}

/// Resolves when the crash is due: the provider holds (or just answered) the nth send, or
/// the time is up. Never resolves when the schedule sends less (the tick then ends normally).
async fn crash_point(mock: &MockSessionManager, crash: Crash) {
    match crash {
        Crash::AfterMs(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Crash::DuringSend(n) => {
            let deadline = tokio::time::Instant::now() + CRASH_PATIENCE;
            while tokio::time::Instant::now() < deadline {
                let sends = mock.journal().iter().filter(|e| e.is_send()).count();
                if sends >= n as usize {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            std::future::pending::<()>().await;
        }
    }
}

/// Faults cleared, every session READY, dead locks stale: a fresh scheduler ticks until a
/// tick does nothing, so whatever is still `pendiente` afterwards is judged.
async fn heal(world: &mut World<'_>) -> Result<(), ChaosError> {
    world.mock.clear_faults();
    let clients: Vec<u64> = world
        .mock
        .journal()
        .iter()
        .filter_map(|e| e.cliente_id)
        .collect();
    for c in clients {
        world.mock.set_state(c, SessionState::Ready);
    }
    world.clock.advance(LOCK_TIMEOUT + Duration::from_secs(60));
    let healer = world.scheduler()?;
    for _ in 0..HEALING_TICKS {
        let errors_before = world.tick_errors;
        let done = world.tick(&healer).await;
        if done == 0 && world.tick_errors == errors_before {
            break;
        }
        world.clock.advance(Duration::from_secs(60));
    }
    Ok(())
}

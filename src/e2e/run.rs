//! One fixture end to end, in phases: set up (rows, clock, session-manager, scheduler), tick,
//! gather the evidence, judge it, report.

use std::time::Instant;

use chrono::{DateTime, Utc};

use super::provider::SessionManager;
use super::reachability::Reachability;
use super::ticks::tick_until_done;
use super::{E2eConfig, E2eError, FixtureRun, Provider, judge};
use crate::clock::Clock;
use crate::db::ScratchDb;
use crate::domain::local_to_utc;
use crate::fixtures::Fixture;
use crate::invariants::{Evidence, Expected};
use crate::scheduler::{Scheduler, SchedulerConfig};

/// Run one fixture against a scratch database on `server_url`, which is dropped afterwards
/// whatever happens.
pub async fn run_fixture(
    fixture: &Fixture,
    server_url: &str,
    provider: &Provider,
    config: &E2eConfig,
) -> Result<FixtureRun, E2eError> {
    let db = ScratchDb::create(server_url).await?;
    let result = run_in(&db, fixture, provider, config).await;
    let dropped = db.drop_database().await;
    let run = result?;
    dropped?;
    Ok(run)
}

async fn run_in(
    db: &ScratchDb,
    fixture: &Fixture,
    provider: &Provider,
    config: &E2eConfig,
) -> Result<FixtureRun, E2eError> {
    let started = Instant::now();
    let run = Run::set_up(db, fixture, provider, config).await?;
    let ticked = tick_until_done(&run).await?;
    let ev = run.evidence().await?;
    let checks = judge::checks(&run, provider, &ev, &ticked);
    let passed = checks
        .iter()
        .all(|c| c.outcome != crate::report::Outcome::Fail);
    let tally = |e: Expected| tally(&ev, e);
    Ok(FixtureRun {
        timeline: ticked.timeline.map(|r| r.finish(passed)),
        fixture: run.name,
        description: fixture.description.clone(),
        ticks: ticked.ticks,
        sent: ticked.sent,
        enviado: tally(Expected::Enviado),
        untouched: tally(Expected::Pendiente),
        error: tally(Expected::Error),
        checks,
        decisions: ticked.decisions,
        log: ticked.log,
        wall_ms: started.elapsed().as_millis(),
    })
}

/// One fixture's run, set up: its rows inserted, its clock at its start, its session-manager
/// and the scheduler that talks to it.
pub(super) struct Run<'a> {
    pub db: &'a ScratchDb,
    pub fixture: &'a Fixture,
    pub config: &'a E2eConfig,
    /// The fixture's name.
    pub name: String,
    /// The virtual clock, at the fixture's start.
    pub clock: Clock,
    /// The fixture's end.
    pub end: DateTime<Utc>,
    pub session_manager: SessionManager,
    pub scheduler: Scheduler,
    /// The database before the first tick (a fixture may start a day partly used).
    baseline: Evidence,
}

impl<'a> Run<'a> {
    async fn set_up(
        db: &'a ScratchDb,
        fixture: &'a Fixture,
        provider: &Provider,
        config: &'a E2eConfig,
    ) -> Result<Run<'a>, E2eError> {
        let name = fixture.name();
        crate::fixtures::insert(fixture, db).await?;
        let instant = |local: chrono::NaiveDateTime| {
            local_to_utc(fixture.tz, local).ok_or_else(|| E2eError::Start {
                fixture: name.clone(),
                start: local.to_string(),
                tz: fixture.tz.to_string(),
            })
        };
        let (start, end) = (instant(fixture.start)?, instant(fixture.end)?);
        let clock = Clock::virtual_at(start);
        let session_manager = SessionManager::start(provider, fixture, &clock).await?;
        let client = session_manager.client(config.http_timeout)?;
        let baseline = Evidence::collect(db.pool())
            .await
            .map_err(evidence_error(&name))?;
        let scheduler = Scheduler::new(
            db,
            client,
            clock.clone(),
            SchedulerConfig {
                tz: fixture.tz,
                pacing: config.pacing,
                dry_run: config.dry_run,
                worker_id: worker_id(&name),
                ..SchedulerConfig::default()
            },
        );
        Ok(Run {
            db,
            fixture,
            config,
            name,
            clock,
            end,
            session_manager,
            scheduler,
            baseline,
        })
    }

    /// How a failed read of the database is reported for this fixture.
    pub fn evidence_error(&self) -> impl Fn(sqlx::Error) -> E2eError + use<'_> {
        evidence_error(&self.name)
    }

    /// No `pendiente` row is left that the scheduler could still take, outside the campaigns
    /// of clients given up on.
    pub async fn nothing_left(&self, reachability: &Reachability) -> Result<bool, E2eError> {
        let sql = format!(
            "SELECT DISTINCT e.campania_id FROM ll_envios_whatsapp e WHERE e.estado = 'pendiente' AND {}",
            crate::scheduler::UNCLAIMED
        );
        let left: Vec<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.db.pool())
            .await
            .map_err(self.evidence_error())?;
        let given_up = reachability.given_up_campaigns();
        Ok(left.iter().all(|c| given_up.contains(&i64::from(*c))))
    }

    /// What the run left: the database, what the session-manager received, and what every
    /// row was expected to end as (a dry run must leave every row as it was).
    async fn evidence(&self) -> Result<Evidence, E2eError> {
        let mut ev = Evidence::collect(self.db.pool())
            .await
            .map_err(self.evidence_error())?;
        ev.tz = Some(self.fixture.tz);
        ev.dry_run = self.config.dry_run;
        ev.baseline_counters = self.baseline.counters.clone();
        ev.expected = self.fixture.expected_outcomes();
        ev.journal = self.session_manager.journal()?;
        ev.journal_in_run_time = self.session_manager.shares_clock();
        if self.config.dry_run {
            for expected in ev.expected.values_mut() {
                *expected = Expected::Pendiente;
            }
        }
        Ok(ev)
    }
}

fn evidence_error(fixture: &str) -> impl Fn(sqlx::Error) -> E2eError + use<'_> {
    move |source| E2eError::Evidence {
        fixture: fixture.to_string(),
        source,
    }
}

/// The scheduler's worker id: `locked_by` is varchar(64) latin1, so short and ASCII whatever
/// the fixture's file name.
fn worker_id(fixture: &str) -> String {
    let safe: String = fixture
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!("lmh-e2e-{safe}")
}

/// Rows expected to end as `e`: how many do, of how many.
fn tally(ev: &Evidence, e: Expected) -> (usize, usize) {
    let rows: Vec<_> = ev
        .envios
        .iter()
        .filter(|r| ev.expected.get(&r.id) == Some(&e))
        .collect();
    let ended = rows
        .iter()
        .filter(|r| r.estado == e.estado().as_str())
        .count();
    (ended, rows.len())
}

//! End to end: a fixture in a scratch database, the reference scheduler on a virtual clock,
//! the mock (or a real) session-manager, and every invariant checked on what is left.
//!
//! ```text
//! fixture ──► scratch DB ──► scheduler ticks (virtual clock) ──► adapter ──► mock | URL
//!                 │                                                   │
//!                 └──────────────► invariants ◄──────── journal ◄─────┘
//! ```

mod timeline;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::adapter::{ClientConfig, SessionManagerClient};
use crate::clock::Clock;
use crate::db::{DbError, ScratchDb};
use crate::domain::local_to_utc;
use crate::fixtures::{Fixture, FixtureError};
use crate::invariants::{self, Evidence};
use crate::mock::{MockConfig, MockSessionManager, read_journal};
use crate::report::{Check, Outcome};
use crate::scheduler::{Decision, Event, Pacing, Scheduler, SchedulerConfig, SchedulerError};

/// Which session-manager the scheduler talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// An in-process mock per fixture, with the fixture's session states.
    Mock,
    /// A running session-manager (real, or `lmh mock serve`); its journal, when given, is
    /// read after the run so the journal-based invariants can be checked.
    Url {
        /// Base URL.
        base_url: String,
        /// The journal file of an `lmh mock serve` at that URL, if that is what it is.
        journal: Option<PathBuf>,
    },
}

/// How the run is driven.
#[derive(Debug, Clone)]
pub struct E2eConfig {
    /// Pause between sends (on the virtual clock, so it costs no real time).
    pub pacing: Pacing,
    /// DRY_RUN: nothing may be sent.
    pub dry_run: bool,
    /// Time between two ticks' starts (60 s in central-hub).
    pub tick_every: Duration,
    /// Give up after this many ticks, whatever the fixture's end says.
    pub max_ticks: u32,
    /// Total timeout of each HTTP call to the session-manager.
    pub http_timeout: Duration,
    /// Keep ticking until the fixture's end even when nothing is left to send (simulations).
    pub run_to_end: bool,
    /// After a tick that only found programaciones outside their day or hours, jump to the
    /// next window opening or midnight instead of ticking through the idle minutes.
    pub skip_idle: bool,
    /// Record the run for the HTML timeline (one small query per tick).
    pub timeline: bool,
    /// Print a progress line on stderr this often (real time) during a long fixture.
    pub progress_every: Option<Duration>,
    /// Ticks in a row in which a client's session could not be read before lmh stops waiting
    /// for that client's rows (and fails the run, naming the cause).
    pub unreachable_after_ticks: u32,
}

impl Default for E2eConfig {
    fn default() -> Self {
        E2eConfig {
            pacing: Pacing::NONE,
            dry_run: false,
            tick_every: Duration::from_secs(60),
            max_ticks: 2 * 24 * 60,
            http_timeout: Duration::from_secs(5),
            run_to_end: false,
            skip_idle: true,
            timeline: false,
            progress_every: None,
            unreachable_after_ticks: 3,
        }
    }
}

/// Why an end-to-end run could not be carried out (as opposed to invariants that failed).
#[derive(Debug, thiserror::Error)]
pub enum E2eError {
    /// The database could not be provided or used.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A fixture could not be loaded or inserted.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// The scheduler hit a database error.
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
    /// Reading the state after the run failed.
    #[error("reading the database after the run of {fixture}: {source}")]
    Evidence {
        /// Which fixture.
        fixture: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The session-manager URL is unusable.
    #[error("--session-manager: {0}")]
    Provider(String),
    /// The fixture's start time does not exist in its zone (a DST gap).
    #[error(
        "fixture {fixture}: start {start} does not exist in {tz} (a daylight-saving gap); pick another time"
    )]
    Start {
        /// Which fixture.
        fixture: String,
        /// Its start.
        start: String,
        /// Its zone.
        tz: String,
    },
}

/// What running one fixture gave.
#[derive(Debug, Clone, Serialize)]
pub struct FixtureRun {
    /// Fixture name (file stem).
    pub fixture: String,
    /// Its description.
    pub description: String,
    /// Ticks run.
    pub ticks: u32,
    /// Rows sent.
    pub sent: usize,
    /// Rows expected `enviado`, and how many are.
    pub enviado: (usize, usize),
    /// Rows expected untouched (`pendiente`), and how many are.
    pub untouched: (usize, usize),
    /// Rows expected `error`, and how many are.
    pub error: (usize, usize),
    /// One check per invariant.
    pub checks: Vec<Check>,
    /// Count of each scheduler decision.
    pub decisions: BTreeMap<String, usize>,
    /// The last decisions, for diagnosis when something failed.
    #[serde(skip)]
    pub log: Vec<Decision>,
    /// Real time the run took.
    pub wall_ms: u128,
    /// The run on its virtual clock, when [`E2eConfig::timeline`] asked for it.
    #[serde(skip)]
    pub timeline: Option<crate::report::Timeline>,
}

impl FixtureRun {
    /// True when no invariant failed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.outcome != Outcome::Fail)
    }

    /// One line, e.g. `enviado 120/120, untouched 30, invariants 15/15 ok`.
    pub fn summary(&self) -> String {
        let ok = self
            .checks
            .iter()
            .filter(|c| c.outcome != Outcome::Fail)
            .count();
        let mut parts = vec![format!("enviado {}/{}", self.enviado.0, self.enviado.1)];
        if self.untouched.1 > 0 {
            parts.push(format!(
                "untouched {}/{}",
                self.untouched.0, self.untouched.1
            ));
        }
        if self.error.1 > 0 {
            parts.push(format!("error {}/{}", self.error.0, self.error.1));
        }
        // A skipped check is not an ok one: say how many could not be checked.
        let skipped = self
            .checks
            .iter()
            .filter(|c| c.outcome == Outcome::Skip)
            .count();
        let ok = ok - skipped;
        let skipped = if skipped > 0 {
            format!(", {skipped} skipped")
        } else {
            String::new()
        };
        parts.push(format!(
            "invariants {ok}/{} {}{skipped}",
            self.checks.len(),
            if self.passed() { "ok" } else { "FAILED" }
        ));
        parts.push(format!("{} ticks", self.ticks));
        parts.join(", ")
    }

    /// The run as report checks: one per invariant, named after the fixture.
    pub fn to_checks(&self) -> Vec<Check> {
        let mut out = vec![
            Check::new(
                "e2e",
                &self.fixture,
                if self.passed() {
                    Outcome::Pass
                } else {
                    Outcome::Fail
                },
                self.summary(),
            )
            .with_time(Duration::from_millis(
                u64::try_from(self.wall_ms).unwrap_or(u64::MAX),
            )),
        ];
        out.extend(self.checks.iter().map(|c| {
            let mut c = c.clone();
            c.area = format!("e2e.{}", self.fixture);
            c
        }));
        out
    }
}

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

/// The in-process provider a fixture describes: its clients in their states, dating its
/// journal on the run's clock.
pub(crate) async fn fixture_mock(
    fixture: &Fixture,
    clock: &Clock,
) -> Result<MockSessionManager, E2eError> {
    let mock = MockSessionManager::start_with(MockConfig::default())
        .await
        .map_err(|e| E2eError::Provider(e.to_string()))?;
    for (cliente, state) in &fixture.sessions {
        mock.set_state(u64::try_from(*cliente).unwrap_or(0), *state);
    }
    mock.set_clock(clock.clone());
    Ok(mock)
}

async fn run_in(
    db: &ScratchDb,
    fixture: &Fixture,
    provider: &Provider,
    config: &E2eConfig,
) -> Result<FixtureRun, E2eError> {
    let started = Instant::now();
    let name = fixture.name();
    crate::fixtures::insert(fixture, db).await?;
    let start = local_to_utc(fixture.tz, fixture.start).ok_or_else(|| E2eError::Start {
        fixture: name.clone(),
        start: fixture.start.to_string(),
        tz: fixture.tz.to_string(),
    })?;
    let end = local_to_utc(fixture.tz, fixture.end).ok_or_else(|| E2eError::Start {
        fixture: name.clone(),
        start: fixture.end.to_string(),
        tz: fixture.tz.to_string(),
    })?;
    let clock = Clock::virtual_at(start);

    let mock = match provider {
        Provider::Mock => Some(fixture_mock(fixture, &clock).await?),
        Provider::Url { .. } => None,
    };
    let base_url = match (provider, &mock) {
        (_, Some(m)) => m.uri(),
        (Provider::Url { base_url, .. }, None) => base_url.clone(),
        (Provider::Mock, None) => unreachable!("a mock provider always has a mock"),
    };
    // An external journal may already hold other runs: only what this run adds is its evidence.
    let journal_before = match provider {
        Provider::Url {
            journal: Some(path),
            ..
        } if path.exists() => read_journal(path).map_err(E2eError::Provider)?.len(),
        _ => 0,
    };
    let mut client_config = ClientConfig::new(base_url);
    client_config.timeout = config.http_timeout;
    let client =
        SessionManagerClient::new(client_config).map_err(|e| E2eError::Provider(e.to_string()))?;

    let baseline = Evidence::collect(db.pool())
        .await
        .map_err(|source| E2eError::Evidence {
            fixture: name.clone(),
            source,
        })?;
    let scheduler = Scheduler::new(
        db,
        client,
        clock.clone(),
        SchedulerConfig {
            tz: fixture.tz,
            pacing: config.pacing,
            dry_run: config.dry_run,
            // locked_by is varchar(64) latin1: keep the id short and ASCII whatever the file name.
            worker_id: format!(
                "lmh-e2e-{}",
                name.chars()
                    .map(|c| if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    })
                    .take(40)
                    .collect::<String>()
            ),
            ..SchedulerConfig::default()
        },
    );

    let mut ticks = 0;
    let mut sent = 0;
    let mut decisions: BTreeMap<String, usize> = BTreeMap::new();
    let mut log: Vec<Decision> = Vec::new();
    let mut would_send: std::collections::BTreeSet<i64> = std::collections::BTreeSet::new();
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&fixture.tz).naive_local();
    let evidence_err = |source| E2eError::Evidence {
        fixture: name.clone(),
        source,
    };
    let mut recorder = config.timeline.then(|| timeline::Recorder::new(fixture));
    if let Some(r) = &mut recorder {
        r.sample(db.pool(), local(clock.now()))
            .await
            .map_err(evidence_err)?;
    }
    let mut reachability = Reachability::new(fixture, config.unreachable_after_ticks);
    let mut last_progress = Instant::now();
    while clock.now() < end && ticks < config.max_ticks {
        let tick_start = clock.now();
        let report = scheduler.tick().await?;
        ticks += 1;
        sent += report.sent;
        reachability.observe(&report.decisions, &name);
        if let Some(every) = config.progress_every
            && last_progress.elapsed() >= every
        {
            last_progress = Instant::now();
            eprintln!(
                "  {name}: tick {ticks}, {} business time, {sent} sent so far",
                clock
                    .now()
                    .with_timezone(&fixture.tz)
                    .format("%Y-%m-%d %H:%M")
            );
        }
        for d in &report.decisions {
            *decisions.entry(event_name(d.event)).or_default() += 1;
            if d.event == Event::DryRunWouldSend
                && let Some(id) = d.envio_id
            {
                would_send.insert(id);
            }
        }
        // In a run nothing else writes to, only the clock (a window opening, a new day) can
        // change a tick whose every decision was one of these.
        // A client given up on cannot change anything either.
        let idle = report.sent == 0
            && report.decisions.iter().all(|d| {
                reachability.given_up_on(d.programacion_id)
                    || matches!(
                        d.event,
                        Event::SkipWindow
                            | Event::SkipWeekday
                            | Event::NothingApproved
                            | Event::NothingPending
                            | Event::SkipQuotaExhausted
                            | Event::SkipCampaignMissing
                            | Event::SkipCampaignNotInProgress
                    )
            });
        if let Some(r) = &mut recorder {
            r.tick(local(tick_start), &report.decisions);
            r.sample(db.pool(), local(clock.now()))
                .await
                .map_err(evidence_err)?;
        }
        log.extend(report.decisions);
        if log.len() > 2000 {
            log.drain(..log.len() - 1000);
        }
        if !config.dry_run
            && !config.run_to_end
            && nothing_left(db, &reachability.given_up_campaigns())
                .await
                .map_err(|source| E2eError::Evidence {
                    fixture: name.clone(),
                    source,
                })?
        {
            break;
        }
        // A tick never overlaps the previous one: the next starts a period after this one
        // started, or right away if pacing made this one longer.
        let mut next = tick_start
            + chrono::Duration::from_std(config.tick_every)
                .unwrap_or(chrono::Duration::seconds(60));
        if config.skip_idle && idle {
            next = next.max(next_opening(fixture, clock.now()).unwrap_or(next));
        }
        if let Ok(wait) = (next - clock.now()).to_std() {
            clock.advance(wait);
        }
    }

    let mut ev = Evidence::collect(db.pool())
        .await
        .map_err(|source| E2eError::Evidence {
            fixture: name.clone(),
            source,
        })?;
    ev.tz = Some(fixture.tz);
    ev.dry_run = config.dry_run;
    ev.baseline_counters = baseline.counters;
    ev.expected = fixture
        .envios
        .iter()
        .map(|e| (i64::from(e.id), e.expect))
        .collect();
    ev.journal = match (provider, &mock) {
        (_, Some(m)) => Some(m.journal()),
        (
            Provider::Url {
                journal: Some(path),
                ..
            },
            None,
        ) => {
            let mut all = read_journal(path).map_err(E2eError::Provider)?;
            if all.len() < journal_before {
                return Err(E2eError::Provider(format!(
                    "journal {} shrank during the run ({journal_before} -> {} entries): was it truncated or replaced?",
                    path.display(),
                    all.len()
                )));
            }
            Some(all.split_off(journal_before))
        }
        _ => None,
    };
    // Only the in-process mock shares the run's virtual clock.
    ev.journal_in_run_time = mock.is_some();
    if config.dry_run {
        // A dry run must leave every row as it was.
        for expected in ev.expected.values_mut() {
            *expected = invariants::Expected::Pendiente;
        }
    }
    let mut checks = invariants::check(&ev);
    checks.extend(reachability.checks());
    if config.dry_run {
        checks.push(dry_run_coverage(fixture, &would_send));
    }
    // Not named by its URL: behind `recorded` that is the recording proxy's, not the user's.
    if let Provider::Url { .. } = provider {
        let not_ready: Vec<String> = fixture
            .sessions
            .iter()
            .filter(|(_, s)| **s != crate::session::SessionState::Ready)
            .map(|(c, s)| format!("cliente {c}: {s}"))
            .collect();
        if !not_ready.is_empty() {
            checks.push(
                Check::warn(
                    "invariant",
                    "fixture sessions",
                    "the session-manager given by --session-manager is external: the fixture's session states were not applied; expectations that rely on them may not hold",
                )
                .with_details(not_ready),
            );
        }
    }
    let stuck: Vec<String> = log
        .iter()
        .filter(|d| d.event == Event::Stuck)
        .map(|d| format!("programacion {:?}: {}", d.programacion_id, d.detail))
        .collect();
    if !stuck.is_empty()
        && let Some(stuck_name) = invariants::invariant("stuck").map(|i| i.name)
        && let Some(c) = checks.iter_mut().find(|c| c.name == stuck_name)
    {
        c.details.extend(stuck);
    }
    name_unknown_sessions(&mut checks, &log);

    let tally = |e: invariants::Expected| {
        let rows: Vec<_> = ev
            .envios
            .iter()
            .filter(|r| ev.expected.get(&r.id) == Some(&e))
            .collect();
        (
            rows.iter()
                .filter(|r| r.estado == e.estado().as_str())
                .count(),
            rows.len(),
        )
    };
    let passed = checks.iter().all(|c| c.outcome != Outcome::Fail);
    Ok(FixtureRun {
        timeline: recorder.map(|r| r.finish(passed)),
        fixture: name,
        description: fixture.description.clone(),
        ticks,
        sent,
        enviado: tally(invariants::Expected::Enviado),
        untouched: tally(invariants::Expected::Pendiente),
        error: tally(invariants::Expected::Error),
        checks,
        decisions,
        log,
        wall_ms: started.elapsed().as_millis(),
    })
}

/// The next instant after `now` at which a programación's window opens or a business day
/// starts: until then, ticks that skipped for weekday or hours would skip again.
fn next_opening(
    fixture: &Fixture,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
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
fn first_instant_from(
    tz: chrono_tz::Tz,
    naive: chrono::NaiveDateTime,
) -> Option<chrono::DateTime<chrono::Utc>> {
    (0..=24 * 60)
        .map(|m| naive + chrono::Duration::minutes(m))
        .find_map(|t| local_to_utc(tz, t))
}

/// In a dry run, every row a real run would send must have been reported as "would send".
fn dry_run_coverage(fixture: &Fixture, would_send: &std::collections::BTreeSet<i64>) -> Check {
    let missing: Vec<String> = fixture
        .envios
        .iter()
        .filter(|e| {
            e.expect == invariants::Expected::Enviado && !would_send.contains(&i64::from(e.id))
        })
        .map(|e| {
            format!(
                "envio {}: a real run sends it, the dry run never said it would",
                e.id
            )
        })
        .collect();
    if missing.is_empty() {
        Check::pass(
            "invariant",
            "DRY_RUN reports every send",
            format!("{} rows would be sent", would_send.len()),
        )
    } else {
        Check::fail(
            "invariant",
            "DRY_RUN reports every send",
            missing[0].clone(),
        )
        .with_details(missing)
    }
}

fn event_name(e: Event) -> String {
    serde_json::to_value(e)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{e:?}"))
}

/// No `pendiente` row is left that the scheduler could still take, outside the campaigns of
/// clients given up on.
async fn nothing_left(db: &ScratchDb, given_up: &[i64]) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "SELECT DISTINCT e.campania_id FROM ll_envios_whatsapp e WHERE e.estado = 'pendiente' AND {}",
        crate::scheduler::UNCLAIMED
    );
    let left: Vec<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_all(db.pool())
        .await?;
    Ok(left.iter().all(|c| given_up.contains(&i64::from(*c))))
}

/// Per client, the ticks in a row whose session could not be read; after enough of them the
/// run stops waiting for that client (a hung `/status` would otherwise cost every tick of two
/// days its timeout) and fails, naming the cause.
struct Reachability {
    /// programación → cliente.
    clients: BTreeMap<i64, i64>,
    /// campaign → cliente.
    campaigns: BTreeMap<i64, i64>,
    /// cliente → (ticks in a row, last cause).
    failing: BTreeMap<i64, (u32, String)>,
    given_up: BTreeMap<i64, String>,
    after: u32,
}

impl Reachability {
    fn new(fixture: &Fixture, after: u32) -> Reachability {
        let p = &fixture.programaciones;
        Reachability {
            clients: p
                .iter()
                .map(|p| (p.id.into(), p.cliente_id.into()))
                .collect(),
            campaigns: p
                .iter()
                .map(|p| (p.campania_id.into(), p.cliente_id.into()))
                .collect(),
            failing: BTreeMap::new(),
            given_up: BTreeMap::new(),
            after: after.max(1),
        }
    }

    fn observe(&mut self, decisions: &[Decision], fixture: &str) {
        let mut this_tick: BTreeMap<i64, Option<String>> = BTreeMap::new();
        for d in decisions {
            let Some(cliente) = d.programacion_id.and_then(|p| self.clients.get(&p)) else {
                continue;
            };
            let entry = this_tick.entry(*cliente).or_insert(None);
            match d.event {
                Event::SkipSessionUnknown => *entry = Some(d.detail.clone()),
                Event::SkipWindow | Event::SkipWeekday => {}
                _ => {
                    this_tick.insert(*cliente, None);
                }
            }
        }
        for (cliente, cause) in this_tick {
            if self.given_up.contains_key(&cliente) {
                continue;
            }
            let Some(cause) = cause else {
                self.failing.remove(&cliente);
                continue;
            };
            let entry = self.failing.entry(cliente).or_insert((0, String::new()));
            *entry = (entry.0 + 1, cause);
            if entry.0 >= self.after {
                eprintln!(
                    "  {fixture}: cliente {cliente}: {} ticks in a row without its session ({}); not waiting for its rows any more",
                    entry.0, entry.1
                );
                self.given_up.insert(cliente, entry.1.clone());
            }
        }
    }

    fn given_up_on(&self, programacion: Option<i64>) -> bool {
        programacion
            .and_then(|p| self.clients.get(&p))
            .is_some_and(|c| self.given_up.contains_key(c))
    }

    fn given_up_campaigns(&self) -> Vec<i64> {
        self.campaigns
            .iter()
            .filter(|(_, c)| self.given_up.contains_key(c))
            .map(|(campaign, _)| *campaign)
            .collect()
    }

    fn checks(&self) -> Vec<Check> {
        self.given_up
            .iter()
            .map(|(cliente, cause)| {
                Check::fail(
                    "e2e",
                    "session-manager reachable",
                    format!(
                        "cliente {cliente}: {} ticks in a row could not read its session: {cause}; its rows were left pendiente",
                        self.after
                    ),
                )
            })
            .collect()
    }
}

/// When rows stayed pendiente and the session-manager could not say whether a session was
/// READY (unreachable, wrong route, broken answer), the failed check says so in its summary:
/// "never claimed" alone sends a person to look at windows and quotas instead.
fn name_unknown_sessions(checks: &mut [Check], log: &[crate::scheduler::Decision]) {
    let unknown: Vec<_> = log
        .iter()
        .filter(|d| d.event == Event::SkipSessionUnknown)
        .collect();
    let Some(last) = unknown.last() else {
        return;
    };
    let Some(name) = invariants::invariant("stuck").map(|i| i.name) else {
        return;
    };
    if let Some(c) = checks
        .iter_mut()
        .find(|c| c.name == name && c.outcome == crate::report::Outcome::Fail)
    {
        c.summary = format!(
            "{}; the session-manager could not say whether the session was READY on {} tick(s), last: {}",
            c.summary,
            unknown.len(),
            last.detail
        );
    }
}

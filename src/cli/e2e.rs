//! `lmh e2e` and `lmh scheduler run`: the reference scheduler over a scratch database.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use lmh::adapter::{ClientConfig, SessionManagerClient};
use lmh::clock::Clock;
use lmh::db::{DbServer, DbSource, ScratchDb};
use lmh::e2e::{E2eConfig, Provider, run_fixture};
use lmh::fixtures::Fixture;
use lmh::report::Report;
use lmh::scheduler::{Decision, Pacing, Scheduler, SchedulerConfig, switches};

use super::Verdict;
use super::output::{HtmlArgs, OutputArgs, stdout_closed, write_stdout};

/// Where the database comes from.
#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    /// MySQL/MariaDB server to create scratch databases on, e.g. mysql://root@127.0.0.1:3306.
    /// lmh creates its own database there, and drops it afterwards; it never writes elsewhere.
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        conflicts_with = "container"
    )]
    pub db_url: Option<String>,
    /// Start an ephemeral MySQL/MariaDB container instead (image from LMH_MYSQL_IMAGE).
    #[arg(long)]
    pub container: bool,
}

impl DbArgs {
    /// The server to create scratch databases on. On a server given by URL, scratch databases
    /// that earlier runs could not drop (killed with SIGKILL) are swept first, when older than
    /// six hours and marked as lmh's or empty; younger ones seen are reported.
    pub async fn server(&self) -> Result<DbServer> {
        let server = DbServer::provide(&self.source()).await?;
        if !server.is_container() {
            match lmh::db::drop_stale(server.url(), Duration::from_secs(6 * 3600)).await {
                Ok(sweep) => {
                    if !sweep.dropped.is_empty() {
                        eprintln!(
                            "dropped {} stale lmh scratch database(s): {}",
                            sweep.dropped.len(),
                            sweep.dropped.join(", ")
                        );
                    }
                    if !sweep.young.is_empty() {
                        eprintln!(
                            "note: {} lmh scratch database(s) younger than 6 h left alone (another run may be using them; dropped once older): {}",
                            sweep.young.len(),
                            sweep.young.join(", ")
                        );
                    }
                }
                Err(e) => eprintln!("warning: could not sweep stale scratch databases: {e}"),
            }
        }
        Ok(server)
    }

    /// What the user asked for.
    pub fn source(&self) -> DbSource {
        match (&self.db_url, self.container) {
            (_, true) => DbSource::Container(lmh::container::image_from_env()),
            (Some(url), false) => DbSource::Url(url.clone()),
            (None, false) => DbSource::Auto,
        }
    }
}

/// `--timeout-ms`, shared by every command that talks HTTP to the session-manager.
#[derive(Debug, Args, Clone)]
pub struct TimeoutArgs {
    /// Limit for each request to the session-manager, in milliseconds (connect included).
    #[arg(
        long,
        env = lmh::adapter::TIMEOUT_VAR, hide_env_values = true,
        value_name = "MS",
        value_parser = clap::value_parser!(u64).range(1..=3_600_000)
    )]
    pub timeout_ms: Option<u64>,
}

impl TimeoutArgs {
    /// The limit asked for, or `default`.
    pub fn or(&self, default: Duration) -> Duration {
        self.timeout_ms.map_or(default, Duration::from_millis)
    }
}

/// Pause between sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PacingArg {
    /// No pause.
    None,
    /// 30–90 s, as in production.
    Production,
}

impl From<PacingArg> for Pacing {
    fn from(p: PacingArg) -> Pacing {
        match p {
            PacingArg::None => Pacing::NONE,
            PacingArg::Production => Pacing::PRODUCTION,
        }
    }
}

/// Options of `lmh e2e`.
#[derive(Debug, Args)]
pub struct E2eArgs {
    #[command(flatten)]
    db: DbArgs,
    /// `mock` (an in-process mock per fixture) or the URL of a running session-manager.
    #[arg(long, default_value = "mock")]
    session_manager: String,
    /// With a URL: the journal file of the `lmh mock serve` behind it, to check the journal invariants.
    #[arg(long)]
    journal: Option<PathBuf>,
    /// A fixture file or a directory of them (default: the fixtures built into lmh, the same
    /// as the repository's fixtures/).
    #[arg(long, value_name = "DIR|FILE")]
    fixtures: Option<PathBuf>,
    /// Decide everything, send nothing (DRY_RUN=true).
    #[arg(long)]
    dry_run: bool,
    /// With --session-manager URL: really send the fixtures' messages through it. Required,
    /// because a real session-manager delivers them to real phones.
    #[arg(long)]
    allow_send: bool,
    /// Pause between sends, on the virtual clock.
    #[arg(long, value_enum, default_value_t = PacingArg::None)]
    pacing: PacingArg,
    #[command(flatten)]
    timeout: TimeoutArgs,
    #[command(flatten)]
    pub(super) output: OutputArgs,
    #[command(flatten)]
    pub(super) html: HtmlArgs,
}

/// The fixtures of a file, or of every `*.yaml` in a directory; without one, the fixtures
/// built into lmh.
pub fn load_fixtures(path: Option<&Path>) -> Result<Vec<Fixture>> {
    let Some(path) = path else {
        return Ok(lmh::fixtures::embedded()?);
    };
    let fixtures = if path.is_dir() {
        lmh::fixtures::load_dir(path)?
    } else {
        vec![lmh::fixtures::load(path)?]
    };
    if fixtures.is_empty() {
        bail!(
            "no fixture in {}: add *.yaml files or point --fixtures at one",
            path.display()
        );
    }
    Ok(fixtures)
}

fn provider(session_manager: &str, journal: Option<PathBuf>) -> Result<Provider> {
    if session_manager == "mock" {
        if journal.is_some() {
            bail!(
                "--journal goes with --session-manager URL; the in-process mock keeps its own journal"
            );
        }
        return Ok(Provider::Mock);
    }
    let base_url = lmh::adapter::parse_base_url(session_manager, "--session-manager")?;
    // Read after the run; a typo must not be found only once the messages went out.
    if let Some(path) = &journal
        && !path.is_file()
    {
        bail!(
            "--journal {}: no such file; start the provider as `lmh mock serve --journal {}` first, or leave --journal out",
            path.display(),
            path.display()
        );
    }
    Ok(Provider::Url { base_url, journal })
}

/// A session-manager given by URL without a journal is put behind an in-process `lmh proxy`,
/// so what it received is recorded and every invariant is checked, none skipped. The proxy
/// and its journal (a temporary file) live as long as the returned guard.
pub async fn recorded(provider: Provider) -> Result<(Provider, Option<Recording>)> {
    let Provider::Url {
        base_url,
        journal: None,
    } = provider
    else {
        return Ok((provider, None));
    };
    let journal = std::env::temp_dir().join(format!(
        "lmh-proxy-{}-{}.jsonl",
        std::process::id(),
        fastrand::u64(..)
    ));
    let mut config = lmh::proxy::ProxyConfig::new(&base_url, &journal);
    config.print = false;
    let proxy = lmh::proxy::Proxy::start(config).await?;
    let provider = Provider::Url {
        base_url: proxy.uri(),
        journal: Some(journal.clone()),
    };
    Ok((provider, Some(Recording { proxy, journal })))
}

/// An in-process proxy and its journal, removed when dropped.
pub struct Recording {
    proxy: lmh::proxy::Proxy,
    journal: PathBuf,
}

impl Drop for Recording {
    fn drop(&mut self) {
        self.proxy.stop();
        let _ = std::fs::remove_file(&self.journal);
    }
}

/// A session-manager given by URL may be a real one: sending through it needs a yes.
fn refuse_real_sends(base_url: &str, allow_send: bool, dry_run: bool) -> Result<()> {
    if !allow_send && !dry_run {
        bail!(
            "the session-manager at {base_url} would deliver the fixtures' messages to real phones; \
             pass --allow-send if it is a test double (e.g. `lmh mock serve`) or a sandbox, or --dry-run"
        );
    }
    Ok(())
}

/// Run every fixture end to end.
pub async fn e2e(args: E2eArgs) -> Result<Verdict> {
    let dry_run = args.dry_run || switches::dry_run_from_env()?;
    let fixtures = load_fixtures(args.fixtures.as_deref())?;
    let provider = provider(&args.session_manager, args.journal.clone())?;
    if let Provider::Url { base_url, .. } = &provider {
        refuse_real_sends(base_url, args.allow_send, dry_run)?;
    }
    let (provider, _recording) = recorded(provider).await?;
    let server = args.db.server().await?;
    eprintln!(
        "lmh e2e: {} fixtures, database server {}",
        fixtures.len(),
        server.describe()
    );
    let config = E2eConfig {
        pacing: args.pacing.into(),
        dry_run,
        timeline: args.html.html.is_some(),
        http_timeout: args.timeout.or(E2eConfig::default().http_timeout),
        progress_every: Some(Duration::from_secs(10)),
        ..E2eConfig::default()
    };
    let mut report = Report::new("lmh e2e");
    let progress = super::progress::Progress::new(fixtures.len(), "fixtures");
    for fixture in &fixtures {
        progress.start(&fixture.name());
        let run = run_fixture(fixture, server.url(), &provider, &config)
            .await
            .with_context(|| format!("running fixture {}", fixture.file.display()))?;
        progress.done(Some(&format!(
            "  {}",
            lmh::report::terminal_line(&format!("{}: {}", run.fixture, run.summary()))
        )));
        report.extend(run.to_checks());
        report.timelines.extend(run.timeline);
    }
    args.output.emit_with(&report, Some(&args.html))
}

/// Scheduler commands.
#[derive(Debug, Subcommand)]
pub enum SchedulerCommand {
    /// Run the reference scheduler for real: real clock, real HTTP, a scratch database loaded
    /// from a fixture; one JSON line per decision on stdout.
    Run(RunArgs),
}

/// Options of `lmh scheduler run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Base URL of the session-manager, e.g. http://127.0.0.1:3011.
    #[arg(long, env = lmh::domain::SESSION_MANAGER_BASE_URL, hide_env_values = true)]
    session_manager: String,
    /// The fixture to load into the scratch database.
    #[arg(long)]
    fixtures: PathBuf,
    /// One tick, then stop.
    #[arg(long)]
    once: bool,
    /// Stop after this many ticks (at least 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    ticks: Option<u32>,
    /// Business time zone for the window and "today" (default: the fixture's `tz`).
    #[arg(long)]
    tz: Option<chrono_tz::Tz>,
    /// Seconds between ticks.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    every: u64,
    /// Pause between sends.
    #[arg(long, value_enum, default_value_t = PacingArg::Production)]
    pacing: PacingArg,
    /// Clients served at once within a tick (default: one lane per client with work).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    max_lanes: Option<u64>,
    /// Decide everything, send nothing. Also set by DRY_RUN=true.
    #[arg(long)]
    dry_run: bool,
    /// Really send through the session-manager (required unless dry run: it delivers to real phones).
    #[arg(long)]
    allow_send: bool,
    #[command(flatten)]
    timeout: TimeoutArgs,
}

/// Run the scheduler until Ctrl-C (or --once / --ticks). Each decision is printed as it is
/// made; exit 1 when any needed a person (`outcome_unknown`, `batch_stopped`).
pub async fn run(args: RunArgs) -> Result<Verdict> {
    let stop = super::interrupt()?;
    if let Some(off) = switches::off(std::env::var_os(switches::AUTO_CAMPAIGNS_ENABLED).as_deref())
    {
        write_stdout(&format!("{}\n", off.to_json_line()))?;
        return Ok(Verdict::Pass);
    }
    let dry_run = args.dry_run || switches::dry_run_from_env()?;
    let base_url = lmh::adapter::parse_base_url(&args.session_manager, "--session-manager")?;
    refuse_real_sends(&base_url, args.allow_send, dry_run)?;
    let fixture = lmh::fixtures::load(&args.fixtures)?;
    let mut client_config = ClientConfig::new(&base_url);
    client_config.timeout = args.timeout.or(client_config.timeout);
    let client = SessionManagerClient::new(client_config)?;
    tokio::pin!(stop);
    let server = tokio::select! {
        server = args.db.server() => server?,
        signal = &mut stop => return Err(super::Interrupted(signal).into()),
    };
    let db = ScratchDb::create(server.url()).await?;
    eprintln!(
        "lmh scheduler: scratch database {} on {}{}",
        db.name(),
        server.describe(),
        if dry_run { ", DRY_RUN" } else { "" }
    );
    let result = async {
        let (scheduler, printed) = printing_scheduler(&db, &fixture, client, &args, dry_run);
        let ticks = if args.once { Some(1) } else { args.ticks };
        let every = Duration::from_secs(args.every);
        // Stop after a tick when nobody reads the decisions any more (`| head`, quietly) or
        // one could not be written (an error, below).
        let go_on = || !stdout_closed() && !printed.write_failed();
        let signal = tokio::select! {
            r = async {
                lmh::fixtures::insert(&fixture, &db).await?;
                scheduler.run(every, ticks, go_on).await?;
                anyhow::Ok(())
            } => {
                r?;
                None
            }
            signal = &mut stop => Some(signal),
        };
        if let Some(signal) = signal {
            // The tick was dropped where it stood: a send it had claimed may have gone out.
            for d in scheduler.in_flight().await? {
                write_stdout(&format!("{}\n", d.to_json_line()))?;
            }
            return Err(super::Interrupted(signal).into());
        }
        printed.verdict()
    }
    .await;
    let name = db.name().to_string();
    let dropped = db.drop_database().await;
    // The run's own error (an interrupt) comes first; a database left behind is still said.
    match (result, dropped) {
        (Ok(verdict), dropped) => dropped.map(|_| verdict).map_err(Into::into),
        (Err(e), Err(drop)) => {
            eprintln!("lmh scheduler: the scratch database {name} was not dropped: {drop}");
            Err(e)
        }
        (Err(e), Ok(_)) => Err(e),
    }
}

/// The scheduler of `lmh scheduler run`, printing each decision as one JSON line as it is
/// made, and what it printed.
fn printing_scheduler(
    db: &ScratchDb,
    fixture: &Fixture,
    client: SessionManagerClient,
    args: &RunArgs,
    dry_run: bool,
) -> (Scheduler, Printed) {
    let printed = Printed::default();
    let sink = printed.clone();
    let scheduler = Scheduler::new(
        db,
        client,
        Clock::System,
        SchedulerConfig {
            tz: args.tz.unwrap_or(fixture.tz),
            pacing: args.pacing.into(),
            dry_run,
            max_lanes: args
                .max_lanes
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            // A lane paces within one tick period; the next tick goes on.
            tick_budget: Some(Duration::from_secs(args.every)),
            ..SchedulerConfig::default()
        },
    )
    .on_decision(move |d| sink.print(d));
    (scheduler, printed)
}

/// What the printing scheduler saw: whether a decision needed a person, and the first error
/// writing a line.
#[derive(Clone, Default)]
struct Printed {
    needs_a_person: Arc<AtomicBool>,
    write_error: Arc<Mutex<Option<anyhow::Error>>>,
}

impl Printed {
    fn print(&self, d: &Decision) {
        if d.event.needs_a_person() {
            self.needs_a_person.store(true, Ordering::Relaxed);
        }
        if let Err(e) = write_stdout(&format!("{}\n", d.to_json_line())) {
            self.write_error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(e);
        }
    }

    /// Whether a line could not be written: the run stops after the tick.
    fn write_failed(&self) -> bool {
        self.write_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Fail when a decision needed a person; an error when a line could not be written.
    fn verdict(&self) -> Result<Verdict> {
        if let Some(e) = self
            .write_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            return Err(e);
        }
        Ok(if self.needs_a_person.load(Ordering::Relaxed) {
            Verdict::Fail
        } else {
            Verdict::Pass
        })
    }
}

//! `lmh doctor`: a read-only, pre-deploy diagnosis of a real installation.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::NaiveDateTime;
use clap::Args;
use lmh::adapter::{ClientConfig, SessionManagerClient};
use lmh::config::Effective;
use lmh::doctor::{DbDoctor, StuckOptions, examine};
use lmh::domain::local_to_utc;
use lmh::report::{Check, Outcome, Report};
use lmh::verify::{ProviderOptions, verify_provider};

use super::Verdict;
use super::config::ConfigInputArgs;
use super::output::OutputArgs;

/// Options of `lmh doctor`.
#[derive(Debug, Args)]
#[command(after_help = "\
With --hub DIR, central-hub's JavaScript under DIR is read (never run) and every call to the
session-manager checked against the contract, as `lmh verify consumer --source` does: a route
the session-manager does not have, or a call without X-Cliente-Id, stops every tick before it
sends, so it leads the diagnosis with file:line.

Read-only: the database is read through sessions the server itself keeps READ ONLY; the
session-manager is asked GET /health and GET /status for the clients of today's approved
programaciones (what the scheduler itself asks). --verify-provider adds the full contract
probes of `lmh verify provider`, which create the session of a probe client (--cliente-id).

Exit codes: 0 healthy, 1 something would keep rows pendiente (or worse), 2 usage or setup error.")]
pub struct DoctorArgs {
    #[command(flatten)]
    config: ConfigInputArgs,
    /// The session-manager central-hub is configured to use, e.g. http://localhost:3001
    /// (default: central-hub's SESSION_MANAGER_BASE_URL, from --hub / --hub-env).
    #[arg(long, value_name = "URL")]
    session_manager: Option<String>,
    /// The production database, read-only, e.g. mysql://reader:***@db:3306/leadmaster
    /// (default: central-hub's DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME, from --hub).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    db_url: Option<String>,
    /// Business time zone for windows and "today".
    #[arg(long, default_value_t = lmh::domain::DEFAULT_TZ)]
    tz: chrono_tz::Tz,
    /// Judge as of this business-local time (e.g. 2026-01-13T12:48:00) instead of now.
    #[arg(long, value_name = "LOCAL_TIME")]
    now: Option<NaiveDateTime>,
    /// Minutes rows may wait, with everything ready, before they count as stuck.
    #[arg(long, default_value_t = 15)]
    stuck_after_min: u64,
    /// Also run every contract probe of `lmh verify provider` (creates a probe client's session).
    #[arg(long)]
    verify_provider: bool,
    /// Client id of the contract probes.
    #[arg(long, default_value_t = lmh::verify::DEFAULT_CLIENTE_ID)]
    cliente_id: u64,
    /// Limit for each request to the session-manager, in milliseconds.
    #[arg(long, env = lmh::adapter::TIMEOUT_VAR, hide_env_values = true, default_value_t = 3000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    timeout_ms: u64,
    #[command(flatten)]
    pub(super) output: OutputArgs,
}

/// Run the diagnosis: configuration, central-hub's code, the session-manager, the database;
/// then the few lines that say why rows will not go, first.
pub async fn doctor(mut args: DoctorArgs) -> Result<Verdict> {
    let mut report = Report::new("lmh doctor");
    let (session_manager, db_url) = resolve_targets(&mut args, &mut report)?;
    if args.config.given() {
        check_config(&args, &session_manager, &mut report).await?;
    }
    // central-hub's own code: a call the session-manager does not have stops every tick.
    let source_checks = match &args.config.hub {
        Some(dir) => {
            lmh::source::check(&lmh::source::scan(dir)?, &lmh::contract::Contract::v1()).checks
        }
        None => Vec::new(),
    };
    let blockers = lmh::doctor::consumer_blockers(&source_checks);
    report.extend(source_checks.iter().cloned());
    let client = check_provider(&args, &session_manager, &mut report).await?;
    let mut found = examine_database(&args, &db_url, &client).await?;
    found.blocker = blockers.first().map(|b| b.short());
    report.extend(found.checks());

    // The configuration and identity findings belong in the summary too: on the incident
    // day they were the root cause. A wrong port hides a wrong route, so it comes first; the
    // route comes next, before the database and session lines, since it stops every tick.
    let failed = report.checks.iter().any(|c| c.outcome == Outcome::Fail);
    let mut lines: Vec<String> = report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail && (c.area == "config" || c.area == "provider"))
        .map(|c| format!("{}: {}", c.name, c.summary))
        .collect();
    lines.extend(blockers.iter().map(|b| b.line()));
    lines.extend(lmh::doctor::not_checked_line(&source_checks));
    // The few lines the seed's analyst reached by hand, first in every form.
    let diagnosis = Check::new(
        "diagnosis",
        "summary",
        if failed { Outcome::Fail } else { Outcome::Pass },
        if failed {
            "rows will not go from pendiente to enviado; see below"
        } else {
            "nothing keeps rows pendiente"
        },
    )
    .with_details(lines)
    .with_details(found.diagnosis());
    report.checks.insert(0, diagnosis);
    args.output.emit(&report)
}

/// The session-manager and database to diagnose: the flags, else central-hub's own
/// configuration (said on stderr and in the report).
fn resolve_targets(args: &mut DoctorArgs, report: &mut Report) -> Result<(String, String)> {
    let targets = super::config::targets(
        &args.config,
        args.session_manager.take(),
        args.db_url.take(),
    )?;
    let why = |flag: &str| {
        let mut reason = format!(
            "{flag} is needed: pass it, or --hub DIR (central-hub's directory) to take it from central-hub's configuration"
        );
        if !targets.underivable.is_empty() {
            reason = format!("{flag} is needed and {}", targets.underivable.join("; "));
        }
        reason
    };
    let Some(session_manager) = targets.session_manager.clone() else {
        bail!("{}", why("--session-manager"));
    };
    let Some(db_url) = targets.db_url.clone() else {
        bail!("{}", why("--db-url"));
    };
    for line in &targets.derived {
        eprintln!("lmh doctor: {line}");
    }
    report.extend(targets.check());
    Ok((session_manager, db_url))
}

/// `lmh config check` on the given configuration, and whether central-hub talks to the
/// session-manager being diagnosed.
async fn check_config(args: &DoctorArgs, session_manager: &str, report: &mut Report) -> Result<()> {
    let config = super::config::check(&args.config).await?;
    if let Some(hub_url) = &config.base_url {
        let target = lmh::adapter::parse_base_url(session_manager, "--session-manager")?;
        if !hub_url.same_endpoint(&target) {
            let from = match &config.hub_base_url.effective {
                Effective::Set(c) => c.describe(lmh::domain::SESSION_MANAGER_BASE_URL),
                _ => "central-hub's configuration".to_string(),
            };
            report.push(Check::fail(
                "config",
                "doctor target",
                format!(
                    "central-hub talks to {} ({from}), but --session-manager is {target}: \
                     the diagnosis below is of {target}, not of what central-hub reaches; \
                     pass --session-manager {} to diagnose what central-hub sees",
                    hub_url.text, hub_url.text
                ),
            ));
        }
    }
    report.extend(config.to_report("lmh config check").checks);
    Ok(())
}

/// Who answers at the session-manager's URL (and, when asked, every contract probe); the
/// client the preview asks sessions with.
async fn check_provider(
    args: &DoctorArgs,
    session_manager: &str,
    report: &mut Report,
) -> Result<SessionManagerClient> {
    let mut config = ClientConfig::new(session_manager);
    config.timeout = Duration::from_millis(args.timeout_ms.max(1));
    config.connect_timeout = config.timeout.min(config.connect_timeout);
    let client = SessionManagerClient::new(config)?;
    report.push(match client.health().await {
        Ok(h) => Check::pass(
            "provider",
            "identity",
            format!("{} answers GET /health as {}", client.base_url(), h.service),
        ),
        Err(e) => Check::fail("provider", "identity", e.to_string()),
    });
    if args.verify_provider {
        let mut options = ProviderOptions::new(session_manager.to_string());
        options.cliente_id = args.cliente_id;
        options.timeout = Duration::from_millis(args.timeout_ms.max(1));
        report.extend(verify_provider(&options).await?.checks);
    }
    Ok(client)
}

/// The database side, read-only, judged at `--now` (business-local) or now.
async fn examine_database(
    args: &DoctorArgs,
    db_url: &str,
    client: &SessionManagerClient,
) -> Result<DbDoctor> {
    let now = match args.now {
        Some(local) => match local_to_utc(args.tz, local) {
            Some(t) => t,
            None => bail!(
                "--now {local}: that time does not exist in {} (a daylight-saving gap)",
                args.tz
            ),
        },
        None => chrono::Utc::now(),
    };
    let pool = lmh::db::connect_read_only(db_url).await?;
    let options = StuckOptions {
        threshold: Duration::from_secs(args.stuck_after_min * 60),
        ..StuckOptions::default()
    };
    let found = examine(&pool, client, now, args.tz, &options)
        .await
        .context("examining the database (read-only)");
    pool.close().await;
    found
}

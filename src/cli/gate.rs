//! `lmh gate`: configuration, contract and end-to-end checks in one report, for CI and for
//! a pre-deploy check.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use lmh::contract::diff::diff;
use lmh::e2e::{E2eConfig, Provider, run_fixture};
use lmh::mock::MockSessionManager;
use lmh::report::{Check, Report};
use lmh::verify::{ProviderOptions, verify_journal, verify_provider};

use super::Verdict;
use super::config::ConfigInputArgs;
use super::contract::load;
use super::e2e::{DbArgs, TimeoutArgs, load_fixtures};
use super::output::{HtmlArgs, OutputArgs};

/// Options of `lmh gate`.
#[derive(Debug, Args)]
#[command(after_help = "\
Runs, and reports once:
  config    the consumer's and provider's configuration (when --hub/--sm or their files are given)
  contract  the provider's contract (--contract) against the consumer's (--consumer-contract):
            a change that breaks the consumer fails; the mock against the contract (the harness
            checks itself); the real session-manager at --session-manager against --contract when
            given; the consumer's source (--source) and a consumer journal (--journal) against
            --consumer-contract when given
  e2e       every fixture through the reference scheduler and the mock (or, with --allow-send,
            the --session-manager through an in-process proxy), against a scratch database

Exit codes: 0 every check passed, 1 at least one check failed, 2 usage or setup error.")]
pub struct GateArgs {
    #[command(flatten)]
    config: ConfigInputArgs,
    /// The contract the provider follows now (a file, or `v1` / `v2` for the embedded ones);
    /// diffed against --consumer-contract. Without it, no diff, and the provider is checked
    /// against --consumer-contract.
    #[arg(long, value_name = "FILE")]
    contract: Option<String>,
    /// The contract the consumer was written against (a file, or `v1` / `v2`).
    #[arg(long, value_name = "FILE", default_value = "v1")]
    consumer_contract: String,
    /// A running session-manager to verify against the contract (non-destructive). Default:
    /// central-hub's SESSION_MANAGER_BASE_URL when --hub (or --hub-env ...) is given; `none`
    /// verifies no live session-manager.
    #[arg(long, value_name = "URL")]
    session_manager: Option<String>,
    /// With --session-manager: also run the fixtures end to end against it, through an
    /// in-process `lmh proxy` so every invariant is checked against it. It delivers the
    /// fixtures' messages: a test double or a sandbox only.
    #[arg(long, requires = "session_manager")]
    allow_send: bool,
    /// Client id the provider probes use (its session may be created on the provider).
    #[arg(long, default_value_t = lmh::verify::DEFAULT_CLIENTE_ID)]
    cliente_id: u64,
    /// The consumer's source tree (central-hub's folder): its calls to the session-manager,
    /// read from the code, checked against --consumer-contract. The first check a
    /// consumer's CI runs.
    #[arg(long, value_name = "DIR")]
    source: Option<PathBuf>,
    /// A journal of a consumer's requests (`lmh mock serve --journal`) to check against the contract.
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
    /// Fixture file or directory for the end-to-end part (default: the fixtures built into lmh,
    /// the same as the repository's fixtures/).
    #[arg(long, value_name = "DIR|FILE")]
    fixtures: Option<PathBuf>,
    /// Skip the end-to-end part (no database needed).
    #[arg(long)]
    no_e2e: bool,
    #[command(flatten)]
    timeout: TimeoutArgs,
    #[command(flatten)]
    pub(super) output: OutputArgs,
    #[command(flatten)]
    pub(super) html: HtmlArgs,
}

/// Every check of a report, moved to another area.
fn in_area(report: Report, area: &str) -> Vec<Check> {
    checks_in_area(report.checks, area)
}

/// Checks moved to another area.
fn checks_in_area(checks: Vec<Check>, area: &str) -> Vec<Check> {
    checks
        .into_iter()
        .map(|mut c| {
            c.area = area.to_string();
            c
        })
        .collect()
}

/// Run the gate.
pub async fn gate(args: GateArgs) -> Result<Verdict> {
    let mut report = Report::new("lmh gate");
    let session_manager = config_checks(&args, &mut report).await?;
    contract_checks(&args, session_manager.as_deref(), &mut report).await?;
    if args.no_e2e {
        report.push(Check::skip("e2e", "fixtures", "--no-e2e"));
    } else {
        e2e_checks(&args, session_manager.as_deref(), &mut report).await?;
    }
    args.output.emit_with(&report, Some(&args.html))
}

/// The targets taken from central-hub's configuration and the configuration checks; the
/// session-manager to verify, unless `none`.
async fn config_checks(args: &GateArgs, report: &mut Report) -> Result<Option<String>> {
    // Scratch databases are never created on central-hub's own server: only the session-manager
    // is taken from its configuration.
    let targets = super::config::targets(
        &args.config,
        args.session_manager.clone(),
        Some(String::new()),
    )?;
    for line in &targets.derived {
        eprintln!("lmh gate: {line}");
    }
    report.extend(targets.check());
    if args.config.given() {
        let config = super::config::run(&args.config).await?;
        report.extend(config.checks);
    } else {
        report.push(Check::skip(
            "config",
            "configuration",
            "no --hub/--sm (or their files) given",
        ));
    }
    Ok(targets.session_manager.filter(|url| url != "none"))
}

/// The contract diff, the mock against the contract, the provider, the consumer's source
/// and journal.
async fn contract_checks(
    args: &GateArgs,
    session_manager: Option<&str>,
    report: &mut Report,
) -> Result<()> {
    // Contracts are read before anything runs, so a bad --contract is a usage error (exit 2).
    let consumer_contract = load(&args.consumer_contract)
        .with_context(|| format!("--consumer-contract {}", args.consumer_contract))?;
    let provider_contract = match &args.contract {
        Some(arg) => {
            let provider = load(arg).with_context(|| format!("--contract {arg}"))?;
            let d = diff(&consumer_contract, &provider);
            report.extend(checks_in_area(d.to_checks(), "contract.diff"));
            provider
        }
        None => {
            report.push(Check::skip(
                "contract.diff",
                "provider contract against consumer contract",
                "no --contract given: pass --contract FILE (or v1 / v2), the contract the \
                 provider follows now, to fail on changes that break the consumer",
            ));
            consumer_contract.clone()
        }
    };

    // The harness checks itself first: the mock must answer only what the contract allows.
    let mock = MockSessionManager::start().await;
    let mock_report = verify_provider(&ProviderOptions::new(mock.uri())).await?;
    report.extend(in_area(mock_report, "contract.mock"));
    drop(mock);

    if let Some(url) = session_manager {
        let mut options = ProviderOptions::new(url);
        options.cliente_id = args.cliente_id;
        options.contract = provider_contract;
        options.timeout = args.timeout.or(options.timeout);
        let provider = verify_provider(&options).await?;
        report.extend(in_area(provider, "contract.provider"));
    }
    if let Some(dir) = &args.source {
        let scan = lmh::source::scan(dir)?;
        report.extend(lmh::source::check(&scan, &consumer_contract).checks);
    }
    if let Some(journal) = &args.journal {
        let consumer = verify_journal(journal, &consumer_contract)?;
        report.extend(in_area(consumer, "contract.consumer"));
    }
    Ok(())
}

/// Every fixture end to end, through the mock or (with --allow-send) the session-manager.
async fn e2e_checks(
    args: &GateArgs,
    session_manager: Option<&str>,
    report: &mut Report,
) -> Result<()> {
    let fixtures = load_fixtures(args.fixtures.as_deref())?;
    let server = args.db.server().await?;
    let provider = match (session_manager, args.allow_send) {
        (Some(url), true) => Provider::Url {
            base_url: lmh::adapter::parse_base_url(url, "--session-manager")?,
            journal: None,
        },
        _ => Provider::Mock,
    };
    let (provider, _recording) = super::e2e::recorded(provider).await?;
    let progress = super::progress::Progress::new(fixtures.len(), "fixtures");
    for fixture in &fixtures {
        progress.start(&fixture.name());
        let config = E2eConfig {
            timeline: args.html.html.is_some(),
            http_timeout: args.timeout.or(E2eConfig::default().http_timeout),
            progress_every: Some(std::time::Duration::from_secs(10)),
            ..E2eConfig::default()
        };
        let run = run_fixture(fixture, server.url(), &provider, &config)
            .await
            .with_context(|| format!("running fixture {}", fixture.file.display()))?;
        progress.done(None);
        report.extend(run.to_checks());
        report.timelines.extend(run.timeline);
    }
    Ok(())
}

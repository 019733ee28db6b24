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
use super::output::OutputArgs;

/// Options of `lmh gate`.
#[derive(Debug, Args)]
#[command(after_help = "\
Runs, and reports once:
  config    the consumer's and provider's configuration (when --hub/--sm or their files are given)
  contract  the provider's contract (--contract) against the consumer's (--consumer-contract):
            a change that breaks the consumer fails; the mock against the contract (the harness
            checks itself); the real session-manager at --session-manager against --contract when
            given; and a consumer journal (--journal) against --consumer-contract when given
  e2e       every fixture through the reference scheduler and the mock, against a scratch database

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
    /// A running session-manager to verify against the contract (non-destructive).
    #[arg(long, value_name = "URL")]
    session_manager: Option<String>,
    /// Client id the provider probes use (its session may be created on the provider).
    #[arg(long, default_value_t = lmh::verify::DEFAULT_CLIENTE_ID)]
    cliente_id: u64,
    /// A journal of a consumer's requests (`lmh mock serve --journal`) to check against the contract.
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
    /// Fixture file or directory for the end-to-end part.
    #[arg(long, default_value = "fixtures")]
    fixtures: PathBuf,
    /// Skip the end-to-end part (no database needed).
    #[arg(long)]
    no_e2e: bool,
    #[command(flatten)]
    timeout: TimeoutArgs,
    #[command(flatten)]
    output: OutputArgs,
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

    if let Some(url) = &args.session_manager {
        let mut options = ProviderOptions::new(url.clone());
        options.cliente_id = args.cliente_id;
        options.contract = provider_contract;
        options.timeout = args.timeout.or(options.timeout);
        let provider = verify_provider(&options).await?;
        report.extend(in_area(provider, "contract.provider"));
    }
    if let Some(journal) = &args.journal {
        let consumer = verify_journal(journal, &consumer_contract)?;
        report.extend(in_area(consumer, "contract.consumer"));
    }

    if args.no_e2e {
        report.push(Check::skip("e2e", "fixtures", "--no-e2e"));
    } else {
        let fixtures = load_fixtures(&args.fixtures)?;
        let server = args.db.server().await?;
        for fixture in &fixtures {
            let run = run_fixture(
                fixture,
                server.url(),
                &Provider::Mock,
                &E2eConfig {
                    http_timeout: args.timeout.or(E2eConfig::default().http_timeout),
                    progress_every: Some(std::time::Duration::from_secs(10)),
                    ..E2eConfig::default()
                },
            )
            .await
            .with_context(|| format!("running fixture {}", fixture.file.display()))?;
            report.extend(run.to_checks());
        }
    }
    args.output.emit(&report)
}

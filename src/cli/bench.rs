//! `lmh bench`: speed of the scheduler and the end-to-end flow, measured side by side with
//! the seed-era baseline (never asserted in tests).

use anyhow::Result;
use clap::builder::TypedValueParser as _;
use clap::{Args, ValueEnum};

use lmh::bench::Scenario;

use super::Verdict;
use super::e2e::DbArgs;

/// What `lmh bench` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum BenchFormat {
    /// A table for a terminal.
    #[default]
    Human,
    /// One JSON document.
    Json,
}

/// Options of `lmh bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(flatten)]
    db: DbArgs,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = BenchFormat::Human)]
    format: BenchFormat,
    /// Run only these scenarios (comma-separated or repeated), with what they need: a drain
    /// also runs the baseline, commits-per-send both drains.
    #[arg(long, value_delimiter = ',', value_name = "SCENARIO", value_parser = scenario_parser())]
    only: Vec<Scenario>,
    /// Measure every scenario this many times and report each one's median round, with the
    /// range of its ratios to the baseline (each round's ratio is to its own baseline).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    rounds: u32,
}

/// Scenario names as the library spells them, so the CLI lists and accepts exactly those.
fn scenario_parser() -> impl clap::builder::TypedValueParser<Value = Scenario> {
    clap::builder::PossibleValuesParser::new(Scenario::ALL.map(Scenario::name))
        .try_map(|name: String| Scenario::from_name(&name).ok_or("unknown scenario"))
}

/// Run every scenario and print the figures.
pub async fn bench(args: BenchArgs) -> Result<Verdict> {
    let server = args.db.server().await?;
    eprintln!("lmh bench: database server {}", server.describe());
    let measurements = lmh::bench::run(server.url(), &args.only, args.rounds).await?;
    match args.format {
        BenchFormat::Json => super::output::write_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&measurements)?
        ))?,
        BenchFormat::Human => super::output::write_stdout(&lmh::bench::table(&measurements))?,
    }
    let failed = measurements.iter().any(|m| m.failed());
    Ok(if failed { Verdict::Fail } else { Verdict::Pass })
}

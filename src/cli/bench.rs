//! `lmh bench`: speed of the scheduler and the end-to-end flow, measured side by side with
//! the seed-era baseline (never asserted in tests).

use anyhow::Result;
use clap::{Args, ValueEnum};

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
}

/// Run every scenario and print the figures.
pub async fn bench(args: BenchArgs) -> Result<Verdict> {
    let server = args.db.server().await?;
    eprintln!("lmh bench: database server {}", server.describe());
    let measurements = lmh::bench::run_all(server.url()).await?;
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

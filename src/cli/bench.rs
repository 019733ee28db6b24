//! `lmh bench`: speed of the end-to-end flow, measured (never asserted in tests).

use anyhow::Result;
use clap::Args;

use super::Verdict;
use super::e2e::DbArgs;

/// Options of `lmh bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Run every scenario and print the figures.
pub async fn bench(args: BenchArgs) -> Result<Verdict> {
    let server = args.db.server().await?;
    eprintln!("lmh bench: database server {}", server.describe());
    let measurements = lmh::bench::run_all(server.url()).await?;
    if args.json {
        super::output::write_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&measurements)?
        ))?;
    } else {
        super::output::write_stdout(&lmh::bench::table(&measurements))?;
    }
    let ok = measurements.iter().all(|m| m.invariants_ok);
    Ok(if ok { Verdict::Pass } else { Verdict::Fail })
}

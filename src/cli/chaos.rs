//! `lmh chaos`: the randomized fault campaign.

use anyhow::Result;
use clap::{Args, ValueEnum};
use lmh::chaos::{ChaosConfig, run_campaign};

use super::Verdict;
use super::e2e::DbArgs;

/// What `lmh chaos` prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChaosFormat {
    /// Lines for a terminal.
    Human,
    /// One JSON document.
    Json,
}

/// Options of `lmh chaos`.
#[derive(Debug, Args)]
pub struct ChaosArgs {
    #[command(flatten)]
    db: DbArgs,
    /// How many schedules to draw and run.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    schedules: u32,
    /// Campaign seed: the same seed draws the same fixtures and fault plans.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Replay one schedule of the campaign (the number a violation names).
    #[arg(long, value_name = "N")]
    only: Option<u32>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = ChaosFormat::Human)]
    format: ChaosFormat,
}

/// Run the campaign; exit 1 on any broken guarantee.
pub async fn chaos(args: ChaosArgs) -> Result<Verdict> {
    let server = args.db.server().await?;
    let config = ChaosConfig {
        seed: args.seed,
        schedules: args.schedules,
        only: args.only,
    };
    let total = if config.only.is_some() {
        1
    } else {
        config.schedules
    };
    eprintln!(
        "lmh chaos: seed {}, {total} schedules, database server {}",
        config.seed,
        server.describe()
    );
    let mut done = 0;
    let report = run_campaign(server.url(), &config, |_, r| {
        done += 1;
        // Progress on stderr, every tenth schedule and the last.
        if done % 10 == 0 || done == total {
            eprintln!(
                "  {done}/{total} schedules: {} sends, {} violations",
                r.sends,
                r.violations.len()
            );
        }
    })
    .await?;
    match args.format {
        ChaosFormat::Human => super::output::write_stdout(&report.to_human())?,
        ChaosFormat::Json => {
            super::output::write_stdout(&format!("{}\n", serde_json::to_string_pretty(&report)?))?
        }
    }
    Ok(if report.passed() {
        Verdict::Pass
    } else {
        Verdict::Fail
    })
}

//! Command-line parsing and dispatch. Business rules live in the library, not here.

mod contract;
mod mock;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for a run whose checks passed.
pub const EXIT_OK: u8 = 0;
/// Exit code for a run with at least one failed check.
pub const EXIT_FAILED: u8 = 1;
/// Exit code for a usage or setup error (bad arguments, unreachable database, unreadable file).
pub const EXIT_USAGE: u8 = 2;

/// lmh: contract, configuration and end-to-end checks for LeadMaster's central-hub and session-manager.
///
/// Exit codes: 0 all checks passed; 1 at least one check failed; 2 usage or setup error.
#[derive(Debug, Parser)]
#[command(name = "lmh", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The mock session-manager.
    #[command(subcommand)]
    Mock(mock::MockCommand),
    /// Read, list and diff provider contracts.
    #[command(subcommand)]
    Contract(contract::ContractCommand),
    /// Check a live provider, or a consumer's recorded requests, against the contract.
    #[command(subcommand)]
    Verify(verify::VerifyCommand),
}

/// What a command concluded: checks passed, or some failed.
enum Verdict {
    Pass,
    Fail,
}

/// Run a parsed command line and turn its outcome into an exit code.
pub fn run(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            Command::Mock(mock::MockCommand::Serve(args)) => {
                mock::serve(args).await.map(|()| Verdict::Pass)
            }
            Command::Contract(command) => contract::run(command),
            Command::Verify(command) => verify::run(command).await,
        }
    });
    match outcome {
        Ok(Verdict::Pass) => ExitCode::from(EXIT_OK),
        Ok(Verdict::Fail) => ExitCode::from(EXIT_FAILED),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

//! Command-line parsing and dispatch. Business rules live in the library, not here.

pub mod config;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for a run whose checks passed.
pub const EXIT_OK: u8 = 0;
/// Exit code for a run with at least one failed check.
pub const EXIT_FAILED: u8 = 1;
/// Exit code for a usage or setup error (bad arguments, unreachable database, unreadable file).
pub const EXIT_USAGE: u8 = 2;

/// lmh: contract, configuration and end-to-end checks for LeadMaster's central-hub and session-manager.
#[derive(Debug, Parser)]
#[command(name = "lmh", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Configuration checks between central-hub and the session-manager.
    Config {
        #[command(subcommand)]
        command: config::ConfigCommand,
    },
}

/// Run a parsed command line and turn its outcome into an exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Config { command } => config::execute(command),
    }
}

//! Command-line parsing and dispatch. Business rules live in the library, not here.

mod bench;
mod chaos;
mod config;
mod contract;
mod doctor;
mod e2e;
mod gate;
mod mock;
mod output;
mod progress;
mod proxy;
mod verify;

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

/// Exit code for a run whose checks passed.
pub const EXIT_OK: u8 = 0;
/// Exit code for a run with at least one failed check.
pub const EXIT_FAILED: u8 = 1;
/// Exit code for a usage or setup error (bad arguments, unreachable database, unreadable file).
pub const EXIT_USAGE: u8 = 2;
/// Exit code of a run interrupted by Ctrl-C (SIGINT), as shells report it: 128 + 2.
pub const EXIT_SIGINT: u8 = 130;
/// Exit code of a run stopped by SIGTERM (what CI timeouts send): 128 + 15.
pub const EXIT_SIGTERM: u8 = 143;

/// A run ended by a signal; carried as the error so the exit code can say which.
#[derive(Debug, thiserror::Error)]
#[error("interrupted by {}", self.name())]
pub struct Interrupted(pub Signal);

/// The signals lmh stops on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C.
    Int,
    /// `kill`, CI timeouts.
    Term,
}

impl Interrupted {
    fn name(&self) -> &'static str {
        match self.0 {
            Signal::Int => "Ctrl-C",
            Signal::Term => "SIGTERM",
        }
    }

    fn exit_code(&self) -> u8 {
        match self.0 {
            Signal::Int => EXIT_SIGINT,
            Signal::Term => EXIT_SIGTERM,
        }
    }
}

/// A future that resolves on the first Ctrl-C or SIGTERM, saying which. The handlers are
/// installed by this call, not when the future is first polled, so no signal falls in between.
pub fn interrupt() -> anyhow::Result<impl Future<Output = Signal>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => Signal::Int,
            _ = term.recv() => Signal::Term,
        }
    })
}

/// lmh: contract, configuration and end-to-end checks for LeadMaster's central-hub and session-manager.
///
/// Exit codes: 0 all checks passed; 1 at least one check failed; 2 usage or setup error.
#[derive(Debug, Parser)]
#[command(name = "lmh", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start-up: the size of the largest variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// The mock session-manager.
    #[command(subcommand)]
    Mock(mock::MockCommand),
    /// Run fixtures end to end: scratch database, reference scheduler on a virtual clock,
    /// mock (or real) session-manager, every invariant checked.
    E2e(e2e::E2eArgs),
    /// The reference scheduler.
    #[command(subcommand)]
    Scheduler(e2e::SchedulerCommand),
    /// Configuration checks between central-hub and the session-manager.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Measure the end-to-end flow: 1,000 rows, a simulated business day, the drain rate.
    Bench(bench::BenchArgs),
    /// Read, list and diff provider contracts.
    #[command(subcommand)]
    Contract(contract::ContractCommand),
    /// Check a live provider, or a consumer's recorded requests, against the contract.
    #[command(subcommand)]
    Verify(verify::VerifyCommand),
    /// Config, contract and end-to-end checks in one report: the CI and pre-deploy gate.
    Gate(gate::GateArgs),
    /// Read-only diagnosis of a real installation: config, provider, schema, next tick, stuck rows.
    Doctor(doctor::DoctorArgs),
    /// A recording, validating reverse proxy in front of a real session-manager.
    Proxy(proxy::ProxyArgs),
    /// A randomized fault campaign against the reference scheduler: provider faults, killed
    /// database connections, crashes, two schedulers at once; figures of what broke.
    Chaos(chaos::ChaosArgs),
}

impl Command {
    /// The title and output options of a command that reports checks, so a setup error can
    /// still be written where the report was asked for.
    fn outputs(&self) -> Option<(&'static str, output::OutputArgs, Option<output::HtmlArgs>)> {
        use output::OutputArgs as O;
        let (title, out, html): (&str, &O, _) = match self {
            Command::E2e(a) => ("lmh e2e", &a.output, Some(a.html.clone())),
            Command::Gate(a) => ("lmh gate", &a.output, Some(a.html.clone())),
            Command::Doctor(a) => ("lmh doctor", &a.output, None),
            Command::Config(config::ConfigCommand::Check(a)) => {
                ("lmh config check", &a.output, None)
            }
            Command::Verify(verify::VerifyCommand::Provider(a)) => {
                ("lmh verify provider", &a.output, None)
            }
            Command::Verify(verify::VerifyCommand::Consumer(a)) => {
                ("lmh verify consumer", &a.output, None)
            }
            Command::Contract(contract::ContractCommand::Diff(a)) => {
                ("lmh contract diff", &a.output, None)
            }
            _ => return None,
        };
        Some((title, out.clone(), html))
    }
}

/// What a command concluded: checks passed, or some failed.
pub enum Verdict {
    /// Every check passed.
    Pass,
    /// At least one check failed.
    Fail,
}

async fn dispatch(command: Command) -> anyhow::Result<Verdict> {
    match command {
        Command::Mock(mock::MockCommand::Serve(args)) => {
            mock::serve(args).await.map(|()| Verdict::Pass)
        }
        Command::E2e(args) => e2e::e2e(args).await,
        Command::Scheduler(e2e::SchedulerCommand::Run(args)) => e2e::run(args).await,
        Command::Config(command) => config::execute(command).await,
        Command::Bench(args) => bench::bench(args).await,
        Command::Contract(command) => contract::run(command),
        Command::Verify(command) => verify::run(command).await,
        Command::Gate(args) => gate::gate(args).await,
        Command::Doctor(args) => doctor::doctor(args).await,
        Command::Proxy(args) => proxy::proxy(args).await,
        Command::Chaos(args) => chaos::chaos(args).await,
    }
}

/// Run `work` until it ends, Ctrl-C or SIGTERM (what CI timeouts send). When interrupted,
/// `work` is dropped first (a container started for it goes with it), then the scratch
/// databases of the run.
async fn interruptible(
    work: impl Future<Output = anyhow::Result<Verdict>>,
) -> anyhow::Result<Verdict> {
    let stop = interrupt()?;
    let signal = tokio::select! {
        outcome = work => return outcome,
        signal = stop => signal,
    };
    let interrupted = Interrupted(signal);
    // Dropping `work` already dropped most (ScratchDb's Drop); this catches the rest.
    match lmh::db::drop_all_live().await {
        Ok(_) => eprintln!("{interrupted}; the run's scratch databases are dropped"),
        Err(e) => eprintln!("{interrupted}; {e}"),
    }
    Err(interrupted.into())
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
    let outputs = cli.command.outputs();
    let checked = match &outputs {
        Some((_, output, html)) => output.check_paths(html.as_ref()),
        None => Ok(()),
    };
    let outcome = runtime.block_on(async move {
        checked?;
        match cli.command {
            // The mock serves until Ctrl-C: stopping is its normal end, not an interruption.
            Command::Mock(mock::MockCommand::Serve(args)) => {
                mock::serve(args).await.map(|()| Verdict::Pass)
            }
            // The proxy too: Ctrl-C flushes its journal and prints its summary.
            Command::Proxy(args) => proxy::proxy(args).await,
            // It reports its in-flight sends itself before it stops.
            Command::Scheduler(e2e::SchedulerCommand::Run(args)) => e2e::run(args).await,
            command => interruptible(dispatch(command)).await,
        }
    });
    match outcome {
        Ok(Verdict::Pass) => ExitCode::from(EXIT_OK),
        Ok(Verdict::Fail) => ExitCode::from(EXIT_FAILED),
        Err(e) => match e.downcast_ref::<Interrupted>() {
            Some(interrupted) => ExitCode::from(interrupted.exit_code()),
            None => {
                eprintln!("error: {}", lmh::report::terminal_text(&format!("{e:#}")));
                if let Some((title, output, html)) = outputs {
                    output.emit_setup_error(title, &e, html.as_ref());
                }
                ExitCode::from(EXIT_USAGE)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap prints an option's environment value in `--help` unless told not to; any of them
    /// may hold a URL with credentials.
    #[test]
    fn no_help_text_shows_an_environment_value() {
        fn walk(cmd: &clap::Command, path: &str, found: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                if arg.get_env().is_some() && !arg.is_hide_env_values_set() {
                    found.push(format!("{path} --{}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), found);
            }
        }
        let mut found = Vec::new();
        walk(&super::Cli::command(), "lmh", &mut found);
        assert!(found.is_empty(), "add hide_env_values = true: {found:?}");
    }
}

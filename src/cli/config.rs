//! `lmh config check`: where central-hub looks for the session-manager, and where it listens.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use lmh::config::{self, CheckInputs, ProbeOptions, ScanOptions, ServiceInputs};
use lmh::report::Report;

use super::Verdict;
use super::output::OutputArgs;

/// `lmh config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check that central-hub's SESSION_MANAGER_BASE_URL points at the port the session-manager
    /// listens on, naming every source (shell, PM2 ecosystem file, .env) and what each says.
    Check(ConfigCheckArgs),
}

/// Arguments of `lmh config check`.
#[derive(Debug, Args)]
#[command(after_help = "\
Precedence (highest first): shell, PM2 ecosystem file (port, env_<name>, env), .env, the \
default in the service code (session-manager 3001, central-hub 3012).

The shell environment of each service is NOT taken from lmh's own environment: describe it \
with --hub-shell/--sm-shell KEY=VALUE, or --hub-shell-file/--sm-shell-file (e.g. a copy of \
/proc/<pid>/environ), or pass --shell-from-env when lmh runs in the very shell the services \
were started from.

Exit codes: 0 all checks passed, 1 a check failed, 2 bad arguments or unreadable input.")]
pub struct ConfigCheckArgs {
    #[command(flatten)]
    pub inputs: ConfigInputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Where the two services' configuration is read from (shared with `lmh gate` and `lmh doctor`).
#[derive(Debug, Args, Clone, Default)]
pub struct ConfigInputArgs {
    /// central-hub's directory: reads its .env and ecosystem.config.{js,cjs,mjs,json}.
    #[arg(long, value_name = "DIR")]
    pub hub: Option<PathBuf>,
    /// session-manager's directory: reads its .env and ecosystem.config.{js,cjs,mjs,json}.
    #[arg(long, value_name = "DIR")]
    pub sm: Option<PathBuf>,
    /// central-hub's .env file (instead of the one in --hub).
    #[arg(long, value_name = "FILE")]
    pub hub_env: Option<PathBuf>,
    /// central-hub's PM2 ecosystem file (instead of the one in --hub).
    #[arg(long, value_name = "FILE")]
    pub hub_pm2: Option<PathBuf>,
    /// session-manager's .env file (instead of the one in --sm).
    #[arg(long, value_name = "FILE")]
    pub sm_env: Option<PathBuf>,
    /// session-manager's PM2 ecosystem file (instead of the one in --sm).
    #[arg(long, value_name = "FILE")]
    pub sm_pm2: Option<PathBuf>,
    /// A variable of the shell central-hub was started from (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub hub_shell: Vec<String>,
    /// A variable of the shell the session-manager was started from (repeatable), e.g. PORT=3011.
    #[arg(long, value_name = "KEY=VALUE")]
    pub sm_shell: Vec<String>,
    /// central-hub's shell environment from a file (KEY=VALUE lines, or /proc/<pid>/environ).
    #[arg(long, value_name = "FILE")]
    pub hub_shell_file: Option<PathBuf>,
    /// session-manager's shell environment from a file (KEY=VALUE lines, or /proc/<pid>/environ).
    #[arg(long, value_name = "FILE")]
    pub sm_shell_file: Option<PathBuf>,
    /// Take lmh's own environment as both services' shell (only if they were started from it).
    #[arg(long)]
    pub shell_from_env: bool,
    /// The app of central-hub's PM2 file, when it has several.
    #[arg(long, value_name = "NAME")]
    pub hub_app: Option<String>,
    /// The app of session-manager's PM2 file, when it has several.
    #[arg(long, value_name = "NAME")]
    pub sm_app: Option<String>,
    /// The `pm2 start --env NAME` both services were started with (applies env_NAME blocks).
    #[arg(long, value_name = "NAME")]
    pub pm2_env: Option<String>,
    /// Also ask what answers: GET /health on the URL's port and the configured port.
    #[arg(long)]
    pub probe: bool,
    /// Another port to probe on the URL's host (repeatable; implies --probe).
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub probe_port: Vec<u16>,
    /// Timeout of each probe, in milliseconds.
    #[arg(long, env = lmh::adapter::TIMEOUT_VAR, hide_env_values = true, value_name = "MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub probe_timeout_ms: u64,
    /// List references to session-manager ports other than the effective one in this tree
    /// (repeatable).
    #[arg(long, value_name = "DIR")]
    pub scan: Vec<PathBuf>,
}

impl ConfigInputArgs {
    /// Whether any configuration source was named at all.
    pub fn given(&self) -> bool {
        self.hub.is_some()
            || self.sm.is_some()
            || self.hub_env.is_some()
            || self.hub_pm2.is_some()
            || self.sm_env.is_some()
            || self.sm_pm2.is_some()
            || !self.hub_shell.is_empty()
            || !self.sm_shell.is_empty()
            || self.hub_shell_file.is_some()
            || self.sm_shell_file.is_some()
    }
}

/// Run `lmh config <command>` and print its report.
pub async fn execute(command: ConfigCommand) -> anyhow::Result<Verdict> {
    match command {
        ConfigCommand::Check(args) => {
            let report = run(&args.inputs).await?;
            args.output.emit(&report)
        }
    }
}

/// Run `lmh config check` and return its report; errors are bad arguments or unreadable input.
pub async fn run(args: &ConfigInputArgs) -> anyhow::Result<Report> {
    Ok(check(args).await?.to_report("lmh config check"))
}

/// The configuration check itself, for callers that need its findings (the effective URL).
pub async fn check(args: &ConfigInputArgs) -> anyhow::Result<config::ConfigReport> {
    let inputs = check_inputs(args)?;
    let mut report = config::check(&inputs)?;
    if args.probe || !args.probe_port.is_empty() {
        let options = ProbeOptions {
            timeout: Duration::from_millis(args.probe_timeout_ms.max(1)),
            extra_ports: args.probe_port.clone(),
        };
        report.probe(&options).await;
    }
    for dir in &args.scan {
        report.scan(dir, &ScanOptions::default())?;
    }
    Ok(report)
}

/// The session-manager and database a command works on: the flags when given, else what
/// central-hub's own configuration (--hub, --hub-env, --hub-pm2, --hub-shell) says.
#[derive(Debug, Default)]
pub struct Targets {
    /// The session-manager's base URL.
    pub session_manager: Option<String>,
    /// The database URL (may hold a password: never print it).
    pub db_url: Option<String>,
    /// One line per derived value: what it is (password masked) and where each part came from.
    pub derived: Vec<String>,
    /// Why a value could not be derived, for the error a command gives when it needs it.
    pub underivable: Vec<String>,
}

impl Targets {
    /// The derived values as a check, so every form of the report says where they came from.
    pub fn check(&self) -> Option<lmh::report::Check> {
        (!self.derived.is_empty()).then(|| {
            lmh::report::Check::pass(
                "config",
                "taken from central-hub's configuration",
                "what central-hub itself uses, for the flags not given",
            )
            .with_details(self.derived.clone())
        })
    }
}

/// Fill in the session-manager and database not given as flags from central-hub's configuration.
pub fn targets(
    args: &ConfigInputArgs,
    session_manager: Option<String>,
    db_url: Option<String>,
) -> anyhow::Result<Targets> {
    let mut t = Targets {
        session_manager,
        db_url,
        ..Targets::default()
    };
    let inputs = check_inputs(args)?;
    if inputs.hub.is_empty() || (t.session_manager.is_some() && t.db_url.is_some()) {
        return Ok(t);
    }
    let hub = config::ServiceConfig::load(config::Service::CentralHub, &inputs.hub)?;
    if t.session_manager.is_none() {
        match config::targets::session_manager(&hub) {
            Ok(d) => {
                t.derived.push(format!(
                    "session-manager {}: {}",
                    d.shown(),
                    d.sources.join(", ")
                ));
                t.session_manager = Some(d.value);
            }
            Err(why) => t.underivable.push(why),
        }
    }
    if t.db_url.is_none() {
        match config::targets::database(&hub) {
            Ok(d) => {
                t.derived
                    .push(format!("database {}: {}", d.shown(), d.sources.join(", ")));
                t.db_url = Some(d.value);
            }
            Err(why) => t.underivable.push(why),
        }
    }
    Ok(t)
}

/// Both services' inputs as the flags describe them.
fn check_inputs(args: &ConfigInputArgs) -> anyhow::Result<CheckInputs> {
    let own_env: BTreeMap<String, String> = if args.shell_from_env {
        std::env::vars().collect()
    } else {
        BTreeMap::new()
    };
    let mut inputs = CheckInputs {
        hub: service_inputs(
            args.hub.as_ref(),
            args.hub_env.as_ref(),
            args.hub_pm2.as_ref(),
            &own_env,
            args.hub_shell_file.as_ref(),
            &args.hub_shell,
        )?,
        sm: service_inputs(
            args.sm.as_ref(),
            args.sm_env.as_ref(),
            args.sm_pm2.as_ref(),
            &own_env,
            args.sm_shell_file.as_ref(),
            &args.sm_shell,
        )?,
    };
    inputs.hub.pm2_app = args.hub_app.clone();
    inputs.sm.pm2_app = args.sm_app.clone();
    inputs.hub.pm2_env = args.pm2_env.clone();
    inputs.sm.pm2_env = args.pm2_env.clone();
    Ok(inputs)
}

fn service_inputs(
    dir: Option<&PathBuf>,
    env_file: Option<&PathBuf>,
    pm2_file: Option<&PathBuf>,
    own_env: &BTreeMap<String, String>,
    shell_file: Option<&PathBuf>,
    shell_vars: &[String],
) -> anyhow::Result<ServiceInputs> {
    let mut inputs = match dir {
        Some(dir) => ServiceInputs::from_dir(dir)?,
        None => ServiceInputs::default(),
    };
    if let Some(file) = env_file {
        inputs.dotenv = Some(file.clone());
    }
    if let Some(file) = pm2_file {
        inputs.pm2 = Some(file.clone());
        inputs.other_pm2.clear();
    }
    inputs.shell = own_env.clone();
    if let Some(file) = shell_file {
        inputs.shell.extend(config::read_shell_file(file)?);
    }
    for var in shell_vars {
        let (key, value) = config::parse_shell_var(var)?;
        inputs.shell.insert(key, value);
    }
    Ok(inputs)
}

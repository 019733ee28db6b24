//! `lmh verify provider` and `lmh verify consumer`: live traffic against the contract.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::{Args, Subcommand};
use lmh::verify::{DEFAULT_CLIENTE_ID, ProviderOptions, verify_journal, verify_provider};

use super::Verdict;
use super::contract::load;
use super::output::OutputArgs;

/// Verify commands.
#[derive(Debug, Subcommand)]
pub enum VerifyCommand {
    /// Check a live session-manager's answers against the contract (non-destructive by default).
    ///
    /// /status, /send and /qr-code create the probe client's session on the provider: the
    /// probes use --cliente-id (default 999999) so no real client's session is touched.
    Provider(ProviderArgs),
    /// Check a consumer's requests against the contract: read from its JavaScript source
    /// (--source), recorded in a journal (--journal), or both.
    Consumer(ConsumerArgs),
}

/// Options of `lmh verify provider`.
#[derive(Debug, Args)]
pub struct ProviderArgs {
    /// The session-manager's base URL, e.g. http://127.0.0.1:3001.
    #[arg(long)]
    base_url: String,
    /// Client id the probes send in X-Cliente-Id; its session may be created.
    #[arg(long, default_value_t = DEFAULT_CLIENTE_ID)]
    cliente_id: u64,
    /// Contract file (or `v1` / `v2` for the embedded ones).
    #[arg(long, default_value = "v1")]
    contract: String,
    /// Send one real test message (needs --to).
    #[arg(long, requires = "to")]
    allow_send: bool,
    /// The number the test message goes to (needs --allow-send): as the scheduler sends, 8 to 15
    /// digits with no leading 0, no `+`, optionally ending in @c.us.
    #[arg(long, requires = "allow_send")]
    to: Option<String>,
    /// Limit for each request, in milliseconds.
    #[arg(long, env = lmh::adapter::TIMEOUT_VAR, hide_env_values = true, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    timeout_ms: u64,
    #[command(flatten)]
    pub(super) output: OutputArgs,
}

/// Options of `lmh verify consumer`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("evidence").required(true).multiple(true).args(["journal", "source"])))]
pub struct ConsumerArgs {
    /// Journal of the consumer's requests, as `lmh mock serve --journal` writes it.
    #[arg(long)]
    journal: Option<PathBuf>,
    /// The consumer's source tree (central-hub's folder): every call to
    /// SESSION_MANAGER_BASE_URL is read from the code and checked, run or not.
    #[arg(long, value_name = "DIR")]
    source: Option<PathBuf>,
    /// Contract file (or `v1` / `v2` for the embedded ones).
    #[arg(long, default_value = "v1")]
    contract: String,
    #[command(flatten)]
    pub(super) output: OutputArgs,
}

/// Run a verify command.
pub async fn run(command: VerifyCommand) -> Result<Verdict> {
    let (report, output) = match command {
        VerifyCommand::Provider(args) => {
            let mut options = ProviderOptions::new(args.base_url);
            options.contract = load(&args.contract)?;
            options.cliente_id = args.cliente_id;
            options.timeout = Duration::from_millis(args.timeout_ms);
            options.send_to = args.to.filter(|_| args.allow_send);
            (verify_provider(&options).await?, args.output)
        }
        VerifyCommand::Consumer(args) => {
            let contract = load(&args.contract)?;
            let mut report = match &args.source {
                Some(dir) => lmh::source::check(&lmh::source::scan(dir)?, &contract),
                None => lmh::report::Report::new("lmh verify consumer"),
            };
            if let Some(journal) = &args.journal {
                let journal = verify_journal(journal, &contract)?;
                if args.source.is_none() {
                    report.title = journal.title.clone();
                }
                report.extend(journal.checks);
            }
            (report, args.output)
        }
    };
    output.emit(&report)
}

//! `lmh proxy`: a recording, validating reverse proxy in front of a real session-manager.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use lmh::proxy::{DEFAULT_MAX_BODY, Proxy, ProxyConfig};

use super::Verdict;
use super::contract::load;

/// Options of `lmh proxy`.
#[derive(Debug, Args)]
#[command(after_help = "\
The pre-deploy check: point a staging central-hub's SESSION_MANAGER_BASE_URL at this proxy in
front of the staging session-manager, run a campaign, then `lmh verify consumer --journal FILE`.

Every request is forwarded once, unchanged (never retried, reordered or altered); the answer
comes back unchanged. Each exchange is journaled in the mock's format and checked as it
happens: one line per violation, `consumer` (a request the contract does not allow) or
`provider` (an answer it does not allow). When the upstream cannot be reached, is slower than
--timeout-ms, or a body is over --max-body-bytes, the consumer's connection is closed without
an answer, as a dead provider would leave it: lmh makes up no answer. Ctrl-C flushes the
journal and prints a summary.

Exit codes: 0 no violation, 1 at least one violation, 2 usage or setup error.")]
pub struct ProxyArgs {
    /// The session-manager to forward to, e.g. http://127.0.0.1:3011.
    #[arg(long, value_name = "URL")]
    upstream: String,
    /// Port to listen on.
    #[arg(long)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Journal file (appended to), as `lmh mock serve --journal` writes it.
    #[arg(long, value_name = "FILE")]
    journal: PathBuf,
    /// Contract file (or `v1` / `v2` for the embedded ones).
    #[arg(long, default_value = "v1")]
    contract: String,
    /// Largest request or answer body passed on.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
    max_body_bytes: usize,
    /// Longest wait for the upstream's whole answer, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    timeout_ms: u64,
}

/// Run the proxy until Ctrl-C or SIGTERM.
pub async fn proxy(args: ProxyArgs) -> Result<Verdict> {
    let mut config = ProxyConfig::new(&args.upstream, &args.journal);
    config.host = args.host;
    config.port = args.port;
    config.contract = load(&args.contract)?;
    config.max_body = args.max_body_bytes;
    config.timeout = Duration::from_millis(args.timeout_ms.max(1));
    // Installed before the first request can arrive: a stop signal is always a clean stop.
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the Ctrl-C handler")?;
    let proxy = Proxy::start(config).await?;
    eprintln!(
        "lmh proxy: {} -> {}, journal {} (Ctrl-C to stop)",
        proxy.uri(),
        args.upstream,
        proxy.journal().display()
    );
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    proxy.stop();
    let summary = proxy.summary();
    println!("{}", summary.line(proxy.journal()));
    Ok(if summary.clean() {
        Verdict::Pass
    } else {
        Verdict::Fail
    })
}

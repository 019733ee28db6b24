//! `lmh mock serve`: the mock session-manager as a standalone server.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use lmh::mock::{MockConfig, MockSessionManager, Profile};
use lmh::session::SessionState;

/// Mock session-manager commands.
#[derive(Debug, Subcommand)]
pub enum MockCommand {
    /// Serve a mock session-manager until Ctrl-C, answering as the real service does.
    Serve(ServeArgs),
}

/// Options of `lmh mock serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (the real service's default is 3001; it ran on 3011 on the incident day).
    #[arg(long, default_value_t = 3001)]
    port: u16,
    /// Address to bind. Loopback unless you say otherwise.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// State of every client's session from its first request (default: as the real service,
    /// NOT_INITIALIZED, then INITIALIZING, then READY after --ready-after-ms).
    #[arg(long)]
    state: Option<SessionState>,
    /// A client in a given state, e.g. `--client 51=READY` (repeatable).
    #[arg(long = "client", value_parser = parse_client)]
    clients: Vec<(u64, SessionState)>,
    /// How long a new session stays INITIALIZING, in milliseconds.
    #[arg(long, default_value_t = 0)]
    ready_after_ms: u64,
    /// What a new session settles to: READY or QR_REQUIRED.
    #[arg(long, default_value = "READY")]
    settles_to: SessionState,
    /// Which provider to play: v1 (seed era) or v2 (drifted, March 2026).
    #[arg(long, default_value = "v1")]
    profile: Profile,
    /// Append every request to this file as JSON lines, as it arrives.
    #[arg(long)]
    journal: Option<PathBuf>,
}

fn parse_client(s: &str) -> Result<(u64, SessionState), String> {
    let (id, state) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected CLIENTE_ID=STATE, e.g. 51=READY"))?;
    let id: u64 = id
        .trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{s:?}: the client id {id:?} is not a positive integer"))?;
    let state = state
        .trim()
        .parse::<SessionState>()
        .map_err(|e| e.to_string())?;
    Ok((id, state))
}

/// Run the server until Ctrl-C.
pub async fn serve(args: ServeArgs) -> Result<()> {
    if !args.host.is_loopback() {
        eprintln!(
            "warning: binding {} exposes the mock beyond this machine; use --host 127.0.0.1 unless you mean it",
            args.host
        );
    }
    if !matches!(
        args.settles_to,
        SessionState::Ready | SessionState::QrRequired
    ) {
        anyhow::bail!(
            "--settles-to {}: a new session settles to READY or QR_REQUIRED",
            args.settles_to
        );
    }
    let config = MockConfig {
        profile: args.profile,
        bind: SocketAddr::new(args.host, args.port),
        new_client_state: args.state,
        ready_after: Duration::from_millis(args.ready_after_ms),
        settles_to: args.settles_to,
        journal_file: args.journal.clone(),
    };
    let mock = MockSessionManager::start_with(config)
        .await
        .context("starting the mock session-manager")?;
    for (id, state) in &args.clients {
        mock.set_state(*id, *state);
    }
    eprintln!(
        "lmh mock session-manager ({}) listening on {}{}; Ctrl-C to stop",
        mock.contract().label(),
        mock.uri(),
        args.journal
            .as_ref()
            .map(|p| format!(", journal {}", p.display()))
            .unwrap_or_default()
    );
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    let unknown = mock.unknown_routes();
    eprintln!(
        "stopped: {} requests, {} to unknown routes",
        mock.journal().len(),
        unknown.len()
    );
    for e in &unknown {
        eprintln!(
            "  unknown route: {} (answered {})",
            lmh::report::terminal_line(&e.label()),
            e.status
        );
    }
    Ok(())
}

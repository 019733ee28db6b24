//! `lmh proxy`: a recording, validating reverse proxy in front of a real session-manager.
//!
//! Every request is forwarded unchanged (method, path, query, headers but the hop-by-hop ones
//! and `Host`, body) to the upstream, once: never retried, reordered or altered, least of all
//! a `/send`. The answer goes back unchanged. Each exchange is written to a journal in the
//! mock's format (what `lmh verify consumer --journal` and the e2e invariants read) and
//! checked against the contract as it happens: a request the contract does not allow is the
//! consumer's fault, an answer it does not allow is the provider's.
//!
//! When the upstream cannot be reached, times out, or a body is over the limit, the proxy
//! closes the consumer's connection without an answer: the consumer sees a transport failure,
//! as it would without the proxy. A made-up answer (a 502, say) would be something the real
//! provider never said, and a consumer may treat it differently from a dead connection. Such
//! exchanges are printed and counted but not journaled: the provider did not answer them.

mod exchange;
mod record;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::contract::Contract;
use crate::files::WriteError;
use crate::journal::JournalError;

pub use record::Summary;

/// Largest request or answer body forwarded.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
/// Longest wait for the upstream's whole answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A proxy that could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The upstream URL is unusable.
    #[error("--upstream {0}")]
    Upstream(String),
    /// The address is taken or not allowed.
    #[error("cannot listen on {addr}: {reason}; pick another --port or --host")]
    Bind {
        /// host:port.
        addr: String,
        /// The system's reason.
        reason: String,
    },
    /// The journal already there cannot be read (the sequence goes on after its entries).
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The journal cannot be opened for writing (a symlink, device or FIFO is refused).
    #[error(transparent)]
    JournalFile(#[from] WriteError),
}

/// How the proxy runs.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// The session-manager's base URL.
    pub upstream: String,
    /// Where to listen.
    pub host: String,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// The journal file (appended to).
    pub journal: PathBuf,
    /// The contract exchanges are checked against.
    pub contract: Contract,
    /// Largest body, either way.
    pub max_body: usize,
    /// Longest wait for the upstream.
    pub timeout: Duration,
    /// Print one line per violation and transport failure (on stderr) as they happen.
    pub print: bool,
}

impl ProxyConfig {
    /// Defaults: loopback, a free port, contract v1, printing.
    pub fn new(upstream: &str, journal: &Path) -> ProxyConfig {
        ProxyConfig {
            upstream: upstream.to_string(),
            host: "127.0.0.1".into(),
            port: 0,
            journal: journal.to_path_buf(),
            contract: Contract::v1(),
            max_body: DEFAULT_MAX_BODY,
            timeout: DEFAULT_TIMEOUT,
            print: true,
        }
    }
}

/// A running proxy; dropped, it stops accepting.
pub struct Proxy {
    addr: SocketAddr,
    state: Arc<exchange::State>,
    stop: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Bind, open the journal and start forwarding.
    pub async fn start(config: ProxyConfig) -> Result<Proxy, ProxyError> {
        let upstream = crate::adapter::parse_base_url(&config.upstream, "--upstream")
            .map_err(|e| ProxyError::Upstream(e.to_string()))?;
        let addr = format!("{}:{}", config.host, config.port);
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|e| ProxyError::Bind {
                addr: addr.clone(),
                reason: e.to_string(),
            })?;
        let local = listener.local_addr().map_err(|e| ProxyError::Bind {
            addr,
            reason: e.to_string(),
        })?;
        let state = Arc::new(exchange::State::new(&config, upstream)?);
        let stop = Arc::new(Notify::new());
        let task = tokio::spawn(accept(listener, state.clone(), stop.clone()));
        Ok(Proxy {
            addr: local,
            state,
            stop,
            task,
        })
    }

    /// The proxy's base URL.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The journal file.
    pub fn journal(&self) -> &Path {
        self.state.recorder.path()
    }

    /// What went through so far.
    pub fn summary(&self) -> Summary {
        self.state.recorder.summary()
    }

    /// Stop accepting; exchanges under way finish on their own (bounded by the timeout).
    pub fn stop(&self) {
        self.stop.notify_one();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, state: Arc<exchange::State>, stop: Arc<Notify>) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors, say: wait a little instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stop.notified() => return,
        };
        let state = state.clone();
        let header_timeout = state.timeout();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let state = state.clone();
                async move { exchange::handle(&state, req).await }
            });
            // A failed exchange ends the connection without an answer: a transport failure.
            // A connection that never sends a whole request head is dropped, not kept forever.
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

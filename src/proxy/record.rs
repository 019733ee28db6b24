//! The proxy's journal (the mock's JSON-lines format, flushed per exchange) and its tally.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::mock::JournalEntry;

use super::ProxyError;

/// What went through the proxy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Exchanges forwarded and answered.
    pub exchanges: u64,
    /// Requests the contract does not allow (the consumer's fault).
    pub consumer_violations: u64,
    /// Answers the contract does not allow (the provider's fault).
    pub provider_violations: u64,
    /// Requests that got no answer (upstream unreachable, too slow, body over the limit).
    pub transport_failures: u64,
}

impl Summary {
    /// One line for a person.
    pub fn line(&self, journal: &Path) -> String {
        format!(
            "{} exchanges recorded in {}; {} consumer violations, {} provider violations, {} transport failures",
            self.exchanges,
            journal.display(),
            self.consumer_violations,
            self.provider_violations,
            self.transport_failures
        )
    }

    /// Whether nothing broke the contract.
    pub fn clean(&self) -> bool {
        self.consumer_violations == 0 && self.provider_violations == 0
    }
}

/// The journal file and the tally, shared by every connection.
pub(super) struct Recorder {
    path: PathBuf,
    inner: Mutex<(File, Summary)>,
}

impl Recorder {
    /// Open (append to) the journal; the sequence continues after the entries already in it.
    pub fn open(path: &Path) -> Result<(Recorder, u64), ProxyError> {
        let failed = |e: std::io::Error| ProxyError::Journal {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        let before = if path.exists() {
            crate::mock::read_journal(path)
                .map_err(|reason| ProxyError::Journal {
                    path: path.to_path_buf(),
                    reason,
                })?
                .iter()
                .map(|e| e.seq)
                .max()
                .unwrap_or(0)
        } else {
            0
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(failed)?;
        Ok((
            Recorder {
                path: path.to_path_buf(),
                inner: Mutex::new((file, Summary::default())),
            },
            before,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn summary(&self) -> Summary {
        self.lock().1
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (File, Summary)> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Write one exchange with its violation counts.
    pub fn record(&self, entry: &JournalEntry, consumer: u64, provider: u64) {
        let mut g = self.lock();
        if let Ok(line) = serde_json::to_string(entry) {
            // A journal that cannot be written must not stop the traffic; the tally shows it.
            let _ = writeln!(g.0, "{line}");
            let _ = g.0.flush();
        }
        g.1.exchanges += 1;
        g.1.consumer_violations += consumer;
        g.1.provider_violations += provider;
    }

    /// Count a request that got no answer.
    pub fn transport_failure(&self) {
        self.lock().1.transport_failures += 1;
    }
}

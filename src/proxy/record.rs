//! The proxy's journal (the mock's JSON-lines format, flushed per exchange) and its tally.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use crate::journal::{JournalEntry, JournalWriter, last_seq};

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
    journal: JournalWriter,
    summary: Mutex<Summary>,
}

impl Recorder {
    /// Open (append to) the journal; the sequence continues after the entries already in it.
    pub fn open(path: &Path) -> Result<(Recorder, u64), ProxyError> {
        // Opened before it is read: a symlink or FIFO there is refused, not read through.
        let journal = JournalWriter::open(path)?;
        let before = last_seq(path)?;
        let recorder = Recorder {
            journal,
            summary: Mutex::new(Summary::default()),
        };
        Ok((recorder, before))
    }

    pub fn path(&self) -> &Path {
        self.journal.path()
    }

    pub fn summary(&self) -> Summary {
        *self.lock()
    }

    fn lock(&self) -> MutexGuard<'_, Summary> {
        self.summary.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Write one exchange with its violation counts.
    pub fn record(&self, entry: &JournalEntry, consumer: u64, provider: u64) {
        // Counted under the same lock the line is written in, so the tally and the file agree.
        let mut summary = self.lock();
        // A journal that cannot be written must not stop the traffic.
        let _ = self.journal.append(entry);
        summary.exchanges += 1;
        summary.consumer_violations += consumer;
        summary.provider_violations += provider;
    }

    /// Count a request that got no answer.
    pub fn transport_failure(&self) {
        self.lock().transport_failures += 1;
    }
}

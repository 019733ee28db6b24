//! Reading a journal file: streamed (one line held at a time), bounded, every line an entry.

use std::path::{Path, PathBuf};

use super::{Journal, JournalEntry};
use crate::files::{ReadError, for_each_line};

/// Journals bigger than this are refused.
pub const MAX_JOURNAL_BYTES: u64 = 256 * 1024 * 1024;

/// A journal file that cannot be used.
///
/// The messages name the file (and line); none carries a source, so a chain of errors prints
/// each fact once.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Missing, not a regular file, too large or not UTF-8.
    #[error("{0}")]
    Read(ReadError),
    /// A line that is not a journal entry.
    #[error(
        "journal {}:{line}: not a journal entry: {error}; expected one JSON object per line as `lmh mock serve --journal` writes",
        path.display()
    )]
    Entry {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// Why it is not an entry.
        error: serde_json::Error,
    },
    /// It holds fewer entries than when it was marked.
    #[error(
        "journal {} shrank during the run ({before} -> {after} entries): was it truncated or replaced?",
        path.display()
    )]
    Shrank {
        /// The file.
        path: PathBuf,
        /// Entries at the mark.
        before: usize,
        /// Entries now.
        after: usize,
    },
}

impl From<ReadError> for JournalError {
    fn from(e: ReadError) -> JournalError {
        JournalError::Read(e)
    }
}

/// Call `on_entry` with every entry of the journal at `path`, in file order, holding one line
/// at a time. Blank lines are skipped; the first line that is not an entry is an error.
pub fn for_each_entry(
    path: &Path,
    mut on_entry: impl FnMut(JournalEntry),
) -> Result<(), JournalError> {
    for_each_line::<JournalError>(path, MAX_JOURNAL_BYTES, "journal", |line, text| {
        if text.trim().is_empty() {
            return Ok(());
        }
        let entry = serde_json::from_str(text).map_err(|error| JournalError::Entry {
            path: path.to_path_buf(),
            line,
            error,
        })?;
        on_entry(entry);
        Ok(())
    })
}

/// Read a journal written as JSON lines (by `lmh mock serve --journal` or `lmh proxy`),
/// streaming: one line is held at a time besides the entries.
pub fn read_journal(path: &Path) -> Result<Journal, JournalError> {
    let mut journal = Journal::new();
    for_each_entry(path, |entry| journal.push(entry))?;
    Ok(journal)
}

/// The highest sequence number in the journal at `path`, 0 when it does not exist yet: a
/// writer appending to it goes on from there.
pub fn last_seq(path: &Path) -> Result<u64, JournalError> {
    if !path.exists() {
        return Ok(0);
    }
    let mut last = 0;
    for_each_entry(path, |entry| last = last.max(entry.seq))?;
    Ok(last)
}

/// How many entries a journal file held at one moment, so that what is added afterwards can
/// be read alone (a journal of a running `lmh mock serve` may already hold other runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalMark {
    path: PathBuf,
    entries: usize,
}

impl JournalMark {
    /// Mark the end of the journal at `path` as it is now; a file not written yet is empty.
    pub fn now(path: &Path) -> Result<JournalMark, JournalError> {
        let mut entries = 0;
        if path.exists() {
            for_each_entry(path, |_| entries += 1)?;
        }
        Ok(JournalMark {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// The entries written after the mark. An error when the file now holds fewer entries than
    /// it did (truncated or replaced in the meantime), or is gone.
    pub fn entries_since(&self) -> Result<Journal, JournalError> {
        let (mut seen, mut since) = (0, Journal::new());
        for_each_entry(&self.path, |entry| {
            seen += 1;
            if seen > self.entries {
                since.push(entry);
            }
        })?;
        if seen < self.entries {
            return Err(JournalError::Shrank {
                path: self.path.clone(),
                before: self.entries,
                after: seen,
            });
        }
        Ok(since)
    }
}

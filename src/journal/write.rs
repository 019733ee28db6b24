//! Writing a journal file: appended to, one JSON line per entry, flushed as it is written.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::JournalEntry;
use crate::files::{WriteError, open_append_file};

/// A journal file open for appending, shared by every connection that records into it.
#[derive(Debug)]
pub struct JournalWriter {
    path: PathBuf,
    file: Mutex<File>,
}

impl JournalWriter {
    /// Open `path` to append to (created if missing), as every file lmh writes is opened: a
    /// symlink, device or FIFO there is refused.
    pub fn open(path: &Path) -> Result<JournalWriter, WriteError> {
        Ok(JournalWriter {
            path: path.to_path_buf(),
            file: Mutex::new(open_append_file(path, "journal")?),
        })
    }

    /// The file written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append `entry` as one line and flush it, so a reader (or a crash) sees every entry
    /// whose answer went out.
    pub fn append(&self, entry: &JournalEntry) -> std::io::Result<()> {
        let mut line = serde_json::to_string(entry)?;
        line.push('\n');
        let mut file = self.lock();
        file.write_all(line.as_bytes())?;
        file.flush()
    }

    fn lock(&self) -> MutexGuard<'_, File> {
        // A writer that panicked mid-line leaves the file as it is; later lines still go in.
        self.file.lock().unwrap_or_else(|e| e.into_inner())
    }
}

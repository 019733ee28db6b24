//! The journal: every request a provider received and what it answered, one [`JournalEntry`]
//! each, in order of arrival.
//!
//! The mock keeps one in memory and, with `--journal`, appends it to a file; the proxy appends
//! the real provider's traffic to one; `verify consumer`, `e2e`, `chaos` and the invariants
//! read them. On disk a journal is JSON lines, one entry per line, flushed as it is written,
//! and read back streamed and bounded ([`read_journal`], [`for_each_entry`]).
//!
//! ```
//! use lmh::journal::{JournalWriter, read_journal};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("journal.jsonl");
//! let line = r#"{"seq":1,"at":"2026-03-02T12:00:00.000Z","method":"GET","path":"/status","headers":{"x-cliente-id":"51"},"body":"","operation":"status","unknown_route":false,"cliente_id":51,"status":200,"response":"{}"}"#;
//! std::fs::write(&path, format!("{line}\n")).unwrap();
//! let journal = read_journal(&path).unwrap();
//! assert_eq!(journal[0].label(), "GET /status");
//! assert_eq!(journal[0].header("X-Cliente-Id"), Some("51"));
//!
//! // Written back, an entry is the same line.
//! let copy = dir.path().join("copy.jsonl");
//! JournalWriter::open(&copy).unwrap().append(&journal[0]).unwrap();
//! assert_eq!(std::fs::read_to_string(&copy).unwrap(), format!("{line}\n"));
//! ```

mod entry;
mod read;
mod write;

pub(crate) use entry::Received;
pub use entry::{Journal, JournalEntry};
pub use read::{
    JournalError, JournalMark, MAX_JOURNAL_BYTES, for_each_entry, last_seq, read_journal,
};
pub use write::JournalWriter;

//! Reading a text file a user named, with a bound.
//!
//! A path on the command line can be anything: `/dev/zero` never ends and reports length 0, a
//! FIFO blocks the open until someone writes, a directory cannot be read. Every user-given text
//! file (configuration, fixtures, contracts, journals) is read through [`read_text_file`], which
//! accepts only regular files and never reads more than its limit plus one byte.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("a.env");
//! std::fs::write(&path, "PORT=3001\n").unwrap();
//! assert_eq!(lmh::files::read_text_file(&path, 1024, "configuration file").unwrap(), "PORT=3001\n");
//! let err = lmh::files::read_text_file(dir.path(), 1024, "configuration file").unwrap_err();
//! assert!(err.to_string().contains("not a regular file"));
//! ```

use std::fs::{File, FileType};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A user-given text file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// It does not exist, or cannot be opened or read.
    #[error("{what} {}: {}", path.display(), self.reason())]
    Io {
        /// The path.
        path: PathBuf,
        /// What the file was meant to be, e.g. `contract file`.
        what: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A directory, device, FIFO or socket.
    #[error("{what} {}: {}", path.display(), self.reason())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What the file was meant to be.
        what: String,
        /// What it is instead, e.g. `a directory`.
        kind: &'static str,
    },
    /// Larger than the limit.
    #[error("{what} {}: {}", path.display(), self.reason())]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// What the file was meant to be.
        what: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// Not UTF-8 text.
    #[error("{what} {}: {}", path.display(), self.reason())]
    NotUtf8 {
        /// The path.
        path: PathBuf,
        /// What the file was meant to be.
        what: String,
        /// Where the first invalid byte is.
        offset: usize,
    },
}

impl ReadError {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ReadError::Io { path, .. }
            | ReadError::NotAFile { path, .. }
            | ReadError::TooLarge { path, .. }
            | ReadError::NotUtf8 { path, .. } => path,
        }
    }

    /// What is wrong and what to do, without the path (for errors that name it themselves).
    pub fn reason(&self) -> String {
        match self {
            ReadError::Io { source, .. } => format!("cannot read it: {source}; check the path"),
            ReadError::NotAFile { kind, .. } => {
                format!("it is {kind}, not a regular file; give the path of the file itself")
            }
            ReadError::TooLarge { what, limit, .. } => format!(
                "it is larger than {}, the limit for a {what}; check the path",
                describe_bytes(*limit)
            ),
            ReadError::NotUtf8 { offset, .. } => {
                format!("it is not UTF-8 text (invalid byte at offset {offset}); save it as UTF-8")
            }
        }
    }
}

/// Read the regular file at `path` (symlinks followed) as UTF-8 text of at most `max_bytes`.
/// `what` names the file in errors, e.g. `contract file`.
pub fn read_text_file(path: &Path, max_bytes: u64, what: &str) -> Result<String, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        what: what.to_string(),
        source,
    };
    let not_a_file = |kind| ReadError::NotAFile {
        path: path.to_path_buf(),
        what: what.to_string(),
        kind,
    };
    // Checked before opening: opening a FIFO blocks until a writer appears.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(not_a_file(kind(meta.file_type())));
    }
    let file = File::open(path).map_err(io)?;
    // The path may have been replaced between the check and the open.
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(not_a_file(kind(meta.file_type())));
    }
    let too_large = || ReadError::TooLarge {
        path: path.to_path_buf(),
        what: what.to_string(),
        limit: max_bytes,
    };
    if meta.len() > max_bytes {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    // A small length is not trusted: files under /proc report 0, and files grow.
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        path: path.to_path_buf(),
        what: what.to_string(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// `1 MiB (1048576 bytes)`, or just bytes below 1 KiB.
fn describe_bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB ({n} bytes)", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB ({n} bytes)", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(unix)]
fn kind(t: FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a directory"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind(t: FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_readable() {
        assert_eq!(describe_bytes(1024 * 1024), "1 MiB (1048576 bytes)");
        assert_eq!(describe_bytes(4096), "4 KiB (4096 bytes)");
        assert_eq!(describe_bytes(100), "100 bytes");
    }
}

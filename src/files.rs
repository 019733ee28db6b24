//! Reading a text file a user named, with a bound; writing a file a user named, safely.
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
use std::io::{Read, Write};
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

impl From<ReadError> for String {
    fn from(e: ReadError) -> String {
        e.to_string()
    }
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
    let mut text = String::new();
    for_each_line(path, max_bytes, what, |_, line| {
        text.push_str(line);
        Ok::<(), ReadError>(())
    })?;
    Ok(text)
}

/// Stream the regular file at `path` line by line (each line with its `\n`, numbered from 1),
/// holding one line at a time; the same checks and bound as [`read_text_file`]. `on_line`'s
/// error stops the read.
pub fn for_each_line<E: From<ReadError>>(
    path: &Path,
    max_bytes: u64,
    what: &str,
    mut on_line: impl FnMut(usize, &str) -> Result<(), E>,
) -> Result<(), E> {
    use std::io::BufRead;
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        what: what.to_string(),
        source,
    };
    let too_large = || ReadError::TooLarge {
        path: path.to_path_buf(),
        what: what.to_string(),
        limit: max_bytes,
    };
    let file = open_regular(path, what)?;
    if file.metadata().map_err(io)?.len() > max_bytes {
        return Err(too_large().into());
    }
    // A small length is not trusted: files under /proc report 0, and files grow.
    let mut reader = std::io::BufReader::new(file.take(max_bytes.saturating_add(1)));
    let (mut read, mut number, mut line) = (0u64, 0usize, Vec::new());
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(io)?;
        if n == 0 {
            return Ok(());
        }
        read += n as u64;
        if read > max_bytes {
            return Err(too_large().into());
        }
        number += 1;
        let text = std::str::from_utf8(&line).map_err(|e| ReadError::NotUtf8 {
            path: path.to_path_buf(),
            what: what.to_string(),
            offset: (read as usize - n) + e.valid_up_to(),
        })?;
        on_line(number, text)?;
    }
}

/// Open `path` for reading if it is a regular file (symlinks followed), without blocking on a FIFO.
fn open_regular(path: &Path, what: &str) -> Result<File, ReadError> {
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
    Ok(file)
}

/// A file lmh was asked to write that it will not or could not write.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Something other than a regular file is at the path (a symlink, device, FIFO, directory).
    #[error(
        "{what} {}: refusing to write it: it is {kind}, not a regular file; give the path of a regular file or of one that does not exist yet",
        path.display()
    )]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What the file was meant to be, e.g. `JUnit report`.
        what: String,
        /// What is there instead, e.g. `a symbolic link`.
        kind: &'static str,
    },
    /// Creating, writing or renaming failed.
    #[error("{what} {}: cannot write it: {error}; check the directory exists and is writable", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// What the file was meant to be.
        what: String,
        /// The I/O error (shown in the message, so not a `source` to print twice).
        error: std::io::Error,
    },
}

impl WriteError {
    /// The path lmh was asked to write.
    pub fn path(&self) -> &Path {
        match self {
            WriteError::NotAFile { path, .. } | WriteError::Io { path, .. } => path,
        }
    }
}

/// Write `bytes` to `path` as a whole: into a new temporary file beside it (created exclusively,
/// with an unpredictable name, never through a link), then renamed over `path`. Only a regular
/// file or a missing path is replaced; a symlink or special file there is refused, so lmh run as
/// root cannot be made to replace `/dev/null` or write through a planted link. Every file lmh
/// writes goes through here. `what` names the file in errors, e.g. `JUnit report`.
pub fn write_output_file(path: &Path, bytes: &[u8], what: &str) -> Result<(), WriteError> {
    let io = |error: std::io::Error| WriteError::Io {
        path: path.to_path_buf(),
        what: what.to_string(),
        error,
    };
    let dir = check_output_path(path, what)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".lmh-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // As `fs::write` would create it (the umask applies), not tempfile's private 0600.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    // Checked again just before the rename: the window left is the rename itself, which
    // replaces a link (never writes through it).
    refuse_non_regular(path, what)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Whether [`write_output_file`] would accept `path`: missing or a regular file, in a directory
/// that exists. Commands call it before they start, so a run is not wasted on a report it cannot
/// write. Returns the directory the file goes in.
pub fn check_output_path<'p>(path: &'p Path, what: &str) -> Result<&'p Path, WriteError> {
    refuse_non_regular(path, what)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Checked first for a plain message: tempfile's errors name its temporary file instead.
    std::fs::metadata(dir).map_err(|error| WriteError::Io {
        path: path.to_path_buf(),
        what: what.to_string(),
        error,
    })?;
    Ok(dir)
}

/// Ok when `path` is missing or a regular file (not followed if it is a link).
fn refuse_non_regular(path: &Path, what: &str) -> Result<(), WriteError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_file() => Ok(()),
        Ok(meta) => Err(WriteError::NotAFile {
            path: path.to_path_buf(),
            what: what.to_string(),
            kind: kind(meta.file_type()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(WriteError::Io {
            path: path.to_path_buf(),
            what: what.to_string(),
            error,
        }),
    }
}

/// Open `path` to append lines to it (a journal written as it grows), creating it if missing.
/// Like [`write_output_file`], it refuses a symlink or special file at `path`; the open itself
/// does not follow a link planted after the check.
pub fn open_append_file(path: &Path, what: &str) -> Result<File, WriteError> {
    refuse_non_regular(path, what)?;
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NOFOLLOW: a link raced in after the check fails the open; O_NONBLOCK: a FIFO
        // raced in does not block it (it is refused just below).
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let io = |error| WriteError::Io {
        path: path.to_path_buf(),
        what: what.to_string(),
        error,
    };
    let file = options.open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(WriteError::NotAFile {
            path: path.to_path_buf(),
            what: what.to_string(),
            kind: kind(meta.file_type()),
        });
    }
    Ok(file)
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
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
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
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
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

//! A configuration source that cannot be used at all, and the one way files are read.

use std::path::{Path, PathBuf};

use super::{MAX_CONFIG_BYTES, Service};
use crate::files::ReadError;

/// A configuration source that cannot be used at all (as opposed to a finding about it).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file or directory cannot be read.
    #[error("cannot read {}: {source}; check that the path exists and is readable", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A regular file was expected.
    #[error("{} is {kind}, not a regular file; give the configuration file itself (a service directory goes to --hub/--sm)", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead, e.g. `a directory`.
        kind: &'static str,
    },
    /// A directory was expected.
    #[error("{} is not a directory; --hub and --sm take the service's directory (where .env and ecosystem.config.* are)", path.display())]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// Too big to be a configuration file.
    #[error("{} is larger than {limit} bytes, too big for a configuration file; check the path", path.display())]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// The limit it exceeds.
        limit: u64,
    },
    /// Not UTF-8 text.
    #[error("{} is not UTF-8 text (invalid byte at offset {offset}); save it as UTF-8", path.display())]
    NotUtf8 {
        /// The path.
        path: PathBuf,
        /// Where the first invalid byte is.
        offset: usize,
    },
    /// A shell variable given on the command line is not `KEY=VALUE`.
    #[error("`{text}` is not KEY=VALUE; write e.g. --sm-shell PORT=3011")]
    BadShellVar {
        /// The variable name part of what was given.
        text: String,
    },
    /// Nothing at all describes either service.
    #[error(
        "nothing describes either service: pass central-hub's configuration ({}), the session-manager's ({}), or both",
        how_to_give(Service::CentralHub),
        how_to_give(Service::SessionManager)
    )]
    NothingGiven,
}

/// The flags that describe `service`, for messages about a side that is not given.
pub(super) fn how_to_give(service: Service) -> &'static str {
    match service {
        Service::CentralHub => {
            "--hub DIR, --hub-env FILE, --hub-pm2 FILE or --hub-shell SESSION_MANAGER_BASE_URL=URL"
        }
        Service::SessionManager => "--sm DIR, --sm-env FILE, --sm-pm2 FILE or --sm-shell PORT=N",
    }
}

/// Read a configuration file as UTF-8 text, refusing anything but a regular file and huge files.
pub(crate) fn read_text(path: &Path) -> Result<String, ConfigError> {
    crate::files::read_text_file(path, MAX_CONFIG_BYTES, "configuration file").map_err(
        |e| match e {
            ReadError::Io { path, source, .. } => ConfigError::Read { path, source },
            ReadError::NotAFile { path, kind, .. } => ConfigError::NotAFile { path, kind },
            ReadError::TooLarge { path, limit, .. } => ConfigError::TooLarge { path, limit },
            ReadError::NotUtf8 { path, offset, .. } => ConfigError::NotUtf8 { path, offset },
        },
    )
}

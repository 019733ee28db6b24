//! The shell a service was started from, as described on the command line or in a file.

use std::path::Path;

use super::{ConfigError, dotenv, read_text, source};

/// Parse `KEY=VALUE` (as given to `--hub-shell`/`--sm-shell`).
pub fn parse_shell_var(text: &str) -> Result<(String, String), ConfigError> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() && !key.contains(char::is_whitespace) => {
            Ok((key.to_string(), value.to_string()))
        }
        _ => Err(ConfigError::BadShellVar {
            text: text
                .split(['=', ' '])
                .next()
                .map(|k| source::shorten(k, 40))
                .unwrap_or_default(),
        }),
    }
}

/// Read a shell environment from a file: `KEY=VALUE` lines (dotenv syntax), or the
/// NUL-separated form of `/proc/<pid>/environ`.
pub fn read_shell_file(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let text = read_text(path)?;
    if text.contains('\0') {
        return Ok(text
            .split('\0')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect());
    }
    Ok(dotenv::parse(&text)
        .entries
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect())
}

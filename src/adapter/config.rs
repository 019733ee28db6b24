//! Where the session-manager is and how long to wait for it.

use std::sync::Arc;
use std::time::Duration;

use crate::contract::Contract;

use super::error::AdapterError;
use crate::domain::SESSION_MANAGER_BASE_URL;

/// Variable for the connect timeout, in milliseconds.
pub const CONNECT_TIMEOUT_VAR: &str = "LMH_CONNECT_TIMEOUT_MS";
/// Variable for the total timeout of one request (connect + answer), in milliseconds.
pub const TIMEOUT_VAR: &str = "LMH_TIMEOUT_MS";
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Default total timeout of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How to reach the session-manager.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL, e.g. `http://127.0.0.1:3001` or `https://proxy.example/sm` (prefix kept).
    pub base_url: String,
    /// Limit for establishing the TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Limit for a whole request, connect and body included.
    pub timeout: Duration,
    /// The contract every answer is validated against.
    pub contract: Arc<Contract>,
}

impl ClientConfig {
    /// A config for `base_url` with the default timeouts and the v1 contract.
    ///
    /// The URL is validated by [`super::SessionManagerClient::new`].
    pub fn new(base_url: impl Into<String>) -> ClientConfig {
        ClientConfig {
            base_url: base_url.into(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            contract: Arc::new(Contract::v1()),
        }
    }

    /// Read `SESSION_MANAGER_BASE_URL` (required), `LMH_CONNECT_TIMEOUT_MS` and
    /// `LMH_TIMEOUT_MS` (optional) from the process environment.
    pub fn from_env() -> Result<ClientConfig, AdapterError> {
        ClientConfig::from_vars(|name| {
            std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
        })
    }

    /// Like [`ClientConfig::from_env`], reading variables through `lookup` (for tests and for
    /// sources other than the process environment).
    pub fn from_vars(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ClientConfig, AdapterError> {
        let raw = lookup(SESSION_MANAGER_BASE_URL).ok_or_else(|| {
            AdapterError::validation(
                SESSION_MANAGER_BASE_URL,
                None,
                format!(
                    "it is not set; set {SESSION_MANAGER_BASE_URL} to the session-manager's URL, e.g. http://127.0.0.1:3001 \
                     (there is no default on purpose: a wrong port went unnoticed once)"
                ),
            )
        })?;
        let base_url = parse_base_url(&raw, SESSION_MANAGER_BASE_URL)?;
        let mut config = ClientConfig::new(base_url);
        if let Some(v) = lookup(CONNECT_TIMEOUT_VAR) {
            config.connect_timeout = parse_millis(&v, CONNECT_TIMEOUT_VAR)?;
        }
        if let Some(v) = lookup(TIMEOUT_VAR) {
            config.timeout = parse_millis(&v, TIMEOUT_VAR)?;
        }
        Ok(config)
    }
}

/// A positive whole number of milliseconds, up to one hour.
fn parse_millis(value: &str, var: &str) -> Result<Duration, AdapterError> {
    let bad = |reason: &str| {
        AdapterError::validation(
            var,
            Some(value.to_string()),
            format!("{reason}; set {var} to a whole number of milliseconds from 1 to 3600000"),
        )
    };
    let ms: u64 = value
        .trim()
        .parse()
        .map_err(|_| bad("not a whole number of milliseconds"))?;
    match ms {
        0 => Err(bad("0 would time out every request")),
        1..=3_600_000 => Ok(Duration::from_millis(ms)),
        _ => Err(bad("more than an hour")),
    }
}

/// Validate a session-manager base URL and return it normalized (no trailing slash).
///
/// `source` names where the value came from (a variable or argument) in the error. Accepted:
/// `http`/`https` with a host, an optional port and an optional path prefix (kept, for a
/// provider behind a proxy). Refused: other schemes, credentials (redacted in the error),
/// a query or a fragment, surrounding whitespace only is trimmed.
///
/// ```
/// use lmh::adapter::parse_base_url;
/// assert_eq!(parse_base_url("http://127.0.0.1:3001/", "URL").unwrap(), "http://127.0.0.1:3001");
/// assert_eq!(parse_base_url("https://gw.example/sm/", "URL").unwrap(), "https://gw.example/sm");
/// assert!(parse_base_url("localhost:3001", "URL").is_err());
/// ```
pub fn parse_base_url(value: &str, source: &str) -> Result<String, AdapterError> {
    let trimmed = value.trim();
    let example = "e.g. http://127.0.0.1:3001";
    let fail = |shown: String, reason: String| {
        Err(AdapterError::validation(
            source,
            Some(shown),
            format!("{reason}; set {source} to the session-manager's base URL, {example}"),
        ))
    };
    if trimmed.is_empty() {
        return fail(value.to_string(), "it is empty".into());
    }
    let url = match url::Url::parse(trimmed) {
        Ok(u) => u,
        Err(e) => {
            let hint = if !trimmed.contains("://") {
                " (the scheme is missing: write http://...)"
            } else {
                ""
            };
            return fail(crate::redact::url(trimmed), format!("not a URL: {e}{hint}"));
        }
    };
    // Without `://`, `user:secret@host` parses with `user` as the scheme and the secret in
    // the path: `redact::url` shows the raw text redacted, never the parsed form.
    let shown = crate::redact::url(trimmed);
    if !matches!(url.scheme(), "http" | "https") {
        let hint = if trimmed.contains("://") {
            String::new()
        } else {
            format!(
                " (\"{}\" was read as the scheme: write http://{})",
                url.scheme(),
                shown
            )
        };
        return fail(
            shown,
            format!("scheme {:?} is not http or https{hint}", url.scheme()),
        );
    }
    match url.host_str() {
        Some(h) if !h.is_empty() => {}
        _ => return fail(shown, "it has no host".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return fail(
            shown,
            "it contains credentials; the session-manager takes none, and secrets do not belong \
             in a URL that is printed in reports"
                .into(),
        );
    }
    if url.query().is_some() {
        return fail(
            shown,
            "it has a query string, which would be lost when paths are appended".into(),
        );
    }
    if url.fragment().is_some() {
        return fail(shown, "it has a fragment (#...)".into());
    }
    let mut out = url.as_str().to_string();
    while out.ends_with('/') {
        out.pop();
    }
    Ok(out)
}

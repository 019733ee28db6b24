//! The two values that must agree, validated the way the services use them.

use std::fmt;

use url::Url;

use crate::redact;

/// central-hub's `SESSION_MANAGER_BASE_URL` after the hub's own validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// The URL with its trailing slash removed, as the hub uses it.
    pub text: String,
    /// Parsed form, for building probe requests.
    pub url: Url,
    /// Host name or address, without brackets.
    pub host: String,
    /// Explicit port, or 80/443 from the scheme.
    pub port: u16,
    /// Whether the port was written in the URL (otherwise it came from the scheme).
    pub explicit_port: bool,
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl BaseUrl {
    /// Whether the host is this machine (so the session-manager's `PORT` is the one to compare).
    pub fn is_loopback(&self) -> bool {
        matches!(
            self.host.as_str(),
            "localhost" | "127.0.0.1" | "::1" | "0.0.0.0"
        ) || self.host.starts_with("127.")
    }

    /// Whether `other`, a URL lmh was given, reaches the same endpoint: the same scheme, port
    /// and host, every name of this machine counting as one. A URL central-hub would refuse
    /// (one with a path, say) reaches nothing central-hub reaches.
    pub fn same_endpoint(&self, other: &str) -> bool {
        let Ok(other) = parse_base_url(other) else {
            return false;
        };
        let host = |b: &BaseUrl| {
            if b.is_loopback() {
                "this machine".to_string()
            } else {
                b.host.to_ascii_lowercase()
            }
        };
        self.url.scheme() == other.url.scheme()
            && self.port == other.port
            && host(self) == host(&other)
    }

    /// The same URL on another port.
    pub fn with_port(&self, port: u16) -> Url {
        let mut url = self.url.clone();
        // Cannot fail for http/https URLs with a host, which parse_base_url guarantees.
        let _ = url.set_port(Some(port));
        url
    }
}

/// Validate a `SESSION_MANAGER_BASE_URL` value: http/https, a host, nothing after the
/// authority but one optional trailing slash. The error says what is wrong and what to write.
pub fn parse_base_url(value: &str) -> Result<BaseUrl, String> {
    let shown = redact::text(value);
    if value.trim().is_empty() {
        return Err("it is empty; write it as http://host:port".into());
    }
    if value.trim() != value {
        return Err(format!(
            "`{shown}` has spaces around it; remove them (write it as http://host:port)"
        ));
    }
    let url = Url::parse(value).map_err(|e| {
        format!(
            "`{shown}` is not a URL ({e}); write it as http://host:port, e.g. http://localhost:3001"
        )
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "`{shown}` uses scheme `{}`; central-hub accepts only http or https",
            url.scheme()
        ));
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(format!(
            "`{shown}` has no host; write it as http://host:port"
        ));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{shown}` carries credentials; the session-manager has no authentication, remove them"
        ));
    }
    if url.path() != "/" || value.ends_with("//") {
        return Err(format!(
            "`{shown}` has a path ({}); central-hub appends routes such as /status to the base \
             URL, so it must be just http://host:port",
            url.path()
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{shown}` has a query or fragment; write it as http://host:port"
        ));
    }
    let port = url
        .port_or_known_default()
        .ok_or_else(|| format!("`{shown}` has no port and its scheme has no default"))?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    Ok(BaseUrl {
        text: value.strip_suffix('/').unwrap_or(value).to_string(),
        explicit_port: url.port().is_some(),
        url,
        host,
        port,
    })
}

/// Validate a `PORT` value as Node's `listen` would take it: a whole number in 1..=65535.
pub fn parse_port(value: &str) -> Result<u16, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("it is empty; set it to a port number (1-65535) or remove it".into());
    }
    if !trimmed.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{}` is not a whole number; Node would treat it as a pipe name, not a TCP port; \
             set it to a port number (1-65535)",
            super::source::shorten(trimmed, 40)
        ));
    }
    match trimmed.parse::<u32>() {
        Ok(0) => {
            Err("0 makes the service listen on a random port; set a fixed port (1-65535)".into())
        }
        Ok(p) if p <= 65535 => Ok(p as u16),
        _ => Err(format!(
            "{} is out of range; a port is 1-65535 (Node would refuse to listen)",
            super::source::shorten(trimmed, 40)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_endpoint_counts_every_name_of_this_machine_as_one() {
        let hub = parse_base_url("http://localhost:3001").unwrap();
        assert!(hub.same_endpoint("http://127.0.0.1:3001/"));
        assert!(!hub.same_endpoint("http://127.0.0.1:3011"));
        assert!(!hub.same_endpoint("https://localhost:3001"));
        assert!(!hub.same_endpoint("http://localhost:3001/sm"));
        assert!(!hub.same_endpoint("not a url"));
    }
}

//! Database server URLs: strict validation, and redaction so a password never reaches output.

use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};
use std::path::Path;

use url::Url;

use super::DbError;

/// A validated server URL, split into what lmh needs.
#[derive(Clone)]
pub(crate) struct ServerUrl {
    /// Options for the admin connection (default database = the URL's, if any).
    pub options: MySqlConnectOptions,
    /// `scheme://user@host:port`, never with the password nor the database.
    pub display_base: String,
    /// The database the URL names, if any; lmh never writes to it.
    pub database: Option<String>,
    /// Kept only to scrub it out of server and driver messages.
    pub password: Option<String>,
}

impl std::fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerUrl")
            .field("display_base", &self.display_base)
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl ServerUrl {
    /// The URL as shown to people: base plus database, no password.
    pub fn display(&self) -> String {
        match &self.database {
            Some(db) => format!("{}/{}", self.display_base, db),
            None => self.display_base.clone(),
        }
    }

    /// Remove the password (raw and percent-encoded) from a message before it is shown.
    pub fn scrub(&self, message: &str) -> String {
        crate::redact::known_secret(message, self.password.as_deref())
    }
}

fn invalid(input: &str, reason: impl Into<String>) -> DbError {
    DbError::InvalidUrl {
        url: crate::redact::url(input),
        reason: reason.into(),
    }
}

/// A CA bundle larger than this is not a CA bundle.
const MAX_CA_BYTES: u64 = 4 * 1024 * 1024;

const EXPECTED: &str = "expected mysql://user[:password]@host[:port][/database]";

/// A database or user name lmh accepts from a URL: plain identifiers only, because names end up
/// in log lines and (for databases) in backquoted SQL.
fn valid_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'-')
}

/// Validate a server URL (`mysql://` or `mariadb://`) and build connect options from it.
pub(crate) fn parse_server_url(raw: &str) -> Result<ServerUrl, DbError> {
    let input = raw.trim();
    if input.is_empty() {
        return Err(invalid(raw, format!("the URL is empty; {EXPECTED}")));
    }
    let url =
        Url::parse(input).map_err(|e| invalid(input, format!("not a URL ({e}); {EXPECTED}")))?;
    let scheme = url.scheme();
    if scheme != "mysql" && scheme != "mariadb" {
        return Err(invalid(
            input,
            format!("scheme `{scheme}` is not supported; use mysql:// or mariadb://"),
        ));
    }
    let (host, port) = host_and_port(&url, input)?;
    let (user, password) = credentials(&url, input)?;
    let database = database(&url, input)?;

    let mut options = MySqlConnectOptions::new().host(&host).port(port);
    if !user.is_empty() {
        options = options.username(&user);
    }
    if let Some(p) = &password {
        options = options.password(p);
    }
    if let Some(db) = &database {
        options = options.database(db);
    }
    let options = with_parameters(options, &url, input)?;

    let host_display = match url.host() {
        Some(url::Host::Ipv6(a)) => format!("[{a}]"),
        _ => host,
    };
    let user_display = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    Ok(ServerUrl {
        options,
        display_base: format!("{scheme}://{user_display}{host_display}:{port}"),
        database,
        password,
    })
}

/// The host as the driver wants it (an IPv6 literal bare: `::1`; the URL writes it in
/// brackets) and the port (3306 by default).
fn host_and_port(url: &Url, input: &str) -> Result<(String, u16), DbError> {
    let host = match url.host() {
        Some(url::Host::Ipv6(a)) => a.to_string(),
        Some(url::Host::Ipv4(a)) => a.to_string(),
        Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
        _ => return Err(invalid(input, format!("no host; {EXPECTED}"))),
    };
    let port = url.port().unwrap_or(3306);
    if port == 0 {
        return Err(invalid(input, "port 0 is not a server port"));
    }
    if url.fragment().is_some() {
        return Err(invalid(input, "a database URL has no #fragment"));
    }
    Ok((host, port))
}

/// A percent-encoded part of the URL, decoded; `what` names it in the error.
fn decoded(part: &str, what: &str, input: &str) -> Result<String, DbError> {
    percent_decode(part).ok_or_else(|| {
        invalid(
            input,
            format!("the {what} is not valid percent-encoded UTF-8"),
        )
    })
}

/// The user name (empty when none) and the password.
fn credentials(url: &Url, input: &str) -> Result<(String, Option<String>), DbError> {
    let user = decoded(url.username(), "user name", input)?;
    let password = match url.password() {
        Some(p) => Some(decoded(p, "password", input)?),
        None => None,
    };
    if !user.is_empty() && !valid_identifier(&user) {
        return Err(invalid(
            input,
            "the user name may only contain letters, digits, '_', '$' and '-'",
        ));
    }
    Ok((user, password))
}

/// The database the path names, if any: one plain identifier.
fn database(url: &Url, input: &str) -> Result<Option<String>, DbError> {
    let path = url.path().trim_start_matches('/');
    if path.is_empty() {
        return Ok(None);
    }
    let db = decoded(path, "database name", input)?;
    if db.contains('/') {
        return Err(invalid(input, "the path must be a single database name"));
    }
    if !valid_identifier(&db) {
        return Err(invalid(
            input,
            format!(
                "database name {db:?} may only contain letters, digits, '_', '$' and '-' (at most 64)"
            ),
        ));
    }
    Ok(Some(db))
}

/// The URL's parameters applied to `options`: only `ssl-mode` and `ssl-ca`.
fn with_parameters(
    mut options: MySqlConnectOptions,
    url: &Url,
    input: &str,
) -> Result<MySqlConnectOptions, DbError> {
    for (key, value) in url.query_pairs() {
        match &*key {
            "ssl-mode" | "sslmode" => {
                let mode: MySqlSslMode = value.parse().map_err(|_| {
                    invalid(
                        input,
                        format!(
                            "ssl-mode {value:?} is not one of disabled, preferred, required, verify_ca, verify_identity"
                        ),
                    )
                })?;
                options = options.ssl_mode(mode);
            }
            "ssl-ca" | "sslca" => {
                // Checked here, so a wrong path is a URL error, not a TLS failure later.
                crate::files::read_text_file(Path::new(&*value), MAX_CA_BYTES, "ssl-ca file")
                    .map_err(|e| invalid(input, format!("{e}")))?;
                options = options.ssl_ca(&*value);
            }
            other => {
                return Err(invalid(
                    input,
                    format!("URL parameter `{other}` is not supported (only ssl-mode and ssl-ca)"),
                ));
            }
        }
    }
    Ok(options)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_urls() {
        let u = parse_server_url("mysql://root@127.0.0.1:3306").unwrap();
        assert_eq!(u.display(), "mysql://root@127.0.0.1:3306");
        assert_eq!(u.database, None);
        let u = parse_server_url("mariadb://app:p%40ss@db.example:3307/leadmaster").unwrap();
        assert_eq!(u.display(), "mariadb://app@db.example:3307/leadmaster");
        assert_eq!(u.password.as_deref(), Some("p@ss"));
    }

    #[test]
    fn an_ipv6_literal_reaches_the_driver_without_brackets() {
        let u = parse_server_url("mysql://root@[::1]:3306").unwrap();
        assert_eq!(u.options.get_host(), "::1");
        assert_eq!(u.display(), "mysql://root@[::1]:3306");
    }

    #[test]
    fn rejects_bad_urls_without_leaking_the_password() {
        for bad in [
            "",
            "postgres://u:hunter2@h/db",
            "mysql://u:hunter2@/db",
            "mysql://u:hunter2@h/db`; DROP DATABASE x; --",
            "mysql://u:hunter2@h/a/b",
            "mysql://u:hunter2@h:3306/db?socket=/tmp/x",
            "mysql://u:hunter2@h:0",
            "mysql://u:hunter2@h/db#frag",
            "mysql://u:hunter2@h:99999/db",
            "not a url hunter2",
        ] {
            let err = parse_server_url(bad).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, DbError::InvalidUrl { .. }), "{bad}: {msg}");
            if bad.contains("u:hunter2") {
                assert!(!msg.contains("hunter2"), "{bad}: {msg}");
            }
        }
    }
}

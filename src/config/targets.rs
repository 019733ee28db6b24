//! What central-hub itself uses to reach its session-manager and its database, worked out from
//! its configuration with the precedence `config check` applies (shell, PM2, `.env`), so
//! `lmh doctor --hub DIR` needs nothing else.

use super::resolve::{Effective, Resolution, ServiceConfig};
use crate::redact;

/// The database variables central-hub reads, in the order a URL is built from them.
pub const DB_KEYS: [&str; 5] = ["DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_NAME"];

/// A value worked out from central-hub's configuration, and where each part came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Derived {
    /// The value (a URL; a database URL holds the password: print [`Derived::shown`]).
    pub value: String,
    /// `KEY from FILE:LINE` per variable used, secrets never included.
    pub sources: Vec<String>,
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Derived")
            .field("value", &self.shown())
            .field("sources", &self.sources)
            .finish()
    }
}

impl Derived {
    /// The value with any password masked.
    pub fn shown(&self) -> String {
        redact::text(&self.value)
    }
}

/// Where a variable's effective value comes from, in words, e.g. `DB_HOST from .env:4`.
fn from(r: &Resolution) -> String {
    match &r.effective {
        Effective::Set(c) => format!("{} from {}", r.key, c.source),
        Effective::Default(_) => format!("{} from central-hub's default", r.key),
        Effective::Unreadable(c) => format!("{} unreadable at {}", r.key, c.source),
        Effective::Missing => format!("{} not set", r.key),
    }
}

/// central-hub's `SESSION_MANAGER_BASE_URL`, when it has one lmh can read.
pub fn session_manager(hub: &ServiceConfig) -> Result<Derived, String> {
    let r = hub.resolve(crate::domain::SESSION_MANAGER_BASE_URL, None);
    match r.value() {
        Some(v) => Ok(Derived {
            value: v.to_string(),
            sources: vec![from(&r)],
        }),
        None => Err(format!("central-hub's {}", from(&r))),
    }
}

/// central-hub's database as a `mysql://` URL built from `DB_HOST`, `DB_PORT` (default 3306),
/// `DB_USER`, `DB_PASSWORD` and `DB_NAME`.
pub fn database(hub: &ServiceConfig) -> Result<Derived, String> {
    let rs: Vec<Resolution> = DB_KEYS
        .iter()
        .map(|k| hub.resolve(k, (*k == "DB_PORT").then_some("3306")))
        .collect();
    let get = |i: usize| rs[i].value().map(str::to_string);
    let missing: Vec<String> = [0, 2, 4]
        .iter()
        .filter(|i| get(**i).is_none_or(|v| v.is_empty()))
        .map(|i| from(&rs[*i]))
        .collect();
    if !missing.is_empty() {
        return Err(format!("central-hub's {}", missing.join(", ")));
    }
    let (host, port, name) = (
        get(0).unwrap_or_default(),
        get(1).unwrap_or_default(),
        get(4).unwrap_or_default(),
    );
    let mut url = url::Url::parse(&format!("mysql://{host}:{port}/"))
        .map_err(|e| format!("DB_HOST={host} DB_PORT={port} make no URL: {e}"))?;
    url.set_path(&name);
    let bad = |what: &str| format!("central-hub's {what} cannot go in a URL");
    url.set_username(&get(2).unwrap_or_default())
        .map_err(|()| bad("DB_USER"))?;
    if let Some(password) = get(3).filter(|p| !p.is_empty()) {
        url.set_password(Some(&password))
            .map_err(|()| bad("DB_PASSWORD"))?;
    }
    Ok(Derived {
        value: url.to_string(),
        sources: rs.iter().map(from).collect(),
    })
}

//! Providing a database: the one place lmh gets a MySQL/MariaDB connection from.
//!
//! Everything lmh writes goes to a [`ScratchDb`]: a database it creates itself on the server
//! it is given (`lmh_scratch_<yyyymmddhhmmss>_<random>`), marks as its own in a marker table,
//! migrates to the LeadMaster schema (`migrations/`), and drops afterwards, on every path:
//! [`ScratchDb::drop_database`], the `Drop` safety net (a panicking test leaves nothing behind),
//! and [`drop_all_live`] for a Ctrl-C handler. [`assert_owned`] makes "lmh never writes to a
//! database it did not create" checkable (invariant 17). The only other way in is
//! [`connect_read_only`], whose sessions the server itself keeps read-only.
//!
//! URLs are validated before any connection, and a password never appears in output or errors.
//! The domain's row types are decoded from a row in one place, [`rows`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), lmh::db::DbError> {
//! let url = lmh::db::server_url_from_env().ok_or(lmh::db::DbError::NoDatabase)?;
//! let db = lmh::db::ScratchDb::create(&url).await?;
//! sqlx::query("INSERT INTO ll_campanias_whatsapp (nombre, mensaje) VALUES ('x', 'y')")
//!     .execute(db.pool())
//!     .await
//!     .map_err(|e| lmh::db::DbError::query("insert", db.name(), &e))?;
//! db.drop_database().await?;
//! # Ok(()) }
//! ```

mod connect;
mod dropping;
mod error;
mod live;
mod name;
mod owner;
pub mod rows;
mod scratch;
mod server;
mod sweep;
mod url;

use std::time::Duration;

use sqlx::migrate::Migrator;

pub use crate::domain::{EstadoCampania, EstadoEnvio, EstadoProgramacion, UnknownEstado};
/// A database URL as shown to people (see [`crate::redact::url`]).
pub use crate::redact::url as redact_url;
pub use connect::{NON_STRICT_SQL_MODE, STRICT_SQL_MODE, SqlMode, connect_read_only};
pub use error::DbError;
pub use live::{drop_all_live, live_databases};
pub use name::validate_scratch_name;
pub use owner::assert_owned;
pub use rows::{
    ENVIO_COLUMNS, INTENTO_COLUMNS, PROGRAMACION_COLUMNS, decode_envio, decode_intento,
    decode_programacion,
};
pub use scratch::ScratchDb;
pub use server::{DbServer, DbSource, ServerError};
pub use sweep::{ScratchInfo, Sweep, drop_stale, list_scratch_databases};
use url::parse_server_url;

/// The local development server the error messages suggest; never used silently.
pub const LOCAL_SERVER_URL: &str = "mysql://root@127.0.0.1:3306";

/// Every scratch database name starts with this.
pub const SCRATCH_PREFIX: &str = "lmh_scratch_";

/// The table inside a scratch database that records lmh created it.
pub const MARKER_TABLE: &str = "lmh_scratch_marker";

/// The environment variable [`server_url_from_env`] reads.
pub const DATABASE_URL_ENV: &str = "DATABASE_URL";

/// The LeadMaster schema (docs/system.md §4), embedded from `migrations/`.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long lmh waits for the server before giving up on a connection or a lock.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const LOCK_WAIT_SECONDS: u32 = 30;
/// Enough for the scheduler's concurrent lanes (one connection each while it writes) plus
/// the e2e run's own reads; the server's default limit is 151.
const SCRATCH_POOL_SIZE: u32 = 16;

/// The server URL from `DATABASE_URL`, if set and not blank.
pub fn server_url_from_env() -> Option<String> {
    std::env::var(DATABASE_URL_ENV)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The URL given explicitly, else `DATABASE_URL`, else [`DbError::NoDatabase`].
pub fn require_server_url(explicit: Option<&str>) -> Result<String, DbError> {
    explicit
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(server_url_from_env)
        .ok_or(DbError::NoDatabase)
}

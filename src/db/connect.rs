//! Connections: the admin session, scratch pools and their `sql_mode`, read-only pools.

use std::time::Duration;

use sqlx::mysql::{MySqlConnection, MySqlPool, MySqlPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Executor};

use super::error::connect_error;
use super::url::{ServerUrl, parse_server_url};
use super::{CONNECT_TIMEOUT, DbError, SCRATCH_POOL_SIZE};

/// The `sql_mode` lmh's write connections run with: any value outside an ENUM, any truncation,
/// any zero date is an error rather than a warning, whatever the server's default.
pub const STRICT_SQL_MODE: &str = "STRICT_ALL_TABLES,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,PIPES_AS_CONCAT";

/// A permissive `sql_mode`, as some production servers run: bad values become warnings and
/// an out-of-enum value is stored as `''`. Only for tests that show that behaviour.
pub const NON_STRICT_SQL_MODE: &str = "NO_ENGINE_SUBSTITUTION,PIPES_AS_CONCAT";

/// Which `sql_mode` a pool's sessions use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlMode {
    /// [`STRICT_SQL_MODE`]: what every lmh write connection uses.
    Strict,
    /// [`NON_STRICT_SQL_MODE`]: to reproduce a permissive production server.
    NonStrict,
}

impl SqlMode {
    /// The `sql_mode` string set on each connection.
    pub fn as_str(self) -> &'static str {
        match self {
            SqlMode::Strict => STRICT_SQL_MODE,
            SqlMode::NonStrict => NON_STRICT_SQL_MODE,
        }
    }
}

pub(super) async fn admin_connect(server: &ServerUrl) -> Result<MySqlConnection, DbError> {
    let connecting = MySqlConnection::connect_with(&server.options);
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(connect_error(server, &e)),
        Err(_) => Err(DbError::Connect {
            url: server.display(),
            reason: format!(
                "no answer within {}s; is the host reachable and the port right?",
                CONNECT_TIMEOUT.as_secs()
            ),
        }),
    }
}

pub(super) fn pool_options(mode: SqlMode) -> MySqlPoolOptions {
    MySqlPoolOptions::new()
        .max_connections(SCRATCH_POOL_SIZE)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(30))
        .idle_timeout(Duration::from_secs(60))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                conn.execute(AssertSqlSafe(format!(
                    "SET SESSION sql_mode = '{}'",
                    mode.as_str()
                )))
                .await?;
                Ok(())
            })
        })
}

/// A pool whose every session is `SET SESSION TRANSACTION READ ONLY`, so the server refuses
/// any write (for `doctor`-style checks on a database lmh does not own).
pub async fn connect_read_only(url: &str) -> Result<MySqlPool, DbError> {
    let server = parse_server_url(url)?;
    let pool = MySqlPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(CONNECT_TIMEOUT)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("SET SESSION TRANSACTION READ ONLY").await?;
                Ok(())
            })
        })
        .connect_with(server.options.clone())
        .await
        .map_err(|e| connect_error(&server, &e))?;
    Ok(pool)
}

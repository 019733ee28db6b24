//! What can go wrong providing or guarding a database, never with a password in it.

use sqlx::mysql::MySqlDatabaseError;

use super::url::ServerUrl;

/// Everything that can go wrong providing or guarding a database. Messages never contain a
/// password and always name the server or database involved.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No URL was given anywhere.
    #[error(
        "no database available: pass --db-url mysql://root@127.0.0.1:3306 (your server's URL), \
         set DATABASE_URL=mysql://root@127.0.0.1:3306, or start a Docker engine and use --container"
    )]
    NoDatabase,
    /// The URL is malformed, has the wrong scheme, or carries something lmh refuses.
    #[error("invalid database URL `{url}`: {reason}")]
    InvalidUrl {
        /// The input, password redacted.
        url: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// The server could not be reached or refused the login.
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The server, password redacted.
        url: String,
        /// The driver's or server's reason, with a hint.
        reason: String,
    },
    /// A statement failed.
    #[error("{action} on {target} failed: {reason}")]
    Query {
        /// What lmh was doing.
        action: String,
        /// The database or server it was doing it to.
        target: String,
        /// The server's message.
        reason: String,
    },
    /// The embedded migrations did not apply.
    #[error("migrating scratch database {database} failed: {reason}")]
    Migrate {
        /// The scratch database.
        database: String,
        /// The migrator's message.
        reason: String,
    },
    /// A write was about to go to a database lmh did not create.
    #[error(
        "refusing to write to database {database}: {reason} (lmh only writes to scratch databases it created itself)"
    )]
    NotOwned {
        /// The database the connection points at.
        database: String,
        /// Why it does not count as lmh's.
        reason: String,
    },
    /// A scratch database name that lmh would not have generated.
    #[error("{name:?} is not a scratch database name: {reason}")]
    InvalidName {
        /// The rejected name.
        name: String,
        /// What rule it breaks.
        reason: String,
    },
    /// Some scratch databases could not be dropped.
    #[error("could not drop scratch database(s) {}: {reason}; drop them by hand with DROP DATABASE", failed.join(", "))]
    Cleanup {
        /// The databases still on the server.
        failed: Vec<String>,
        /// The first failure's message.
        reason: String,
    },
}

impl DbError {
    /// A failed statement, for callers that run their own SQL on a scratch pool.
    pub fn query(action: &str, target: &str, err: &sqlx::Error) -> DbError {
        DbError::Query {
            action: action.to_string(),
            target: target.to_string(),
            reason: err.to_string(),
        }
    }
}

pub(super) fn mysql_error_number(err: &sqlx::Error) -> Option<u16> {
    err.as_database_error()
        .and_then(|e| e.try_downcast_ref::<MySqlDatabaseError>())
        .map(|e| e.number())
}

pub(super) fn connect_error(server: &ServerUrl, err: &sqlx::Error) -> DbError {
    let hint = match mysql_error_number(err) {
        Some(1045) | Some(1698) => "; check the user name and password in the URL",
        Some(1044) | Some(1049) => "; check the database name in the URL",
        _ => match err {
            sqlx::Error::Io(_) => "; is MySQL/MariaDB running and listening there?",
            sqlx::Error::Tls(_) => "; try ?ssl-mode=disabled for a local server",
            _ => "",
        },
    };
    DbError::Connect {
        url: server.display(),
        reason: format!("{}{hint}", server.scrub(&err.to_string())),
    }
}

pub(super) fn server_query_error(
    server: &ServerUrl,
    action: &str,
    target: &str,
    err: &sqlx::Error,
) -> DbError {
    DbError::Query {
        action: action.to_string(),
        target: target.to_string(),
        reason: server.scrub(&err.to_string()),
    }
}

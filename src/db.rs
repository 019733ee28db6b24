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

mod owner;
mod server;
mod url;

use std::collections::BTreeMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::mysql::{MySql, MySqlConnection, MySqlDatabaseError, MySqlPool, MySqlPoolOptions};
use sqlx::{Acquire, AssertSqlSafe, Connection, Executor};

pub use crate::domain::{EstadoCampania, EstadoEnvio, EstadoProgramacion, UnknownEstado};
/// A database URL as shown to people (see [`crate::redact::url`]).
pub use crate::redact::url as redact_url;
use owner::Owner;
pub use server::{DbServer, DbSource, ServerError};
use url::{ServerUrl, parse_server_url};

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

/// Check that a name is one lmh generates for scratch databases (and so safe to backquote).
pub fn validate_scratch_name(name: &str) -> Result<(), DbError> {
    let bad = |reason: &str| {
        Err(DbError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if !name.starts_with(SCRATCH_PREFIX) {
        return bad("it does not start with lmh_scratch_");
    }
    if name.len() > 64 {
        return bad("it is longer than 64 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return bad("only a-z, 0-9 and _ are allowed");
    }
    Ok(())
}

fn generate_scratch_name() -> String {
    let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S");
    let random: String = (0..8)
        .map(|_| {
            let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
            alphabet[fastrand::usize(..alphabet.len())] as char
        })
        .collect();
    format!("{SCRATCH_PREFIX}{stamp}_{random}")
}

fn mysql_error_number(err: &sqlx::Error) -> Option<u16> {
    err.as_database_error()
        .and_then(|e| e.try_downcast_ref::<MySqlDatabaseError>())
        .map(|e| e.number())
}

fn connect_error(server: &ServerUrl, err: &sqlx::Error) -> DbError {
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

fn server_query_error(
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

async fn admin_connect(server: &ServerUrl) -> Result<MySqlConnection, DbError> {
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

/// What the process-wide registry keeps to drop a scratch database without its `ScratchDb`.
struct LiveEntry {
    server: ServerUrl,
    run_id: String,
}

static LIVE: LazyLock<Mutex<BTreeMap<String, LiveEntry>>> =
    LazyLock::new(|| Mutex::new(BTreeMap::new()));

fn live() -> std::sync::MutexGuard<'static, BTreeMap<String, LiveEntry>> {
    // A panic while holding the lock cannot leave the map inconsistent (single inserts/removes).
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The names of the scratch databases this process created and has not dropped yet.
pub fn live_databases() -> Vec<String> {
    live().keys().cloned().collect()
}

/// Drop every scratch database this process still has (for a Ctrl-C handler). Returns the names
/// dropped; tries them all even when one fails. `ScratchDb` handles still around become inert.
///
/// ```no_run
/// # async fn demo() {
/// tokio::spawn(async {
///     if tokio::signal::ctrl_c().await.is_ok() {
///         if let Err(e) = lmh::db::drop_all_live().await {
///             eprintln!("lmh: {e}");
///         }
///         std::process::exit(130);
///     }
/// });
/// # }
/// ```
pub async fn drop_all_live() -> Result<Vec<String>, DbError> {
    let entries: Vec<(String, LiveEntry)> = std::mem::take(&mut *live()).into_iter().collect();
    let mut dropped = Vec::new();
    let mut failed = Vec::new();
    let mut first_reason = None;
    for (name, entry) in entries {
        // RunOrEmpty: the entry is made before the CREATE, so it may not be marked yet.
        match drop_scratch(&entry.server, &name, Owner::RunOrEmpty(&entry.run_id)).await {
            Ok(()) => dropped.push(name),
            Err(e) => {
                first_reason.get_or_insert_with(|| e.to_string());
                failed.push(name);
            }
        }
    }
    match first_reason {
        None => Ok(dropped),
        Some(reason) => Err(DbError::Cleanup { failed, reason }),
    }
}

/// A scratch database found on a server by [`list_scratch_databases`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScratchInfo {
    /// The database name.
    pub name: String,
    /// The run recorded in its marker; `None` when it has no readable marker (not lmh's).
    pub run_id: Option<String>,
    /// When its marker says it was created (UTC).
    pub created_at: Option<chrono::NaiveDateTime>,
    /// Whether this very process created it and still holds it.
    pub live_here: bool,
}

/// Every `lmh_scratch_*` database on the server, with what its marker says.
pub async fn list_scratch_databases(server_url: &str) -> Result<Vec<ScratchInfo>, DbError> {
    let server = parse_server_url(server_url)?;
    let mut admin = admin_connect(&server).await?;
    let result = list_on(&mut admin, &server).await;
    let _ = admin.close().await;
    result
}

async fn list_on(
    admin: &mut MySqlConnection,
    server: &ServerUrl,
) -> Result<Vec<ScratchInfo>, DbError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'lmh\\_scratch\\_%' ORDER BY SCHEMA_NAME",
    )
    .fetch_all(&mut *admin)
    .await
    .map_err(|e| server_query_error(server, "listing scratch databases", &server.display(), &e))?;
    let live_names = live_databases();
    let mut out = Vec::new();
    for name in names {
        if validate_scratch_name(&name).is_err() {
            continue;
        }
        let sql = format!(
            "SELECT run_id, created_at FROM `{name}`.`{MARKER_TABLE}` WHERE db_name = ? LIMIT 1"
        );
        let marker: Option<(String, chrono::NaiveDateTime)> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(&name)
            .fetch_optional(&mut *admin)
            .await
            .unwrap_or(None);
        out.push(ScratchInfo {
            live_here: live_names.contains(&name),
            run_id: marker.as_ref().map(|m| m.0.clone()),
            created_at: marker.map(|m| m.1),
            name,
        });
    }
    Ok(out)
}

/// What a sweep of old scratch databases did and saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Dropped: marked by a run, or empty (a creation interrupted before its marker), and
    /// older than the age given.
    pub dropped: Vec<String>,
    /// Seen and left alone because younger: another run may still be using them.
    pub young: Vec<String>,
}

/// Drop scratch databases left by runs that died without cleaning up (SIGKILL, power loss, a
/// signal between CREATE and marker): those older than `older_than`, not held by this process,
/// with a valid lmh marker or empty. A database without a marker that holds tables is never
/// touched. Younger ones are reported in [`Sweep::young`].
pub async fn drop_stale(server_url: &str, older_than: Duration) -> Result<Sweep, DbError> {
    let server = parse_server_url(server_url)?;
    // An age too large to subtract means nothing can be that old.
    let cutoff = chrono::Duration::from_std(older_than)
        .ok()
        .and_then(|age| chrono::Utc::now().naive_utc().checked_sub_signed(age));
    let mut admin = admin_connect(&server).await?;
    let found = list_on(&mut admin, &server).await;
    let _ = admin.close().await;
    let mut sweep = Sweep::default();
    for info in found? {
        if info.live_here {
            continue;
        }
        // Marker-less: the name's UTC stamp says when it was made.
        let Some(created_at) = info.created_at.or_else(|| name_stamp(&info.name)) else {
            continue;
        };
        if cutoff.is_none_or(|c| created_at >= c) {
            sweep.young.push(info.name);
            continue;
        }
        let owner = match &info.run_id {
            Some(run_id) => Owner::Run(run_id),
            None => Owner::Empty,
        };
        match drop_scratch(&server, &info.name, owner).await {
            Ok(()) => sweep.dropped.push(info.name),
            // Not provably lmh's: left alone, as it should be.
            Err(DbError::NotOwned { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(sweep)
}

/// When a scratch database was created, from its name (`lmh_scratch_YYYYMMDDHHMMSS_...`, UTC).
fn name_stamp(name: &str) -> Option<chrono::NaiveDateTime> {
    let stamp = name.strip_prefix(SCRATCH_PREFIX)?.get(..14)?;
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S").ok()
}

/// Drop a scratch database: check the name, check it is `owner`'s, end the sessions still
/// using it (an abandoned transaction would otherwise block DROP forever), drop.
async fn drop_scratch(server: &ServerUrl, name: &str, owner: Owner<'_>) -> Result<(), DbError> {
    validate_scratch_name(name)?;
    let mut admin = admin_connect(server).await?;
    let result = drop_scratch_on(&mut admin, server, name, owner).await;
    let _ = admin.close().await;
    result
}

async fn drop_scratch_on(
    admin: &mut MySqlConnection,
    server: &ServerUrl,
    name: &str,
    owner: Owner<'_>,
) -> Result<(), DbError> {
    let exists: Option<String> = sqlx::query_scalar(
        "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
    )
    .bind(name)
    .fetch_optional(&mut *admin)
    .await
    .map_err(|e| server_query_error(server, "looking up", name, &e))?;
    if exists.is_none() {
        return Ok(());
    }
    owner::check(admin, server, name, owner).await?;
    let others: Vec<u64> = sqlx::query_scalar(
        "SELECT CAST(ID AS UNSIGNED) FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
    )
    .bind(name)
    .fetch_all(&mut *admin)
    .await
    .map_err(|e| server_query_error(server, "listing sessions", name, &e))?;
    for id in others {
        // The session may have ended meanwhile (1094 unknown thread): nothing to do then.
        let _ = admin
            .execute(AssertSqlSafe(format!("KILL CONNECTION {id}")))
            .await;
    }
    admin
        .execute(AssertSqlSafe(format!(
            "SET SESSION lock_wait_timeout = {LOCK_WAIT_SECONDS}"
        )))
        .await
        .map_err(|e| server_query_error(server, "setting lock_wait_timeout", name, &e))?;
    admin
        .execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`")))
        .await
        .map_err(|e| server_query_error(server, "DROP DATABASE", name, &e))?;
    Ok(())
}

fn pool_options(mode: SqlMode) -> MySqlPoolOptions {
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

/// A database lmh created for one run: migrated, marked as lmh's, dropped when done.
pub struct ScratchDb {
    name: String,
    run_id: String,
    server: ServerUrl,
    pool: MySqlPool,
}

impl std::fmt::Debug for ScratchDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScratchDb")
            .field("name", &self.name)
            .field("run_id", &self.run_id)
            .field("server", &self.server.display_base)
            .finish_non_exhaustive()
    }
}

impl ScratchDb {
    /// Create, mark and migrate a new scratch database on the server at `server_url`.
    ///
    /// A database named in the URL is used only as the admin session's default and is never
    /// written to. On any failure after the CREATE, the new database is dropped again.
    pub async fn create(server_url: &str) -> Result<ScratchDb, DbError> {
        let server = parse_server_url(server_url)?;
        let mut admin = admin_connect(&server).await?;
        let run_id = format!("{}-{}", std::process::id(), fastrand::u64(..));

        let mut attempt = 0;
        let name = loop {
            attempt += 1;
            let name = generate_scratch_name();
            validate_scratch_name(&name)?;
            // Registered BEFORE the CREATE: a signal that cancels this future after the server
            // created the database but before the marker is written still finds it here
            // (`drop_all_live` drops it while it is empty or marked by this run).
            live().insert(
                name.clone(),
                LiveEntry {
                    server: server.clone(),
                    run_id: run_id.clone(),
                },
            );
            let sql =
                format!("CREATE DATABASE `{name}` CHARACTER SET latin1 COLLATE latin1_swedish_ci");
            let created = admin.execute(AssertSqlSafe(sql)).await;
            if created.is_err() {
                live().remove(&name);
            }
            match created {
                Ok(_) => break name,
                // 1007: database exists. Astronomically unlikely; try another random suffix.
                Err(e) if mysql_error_number(&e) == Some(1007) && attempt < 3 => continue,
                Err(e) => {
                    let _ = admin.close().await;
                    let hint = if mysql_error_number(&e) == Some(1044) {
                        "; the user needs the CREATE and DROP privileges on lmh_scratch_% databases"
                    } else {
                        ""
                    };
                    return Err(DbError::Query {
                        action: "CREATE DATABASE".into(),
                        target: server.display(),
                        reason: format!("{}{hint}", server.scrub(&e.to_string())),
                    });
                }
            }
        };
        let result = Self::mark_and_migrate(&mut admin, &server, &name, &run_id).await;
        let _ = admin.close().await;
        match result {
            Ok(pool) => Ok(ScratchDb {
                name,
                run_id,
                server,
                pool,
            }),
            Err(e) => {
                live().remove(&name);
                // We issued the CREATE a moment ago, so the database is ours even without a marker.
                let _ = drop_scratch(&server, &name, Owner::JustCreated).await;
                Err(e)
            }
        }
    }

    async fn mark_and_migrate(
        admin: &mut MySqlConnection,
        server: &ServerUrl,
        name: &str,
        run_id: &str,
    ) -> Result<MySqlPool, DbError> {
        let create_marker = format!(
            "CREATE TABLE `{name}`.`{MARKER_TABLE}` (\
               run_id varchar(64) NOT NULL PRIMARY KEY, \
               db_name varchar(64) NOT NULL, \
               created_at datetime NOT NULL, \
               created_by varchar(255) NOT NULL\
             ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        );
        admin
            .execute(AssertSqlSafe(create_marker))
            .await
            .map_err(|e| server_query_error(server, "creating the marker table", name, &e))?;
        let insert = format!(
            "INSERT INTO `{name}`.`{MARKER_TABLE}` (run_id, db_name, created_at, created_by) VALUES (?, ?, UTC_TIMESTAMP(), ?)"
        );
        sqlx::query(AssertSqlSafe(insert))
            .bind(run_id)
            .bind(name)
            .bind(format!(
                "lmh {} pid {}",
                env!("CARGO_PKG_VERSION"),
                std::process::id()
            ))
            .execute(&mut *admin)
            .await
            .map_err(|e| server_query_error(server, "writing the marker", name, &e))?;

        let pool = pool_options(SqlMode::Strict)
            .connect_with(server.options.clone().database(name))
            .await
            .map_err(|e| connect_error(server, &e))?;
        if let Err(e) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(DbError::Migrate {
                database: name.to_string(),
                reason: server.scrub(&e.to_string()),
            });
        }
        Ok(pool)
    }

    /// The pool on the scratch database; every session runs with [`STRICT_SQL_MODE`].
    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// The scratch database's name (`lmh_scratch_...`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The id recorded in the marker table for this run.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// `mysql://user@host:port/lmh_scratch_...`, never with the password.
    pub fn display_url(&self) -> String {
        format!("{}/{}", self.server.display_base, self.name)
    }

    /// A further pool on the same scratch database with another `sql_mode` (e.g. to reproduce a
    /// permissive production server). The caller closes it; dropping the database ends it anyway.
    pub async fn pool_with_sql_mode(&self, mode: SqlMode) -> Result<MySqlPool, DbError> {
        pool_options(mode)
            .connect_with(self.server.options.clone().database(&self.name))
            .await
            .map_err(|e| connect_error(&self.server, &e))
    }

    /// Close the pool and drop the database now, reporting any failure.
    pub async fn drop_database(self) -> Result<(), DbError> {
        // Unregistered only once it is gone: if this future is cancelled half-way (Ctrl-C,
        // SIGTERM) or the drop fails, `Drop` and `drop_all_live` still know to try.
        self.pool.close().await;
        let result = drop_scratch(&self.server, &self.name, Owner::Run(&self.run_id)).await;
        if result.is_ok() {
            live().remove(&self.name);
        }
        result
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if live().remove(&self.name).is_none() {
            return; // dropped already, explicitly or by drop_all_live
        }
        // We may be inside an async runtime (or a panicking test): drop from a fresh thread
        // with its own runtime, and wait, so the database is gone when this returns.
        let server = self.server.clone();
        let name = self.name.clone();
        let run_id = self.run_id.clone();
        let outcome = std::thread::Builder::new()
            .name("lmh-scratch-drop".into())
            .spawn(move || -> Result<(), String> {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                rt.block_on(drop_scratch(&server, &name, Owner::Run(&run_id)))
                    .map_err(|e| e.to_string())
            })
            .map_err(|e| e.to_string())
            .and_then(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("the drop thread panicked".into()))
            });
        if let Err(reason) = outcome {
            eprintln!(
                "lmh: warning: scratch database {} was not dropped: {reason}; drop it by hand: DROP DATABASE `{}`;",
                self.display_url(),
                self.name
            );
        }
    }
}

/// Fail unless the connection's current database is a scratch database lmh created (valid name
/// and a marker row naming it). Call it before writing through any connection.
pub async fn assert_owned<'c, A>(conn: A) -> Result<(), DbError>
where
    A: Acquire<'c, Database = MySql>,
{
    let mut conn = conn.acquire().await.map_err(|e| DbError::Query {
        action: "acquiring a connection to check ownership".into(),
        target: "the pool".into(),
        reason: e.to_string(),
    })?;
    let current: Option<String> = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| DbError::query("SELECT DATABASE()", "the connection", &e))?;
    let Some(database) = current else {
        return Err(DbError::NotOwned {
            database: "(none)".into(),
            reason: "the connection has no current database".into(),
        });
    };
    if let Err(e) = validate_scratch_name(&database) {
        return Err(DbError::NotOwned {
            database,
            reason: format!("its name is not an lmh scratch name ({e})"),
        });
    }
    let has_marker: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
    )
    .bind(MARKER_TABLE)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| DbError::query("looking for the marker table", &database, &e))?;
    if has_marker == 0 {
        return Err(DbError::NotOwned {
            database,
            reason: format!("it has no {MARKER_TABLE} table"),
        });
    }
    let sql = format!("SELECT COUNT(*) FROM `{database}`.`{MARKER_TABLE}` WHERE db_name = ?");
    let rows: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(&database)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| DbError::query("reading the marker", &database, &e))?;
    if rows == 0 {
        return Err(DbError::NotOwned {
            database,
            reason: format!("its {MARKER_TABLE} does not name it (copied from another database?)"),
        });
    }
    Ok(())
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

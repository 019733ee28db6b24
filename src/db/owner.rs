//! Whose a scratch database is: the check every DROP makes first.
//!
//! A scratch database is lmh's when its marker row names the run, or, for the moments between
//! `CREATE DATABASE` and the marker's INSERT, when it is still empty (no table but an empty
//! marker table). A signal can land in that gap; the registry entry made before the CREATE and
//! the sweep of old empty ones make sure such a database is dropped all the same.

use sqlx::mysql::{MySql, MySqlConnection};
use sqlx::{Acquire, AssertSqlSafe, Executor};

use super::error::server_query_error;
use super::name::validate_scratch_name;
use super::url::ServerUrl;
use super::{DbError, MARKER_TABLE};

/// What a drop must verify before it drops.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner<'a> {
    /// This process issued the CREATE a moment ago and saw it succeed: nothing to check.
    JustCreated,
    /// Its marker must name this run.
    Run(&'a str),
    /// Registered by this run before its CREATE: its marker names the run, or it is still
    /// empty (the run was interrupted before marking it).
    RunOrEmpty(&'a str),
    /// No run: only an empty database (an interrupted creation) may be dropped.
    Empty,
}

/// Fail with `NotOwned` unless `name` belongs to `owner`.
pub(crate) async fn check(
    admin: &mut MySqlConnection,
    server: &ServerUrl,
    name: &str,
    owner: Owner<'_>,
) -> Result<(), DbError> {
    let not_owned = |reason: String| DbError::NotOwned {
        database: name.to_string(),
        reason,
    };
    let run_id = match owner {
        Owner::JustCreated => return Ok(()),
        Owner::Run(r) | Owner::RunOrEmpty(r) => Some(r),
        Owner::Empty => None,
    };
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
    )
    .bind(name)
    .fetch_all(&mut *admin)
    .await
    .map_err(|e| server_query_error(server, "listing tables of", name, &e))?;
    let has_marker = tables.iter().any(|t| t == MARKER_TABLE);
    let owners: Vec<String> = if has_marker {
        let sql = format!("SELECT run_id FROM `{name}`.`{MARKER_TABLE}`");
        admin
            .fetch_all(AssertSqlSafe(sql))
            .await
            .map_err(|e| {
                not_owned(format!(
                    "cannot read its {MARKER_TABLE} table ({}), so it will not be dropped",
                    server.scrub(&e.to_string())
                ))
            })?
            .iter()
            .map(|row| sqlx::Row::get::<String, _>(row, 0))
            .collect()
    } else {
        Vec::new()
    };
    if let Some(run_id) = run_id
        && owners.iter().any(|o| o == run_id)
    {
        return Ok(());
    }
    let empty = owners.is_empty() && tables.iter().all(|t| t == MARKER_TABLE);
    match owner {
        Owner::RunOrEmpty(_) | Owner::Empty if empty => Ok(()),
        _ if owners.is_empty() => Err(not_owned(format!(
            "it has no {MARKER_TABLE} row{}, so it is not provably this run's and will not be dropped",
            if empty { "" } else { " and holds tables" }
        ))),
        _ => Err(not_owned(format!(
            "its marker names run(s) {owners:?}, not this run {:?}, so it will not be dropped",
            run_id.unwrap_or("-")
        ))),
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

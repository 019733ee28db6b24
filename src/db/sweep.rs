//! Scratch databases on a server: listed with their markers, and the stale ones of dead runs
//! swept.

use std::time::Duration;

use sqlx::AssertSqlSafe;
use sqlx::Connection;
use sqlx::mysql::MySqlConnection;

use super::connect::admin_connect;
use super::dropping::drop_scratch;
use super::error::server_query_error;
use super::live::live_databases;
use super::name::{name_stamp, validate_scratch_name};
use super::owner::Owner;
use super::url::{ServerUrl, parse_server_url};
use super::{DbError, MARKER_TABLE};

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

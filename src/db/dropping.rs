//! Dropping a scratch database: only lmh's, and only after ending the sessions using it.

use sqlx::mysql::MySqlConnection;
use sqlx::{AssertSqlSafe, Connection, Executor};

use super::connect::admin_connect;
use super::error::server_query_error;
use super::name::validate_scratch_name;
use super::owner::{self, Owner};
use super::url::ServerUrl;
use super::{DbError, LOCK_WAIT_SECONDS};

/// Drop a scratch database: check the name, check it is `owner`'s, end the sessions still
/// using it (an abandoned transaction would otherwise block DROP forever), drop.
pub(super) async fn drop_scratch(
    server: &ServerUrl,
    name: &str,
    owner: Owner<'_>,
) -> Result<(), DbError> {
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

//! Applying a schedule's faults: provider faults go to the mock; a database fault is a
//! blocker connection that holds what the target statement needs, waits until the
//! scheduler's connection is stuck on it, and kills that connection (`KILL CONNECTION`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::{Connection, MySqlConnection, MySqlPool};

use super::plan::{DbFault, DbTarget, ProviderFault};
use crate::mock::{Fault, FaultKind, MockSessionManager};

/// How long a blocker waits for its statement before it lets go (the scheduler may never get
/// there: a session not READY, a quota used up, an earlier fault).
const BLOCKER_PATIENCE: Duration = Duration::from_secs(2);

/// Inject provider faults; faults on the same operation and client apply in plan order.
pub fn inject(mock: &MockSessionManager, faults: &[ProviderFault]) {
    for f in faults {
        if f.pass > 0 {
            mock.inject(
                Fault::on(f.operation, FaultKind::Pass)
                    .for_client(f.cliente)
                    .times(f.pass),
            );
        }
        mock.inject(
            Fault::on(f.operation, f.kind.clone())
                .for_client(f.cliente)
                .times(f.times),
        );
    }
}

/// What a database fault did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KillOutcome {
    /// Connections killed while waiting on the target statement.
    pub killed: u32,
}

/// Run one database fault against the scratch database `db_name` through `pool` (a pool of
/// lmh's own on that database, not the scheduler's). Returns once it killed or gave up.
/// `ticks_done` cuts the wait short once the schedulers stopped ticking.
pub async fn kill_at(
    pool: &MySqlPool,
    db_name: &str,
    fault: DbFault,
    ticks_done: &AtomicBool,
    blocker_id: &Mutex<Option<i64>>,
) -> Result<KillOutcome, sqlx::Error> {
    let mut conn = pool.acquire().await?.detach();
    let id: i64 = sqlx::query_scalar("SELECT CAST(CONNECTION_ID() AS SIGNED)")
        .fetch_one(&mut conn)
        .await?;
    *blocker_id.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
    let result = block_and_kill(&mut conn, pool, db_name, fault, ticks_done).await;
    *blocker_id.lock().unwrap_or_else(|e| e.into_inner()) = None;
    // The blocker's locks go with its connection, whatever happened.
    let _ = conn.close().await;
    result
}

async fn block_and_kill(
    conn: &mut MySqlConnection,
    pool: &MySqlPool,
    db_name: &str,
    fault: DbFault,
    ticks_done: &AtomicBool,
) -> Result<KillOutcome, sqlx::Error> {
    let deadline = tokio::time::Instant::now() + BLOCKER_PATIENCE;
    let (lock_sql, pattern) = match fault.target {
        DbTarget::Lock => (
            format!(
                "SELECT id FROM ll_programaciones WHERE id = {} FOR UPDATE",
                fault.programacion
            ),
            "UPDATE ll_programaciones SET locked_at%",
        ),
        DbTarget::Claim => (
            format!(
                "SELECT id FROM ll_envios_whatsapp WHERE id = {} FOR UPDATE",
                nth_row(pool, fault).await?
            ),
            "INSERT IGNORE INTO lmh_envio_intentos%",
        ),
        DbTarget::MarkEnviado => {
            // A shared lock lets the claim (a shared read) through and stops the write.
            (
                format!(
                    "SELECT id FROM ll_envios_whatsapp WHERE id = {} LOCK IN SHARE MODE",
                    nth_row(pool, fault).await?
                ),
                "UPDATE ll_envios_whatsapp SET estado = 'enviado'%",
            )
        }
        DbTarget::Counter => (
            format!(
                "SELECT enviados FROM ll_programacion_envios_diarios WHERE programacion_id = {} FOR UPDATE",
                fault.programacion
            ),
            "INSERT INTO ll_programacion_envios_diarios%",
        ),
    };
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    sqlx::query(sqlx::AssertSqlSafe(lock_sql))
        .execute(&mut *conn)
        .await?;
    let mut outcome = KillOutcome::default();
    while tokio::time::Instant::now() < deadline && !ticks_done.load(Ordering::Relaxed) {
        let waiting: Vec<i64> = sqlx::query_scalar(
            "SELECT CAST(ID AS SIGNED) FROM information_schema.PROCESSLIST
             WHERE DB = ? AND ID <> CONNECTION_ID() AND INFO LIKE ?",
        )
        .bind(db_name)
        .bind(pattern)
        .fetch_all(&mut *conn)
        .await?;
        if !waiting.is_empty() {
            for id in waiting {
                // It may have ended on its own meanwhile: a failed KILL is no error.
                if sqlx::query(sqlx::AssertSqlSafe(format!("KILL CONNECTION {id}")))
                    .execute(&mut *conn)
                    .await
                    .is_ok()
                {
                    outcome.killed += 1;
                }
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    sqlx::query("ROLLBACK").execute(&mut *conn).await?;
    Ok(outcome)
}

/// What a process crash does to its database sessions: every connection on `db_name` except
/// the caller's and `keep` (a blocker's) is killed, so the server rolls back the transaction
/// the aborted tick left open (dropping the tick alone would leave it on a pooled connection,
/// holding its row locks).
pub async fn kill_sessions(
    pool: &MySqlPool,
    db_name: &str,
    keep: &[i64],
) -> Result<u32, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT CAST(ID AS SIGNED) FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
    )
    .bind(db_name)
    .fetch_all(&mut *conn)
    .await?;
    let mut killed = 0;
    for id in ids.into_iter().filter(|id| !keep.contains(id)) {
        if sqlx::query(sqlx::AssertSqlSafe(format!("KILL CONNECTION {id}")))
            .execute(&mut *conn)
            .await
            .is_ok()
        {
            killed += 1;
        }
    }
    Ok(killed)
}

/// The id of the `row`-th row (oldest first) of the programación's campaign.
async fn nth_row(pool: &MySqlPool, fault: DbFault) -> Result<i64, sqlx::Error> {
    let ids: Vec<i32> = sqlx::query_scalar(
        "SELECT e.id FROM ll_envios_whatsapp e JOIN ll_programaciones p ON p.campania_id = e.campania_id
         WHERE p.id = ? ORDER BY e.id",
    )
    .bind(fault.programacion)
    .fetch_all(pool)
    .await?;
    Ok(ids
        .get(fault.row.min(ids.len().saturating_sub(1)))
        .copied()
        .map_or(0, i64::from))
}

//! The connection a lane records its sends on, kept from one send's transaction to the next
//! so that a confirmed send costs one round trip (no pool checkout, no ping).

use std::time::{Duration, Instant};

use sqlx::MySqlPool;
use sqlx::mysql::MySql;
use sqlx::pool::PoolConnection;

/// A connection idle longer than this goes back to the pool, and the next transaction takes
/// one the pool checks first: with production pacing (30–90 s between sends) the server may
/// close an idle session, and a transaction sent on a dead one ends as an unknown outcome.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// The lane's recording connection, when it holds one.
#[derive(Default)]
pub(super) struct RecordingConn {
    held: Option<(PoolConnection<MySql>, Instant)>,
}

impl RecordingConn {
    /// Give the connection back before any other statement of the batch: a lane that held it
    /// while it waited for a second one would starve the pool once lanes outnumber its
    /// connections.
    pub(super) fn park(&mut self) {
        self.held = None;
    }

    /// The held connection if it was used a moment ago, else one from the pool (checked).
    pub(super) async fn take(
        &mut self,
        pool: &MySqlPool,
    ) -> Result<PoolConnection<MySql>, sqlx::Error> {
        match self.held.take() {
            Some((conn, used)) if used.elapsed() < FRESH_FOR => Ok(conn),
            _ => pool.acquire().await,
        }
    }

    /// Keep `conn` for the next send's transaction.
    pub(super) fn keep(&mut self, conn: PoolConnection<MySql>) {
        self.held = Some((conn, Instant::now()));
    }
}

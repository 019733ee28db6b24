//! The database side of `lmh doctor`: read a LeadMaster database (production's, typically)
//! through a read-only pool and say what the scheduler would make of it.
//!
//! - [`probe_schema`]: every table, column (type family), enum value and unique key the
//!   scheduler needs (docs/system.md §4), read from `information_schema`; the missing or different
//!   ones named exactly, with what breaks.
//! - [`next_tick`]: what the next tick would do for each approved programación, judged by the
//!   domain's gates (the functions the scheduler calls, in its order) in the business time
//!   zone, with the client's session as the adapter reads it. Nothing is sent, claimed or
//!   written.
//! - [`stuck`]: invariant 16, rows that everything says should go and that stay `pendiente`,
//!   with the root cause (the seed incident: every tick aborts because the session cannot be
//!   read).
//! - [`to_checks`] and [`diagnosis`]: the same as report checks (areas `db` and `scheduler`) and
//!   as the few lines the seed's diagnosis reached by hand.
//!
//! Every entry point refuses a pool whose sessions are not read-only: use
//! [`crate::db::connect_read_only`].
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use lmh::adapter::{ClientConfig, SessionManagerClient};
//! let pool = lmh::db::connect_read_only("mysql://reader@db.example:3306/leadmaster").await?;
//! let client = SessionManagerClient::new(ClientConfig::new("http://127.0.0.1:3001"))?;
//! let found = lmh::doctor::examine(
//!     &pool,
//!     &client,
//!     chrono::Utc::now(),
//!     lmh::domain::DEFAULT_TZ,
//!     &lmh::doctor::StuckOptions::default(),
//! )
//! .await?;
//! for line in found.diagnosis() {
//!     println!("{line}");
//! }
//! # Ok(()) }
//! ```

mod consumer;
mod diagnosis;
mod schema;
mod stuck;
mod summary;
mod tick;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::MySqlPool;

use crate::adapter::SessionManagerClient;
use crate::report::Check;

pub use crate::domain::Skip;
pub use consumer::{ConsumerBlocker, consumer_blockers, not_checked_line};
pub use diagnosis::{diagnosis, diagnosis_with};
pub use schema::{
    CLAIM_TABLE, FindingKind, SchemaFinding, SchemaReport, Severity, TABLES, probe_schema,
};
pub use stuck::{Stuck, StuckCause, StuckOptions, TimestampZone, stuck};
pub use summary::{
    AREA_DB, AREA_SCHEDULER, next_tick_checks, next_tick_checks_with, schema_checks, to_checks,
    to_checks_with,
};
pub use tick::{
    Lock, NextTick, Pending, ProgramacionPreview, SessionCheck, SessionProblem, TimestampSource,
    Verdict, describe_session_error, next_tick,
};

/// Why the doctor could not read the database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DoctorError {
    /// The pool's sessions accept writes; the doctor only reads through read-only sessions.
    #[error(
        "refusing to read {database} through a connection that accepts writes: the doctor only uses read-only sessions (connect with lmh::db::connect_read_only)"
    )]
    NotReadOnly {
        /// The database the pool points at.
        database: String,
    },
    /// The URL named no database, so there is nothing to examine.
    #[error(
        "the database URL names no database: add it to the URL, e.g. mysql://user@host:3306/leadmaster"
    )]
    NoDatabase,
    /// A statement failed.
    #[error("{doing} failed: {reason}")]
    Query {
        /// What the doctor was reading.
        doing: String,
        /// The server's message.
        reason: String,
    },
    /// The database lacks columns the preview must read.
    #[error(
        "cannot preview the next tick on {database}: it lacks {}; see the schema checks",
        missing.join(", ")
    )]
    Schema {
        /// The database.
        database: String,
        /// `table.column` items missing.
        missing: Vec<String>,
    },
}

pub(crate) fn query_failed(doing: &str) -> impl FnOnce(sqlx::Error) -> DoctorError + '_ {
    move |e| DoctorError::Query {
        doing: doing.to_string(),
        reason: e.to_string(),
    }
}

/// The pool's current database, or [`DoctorError::NoDatabase`].
pub(crate) async fn current_database(pool: &MySqlPool) -> Result<String, DoctorError> {
    let db: Option<String> = sqlx::query_scalar("SELECT CAST(DATABASE() AS CHAR)")
        .fetch_one(pool)
        .await
        .map_err(query_failed("SELECT DATABASE()"))?;
    db.ok_or(DoctorError::NoDatabase)
}

/// Fail unless the pool's sessions are read-only (`SET SESSION TRANSACTION READ ONLY`), so
/// that nothing the doctor runs can write. MySQL 8 and MariaDB ≥ 11.1 name the variable
/// `transaction_read_only`, MariaDB 10.x `tx_read_only`.
pub async fn require_read_only(pool: &MySqlPool) -> Result<(), DoctorError> {
    let modern: Result<i64, sqlx::Error> =
        sqlx::query_scalar("SELECT CAST(@@session.transaction_read_only AS SIGNED)")
            .fetch_one(pool)
            .await;
    let read_only = match modern {
        Ok(v) => v,
        Err(_) => sqlx::query_scalar("SELECT CAST(@@session.tx_read_only AS SIGNED)")
            .fetch_one(pool)
            .await
            .map_err(query_failed("reading @@session.tx_read_only"))?,
    };
    if read_only == 1 {
        return Ok(());
    }
    let database = current_database(pool)
        .await
        .unwrap_or_else(|_| "(no database)".into());
    Err(DoctorError::NotReadOnly { database })
}

/// Everything the database side of the doctor found.
#[derive(Debug, Clone)]
pub struct DbDoctor {
    /// The schema probe.
    pub schema: SchemaReport,
    /// The next-tick preview, or why it could not be made.
    pub next: Result<NextTick, DoctorError>,
    /// The stuck programaciones (empty when there is no preview).
    pub stuck: Vec<Stuck>,
    /// What in central-hub's own code stops every tick before it sends (read from its
    /// source by [`crate::source`]); `None` when nothing does or the code was not read.
    pub blocker: Option<String>,
}

impl DbDoctor {
    /// Every check: schema, sessions, programaciones; a preview that failed is one skip.
    pub fn checks(&self) -> Vec<Check> {
        let mut checks = to_checks_with(
            &self.schema,
            self.next.as_ref().ok(),
            &self.stuck,
            self.blocker.as_deref(),
        );
        if let Err(e) = &self.next {
            checks.push(Check::skip(AREA_SCHEDULER, "next tick", e.to_string()));
        }
        checks
    }

    /// The few-line summary.
    pub fn diagnosis(&self) -> Vec<String> {
        let mut lines = diagnosis_with(
            &self.schema,
            self.next.as_ref().ok(),
            &self.stuck,
            self.blocker.as_deref(),
        );
        if let Err(e) = &self.next {
            lines.push(format!("next tick not previewed: {e}"));
        }
        lines
    }
}

/// Probe the schema, preview the next tick at `now` and find what is stuck, in one call. Fails
/// only when the database cannot be read at all (not read-only, no database, no schema access).
pub async fn examine(
    pool: &MySqlPool,
    client: &SessionManagerClient,
    now: DateTime<Utc>,
    tz: Tz,
    options: &StuckOptions,
) -> Result<DbDoctor, DoctorError> {
    let schema = probe_schema(pool).await?;
    let next = next_tick(pool, client, now, tz).await;
    let stuck = match &next {
        Ok(n) => stuck(n, options),
        Err(_) => Vec::new(),
    };
    Ok(DbDoctor {
        schema,
        next,
        stuck,
        blocker: None,
    })
}

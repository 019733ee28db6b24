//! The schema probe: does the connected database have every table, column, enum value and key
//! the scheduler reads or writes (docs/system.md §4)? Read from `information_schema` only.
//!
//! - `requirements`: what the scheduler needs, item by item, and what breaks without each;
//! - `catalog`: what the database has; `checks`: one against the other.

mod catalog;
mod checks;
mod requirements;

use sqlx::MySqlPool;

use super::{DoctorError, current_database, query_failed, require_read_only};
use catalog::Catalog;
use checks::Probe;

pub use requirements::TABLES;

/// lmh's own claim table; a production database does not have it.
pub const CLAIM_TABLE: &str = "lmh_envio_intentos";

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The scheduler cannot work correctly on this database.
    Error,
    /// It works, with a limitation worth fixing.
    Warning,
    /// Worth knowing; nothing wrong.
    Info,
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingKind {
    /// A table the scheduler needs is absent.
    MissingTable,
    /// A column the scheduler needs is absent.
    MissingColumn,
    /// A column exists with a type of another family.
    WrongType {
        /// What the scheduler needs.
        expected: String,
        /// `COLUMN_TYPE` as the server reports it.
        found: String,
    },
    /// An enum column lacks a value the scheduler writes or reads.
    MissingEnumValue {
        /// The absent value.
        value: String,
    },
    /// A unique key the scheduler relies on is absent.
    MissingUniqueKey {
        /// Its columns.
        columns: Vec<String>,
    },
    /// A text column cannot hold every character (not utf8mb4).
    Charset {
        /// The column's character set.
        found: String,
    },
    /// lmh's own claim table, present or not (never an error).
    ClaimTable {
        /// Whether it is there.
        present: bool,
    },
}

/// One thing the probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFinding {
    /// How much it matters.
    pub severity: Severity,
    /// `table`, `table.column` or `table UNIQUE(a, b)`.
    pub item: String,
    /// What is wrong.
    pub kind: FindingKind,
    /// One line naming the item and what breaks.
    pub message: String,
}

/// What [`probe_schema`] found in the connected database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaReport {
    /// The database probed (`DATABASE()`).
    pub database: String,
    /// `VERSION()` of the server.
    pub server_version: String,
    /// How many tables, columns, enum values and keys were checked.
    pub checked: usize,
    /// Everything missing or different, plus information; empty of errors when all is there.
    pub findings: Vec<SchemaFinding>,
}

impl SchemaReport {
    /// True when nothing the scheduler needs is missing or different.
    pub fn is_ok(&self) -> bool {
        self.errors().next().is_none()
    }

    /// The findings of `Severity::Error`.
    pub fn errors(&self) -> impl Iterator<Item = &SchemaFinding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// The findings of `Severity::Warning`.
    pub fn warnings(&self) -> impl Iterator<Item = &SchemaFinding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    /// Whether lmh's own claim table is present (a database lmh's scheduler has run on).
    pub fn has_claim_table(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.kind == FindingKind::ClaimTable { present: true })
    }
}

/// Read the connected database's tables, columns and unique keys from `information_schema`
/// and name everything the scheduler needs that is missing or different. Extra tables and
/// columns are fine. Refuses a pool whose sessions are not read-only.
pub async fn probe_schema(pool: &MySqlPool) -> Result<SchemaReport, DoctorError> {
    require_read_only(pool).await?;
    let database = current_database(pool).await?;
    let server_version: String = sqlx::query_scalar("SELECT CAST(VERSION() AS CHAR)")
        .fetch_one(pool)
        .await
        .map_err(query_failed("reading the server version"))?;
    let probe = Probe::run(&Catalog::read(pool).await?);
    Ok(SchemaReport {
        database,
        server_version,
        checked: probe.checked,
        findings: probe.findings,
    })
}

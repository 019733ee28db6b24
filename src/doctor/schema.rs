//! The schema probe: does the connected database have every table, column, enum value and key
//! the scheduler reads or writes (docs/system.md §4)? Read from `information_schema` only.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::MySqlPool;

use super::{DoctorError, current_database, query_failed, require_read_only};

/// lmh's own claim table; a production database does not have it.
pub const CLAIM_TABLE: &str = "lmh_envio_intentos";

/// The tables the scheduler needs, in the order findings are reported.
pub const TABLES: [(&str, &str); 5] = [
    (
        "ll_campanias_whatsapp",
        "the scheduler cannot tell whether a campaign is en_progreso (invariant 15)",
    ),
    (
        "ll_programaciones",
        "the scheduler has no programación to run, so nothing is ever sent",
    ),
    (
        "ll_programacion_envios_diarios",
        "the scheduler cannot count today's sends, so cupo_diario is not enforced (invariant 12)",
    ),
    (
        "ll_envios_whatsapp",
        "there are no rows to send and nowhere to record a send",
    ),
    (
        "ll_envios_whatsapp_historial",
        "state changes cannot be audited (invariant 11)",
    ),
];

/// What kind of column a requirement accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// tinyint .. bigint.
    Integer,
    /// char, varchar and the text types.
    Text,
    /// date.
    Date,
    /// time.
    Time,
    /// datetime or timestamp.
    DateTime,
    /// An enum holding at least these values.
    Enum(&'static [(&'static str, &'static str)]),
    /// Free text, or an enum holding at least these values.
    TextOrEnum(&'static [(&'static str, &'static str)]),
}

impl Family {
    fn accepts(self, data_type: &str) -> bool {
        let t = data_type.to_ascii_lowercase();
        let text = matches!(
            t.as_str(),
            "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext"
        );
        match self {
            Family::Integer => matches!(
                t.as_str(),
                "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint"
            ),
            Family::Text => text,
            Family::Date => t == "date",
            Family::Time => t == "time",
            Family::DateTime => t == "datetime" || t == "timestamp",
            Family::Enum(_) => t == "enum",
            Family::TextOrEnum(_) => text || t == "enum",
        }
    }

    fn expected(self) -> String {
        match self {
            Family::Integer => "an integer column".into(),
            Family::Text => "a text column (varchar or text)".into(),
            Family::Date => "a date column".into(),
            Family::Time => "a time column".into(),
            Family::DateTime => "a datetime or timestamp column".into(),
            Family::Enum(values) => format!("enum({})", quoted(values)),
            Family::TextOrEnum(values) => format!("a text column or enum({})", quoted(values)),
        }
    }
}

fn quoted(values: &[(&str, &str)]) -> String {
    values
        .iter()
        .map(|(v, _)| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(",")
}

/// One column the scheduler needs, and what breaks without it.
struct ColumnReq {
    table: &'static str,
    column: &'static str,
    family: Family,
    /// A missing optional column is a warning, not an error.
    optional: bool,
    why: &'static str,
}

const ESTADO_ENVIO: &[(&str, &str)] = &[
    ("pendiente", "new rows cannot wait to be sent"),
    (
        "enviado",
        "the scheduler cannot record a confirmed send (invariant 8)",
    ),
    (
        "error",
        "the scheduler cannot mark a refused recipient, so it retries it forever (invariant 10)",
    ),
];
const ESTADO_HISTORIAL: &[(&str, &str)] = &[
    (
        "pendiente",
        "the audit cannot record that state (invariant 11)",
    ),
    (
        "enviado",
        "the audit cannot record that state (invariant 11)",
    ),
    ("error", "the audit cannot record that state (invariant 11)"),
];
const ESTADO_PROGRAMACION: &[(&str, &str)] = &[(
    "aprobada",
    "no programación can be approved, so the scheduler never runs one (invariant 15)",
)];
const ESTADO_CAMPANIA: &[(&str, &str)] = &[(
    "en_progreso",
    "no campaign can be started, so nothing is ever sent (invariant 15)",
)];

const fn req(
    table: &'static str,
    column: &'static str,
    family: Family,
    why: &'static str,
) -> ColumnReq {
    ColumnReq {
        table,
        column,
        family,
        optional: false,
        why,
    }
}

/// A column only lmh's reference scheduler needs: central-hub's own scheduler (and the
/// seed-era production schema) does without it, so its absence is a warning, never the verdict.
const fn lmh_only(
    table: &'static str,
    column: &'static str,
    family: Family,
    why: &'static str,
) -> ColumnReq {
    ColumnReq {
        table,
        column,
        family,
        optional: true,
        why,
    }
}

const COLUMNS: &[ColumnReq] = &[
    req(
        "ll_campanias_whatsapp",
        "id",
        Family::Integer,
        "programaciones cannot name their campaign",
    ),
    req(
        "ll_campanias_whatsapp",
        "estado",
        Family::Enum(ESTADO_CAMPANIA),
        "the scheduler sends only campaigns en_progreso (invariant 15)",
    ),
    ColumnReq {
        table: "ll_campanias_whatsapp",
        column: "fecha_creacion",
        family: Family::DateTime,
        optional: true,
        why: "lmh doctor cannot date pendiente rows when there is no historial",
    },
    req(
        "ll_programaciones",
        "id",
        Family::Integer,
        "the daily counter cannot name its programación",
    ),
    req(
        "ll_programaciones",
        "campania_id",
        Family::Integer,
        "the scheduler cannot find the campaign to send",
    ),
    req(
        "ll_programaciones",
        "cliente_id",
        Family::Integer,
        "the scheduler cannot tell whose WhatsApp session sends (sender_{cliente_id})",
    ),
    req(
        "ll_programaciones",
        "dias_semana",
        Family::Text,
        "the scheduler cannot tell which weekdays it runs",
    ),
    req(
        "ll_programaciones",
        "hora_inicio",
        Family::Time,
        "the scheduler cannot tell when the window opens (invariant 14)",
    ),
    req(
        "ll_programaciones",
        "hora_fin",
        Family::Time,
        "the scheduler cannot tell when the window closes (invariant 14)",
    ),
    req(
        "ll_programaciones",
        "cupo_diario",
        Family::Integer,
        "the scheduler has no daily quota (invariant 12)",
    ),
    req(
        "ll_programaciones",
        "fecha_inicio",
        Family::Date,
        "the scheduler cannot tell when the programación starts",
    ),
    req(
        "ll_programaciones",
        "fecha_fin",
        Family::Date,
        "the scheduler cannot tell when the programación ends",
    ),
    req(
        "ll_programaciones",
        "estado",
        Family::Enum(ESTADO_PROGRAMACION),
        "the scheduler cannot tell approved programaciones (invariant 15)",
    ),
    req(
        "ll_programaciones",
        "locked_at",
        Family::DateTime,
        "a lock cannot expire, so a dead scheduler blocks its programación forever (invariant 13)",
    ),
    req(
        "ll_programaciones",
        "locked_by",
        Family::Text,
        "two schedulers on one database can send the same rows (invariant 13)",
    ),
    req(
        "ll_programacion_envios_diarios",
        "programacion_id",
        Family::Integer,
        "the daily counter cannot name its programación (invariant 12)",
    ),
    req(
        "ll_programacion_envios_diarios",
        "fecha",
        Family::Date,
        "the daily counter cannot name its day (invariant 12)",
    ),
    req(
        "ll_programacion_envios_diarios",
        "enviados",
        Family::Integer,
        "the scheduler cannot count today's sends (invariant 12)",
    ),
    req(
        "ll_envios_whatsapp",
        "id",
        Family::Integer,
        "rows cannot be sent oldest first nor told apart",
    ),
    req(
        "ll_envios_whatsapp",
        "campania_id",
        Family::Integer,
        "the scheduler cannot find a campaign's rows",
    ),
    req(
        "ll_envios_whatsapp",
        "telefono_wapp",
        Family::Text,
        "the scheduler has no number to send to",
    ),
    req(
        "ll_envios_whatsapp",
        "mensaje_final",
        Family::Text,
        "the scheduler has no text to send (invariant 18)",
    ),
    req(
        "ll_envios_whatsapp",
        "estado",
        Family::Enum(ESTADO_ENVIO),
        "the scheduler cannot tell pendiente rows from sent ones (invariant 11)",
    ),
    req(
        "ll_envios_whatsapp",
        "fecha_envio",
        Family::DateTime,
        "the scheduler cannot record when a row was sent (invariant 8)",
    ),
    lmh_only(
        "ll_envios_whatsapp",
        "message_id",
        Family::Text,
        "lmh's reference scheduler records the provider's id there (invariant 8); central-hub's \
         own scheduler does not use it and the seed-era schema has no such column, so rows still \
         go: add it only to run lmh's scheduler on this database",
    ),
    req(
        "ll_envios_whatsapp_historial",
        "envio_id",
        Family::Integer,
        "an audit row cannot name its envio (invariant 11)",
    ),
    req(
        "ll_envios_whatsapp_historial",
        "estado_anterior",
        Family::TextOrEnum(ESTADO_HISTORIAL),
        "the audit cannot record the state a row left (invariant 11)",
    ),
    req(
        "ll_envios_whatsapp_historial",
        "estado_nuevo",
        Family::TextOrEnum(ESTADO_HISTORIAL),
        "the audit cannot record the state a row entered (invariant 11)",
    ),
    req(
        "ll_envios_whatsapp_historial",
        "origen",
        Family::Text,
        "the audit cannot record who changed the row (invariant 11)",
    ),
    req(
        "ll_envios_whatsapp_historial",
        "detalle",
        Family::Text,
        "the audit cannot record why the row changed (invariant 11)",
    ),
    req(
        "ll_envios_whatsapp_historial",
        "created_at",
        Family::DateTime,
        "the audit cannot record when the row changed (invariant 11)",
    ),
];

/// The unique keys the scheduler relies on: `(table, columns, what breaks without it)`.
const UNIQUE_KEYS: [(&str, &[&str], &str); 2] = [
    (
        "ll_programacion_envios_diarios",
        &["programacion_id", "fecha"],
        "the counter's upsert adds a second row for the same day instead of counting, so cupo_diario is not enforced (invariant 12)",
    ),
    (
        "ll_envios_whatsapp",
        &["campania_id", "telefono_wapp"],
        "the same number can be queued twice in one campaign and receive the message twice",
    ),
];

/// Columns whose text must survive byte for byte (accents, emoji): utf8mb4 expected.
const UTF8MB4_COLUMNS: [(&str, &str); 1] = [("ll_envios_whatsapp", "mensaje_final")];

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

/// A column as `information_schema.COLUMNS` describes it.
struct ColumnInfo {
    data_type: String,
    column_type: String,
    charset: Option<String>,
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

    let tables: BTreeSet<String> = sqlx::query_scalar(
        "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
    )
    .fetch_all(pool)
    .await
    .map_err(query_failed("listing tables in information_schema.TABLES"))?
    .into_iter()
    .collect();

    let rows: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR),
                CAST(COLUMN_TYPE AS CHAR), CAST(CHARACTER_SET_NAME AS CHAR)
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
    )
    .fetch_all(pool)
    .await
    .map_err(query_failed(
        "listing columns in information_schema.COLUMNS",
    ))?;
    let columns: BTreeMap<(String, String), ColumnInfo> = rows
        .into_iter()
        .map(|(t, c, data_type, column_type, charset)| {
            (
                (t, c),
                ColumnInfo {
                    data_type,
                    column_type,
                    charset,
                },
            )
        })
        .collect();

    let key_rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR)
         FROM information_schema.STATISTICS
         WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
    )
    .fetch_all(pool)
    .await
    .map_err(query_failed(
        "listing unique keys in information_schema.STATISTICS",
    ))?;
    let mut unique_keys: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (table, index, column) in key_rows {
        unique_keys
            .entry((table, index))
            .or_default()
            .insert(column);
    }

    let mut findings = Vec::new();
    let mut checked = 0;
    for (table, why) in TABLES {
        checked += 1;
        if !tables.contains(table) {
            findings.push(SchemaFinding {
                severity: Severity::Error,
                item: table.to_string(),
                kind: FindingKind::MissingTable,
                message: format!("table {table} missing: {why}"),
            });
        }
    }
    for req in COLUMNS {
        if !tables.contains(req.table) {
            continue; // reported once, as the table
        }
        checked += 1;
        let item = format!("{}.{}", req.table, req.column);
        let Some(info) = columns.get(&(req.table.to_string(), req.column.to_string())) else {
            findings.push(SchemaFinding {
                severity: if req.optional {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                message: format!("{item} missing: {}", req.why),
                item,
                kind: FindingKind::MissingColumn,
            });
            continue;
        };
        if !req.family.accepts(&info.data_type) {
            let expected = req.family.expected();
            findings.push(SchemaFinding {
                severity: Severity::Error,
                message: format!(
                    "{item} is {}, expected {expected}: {}",
                    info.column_type, req.why
                ),
                item,
                kind: FindingKind::WrongType {
                    expected,
                    found: info.column_type.clone(),
                },
            });
            continue;
        }
        let values = match req.family {
            Family::Enum(v) => v,
            Family::TextOrEnum(v) if info.data_type.eq_ignore_ascii_case("enum") => v,
            _ => continue,
        };
        let present = enum_values(&info.column_type);
        for (value, why) in values {
            checked += 1;
            if !present.iter().any(|p| p == value) {
                findings.push(SchemaFinding {
                    severity: Severity::Error,
                    item: item.clone(),
                    kind: FindingKind::MissingEnumValue {
                        value: value.to_string(),
                    },
                    message: format!("{item} enum lacks '{value}': {why}"),
                });
            }
        }
    }
    for (table, key, why) in UNIQUE_KEYS {
        if !tables.contains(table) {
            continue;
        }
        checked += 1;
        let wanted: BTreeSet<String> = key.iter().map(|c| c.to_string()).collect();
        let found = unique_keys
            .iter()
            .any(|((t, _), cols)| t == table && *cols == wanted);
        if !found {
            let item = format!("{table} UNIQUE({})", key.join(", "));
            let others: Vec<String> = unique_keys
                .iter()
                .filter(|((t, _), _)| t == table)
                .map(|((_, index), cols)| {
                    format!(
                        "{index}({})",
                        cols.iter().cloned().collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            let has = if others.is_empty() {
                String::new()
            } else {
                format!(" (its unique keys: {})", others.join(", "))
            };
            findings.push(SchemaFinding {
                severity: Severity::Error,
                message: format!("{item} missing{has}: {why}"),
                item,
                kind: FindingKind::MissingUniqueKey {
                    columns: key.iter().map(|c| c.to_string()).collect(),
                },
            });
        }
    }
    for (table, column) in UTF8MB4_COLUMNS {
        let Some(info) = columns.get(&(table.to_string(), column.to_string())) else {
            continue;
        };
        let Some(charset) = &info.charset else {
            continue;
        };
        checked += 1;
        if charset != "utf8mb4" {
            let item = format!("{table}.{column}");
            findings.push(SchemaFinding {
                severity: Severity::Warning,
                message: format!(
                    "{item} is {charset}, not utf8mb4: emoji and other characters outside it cannot be stored, so the text sent may differ from the one meant (invariant 18)"
                ),
                item,
                kind: FindingKind::Charset {
                    found: charset.clone(),
                },
            });
        }
    }
    let present = tables.contains(CLAIM_TABLE);
    findings.push(SchemaFinding {
        severity: Severity::Info,
        item: CLAIM_TABLE.to_string(),
        kind: FindingKind::ClaimTable { present },
        message: if present {
            format!(
                "{CLAIM_TABLE} present: lmh's reference scheduler has run on this database (its claims are counted)"
            )
        } else {
            format!(
                "{CLAIM_TABLE} absent: it is lmh's own claim table, not a production one; nothing missing"
            )
        },
    });
    Ok(SchemaReport {
        database,
        server_version,
        checked,
        findings,
    })
}

/// The values of an `enum('a','b')` column type; `''` inside a value is one quote.
pub(crate) fn enum_values(column_type: &str) -> Vec<String> {
    let Some(rest) = column_type
        .trim()
        .strip_prefix("enum(")
        .or_else(|| column_type.trim().strip_prefix("ENUM("))
    else {
        return Vec::new();
    };
    let mut values = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        match chars.next() {
            Some('\'') => {
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            value.push('\'');
                        }
                        Some('\'') | None => break,
                        Some(c) => value.push(c),
                    }
                }
                values.push(value);
            }
            Some(',') | Some(' ') => continue,
            _ => break,
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_enum_values() {
        assert_eq!(
            enum_values("enum('pendiente','enviado','error')"),
            ["pendiente", "enviado", "error"]
        );
        assert_eq!(enum_values("enum('it''s','b')"), ["it's", "b"]);
        assert_eq!(enum_values("ENUM('x')"), ["x"]);
        assert!(enum_values("varchar(20)").is_empty());
        assert_eq!(enum_values("enum('')"), [""]);
    }

    #[test]
    fn families_accept_their_types() {
        assert!(Family::Integer.accepts("bigint"));
        assert!(!Family::Integer.accepts("varchar"));
        assert!(Family::DateTime.accepts("TIMESTAMP"));
        assert!(Family::TextOrEnum(ESTADO_HISTORIAL).accepts("enum"));
        assert!(Family::TextOrEnum(ESTADO_HISTORIAL).accepts("varchar"));
        assert!(!Family::Enum(ESTADO_ENVIO).accepts("varchar"));
    }
}

//! What the scheduler needs of the schema, item by item, and what breaks without each:
//! tables, columns (by type family), enum values, unique keys, utf8mb4 text.

use crate::domain::{EstadoCampania, EstadoEnvio, EstadoProgramacion};

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
pub(super) enum Family {
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
    pub(super) fn accepts(self, data_type: &str) -> bool {
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

    pub(super) fn expected(self) -> String {
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
pub(super) struct ColumnReq {
    pub(super) table: &'static str,
    pub(super) column: &'static str,
    pub(super) family: Family,
    /// A missing optional column is a warning, not an error.
    pub(super) optional: bool,
    pub(super) why: &'static str,
}

const ESTADO_ENVIO: &[(&str, &str)] = &[
    (
        EstadoEnvio::Pendiente.as_str(),
        "new rows cannot wait to be sent",
    ),
    (
        EstadoEnvio::Enviado.as_str(),
        "the scheduler cannot record a confirmed send (invariant 8)",
    ),
    (
        EstadoEnvio::Error.as_str(),
        "the scheduler cannot mark a refused recipient, so it retries it forever (invariant 10)",
    ),
];
const AUDIT: &str = "the audit cannot record that state (invariant 11)";
pub(super) const ESTADO_HISTORIAL: &[(&str, &str)] = &[
    (EstadoEnvio::Pendiente.as_str(), AUDIT),
    (EstadoEnvio::Enviado.as_str(), AUDIT),
    (EstadoEnvio::Error.as_str(), AUDIT),
];
const ESTADO_PROGRAMACION: &[(&str, &str)] = &[(
    EstadoProgramacion::Aprobada.as_str(),
    "no programación can be approved, so the scheduler never runs one (invariant 15)",
)];
const ESTADO_CAMPANIA: &[(&str, &str)] = &[(
    EstadoCampania::EnProgreso.as_str(),
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

pub(super) const COLUMNS: &[ColumnReq] = &[
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
pub(super) const UNIQUE_KEYS: [(&str, &[&str], &str); 2] = [
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
pub(super) const UTF8MB4_COLUMNS: [(&str, &str); 1] = [("ll_envios_whatsapp", "mensaje_final")];

#[cfg(test)]
mod tests {
    use super::*;

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

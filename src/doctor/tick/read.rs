//! What the preview reads, read-only: which columns exist, the approved programaciones as
//! stored (every value as text, so a NULL or a zero date is named rather than fatal), each
//! campaign's estado and rows, and today's counters.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use sqlx::mysql::MySqlRow;
use sqlx::{AssertSqlSafe, MySqlPool, Row as _};

use super::{Pending, TimestampSource};
use crate::db::rows::decode_envio;
use crate::doctor::schema::CLAIM_TABLE;
use crate::doctor::{DoctorError, query_failed};
use crate::domain::{DateRange, Envio, EstadoEnvio, EstadoProgramacion};

/// Rows read per page when counting a campaign's pendientes.
const PAGE: i64 = 1000;

/// Columns the preview cannot do without, as `(table, column)`.
const NEEDED: [(&str, &str); 19] = [
    ("ll_programaciones", "id"),
    ("ll_programaciones", "campania_id"),
    ("ll_programaciones", "cliente_id"),
    ("ll_programaciones", "dias_semana"),
    ("ll_programaciones", "hora_inicio"),
    ("ll_programaciones", "hora_fin"),
    ("ll_programaciones", "cupo_diario"),
    ("ll_programaciones", "fecha_inicio"),
    ("ll_programaciones", "fecha_fin"),
    ("ll_programaciones", "estado"),
    ("ll_campanias_whatsapp", "id"),
    ("ll_campanias_whatsapp", "estado"),
    ("ll_programacion_envios_diarios", "programacion_id"),
    ("ll_programacion_envios_diarios", "fecha"),
    ("ll_programacion_envios_diarios", "enviados"),
    ("ll_envios_whatsapp", "id"),
    ("ll_envios_whatsapp", "campania_id"),
    ("ll_envios_whatsapp", "telefono_wapp"),
    ("ll_envios_whatsapp", "estado"),
];

/// Which optional tables and columns exist.
pub(super) struct Sources {
    /// lmh's claim table (claimed rows are not sendable).
    pub(super) has_claims: bool,
    /// `ll_envios_whatsapp_historial` (rows are dated by it).
    pub(super) has_historial: bool,
    /// The programación lock columns.
    pub(super) has_lock: bool,
    has_mensaje: bool,
    has_fecha_creacion: bool,
    has_fecha_envio: bool,
}

impl Sources {
    /// Read which columns exist; fails naming every needed one that does not.
    pub(super) async fn probe(pool: &MySqlPool, database: &str) -> Result<Sources, DoctorError> {
        let present = present_columns(pool).await?;
        let has = |t: &str, c: &str| present.contains(&(t.to_string(), c.to_string()));
        let missing: Vec<String> = NEEDED
            .iter()
            .filter(|(t, c)| !has(t, c))
            .map(|(t, c)| format!("{t}.{c}"))
            .collect();
        if !missing.is_empty() {
            return Err(DoctorError::Schema {
                database: database.to_string(),
                missing,
            });
        }
        Ok(Sources {
            has_claims: has(CLAIM_TABLE, "envio_id") && has(CLAIM_TABLE, "resultado"),
            has_historial: has("ll_envios_whatsapp_historial", "envio_id")
                && has("ll_envios_whatsapp_historial", "created_at"),
            has_lock: has("ll_programaciones", "locked_by")
                && has("ll_programaciones", "locked_at"),
            has_mensaje: has("ll_envios_whatsapp", "mensaje_final"),
            has_fecha_creacion: has("ll_campanias_whatsapp", "fecha_creacion"),
            has_fecha_envio: has("ll_envios_whatsapp", "fecha_envio"),
        })
    }
}

/// Every `(table, column)` of the tables the preview reads.
async fn present_columns(pool: &MySqlPool) -> Result<BTreeSet<(String, String)>, DoctorError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR) FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN
           ('ll_programaciones', 'll_campanias_whatsapp', 'll_programacion_envios_diarios',
            'll_envios_whatsapp', 'll_envios_whatsapp_historial', 'lmh_envio_intentos')",
    )
    .fetch_all(pool)
    .await
    .map_err(query_failed(
        "listing columns in information_schema.COLUMNS",
    ))?;
    Ok(rows.into_iter().collect())
}

/// The server's `NOW() − UTC_TIMESTAMP()`: the zone its `CURRENT_TIMESTAMP` defaults use.
pub(super) async fn server_utc_offset(pool: &MySqlPool) -> Result<chrono::Duration, DoctorError> {
    let seconds: i64 =
        sqlx::query_scalar("SELECT CAST(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW()) AS SIGNED)")
            .fetch_one(pool)
            .await
            .map_err(query_failed("reading the server's UTC offset"))?;
    Ok(chrono::Duration::seconds(seconds))
}

/// A programación row as stored, before judging.
#[derive(Clone)]
pub(super) struct Row {
    pub(super) id: i64,
    pub(super) campania_id: Option<i64>,
    pub(super) cliente_id: Option<i64>,
    pub(super) dias_semana: Option<String>,
    pub(super) hora_inicio: Option<String>,
    pub(super) hora_fin: Option<String>,
    pub(super) cupo_diario: Option<i64>,
    pub(super) fecha_inicio: Option<String>,
    pub(super) fecha_fin: Option<String>,
    pub(super) locked_by: Option<String>,
    pub(super) locked_at: Option<String>,
}

type RowTuple = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Row {
    /// Its dates, or `None` when one cannot be read.
    pub(super) fn dates(&self) -> Option<DateRange> {
        let fecha_fin = match &self.fecha_fin {
            None => None,
            Some(raw) => Some(parse_date(raw)?),
        };
        Some(DateRange {
            fecha_inicio: parse_date(self.fecha_inicio.as_deref()?)?,
            fecha_fin,
        })
    }

    /// Whether its dates can be read and hold `today`.
    pub(super) fn in_date_range(&self, today: NaiveDate) -> bool {
        self.dates().is_some_and(|d| d.holds(today))
    }
}

/// Every approved programación, by id.
pub(super) async fn approved_programaciones(
    pool: &MySqlPool,
    src: &Sources,
) -> Result<Vec<Row>, DoctorError> {
    let lock_cols = if src.has_lock {
        "CAST(locked_by AS CHAR), CAST(locked_at AS CHAR)"
    } else {
        "CAST(NULL AS CHAR), CAST(NULL AS CHAR)"
    };
    let sql = format!(
        "SELECT CAST(id AS SIGNED), CAST(campania_id AS SIGNED), CAST(cliente_id AS SIGNED),
                CAST(dias_semana AS CHAR), CAST(hora_inicio AS CHAR), CAST(hora_fin AS CHAR),
                CAST(cupo_diario AS SIGNED), CAST(fecha_inicio AS CHAR), CAST(fecha_fin AS CHAR),
                {lock_cols}
         FROM ll_programaciones WHERE estado = ? ORDER BY id"
    );
    let rows: Vec<RowTuple> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(EstadoProgramacion::Aprobada.as_str())
        .fetch_all(pool)
        .await
        .map_err(query_failed("reading approved programaciones"))?;
    Ok(rows
        .into_iter()
        .map(|r| Row {
            id: r.0,
            campania_id: r.1,
            cliente_id: r.2,
            dias_semana: r.3,
            hora_inicio: r.4,
            hora_fin: r.5,
            cupo_diario: r.6,
            fecha_inicio: r.7,
            fecha_fin: r.8,
            locked_by: r.9,
            locked_at: r.10,
        })
        .collect())
}

/// Today's `enviados` of a programación (0 without a counter row).
pub(super) async fn enviados_hoy(
    pool: &MySqlPool,
    programacion_id: i64,
    today: NaiveDate,
) -> Result<i64, DoctorError> {
    let enviados: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(enviados) AS SIGNED) FROM ll_programacion_envios_diarios
         WHERE programacion_id = ? AND fecha = ?",
    )
    .bind(programacion_id)
    .bind(today)
    .fetch_one(pool)
    .await
    .map_err(query_failed("reading today's counter"))?;
    Ok(enviados.unwrap_or(0))
}

/// What the preview needs of one campaign, read once however many programaciones share it.
#[derive(Clone)]
pub(super) struct CampaignFacts {
    /// `estado`; `None` when the campaign does not exist.
    pub(super) estado: Option<String>,
    pub(super) pending: Pending,
    pub(super) last_fecha_envio: Option<NaiveDateTime>,
}

/// A campaign's estado, its pendiente rows and its latest send.
pub(super) async fn campaign_facts(
    pool: &MySqlPool,
    campania_id: i64,
    src: &Sources,
) -> Result<CampaignFacts, DoctorError> {
    let created = if src.has_fecha_creacion {
        "CAST(fecha_creacion AS CHAR)"
    } else {
        "CAST(NULL AS CHAR)"
    };
    let sql =
        format!("SELECT CAST(estado AS CHAR), {created} FROM ll_campanias_whatsapp WHERE id = ?");
    let found: Option<(Option<String>, Option<String>)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(campania_id)
        .fetch_optional(pool)
        .await
        .map_err(query_failed("reading a campaign"))?;
    let created = found
        .as_ref()
        .and_then(|(_, c)| c.as_deref())
        .and_then(parse_datetime);
    let mut pending = read_pending(pool, campania_id, src).await?;
    if let Some(oldest) = pending.oldest_id {
        pending.oldest_since = oldest_since(pool, src, oldest, created).await?;
    }
    Ok(CampaignFacts {
        estado: found.map(|(estado, _)| estado.unwrap_or_default()),
        pending,
        last_fecha_envio: last_fecha_envio(pool, campania_id, src).await?,
    })
}

/// The campaign's latest `fecha_envio` of an `enviado` row, as stored.
async fn last_fecha_envio(
    pool: &MySqlPool,
    campania_id: i64,
    src: &Sources,
) -> Result<Option<NaiveDateTime>, DoctorError> {
    if !src.has_fecha_envio {
        return Ok(None);
    }
    let s: Option<String> = sqlx::query_scalar(
        "SELECT CAST(MAX(fecha_envio) AS CHAR) FROM ll_envios_whatsapp
         WHERE campania_id = ? AND estado = ?",
    )
    .bind(campania_id)
    .bind(EstadoEnvio::Enviado.as_str())
    .fetch_one(pool)
    .await
    .map_err(query_failed("reading the latest fecha_envio"))?;
    Ok(s.as_deref().and_then(parse_datetime))
}

/// A campaign's `pendiente` rows under [`decode_envio`]'s column names, each value cast to
/// text or a number as stored, so a real installation's column types cannot fail the read;
/// with its claim's `resultado`. What a `pendiente` row has not got yet (`fecha_envio`,
/// `message_id`) is not read, so a zero date left by another writer is not fatal either.
fn pending_sql(src: &Sources) -> String {
    let (claim_col, claim_join) = if src.has_claims {
        (
            "CAST(i.resultado AS CHAR)",
            format!("LEFT JOIN {CLAIM_TABLE} i ON i.envio_id = e.id"),
        )
    } else {
        ("CAST(NULL AS CHAR)", String::new())
    };
    let mensaje = if src.has_mensaje {
        "e.mensaje_final"
    } else {
        "CAST(NULL AS CHAR)"
    };
    format!(
        "SELECT CAST(e.id AS SIGNED) AS id, CAST(e.campania_id AS SIGNED) AS campania_id,
                CAST(e.telefono_wapp AS CHAR) AS telefono_wapp, {mensaje} AS mensaje_final,
                CAST(e.estado AS CHAR) AS estado, CAST(NULL AS DATETIME) AS fecha_envio,
                CAST(NULL AS CHAR) AS message_id, {claim_col} AS resultado
         FROM ll_envios_whatsapp e {claim_join}
         WHERE e.campania_id = ? AND e.estado = ? AND e.id > ?
         ORDER BY e.id LIMIT ?"
    )
}

/// A row selected by [`pending_sql`]: the envio and its claim's `resultado`.
fn decode_pending(r: &MySqlRow) -> Result<(Envio, Option<String>), sqlx::Error> {
    Ok((decode_envio(r)?, r.try_get("resultado")?))
}

/// Count a campaign's pendiente rows page by page, each classified as the scheduler would.
async fn read_pending(
    pool: &MySqlPool,
    campania_id: i64,
    src: &Sources,
) -> Result<Pending, DoctorError> {
    let sql = pending_sql(src);
    let mut pending = Pending::default();
    let mut after = i64::MIN;
    loop {
        let page = sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(campania_id)
            .bind(EstadoEnvio::Pendiente.as_str())
            .bind(after)
            .bind(PAGE)
            .fetch_all(pool)
            .await
            .map_err(query_failed("reading pendiente rows"))?;
        let full = page.len() as i64 == PAGE;
        for row in &page {
            let (envio, claim) =
                decode_pending(row).map_err(query_failed("reading pendiente rows"))?;
            pending.add(&envio, claim.as_deref());
            after = envio.id;
        }
        if !full {
            return Ok(pending);
        }
    }
}

/// When the oldest sendable row appeared: its first historial row, else its campaign's
/// creation.
async fn oldest_since(
    pool: &MySqlPool,
    src: &Sources,
    oldest: i64,
    campaign_created: Option<NaiveDateTime>,
) -> Result<Option<(NaiveDateTime, TimestampSource)>, DoctorError> {
    let from_historial = if src.has_historial {
        let s: Option<String> = sqlx::query_scalar(
            "SELECT CAST(MIN(created_at) AS CHAR) FROM ll_envios_whatsapp_historial WHERE envio_id = ?",
        )
        .bind(oldest)
        .fetch_one(pool)
        .await
        .map_err(query_failed("reading the oldest row's historial"))?;
        s.as_deref().and_then(parse_datetime)
    } else {
        None
    };
    Ok(from_historial
        .map(|t| (t, TimestampSource::Historial))
        .or(campaign_created.map(|t| (t, TimestampSource::CampaignCreated))))
}

/// A TIME as the server prints it; `None` for an out-of-range or garbled value.
pub(super) fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M:%S%.f").ok()
}

/// A DATE as the server prints it; `None` for a zero or garbled value.
pub(super) fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// A DATETIME/TIMESTAMP as the server prints it; `None` for a zero or garbled value.
pub(super) fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_datetimes_parse() {
        assert!(parse_datetime("2026-01-13 09:00:00").is_some());
        assert!(parse_datetime("2026-01-13 09:00:00.123456").is_some());
        assert!(parse_datetime("0000-00-00 00:00:00").is_none());
        assert_eq!(parse_time("09:30:00"), NaiveTime::from_hms_opt(9, 30, 0));
        assert!(parse_time("25:00:00").is_none());
    }
}

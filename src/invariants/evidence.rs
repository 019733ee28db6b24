//! What a run left behind: every row of the tables the flow touches, read once, and the
//! journal of what the provider received.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use chrono_tz::Tz;
use sqlx::{AssertSqlSafe, MySqlPool, Row};

use crate::db::rows::{
    ENVIO_COLUMNS, INTENTO_COLUMNS, PROGRAMACION_COLUMNS, decode_envio, decode_intento,
    decode_programacion,
};
use crate::domain::{Envio, EstadoProgramacion, Intento, Programacion};
use crate::journal::JournalEntry;

/// What a row must be when the run ends (the fixtures' `expect`).
pub use crate::fixtures::Expect as Expected;

/// A row of `ll_envios_whatsapp_historial`.
#[derive(Debug, Clone)]
pub struct HistorialRow {
    /// `envio_id`.
    pub envio_id: i64,
    /// `estado_anterior`.
    pub anterior: Option<String>,
    /// `estado_nuevo`.
    pub nuevo: String,
    /// `origen`.
    pub origen: String,
}

/// An `ll_programaciones` row: what the gates read, its approval and its lock.
#[derive(Debug, Clone)]
pub struct ProgramacionRow {
    /// The columns the gates read.
    pub programacion: Programacion,
    /// `estado`, as stored.
    pub estado: String,
    /// `locked_by`.
    pub locked_by: Option<String>,
}

impl ProgramacionRow {
    /// Whether it is `aprobada` (a value outside the enum is not).
    pub fn is_aprobada(&self) -> bool {
        self.estado.parse() == Ok(EstadoProgramacion::Aprobada)
    }
}

/// Everything a run left behind.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Business time zone of the run.
    pub tz: Option<Tz>,
    /// Whether the run was a dry run.
    pub dry_run: bool,
    /// `ll_envios_whatsapp`.
    pub envios: Vec<Envio>,
    /// `ll_envios_whatsapp_historial`.
    pub historial: Vec<HistorialRow>,
    /// `ll_programaciones`.
    pub programaciones: Vec<ProgramacionRow>,
    /// Campaign id → `estado`, and cliente_id.
    pub campaigns: HashMap<i64, (String, Option<i64>)>,
    /// `(programacion_id, fecha)` → `enviados`.
    pub counters: BTreeMap<(i64, NaiveDate), i64>,
    /// Counters as they were before the run (a fixture may start a day partly used).
    pub baseline_counters: BTreeMap<(i64, NaiveDate), i64>,
    /// `lmh_envio_intentos`.
    pub intentos: Vec<Intento>,
    /// Attempts allowed per row; `None` is the scheduler's default.
    pub attempts_allowed: Option<u32>,
    /// What the provider received; `None` when nobody recorded it (a real provider): the
    /// checks that need it are skipped, never passed.
    pub journal: Option<Vec<JournalEntry>>,
    /// Whether the journal is dated by the run's own clock (the in-process mock shares the
    /// scheduler's virtual clock). If not, send times come from `fecha_envio` instead.
    pub journal_in_run_time: bool,
    /// Envio id → what it must end as.
    pub expected: HashMap<i64, Expected>,
}

impl Evidence {
    /// Read every table of the flow from `pool` (a database lmh created).
    pub async fn collect(pool: &MySqlPool) -> Result<Evidence, sqlx::Error> {
        Ok(Evidence {
            envios: read_envios(pool).await?,
            historial: read_historial(pool).await?,
            programaciones: read_programaciones(pool).await?,
            campaigns: read_campaigns(pool).await?,
            counters: read_counters(pool).await?,
            intentos: read_intentos(pool).await?,
            ..Evidence::default()
        })
    }

    /// The journal, empty when there is none.
    pub(super) fn entries(&self) -> &[JournalEntry] {
        self.journal.as_deref().unwrap_or(&[])
    }

    /// The journal's confirmed deliveries.
    pub(super) fn deliveries(&self) -> impl Iterator<Item = &JournalEntry> {
        self.entries().iter().filter(|e| e.message_id.is_some())
    }

    /// The programación whose claim sent the row.
    pub(super) fn programacion_of(&self, envio_id: i64) -> Option<&ProgramacionRow> {
        let intento = self.intentos.iter().find(|i| i.envio_id == envio_id)?;
        self.programaciones
            .iter()
            .find(|p| p.programacion.id == intento.programacion_id)
    }
}

async fn read_envios(pool: &MySqlPool) -> Result<Vec<Envio>, sqlx::Error> {
    let sql = format!("SELECT {ENVIO_COLUMNS} FROM ll_envios_whatsapp e ORDER BY e.id");
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await?;
    rows.iter().map(decode_envio).collect()
}

async fn read_historial(pool: &MySqlPool) -> Result<Vec<HistorialRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT envio_id, CAST(estado_anterior AS CHAR) AS anterior, CAST(estado_nuevo AS CHAR) AS nuevo, origen
         FROM ll_envios_whatsapp_historial ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistorialRow {
                envio_id: r.try_get::<i32, _>("envio_id")?.into(),
                anterior: r.try_get("anterior")?,
                nuevo: r.try_get::<Option<String>, _>("nuevo")?.unwrap_or_default(),
                origen: r.try_get("origen")?,
            })
        })
        .collect()
}

async fn read_programaciones(pool: &MySqlPool) -> Result<Vec<ProgramacionRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {}, CAST(estado AS CHAR) AS estado, locked_by FROM ll_programaciones ORDER BY id",
        PROGRAMACION_COLUMNS
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(ProgramacionRow {
                programacion: decode_programacion(r)?,
                estado: r
                    .try_get::<Option<String>, _>("estado")?
                    .unwrap_or_default(),
                locked_by: r.try_get("locked_by")?,
            })
        })
        .collect()
}

async fn read_campaigns(
    pool: &MySqlPool,
) -> Result<HashMap<i64, (String, Option<i64>)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, CAST(estado AS CHAR) AS estado, cliente_id FROM ll_campanias_whatsapp",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let estado = r
                .try_get::<Option<String>, _>("estado")?
                .unwrap_or_default();
            let cliente: Option<i32> = r.try_get("cliente_id")?;
            Ok((
                r.try_get::<i32, _>("id")?.into(),
                (estado, cliente.map(i64::from)),
            ))
        })
        .collect()
}

async fn read_counters(pool: &MySqlPool) -> Result<BTreeMap<(i64, NaiveDate), i64>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT programacion_id, fecha, enviados FROM ll_programacion_envios_diarios")
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|r| {
            let key = (
                r.try_get::<i32, _>("programacion_id")?.into(),
                r.try_get("fecha")?,
            );
            Ok((key, r.try_get::<i32, _>("enviados")?.into()))
        })
        .collect()
}

async fn read_intentos(pool: &MySqlPool) -> Result<Vec<Intento>, sqlx::Error> {
    let sql = format!("SELECT {INTENTO_COLUMNS} FROM lmh_envio_intentos");
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await?;
    rows.iter().map(decode_intento).collect()
}

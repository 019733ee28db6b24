//! The next-tick preview: what the scheduler would do if it ticked at `now`, judged by the
//! domain's gates (docs/system.md §5) in the scheduler's own order, without sending,
//! claiming or writing anything.
//!
//! - `read`: what the preview reads (columns present, programaciones as stored, campaigns,
//!   their rows, counters);
//! - `session`: one `GET /status` per client, and what an unreadable session means;
//! - `judge`: a programación's values, then [`crate::domain::Gate::ORDER`] on its facts.

mod judge;
mod read;
mod session;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use sqlx::MySqlPool;

use super::{DoctorError, current_database, require_read_only};
use crate::adapter::SessionManagerClient;
use crate::domain::{
    BusinessTime, Envio, Gate, PendingRows, ResultadoIntento, Skip, Unsendable, claim_holds,
};
use judge::Facts;
use read::{CampaignFacts, Row, Sources};

pub use session::{SessionCheck, SessionProblem, describe_session_error};

/// Where the timestamp dating the oldest pendiente row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampSource {
    /// The row's first `ll_envios_whatsapp_historial.created_at`.
    Historial,
    /// Its campaign's `fecha_creacion` (no historial row for it).
    CampaignCreated,
}

impl TimestampSource {
    /// `table.column` the timestamp was read from.
    pub fn column(self) -> &'static str {
        match self {
            TimestampSource::Historial => "ll_envios_whatsapp_historial.created_at",
            TimestampSource::CampaignCreated => "ll_campanias_whatsapp.fecha_creacion",
        }
    }
}

/// A campaign's `pendiente` rows as the scheduler would see them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    /// Rows with `estado = 'pendiente'`.
    pub total: i64,
    /// Unclaimed rows with a valid phone and some text: what the scheduler sends.
    pub sendable: i64,
    /// Unclaimed rows without a phone.
    pub sin_telefono: i64,
    /// Unclaimed rows whose phone is not a WhatsApp number.
    pub telefono_invalido: i64,
    /// Unclaimed rows without text.
    pub sin_texto: i64,
    /// Rows held by a claim in `lmh_envio_intentos` (lmh's scheduler skips them).
    pub claimed: i64,
    /// Of the claimed rows, those whose send outcome is unknown (a person must resolve them).
    pub outcome_unknown: i64,
    /// The oldest sendable row (lowest id: the scheduler sends oldest first).
    pub oldest_id: Option<i64>,
    /// When that row appeared, as stored (naive; see `NextTick::db_utc_offset`), and from where.
    pub oldest_since: Option<(NaiveDateTime, TimestampSource)>,
    /// Sendable (true) or not (false), unclaimed rows in id order.
    order: Vec<bool>,
}

impl Pending {
    /// Count one `pendiente` row, in id order: claimed, or classified by the domain's
    /// recipient rule as the scheduler would (a released claim is sent again).
    fn add(&mut self, envio: &Envio, claim: Option<&str>) {
        self.total += 1;
        if let Some(resultado) = claim.filter(|r| claim_holds(r)) {
            self.claimed += 1;
            if resultado.parse() == Ok(ResultadoIntento::Desconocido) {
                self.outcome_unknown += 1;
            }
            return;
        }
        let sendable = match envio.recipient() {
            Ok(_) => {
                self.sendable += 1;
                self.oldest_id.get_or_insert(envio.id);
                true
            }
            Err(Unsendable::NoPhone) => {
                self.sin_telefono += 1;
                false
            }
            Err(Unsendable::NoText) => {
                self.sin_texto += 1;
                false
            }
            Err(Unsendable::InvalidPhone(_)) => {
                self.telefono_invalido += 1;
                false
            }
        };
        self.order.push(sendable);
    }

    /// Rows the scheduler would mark `error` (no valid phone or text) instead of sending.
    pub fn unsendable(&self) -> i64 {
        self.sin_telefono + self.telefono_invalido + self.sin_texto
    }

    /// The rows as the pending gate judges them.
    pub fn rows(&self) -> PendingRows {
        PendingRows {
            unclaimed: self.sendable + self.unsendable(),
            claimed: self.claimed,
            outcome_unknown: self.outcome_unknown,
        }
    }

    /// Rows a batch limited to `left` sends would mark `error` on the way: those before the
    /// `left`-th sendable row, in id order, as the scheduler walks them.
    pub fn to_error_within(&self, left: i64) -> i64 {
        let mut sent = 0;
        let mut errors = 0;
        for sendable in &self.order {
            if sent >= left {
                break;
            }
            if *sendable {
                sent += 1;
            } else {
                errors += 1;
            }
        }
        errors
    }
}

/// A programación lock as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// `locked_by`.
    pub by: String,
    /// `locked_at`, as stored (the reference scheduler writes UTC).
    pub at: Option<NaiveDateTime>,
}

/// What the next tick would do for one programación.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Send `rows` rows, marking `to_error` rows `error` on the way (no valid phone or text).
    WouldSend {
        /// Rows sent.
        rows: i64,
        /// Rows marked error.
        to_error: i64,
    },
    /// Do nothing: this gate holds it back.
    WouldSkip(Skip),
    /// Do nothing: a value the scheduler needs cannot be read (NULL, zero date,
    /// out-of-range time), so no gate can be judged.
    Unreadable(String),
}

impl Verdict {
    /// A short label to group programaciones by.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::WouldSend { .. } => "rows to mark error only",
            Verdict::WouldSkip(skip) => skip.label(),
            Verdict::Unreadable(_) => "unreadable values",
        }
    }

    /// Rows it would send.
    pub fn rows(&self) -> i64 {
        match self {
            Verdict::WouldSend { rows, .. } => *rows,
            _ => 0,
        }
    }
}

/// One approved programación, everything the scheduler would look at, and its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramacionPreview {
    /// `id`.
    pub id: i64,
    /// `campania_id`.
    pub campania_id: i64,
    /// `cliente_id`: the session asked for is `sender_{cliente_id}`.
    pub cliente_id: i64,
    /// `dias_semana` as stored.
    pub dias_semana: String,
    /// `hora_inicio`, business-local.
    pub hora_inicio: Option<NaiveTime>,
    /// `hora_fin`, business-local.
    pub hora_fin: Option<NaiveTime>,
    /// `cupo_diario`.
    pub cupo_diario: Option<i64>,
    /// `fecha_inicio`.
    pub fecha_inicio: Option<NaiveDate>,
    /// `fecha_fin`; `None` is open-ended (or unreadable, then the verdict says so).
    pub fecha_fin: Option<NaiveDate>,
    /// Today (business zone) within `[fecha_inicio, fecha_fin]`.
    pub in_date_range: bool,
    /// Today's weekday in `dias_semana` (the domain's `runs_on`).
    pub runs_today: bool,
    /// Now within `[hora_inicio, hora_fin]` (the domain's `Window`).
    pub in_window: bool,
    /// `dias_semana` entries the scheduler does not read as a weekday.
    pub unknown_days: Vec<String>,
    /// The programación's lock, if one is held.
    pub lock: Option<Lock>,
    /// The client's session.
    pub session: SessionCheck,
    /// The campaign's `estado`; `None` when the campaign does not exist.
    pub campaign_estado: Option<String>,
    /// The campaign's `pendiente` rows.
    pub pending: Pending,
    /// Today's `enviados` in `ll_programacion_envios_diarios`.
    pub enviados_hoy: i64,
    /// `cupo_diario − enviados_hoy`, when `cupo_diario` is readable.
    pub quota_left: Option<i64>,
    /// The campaign's latest `fecha_envio`, as stored.
    pub last_fecha_envio: Option<NaiveDateTime>,
    /// What the next tick would do.
    pub verdict: Verdict,
    /// The gates that do not pass (all of them when a value cannot be read).
    failing: Vec<Gate>,
}

impl ProgramacionPreview {
    /// Whether every gate but the session passes and there are rows to send.
    pub fn ready_but_for_session(&self) -> bool {
        self.failing.iter().all(|g| *g == Gate::Session) && self.pending.sendable > 0
    }

    /// The verdict as one line: `would send N` or `would skip: <reason>`.
    pub fn verdict_line(&self) -> String {
        match &self.verdict {
            Verdict::WouldSend { rows, to_error: 0 } => format!("would send {rows}"),
            Verdict::WouldSend { rows, to_error } => {
                format!("would send {rows} and mark {to_error} error (no valid phone or text)")
            }
            Verdict::WouldSkip(skip) => format!("would skip: {skip}"),
            Verdict::Unreadable(reason) => format!("would skip: {reason}"),
        }
    }
}

/// What the scheduler would do if it ticked at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextTick {
    /// The instant judged.
    pub now: DateTime<Utc>,
    /// The business time zone window and "today" are judged in.
    pub tz: Tz,
    /// `now` in `tz`.
    pub local_now: NaiveDateTime,
    /// The database read (`DATABASE()`).
    pub database: String,
    /// The session-manager asked (the client's base URL).
    pub session_manager: String,
    /// The server's `NOW() − UTC_TIMESTAMP()`: the zone its `CURRENT_TIMESTAMP` defaults use.
    pub db_utc_offset: chrono::Duration,
    /// Whether `ll_envios_whatsapp_historial` exists (rows are dated by it).
    pub has_historial: bool,
    /// Whether lmh's claim table exists (claimed rows are not sendable).
    pub has_claims: bool,
    /// Session per `cliente_id` asked.
    pub sessions: BTreeMap<i64, SessionCheck>,
    /// Every approved programación, by id.
    pub programaciones: Vec<ProgramacionPreview>,
}

impl NextTick {
    /// Today in the business zone.
    pub fn today(&self) -> NaiveDate {
        self.local_now.date()
    }

    /// Rows the whole tick would send.
    pub fn would_send(&self) -> i64 {
        self.programaciones.iter().map(|p| p.verdict.rows()).sum()
    }

    /// The preview of programación `id`.
    pub fn programacion(&self, id: i64) -> Option<&ProgramacionPreview> {
        self.programaciones.iter().find(|p| p.id == id)
    }
}

/// Preview the next tick at `now`, in the business zone `tz`, by the domain's gates in the
/// scheduler's order: approved programaciones, date range, weekday, window, quota, the
/// client's session through `client` (only `GET /status`; note that the provider creates a
/// session for an unknown client, as it does for the scheduler), campaign and pendiente rows.
/// A programación lock (`locked_by`/`locked_at`) is reported, not judged: whether it blocks
/// depends on the running scheduler's lock timeout. Reads only; refuses a pool whose sessions
/// are not read-only.
pub async fn next_tick(
    pool: &MySqlPool,
    client: &SessionManagerClient,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<NextTick, DoctorError> {
    require_read_only(pool).await?;
    let database = current_database(pool).await?;
    let sources = Sources::probe(pool, &database).await?;
    let db_utc_offset = read::server_utc_offset(pool).await?;
    let business = BusinessTime::at(now, tz);
    let rows = read::approved_programaciones(pool, &sources).await?;
    let sessions = session::ask_sessions(client, &rows, business.today()).await;
    let programaciones =
        preview_all(pool, &sources, rows, &sessions, business, client.base_url()).await?;
    Ok(NextTick {
        now,
        tz,
        local_now: business.local,
        database,
        session_manager: client.base_url().to_string(),
        db_utc_offset,
        has_historial: sources.has_historial,
        has_claims: sources.has_claims,
        sessions,
        programaciones,
    })
}

/// Read each programación's facts (each campaign once) and judge it.
async fn preview_all(
    pool: &MySqlPool,
    sources: &Sources,
    rows: Vec<Row>,
    sessions: &BTreeMap<i64, SessionCheck>,
    now: BusinessTime,
    session_manager: &str,
) -> Result<Vec<ProgramacionPreview>, DoctorError> {
    let mut campaigns: HashMap<i64, CampaignFacts> = HashMap::new();
    let mut previews = Vec::new();
    for row in rows {
        let campania_id = row.campania_id.unwrap_or_default();
        let campaign = match campaigns.get(&campania_id) {
            Some(known) => known.clone(),
            None => {
                let read = read::campaign_facts(pool, campania_id, sources).await?;
                campaigns.insert(campania_id, read.clone());
                read
            }
        };
        let facts = Facts {
            now,
            session_manager: session_manager.to_string(),
            session: row
                .cliente_id
                .and_then(|c| sessions.get(&c).cloned())
                .unwrap_or(SessionCheck::NotAsked),
            campaign_estado: campaign.estado,
            pending: campaign.pending,
            enviados_hoy: read::enviados_hoy(pool, row.id, now.today()).await?,
            last_fecha_envio: campaign.last_fecha_envio,
        };
        previews.push(judge::judge(row, facts));
    }
    Ok(previews)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `pendiente` row of campaign 1 with this phone and text.
    pub(super) fn pendiente(id: i64, telefono: Option<&str>, mensaje: Option<&str>) -> Envio {
        Envio {
            id,
            campania_id: 1,
            telefono: telefono.map(str::to_string),
            mensaje: mensaje.map(str::to_string),
            estado: "pendiente".to_string(),
            fecha_envio: None,
            message_id: None,
        }
    }

    fn pending(order: &[bool]) -> Pending {
        Pending {
            order: order.to_vec(),
            sendable: order.iter().filter(|s| **s).count() as i64,
            ..Pending::default()
        }
    }

    #[test]
    fn rows_marked_error_are_those_before_the_last_send() {
        let p = pending(&[false, true, false, true, false]);
        assert_eq!(p.to_error_within(1), 1);
        assert_eq!(p.to_error_within(2), 2);
        assert_eq!(p.to_error_within(50), 3);
        assert_eq!(p.to_error_within(0), 0);
    }

    #[test]
    fn rows_are_classified_by_the_recipient_rule_and_claims() {
        let mut p = Pending::default();
        p.add(&pendiente(1, None, Some("hola")), None);
        p.add(&pendiente(2, Some("12"), Some("hola")), None);
        p.add(&pendiente(3, Some("5491134567890"), Some(" ")), None);
        p.add(
            &pendiente(4, Some("5491134567890"), Some("hola")),
            Some("desconocido"),
        );
        p.add(
            &pendiente(5, Some("5491134567891"), Some("hola")),
            Some("reintentar"),
        );
        assert_eq!(
            (p.sin_telefono, p.telefono_invalido, p.sin_texto),
            (1, 1, 1)
        );
        assert_eq!((p.claimed, p.outcome_unknown), (1, 1));
        assert_eq!((p.sendable, p.oldest_id), (1, Some(5)));
        assert_eq!(p.rows().unclaimed, 4);
    }
}

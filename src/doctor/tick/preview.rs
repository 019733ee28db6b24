//! What the preview says: the verdict of each approved programación, the facts it was judged
//! on, and the whole next tick.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use super::{Pending, SessionCheck};
use crate::domain::{Gate, Skip};

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
    pub(super) failing: Vec<Gate>,
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

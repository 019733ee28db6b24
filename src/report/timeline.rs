//! A fixture's run on its virtual clock, as the HTML page draws it: per programación, its rows
//! by estado after every tick, its window and quota, and what each tick decided for it.

use chrono::{NaiveDateTime, NaiveTime};
use serde::Serialize;

/// One fixture's run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timeline {
    /// The fixture's name.
    pub fixture: String,
    /// What it is about.
    pub description: String,
    /// The business time zone the times are in.
    pub tz: String,
    /// Business-local start of the virtual clock.
    pub start: NaiveDateTime,
    /// One lane per programación, in id order.
    pub lanes: Vec<Lane>,
    /// Decisions about no programación in particular (e.g. nothing approved), per tick.
    pub general: Vec<TickMark>,
    /// Whether every invariant held.
    pub passed: bool,
}

/// One programación over the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Lane {
    /// `ll_programaciones.id`.
    pub programacion_id: i64,
    /// Its campaign, whose rows it sends.
    pub campania_id: i64,
    /// Whose session sends.
    pub cliente_id: i64,
    /// Window start, business-local.
    pub hora_inicio: NaiveTime,
    /// Window end, business-local.
    pub hora_fin: NaiveTime,
    /// Weekdays it may send on, as chrono numbers from Monday = 0.
    pub weekdays: Vec<u32>,
    /// Sends allowed per business day.
    pub cupo_diario: i64,
    /// Rows of its campaign by estado: at the start, then after every tick.
    pub samples: Vec<Sample>,
    /// What each tick decided for it.
    pub ticks: Vec<TickMark>,
}

/// Rows of a campaign by estado at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// Business-local time.
    pub at: NaiveDateTime,
    /// Rows `pendiente`.
    pub pendiente: u64,
    /// Rows `enviado`.
    pub enviado: u64,
    /// Rows `error`.
    pub error: u64,
}

/// What one tick decided for one programación.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TickMark {
    /// Business-local time the tick started.
    pub at: NaiveDateTime,
    /// Rows sent (or, in a dry run, that would have been).
    pub sent: u64,
    /// Rows marked `error` (recipient refused).
    pub errors: u64,
    /// Why it sent nothing (the scheduler's event name, e.g. `skip_window`), if it skipped.
    pub skip: Option<String>,
    /// The scheduler's words for the skip, or for a stop or unknown outcome.
    pub detail: String,
}

impl Lane {
    /// Whether the window is open at `at` (weekday and hours; the end minute included).
    pub fn in_window(&self, at: NaiveDateTime) -> bool {
        use chrono::Datelike;
        let day = at.weekday().num_days_from_monday();
        let window = crate::domain::Window {
            hora_inicio: self.hora_inicio,
            hora_fin: self.hora_fin,
        };
        self.weekdays.contains(&day) && window.contains(at.time())
    }
}

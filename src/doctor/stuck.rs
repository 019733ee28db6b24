//! Stuck pending (invariant 16): rows that everything says should go, and do not.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::tick::{
    NextTick, ProgramacionPreview, SessionCheck, TimestampSource, describe_session_error,
};
use crate::domain::local_to_utc;

/// How naive DATETIME values in the database are read as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampZone {
    /// In the server's zone (`NOW() − UTC_TIMESTAMP()`), as `CURRENT_TIMESTAMP` defaults write
    /// them: production's `fecha_creacion` and historial `created_at`.
    #[default]
    Server,
    /// In the business zone, as lmh's reference scheduler writes them.
    Business,
    /// As UTC.
    Utc,
}

/// When a programación counts as stuck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StuckOptions {
    /// How long rows may wait, with everything ready, before that is a failure.
    pub threshold: Duration,
    /// How to read the database's naive timestamps.
    pub timestamps: TimestampZone,
}

impl Default for StuckOptions {
    fn default() -> Self {
        StuckOptions {
            threshold: Duration::from_secs(15 * 60),
            timestamps: TimestampZone::Server,
        }
    }
}

/// Why rows stay pendiente.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StuckCause {
    /// Everything else holds, but the session cannot be read: every tick aborts before sending
    /// (the seed incident).
    SessionUnreadable {
        /// The adapter's kind name (`transport`, `route_missing`, `protocol`, ...).
        kind: &'static str,
        /// The session-manager asked.
        base_url: String,
        /// Completes "the session-manager at URL ...".
        phrase: String,
    },
    /// Everything holds, the session is READY, and nothing has been sent for `idle`.
    NothingSent {
        /// Since when nothing happened although it should have (UTC).
        since: DateTime<Utc>,
        /// How long that is.
        idle: chrono::Duration,
    },
}

/// A programación whose rows stay pendiente, with the diagnosis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stuck {
    /// The programación.
    pub programacion_id: i64,
    /// Its client.
    pub cliente_id: i64,
    /// Its campaign.
    pub campania_id: i64,
    /// Rows the scheduler would send now.
    pub sendable: i64,
    /// Why they stay.
    pub cause: StuckCause,
    /// One line: what holds, what does not, what to do.
    pub diagnosis: String,
}

/// The eligible programaciones of `next` whose rows stay pendiente.
///
/// Eligible: approved, in date range, weekday and window, campaign `en_progreso`, quota left,
/// sendable rows. Then:
/// - the session cannot be read (refused, route missing, protocol, ...): stuck whatever the
///   rows' age, because every tick aborts before sending;
/// - the session is READY and nothing happened for longer than the threshold: stuck. "Nothing
///   happened since" is the latest of the oldest sendable row's timestamp, the window's
///   opening today, and the campaign's last `fecha_envio`; a row without a known timestamp is
///   never judged stuck this way.
pub fn stuck(next: &NextTick, options: &StuckOptions) -> Vec<Stuck> {
    next.programaciones
        .iter()
        .filter(|p| p.ready_but_for_session())
        .filter_map(|p| judge(next, p, options))
        .collect()
}

fn judge(next: &NextTick, p: &ProgramacionPreview, options: &StuckOptions) -> Option<Stuck> {
    let base = format!(
        "programación {} (cliente {}, campaign {} en_progreso): in window, {} of cupo_diario {} left, {} pendiente to send",
        p.id,
        p.cliente_id,
        p.campania_id,
        p.quota_left.unwrap_or_default(),
        p.cupo_diario.unwrap_or_default(),
        p.pending.sendable
    );
    match &p.session {
        SessionCheck::Unreadable(e) => {
            let problem = describe_session_error(e, &next.session_manager);
            let diagnosis = format!(
                "{base}, but the session-manager at {} {}: every tick aborts before sending, so rows stay pendiente; {}",
                problem.base_url, problem.phrase, problem.hint
            );
            Some(Stuck {
                programacion_id: p.id,
                cliente_id: p.cliente_id,
                campania_id: p.campania_id,
                sendable: p.pending.sendable,
                cause: StuckCause::SessionUnreadable {
                    kind: problem.kind,
                    base_url: problem.base_url,
                    phrase: problem.phrase,
                },
                diagnosis,
            })
        }
        SessionCheck::State(s) if s.can_send() => {
            let to_utc = |t: NaiveDateTime| instant(next, t, options.timestamps);
            let (row_time, source) = p.pending.oldest_since?;
            let row_since = to_utc(row_time)?;
            let window_open = local_to_utc(next.tz, next.today().and_time(p.hora_inicio?))?;
            let mut since = row_since.max(window_open);
            if let Some(last) = p.last_fecha_envio.and_then(to_utc) {
                since = since.max(last);
            }
            let idle = next.now - since;
            let threshold = chrono::Duration::from_std(options.threshold).ok()?;
            if idle <= threshold {
                return None;
            }
            let sent = match p.last_fecha_envio {
                Some(last) => format!("last fecha_envio {last}"),
                None => "never sent from this campaign".to_string(),
            };
            let lock = match &p.lock {
                Some(l) => format!(
                    "; the programación is locked by {:?} since {} (a scheduler that does not take over stale locks never runs it, invariant 13)",
                    l.by,
                    l.at.map(|t| t.to_string())
                        .unwrap_or_else(|| "an unknown time".into())
                ),
                None => String::new(),
            };
            let diagnosis = format!(
                "{base}, session READY, yet nothing sent for {} min (oldest pendiente envio {} since {row_time} by {}; {sent}; {} enviados today){lock}: the scheduler is not running, is disabled (AUTO_CAMPAIGNS_ENABLED must be exactly true), runs with DRY_RUN=true, or fails after the session check; read its log for programación {}",
                idle.num_minutes(),
                p.pending.oldest_id.unwrap_or_default(),
                source_label(source),
                p.enviados_hoy,
                p.id
            );
            Some(Stuck {
                programacion_id: p.id,
                cliente_id: p.cliente_id,
                campania_id: p.campania_id,
                sendable: p.pending.sendable,
                cause: StuckCause::NothingSent { since, idle },
                diagnosis,
            })
        }
        _ => None,
    }
}

fn source_label(source: TimestampSource) -> &'static str {
    source.column()
}

/// A stored naive timestamp as an instant, read in the chosen zone.
fn instant(next: &NextTick, t: NaiveDateTime, zone: TimestampZone) -> Option<DateTime<Utc>> {
    match zone {
        TimestampZone::Server => Some((t - next.db_utc_offset).and_utc()),
        TimestampZone::Business => local_to_utc(next.tz, t),
        TimestampZone::Utc => Some(t.and_utc()),
    }
}

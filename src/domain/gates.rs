//! The gates: the ordered checks a programación passes before any of its rows goes out
//! (docs/system.md §5, docs/invariants.md 14–15), and the one vocabulary of why it does not.
//!
//! [`Gate::ORDER`] is the one order. The reference scheduler judges each gate as it reaches it
//! (reading the session only once the window holds); `doctor` judges the same gates on the
//! facts it read, and its verdict is the first gate that holds a programación back. Each
//! gate is one function here, so the two cannot disagree on a rule, and the agreement test
//! (`tests/it/agreement.rs`) runs both on the same databases.

use std::fmt;

use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;

use super::calendar::{BusinessTime, DateRange, Window, runs_on, unknown_days, weekday_name};
use super::estado::EstadoCampania;
use super::programacion::Programacion;
use crate::session::SessionState;

/// One check a programación must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gate {
    /// Today within `[fecha_inicio, fecha_fin]`.
    DateRange,
    /// Today's weekday in `dias_semana`.
    Weekday,
    /// Now within `[hora_inicio, hora_fin]`.
    Window,
    /// Today's counter below `cupo_diario`.
    Quota,
    /// The client's session READY.
    Session,
    /// The campaign exists and is `en_progreso`.
    Campaign,
    /// An unclaimed `pendiente` row to take.
    Pending,
}

impl Gate {
    /// Every gate, in the order a programación meets them. The quota comes before the session:
    /// a used-up quota needs nothing else read (the counter only grows within a day), and a
    /// scheduler that skips for it asks the session-manager nothing.
    pub const ORDER: [Gate; 7] = [
        Gate::DateRange,
        Gate::Weekday,
        Gate::Window,
        Gate::Quota,
        Gate::Session,
        Gate::Campaign,
        Gate::Pending,
    ];

    /// Whether a scheduler that sends judges this gate under the programación's lock: from the
    /// session on, what it reads must still hold when it sends, and no other process may be
    /// sending the same rows meanwhile.
    pub fn under_lock(self) -> bool {
        matches!(self, Gate::Session | Gate::Campaign | Gate::Pending)
    }
}

/// Why a programación sends nothing: the gate it did not pass, with the facts that say why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Today is outside `[fecha_inicio, fecha_fin]`.
    OutsideDateRange {
        /// The programación's dates.
        dates: DateRange,
        /// The business day judged.
        today: NaiveDate,
    },
    /// Today's weekday is not in `dias_semana`.
    Weekday {
        /// The business day's weekday.
        day: Weekday,
        /// `dias_semana`, as stored.
        dias_semana: String,
    },
    /// Now is outside `[hora_inicio, hora_fin]`.
    OutsideWindow {
        /// The programación's hours.
        window: Window,
        /// The business-local time judged.
        at: NaiveTime,
        /// The business zone.
        tz: Tz,
    },
    /// Today's quota is used up.
    QuotaExhausted {
        /// Today's counter.
        enviados: i64,
        /// `cupo_diario`.
        cupo_diario: i64,
        /// The business day.
        today: NaiveDate,
    },
    /// The client's session is not READY.
    SessionNotReady {
        /// The client.
        cliente_id: i64,
        /// What the session-manager said.
        state: SessionState,
    },
    /// The session-manager could not tell (unreachable, wrong route, broken answer, or no
    /// session can be asked for this client).
    SessionUnreadable {
        /// The client.
        cliente_id: i64,
        /// Why, in words.
        reason: String,
    },
    /// The campaign does not exist.
    CampaignMissing {
        /// `campania_id`.
        campania_id: i64,
    },
    /// The campaign is not `en_progreso`.
    CampaignNotInProgress {
        /// `campania_id`.
        campania_id: i64,
        /// Its `estado`, as stored.
        estado: String,
    },
    /// No unclaimed `pendiente` row left.
    NothingPending {
        /// `campania_id`.
        campania_id: i64,
        /// `pendiente` rows held by lmh's claims, when known.
        claimed: i64,
        /// Of those, the ones whose send outcome is unknown.
        outcome_unknown: i64,
    },
}

impl Skip {
    /// The gate it failed.
    pub fn gate(&self) -> Gate {
        match self {
            Skip::OutsideDateRange { .. } => Gate::DateRange,
            Skip::Weekday { .. } => Gate::Weekday,
            Skip::OutsideWindow { .. } => Gate::Window,
            Skip::QuotaExhausted { .. } => Gate::Quota,
            Skip::SessionNotReady { .. } | Skip::SessionUnreadable { .. } => Gate::Session,
            Skip::CampaignMissing { .. } | Skip::CampaignNotInProgress { .. } => Gate::Campaign,
            Skip::NothingPending { .. } => Gate::Pending,
        }
    }

    /// A short label to group programaciones by.
    pub fn label(&self) -> &'static str {
        match self {
            Skip::OutsideDateRange { .. } => "outside date range",
            Skip::Weekday { .. } => "not its weekday",
            Skip::OutsideWindow { .. } => "outside window",
            Skip::QuotaExhausted { .. } => "quota exhausted",
            Skip::SessionNotReady { .. } => "session not READY",
            Skip::SessionUnreadable { .. } => "session unreadable",
            Skip::CampaignMissing { .. } => "campaign missing",
            Skip::CampaignNotInProgress { .. } => "campaign not en_progreso",
            Skip::NothingPending { .. } => "nothing pendiente",
        }
    }

    /// Whether skipping is the scheduler doing its job (dates, weekday, hours, quota, nothing
    /// left), rather than something a person should look at (session, campaign).
    pub fn is_expected(&self) -> bool {
        !matches!(self.gate(), Gate::Session | Gate::Campaign)
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::OutsideDateRange { dates, today } => {
                let fin = dates
                    .fecha_fin
                    .map_or_else(|| "open".to_string(), |d| d.to_string());
                let inicio = dates.fecha_inicio;
                write!(f, "outside its date range [{inicio}, {fin}] on {today}")
            }
            Skip::Weekday { day, dias_semana } => weekday_words(f, *day, dias_semana),
            Skip::OutsideWindow { window, at, tz } => window_words(f, *window, *at, *tz),
            Skip::QuotaExhausted {
                enviados,
                cupo_diario,
                today,
            } => write!(
                f,
                "quota exhausted ({enviados} of cupo_diario {cupo_diario} sent on {today})"
            ),
            Skip::SessionNotReady { cliente_id, state } => write!(
                f,
                "cliente {cliente_id}'s session is {state} ({})",
                state.recommended_action()
            ),
            Skip::SessionUnreadable { cliente_id, reason } => {
                write!(f, "cliente {cliente_id}'s session cannot be read: {reason}")
            }
            Skip::CampaignMissing { campania_id } => {
                write!(f, "campaign {campania_id} does not exist")
            }
            Skip::CampaignNotInProgress {
                campania_id,
                estado,
            } => write!(f, "campaign {campania_id} is {estado:?}, not en_progreso"),
            Skip::NothingPending {
                campania_id,
                claimed,
                outcome_unknown,
            } => {
                write!(
                    f,
                    "campaign {campania_id} has no pendiente row left to send"
                )?;
                if *claimed > 0 {
                    write!(
                        f,
                        " ({claimed} pendiente held by lmh claims, {outcome_unknown} with an unknown send outcome)"
                    )?;
                }
                Ok(())
            }
        }
    }
}

/// Today's weekday is not in `dias_semana`, and the entries that name no weekday at all.
fn weekday_words(f: &mut fmt::Formatter<'_>, day: Weekday, dias_semana: &str) -> fmt::Result {
    write!(
        f,
        "{} not in dias_semana {dias_semana:?}",
        weekday_name(day)
    )?;
    let unknown = unknown_days(dias_semana);
    if !unknown.is_empty() {
        write!(
            f,
            " ({} not a weekday the scheduler reads: use sun,mon,tue,wed,thu,fri,sat)",
            unknown.join(", ")
        )?;
    }
    Ok(())
}

/// Now is outside the window, and why no time ever is when it is inverted.
fn window_words(f: &mut fmt::Formatter<'_>, window: Window, at: NaiveTime, tz: Tz) -> fmt::Result {
    write!(
        f,
        "outside window [{}, {}] at {} ({tz})",
        window.hora_inicio,
        window.hora_fin,
        at.format("%H:%M:%S")
    )?;
    if window.is_inverted() {
        f.write_str("; hora_inicio is after hora_fin, so the window holds no time at all")?;
    }
    Ok(())
}

/// [`Gate::DateRange`]: today within the programación's dates.
pub fn date_range(p: &Programacion, now: BusinessTime) -> Result<(), Skip> {
    let dates = p.dates();
    if dates.holds(now.today()) {
        return Ok(());
    }
    Err(Skip::OutsideDateRange {
        dates,
        today: now.today(),
    })
}

/// [`Gate::Weekday`]: today's weekday in `dias_semana`.
pub fn weekday(p: &Programacion, now: BusinessTime) -> Result<(), Skip> {
    if runs_on(&p.dias_semana, now.weekday()) {
        return Ok(());
    }
    Err(Skip::Weekday {
        day: now.weekday(),
        dias_semana: p.dias_semana.clone(),
    })
}

/// [`Gate::Window`]: now within the programación's hours.
pub fn window(p: &Programacion, now: BusinessTime) -> Result<(), Skip> {
    let window = p.window();
    if window.contains(now.time()) {
        return Ok(());
    }
    Err(Skip::OutsideWindow {
        window,
        at: now.time(),
        tz: now.tz,
    })
}

/// [`Gate::Quota`]: today's counter `enviados` below `cupo_diario`; the sends left today.
pub fn quota(p: &Programacion, enviados: i64, now: BusinessTime) -> Result<i64, Skip> {
    let left = p.cupo_diario - enviados;
    if left > 0 {
        return Ok(left);
    }
    Err(Skip::QuotaExhausted {
        enviados,
        cupo_diario: p.cupo_diario,
        today: now.today(),
    })
}

/// [`Gate::Session`]: the client's session READY; `session` is its state, or why it could
/// not be read.
pub fn session(p: &Programacion, session: Result<SessionState, String>) -> Result<(), Skip> {
    match session {
        Ok(state) if state.can_send() => Ok(()),
        Ok(state) => Err(Skip::SessionNotReady {
            cliente_id: p.cliente_id,
            state,
        }),
        Err(reason) => Err(Skip::SessionUnreadable {
            cliente_id: p.cliente_id,
            reason,
        }),
    }
}

/// [`Gate::Campaign`]: the campaign exists (`estado` is `Some`) and is `en_progreso`.
pub fn campaign(p: &Programacion, estado: Option<&str>) -> Result<(), Skip> {
    let Some(estado) = estado else {
        return Err(Skip::CampaignMissing {
            campania_id: p.campania_id,
        });
    };
    if estado.parse::<EstadoCampania>() == Ok(EstadoCampania::EnProgreso) {
        return Ok(());
    }
    Err(Skip::CampaignNotInProgress {
        campania_id: p.campania_id,
        estado: estado.to_string(),
    })
}

/// A campaign's `pendiente` rows, as [`pending`] judges them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingRows {
    /// Rows no claim holds: the ones a scheduler takes (sends, or marks `error`).
    pub unclaimed: i64,
    /// Rows held by lmh's claims.
    pub claimed: i64,
    /// Of those, the ones whose send outcome is unknown.
    pub outcome_unknown: i64,
}

/// [`Gate::Pending`]: an unclaimed `pendiente` row to take.
pub fn pending(p: &Programacion, rows: PendingRows) -> Result<(), Skip> {
    if rows.unclaimed > 0 {
        return Ok(());
    }
    Err(Skip::NothingPending {
        campania_id: p.campania_id,
        claimed: rows.claimed,
        outcome_unknown: rows.outcome_unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::DEFAULT_TZ;

    fn programacion() -> Programacion {
        Programacion {
            id: 1,
            campania_id: 7,
            cliente_id: 51,
            dias_semana: "mon,tue".into(),
            hora_inicio: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            hora_fin: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            cupo_diario: 10,
            fecha_inicio: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            fecha_fin: None,
        }
    }

    /// January `day`, 2026 (the 13th is a Tuesday) at `h`:00 in Buenos Aires.
    fn january(day: u32, h: u32) -> BusinessTime {
        BusinessTime {
            local: NaiveDate::from_ymd_opt(2026, 1, day)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap(),
            tz: DEFAULT_TZ,
        }
    }

    fn tuesday(h: u32) -> BusinessTime {
        january(13, h)
    }

    #[test]
    fn the_order_names_every_gate_once_quota_before_session() {
        let mut seen = Gate::ORDER.to_vec();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), Gate::ORDER.len());
        let at = |g| Gate::ORDER.iter().position(|x| *x == g).unwrap();
        assert!(at(Gate::DateRange) < at(Gate::Weekday));
        assert!(at(Gate::Weekday) < at(Gate::Window));
        assert!(at(Gate::Window) < at(Gate::Quota));
        assert!(at(Gate::Quota) < at(Gate::Session));
        assert!(at(Gate::Session) < at(Gate::Campaign));
        assert!(at(Gate::Campaign) < at(Gate::Pending));
        // The lock covers a tail of the order: once taken, it is kept to the end.
        let first_locked = Gate::ORDER.iter().position(|g| g.under_lock()).unwrap();
        assert!(Gate::ORDER[first_locked..].iter().all(|g| g.under_lock()));
        assert!(Gate::ORDER[..first_locked].iter().all(|g| !g.under_lock()));
    }

    #[test]
    fn each_gate_fails_with_a_skip_of_its_own() {
        let p = programacion();
        let skips = [
            date_range(
                &Programacion {
                    fecha_fin: Some(NaiveDate::from_ymd_opt(2026, 1, 12).unwrap()),
                    ..p.clone()
                },
                tuesday(12),
            ),
            weekday(&p, january(14, 12)),
            window(&p, tuesday(19)),
            quota(&p, 10, tuesday(12)).map(|_| ()),
            session(&p, Ok(SessionState::QrRequired)),
            campaign(&p, Some("finalizado")),
            pending(&p, PendingRows::default()),
        ];
        for (gate, skip) in Gate::ORDER.iter().zip(skips) {
            assert_eq!(skip.unwrap_err().gate(), *gate);
        }
        assert_eq!(
            session(&p, Err("refused".into())).unwrap_err().gate(),
            Gate::Session
        );
        assert_eq!(campaign(&p, None).unwrap_err().gate(), Gate::Campaign);
    }

    #[test]
    fn each_gate_passes_on_the_facts_that_let_rows_go() {
        let p = programacion();
        let now = tuesday(12);
        assert_eq!(date_range(&p, now), Ok(()));
        assert_eq!(weekday(&p, now), Ok(()));
        assert_eq!(window(&p, now), Ok(()));
        assert_eq!(quota(&p, 3, now), Ok(7));
        assert_eq!(session(&p, Ok(SessionState::Ready)), Ok(()));
        assert_eq!(campaign(&p, Some("en_progreso")), Ok(()));
        let one = PendingRows {
            unclaimed: 1,
            ..PendingRows::default()
        };
        assert_eq!(pending(&p, one), Ok(()));
    }

    #[test]
    fn skips_say_why_in_the_words_doctor_and_the_scheduler_share() {
        let p = programacion();
        let inverted = Programacion {
            hora_inicio: p.hora_fin,
            hora_fin: p.hora_inicio,
            ..p.clone()
        };
        assert_eq!(
            window(&inverted, tuesday(12)).unwrap_err().to_string(),
            "outside window [18:00:00, 09:00:00] at 12:00:00 (America/Argentina/Buenos_Aires); \
             hora_inicio is after hora_fin, so the window holds no time at all"
        );
        let lunes = Programacion {
            dias_semana: "lunes,mon".into(),
            ..p.clone()
        };
        assert_eq!(
            weekday(&lunes, tuesday(12)).unwrap_err().to_string(),
            "tue not in dias_semana \"lunes,mon\" (lunes not a weekday the scheduler reads: use sun,mon,tue,wed,thu,fri,sat)"
        );
        assert_eq!(
            quota(&p, 12, tuesday(12)).unwrap_err().to_string(),
            "quota exhausted (12 of cupo_diario 10 sent on 2026-01-13)"
        );
        let held = PendingRows {
            unclaimed: 0,
            claimed: 2,
            outcome_unknown: 1,
        };
        assert_eq!(
            pending(&p, held).unwrap_err().to_string(),
            "campaign 7 has no pendiente row left to send (2 pendiente held by lmh claims, 1 with an unknown send outcome)"
        );
    }
}

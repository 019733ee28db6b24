//! Judging one schedule: the database and the mock's journal (which knows what was really
//! delivered) against the guarantees: never twice, never a phantom `enviado`, never lost.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::domain::{EstadoEnvio, Intento, normalize_phone};
use crate::invariants::{self, Evidence, ProgramacionRow};
use crate::report::Outcome;

/// What one schedule left behind, counted.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Tally {
    /// Messages the provider really delivered.
    pub sends: usize,
    /// Deliveries beyond the first to the same row.
    pub duplicate_sends: usize,
    /// Rows `enviado` that the provider never delivered.
    pub phantom_enviado: usize,
    /// Rows in no final state (`enviado`, `error`) and no reported one (an unknown outcome,
    /// or waiting for quota).
    pub lost_rows: usize,
    /// Rows left for a person: the send may have gone out, lmh cannot prove it.
    pub unknown_outcomes: usize,
}

/// A guarantee broken in one schedule.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    /// Which guarantee.
    pub kind: String,
    /// The rows or the check, in words.
    pub detail: String,
}

/// The invariants that must hold after any mix of faults (the others judge expectations a
/// chaos fixture does not have).
const UNDER_FAULTS: [&str; 7] = [
    "historial",
    "enum_values",
    "counters",
    "locks",
    "windows",
    "gates",
    "attempts",
];

/// Count the schedule's outcome and list what broke. `dead` is the worker id of the process
/// that crashed, if one did.
pub fn judge(ev: &Evidence, dead: Option<&str>) -> (Tally, Vec<Finding>) {
    let journal = ev.journal.as_deref().unwrap_or(&[]);
    let mut delivered: BTreeMap<String, usize> = BTreeMap::new();
    for e in journal.iter().filter(|e| e.is_send() && e.delivered()) {
        let to = e
            .json_body()
            .and_then(|b| b.get("to").and_then(|t| t.as_str()).map(str::to_string))
            .unwrap_or_default();
        *delivered.entry(to).or_default() += 1;
    }
    let mut tally = Tally {
        sends: delivered.values().sum(),
        ..Tally::default()
    };
    let mut findings = Vec::new();
    for (to, n) in delivered.iter().filter(|(_, n)| **n > 1) {
        tally.duplicate_sends += n - 1;
        findings.push(Finding {
            kind: "duplicate_sends".into(),
            detail: format!("{to} received {n} deliveries"),
        });
    }
    let claims: HashMap<i64, &Intento> = ev.intentos.iter().map(|i| (i.envio_id, i)).collect();
    for row in &ev.envios {
        let to = row.telefono.as_deref().and_then(normalize_phone);
        let was_delivered = to.as_ref().is_some_and(|t| delivered.contains_key(t));
        let claim = claims.get(&row.id).copied();
        let problem = match (row.estado.parse::<EstadoEnvio>().ok(), claim) {
            (Some(EstadoEnvio::Enviado), _) if !was_delivered => {
                Some(("phantom_enviado", "enviado, never delivered"))
            }
            (Some(EstadoEnvio::Enviado | EstadoEnvio::Error), _) => None,
            (Some(EstadoEnvio::Pendiente), Some(i)) if i.is_open() => {
                tally.unknown_outcomes += 1;
                None
            }
            (Some(EstadoEnvio::Pendiente), None) if quota_used_up(ev, row.campania_id) => None,
            (Some(EstadoEnvio::Pendiente), claim) => Some((
                "lost_rows",
                match claim {
                    None => "pendiente, unclaimed, with quota left after the healing ticks",
                    Some(_) => "pendiente with a closed claim",
                },
            )),
            _ => Some(("lost_rows", "estado outside pendiente/enviado/error")),
        };
        if let Some((kind, why)) = problem {
            match kind {
                "phantom_enviado" => tally.phantom_enviado += 1,
                _ => tally.lost_rows += 1,
            }
            findings.push(Finding {
                kind: kind.into(),
                detail: format!("envio {} ({}): {why}", row.id, row.estado),
            });
        }
    }
    let waiting = without_locks_waiting_for_tomorrow(ev, dead);
    for id in UNDER_FAULTS {
        let Some(invariant) = invariants::invariant(id) else {
            continue;
        };
        let c = invariant.run(waiting.as_ref().unwrap_or(ev));
        if c.outcome == Outcome::Fail {
            findings.push(Finding {
                kind: invariant.name.into(),
                detail: c.summary,
            });
        }
    }
    (tally, findings)
}

/// The evidence without the locks the dead process left on programaciones that used up
/// today's quota: no tick needs them before tomorrow, when the first one takes them over (a
/// dead process's lock is taken over when needed, docs/invariants.md 13). `None` when there
/// are none.
fn without_locks_waiting_for_tomorrow(ev: &Evidence, dead: Option<&str>) -> Option<Evidence> {
    let dead = dead?;
    let waiting: Vec<i64> = ev
        .programaciones
        .iter()
        .filter(|p| p.locked_by.as_deref() == Some(dead) && quota_used(ev, p))
        .map(|p| p.programacion.id)
        .collect();
    if waiting.is_empty() {
        return None;
    }
    let mut ev = ev.clone();
    for p in &mut ev.programaciones {
        if waiting.contains(&p.programacion.id) {
            p.locked_by = None;
        }
    }
    Some(ev)
}

/// Whether every programación of the campaign used up today's quota (its rows then wait for
/// tomorrow, a reported state).
fn quota_used_up(ev: &Evidence, campania_id: i64) -> bool {
    let mut of_campaign = ev
        .programaciones
        .iter()
        .filter(|p| p.programacion.campania_id == campania_id)
        .peekable();
    of_campaign.peek().is_some() && of_campaign.all(|p| quota_used(ev, p))
}

/// Whether the programación used up its quota on the day of its highest counter.
fn quota_used(ev: &Evidence, p: &ProgramacionRow) -> bool {
    let used: i64 = ev
        .counters
        .iter()
        .filter(|((id, _), _)| *id == p.programacion.id)
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0);
    used >= p.programacion.cupo_diario
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Programacion;
    use chrono::{NaiveDate, NaiveTime};

    /// Programación 1 (cupo 2) locked by `by`, with `sent` sends counted today.
    fn locked(by: &str, sent: i64) -> Evidence {
        let day = NaiveDate::from_ymd_opt(2026, 1, 13).unwrap();
        let mut ev = Evidence {
            programaciones: vec![ProgramacionRow {
                programacion: Programacion {
                    id: 1,
                    campania_id: 1,
                    cliente_id: 51,
                    dias_semana: "mon,tue".into(),
                    hora_inicio: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                    hora_fin: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
                    cupo_diario: 2,
                    fecha_inicio: day,
                    fecha_fin: None,
                },
                estado: "aprobada".into(),
                locked_by: Some(by.into()),
            }],
            ..Evidence::default()
        };
        ev.counters.insert((1, day), sent);
        ev
    }

    fn lock_findings(ev: &Evidence, dead: Option<&str>) -> usize {
        let (_, findings) = judge(ev, dead);
        findings
            .iter()
            .filter(|f| f.kind.starts_with("I13"))
            .count()
    }

    #[test]
    fn a_dead_process_lock_no_tick_needs_before_tomorrow_is_no_violation() {
        assert_eq!(lock_findings(&locked("w1", 2), Some("w1")), 0);
        // Not the dead process's, or still needed today, or nobody died: a lock left behind.
        assert_eq!(lock_findings(&locked("w2", 2), Some("w1")), 1);
        assert_eq!(lock_findings(&locked("w1", 1), Some("w1")), 1);
        assert_eq!(lock_findings(&locked("w1", 2), None), 1);
    }
}

//! Judging one schedule: the database and the mock's journal (which knows what was really
//! delivered) against the guarantees: never twice, never a phantom `enviado`, never lost.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::domain::{EstadoEnvio, Intento, normalize_phone};
use crate::invariants::{self, Evidence};
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

/// Count the schedule's outcome and list what broke.
pub fn judge(ev: &Evidence) -> (Tally, Vec<Finding>) {
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
    for id in UNDER_FAULTS {
        let Some(invariant) = invariants::invariant(id) else {
            continue;
        };
        let c = invariant.run(ev);
        if c.outcome == Outcome::Fail {
            findings.push(Finding {
                kind: invariant.name.into(),
                detail: c.summary,
            });
        }
    }
    (tally, findings)
}

/// Whether every programación of the campaign used up today's quota (its rows then wait for
/// tomorrow, a reported state).
fn quota_used_up(ev: &Evidence, campania_id: i64) -> bool {
    let mut of_campaign = ev
        .programaciones
        .iter()
        .filter(|p| p.programacion.campania_id == campania_id)
        .peekable();
    of_campaign.peek().is_some()
        && of_campaign.all(|p| {
            let used: i64 = ev
                .counters
                .iter()
                .filter(|((id, _), _)| *id == p.programacion.id)
                .map(|(_, n)| *n)
                .max()
                .unwrap_or(0);
            used >= p.programacion.cupo_diario
        })
}

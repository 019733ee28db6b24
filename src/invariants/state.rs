//! The invariants of what the database holds at the end of a run.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};

use super::evidence::{Evidence, Expected, HistorialRow};
use super::sends::send_requests;
use super::{AREA, verdict};
use crate::domain::{BusinessTime, DEFAULT_TZ, Envio, EstadoEnvio, Intento, gates};
use crate::report::Check;

/// From the database alone: no row was sent more often than the scheduler allows (a provider
/// failure re-sent every tick is how one phone got 180 messages).
pub(super) fn attempts(ev: &Evidence, name: &str) -> Check {
    let allowed = ev
        .attempts_allowed
        .unwrap_or(crate::scheduler::DEFAULT_MAX_ATTEMPTS);
    let failures = ev
        .intentos
        .iter()
        .filter(|i| i.intentos > i64::from(allowed))
        .map(|i| {
            format!(
                "envio {} (programacion {}): {} attempts, {allowed} allowed",
                i.envio_id, i.programacion_id, i.intentos
            )
        })
        .collect();
    let most = ev.intentos.iter().map(|i| i.intentos).max().unwrap_or(0);
    verdict(
        name,
        failures,
        format!(
            "{} claimed rows, at most {most} attempts each ({allowed} allowed)",
            ev.intentos.len()
        ),
    )
}

pub(super) fn unknown_outcomes(ev: &Evidence, name: &str) -> Check {
    let open: Vec<&Intento> = ev.intentos.iter().filter(|i| i.is_open()).collect();
    let mut failures = Vec::new();
    for i in &open {
        let row = ev.envios.iter().find(|r| r.id == i.envio_id);
        if row.is_some_and(|r| r.is(EstadoEnvio::Enviado)) {
            failures.push(format!(
                "envio {}: claim is {} but the row says enviado",
                i.envio_id, i.resultado
            ));
        }
    }
    if !failures.is_empty() {
        return verdict(name, failures, "");
    }
    if open.is_empty() {
        return Check::pass(AREA, name, "no send with an unknown outcome");
    }
    Check::warn(
        AREA,
        name,
        format!("{} rows whose send outcome is unknown are left pendiente and claimed for a person to resolve", open.len()),
    )
    .with_details(open.iter().map(|i| {
        format!(
            "envio {} (programacion {}): {}",
            i.envio_id,
            i.programacion_id,
            i.detalle.as_deref().unwrap_or(&i.resultado)
        )
    }))
}

pub(super) fn expected_outcomes(ev: &Evidence, name: &str) -> Check {
    let mut failures = Vec::new();
    let mut tally: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for row in &ev.envios {
        let Some(expected) = ev.expected.get(&row.id) else {
            continue;
        };
        let entry = tally.entry(expected.estado().as_str()).or_default();
        entry.1 += 1;
        if row.estado == expected.estado().as_str() {
            entry.0 += 1;
        } else {
            failures.push(format!(
                "envio {}: expected {}, found {:?}",
                row.id,
                expected.estado().as_str(),
                row.estado
            ));
        }
        if *expected == Expected::Pendiente
            && (row.fecha_envio.is_some() || row.message_id.is_some())
        {
            failures.push(format!(
                "envio {}: must be untouched but has fecha_envio/message_id",
                row.id
            ));
        }
    }
    let summary = tally
        .iter()
        .map(|(k, (ok, all))| format!("{k} {ok}/{all}"))
        .collect::<Vec<_>>()
        .join(", ");
    verdict(name, failures, summary)
}

pub(super) fn historial(ev: &Evidence, name: &str) -> Check {
    let mut by_envio: HashMap<i64, Vec<&HistorialRow>> = HashMap::new();
    for h in &ev.historial {
        by_envio.entry(h.envio_id).or_default().push(h);
    }
    let mut failures = Vec::new();
    for row in &ev.envios {
        let rows = by_envio.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
        // The chain of changes: an optional creation row (no estado_anterior), then each row
        // starting where the previous one ended, the last one ending at the row's estado.
        let pendiente = EstadoEnvio::Pendiente.as_str();
        let mut current: Option<&str> = None;
        let mut broken = None;
        for (i, h) in rows.iter().enumerate() {
            let creation = i == 0 && h.anterior.is_none();
            if !creation && h.anterior.as_deref() != Some(current.unwrap_or(pendiente)) {
                broken = Some(format!(
                    "historial row {} goes {:?} -> {:?} but the row was {:?}",
                    i + 1,
                    h.anterior,
                    h.nuevo,
                    current.unwrap_or(pendiente)
                ));
                break;
            }
            if h.anterior.as_deref() == Some(h.nuevo.as_str()) {
                broken = Some(format!(
                    "historial row {} records no change ({:?})",
                    i + 1,
                    h.nuevo
                ));
                break;
            }
            if h.origen.trim().is_empty() {
                broken = Some(format!("historial row {} has no origen", i + 1));
                break;
            }
            current = Some(h.nuevo.as_str());
        }
        let end = current.unwrap_or(pendiente);
        match broken {
            Some(why) => failures.push(format!("envio {}: {why}", row.id)),
            None if end != row.estado => failures.push(format!(
                "envio {}: is {:?} but its historial ends at {end:?} ({} rows): a change bypassed the audit",
                row.id,
                row.estado,
                rows.len()
            )),
            None => {}
        }
    }
    verdict(
        name,
        failures,
        format!(
            "{} historial rows, one per change of estado",
            ev.historial.len()
        ),
    )
}

pub(super) fn enum_values(ev: &Evidence, name: &str) -> Check {
    let outside = |estado: &str| estado.parse::<EstadoEnvio>().is_err();
    let mut failures: Vec<String> = ev
        .envios
        .iter()
        .filter(|r| outside(&r.estado))
        .map(|r| format!("envio {}: estado {:?} is outside the enum", r.id, r.estado))
        .collect();
    failures.extend(
        ev.historial
            .iter()
            .filter(|h| outside(&h.nuevo) || h.anterior.as_deref().is_some_and(outside))
            .map(|h| {
                format!(
                    "historial of envio {}: {:?} -> {:?} outside the enum",
                    h.envio_id, h.anterior, h.nuevo
                )
            }),
    );
    verdict(
        name,
        failures,
        "every estado is pendiente, enviado or error",
    )
}

pub(super) fn counters(ev: &Evidence, name: &str) -> Check {
    let mut transitions: BTreeMap<(i64, NaiveDate), i64> = BTreeMap::new();
    for row in ev.envios.iter().filter(|r| r.is(EstadoEnvio::Enviado)) {
        let (Some(p), Some(fecha)) = (ev.programacion_of(row.id), row.fecha_envio) else {
            continue;
        };
        *transitions
            .entry((p.programacion.id, fecha.date()))
            .or_default() += 1;
    }
    let mut failures = Vec::new();
    let keys: std::collections::BTreeSet<_> = transitions
        .keys()
        .chain(ev.counters.keys())
        .copied()
        .collect();
    for key in keys {
        let t = transitions.get(&key).copied().unwrap_or(0);
        let c = ev.counters.get(&key).copied().unwrap_or(0);
        let before = ev.baseline_counters.get(&key).copied().unwrap_or(0);
        if c != before + t {
            failures.push(format!(
                "programacion {} on {}: counter says {c}, but {before} were counted before the run and {t} rows went pendiente -> enviado",
                key.0, key.1
            ));
        }
        // A day that started over its cupo (the cupo was lowered) must get no send at all.
        if let Some(p) = ev
            .programaciones
            .iter()
            .find(|p| p.programacion.id == key.0)
            && t > 0
            && c > p.programacion.cupo_diario
        {
            failures.push(format!(
                "programacion {} on {}: counter {c} exceeds cupo_diario {}",
                key.0, key.1, p.programacion.cupo_diario
            ));
        }
    }
    verdict(
        name,
        failures,
        format!(
            "{} programación-days, counters equal transitions and stay within cupo",
            transitions.len()
        ),
    )
}

pub(super) fn locks(ev: &Evidence, name: &str) -> Check {
    let failures: Vec<String> = ev
        .programaciones
        .iter()
        .filter_map(|p| {
            p.locked_by
                .as_ref()
                .map(|by| format!("programacion {}: still locked by {by}", p.programacion.id))
        })
        .collect();
    verdict(name, failures, "no programación left locked")
}

pub(super) fn gates(ev: &Evidence, name: &str) -> Check {
    let mut failures = Vec::new();
    if ev.dry_run && ev.journal.is_some() {
        let sends = send_requests(ev).count();
        if sends > 0 {
            failures.push(format!(
                "DRY_RUN but the provider received {sends} /send requests"
            ));
        }
    }
    for row in ev.envios.iter().filter(|r| r.is(EstadoEnvio::Enviado)) {
        failures.extend(sent_past_a_gate(ev, row));
    }
    let summary = if ev.dry_run && ev.journal.is_none() {
        "DRY_RUN: no row changed (no journal: /send calls not counted)"
    } else if ev.dry_run {
        "DRY_RUN: zero /send calls"
    } else {
        "every send had an approved programación in range and a campaign en_progreso"
    };
    verdict(name, failures, summary)
}

/// Why a sent row should not have gone: no programación claimed it, or it was not
/// `aprobada`, or the campaign gate or the date range gate (on the day it was sent) fails.
fn sent_past_a_gate(ev: &Evidence, row: &Envio) -> Vec<String> {
    let Some(p) = ev.programacion_of(row.id) else {
        return vec![format!(
            "envio {}: enviado with no programación that claimed it",
            row.id
        )];
    };
    let mut failures = Vec::new();
    let id = p.programacion.id;
    if !p.is_aprobada() {
        failures.push(format!(
            "envio {}: sent under programacion {id} which is {}",
            row.id, p.estado
        ));
    }
    let campaign = ev.campaigns.get(&row.campania_id).map(|c| c.0.as_str());
    if gates::campaign(&p.programacion, campaign).is_err() {
        failures.push(format!(
            "envio {}: sent for campaign {} which is {campaign:?}",
            row.id, row.campania_id
        ));
    }
    if let Some(fecha) = row.fecha_envio
        && let Err(skip) = gates::date_range(&p.programacion, sent_on(ev, fecha))
    {
        failures.push(format!(
            "envio {}: sent {skip}, under programacion {id}",
            row.id
        ));
    }
    failures
}

/// The business moment of a send recorded at `fecha_envio`, which the scheduler writes
/// business-local.
fn sent_on(ev: &Evidence, fecha_envio: NaiveDateTime) -> BusinessTime {
    BusinessTime {
        local: fecha_envio,
        tz: ev.tz.unwrap_or(DEFAULT_TZ),
    }
}

pub(super) fn stuck(ev: &Evidence, name: &str) -> Check {
    let failures: Vec<String> = ev
        .envios
        .iter()
        .filter(|r| r.is(EstadoEnvio::Pendiente) && ev.expected.get(&r.id) == Some(&Expected::Enviado))
        .map(|r| {
            let why = ev
                .intentos
                .iter()
                .find(|i| i.envio_id == r.id)
                .map(|i| format!("claimed, outcome {}: {}", i.resultado, i.detalle.as_deref().unwrap_or("")))
                .unwrap_or_else(|| "never claimed: the scheduler never got to send it (session, route, window or quota)".into());
            format!("envio {} should have been sent but is still pendiente: {why}", r.id)
        })
        .collect();
    verdict(name, failures, "no row that should go stayed pendiente")
}

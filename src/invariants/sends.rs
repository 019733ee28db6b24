//! The invariants of what the provider received, from the journal (and, for windows without
//! one, from `fecha_envio`).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::evidence::{Evidence, ProgramacionRow};
use super::{AREA, verdict};
use crate::domain::{BusinessTime, Envio, EstadoEnvio, gates, normalize_phone};
use crate::journal::JournalEntry;
use crate::report::Check;

/// The journal `/send` requests, each with its parsed body.
pub(super) fn send_requests(
    ev: &Evidence,
) -> impl Iterator<Item = (&JournalEntry, Option<serde_json::Value>)> {
    ev.entries()
        .iter()
        .filter(|e| e.is_send())
        .map(|e| (e, e.json_body()))
}

pub(super) fn routes(ev: &Evidence, name: &str) -> Check {
    let failures: Vec<String> = ev
        .entries()
        .iter()
        .filter(|e| e.unknown_route)
        .map(|e| {
            format!(
                "{}: no such operation in the provider contract (answered {})",
                e.label(),
                e.status
            )
        })
        .collect();
    verdict(
        name,
        failures,
        format!(
            "{} requests, all to contract operations",
            ev.entries().len()
        ),
    )
}

pub(super) fn confirmed_sends(ev: &Evidence, name: &str) -> Check {
    let mut failures = Vec::new();
    let by_id: HashMap<&str, Vec<&JournalEntry>> =
        ev.deliveries().fold(HashMap::new(), |mut m, e| {
            m.entry(e.message_id.as_deref().unwrap_or(""))
                .or_default()
                .push(e);
            m
        });
    let mut count = 0;
    for row in ev.envios.iter().filter(|r| r.is(EstadoEnvio::Enviado)) {
        count += 1;
        let Some(id) = row.message_id.as_deref().filter(|s| !s.is_empty()) else {
            failures.push(format!("envio {}: enviado without message_id", row.id));
            continue;
        };
        if row.fecha_envio.is_none() {
            failures.push(format!("envio {}: enviado without fecha_envio", row.id));
        }
        match by_id.get(id).map(Vec::as_slice) {
            None | Some([]) => failures.push(format!(
                "envio {}: enviado with message_id {id:?} but the provider never confirmed such a send (phantom enviado)",
                row.id
            )),
            Some([delivery]) => {
                if !confirms(delivery, id) {
                    failures.push(format!(
                        "envio {}: recorded enviado but the provider's answer #{} ({} {}) never confirmed message_id {id:?}",
                        row.id,
                        delivery.seq,
                        delivery.status,
                        delivery.fault.as_deref().unwrap_or("no fault")
                    ));
                }
                if let (true, Some(tz), Some(fecha)) = (ev.journal_in_run_time, ev.tz, row.fecha_envio)
                    && let Some(sent_local) = journal_local_time(delivery, tz)
                    && (sent_local - fecha).num_seconds().abs() > 60
                {
                    failures.push(format!(
                        "envio {}: fecha_envio {fecha} is not when it was sent ({sent_local} {tz})",
                        row.id
                    ));
                }
            }
            Some(many) => failures.push(format!(
                "envio {}: message_id {id:?} was given to {} sends",
                row.id,
                many.len()
            )),
        }
    }
    let mut seen: HashMap<&str, i64> = HashMap::new();
    for row in ev.envios.iter().filter(|r| r.is(EstadoEnvio::Enviado)) {
        if let Some(id) = row.message_id.as_deref()
            && let Some(other) = seen.insert(id, row.id)
        {
            failures.push(format!(
                "envios {other} and {}: same message_id {id:?}",
                row.id
            ));
        }
    }
    verdict(
        name,
        failures,
        format!("{count} enviado rows, each matching exactly one confirmed send"),
    )
}

/// Whether the answer the consumer could read says this id was sent: 200, `ok: true`, the
/// same `message_id`, and a connection that was not cut.
fn confirms(delivery: &JournalEntry, id: &str) -> bool {
    let body: serde_json::Value = serde_json::from_str(&delivery.response).unwrap_or_default();
    delivery.status == 200
        && body.get("ok") == Some(&serde_json::Value::Bool(true))
        && body.get("message_id").and_then(|m| m.as_str()) == Some(id)
        && !delivery
            .fault
            .as_deref()
            .is_some_and(|f| f.starts_with("DropConnection"))
}

fn journal_local_time(e: &JournalEntry, tz: Tz) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(&e.at)
        .ok()
        .map(|t| t.with_timezone(&Utc).with_timezone(&tz).naive_local())
}

pub(super) fn answers_conform(ev: &Evidence, name: &str) -> Check {
    let failures: Vec<String> = ev
        .entries()
        .iter()
        .filter(|e| e.fault.is_none())
        .filter_map(|e| {
            e.violation
                .as_ref()
                .map(|v| format!("{} #{}: {v}", e.label(), e.seq))
        })
        .collect();
    verdict(
        name,
        failures,
        "every un-faulted answer validates against the contract",
    )
}

pub(super) fn one_send_per_envio(ev: &Evidence, name: &str) -> Check {
    let mut per_recipient: BTreeMap<(Option<u64>, String, String), usize> = BTreeMap::new();
    for (e, body) in send_requests(ev) {
        if e.message_id.is_none() {
            continue;
        }
        let body = body.unwrap_or_default();
        let key = (
            e.cliente(),
            body.get("to")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
            body.get("message")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
        );
        *per_recipient.entry(key).or_default() += 1;
    }
    let failures: Vec<String> = per_recipient
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|((cliente, to, _), n)| {
            let cliente = cliente.map_or("unknown".to_string(), |c| c.to_string());
            format!("{to} (cliente {cliente}) was sent the same message {n} times")
        })
        .collect();
    let sends = per_recipient.values().sum::<usize>();
    verdict(name, failures, format!("{sends} deliveries, none repeated"))
}

/// A send to judge against windows: what it was, when (business-local), and the
/// programaciones whose window it may fall in.
type TimedSend<'a> = (String, NaiveDateTime, Vec<&'a ProgramacionRow>);

pub(super) fn windows(ev: &Evidence, name: &str) -> Check {
    let Some(tz) = ev.tz else {
        return Check::skip(AREA, name, "no business time zone given");
    };
    let mut failures = Vec::new();
    let sends = timed_sends(ev, tz, &mut failures);
    let mut checked = 0;
    for (what, local, candidates) in &sends {
        if candidates.is_empty() {
            continue;
        }
        checked += 1;
        // The weekday and window gates, judged at the moment of the send.
        let at = BusinessTime { local: *local, tz };
        let inside = |p: &&ProgramacionRow| {
            gates::weekday(&p.programacion, at).is_ok()
                && gates::window(&p.programacion, at).is_ok()
        };
        if !candidates.iter().any(inside) {
            let windows: Vec<String> = candidates
                .iter()
                .map(|p| {
                    let p = &p.programacion;
                    format!(
                        "programacion {} ({} [{}, {}])",
                        p.id, p.dias_semana, p.hora_inicio, p.hora_fin
                    )
                })
                .collect();
            failures.push(format!(
                "{what} at {local} {tz}: outside {}",
                windows.join(", ")
            ));
        }
    }
    verdict(
        name,
        failures,
        format!("{checked} sends, all inside their window ({tz})"),
    )
}

/// When each send happened: the provider's journal, if it shares the run's clock; else the
/// recorded `fecha_envio`. An unreadable journal time is a failure.
fn timed_sends<'a>(ev: &'a Evidence, tz: Tz, failures: &mut Vec<String>) -> Vec<TimedSend<'a>> {
    if !(ev.journal.is_some() && ev.journal_in_run_time) {
        return ev
            .envios
            .iter()
            .filter(|r| r.is(EstadoEnvio::Enviado))
            .filter_map(|row| {
                let (at, p) = (row.fecha_envio?, ev.programacion_of(row.id)?);
                Some((format!("envio {} (fecha_envio)", row.id), at, vec![p]))
            })
            .collect();
    }
    let mut sends = Vec::new();
    for d in ev.deliveries() {
        let Some(local) = journal_local_time(d, tz) else {
            failures.push(format!(
                "{} #{}: journal time {:?} unreadable",
                d.label(),
                d.seq,
                d.at
            ));
            continue;
        };
        let row = ev.envios.iter().find(|r| r.message_id == d.message_id);
        let candidates: Vec<&ProgramacionRow> = match row.and_then(|r| ev.programacion_of(r.id)) {
            Some(p) => vec![p],
            // A send never recorded still went out: it is fine inside any of its client's windows.
            None => {
                let cliente = d.cliente();
                ev.programaciones
                    .iter()
                    .filter(|p| Some(p.programacion.cliente_id as u64) == cliente)
                    .collect()
            }
        };
        let to = d
            .json_body()
            .and_then(|b| b.get("to").and_then(|t| t.as_str()).map(str::to_string))
            .unwrap_or_default();
        sends.push((format!("send #{} to {to}", d.seq), local, candidates));
    }
    sends
}

pub(super) fn text_and_phone(ev: &Evidence, name: &str) -> Check {
    let mut failures = Vec::new();
    let by_id: HashMap<&str, &Envio> = ev
        .envios
        .iter()
        .filter_map(|r| r.message_id.as_deref().map(|m| (m, r)))
        .collect();
    let cliente_of = |campania_id: i64| ev.campaigns.get(&campania_id).and_then(|c| c.1);
    for (e, body) in send_requests(ev) {
        let body = body.unwrap_or_default();
        let to = body.get("to").and_then(|v| v.as_str()).unwrap_or("");
        if normalize_phone(to).is_none() {
            failures.push(format!(
                "send #{}: `to` {to:?} is not a phone number",
                e.seq
            ));
        }
        let Some(row) = e.message_id.as_deref().and_then(|m| by_id.get(m)) else {
            continue;
        };
        let message = body.get("message").and_then(|v| v.as_str()).unwrap_or("");
        if Some(message) != row.mensaje.as_deref() {
            failures.push(format!(
                "envio {}: text sent differs from mensaje_final byte for byte",
                row.id
            ));
        }
        let expected_to = row.telefono.as_deref().and_then(normalize_phone);
        if expected_to.as_deref() != Some(to) {
            failures.push(format!(
                "envio {}: sent to {to:?}, row says {:?}",
                row.id, row.telefono
            ));
        }
        let header = e.cliente();
        let owner = cliente_of(row.campania_id).or_else(|| {
            ev.programaciones
                .iter()
                .find(|p| p.programacion.campania_id == row.campania_id)
                .map(|p| p.programacion.cliente_id)
        });
        if header.map(|h| h as i64) != owner {
            failures.push(format!(
                "envio {}: sent with X-Cliente-Id {header:?}, campaign belongs to {owner:?}",
                row.id
            ));
        }
    }
    for row in ev
        .envios
        .iter()
        .filter(|r| r.telefono.as_deref().and_then(normalize_phone).is_none())
    {
        let raw = row.telefono.as_deref().unwrap_or("").trim().to_string();
        let reached = send_requests(ev).any(|(_, b)| {
            !raw.is_empty()
                && b.and_then(|b| {
                    b.get("to")
                        .and_then(|t| t.as_str())
                        .map(|t| t.starts_with(&raw))
                })
                .unwrap_or(false)
        });
        if reached || row.is(EstadoEnvio::Enviado) {
            failures.push(format!(
                "envio {}: phone {:?} is not valid but reached the provider",
                row.id, row.telefono
            ));
        }
    }
    verdict(
        name,
        failures,
        "every text sent byte for byte, every phone valid, every header the campaign's client",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Outcome;

    /// A `/send` as a journal written by another tool may record it: headers as they came,
    /// no `cliente_id` of its own.
    fn foreign_send(seq: u64, header: (&str, &str), message_id: &str) -> JournalEntry {
        let line = serde_json::json!({
            "seq": seq, "at": "2026-03-02T12:00:00.000Z", "method": "POST", "path": "/send",
            "headers": { header.0: header.1 },
            "body": r#"{"to":"5491155550001@c.us","message":"hola"}"#,
            "operation": "send", "unknown_route": false, "status": 200, "response": "{}",
            "message_id": message_id,
        });
        serde_json::from_value(line).unwrap()
    }

    fn envio(message_id: &str) -> Envio {
        Envio {
            id: 1,
            campania_id: 7,
            telefono: Some("5491155550001".into()),
            mensaje: Some("hola".into()),
            estado: "enviado".into(),
            fecha_envio: None,
            message_id: Some(message_id.into()),
        }
    }

    #[test]
    fn a_repeat_under_another_spelling_of_the_client_is_still_a_repeat() {
        // The provider reads "051" as client 51, as it reads "51".
        let ev = Evidence {
            journal: Some(vec![
                foreign_send(1, ("x-cliente-id", "51"), "m1"),
                foreign_send(2, ("x-cliente-id", "051"), "m2"),
            ]),
            ..Evidence::default()
        };
        let check = one_send_per_envio(&ev, "I9");
        assert_eq!(check.outcome, Outcome::Fail, "{}", check.summary);
        assert!(check.summary.contains("cliente 51"), "{}", check.summary);
    }

    #[test]
    fn the_client_header_is_found_whatever_its_case() {
        let mut ev = Evidence {
            envios: vec![envio("m1")],
            journal: Some(vec![foreign_send(1, ("X-Cliente-Id", "51"), "m1")]),
            ..Evidence::default()
        };
        ev.campaigns.insert(7, ("c".into(), Some(51)));
        let check = text_and_phone(&ev, "I18");
        assert_eq!(check.outcome, Outcome::Pass, "{}", check.summary);
        ev.campaigns.insert(7, ("c".into(), Some(52)));
        let check = text_and_phone(&ev, "I18");
        assert_eq!(check.outcome, Outcome::Fail, "{}", check.summary);
        assert!(check.summary.contains("Some(51)"), "{}", check.summary);
    }
}

//! The checks of docs/invariants.md over the database state and the mock's journal.
//!
//! [`Evidence`] is what a run left behind: every row of the tables the flow touches, the
//! journal of what the provider received, and what each row was expected to end as. [`check`]
//! turns it into one [`Check`] per entry of the [`INVARIANTS`] registry, naming the row and the
//! rule on failure. It does
//! not know how the evidence was produced, which is what lets the negative tests feed it the
//! traces of deliberately broken schedulers.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use sqlx::{MySqlPool, Row};

use crate::domain::{Window, normalize_phone, runs_on};
use crate::mock::JournalEntry;
use crate::report::Check;
use crate::session::parse_cliente_id_header;

/// What a row must be when the run ends (the fixtures' `expect`).
pub use crate::fixtures::Expect as Expected;

/// A row of `ll_envios_whatsapp`.
#[derive(Debug, Clone)]
pub struct EnvioRow {
    /// `id`.
    pub id: i64,
    /// `campania_id`.
    pub campania_id: i64,
    /// `telefono_wapp`.
    pub telefono: Option<String>,
    /// `mensaje_final`.
    pub mensaje: Option<String>,
    /// `estado`, as stored (an empty string is what a non-strict server stores for a bad value).
    pub estado: String,
    /// `fecha_envio`.
    pub fecha_envio: Option<NaiveDateTime>,
    /// `message_id`.
    pub message_id: Option<String>,
}

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

/// A programación, with what the gates need.
#[derive(Debug, Clone)]
pub struct ProgramacionRow {
    /// `id`.
    pub id: i64,
    /// `campania_id`.
    pub campania_id: i64,
    /// `cliente_id`.
    pub cliente_id: i64,
    /// `dias_semana`.
    pub dias_semana: String,
    /// `hora_inicio`.
    pub hora_inicio: NaiveTime,
    /// `hora_fin`.
    pub hora_fin: NaiveTime,
    /// `cupo_diario`.
    pub cupo_diario: i64,
    /// `fecha_inicio`.
    pub fecha_inicio: NaiveDate,
    /// `fecha_fin`.
    pub fecha_fin: Option<NaiveDate>,
    /// `estado`.
    pub estado: String,
    /// `locked_by`.
    pub locked_by: Option<String>,
}

/// The scheduler's claim on a row (`lmh_envio_intentos`).
#[derive(Debug, Clone)]
pub struct IntentoRow {
    /// `envio_id`.
    pub envio_id: i64,
    /// `programacion_id`.
    pub programacion_id: i64,
    /// `resultado`.
    pub resultado: String,
    /// `intentos`: `POST /send` attempts made for the row.
    pub intentos: i64,
    /// `detalle`.
    pub detalle: Option<String>,
}

/// Everything a run left behind.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Business time zone of the run.
    pub tz: Option<Tz>,
    /// Whether the run was a dry run.
    pub dry_run: bool,
    /// `ll_envios_whatsapp`.
    pub envios: Vec<EnvioRow>,
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
    pub intentos: Vec<IntentoRow>,
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
        let mut ev = Evidence::default();
        for r in sqlx::query(
            "SELECT id, campania_id, telefono_wapp, mensaje_final, CAST(estado AS CHAR) AS estado, fecha_envio, message_id
             FROM ll_envios_whatsapp ORDER BY id",
        )
        .fetch_all(pool)
        .await?
        {
            ev.envios.push(EnvioRow {
                id: r.try_get::<i32, _>("id")?.into(),
                campania_id: r.try_get::<i32, _>("campania_id")?.into(),
                telefono: r.try_get("telefono_wapp")?,
                mensaje: r.try_get("mensaje_final")?,
                estado: r.try_get::<Option<String>, _>("estado")?.unwrap_or_default(),
                fecha_envio: r.try_get("fecha_envio")?,
                message_id: r.try_get("message_id")?,
            });
        }
        for r in sqlx::query(
            "SELECT envio_id, CAST(estado_anterior AS CHAR) AS anterior, CAST(estado_nuevo AS CHAR) AS nuevo, origen
             FROM ll_envios_whatsapp_historial ORDER BY id",
        )
        .fetch_all(pool)
        .await?
        {
            ev.historial.push(HistorialRow {
                envio_id: r.try_get::<i32, _>("envio_id")?.into(),
                anterior: r.try_get("anterior")?,
                nuevo: r.try_get::<Option<String>, _>("nuevo")?.unwrap_or_default(),
                origen: r.try_get("origen")?,
            });
        }
        for r in sqlx::query(
            "SELECT id, campania_id, cliente_id, dias_semana, hora_inicio, hora_fin, cupo_diario, fecha_inicio, fecha_fin,
                    CAST(estado AS CHAR) AS estado, locked_by
             FROM ll_programaciones ORDER BY id",
        )
        .fetch_all(pool)
        .await?
        {
            ev.programaciones.push(ProgramacionRow {
                id: r.try_get::<i32, _>("id")?.into(),
                campania_id: r.try_get::<i32, _>("campania_id")?.into(),
                cliente_id: r.try_get::<i32, _>("cliente_id")?.into(),
                dias_semana: r.try_get("dias_semana")?,
                hora_inicio: r.try_get("hora_inicio")?,
                hora_fin: r.try_get("hora_fin")?,
                cupo_diario: r.try_get::<i32, _>("cupo_diario")?.into(),
                fecha_inicio: r.try_get("fecha_inicio")?,
                fecha_fin: r.try_get("fecha_fin")?,
                estado: r.try_get::<Option<String>, _>("estado")?.unwrap_or_default(),
                locked_by: r.try_get("locked_by")?,
            });
        }
        for r in sqlx::query(
            "SELECT id, CAST(estado AS CHAR) AS estado, cliente_id FROM ll_campanias_whatsapp",
        )
        .fetch_all(pool)
        .await?
        {
            let cliente: Option<i32> = r.try_get("cliente_id")?;
            ev.campaigns.insert(
                r.try_get::<i32, _>("id")?.into(),
                (
                    r.try_get::<Option<String>, _>("estado")?
                        .unwrap_or_default(),
                    cliente.map(i64::from),
                ),
            );
        }
        for r in sqlx::query(
            "SELECT programacion_id, fecha, enviados FROM ll_programacion_envios_diarios",
        )
        .fetch_all(pool)
        .await?
        {
            ev.counters.insert(
                (
                    r.try_get::<i32, _>("programacion_id")?.into(),
                    r.try_get("fecha")?,
                ),
                r.try_get::<i32, _>("enviados")?.into(),
            );
        }
        for r in sqlx::query(
            "SELECT envio_id, programacion_id, CAST(resultado AS CHAR) AS resultado, intentos, detalle FROM lmh_envio_intentos",
        )
        .fetch_all(pool)
        .await?
        {
            ev.intentos.push(IntentoRow {
                envio_id: r.try_get::<i32, _>("envio_id")?.into(),
                programacion_id: r.try_get::<i32, _>("programacion_id")?.into(),
                resultado: r.try_get::<Option<String>, _>("resultado")?.unwrap_or_default(),
                intentos: r.try_get::<i32, _>("intentos")?.into(),
                detalle: r.try_get("detalle")?,
            });
        }
        Ok(ev)
    }

    /// The journal, empty when there is none.
    fn entries(&self) -> &[JournalEntry] {
        self.journal.as_deref().unwrap_or(&[])
    }

    fn deliveries(&self) -> impl Iterator<Item = &JournalEntry> {
        self.entries().iter().filter(|e| e.message_id.is_some())
    }

    fn programacion_of(&self, envio_id: i64) -> Option<&ProgramacionRow> {
        let intento = self.intentos.iter().find(|i| i.envio_id == envio_id)?;
        self.programaciones
            .iter()
            .find(|p| p.id == intento.programacion_id)
    }
}

const AREA: &str = "invariant";

/// One invariant: a stable id, the name reports show, and how it is judged.
#[derive(Debug, Clone, Copy)]
pub struct Invariant {
    /// Stable identifier (`stuck`), for code that refers to one invariant.
    pub id: &'static str,
    /// The check's name in reports, led by its number in docs/invariants.md.
    pub name: &'static str,
    /// Whether it judges what the provider received: without a journal it is skipped, never
    /// passed.
    pub needs_journal: bool,
    /// The check, given the evidence and the name to report under.
    pub check: fn(&Evidence, &str) -> Check,
}

/// Every invariant, in report order. A new one is a function and one entry here.
pub static INVARIANTS: &[Invariant] = &[
    Invariant {
        id: "routes",
        name: "I1 only contract routes called",
        needs_journal: true,
        check: routes,
    },
    Invariant {
        id: "confirmed_sends",
        name: "I6/I8 enviado only after a confirmed send",
        needs_journal: true,
        check: confirmed_sends,
    },
    Invariant {
        id: "answers_conform",
        name: "I7 provider answers conform",
        needs_journal: true,
        check: answers_conform,
    },
    Invariant {
        id: "one_send_per_envio",
        name: "I9 at most one send per envio",
        needs_journal: true,
        check: one_send_per_envio,
    },
    Invariant {
        id: "unknown_outcomes",
        name: "I9 unknown outcomes left for a person",
        needs_journal: false,
        check: unknown_outcomes,
    },
    Invariant {
        id: "expected_outcomes",
        name: "I10 expected outcomes",
        needs_journal: false,
        check: expected_outcomes,
    },
    Invariant {
        id: "historial",
        name: "I11 historial complete",
        needs_journal: false,
        check: historial,
    },
    Invariant {
        id: "enum_values",
        name: "I11 estado values within the enum",
        needs_journal: false,
        check: enum_values,
    },
    Invariant {
        id: "counters",
        name: "I12 daily counter equals transitions",
        needs_journal: false,
        check: counters,
    },
    Invariant {
        id: "locks",
        name: "I13 locks released",
        needs_journal: false,
        check: locks,
    },
    Invariant {
        id: "windows",
        name: "I14 no send outside its window",
        needs_journal: false,
        check: windows,
    },
    Invariant {
        id: "gates",
        name: "I15 gates respected",
        needs_journal: false,
        check: gates,
    },
    Invariant {
        id: "stuck",
        name: "I16 nothing stuck pending",
        needs_journal: false,
        check: stuck,
    },
    Invariant {
        id: "text_and_phone",
        name: "I18 text and phone exact",
        needs_journal: true,
        check: text_and_phone,
    },
    Invariant {
        id: "attempts",
        name: "I9 attempts per envio within the limit",
        needs_journal: false,
        check: attempts,
    },
];

/// The invariant with this id, if there is one.
pub fn invariant(id: &str) -> Option<&'static Invariant> {
    INVARIANTS.iter().find(|i| i.id == id)
}

/// Run every invariant of [`INVARIANTS`] over the evidence, one check each, in order.
pub fn check(ev: &Evidence) -> Vec<Check> {
    INVARIANTS.iter().map(|inv| inv.run(ev)).collect()
}

impl Invariant {
    /// Judge the evidence; a journal check without a journal is a skip.
    pub fn run(&self, ev: &Evidence) -> Check {
        // What the provider received can only be judged where it was recorded.
        if self.needs_journal && ev.journal.is_none() {
            return Check::skip(
                AREA,
                self.name,
                "no journal of what the provider received (record one with `lmh mock serve --journal`)",
            );
        }
        (self.check)(ev, self.name)
    }
}

fn verdict(name: &str, failures: Vec<String>, ok: impl Into<String>) -> Check {
    if failures.is_empty() {
        Check::pass(AREA, name, ok)
    } else {
        let n = failures.len();
        let first = failures[0].clone();
        let summary = if n == 1 {
            first
        } else {
            format!("{first} (and {} more)", n - 1)
        };
        Check::fail(AREA, name, summary).with_details(failures.into_iter().take(50))
    }
}

/// The journal `/send` requests, each with its parsed body.
fn send_requests(
    ev: &Evidence,
) -> impl Iterator<Item = (&JournalEntry, Option<serde_json::Value>)> {
    ev.entries()
        .iter()
        .filter(|e| e.operation.as_deref() == Some("send"))
        .map(|e| (e, e.json_body()))
}

fn routes(ev: &Evidence, name: &str) -> Check {
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

fn confirmed_sends(ev: &Evidence, name: &str) -> Check {
    let mut failures = Vec::new();
    let by_id: HashMap<&str, Vec<&JournalEntry>> =
        ev.deliveries().fold(HashMap::new(), |mut m, e| {
            m.entry(e.message_id.as_deref().unwrap_or(""))
                .or_default()
                .push(e);
            m
        });
    let mut count = 0;
    for row in ev.envios.iter().filter(|r| r.estado == "enviado") {
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
    for row in ev.envios.iter().filter(|r| r.estado == "enviado") {
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

fn answers_conform(ev: &Evidence, name: &str) -> Check {
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

fn one_send_per_envio(ev: &Evidence, name: &str) -> Check {
    let mut per_recipient: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for (e, body) in send_requests(ev) {
        if e.message_id.is_none() {
            continue;
        }
        let body = body.unwrap_or_default();
        let key = (
            e.headers.get("x-cliente-id").cloned().unwrap_or_default(),
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
            format!("{to} (cliente {cliente}) was sent the same message {n} times")
        })
        .collect();
    let sends = per_recipient.values().sum::<usize>();
    verdict(name, failures, format!("{sends} deliveries, none repeated"))
}

/// From the database alone: no row was sent more often than the scheduler allows (a provider
/// failure re-sent every tick is how one phone got 180 messages).
fn attempts(ev: &Evidence, name: &str) -> Check {
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

fn unknown_outcomes(ev: &Evidence, name: &str) -> Check {
    let open: Vec<&IntentoRow> = ev
        .intentos
        .iter()
        .filter(|i| i.resultado == "desconocido" || i.resultado == "en_curso")
        .collect();
    let mut failures = Vec::new();
    for i in &open {
        let row = ev.envios.iter().find(|r| r.id == i.envio_id);
        if row.is_some_and(|r| r.estado == "enviado") {
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

fn expected_outcomes(ev: &Evidence, name: &str) -> Check {
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

fn historial(ev: &Evidence, name: &str) -> Check {
    let mut by_envio: HashMap<i64, Vec<&HistorialRow>> = HashMap::new();
    for h in &ev.historial {
        by_envio.entry(h.envio_id).or_default().push(h);
    }
    let mut failures = Vec::new();
    for row in &ev.envios {
        let rows = by_envio.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
        // The chain of changes: an optional creation row (no estado_anterior), then each row
        // starting where the previous one ended, the last one ending at the row's estado.
        let mut current: Option<&str> = None;
        let mut broken = None;
        for (i, h) in rows.iter().enumerate() {
            let creation = i == 0 && h.anterior.is_none();
            if !creation && h.anterior.as_deref() != Some(current.unwrap_or("pendiente")) {
                broken = Some(format!(
                    "historial row {} goes {:?} -> {:?} but the row was {:?}",
                    i + 1,
                    h.anterior,
                    h.nuevo,
                    current.unwrap_or("pendiente")
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
        let end = current.unwrap_or("pendiente");
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

fn enum_values(ev: &Evidence, name: &str) -> Check {
    const ENVIO: [&str; 3] = ["pendiente", "enviado", "error"];
    let mut failures: Vec<String> = ev
        .envios
        .iter()
        .filter(|r| !ENVIO.contains(&r.estado.as_str()))
        .map(|r| format!("envio {}: estado {:?} is outside the enum", r.id, r.estado))
        .collect();
    failures.extend(
        ev.historial
            .iter()
            .filter(|h| {
                !ENVIO.contains(&h.nuevo.as_str())
                    || h.anterior.as_deref().is_some_and(|a| !ENVIO.contains(&a))
            })
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

fn counters(ev: &Evidence, name: &str) -> Check {
    let mut transitions: BTreeMap<(i64, NaiveDate), i64> = BTreeMap::new();
    for row in ev.envios.iter().filter(|r| r.estado == "enviado") {
        let (Some(p), Some(fecha)) = (ev.programacion_of(row.id), row.fecha_envio) else {
            continue;
        };
        *transitions.entry((p.id, fecha.date())).or_default() += 1;
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
        if let Some(p) = ev.programaciones.iter().find(|p| p.id == key.0)
            && t > 0
            && c > p.cupo_diario
        {
            failures.push(format!(
                "programacion {} on {}: counter {c} exceeds cupo_diario {}",
                key.0, key.1, p.cupo_diario
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

fn locks(ev: &Evidence, name: &str) -> Check {
    let failures: Vec<String> = ev
        .programaciones
        .iter()
        .filter_map(|p| {
            p.locked_by
                .as_ref()
                .map(|by| format!("programacion {}: still locked by {by}", p.id))
        })
        .collect();
    verdict(name, failures, "no programación left locked")
}

fn windows(ev: &Evidence, name: &str) -> Check {
    let Some(tz) = ev.tz else {
        return Check::skip(AREA, name, "no business time zone given");
    };
    // When: the provider's journal, if it shares the run's clock; else the recorded fecha_envio.
    let mut sends: Vec<(String, NaiveDateTime, Vec<&ProgramacionRow>)> = Vec::new();
    let mut failures = Vec::new();
    if ev.journal.is_some() && ev.journal_in_run_time {
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
            let candidates: Vec<&ProgramacionRow> = match row.and_then(|r| ev.programacion_of(r.id))
            {
                Some(p) => vec![p],
                // A send never recorded still went out: it is fine inside any of its client's windows.
                None => {
                    let cliente = d
                        .headers
                        .get("x-cliente-id")
                        .and_then(|h| parse_cliente_id_header(h));
                    ev.programaciones
                        .iter()
                        .filter(|p| Some(p.cliente_id as u64) == cliente)
                        .collect()
                }
            };
            let to = d
                .json_body()
                .and_then(|b| b.get("to").and_then(|t| t.as_str()).map(str::to_string))
                .unwrap_or_default();
            sends.push((format!("send #{} to {to}", d.seq), local, candidates));
        }
    } else {
        for row in ev.envios.iter().filter(|r| r.estado == "enviado") {
            if let (Some(at), Some(p)) = (row.fecha_envio, ev.programacion_of(row.id)) {
                sends.push((format!("envio {} (fecha_envio)", row.id), at, vec![p]));
            }
        }
    }
    let mut checked = 0;
    for (what, local, candidates) in &sends {
        if candidates.is_empty() {
            continue;
        }
        checked += 1;
        let inside = |p: &&ProgramacionRow| {
            runs_on(&p.dias_semana, chrono::Datelike::weekday(local))
                && Window {
                    hora_inicio: p.hora_inicio,
                    hora_fin: p.hora_fin,
                }
                .contains(local.time())
        };
        if !candidates.iter().any(inside) {
            let windows: Vec<String> = candidates
                .iter()
                .map(|p| {
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

fn gates(ev: &Evidence, name: &str) -> Check {
    let mut failures = Vec::new();
    if ev.dry_run && ev.journal.is_some() {
        let sends = send_requests(ev).count();
        if sends > 0 {
            failures.push(format!(
                "DRY_RUN but the provider received {sends} /send requests"
            ));
        }
    }
    for row in ev.envios.iter().filter(|r| r.estado == "enviado") {
        let Some(p) = ev.programacion_of(row.id) else {
            failures.push(format!(
                "envio {}: enviado with no programación that claimed it",
                row.id
            ));
            continue;
        };
        if p.estado != "aprobada" {
            failures.push(format!(
                "envio {}: sent under programacion {} which is {}",
                row.id, p.id, p.estado
            ));
        }
        match ev.campaigns.get(&row.campania_id) {
            Some((estado, _)) if estado == "en_progreso" => {}
            other => failures.push(format!(
                "envio {}: sent for campaign {} which is {:?}",
                row.id,
                row.campania_id,
                other.map(|c| c.0.as_str())
            )),
        }
        if let Some(fecha) = row.fecha_envio {
            let day = fecha.date();
            if day < p.fecha_inicio || p.fecha_fin.is_some_and(|f| day > f) {
                failures.push(format!(
                    "envio {}: sent on {day}, outside programacion {} dates [{}, {}]",
                    row.id,
                    p.id,
                    p.fecha_inicio,
                    p.fecha_fin
                        .map(|f| f.to_string())
                        .unwrap_or_else(|| "open".into())
                ));
            }
        }
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

fn stuck(ev: &Evidence, name: &str) -> Check {
    let failures: Vec<String> = ev
        .envios
        .iter()
        .filter(|r| r.estado == "pendiente" && ev.expected.get(&r.id) == Some(&Expected::Enviado))
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

fn text_and_phone(ev: &Evidence, name: &str) -> Check {
    let mut failures = Vec::new();
    let by_id: HashMap<&str, &EnvioRow> = ev
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
        let header = e
            .headers
            .get("x-cliente-id")
            .and_then(|h| parse_cliente_id_header(h));
        let owner = cliente_of(row.campania_id).or_else(|| {
            ev.programaciones
                .iter()
                .find(|p| p.campania_id == row.campania_id)
                .map(|p| p.cliente_id)
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
        if reached || row.estado == "enviado" {
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

    #[test]
    fn ids_and_names_are_unique() {
        for (i, a) in INVARIANTS.iter().enumerate() {
            for b in &INVARIANTS[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.name, b.name);
            }
            assert_eq!(invariant(a.id).map(|f| f.name), Some(a.name));
        }
        assert!(invariant("no such invariant").is_none());
    }

    #[test]
    fn each_check_reports_under_its_registry_name() {
        let ev = Evidence {
            journal: Some(Vec::new()),
            ..Evidence::default()
        };
        let checks = check(&ev);
        assert_eq!(checks.len(), INVARIANTS.len());
        for (c, inv) in checks.iter().zip(INVARIANTS) {
            assert_eq!(c.name, inv.name);
        }
    }

    #[test]
    fn journal_checks_skip_without_a_journal() {
        for (c, inv) in check(&Evidence::default()).iter().zip(INVARIANTS) {
            if inv.needs_journal {
                assert_eq!(c.outcome, Outcome::Skip, "{}", inv.name);
                assert!(c.summary.contains("no journal"), "{}", c.summary);
            } else {
                assert!(
                    !c.summary.contains("no journal"),
                    "{}: {}",
                    inv.name,
                    c.summary
                );
            }
        }
    }
}

//! The doctor's findings as report checks (the few lines a person reads first are
//! `diagnosis`).

use crate::report::{Check, Outcome};

use super::schema::{SchemaReport, Severity};
use super::stuck::Stuck;
use super::tick::{NextTick, ProgramacionPreview, SessionCheck, Verdict, describe_session_error};

/// Area of the schema checks.
pub const AREA_DB: &str = "db";
/// Area of the next-tick and stuck checks.
pub const AREA_SCHEDULER: &str = "scheduler";

/// The schema findings as checks (area `db`): one per problem, or one pass when all is there.
pub fn schema_checks(schema: &SchemaReport) -> Vec<Check> {
    let mut checks = Vec::new();
    let problems = schema
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .count();
    if problems == 0 {
        checks.push(Check::pass(
            AREA_DB,
            "schema",
            format!(
                "{}: every table, column, enum value and key the scheduler needs is present ({} items checked)",
                schema.database, schema.checked
            ),
        ));
    }
    for f in &schema.findings {
        let outcome = match f.severity {
            Severity::Error => Outcome::Fail,
            Severity::Warning => Outcome::Warn,
            Severity::Info => Outcome::Pass,
        };
        checks.push(Check::new(AREA_DB, &f.item, outcome, f.message.clone()));
    }
    checks
}

/// The next-tick preview and the stuck programaciones as checks (area `scheduler`): one per
/// client session asked and one per approved programación; a stuck programación fails.
pub fn next_tick_checks(next: &NextTick, stuck: &[Stuck]) -> Vec<Check> {
    next_tick_checks_with(next, stuck, None)
}

/// [`next_tick_checks`], when central-hub's own code stops every tick before it sends
/// (`blocker`, e.g. a route the session-manager lacks): "would send" becomes "would abort".
pub fn next_tick_checks_with(
    next: &NextTick,
    stuck: &[Stuck],
    blocker: Option<&str>,
) -> Vec<Check> {
    let mut checks = Vec::new();
    for (cliente_id, session) in &next.sessions {
        let name = format!("session cliente {cliente_id}");
        let check = match session {
            SessionCheck::NotAsked => continue,
            SessionCheck::State(s) if s.can_send() => Check::pass(
                AREA_SCHEDULER,
                &name,
                format!("READY at {}", next.session_manager),
            ),
            SessionCheck::State(s) => Check::warn(
                AREA_SCHEDULER,
                &name,
                format!(
                    "{s} at {} ({}): nothing is sent for this client until it is READY",
                    next.session_manager,
                    s.recommended_action()
                ),
            ),
            SessionCheck::Unreadable(e) => {
                let p = describe_session_error(e, &next.session_manager);
                Check::fail(
                    AREA_SCHEDULER,
                    &name,
                    format!(
                        "the session-manager at {} {} ({}): every tick aborts this client's programaciones before sending",
                        p.base_url, p.phrase, p.kind
                    ),
                )
                .with_details([p.hint, e.to_string()])
            }
        };
        checks.push(check);
    }
    if next.programaciones.is_empty() {
        checks.push(Check::pass(
            AREA_SCHEDULER,
            "next tick",
            format!(
                "no approved programación in {}: the scheduler has nothing to do",
                next.database
            ),
        ));
    }
    for p in &next.programaciones {
        let name = format!("programación {}", p.id);
        let line = p.verdict_line();
        let facts = facts(next, p);
        let check = match stuck.iter().find(|s| s.programacion_id == p.id) {
            Some(s) => Check::fail(
                AREA_SCHEDULER,
                &name,
                format!("stuck pendiente (invariant 16): {line}"),
            )
            .with_details([s.diagnosis.clone(), facts]),
            None => match (blocker, &p.verdict) {
                (Some(b), Verdict::WouldSend { .. }) => {
                    Check::fail(AREA_SCHEDULER, &name, format!("would abort, not send: {b}"))
                        .with_details([format!("with that fixed: {line}"), facts])
                }
                _ => Check::new(AREA_SCHEDULER, &name, verdict_outcome(&p.verdict), line)
                    .with_details([facts]),
            },
        };
        checks.push(check);
    }
    checks
}

/// Every check of the database side of `lmh doctor`: schema (area `db`), then the next tick
/// and stuck programaciones (area `scheduler`) when they could be previewed.
pub fn to_checks(schema: &SchemaReport, next: Option<&NextTick>, stuck: &[Stuck]) -> Vec<Check> {
    to_checks_with(schema, next, stuck, None)
}

/// [`to_checks`] with central-hub's own blocker (see [`next_tick_checks_with`]).
pub fn to_checks_with(
    schema: &SchemaReport,
    next: Option<&NextTick>,
    stuck: &[Stuck],
    blocker: Option<&str>,
) -> Vec<Check> {
    let mut checks = schema_checks(schema);
    if let Some(next) = next {
        checks.extend(next_tick_checks_with(next, stuck, blocker));
    }
    checks
}

fn verdict_outcome(verdict: &Verdict) -> Outcome {
    match verdict {
        Verdict::WouldSend { .. } => Outcome::Pass,
        // The scheduler rightly does nothing.
        Verdict::WouldSkip(skip) if skip.is_expected() => Outcome::Pass,
        // Something a person should look at; an unreadable session fails in its own check.
        Verdict::WouldSkip(_) | Verdict::Unreadable(_) => Outcome::Warn,
    }
}

/// One line of what the scheduler would look at for a programación.
fn facts(next: &NextTick, p: &ProgramacionPreview) -> String {
    let t = |x: Option<chrono::NaiveTime>| x.map(|t| t.to_string()).unwrap_or_else(|| "?".into());
    let d = |x: Option<chrono::NaiveDate>, none: &str| {
        x.map(|d| d.to_string()).unwrap_or_else(|| none.into())
    };
    let mut pend = format!("{} pendiente", p.pending.total);
    if p.pending.total > 0 {
        pend.push_str(&format!(" ({} sendable", p.pending.sendable));
        if p.pending.unsendable() > 0 {
            pend.push_str(&format!(
                "; {} without phone, {} invalid phone, {} without text",
                p.pending.sin_telefono, p.pending.telefono_invalido, p.pending.sin_texto
            ));
        }
        if p.pending.claimed > 0 {
            pend.push_str(&format!(
                "; {} claimed by lmh, {} with unknown outcome",
                p.pending.claimed, p.pending.outcome_unknown
            ));
        }
        pend.push(')');
    }
    format!(
        "cliente {}, {:?} {}–{} ({}), dates {}..{}; campaign {} {}; {pend}; {} of cupo_diario {} sent on {}; last fecha_envio {}{}",
        p.cliente_id,
        p.dias_semana,
        t(p.hora_inicio),
        t(p.hora_fin),
        next.tz,
        d(p.fecha_inicio, "?"),
        d(p.fecha_fin, "open"),
        p.campania_id,
        p.campaign_estado.as_deref().unwrap_or("missing"),
        p.enviados_hoy,
        p.cupo_diario
            .map(|c| c.to_string())
            .unwrap_or_else(|| "?".into()),
        next.today(),
        p.last_fecha_envio
            .map(|t| t.to_string())
            .unwrap_or_else(|| "none".into()),
        match &p.lock {
            Some(l) => format!(
                "; locked by {:?} since {}",
                l.by,
                l.at.map(|t| t.to_string()).unwrap_or_else(|| "?".into())
            ),
            None => String::new(),
        }
    )
}

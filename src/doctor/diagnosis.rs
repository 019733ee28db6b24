//! The doctor's findings as the few lines a person reads first: what the seed's analyst
//! reached by hand.

use std::collections::{BTreeMap, BTreeSet};

use super::schema::SchemaReport;
use super::stuck::{Stuck, StuckCause};
use super::tick::{NextTick, ProgramacionPreview, SessionCheck, describe_session_error};

/// Programaciones ready to send but for their session, per client.
type Ready<'a> = BTreeMap<i64, Vec<&'a ProgramacionPreview>>;

/// What the seed's diagnosis reached by hand, in a few lines: the schema, which programaciones
/// are ready to send and for whom, what their sessions say (the root cause when they cannot
/// be read), what is stuck, and why the rest wait.
pub fn diagnosis(schema: &SchemaReport, next: Option<&NextTick>, stuck: &[Stuck]) -> Vec<String> {
    diagnosis_with(schema, next, stuck, None)
}

/// [`diagnosis`] with central-hub's own blocker (see
/// [`next_tick_checks_with`](super::next_tick_checks_with)).
pub fn diagnosis_with(
    schema: &SchemaReport,
    next: Option<&NextTick>,
    stuck: &[Stuck],
    blocker: Option<&str>,
) -> Vec<String> {
    let mut lines = vec![schema_line(schema)];
    let Some(next) = next else {
        return lines;
    };
    if next.programaciones.is_empty() {
        lines.push(format!(
            "no approved programación in {}: the scheduler has nothing to do",
            next.database
        ));
        return lines;
    }
    let mut ready: Ready = BTreeMap::new();
    for p in next
        .programaciones
        .iter()
        .filter(|p| p.ready_but_for_session())
    {
        ready.entry(p.cliente_id).or_default().push(p);
    }
    lines.extend(ready_lines(next, &ready, blocker));
    for s in stuck {
        if matches!(s.cause, StuckCause::NothingSent { .. }) {
            lines.push(format!("stuck: {}", s.diagnosis));
        }
    }
    lines.extend(unreadable_elsewhere(next, &ready));
    lines.extend(waiting_line(next));
    lines
}

/// The schema: all there, or its first problems.
fn schema_line(schema: &SchemaReport) -> String {
    let errors: Vec<_> = schema.errors().collect();
    if errors.is_empty() {
        return format!(
            "schema of {}: every table, column, enum value and key the scheduler needs is present",
            schema.database
        );
    }
    let shown: Vec<&str> = errors.iter().take(3).map(|f| f.message.as_str()).collect();
    let more = if errors.len() > shown.len() {
        format!("; and {} more", errors.len() - shown.len())
    } else {
        String::new()
    };
    format!(
        "schema of {}: {}: {}{more}",
        schema.database,
        plural(errors.len(), "problem", "problems"),
        shown.join("; ")
    )
}

/// Per client with programaciones ready but for the session: what is ready and what its
/// session says; then one line per distinct reason sessions cannot be read (the clients are
/// named in the lines above).
fn ready_lines(next: &NextTick, ready: &Ready, blocker: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    let mut unreadable: BTreeMap<(String, String), String> = BTreeMap::new();
    for (cliente_id, ps) in ready {
        lines.push(ready_line(*cliente_id, ps));
        match &ps[0].session {
            SessionCheck::Unreadable(e) => {
                let p = describe_session_error(e, &next.session_manager);
                unreadable.entry((p.base_url, p.phrase)).or_insert(p.hint);
            }
            session => lines.extend(session_line(next, *cliente_id, ps, session, blocker)),
        }
    }
    for ((base_url, phrase), hint) in unreadable {
        lines.push(format!(
            "the session-manager at {base_url} {phrase}: every tick aborts before sending, so rows stay pendiente"
        ));
        lines.push(format!("what to do: {hint}"));
    }
    lines
}

/// "N approved programaciones of cliente C (ids) are in window with R pendientes and quota
/// left", each campaign's rows counted once.
fn ready_line(cliente_id: i64, ps: &[&ProgramacionPreview]) -> String {
    let mut campaigns = BTreeSet::new();
    let (mut rows, mut unsendable) = (0, 0);
    for p in ps {
        if campaigns.insert(p.campania_id) {
            rows += p.pending.sendable + p.pending.unsendable();
            unsendable += p.pending.unsendable();
        }
    }
    let invalid = if unsendable > 0 {
        format!(" ({unsendable} without a valid phone or text)")
    } else {
        String::new()
    };
    format!(
        "{} of cliente {cliente_id} ({}) {} in window with {rows} pendientes{invalid} and quota left",
        plural(ps.len(), "approved programación", "approved programaciones"),
        ids(ps),
        if ps.len() == 1 { "is" } else { "are" },
    )
}

/// What a readable session means for the client's ready programaciones.
fn session_line(
    next: &NextTick,
    cliente_id: i64,
    ps: &[&ProgramacionPreview],
    session: &SessionCheck,
    blocker: Option<&str>,
) -> Option<String> {
    let SessionCheck::State(s) = session else {
        return None;
    };
    if !s.can_send() {
        return Some(format!(
            "cliente {cliente_id}'s session is {s} ({}): nothing is sent until it is READY",
            s.recommended_action()
        ));
    }
    if let Some(blocker) = blocker {
        return Some(format!(
            "cliente {cliente_id}'s session is READY at {}, but the next tick would abort, not send: {blocker}",
            next.session_manager
        ));
    }
    let per: Vec<String> = ps
        .iter()
        .map(|p| format!("{}: {}", p.id, p.verdict.rows()))
        .collect();
    let total: i64 = ps.iter().map(|p| p.verdict.rows()).sum();
    Some(format!(
        "cliente {cliente_id}'s session is READY at {}: the next tick would send {total} (programación {})",
        next.session_manager,
        per.join(", ")
    ))
}

/// Sessions that cannot be read although nothing of theirs is due now.
fn unreadable_elsewhere(next: &NextTick, ready: &Ready) -> Vec<String> {
    next.sessions
        .iter()
        .filter(|(cliente_id, _)| !ready.contains_key(cliente_id))
        .filter_map(|(cliente_id, session)| match session {
            SessionCheck::Unreadable(e) => {
                let p = describe_session_error(e, &next.session_manager);
                Some(format!(
                    "cliente {cliente_id}'s session cannot be read: the session-manager at {} {}; its programaciones will abort when their window opens",
                    p.base_url, p.phrase
                ))
            }
            _ => None,
        })
        .collect()
}

/// Why the rest wait, grouped by the gate (or value) that holds them back.
fn waiting_line(next: &NextTick) -> Option<String> {
    let mut waiting: BTreeMap<&'static str, Vec<&ProgramacionPreview>> = BTreeMap::new();
    for p in next
        .programaciones
        .iter()
        .filter(|p| !p.ready_but_for_session())
    {
        waiting.entry(p.verdict.label()).or_default().push(p);
    }
    if waiting.is_empty() {
        return None;
    }
    let n: usize = waiting.values().map(Vec::len).sum();
    let groups: Vec<String> = waiting
        .iter()
        .map(|(label, ps)| format!("{label} ({})", ids(ps)))
        .collect();
    Some(format!(
        "{} would not send now: {}",
        plural(n, "approved programación", "approved programaciones"),
        groups.join("; ")
    ))
}

fn ids(ps: &[&ProgramacionPreview]) -> String {
    ps.iter()
        .map(|p| p.id.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

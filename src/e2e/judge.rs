//! Judging a run: every invariant over its evidence, with what only the run knows added (the
//! clients given up on, a dry run's coverage, an external provider's sessions, why rows were
//! stuck).

use std::collections::BTreeSet;

use super::Provider;
use super::run::Run;
use super::ticks::Ticked;
use crate::fixtures::Fixture;
use crate::invariants::{self, Evidence, Expected};
use crate::report::{Check, Outcome};
use crate::scheduler::{Decision, Event};
use crate::session::SessionState;

/// The run's checks: one per invariant, then the run's own.
pub(super) fn checks(
    run: &Run<'_>,
    provider: &Provider,
    ev: &Evidence,
    ticked: &Ticked,
) -> Vec<Check> {
    let mut checks = invariants::check(ev);
    checks.extend(ticked.reachability.checks());
    if run.config.dry_run {
        checks.push(dry_run_coverage(run.fixture, &ticked.would_send));
    }
    if let Provider::Url { .. } = provider {
        checks.extend(external_sessions(run.fixture));
    }
    explain_stuck(&mut checks, &ticked.log);
    name_unknown_sessions(&mut checks, &ticked.log);
    checks
}

/// In a dry run, every row a real run would send must have been reported as "would send".
fn dry_run_coverage(fixture: &Fixture, would_send: &BTreeSet<i64>) -> Check {
    let missing: Vec<String> = fixture
        .envios
        .iter()
        .filter(|e| e.expect == Expected::Enviado && !would_send.contains(&i64::from(e.id)))
        .map(|e| {
            format!(
                "envio {}: a real run sends it, the dry run never said it would",
                e.id
            )
        })
        .collect();
    if missing.is_empty() {
        Check::pass(
            "invariant",
            "DRY_RUN reports every send",
            format!("{} rows would be sent", would_send.len()),
        )
    } else {
        Check::fail(
            "invariant",
            "DRY_RUN reports every send",
            missing[0].clone(),
        )
        .with_details(missing)
    }
}

/// A warning when the fixture wanted sessions in states an external session-manager was not
/// put in. Not named by its URL: behind `recorded` that is the recording proxy's, not the
/// user's.
fn external_sessions(fixture: &Fixture) -> Option<Check> {
    let not_ready: Vec<String> = fixture
        .sessions
        .iter()
        .filter(|(_, s)| **s != SessionState::Ready)
        .map(|(c, s)| format!("cliente {c}: {s}"))
        .collect();
    (!not_ready.is_empty()).then(|| {
        Check::warn(
            "invariant",
            "fixture sessions",
            "the session-manager given by --session-manager is external: the fixture's session states were not applied; expectations that rely on them may not hold",
        )
        .with_details(not_ready)
    })
}

/// The scheduler's own "stuck" decisions, as details of the stuck-rows invariant.
fn explain_stuck(checks: &mut [Check], log: &[Decision]) {
    let stuck: Vec<String> = log
        .iter()
        .filter(|d| d.event == Event::Stuck)
        .map(|d| format!("programacion {:?}: {}", d.programacion_id, d.detail))
        .collect();
    if !stuck.is_empty()
        && let Some(stuck_name) = invariants::invariant("stuck").map(|i| i.name)
        && let Some(c) = checks.iter_mut().find(|c| c.name == stuck_name)
    {
        c.details.extend(stuck);
    }
}

/// When rows stayed pendiente and the session-manager could not say whether a session was
/// READY (unreachable, wrong route, broken answer), the failed check says so in its summary:
/// "never claimed" alone sends a person to look at windows and quotas instead.
fn name_unknown_sessions(checks: &mut [Check], log: &[Decision]) {
    let unknown: Vec<_> = log
        .iter()
        .filter(|d| d.event == Event::SkipSessionUnknown)
        .collect();
    let Some(last) = unknown.last() else {
        return;
    };
    let Some(name) = invariants::invariant("stuck").map(|i| i.name) else {
        return;
    };
    if let Some(c) = checks
        .iter_mut()
        .find(|c| c.name == name && c.outcome == Outcome::Fail)
    {
        c.summary = format!(
            "{}; the session-manager could not say whether the session was READY on {} tick(s), last: {}",
            c.summary,
            unknown.len(),
            last.detail
        );
    }
}

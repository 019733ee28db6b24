//! The finding for one resolved variable: its value, where it came from, what it shadows.

use std::fmt::Write as _;

use super::error::how_to_give;
use super::{
    Candidate, Effective, Finding, Resolution, Service, ServiceConfig, Severity, SourceKind,
    source, validate,
};

/// A side nobody described: a skip, not an error, so one side can be checked alone.
pub(super) fn not_given_finding(service: Service) -> Finding {
    Finding::new(
        Severity::Skipped,
        &format!("{service} sources"),
        format!(
            "{service}: not given, so nothing that needs its configuration is checked; to \
             include it, pass {}",
            how_to_give(service)
        ),
    )
}

/// The resolution of a variable of a service that is not given.
pub(super) fn not_given(service: Service, key: &str) -> Resolution {
    Resolution {
        service,
        key: key.to_string(),
        effective: Effective::Missing,
        shadowed: Vec::new(),
        inactive: Vec::new(),
        notes: Vec::new(),
    }
}

/// The sources a service was read from, so every source is named in the report.
pub(super) fn sources_finding(config: &ServiceConfig) -> Finding {
    let mut f = Finding::new(
        Severity::Info,
        &format!("{} sources", config.service),
        format!(
            "{} sources, highest precedence first: shell, PM2 ecosystem file, .env",
            config.service
        ),
    );
    f.details = config.consulted.clone();
    f
}

/// The finding for one resolved variable; `validate` turns a value into something typed plus
/// a suffix for the message, or says why it is unusable.
pub(super) fn value_finding<T>(
    r: &Resolution,
    validate: impl Fn(&str) -> Result<(T, String), String>,
) -> (Option<T>, Finding) {
    let topic = format!("{} {}", r.service, r.key);
    let key = &r.key;
    let flag = r.service.flag();
    // A usable value is information; an unusable one an error saying why.
    let judged = |value: &str, ok: &dyn Fn(String) -> String, bad: &dyn Fn(String) -> String| {
        match validate(value) {
            Ok((typed, suffix)) => (
                Some(typed),
                Finding::new(Severity::Info, &topic, ok(suffix)),
            ),
            Err(reason) => (None, Finding::new(Severity::Error, &topic, bad(reason))),
        }
    };
    let (typed, mut finding) = match &r.effective {
        Effective::Set(c) => {
            let value = c.value.as_deref().unwrap_or_default();
            judged(
                value,
                &|suffix| {
                    format!(
                        "{} from {}{suffix}",
                        shown(key, value),
                        describe_candidate(c)
                    )
                },
                &|reason| format!("{key} from {}: {reason}", describe_candidate(c)),
            )
        }
        Effective::Default(value) => judged(
            value,
            &|suffix| {
                format!(
                    "{key}={value}: default from the service code ({key} is not set in any \
                     source){suffix}"
                )
            },
            &|reason| format!("default {key}: {reason}"),
        ),
        Effective::Unreadable(c) => (
            None,
            Finding::new(
                Severity::Error,
                &topic,
                format!(
                    "{key} could not be read: {} ({}); lmh does not run ecosystem files: write a \
                     literal there, or describe the shell with --{flag}-shell",
                    c.written, c.source
                ),
            ),
        ),
        Effective::Missing => (
            None,
            Finding::new(
                Severity::Error,
                &topic,
                format!(
                    "{key} is not set in any source (shell, PM2 ecosystem file, .env); {} \
                     requires it and has no default: set it to the session-manager's URL, e.g. \
                     {key}=http://localhost:<its PORT> in its .env",
                    r.service
                ),
            ),
        ),
    };
    finding.sources = r.source().into_iter().collect();
    add_shadow_details(r, &mut finding);
    (typed, finding)
}

/// Shadowed, inactive and noted sources as details; a disagreeing source makes it a warning.
fn add_shadow_details(r: &Resolution, finding: &mut Finding) {
    let key = &r.key;
    let disagreeing = r.disagreeing();
    for c in &r.shadowed {
        let verb = if matches!(r.effective, Effective::Unreadable(_)) {
            "lower precedence"
        } else if disagreeing.contains(&c) {
            "shadowed"
        } else {
            "also set (same value)"
        };
        finding.details.push(format!("{verb}: {}", c.describe(key)));
        finding.sources.push(c.source.clone());
    }
    for c in &r.inactive {
        finding
            .details
            .push(format!("not applied: {}", c.describe(key)));
        finding.sources.push(c.source.clone());
    }
    finding.details.extend(r.notes.iter().cloned());
    // Behind an unreadable winner nothing is known to be shadowed; the error says enough.
    if disagreeing.is_empty() || matches!(r.effective, Effective::Unreadable(_)) {
        return;
    }
    finding.severity = finding.severity.max(Severity::Warning);
    let _ = write!(
        finding.message,
        "; {} other source(s) say otherwise",
        disagreeing.len()
    );
    let shell_wins =
        matches!(&r.effective, Effective::Set(c) if c.source.kind == SourceKind::Shell);
    let pm2_loses = disagreeing
        .iter()
        .any(|c| matches!(c.source.kind, SourceKind::Pm2 { .. }));
    if shell_wins && pm2_loses {
        finding.details.push(
            "the shell value wins as on the incident day (a process started from that shell, \
             or restarted without --update-env, keeps it); a fresh `pm2 start <ecosystem file>` \
             applies the file's value instead. Make them agree, or remove the variable from \
             the shell"
                .into(),
        );
    }
}

pub(super) fn port_check(value: &str) -> Result<(u16, String), String> {
    validate::parse_port(value).map(|p| (p, String::new()))
}

/// `KEY=value` for the message, secrets redacted.
fn shown(key: &str, value: &str) -> String {
    format!("{key}={}", source::display_value(key, value))
}

/// `path:line`, `shell`, or with how it was worked out.
fn describe_candidate(c: &Candidate) -> String {
    match &c.how {
        Some(how) => format!("{} (`{}`: {how})", c.source, c.written),
        None => c.source.to_string(),
    }
}

//! Where a session-manager really answers: the probes, and what they say about the config.

use super::error::how_to_give;
use super::{
    BaseUrl, ConfigReport, Finding, ProbeOptions, ProbeOutcome, ProbeResult, Service, Severity,
    probe,
};
use crate::domain::SESSION_MANAGER_BASE_URL;

impl ConfigReport {
    /// Ask what answers on the URL's port, the session-manager's configured port and
    /// `options.extra_ports`, and compare with the configuration.
    pub async fn probe(&mut self, options: &ProbeOptions) {
        let Some(base) = self.base_url.clone() else {
            let why = if self.hub_given {
                "there is no usable SESSION_MANAGER_BASE_URL (see above)".to_string()
            } else {
                format!(
                    "central-hub is not given, so there is no SESSION_MANAGER_BASE_URL to probe; \
                     pass {}",
                    how_to_give(Service::CentralHub)
                )
            };
            self.findings.push(Finding::new(
                Severity::Skipped,
                "probe",
                format!("not probed: {why}"),
            ));
            return;
        };
        let mut targets = vec![(base.port, PortRole::BaseUrl)];
        if let Some(p) = self.sm_effective_port.filter(|p| *p != base.port) {
            targets.push((p, PortRole::Configured));
        }
        for &p in &options.extra_ports {
            if !targets.iter().any(|(q, _)| *q == p) {
                targets.push((p, PortRole::Extra));
            }
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (index, (port, _)) in targets.iter().enumerate() {
            let url = base.with_port(*port);
            let timeout = options.timeout;
            tasks.spawn(async move { (index, probe::probe_health(&url, timeout).await) });
        }
        let mut results: Vec<Option<ProbeResult>> = vec![None; targets.len()];
        while let Some(joined) = tasks.join_next().await {
            if let Ok((index, result)) = joined {
                results[index] = Some(result);
            }
        }
        for ((port, role), result) in targets.iter().zip(results) {
            let result = result.unwrap_or_else(|| ProbeResult {
                url: base.with_port(*port).to_string(),
                port: *port,
                outcome: ProbeOutcome::Transport {
                    reason: "the probe task failed".into(),
                },
            });
            self.findings.push(probe_finding(
                *role,
                &result,
                options,
                self.sm_effective_port,
            ));
            self.probes.push(result);
        }
        let summary = self.location_finding(&base);
        self.findings.push(summary);
    }

    /// Where a session-manager really answers, against where the hub looks and the config says.
    fn location_finding(&self, base: &BaseUrl) -> Finding {
        let topic = "provider location";
        let confirmed: Vec<u16> = self
            .probes
            .iter()
            .filter(|p| p.outcome.is_session_manager())
            .map(|p| p.port)
            .collect();
        let probed: Vec<String> = self.probes.iter().map(|p| p.port.to_string()).collect();
        if confirmed.contains(&base.port) {
            match self.sm_effective_port {
                Some(q) if q != base.port => Finding::new(
                    Severity::Warning,
                    topic,
                    format!(
                        "a session-manager answers on port {}, where central-hub looks, but its \
                         configuration resolves to {q}: the running process has an older \
                         environment (PM2 keeps it unless restarted with --update-env), and the \
                         next restart with the current sources moves it to {q}",
                        base.port
                    ),
                ),
                Some(_) => Finding::new(
                    Severity::Info,
                    topic,
                    format!(
                        "the session-manager answers where central-hub looks (port {}) and where \
                         its configuration says",
                        base.port
                    ),
                ),
                None => Finding::new(
                    Severity::Info,
                    topic,
                    format!(
                        "a session-manager answers where central-hub looks (port {}); its own \
                         configuration is {}",
                        base.port,
                        if self.sm_given {
                            "not usable (see above)"
                        } else {
                            "not given"
                        }
                    ),
                ),
            }
        } else if !confirmed.is_empty() {
            let list: Vec<String> = confirmed.iter().map(u16::to_string).collect();
            Finding::new(
                Severity::Error,
                topic,
                format!(
                    "a session-manager answers on port {}, but central-hub's {SESSION_MANAGER_BASE_URL} \
                     points at port {}",
                    list.join(", "),
                    base.port
                ),
            )
        } else {
            Finding::new(
                Severity::Error,
                topic,
                format!(
                    "no session-manager answered on any probed port ({}); start it, or probe \
                     other ports with --probe-port",
                    probed.join(", ")
                ),
            )
        }
    }
}

/// What a probed port is to the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortRole {
    /// The port of `SESSION_MANAGER_BASE_URL`: where central-hub sends requests.
    BaseUrl,
    /// The session-manager's configured port, when it differs.
    Configured,
    /// Asked for with `--probe-port`.
    Extra,
}

fn probe_finding(
    role: PortRole,
    result: &ProbeResult,
    options: &ProbeOptions,
    configured: Option<u16>,
) -> Finding {
    let port = result.port;
    let topic = format!("probe port {port}");
    let outcome = &result.outcome;
    let what = match outcome {
        ProbeOutcome::OtherService { .. } => format!("port {port} is {}", outcome.describe()),
        ProbeOutcome::Timeout => format!(
            "{}: no answer within {} ms",
            result.url,
            options.timeout.as_millis()
        ),
        _ => format!("{}: {}", result.url, outcome.describe()),
    };
    let severity = match (role, outcome) {
        (_, ProbeOutcome::SessionManager { status: 200, .. }) => Severity::Info,
        (_, ProbeOutcome::SessionManager { .. } | ProbeOutcome::OffContract { .. }) => {
            Severity::Warning
        }
        (PortRole::BaseUrl, _) => Severity::Error,
        (PortRole::Configured, ProbeOutcome::OtherService { .. }) => Severity::Error,
        (PortRole::Configured, _) => Severity::Warning,
        (PortRole::Extra, _) => Severity::Info,
    };
    let role_text = match role {
        PortRole::BaseUrl => format!("{SESSION_MANAGER_BASE_URL}'s port"),
        PortRole::Configured => "the session-manager's configured port".into(),
        PortRole::Extra => "asked with --probe-port".into(),
    };
    let mut finding = Finding::new(severity, &topic, format!("{what} ({role_text})"));
    if role == PortRole::BaseUrl && !outcome.is_session_manager() {
        finding.details.push(
            "central-hub's scheduler sends every request here; until a session-manager answers, \
             rows stay pendiente"
                .into(),
        );
    }
    if role == PortRole::Configured && configured == Some(port) && !outcome.is_session_manager() {
        finding.details.push(format!(
            "the session-manager's sources say it listens on {port}, but it does not answer there"
        ));
    }
    finding
}

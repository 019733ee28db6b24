//! Do central-hub's URL and the session-manager's port agree, and does the URL avoid the hub?

use super::{
    BaseUrl, ConfigReport, Finding, PORT_KEY, Resolution, Service, Severity, Source, SourceKind,
    source,
};
use crate::domain::SESSION_MANAGER_BASE_URL;

/// The check's name.
const AGREEMENT: &str = "port agreement";

impl ConfigReport {
    /// URL port against provider port, and the URL against the hub's own port.
    pub(super) fn agreement_findings(&self) -> Vec<Finding> {
        let mut findings = vec![self.port_agreement()];
        findings.extend(self.self_reference());
        findings
    }

    /// Whether central-hub's URL has the port the session-manager listens on.
    fn port_agreement(&self) -> Finding {
        if let Some(skipped) = self.sides_not_given() {
            return skipped;
        }
        let (Some(url), Some(port)) = (&self.base_url, self.sm_effective_port) else {
            let unknown = match (&self.base_url, self.sm_effective_port) {
                (None, None) => {
                    "neither SESSION_MANAGER_BASE_URL nor the session-manager's PORT is usable"
                }
                (None, _) => "central-hub's SESSION_MANAGER_BASE_URL is not usable",
                _ => "the session-manager's PORT is not usable",
            };
            return Finding::new(
                Severity::Skipped,
                AGREEMENT,
                format!("not compared: {unknown} (see above)"),
            );
        };
        let mut finding = if url.port == port {
            self.ports_agree(url, port)
        } else {
            self.ports_differ(url, port)
        };
        if !url.is_loopback() {
            finding.details.push(format!(
                "{SESSION_MANAGER_BASE_URL} names host {}, not this machine; only the ports were compared: \
                 check that this host is the session-manager's, or a proxy that forwards to its port",
                url.host
            ));
        }
        finding.sources = self
            .hub_base_url
            .source()
            .into_iter()
            .chain(self.sm_port.source())
            .collect();
        finding
    }

    /// The skipped comparison when a side is not given, saying what to pass.
    fn sides_not_given(&self) -> Option<Finding> {
        let sides = [
            (
                self.hub_given,
                Service::CentralHub,
                "--hub DIR or --hub-env FILE",
            ),
            (
                self.sm_given,
                Service::SessionManager,
                "--sm DIR or --sm-shell PORT=N",
            ),
        ];
        let missing: Vec<_> = sides.iter().filter(|(given, ..)| !given).collect();
        if missing.is_empty() {
            return None;
        }
        let services: Vec<&str> = missing
            .iter()
            .map(|(_, s, _)| match s {
                Service::CentralHub => "central-hub",
                Service::SessionManager => "the session-manager",
            })
            .collect();
        let flags: Vec<&str> = missing.iter().map(|(.., flags)| *flags).collect();
        Some(Finding::new(
            Severity::Skipped,
            AGREEMENT,
            format!(
                "not compared: {} {} not given; pass {} to compare {SESSION_MANAGER_BASE_URL}'s \
                 port with the port the session-manager listens on",
                services.join(" and "),
                if services.len() > 1 { "are" } else { "is" },
                flags.join(", and ")
            ),
        ))
    }

    fn ports_agree(&self, url: &BaseUrl, port: u16) -> Finding {
        Finding::new(
            Severity::Info,
            AGREEMENT,
            format!(
                "central-hub calls {url} (port {}) and the session-manager listens on {port} ({})",
                url.port,
                describe_source(self.sm_port.source().as_ref())
            ),
        )
    }

    fn ports_differ(&self, url: &BaseUrl, port: u16) -> Finding {
        // Through a proxy on another host the ports may legitimately differ.
        let severity = if url.is_loopback() {
            Severity::Error
        } else {
            Severity::Warning
        };
        let mut f = Finding::new(
            severity,
            AGREEMENT,
            format!(
                "hub {} {SESSION_MANAGER_BASE_URL}={url} -> port {}, but session-manager {PORT_KEY}={port} {}{}",
                describe_source(self.hub_base_url.source().as_ref()),
                url.port,
                origin(self.sm_port.source().as_ref()),
                overrides(&self.sm_port)
            ),
        );
        f.details.push(format!(
            "central-hub's requests go to port {} where the session-manager does not listen; \
             make {SESSION_MANAGER_BASE_URL} use port {port}, or make every session-manager source say {}",
            url.port, url.port
        ));
        f
    }

    /// An error when central-hub's URL points at central-hub itself.
    fn self_reference(&self) -> Option<Finding> {
        let url = self.base_url.as_ref()?;
        if url.is_loopback() && self.hub_effective_port == Some(url.port) {
            let mut f = Finding::new(
                Severity::Error,
                "central-hub self-reference",
                format!(
                    "{SESSION_MANAGER_BASE_URL}={url} points at port {}, central-hub's own PORT ({}): the hub \
                     would call itself; use the session-manager's port",
                    url.port,
                    describe_source(self.hub_port.source().as_ref())
                ),
            );
            f.sources = self.hub_port.source().into_iter().collect();
            return Some(f);
        }
        None
    }
}

/// `from shell`, `from path:7`, or `by default (from the service code)`.
fn origin(source: Option<&Source>) -> String {
    match source {
        Some(s) if s.kind == SourceKind::ServiceDefault => {
            "by default (from the service code)".into()
        }
        Some(s) => format!("from {}", s.location()),
        None => "from nowhere".into(),
    }
}

fn describe_source(source: Option<&Source>) -> String {
    match source {
        Some(s) if s.kind == SourceKind::ServiceDefault => {
            "the default from the service code".into()
        }
        Some(s) => s.location(),
        None => "nowhere".into(),
    }
}

/// ` (overrides path:7 PORT=3001, ...)` for every lower source with another value.
fn overrides(r: &Resolution) -> String {
    let lost: Vec<String> = r
        .disagreeing()
        .iter()
        .map(|c| match &c.value {
            Some(v) => format!(
                "{} {}={}",
                c.source.location(),
                r.key,
                source::display_value(&r.key, v)
            ),
            None => format!("{} {}: could not be read", c.source.location(), r.key),
        })
        .collect();
    if lost.is_empty() {
        String::new()
    } else {
        format!(" (overrides {})", lost.join(", "))
    }
}

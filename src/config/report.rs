//! The report of `lmh config check`: both services' values compared.

use super::value::{not_given, not_given_finding, port_check, sources_finding, value_finding};
use super::{
    BaseUrl, Finding, HUB_DEFAULT_PORT, PORT_KEY, ProbeResult, Resolution, SM_DEFAULT_PORT,
    ScanReport, Service, ServiceConfig, Severity, validate,
};
use crate::domain::SESSION_MANAGER_BASE_URL;
use crate::report::{Check, Report};

/// Everything `lmh config check` found.
#[derive(Debug, Clone)]
pub struct ConfigReport {
    /// Whether any central-hub source was given; if not, nothing that needs it was checked.
    pub hub_given: bool,
    /// Whether any session-manager source was given; if not, nothing that needs it was checked.
    pub sm_given: bool,
    /// central-hub's `SESSION_MANAGER_BASE_URL`.
    pub hub_base_url: Resolution,
    /// central-hub's own `PORT`.
    pub hub_port: Resolution,
    /// session-manager's `PORT`.
    pub sm_port: Resolution,
    /// The base URL after validation, when valid.
    pub base_url: Option<BaseUrl>,
    /// central-hub's port, when valid.
    pub hub_effective_port: Option<u16>,
    /// session-manager's port, when valid.
    pub sm_effective_port: Option<u16>,
    /// Every finding, in the order checked.
    pub findings: Vec<Finding>,
    /// What answered, when probed.
    pub probes: Vec<ProbeResult>,
    /// Stale references, when scanned.
    pub scans: Vec<ScanReport>,
}

impl ConfigReport {
    /// Compare two services' loaded sources.
    pub fn evaluate(hub: &ServiceConfig, sm: &ServiceConfig) -> ConfigReport {
        ConfigReport::evaluate_given(Some(hub), Some(sm))
    }

    /// Compare what is given: a side that is `None` is reported as not given, and every
    /// check that needs it is skipped, saying what to pass.
    pub fn evaluate_given(hub: Option<&ServiceConfig>, sm: Option<&ServiceConfig>) -> ConfigReport {
        let mut findings = Vec::new();
        for (service, config) in [(Service::CentralHub, hub), (Service::SessionManager, sm)] {
            match config {
                Some(config) => {
                    findings.push(sources_finding(config));
                    findings.extend(config.findings.iter().cloned());
                }
                None => findings.push(not_given_finding(service)),
            }
        }

        let (hub_base_url, base_url, hub_port, hub_effective_port) = match hub {
            Some(hub) => {
                let hub_base_url = hub.resolve(SESSION_MANAGER_BASE_URL, None);
                let (base_url, finding) = value_finding(&hub_base_url, |v| {
                    validate::parse_base_url(v).map(|u| {
                        let port = u.port;
                        (u, format!(" -> port {port}"))
                    })
                });
                findings.push(finding);

                let hub_default = HUB_DEFAULT_PORT.to_string();
                let hub_port = hub.resolve(PORT_KEY, Some(&hub_default));
                let (hub_effective_port, finding) = value_finding(&hub_port, port_check);
                findings.push(finding);
                (hub_base_url, base_url, hub_port, hub_effective_port)
            }
            None => (
                not_given(Service::CentralHub, SESSION_MANAGER_BASE_URL),
                None,
                not_given(Service::CentralHub, PORT_KEY),
                None,
            ),
        };

        let (sm_port, sm_effective_port) = match sm {
            Some(sm) => {
                let sm_default = SM_DEFAULT_PORT.to_string();
                let sm_port = sm.resolve(PORT_KEY, Some(&sm_default));
                let (sm_effective_port, finding) = value_finding(&sm_port, port_check);
                findings.push(finding);
                (sm_port, sm_effective_port)
            }
            None => (not_given(Service::SessionManager, PORT_KEY), None),
        };

        let mut report = ConfigReport {
            hub_given: hub.is_some(),
            sm_given: sm.is_some(),
            hub_base_url,
            hub_port,
            sm_port,
            base_url,
            hub_effective_port,
            sm_effective_port,
            findings,
            probes: Vec::new(),
            scans: Vec::new(),
        };
        let agreement = report.agreement_findings();
        report.findings.extend(agreement);
        report
    }

    /// True when no finding is an error.
    pub fn passed(&self) -> bool {
        self.findings.iter().all(|f| f.severity != Severity::Error)
    }

    /// Every finding as a check in area `config`, for doctor and gate.
    pub fn to_checks(&self) -> Vec<Check> {
        self.findings.iter().map(Finding::to_check).collect()
    }

    /// A report titled `title` with every check.
    pub fn to_report(&self, title: &str) -> Report {
        let mut report = Report::new(title);
        report.extend(self.to_checks());
        report
    }
}

//! Do central-hub and the session-manager agree on where the session-manager listens?
//!
//! On the incident day central-hub's `.env` said `SESSION_MANAGER_BASE_URL=http://localhost:3001`,
//! the session-manager's PM2 file said `PORT: 3001`, and a leftover `PORT=3011` in the shell
//! won, so the provider listened on 3011 and every scheduler tick failed. This module reads
//! every source the two services read (shell, PM2 ecosystem file, `.env`), applies their
//! precedence, and reports the effective values with where each came from, every source it
//! shadowed, and whether the consumer's URL port is the provider's port. Optionally it asks
//! what really answers there ([`ConfigReport::probe`]) and lists stale port references in a
//! source tree ([`ConfigReport::scan`]).
//!
//! Nothing is executed: PM2 JavaScript files are read as text ([`pm2`]). Nothing comes from
//! lmh's own environment unless the caller passes it in ([`ServiceInputs::shell`]). Values of
//! secret-looking variables never appear in findings.
//!
//! ```
//! use lmh::config::{check, CheckInputs, ServiceInputs};
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("hub.env"), "SESSION_MANAGER_BASE_URL=http://localhost:3001\n").unwrap();
//! let mut inputs = CheckInputs::default();
//! inputs.hub.dotenv = Some(dir.path().join("hub.env"));
//! inputs.sm.shell.insert("PORT".into(), "3011".into());
//! let report = check(&inputs).unwrap();
//! assert_eq!(report.sm_effective_port, Some(3011));
//! assert!(!report.passed());
//! ```

pub mod dotenv;
mod js;
pub mod pm2;
pub mod probe;
pub mod resolve;
pub mod scan;
pub mod source;
pub mod targets;
pub mod validate;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::files::ReadError;
use crate::report::{Check, Outcome, Report};

pub use probe::{ProbeOptions, ProbeOutcome, ProbeResult};
pub use resolve::{Candidate, Effective, Resolution, ServiceConfig, ServiceInputs};
pub use scan::{ScanOptions, ScanReport};
pub use source::{Service, Source, SourceKind};
pub use validate::BaseUrl;

/// The consumer's variable naming the provider.
pub use crate::domain::SESSION_MANAGER_BASE_URL as BASE_URL_KEY;
/// The variable both services listen on.
pub const PORT_KEY: &str = "PORT";
/// session-manager's `process.env.PORT || 3001`.
pub const SM_DEFAULT_PORT: u16 = 3001;
/// central-hub's own default port.
pub const HUB_DEFAULT_PORT: u16 = 3012;
/// Ports the session-manager has been reached on: its default, and 3011 (central-hub's old
/// port, where the provider listened on the incident day). A scan always looks for both.
pub const KNOWN_SM_PORTS: [u16; 2] = [3001, 3011];
/// Configuration files bigger than this are refused.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A configuration source that cannot be used at all (as opposed to a finding about it).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file or directory cannot be read.
    #[error("cannot read {}: {source}; check that the path exists and is readable", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A regular file was expected.
    #[error("{} is {kind}, not a regular file; give the configuration file itself (a service directory goes to --hub/--sm)", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead, e.g. `a directory`.
        kind: &'static str,
    },
    /// A directory was expected.
    #[error("{} is not a directory; --hub and --sm take the service's directory (where .env and ecosystem.config.* are)", path.display())]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// Too big to be a configuration file.
    #[error("{} is larger than {limit} bytes, too big for a configuration file; check the path", path.display())]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// The limit it exceeds.
        limit: u64,
    },
    /// Not UTF-8 text.
    #[error("{} is not UTF-8 text (invalid byte at offset {offset}); save it as UTF-8", path.display())]
    NotUtf8 {
        /// The path.
        path: PathBuf,
        /// Where the first invalid byte is.
        offset: usize,
    },
    /// A shell variable given on the command line is not `KEY=VALUE`.
    #[error("`{text}` is not KEY=VALUE; write e.g. --sm-shell PORT=3011")]
    BadShellVar {
        /// The variable name part of what was given.
        text: String,
    },
    /// Nothing at all describes either service.
    #[error(
        "nothing describes either service: pass central-hub's configuration ({}), the session-manager's ({}), or both",
        how_to_give(Service::CentralHub),
        how_to_give(Service::SessionManager)
    )]
    NothingGiven,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Checked and fine; reported so every source is named.
    Info,
    /// Not checked, with the reason.
    Skipped,
    /// Works now, but is a trap (shadowed values, assumptions).
    Warning,
    /// Wrong: the services do not find each other, or a source cannot be read.
    Error,
}

impl Severity {
    /// The report outcome for this severity.
    pub fn outcome(self) -> Outcome {
        match self {
            Severity::Info => Outcome::Pass,
            Severity::Skipped => Outcome::Skip,
            Severity::Warning => Outcome::Warn,
            Severity::Error => Outcome::Fail,
        }
    }
}

/// One thing the check found, with the sources it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// What it is about, e.g. `session-manager PORT` or `port agreement`; the check's name.
    pub topic: String,
    /// One line: what was found, naming files and lines.
    pub message: String,
    /// The sources it is about.
    pub sources: Vec<Source>,
    /// Further lines: shadowed values, skipped lines, scan hits.
    pub details: Vec<String>,
}

impl Finding {
    fn new(severity: Severity, topic: &str, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            topic: topic.to_string(),
            message: message.into(),
            sources: Vec::new(),
            details: Vec::new(),
        }
    }

    /// This finding as a report check in area `config`.
    pub fn to_check(&self) -> Check {
        let check = Check::new(
            "config",
            &self.topic,
            self.severity.outcome(),
            self.message.clone(),
        )
        .with_details(self.details.iter().cloned());
        // The first file source is where a person fixes it: annotations point there.
        match self
            .sources
            .iter()
            .find_map(|s| Some((s.file.clone()?, s.line)))
        {
            Some((file, line)) => check.at(file, line),
            None => check,
        }
    }
}

/// Where to read both services' configuration from.
#[derive(Debug, Clone, Default)]
pub struct CheckInputs {
    /// central-hub (the consumer); may be empty when `sm` is not.
    pub hub: ServiceInputs,
    /// session-manager (the provider); may be empty when `hub` is not.
    pub sm: ServiceInputs,
}

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

/// Read both services' sources and compare them. One side may be left out (e.g. `lmh doctor
/// --hub-env FILE`): it is reported as not given and what needs it is skipped.
pub fn check(inputs: &CheckInputs) -> Result<ConfigReport, ConfigError> {
    if inputs.hub.is_empty() && inputs.sm.is_empty() {
        return Err(ConfigError::NothingGiven);
    }
    let load = |service, given: &ServiceInputs| {
        (!given.is_empty())
            .then(|| ServiceConfig::load(service, given))
            .transpose()
    };
    let hub = load(Service::CentralHub, &inputs.hub)?;
    let sm = load(Service::SessionManager, &inputs.sm)?;
    Ok(ConfigReport::evaluate_given(hub.as_ref(), sm.as_ref()))
}

/// Parse `KEY=VALUE` (as given to `--hub-shell`/`--sm-shell`).
pub fn parse_shell_var(text: &str) -> Result<(String, String), ConfigError> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() && !key.contains(char::is_whitespace) => {
            Ok((key.to_string(), value.to_string()))
        }
        _ => Err(ConfigError::BadShellVar {
            text: text
                .split(['=', ' '])
                .next()
                .map(|k| source::shorten(k, 40))
                .unwrap_or_default(),
        }),
    }
}

/// Read a shell environment from a file: `KEY=VALUE` lines (dotenv syntax), or the
/// NUL-separated form of `/proc/<pid>/environ`.
pub fn read_shell_file(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let text = read_text(path)?;
    if text.contains('\0') {
        return Ok(text
            .split('\0')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect());
    }
    Ok(dotenv::parse(&text)
        .entries
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect())
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
                let hub_base_url = hub.resolve(BASE_URL_KEY, None);
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
                not_given(Service::CentralHub, BASE_URL_KEY),
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

    /// URL port against provider port, and the URL against the hub's own port.
    fn agreement_findings(&self) -> Vec<Finding> {
        let mut findings = vec![self.port_agreement()];
        findings.extend(self.self_reference());
        findings
    }

    /// Whether central-hub's URL has the port the session-manager listens on.
    fn port_agreement(&self) -> Finding {
        let topic = "port agreement";
        let missing = [
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
        let missing: Vec<_> = missing.iter().filter(|(given, ..)| !given).collect();
        if !missing.is_empty() {
            let services: Vec<&str> = missing
                .iter()
                .map(|(_, s, _)| match s {
                    Service::CentralHub => "central-hub",
                    Service::SessionManager => "the session-manager",
                })
                .collect();
            let flags: Vec<&str> = missing.iter().map(|(.., flags)| *flags).collect();
            return Finding::new(
                Severity::Skipped,
                topic,
                format!(
                    "not compared: {} {} not given; pass {} to compare {BASE_URL_KEY}'s \
                     port with the port the session-manager listens on",
                    services.join(" and "),
                    if services.len() > 1 { "are" } else { "is" },
                    flags.join(", and ")
                ),
            );
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
                topic,
                format!("not compared: {unknown} (see above)"),
            );
        };
        let url_source = self.hub_base_url.source();
        let sm_source = self.sm_port.source();
        let sources: Vec<Source> = url_source.iter().chain(sm_source.iter()).cloned().collect();
        let mut finding = if url.port == port {
            Finding::new(
                Severity::Info,
                topic,
                format!(
                    "central-hub calls {url} (port {}) and the session-manager listens on {port} ({})",
                    url.port,
                    describe_source(sm_source.as_ref())
                ),
            )
        } else {
            // Through a proxy on another host the ports may legitimately differ.
            let severity = if url.is_loopback() {
                Severity::Error
            } else {
                Severity::Warning
            };
            let mut f = Finding::new(
                severity,
                topic,
                format!(
                    "hub {} {BASE_URL_KEY}={url} -> port {}, but session-manager {PORT_KEY}={port} {}{}",
                    describe_source(url_source.as_ref()),
                    url.port,
                    origin(sm_source.as_ref()),
                    overrides(&self.sm_port)
                ),
            );
            f.details.push(format!(
                "central-hub's requests go to port {} where the session-manager does not listen; \
                 make {BASE_URL_KEY} use port {port}, or make every session-manager source say {}",
                url.port, url.port
            ));
            f
        };
        if !url.is_loopback() {
            finding.details.push(format!(
                "{BASE_URL_KEY} names host {}, not this machine; only the ports were compared: \
                 check that this host is the session-manager's, or a proxy that forwards to its port",
                url.host
            ));
        }
        finding.sources = sources;
        finding
    }

    /// An error when central-hub's URL points at central-hub itself.
    fn self_reference(&self) -> Option<Finding> {
        let url = self.base_url.as_ref()?;
        if url.is_loopback() && self.hub_effective_port == Some(url.port) {
            let mut f = Finding::new(
                Severity::Error,
                "central-hub self-reference",
                format!(
                    "{BASE_URL_KEY}={url} points at port {}, central-hub's own PORT ({}): the hub \
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
                    "a session-manager answers on port {}, but central-hub's {BASE_URL_KEY} \
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

    /// Ports worth flagging in a source tree: every session-manager port seen anywhere
    /// (sources, URL, 3001/3011) except the effective one.
    pub fn stale_ports(&self) -> Vec<u16> {
        let mut ports: BTreeSet<u16> = KNOWN_SM_PORTS.into_iter().collect();
        if let Some(url) = &self.base_url {
            ports.insert(url.port);
        }
        let seen = self
            .sm_port
            .shadowed
            .iter()
            .chain(&self.sm_port.inactive)
            .filter_map(|c| c.value.as_deref())
            .chain(self.sm_port.value());
        for value in seen {
            if let Ok(p) = validate::parse_port(value) {
                ports.insert(p);
            }
        }
        if let Some(p) = self.sm_effective_port {
            ports.remove(&p);
        }
        ports.into_iter().collect()
    }

    /// List references to [`ConfigReport::stale_ports`] in the tree at `root`.
    pub fn scan(&mut self, root: &Path, options: &ScanOptions) -> Result<(), ConfigError> {
        let ports = self.stale_ports();
        let scan = scan::scan_tree(root, &ports, options)?;
        let topic = format!("scan {}", root.display());
        let ports_text: Vec<String> = ports.iter().map(u16::to_string).collect();
        let effective = match self.sm_effective_port {
            Some(p) => format!("the session-manager's effective port is {p}"),
            None => "the session-manager's effective port is unknown".into(),
        };
        let mut finding = if scan.hits.is_empty() {
            Finding::new(
                Severity::Info,
                &topic,
                format!(
                    "no references to port {} in {} files ({effective})",
                    ports_text.join("/"),
                    scan.files_scanned
                ),
            )
        } else {
            Finding::new(
                Severity::Warning,
                &topic,
                format!(
                    "{} references to port {} in {} files; {effective}: check each is not \
                     meant for the session-manager",
                    scan.hits.len(),
                    ports_text.join("/"),
                    scan.files_scanned
                ),
            )
        };
        finding.details = scan
            .hits
            .iter()
            .map(|h| format!("{}:{}: {}", h.file.display(), h.line, h.text))
            .collect();
        for path in &scan.skipped_large {
            finding.details.push(format!(
                "skipped (over {} bytes): {}",
                options.max_file_bytes,
                path.display()
            ));
        }
        if let Some(why) = &scan.truncated {
            finding.details.push(format!("scan incomplete: {why}"));
        }
        self.findings.push(finding);
        self.scans.push(scan);
        Ok(())
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
        PortRole::BaseUrl => format!("{BASE_URL_KEY}'s port"),
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

/// The flags that describe `service`, for messages about a side that is not given.
fn how_to_give(service: Service) -> &'static str {
    match service {
        Service::CentralHub => {
            "--hub DIR, --hub-env FILE, --hub-pm2 FILE or --hub-shell SESSION_MANAGER_BASE_URL=URL"
        }
        Service::SessionManager => "--sm DIR, --sm-env FILE, --sm-pm2 FILE or --sm-shell PORT=N",
    }
}

/// A side nobody described: a skip, not an error, so one side can be checked alone.
fn not_given_finding(service: Service) -> Finding {
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
fn not_given(service: Service, key: &str) -> Resolution {
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
fn sources_finding(config: &ServiceConfig) -> Finding {
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
fn value_finding<T>(
    r: &Resolution,
    validate: impl Fn(&str) -> Result<(T, String), String>,
) -> (Option<T>, Finding) {
    let topic = format!("{} {}", r.service, r.key);
    let key = &r.key;
    let flag = r.service.flag();
    let (typed, mut finding) = match &r.effective {
        Effective::Set(c) => {
            let value = c.value.as_deref().unwrap_or_default();
            match validate(value) {
                Ok((typed, suffix)) => (
                    Some(typed),
                    Finding::new(
                        Severity::Info,
                        &topic,
                        format!(
                            "{} from {}{suffix}",
                            shown(key, value),
                            describe_candidate(c)
                        ),
                    ),
                ),
                Err(reason) => (
                    None,
                    Finding::new(
                        Severity::Error,
                        &topic,
                        format!("{key} from {}: {reason}", describe_candidate(c)),
                    ),
                ),
            }
        }
        Effective::Default(value) => match validate(value) {
            Ok((typed, suffix)) => (
                Some(typed),
                Finding::new(
                    Severity::Info,
                    &topic,
                    format!(
                        "{key}={value}: default from the service code ({key} is not set in any \
                         source){suffix}"
                    ),
                ),
            ),
            Err(reason) => (
                None,
                Finding::new(Severity::Error, &topic, format!("default {key}: {reason}")),
            ),
        },
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

fn port_check(value: &str) -> Result<(u16, String), String> {
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

/// Read a configuration file as UTF-8 text, refusing anything but a regular file and huge files.
pub(crate) fn read_text(path: &Path) -> Result<String, ConfigError> {
    crate::files::read_text_file(path, MAX_CONFIG_BYTES, "configuration file").map_err(
        |e| match e {
            ReadError::Io { path, source, .. } => ConfigError::Read { path, source },
            ReadError::NotAFile { path, kind, .. } => ConfigError::NotAFile { path, kind },
            ReadError::TooLarge { path, limit, .. } => ConfigError::TooLarge { path, limit },
            ReadError::NotUtf8 { path, offset, .. } => ConfigError::NotUtf8 { path, offset },
        },
    )
}

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

mod agreement;
pub mod dotenv;
mod error;
mod finding;
mod js;
mod location;
pub mod pm2;
pub mod probe;
mod report;
pub mod resolve;
pub mod scan;
mod shell;
pub mod source;
mod stale;
pub mod targets;
pub mod validate;
mod value;

pub use error::ConfigError;
pub(crate) use error::read_text;
pub use finding::{Finding, Severity};
pub use probe::{ProbeOptions, ProbeOutcome, ProbeResult};
pub use report::ConfigReport;
pub use resolve::{Candidate, Effective, Resolution, ServiceConfig, ServiceInputs};
pub use scan::{ScanOptions, ScanReport};
pub use shell::{parse_shell_var, read_shell_file};
pub use source::{Service, Source, SourceKind};
pub use validate::BaseUrl;

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

/// Where to read both services' configuration from.
#[derive(Debug, Clone, Default)]
pub struct CheckInputs {
    /// central-hub (the consumer); may be empty when `sm` is not.
    pub hub: ServiceInputs,
    /// session-manager (the provider); may be empty when `hub` is not.
    pub sm: ServiceInputs,
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

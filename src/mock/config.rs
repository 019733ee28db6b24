//! What the mock plays and how it starts: the profile (a contract version), its settings and
//! why it may fail to start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::contract::{Contract, ContractVersion, VERSIONS, versions};
use crate::session::SessionState;

/// Which provider the mock plays: a row of the contract version table
/// ([`crate::contract::VERSIONS`]).
#[derive(Clone, Copy)]
pub struct Profile(&'static ContractVersion);

impl Profile {
    /// The seed-era service, `contracts/session-manager.v1.yaml`.
    pub const V1: Profile = Profile(&versions::V1);
    /// The drifted service of March 2026, `contracts/session-manager.v2.yaml`.
    pub const V2: Profile = Profile(&versions::V2);

    /// The contract this profile answers by.
    pub fn contract(self) -> Contract {
        self.0.contract()
    }

    /// The row of the version table it plays.
    pub fn version(self) -> &'static ContractVersion {
        self.0
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile::V1
    }
}

impl PartialEq for Profile {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for Profile {}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // As the enum it replaced printed: `V1`.
        f.write_str(&self.0.name.to_uppercase())
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match crate::contract::version(s) {
            Some(v) => Ok(Profile(v)),
            None => {
                let known: Vec<String> = VERSIONS
                    .iter()
                    .map(|v| format!("{} ({})", v.name, v.about))
                    .collect();
                Err(format!(
                    "unknown mock profile {s:?}; use {}",
                    known.join(" or ")
                ))
            }
        }
    }
}

/// How the mock behaves; every field has a default that mirrors the real service.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Which service to play.
    pub profile: Profile,
    /// Address to bind; loopback with a free port by default.
    pub bind: SocketAddr,
    /// State an unknown client's session is created in. `None` mirrors the real service:
    /// NOT_INITIALIZED on the first answer, INITIALIZING, then [`MockConfig::settles_to`].
    pub new_client_state: Option<SessionState>,
    /// How long a new session stays INITIALIZING.
    pub ready_after: Duration,
    /// What a new session becomes after `ready_after`: READY, or QR_REQUIRED.
    pub settles_to: SessionState,
    /// Append every journal entry to this file as a JSON line, as requests arrive.
    pub journal_file: Option<PathBuf>,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            profile: Profile::V1,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            new_client_state: None,
            ready_after: Duration::ZERO,
            settles_to: SessionState::Ready,
            journal_file: None,
        }
    }
}

/// Why the mock could not start.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}; pick another --port or stop what holds it")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The journal file could not be opened.
    #[error(transparent)]
    Journal(#[from] crate::files::WriteError),
}

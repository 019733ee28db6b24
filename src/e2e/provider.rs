//! The session-manager of one fixture's run: an in-process mock with the fixture's sessions,
//! or one given by URL, and what it received during the run.

use std::time::Duration;

use super::{E2eError, Provider};
use crate::adapter::{ClientConfig, SessionManagerClient};
use crate::clock::Clock;
use crate::fixtures::Fixture;
use crate::journal::{Journal, JournalMark};
use crate::mock::{MockConfig, MockSessionManager};

/// The provider a run talks to, and where its journal of this run comes from.
pub(super) struct SessionManager {
    /// The in-process mock, for [`Provider::Mock`].
    mock: Option<MockSessionManager>,
    base_url: String,
    /// The external journal's end before the run: only what this run adds is its evidence.
    journal: Option<JournalMark>,
}

impl SessionManager {
    /// Start the mock the fixture describes, or mark the end of the external journal.
    pub async fn start(
        provider: &Provider,
        fixture: &Fixture,
        clock: &Clock,
    ) -> Result<SessionManager, E2eError> {
        match provider {
            Provider::Mock => {
                let mock = fixture_mock(fixture, clock).await?;
                Ok(SessionManager {
                    base_url: mock.uri(),
                    mock: Some(mock),
                    journal: None,
                })
            }
            Provider::Url { base_url, journal } => Ok(SessionManager {
                mock: None,
                base_url: base_url.clone(),
                journal: journal
                    .as_deref()
                    .map(JournalMark::now)
                    .transpose()
                    .map_err(E2eError::Journal)?,
            }),
        }
    }

    /// The scheduler's client for it, each call bounded by `timeout`.
    pub fn client(&self, timeout: Duration) -> Result<SessionManagerClient, E2eError> {
        let mut config = ClientConfig::new(self.base_url.clone());
        config.timeout = timeout;
        SessionManagerClient::new(config).map_err(|e| E2eError::Provider(e.to_string()))
    }

    /// What it received during the run; `None` when there is no journal to tell.
    pub fn journal(&self) -> Result<Option<Journal>, E2eError> {
        match (&self.mock, &self.journal) {
            (Some(mock), _) => Ok(Some(mock.journal())),
            (None, Some(mark)) => mark.entries_since().map(Some).map_err(E2eError::Journal),
            (None, None) => Ok(None),
        }
    }

    /// Whether its journal is dated by the run's virtual clock (only the in-process mock
    /// shares it).
    pub fn shares_clock(&self) -> bool {
        self.mock.is_some()
    }
}

/// The in-process provider a fixture describes: its clients in their states, dating its
/// journal on the run's clock.
pub(crate) async fn fixture_mock(
    fixture: &Fixture,
    clock: &Clock,
) -> Result<MockSessionManager, E2eError> {
    let mock = MockSessionManager::start_with(MockConfig::default())
        .await
        .map_err(|e| E2eError::Provider(e.to_string()))?;
    for (cliente, state) in &fixture.sessions {
        mock.set_state(u64::try_from(*cliente).unwrap_or(0), *state);
    }
    mock.set_clock(clock.clone());
    Ok(mock)
}

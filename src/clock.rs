//! Time for the scheduler: the system clock, or a virtual one that tests and simulations
//! move forward instead of waiting.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Where the scheduler reads the time and how it waits.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// Real time; `sleep` really sleeps.
    #[default]
    System,
    /// Virtual time; `sleep` advances it at once.
    Virtual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// A virtual clock that starts at `start`.
    pub fn virtual_at(start: DateTime<Utc>) -> Clock {
        Clock::Virtual(Arc::new(Mutex::new(start)))
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Virtual(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Wait `d`: really on the system clock, instantly on a virtual one.
    pub async fn sleep(&self, d: Duration) {
        match self {
            Clock::System => tokio::time::sleep(d).await,
            Clock::Virtual(_) => self.advance(d),
        }
    }

    /// Move a virtual clock forward; no effect on the system clock.
    pub fn advance(&self, d: Duration) {
        if let Clock::Virtual(t) = self {
            let mut now = t.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(next) = chrono::Duration::from_std(d)
                .ok()
                .and_then(|d| now.checked_add_signed(d))
            {
                *now = next;
            }
        }
    }
}

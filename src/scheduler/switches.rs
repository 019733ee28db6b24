//! central-hub's environment switches for its scheduler: `AUTO_CAMPAIGNS_ENABLED` as
//! central-hub reads it when set (unset, lmh runs: it was asked to), and `DRY_RUN`, where lmh
//! stops on a value that is neither `true` nor `false` rather than guess.
//!
//! ```
//! use lmh::scheduler::switches::{dry_run, off};
//! assert!(off(None).is_none()); // unset: `lmh scheduler run` runs, as asked
//! assert!(off(Some("true".as_ref())).is_none());
//! assert!(off(Some("TRUE".as_ref())).is_some()); // only the exact value enables it
//! assert_eq!(dry_run(Some("true".as_ref())).unwrap(), true);
//! assert!(dry_run(Some("yes".as_ref())).is_err());
//! ```

use std::ffi::OsStr;

use serde::Serialize;

use super::Event;

/// The variable that turns central-hub's scheduler on.
pub const AUTO_CAMPAIGNS_ENABLED: &str = "AUTO_CAMPAIGNS_ENABLED";
/// The variable that makes the scheduler decide everything and send nothing.
pub const DRY_RUN: &str = "DRY_RUN";

/// The scheduler is switched off: the one line it prints instead of running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Off {
    /// Always [`Event::SchedulerDisabled`], so that the line reads like a decision.
    event: Event,
    /// Why, in words.
    pub detail: String,
}

impl Off {
    /// The event of the line: [`Event::SchedulerDisabled`].
    pub fn event(&self) -> Event {
        self.event
    }

    /// The decision as one JSON line, like a tick's.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| format!("{self:?}"))
    }
}

/// Whether `AUTO_CAMPAIGNS_ENABLED`'s value switches the scheduler off: as in central-hub,
/// anything but the exact string `true`. Off is a decision, not an error. Unset, lmh runs:
/// whoever runs `lmh scheduler run` asked for it.
pub fn off(value: Option<&OsStr>) -> Option<Off> {
    let value = value.filter(|v| *v != "true")?;
    Some(Off {
        event: Event::SchedulerDisabled,
        detail: format!(
            "{AUTO_CAMPAIGNS_ENABLED}={value:?}: only the exact value \"true\" enables the scheduler; no tick run"
        ),
    })
}

/// [`dry_run`] on this process's `DRY_RUN`.
pub fn dry_run_from_env() -> Result<bool, BadDryRun> {
    dry_run(std::env::var_os(DRY_RUN).as_deref())
}

/// A `DRY_RUN` value that is neither `true` nor `false`.
#[derive(Debug, thiserror::Error)]
#[error("{DRY_RUN}={0:?}: use {DRY_RUN}=true (no sends) or {DRY_RUN}=false")]
pub struct BadDryRun(pub std::ffi::OsString);

/// Whether `DRY_RUN`'s value asks for a dry run. A value that is not `true`, `false` or
/// empty (not UTF-8 included) is a mistake worth stopping for: it must not pass for "unset"
/// and let sends through.
pub fn dry_run(value: Option<&OsStr>) -> Result<bool, BadDryRun> {
    match value.map(|v| (v, v.to_str())) {
        None => Ok(false),
        Some((_, Some("true"))) => Ok(true),
        Some((_, Some("false" | ""))) => Ok(false),
        Some((v, _)) => Err(BadDryRun(v.to_os_string())),
    }
}

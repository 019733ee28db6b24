//! The process-wide registry of scratch databases this process holds, for drops on every
//! path (a signal included).

use std::collections::BTreeMap;
use std::sync::{LazyLock, Mutex};

use super::DbError;
use super::dropping::drop_scratch;
use super::owner::Owner;
use super::url::ServerUrl;

/// What the process-wide registry keeps to drop a scratch database without its `ScratchDb`.
pub(super) struct LiveEntry {
    pub(super) server: ServerUrl,
    pub(super) run_id: String,
}

static LIVE: LazyLock<Mutex<BTreeMap<String, LiveEntry>>> =
    LazyLock::new(|| Mutex::new(BTreeMap::new()));

pub(super) fn live() -> std::sync::MutexGuard<'static, BTreeMap<String, LiveEntry>> {
    // A panic while holding the lock cannot leave the map inconsistent (single inserts/removes).
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The names of the scratch databases this process created and has not dropped yet.
pub fn live_databases() -> Vec<String> {
    live().keys().cloned().collect()
}

/// Drop every scratch database this process still has (for a Ctrl-C handler). Returns the names
/// dropped; tries them all even when one fails. `ScratchDb` handles still around become inert.
///
/// ```no_run
/// # async fn demo() {
/// tokio::spawn(async {
///     if tokio::signal::ctrl_c().await.is_ok() {
///         if let Err(e) = lmh::db::drop_all_live().await {
///             eprintln!("lmh: {e}");
///         }
///         std::process::exit(130);
///     }
/// });
/// # }
/// ```
pub async fn drop_all_live() -> Result<Vec<String>, DbError> {
    let entries: Vec<(String, LiveEntry)> = std::mem::take(&mut *live()).into_iter().collect();
    let mut dropped = Vec::new();
    let mut failed = Vec::new();
    let mut first_reason = None;
    for (name, entry) in entries {
        // RunOrEmpty: the entry is made before the CREATE, so it may not be marked yet.
        match drop_scratch(&entry.server, &name, Owner::RunOrEmpty(&entry.run_id)).await {
            Ok(()) => dropped.push(name),
            Err(e) => {
                first_reason.get_or_insert_with(|| e.to_string());
                failed.push(name);
            }
        }
    }
    match first_reason {
        None => Ok(dropped),
        Some(reason) => Err(DbError::Cleanup { failed, reason }),
    }
}

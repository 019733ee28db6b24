//! Identity first: `/health` must name a session-manager.

use serde_json::Value;

use super::AREA;
use super::answer::{clean, excerpt};
use super::prober::Reply;
use crate::report::Check;

/// The identity check: a session-manager answers `/health` at `base`, or what does instead.
pub(super) fn identity(base: &str, health: &Reply) -> Check {
    let name = "identity (GET /health)";
    match health {
        Reply::Failed(why) => Check::fail(AREA, name, why.clone()),
        Reply::Answer {
            status,
            media,
            body,
        } => {
            let service = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v.get("service").and_then(Value::as_str).map(clean));
            match service.as_deref() {
                Some("session-manager") => Check::pass(
                    AREA,
                    name,
                    format!("a session-manager answers at {base} ({status} {media})"),
                ),
                found => {
                    let what = match found {
                        Some(other) => format!("{status} {media} naming service {other:?}"),
                        None => format!("{status} {media}: {}", excerpt(body)),
                    };
                    Check::fail(
                        AREA,
                        name,
                        format!(
                            "something else answers on this port: {base}/health gave {what}; \
                             point --base-url at the session-manager"
                        ),
                    )
                }
            }
        }
    }
}

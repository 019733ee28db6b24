//! `lmh verify provider`: a live session-manager's answers against the contract.
//!
//! First the identity (`/health` must name a session-manager: a wrong port answered by some
//! other service proves nothing), then every documented answer that can be provoked without
//! sending a message: missing and invalid headers, the state-dependent answers for the
//! session the probe client is in, `/send`'s body validation, the unknown-route and
//! malformed-body answers. A real `/send` happens only when asked for
//! ([`ProviderOptions::send_to`]).
//!
//! Side effects are reported as observed, never as the contract predicts them: a probe
//! client whose first `/status` said NOT_INITIALIZED and the next another state had its
//! session created by this run (operations marked `x-lmh-creates-session` do that, hence the
//! high default client id, [`DEFAULT_CLIENTE_ID`]); a message counts as sent when the provider
//! answered 200.
//!
//! Answers are judged by meaning too, with the adapter's rules ([`crate::adapter::rules`]):
//! the error code must name the mistake the probe made, `/status` must be about the client
//! asked and agree with itself, `/qr-code` must match the state, a send's `message_id` must
//! not be a placeholder, and the media type must be the documented one.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use lmh::verify::{ProviderOptions, verify_provider};
//! let report = verify_provider(&ProviderOptions::new("http://127.0.0.1:3001")).await.unwrap();
//! print!("{}", report.to_human());
//! # }
//! ```

mod answer;
mod extension;
mod identity;
mod judge;
mod options;
mod probe;
mod prober;
mod run;
mod side_effects;

use std::time::Duration;

pub use options::ProviderOptions;

use super::VerifyError;
use crate::report::{Check, Outcome, Report};
use identity::identity;
use probe::health_probe;
use prober::Prober;
use run::{Run, Session, state_operation};

/// Client id the probes use unless told otherwise: high, so no real client's session is touched.
pub const DEFAULT_CLIENTE_ID: u64 = 999_999;
/// Path of the unknown-route probe.
pub const UNKNOWN_ROUTE_PROBE: &str = "/__lmh_probe_unknown_route";
/// Limit for each request (connect and answer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The text of the one real message sent with [`ProviderOptions::send_to`].
pub const TEST_MESSAGE: &str = "lmh verify provider: test message";

const AREA: &str = "provider";
/// A header value no positive-integer schema accepts.
const INVALID_HEADER_VALUE: &str = "abc";

/// Check the provider at `options.base_url` against `options.contract`.
///
/// `Err` only for unusable options (exit 2); an unreachable or foreign provider is a failed
/// identity check in the report.
pub async fn verify_provider(options: &ProviderOptions) -> Result<Report, VerifyError> {
    let checked = options.checked()?;
    let prober = Prober::new(&checked.base, options.timeout)?;
    let contract = &options.contract;
    let base = &checked.base;
    let mut report = Report::new(&format!(
        "lmh verify provider {base} against {} ({})",
        contract.label(),
        contract.origin
    ));

    // Identity first: nothing else is sent to a service that is not a session-manager.
    let health = prober.call("GET", "/health", &[], None).await;
    let identity = identity(base, &health);
    let foreign = identity.outcome == Outcome::Fail;
    report.push(identity);
    if foreign {
        report.push(Check::skip(
            AREA,
            "contract checks",
            "not run: the identity check failed, and lmh sends nothing more to a service it cannot identify",
        ));
        return Ok(report);
    }

    let mut run = Run {
        options,
        contract,
        prober: &prober,
        session: Session::default(),
        state_op: state_operation(contract, options),
        send_to: checked.send_to,
    };
    // The state the session is in decides which answers can be provoked; learn it first.
    let state_replies = run.learn_state().await;

    for op in &contract.operations {
        let checks = if op.method == "GET" && op.path == "/health" {
            run.judge_operation(op, vec![(health_probe(), vec![health.clone()])])
        } else {
            run.check_operation(op, &state_replies).await
        };
        report.extend(checks);
    }
    report.push(run.unknown_route().await);
    report.push(run.malformed_body().await);
    if let Some(c) = run.side_effects() {
        report.push(c);
    }
    Ok(report)
}

//! One run against a provider: what it learned about the probe client's session, and each
//! operation's probes sent and judged.

use serde_json::Value;

use super::answer::{clean, describe, excerpt};
use super::probe::valid_headers;
use super::prober::{Prober, Reply};
use super::{AREA, ProviderOptions};
use crate::adapter::rules;
use crate::contract::{Contract, Operation};
use crate::report::{Check, Outcome};
use crate::session::SessionState;

/// What the run learned about the probe client's session.
#[derive(Debug, Default)]
pub(super) struct Session {
    /// The state the probes found (after a creating first request): `None` when unknown.
    pub(super) state: Option<String>,
    /// The state the very first `/status` answered: `None` when unknown or not asked.
    pub(super) first_state: Option<String>,
    /// Observed: the first `/status` answered NOT_INITIALIZED and the next another state.
    pub(super) created: bool,
    /// The number a real message went to (the provider answered 200).
    pub(super) sent_to: Option<String>,
    /// The message id the provider gave for it.
    pub(super) sent_id: Option<String>,
}

/// The operation whose answer names the session's state: `GET /status`.
pub(super) fn state_operation<'a>(
    contract: &'a Contract,
    options: &ProviderOptions,
) -> Option<&'a Operation> {
    contract
        .find_operation("GET", "/status")
        .filter(|op| valid_headers(op, options).is_ok())
}

/// The state a `/status` answer names (`state` in v1, `status` in v2).
pub(super) fn state_of(value: &Value) -> Option<String> {
    value
        .get("state")
        .or_else(|| value.get("status"))
        .and_then(Value::as_str)
        .map(clean)
}

pub(super) struct Run<'a> {
    pub(super) options: &'a ProviderOptions,
    pub(super) contract: &'a Contract,
    pub(super) prober: &'a Prober,
    pub(super) session: Session,
    pub(super) state_op: Option<&'a Operation>,
    /// The chat id a real message goes to (checked by [`check_send_to`]).
    pub(super) send_to: Option<String>,
}

impl Run<'_> {
    /// `client N is STATE`, for messages about what the session allowed.
    pub(super) fn client(&self) -> String {
        let state = self
            .session
            .state
            .as_deref()
            .map(|s| format!("is {s}"))
            .unwrap_or_else(|| "is in a state lmh could not read".into());
        format!("client {} {state}", self.options.cliente_id)
    }

    /// Ask `/status` once (twice when the first request created the session).
    pub(super) async fn learn_state(&mut self) -> Vec<Reply> {
        let Some(op) = self.state_op else {
            return Vec::new();
        };
        let headers = valid_headers(op, self.options).unwrap_or_default();
        let first = self.prober.call(&op.method, &op.path, &headers, None).await;
        let mut replies = vec![first];
        let not_initialized = Some(SessionState::NotInitialized.as_str());
        self.session.first_state = replies[0].json().as_ref().and_then(state_of);
        if self.session.first_state.as_deref() == not_initialized {
            // That request may have created the session: the next answer tells.
            let second = self.prober.call(&op.method, &op.path, &headers, None).await;
            replies.push(second);
        }
        self.session.state = replies
            .last()
            .and_then(Reply::json)
            .as_ref()
            .and_then(state_of);
        self.session.created = replies.len() > 1
            && self.session.state.is_some()
            && self.session.state.as_deref() != not_initialized;
        replies
    }

    /// Send every probe of `op` (the state probes' replies are reused) and judge them.
    pub(super) async fn check_operation(
        &mut self,
        op: &Operation,
        state_replies: &[Reply],
    ) -> Vec<Check> {
        let probes = match self.probes(op) {
            Ok(p) if !p.is_empty() => p,
            Ok(_) => {
                return vec![Check::skip(
                    AREA,
                    &op.label(),
                    "not exercised: no request lmh can send safely provokes a documented answer",
                )];
            }
            Err(why) => {
                return vec![Check::skip(
                    AREA,
                    &op.label(),
                    format!("not exercised: {why}"),
                )];
            }
        };
        let is_state_op = self.state_op.is_some_and(|s| s.id == op.id);
        let mut runs = Vec::new();
        for probe in probes {
            let replies = if probe.main && is_state_op && !state_replies.is_empty() {
                state_replies.to_vec()
            } else {
                let reply = self
                    .prober
                    .call(&op.method, &op.path, &probe.headers, probe.body.as_deref())
                    .await;
                if probe.real_send && reply.status() == Some(200) {
                    self.session.sent_to = self.send_to.clone();
                    self.session.sent_id = reply
                        .json()
                        .and_then(|v| v.get("message_id").and_then(Value::as_str).map(clean));
                }
                vec![reply]
            };
            let route_missing = replies.iter().find_map(|r| self.route_missing(op, r));
            if let Some(check) = route_missing {
                // One finding for the whole route: every other probe would say the same.
                return vec![check];
            }
            runs.push((probe, replies));
        }
        let main = runs
            .iter()
            .find(|(p, _)| p.main)
            .and_then(|(_, r)| r.last())
            .and_then(|r| Some((r.status()?, r.json()?)));
        let mut checks = self.judge_operation(op, runs);
        let main_passed = checks.iter().all(|c| c.outcome != Outcome::Fail);
        if let (true, "qr_code", Some((status, body))) = (main_passed, op.id.as_str(), &main)
            && let Some(c) = self.qr_for_state(op, *status, body).await
        {
            checks.push(c);
        }
        checks
    }

    /// `Some` finding when the provider has no such route: a 404/405 the operation does not
    /// document with that body.
    fn route_missing(&self, op: &Operation, reply: &Reply) -> Option<Check> {
        let Reply::Answer {
            status,
            media,
            body,
        } = reply
        else {
            return None;
        };
        if !matches!(status, 404 | 405) || self.contract.check_response(op, *status, body).is_ok() {
            return None;
        }
        Some(
            Check::fail(
                AREA,
                &op.label(),
                format!(
                    "contract v{} documents it; the provider answers {status} {media} (route missing)",
                    self.contract.version
                ),
            )
            .with_details([format!("answer: {}", excerpt(body))]),
        )
    }

    /// [`rules::qr_code_answer`] for the session's state, judged only when the state did not
    /// move while the probe ran.
    async fn qr_for_state(&self, op: &Operation, answered: u16, body: &Value) -> Option<Check> {
        let before = self.session.state.clone()?;
        let state_op = self.state_op?;
        let headers = valid_headers(state_op, self.options).ok()?;
        let after = self
            .prober
            .call(&state_op.method, &state_op.path, &headers, None)
            .await
            .json()
            .as_ref()
            .and_then(state_of)?;
        let name = format!("{} answer for the session's state", op.label());
        if before != after {
            return Some(Check::skip(
                AREA,
                &name,
                format!("not judged: the session moved from {before} to {after} meanwhile"),
            ));
        }
        let state: SessionState = before.parse().ok()?;
        Some(match rules::qr_code_answer(state, answered, body) {
            Ok(()) => Check::pass(
                AREA,
                &name,
                format!(
                    "consistent: {} and {} answered {answered} {}",
                    self.client(),
                    op.label(),
                    describe(body)
                ),
            ),
            Err(broken) => Check::fail(AREA, &name, broken.to_string()),
        })
    }
}

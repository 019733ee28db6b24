//! What a run changed on the provider, as observed.

use super::run::Run;
use super::{AREA, TEST_MESSAGE};
use crate::adapter::rules;
use crate::contract::Operation;
use crate::report::{Check, Outcome};
use crate::session::SessionState;

impl Run<'_> {
    /// What the run observed it changed on the provider (never what the contract predicts).
    pub(super) fn side_effects(&self) -> Option<Check> {
        let session = &self.session;
        if self.state_op.is_none() && session.sent_to.is_none() {
            return None;
        }
        let id = self.options.cliente_id;
        let status = self.state_op.map(Operation::label).unwrap_or_default();
        let before = match (&session.first_state, &session.state) {
            (Some(first), Some(now)) if session.created => format!(
                "client {id} had no session ({status} answered {first}, then {now}): this run created it"
            ),
            (Some(first), _) if first == SessionState::NotInitialized.as_str() => format!(
                "client {id} had no session ({status} answered {first}) and no later answer showed one"
            ),
            (Some(first), _) => {
                format!("client {id}'s session already existed ({status} answered {first} at once)")
            }
            (None, _) => format!(
                "client {id}'s state could not be read: whether this run created a session is unknown"
            ),
        };
        let sent = match (&session.sent_to, &session.sent_id) {
            (Some(to), Some(msg)) if rules::message_id(msg).is_err() => format!(
                "the provider answered 200 to one message for {to}, with the placeholder \
                 message_id {msg:?}: whether it went out is unknown"
            ),
            (Some(to), Some(msg)) => format!(
                "one message was sent to {to} ({TEST_MESSAGE:?}; the provider answered 200 with message_id {msg})"
            ),
            (Some(to), None) => format!("one message was sent to {to} ({TEST_MESSAGE:?})"),
            (None, _) => "nothing was sent (no request carried a message that was accepted)".into(),
        };
        let mut details = Vec::new();
        if session.created {
            details.push(
                "the session stays on the provider; pick an unused id with --cliente-id"
                    .to_string(),
            );
        }
        let outcome = if session.created || session.sent_to.is_some() {
            Outcome::Warn
        } else {
            Outcome::Pass
        };
        Some(
            Check::new(AREA, "side effects", outcome, format!("{before}; {sent}"))
                .with_details(details),
        )
    }
}

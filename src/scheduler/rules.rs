//! The rules the scheduler sends by: the reference ones, or one historical bug put back; and
//! what a failed send's answer means for the row.

use crate::adapter::{AdapterError, DomainError};

/// A bug central-hub really shipped, put back on purpose so tests can prove the invariant
/// checks catch it (see [`Rules::historical`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoricalBug {
    /// Mark `enviado` before sending, never revert (the 250 phantom rows of 2026-02-07).
    MarkBeforeSend,
    /// No claim on the row: an unknown outcome leaves it `pendiente`, so it is re-sent.
    NoClaim,
    /// Never add to the daily counter.
    NoCounter,
    /// Decide window and "today" in the process clock (UTC) instead of the business zone.
    WindowInProcessTime,
}

/// How the scheduler sends: [`Rules::REFERENCE`], central-hub's rules done right, or
/// [`Rules::historical`], the same with one rule broken the way production broke it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Write `enviado` only in the transaction of a confirmed send (broken: marked before
    /// the `/send`, never reverted).
    pub enviado_after_send: bool,
    /// Claim each row before its `/send`, so it is sent at most once (broken: no claim).
    pub claim_before_send: bool,
    /// Add each send to today's counter (broken: the counter never moves).
    pub count_sends: bool,
    /// Judge the window and "today" in the business zone (broken: in the process's UTC).
    pub business_time: bool,
}

impl Rules {
    /// The reference rules (docs/invariants.md 8–15).
    pub const REFERENCE: Rules = Rules {
        enviado_after_send: true,
        claim_before_send: true,
        count_sends: true,
        business_time: true,
    };

    /// The reference rules with `bug` put back. Never used outside negative tests.
    pub const fn historical(bug: HistoricalBug) -> Rules {
        let r = Rules::REFERENCE;
        match bug {
            HistoricalBug::MarkBeforeSend => Rules {
                enviado_after_send: false,
                ..r
            },
            HistoricalBug::NoClaim => Rules {
                claim_before_send: false,
                ..r
            },
            HistoricalBug::NoCounter => Rules {
                count_sends: false,
                ..r
            },
            HistoricalBug::WindowInProcessTime => Rules {
                business_time: false,
                ..r
            },
        }
    }

    /// Whether these are the reference rules; the optimisations that rely on them (the next
    /// row claimed with a send's result, the repeated-id check) apply only then.
    pub fn is_reference(self) -> bool {
        self == Rules::REFERENCE
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules::REFERENCE
    }
}

/// A recipient-level failure (invalid number, bad `to`/`message`), or `None` for a failure of
/// the session or the provider.
pub(super) fn recipient_failure(e: &AdapterError) -> Option<String> {
    match e.domain()? {
        DomainError::InvalidRequest { message } => {
            Some(format!("provider refused the request: {message}"))
        }
        DomainError::SendFailed { reason } => {
            let lower = reason.to_lowercase();
            let about_recipient = ["not registered", "invalid wid", "invalid number"]
                .iter()
                .any(|k| lower.contains(k));
            about_recipient.then(|| format!("provider could not send to this number: {reason}"))
        }
        _ => None,
    }
}

/// A provider failure that can follow a real delivery (the browser may crash after WhatsApp
/// took the message): a `SEND_FAILED` not about the recipient, or an `INTERNAL_ERROR`. Such a
/// send is an unknown outcome, never retried.
pub(super) fn may_have_sent(e: &AdapterError) -> bool {
    match e.domain() {
        Some(DomainError::SendFailed { .. }) => recipient_failure(e).is_none(),
        Some(DomainError::Internal { .. }) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_historical_bug_breaks_exactly_one_rule() {
        let bugs = [
            HistoricalBug::MarkBeforeSend,
            HistoricalBug::NoClaim,
            HistoricalBug::NoCounter,
            HistoricalBug::WindowInProcessTime,
        ];
        for bug in bugs {
            let r = Rules::historical(bug);
            let kept = [
                r.enviado_after_send,
                r.claim_before_send,
                r.count_sends,
                r.business_time,
            ];
            assert_eq!(kept.iter().filter(|k| !**k).count(), 1, "{bug:?}");
            assert!(!r.is_reference());
        }
        assert!(Rules::default().is_reference());
    }
}

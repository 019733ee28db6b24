//! Contract checks of live traffic: a provider's answers ([`provider`]) and a consumer's
//! requests ([`consumer`]), each turned into a [`Report`](crate::report::Report).
//!
//! Both sides take their every expectation from a [`Contract`](crate::contract::Contract): the
//! provider check provokes the documented answers it can provoke without side effects that
//! matter and validates them; the consumer check replays a journal of requests (as
//! `lmh mock serve --journal` writes it) against the operations and request schemas.

pub mod consumer;
pub mod provider;

pub use consumer::{
    cliente_id_hint, nearest_operation, path_words, unknown_route, verify_consumer, verify_journal,
};
pub use provider::{
    DEFAULT_CLIENTE_ID, DEFAULT_TIMEOUT, ProviderOptions, TEST_MESSAGE, UNKNOWN_ROUTE_PROBE,
    verify_provider,
};

/// A verify run that could not start: bad input, named, with what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// An option or argument is unusable.
    #[error("invalid {input}: {reason}")]
    Input {
        /// Which input, e.g. `--base-url`.
        input: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The journal is missing, unreadable, malformed or empty.
    #[error("{0}")]
    Journal(String),
}

impl VerifyError {
    fn input(input: &str, reason: impl Into<String>) -> VerifyError {
        VerifyError::Input {
            input: input.to_string(),
            reason: reason.into(),
        }
    }
}

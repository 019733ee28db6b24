//! The provider contract: an OpenAPI 3.1 document loaded into operations and compiled schemas.
//!
//! Everything else in lmh derives its expectations from a [`Contract`]: the adapter validates
//! every answer with [`Contract::check_response`], the mock checks its own answers the same
//! way, and the verify commands match requests with [`Contract::find_operation`].
//!
//! ```
//! let contract = lmh::contract::Contract::v1();
//! let op = contract.find_operation("GET", "/status").expect("v1 has /status");
//! assert_eq!(op.id, "status");
//! let body = br#"{"error":true,"code":"MISSING_HEADER","message":"X-Cliente-Id header is required"}"#;
//! assert!(contract.check_response(op, 400, body).is_ok());
//! assert!(contract.find_operation("GET", "/api/session-manager/sessions/sender_51").is_none());
//! ```

pub mod diff;
pub mod versions;

mod check;
mod load;
mod operation;
mod route;
mod schema;

pub use check::{ResponseViolation, answered_media, media_type, snippet};
pub use load::ContractError;
pub use operation::{HeaderParam, Operation, ResponseSpec};
pub use schema::{Schema, SchemaViolation};
pub use versions::{ContractVersion, VERSIONS, version};

/// The seed-era contract, embedded from `contracts/session-manager.v1.yaml`.
pub const V1_SOURCE: &str = versions::V1.source;
/// The drifted contract, embedded from `contracts/session-manager.v2.yaml`.
pub const V2_SOURCE: &str = versions::V2.source;

/// Contract files bigger than this are refused.
pub const MAX_CONTRACT_BYTES: u64 = 4 * 1024 * 1024;

/// A loaded, validated provider contract.
#[derive(Debug, Clone)]
pub struct Contract {
    /// `info.title`, e.g. `session-manager`.
    pub title: String,
    /// `info.version`, e.g. `1`.
    pub version: String,
    /// Where the contract was read from.
    pub origin: String,
    /// Every operation, sorted by path then method.
    pub operations: Vec<Operation>,
    /// What the provider answers on a route it does not have (`x-lmh-unknown-route`).
    pub unknown_route: Option<ResponseSpec>,
    /// What the provider answers to a malformed JSON body (`x-lmh-malformed-body`).
    pub malformed_body: Option<ResponseSpec>,
}

impl Contract {
    /// The embedded seed-era contract (v1).
    pub fn v1() -> Contract {
        versions::V1.contract()
    }

    /// The embedded drifted contract (v2).
    pub fn v2() -> Contract {
        versions::V2.contract()
    }

    /// `title vN`, for reports.
    pub fn label(&self) -> String {
        format!("{} v{}", self.title, self.version)
    }
}

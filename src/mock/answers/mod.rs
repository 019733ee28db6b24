//! How the mock answers, one module per contract version, all behind one signature
//! ([`AnswerFn`]). The version table (`contract::versions`) says which one a profile uses.

pub(crate) mod v1;
pub(crate) mod v2;

use std::time::Instant;

use serde_json::{Value, json};
use wiremock::Request;

use super::{Fault, Shared};

/// How one contract version answers a request.
pub(crate) type AnswerFn = fn(&Shared, &Call<'_>) -> Reply;

/// One request, as the answer functions see it.
#[derive(Clone, Copy)]
pub(crate) struct Call<'a> {
    /// The contract operation it matched, if any.
    pub operation: Option<&'a str>,
    /// The request itself.
    pub request: &'a Request,
    /// The raw `X-Cliente-Id` header, if sent.
    pub header: Option<&'a str>,
    /// When it arrived (sessions settle by this).
    pub now: Instant,
    /// The fault injected for it, if any.
    pub fault: Option<&'a Fault>,
}

/// What a version answered.
pub(crate) enum Reply {
    /// A JSON answer, still to be bent by an injected fault.
    Json(Answer),
    /// A finished body, sent as it is: status, text, and whether it is HTML.
    Raw(u16, String, bool),
}

/// A JSON answer, before faults and journaling.
pub(crate) struct Answer {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
    /// For a carried-out `/send`: the message id given.
    pub message_id: Option<String>,
}

impl Answer {
    /// An answer that sent nothing.
    pub fn new(status: u16, body: Value) -> Answer {
        Answer {
            status,
            body,
            message_id: None,
        }
    }
}

/// The real service's error envelope: `{"error": true, "code": ..., "message": ...}`.
pub(crate) fn error_envelope(code: &str, message: &str) -> Value {
    json!({"error": true, "code": code, "message": message})
}

/// A body declared as JSON that does not parse: express.json() throws on it before routing.
fn malformed_json_body(request: &Request) -> bool {
    let declared_json = request
        .headers
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap_or("").contains("json"));
    declared_json
        && !request.body.is_empty()
        && serde_json::from_slice::<Value>(&request.body).is_err()
}

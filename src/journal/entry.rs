//! One journal entry: a request as the provider received it, and its answer.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hyper::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One request the provider received and what it answered.
///
/// The field order and the optional fields left out when empty are the file format: journals
/// on disk are read back by every lmh since the first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JournalEntry {
    /// Order of arrival, from 1.
    pub seq: u64,
    /// Arrival time, RFC 3339 UTC.
    pub at: String,
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Query string, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Request headers (lower-case names; repeated headers joined with `, `).
    pub headers: BTreeMap<String, String>,
    /// Request body, lossily decoded.
    pub body: String,
    /// The contract operation it matched; `None` for an unknown route.
    pub operation: Option<String>,
    /// True when no operation of the contract matches.
    pub unknown_route: bool,
    /// The client the provider understood from `X-Cliente-Id`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cliente_id: Option<u64>,
    /// Status answered.
    pub status: u16,
    /// Body answered.
    pub response: String,
    /// For a `/send` the provider carried out: the message id it gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The injected fault that shaped the answer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    /// Why the answer breaks the contract, when it does (only expected with a fault).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<String>,
}

/// Requests received, in order.
pub type Journal = Vec<JournalEntry>;

impl JournalEntry {
    /// `METHOD /path`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The JSON body the consumer sent, if it was JSON.
    pub fn json_body(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// A request header by name, whatever its case (journals written by other tools may not
    /// lower-case names).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The client the request was meant for: what the provider understood, else its
    /// `X-Cliente-Id` header read as the v1 provider reads it (a journal written by another
    /// tool, or by a provider that understood no client, does not say).
    pub fn cliente(&self) -> Option<u64> {
        self.cliente_id.or_else(|| {
            self.header("x-cliente-id")
                .and_then(crate::session::parse_cliente_id_header)
        })
    }

    /// Whether it was a request to the contract's `send` operation (carried out or not).
    pub fn is_send(&self) -> bool {
        self.operation.as_deref() == Some("send")
    }

    /// Whether the provider carried out a send: it gave a message id, even if the answer
    /// that carried it was lost or said otherwise.
    pub fn delivered(&self) -> bool {
        self.message_id.is_some()
    }

    /// The entry of a request as it arrived, dated `at`, matched to `operation` (`None`: an
    /// unknown route). The client and the answer are left empty for the caller to fill in.
    pub(crate) fn received(
        seq: u64,
        at: DateTime<Utc>,
        request: &Received<'_>,
        operation: Option<String>,
    ) -> JournalEntry {
        JournalEntry {
            seq,
            at: timestamp(at),
            method: request.method.to_string(),
            path: request.path.to_string(),
            query: request.query.map(str::to_string),
            headers: header_map(request.headers),
            body: String::from_utf8_lossy(request.body).into_owned(),
            unknown_route: operation.is_none(),
            operation,
            cliente_id: None,
            status: 0,
            response: String::new(),
            message_id: None,
            fault: None,
            violation: None,
        }
    }
}

/// A request as it reached the provider (the mock, or the proxy's upstream), to be journaled.
pub(crate) struct Received<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path, without the query.
    pub path: &'a str,
    /// Query string, if any.
    pub query: Option<&'a str>,
    /// Headers as they arrived.
    pub headers: &'a HeaderMap,
    /// Body bytes.
    pub body: &'a [u8],
}

/// How a journal dates an entry: RFC 3339, UTC, milliseconds, `Z`.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Headers as the journal keeps them: lower-case names, a repeated header's values joined
/// with `, ` (as HTTP allows a list to be folded), values lossily decoded.
fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        out.entry(name.as_str().to_string())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    out
}

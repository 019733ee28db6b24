//! One request over the wire and its whole answer, bounded in size; transport failures
//! classified.

use serde_json::Value;

use super::{
    AdapterError, CLIENTE_ID_HEADER, ErrorKind, MAX_BODY_BYTES, ProtocolError,
    SessionManagerClient, Stage,
};
use crate::contract::Operation;

/// The bytes of an answer that arrived complete.
pub(super) struct Answer {
    pub(super) status: u16,
    /// The `Content-Type` header as received.
    pub(super) content_type: Option<String>,
    pub(super) body: Vec<u8>,
}

/// Why an answer's body was not read whole.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Over the limit (announced by `Content-Length`, or as it arrived).
    TooLarge,
    /// The connection broke off (or timed out) mid-body.
    Broken(reqwest::Error),
}

/// Read an answer's whole body, refusing one over `limit` bytes: answers are hostile input,
/// so nothing unbounded is kept in memory.
pub(crate) async fn read_body(
    resp: &mut reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Broken)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl SessionManagerClient {
    /// One request, its answer checked against the contract and classified.
    pub(super) async fn call(
        &self,
        op: &Operation,
        cliente_id: Option<u64>,
        body: Option<Vec<u8>>,
    ) -> Result<Value, AdapterError> {
        let answer = self.exchange(op, cliente_id, body).await?;
        self.classify(op, cliente_id, &answer)
    }

    /// Send one request and read the whole answer (bounded by [`MAX_BODY_BYTES`]).
    pub(super) async fn exchange(
        &self,
        op: &Operation,
        cliente_id: Option<u64>,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, AdapterError> {
        let req = self.request(op, cliente_id, body)?;
        let mut resp = req.send().await.map_err(|e| {
            self.err(
                op,
                cliente_id,
                self.transport_kind(&e, "sending the request"),
            )
        })?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let body = read_body(&mut resp, MAX_BODY_BYTES).await.map_err(|e| {
            let kind = match e {
                BodyError::TooLarge => ErrorKind::Protocol(ProtocolError::TooLarge {
                    limit: MAX_BODY_BYTES,
                }),
                BodyError::Broken(e) => {
                    self.transport_kind(&e, &format!("reading the {status} answer's body"))
                }
            };
            self.err(op, cliente_id, kind)
        })?;
        Ok(Answer {
            status,
            content_type,
            body,
        })
    }

    /// The request for `op`: the client's header when there is one, a JSON body when given.
    fn request(
        &self,
        op: &Operation,
        cliente_id: Option<u64>,
        body: Option<Vec<u8>>,
    ) -> Result<reqwest::RequestBuilder, AdapterError> {
        let url = format!("{}{}", self.base_url, op.path);
        let Ok(method) = reqwest::Method::from_bytes(op.method.as_bytes()) else {
            return Err(self.err(
                op,
                cliente_id,
                ErrorKind::Validation {
                    input: "contract method".into(),
                    value: Some(op.method.clone()),
                    reason: "not an HTTP method".into(),
                },
            ));
        };
        let mut req = self
            .http
            .request(method, &url)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(id) = cliente_id {
            req = req.header(CLIENTE_ID_HEADER, id.to_string());
        }
        if let Some(bytes) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes);
        }
        Ok(req)
    }

    /// A failed exchange as `Timeout` or `Transport`, at the stage it failed.
    fn transport_kind(&self, e: &reqwest::Error, doing: &str) -> ErrorKind {
        let stage = if e.is_connect() {
            Stage::Connect
        } else {
            Stage::Exchange
        };
        if e.is_timeout() {
            let limit = match stage {
                Stage::Connect => self.connect_timeout.min(self.timeout),
                Stage::Exchange => self.timeout,
            };
            return ErrorKind::Timeout { stage, limit };
        }
        let what = if e.is_dns() {
            "DNS lookup failed"
        } else if e.is_connect() {
            "connection failed"
        } else {
            "connection lost"
        };
        ErrorKind::Transport {
            stage,
            detail: format!("{what} while {doing}: {}", crate::report::root_cause(e)),
        }
    }
}

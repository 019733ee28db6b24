//! One exchange through the proxy: read the request (bounded), forward it once, read the
//! answer (bounded), give it back unchanged, journal and check both sides.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, HOST, HeaderMap, HeaderName, TRANSFER_ENCODING};
use hyper::http::request::Parts;
use hyper::{Request, Response};

use super::record::Recorder;
use super::{ProxyConfig, ProxyError};
use crate::contract::Contract;
use crate::journal::{JournalEntry, Received};
use crate::session::parse_cliente_id_header;

/// What every connection shares.
pub(super) struct State {
    client: reqwest::Client,
    upstream: String,
    contract: Contract,
    max_body: usize,
    timeout: Duration,
    print: bool,
    pub recorder: Recorder,
    seq: AtomicU64,
}

impl State {
    pub fn new(config: &ProxyConfig, upstream: String) -> Result<State, ProxyError> {
        let client = crate::http_client()
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_proxy()
            .build()
            .map_err(|e| ProxyError::Upstream(e.to_string()))?;
        let (recorder, seq) = Recorder::open(&config.journal)?;
        Ok(State {
            client,
            upstream: upstream.trim_end_matches('/').to_string(),
            contract: config.contract.clone(),
            max_body: config.max_body,
            timeout: config.timeout,
            print: config.print,
            recorder,
            seq: AtomicU64::new(seq),
        })
    }

    /// The limit on every wait.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A request that gets no answer: counted, printed, and the connection closed.
    fn fail(&self, parts: &Parts, reason: String) -> Failure {
        self.recorder.transport_failure();
        let line = format!(
            "transport {} {}: {reason}; the consumer's connection is closed without an answer",
            parts.method,
            parts.uri.path()
        );
        if self.print {
            println!("{line}");
        }
        Failure(line)
    }
}

/// Why an exchange ended without an answer.
#[derive(Debug)]
pub(super) struct Failure(String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

/// Headers that belong to one connection, not to the message (RFC 9110 §7.6.1).
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

/// Forward one request and give back the upstream's answer.
pub(super) async fn handle(
    state: &State,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Failure> {
    let (parts, body) = req.into_parts();
    let body =
        match tokio::time::timeout(state.timeout, Limited::new(body, state.max_body).collect())
            .await
        {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(e)) => {
                return Err(state.fail(
                    &parts,
                    format!(
                        "request body not read ({e}; limit {} bytes)",
                        state.max_body
                    ),
                ));
            }
            Err(_) => {
                return Err(state.fail(
                    &parts,
                    format!("request body not received within {:?}", state.timeout),
                ));
            }
        };
    let (status, headers, answer) =
        match tokio::time::timeout(state.timeout, forward(state, &parts, body.clone())).await {
            Ok(Ok(a)) => a,
            Ok(Err(reason)) => return Err(state.fail(&parts, reason)),
            Err(_) => {
                return Err(state.fail(
                    &parts,
                    format!(
                        "no answer from {} within {:?}",
                        state.upstream, state.timeout
                    ),
                ));
            }
        };
    record(state, &parts, &body, status.as_u16(), &answer);
    let mut response = Response::builder().status(status);
    for (name, value) in &headers {
        if !hop_by_hop(name) && name != CONTENT_LENGTH && name != TRANSFER_ENCODING {
            response = response.header(name, value);
        }
    }
    response
        .body(Full::new(answer))
        .map_err(|e| state.fail(&parts, format!("the answer cannot be passed on: {e}")))
}

/// Send the request once to the upstream; the answer's status, headers and body (bounded).
async fn forward(
    state: &State,
    parts: &Parts,
    body: Bytes,
) -> Result<(reqwest::StatusCode, HeaderMap, Bytes), String> {
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let url = format!("{}{path}", state.upstream);
    let mut request = state.client.request(parts.method.clone(), &url);
    for (name, value) in &parts.headers {
        // Host names the proxy; the upstream gets its own. Length is the body's, unchanged.
        if !hop_by_hop(name) && name != HOST && name != CONTENT_LENGTH {
            request = request.header(name, value);
        }
    }
    let mut answer = request.body(body).send().await.map_err(|e| {
        format!(
            "{} cannot be reached: {}",
            state.upstream,
            crate::report::error_chain(&e)
        )
    })?;
    let status = answer.status();
    let headers = answer.headers().clone();
    let mut bytes = Vec::new();
    while let Some(chunk) = answer
        .chunk()
        .await
        .map_err(|e| format!("the answer broke off: {}", crate::report::error_chain(&e)))?
    {
        if bytes.len() + chunk.len() > state.max_body {
            return Err(format!("the answer is over {} bytes", state.max_body));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((status, headers, Bytes::from(bytes)))
}

/// Journal the exchange and print what breaks the contract, on either side.
fn record(state: &State, parts: &Parts, body: &[u8], status: u16, answer: &[u8]) {
    let entry = journal_entry(state, parts, body, status, answer);
    let consumer = crate::verify::consumer::findings(&state.contract, &entry);
    if state.print {
        for (name, finding) in &consumer {
            println!("consumer #{} {name}: {finding}", entry.seq);
        }
        if let Some(v) = &entry.violation {
            println!("provider #{} {} -> {status}: {v}", entry.seq, entry.label());
        }
    }
    state.recorder.record(
        &entry,
        consumer.len() as u64,
        u64::from(entry.violation.is_some()),
    );
}

/// The exchange as a journal entry: the request as the upstream got it, its answer judged
/// against the contract, and the message id of a successful answer that carries one.
fn journal_entry(
    state: &State,
    parts: &Parts,
    body: &[u8],
    status: u16,
    answer: &[u8],
) -> JournalEntry {
    let received = Received {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
        body,
    };
    let op = state
        .contract
        .find_operation(received.method, received.path);
    let violation = op.and_then(|op| {
        state
            .contract
            .check_response(op, status, answer)
            .err()
            .map(|v| v.to_string())
    });
    let message_id = if (200..300).contains(&status) {
        serde_json::from_slice::<serde_json::Value>(answer)
            .ok()
            .and_then(|v| {
                v.get("message_id")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
    } else {
        None
    };
    let seq = state.seq.fetch_add(1, Ordering::SeqCst) + 1;
    let entry =
        JournalEntry::received(seq, chrono::Utc::now(), &received, op.map(|o| o.id.clone()));
    JournalEntry {
        // The headers as journaled: a repeated X-Cliente-Id is no one client.
        cliente_id: entry
            .headers
            .get("x-cliente-id")
            .and_then(|v| parse_cliente_id_header(v)),
        status,
        response: String::from_utf8_lossy(answer).into_owned(),
        message_id,
        violation,
        ..entry
    }
}

//! Answering one request: route it by the contract, find its fault, let the profile's version
//! answer, bend the answer as the fault says, check it against the contract, journal it.

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

use super::answers::{Answer, Call, Reply, error_envelope};
use super::server::Shared;
use super::{Fault, FaultKind};
use crate::journal::{JournalEntry, Received};
use crate::session::parse_cliente_id_header;

/// The one wiremock responder: routes by the contract, applies faults, journals.
pub(super) struct Responder(pub Arc<Shared>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let shared = &self.0;
        let arrival = Arrival::read(shared, request);
        let reply = (shared.config.profile.version().answers)(shared, &arrival.call(request));
        let (mut template, sent) = Sent::from_reply(reply, arrival.fault.as_ref());
        let violation = shared
            .contract
            .check_exchange(
                request.method.as_str(),
                request.url.path(),
                sent.status,
                Some(sent.media),
                sent.body.as_bytes(),
            )
            .err()
            .map(|e| e.to_string());
        if let Some(Fault {
            kind: FaultKind::Latency(d),
            ..
        }) = &arrival.fault
        {
            template = template.set_delay(*d);
        }
        shared.record(arrival.journal_entry(shared, request, sent, violation));
        template
    }
}

/// What the mock makes of a request before answering it.
struct Arrival {
    now: Instant,
    /// The contract operation it matches, if any.
    operation: Option<String>,
    /// The raw `X-Cliente-Id`, if sent.
    header: Option<String>,
    /// The client that header names, if it is valid.
    cliente_id: Option<u64>,
    /// The fault injected for it, if one applies (already counted as used).
    fault: Option<Fault>,
}

impl Arrival {
    /// Route the request, read its client and take its fault. A session dropping out
    /// happens now, so this very request is answered in the new state.
    fn read(shared: &Shared, request: &Request) -> Arrival {
        let now = Instant::now();
        let operation = shared
            .contract
            .find_operation(request.method.as_str(), request.url.path())
            .map(|op| op.id.clone());
        let header = request
            .headers
            .get("x-cliente-id")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let cliente_id = header.as_deref().and_then(parse_cliente_id_header);
        let fault = shared.faults.take(operation.as_deref(), cliente_id);
        if let (
            Some(Fault {
                kind: FaultKind::SessionDropsOut(state),
                ..
            }),
            Some(id),
        ) = (&fault, cliente_id)
        {
            shared.sessions.force(id, *state);
        }
        Arrival {
            now,
            operation,
            header,
            cliente_id,
            fault,
        }
    }

    /// The request as a version's answer function sees it.
    fn call<'a>(&'a self, request: &'a Request) -> Call<'a> {
        Call {
            operation: self.operation.as_deref(),
            request,
            header: self.header.as_deref(),
            now: self.now,
            fault: self.fault.as_ref(),
        }
    }

    /// The journal entry of this request and its answer. A provider without per-client
    /// sessions (v2) understood no client, whatever the header said.
    fn journal_entry(
        self,
        shared: &Shared,
        request: &Request,
        sent: Sent,
        violation: Option<String>,
    ) -> JournalEntry {
        let (seq, at) = shared.next_entry();
        let received = Received {
            method: request.method.as_str(),
            path: request.url.path(),
            query: request.url.query(),
            headers: &request.headers,
            body: &request.body,
        };
        let per_client = shared.config.profile.version().per_client_sessions;
        JournalEntry {
            cliente_id: self.cliente_id.filter(|_| per_client),
            status: sent.status,
            response: sent.body,
            message_id: sent.message_id,
            fault: self.fault.as_ref().map(Fault::label),
            violation,
            ..JournalEntry::received(seq, at, &received, self.operation)
        }
    }
}

/// What went out, as the journal and the contract check need it.
struct Sent {
    status: u16,
    /// The body, as text.
    body: String,
    /// For a `/send` the provider carried out: the message id it gave.
    message_id: Option<String>,
    /// The media type.
    media: &'static str,
}

impl Sent {
    /// A version's reply as it goes out: a JSON answer bent by `fault`, a raw one as it is.
    fn from_reply(reply: Reply, fault: Option<&Fault>) -> (ResponseTemplate, Sent) {
        match reply {
            Reply::Json(answer) => Sent::bent(answer, fault),
            Reply::Raw(status, body, html) => {
                let media = if html {
                    "text/html"
                } else {
                    "application/json"
                };
                let template = ResponseTemplate::new(status).set_body_raw(
                    body.clone().into_bytes(),
                    format!("{media}; charset=utf-8").as_str(),
                );
                let sent = Sent {
                    status,
                    body,
                    message_id: None,
                    media,
                };
                (template, sent)
            }
        }
    }

    /// A JSON answer as the fault bends it. A send the provider carried out keeps its
    /// message id in the journal whatever the consumer got to read.
    fn bent(answer: Answer, fault: Option<&Fault>) -> (ResponseTemplate, Sent) {
        let normal = answer.body.to_string();
        let delivered = answer.message_id.is_some();
        let json = |status: u16, body: String, message_id: Option<String>| {
            let template = ResponseTemplate::new(status)
                .set_body_raw(body.as_bytes().to_vec(), "application/json; charset=utf-8");
            let sent = Sent {
                status,
                body,
                message_id,
                media: "application/json",
            };
            (template, sent)
        };
        match fault.map(|f| &f.kind) {
            Some(FaultKind::Status(status, body)) => {
                let body = body
                    .clone()
                    .unwrap_or_else(|| error_envelope("INJECTED", "injected by lmh mock"));
                json(*status, body.to_string(), None)
            }
            Some(FaultKind::MalformedJson) => {
                // Cut on a character boundary: the body may carry the caller's non-ASCII text.
                let body: String = normal.chars().take(normal.chars().count() / 2).collect();
                json(200, body, answer.message_id)
            }
            Some(FaultKind::NonJson) => {
                let body = "<html><body><h1>Bad Gateway</h1></body></html>".to_string();
                let template = ResponseTemplate::new(200)
                    .set_body_raw(body.clone().into_bytes(), "text/html; charset=utf-8");
                let sent = Sent {
                    status: 200,
                    body,
                    message_id: answer.message_id,
                    media: "text/html",
                };
                (template, sent)
            }
            Some(FaultKind::DropConnection | FaultKind::ResetBeforeDelivery) => {
                // A Content-Length larger than the body makes hyper abort the connection
                // mid-answer: the client sees a dropped connection, not a response.
                let length = (normal.len() + 4096).to_string();
                let (template, sent) = json(answer.status, normal, answer.message_id);
                (template.insert_header("content-length", length), sent)
            }
            Some(FaultKind::SendSuccessWithoutId) if delivered => {
                let body = json!({"success": true, "message": "Message sent"});
                json(200, body.to_string(), answer.message_id)
            }
            Some(FaultKind::SendConstantId) if delivered => {
                let body = json!({"ok": true, "message_id": "sent-via-ui"});
                json(200, body.to_string(), answer.message_id)
            }
            _ => json(answer.status, normal, answer.message_id),
        }
    }
}

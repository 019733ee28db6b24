//! The requests made against an operation: each one's headers, body and expected answer.

use serde_json::Value;

use super::options::send_operation;
use super::run::Run;
use super::{INVALID_HEADER_VALUE, ProviderOptions, TEST_MESSAGE};
use crate::adapter::CLIENTE_ID_HEADER;
use crate::adapter::rules::Provocation;
use crate::contract::Operation;

/// What a probe's answer must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// A documented 4xx: the request broke a rule of the contract.
    ClientError,
    /// Any documented answer.
    Documented,
}

/// One request to make against an operation.
#[derive(Debug, Clone)]
pub(super) struct Probe {
    /// Appended to the operation's label in the check name.
    pub(super) label: String,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Option<Vec<u8>>,
    pub(super) expect: Expect,
    /// What was wrong with the request, for a `ClientError` probe answered otherwise.
    pub(super) why: String,
    /// The mistake the request makes on purpose: its answer must name it.
    pub(super) provoked: Option<Provocation>,
    /// The main request with a valid client: its answer tells the session's state.
    pub(super) main: bool,
    /// Sends a real message.
    pub(super) real_send: bool,
}

impl Probe {
    /// A request that breaks a rule of the contract on purpose (`why`, `provoked`).
    fn client_error(
        label: String,
        headers: Vec<(String, String)>,
        body: Option<Vec<u8>>,
        why: String,
        provoked: Provocation,
    ) -> Probe {
        Probe {
            label,
            headers,
            body,
            expect: Expect::ClientError,
            why,
            provoked: Some(provoked),
            main: false,
            real_send: false,
        }
    }

    /// The operation's main request, with a valid client; `real_send` when it sends a message.
    fn main(
        label: String,
        headers: Vec<(String, String)>,
        body: Option<Vec<u8>>,
        real_send: bool,
    ) -> Probe {
        Probe {
            label,
            headers,
            body,
            expect: Expect::Documented,
            why: String::new(),
            provoked: None,
            main: true,
            real_send,
        }
    }
}

/// The identity request, `GET /health`, judged as that operation's main probe.
pub(super) fn health_probe() -> Probe {
    Probe::main(String::new(), Vec::new(), None, false)
}

/// Headers that satisfy every required header of `op`.
pub(super) fn valid_headers(
    op: &Operation,
    options: &ProviderOptions,
) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for h in op.headers.iter().filter(|h| h.required) {
        if h.name.eq_ignore_ascii_case(CLIENTE_ID_HEADER) {
            out.push((h.name.clone(), options.cliente_id.to_string()));
            continue;
        }
        let guess = h
            .schema
            .resolved
            .get("const")
            .or_else(|| h.schema.resolved.pointer("/enum/0"))
            .and_then(Value::as_str);
        match guess {
            Some(v) => out.push((h.name.clone(), v.to_string())),
            None => {
                return Err(format!(
                    "lmh cannot make up a valid value for the required header {}",
                    h.name
                ));
            }
        }
    }
    Ok(out)
}

impl Run<'_> {
    /// Every request lmh can send `op` safely: each required header left out or invalid,
    /// an invalid body, and the main request (a real message only when asked for).
    pub(super) fn probes(&self, op: &Operation) -> Result<Vec<Probe>, String> {
        let valid = valid_headers(op, self.options);
        let mut probes = header_probes(op, valid.as_deref().unwrap_or_default());
        let valid = match valid {
            Ok(v) => v,
            Err(why) if probes.is_empty() => return Err(why),
            Err(_) => return Ok(probes),
        };
        let with = valid
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let with = if with.is_empty() {
            String::new()
        } else {
            format!("with {with}")
        };
        match &op.request_body {
            Some(schema) => {
                if !schema.is_valid(&serde_json::json!({})) {
                    probes.push(Probe::client_error(
                        joined(&with, "body {}"),
                        valid.clone(),
                        Some(b"{}".to_vec()),
                        "with body {}, which breaks the request schema".into(),
                        Provocation::InvalidBody,
                    ));
                }
                probes.extend(self.real_send(op, &with, valid));
            }
            None if matches!(op.method.as_str(), "GET" | "HEAD") => {
                probes.push(Probe::main(with, valid, None, false));
            }
            None if probes.is_empty() => {
                return Err(format!(
                    "{} takes no body lmh could send invalid, and calling it may change the \
                     provider's state: not called",
                    op.label()
                ));
            }
            None => {}
        }
        Ok(probes)
    }

    /// The one real message, when asked for and `op` is the contract's send operation.
    fn real_send(&self, op: &Operation, with: &str, valid: Vec<(String, String)>) -> Option<Probe> {
        let is_send = send_operation(self.contract).is_some_and(|s| s.id == op.id);
        let to = self.send_to.as_ref().filter(|_| is_send)?;
        let body = serde_json::json!({"to": to, "message": TEST_MESSAGE});
        Some(Probe::main(
            joined(with, &format!("a real message to {to}")),
            valid,
            Some(body.to_string().into_bytes()),
            true,
        ))
    }
}

/// For every required header of `op`: a request without it, and one with a value its schema
/// refuses; `valid` gives the other headers.
fn header_probes(op: &Operation, valid: &[(String, String)]) -> Vec<Probe> {
    let others = |skip: &str| -> Vec<(String, String)> {
        valid
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case(skip))
            .cloned()
            .collect()
    };
    // Every header probe carries an invalid body where there is one, so nothing is sent
    // even by a provider that ignores the header.
    let empty_body = op.request_body.as_ref().map(|_| b"{}".to_vec());
    let body_note = if empty_body.is_some() {
        " (body {})"
    } else {
        ""
    };
    let mut probes = Vec::new();
    for h in op.headers.iter().filter(|h| h.required) {
        probes.push(Probe::client_error(
            format!("without {}{body_note}", h.name),
            others(&h.name),
            empty_body.clone(),
            format!("without the required header {}", h.name),
            Provocation::MissingHeader,
        ));
        if !h.schema.is_valid(&Value::from(INVALID_HEADER_VALUE)) {
            let mut headers = others(&h.name);
            headers.push((h.name.clone(), INVALID_HEADER_VALUE.to_string()));
            probes.push(Probe::client_error(
                format!("with {}: {INVALID_HEADER_VALUE}{body_note}", h.name),
                headers,
                empty_body.clone(),
                format!(
                    "with {}: {INVALID_HEADER_VALUE}, which breaks the header's schema",
                    h.name
                ),
                Provocation::InvalidHeader,
            ));
        }
    }
    probes
}

/// `a and b`, or the one that is not empty.
fn joined(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a} and {b}"),
    }
}

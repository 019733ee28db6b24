//! `lmh verify provider`: a live session-manager's answers against the contract.
//!
//! First the identity (`/health` must name a session-manager: a wrong port answered by some
//! other service proves nothing), then every documented answer that can be provoked without
//! sending a message: missing and invalid headers, the state-dependent answers for the
//! session the probe client is in, `/send`'s body validation, the unknown-route and
//! malformed-body answers. A real `/send` happens only when asked for
//! ([`ProviderOptions::send_to`]).
//!
//! Side effects are reported as observed, never as the contract predicts them: a probe
//! client whose first `/status` said NOT_INITIALIZED and the next another state had its
//! session created by this run (operations marked `x-lmh-creates-session` do that, hence the
//! high default client id, [`DEFAULT_CLIENTE_ID`]); a message counts as sent when the provider
//! answered 200.
//!
//! Answers are judged by meaning too, with the adapter's rules ([`crate::adapter::rules`]):
//! the error code must name the mistake the probe made, `/status` must be about the client
//! asked and agree with itself, `/qr-code` must match the state, a send's `message_id` must
//! not be a placeholder, and the media type must be the documented one.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use lmh::verify::{ProviderOptions, verify_provider};
//! let report = verify_provider(&ProviderOptions::new("http://127.0.0.1:3001")).await.unwrap();
//! print!("{}", report.to_human());
//! # }
//! ```

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use super::VerifyError;
use crate::adapter::rules::{self, Provocation, RuleBreak, StatusFacts};
use crate::adapter::{CLIENTE_ID_HEADER, MAX_BODY_BYTES, MAX_JS_SAFE_INTEGER, parse_base_url};
use crate::contract::{Contract, Operation, ResponseSpec, ResponseViolation, snippet};
use crate::domain::normalize_phone;
use crate::report::{Check, Outcome, Report};
use crate::session::SessionState;

/// Client id the probes use unless told otherwise: high, so no real client's session is touched.
pub const DEFAULT_CLIENTE_ID: u64 = 999_999;
/// Path of the unknown-route probe.
pub const UNKNOWN_ROUTE_PROBE: &str = "/__lmh_probe_unknown_route";
/// Limit for each request (connect and answer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The text of the one real message sent with [`ProviderOptions::send_to`].
pub const TEST_MESSAGE: &str = "lmh verify provider: test message";

const AREA: &str = "provider";
/// A header value no positive-integer schema accepts.
const INVALID_HEADER_VALUE: &str = "abc";

/// What to check and how.
#[derive(Debug, Clone)]
pub struct ProviderOptions {
    /// Base URL of the provider, e.g. `http://127.0.0.1:3001`.
    pub base_url: String,
    /// The client id the probes send in `X-Cliente-Id` (its session may be created).
    pub cliente_id: u64,
    /// The contract the answers are checked against.
    pub contract: Contract,
    /// When set, one real message ([`TEST_MESSAGE`]) is sent to this number. It must pass the
    /// scheduler's rule ([`normalize_phone`]) and goes out as the chat id the scheduler would send.
    pub send_to: Option<String>,
    /// Limit for each request.
    pub timeout: Duration,
}

impl ProviderOptions {
    /// Options for `base_url` with the v1 contract, [`DEFAULT_CLIENTE_ID`], no real send.
    pub fn new(base_url: impl Into<String>) -> ProviderOptions {
        ProviderOptions {
            base_url: base_url.into(),
            cliente_id: DEFAULT_CLIENTE_ID,
            contract: Contract::v1(),
            send_to: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// What came back from one request.
#[derive(Debug, Clone)]
enum Reply {
    Answer {
        status: u16,
        media: String,
        body: Vec<u8>,
    },
    /// No (complete) answer: why, and what to do.
    Failed(String),
}

impl Reply {
    /// Status, media type and body of an answer, or why there was none.
    fn parts(&self) -> Result<(u16, &String, &Vec<u8>), &str> {
        match self {
            Reply::Answer {
                status,
                media,
                body,
            } => Ok((*status, media, body)),
            Reply::Failed(why) => Err(why),
        }
    }

    fn json(&self) -> Option<Value> {
        match self {
            Reply::Answer { body, .. } => serde_json::from_slice(body).ok(),
            Reply::Failed(_) => None,
        }
    }
    fn status(&self) -> Option<u16> {
        match self {
            Reply::Answer { status, .. } => Some(*status),
            Reply::Failed(_) => None,
        }
    }
}

/// What a probe's answer must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A documented 4xx: the request broke a rule of the contract.
    ClientError,
    /// Any documented answer.
    Documented,
}

/// One request to make against an operation.
#[derive(Debug, Clone)]
struct Probe {
    /// Appended to the operation's label in the check name.
    label: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    expect: Expect,
    /// What was wrong with the request, for a `ClientError` probe answered otherwise.
    why: String,
    /// The mistake the request makes on purpose: its answer must name it.
    provoked: Option<Provocation>,
    /// The main request with a valid client: its answer tells the session's state.
    main: bool,
    /// Sends a real message.
    real_send: bool,
}

/// Sends probes and reads answers, bounded in time and size.
struct Prober {
    http: reqwest::Client,
    base: String,
    timeout: Duration,
}

impl Prober {
    async fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Reply {
        let url = format!("{}{}", self.base, path);
        let Ok(method) = reqwest::Method::from_bytes(method.as_bytes()) else {
            return Reply::Failed(format!("{method:?} is not an HTTP method"));
        };
        let mut req = self
            .http
            .request(method, &url)
            .header(reqwest::header::ACCEPT, "application/json");
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_vec());
        }
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Reply::Failed(self.transport(&e, &url)),
        };
        let status = resp.status().as_u16();
        let media = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "no content type".to_string());
        let mut bytes = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                        return Reply::Failed(format!(
                            "{url} answered {status} with a body over {MAX_BODY_BYTES} bytes"
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Reply::Failed(format!(
                        "{url} answered {status} but the body broke off: {}",
                        self.transport(&e, &url)
                    ));
                }
            }
        }
        Reply::Answer {
            status,
            media,
            body: bytes,
        }
    }

    fn transport(&self, e: &reqwest::Error, url: &str) -> String {
        if e.is_timeout() {
            format!(
                "no answer from {url} within {} ms: something accepts connections there but does \
                 not answer in time; check what listens on that port, or raise --timeout-ms",
                self.timeout.as_millis()
            )
        } else if e.is_connect() {
            format!(
                "cannot connect to {url} ({}); start the session-manager (or `lmh mock serve`), \
                 or point --base-url at the port it listens on (its default is 3001)",
                crate::report::root_cause(e)
            )
        } else {
            format!(
                "the exchange with {url} failed: {}",
                crate::report::error_chain(e)
            )
        }
    }
}

/// What the run learned about the probe client's session.
#[derive(Debug, Default)]
struct Session {
    /// The state the probes found (after a creating first request): `None` when unknown.
    state: Option<String>,
    /// The state the very first `/status` answered: `None` when unknown or not asked.
    first_state: Option<String>,
    /// Observed: the first `/status` answered NOT_INITIALIZED and the next another state.
    created: bool,
    /// The number a real message went to (the provider answered 200).
    sent_to: Option<String>,
    /// The message id the provider gave for it.
    sent_id: Option<String>,
}

/// Check the provider at `options.base_url` against `options.contract`.
///
/// `Err` only for unusable options (exit 2); an unreachable or foreign provider is a failed
/// identity check in the report.
pub async fn verify_provider(options: &ProviderOptions) -> Result<Report, VerifyError> {
    let base = parse_base_url(&options.base_url, "--base-url").map_err(|e| {
        VerifyError::input(
            "--base-url",
            e.to_string()
                .trim_start_matches("invalid --base-url ")
                .to_string(),
        )
    })?;
    check_cliente_id(options)?;
    if options.timeout.is_zero() {
        return Err(VerifyError::input(
            "--timeout-ms",
            "0 would time out every request; give a positive number of milliseconds",
        ));
    }
    let contract = &options.contract;
    let send_op = send_operation(contract);
    let send_to = match &options.send_to {
        Some(to) => Some(check_send_to(to, send_op)?),
        None => None,
    };
    let http = crate::http_client()
        .connect_timeout(options.timeout)
        .timeout(options.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("lmh-verify/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| VerifyError::input("HTTP client", crate::report::error_chain(&e)))?;
    let prober = Prober {
        http,
        base: base.clone(),
        timeout: options.timeout,
    };
    let mut report = Report::new(&format!(
        "lmh verify provider {base} against {} ({})",
        contract.label(),
        contract.origin
    ));

    // Identity first: nothing else is sent to a service that is not a session-manager.
    let health = prober.call("GET", "/health", &[], None).await;
    let identity = identity(&base, &health);
    let foreign = identity.outcome == Outcome::Fail;
    report.push(identity);
    if foreign {
        report.push(Check::skip(
            AREA,
            "contract checks",
            "not run: the identity check failed, and lmh sends nothing more to a service it cannot identify",
        ));
        return Ok(report);
    }

    let mut run = Run {
        options,
        contract,
        prober: &prober,
        session: Session::default(),
        state_op: state_operation(contract, options),
        send_to,
    };
    // The state the session is in decides which answers can be provoked; learn it first.
    let state_replies = run.learn_state().await;

    for op in &contract.operations {
        let checks = if op.method == "GET" && op.path == "/health" {
            run.judge_operation(op, vec![(health_probe(), vec![health.clone()])])
        } else {
            run.check_operation(op, &state_replies).await
        };
        report.extend(checks);
    }
    report.push(run.unknown_route().await);
    report.push(run.malformed_body().await);
    if let Some(c) = run.side_effects() {
        report.push(c);
    }
    Ok(report)
}

fn health_probe() -> Probe {
    Probe {
        label: String::new(),
        headers: Vec::new(),
        body: None,
        expect: Expect::Documented,
        why: String::new(),
        provoked: None,
        main: true,
        real_send: false,
    }
}

fn check_cliente_id(options: &ProviderOptions) -> Result<(), VerifyError> {
    let id = options.cliente_id;
    if id == 0 {
        return Err(VerifyError::input(
            "--cliente-id",
            "0: the provider rejects it; give a positive, unused client id (default 999999)",
        ));
    }
    if id > MAX_JS_SAFE_INTEGER {
        return Err(VerifyError::input(
            "--cliente-id",
            format!(
                "{id}: above {MAX_JS_SAFE_INTEGER} the provider's parseInt loses precision and would \
                 address another client's session"
            ),
        ));
    }
    Ok(())
}

/// The operation a real message goes through: the contract's `send`.
fn send_operation(contract: &Contract) -> Option<&Operation> {
    contract
        .operations
        .iter()
        .find(|op| op.request_body.is_some() && (op.id == "send" || op.path == "/send"))
}

/// `to` as the chat id the scheduler would send to: one rule of what may be sent, so a number
/// the scheduler refuses is never sent to here either.
fn check_send_to(to: &str, send_op: Option<&Operation>) -> Result<String, VerifyError> {
    let Some(chat) = normalize_phone(to) else {
        return Err(VerifyError::input(
            "--to",
            format!(
                "{to:?} is not a number the scheduler sends to; give 8 to 15 digits in \
                 international form with no leading 0, no `+`, spaces or dashes, optionally \
                 ending in @c.us, e.g. 5491155550000"
            ),
        ));
    };
    let Some(op) = send_op else {
        return Err(VerifyError::input(
            "--allow-send",
            "the contract has no send operation (POST /send with a JSON body) to send through",
        ));
    };
    if let Some(schema) = &op.request_body {
        let body = serde_json::json!({"to": chat, "message": TEST_MESSAGE});
        if let Some(v) = schema.violations(&body).first() {
            return Err(VerifyError::input(
                "--to",
                format!("{to:?}: the send body breaks the contract: {v}"),
            ));
        }
    }
    Ok(chat)
}

/// The operation whose answer names the session's state: `GET /status`.
fn state_operation<'a>(contract: &'a Contract, options: &ProviderOptions) -> Option<&'a Operation> {
    contract
        .find_operation("GET", "/status")
        .filter(|op| valid_headers(op, options).is_ok())
}

/// Headers that satisfy every required header of `op`.
fn valid_headers(
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

/// The state a `/status` answer names (`state` in v1, `status` in v2).
fn state_of(value: &Value) -> Option<String> {
    value
        .get("state")
        .or_else(|| value.get("status"))
        .and_then(Value::as_str)
        .map(clean)
}

fn identity(base: &str, health: &Reply) -> Check {
    let name = "identity (GET /health)";
    match health {
        Reply::Failed(why) => Check::fail(AREA, name, why.clone()),
        Reply::Answer {
            status,
            media,
            body,
        } => {
            let service = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v.get("service").and_then(Value::as_str).map(clean));
            match service.as_deref() {
                Some("session-manager") => Check::pass(
                    AREA,
                    name,
                    format!("a session-manager answers at {base} ({status} {media})"),
                ),
                found => {
                    let what = match found {
                        Some(other) => format!("{status} {media} naming service {other:?}"),
                        None => format!("{status} {media}: {}", excerpt(body)),
                    };
                    Check::fail(
                        AREA,
                        name,
                        format!(
                            "something else answers on this port: {base}/health gave {what}; \
                             point --base-url at the session-manager"
                        ),
                    )
                }
            }
        }
    }
}

struct Run<'a> {
    options: &'a ProviderOptions,
    contract: &'a Contract,
    prober: &'a Prober,
    session: Session,
    state_op: Option<&'a Operation>,
    /// The chat id a real message goes to (checked by [`check_send_to`]).
    send_to: Option<String>,
}

impl Run<'_> {
    fn client(&self) -> String {
        let state = self
            .session
            .state
            .as_deref()
            .map(|s| format!("is {s}"))
            .unwrap_or_else(|| "is in a state lmh could not read".into());
        format!("client {} {state}", self.options.cliente_id)
    }

    /// Ask `/status` once (twice when the first request created the session).
    async fn learn_state(&mut self) -> Vec<Reply> {
        let Some(op) = self.state_op else {
            return Vec::new();
        };
        let headers = valid_headers(op, self.options).unwrap_or_default();
        let first = self.prober.call(&op.method, &op.path, &headers, None).await;
        let mut replies = vec![first];
        let not_initialized = Some(SessionState::NotInitialized.as_str());
        self.session.first_state = replies[0].json().as_ref().and_then(state_of);
        if self.session.first_state.as_deref() == not_initialized {
            // That request may have created the session: the next answer tells.
            let second = self.prober.call(&op.method, &op.path, &headers, None).await;
            replies.push(second);
        }
        self.session.state = replies
            .last()
            .and_then(Reply::json)
            .as_ref()
            .and_then(state_of);
        self.session.created = replies.len() > 1
            && self.session.state.is_some()
            && self.session.state.as_deref() != not_initialized;
        replies
    }

    fn probes(&self, op: &Operation) -> Result<Vec<Probe>, String> {
        let mut probes = Vec::new();
        let valid = valid_headers(op, self.options);
        let others = |skip: &str| -> Vec<(String, String)> {
            valid
                .clone()
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case(skip))
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
        for h in op.headers.iter().filter(|h| h.required) {
            probes.push(Probe {
                label: format!("without {}{body_note}", h.name),
                headers: others(&h.name),
                body: empty_body.clone(),
                expect: Expect::ClientError,
                why: format!("without the required header {}", h.name),
                provoked: Some(Provocation::MissingHeader),
                main: false,
                real_send: false,
            });
            if !h.schema.is_valid(&Value::from(INVALID_HEADER_VALUE)) {
                let mut headers = others(&h.name);
                headers.push((h.name.clone(), INVALID_HEADER_VALUE.to_string()));
                probes.push(Probe {
                    label: format!("with {}: {INVALID_HEADER_VALUE}{body_note}", h.name),
                    headers,
                    body: empty_body.clone(),
                    expect: Expect::ClientError,
                    why: format!(
                        "with {}: {INVALID_HEADER_VALUE}, which breaks the header's schema",
                        h.name
                    ),
                    provoked: Some(Provocation::InvalidHeader),
                    main: false,
                    real_send: false,
                });
            }
        }
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
        let join = |a: &str, b: &str| match (a.is_empty(), b.is_empty()) {
            (true, _) => b.to_string(),
            (_, true) => a.to_string(),
            _ => format!("{a} and {b}"),
        };
        match &op.request_body {
            Some(schema) => {
                if !schema.is_valid(&serde_json::json!({})) {
                    probes.push(Probe {
                        label: join(&with, "body {}"),
                        headers: valid.clone(),
                        body: Some(b"{}".to_vec()),
                        expect: Expect::ClientError,
                        why: "with body {}, which breaks the request schema".into(),
                        provoked: Some(Provocation::InvalidBody),
                        main: false,
                        real_send: false,
                    });
                }
                let is_send = send_operation(self.contract).is_some_and(|s| s.id == op.id);
                if let (true, Some(to)) = (is_send, &self.send_to) {
                    let body = serde_json::json!({"to": to, "message": TEST_MESSAGE});
                    probes.push(Probe {
                        label: join(&with, &format!("a real message to {to}")),
                        headers: valid,
                        body: Some(body.to_string().into_bytes()),
                        expect: Expect::Documented,
                        why: String::new(),
                        provoked: None,
                        main: true,
                        real_send: true,
                    });
                }
            }
            None if matches!(op.method.as_str(), "GET" | "HEAD") => probes.push(Probe {
                label: with,
                headers: valid,
                body: None,
                expect: Expect::Documented,
                why: String::new(),
                provoked: None,
                main: true,
                real_send: false,
            }),
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

    async fn check_operation(&mut self, op: &Operation, state_replies: &[Reply]) -> Vec<Check> {
        let probes = match self.probes(op) {
            Ok(p) if !p.is_empty() => p,
            Ok(_) => {
                return vec![Check::skip(
                    AREA,
                    &op.label(),
                    "not exercised: no request lmh can send safely provokes a documented answer",
                )];
            }
            Err(why) => {
                return vec![Check::skip(
                    AREA,
                    &op.label(),
                    format!("not exercised: {why}"),
                )];
            }
        };
        let is_state_op = self.state_op.is_some_and(|s| s.id == op.id);
        let mut runs = Vec::new();
        for probe in probes {
            let replies = if probe.main && is_state_op && !state_replies.is_empty() {
                state_replies.to_vec()
            } else {
                let reply = self
                    .prober
                    .call(&op.method, &op.path, &probe.headers, probe.body.as_deref())
                    .await;
                if probe.real_send && reply.status() == Some(200) {
                    self.session.sent_to = self.send_to.clone();
                    self.session.sent_id = reply
                        .json()
                        .and_then(|v| v.get("message_id").and_then(Value::as_str).map(clean));
                }
                vec![reply]
            };
            let route_missing = replies.iter().find_map(|r| self.route_missing(op, r));
            if let Some(check) = route_missing {
                // One finding for the whole route: every other probe would say the same.
                return vec![check];
            }
            runs.push((probe, replies));
        }
        let main = runs
            .iter()
            .find(|(p, _)| p.main)
            .and_then(|(_, r)| r.last())
            .and_then(|r| Some((r.status()?, r.json()?)));
        let mut checks = self.judge_operation(op, runs);
        let main_passed = checks.iter().all(|c| c.outcome != Outcome::Fail);
        if let (true, "qr_code", Some((status, body))) = (main_passed, op.id.as_str(), &main)
            && let Some(c) = self.qr_for_state(op, *status, body).await
        {
            checks.push(c);
        }
        checks
    }

    /// `Some` finding when the provider has no such route: a 404/405 the operation does not
    /// document with that body.
    fn route_missing(&self, op: &Operation, reply: &Reply) -> Option<Check> {
        let Reply::Answer {
            status,
            media,
            body,
        } = reply
        else {
            return None;
        };
        if !matches!(status, 404 | 405) || self.contract.check_response(op, *status, body).is_ok() {
            return None;
        }
        Some(
            Check::fail(
                AREA,
                &op.label(),
                format!(
                    "contract v{} documents it; the provider answers {status} {media} (route missing)",
                    self.contract.version
                ),
            )
            .with_details([format!("answer: {}", excerpt(body))]),
        )
    }

    /// Judge every probe's replies, then list the documented statuses no probe reached.
    fn judge_operation(&self, op: &Operation, runs: Vec<(Probe, Vec<Reply>)>) -> Vec<Check> {
        let mut checks = Vec::new();
        let mut answered = BTreeSet::new();
        let mut provoked_errors = false;
        for (probe, replies) in &runs {
            let name = if probe.label.is_empty() {
                op.label()
            } else {
                format!("{} {}", op.label(), probe.label)
            };
            provoked_errors |= probe.expect == Expect::ClientError;
            let mut judged: Vec<Check> = Vec::new();
            for reply in replies {
                if let Some(s) = reply.status() {
                    answered.insert(s);
                }
                judged.push(self.judge(op, probe, &name, reply));
            }
            let mut check = judged
                .iter()
                .find(|c| c.outcome == Outcome::Fail)
                .or(judged.last())
                .cloned()
                .unwrap_or_else(|| Check::skip(AREA, &name, "no answer recorded"));
            if replies.len() > 1 && self.session.created && check.outcome == Outcome::Pass {
                check.details.push(format!(
                    "the first request created client {}'s session (NOT_INITIALIZED); the next found it {}",
                    self.options.cliente_id,
                    self.session.state.as_deref().unwrap_or("in an unreadable state")
                ));
            }
            checks.push(check);
        }
        for status in op.statuses().into_iter().filter(|s| !answered.contains(s)) {
            checks.push(Check::skip(
                AREA,
                &format!("{} {status}", op.label()),
                format!(
                    "{}: {}",
                    crate::report::NOT_EXERCISED,
                    self.why_not(op, status, &answered, provoked_errors)
                ),
            ));
        }
        checks
    }

    fn judge(&self, op: &Operation, probe: &Probe, name: &str, reply: &Reply) -> Check {
        let (status, media, body) = match reply.parts() {
            Ok(parts) => parts,
            Err(why) => return Check::fail(AREA, name, format!("no answer: {why}")),
        };
        let client_errors: Vec<u16> = op
            .statuses()
            .into_iter()
            .filter(|s| (400..500).contains(s))
            .collect();
        let wrong_class = probe.expect == Expect::ClientError && !(400..500).contains(&status);
        let class_note = || {
            format!(
                "answered {status} {}; the contract documents {} for that",
                probe.why,
                codes(&client_errors)
            )
        };
        match self.contract.check_answer(op, status, Some(media), body) {
            Ok(value) if wrong_class => Check::fail(
                AREA,
                name,
                format!("{}: {}", class_note(), describe(&value)),
            ),
            Ok(value) => {
                let what = describe(&value);
                match self.meaning(op, probe, status, &value) {
                    Err(broken) => Check::fail(AREA, name, format!("{status} {what}: {broken}")),
                    Ok(()) if what.is_empty() => {
                        Check::pass(AREA, name, format!("conformant: {status}"))
                    }
                    Ok(()) => Check::pass(AREA, name, format!("conformant: {status}, {what}")),
                }
            }
            Err(violation) => {
                let mut check = deviation(name, status, media, body, &violation);
                if wrong_class {
                    check.details.insert(0, class_note());
                }
                check
            }
        }
    }

    /// What a conformant answer means, by the adapter's rules: the error code the probe
    /// provoked, a `/status` about the client asked and agreeing with itself, a real id.
    fn meaning(
        &self,
        op: &Operation,
        probe: &Probe,
        status: u16,
        value: &Value,
    ) -> Result<(), RuleBreak> {
        if let Some(p) = probe.provoked
            && (400..500).contains(&status)
            && documents_code(op, p)
        {
            rules::provoked_code(p, value)?;
        }
        if !probe.main || !(200..300).contains(&status) {
            return Ok(());
        }
        if self.state_op.is_some_and(|s| s.id == op.id)
            && let Some(facts) = StatusFacts::from_json(value)
        {
            rules::status_answer(self.options.cliente_id, &facts)?;
        }
        if probe.real_send
            && let Some(id) = value.get("message_id").and_then(Value::as_str)
        {
            rules::message_id(id)?;
        }
        Ok(())
    }

    /// [`rules::qr_code_answer`] for the session's state, judged only when the state did not
    /// move while the probe ran.
    async fn qr_for_state(&self, op: &Operation, answered: u16, body: &Value) -> Option<Check> {
        let before = self.session.state.clone()?;
        let state_op = self.state_op?;
        let headers = valid_headers(state_op, self.options).ok()?;
        let after = self
            .prober
            .call(&state_op.method, &state_op.path, &headers, None)
            .await
            .json()
            .as_ref()
            .and_then(state_of)?;
        let name = format!("{} answer for the session's state", op.label());
        if before != after {
            return Some(Check::skip(
                AREA,
                &name,
                format!("not judged: the session moved from {before} to {after} meanwhile"),
            ));
        }
        let state: SessionState = before.parse().ok()?;
        Some(match rules::qr_code_answer(state, answered, body) {
            Ok(()) => Check::pass(
                AREA,
                &name,
                format!(
                    "consistent: {} and {} answered {answered} {}",
                    self.client(),
                    op.label(),
                    describe(body)
                ),
            ),
            Err(broken) => Check::fail(AREA, &name, broken.to_string()),
        })
    }

    fn why_not(
        &self,
        op: &Operation,
        status: u16,
        answered: &BTreeSet<u16>,
        provoked_errors: bool,
    ) -> String {
        let got = codes(&answered.iter().copied().collect::<Vec<_>>());
        let client = self.client();
        let allow = self.send_to.is_some();
        match (op.id.as_str(), status) {
            ("send", 200) if allow => format!("200 needs a READY session; {client}"),
            ("send", 200) => "200 needs a READY session and --allow-send --to NUMBER".into(),
            ("send", 409) if allow => format!("409 needs a session that is not READY; {client}"),
            ("send", 409) => "409 needs a session that is not READY and --allow-send --to NUMBER \
                 (a valid body sends a message when the session is READY)"
                .into(),
            ("send", 500) => {
                "500 needs a send that fails (--allow-send) or a server fault: not provokable safely"
                    .into()
            }
            ("qr_code", 200) => {
                format!("200 needs a session waiting for a scan (QR_REQUIRED); {client}")
            }
            ("qr_code", 404) => {
                format!("404 needs a QR_REQUIRED session whose QR is not generated yet; {client}")
            }
            ("qr_code", 409) => {
                format!("409 needs a session in any state but QR_REQUIRED; {client}")
            }
            (_, s) if s >= 500 => format!("{s} not provokable: it needs a server-side failure"),
            (_, s) if answered.is_empty() => format!("{s} not provoked: no answer was read"),
            (_, s) if (200..300).contains(&s) => {
                format!("{s} needs the session in another state; {client} (answered: {got})")
            }
            (_, s) if provoked_errors && (400..500).contains(&s) => {
                format!("{s} never came back: the requests meant to provoke it got {got}")
            }
            (_, s) => {
                format!("{s} not provoked by lmh's non-destructive requests (answered: {got})")
            }
        }
    }

    async fn unknown_route(&self) -> Check {
        let name = format!("unknown route (GET {UNKNOWN_ROUTE_PROBE})");
        let Some(spec) = &self.contract.unknown_route else {
            return Check::skip(
                AREA,
                &name,
                "not exercised: the contract does not document unknown routes (x-lmh-unknown-route)",
            );
        };
        let reply = self
            .prober
            .call("GET", UNKNOWN_ROUTE_PROBE, &[], None)
            .await;
        extension(&name, "x-lmh-unknown-route", spec, &reply)
    }

    async fn malformed_body(&self) -> Check {
        let Some(spec) = &self.contract.malformed_body else {
            return Check::skip(
                AREA,
                "malformed JSON body",
                "not exercised: the contract does not document it (x-lmh-malformed-body)",
            );
        };
        // Any route that reads JSON will do: the body is parsed before the route runs, so
        // the handler (and its side effects) never does.
        let Some(op) = self
            .contract
            .operations
            .iter()
            .find(|op| op.request_body.is_some())
        else {
            return Check::skip(
                AREA,
                "malformed JSON body",
                "not exercised: no operation of the contract takes a JSON body",
            );
        };
        let name = format!("malformed JSON body ({})", op.label());
        let reply = self
            .prober
            .call(&op.method, &op.path, &[], Some(b"{\"to\":"))
            .await;
        extension(&name, "x-lmh-malformed-body", spec, &reply)
    }

    /// What the run observed it changed on the provider (never what the contract predicts).
    fn side_effects(&self) -> Option<Check> {
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

/// Check an answer against one of the contract's `x-lmh-*` answers.
fn extension(name: &str, key: &str, spec: &ResponseSpec, reply: &Reply) -> Check {
    let (status, media, body) = match reply.parts() {
        Ok(parts) => parts,
        Err(why) => return Check::fail(AREA, name, format!("no answer: {why}")),
    };
    if status != spec.status {
        return Check::fail(
            AREA,
            name,
            format!(
                "answered {status} {media}; the contract documents {} ({key})",
                spec.status
            ),
        )
        .with_details([format!("answer: {}", excerpt(body))]);
    }
    if spec.schema.is_none() {
        return match spec.check_media(Some(media)) {
            Ok(()) => Check::pass(
                AREA,
                name,
                format!("conformant: {status} {media} (the contract documents no JSON body)"),
            ),
            Err(v) => deviation(name, status, media, body, &v),
        };
    }
    match spec.check_answer(Some(media), body) {
        Ok(value) => Check::pass(
            AREA,
            name,
            format!("conformant: {status}, {}", describe(&value)),
        ),
        Err(v) => deviation(name, status, media, body, &v),
    }
}

/// A failed check for an answer that breaks the contract, with the JSON path and the rule.
fn deviation(
    name: &str,
    status: u16,
    media: &str,
    body: &[u8],
    violation: &ResponseViolation,
) -> Check {
    match violation {
        ResponseViolation::UndocumentedStatus { documented, .. } => Check::fail(
            AREA,
            name,
            format!(
                "undocumented status {status} ({media}); the contract documents {}",
                codes(documented)
            ),
        )
        .with_details([format!("answer: {}", excerpt(body))]),
        ResponseViolation::ContentType { .. } => Check::fail(
            AREA,
            name,
            violation.to_string().replacen(
                &format!("status {status}: "),
                &format!("{status}: "),
                1,
            ),
        )
        .with_details([format!("answer: {}", excerpt(body))]),
        ResponseViolation::NotJson { .. } => Check::fail(
            AREA,
            name,
            format!(
                "{status}: the body is not JSON ({media}): {}",
                excerpt(body)
            ),
        ),
        ResponseViolation::Schema { violations, .. } => Check::fail(
            AREA,
            name,
            format!(
                "{status}: the body breaks the contract's schema ({} {})",
                violations.len(),
                if violations.len() == 1 {
                    "rule"
                } else {
                    "rules"
                }
            ),
        )
        .with_details(violations.iter().map(|v| {
            format!(
                "at {}: {} (schema rule {})",
                if v.path.is_empty() { "/" } else { &v.path },
                v.message,
                v.rule
            )
        })),
    }
}

/// The first bytes of a body, quoted; an HTML page reduced to its text (`Cannot GET /send`
/// says more than `<!DOCTYPE html>`).
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if !text.trim_start().starts_with('<') {
        return format!("{:?}", snippet(body));
    }
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => {
                in_tag = true;
                plain.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let words = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{:?} (HTML page, text only)", snippet(words.as_bytes()))
}

/// Whether `op` documents the code `p` must provoke (a contract of another provider may use
/// other codes: then the rule has nothing to hold the answer to).
fn documents_code(op: &Operation, p: Provocation) -> bool {
    let quoted = format!("\"{}\"", p.expected_code());
    op.responses.iter().any(|r| {
        r.schema
            .as_ref()
            .is_some_and(|s| s.resolved.to_string().contains(&quoted))
    })
}

/// A few words naming an answer: its code, or its state.
fn describe(value: &Value) -> String {
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(clean);
    if let Some(code) = text("code") {
        return code;
    }
    if let Some(error) = text("error") {
        return error;
    }
    if let Some(state) = text("state") {
        return format!("state {state}");
    }
    if value.get("qr").is_some() {
        return "a QR".into();
    }
    if let Some(id) = text("message_id") {
        return format!("message_id {id}");
    }
    if let Some(status) = text("status") {
        return format!("status {status}");
    }
    String::new()
}

fn codes(c: &[u16]) -> String {
    match c {
        [] => "no such status".into(),
        _ => c.iter().map(u16::to_string).collect::<Vec<_>>().join(", "),
    }
}

/// A provider-supplied string made safe to print.
fn clean(s: &str) -> String {
    crate::report::printable(s, 80)
}

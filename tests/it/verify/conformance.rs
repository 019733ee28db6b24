//! What Schemathesis does from outside, from inside: requests generated from the contract
//! (its methods and paths, and others; valid, invalid and arbitrary `X-Cliente-Id` values;
//! valid, invalid, arbitrary and malformed bodies) against the mock in every session state and
//! both profiles. Every answer must validate against the contract: status, media type, body.

use std::sync::OnceLock;

use lmh::contract::Contract;
use lmh::mock::{MockSessionManager, Profile};
use lmh::session::{SessionState, parse_cliente_id_header};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::json;

/// One generated request.
#[derive(Clone)]
struct Req {
    method: String,
    path: String,
    cliente: Option<String>,
    content_type: Option<&'static str>,
    body: Option<Vec<u8>>,
}

impl std::fmt::Debug for Req {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = self.body.as_deref().map(String::from_utf8_lossy);
        write!(
            f,
            "{} {} X-Cliente-Id: {:?}, Content-Type: {:?}, body: {body:?}",
            self.method, self.path, self.cliente, self.content_type
        )
    }
}

/// A session state, or QR_REQUIRED before its QR exists (`None`).
type State = Option<SessionState>;

fn states() -> impl Strategy<Value = State> {
    prop_oneof![
        2 => Just(Some(SessionState::Ready)),
        4 => prop::sample::select(SessionState::ALL.to_vec()).prop_map(Some),
        1 => Just(None),
    ]
}

fn methods(contract: &Contract) -> impl Strategy<Value = String> {
    let documented: Vec<String> = contract
        .operations
        .iter()
        .map(|o| o.method.clone())
        .collect();
    prop_oneof![
        3 => prop::sample::select(documented),
        1 => prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
            .prop_map(str::to_string),
    ]
}

fn paths(contract: &Contract) -> impl Strategy<Value = String> {
    let documented: Vec<String> = contract.operations.iter().map(|o| o.path.clone()).collect();
    let variant = (prop::sample::select(documented.clone()), 0..4u8).prop_map(|(p, v)| match v {
        0 => p,
        1 => format!("{p}/"),
        2 => p.to_ascii_uppercase(),
        _ => format!("{p}?x=1"),
    });
    prop_oneof![
        4 => variant,
        1 => "/[a-zA-Z0-9_.~-]{0,12}(/[a-zA-Z0-9_-]{0,8})?",
        1 => prop::sample::select(documented).prop_map(|p| format!("/api{p}")),
    ]
}

fn cliente_ids() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        6 => prop::sample::select(vec!["51", "52", "999999"]).prop_map(|s| Some(s.to_string())),
        1 => "[0-9]{16,30}".prop_map(Some),
        1 => "-?[0-9]{1,5}[a-z]{0,3}".prop_map(Some),
        2 => "[ -~]{0,12}".prop_map(Some),
    ]
}

/// `to` values: numbers the scheduler sends, chat ids, and what WhatsApp cannot address.
fn recipients() -> impl Strategy<Value = String> {
    prop_oneof![
        "[1-9][0-9]{7,14}",
        "[1-9][0-9]{7,14}@c\\.us",
        "[0-9 ]{1,20}",
        "\\PC{1,30}",
        "[0-9]{16,300}",
        "[0-9]{3}@g\\.us",
    ]
}

fn bodies() -> impl Strategy<Value = (Option<&'static str>, Option<Vec<u8>>)> {
    let send = (recipients(), "\\PC{0,40}").prop_map(|(to, message)| {
        json!({"to": to, "message": message})
            .to_string()
            .into_bytes()
    });
    let json_ct = Some("application/json");
    prop_oneof![
        2 => Just((None, None)),
        6 => send.prop_map(move |b| (json_ct, Some(b))),
        1 => Just((json_ct, Some(b"{}".to_vec()))),
        1 => Just((json_ct, Some(br#"{"to":"#.to_vec()))),
        1 => "\\PC{0,40}".prop_map(move |s| (json_ct, Some(s.into_bytes()))),
        1 => "\\PC{0,40}".prop_map(|s| (Some("text/plain"), Some(s.into_bytes()))),
        1 => (any::<i64>(), any::<bool>())
            .prop_map(move |(n, b)| (json_ct, Some(json!({"to": n, "message": b}).to_string().into_bytes()))),
    ]
}

/// Mostly a documented operation (its method and a spelling of its path the router accepts),
/// sometimes anything.
fn routes(contract: &Contract) -> impl Strategy<Value = (String, String)> {
    let ops: Vec<(String, String)> = contract
        .operations
        .iter()
        .map(|o| (o.method.clone(), o.path.clone()))
        .collect();
    let documented = (prop::sample::select(ops), 0..4u8).prop_map(|((m, p), v)| {
        let p = match v {
            0 => p,
            1 => format!("{p}/"),
            2 => p.to_ascii_uppercase(),
            _ => format!("{p}?x=1"),
        };
        (m, p)
    });
    prop_oneof![
        6 => documented,
        1 => (methods(contract), paths(contract)),
    ]
}

fn requests(contract: &Contract) -> impl Strategy<Value = Req> {
    (routes(contract), cliente_ids(), bodies()).prop_map(
        |((method, path), cliente, (content_type, body))| Req {
            method,
            path,
            cliente,
            content_type,
            body,
        },
    )
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// Put the client the request names in `state`, send it, and check the answer.
async fn exchange(
    mock: &MockSessionManager,
    http: &reqwest::Client,
    req: &Req,
    state: State,
) -> Result<(), String> {
    if let Some(id) = req.cliente.as_deref().and_then(parse_cliente_id_header) {
        match state {
            Some(s) => mock.set_state(id, s),
            None => mock.set_qr_pending(id),
        }
    }
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).unwrap();
    let mut r = http.request(method, format!("{}{}", mock.uri(), req.path));
    if let Some(c) = &req.cliente {
        r = r.header("X-Cliente-Id", c.as_str());
    }
    if let Some(ct) = req.content_type {
        r = r.header("Content-Type", ct);
    }
    if let Some(b) = &req.body {
        r = r.body(b.clone());
    }
    let resp = r.send().await.map_err(|e| format!("no answer: {e}"))?;
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = resp.bytes().await.map_err(|e| format!("body: {e}"))?;
    mock.contract()
        .check_exchange(
            &req.method,
            &req.path,
            status,
            content_type.as_deref(),
            &body,
        )
        .map_err(|v| format!("{v}; answer: {}", String::from_utf8_lossy(&body)))
}

fn conforms(profile: Profile, cases: u32) {
    let rt = runtime();
    let mock = rt
        .block_on(MockSessionManager::start_with(lmh::mock::MockConfig {
            profile,
            ..Default::default()
        }))
        .unwrap();
    let http = lmh::http_client().build().unwrap();
    let contract = profile.contract();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&(requests(&contract), states()), |(req, state)| {
        rt.block_on(exchange(&mock, &http, &req, state))
            .map_err(|e| TestCaseError::fail(format!("{profile:?} {state:?} {req:?}: {e}")))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Every answer the mock gave is one it would itself call conformant.
    let flagged: Vec<_> = mock
        .journal()
        .into_iter()
        .filter_map(|e| e.violation.as_ref().map(|v| format!("{}: {v}", e.label())))
        .collect();
    assert!(flagged.is_empty(), "{flagged:#?}");
}

#[test]
fn every_answer_of_the_v1_mock_conforms() {
    conforms(Profile::V1, 512);
}

#[test]
fn every_answer_of_the_v2_mock_conforms() {
    conforms(Profile::V2, 200);
}

/// The cases that used to break the contract: a `to` WhatsApp cannot address made the mock
/// invent a message id outside the contract's pattern and length.
#[test]
fn a_send_to_an_unaddressable_chat_fails_as_the_library_does() {
    let rt = runtime();
    let mock = rt.block_on(MockSessionManager::start());
    let http = lmh::http_client().build().unwrap();
    mock.set_state(51, SessionState::Ready);
    let long = "9".repeat(300);
    for to in ["54 911 5555 0000", "número", long.as_str(), "123@g.us"] {
        let req = Req {
            method: "POST".into(),
            path: "/send".into(),
            cliente: Some("51".into()),
            content_type: Some("application/json"),
            body: Some(
                json!({"to": to, "message": "hola"})
                    .to_string()
                    .into_bytes(),
            ),
        };
        rt.block_on(exchange(&mock, &http, &req, Some(SessionState::Ready)))
            .unwrap();
        let last = mock.journal().pop().unwrap();
        assert_eq!(last.status, 500, "{to}: {}", last.response);
        assert!(last.response.contains("SEND_FAILED"), "{}", last.response);
        assert!(last.message_id.is_none(), "nothing went out");
    }
    assert!(mock.deliveries().is_empty());
}

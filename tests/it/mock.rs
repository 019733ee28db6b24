//! The mock session-manager answers as the real service does, and only what the contract allows.

use std::time::Duration;

use lmh::journal::read_journal;
use lmh::mock::{Fault, FaultKind, MockConfig, MockSessionManager, Profile};
use lmh::session::SessionState;
use serde_json::{Value, json};

struct Call {
    method: &'static str,
    path: &'static str,
    cliente: Option<&'static str>,
    body: Option<&'static str>,
}

const fn call(method: &'static str, path: &'static str, cliente: Option<&'static str>) -> Call {
    Call {
        method,
        path,
        cliente,
        body: None,
    }
}

/// Every request shape the v1 routes distinguish: each header case and each body case.
fn v1_calls() -> Vec<Call> {
    let send = |cliente, body| Call {
        method: "POST",
        path: "/send",
        cliente,
        body: Some(body),
    };
    vec![
        call("GET", "/health", None),
        call("GET", "/status", Some("51")),
        call("GET", "/status", Some("51abc")),
        call("GET", "/status", None),
        call("GET", "/status", Some("abc")),
        call("GET", "/status", Some("0")),
        call("GET", "/qr", None),
        call("GET", "/qr-code", Some("51")),
        call("GET", "/qr-code", None),
        call("GET", "/qr-code", Some("-4")),
        send(
            Some("51"),
            r#"{"to":"5491134567890","message":"Hola José 👋"}"#,
        ),
        send(
            Some("51"),
            r#"{"to":"5491134567890@c.us","message":"hola"}"#,
        ),
        send(Some("51"), r#"{"to":"5491134567890"}"#),
        send(Some("51"), r#"{"to":"","message":"x"}"#),
        send(Some("51"), r#"{"to":"54911"#),
        send(None, r#"{"to":"5491134567890","message":"hola"}"#),
        send(Some("nope"), r#"{"to":"5491134567890","message":"hola"}"#),
        call("GET", "/api/session-manager/sessions/sender_51", None),
        call("POST", "/status", Some("51")),
        // express.json() throws before routing: 500 even on a route that does not exist.
        Call {
            method: "POST",
            path: "/nope",
            cliente: None,
            body: Some("{bad json"),
        },
        call("DELETE", "/send", Some("51")),
    ]
}

async fn fire(client: &reqwest::Client, base: &str, c: &Call) -> (u16, Value) {
    let mut req = client.request(c.method.parse().unwrap(), format!("{base}{}", c.path));
    if let Some(id) = c.cliente {
        req = req.header("X-Cliente-Id", id);
    }
    if let Some(body) = c.body {
        req = req.header("content-type", "application/json").body(body);
    }
    let resp = req.send().await.expect("the mock answers");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn every_answer_in_every_state_conforms_to_the_contract() {
    let mock = MockSessionManager::start().await;
    let client = lmh::http_client().build().unwrap();
    let mut wire = Vec::new();
    for state in SessionState::ALL {
        mock.set_state(51, state);
        for c in v1_calls() {
            wire.push(fire(&client, &mock.uri(), &c).await);
        }
    }
    // QR_REQUIRED before the library produced the QR string.
    mock.set_qr_pending(51);
    for c in v1_calls() {
        wire.push(fire(&client, &mock.uri(), &c).await);
    }
    // A client nobody set up goes through the real service's creation path too.
    fire(&client, &mock.uri(), &call("GET", "/status", Some("77"))).await;
    fire(&client, &mock.uri(), &call("GET", "/qr-code", Some("78"))).await;
    let journal = mock.journal();
    assert_eq!(
        journal.len(),
        (SessionState::ALL.len() + 1) * v1_calls().len() + 2
    );
    // The journal records exactly what went over the wire...
    for (e, (status, body)) in journal.iter().zip(&wire) {
        let recorded: Value =
            serde_json::from_str(&e.response).unwrap_or(Value::String(e.response.clone()));
        assert_eq!((e.status, &recorded), (*status, body), "{}", e.label());
    }
    // ...and is validated here again, independently of the mock's own flag.
    let v1 = lmh::contract::Contract::v1();
    let mut bad = Vec::new();
    for e in &journal {
        let verdict = match e.operation.as_deref().and_then(|id| v1.operation(id)) {
            Some(op) => v1
                .check_response(op, e.status, e.response.as_bytes())
                .err()
                .map(|v| v.to_string()),
            None => {
                let spec = [v1.unknown_route.as_ref(), v1.malformed_body.as_ref()]
                    .into_iter()
                    .flatten()
                    .find(|s| s.status == e.status);
                match spec {
                    Some(spec) => spec
                        .check(e.response.as_bytes())
                        .err()
                        .map(|v| v.to_string()),
                    None => Some(format!("status {} for an unknown route", e.status)),
                }
            }
        };
        if let Some(v) = verdict.or(e.violation.clone()) {
            bad.push(format!("{}: {v}", e.label()));
        }
    }
    assert!(bad.is_empty(), "answers that break the contract: {bad:#?}");
    // And the statuses cover every documented code of every operation.
    let contract = mock.contract();
    for op in &contract.operations {
        for status in op.statuses() {
            let produced = journal
                .iter()
                .any(|e| e.operation.as_deref() == Some(op.id.as_str()) && e.status == status);
            let unreachable =
                (op.id == "health" && status == 503) || status == 500 && op.id != "send";
            assert!(
                produced || unreachable,
                "{} {status} is never produced without a fault",
                op.label()
            );
        }
    }
}

#[tokio::test]
async fn injected_error_statuses_conform_where_the_contract_documents_them() {
    let mock = MockSessionManager::start().await;
    let client = lmh::http_client().build().unwrap();
    mock.inject(
        Fault::on(
            "health",
            FaultKind::Status(
                503,
                Some(json!({"status":"error","service":"session-manager","error":"boom"})),
            ),
        )
        .times(1),
    );
    mock.inject(
        Fault::on(
            "status",
            FaultKind::Status(
                500,
                Some(json!({"error":true,"code":"INTERNAL_ERROR","message":"boom"})),
            ),
        )
        .times(1),
    );
    mock.inject(
        Fault::on(
            "qr",
            FaultKind::Status(
                500,
                Some(json!({"error":"Internal error","message":"boom"})),
            ),
        )
        .times(1),
    );
    mock.inject(
        Fault::on(
            "qr_code",
            FaultKind::Status(
                500,
                Some(json!({"error":"INTERNAL_ERROR","message":"boom"})),
            ),
        )
        .times(1),
    );
    for c in [
        call("GET", "/health", None),
        call("GET", "/status", Some("1")),
        call("GET", "/qr", None),
        call("GET", "/qr-code", Some("1")),
    ] {
        fire(&client, &mock.uri(), &c).await;
    }
    let journal = mock.journal();
    assert!(
        journal
            .iter()
            .all(|e| e.fault.is_some() && e.violation.is_none()),
        "{journal:#?}"
    );
    // A broken answer is flagged, not passed off as conformant.
    mock.inject(Fault::on("status", FaultKind::NonJson).times(1));
    fire(&client, &mock.uri(), &call("GET", "/status", Some("1"))).await;
    let last = mock.journal().pop().unwrap();
    assert!(
        last.violation.as_deref().unwrap_or("").contains("not JSON"),
        "{last:?}"
    );
    // An undocumented injected answer is flagged, not passed off as conformant.
    mock.inject(Fault::on("status", FaultKind::Status(418, None)).times(1));
    fire(&client, &mock.uri(), &call("GET", "/status", Some("1"))).await;
    let last = mock.journal().pop().unwrap();
    assert!(
        last.violation.as_deref().unwrap_or("").contains("418"),
        "{last:?}"
    );
}

#[tokio::test]
async fn seed_bug_call_is_journaled_as_unknown_route_and_answered_like_the_real_service() {
    let mock = MockSessionManager::start().await;
    let (status, body) = fire(
        &lmh::http_client().build().unwrap(),
        &mock.uri(),
        &call("GET", "/api/session-manager/sessions/sender_51", None),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"error": true, "code": "NOT_FOUND", "message": "Endpoint not found"})
    );
    let unknown = mock.unknown_routes();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].method, "GET");
    assert_eq!(unknown[0].path, "/api/session-manager/sessions/sender_51");
    assert_eq!(unknown[0].operation, None);
    assert!(unknown[0].violation.is_none());
}

#[tokio::test]
async fn unknown_client_is_created_then_settles_like_the_real_service() {
    let mock = MockSessionManager::start_with(MockConfig {
        ready_after: Duration::from_millis(1500),
        settles_to: SessionState::QrRequired,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let client = lmh::http_client().build().unwrap();
    let first = fire(&client, &mock.uri(), &call("GET", "/status", Some("9")))
        .await
        .1;
    assert_eq!(first["state"], "NOT_INITIALIZED");
    assert_eq!(first["error"], "Client not initialized");
    let second = fire(&client, &mock.uri(), &call("GET", "/status", Some("9")))
        .await
        .1;
    assert_eq!(second["state"], "INITIALIZING");
    assert_eq!(second["is_recoverable"], true);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let third = fire(&client, &mock.uri(), &call("GET", "/status", Some("9")))
        .await
        .1;
    assert_eq!(third["state"], "QR_REQUIRED");
    assert!(
        third["qr_code_base64"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    // /send creates the session too, before it looks at the body.
    let (status, _) = fire(
        &client,
        &mock.uri(),
        &Call {
            method: "POST",
            path: "/send",
            cliente: Some("10"),
            body: Some("{}"),
        },
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(mock.state(10), SessionState::Initializing);
}

#[tokio::test]
async fn send_ids_are_unique_and_journaled_with_the_exact_text() {
    let mock = MockSessionManager::start().await;
    mock.set_state(51, SessionState::Ready);
    let client = lmh::http_client().build().unwrap();
    let text = "Hola José 👋 ¿cómo estás? ñandú";
    let mut ids = std::collections::HashSet::new();
    for i in 0..20 {
        let body = json!({"to": format!("54911000000{i:02}"), "message": text}).to_string();
        let resp = client
            .post(format!("{}/send", mock.uri()))
            .header("X-Cliente-Id", "51")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let v: Value = resp.json().await.unwrap();
        assert!(ids.insert(v["message_id"].as_str().unwrap().to_string()));
    }
    let deliveries = mock.deliveries();
    assert_eq!(deliveries.len(), 20);
    assert_eq!(deliveries[3].json_body().unwrap()["message"], text);
    assert!(
        deliveries[3]
            .message_id
            .as_deref()
            .unwrap()
            .contains("5491100000003@c.us")
    );
}

#[tokio::test]
async fn faults_bend_answers_as_asked() {
    let mock = MockSessionManager::start().await;
    mock.set_state(51, SessionState::Ready);
    let client = lmh::http_client()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let send = Call {
        method: "POST",
        path: "/send",
        cliente: Some("51"),
        body: Some(r#"{"to":"1","message":"m"}"#),
    };

    mock.inject(Fault::on("send", FaultKind::SendFailsWhileReady).times(1));
    let (status, body) = fire(&client, &mock.uri(), &send).await;
    assert_eq!((status, body["code"].as_str()), (500, Some("SEND_FAILED")));
    assert_eq!(
        fire(&client, &mock.uri(), &call("GET", "/status", Some("51")))
            .await
            .1["state"],
        "READY"
    );

    mock.inject(Fault::on("send", FaultKind::NonJson).times(1));
    let (status, body) = fire(&client, &mock.uri(), &send).await;
    assert_eq!(status, 200);
    assert!(body.as_str().unwrap().contains("<html>"));

    mock.inject(Fault::on("status", FaultKind::MalformedJson).times(1));
    let resp = client
        .get(format!("{}/status", mock.uri()))
        .header("X-Cliente-Id", "51")
        .send()
        .await
        .unwrap();
    assert!(serde_json::from_slice::<Value>(&resp.bytes().await.unwrap()).is_err());

    mock.inject(Fault::on("send", FaultKind::SendConstantId).times(1));
    assert_eq!(
        fire(&client, &mock.uri(), &send).await.1["message_id"],
        "sent-via-ui"
    );
    mock.inject(Fault::on("send", FaultKind::SendSuccessWithoutId).times(1));
    assert_eq!(
        fire(&client, &mock.uri(), &send).await.1,
        json!({"success": true, "message": "Message sent"})
    );

    mock.inject(
        Fault::on("status", FaultKind::Latency(Duration::from_millis(800)))
            .for_client(51)
            .times(1),
    );
    let err = client
        .get(format!("{}/status", mock.uri()))
        .header("X-Cliente-Id", "51")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    // Scope: another client is not affected.
    mock.inject(Fault::on("status", FaultKind::Status(500, None)).for_client(52));
    assert_eq!(
        fire(&client, &mock.uri(), &call("GET", "/status", Some("51")))
            .await
            .0,
        200
    );
    mock.clear_faults();
    assert_eq!(
        fire(&client, &mock.uri(), &call("GET", "/status", Some("52")))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn dropped_connection_never_reaches_the_client_as_an_answer() {
    let mock = MockSessionManager::start().await;
    mock.set_state(51, SessionState::Ready);
    mock.inject(Fault::on("send", FaultKind::DropConnection));
    let client = lmh::http_client().build().unwrap();
    let outcome = async {
        let resp = client
            .post(format!("{}/send", mock.uri()))
            .header("X-Cliente-Id", "51")
            .header("content-type", "application/json")
            .body(r#"{"to":"1","message":"m"}"#)
            .send()
            .await?;
        resp.bytes().await
    }
    .await;
    let err = outcome.expect_err("a dropped connection must not yield a complete body");
    assert!(!err.is_timeout());
    // The provider did carry the send out before the connection dropped: the outcome is unknown.
    assert_eq!(mock.deliveries().len(), 1);
}

#[tokio::test]
async fn answers_per_state_snapshot() {
    let mock = MockSessionManager::start().await;
    let client = lmh::http_client().build().unwrap();
    let mut table = serde_json::Map::new();
    for state in SessionState::ALL {
        mock.set_state(51, state);
        let mut row = serde_json::Map::new();
        for c in [
            call("GET", "/status", Some("51")),
            call("GET", "/qr-code", Some("51")),
            Call {
                method: "POST",
                path: "/send",
                cliente: Some("51"),
                body: Some(r#"{"to":"5491134567890","message":"hola"}"#),
            },
        ] {
            let (status, mut body) = fire(&client, &mock.uri(), &c).await;
            if body.get("message_id").is_some() {
                body["message_id"] = json!("[message id]");
            }
            row.insert(
                format!("{} {}", c.method, c.path),
                json!({"status": status, "body": body}),
            );
        }
        table.insert(state.as_str().to_string(), Value::Object(row));
    }
    insta::assert_yaml_snapshot!("mock_answers_per_state", table);
}

#[tokio::test]
async fn journal_file_gets_one_json_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let mock = MockSessionManager::start_with(MockConfig {
        journal_file: Some(path.clone()),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let client = lmh::http_client().build().unwrap();
    fire(&client, &mock.uri(), &call("GET", "/health", None)).await;
    fire(
        &client,
        &mock.uri(),
        &call("GET", "/api/session-manager/sessions/sender_51", None),
    )
    .await;
    // Repeated headers folded, the query kept apart from the path.
    client
        .get(format!("{}/status?trace=1", mock.uri()))
        .header("X-Cliente-Id", "51")
        .header("X-Trace", "a")
        .header("X-Trace", "b")
        .send()
        .await
        .unwrap();
    let read = read_journal(&path).unwrap();
    assert_eq!(read, mock.journal());
    assert!(read[1].unknown_route);
    assert_eq!(read[2].query.as_deref(), Some("trace=1"));
    assert_eq!(read[2].header("x-trace"), Some("a, b"), "{:?}", read[2]);
    // Byte for byte: the file is the in-memory journal, one serialized entry per line.
    let memory: Vec<String> = mock
        .journal()
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    let file = std::fs::read_to_string(&path).unwrap();
    assert_eq!(file.lines().collect::<Vec<_>>(), memory);
    std::fs::write(&path, "{not json}\n").unwrap();
    let err = read_journal(&path).unwrap_err().to_string();
    assert!(err.contains(":1:"), "{err}");
}

#[tokio::test]
async fn v2_profile_answers_like_the_drifted_provider() {
    let mock = MockSessionManager::start_with(MockConfig {
        profile: Profile::V2,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    mock.set_state(51, SessionState::Ready);
    let client = lmh::http_client().build().unwrap();
    let (_, status) = fire(&client, &mock.uri(), &call("GET", "/status", Some("51"))).await;
    assert_eq!(status, json!({"status": "READY"}));
    let (code, body) = fire(
        &client,
        &mock.uri(),
        &Call {
            method: "POST",
            path: "/send",
            cliente: Some("51"),
            body: Some(r#"{"to":"1","message":"m"}"#),
        },
    )
    .await;
    assert_eq!(code, 404);
    assert!(body.as_str().unwrap().contains("Cannot POST /send"));
    let health = fire(&client, &mock.uri(), &call("GET", "/health", None))
        .await
        .1;
    assert!(health["timestamp"].is_string());
    assert!(
        mock.journal().iter().all(|e| e.violation.is_none()),
        "{:#?}",
        mock.journal()
    );
}

/// `X-Cliente-Id` as the real service reads it: JavaScript `parseInt`, then positive.
mod cliente_id_header {
    use lmh::session::parse_cliente_id_header;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_positive_number_with_any_suffix_is_that_client(n in 1u64..=9_007_199_254_740_991, suffix in "[a-zA-Z_ .-][a-zA-Z0-9_ .-]{0,8}") {
            prop_assert_eq!(parse_cliente_id_header(&n.to_string()), Some(n));
            prop_assert_eq!(parse_cliente_id_header(&format!("{n}{suffix}")), Some(n));
            prop_assert_eq!(parse_cliente_id_header(&format!("  +{n}")), Some(n));
            prop_assert_eq!(parse_cliente_id_header(&format!("000{n}")), Some(n));
        }

        #[test]
        fn no_leading_digits_zero_or_negative_is_invalid(s in "[a-zA-Z_.][a-zA-Z0-9]{0,8}", n in 0u64..1_000_000) {
            prop_assert_eq!(parse_cliente_id_header(&s), None);
            prop_assert_eq!(parse_cliente_id_header(&format!("-{n}")), None);
            prop_assert_eq!(parse_cliente_id_header("0"), None);
            prop_assert_eq!(parse_cliente_id_header(""), None);
        }

        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = parse_cliente_id_header(&s);
        }
    }

    #[test]
    fn the_contract_pattern_agrees_with_the_parser() {
        let contract = lmh::contract::Contract::v1();
        let header = contract
            .operation("status")
            .unwrap()
            .header("X-Cliente-Id")
            .unwrap();
        for value in ["51", "51abc", "+7", "0051", "abc", "0", "-3", "", " 9"] {
            let by_schema = header.schema.is_valid(&serde_json::json!(value));
            let by_parser = parse_cliente_id_header(value).is_some();
            assert_eq!(by_schema, by_parser, "{value:?}");
        }
    }
}

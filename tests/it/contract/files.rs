//! The contract files load, route and validate as the real service behaves; bad contracts fail
//! with file, location and reason.

use lmh::contract::{Contract, ResponseViolation};
use serde_json::json;

fn operation_list(c: &Contract) -> Vec<serde_json::Value> {
    c.operations
        .iter()
        .map(|op| {
            json!({
                "operation": op.id,
                "route": op.label(),
                "headers": op.headers.iter().map(|h| format!("{}{}", h.name, if h.required { " (required)" } else { "" })).collect::<Vec<_>>(),
                "request_body": op.request_body.is_some(),
                "statuses": op.statuses(),
                "creates_session": op.creates_session,
            })
        })
        .collect()
}

#[test]
fn v1_operation_list_snapshot() {
    insta::assert_yaml_snapshot!("v1_operations", operation_list(&Contract::v1()));
}

#[test]
fn v2_operation_list_snapshot() {
    insta::assert_yaml_snapshot!("v2_operations", operation_list(&Contract::v2()));
}

#[test]
fn the_files_on_disk_are_the_embedded_ones() {
    let root = env!("CARGO_MANIFEST_DIR");
    let v1 = Contract::load(std::path::Path::new(&format!(
        "{root}/contracts/session-manager.v1.yaml"
    )))
    .unwrap();
    assert_eq!(v1.version, "1");
    assert_eq!(v1.operations.len(), Contract::v1().operations.len());
}

#[test]
fn routing_follows_express_defaults() {
    let c = Contract::v1();
    assert_eq!(c.find_operation("GET", "/status").unwrap().id, "status");
    assert_eq!(c.find_operation("get", "/status/").unwrap().id, "status");
    assert_eq!(c.find_operation("GET", "/status?x=1").unwrap().id, "status");
    assert_eq!(c.find_operation("POST", "/send").unwrap().id, "send");
    assert!(c.find_operation("POST", "/status").is_none());
    assert!(c.find_operation("GET", "/send").is_none());
    assert!(
        c.find_operation("GET", "/api/session-manager/sessions/sender_51")
            .is_none()
    );
    assert!(c.find_operation("GET", "/").is_none());
    assert!(Contract::v2().find_operation("POST", "/send").is_none());
}

#[test]
fn responses_are_checked_against_status_and_schema() {
    let c = Contract::v1();
    let status = c.operation("status").unwrap();
    let ready = json!({"cliente_id":51,"connected":true,"state":"READY","reconnection_attempts":0,"max_reconnection_attempts":3,"can_send_messages":true,"needs_qr":false,"is_recoverable":false,"recommended_action":"Session operational - can send messages","qr_code_base64":null});
    assert!(
        c.check_response(status, 200, ready.to_string().as_bytes())
            .is_ok()
    );

    let mut drifted = ready.clone();
    drifted.as_object_mut().unwrap().remove("state");
    drifted["status"] = json!("READY");
    match c.check_response(status, 200, drifted.to_string().as_bytes()) {
        Err(ResponseViolation::Schema { violations, .. }) => {
            assert!(
                violations
                    .iter()
                    .any(|v| v.message.contains("state") && v.rule.contains("required")),
                "{violations:?}"
            );
        }
        other => panic!("expected a schema violation, got {other:?}"),
    }
    let mut wrong_enum = ready.clone();
    wrong_enum["state"] = json!("CONNECTED");
    match c.check_response(status, 200, wrong_enum.to_string().as_bytes()) {
        Err(ResponseViolation::Schema { violations, .. }) => {
            assert_eq!(violations[0].path, "/state")
        }
        other => panic!("expected a schema violation, got {other:?}"),
    }
    assert!(matches!(
        c.check_response(status, 404, b"{}"),
        Err(ResponseViolation::UndocumentedStatus { status: 404, .. })
    ));
    assert!(matches!(
        c.check_response(status, 200, b"<html>"),
        Err(ResponseViolation::NotJson { .. })
    ));

    let qr_code = c.operation("qr_code").unwrap();
    let odd_envelope =
        json!({"error":"MISSING_HEADER","message":"X-Cliente-Id header is required"});
    assert!(
        c.check_response(qr_code, 400, odd_envelope.to_string().as_bytes())
            .is_ok()
    );
    let std_envelope =
        json!({"error":true,"code":"MISSING_HEADER","message":"X-Cliente-Id header is required"});
    assert!(
        c.check_response(qr_code, 400, std_envelope.to_string().as_bytes())
            .is_err(),
        "/qr-code uses its own envelope"
    );

    let send = c.operation("send").unwrap();
    assert!(
        c.check_response(send, 200, br#"{"ok":true,"message_id":"abc"}"#)
            .is_ok()
    );
    assert!(
        c.check_response(send, 200, br#"{"success":true,"message":"Message sent"}"#)
            .is_err()
    );
    assert!(
        c.check_response(send, 200, br#"{"ok":true,"message_id":""}"#)
            .is_err()
    );
    let header = c
        .operation("status")
        .unwrap()
        .header("x-cliente-id")
        .unwrap();
    assert!(header.required);
    assert!(header.schema.is_valid(&json!("51abc")));
    assert!(!header.schema.is_valid(&json!("abc")));
}

fn parse_err(src: &str) -> String {
    Contract::parse(src, "bad.yaml").unwrap_err().to_string()
}

#[test]
fn malformed_or_incomplete_contracts_name_file_location_and_reason() {
    let e = parse_err("openapi: 3.1.0\ninfo: {title: x, version: '1'\npaths: {}\n");
    assert!(e.starts_with("contract bad.yaml: at line"), "{e}");

    let e = parse_err(
        "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {/a: {get: {operationId: a, responses: {'200': {description: ok}}}}}\n",
    );
    assert!(e.contains("at openapi") && e.contains("OpenAPI 3.1"), "{e}");

    let e = parse_err("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {}\n");
    assert!(e.contains("at paths") && e.contains("empty"), "{e}");

    let e = parse_err(
        "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {/a: {get: {responses: {'200': {description: ok}}}}}\n",
    );
    assert!(
        e.contains("at paths./a.get") && e.contains("operationId"),
        "{e}"
    );

    let e = parse_err(
        "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {/a: {get: {operationId: a, responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Nope'}}}}}}}}\n",
    );
    assert!(
        e.contains("paths./a.get.responses.200") && e.contains("does not resolve"),
        "{e}"
    );

    let e = parse_err(
        "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {/a: {get: {operationId: a, responses: {'2xx': {description: ok}}}}}\n",
    );
    assert!(e.contains("2xx"), "{e}");

    let e = parse_err(
        "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {/a: {get: {operationId: a, responses: {'200': {description: ok, content: {application/json: {schema: {type: 12}}}}}}}}\n",
    );
    assert!(e.contains("not a valid JSON Schema"), "{e}");

    let e = Contract::load(std::path::Path::new("/nonexistent/contract.yaml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("/nonexistent/contract.yaml") && e.contains("cannot read"),
        "{e}"
    );
    // `lmh contract diff OLD NEW` takes positional paths: no flag to point at.
    assert!(e.contains("check the path") && !e.contains("--"), "{e}");
}

#[test]
fn a_repeated_path_is_an_error_at_its_line_not_a_silently_dropped_operation() {
    // A second `/send:` (here with only a GET) used to replace the first: POST /send vanished.
    let v1 = lmh::contract::V1_SOURCE;
    let at = v1.find("\n  /send:\n").expect("v1 has /send") + 1;
    let repeated = format!(
        "{}  /send:\n    get:\n      operationId: sendAgain\n      responses:\n        '200': {{description: ok}}\n{}",
        &v1[..at],
        &v1[at..]
    );
    let line = v1[..at].lines().count() + 1;
    let e = parse_err(&repeated);
    assert!(
        e.contains(&format!("line {}", line + 5)) && e.contains("duplicate") && e.contains("/send"),
        "{e}"
    );
}

#[test]
fn deep_nesting_is_refused_and_a_bom_is_accepted() {
    let deep = format!(
        "openapi: 3.1.0\nx: {}1{}\n",
        "{a: ".repeat(3000),
        "}".repeat(3000)
    );
    let e = parse_err(&deep);
    assert!(
        e.contains("line 2") && e.contains("nested more than"),
        "{e}"
    );
    let with_bom = format!("\u{feff}{}", lmh::contract::V1_SOURCE);
    let c = Contract::parse(&with_bom, "bom.yaml").expect("a BOM is accepted");
    assert!(c.operation("send").is_some());
}

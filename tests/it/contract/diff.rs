//! Contract diff: v1 -> v2 breaks consumers, v1 -> v1 is empty, hand-made changes land on the
//! side they belong to.

use lmh::contract::diff::{Change, ChangeKind, ContractDiff, diff};
use lmh::contract::{Contract, V1_SOURCE};

use crate::helpers::{root, run_lmh};

fn lines(changes: &[Change]) -> Vec<String> {
    changes.iter().map(ToString::to_string).collect()
}

fn has(changes: &[Change], kind: ChangeKind, location: &str) -> bool {
    changes
        .iter()
        .any(|c| c.kind == kind && c.location == location)
}

/// v1 with `from` replaced by `to` (which must occur).
fn v1_with(edits: &[(&str, &str)]) -> Contract {
    let mut text = V1_SOURCE.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "{from:?} not in v1");
        text = text.replacen(from, to, 1);
    }
    Contract::parse(&text, "edited-v1.yaml").expect("the edited contract loads")
}

#[test]
fn v1_to_v2_breaks_consumers() {
    let d = diff(&Contract::v1(), &Contract::v2());
    let b = d.breaking();
    assert!(has(b, ChangeKind::OperationRemoved, "POST /send"));
    assert!(has(b, ChangeKind::OperationRemoved, "GET /qr-code"));
    let state = b
        .iter()
        .find(|c| c.location == "GET /status 200 /state")
        .expect("state change");
    assert_eq!(state.kind, ChangeKind::FieldRenamed);
    assert_eq!(
        state.detail,
        "required field `state` removed (renamed? state -> status)"
    );
    assert!(has(
        b,
        ChangeKind::RequiredFieldRemoved,
        "GET /status 200 /connected"
    ));
    assert!(has(b, ChangeKind::StatusRemoved, "GET /qr 409"));
    assert!(has(
        b,
        ChangeKind::RequiredFieldRemoved,
        "GET /health 200 /whatsapp_state"
    ));
    let c = d.compatible();
    assert!(has(c, ChangeKind::StatusAdded, "GET /qr 200"));
    assert!(has(c, ChangeKind::OperationAdded, "POST /connect"));
    assert!(has(c, ChangeKind::OperationAdded, "POST /disconnect"));
    // The renamed field's new name is not also listed as a plain addition.
    assert!(!has(c, ChangeKind::FieldAdded, "GET /status 200 /status"));
    insta::assert_yaml_snapshot!(
        "v1_to_v2",
        serde_json::json!({"breaking": lines(b), "compatible": lines(c)})
    );
}

#[test]
fn v1_to_v1_has_no_changes() {
    let d = diff(&Contract::v1(), &Contract::v1());
    assert!(d.is_empty(), "{}", d.to_human());
    assert!(!d.is_breaking());
    let d = diff(&Contract::v2(), &Contract::v2());
    assert!(d.is_empty(), "{}", d.to_human());
}

#[test]
fn an_added_optional_field_and_an_added_operation_are_compatible() {
    let new = v1_with(&[
        (
            "        qr_error: { type: string }\n",
            "        qr_error: { type: string }\n        battery: { type: integer }\n",
        ),
        (
            "\ncomponents:\n",
            "\n  /restart:\n    post:\n      operationId: restart\n      responses:\n        \"200\":\n          description: Restarted.\n\ncomponents:\n",
        ),
    ]);
    let d = diff(&Contract::v1(), &new);
    assert!(!d.is_breaking(), "{}", d.to_human());
    assert_eq!(
        lines(d.compatible()),
        [
            "GET /status 200 /battery: optional field `battery` added [field-added]",
            "POST /restart: operation `restart` added [operation-added]",
        ]
    );
}

#[test]
fn a_narrowed_enum_is_breaking_and_a_widened_one_compatible() {
    let narrowed = v1_with(&[("        - DISCONNECTED_BANNED\n", "")]);
    let d = diff(&Contract::v1(), &narrowed);
    // SessionState is used in three answers; each one is named.
    let locations: Vec<&str> = d
        .breaking()
        .iter()
        .inspect(|c| assert_eq!(c.kind, ChangeKind::EnumNarrowed))
        .map(|c| c.location.as_str())
        .collect();
    assert_eq!(
        locations,
        [
            "GET /health 200 /whatsapp_state",
            "GET /qr-code 409 /current_state",
            "GET /status 200 /state",
        ]
    );
    assert!(d.breaking()[0].detail.contains("DISCONNECTED_BANNED"));
    assert!(d.compatible().is_empty());

    let widened = diff(&narrowed, &Contract::v1());
    assert!(!widened.is_breaking(), "{}", widened.to_human());
    assert!(has(
        widened.compatible(),
        ChangeKind::EnumWidened,
        "GET /status 200 /state"
    ));
}

#[test]
fn requirement_type_and_status_changes_land_on_the_breaking_side() {
    let new = v1_with(&[
        // A required response field becomes optional.
        (
            "        - qr_code_base64\n      properties:",
            "      properties:",
        ),
        // A type change.
        (
            "        reconnection_attempts: { type: integer, minimum: 0 }",
            "        reconnection_attempts: { type: string }",
        ),
        // The success code of /send changes.
        (
            "      responses:\n        \"200\":\n          description: Accepted by WhatsApp Web.",
            "      responses:\n        \"202\":\n          description: Accepted by WhatsApp Web.",
        ),
        // A request field becomes required.
        (
            "      required: [to, message]\n",
            "      required: [to, message, cliente_id]\n",
        ),
    ]);
    let d = diff(&Contract::v1(), &new);
    let b = d.breaking();
    assert!(has(
        b,
        ChangeKind::FieldBecameOptional,
        "GET /status 200 /qr_code_base64"
    ));
    assert!(has(
        b,
        ChangeKind::TypeChanged,
        "GET /status 200 /reconnection_attempts"
    ));
    assert!(has(b, ChangeKind::SuccessStatusChanged, "POST /send"));
    assert!(has(
        b,
        ChangeKind::FieldBecameRequired,
        "POST /send request /cliente_id"
    ));
    assert_eq!(b.len(), 4, "{}", d.to_human());
}

#[test]
fn a_header_becoming_required_is_breaking() {
    let optional = v1_with(&[(
        "      in: header\n      required: true\n",
        "      in: header\n      required: false\n",
    )]);
    let d = diff(&optional, &Contract::v1());
    assert_eq!(d.breaking().len(), 3, "{}", d.to_human());
    assert!(
        d.breaking()
            .iter()
            .all(|c| c.kind == ChangeKind::HeaderRequired)
    );
    assert!(!diff(&Contract::v1(), &optional).is_breaking());
}

#[test]
fn human_and_json_forms_carry_the_verdict() {
    let d: ContractDiff = diff(&Contract::v1(), &Contract::v2());
    let human = d.to_human();
    assert!(human.contains(
        "GET /status 200 /state: required field `state` removed (renamed? state -> status) [field-renamed]"
    ));
    assert!(human.trim_end().ends_with(&format!(
        "FAIL: {} breaking, {} compatible",
        d.breaking().len(),
        d.compatible().len()
    )));
    let json = d.to_json();
    assert_eq!(json["passed"], false);
    assert_eq!(json["breaking"][0]["kind"], "required-field-removed");
}

#[test]
fn binary_contract_diff_and_ops_exit_codes() {
    let (v1, v2) = (
        &root("contracts/session-manager.v1.yaml"),
        &root("contracts/session-manager.v2.yaml"),
    );
    let missing = &root("contracts/missing.yaml");
    let (code, out, _) = run_lmh(&["contract", "diff", v1, v2]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("POST /send: operation `send` removed"));
    assert!(out.contains("POST /connect: operation `connect` added"));

    let (code, out, _) = run_lmh(&["contract", "diff", v1, v1, "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["breaking"], serde_json::json!([]));

    let (code, _, err) = run_lmh(&["contract", "diff", v1, missing]);
    assert_eq!(code, 2);
    assert!(err.contains("contracts/missing.yaml"), "{err}");

    let (code, out, _) = run_lmh(&["contract", "ops", v2]);
    assert_eq!(code, 0);
    assert!(out.contains("POST /disconnect"));
}

/// v1 as a provider that stopped reading X-Cliente-Id would document it: the parameter gone
/// from every operation.
fn v1_without_cliente_id() -> String {
    let param = "      parameters:\n        - $ref: \"#/components/parameters/XClienteId\"\n";
    assert_eq!(V1_SOURCE.matches(param).count(), 3);
    V1_SOURCE.replace(param, "")
}

/// A required header made optional breaks no consumer, but is never silent: "no changes" would
/// hide that a session-selecting header may now be missing.
#[test]
fn a_header_made_optional_is_a_visible_compatible_change() {
    let required = "      in: header\n      required: true\n";
    assert_eq!(V1_SOURCE.matches(required).count(), 1);
    let optional = V1_SOURCE.replace(required, "      in: header\n      required: false\n");
    let new = Contract::parse(&optional, "v1-optional-header.yaml").unwrap();
    let d = diff(&Contract::v1(), &new);
    assert!(!d.is_breaking(), "{}", d.to_human());
    for op in ["GET /status", "POST /send", "GET /qr-code"] {
        let loc = format!("{op} header X-Cliente-Id");
        let change = d
            .compatible()
            .iter()
            .find(|c| c.location == loc)
            .unwrap_or_else(|| panic!("{loc} not reported: {}", d.to_human()));
        assert_eq!(change.kind, ChangeKind::HeaderOptional);
        assert!(change.detail.contains("selects the session"), "{change}");
    }
}

#[test]
fn removing_the_session_selecting_header_is_breaking_and_says_why() {
    let v1 = Contract::v1();
    assert!(
        v1.operation("status")
            .and_then(|op| op.header("X-Cliente-Id"))
            .is_some_and(|h| h.selects_session),
        "v1 marks X-Cliente-Id with x-lmh-selects-session"
    );
    let new = Contract::parse(&v1_without_cliente_id(), "v1-without-header.yaml").unwrap();
    let d = diff(&v1, &new);
    for op in ["GET /status", "POST /send", "GET /qr-code"] {
        let loc = format!("{op} header X-Cliente-Id");
        let change = d
            .breaking()
            .iter()
            .find(|c| c.location == loc)
            .unwrap_or_else(|| panic!("{loc} not breaking: {}", d.to_human()));
        assert_eq!(change.kind, ChangeKind::HeaderRemoved);
        assert!(
            change
                .detail
                .contains("collapses every client onto one WhatsApp session"),
            "{change}"
        );
    }
    // A header that selects nothing stays a compatible removal.
    let plain = v1_without_cliente_id_mark();
    let d = diff(&plain, &new);
    assert!(!d.is_breaking(), "{}", d.to_human());
    assert!(has(
        d.compatible(),
        ChangeKind::HeaderRemoved,
        "GET /status header X-Cliente-Id"
    ));

    // And the binary exits 1 on it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("v1-without-x-cliente-id.yaml");
    std::fs::write(&file, v1_without_cliente_id()).unwrap();
    let (code, out, _) = run_lmh(&[
        "contract",
        "diff",
        &root("contracts/session-manager.v1.yaml"),
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("GET /status header X-Cliente-Id: header `X-Cliente-Id` no longer documented, and it selects the session"),
        "{out}"
    );
}

/// v1 with the header kept but not marked as selecting the session.
fn v1_without_cliente_id_mark() -> Contract {
    v1_with(&[("      x-lmh-selects-session: true\n", "")])
}

/// The one passed check of a breaking diff sums up the compatible changes only: an `ok` line
/// reading "22 breaking" would contradict itself.
#[test]
fn the_passed_check_of_a_breaking_diff_does_not_count_the_breaking_changes() {
    let d = diff(&Contract::v1(), &Contract::v2());
    assert!(d.is_breaking());
    let checks = d.to_checks();
    let passed: Vec<_> = checks
        .iter()
        .filter(|c| c.outcome == lmh::report::Outcome::Pass)
        .collect();
    assert_eq!(passed.len(), 1);
    assert!(
        !passed[0].summary.contains("breaking,"),
        "{}",
        passed[0].summary
    );
    assert!(
        passed[0].summary.contains("compatible"),
        "{}",
        passed[0].summary
    );
}

//! `lmh doctor --hub DIR`: central-hub's own code and what central-hub itself needs, on trees
//! and databases shaped like the incident (after the port fix, and before it).

use lmh::db::ScratchDb;
use serde_json::Value;

use super::{database_url, exec, ready_mock, seed};
use crate::helpers::{closed_port_url, run_lmh_async};
use crate::source::{CORRECTED_CLIENT, INCIDENT_CLIENT, hub_tree};

/// Run `lmh doctor --hub <tree> --session-manager <url> --db-url <db>` at the seed's 12:48,
/// with the tree's .env naming `hub_url`: the exit code and the JSON report.
async fn doctor(client: &str, hub_url: &str, sm_url: &str, db: &ScratchDb) -> (i32, Value) {
    let tree = hub_tree(client);
    std::fs::write(
        tree.path().join(".env"),
        format!("SESSION_MANAGER_BASE_URL={hub_url}\n"),
    )
    .unwrap();
    let args = vec![
        "doctor".to_string(),
        "--hub".into(),
        tree.path().display().to_string(),
        "--session-manager".into(),
        sm_url.to_string(),
        "--db-url".into(),
        database_url(db),
        "--now".into(),
        "2026-01-13T12:48:00".into(),
        "--timeout-ms".into(),
        "2000".into(),
        "--format".into(),
        "json".into(),
    ];
    let (code, stdout, stderr) = run_lmh_async(&args).await;
    drop(tree);
    let json: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("not JSON: {stderr}"));
    (code, json)
}

/// The diagnosis lines, in order.
fn diagnosis(json: &Value) -> Vec<String> {
    let d = &json["checks"][0];
    assert_eq!(d["area"], "diagnosis", "{json:#}");
    d["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect()
}

fn outcomes(json: &Value, area: &str) -> Vec<(String, String)> {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["area"] == area)
        .map(|c| {
            (
                c["outcome"].as_str().unwrap().to_string(),
                c["summary"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const ROUTE_LINE: &str = "rows stay pendiente: central-hub's code calls GET /api/session-manager/sessions/${instanceId} (src/services/sessionManagerClient.js:18:12), which the session-manager does not have (no such operation in session-manager v1); it must call GET /status with X-Cliente-Id";

#[tokio::test]
async fn right_port_wrong_route_fails_naming_the_route_and_the_tick_would_abort() {
    let (db, pool) = seed().await;
    pool.close().await;
    let mock = ready_mock().await;
    let (code, json) = doctor(INCIDENT_CLIENT, &mock.uri(), &mock.uri(), &db).await;
    let lines = diagnosis(&json);
    assert_eq!(code, 1, "{lines:#?}");
    assert_eq!(lines[0], ROUTE_LINE, "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.starts_with("cliente 51's session is READY at")
            && l.contains("but the next tick would abort, not send: central-hub calls GET /api/session-manager/sessions/${instanceId}")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("would send")),
        "{lines:#?}"
    );
    let scheduler = outcomes(&json, "scheduler");
    assert!(
        scheduler
            .iter()
            .any(|(o, s)| o == "fail" && s.starts_with("would abort, not send")),
        "{scheduler:#?}"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn right_port_corrected_client_passes_and_would_send() {
    let (db, pool) = seed().await;
    pool.close().await;
    let mock = ready_mock().await;
    let (code, json) = doctor(CORRECTED_CLIENT, &mock.uri(), &mock.uri(), &db).await;
    let lines = diagnosis(&json);
    assert_eq!(code, 0, "{lines:#?}\n{json:#}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("the next tick would send 15")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("rows stay pendiente")),
        "{lines:#?}"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn wrong_port_and_wrong_route_name_both_the_port_first() {
    let (db, pool) = seed().await;
    pool.close().await;
    let closed = closed_port_url();
    let (code, json) = doctor(INCIDENT_CLIENT, &closed, &closed, &db).await;
    let lines = diagnosis(&json);
    assert_eq!(code, 1, "{lines:#?}");
    let port = closed.rsplit(':').next().unwrap();
    let port_at = lines
        .iter()
        .position(|l| l.contains(port))
        .unwrap_or_else(|| panic!("no line names port {port}: {lines:#?}"));
    let route_at = lines
        .iter()
        .position(|l| l == ROUTE_LINE)
        .expect("the route line");
    assert!(port_at < route_at, "{lines:#?}");
    assert_eq!(port_at, 0, "{lines:#?}");
    // Both causes lead: the route comes before the database and session lines.
    let schema_at = lines
        .iter()
        .position(|l| l.starts_with("schema of"))
        .expect("the schema line");
    assert!(route_at < schema_at, "{lines:#?}");
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_seed_era_schema_without_lmhs_columns_is_a_warning_not_the_verdict() {
    let (db, pool) = seed().await;
    pool.close().await;
    exec(&db, "ALTER TABLE ll_envios_whatsapp DROP COLUMN message_id").await;
    exec(&db, "DROP TABLE lmh_envio_intentos").await;
    let mock = ready_mock().await;
    let (code, json) = doctor(CORRECTED_CLIENT, &mock.uri(), &mock.uri(), &db).await;
    let lines = diagnosis(&json);
    assert_eq!(code, 0, "{lines:#?}\n{json:#}");
    let db_checks = outcomes(&json, "db");
    assert!(
        db_checks.iter().any(|(o, s)| o == "warn"
            && s.starts_with("ll_envios_whatsapp.message_id missing: lmh's reference scheduler")),
        "{db_checks:#?}"
    );
    assert!(
        !db_checks.iter().any(|(o, _)| o == "fail"),
        "{db_checks:#?}"
    );
    db.drop_database().await.unwrap();
}

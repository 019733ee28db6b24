//! Probes against real loopback servers: who really answers on each port.

use super::*;
use lmh::config::probe::{self, ProbeOutcome};

#[tokio::test]
async fn probe_confirms_a_session_manager() {
    let server = session_manager().await;
    let port = server.address().port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = check(&probe_inputs(dir.path(), &server.uri(), port)).expect("reads");
    report.probe(&quick()).await;
    assert_eq!(
        report.probes[0].outcome,
        ProbeOutcome::SessionManager {
            status: 200,
            whatsapp_state: Some("NOT_INITIALIZED".into())
        }
    );
    assert_eq!(
        finding(&report, &format!("probe port {port}")).severity,
        Severity::Info
    );
    assert_eq!(
        finding(&report, "provider location").severity,
        Severity::Info
    );
    assert!(report.passed(), "{:#?}", report.findings);
}

#[tokio::test]
async fn probe_reports_another_service_holding_the_port() {
    let server = server_answering(
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"status": "ok", "service": "central-hub"})),
    )
    .await;
    let port = server.address().port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = check(&probe_inputs(dir.path(), &server.uri(), port)).expect("reads");
    report.probe(&quick()).await;
    let f = finding(&report, &format!("probe port {port}"));
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains(&format!(
            "port {port} is held by another service: service \"central-hub\""
        )),
        "{f:?}"
    );
    assert_eq!(
        finding(&report, "provider location").severity,
        Severity::Error
    );
    assert!(!report.passed());
}

#[tokio::test]
async fn probe_reports_html_by_its_first_bytes() {
    let server = server_answering(ResponseTemplate::new(200).set_body_raw(
        "<!DOCTYPE html>\n<html><body>nginx welcome</body></html>",
        "text/html",
    ))
    .await;
    let port = server.address().port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = check(&probe_inputs(dir.path(), &server.uri(), port)).expect("reads");
    report.probe(&quick()).await;
    let ProbeOutcome::OtherService {
        service,
        snippet,
        status,
    } = &report.probes[0].outcome
    else {
        panic!("{:?}", report.probes)
    };
    assert_eq!((*status, service.as_deref()), (200, None));
    assert!(snippet.starts_with("<!DOCTYPE html> <html>"), "{snippet}");
    let f = finding(&report, &format!("probe port {port}"));
    assert!(
        f.message
            .contains("held by another service: 200 `<!DOCTYPE html>"),
        "{f:?}"
    );
}

#[tokio::test]
async fn probe_reports_a_closed_port_as_refused() {
    let port = closed_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("http://127.0.0.1:{port}");
    let mut report = check(&probe_inputs(dir.path(), &url, port)).expect("reads");
    report.probe(&quick()).await;
    assert_eq!(report.probes[0].outcome, ProbeOutcome::Refused);
    let f = finding(&report, &format!("probe port {port}"));
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("connection refused"), "{f:?}");
    assert!(
        finding(&report, "provider location")
            .message
            .contains("no session-manager answered")
    );
}

#[tokio::test]
async fn probe_reports_a_hanging_server_as_timeout() {
    let server = server_answering(ResponseTemplate::new(200)
            .set_delay(Duration::from_secs(5))
            .set_body_json(serde_json::json!({"status": "ok", "service": "session-manager", "whatsapp_state": "NOT_INITIALIZED"})),
    )
    .await;
    let port = server.address().port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = check(&probe_inputs(dir.path(), &server.uri(), port)).expect("reads");
    let options = ProbeOptions {
        timeout: Duration::from_millis(150),
        extra_ports: Vec::new(),
    };
    report.probe(&options).await;
    assert_eq!(report.probes[0].outcome, ProbeOutcome::Timeout);
    let f = finding(&report, &format!("probe port {port}"));
    assert!(f.message.contains("no answer within 150 ms"), "{f:?}");
    assert_eq!(f.severity, Severity::Error);
}

#[tokio::test]
async fn probe_flags_a_drifted_health_answer() {
    // The v2 provider: same name, but /health lost whatsapp_state.
    let server = server_answering(ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "status": "ok", "service": "session-manager", "timestamp": "2026-03-01T10:00:00Z"
    })))
    .await;
    let port = server.address().port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = check(&probe_inputs(dir.path(), &server.uri(), port)).expect("reads");
    report.probe(&quick()).await;
    let ProbeOutcome::OffContract { problem, .. } = &report.probes[0].outcome else {
        panic!("{:?}", report.probes)
    };
    assert!(problem.contains("whatsapp_state"), "{problem}");
    assert_eq!(
        finding(&report, &format!("probe port {port}")).severity,
        Severity::Warning
    );
}

#[tokio::test]
async fn probe_finds_the_provider_on_its_configured_port_not_the_urls() {
    // The incident: the hub looks at a port where nothing listens; the provider answers on
    // the port its shell gave it.
    let server = session_manager().await;
    let real = server.address().port();
    let wrong = closed_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("http://127.0.0.1:{wrong}");
    let mut report = check(&probe_inputs(dir.path(), &url, real)).expect("reads");
    assert_eq!(finding(&report, "port agreement").severity, Severity::Error);
    report.probe(&quick()).await;
    assert_eq!(report.probes.len(), 2);
    assert_eq!(report.probes[0].outcome, ProbeOutcome::Refused);
    assert!(report.probes[1].outcome.is_session_manager());
    let f = finding(&report, "provider location");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains(&format!("answers on port {real}, but central-hub's SESSION_MANAGER_BASE_URL points at port {wrong}")),
        "{f:?}"
    );
}

#[tokio::test]
async fn probe_warns_when_the_running_provider_differs_from_its_config() {
    let server = session_manager().await;
    let port = server.address().port();
    let other = closed_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = check(&probe_inputs(dir.path(), &server.uri(), other)).expect("reads");
    let other_service = server_answering(
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"status": "ok", "service": "central-hub"})),
    )
    .await;
    let options = ProbeOptions {
        timeout: Duration::from_secs(3),
        extra_ports: vec![other_service.address().port()],
    };
    report.probe(&options).await;
    assert_eq!(report.probes.len(), 3);
    let f = finding(&report, "provider location");
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.message
            .contains(&format!("answers on port {port}, where central-hub looks")),
        "{f:?}"
    );
    assert!(
        f.message
            .contains(&format!("configuration resolves to {other}")),
        "{f:?}"
    );
    let extra = finding(
        &report,
        &format!("probe port {}", other_service.address().port()),
    );
    assert_eq!(extra.severity, Severity::Info);
    assert!(extra.message.contains("service \"central-hub\""));
}

#[test]
fn classify_uses_the_contract() {
    let ok = br#"{"status":"ok","service":"session-manager","whatsapp_state":"NOT_INITIALIZED"}"#;
    assert!(matches!(
        probe::classify(200, ok),
        ProbeOutcome::SessionManager { status: 200, .. }
    ));
    let down = br#"{"status":"error","service":"session-manager","error":"boom"}"#;
    assert!(matches!(
        probe::classify(503, down),
        ProbeOutcome::SessionManager { status: 503, .. }
    ));
    let not_found = br#"{"error":true,"code":"NOT_FOUND","message":"Endpoint not found"}"#;
    assert!(matches!(
        probe::classify(404, not_found),
        ProbeOutcome::OtherService {
            status: 404,
            service: None,
            ..
        }
    ));
    // An undocumented status from something claiming the name is still off-contract.
    assert!(matches!(
        probe::classify(201, ok),
        ProbeOutcome::OffContract { .. }
    ));
}

#[test]
fn probe_without_a_url_is_skipped() {
    let mut report = check(&tree_inputs("missing-variable")).expect("reads");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(report.probe(&quick()));
    assert!(report.probes.is_empty());
    assert_eq!(finding(&report, "probe").severity, Severity::Skipped);
}

//! `/qr-code` and the legacy `/qr`.

use super::*;

#[tokio::test]
async fn qr_code_returns_the_data_url_and_checks_it() {
    let url = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB";
    let (server, client) = serve("GET", "/qr-code", json_answer(200, json!({"qr": url}))).await;
    assert_eq!(client.qr_code(9).await.expect("qr"), url);
    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(
        requests[0]
            .headers
            .get("x-cliente-id")
            .and_then(|v| v.to_str().ok()),
        Some("9")
    );
    let (_s, client) = serve(
        "GET",
        "/qr-code",
        json_answer(200, json!({"qr": "2@abc,def"})),
    )
    .await;
    let e = client.qr_code(9).await.unwrap_err();
    assert!(
        schema_violation_paths(&e).iter().any(|v| v.0 == "/qr"),
        "{e}"
    );
}

#[tokio::test]
async fn v2_style_qr_success_is_undocumented_in_v1() {
    let (_s, client) = serve("GET", "/qr", json_answer(200, json!({"status": "NO_QR"}))).await;
    let e = client.qr_legacy().await.unwrap_err();
    assert!(matches!(
        protocol(&e),
        ProtocolError::Contract(ResponseViolation::UndocumentedStatus { status: 200, .. })
    ));
}

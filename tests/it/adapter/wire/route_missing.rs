//! A route the provider does not have is `RouteMissing`, never "session not found".

use super::*;

#[tokio::test]
async fn json_404_not_found_is_route_missing_not_session_not_found() {
    // A provider without the route answers its catch-all, as for the seed's
    // GET /api/session-manager/sessions/sender_51.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(json_answer(
            404,
            json!({"error": true, "code": "NOT_FOUND", "message": "Endpoint not found"}),
        ))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    for op in ["status", "send", "qr", "qr_code"] {
        let e = call(&client, op).await.unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::RouteMissing {
                status: 404,
                answer: "Endpoint not found".into()
            },
            "{op}"
        );
        assert!(!e.is_retryable());
        let text = e.to_string();
        assert!(text.contains("404 Endpoint not found"), "{text}");
        assert!(text.contains("no such route"), "{text}");
        assert!(text.contains("SESSION_MANAGER_BASE_URL"), "{text}");
    }
    let e = client.get_session("sender_51").await.unwrap_err();
    assert!(
        matches!(&e.kind, ErrorKind::RouteMissing { status: 404, .. }),
        "{e}"
    );
}

#[test]
fn the_seed_route_is_not_in_the_contract_and_every_adapter_request_is() {
    let v1 = Contract::v1();
    assert!(
        v1.find_operation("GET", "/api/session-manager/sessions/sender_51")
            .is_none()
    );
    for (m, p) in REQUESTS {
        assert!(v1.find_operation(m, p).is_some(), "{m} {p} missing from v1");
    }
    assert!(missing_operations(&v1).is_empty());
    let mut missing = missing_operations(&Contract::v2());
    missing.sort();
    assert_eq!(missing, vec!["GET /qr-code", "POST /send"]);
}

#[tokio::test]
async fn html_404_is_route_missing_with_the_first_bytes() {
    let html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot POST /send</pre>\n</body>\n</html>\n";
    let (_s, client) = serve(
        "POST",
        "/send",
        ResponseTemplate::new(404).set_body_raw(html, "text/html; charset=utf-8"),
    )
    .await;
    let e = call(&client, "send").await.unwrap_err();
    match &e.kind {
        ErrorKind::RouteMissing { status, answer } => {
            assert_eq!(*status, 404);
            assert!(answer.contains("<!DOCTYPE html>"), "{answer}");
        }
        other => panic!("{other:?}"),
    }
    // wiremock's own empty 404 for an unmounted route too.
    let server = MockServer::start().await;
    let e = client_for(&server.uri()).status(51).await.unwrap_err();
    assert!(
        matches!(&e.kind, ErrorKind::RouteMissing { status: 404, .. }),
        "{e}"
    );
}

#[tokio::test]
async fn status_405_is_route_missing() {
    let (_s, client) = serve("GET", "/status", ResponseTemplate::new(405)).await;
    let e = client.status(51).await.unwrap_err();
    assert!(
        matches!(&e.kind, ErrorKind::RouteMissing { status: 405, .. }),
        "{e}"
    );
}

#[tokio::test]
async fn qr_code_404_is_domain_only_with_its_documented_code() {
    let (_s, client) = serve(
        "GET",
        "/qr-code",
        json_answer(
            404,
            json!({"error": "QR_NOT_AVAILABLE", "message": "QR code not yet generated"}),
        ),
    )
    .await;
    let e = client.qr_code(51).await.unwrap_err();
    assert!(
        matches!(e.domain(), Some(DomainError::QrNotAvailable { .. })),
        "{e}"
    );
    // The same status with the catch-all body means the route is gone (as in v2).
    let (_s, client) = serve(
        "GET",
        "/qr-code",
        json_answer(
            404,
            json!({"error": true, "code": "NOT_FOUND", "message": "Endpoint not found"}),
        ),
    )
    .await;
    let e = client.qr_code(51).await.unwrap_err();
    assert!(
        matches!(&e.kind, ErrorKind::RouteMissing { status: 404, .. }),
        "{e}"
    );
}

//! `lmh mock serve` as a separate process.

use super::*;

/// `lmh mock serve` as a separate process: answers like the real service, journals to a file as
/// requests arrive, and flushes and exits cleanly on Ctrl-C.
#[test]
fn mock_serve_answers_journals_and_stops_on_ctrl_c() {
    let port = closed_port();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let mut child = lmh()
        .args([
            "mock",
            "serve",
            "--port",
            &port.to_string(),
            "--client",
            "51=READY",
            "--journal",
            journal.to_str().unwrap(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let body: serde_json::Value = rt.block_on(async {
        let http = lmh::http_client().build().unwrap();
        let _ = http
            .get(format!(
                "http://127.0.0.1:{port}/api/session-manager/sessions/sender_51"
            ))
            .send()
            .await
            .unwrap();
        http.get(format!("http://127.0.0.1:{port}/status"))
            .header("X-Cliente-Id", "51")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(body["state"], "READY");
    let written = lmh::mock::read_journal(&journal).unwrap();
    assert_eq!(written.len(), 2, "written as requests arrive");

    // SIGINT, as Ctrl-C sends it.
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "lmh mock serve did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(0), "{rest}");
    assert!(
        rest.contains("unknown route: GET /api/session-manager/sessions/sender_51"),
        "{rest}"
    );
}

/// The real service's /qr-code fact: every state but QR_REQUIRED answers 409 with the state.
#[test]
fn mock_serve_answers_qr_code_409_with_the_current_state() {
    let port = closed_port();
    let mut child = lmh()
        .args(["mock", "serve", "--port", &port.to_string()])
        .args(["--client", "51=INITIALIZING"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (status, body) = rt.block_on(async {
        let resp = lmh::http_client()
            .build()
            .unwrap()
            .get(format!("http://127.0.0.1:{port}/qr-code"))
            .header("X-Cliente-Id", "51")
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json::<serde_json::Value>().await.unwrap())
    });
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "lmh mock serve did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "QR_NOT_REQUIRED");
    assert_eq!(body["current_state"], "INITIALIZING");
}

//! `verify consumer` against journals the mock wrote: the seed's call named with its fix,
//! findings grouped, malformed and empty journals refused, the binary's exit codes.

use std::path::{Path, PathBuf};

use lmh::adapter::{ClientConfig, SessionManagerClient};
use lmh::contract::Contract;
use lmh::mock::Profile;
use lmh::session::SessionState;
use lmh::verify::verify_journal;

use crate::helpers::run_lmh_async;
use crate::verify::provider::{check, failures, mock};

const SEED_LINE: &str = "GET /api/session-manager/sessions/sender_51: no such operation in session-manager v1; nearest: GET /status with X-Cliente-Id: 51";

/// A journal of the seed's call and its fix, as the mock wrote it.
async fn seed_journal(dir: &Path) -> PathBuf {
    let file = dir.join("journal.jsonl");
    let mock = mock(Profile::V1, Some(file.clone())).await;
    mock.set_state(51, SessionState::Ready);
    let http = lmh::http_client().build().unwrap();
    let seed = http
        .get(format!(
            "{}/api/session-manager/sessions/sender_51",
            mock.uri()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(seed.status().as_u16(), 404);
    let client = SessionManagerClient::new(ClientConfig::new(mock.uri())).unwrap();
    assert!(client.get_session("sender_51").await.unwrap().ready);
    file
}

#[tokio::test]
async fn consumer_seed_call_comes_out_with_its_fix() {
    let dir = tempfile::tempdir().unwrap();
    let file = seed_journal(dir.path()).await;
    let report = verify_journal(&file, &Contract::v1()).unwrap();
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{}", report.to_human());
    assert_eq!(
        format!("{}: {}", failed[0].name, failed[0].summary),
        SEED_LINE
    );
    assert!(report.to_human().contains(SEED_LINE));
    assert_eq!(check(&report, "GET /status").summary, "1 request conforms");
}

#[tokio::test]
async fn consumer_missing_header_and_incomplete_send_body_are_both_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("journal.jsonl");
    let mock = mock(Profile::V1, Some(file.clone())).await;
    let http = lmh::http_client().build().unwrap();
    http.get(format!("{}/status", mock.uri()))
        .send()
        .await
        .unwrap();
    for _ in 0..3 {
        http.post(format!("{}/send", mock.uri()))
            .header("X-Cliente-Id", "51")
            .header("content-type", "application/json")
            .body(r#"{"to":"5491155550000"}"#)
            .send()
            .await
            .unwrap();
    }
    http.get(format!("{}/qr-code", mock.uri()))
        .header("X-Cliente-Id", "abc")
        .send()
        .await
        .unwrap();
    let report = verify_journal(&file, &Contract::v1()).unwrap();
    let failed: Vec<String> = failures(&report)
        .iter()
        .map(|c| format!("{}: {}", c.name, c.summary))
        .collect();
    assert_eq!(
        failed,
        [
            "GET /status: required header X-Cliente-Id missing",
            "POST /send: request body at /: \"message\" is a required property (schema rule /required)",
            r#"GET /qr-code: header X-Cliente-Id: "abc" is invalid: "abc" does not match "^\s*\+?0*[1-9][0-9]*" (schema rule /pattern)"#,
        ],
        "{}",
        report.to_human()
    );
    // The three identical /send findings are one check with a count.
    let send = failures(&report)[1].clone();
    assert_eq!(send.details[0], "3 requests: journal #2, #3, #4");
}

#[tokio::test]
async fn a_malformed_journal_line_is_a_usage_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = seed_journal(dir.path()).await;
    let first = std::fs::read_to_string(&good).unwrap();
    let first = first.lines().next().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, format!("{first}\n{{\"method\": \"GET\"\n")).unwrap();
    let err = verify_journal(&bad, &Contract::v1()).unwrap_err();
    assert!(
        err.to_string().contains(&format!("{}:2:", bad.display())),
        "{err}"
    );

    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "\n").unwrap();
    let err = verify_journal(&empty, &Contract::v1()).unwrap_err();
    assert!(err.to_string().contains("empty.jsonl is empty"), "{err}");

    let missing = dir.path().join("missing.jsonl");
    let err = verify_journal(&missing, &Contract::v1()).unwrap_err();
    assert!(err.to_string().contains("missing.jsonl"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_verify_consumer_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let seed = seed_journal(dir.path()).await;
    let (code, out, _) =
        run_lmh_async(&["verify", "consumer", "--journal", seed.to_str().unwrap()]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(SEED_LINE), "{out}");

    // Only the fixed call: clean.
    let clean = dir.path().join("clean.jsonl");
    let text = std::fs::read_to_string(&seed).unwrap();
    let fixed: Vec<&str> = text.lines().filter(|l| !l.contains("sender_51")).collect();
    std::fs::write(&clean, fixed.join("\n")).unwrap();
    let (code, out, _) =
        run_lmh_async(&["verify", "consumer", "--journal", clean.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{out}");

    let missing = dir.path().join("nope.jsonl");
    let (code, _, err) =
        run_lmh_async(&["verify", "consumer", "--journal", missing.to_str().unwrap()]).await;
    assert_eq!(code, 2);
    assert!(err.contains("nope.jsonl"), "{err}");
}

/// A journal written by another tool may keep header names as sent: `X-Cliente-Id` and
/// `Content-Type` are found whatever their case, and `User-Agent` names who sent a bad call.
#[test]
fn headers_are_found_whatever_their_case() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("journal.jsonl");
    let send = r#"{"seq":1,"at":"2026-01-13T12:00:00.000Z","method":"POST","path":"/send","headers":{"Content-Type":"application/json","X-Cliente-Id":"51"},"body":"{\"to\":\"5491155550000\",\"message\":\"hola\"}","operation":"send","unknown_route":false,"status":200,"response":"{}"}"#;
    let status = r#"{"seq":2,"at":"2026-01-13T12:00:01.000Z","method":"GET","path":"/status","headers":{"User-Agent":"central-hub/1.0"},"body":"","operation":"status","unknown_route":false,"status":400,"response":"{}"}"#;
    std::fs::write(&file, format!("{send}\n{status}\n")).unwrap();
    let report = verify_journal(&file, &Contract::v1()).unwrap();
    assert_eq!(check(&report, "POST /send").summary, "1 request conforms");
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{}", report.to_human());
    assert_eq!(failed[0].summary, "required header X-Cliente-Id missing");
    assert!(
        failed[0]
            .details
            .iter()
            .any(|d| d == "sent by central-hub/1.0"),
        "{:?}",
        failed[0].details
    );
}

//! Usage and setup errors exit 2 and say what to do.

use super::*;

#[test]
fn usage_and_setup_errors_exit_2_with_what_to_do() {
    let out = lmh()
        .args([
            "e2e",
            "--db-url",
            &helpers::server_url(),
            "--fixtures",
            "/nonexistent/fixtures",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/fixtures"));

    let closed = format!("127.0.0.1:{}", closed_port());
    let out = lmh()
        .args([
            "e2e",
            "--db-url",
            &format!("mysql://root:hunter2@{closed}"),
            "--fixtures",
            &root("fixtures/happy-path.yaml"),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&closed), "{stderr}");
    assert!(!stderr.contains("hunter2"), "the password leaked: {stderr}");

    let out = lmh()
        .args([
            "e2e",
            "--session-manager",
            "ftp://x",
            "--fixtures",
            &root("fixtures"),
        ])
        .env("DATABASE_URL", helpers::server_url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--session-manager"));

    let out = lmh()
        .args(["mock", "serve", "--client", "51=SLEEPING"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SLEEPING"));
}

//! Credentials in URLs and configuration never reach help, errors or reports.

use super::*;

#[test]
fn help_never_shows_url_credentials_from_the_environment() {
    for command in [
        vec!["e2e", "--help"],
        vec!["scheduler", "run", "--help"],
        vec!["doctor", "--help"],
        vec!["bench", "--help"],
    ] {
        let out = lmh()
            .args(&command)
            .env("DATABASE_URL", "mysql://root:Hunter2pw@db:3306")
            .env(
                "SESSION_MANAGER_BASE_URL",
                "http://SMTOKEN42@127.0.0.1:3011",
            )
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("Usage"), "{command:?}: {help}");
        for secret in ["Hunter2pw", "SMTOKEN42"] {
            assert!(!help.contains(secret), "{command:?} shows {secret}: {help}");
        }
    }
}

#[test]
fn a_token_as_user_name_or_in_the_query_is_never_printed() {
    // As a session-manager URL: refused, and the error does not repeat the token.
    for url in [
        "http://SMTOKEN42@127.0.0.1:3011",
        "http://127.0.0.1:3011/?token=SMTOKEN42",
        "http://127.0.0.1:3011/?x=1&Signature=SMTOKEN42",
    ] {
        let out = lmh()
            .args(["verify", "provider", "--base-url", url])
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(2), "{url}: {all}");
        assert!(!all.contains("SMTOKEN42"), "{url}: {all}");
    }
    // As a database URL: the error names the URL without the token.
    let out = lmh()
        .args([
            "e2e",
            "--db-url",
            &format!(
                "mysql://DBTOKEN42@127.0.0.1:{}/x?auth=DBTOKEN43",
                closed_port()
            ),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("DBTOKEN4"), "{stderr}");
}

#[test]
fn a_derived_database_url_never_shows_its_password() {
    let hub = tempfile::tempdir().unwrap();
    std::fs::write(
        hub.path().join(".env"),
        "DB_HOST=db.internal\nDB_USER=leadmaster\nDB_PASSWORD=S3cret:/@pw\nDB_NAME=leadmaster\n",
    )
    .unwrap();
    let inputs = lmh::config::ServiceInputs::from_dir(hub.path()).unwrap();
    let config =
        lmh::config::ServiceConfig::load(lmh::config::Service::CentralHub, &inputs).unwrap();
    let d = lmh::config::targets::database(&config).unwrap();
    assert!(
        d.value
            .starts_with("mysql://leadmaster:S3cret%3A%2F%40pw@db.internal:3306/leadmaster"),
        "{}",
        d.value
    );
    let shown = format!("{} {:?} {}", d.shown(), d, d.sources.join(" "));
    assert!(!shown.contains("S3cret"), "{shown}");
    assert!(
        shown.contains("DB_PORT from central-hub's default"),
        "{shown}"
    );
}

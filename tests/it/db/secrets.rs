//! A password never reaches a URL shown, an error, or a usage message.

use super::*;

#[tokio::test]
async fn passwords_never_appear_in_urls_or_errors() {
    let secret = "Sup3r-S3cret_pw";
    let base = server_url();
    let parsed = url::Url::parse(&base).unwrap();
    let host = parsed.host_str().unwrap().to_string();
    let port = parsed.port().unwrap_or(3306);

    let mut messages = Vec::new();
    // Wrong password on a real server: the server refuses; the message must not echo it.
    let wrong = format!("mysql://lmh_nobody:{secret}@{host}:{port}");
    let err = ScratchDb::create(&wrong).await.expect_err("wrong password");
    assert!(matches!(err, DbError::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains("lmh_nobody@"), "{err}");
    messages.push(format!("{err} {err:?}"));
    // Nothing listening.
    let closed = format!("mysql://root:{secret}@127.0.0.1:{}", closed_port());
    let err = ScratchDb::create(&closed).await.expect_err("closed port");
    assert!(matches!(err, DbError::Connect { .. }), "{err:?}");
    messages.push(format!("{err} {err:?}"));
    // Hostile or malformed URLs carrying the password.
    for bad in [
        format!("postgres://root:{secret}@{host}:{port}"),
        format!("mysql://root:{secret}@{host}:{port}/x`;DROP DATABASE mysql;--"),
        format!("mysql://root:{secret}@{host}:{port}/db?socket=/var/run/x"),
        format!("mysql://root:{secret}@:{port}"),
        format!("mysql://root:{secret}@{host}:notaport"),
        format!("mysql://root:{secret}@{host}:{port}/a/b"),
    ] {
        let err = ScratchDb::create(&bad).await.expect_err(&bad);
        assert!(matches!(err, DbError::InvalidUrl { .. }), "{bad}: {err:?}");
        messages.push(format!("{err} {err:?}"));
        let err = db::connect_read_only(&bad).await.expect_err(&bad);
        messages.push(format!("{err} {err:?}"));
    }
    for m in &messages {
        assert!(!m.contains(secret), "password leaked: {m}");
    }
    assert!(!db::redact_url(&closed).contains(secret));

    // A working URL: display_url carries user, host, port and the scratch name, nothing else.
    let scratch = ScratchDb::create(&base).await.expect("scratch db");
    let shown = scratch.display_url();
    assert!(
        shown.ends_with(&format!("{host}:{port}/{}", scratch.name())),
        "{shown}"
    );
    assert!(!format!("{scratch:?}").contains("password"));
    scratch.drop_database().await.unwrap();
}

#[tokio::test]
async fn no_database_error_says_what_to_do() {
    let msg = DbError::NoDatabase.to_string();
    for needle in [
        "--db-url mysql://root@127.0.0.1:3306",
        "DATABASE_URL",
        "--container",
        "Docker",
    ] {
        assert!(msg.contains(needle), "{msg}");
    }
    assert_eq!(
        db::require_server_url(Some("  mysql://root@h:1  ")).unwrap(),
        "mysql://root@h:1"
    );
}

//! Connections as users have them: IPv6 literals and TLS (ci/mariadb-tls.sh configures the
//! machine's MariaDB with a test CA and ::1; with LMH_REQUIRE_TLS=1 an unconfigured server fails
//! these tests instead of skipping them).

use super::*;

/// The local test server's CA and an unrelated CA, when it runs TLS on 127.0.0.1 and ::1.
async fn tls_server() -> Option<(String, String)> {
    let required = std::env::var("LMH_REQUIRE_TLS").is_ok_and(|v| v == "1");
    let skip = |why: String| {
        assert!(
            !required,
            "LMH_REQUIRE_TLS=1 but {why}; run ci/mariadb-tls.sh"
        );
        eprintln!("skipped: {why} (run ci/mariadb-tls.sh)");
        None
    };
    if !server_url().contains("@127.0.0.1:3306") {
        return skip("the test server is not the local one at 127.0.0.1:3306".to_string());
    }
    let (ssl, bind, ca): (String, String, String) =
        sqlx::query_as("SELECT @@have_ssl, @@bind_address, COALESCE(@@ssl_ca, '')")
            .fetch_one(&mut observer().await)
            .await
            .unwrap();
    if ssl != "YES" || !bind.split(',').any(|a| a.trim() == "::1") || ca.is_empty() {
        return skip(format!(
            "the server has have_ssl={ssl}, bind_address={bind}"
        ));
    }
    let other = std::path::Path::new(&ca).with_file_name("other-ca.pem");
    Some((ca, other.display().to_string()))
}

/// The TLS version of the scratch database's connection (empty when not encrypted).
async fn tls_version(url: &str) -> String {
    let scratch = ScratchDb::create(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let row = sqlx::query("SHOW SESSION STATUS LIKE 'Ssl_version'")
        .fetch_one(scratch.pool())
        .await
        .unwrap();
    let version: String = row.get(1);
    scratch.drop_database().await.unwrap();
    version
}

#[tokio::test]
async fn an_ipv6_literal_host_connects() {
    if tls_server().await.is_none() {
        return;
    }
    let scratch = ScratchDb::create("mysql://root@[::1]:3306")
        .await
        .expect("mysql://root@[::1]:3306 connects");
    assert!(
        scratch.display_url().contains("[::1]:3306"),
        "{}",
        scratch.display_url()
    );
    let name = scratch.name().to_string();
    assert!(database_exists(&name).await);
    scratch.drop_database().await.unwrap();
}

#[tokio::test]
async fn every_tls_mode_connects_encrypted() {
    let Some((ca, _)) = tls_server().await else {
        return;
    };
    for url in [
        "mysql://root@127.0.0.1:3306?ssl-mode=required".to_string(),
        format!("mysql://root@127.0.0.1:3306?ssl-mode=verify_ca&ssl-ca={ca}"),
        format!("mysql://root@127.0.0.1:3306?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"),
        format!("mysql://root@localhost:3306?ssl-mode=verify_identity&ssl-ca={ca}"),
        format!("mysql://root@[::1]:3306?ssl-mode=verify_identity&ssl-ca={ca}"),
    ] {
        let version = tls_version(&url).await;
        assert!(
            version.starts_with("TLS"),
            "{url}: not encrypted ({version:?})"
        );
    }
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let Some((_, other)) = tls_server().await else {
        return;
    };
    for mode in ["verify_ca", "verify_identity"] {
        let url = format!("mysql://root@127.0.0.1:3306?ssl-mode={mode}&ssl-ca={other}");
        let err = ScratchDb::create(&url).await.map(drop).unwrap_err();
        assert!(matches!(err, DbError::Connect { .. }), "{mode}: {err}");
        let msg = err.to_string().to_lowercase();
        assert!(
            msg.contains("certificate") || msg.contains("tls"),
            "{mode}: {msg}"
        );
    }
}

#[tokio::test]
async fn an_ssl_ca_that_cannot_be_read_is_a_url_error() {
    let dir = tempfile::tempdir().unwrap();
    for (path, needle) in [
        (dir.path().join("missing.pem"), "cannot read it"),
        (dir.path().to_path_buf(), "a directory"),
    ] {
        let url = format!(
            "mysql://root:Sup3rpw@127.0.0.1:{}?ssl-mode=verify_ca&ssl-ca={}",
            closed_port(),
            path.display()
        );
        let err = ScratchDb::create(&url).await.map(drop).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, DbError::InvalidUrl { .. }), "{msg}");
        assert!(msg.contains("ssl-ca") && msg.contains(needle), "{msg}");
        assert!(!msg.contains("Sup3rpw"), "{msg}");
    }
}

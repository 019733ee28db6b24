//! `lmh doctor` on the seed's installation, read-only, with targets from central-hub's own
//! configuration.

use super::*;

/// A scratch database holding the seed incident's rows.
async fn seed_installation() -> lmh::db::ScratchDb {
    let db = lmh::db::ScratchDb::create(&helpers::server_url())
        .await
        .unwrap();
    let fixture = lmh::fixtures::load(root("fixtures/seed-incident.yaml")).unwrap();
    lmh::fixtures::insert(&fixture, &db).await.unwrap();
    db
}

/// The seed's situation, diagnosed from outside and read-only: rows pendiente, programaciones
/// approved and in window, and a session-manager URL where nothing answers.
#[test]
fn doctor_diagnoses_the_seed_incident_without_writing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(seed_installation());
    let closed = closed_port();
    let db_url = format!("{}/{}", helpers::server_url(), db.name());
    let count = |rt: &tokio::runtime::Runtime| -> i64 {
        rt.block_on(
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM ll_envios_whatsapp WHERE estado = 'pendiente'",
            )
            .fetch_one(db.pool()),
        )
        .unwrap()
    };
    let before = count(&rt);
    let out = lmh()
        .args([
            "doctor",
            "--hub-env",
            &root("tests/data/config/seed/central-hub/.env"),
            "--sm",
            &root("tests/data/config/seed/session-manager"),
            "--sm-shell",
            "PORT=3011",
            "--session-manager",
            &format!("http://127.0.0.1:{closed}"),
            "--db-url",
            &db_url,
            "--now",
            "2026-01-13T12:48:00",
            "--timeout-ms",
            "500",
        ])
        .output()
        .unwrap();
    helpers::assert_exit(&out, 1, "doctor on the seed's incident");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("3 approved programaciones of cliente 51 (1, 39, 40)"),
        "{stdout}"
    );
    assert!(stdout.contains("refuses connections"), "{stdout}");
    // --session-manager is not what central-hub's .env points at: said, with file and line.
    assert!(
        stdout.contains("doctor target") && stdout.contains(".env:3"),
        "{stdout}"
    );
    assert!(
        stdout.contains("port 3001, but session-manager PORT=3011"),
        "{stdout}"
    );
    assert!(!stdout.contains("Seed-Db-Pass-7731"));
    println!("{stdout}");
    assert_eq!(count(&rt), before, "doctor never writes");
    rt.block_on(db.drop_database()).unwrap();
}

/// `lmh doctor --hub DIR` alone: the session-manager and the database come from central-hub's
/// own configuration (shell over PM2 over .env), each with its source, the password never shown.
#[test]
fn doctor_with_only_the_hub_directory_takes_its_targets_from_central_hubs_configuration() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(seed_installation());
    let server = url::Url::parse(&helpers::server_url()).unwrap();
    let closed = closed_port();
    let hub = tempfile::tempdir().unwrap();
    std::fs::write(
        hub.path().join(".env"),
        format!(
            "SESSION_MANAGER_BASE_URL=http://127.0.0.1:{closed}\nDB_HOST={}\nDB_PORT={}\nDB_USER={}\nDB_PASSWORD={}\nDB_NAME=wrong_name\n",
            server.host_str().unwrap(),
            server.port().unwrap_or(3306),
            server.username(),
            server.password().unwrap_or(""),
        ),
    )
    .unwrap();
    // PM2 wins over .env, as for central-hub itself.
    std::fs::write(
        hub.path().join("ecosystem.config.js"),
        format!("module.exports = {{ apps: [{{ name: 'central-hub', script: 'index.js', env: {{ DB_NAME: '{}' }} }}] }};\n", db.name()),
    )
    .unwrap();
    let out = lmh()
        .env_remove("DATABASE_URL")
        .args([
            "doctor",
            "--hub",
            hub.path().to_str().unwrap(),
            "--now",
            "2026-01-13T12:48:00",
            "--timeout-ms",
            "500",
        ])
        .output()
        .unwrap();
    helpers::assert_exit(&out, 1, "doctor on the seed's installation");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("3 approved programaciones of cliente 51 (1, 39, 40)"),
        "{stdout}"
    );
    assert!(stdout.contains("refuses connections"), "{stdout}");
    assert!(
        stdout.contains("SESSION_MANAGER_BASE_URL from "),
        "{stdout}"
    );
    assert!(stdout.contains(".env:1"), "{stdout}");
    assert!(
        stdout.contains("DB_NAME from ") && stdout.contains("ecosystem.config.js"),
        "{stdout}"
    );
    rt.block_on(db.drop_database()).unwrap();

    // Without --hub and without the flags, the error says what to pass.
    let out = lmh()
        .env_remove("DATABASE_URL")
        .args(["doctor"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--hub DIR"));
}

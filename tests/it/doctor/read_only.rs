//! The doctor only reads, through read-only sessions, and says what to do when it cannot.

use super::*;

#[tokio::test]
async fn the_doctor_only_reads_through_read_only_sessions() {
    let (db, pool) = seed().await;
    // A write through the doctor's pool is refused by the server.
    let err = sqlx::query(
        "INSERT INTO ll_campanias_whatsapp (nombre, mensaje, estado) VALUES ('x', 'y', 'en_progreso')",
    )
    .execute(&pool)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("READ ONLY"), "{err}");
    let err = sqlx::query("UPDATE ll_envios_whatsapp SET estado = 'enviado'")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("READ ONLY"), "{err}");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM ll_campanias_whatsapp").await,
        3
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM ll_envios_whatsapp WHERE estado = 'pendiente'"
        )
        .await,
        15
    );

    // A pool that accepts writes is refused before anything is read.
    let mock = ready_mock().await;
    let err = doctor::probe_schema(db.pool()).await.unwrap_err();
    assert_eq!(
        err,
        DoctorError::NotReadOnly {
            database: db.name().to_string()
        }
    );
    let err = doctor::next_tick(db.pool(), &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap_err();
    assert!(matches!(err, DoctorError::NotReadOnly { .. }));
    assert!(
        mock.journal().is_empty(),
        "nothing asked before the refusal"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_url_without_a_database_is_refused_with_what_to_do() {
    let pool = connect_read_only(&helpers::server_url()).await.unwrap();
    let err = doctor::probe_schema(&pool).await.unwrap_err();
    assert_eq!(err, DoctorError::NoDatabase);
    assert!(
        err.to_string()
            .contains("mysql://user@host:3306/leadmaster")
    );
}

/// The documented form (hub side only): the session-manager side is reported as not given,
/// not a usage error.
#[tokio::test]
async fn doctor_with_only_the_hub_env_reports_the_session_manager_side_as_not_given() {
    let (db, pool) = seed().await;
    pool.close().await;
    let mock = ready_mock().await;
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(&env, format!("SESSION_MANAGER_BASE_URL={}\n", mock.uri())).unwrap();
    let args = vec![
        "doctor".to_string(),
        "--hub-env".into(),
        env.display().to_string(),
        "--session-manager".into(),
        mock.uri(),
        "--db-url".into(),
        database_url(&db),
        "--now".into(),
        "2026-01-13T12:48:00".into(),
        "--format".into(),
        "json".into(),
    ];
    let (code, stdout, stderr) = run_lmh_async(&args).await;
    assert_ne!(code, 2, "not a usage error: {stderr}");
    assert!(!stderr.contains("nothing describes"), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let check = |name: &str| {
        json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["area"] == "config" && c["name"] == name)
            .unwrap_or_else(|| panic!("no config check {name:?} in {json:#}"))
            .clone()
    };
    assert_eq!(
        check("central-hub SESSION_MANAGER_BASE_URL")["outcome"],
        "pass"
    );
    assert_eq!(check("session-manager sources")["outcome"], "skip");
    let agreement = check("port agreement");
    assert_eq!(agreement["outcome"], "skip");
    assert!(
        agreement["summary"].as_str().unwrap().contains("--sm DIR"),
        "{agreement}"
    );
    db.drop_database().await.unwrap();
}

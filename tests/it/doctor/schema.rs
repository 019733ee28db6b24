//! The schema probe: every table, column, enum value and key the scheduler needs, named
//! exactly when missing or different; and a preview on a database without them.

use super::*;

#[tokio::test]
async fn a_complete_schema_passes_and_an_empty_database_has_nothing_to_do() {
    let db = scratch().await;
    let pool = connect_read_only(&database_url(&db)).await.unwrap();
    let schema = doctor::probe_schema(&pool).await.unwrap();
    assert!(schema.is_ok(), "{:#?}", schema.findings);
    assert_eq!(schema.warnings().count(), 0, "{:#?}", schema.findings);
    assert_eq!(schema.database, db.name());
    assert!(schema.checked >= 40, "checked {}", schema.checked);
    // A scratch database has lmh's claim table: information, not a problem.
    assert!(schema.has_claim_table());

    let mock = ready_mock().await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert!(next.programaciones.is_empty());
    assert!(next.sessions.is_empty(), "no client to ask");
    let checks = doctor::to_checks(&schema, Some(&next), &[]);
    assert!(
        checks.iter().all(|c| c.outcome == Outcome::Pass),
        "{checks:#?}"
    );
    assert!(checks.iter().any(|c| c.area == "db" && c.name == "schema"));
    let lines = doctor::diagnosis(&schema, Some(&next), &[]);
    assert_eq!(
        lines[1],
        format!(
            "no approved programación in {}: the scheduler has nothing to do",
            db.name()
        )
    );
    db.drop_database().await.unwrap();
}

/// A production schema gone wrong in five ways: lmh's message_id dropped, an enum value
/// and a unique key missing, the text column latin1, an hour stored as text, the historial
/// and lmh's claim table gone.
async fn narrow_the_schema(db: &ScratchDb) {
    exec(db, "ALTER TABLE ll_envios_whatsapp DROP COLUMN message_id").await;
    exec(
        db,
        "ALTER TABLE ll_envios_whatsapp MODIFY estado enum('pendiente','enviado') DEFAULT 'pendiente'",
    )
    .await;
    // As a permissive production server would: emoji become '?' instead of an error.
    let lax = db.pool_with_sql_mode(SqlMode::NonStrict).await.unwrap();
    sqlx::query("ALTER TABLE ll_envios_whatsapp MODIFY mensaje_final text CHARACTER SET latin1")
        .execute(&lax)
        .await
        .unwrap();
    lax.close().await;
    exec(
        db,
        "ALTER TABLE ll_programacion_envios_diarios ADD KEY idx_prog (programacion_id), DROP INDEX uniq_programacion_fecha",
    )
    .await;
    exec(
        db,
        "ALTER TABLE ll_programaciones MODIFY hora_inicio varchar(8) NOT NULL",
    )
    .await;
    exec(db, "DROP TABLE lmh_envio_intentos").await;
    exec(db, "DROP TABLE ll_envios_whatsapp_historial").await;
}

/// The errors and warnings of [`narrow_the_schema`], each in its words.
fn assert_errors_and_warnings_named(schema: &lmh::doctor::SchemaReport) {
    let errors: Vec<&str> = schema.errors().map(|f| f.message.as_str()).collect();
    // message_id is lmh's reference scheduler's column, not central-hub's: a warning.
    assert!(
        !errors.iter().any(|e| e.contains("message_id")),
        "{errors:#?}"
    );
    let warnings: Vec<&str> = schema.warnings().map(|f| f.message.as_str()).collect();
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "ll_envios_whatsapp.message_id missing: lmh's reference scheduler records the provider's id there"
        )),
        "{warnings:#?}"
    );
    assert!(
        errors.contains(
            &"ll_envios_whatsapp.estado enum lacks 'error': the scheduler cannot mark a refused recipient, so it retries it forever (invariant 10)"
        ),
        "{errors:#?}"
    );
    assert!(
        errors.contains(
            &"table ll_envios_whatsapp_historial missing: state changes cannot be audited (invariant 11)"
        ),
        "{errors:#?}"
    );
    assert!(
        errors.contains(
            &"ll_programaciones.hora_inicio is varchar(8), expected a time column: the scheduler cannot tell when the window opens (invariant 14)"
        ),
        "{errors:#?}"
    );
}

#[tokio::test]
async fn a_dropped_column_a_narrowed_enum_and_a_missing_key_are_named_exactly() {
    let (db, pool) = seed().await;
    narrow_the_schema(&db).await;
    let schema = doctor::probe_schema(&pool).await.unwrap();
    assert!(!schema.is_ok());
    assert_errors_and_warnings_named(&schema);
    let mut items: Vec<&str> = schema.errors().map(|f| f.item.as_str()).collect();
    items.sort();
    assert_eq!(
        items,
        [
            "ll_envios_whatsapp.estado",
            "ll_envios_whatsapp_historial",
            "ll_programacion_envios_diarios UNIQUE(programacion_id, fecha)",
            "ll_programaciones.hora_inicio",
        ]
    );
    let key = schema
        .errors()
        .find(|f| matches!(f.kind, FindingKind::MissingUniqueKey { .. }))
        .unwrap();
    assert!(
        key.message
            .starts_with("ll_programacion_envios_diarios UNIQUE(programacion_id, fecha) missing (its unique keys: PRIMARY(id)):"),
        "{}",
        key.message
    );
    // The text column lost utf8mb4, and lmh's own message_id is gone: warnings, not errors.
    let warnings: Vec<&str> = schema.warnings().map(|f| f.item.as_str()).collect();
    assert_eq!(
        warnings,
        [
            "ll_envios_whatsapp.message_id",
            "ll_envios_whatsapp.mensaje_final"
        ]
    );
    // lmh's own table is absent, as on any production database: information only.
    let claim = schema
        .findings
        .iter()
        .find(|f| f.item == "lmh_envio_intentos")
        .unwrap();
    assert_eq!(claim.severity, Severity::Info);
    assert!(!schema.has_claim_table());

    let checks = doctor::schema_checks(&schema);
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(failed.len(), 4, "{checks:#?}");
    assert!(checks.iter().all(|c| c.area == "db"));
    let lines = doctor::diagnosis(&schema, None, &[]);
    assert!(lines[0].contains("4 problems"), "{lines:#?}");
    assert!(lines[0].ends_with("; and 1 more"), "{lines:#?}");

    // The preview still reads what it needs, dating rows by their campaign instead.
    let mock = ready_mock().await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert!(!next.has_historial && !next.has_claims);
    let p1 = next.programacion(1).unwrap();
    assert_eq!(
        p1.pending.oldest_since.map(|(_, s)| s),
        Some(TimestampSource::CampaignCreated)
    );
    assert_eq!(line(&next, 1), "would send 5");
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_preview_on_a_database_without_the_scheduler_tables_says_what_is_missing() {
    let db = scratch().await;
    exec(&db, "DROP TABLE lmh_envio_intentos").await;
    exec(&db, "DROP TABLE ll_envios_whatsapp_historial").await;
    exec(&db, "DROP TABLE ll_envios_whatsapp").await;
    let pool = connect_read_only(&database_url(&db)).await.unwrap();
    let mock = ready_mock().await;
    let found = doctor::examine(
        &pool,
        &client(&mock.uri()),
        at(12, 48),
        DEFAULT_TZ,
        &StuckOptions::default(),
    )
    .await
    .unwrap();
    let err = found.next.as_ref().unwrap_err();
    assert!(matches!(err, DoctorError::Schema { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("ll_envios_whatsapp.id") && msg.contains("ll_envios_whatsapp.estado"),
        "{msg}"
    );
    let checks = found.checks();
    let skip = checks.iter().find(|c| c.name == "next tick").unwrap();
    assert_eq!(skip.outcome, Outcome::Skip);
    assert!(
        checks
            .iter()
            .any(|c| c.outcome == Outcome::Fail && c.name == "ll_envios_whatsapp")
    );
    db.drop_database().await.unwrap();
}

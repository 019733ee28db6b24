//! The preview's gates on the seed incident: weekday, window and dates in the business zone,
//! the quota, rows without a phone or text, sessions, campaigns, claims.

use super::*;

#[tokio::test]
async fn window_weekday_and_date_range_are_judged_in_the_business_zone() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    let c = client(&mock.uri());
    date_rows(&db, seed_day(6, 0)).await;

    // 08:30 in Buenos Aires is 11:30 UTC: inside programación 1's window if read in UTC.
    let early = doctor::next_tick(&pool, &c, at(8, 30), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&early, 1),
        "would skip: outside window [09:00:00, 18:00:00] at 08:30:00 (America/Argentina/Buenos_Aires)"
    );
    for id in [39, 40] {
        assert!(line(&early, id).starts_with("would skip: outside window"));
    }
    assert!(doctor::stuck(&early, &business()).is_empty());
    let schema = doctor::probe_schema(&pool).await.unwrap();
    let lines = doctor::diagnosis(&schema, Some(&early), &[]);
    assert_eq!(
        lines[1],
        "3 approved programaciones would not send now: outside window (1, 39, 40)"
    );

    // Wednesday: programación 40 runs tue,thu only.
    let wednesday = doctor::next_tick(&pool, &c, local(2026, 1, 14, 13, 0), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&wednesday, 40),
        "would skip: wed not in dias_semana \"tue,thu\""
    );
    assert_eq!(line(&wednesday, 1), "would send 5");

    // February: programación 39 ended on January 31.
    let february = doctor::next_tick(&pool, &c, local(2026, 2, 3, 12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&february, 39),
        "would skip: outside its date range [2026-01-10, 2026-01-31] on 2026-02-03"
    );

    // Day names the scheduler does not read are named.
    exec(
        &db,
        "UPDATE ll_programaciones SET dias_semana = 'lunes,martes' WHERE id = 40",
    )
    .await;
    let next = doctor::next_tick(&pool, &c, at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&next, 40),
        "would skip: tue not in dias_semana \"lunes,martes\" (lunes, martes not a weekday the scheduler reads: use sun,mon,tue,wed,thu,fri,sat)"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn quota_is_todays_counter_in_the_business_zone() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    for (p, fecha, n) in [
        (40, "2026-01-13", 30),
        (1, "2026-01-13", 48),
        (39, "2026-01-12", 50),
    ] {
        sqlx::query(
            "INSERT INTO ll_programacion_envios_diarios (programacion_id, fecha, enviados) VALUES (?, ?, ?)",
        )
        .bind(p)
        .bind(fecha)
        .bind(n)
        .execute(db.pool())
        .await
        .unwrap();
    }
    date_rows(&db, seed_day(6, 0)).await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&next, 40),
        "would skip: quota exhausted (30 of cupo_diario 30 sent on 2026-01-13)"
    );
    assert_eq!(line(&next, 1), "would send 2");
    assert_eq!(next.programacion(1).unwrap().quota_left, Some(2));
    // Yesterday's counter does not count today.
    assert_eq!(line(&next, 39), "would send 5");
    // An exhausted quota is not stuck; the other two are (nothing sent since 09:00 / 10:00).
    let ids: Vec<i64> = doctor::stuck(&next, &business())
        .iter()
        .map(|s| s.programacion_id)
        .collect();
    assert_eq!(ids, [1, 39]);
    let schema = doctor::probe_schema(&pool).await.unwrap();
    let lines = doctor::diagnosis(&schema, Some(&next), &[]);
    assert!(
        lines.contains(&"2 approved programaciones of cliente 51 (1, 39) are in window with 10 pendientes and quota left".to_string()),
        "{lines:#?}"
    );
    assert!(
        lines.contains(
            &"1 approved programación would not send now: quota exhausted (40)".to_string()
        ),
        "{lines:#?}"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn rows_without_a_valid_phone_or_text_are_counted_as_the_scheduler_would_mark_them() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    exec(
        &db,
        "INSERT INTO ll_envios_whatsapp (campania_id, telefono_wapp, mensaje_final) VALUES
           (46, NULL, 'Hola'), (46, '+54 9 11 3456-7890', 'Hola'), (46, '5491100000001', '   ')",
    )
    .await;
    let c = client(&mock.uri());
    let next = doctor::next_tick(&pool, &c, at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    let p = next.programacion(40).unwrap();
    assert_eq!(
        (
            p.pending.total,
            p.pending.sendable,
            p.pending.sin_telefono,
            p.pending.telefono_invalido,
            p.pending.sin_texto
        ),
        (8, 5, 1, 1, 1)
    );
    assert_eq!(
        line(&next, 40),
        "would send 5 and mark 3 error (no valid phone or text)"
    );
    // With two sends left, the batch stops before reaching the bad rows (they come last).
    exec(
        &db,
        "INSERT INTO ll_programacion_envios_diarios (programacion_id, fecha, enviados) VALUES (40, '2026-01-13', 28)",
    )
    .await;
    let next = doctor::next_tick(&pool, &c, at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        next.programacion(40).unwrap().verdict,
        Verdict::WouldSend {
            rows: 2,
            to_error: 0
        }
    );
    let schema = doctor::probe_schema(&pool).await.unwrap();
    let lines = doctor::diagnosis(&schema, Some(&next), &[]);
    assert_eq!(
        lines[1],
        "3 approved programaciones of cliente 51 (1, 39, 40) are in window with 18 pendientes (3 without a valid phone or text) and quota left"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_session_that_is_not_ready_is_a_warning_not_a_stuck_row() {
    let (db, pool) = seed().await;
    let mock = MockSessionManager::start().await;
    mock.set_state(51, SessionState::QrRequired);
    date_rows(&db, seed_day(6, 0)).await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&next, 1),
        "would skip: cliente 51's session is QR_REQUIRED (Scan QR code to authenticate)"
    );
    assert_eq!(
        next.programacion(1).unwrap().verdict,
        Verdict::WouldSkip(Skip::SessionNotReady {
            cliente_id: 51,
            state: SessionState::QrRequired
        })
    );
    assert!(doctor::stuck(&next, &business()).is_empty());
    let schema = doctor::probe_schema(&pool).await.unwrap();
    let checks = doctor::to_checks(&schema, Some(&next), &[]);
    let session = checks
        .iter()
        .find(|c| c.name == "session cliente 51")
        .unwrap();
    assert_eq!(session.outcome, Outcome::Warn);
    assert!(checks.iter().all(|c| c.outcome != Outcome::Fail));
    let lines = doctor::diagnosis(&schema, Some(&next), &[]);
    assert_eq!(
        lines[2],
        "cliente 51's session is QR_REQUIRED (Scan QR code to authenticate): nothing is sent until it is READY"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_campaign_not_in_progress_or_missing_is_named() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    exec(
        &db,
        "UPDATE ll_campanias_whatsapp SET estado = 'finalizado' WHERE id = 45",
    )
    .await;
    // Production databases have orphans the foreign key would refuse today.
    helpers::execute_unchecked(
        db.pool(),
        sqlx::query(
            "INSERT INTO ll_programaciones (id, campania_id, cliente_id, dias_semana, hora_inicio, hora_fin, cupo_diario, fecha_inicio, estado)
             VALUES (50, 999, 51, 'tue', '09:00:00', '18:00:00', 10, '2026-01-01', 'aprobada')",
        ),
    )
    .await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&next, 39),
        "would skip: campaign 45 is \"finalizado\", not en_progreso"
    );
    assert_eq!(line(&next, 50), "would skip: campaign 999 does not exist");
    let schema = doctor::probe_schema(&pool).await.unwrap();
    let checks = doctor::to_checks(&schema, Some(&next), &[]);
    for name in ["programación 39", "programación 50"] {
        let c = checks.iter().find(|c| c.name == name).unwrap();
        assert_eq!(c.outcome, Outcome::Warn, "{c:?}");
    }
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn rows_claimed_by_lmh_are_not_counted_as_sendable() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    exec(
        &db,
        "INSERT INTO lmh_envio_intentos (envio_id, programacion_id, worker, claimed_at, resultado)
         VALUES (1, 1, 'lmh-dead', '2026-01-13 15:00:00', 'desconocido')",
    )
    .await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert!(next.has_claims);
    let p = next.programacion(1).unwrap();
    assert_eq!((p.pending.total, p.pending.sendable), (5, 4));
    assert_eq!((p.pending.claimed, p.pending.outcome_unknown), (1, 1));
    assert_eq!(p.pending.oldest_id, Some(2));
    assert_eq!(line(&next, 1), "would send 4");
    db.drop_database().await.unwrap();
}

/// A released claim (a send that certainly failed, attempts left) is sent again by the
/// scheduler, so the preview counts it as sendable, not as held.
#[tokio::test]
async fn rows_released_for_another_attempt_are_counted_as_sendable() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    exec(
        &db,
        "INSERT INTO lmh_envio_intentos (envio_id, programacion_id, worker, claimed_at, intentos, resultado)
         VALUES (1, 1, 'lmh-a', '2026-01-13 15:00:00', 2, 'reintentar')",
    )
    .await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    let p = next.programacion(1).unwrap();
    assert_eq!((p.pending.total, p.pending.sendable), (5, 5));
    assert_eq!(p.pending.claimed, 0);
    assert_eq!(p.pending.oldest_id, Some(1));
    db.drop_database().await.unwrap();
}

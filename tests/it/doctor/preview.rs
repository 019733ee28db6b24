//! The seed incident previewed with a READY session: what the next tick would send, and
//! that nothing was sent.

use super::*;

#[tokio::test]
async fn the_seed_incident_with_a_ready_session_would_send_every_row_and_sends_nothing() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    let schema = doctor::probe_schema(&pool).await.unwrap();
    assert!(schema.is_ok(), "{:#?}", schema.findings);
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(next.local_now, seed_day(12, 48));
    let ids: Vec<i64> = next.programaciones.iter().map(|p| p.id).collect();
    assert_eq!(ids, [1, 39, 40]);
    for id in [1, 39, 40] {
        assert_eq!(line(&next, id), "would send 5", "programación {id}");
        let p = next.programacion(id).unwrap();
        assert!(p.in_date_range && p.runs_today && p.in_window);
        assert_eq!(p.campaign_estado.as_deref(), Some("en_progreso"));
        assert_eq!(p.pending.total, 5);
        assert_eq!(p.pending.unsendable(), 0);
    }
    assert_eq!(next.programacion(40).unwrap().quota_left, Some(30));
    assert_eq!(next.would_send(), 15);
    assert!(next.sessions[&51].is_ready());

    let lines = doctor::diagnosis(&schema, Some(&next), &[]);
    assert_eq!(
        lines[1],
        "3 approved programaciones of cliente 51 (1, 39, 40) are in window with 15 pendientes and quota left"
    );
    assert_eq!(
        lines[2],
        format!(
            "cliente 51's session is READY at {}: the next tick would send 15 (programación 1: 5, 39: 5, 40: 5)",
            mock.uri()
        )
    );
    let checks = doctor::to_checks(&schema, Some(&next), &[]);
    assert!(
        checks.iter().all(|c| c.outcome == Outcome::Pass),
        "{checks:#?}"
    );

    // Only GET /status was asked, once for the one client; nothing was sent, claimed or written.
    let journal = mock.journal();
    let asked: Vec<String> = journal.iter().map(|e| e.label()).collect();
    assert_eq!(asked, ["GET /status"]);
    assert!(mock.deliveries().is_empty());
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM ll_envios_whatsapp WHERE estado = 'pendiente'"
        )
        .await,
        15
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lmh_envio_intentos").await,
        0
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM ll_programacion_envios_diarios").await,
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM ll_programaciones WHERE locked_by IS NOT NULL"
        )
        .await,
        0
    );
    db.drop_database().await.unwrap();
}

/// A production table may store the phone as a number: the preview reads its rows into the
/// one envio type all the same, and counts them as the scheduler would.
#[tokio::test]
async fn a_phone_stored_as_a_number_is_read_as_its_digits() {
    let (db, pool) = seed().await;
    exec(
        &db,
        "ALTER TABLE ll_envios_whatsapp MODIFY telefono_wapp bigint unsigned",
    )
    .await;
    let mock = ready_mock().await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    for id in [1, 39, 40] {
        let p = next.programacion(id).unwrap();
        assert_eq!((p.pending.total, p.pending.sendable), (5, 5), "{id}");
    }
    assert_eq!(next.would_send(), 15);
    db.drop_database().await.unwrap();
}

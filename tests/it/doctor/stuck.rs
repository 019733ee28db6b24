//! Stuck pendiente (invariant 16): rows that wait past the threshold, dated in the right zone.

use super::*;

/// The programaciones `doctor::stuck` names, in order.
fn stuck_ids(next: &NextTick, options: &StuckOptions) -> Vec<i64> {
    doctor::stuck(next, options)
        .iter()
        .map(|s| s.programacion_id)
        .collect()
}

/// The seed incident, READY, its rows dated 09:00: a preview at 12:48 and its stuck rows.
async fn waiting_since_nine() -> (
    ScratchDb,
    MySqlPool,
    SessionManagerClient,
    MockSessionManager,
) {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    let c = client(&mock.uri());
    date_rows(&db, seed_day(9, 0)).await;
    (db, pool, c, mock)
}

#[tokio::test]
async fn ready_rows_that_wait_past_the_threshold_are_stuck_with_a_diagnosis() {
    let (db, pool, c, _mock) = waiting_since_nine().await;
    let next = doctor::next_tick(&pool, &c, at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();

    // Rows since 09:00, nothing sent today: idle since the later of the rows and the window.
    let stuck = doctor::stuck(&next, &business());
    assert_eq!(stuck_ids(&next, &business()), [1, 39, 40]);
    let idle = |id: i64| match &stuck
        .iter()
        .find(|s| s.programacion_id == id)
        .unwrap()
        .cause
    {
        StuckCause::NothingSent { idle, .. } => idle.num_minutes(),
        other => panic!("{other:?}"),
    };
    assert_eq!((idle(1), idle(39), idle(40)), (228, 168, 48));
    let d = &stuck[0].diagnosis;
    assert!(
        d.contains("session READY, yet nothing sent for 228 min"),
        "{d}"
    );
    assert!(d.contains("AUTO_CAMPAIGNS_ENABLED"), "{d}");
    assert!(d.contains("ll_envios_whatsapp_historial.created_at"), "{d}");

    // A longer threshold spares programación 40, whose window opened at 12:00.
    let hour = StuckOptions {
        threshold: Duration::from_secs(60 * 60),
        ..business()
    };
    assert_eq!(stuck_ids(&next, &hour), [1, 39]);

    let schema = doctor::probe_schema(&pool).await.unwrap();
    let checks = doctor::to_checks(&schema, Some(&next), &stuck);
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        failed,
        ["programación 1", "programación 39", "programación 40"]
    );
    let lines = doctor::diagnosis(&schema, Some(&next), &stuck);
    assert_eq!(lines.iter().filter(|l| l.starts_with("stuck: ")).count(), 3);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_recent_send_or_recent_rows_are_not_stuck() {
    let (db, pool, c, _mock) = waiting_since_nine().await;
    // A send 8 minutes ago means programación 1 is moving.
    sqlx::query(
        "UPDATE ll_envios_whatsapp SET estado = 'enviado', fecha_envio = ?, message_id = 'x1' WHERE id = 1",
    )
    .bind(seed_day(12, 40))
    .execute(db.pool())
    .await
    .unwrap();
    let next = doctor::next_tick(&pool, &c, at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        next.programacion(1).unwrap().last_fecha_envio,
        Some(seed_day(12, 40))
    );
    assert_eq!(stuck_ids(&next, &business()), [39, 40]);

    // Rows that arrived three minutes ago are not stuck.
    date_rows(&db, seed_day(12, 45)).await;
    let next = doctor::next_tick(&pool, &c, at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert!(doctor::stuck(&next, &business()).is_empty());
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn server_zone_timestamps_are_read_with_the_servers_offset() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    let offset: i64 = count(
        &db,
        "SELECT CAST(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW()) AS SIGNED)",
    )
    .await;
    // Stored as the server's CURRENT_TIMESTAMP would have written them.
    let as_server = |t: DateTime<Utc>| (t + chrono::Duration::seconds(offset)).naive_utc();
    let now = at(12, 48);
    date_rows(&db, as_server(now - chrono::Duration::hours(2))).await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), now, DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(next.db_utc_offset.num_seconds(), offset);
    let stuck = doctor::stuck(&next, &StuckOptions::default());
    assert_eq!(stuck.len(), 3);
    match &stuck[0].cause {
        StuckCause::NothingSent { since, .. } => {
            assert_eq!(*since, now - chrono::Duration::hours(2))
        }
        other => panic!("{other:?}"),
    }
    date_rows(&db, as_server(now - chrono::Duration::minutes(5))).await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), now, DEFAULT_TZ)
        .await
        .unwrap();
    assert!(doctor::stuck(&next, &StuckOptions::default()).is_empty());
    db.drop_database().await.unwrap();
}

//! The reference scheduler against a real MariaDB and the mock: the rules of docs/system.md §5,
//! done right per docs/invariants.md 8–15, and each historical bug caught by the invariant checks.

use crate::helpers;

use std::time::Duration;

use helpers::{TestApp, failed, seed_day};
use lmh::invariants::Expected;
use lmh::mock::{Fault, FaultKind};
use lmh::scheduler::{Event, HistoricalBug, Rules, SchedulerConfig};
use lmh::session::SessionState;
use serde_json::json;

fn all(ids: &[i64], e: Expected) -> Vec<(i64, Expected)> {
    ids.iter().map(|id| (*id, e)).collect()
}

#[tokio::test]
async fn happy_path_sends_every_row_once_and_records_it_in_one_go() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 5).await;
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(report.sent, 5, "{:#?}", report.decisions);
    assert_eq!(app.count("enviado").await, 5);
    assert_eq!(app.counter(1).await, 5);
    // The next tick finds nothing left.
    let again = app.scheduler().tick().await.unwrap();
    assert_eq!(again.sent, 0);
    assert_eq!(again.count(Event::NothingPending), 1);
    assert_eq!(app.mock.deliveries().len(), 5);
    app.assert_invariants_hold(&all(&ids, Expected::Enviado))
        .await;
    app.drop().await;
}

#[tokio::test]
async fn quota_is_respected_across_ticks() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 3, 5).await;
    let scheduler = app.scheduler();
    assert_eq!(scheduler.tick().await.unwrap().sent, 3);
    let second = scheduler.tick().await.unwrap();
    assert_eq!(second.sent, 0);
    assert_eq!(second.count(Event::SkipQuotaExhausted), 1);
    assert_eq!(app.counter(1).await, 3);
    let mut expected = all(&ids[..3], Expected::Enviado);
    expected.extend(all(&ids[3..], Expected::Pendiente));
    app.assert_invariants_hold(&expected).await;
    app.drop().await;
}

#[tokio::test]
async fn nothing_is_sent_outside_the_window_in_the_business_zone() {
    // 08:30 in Buenos Aires is 11:30 UTC: inside the window if one wrongly used UTC.
    let app = TestApp::spawn(seed_day(8, 30)).await;
    app.campaign(1, 51, 50, 2).await;
    let scheduler = app.scheduler();
    let early = scheduler.tick().await.unwrap();
    assert_eq!(early.sent, 0);
    assert_eq!(early.count(Event::SkipWindow), 1);
    app.clock.advance(Duration::from_secs(30 * 60));
    assert_eq!(scheduler.tick().await.unwrap().sent, 2);
    app.drop().await;
}

#[tokio::test]
async fn a_session_that_is_not_ready_sends_nothing() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 3).await;
    for state in [
        SessionState::QrRequired,
        SessionState::DisconnectedBanned,
        SessionState::Initializing,
        SessionState::Error,
    ] {
        app.mock.set_state(51, state);
        let report = app.scheduler().tick().await.unwrap();
        assert_eq!(report.sent, 0);
        assert_eq!(report.count(Event::SkipSessionNotReady), 1, "{state}");
    }
    assert!(
        app.mock
            .journal()
            .iter()
            .all(|e| e.operation.as_deref() != Some("send"))
    );
    app.assert_invariants_hold(&all(&ids, Expected::Pendiente))
        .await;
    app.drop().await;
}

#[tokio::test]
async fn gates_campaign_programacion_and_dates() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let a = app.campaign(1, 51, 50, 1).await;
    let b = app.campaign(2, 52, 50, 1).await;
    let c = app.campaign(3, 53, 50, 1).await;
    sqlx::query("UPDATE ll_campanias_whatsapp SET estado = 'pendiente' WHERE id = 1")
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE ll_programaciones SET estado = 'pausada' WHERE id = 2")
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE ll_programaciones SET fecha_fin = '2026-01-12' WHERE id = 3")
        .execute(app.pool())
        .await
        .unwrap();
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(report.sent, 0);
    assert_eq!(
        report.count(Event::SkipCampaignNotInProgress),
        1,
        "{:#?}",
        report.decisions
    );
    assert!(
        app.mock
            .journal()
            .iter()
            .all(|e| e.operation.as_deref() != Some("send"))
    );
    let expected: Vec<_> = [a, b, c]
        .concat()
        .into_iter()
        .map(|id| (id, Expected::Pendiente))
        .collect();
    assert!(failed(&app.invariants(&expected).await).is_empty());
    app.drop().await;
}

#[tokio::test]
async fn dry_run_makes_zero_sends_and_writes_nothing() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    app.campaign(1, 51, 50, 4).await;
    let scheduler = app.scheduler_with(SchedulerConfig {
        dry_run: true,
        ..app.config()
    });
    let report = scheduler.tick().await.unwrap();
    assert_eq!(report.count(Event::DryRunWouldSend), 4);
    assert_eq!(app.count("pendiente").await, 4);
    assert!(
        app.mock
            .journal()
            .iter()
            .all(|e| e.operation.as_deref() != Some("send"))
    );
    let locked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ll_programaciones WHERE locked_at IS NOT NULL OR locked_by IS NOT NULL")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(locked, 0, "a dry run takes no lock");
    let historial: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ll_envios_whatsapp_historial")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(historial, 0);
    let intentos: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lmh_envio_intentos")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(intentos, 0);
    app.drop().await;
}

#[tokio::test]
async fn recipient_failures_mark_error_and_never_reach_the_provider() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 2).await;
    sqlx::query("UPDATE ll_envios_whatsapp SET telefono_wapp = '+54 9 11 3456-7890' WHERE id = ?")
        .bind(ids[0])
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE ll_envios_whatsapp SET telefono_wapp = NULL WHERE id = ?")
        .bind(ids[1])
        .execute(app.pool())
        .await
        .unwrap();
    let more = {
        let r = sqlx::query("INSERT INTO ll_envios_whatsapp (campania_id, telefono_wapp, mensaje_final) VALUES (1, '5491155550001', 'ok ✅')").execute(app.pool()).await.unwrap();
        r.last_insert_id() as i64
    };
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(
        (report.sent, report.errors),
        (1, 2),
        "{:#?}",
        report.decisions
    );
    assert_eq!(app.estado(ids[0]).await, "error");
    assert_eq!(
        app.mock.deliveries()[0].json_body().unwrap()["to"],
        "5491155550001@c.us"
    );
    let detalle: String =
        sqlx::query_scalar("SELECT detalle FROM ll_envios_whatsapp_historial WHERE envio_id = ?")
            .bind(ids[0])
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert!(detalle.contains("invalid phone"), "{detalle}");
    let checks = app
        .invariants(&[
            (ids[0], Expected::Error),
            (ids[1], Expected::Error),
            (more, Expected::Enviado),
        ])
        .await;
    assert!(failed(&checks).is_empty(), "{:#?}", failed(&checks));
    app.drop().await;
}

#[tokio::test]
async fn a_session_level_failure_stops_the_batch_and_leaves_rows_pendiente() {
    // A recipient-level SEND_FAILED ("Phone not registered") marks that row error; the batch goes on.
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 4).await;
    app.mock
        .inject(Fault::on("send", FaultKind::SendFailsForRecipient).times(1));
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!((report.sent, report.errors), (3, 1));
    assert_eq!(app.estado(ids[0]).await, "error");

    // READY on /status but /send fails because the library lost its page: the browser may
    // have crashed after WhatsApp took the message, so that row is an unknown outcome, never
    // re-sent; the batch stops and the next tick sends the rest.
    let app3 = TestApp::spawn(seed_day(10, 0)).await;
    let ids3 = app3.campaign(1, 51, 50, 4).await;
    app3.mock
        .inject(Fault::on("send", FaultKind::SendFailsWhileReady).times(1));
    let report = app3.scheduler().tick().await.unwrap();
    assert_eq!(
        (report.sent, report.errors),
        (0, 0),
        "{:#?}",
        report.decisions
    );
    assert_eq!(report.unknown, vec![ids3[0]]);
    assert_eq!(app3.count("pendiente").await, 4);
    assert_eq!(app3.scheduler().tick().await.unwrap().sent, 3);
    let mut expected = all(&ids3[1..], Expected::Enviado);
    expected.push((ids3[0], Expected::Pendiente));
    assert!(failed(&app3.invariants(&expected).await).is_empty());
    app3.drop().await;

    let app2 = TestApp::spawn(seed_day(10, 0)).await;
    let ids2 = app2.campaign(1, 51, 50, 4).await;
    app2.mock.inject(Fault::on("send", FaultKind::Status(409, Some(json!({"error":true,"code":"SESSION_NOT_READY","message":"WhatsApp session not ready. Current state: DISCONNECTED_RECOVERABLE"})))).times(1));
    let report = app2.scheduler().tick().await.unwrap();
    assert_eq!(report.sent, 0);
    assert_eq!(report.count(Event::BatchStopped), 1);
    assert_eq!(
        app2.count("pendiente").await,
        4,
        "a session outage must not burn rows"
    );
    // The claim was released: the next tick sends everything.
    assert_eq!(app2.scheduler().tick().await.unwrap().sent, 4);
    assert!(failed(&app2.invariants(&all(&ids2, Expected::Enviado)).await).is_empty());
    app.drop().await;
    app2.drop().await;
}

#[tokio::test]
async fn an_unknown_outcome_is_never_resent() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 3).await;
    // The provider sends, but answers after the client gave up.
    app.mock
        .inject(Fault::on("send", FaultKind::Latency(Duration::from_secs(2))).times(1));
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(report.unknown, vec![ids[0]]);
    assert_eq!(report.count(Event::OutcomeUnknown), 1);
    for _ in 0..3 {
        app.clock.advance(Duration::from_secs(60));
        app.scheduler().tick().await.unwrap();
    }
    assert_eq!(app.estado(ids[0]).await, "pendiente");
    let to_first = app
        .mock
        .deliveries()
        .iter()
        .filter(|d| {
            d.json_body().unwrap()["message"]
                .as_str()
                .unwrap()
                .contains("nº0 ")
        })
        .count();
    assert_eq!(
        to_first, 1,
        "the row whose outcome is unknown went out exactly once"
    );
    assert_eq!(app.count("enviado").await, 2);
    let checks = app
        .invariants(&[
            (ids[0], Expected::Pendiente),
            (ids[1], Expected::Enviado),
            (ids[2], Expected::Enviado),
        ])
        .await;
    assert!(failed(&checks).is_empty(), "{:#?}", failed(&checks));
    let unknown = checks
        .iter()
        .find(|c| c.name.contains("unknown outcomes"))
        .unwrap();
    assert_eq!(unknown.outcome, lmh::report::Outcome::Warn);
    app.drop().await;
}

#[tokio::test]
async fn a_provider_that_repeats_ids_or_sends_sentinels_proves_nothing() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 2).await;
    app.mock
        .inject(Fault::on("send", FaultKind::SendConstantId));
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(report.sent, 0);
    assert_eq!(app.count("enviado").await, 0);
    assert_eq!(report.unknown.len(), 1, "{:#?}", report.decisions);
    assert!(failed(&app.invariants(&all(&ids, Expected::Pendiente)).await).is_empty());
    app.drop().await;
}

#[tokio::test]
async fn two_schedulers_on_one_database_never_send_the_same_row() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 500, 40).await;
    // A second approved programación of the same campaign: both pull from the same rows.
    sqlx::query(
        "INSERT INTO ll_programaciones (id, campania_id, cliente_id, dias_semana, hora_inicio, hora_fin, cupo_diario, fecha_inicio, estado)
         VALUES (2, 1, 51, 'tue', '00:00:00', '23:59:59', 500, '2026-01-01', 'aprobada')",
    )
    .execute(app.pool()).await.unwrap();
    let a = app.scheduler_with(SchedulerConfig {
        worker_id: "hub-a".into(),
        ..app.config()
    });
    let b = app.scheduler_with(SchedulerConfig {
        worker_id: "hub-b".into(),
        ..app.config()
    });
    let (ra, rb) = tokio::join!(a.tick(), b.tick());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.sent + rb.sent, 40);
    assert_eq!(app.mock.deliveries().len(), 40);
    app.assert_invariants_hold(&all(&ids, Expected::Enviado))
        .await;
    app.drop().await;
}

#[tokio::test]
async fn a_stale_lock_is_taken_over_and_a_live_one_respected() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    app.campaign(1, 51, 50, 1).await;
    let now_utc = app.clock.now().naive_utc();
    sqlx::query("UPDATE ll_programaciones SET locked_by = 'hub-alive', locked_at = ? WHERE id = 1")
        .bind(now_utc - chrono::Duration::seconds(30))
        .execute(app.pool())
        .await
        .unwrap();
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(report.count(Event::SkipLocked), 1);
    assert_eq!(report.sent, 0);
    sqlx::query("UPDATE ll_programaciones SET locked_by = 'hub-dead', locked_at = ? WHERE id = 1")
        .bind(now_utc - chrono::Duration::hours(2))
        .execute(app.pool())
        .await
        .unwrap();
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(report.count(Event::LockTakenOver), 1);
    assert_eq!(report.sent, 1);
    app.drop().await;
}

#[tokio::test]
async fn a_crash_mid_batch_leaves_no_duplicate_and_a_correct_counter() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 5).await;
    // The first send hangs at the provider; the process dies while it is in flight.
    app.mock
        .inject(Fault::on("send", FaultKind::Latency(Duration::from_millis(500))).times(1));
    let mut config = app.config();
    config.worker_id = "hub-crashing".into();
    let crashing = app.scheduler_with(config);
    let in_flight = async {
        // The mock journals a request when it arrives, before the injected delay.
        while app
            .mock
            .journal()
            .iter()
            .all(|e| e.operation.as_deref() != Some("send"))
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::select! {
        _ = crashing.tick() => panic!("the tick must still be waiting for the provider"),
        _ = in_flight => {}
    }
    drop(crashing);
    tokio::time::sleep(Duration::from_millis(600)).await;
    // A new process, after the lock timeout.
    app.clock.advance(Duration::from_secs(11 * 60));
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(
        report.count(Event::LockTakenOver),
        1,
        "{:#?}",
        report.decisions
    );
    assert_eq!(report.sent, 4);
    assert_eq!(app.counter(1).await, 4);
    let mut expected = vec![(ids[0], Expected::Pendiente)];
    expected.extend(all(&ids[1..], Expected::Enviado));
    app.assert_invariants_hold(&expected).await;
    app.drop().await;
}

/// Each historical bug, re-introduced, is caught by the invariant that was written for it.
mod historical_bugs {
    use super::*;

    async fn run_with(bug: HistoricalBug, app: &TestApp) {
        let scheduler = app.scheduler_with(SchedulerConfig {
            rules: Rules::historical(bug),
            ..app.config()
        });
        for _ in 0..3 {
            scheduler.tick().await.unwrap();
            app.clock.advance(Duration::from_secs(60));
        }
    }

    fn caught(checks: &[lmh::report::Check], invariant: &str) -> bool {
        failed(checks).iter().any(|f| f.starts_with(invariant))
    }

    #[tokio::test]
    async fn mark_before_send_is_caught_as_phantom_enviado() {
        let app = TestApp::spawn(seed_day(10, 0)).await;
        let ids = app.campaign(1, 51, 50, 3).await;
        app.mock.set_state(51, SessionState::Ready);
        app.mock.inject(Fault::on("send", FaultKind::Status(409, Some(json!({"error":true,"code":"SESSION_NOT_READY","message":"WhatsApp session not ready. Current state: DISCONNECTED_RECOVERABLE"})))));
        run_with(HistoricalBug::MarkBeforeSend, &app).await;
        let checks = app.invariants(&all(&ids, Expected::Pendiente)).await;
        assert!(caught(&checks, "I6/I8"), "{:#?}", failed(&checks));
        app.drop().await;
    }

    #[tokio::test]
    async fn no_claim_is_caught_as_a_duplicate_send() {
        let app = TestApp::spawn(seed_day(10, 0)).await;
        let ids = app.campaign(1, 51, 50, 2).await;
        app.mock
            .inject(Fault::on("send", FaultKind::Latency(Duration::from_secs(1))).times(1));
        run_with(HistoricalBug::NoClaim, &app).await;
        let checks = app.invariants(&all(&ids, Expected::Enviado)).await;
        assert!(
            caught(&checks, "I9 at most one send"),
            "{:#?}",
            failed(&checks)
        );
        app.drop().await;
    }

    #[tokio::test]
    async fn a_counter_not_incremented_is_caught() {
        let app = TestApp::spawn(seed_day(10, 0)).await;
        let ids = app.campaign(1, 51, 50, 3).await;
        run_with(HistoricalBug::NoCounter, &app).await;
        let checks = app.invariants(&all(&ids, Expected::Enviado)).await;
        assert!(caught(&checks, "I12"), "{:#?}", failed(&checks));
        app.drop().await;
    }

    #[tokio::test]
    async fn a_window_in_process_time_is_caught() {
        // 07:00 in Buenos Aires is 10:00 UTC: in window for a scheduler that reads UTC.
        let app = TestApp::spawn(seed_day(7, 0)).await;
        let ids = app.campaign(1, 51, 50, 2).await;
        run_with(HistoricalBug::WindowInProcessTime, &app).await;
        let checks = app.invariants(&all(&ids, Expected::Pendiente)).await;
        assert!(caught(&checks, "I14"), "{:#?}", failed(&checks));
        app.drop().await;
    }

    #[tokio::test]
    async fn the_reference_scheduler_passes_the_same_scenarios() {
        let app = TestApp::spawn(seed_day(7, 0)).await;
        let ids = app.campaign(1, 51, 50, 2).await;
        let scheduler = app.scheduler();
        for _ in 0..3 {
            scheduler.tick().await.unwrap();
            app.clock.advance(Duration::from_secs(60));
        }
        app.assert_invariants_hold(&all(&ids, Expected::Pendiente))
            .await;
        app.drop().await;
    }
}

/// A batch paced over longer than the lock timeout keeps its lock alive: a second scheduler
/// that ticks meanwhile respects it, and the quota holds (invariants 12 and 13).
#[tokio::test]
async fn a_long_paced_batch_keeps_its_lock_and_the_quota_holds() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 20, 30).await;
    // Real latency so the second scheduler can tick while the first is mid-batch: quick for
    // the first twelve sends, then slow enough (8 x 250 ms) that B surely ticks meanwhile.
    app.mock
        .inject(Fault::on("send", FaultKind::Latency(Duration::from_millis(5))).times(12));
    app.mock.inject(Fault::on(
        "send",
        FaultKind::Latency(Duration::from_millis(250)),
    ));
    let a = app.scheduler_with(SchedulerConfig {
        worker_id: "hub-a".into(),
        pacing: lmh::scheduler::Pacing {
            min: Duration::from_secs(60),
            max: Duration::from_secs(60),
        },
        tick_budget: None,
        ..app.config()
    });
    let b = app.scheduler_with(SchedulerConfig {
        worker_id: "hub-b".into(),
        ..app.config()
    });
    let first = async { a.tick().await.unwrap() };
    let second = async {
        // Twelve sends at 60 s each: A's lock was taken more than 10 virtual minutes ago.
        while app.mock.deliveries().len() < 12 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        b.tick().await.unwrap()
    };
    let (ra, rb) = tokio::join!(first, second);
    assert_eq!(rb.count(Event::SkipLocked), 1, "{:#?}", rb.decisions);
    assert_eq!(rb.sent, 0);
    assert_eq!(ra.sent, 20);
    assert_eq!(app.counter(1).await, 20);
    let mut expected = all(&ids[..20], Expected::Enviado);
    expected.extend(all(&ids[20..], Expected::Pendiente));
    app.assert_invariants_hold(&expected).await;
    app.drop().await;
}

/// A hostile id (too long for the column, or not printable ASCII) is a protocol error: the send
/// may have gone out, so the row is left for a person; the tick goes on.
#[tokio::test]
async fn a_hostile_message_id_is_an_unknown_outcome_not_a_crash() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 2).await;
    let long = "x".repeat(300);
    app.mock.inject(
        Fault::on(
            "send",
            FaultKind::Status(200, Some(json!({"ok": true, "message_id": long}))),
        )
        .times(1),
    );
    let report = app.scheduler().tick().await.expect("the tick survives");
    assert_eq!(report.unknown, vec![ids[0]]);
    assert_eq!(app.estado(ids[0]).await, "pendiente");
    assert!(failed(&app.invariants(&all(&ids, Expected::Pendiente)).await).is_empty());
    app.drop().await;
}

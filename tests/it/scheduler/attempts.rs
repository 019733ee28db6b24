//! Bounded attempts per row (README "Attempts"): a `/send` failure that may follow a real
//! delivery is never retried; one that certainly sent nothing is retried at most
//! `max_attempts` times, each recorded, then the row is `error`. Checked from the database.

use crate::helpers;

use std::time::Duration;

use helpers::{TestApp, failed, seed_day};
use lmh::invariants::{Evidence, Expected};
use lmh::mock::{Fault, FaultKind};
use lmh::report::Outcome;
use lmh::scheduler::Event;
use serde_json::json;

/// `POST /send` requests (answered or not) whose body went to the phone of row `nº{i}`.
fn sends_to_row(app: &TestApp, i: usize) -> usize {
    app.mock
        .journal()
        .iter()
        .filter(|e| e.path == "/send" && e.body.contains(&format!("nº{i} ")))
        .count()
}

async fn ticks(app: &TestApp, n: usize) -> Vec<lmh::scheduler::TickReport> {
    let scheduler = app.scheduler();
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(scheduler.tick().await.unwrap());
        app.clock.advance(Duration::from_secs(60));
    }
    out
}

async fn intentos(app: &TestApp, envio: i64) -> (i32, String, String) {
    sqlx::query_as(
        "SELECT intentos, CAST(resultado AS CHAR), COALESCE(detalle, '') FROM lmh_envio_intentos WHERE envio_id = ?",
    )
    .bind(envio)
    .fetch_one(app.pool())
    .await
    .unwrap()
}

/// The 180-sends bug: a 500 that can follow a real delivery left the row pendiente and
/// unclaimed, so every tick sent it again. Now it is sent once and left for a person.
#[tokio::test]
async fn a_500_after_a_possible_delivery_is_sent_once_and_left_for_a_person() {
    for (name, fault) in [
        ("SEND_FAILED while READY", FaultKind::SendFailsWhileReady),
        (
            "INTERNAL_ERROR",
            FaultKind::Status(
                500,
                Some(json!({"error": true, "code": "INTERNAL_ERROR", "message": "boom"})),
            ),
        ),
    ] {
        let app = TestApp::spawn(seed_day(10, 0)).await;
        let ids = app.campaign(1, 51, 50, 2).await;
        app.mock.inject(Fault::on("send", fault));
        let reports = ticks(&app, 5).await;
        assert_eq!(sends_to_row(&app, 0), 1, "{name}: the row was re-sent");
        assert_eq!(reports[0].unknown, vec![ids[0]], "{name}");
        assert_eq!(app.estado(ids[0]).await, "pendiente", "{name}");
        let (n, resultado, _) = intentos(&app, ids[0]).await;
        assert_eq!((n, resultado.as_str()), (1, "desconocido"), "{name}");
        let checks = app.invariants(&[(ids[0], Expected::Pendiente)]).await;
        assert!(failed(&checks).is_empty(), "{name}: {:#?}", failed(&checks));
        app.drop().await;
    }
}

/// A failure that proves nothing went out (409 SESSION_NOT_READY on /send while /status says
/// READY) is retried in later ticks, at most three times, then the row is `error`.
#[tokio::test]
async fn a_certain_failure_is_retried_at_most_the_limit_then_the_row_is_error() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 2).await;
    let not_ready = json!({"error": true, "code": "SESSION_NOT_READY",
        "message": "WhatsApp session not ready. Current state: DISCONNECTED_RECOVERABLE"});
    app.mock
        .inject(Fault::on("send", FaultKind::Status(409, Some(not_ready))));
    let reports = ticks(&app, 5).await;
    assert_eq!(sends_to_row(&app, 0), 3, "three attempts, no more");
    assert_eq!(app.estado(ids[0]).await, "error");
    assert_eq!(
        reports[2].count(Event::AttemptsExhausted),
        1,
        "{:#?}",
        reports[2].decisions
    );
    let (n, resultado, detalle) = intentos(&app, ids[0]).await;
    assert_eq!((n, resultado.as_str()), (3, "fallido"));
    for attempt in 1..=2 {
        assert!(
            detalle.contains(&format!("attempt {attempt} at 2026-01-13 ")),
            "{detalle}"
        );
    }
    let historial: String = sqlx::query_scalar(
        "SELECT detalle FROM ll_envios_whatsapp_historial WHERE envio_id = ? AND estado_nuevo = 'error'",
    )
    .bind(ids[0])
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert!(
        historial.contains("gave up after 3 attempts"),
        "{historial}"
    );
    assert!(historial.contains("session is not ready"), "{historial}");
    // The next row is on its second attempt: still pendiente, released for a later tick.
    assert_eq!(sends_to_row(&app, 1), 2);
    assert_eq!(intentos(&app, ids[1]).await.1, "reintentar");
    let checks = app
        .invariants(&[(ids[0], Expected::Error), (ids[1], Expected::Pendiente)])
        .await;
    assert!(failed(&checks).is_empty(), "{:#?}", failed(&checks));

    // Once the provider recovers, the released row goes out on its third attempt.
    app.mock.clear_faults();
    assert_eq!(app.scheduler().tick().await.unwrap().sent, 1);
    assert_eq!(app.estado(ids[1]).await, "enviado");
    assert_eq!(intentos(&app, ids[1]).await.0, 3);
    app.drop().await;
}

/// The attempts invariant needs no journal: it reads `lmh_envio_intentos`.
#[tokio::test]
async fn more_attempts_than_allowed_fail_the_invariant_without_a_journal() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 1).await;
    sqlx::query(
        "INSERT INTO lmh_envio_intentos (envio_id, programacion_id, worker, claimed_at, intentos, resultado)
         VALUES (?, 1, 'w', '2026-01-13 13:00:00', 4, 'reintentar')",
    )
    .bind(ids[0])
    .execute(app.pool())
    .await
    .unwrap();
    let ev = Evidence::collect(app.pool()).await.unwrap();
    assert!(ev.journal.is_none());
    let checks = lmh::invariants::check(&ev);
    let check = checks
        .iter()
        .find(|c| c.name == lmh::invariants::invariant("attempts").unwrap().name)
        .unwrap();
    assert_eq!(check.outcome, Outcome::Fail, "{check:?}");
    assert!(check.summary.contains("4 attempts, 3 allowed"), "{check:?}");
    let allowed = lmh::invariants::check(&Evidence {
        attempts_allowed: Some(4),
        ..ev
    });
    let check = allowed
        .iter()
        .find(|c| c.name == lmh::invariants::invariant("attempts").unwrap().name)
        .unwrap();
    assert_eq!(check.outcome, Outcome::Pass, "{check:?}");
    app.drop().await;
}

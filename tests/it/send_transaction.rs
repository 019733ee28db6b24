//! The one transaction of a confirmed send (`lmh_confirmar_envio`, migration 0005): all of it
//! or none of it, one round trip, and a repeated message id caught by the database as well as
//! by the process.

use crate::helpers;

use helpers::{TestApp, failed, seed_day};
use lmh::invariants::Expected;
use lmh::mock::{Fault, FaultKind};
use lmh::scheduler::Event;
use serde_json::json;

async fn claim_of(app: &TestApp, envio: i64) -> Option<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT CAST(resultado AS CHAR), detalle FROM lmh_envio_intentos WHERE envio_id = ?",
    )
    .bind(envio)
    .fetch_optional(app.pool())
    .await
    .unwrap()
}

async fn historial_rows(app: &TestApp, envio: i64) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT CAST(estado_nuevo AS CHAR), origen, detalle FROM ll_envios_whatsapp_historial
         WHERE envio_id = ? ORDER BY id",
    )
    .bind(envio)
    .fetch_all(app.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_confirmed_send_writes_the_row_its_historial_counter_and_claim_together() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 2, 3).await;
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(report.sent, 2, "{:#?}", report.decisions);
    let delivered = app.mock.deliveries();
    for (envio, sent) in ids.iter().zip(&delivered) {
        let (estado, message_id, fecha): (String, Option<String>, Option<chrono::NaiveDateTime>) =
            sqlx::query_as(
                "SELECT CAST(estado AS CHAR), message_id, fecha_envio FROM ll_envios_whatsapp WHERE id = ?",
            )
            .bind(envio)
            .fetch_one(app.pool())
            .await
            .unwrap();
        assert_eq!(estado, "enviado");
        assert_eq!(message_id, sent.message_id);
        assert_eq!(
            fecha,
            Some(seed_day(10, 0)),
            "fecha_envio is business-local now"
        );
        let historial = historial_rows(&app, *envio).await;
        assert_eq!(historial.len(), 1, "{historial:?}");
        assert_eq!(historial[0].0, "enviado");
        assert_eq!(historial[0].1, "lmh-scheduler");
        let id = sent.message_id.clone().unwrap();
        assert_eq!(historial[0].2, format!("programacion 1 message_id {id}"));
        assert_eq!(claim_of(&app, *envio).await.unwrap().0, "confirmado");
    }
    assert_eq!(app.counter(1).await, 2);
    // The quota stopped the batch: the third row was never claimed ahead, or was released.
    assert_eq!(claim_of(&app, ids[2]).await, None);
    assert_eq!(app.estado(ids[2]).await, "pendiente");
    app.drop().await;
}

#[tokio::test]
async fn an_id_already_recorded_for_another_row_is_an_unknown_outcome_and_writes_nothing() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 2).await;
    // A previous run (another process: this one has never seen the id) recorded it for row 0.
    let earlier = "true_5491100100000@c.us_3EB0AAAAAAAAAAAAAAAA";
    sqlx::query("UPDATE ll_envios_whatsapp SET estado = 'enviado', message_id = ? WHERE id = ?")
        .bind(earlier)
        .bind(ids[0])
        .execute(app.pool())
        .await
        .unwrap();
    app.mock.inject(
        Fault::on(
            "send",
            FaultKind::Status(200, Some(json!({"ok": true, "message_id": earlier}))),
        )
        .times(1),
    );
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(report.sent, 0, "{:#?}", report.decisions);
    assert_eq!(report.unknown, vec![ids[1]]);
    let unknown = report
        .decisions
        .iter()
        .find(|d| d.event == Event::OutcomeUnknown)
        .unwrap();
    assert!(
        unknown.detail.contains("already given for another row"),
        "{}",
        unknown.detail
    );
    // Nothing of the transaction was written; the claim keeps the row from being re-sent.
    assert_eq!(app.estado(ids[1]).await, "pendiente");
    assert!(historial_rows(&app, ids[1]).await.is_empty());
    assert_eq!(app.counter(1).await, 0);
    assert_eq!(claim_of(&app, ids[1]).await.unwrap().0, "desconocido");
    let again = app.scheduler().tick().await.unwrap();
    assert_eq!(again.sent, 0, "{:#?}", again.decisions);
    let sends = app
        .mock
        .journal()
        .iter()
        .filter(|e| e.operation.as_deref() == Some("send"))
        .count();
    assert_eq!(sends, 1, "asked to send once, never again");
    app.drop().await;
}

#[tokio::test]
async fn a_failure_inside_the_send_transaction_writes_none_of_it() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 3).await;
    // The counter cannot be written: the transaction fails after the row and its historial
    // were written in it, and must take them back.
    sqlx::raw_sql(
        "CREATE TRIGGER lmh_test_counter_fails BEFORE INSERT ON ll_programacion_envios_diarios
         FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'counter refused by the test'",
    )
    .execute(app.pool())
    .await
    .unwrap();
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(report.sent, 0, "{:#?}", report.decisions);
    assert_eq!(report.unknown, vec![ids[0]], "{:#?}", report.decisions);
    let unknown = report
        .decisions
        .iter()
        .find(|d| d.event == Event::OutcomeUnknown)
        .unwrap();
    assert!(
        unknown.detail.contains("counter refused by the test"),
        "{}",
        unknown.detail
    );
    assert_eq!(app.estado(ids[0]).await, "pendiente");
    assert!(historial_rows(&app, ids[0]).await.is_empty());
    assert_eq!(app.counter(1).await, 0);
    let (resultado, _) = claim_of(&app, ids[0]).await.unwrap();
    assert_eq!(resultado, "desconocido");
    // The row claimed ahead in the failed transaction is not claimed: it was rolled back.
    assert_eq!(claim_of(&app, ids[1]).await, None);
    let checks = app
        .invariants(&[
            (ids[0], Expected::Pendiente),
            (ids[1], Expected::Pendiente),
            (ids[2], Expected::Pendiente),
        ])
        .await;
    assert!(failed(&checks).is_empty(), "{:#?}", failed(&checks));
    app.drop().await;
}

#[tokio::test]
async fn a_confirmed_send_costs_one_commit_and_one_round_trip() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    app.campaign(1, 51, 500, 40).await;
    let scheduler = app.scheduler();
    // Counted on every connection of this test's own pool, so other tests do not count.
    let before = lmh::bench::counters(app.pool()).await.unwrap();
    let report = scheduler.tick().await.unwrap();
    let spent = lmh::bench::counters(app.pool())
        .await
        .unwrap()
        .since(before);
    assert_eq!(report.sent, 40, "{:#?}", report.decisions);
    assert_eq!(app.count("enviado").await, 40);
    assert_eq!(app.counter(1).await, 40);
    // Per batch: the lock, the first claim and the unlock commit; each send one more. The
    // round trips add the batch's own (reads, lock, claim: 16 today) and the counters' SHOW
    // on each pooled connection. Eight round trips a send, as before migration 0005, fail.
    let connections = i64::from(app.pool().options().get_max_connections());
    assert!(spent.commits <= 40 + 4, "{spent:?}");
    assert!(spent.statements <= 40 + 20 + connections, "{spent:?}");
    app.drop().await;
}

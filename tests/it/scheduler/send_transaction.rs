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

/// Nothing of the send transaction of `envio` was written (row, historial, counter), and its
/// claim says its outcome is unknown.
async fn assert_nothing_recorded(app: &TestApp, envio: i64) {
    assert_eq!(app.estado(envio).await, "pendiente");
    assert!(historial_rows(app, envio).await.is_empty());
    assert_eq!(app.counter(1).await, 0);
    assert_eq!(claim_of(app, envio).await.unwrap().0, "desconocido");
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
    let unknown = report.detail_of(Event::OutcomeUnknown).unwrap();
    assert!(
        unknown.contains("already given for another row"),
        "{unknown}"
    );
    // The claim keeps the row from being re-sent.
    assert_nothing_recorded(&app, ids[1]).await;
    let again = app.scheduler().tick().await.unwrap();
    assert_eq!(again.sent, 0, "{:#?}", again.decisions);
    let sends = app.sends();
    assert_eq!(sends, 1, "asked to send once, never again");
    app.drop().await;
}

#[tokio::test]
async fn a_failure_inside_the_send_transaction_writes_none_of_it() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 3).await;
    // The last write of the transaction (the next row's claim) is refused: everything the
    // transaction wrote before it (row, historial, counter, the claim's confirmation) must go.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE TRIGGER lmh_test_next_claim_fails BEFORE INSERT ON lmh_envio_intentos
         FOR EACH ROW BEGIN
           IF NEW.envio_id = {} THEN
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'next claim refused by the test';
           END IF;
         END",
        ids[1]
    )))
    .execute(app.pool())
    .await
    .unwrap();
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(report.sent, 0, "{:#?}", report.decisions);
    assert_eq!(report.unknown, vec![ids[0]], "{:#?}", report.decisions);
    let unknown = report.detail_of(Event::OutcomeUnknown).unwrap();
    assert!(
        unknown.contains("next claim refused by the test"),
        "the procedure's error reaches the decision: {unknown}"
    );
    assert_nothing_recorded(&app, ids[0]).await;
    let confirmed_id: Option<String> =
        sqlx::query_scalar("SELECT message_id FROM lmh_envio_intentos WHERE envio_id = ?")
            .bind(ids[0])
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(
        confirmed_id, None,
        "the claim's confirmation was rolled back"
    );
    assert_eq!(claim_of(&app, ids[1]).await, None);
    let checks = app
        .invariants(&[
            (ids[0], Expected::Pendiente),
            (ids[1], Expected::Pendiente),
            (ids[2], Expected::Pendiente),
        ])
        .await;
    assert!(failed(&checks).is_empty(), "{:#?}", failed(&checks));
    // The pool is sound after the failure: the next tick sends the rest, never row 0 again.
    sqlx::query("DROP TRIGGER lmh_test_next_claim_fails")
        .execute(app.pool())
        .await
        .unwrap();
    let again = app.scheduler().tick().await.unwrap();
    assert_eq!(again.sent, 2, "{:#?}", again.decisions);
    let sends = app.sends();
    assert_eq!(sends, 3, "row 0 asked once, rows 1 and 2 once each");
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

/// More lanes than the scratch pool has connections (16), sending at once: a lane that held
/// its recording connection while it waited for another would starve the pool.
#[tokio::test]
async fn more_lanes_than_pool_connections_all_send() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let lanes = 20;
    let mut ids = Vec::new();
    for c in 0..lanes {
        // Each lane: a claimed first row, a recipient error on the way (its own statement), sends.
        let mut rows = app.campaign(c + 1, 51 + c, 50, 4).await;
        sqlx::query("UPDATE ll_envios_whatsapp SET telefono_wapp = NULL WHERE id = ?")
            .bind(rows[1])
            .execute(app.pool())
            .await
            .unwrap();
        ids.push(rows.remove(1));
    }
    // Every lane's first send answers late, so all of them record it at about the same time
    // and then need one more statement each.
    app.mock.inject(
        Fault::on(
            "send",
            FaultKind::Latency(std::time::Duration::from_millis(200)),
        )
        .times(lanes as u32),
    );
    let report = tokio::time::timeout(std::time::Duration::from_secs(60), app.scheduler().tick())
        .await
        .expect("a tick with more lanes than connections ends")
        .unwrap();
    assert_eq!(report.sent, 3 * lanes as usize, "{:#?}", report.decisions);
    assert_eq!(report.errors, lanes as usize);
    for id in ids {
        assert_eq!(app.estado(id).await, "error");
    }
    app.drop().await;
}

/// Replace the send transaction with one that commits and then loses its answer, as a
/// connection dropped after the server's COMMIT does.
async fn answer_lost_after_commit(app: &TestApp) {
    let real = include_str!("../../../migrations/0005_lmh_confirmar_envio.sql").replacen(
        "PROCEDURE lmh_confirmar_envio(",
        "PROCEDURE lmh_real_confirmar(",
        1,
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(real))
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::raw_sql(
        "DROP PROCEDURE lmh_confirmar_envio;
         CREATE PROCEDURE lmh_confirmar_envio(IN a int, IN b int, IN c varchar(64), IN d varchar(255),
             IN e varchar(50), IN f text, IN g datetime, IN h datetime, IN i int, IN j boolean,
             IN k boolean, IN l boolean)
         BEGIN
           CALL lmh_real_confirmar(a, b, c, d, e, f, g, h, i, j, k, l);
           SIGNAL SQLSTATE '08S01' SET MESSAGE_TEXT = 'answer lost after commit (test)';
         END",
    )
    .execute(app.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn an_answer_lost_after_commit_keeps_what_was_committed_and_releases_the_next_claim() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 3).await;
    answer_lost_after_commit(&app).await;
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(report.unknown, vec![ids[0]], "{:#?}", report.decisions);
    // What the server committed stands: the row is enviado, its claim confirmado.
    assert_eq!(app.estado(ids[0]).await, "enviado");
    assert_eq!(claim_of(&app, ids[0]).await.unwrap().0, "confirmado");
    // The next row, claimed in that transaction but never sent, is free again.
    assert_eq!(
        claim_of(&app, ids[1]).await,
        None,
        "{:#?}",
        report.decisions
    );
    assert_eq!(app.estado(ids[1]).await, "pendiente");
    app.drop().await;
}

/// A recording connection that sat idle while the provider took its time (and that the
/// server closed meanwhile) is not used for the next send's transaction.
#[tokio::test]
async fn a_connection_killed_while_idle_does_not_cost_a_confirmed_send() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(1, 51, 50, 2).await;
    app.mock.inject(Fault::on("send", FaultKind::Pass).times(1));
    app.mock.inject(
        Fault::on(
            "send",
            FaultKind::Latency(std::time::Duration::from_millis(2500)),
        )
        .times(1),
    );
    let admin = app
        .db
        .pool_with_sql_mode(lmh::db::SqlMode::Strict)
        .await
        .unwrap();
    let name = app.db.name().to_string();
    let killer = tokio::spawn(async move {
        // While the second send is held by the provider: every session of the scheduler.
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        let own: i64 = sqlx::query_scalar("SELECT CAST(CONNECTION_ID() AS SIGNED)")
            .fetch_one(&admin)
            .await
            .unwrap();
        lmh::chaos::faults::kill_sessions(&admin, &name, &[own])
            .await
            .unwrap()
    });
    let mut patient = lmh::ClientConfig::new(app.mock.uri());
    patient.timeout = std::time::Duration::from_secs(10);
    let client = lmh::SessionManagerClient::new(patient).unwrap();
    let scheduler = lmh::Scheduler::new(&app.db, client, app.clock.clone(), app.config());
    let report = scheduler.tick().await.unwrap();
    let killed = killer.await.unwrap();
    assert!(
        killed > 0,
        "the test must kill the scheduler's idle connection"
    );
    assert_eq!(report.sent, 2, "{:#?}", report.decisions);
    assert!(report.unknown.is_empty(), "{:#?}", report.decisions);
    for id in ids {
        assert_eq!(app.estado(id).await, "enviado");
    }
    app.drop().await;
}

//! The one decoder of each row type: every column of a row, as stored, and the invariants'
//! evidence built from it.

use lmh::db::{ENVIO_COLUMNS, INTENTO_COLUMNS, decode_envio, decode_intento};
use lmh::domain::{Envio, EstadoEnvio, Intento};
use lmh::invariants::Evidence;

use super::*;
use crate::helpers::{TestApp, seed_day};

/// Every `ll_envios_whatsapp` row, decoded.
async fn envios(pool: &MySqlPool) -> Vec<Envio> {
    let sql = format!("SELECT {ENVIO_COLUMNS} FROM ll_envios_whatsapp e ORDER BY e.id");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .unwrap();
    rows.iter().map(|r| decode_envio(r).unwrap()).collect()
}

/// A sent row, a row without a phone, and a row whose estado a non-strict server blanked.
async fn three_rows(app: &TestApp) -> Vec<i64> {
    let ids = app.campaign(7, 51, 10, 3).await;
    sqlx::query("UPDATE ll_envios_whatsapp SET estado = 'enviado', fecha_envio = ?, message_id = 'msg-1' WHERE id = ?")
        .bind(seed_day(10, 5))
        .bind(ids[0])
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE ll_envios_whatsapp SET telefono_wapp = NULL WHERE id = ?")
        .bind(ids[1])
        .execute(app.pool())
        .await
        .unwrap();
    let lax = app.db.pool_with_sql_mode(SqlMode::NonStrict).await.unwrap();
    sqlx::query("UPDATE ll_envios_whatsapp SET estado = 'enviada' WHERE id = ?")
        .bind(ids[2])
        .execute(&lax)
        .await
        .unwrap();
    lax.close().await;
    ids
}

#[tokio::test]
async fn an_envio_is_every_column_of_its_row_as_stored() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = three_rows(&app).await;
    let row = |i: usize, telefono: Option<&str>, estado: &str| Envio {
        id: ids[i],
        campania_id: 7,
        telefono: telefono.map(str::to_string),
        mensaje: Some(format!("Hola José 👋 nº{i} ¿cómo estás?")),
        estado: estado.to_string(),
        fecha_envio: None,
        message_id: None,
    };
    let sent = Envio {
        fecha_envio: Some(seed_day(10, 5)),
        message_id: Some("msg-1".into()),
        ..row(0, Some("5491100700000"), "enviado")
    };
    let expected = vec![
        sent,
        row(1, None, "pendiente"),
        row(2, Some("5491100700002"), ""),
    ];
    let read = envios(app.pool()).await;
    assert_eq!(read, expected);
    assert!(read[0].is(EstadoEnvio::Enviado));
    assert_eq!(read[0].recipient().unwrap().to, "5491100700000@c.us");
    assert!(read[1].recipient().is_err(), "no phone, no recipient");
    assert!(EstadoEnvio::ALL.iter().all(|e| !read[2].is(*e)));
    // The invariants judge the same rows, read by the same decoder.
    let ev = Evidence::collect(app.pool()).await.unwrap();
    assert_eq!(ev.envios, expected);
    app.drop().await;
}

#[tokio::test]
async fn an_intento_is_every_column_of_its_claim_as_stored() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let ids = app.campaign(7, 51, 10, 1).await;
    sqlx::query(
        "INSERT INTO lmh_envio_intentos (envio_id, programacion_id, worker, claimed_at, resultado, intentos, detalle)
         VALUES (?, 7, 'w1', ?, 'desconocido', 2, 'timeout')",
    )
    .bind(ids[0])
    .bind(seed_day(10, 1))
    .execute(app.pool())
    .await
    .unwrap();
    let sql = format!("SELECT {INTENTO_COLUMNS} FROM lmh_envio_intentos");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .fetch_all(app.pool())
        .await
        .unwrap();
    let read: Vec<Intento> = rows.iter().map(|r| decode_intento(r).unwrap()).collect();
    let expected = vec![Intento {
        envio_id: ids[0],
        programacion_id: 7,
        resultado: "desconocido".into(),
        intentos: 2,
        detalle: Some("timeout".into()),
    }];
    assert_eq!(read, expected);
    assert!(read[0].is_open(), "left for a person");
    let ev = Evidence::collect(app.pool()).await.unwrap();
    assert_eq!(ev.intentos, expected);
    app.drop().await;
}

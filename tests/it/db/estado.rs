//! What the server does with values outside an ENUM, and why lmh never stores one.

use super::*;

#[tokio::test]
async fn values_outside_the_estado_enum_are_never_stored_by_lmh() {
    let scratch = ScratchDb::create(&server_url()).await.expect("scratch db");
    let strict = scratch.pool();
    let lax = scratch
        .pool_with_sql_mode(SqlMode::NonStrict)
        .await
        .expect("non-strict pool");

    let mode = session_sql_mode(strict).await;
    assert!(mode.split(',').any(|m| m == "STRICT_ALL_TABLES"), "{mode}");
    let lax_mode = session_sql_mode(&lax).await;
    assert!(!lax_mode.contains("STRICT"), "{lax_mode}");

    sqlx::query("INSERT INTO ll_campanias_whatsapp (id, nombre, mensaje) VALUES (1, 'c', 'm')")
        .execute(strict)
        .await
        .unwrap();
    sqlx::query("INSERT INTO ll_envios_whatsapp (id, campania_id, telefono_wapp) VALUES (1, 1, '5491100000001'), (2, 1, '5491100000002')")
        .execute(strict)
        .await
        .unwrap();

    // What the server does with an out-of-enum value: non-strict stores '' with a warning...
    sqlx::query("UPDATE ll_envios_whatsapp SET estado = 'enviada' WHERE id = 2")
        .execute(&lax)
        .await
        .expect("non-strict mode accepts the statement");
    let stored: String = sqlx::query_scalar("SELECT estado FROM ll_envios_whatsapp WHERE id = 2")
        .fetch_one(&lax)
        .await
        .unwrap();
    assert_eq!(
        stored, "",
        "MariaDB/MySQL store the empty 'error value' in non-strict mode"
    );
    // ...strict (lmh's connections) refuses it and leaves the row alone.
    let refused = sqlx::query("UPDATE ll_envios_whatsapp SET estado = 'enviada' WHERE id = 1")
        .execute(strict)
        .await;
    assert_eq!(
        refused.as_ref().err().and_then(mysql_errno),
        Some(1265),
        "{refused:?}"
    );
    let refused_insert = sqlx::query("INSERT INTO ll_envios_whatsapp (campania_id, telefono_wapp, estado) VALUES (1, '5491100000003', 'sent')")
        .execute(strict)
        .await;
    assert_eq!(
        refused_insert.as_ref().err().and_then(mysql_errno),
        Some(1265),
        "{refused_insert:?}"
    );
    let kept: String = sqlx::query_scalar("SELECT estado FROM ll_envios_whatsapp WHERE id = 1")
        .fetch_one(strict)
        .await
        .unwrap();
    assert_eq!(kept, "pendiente");

    // lmh binds only typed values, so under either mode what it writes is what is stored.
    for pool in [strict, &lax] {
        typed_estados_round_trip(pool).await;
    }
    lax.close().await;
    scratch.drop_database().await.unwrap();
}

/// The `sql_mode` a pool's sessions run with.
async fn session_sql_mode(pool: &MySqlPool) -> String {
    sqlx::query_scalar("SELECT @@SESSION.sql_mode")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Every estado lmh writes to envio 1 reads back as itself.
async fn typed_estados_round_trip(pool: &MySqlPool) {
    for estado in EstadoEnvio::ALL {
        sqlx::query("UPDATE ll_envios_whatsapp SET estado = ? WHERE id = 1")
            .bind(estado.as_str())
            .execute(pool)
            .await
            .unwrap();
        let back: String = sqlx::query_scalar("SELECT estado FROM ll_envios_whatsapp WHERE id = 1")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(back.parse::<EstadoEnvio>().unwrap(), *estado);
    }
}

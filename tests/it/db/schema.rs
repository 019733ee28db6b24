//! The migrated schema is production's: charsets, enums, columns, keys, and how they behave.

use super::*;

/// `information_schema.COLUMNS` facts for one column.
#[derive(Debug)]
struct Col {
    column_type: String,
    nullable: bool,
    default: Option<String>,
    charset: Option<String>,
}

async fn column(pool: &MySqlPool, table: &str, column: &str) -> Col {
    let row = sqlx::query(
        "SELECT CAST(COLUMN_TYPE AS CHAR) AS t, IS_NULLABLE AS n, CAST(COLUMN_DEFAULT AS CHAR) AS d, CHARACTER_SET_NAME AS c \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?",
    )
    .bind(table)
    .bind(column)
    .fetch_optional(pool)
    .await
    .unwrap()
    .unwrap_or_else(|| panic!("{table}.{column} does not exist"));
    Col {
        column_type: row.get::<String, _>("t"),
        nullable: row.get::<String, _>("n") == "YES",
        // MariaDB quotes string defaults ('pendiente'), MySQL does not: compare unquoted.
        default: row
            .get::<Option<String>, _>("d")
            .map(|d| d.trim_matches('\'').to_string())
            .filter(|d| d != "NULL"),
        charset: row.get::<Option<String>, _>("c"),
    }
}

fn enum_type(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    format!("enum({})", quoted.join(","))
}

async fn unique_keys(pool: &MySqlPool, table: &str) -> Vec<String> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(INDEX_NAME AS CHAR), CAST(GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS CHAR) \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0 \
         GROUP BY INDEX_NAME ORDER BY INDEX_NAME",
    )
    .bind(table)
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter().map(|(_, cols)| cols).collect()
}

#[tokio::test]
async fn schema_is_faithful_to_production() {
    let scratch = ScratchDb::create(&server_url()).await.expect("scratch db");
    let pool = scratch.pool();
    charsets_are_production(pool).await;
    enums_are_production(pool).await;
    columns_are_production(pool).await;
    keys_are_production(pool).await;
    behaves_as_production(pool).await;
    scratch.drop_database().await.unwrap();
}

/// Tables are latin1; only message text and names are utf8mb4.
async fn charsets_are_production(pool: &MySqlPool) {
    let charsets: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_COLLATION AS CHAR) FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'll\\_%' ORDER BY TABLE_NAME",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(charsets.len(), 5, "{charsets:?}");
    for (t, collation) in &charsets {
        assert_eq!(collation, "latin1_swedish_ci", "{t}");
    }
    for (t, c) in [
        ("ll_campanias_whatsapp", "mensaje"),
        ("ll_envios_whatsapp", "mensaje_final"),
        ("ll_envios_whatsapp", "nombre_destino"),
        ("ll_envios_whatsapp_historial", "detalle"),
    ] {
        assert_eq!(
            column(pool, t, c).await.charset.as_deref(),
            Some("utf8mb4"),
            "{t}.{c}"
        );
    }
    for (t, c) in [
        ("ll_campanias_whatsapp", "nombre"),
        ("ll_envios_whatsapp", "telefono_wapp"),
        ("ll_programaciones", "dias_semana"),
    ] {
        assert_eq!(
            column(pool, t, c).await.charset.as_deref(),
            Some("latin1"),
            "{t}.{c}"
        );
    }
}

/// Enums: exactly the members lmh's types know, with the production defaults.
async fn enums_are_production(pool: &MySqlPool) {
    let envio_values: Vec<&str> = EstadoEnvio::ALL.iter().map(|e| e.as_str()).collect();
    let camp_values: Vec<&str> = EstadoCampania::ALL.iter().map(|e| e.as_str()).collect();
    let prog_values: Vec<&str> = EstadoProgramacion::ALL.iter().map(|e| e.as_str()).collect();
    assert_eq!(envio_values, ["pendiente", "enviado", "error"]);
    assert_eq!(camp_values, ["pendiente", "en_progreso", "finalizado"]);
    assert_eq!(
        prog_values,
        ["pendiente", "aprobada", "rechazada", "pausada"]
    );

    let c = column(pool, "ll_envios_whatsapp", "estado").await;
    assert_eq!(c.column_type, enum_type(&envio_values));
    assert_eq!(c.default.as_deref(), Some("pendiente"));
    let c = column(pool, "ll_campanias_whatsapp", "estado").await;
    assert_eq!(c.column_type, enum_type(&camp_values));
    assert_eq!(c.default.as_deref(), Some("pendiente"));
    let c = column(pool, "ll_programaciones", "estado").await;
    assert_eq!(c.column_type, enum_type(&prog_values));
    assert_eq!(c.default.as_deref(), Some("pendiente"));
    assert!(!c.nullable);
    let c = column(pool, "ll_envios_whatsapp_historial", "estado_anterior").await;
    assert_eq!(c.column_type, enum_type(&envio_values));
    assert!(c.nullable, "the creation row has no estado_anterior");
    let c = column(pool, "ll_envios_whatsapp_historial", "estado_nuevo").await;
    assert_eq!(c.column_type, enum_type(&envio_values));
    assert!(!c.nullable);
    let c = column(pool, "ll_envios_whatsapp_historial", "origen").await;
    assert_eq!(c.column_type, "varchar(50)");
}

/// Other columns the flow reads or writes.
async fn columns_are_production(pool: &MySqlPool) {
    let c = column(pool, "ll_envios_whatsapp", "message_id").await;
    assert_eq!((c.column_type.as_str(), c.nullable), ("varchar(255)", true));
    let c = column(pool, "ll_envios_whatsapp", "fecha_envio").await;
    assert_eq!((c.column_type.as_str(), c.nullable), ("datetime", true));
    let c = column(pool, "ll_programaciones", "cupo_diario").await;
    assert_eq!(c.default.as_deref(), Some("50"));
    let c = column(pool, "ll_programaciones", "dias_semana").await;
    assert_eq!(c.column_type, "varchar(64)");
    let c = column(pool, "ll_programaciones", "hora_inicio").await;
    assert_eq!(c.column_type, "time");
    let c = column(pool, "ll_programaciones", "fecha_fin").await;
    assert_eq!((c.column_type.as_str(), c.nullable), ("date", true));
    for lock_col in ["locked_at", "locked_by"] {
        assert!(column(pool, "ll_programaciones", lock_col).await.nullable);
    }
    let c = column(pool, "ll_programacion_envios_diarios", "enviados").await;
    assert_eq!(c.default.as_deref(), Some("0"));
}

/// Unique keys, and foreign keys that cascade.
async fn keys_are_production(pool: &MySqlPool) {
    assert!(
        unique_keys(pool, "ll_programacion_envios_diarios")
            .await
            .contains(&"programacion_id,fecha".to_string())
    );
    assert!(
        unique_keys(pool, "ll_envios_whatsapp")
            .await
            .contains(&"campania_id,telefono_wapp".to_string())
    );

    let fks: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(REFERENCED_TABLE_NAME AS CHAR), CAST(DELETE_RULE AS CHAR) \
         FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'll\\_%' ORDER BY TABLE_NAME",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut fks = fks;
    fks.sort();
    let expected = [
        ("ll_envios_whatsapp", "ll_campanias_whatsapp"),
        ("ll_envios_whatsapp_historial", "ll_envios_whatsapp"),
        ("ll_programacion_envios_diarios", "ll_programaciones"),
        ("ll_programaciones", "ll_campanias_whatsapp"),
    ];
    assert_eq!(fks.len(), expected.len(), "{fks:?}");
    for ((t, r, rule), (et, er)) in fks.iter().zip(expected) {
        assert_eq!((t.as_str(), r.as_str(), rule.as_str()), (et, er, "CASCADE"));
    }
}

/// Behaviour, not just metadata: emoji survive in utf8mb4, not in latin1; the unique key
/// holds; deleting a campaign cascades to its rows.
async fn behaves_as_production(pool: &MySqlPool) {
    sqlx::query("INSERT INTO ll_campanias_whatsapp (id, nombre, mensaje, estado) VALUES (1, 'Campaña', 'Hola 👋', 'en_progreso')")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO ll_envios_whatsapp (id, campania_id, telefono_wapp, mensaje_final) VALUES (1, 1, '5491100000001', ?)")
        .bind("¿Qué tal? 🇦🇷👨‍👩‍👧")
        .execute(pool)
        .await
        .unwrap();
    let text: String =
        sqlx::query_scalar("SELECT mensaje_final FROM ll_envios_whatsapp WHERE id = 1")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(text, "¿Qué tal? 🇦🇷👨‍👩‍👧");
    let nombre: String =
        sqlx::query_scalar("SELECT nombre FROM ll_campanias_whatsapp WHERE id = 1")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(nombre, "Campaña");
    let emoji_in_latin1 =
        sqlx::query("INSERT INTO ll_campanias_whatsapp (nombre, mensaje) VALUES ('Promo 👋', 'x')")
            .execute(pool)
            .await;
    assert_eq!(
        emoji_in_latin1.as_ref().err().and_then(mysql_errno),
        Some(1366),
        "{emoji_in_latin1:?}"
    );
    let dup = sqlx::query(
        "INSERT INTO ll_envios_whatsapp (campania_id, telefono_wapp) VALUES (1, '5491100000001')",
    )
    .execute(pool)
    .await;
    assert_eq!(
        dup.as_ref().err().and_then(mysql_errno),
        Some(1062),
        "{dup:?}"
    );
    let default_estado: String =
        sqlx::query_scalar("SELECT estado FROM ll_envios_whatsapp WHERE id = 1")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(default_estado, "pendiente");
    sqlx::query("INSERT INTO ll_envios_whatsapp_historial (envio_id, estado_anterior, estado_nuevo, origen) VALUES (1, NULL, 'pendiente', 'test')")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM ll_campanias_whatsapp WHERE id = 1")
        .execute(pool)
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM ll_envios_whatsapp) + (SELECT COUNT(*) FROM ll_envios_whatsapp_historial)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(left, 0, "campaign delete did not cascade");
}

//! The ownership guard: lmh writes and drops only what it created; read-only sessions.

use super::*;

#[tokio::test]
async fn foreign_databases_are_refused_by_assert_owned() {
    let sfx = unique_suffix();
    // 1. Any other database.
    let plain = ForeignDb::create(format!("lmh_foreign_{sfx}")).await;
    // 2. Named like a scratch database, but without a marker.
    let lookalike = ForeignDb::create(format!("lmh_scratch_{sfx}")).await;
    // 3. Named like one, with a marker copied from somewhere else.
    let copied = ForeignDb::create(format!("lmh_scratch_copy_{sfx}")).await;
    {
        let mut conn = observer().await;
        conn.execute(AssertSqlSafe(format!(
            "CREATE TABLE `{}`.{MARKER_TABLE} (run_id varchar(64), db_name varchar(64), created_at datetime, created_by varchar(255))",
            copied.name
        )))
        .await
        .unwrap();
        conn.execute(AssertSqlSafe(format!(
            "INSERT INTO `{}`.{MARKER_TABLE} VALUES ('1-1', 'lmh_scratch_20260101000000_other', NOW(), 'lmh')",
            copied.name
        )))
        .await
        .unwrap();
    }
    let mut verdicts = Vec::new();
    for f in [&plain, &lookalike, &copied] {
        let opts: MySqlConnectOptions = f.url().parse().unwrap();
        let pool = MySqlPool::connect_with(opts).await.unwrap();
        verdicts.push((f.name.clone(), db::assert_owned(&pool).await));
        pool.close().await;
    }
    // A connection with no current database at all.
    let no_db = MySqlPool::connect_with(server_url().parse::<MySqlConnectOptions>().unwrap())
        .await
        .unwrap();
    let none_verdict = db::assert_owned(&no_db).await;
    no_db.close().await;
    let before = plain.fingerprint().await;
    plain.remove().await;
    lookalike.remove().await;
    copied.remove().await;

    for (name, verdict) in verdicts {
        match verdict {
            Err(DbError::NotOwned { database, reason }) => {
                assert_eq!(database, name);
                assert!(!reason.is_empty());
            }
            other => panic!("{name}: expected NotOwned, got {other:?}"),
        }
    }
    assert!(
        matches!(none_verdict, Err(DbError::NotOwned { .. })),
        "{none_verdict:?}"
    );
    assert_eq!(
        before,
        vec!["precious".to_string(), "1=untouched".to_string()]
    );
}

#[tokio::test]
async fn drop_refuses_a_scratch_database_whose_marker_was_tampered_with() {
    let scratch = ScratchDb::create(&server_url()).await.expect("scratch db");
    let name = scratch.name().to_string();
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE {MARKER_TABLE} SET run_id = 'someone-else'"
    )))
    .execute(scratch.pool())
    .await
    .unwrap();
    let result = scratch.drop_database().await;
    let still_there = database_exists(&name).await;
    let mut conn = observer().await;
    conn.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`")))
        .await
        .unwrap();
    assert!(
        matches!(result, Err(DbError::NotOwned { .. })),
        "{result:?}"
    );
    assert!(
        still_there,
        "a database with someone else's marker was dropped"
    );
}

#[tokio::test]
async fn read_only_connections_refuse_writes() {
    let scratch = ScratchDb::create(&server_url()).await.expect("scratch db");
    sqlx::query("INSERT INTO ll_campanias_whatsapp (id, nombre, mensaje) VALUES (1, 'c', 'm')")
        .execute(scratch.pool())
        .await
        .unwrap();
    let url = format!("{}/{}", server_url().trim_end_matches('/'), scratch.name());
    let ro = db::connect_read_only(&url).await.expect("read-only pool");
    // Hold both connections of the pool at once so every session is checked, not just one.
    let mut c1 = ro.acquire().await.unwrap();
    let mut c2 = ro.acquire().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ll_campanias_whatsapp")
        .fetch_one(&mut *c1)
        .await
        .unwrap();
    assert_eq!(n, 1, "reads work");
    let mut refusals = Vec::new();
    for conn in [&mut c1, &mut c2] {
        let insert =
            sqlx::query("INSERT INTO ll_campanias_whatsapp (nombre, mensaje) VALUES ('x', 'y')")
                .execute(&mut **conn)
                .await;
        refusals.push(insert.as_ref().err().and_then(mysql_errno));
        let update = sqlx::query("UPDATE ll_campanias_whatsapp SET nombre = 'z'")
            .execute(&mut **conn)
            .await;
        refusals.push(update.as_ref().err().and_then(mysql_errno));
        let ddl = conn
            .execute(AssertSqlSafe(format!(
                "CREATE DATABASE `{}_ro`",
                scratch.name()
            )))
            .await;
        refusals.push(ddl.as_ref().err().and_then(mysql_errno));
    }
    drop((c1, c2));
    ro.close().await;
    let nombre: String =
        sqlx::query_scalar("SELECT nombre FROM ll_campanias_whatsapp WHERE id = 1")
            .fetch_one(scratch.pool())
            .await
            .unwrap();
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ll_campanias_whatsapp")
        .fetch_one(scratch.pool())
        .await
        .unwrap();
    scratch.drop_database().await.unwrap();
    // 1792: "Cannot execute statement in a READ ONLY transaction".
    assert!(refusals.iter().all(|r| *r == Some(1792)), "{refusals:?}");
    assert_eq!((nombre.as_str(), count), ("c", 1));
}

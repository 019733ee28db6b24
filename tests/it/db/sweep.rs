//! Scratch databases left by dead runs: listed, and the provably stale ones swept.

use super::*;

#[tokio::test]
async fn stale_scratch_databases_from_dead_runs_are_swept() {
    let sfx = fastrand::u32(..);
    // What a run killed with SIGKILL two days ago leaves behind: a marked scratch database.
    let dead = format!("lmh_scratch_20200101000000_dead{sfx}");
    // Named like one, never marked, and holding a table: not provably lmh's, never touched.
    let unmarked = format!("lmh_scratch_20200101000000_nomark{sfx}");
    // What a signal between CREATE and marker leaves: empty, old. Dropped.
    let empty = format!("lmh_scratch_20200101000000_empty{sfx}");
    // The same, but made a moment ago: another run may be about to mark it. Reported, kept.
    let young = format!(
        "lmh_scratch_{}_young{sfx}",
        chrono::Utc::now().format("%Y%m%d%H%M%S")
    );
    leave_behind(&dead, &unmarked, &empty, &young).await;
    // A live one of this process, and it is fresh: both reasons to keep it.
    let live = ScratchDb::create(&server_url()).await.expect("scratch db");

    let listed = db::list_scratch_databases(&server_url()).await;
    let swept = db::drop_stale(&server_url(), std::time::Duration::from_secs(24 * 3600)).await;
    let dead_gone = !database_exists(&dead).await;
    let unmarked_kept = database_exists(&unmarked).await;
    let empty_gone = !database_exists(&empty).await;
    let young_kept = database_exists(&young).await;
    let live_kept = database_exists(live.name()).await;
    let live_name = live.name().to_string();
    live.drop_database().await.unwrap();
    let mut conn = observer().await;
    for name in [&dead, &unmarked, &empty, &young] {
        conn.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`")))
            .await
            .unwrap();
    }

    let listed = listed.expect("list");
    let find = |n: &str| listed.iter().find(|i| i.name == n).cloned();
    let dead_info = find(&dead).expect("dead run listed");
    assert_eq!(dead_info.run_id.as_deref(), Some("999-1"));
    assert!(!dead_info.live_here);
    assert_eq!(find(&unmarked).expect("unmarked listed").run_id, None);
    assert!(find(&live_name).expect("live listed").live_here);
    let swept = swept.expect("sweep");
    assert!(
        swept.dropped.contains(&dead) && swept.dropped.contains(&empty),
        "{swept:?}"
    );
    assert!(
        !swept.dropped.contains(&unmarked) && !swept.dropped.contains(&live_name),
        "{swept:?}"
    );
    assert!(swept.young.contains(&young), "{swept:?}");
    assert!(
        !swept.young.contains(&live_name),
        "held here, not a leftover: {swept:?}"
    );
    assert!(dead_gone && unmarked_kept && live_kept && empty_gone && young_kept);
}

/// What dead runs leave on the server: `dead` marked two days ago by run `999-1`, `unmarked`
/// holding a table, `empty` and `young` empty.
async fn leave_behind(dead: &str, unmarked: &str, empty: &str, young: &str) {
    let mut conn = observer().await;
    for name in [dead, unmarked, empty, young] {
        conn.execute(AssertSqlSafe(format!("CREATE DATABASE `{name}`")))
            .await
            .unwrap();
    }
    conn.execute(AssertSqlSafe(format!(
        "CREATE TABLE `{unmarked}`.precious (id int)"
    )))
    .await
    .unwrap();
    conn.execute(AssertSqlSafe(format!(
        "CREATE TABLE `{dead}`.{MARKER_TABLE} (run_id varchar(64), db_name varchar(64), created_at datetime, created_by varchar(255))"
    )))
    .await
    .unwrap();
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO `{dead}`.{MARKER_TABLE} VALUES ('999-1', ?, UTC_TIMESTAMP() - INTERVAL 2 DAY, 'lmh')"
    )))
    .bind(dead)
    .execute(&mut conn)
    .await
    .unwrap();
}

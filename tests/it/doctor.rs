//! The database side of `lmh doctor` against real MariaDB scratch databases read through a
//! read-only pool, and real session-managers on loopback (the mock, a v2 mock, a server without
//! routes, a closed port). Time is always the virtual seed day, never the real clock.

use crate::helpers;

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use helpers::seed_day;
use lmh::adapter::{ClientConfig, SessionManagerClient};
use lmh::db::{ScratchDb, SqlMode, connect_read_only};
use lmh::doctor::{
    self, DoctorError, FindingKind, NextTick, Severity, Skip, StuckCause, StuckOptions,
    TimestampSource, TimestampZone, Verdict,
};
use lmh::domain::{DEFAULT_TZ, local_to_utc};
use lmh::mock::{MockConfig, MockSessionManager, Profile};
use lmh::report::{Outcome, Report};
use lmh::session::SessionState;
use sqlx::MySqlPool;

/// The seed day at `h:m` in Buenos Aires, as an instant.
fn at(h: u32, m: u32) -> DateTime<Utc> {
    local_to_utc(DEFAULT_TZ, seed_day(h, m)).unwrap()
}

fn local(y: i32, mo: u32, d: u32, h: u32, m: u32) -> DateTime<Utc> {
    let naive = NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap();
    local_to_utc(DEFAULT_TZ, naive).unwrap()
}

/// The server URL with the scratch database as its path: what a person would pass to doctor.
pub(crate) fn database_url(db: &ScratchDb) -> String {
    let mut url = url::Url::parse(&helpers::server_url()).unwrap();
    url.set_path(db.name());
    url.to_string()
}

async fn scratch() -> ScratchDb {
    ScratchDb::create(&helpers::server_url())
        .await
        .expect("a MariaDB for tests (start it, or set DATABASE_URL)")
}

/// A scratch database holding the seed incident (programaciones 1, 39, 40 of cliente 51,
/// 15 pendiente rows), and a read-only pool on it.
pub(crate) async fn seed() -> (ScratchDb, MySqlPool) {
    let db = scratch().await;
    let fixture = lmh::fixtures::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/seed-incident.yaml"
    ))
    .unwrap();
    lmh::fixtures::insert(&fixture, &db).await.unwrap();
    let pool = connect_read_only(&database_url(&db)).await.unwrap();
    (db, pool)
}

pub(crate) async fn exec(db: &ScratchDb, sql: &'static str) {
    sqlx::query(sql).execute(db.pool()).await.unwrap();
}

/// Date every row and campaign at `when` (business-local, as the reference scheduler writes).
async fn date_rows(db: &ScratchDb, when: NaiveDateTime) {
    sqlx::query("UPDATE ll_envios_whatsapp_historial SET created_at = ?")
        .bind(when)
        .execute(db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE ll_campanias_whatsapp SET fecha_creacion = ?")
        .bind(when)
        .execute(db.pool())
        .await
        .unwrap();
}

fn client(uri: &str) -> SessionManagerClient {
    let mut config = ClientConfig::new(uri);
    config.connect_timeout = Duration::from_secs(2);
    config.timeout = Duration::from_secs(2);
    SessionManagerClient::new(config).unwrap()
}

pub(crate) async fn ready_mock() -> MockSessionManager {
    let mock = MockSessionManager::start().await;
    mock.set_state(51, SessionState::Ready);
    mock
}

/// A loopback URL where nothing listens.
pub(crate) fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn line(next: &NextTick, id: i64) -> String {
    next.programacion(id)
        .unwrap_or_else(|| panic!("programación {id} previewed"))
        .verdict_line()
}

fn business() -> StuckOptions {
    StuckOptions {
        threshold: Duration::from_secs(15 * 60),
        timestamps: TimestampZone::Business,
    }
}

async fn count(db: &ScratchDb, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db.pool()).await.unwrap()
}

#[tokio::test]
async fn a_complete_schema_passes_and_an_empty_database_has_nothing_to_do() {
    let db = scratch().await;
    let pool = connect_read_only(&database_url(&db)).await.unwrap();
    let schema = doctor::probe_schema(&pool).await.unwrap();
    assert!(schema.is_ok(), "{:#?}", schema.findings);
    assert_eq!(schema.warnings().count(), 0, "{:#?}", schema.findings);
    assert_eq!(schema.database, db.name());
    assert!(schema.checked >= 40, "checked {}", schema.checked);
    // A scratch database has lmh's claim table: information, not a problem.
    assert!(schema.has_claim_table());

    let mock = ready_mock().await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert!(next.programaciones.is_empty());
    assert!(next.sessions.is_empty(), "no client to ask");
    let checks = doctor::to_checks(&schema, Some(&next), &[]);
    assert!(
        checks.iter().all(|c| c.outcome == Outcome::Pass),
        "{checks:#?}"
    );
    assert!(checks.iter().any(|c| c.area == "db" && c.name == "schema"));
    let lines = doctor::diagnosis(&schema, Some(&next), &[]);
    assert_eq!(
        lines[1],
        format!(
            "no approved programación in {}: the scheduler has nothing to do",
            db.name()
        )
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_dropped_column_a_narrowed_enum_and_a_missing_key_are_named_exactly() {
    let (db, pool) = seed().await;
    exec(&db, "ALTER TABLE ll_envios_whatsapp DROP COLUMN message_id").await;
    exec(
        &db,
        "ALTER TABLE ll_envios_whatsapp MODIFY estado enum('pendiente','enviado') DEFAULT 'pendiente'",
    )
    .await;
    // As a permissive production server would: emoji become '?' instead of an error.
    let lax = db.pool_with_sql_mode(SqlMode::NonStrict).await.unwrap();
    sqlx::query("ALTER TABLE ll_envios_whatsapp MODIFY mensaje_final text CHARACTER SET latin1")
        .execute(&lax)
        .await
        .unwrap();
    lax.close().await;
    exec(
        &db,
        "ALTER TABLE ll_programacion_envios_diarios ADD KEY idx_prog (programacion_id), DROP INDEX uniq_programacion_fecha",
    )
    .await;
    exec(
        &db,
        "ALTER TABLE ll_programaciones MODIFY hora_inicio varchar(8) NOT NULL",
    )
    .await;
    exec(&db, "DROP TABLE lmh_envio_intentos").await;
    exec(&db, "DROP TABLE ll_envios_whatsapp_historial").await;

    let schema = doctor::probe_schema(&pool).await.unwrap();
    assert!(!schema.is_ok());
    let errors: Vec<&str> = schema.errors().map(|f| f.message.as_str()).collect();
    // message_id is lmh's reference scheduler's column, not central-hub's: a warning.
    assert!(
        !errors.iter().any(|e| e.contains("message_id")),
        "{errors:#?}"
    );
    let warnings: Vec<&str> = schema.warnings().map(|f| f.message.as_str()).collect();
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "ll_envios_whatsapp.message_id missing: lmh's reference scheduler records the provider's id there"
        )),
        "{warnings:#?}"
    );
    assert!(
        errors.contains(
            &"ll_envios_whatsapp.estado enum lacks 'error': the scheduler cannot mark a refused recipient, so it retries it forever (invariant 10)"
        ),
        "{errors:#?}"
    );
    assert!(
        errors.contains(
            &"table ll_envios_whatsapp_historial missing: state changes cannot be audited (invariant 11)"
        ),
        "{errors:#?}"
    );
    assert!(
        errors.contains(
            &"ll_programaciones.hora_inicio is varchar(8), expected a time column: the scheduler cannot tell when the window opens (invariant 14)"
        ),
        "{errors:#?}"
    );
    let mut items: Vec<&str> = schema.errors().map(|f| f.item.as_str()).collect();
    items.sort();
    assert_eq!(
        items,
        [
            "ll_envios_whatsapp.estado",
            "ll_envios_whatsapp_historial",
            "ll_programacion_envios_diarios UNIQUE(programacion_id, fecha)",
            "ll_programaciones.hora_inicio",
        ]
    );
    let key = schema
        .errors()
        .find(|f| matches!(f.kind, FindingKind::MissingUniqueKey { .. }))
        .unwrap();
    assert!(
        key.message
            .starts_with("ll_programacion_envios_diarios UNIQUE(programacion_id, fecha) missing (its unique keys: PRIMARY(id)):"),
        "{}",
        key.message
    );
    // The text column lost utf8mb4, and lmh's own message_id is gone: warnings, not errors.
    let warnings: Vec<&str> = schema.warnings().map(|f| f.item.as_str()).collect();
    assert_eq!(
        warnings,
        [
            "ll_envios_whatsapp.message_id",
            "ll_envios_whatsapp.mensaje_final"
        ]
    );
    // lmh's own table is absent, as on any production database: information only.
    let claim = schema
        .findings
        .iter()
        .find(|f| f.item == "lmh_envio_intentos")
        .unwrap();
    assert_eq!(claim.severity, Severity::Info);
    assert!(!schema.has_claim_table());

    let checks = doctor::schema_checks(&schema);
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(failed.len(), 4, "{checks:#?}");
    assert!(checks.iter().all(|c| c.area == "db"));
    let lines = doctor::diagnosis(&schema, None, &[]);
    assert!(lines[0].contains("4 problems"), "{lines:#?}");
    assert!(lines[0].ends_with("; and 1 more"), "{lines:#?}");

    // The preview still reads what it needs, dating rows by their campaign instead.
    let mock = ready_mock().await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert!(!next.has_historial && !next.has_claims);
    let p1 = next.programacion(1).unwrap();
    assert_eq!(
        p1.pending.oldest_since.map(|(_, s)| s),
        Some(TimestampSource::CampaignCreated)
    );
    assert_eq!(line(&next, 1), "would send 5");
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_preview_on_a_database_without_the_scheduler_tables_says_what_is_missing() {
    let db = scratch().await;
    exec(&db, "DROP TABLE lmh_envio_intentos").await;
    exec(&db, "DROP TABLE ll_envios_whatsapp_historial").await;
    exec(&db, "DROP TABLE ll_envios_whatsapp").await;
    let pool = connect_read_only(&database_url(&db)).await.unwrap();
    let mock = ready_mock().await;
    let found = doctor::examine(
        &pool,
        &client(&mock.uri()),
        at(12, 48),
        DEFAULT_TZ,
        &StuckOptions::default(),
    )
    .await
    .unwrap();
    let err = found.next.as_ref().unwrap_err();
    assert!(matches!(err, DoctorError::Schema { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("ll_envios_whatsapp.id") && msg.contains("ll_envios_whatsapp.estado"),
        "{msg}"
    );
    let checks = found.checks();
    let skip = checks.iter().find(|c| c.name == "next tick").unwrap();
    assert_eq!(skip.outcome, Outcome::Skip);
    assert!(
        checks
            .iter()
            .any(|c| c.outcome == Outcome::Fail && c.name == "ll_envios_whatsapp")
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn the_seed_incident_with_a_ready_session_would_send_every_row_and_sends_nothing() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    let schema = doctor::probe_schema(&pool).await.unwrap();
    assert!(schema.is_ok(), "{:#?}", schema.findings);
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(next.local_now, seed_day(12, 48));
    let ids: Vec<i64> = next.programaciones.iter().map(|p| p.id).collect();
    assert_eq!(ids, [1, 39, 40]);
    for id in [1, 39, 40] {
        assert_eq!(line(&next, id), "would send 5", "programación {id}");
        let p = next.programacion(id).unwrap();
        assert!(p.in_date_range && p.runs_today && p.in_window);
        assert_eq!(p.campaign_estado.as_deref(), Some("en_progreso"));
        assert_eq!(p.pending.total, 5);
        assert_eq!(p.pending.unsendable(), 0);
    }
    assert_eq!(next.programacion(40).unwrap().quota_left, Some(30));
    assert_eq!(next.would_send(), 15);
    assert!(next.sessions[&51].is_ready());

    let lines = doctor::diagnosis(&schema, Some(&next), &[]);
    assert_eq!(
        lines[1],
        "3 approved programaciones of cliente 51 (1, 39, 40) are in window with 15 pendientes and quota left"
    );
    assert_eq!(
        lines[2],
        format!(
            "cliente 51's session is READY at {}: the next tick would send 15 (programación 1: 5, 39: 5, 40: 5)",
            mock.uri()
        )
    );
    let checks = doctor::to_checks(&schema, Some(&next), &[]);
    assert!(
        checks.iter().all(|c| c.outcome == Outcome::Pass),
        "{checks:#?}"
    );

    // Only GET /status was asked, once for the one client; nothing was sent, claimed or written.
    let journal = mock.journal();
    let asked: Vec<String> = journal.iter().map(|e| e.label()).collect();
    assert_eq!(asked, ["GET /status"]);
    assert!(mock.deliveries().is_empty());
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM ll_envios_whatsapp WHERE estado = 'pendiente'"
        )
        .await,
        15
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM lmh_envio_intentos").await,
        0
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM ll_programacion_envios_diarios").await,
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM ll_programaciones WHERE locked_by IS NOT NULL"
        )
        .await,
        0
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn ready_rows_that_wait_past_the_threshold_are_stuck_with_a_diagnosis() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    let c = client(&mock.uri());
    date_rows(&db, seed_day(9, 0)).await;
    let next = doctor::next_tick(&pool, &c, at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();

    // Rows since 09:00, nothing sent today: idle since the later of the rows and the window.
    let stuck = doctor::stuck(&next, &business());
    let ids: Vec<i64> = stuck.iter().map(|s| s.programacion_id).collect();
    assert_eq!(ids, [1, 39, 40]);
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
    let ids: Vec<i64> = doctor::stuck(&next, &hour)
        .iter()
        .map(|s| s.programacion_id)
        .collect();
    assert_eq!(ids, [1, 39]);

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
    let ids: Vec<i64> = doctor::stuck(&next, &business())
        .iter()
        .map(|s| s.programacion_id)
        .collect();
    assert_eq!(ids, [39, 40]);

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

#[tokio::test]
async fn the_seed_incident_on_a_closed_port_names_the_refused_connection_and_the_url() {
    let (db, pool) = seed().await;
    let url = closed_port_url();
    // Rows that arrived a minute ago: stuck anyway, because no tick can ever send them.
    date_rows(&db, seed_day(12, 47)).await;
    let found = doctor::examine(
        &pool,
        &client(&url),
        at(12, 48),
        DEFAULT_TZ,
        &StuckOptions::default(),
    )
    .await
    .unwrap();
    let next = found.next.as_ref().unwrap();
    for id in [1, 39, 40] {
        assert_eq!(
            line(next, id),
            format!(
                "would skip: cliente 51's session cannot be read: the session-manager at {url} refuses connections"
            )
        );
    }
    assert_eq!(found.stuck.len(), 3);
    for s in &found.stuck {
        assert!(matches!(
            &s.cause,
            StuckCause::SessionUnreadable { kind: "transport", base_url, .. } if *base_url == url
        ));
        assert!(s.diagnosis.contains("every tick aborts before sending"));
    }
    let lines = found.diagnosis();
    assert_eq!(
        lines[1],
        "3 approved programaciones of cliente 51 (1, 39, 40) are in window with 15 pendientes and quota left"
    );
    assert_eq!(
        lines[2],
        format!(
            "the session-manager at {url} refuses connections: every tick aborts before sending, so rows stay pendiente"
        )
    );
    assert!(
        lines[3].starts_with("what to do: nothing answers there: point SESSION_MANAGER_BASE_URL"),
        "{lines:#?}"
    );
    assert_eq!(lines.len(), 4, "{lines:#?}");

    let mut report = Report::new("lmh doctor");
    report.extend(found.checks());
    assert!(!report.passed());
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "session cliente 51",
            "programación 1",
            "programación 39",
            "programación 40"
        ]
    );
    let session = &report
        .checks
        .iter()
        .find(|c| c.name == "session cliente 51")
        .unwrap();
    assert_eq!(session.area, "scheduler");
    assert!(session.summary.contains(&url), "{}", session.summary);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_drifted_v2_provider_is_named_as_a_protocol_error() {
    let (db, pool) = seed().await;
    let mock = MockSessionManager::start_with(MockConfig {
        profile: Profile::V2,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    mock.set_state(51, SessionState::Ready);
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    let stuck = doctor::stuck(&next, &StuckOptions::default());
    assert_eq!(stuck.len(), 3);
    assert!(matches!(
        stuck[0].cause,
        StuckCause::SessionUnreadable {
            kind: "protocol",
            ..
        }
    ));
    let schema = doctor::probe_schema(&pool).await.unwrap();
    let lines = doctor::diagnosis(&schema, Some(&next), &stuck);
    assert_eq!(
        lines[2],
        format!(
            "the session-manager at {} answers GET /status outside the v1 contract (protocol error): every tick aborts before sending, so rows stay pendiente",
            mock.uri()
        )
    );
    assert!(
        lines[3].contains("v2 answers {status} instead of {state}"),
        "{lines:#?}"
    );
    // The READY the v2 provider reports is never taken for the v1 READY.
    assert!(!next.sessions[&51].is_ready());
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_server_without_get_status_is_named_as_route_missing() {
    let (db, pool) = seed().await;
    // Something answers on the port, but has no /status: every route is 404.
    let server = wiremock::MockServer::start().await;
    let next = doctor::next_tick(&pool, &client(&server.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    let stuck = doctor::stuck(&next, &StuckOptions::default());
    assert_eq!(stuck.len(), 3);
    assert!(matches!(
        &stuck[0].cause,
        StuckCause::SessionUnreadable { kind: "route_missing", phrase, .. }
            if phrase == "answers 404 to GET /status (route missing)"
    ));
    assert!(
        stuck[0]
            .diagnosis
            .contains("/api/session-manager/sessions/sender_N"),
        "{}",
        stuck[0].diagnosis
    );
    assert_eq!(
        line(&next, 40),
        format!(
            "would skip: cliente 51's session cannot be read: the session-manager at {} answers 404 to GET /status (route missing)",
            server.uri()
        )
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn window_weekday_and_date_range_are_judged_in_the_business_zone() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    let c = client(&mock.uri());
    date_rows(&db, seed_day(6, 0)).await;

    // 08:30 in Buenos Aires is 11:30 UTC: inside programación 1's window if read in UTC.
    let early = doctor::next_tick(&pool, &c, at(8, 30), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&early, 1),
        "would skip: outside window [09:00:00, 18:00:00] at 08:30:00 (America/Argentina/Buenos_Aires)"
    );
    for id in [39, 40] {
        assert!(line(&early, id).starts_with("would skip: outside window"));
    }
    assert!(doctor::stuck(&early, &business()).is_empty());
    let schema = doctor::probe_schema(&pool).await.unwrap();
    let lines = doctor::diagnosis(&schema, Some(&early), &[]);
    assert_eq!(
        lines[1],
        "3 approved programaciones would not send now: outside window (1, 39, 40)"
    );

    // Wednesday: programación 40 runs tue,thu only.
    let wednesday = doctor::next_tick(&pool, &c, local(2026, 1, 14, 13, 0), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&wednesday, 40),
        "would skip: wed not in dias_semana \"tue,thu\""
    );
    assert_eq!(line(&wednesday, 1), "would send 5");

    // February: programación 39 ended on January 31.
    let february = doctor::next_tick(&pool, &c, local(2026, 2, 3, 12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&february, 39),
        "would skip: outside its date range [2026-01-10, 2026-01-31] on 2026-02-03"
    );

    // Day names the scheduler does not read are named.
    exec(
        &db,
        "UPDATE ll_programaciones SET dias_semana = 'lunes,martes' WHERE id = 40",
    )
    .await;
    let next = doctor::next_tick(&pool, &c, at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&next, 40),
        "would skip: tue not in dias_semana \"lunes,martes\" (lunes, martes not a weekday the scheduler reads: use sun,mon,tue,wed,thu,fri,sat)"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn quota_is_todays_counter_in_the_business_zone() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    for (p, fecha, n) in [
        (40, "2026-01-13", 30),
        (1, "2026-01-13", 48),
        (39, "2026-01-12", 50),
    ] {
        sqlx::query(
            "INSERT INTO ll_programacion_envios_diarios (programacion_id, fecha, enviados) VALUES (?, ?, ?)",
        )
        .bind(p)
        .bind(fecha)
        .bind(n)
        .execute(db.pool())
        .await
        .unwrap();
    }
    date_rows(&db, seed_day(6, 0)).await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&next, 40),
        "would skip: quota exhausted (30 of cupo_diario 30 sent on 2026-01-13)"
    );
    assert_eq!(line(&next, 1), "would send 2");
    assert_eq!(next.programacion(1).unwrap().quota_left, Some(2));
    // Yesterday's counter does not count today.
    assert_eq!(line(&next, 39), "would send 5");
    // An exhausted quota is not stuck; the other two are (nothing sent since 09:00 / 10:00).
    let ids: Vec<i64> = doctor::stuck(&next, &business())
        .iter()
        .map(|s| s.programacion_id)
        .collect();
    assert_eq!(ids, [1, 39]);
    let schema = doctor::probe_schema(&pool).await.unwrap();
    let lines = doctor::diagnosis(&schema, Some(&next), &[]);
    assert!(
        lines.contains(&"2 approved programaciones of cliente 51 (1, 39) are in window with 10 pendientes and quota left".to_string()),
        "{lines:#?}"
    );
    assert!(
        lines.contains(
            &"1 approved programación would not send now: quota exhausted (40)".to_string()
        ),
        "{lines:#?}"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn rows_without_a_valid_phone_or_text_are_counted_as_the_scheduler_would_mark_them() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    exec(
        &db,
        "INSERT INTO ll_envios_whatsapp (campania_id, telefono_wapp, mensaje_final) VALUES
           (46, NULL, 'Hola'), (46, '+54 9 11 3456-7890', 'Hola'), (46, '5491100000001', '   ')",
    )
    .await;
    let c = client(&mock.uri());
    let next = doctor::next_tick(&pool, &c, at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    let p = next.programacion(40).unwrap();
    assert_eq!(
        (
            p.pending.total,
            p.pending.sendable,
            p.pending.sin_telefono,
            p.pending.telefono_invalido,
            p.pending.sin_texto
        ),
        (8, 5, 1, 1, 1)
    );
    assert_eq!(
        line(&next, 40),
        "would send 5 and mark 3 error (no valid phone or text)"
    );
    // With two sends left, the batch stops before reaching the bad rows (they come last).
    exec(
        &db,
        "INSERT INTO ll_programacion_envios_diarios (programacion_id, fecha, enviados) VALUES (40, '2026-01-13', 28)",
    )
    .await;
    let next = doctor::next_tick(&pool, &c, at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        next.programacion(40).unwrap().verdict,
        Verdict::WouldSend {
            rows: 2,
            to_error: 0
        }
    );
    let schema = doctor::probe_schema(&pool).await.unwrap();
    let lines = doctor::diagnosis(&schema, Some(&next), &[]);
    assert_eq!(
        lines[1],
        "3 approved programaciones of cliente 51 (1, 39, 40) are in window with 18 pendientes (3 without a valid phone or text) and quota left"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_session_that_is_not_ready_is_a_warning_not_a_stuck_row() {
    let (db, pool) = seed().await;
    let mock = MockSessionManager::start().await;
    mock.set_state(51, SessionState::QrRequired);
    date_rows(&db, seed_day(6, 0)).await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&next, 1),
        "would skip: cliente 51's session is QR_REQUIRED (Scan QR code to authenticate)"
    );
    assert_eq!(
        next.programacion(1).unwrap().verdict,
        Verdict::WouldSkip(Skip::SessionNotReady {
            cliente_id: 51,
            state: SessionState::QrRequired
        })
    );
    assert!(doctor::stuck(&next, &business()).is_empty());
    let schema = doctor::probe_schema(&pool).await.unwrap();
    let checks = doctor::to_checks(&schema, Some(&next), &[]);
    let session = checks
        .iter()
        .find(|c| c.name == "session cliente 51")
        .unwrap();
    assert_eq!(session.outcome, Outcome::Warn);
    assert!(checks.iter().all(|c| c.outcome != Outcome::Fail));
    let lines = doctor::diagnosis(&schema, Some(&next), &[]);
    assert_eq!(
        lines[2],
        "cliente 51's session is QR_REQUIRED (Scan QR code to authenticate): nothing is sent until it is READY"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_campaign_not_in_progress_or_missing_is_named() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    exec(
        &db,
        "UPDATE ll_campanias_whatsapp SET estado = 'finalizado' WHERE id = 45",
    )
    .await;
    // Production databases have orphans the foreign key would refuse today.
    let mut conn = db.pool().acquire().await.unwrap();
    sqlx::query("SET SESSION foreign_key_checks = 0")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO ll_programaciones (id, campania_id, cliente_id, dias_semana, hora_inicio, hora_fin, cupo_diario, fecha_inicio, estado)
         VALUES (50, 999, 51, 'tue', '09:00:00', '18:00:00', 10, '2026-01-01', 'aprobada')",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query("SET SESSION foreign_key_checks = 1")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert_eq!(
        line(&next, 39),
        "would skip: campaign 45 is \"finalizado\", not en_progreso"
    );
    assert_eq!(line(&next, 50), "would skip: campaign 999 does not exist");
    let schema = doctor::probe_schema(&pool).await.unwrap();
    let checks = doctor::to_checks(&schema, Some(&next), &[]);
    for name in ["programación 39", "programación 50"] {
        let c = checks.iter().find(|c| c.name == name).unwrap();
        assert_eq!(c.outcome, Outcome::Warn, "{c:?}");
    }
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn rows_claimed_by_lmh_are_not_counted_as_sendable() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    exec(
        &db,
        "INSERT INTO lmh_envio_intentos (envio_id, programacion_id, worker, claimed_at, resultado)
         VALUES (1, 1, 'lmh-dead', '2026-01-13 15:00:00', 'desconocido')",
    )
    .await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    assert!(next.has_claims);
    let p = next.programacion(1).unwrap();
    assert_eq!((p.pending.total, p.pending.sendable), (5, 4));
    assert_eq!((p.pending.claimed, p.pending.outcome_unknown), (1, 1));
    assert_eq!(p.pending.oldest_id, Some(2));
    assert_eq!(line(&next, 1), "would send 4");
    db.drop_database().await.unwrap();
}

/// A released claim (a send that certainly failed, attempts left) is sent again by the
/// scheduler, so the preview counts it as sendable, not as held.
#[tokio::test]
async fn rows_released_for_another_attempt_are_counted_as_sendable() {
    let (db, pool) = seed().await;
    let mock = ready_mock().await;
    exec(
        &db,
        "INSERT INTO lmh_envio_intentos (envio_id, programacion_id, worker, claimed_at, intentos, resultado)
         VALUES (1, 1, 'lmh-a', '2026-01-13 15:00:00', 2, 'reintentar')",
    )
    .await;
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    let p = next.programacion(1).unwrap();
    assert_eq!((p.pending.total, p.pending.sendable), (5, 5));
    assert_eq!(p.pending.claimed, 0);
    assert_eq!(p.pending.oldest_id, Some(1));
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn the_doctor_only_reads_through_read_only_sessions() {
    let (db, pool) = seed().await;
    // A write through the doctor's pool is refused by the server.
    let err = sqlx::query(
        "INSERT INTO ll_campanias_whatsapp (nombre, mensaje, estado) VALUES ('x', 'y', 'en_progreso')",
    )
    .execute(&pool)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("READ ONLY"), "{err}");
    let err = sqlx::query("UPDATE ll_envios_whatsapp SET estado = 'enviado'")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("READ ONLY"), "{err}");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM ll_campanias_whatsapp").await,
        3
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM ll_envios_whatsapp WHERE estado = 'pendiente'"
        )
        .await,
        15
    );

    // A pool that accepts writes is refused before anything is read.
    let mock = ready_mock().await;
    let err = doctor::probe_schema(db.pool()).await.unwrap_err();
    assert_eq!(
        err,
        DoctorError::NotReadOnly {
            database: db.name().to_string()
        }
    );
    let err = doctor::next_tick(db.pool(), &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap_err();
    assert!(matches!(err, DoctorError::NotReadOnly { .. }));
    assert!(
        mock.journal().is_empty(),
        "nothing asked before the refusal"
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_url_without_a_database_is_refused_with_what_to_do() {
    let pool = connect_read_only(&helpers::server_url()).await.unwrap();
    let err = doctor::probe_schema(&pool).await.unwrap_err();
    assert_eq!(err, DoctorError::NoDatabase);
    assert!(
        err.to_string()
            .contains("mysql://user@host:3306/leadmaster")
    );
}

/// The documented form (hub side only): the session-manager side is reported as not given,
/// not a usage error.
#[tokio::test]
async fn doctor_with_only_the_hub_env_reports_the_session_manager_side_as_not_given() {
    let (db, pool) = seed().await;
    pool.close().await;
    let mock = ready_mock().await;
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(&env, format!("SESSION_MANAGER_BASE_URL={}\n", mock.uri())).unwrap();
    let args = vec![
        "doctor".to_string(),
        "--hub-env".into(),
        env.display().to_string(),
        "--session-manager".into(),
        mock.uri(),
        "--db-url".into(),
        database_url(&db),
        "--now".into(),
        "2026-01-13T12:48:00".into(),
        "--format".into(),
        "json".into(),
    ];
    // Blocking on another thread keeps this runtime free to serve the mock.
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_lmh"))
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(2), "not a usage error: {stderr}");
    assert!(!stderr.contains("nothing describes"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = |name: &str| {
        json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["area"] == "config" && c["name"] == name)
            .unwrap_or_else(|| panic!("no config check {name:?} in {json:#}"))
            .clone()
    };
    assert_eq!(
        check("central-hub SESSION_MANAGER_BASE_URL")["outcome"],
        "pass"
    );
    assert_eq!(check("session-manager sources")["outcome"], "skip");
    let agreement = check("port agreement");
    assert_eq!(agreement["outcome"], "skip");
    assert!(
        agreement["summary"].as_str().unwrap().contains("--sm DIR"),
        "{agreement}"
    );
    db.drop_database().await.unwrap();
}

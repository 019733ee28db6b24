//! The database side of `lmh doctor` against real MariaDB scratch databases read through a
//! read-only pool, and real session-managers on loopback (the mock, a v2 mock, a server without
//! routes, a closed port). Time is always the virtual seed day, never the real clock.

mod gates;
mod preview;
mod read_only;
mod schema;
mod sessions;
mod source;
mod stuck;

use crate::helpers;

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use helpers::{closed_port_url, run_lmh_async, seed_day};
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
    let fixture = lmh::fixtures::load(helpers::root("fixtures/seed-incident.yaml")).unwrap();
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

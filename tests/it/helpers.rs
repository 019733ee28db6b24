//! A `spawn_app`-style helper: each test gets its own scratch database on the machine's
//! MariaDB (or `DATABASE_URL`), its own mock session-manager on loopback, and a virtual clock.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::process::{Command, Output};
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use lmh::adapter::{ClientConfig, SessionManagerClient};
use lmh::clock::Clock;
use lmh::db::ScratchDb;
use lmh::domain::{DEFAULT_TZ, local_to_utc};
use lmh::mock::MockSessionManager;
use lmh::scheduler::{Pacing, Scheduler, SchedulerConfig};
use lmh::session::SessionState;
use sqlx::MySqlPool;

/// The `lmh` binary of this build, deaf to the switches of the shell that runs the tests
/// (`DRY_RUN=true` there must not turn a test's sends into decisions).
pub fn lmh() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lmh"));
    for switch in [
        lmh::scheduler::switches::DRY_RUN,
        lmh::scheduler::switches::AUTO_CAMPAIGNS_ENABLED,
        "LMH_TIMEOUT_MS",
    ] {
        cmd.env_remove(switch);
    }
    cmd
}

/// How `cmd` ended and what it printed: its exit code (-1 when a signal ended it), stdout and
/// stderr as text.
pub fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("the lmh binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Assert that `out` ended with exit code `code`; if not, show `context`, its stdout and its
/// stderr.
pub fn assert_exit(out: &Output, code: i32, context: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{context}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `lmh args…` run to its end, as [`output`] reads it.
pub fn run_lmh<S: AsRef<OsStr>>(args: &[S]) -> (i32, String, String) {
    output(lmh().args(args))
}

/// [`run_lmh`] on a blocking thread, so the test's runtime goes on serving the mocks the
/// binary talks to.
pub async fn run_lmh_async<S: AsRef<OsStr>>(args: &[S]) -> (i32, String, String) {
    let mut cmd = lmh();
    cmd.args(args);
    tokio::task::spawn_blocking(move || output(&mut cmd))
        .await
        .expect("the lmh run ends")
}

/// Runs the calling test alone, in a child process of this test binary: true in the child,
/// which then runs the test's body; in the parent, it waits for the child and fails when it
/// failed, then returns false. For tests whose subject is process-wide (every scratch
/// database of the process), which the tests running beside them in one binary would disturb
/// and be disturbed by. `test` is the test's path, e.g. `db::scratch::some_test`.
pub fn alone_in_a_process(test: &str) -> bool {
    const ALONE: &str = "LMH_TEST_ALONE";
    if std::env::var(ALONE).as_deref() == Ok(test) {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env(ALONE, test)
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{test}, alone in its own process, did not pass:\n{stdout}\n{stderr}"
    );
    false
}

/// A loopback port nobody listens on (bound, noted, closed): a connection there is refused at
/// once, or a server started by the test can take it.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.local_addr().expect("local addr").port()
}

/// An HTTP base URL on a [`closed_port`].
pub fn closed_port_url() -> String {
    format!("http://127.0.0.1:{}", closed_port())
}

/// A path inside the repository, as the binary is given it.
pub fn root(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// The server tests create their scratch databases on: `DATABASE_URL`, else the local one.
pub fn server_url() -> String {
    lmh::db::server_url_from_env().unwrap_or_else(|| lmh::db::LOCAL_SERVER_URL.to_string())
}

/// `lmh gate` on the seed's installation: its configuration trees with the shell's leftover
/// `PORT=3011`, its consumer's journal and the seed fixture, against the test server; the
/// caller adds the report flags (`--junit FILE`, `--html FILE`).
pub fn seed_gate() -> Command {
    let mut gate = lmh();
    gate.args([
        "gate",
        "--hub",
        &root("tests/data/config/seed/central-hub"),
        "--sm",
        &root("tests/data/config/seed/session-manager"),
        "--sm-shell",
        "PORT=3011",
        "--journal",
        &root("tests/data/seed/consumer-journal.jsonl"),
        // Not the URL central-hub's .env names: what listens there depends on the machine.
        "--session-manager",
        "none",
        "--db-url",
        &server_url(),
        "--fixtures",
        &root("fixtures/seed-incident.yaml"),
    ]);
    gate
}

/// One test's world.
pub struct TestApp {
    pub db: ScratchDb,
    pub mock: MockSessionManager,
    pub clock: Clock,
}

/// Tuesday 2026-01-13, the seed's day, in Buenos Aires.
pub fn seed_day(h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, 13)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

impl TestApp {
    /// A fresh scratch database and mock; the clock starts at `local` business time.
    pub async fn spawn(local: NaiveDateTime) -> TestApp {
        let db = ScratchDb::create(&server_url())
            .await
            .expect("a MariaDB for tests (start it, or set DATABASE_URL)");
        let mock = MockSessionManager::start().await;
        let clock = Clock::virtual_at(local_to_utc(DEFAULT_TZ, local).unwrap());
        mock.set_clock(clock.clone());
        TestApp { db, mock, clock }
    }

    pub fn pool(&self) -> &MySqlPool {
        self.db.pool()
    }

    pub fn client(&self) -> SessionManagerClient {
        let mut config = ClientConfig::new(self.mock.uri());
        config.timeout = Duration::from_millis(400);
        SessionManagerClient::new(config).unwrap()
    }

    pub fn config(&self) -> SchedulerConfig {
        SchedulerConfig {
            pacing: Pacing::NONE,
            ..SchedulerConfig::default()
        }
    }

    pub fn scheduler(&self) -> Scheduler {
        self.scheduler_with(self.config())
    }

    pub fn scheduler_with(&self, config: SchedulerConfig) -> Scheduler {
        Scheduler::new(&self.db, self.client(), self.clock.clone(), config)
    }

    /// Campaign `id` of `cliente`, en_progreso, with one approved weekday programación
    /// (`id` too) 09:00–18:00 and `cupo`, and `n` pendiente rows.
    pub async fn campaign(&self, id: i64, cliente: i64, cupo: i64, n: usize) -> Vec<i64> {
        self.mock.set_state(cliente as u64, SessionState::Ready);
        sqlx::query("INSERT INTO ll_campanias_whatsapp (id, nombre, mensaje, estado, cliente_id) VALUES (?, ?, 'Hola', 'en_progreso', ?)")
            .bind(id).bind(format!("campaign {id}")).bind(cliente)
            .execute(self.pool()).await.unwrap();
        sqlx::query(
            "INSERT INTO ll_programaciones (id, campania_id, cliente_id, dias_semana, hora_inicio, hora_fin, cupo_diario, fecha_inicio, estado)
             VALUES (?, ?, ?, 'mon,tue,wed,thu,fri', '09:00:00', '18:00:00', ?, '2026-01-01', 'aprobada')",
        )
        .bind(id).bind(id).bind(cliente).bind(cupo)
        .execute(self.pool()).await.unwrap();
        let mut ids = Vec::new();
        for i in 0..n {
            let r = sqlx::query("INSERT INTO ll_envios_whatsapp (campania_id, telefono_wapp, nombre_destino, mensaje_final) VALUES (?, ?, 'José', ?)")
                .bind(id)
                .bind(format!("54911{:08}", id * 100_000 + i as i64))
                .bind(format!("Hola José 👋 nº{i} ¿cómo estás?"))
                .execute(self.pool()).await.unwrap();
            ids.push(r.last_insert_id() as i64);
        }
        ids
    }

    pub async fn estado(&self, envio: i64) -> String {
        sqlx::query_scalar("SELECT CAST(estado AS CHAR) FROM ll_envios_whatsapp WHERE id = ?")
            .bind(envio)
            .fetch_one(self.pool())
            .await
            .unwrap()
    }

    pub async fn count(&self, estado: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM ll_envios_whatsapp WHERE estado = ?")
            .bind(estado)
            .fetch_one(self.pool())
            .await
            .unwrap()
    }

    pub async fn counter(&self, programacion: i64) -> i64 {
        sqlx::query_scalar::<_, i32>(
            "SELECT enviados FROM ll_programacion_envios_diarios WHERE programacion_id = ?",
        )
        .bind(programacion)
        .fetch_optional(self.pool())
        .await
        .unwrap()
        .map(i64::from)
        .unwrap_or(0)
    }

    /// Every invariant over what the run left, with `expected` outcomes per row.
    pub async fn invariants(
        &self,
        expected: &[(i64, lmh::invariants::Expected)],
    ) -> Vec<lmh::report::Check> {
        let mut ev = lmh::invariants::Evidence::collect(self.pool())
            .await
            .unwrap();
        ev.tz = Some(DEFAULT_TZ);
        ev.journal = Some(self.mock.journal());
        ev.journal_in_run_time = true;
        ev.expected = expected.iter().copied().collect();
        lmh::invariants::check(&ev)
    }

    /// `/send` requests the mock received, carried out or not.
    pub fn sends(&self) -> usize {
        self.mock.journal().iter().filter(|e| e.is_send()).count()
    }

    /// Assert that every invariant holds over what the run left, `expected` per row.
    pub async fn assert_invariants_hold(&self, expected: &[(i64, lmh::invariants::Expected)]) {
        let checks = self.invariants(expected).await;
        assert!(failed(&checks).is_empty(), "{:#?}", failed(&checks));
    }

    pub async fn drop(self) {
        self.db.drop_database().await.unwrap();
    }
}

/// Run `query` with foreign keys unchecked, as production databases hold orphans the keys
/// would refuse today; the connection checks them again before it goes back to the pool.
pub async fn execute_unchecked(
    pool: &MySqlPool,
    query: sqlx::query::Query<'_, sqlx::MySql, sqlx::mysql::MySqlArguments>,
) {
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET SESSION foreign_key_checks = 0")
        .execute(&mut *conn)
        .await
        .unwrap();
    query.execute(&mut *conn).await.unwrap();
    sqlx::query("SET SESSION foreign_key_checks = 1")
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// The names of the failed checks.
pub fn failed(checks: &[lmh::report::Check]) -> Vec<String> {
    lmh::report::failures(checks)
}

//! One measured world: a scratch database loaded with a synthetic fixture, the in-process
//! mock with every client READY, a virtual clock, and the server's own counters.

use std::fmt::Write as _;

use sqlx::MySqlPool;

use crate::adapter::{ClientConfig, SessionManagerClient};
use crate::clock::Clock;
use crate::db::ScratchDb;
use crate::domain::local_to_utc;
use crate::e2e::E2eError;
use crate::fixtures::{self, Fixture};
use crate::invariants::{self, Evidence};
use crate::mock::MockSessionManager;
use crate::scheduler::{Pacing, Scheduler, SchedulerConfig};

/// The shape of a synthetic load.
#[derive(Debug, Clone)]
pub struct Load {
    /// Programaciones (and campaigns), ids 1..=n.
    pub programaciones: u32,
    /// Whether each programación has its own client (51, 52, ...), or all are client 51.
    pub client_each: bool,
    /// Pending rows per programación.
    pub per: u32,
    /// Daily quota per programación.
    pub cupo: u32,
    /// Minutes between one programación's window opening and the next one's (0: all 09:00).
    pub stagger_minutes: u32,
    /// Business-local start and end of the run.
    pub start: &'static str,
    /// End of the run.
    pub end: &'static str,
}

impl Load {
    /// Client of programación `i`.
    pub fn cliente(&self, i: u32) -> u32 {
        if self.client_each { 50 + i } else { 51 }
    }

    /// Window opening of programación `i` as `HH:MM`.
    pub fn opening(&self, i: u32) -> String {
        let minutes = 9 * 60 + (i - 1) * self.stagger_minutes;
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    }

    /// The load as a fixture: weekday windows opening at [`Load::opening`] until 18:00.
    pub fn fixture(&self) -> Result<Fixture, fixtures::FixtureError> {
        let mut yaml = format!(
            "description: synthetic benchmark load\nstart: \"{}\"\nend: \"{}\"\nsessions:\n",
            self.start, self.end
        );
        let clients: std::collections::BTreeSet<u32> =
            (1..=self.programaciones).map(|i| self.cliente(i)).collect();
        for c in clients {
            let _ = writeln!(yaml, "  {c}: READY");
        }
        yaml.push_str("campaigns:\n");
        for i in 1..=self.programaciones {
            let _ = writeln!(
                yaml,
                "  - {{id: {i}, nombre: \"bench {i}\", mensaje: \"Hola\", estado: en_progreso, cliente_id: {}}}",
                self.cliente(i)
            );
        }
        yaml.push_str("programaciones:\n");
        for i in 1..=self.programaciones {
            let _ = writeln!(
                yaml,
                "  - {{id: {i}, campania_id: {i}, cliente_id: {}, dias_semana: \"mon,tue,wed,thu,fri\", hora_inicio: \"{}\", hora_fin: \"18:00\", cupo_diario: {}, fecha_inicio: \"2026-01-01\", fecha_fin: null, estado: aprobada}}",
                self.cliente(i),
                self.opening(i),
                self.cupo
            );
        }
        yaml.push_str("envios:\n");
        for i in 1..=self.programaciones {
            let sent = self.per.min(self.cupo);
            let _ = writeln!(
                yaml,
                "  - {{campania_id: {i}, generate: {sent}, expect: enviado}}"
            );
            if self.per > self.cupo {
                let _ = writeln!(
                    yaml,
                    "  - {{campania_id: {i}, generate: {}, expect: pendiente}}",
                    self.per - self.cupo
                );
            }
        }
        fixtures::parse(
            &yaml,
            format!("bench-{}x{}.yaml", self.programaciones, self.per),
        )
    }
}

/// A loaded scratch database, the mock and a client to it, on a virtual clock.
pub struct World {
    /// The fixture loaded.
    pub fixture: Fixture,
    /// The scratch database.
    pub db: ScratchDb,
    /// The in-process provider.
    pub mock: MockSessionManager,
    /// A client of the mock.
    pub client: SessionManagerClient,
    /// The run's clock, at the fixture's start.
    pub clock: Clock,
}

impl World {
    /// Create the database, load `load`, start the mock.
    pub async fn new(server_url: &str, load: &Load) -> Result<World, E2eError> {
        let fixture = load.fixture()?;
        let db = ScratchDb::create(server_url).await?;
        fixtures::insert(&fixture, &db).await?;
        let start = local_to_utc(fixture.tz, fixture.start)
            .ok_or_else(|| E2eError::Provider(format!("no instant {}", fixture.start)))?;
        let clock = Clock::virtual_at(start);
        let mock = crate::e2e::fixture_mock(&fixture, &clock).await?;
        let client = SessionManagerClient::new(ClientConfig::new(mock.uri()))
            .map_err(|e| E2eError::Provider(e.to_string()))?;
        Ok(World {
            fixture,
            db,
            mock,
            client,
            clock,
        })
    }

    /// lmh's scheduler on this world, with `pacing`, as `worker_id`.
    pub fn scheduler(&self, pacing: Pacing, worker_id: &str) -> Scheduler {
        Scheduler::new(
            &self.db,
            self.client.clone(),
            self.clock.clone(),
            SchedulerConfig {
                tz: self.fixture.tz,
                pacing,
                worker_id: worker_id.into(),
                ..SchedulerConfig::default()
            },
        )
    }

    /// Every invariant over what the run left, with the fixture's expected outcomes: the ones
    /// that broke, each as `name: what was found` (empty: all held).
    pub async fn broken_invariants(&self) -> Result<Vec<String>, E2eError> {
        let mut ev = Evidence::collect(self.db.pool())
            .await
            .map_err(|e| E2eError::Provider(format!("collecting evidence: {e}")))?;
        ev.tz = Some(self.fixture.tz);
        ev.journal = Some(self.mock.journal());
        ev.journal_in_run_time = true;
        ev.expected = self.fixture.expected_outcomes();
        Ok(crate::report::failures(&invariants::check(&ev)))
    }

    /// Drop the scratch database.
    pub async fn drop(self) -> Result<(), E2eError> {
        self.db.drop_database().await?;
        Ok(())
    }
}

/// The server's own counters, summed over every connection of a pool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// `Com_commit`: explicit COMMIT statements.
    pub commits: i64,
    /// `Com_insert + Com_update + Com_delete + Com_insert_select`: write statements.
    pub writes: i64,
    /// `Questions`: every statement the client sent (round trips, the counters' own
    /// `SHOW` included).
    pub statements: i64,
}

impl Counters {
    /// What happened between `before` and `self`.
    pub fn since(self, before: Counters) -> Counters {
        Counters {
            commits: self.commits - before.commits,
            writes: self.writes - before.writes,
            statements: self.statements - before.statements,
        }
    }
}

/// Read `SHOW SESSION STATUS` on every connection of `pool`, all held at once (so the pool
/// opens all of them and the same ones serve the run: call it before and after).
pub async fn counters(pool: &MySqlPool) -> Result<Counters, sqlx::Error> {
    let n = pool.options().get_max_connections();
    let mut held = Vec::new();
    for _ in 0..n {
        held.push(pool.acquire().await?);
    }
    let mut total = Counters::default();
    for conn in &mut held {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SHOW SESSION STATUS WHERE Variable_name IN ('Com_commit', 'Com_insert', 'Com_update', 'Com_delete', 'Com_insert_select', 'Questions')",
        )
        .fetch_all(&mut **conn)
        .await?;
        for (name, value) in rows {
            let v: i64 = value.parse().unwrap_or(0);
            if name.eq_ignore_ascii_case("Com_commit") {
                total.commits += v;
            } else if name.eq_ignore_ascii_case("Questions") {
                total.statements += v;
            } else {
                total.writes += v;
            }
        }
    }
    Ok(total)
}

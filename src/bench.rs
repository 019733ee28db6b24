//! Benchmarks of the end-to-end flow, run by `lmh bench` (speed is measured here, never
//! asserted in tests).
//!
//! Each scenario builds a synthetic fixture, runs it through [`crate::e2e::run_fixture`] on a
//! fresh scratch database and the in-process mock, and reports wall time and throughput.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::e2e::{E2eConfig, E2eError, Provider, run_fixture};
use crate::fixtures::{self, Fixture};
use crate::scheduler::Pacing;

/// One measured scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    /// Scenario name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Target from the issue, if any.
    pub target: Option<String>,
    /// Wall time of the whole run (database creation, load, ticks, checks, drop).
    pub wall: Duration,
    /// Scheduler ticks run.
    pub ticks: u32,
    /// Rows sent.
    pub sent: usize,
    /// Rows sent per second of wall time.
    pub rows_per_second: f64,
    /// Whether every invariant held.
    pub invariants_ok: bool,
}

/// `programaciones` approved weekday programaciones of one client, each with `per` pending
/// rows and a daily quota of `cupo`, window 09:00–18:00, starting 2026-01-13 08:59 local.
pub fn synthetic_fixture(
    programaciones: u32,
    per: u32,
    cupo: u32,
    end: &str,
) -> Result<Fixture, fixtures::FixtureError> {
    let mut yaml =
        String::from("description: synthetic benchmark load\nstart: \"2026-01-13T08:59:00\"\n");
    let _ = writeln!(yaml, "end: \"{end}\"\nsessions:\n  51: READY\ncampaigns:");
    for i in 1..=programaciones {
        let _ = writeln!(
            yaml,
            "  - {{id: {i}, nombre: \"bench {i}\", mensaje: \"Hola\", estado: en_progreso, cliente_id: 51}}"
        );
    }
    yaml.push_str("programaciones:\n");
    for i in 1..=programaciones {
        let _ = writeln!(
            yaml,
            "  - {{id: {i}, campania_id: {i}, cliente_id: 51, dias_semana: \"mon,tue,wed,thu,fri\", hora_inicio: \"09:00\", hora_fin: \"18:00\", cupo_diario: {cupo}, fecha_inicio: \"2026-01-01\", fecha_fin: null, estado: aprobada}}"
        );
    }
    yaml.push_str("envios:\n");
    for i in 1..=programaciones {
        let sent = per.min(cupo);
        let _ = writeln!(
            yaml,
            "  - {{campania_id: {i}, generate: {sent}, expect: enviado}}"
        );
        if per > cupo {
            let _ = writeln!(
                yaml,
                "  - {{campania_id: {i}, generate: {}, expect: pendiente}}",
                per - cupo
            );
        }
    }
    fixtures::parse(&yaml, format!("bench-{programaciones}x{per}.yaml"))
}

async fn measure(
    name: &str,
    description: &str,
    target: Option<&str>,
    fixture: &Fixture,
    server_url: &str,
    config: &E2eConfig,
) -> Result<Measurement, E2eError> {
    let started = Instant::now();
    let run = run_fixture(fixture, server_url, &Provider::Mock, config).await?;
    let wall = started.elapsed();
    Ok(Measurement {
        name: name.to_string(),
        description: description.to_string(),
        target: target.map(str::to_string),
        wall,
        ticks: run.ticks,
        sent: run.sent,
        rows_per_second: run.sent as f64 / wall.as_secs_f64().max(1e-9),
        invariants_ok: run.passed(),
    })
}

/// Run every scenario against scratch databases on `server_url`.
pub async fn run_all(server_url: &str) -> Result<Vec<Measurement>, E2eError> {
    let mut out = Vec::new();
    let thousand = synthetic_fixture(10, 100, 100, "2026-01-13T23:59:00")?;
    out.push(
        measure(
            "e2e-1000",
            "lmh e2e on 1,000 pendientes across 10 programaciones (pacing 0), all sent and checked",
            Some("<= 5 s wall"),
            &thousand,
            server_url,
            &E2eConfig::default(),
        )
        .await?,
    );
    // 10 x 40 sends at 30-90 s each fit the 9-hour window, so every expectation is exact.
    let day = synthetic_fixture(10, 100, 40, "2026-01-14T08:59:00")?;
    out.push(
        measure(
            "business-day",
            "one simulated business day: 24 h of 60-s ticks, production pacing 30-90 s, 10 programaciones x cupo 40",
            Some("<= 10 s wall"),
            &day,
            server_url,
            &E2eConfig {
                pacing: Pacing::PRODUCTION,
                run_to_end: true,
                skip_idle: false,
                ..E2eConfig::default()
            },
        )
        .await?,
    );
    let drain = synthetic_fixture(1, 2000, 2000, "2026-01-13T23:59:00")?;
    out.push(
        measure(
            "drain",
            "drain rate of the reference scheduler, pacing 0, one programación of 2,000 rows against the mock",
            None,
            &drain,
            server_url,
            &E2eConfig::default(),
        )
        .await?,
    );
    Ok(out)
}

/// The measurements as a table for a terminal.
pub fn table(measurements: &[Measurement]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<14} {:>9} {:>7} {:>7} {:>10}  {:<13} invariants",
        "scenario", "wall", "ticks", "sent", "rows/s", "target"
    );
    for m in measurements {
        let _ = writeln!(
            out,
            "{:<14} {:>8.2}s {:>7} {:>7} {:>10.1}  {:<13} {}",
            m.name,
            m.wall.as_secs_f64(),
            m.ticks,
            m.sent,
            m.rows_per_second,
            m.target.as_deref().unwrap_or("-"),
            if m.invariants_ok { "ok" } else { "FAILED" }
        );
    }
    out
}

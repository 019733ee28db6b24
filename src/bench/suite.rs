//! A bench run: each scenario on its own scratch database, in order, the baseline first, and
//! the median of several rounds.

use std::time::Instant;

use super::world::Load;
use super::{Measurement, Scenario, drain, fairness, median_of_rounds};
use crate::e2e::{E2eConfig, E2eError, Provider, run_fixture};
use crate::fixtures::{self, Fixture};
use crate::scheduler::Pacing;

/// `programaciones` approved weekday programaciones of one client, each with `per` pending
/// rows and a daily quota of `cupo`, window 09:00–18:00, starting 2026-01-13 08:59 local.
pub fn synthetic_fixture(
    programaciones: u32,
    per: u32,
    cupo: u32,
    end: &'static str,
) -> Result<Fixture, fixtures::FixtureError> {
    Load {
        programaciones,
        client_each: false,
        per,
        cupo,
        stagger_minutes: 0,
        start: "2026-01-13T08:59:00",
        end,
    }
    .fixture()
}

async fn measure(
    m: Measurement,
    fixture: &Fixture,
    server_url: &str,
    config: &E2eConfig,
) -> Result<Measurement, E2eError> {
    let started = Instant::now();
    let run = run_fixture(fixture, server_url, &Provider::Mock, config).await?;
    Ok(m.timed(started.elapsed(), run.ticks, run.sent)
        .judged(Some(&crate::report::failures(&run.checks))))
}

/// A drain load: `programaciones` programaciones of `per` rows, pacing 0, from 09:00.
fn drain_load(programaciones: u32, client_each: bool, per: u32) -> Load {
    Load {
        programaciones,
        client_each,
        per,
        cupo: per,
        stagger_minutes: 0,
        start: "2026-01-13T09:00:00",
        end: "2026-01-13T23:59:00",
    }
}

fn drained(m: Measurement, d: &drain::Drained, baseline_rate: Option<f64>) -> Measurement {
    let mut m = m
        .timed(d.elapsed, d.ticks, d.sent)
        .judged(d.broken.as_deref());
    m.ratio_to_baseline = baseline_rate.map(|b| m.rows_per_second / b.max(1e-9));
    m.statements_per_send = Some(per_send(d.counters.statements, d.sent));
    m
}

fn per_send(n: i64, sent: usize) -> f64 {
    n as f64 / sent.max(1) as f64
}

/// Run every scenario once against scratch databases on `server_url`.
pub async fn run_all(server_url: &str) -> Result<Vec<Measurement>, E2eError> {
    run(server_url, &Scenario::ALL, 1).await
}

/// Run `selected` (with what they depend on, see [`Scenario::with_dependencies`]) `rounds`
/// times against scratch databases on `server_url`, and report each scenario's median round
/// (see [`median_of_rounds`]). Each round's ratios are to that round's baseline, so a machine
/// that slows down between rounds moves both sides of a ratio.
pub async fn run(
    server_url: &str,
    selected: &[Scenario],
    rounds: u32,
) -> Result<Vec<Measurement>, E2eError> {
    let mut all = Vec::new();
    for _ in 0..rounds.max(1) {
        all.push(run_round(server_url, selected).await?);
    }
    Ok(median_of_rounds(all))
}

/// One round: every scenario of `selected` (and its dependencies) once, in order.
async fn run_round(server_url: &str, selected: &[Scenario]) -> Result<Vec<Measurement>, E2eError> {
    let mut out = Vec::new();
    let mut rate = None;
    let mut drains = (None, None);
    for scenario in Scenario::with_dependencies(selected) {
        let m = match scenario {
            Scenario::Baseline => {
                let m = baseline(server_url).await?;
                rate = Some(m.rows_per_second);
                m
            }
            Scenario::Drain1 => {
                let d = drain::lmh(server_url, &drain_load(1, false, 2000)).await?;
                let m = drained(
                    Measurement::new(
                        "drain-1",
                        "lmh scheduler, 1 client x 2,000 rows, pacing 0",
                        Some(">= 1.0x baseline"),
                    ),
                    &d,
                    rate,
                );
                drains.0 = Some(d);
                m
            }
            Scenario::Drain10 => {
                let d = drain::lmh(server_url, &drain_load(10, true, 500)).await?;
                let m = drained(
                    Measurement::new(
                        "drain-10",
                        "lmh scheduler, 10 clients x 500 rows, pacing 0, one lane per client",
                        Some(">= 2.5x baseline"),
                    ),
                    &d,
                    rate,
                );
                drains.1 = Some(d);
                m
            }
            Scenario::CommitsPerSend => match &drains {
                (Some(one), Some(ten)) => commits_per_send(one, ten),
                _ => continue,
            },
            Scenario::FairnessDay => fairness_day(server_url).await?,
            Scenario::E2e1000 => e2e_1000(server_url).await?,
            Scenario::BusinessDay => business_day(server_url).await?,
        };
        out.push(m);
    }
    Ok(out)
}

async fn baseline(server_url: &str) -> Result<Measurement, E2eError> {
    let base = drain::baseline(server_url, &drain_load(1, false, 2000)).await?;
    let mut m = drained(
        Measurement::new(
            "baseline",
            "seed-era scheduler: 2,000 rows of one client, a /send and one autocommit UPDATE per row",
            None,
        ),
        &base,
        None,
    );
    // Its only writes are autocommit UPDATEs: each is a durable commit.
    m.commits_per_send = Some(per_send(
        base.counters.writes + base.counters.commits,
        base.sent,
    ));
    m.ratio_to_baseline = Some(1.0);
    Ok(m)
}

async fn e2e_1000(server_url: &str) -> Result<Measurement, E2eError> {
    let thousand = synthetic_fixture(10, 100, 100, "2026-01-13T23:59:00")?;
    measure(
        Measurement::new(
            "e2e-1000",
            "lmh e2e on 1,000 pendientes across 10 programaciones (pacing 0), all sent and checked",
            Some("<= 2 s wall"),
        ),
        &thousand,
        server_url,
        &E2eConfig::default(),
    )
    .await
}

async fn business_day(server_url: &str) -> Result<Measurement, E2eError> {
    // 10 x 40 sends at 30-90 s each fit the 9-hour window, so every expectation is exact.
    let day = synthetic_fixture(10, 100, 40, "2026-01-14T08:59:00")?;
    measure(
        Measurement::new(
            "business-day",
            "one simulated business day: 24 h of 60-s ticks, production pacing 30-90 s, 10 programaciones x cupo 40",
            Some("<= 3 s wall"),
        ),
        &day,
        server_url,
        &E2eConfig {
            pacing: Pacing::PRODUCTION,
            run_to_end: true,
            skip_idle: false,
            ..E2eConfig::default()
        },
    )
    .await
}

/// Commits per send over both lmh drains, from `Com_commit` (every write of lmh's scheduler
/// is inside an explicit transaction, so that counts all its durable commits).
fn commits_per_send(one: &drain::Drained, ten: &drain::Drained) -> Measurement {
    let sent = one.sent + ten.sent;
    let commits = one.counters.commits + ten.counters.commits;
    let mut m = Measurement::new(
        "commits-per-send",
        "server's Com_commit over drain-1 and drain-10, per row sent",
        Some("<= 1.2"),
    )
    .timed(one.elapsed + ten.elapsed, one.ticks + ten.ticks, sent);
    m.commits_per_send = Some(per_send(commits, sent));
    let both: Option<Vec<String>> = one
        .broken
        .as_ref()
        .zip(ten.broken.as_ref())
        .map(|(a, b)| a.iter().chain(b).cloned().collect());
    m.judged(both.as_deref())
}

async fn fairness_day(server_url: &str) -> Result<Measurement, E2eError> {
    // Ten clients whose windows open 30 minutes apart (09:00 ... 13:30), 40 sends each.
    let load = Load {
        programaciones: 10,
        client_each: true,
        per: 40,
        cupo: 40,
        stagger_minutes: 30,
        start: "2026-01-13T08:59:00",
        end: "2026-01-14T08:59:00",
    };
    let d = fairness::day(server_url, &load).await?;
    let mut m = Measurement::new(
        "fairness-day",
        "10 clients, windows opening 30 min apart, production pacing, 24 h of 60-s ticks",
        Some("first send <= 120 s after opening"),
    )
    .timed(d.elapsed, d.ticks, d.sent);
    m.max_first_send_delay_s = d.max_first_send_delay.map(|t| t.as_secs_f64());
    Ok(m.judged(Some(&d.broken)))
}

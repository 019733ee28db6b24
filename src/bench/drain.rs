//! Drain rate: how fast pending rows go out with pacing 0, for lmh's scheduler and for the
//! seed-era baseline, against the same database server and the same mock. Only the sending
//! phase is timed (creating, loading and checking the database are not).

use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, MySqlPool};

use super::world::{Counters, Load, World, counters};
use crate::adapter::SessionManagerClient;
use crate::db::rows::{ENVIO_COLUMNS, decode_envio};
use crate::domain::normalize_phone;
use crate::e2e::E2eError;
use crate::fixtures::ProgramacionFixture;
use crate::scheduler::Pacing;

/// What one drain did.
#[derive(Debug, Clone)]
pub struct Drained {
    /// Rows sent.
    pub sent: usize,
    /// Time spent sending.
    pub elapsed: Duration,
    /// Ticks (or passes) run.
    pub ticks: u32,
    /// Server counters over the sending phase.
    pub counters: Counters,
    /// The invariants that broke, `name: finding` (`None`: the baseline, which keeps none).
    pub broken: Option<Vec<String>>,
}

fn bench_err(doing: &str) -> impl FnOnce(sqlx::Error) -> E2eError + '_ {
    move |e| E2eError::Provider(format!("{doing}: {e}"))
}

/// lmh's scheduler on `load`, ticking until a tick sends nothing.
pub async fn lmh(server_url: &str, load: &Load) -> Result<Drained, E2eError> {
    let world = World::new(server_url, load).await?;
    let scheduler = world.scheduler(Pacing::NONE, "lmh-bench");
    let before = counters(world.db.pool())
        .await
        .map_err(bench_err("reading server counters"))?;
    let started = Instant::now();
    let (mut sent, mut ticks) = (0, 0);
    while ticks < 100 {
        let report = scheduler.tick().await?;
        ticks += 1;
        sent += report.sent;
        if report.sent == 0 {
            break;
        }
    }
    let elapsed = started.elapsed();
    let after = counters(world.db.pool())
        .await
        .map_err(bench_err("reading server counters"))?;
    let broken = world.broken_invariants().await?;
    world.drop().await?;
    Ok(Drained {
        sent,
        elapsed,
        ticks,
        counters: after.since(before),
        broken: Some(broken),
    })
}

/// The seed-era scheduler: programaciones one after another, for each pending row a
/// `/send` and one autocommit `UPDATE`; no claim, no historial, no counter, no message id.
pub async fn baseline(server_url: &str, load: &Load) -> Result<Drained, E2eError> {
    let world = World::new(server_url, load).await?;
    let pool = world.db.pool();
    let before = counters(pool)
        .await
        .map_err(bench_err("reading server counters"))?;
    let started = Instant::now();
    let sent = seed_era_pass(pool, &world.client, &world.fixture.programaciones).await?;
    let elapsed = started.elapsed();
    let after = counters(pool)
        .await
        .map_err(bench_err("reading server counters"))?;
    world.drop().await?;
    Ok(Drained {
        sent,
        elapsed,
        ticks: 1,
        counters: after.since(before),
        broken: None,
    })
}

/// The seed-era scheduler's pass over `programaciones`: for each pending row a `/send` and,
/// when it answered, one autocommit `UPDATE`. Returns the rows marked.
async fn seed_era_pass(
    pool: &MySqlPool,
    client: &SessionManagerClient,
    programaciones: &[ProgramacionFixture],
) -> Result<usize, E2eError> {
    let mut sent = 0;
    for p in programaciones {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ENVIO_COLUMNS} FROM ll_envios_whatsapp e
             WHERE e.campania_id = ? AND e.estado = 'pendiente' ORDER BY e.id LIMIT ?",
        )))
        .bind(p.campania_id)
        .bind(p.cupo_diario)
        .fetch_all(pool)
        .await
        .map_err(bench_err("baseline: reading pending rows"))?;
        for row in rows {
            let envio = decode_envio(&row).map_err(bench_err("baseline: decoding a row"))?;
            let (id, phone, text) = (envio.id, envio.telefono, envio.mensaje);
            let Some(to) = phone.as_deref().and_then(normalize_phone) else {
                continue;
            };
            let cliente = u64::try_from(p.cliente_id).unwrap_or(0);
            if client
                .send_message(cliente, &to, text.as_deref().unwrap_or(""))
                .await
                .is_ok()
            {
                sqlx::query("UPDATE ll_envios_whatsapp SET estado = 'enviado', fecha_envio = NOW() WHERE id = ?")
                    .bind(id)
                    .execute(pool)
                    .await
                    .map_err(bench_err("baseline: marking a row"))?;
                sent += 1;
            }
        }
    }
    Ok(sent)
}

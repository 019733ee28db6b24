//! A simulated business day with production pacing and staggered windows: how long each
//! client waits between its window opening and its first send. With one lane per client and
//! the tick budget, no client waits for another's batch.

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use super::world::{Load, World};
use crate::domain::local_to_utc;
use crate::e2e::E2eError;
use crate::scheduler::{Pacing, TICK_PERIOD};

/// What the day showed.
#[derive(Debug, Clone)]
pub struct Day {
    /// Rows sent over the day.
    pub sent: usize,
    /// Ticks run.
    pub ticks: u32,
    /// Real time the day took.
    pub elapsed: Duration,
    /// Largest delay between a window opening and that client's first send (`None`: some
    /// client never sent).
    pub max_first_send_delay: Option<Duration>,
    /// The invariants that broke, `name: finding`.
    pub broken: Vec<String>,
}

/// Run `load` from its start to its end on 60-s ticks, production pacing.
pub async fn day(server_url: &str, load: &Load) -> Result<Day, E2eError> {
    let world = World::new(server_url, load).await?;
    let scheduler = world.scheduler(Pacing::PRODUCTION, "lmh-bench-day");
    let end = local_to_utc(world.fixture.tz, world.fixture.end)
        .ok_or_else(|| E2eError::Provider(format!("no instant {}", world.fixture.end)))?;
    let started = Instant::now();
    let (mut sent, mut ticks) = (0, 0);
    let period = chrono::Duration::from_std(TICK_PERIOD).unwrap_or_default();
    while world.clock.now() < end && ticks < 3000 {
        let tick_start = world.clock.now();
        sent += scheduler.tick().await?.sent;
        ticks += 1;
        // The next tick starts a period after this one started, or at once if it ran longer.
        if let Ok(wait) = (tick_start + period - world.clock.now()).to_std() {
            world.clock.advance(wait);
        }
    }
    let elapsed = started.elapsed();
    let max_first_send_delay = first_send_delays(&world).await?;
    let broken = world.broken_invariants().await?;
    world.drop().await?;
    Ok(Day {
        sent,
        ticks,
        elapsed,
        max_first_send_delay,
        broken,
    })
}

/// For each programación, its first `fecha_envio` minus its window opening on that day; the
/// largest. `None` when a programación sent nothing.
async fn first_send_delays(world: &World) -> Result<Option<Duration>, E2eError> {
    let rows: Vec<(i32, Option<NaiveDateTime>)> = sqlx::query_as(
        "SELECT p.id, MIN(e.fecha_envio) FROM ll_programaciones p
         LEFT JOIN ll_envios_whatsapp e ON e.campania_id = p.campania_id AND e.estado = 'enviado'
         GROUP BY p.id",
    )
    .fetch_all(world.db.pool())
    .await
    .map_err(|e| E2eError::Provider(format!("reading first sends: {e}")))?;
    let mut worst = Duration::ZERO;
    for (id, first) in rows {
        let Some(first) = first else { return Ok(None) };
        let Some(p) = world.fixture.programaciones.iter().find(|p| p.id == id) else {
            continue;
        };
        let opening = first.date().and_time(p.hora_inicio);
        worst = worst.max((first - opening).to_std().unwrap_or_default());
    }
    Ok(Some(worst))
}

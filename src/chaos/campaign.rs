//! A campaign: each schedule drawn from the seed, run within [`SCHEDULE_TIMEOUT`], judged.

use std::time::Instant;

use super::plan::Schedule;
use super::report::violation;
use super::{CampaignReport, ChaosConfig, ChaosError, SCHEDULE_TIMEOUT, run};

/// Run a campaign on `server_url`; `progress` hears of each schedule as it ends.
pub async fn run_campaign(
    server_url: &str,
    config: &ChaosConfig,
    mut progress: impl FnMut(u32, &CampaignReport),
) -> Result<CampaignReport, ChaosError> {
    let started = Instant::now();
    let mut report = CampaignReport {
        seed: config.seed,
        ..CampaignReport::default()
    };
    let numbers: Vec<u32> = match config.only {
        Some(n) => vec![n],
        None => (0..config.schedules).collect(),
    };
    for n in numbers {
        let schedule = Schedule::draw(config.seed, n);
        match tokio::time::timeout(SCHEDULE_TIMEOUT, run::run_schedule(server_url, &schedule)).await
        {
            Ok(run) => report.add(&schedule, run?),
            Err(_) => {
                report.schedules += 1;
                report.violations.push(violation(
                    &schedule,
                    "hang".into(),
                    format!("the schedule did not end within {SCHEDULE_TIMEOUT:?}"),
                ));
            }
        }
        progress(n, &report);
    }
    report.wall_ms = started.elapsed().as_millis();
    Ok(report)
}

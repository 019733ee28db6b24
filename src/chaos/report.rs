//! What a campaign found: its figures, per fault class, and each broken guarantee with the
//! command that replays it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::plan::{self, Schedule};
use super::run;

/// A broken guarantee, with what replays it.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    /// Campaign seed.
    pub seed: u64,
    /// Schedule number.
    pub schedule: u32,
    /// Which guarantee.
    pub kind: String,
    /// What broke.
    pub detail: String,
    /// What the schedule mixed.
    pub plan: String,
    /// The command that replays it.
    pub replay: String,
}

/// Schedules per fault class. A schedule mixes several classes, so a failed schedule counts
/// for each of them: compare classes, then replay to find the cause.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClassFigures {
    /// Schedules that included the class.
    pub schedules: u32,
    /// Of those, schedules with at least one violation.
    pub failed_schedules: u32,
}

/// A campaign's figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CampaignReport {
    /// Campaign seed.
    pub seed: u64,
    /// Schedules run.
    pub schedules: u32,
    /// Messages really delivered.
    pub sends: usize,
    /// Deliveries beyond the first to one row.
    pub duplicate_sends: usize,
    /// Rows `enviado` never delivered.
    pub phantom_enviado: usize,
    /// Rows in no final or reported state.
    pub lost_rows: usize,
    /// Rows left for a person.
    pub unknown_outcomes: usize,
    /// Connections killed by database faults.
    pub connections_killed: u32,
    /// Scheduler tasks aborted.
    pub crashes: u32,
    /// Ticks that ended on a database error.
    pub tick_errors: u32,
    /// Per fault class.
    pub by_fault: BTreeMap<String, ClassFigures>,
    /// Every broken guarantee.
    pub violations: Vec<Violation>,
    /// Real time of the campaign.
    pub wall_ms: u128,
}

impl CampaignReport {
    /// No duplicate, phantom or lost row, and no other broken guarantee.
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }

    /// Lines for a terminal.
    pub fn to_human(&self) -> String {
        let mut out = format!(
            "chaos seed {}: {} schedules, {} sends, {} duplicate_sends, {} phantom_enviado, {} lost_rows, {} unknown_outcomes ({:.1} s)\n",
            self.seed,
            self.schedules,
            self.sends,
            self.duplicate_sends,
            self.phantom_enviado,
            self.lost_rows,
            self.unknown_outcomes,
            self.wall_ms as f64 / 1000.0
        );
        let _ = writeln!(
            out,
            "  faults: {} connections killed, {} crashes, {} ticks ended on a database error",
            self.connections_killed, self.crashes, self.tick_errors
        );
        for (class, f) in &self.by_fault {
            let _ = writeln!(
                out,
                "  {class}: {} schedules, {} failed",
                f.schedules, f.failed_schedules
            );
        }
        for v in self.violations.iter().take(50) {
            let _ = writeln!(
                out,
                "FAIL schedule {} {}: {}\n     plan: {}\n     replay: {}",
                v.schedule,
                v.kind,
                crate::report::printable(&v.detail, 300),
                v.plan,
                v.replay
            );
        }
        if self.violations.len() > 50 {
            let _ = writeln!(
                out,
                "... and {} more violations (--format json lists all)",
                self.violations.len() - 50
            );
        }
        out.push_str(if self.passed() { "PASS\n" } else { "FAIL\n" });
        out
    }

    pub(super) fn add(&mut self, schedule: &Schedule, run: run::ScheduleRun) {
        self.schedules += 1;
        self.sends += run.tally.sends;
        self.duplicate_sends += run.tally.duplicate_sends;
        self.phantom_enviado += run.tally.phantom_enviado;
        self.lost_rows += run.tally.lost_rows;
        self.unknown_outcomes += run.tally.unknown_outcomes;
        self.connections_killed += run.kills;
        self.crashes += u32::from(run.crashed);
        self.tick_errors += run.tick_errors;
        for class in fault_classes(schedule) {
            let f = self.by_fault.entry(class).or_default();
            f.schedules += 1;
            f.failed_schedules += u32::from(!run.findings.is_empty());
        }
        for finding in run.findings {
            self.violations
                .push(violation(schedule, finding.kind, finding.detail));
        }
    }
}

/// A broken guarantee of `schedule`, with the command that replays it.
pub(super) fn violation(schedule: &Schedule, kind: String, detail: String) -> Violation {
    Violation {
        seed: schedule.seed,
        schedule: schedule.number,
        kind,
        detail,
        plan: schedule.describe(),
        replay: format!(
            "lmh chaos --seed {} --only {}",
            schedule.seed, schedule.number
        ),
    }
}

/// The fault classes a schedule mixes, for the per-class figures.
fn fault_classes(s: &Schedule) -> Vec<String> {
    let mut out: Vec<String> = s
        .provider
        .iter()
        .map(|f| {
            let kind = format!("{:?}", f.kind);
            let kind = kind.split('(').next().unwrap_or("").to_string();
            format!("provider {} {kind}", f.operation)
        })
        .collect();
    out.extend(s.db.iter().map(|f| format!("db kill at {:?}", f.target)));
    if let Some(c) = s.crash {
        out.push(match c {
            plan::Crash::DuringSend(_) => "crash during a send".into(),
            plan::Crash::AfterMs(_) => "crash at a random await point".into(),
        });
    }
    if s.two_schedulers {
        out.push("two schedulers".into());
    }
    out.sort();
    out.dedup();
    out
}

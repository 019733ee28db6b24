//! What running one fixture gave, and how it reads as a line and as report checks.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::report::{Check, Outcome};
use crate::scheduler::Decision;

/// What running one fixture gave.
#[derive(Debug, Clone, Serialize)]
pub struct FixtureRun {
    /// Fixture name (file stem).
    pub fixture: String,
    /// Its description.
    pub description: String,
    /// Ticks run.
    pub ticks: u32,
    /// Rows sent.
    pub sent: usize,
    /// Rows expected `enviado`, and how many are.
    pub enviado: (usize, usize),
    /// Rows expected untouched (`pendiente`), and how many are.
    pub untouched: (usize, usize),
    /// Rows expected `error`, and how many are.
    pub error: (usize, usize),
    /// One check per invariant.
    pub checks: Vec<Check>,
    /// Count of each scheduler decision.
    pub decisions: BTreeMap<String, usize>,
    /// The last decisions, for diagnosis when something failed.
    #[serde(skip)]
    pub log: Vec<Decision>,
    /// Real time the run took.
    pub wall_ms: u128,
    /// The run on its virtual clock, when [`E2eConfig::timeline`](super::E2eConfig::timeline) asked for it.
    #[serde(skip)]
    pub timeline: Option<crate::report::Timeline>,
}

impl FixtureRun {
    /// True when no invariant failed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.outcome != Outcome::Fail)
    }

    /// One line, e.g. `enviado 120/120, untouched 30, invariants 15/15 ok`.
    pub fn summary(&self) -> String {
        let ok = self
            .checks
            .iter()
            .filter(|c| c.outcome != Outcome::Fail)
            .count();
        let mut parts = vec![format!("enviado {}/{}", self.enviado.0, self.enviado.1)];
        if self.untouched.1 > 0 {
            parts.push(format!(
                "untouched {}/{}",
                self.untouched.0, self.untouched.1
            ));
        }
        if self.error.1 > 0 {
            parts.push(format!("error {}/{}", self.error.0, self.error.1));
        }
        // A skipped check is not an ok one: say how many could not be checked.
        let skipped = self
            .checks
            .iter()
            .filter(|c| c.outcome == Outcome::Skip)
            .count();
        let ok = ok - skipped;
        let skipped = if skipped > 0 {
            format!(", {skipped} skipped")
        } else {
            String::new()
        };
        parts.push(format!(
            "invariants {ok}/{} {}{skipped}",
            self.checks.len(),
            if self.passed() { "ok" } else { "FAILED" }
        ));
        parts.push(format!("{} ticks", self.ticks));
        parts.join(", ")
    }

    /// The run as report checks: one per invariant, named after the fixture.
    pub fn to_checks(&self) -> Vec<Check> {
        let mut out = vec![
            Check::new(
                "e2e",
                &self.fixture,
                if self.passed() {
                    Outcome::Pass
                } else {
                    Outcome::Fail
                },
                self.summary(),
            )
            .with_time(Duration::from_millis(
                u64::try_from(self.wall_ms).unwrap_or(u64::MAX),
            )),
        ];
        out.extend(self.checks.iter().map(|c| {
            let mut c = c.clone();
            c.area = format!("e2e.{}", self.fixture);
            c
        }));
        out
    }
}

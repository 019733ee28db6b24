//! One measured scenario, and the table of a run.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

/// One measured scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    /// Scenario name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Target from the issue, if any.
    pub target: Option<String>,
    /// Wall time measured (the sending phase for drains, the whole run otherwise); in JSON
    /// `wall_s`, seconds as a number, like every other duration there.
    #[serde(rename = "wall_s", serialize_with = "as_seconds")]
    pub wall: Duration,
    /// Scheduler ticks run.
    pub ticks: u32,
    /// Rows sent.
    pub sent: usize,
    /// Rows sent per second of wall time.
    pub rows_per_second: f64,
    /// `rows_per_second` over the baseline's (of the same round).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio_to_baseline: Option<f64>,
    /// Rounds measured; the figures are the median round's.
    pub rounds: u32,
    /// The lowest and highest ratio to the baseline over the rounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio_range: Option<(f64, f64)>,
    /// Durable commits per row sent, from the server's counters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commits_per_send: Option<f64>,
    /// Statements (round trips) per row sent, from the server's `Questions` counter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements_per_send: Option<f64>,
    /// Largest delay between a window opening and that client's first send, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_first_send_delay_s: Option<f64>,
    /// Whether every invariant held (`None`: not checked, the baseline keeps none).
    pub invariants_ok: Option<bool>,
    /// The invariants that broke, each `name: what was found`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub broken_invariants: Vec<String>,
}

impl Measurement {
    /// A measurement of scenario `name` with nothing measured yet.
    pub fn named(name: &str) -> Measurement {
        Measurement::new(name, "", None)
    }

    pub(super) fn new(name: &str, description: &str, target: Option<&str>) -> Measurement {
        Measurement {
            name: name.to_string(),
            description: description.to_string(),
            target: target.map(str::to_string),
            wall: Duration::ZERO,
            ticks: 0,
            sent: 0,
            rows_per_second: 0.0,
            ratio_to_baseline: None,
            rounds: 1,
            ratio_range: None,
            commits_per_send: None,
            statements_per_send: None,
            max_first_send_delay_s: None,
            invariants_ok: None,
            broken_invariants: Vec::new(),
        }
    }

    /// Record what the invariant checks found (`None`: not checked).
    pub(super) fn judged(mut self, broken: Option<&[String]>) -> Measurement {
        self.invariants_ok = broken.map(<[String]>::is_empty);
        self.broken_invariants = broken.map(<[String]>::to_vec).unwrap_or_default();
        self
    }

    pub(super) fn timed(mut self, wall: Duration, ticks: u32, sent: usize) -> Measurement {
        self.wall = wall;
        self.ticks = ticks;
        self.sent = sent;
        self.rows_per_second = sent as f64 / wall.as_secs_f64().max(1e-9);
        self
    }

    /// Whether it failed a check (a broken invariant; targets are figures, not checks).
    pub fn failed(&self) -> bool {
        self.invariants_ok == Some(false)
    }
}

fn as_seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// The measurements as a table for a terminal.
pub fn table(measurements: &[Measurement]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<17} {:>8} {:>6} {:>6} {:>9} {:>7} {:>11} {:>8} {:>6} {:>9}  {:<34} invariants",
        "scenario",
        "wall",
        "ticks",
        "sent",
        "rows/s",
        "ratio",
        "range",
        "commits",
        "stmts",
        "1st-send",
        "target"
    );
    let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("-".to_string(), f);
    for m in measurements {
        let _ = writeln!(
            out,
            "{:<17} {:>7.2}s {:>6} {:>6} {:>9.1} {:>7} {:>11} {:>8} {:>6} {:>9}  {:<34} {}",
            m.name,
            m.wall.as_secs_f64(),
            m.ticks,
            m.sent,
            m.rows_per_second,
            opt(m.ratio_to_baseline, &|r| format!("{r:.2}x")),
            m.ratio_range
                .filter(|_| m.rounds > 1)
                .map_or("-".to_string(), |(lo, hi)| format!("{lo:.2}-{hi:.2}x")),
            opt(m.commits_per_send, &|c| format!("{c:.3}")),
            opt(m.statements_per_send, &|c| format!("{c:.1}")),
            opt(m.max_first_send_delay_s, &|s| format!("{s:.0}s")),
            m.target.as_deref().unwrap_or("-"),
            match m.invariants_ok {
                Some(true) => "ok",
                Some(false) => "FAILED",
                None => "-",
            }
        );
    }
    for m in measurements {
        for broken in &m.broken_invariants {
            let _ = writeln!(out, "{}: invariant failed: {broken}", m.name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_gives_the_wall_time_in_seconds() {
        let m = Measurement::named("drain-1").timed(Duration::from_millis(1500), 2, 3000);
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["wall_s"], 1.5);
        assert!(json.get("wall").is_none(), "{json}");
        assert_eq!(json["rows_per_second"], 2000.0);
    }
}

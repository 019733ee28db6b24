//! Benchmarks, run by `lmh bench` (speed is measured here, never asserted in tests).
//!
//! One run measures, side by side against the same database server and the same mock:
//! `baseline` (the seed-era scheduler: one autocommit `UPDATE` per row, nothing else), the
//! drain rate of lmh's scheduler with one client and with ten (`drain-1`, `drain-10`),
//! `fairness-day` (staggered windows, production pacing), `commits-per-send` from the
//! server's own counters, and the end-to-end `e2e-1000` and `business-day`. Rates are also
//! given as ratios to the baseline's.

mod drain;
mod fairness;
mod measurement;
mod rounds;
mod scenario;
mod suite;
mod world;

pub use measurement::{Measurement, table};
pub use rounds::median_of_rounds;
pub use scenario::Scenario;
pub use suite::{run, run_all, synthetic_fixture};
pub use world::{Counters, Load, World, counters};

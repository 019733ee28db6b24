//! Several rounds of the same scenarios, told as one: on a shared machine one run's figures
//! move by tens of percent, so `lmh bench --rounds N` reports each scenario's median round,
//! with the range of its ratios to the baseline.

use super::{Measurement, Scenario};

/// For each scenario (in the first round's order), its median round: by ratio to the
/// baseline when it has one, else by wall time. A drain's ratio is to its own round's
/// baseline, so it need not be its rows/s over the median baseline's. The median's figures are kept whole (one real
/// round, not a mix), with `rounds`, the lowest and highest ratio, and every broken invariant
/// of every round: an invariant broken once is broken.
///
/// ```
/// use lmh::bench::{Measurement, median_of_rounds};
/// let round = |ratio: f64| {
///     let mut m = Measurement::named("drain-1");
///     m.ratio_to_baseline = Some(ratio);
///     vec![m]
/// };
/// let told = median_of_rounds(vec![round(0.9), round(1.3), round(1.1)]);
/// assert_eq!(told[0].ratio_to_baseline, Some(1.1));
/// assert_eq!(told[0].ratio_range, Some((0.9, 1.3)));
/// assert_eq!(told[0].rounds, 3);
/// ```
pub fn median_of_rounds(rounds: Vec<Vec<Measurement>>) -> Vec<Measurement> {
    let count = rounds.len();
    let Some(first) = rounds.first() else {
        return Vec::new();
    };
    let names: Vec<String> = first.iter().map(|m| m.name.clone()).collect();
    names
        .iter()
        .filter_map(|name| {
            let of_name: Vec<&Measurement> = rounds
                .iter()
                .filter_map(|r| r.iter().find(|m| &m.name == name))
                .collect();
            told(&of_name, count)
        })
        .collect()
}

/// One scenario's rounds as its median round.
fn told(of_name: &[&Measurement], rounds: usize) -> Option<Measurement> {
    let mut sorted = of_name.to_vec();
    sorted.sort_by(|a, b| key(a).total_cmp(&key(b)));
    let mut m = (*sorted.get(sorted.len() / 2)?).clone();
    m.rounds = u32::try_from(rounds).unwrap_or(u32::MAX);
    // The baseline's ratio is 1 by definition: it has no range.
    let ratios: Vec<f64> = of_name
        .iter()
        .filter(|r| r.name != Scenario::Baseline.name())
        .filter_map(|r| r.ratio_to_baseline)
        .collect();
    m.ratio_range = ratios
        .iter()
        .copied()
        .reduce(f64::min)
        .zip(ratios.iter().copied().reduce(f64::max));
    m.invariants_ok = of_name
        .iter()
        .map(|r| r.invariants_ok)
        .reduce(|a, b| a.zip(b).map(|(a, b)| a && b))
        .flatten();
    let mut seen = std::collections::HashSet::new();
    m.broken_invariants = of_name
        .iter()
        .flat_map(|r| r.broken_invariants.iter().cloned())
        .filter(|b| seen.insert(b.clone()))
        .collect();
    Some(m)
}

/// What the median is taken over: the ratio to the baseline, else (the baseline itself
/// included, whose ratio is 1 by definition) the wall time.
fn key(m: &Measurement) -> f64 {
    match m.ratio_to_baseline {
        Some(ratio) if m.name != Scenario::Baseline.name() => ratio,
        _ => m.wall.as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn measured(name: &str, wall_ms: u64, ok: bool) -> Measurement {
        let mut m = Measurement::named(name);
        m.wall = Duration::from_millis(wall_ms);
        m.invariants_ok = Some(ok);
        if !ok {
            m.broken_invariants = vec!["I1 never twice: envio 3".into()];
        }
        m
    }

    #[test]
    fn without_a_ratio_the_median_is_by_wall_time() {
        let rounds = vec![
            vec![measured("e2e-1000", 3000, true)],
            vec![measured("e2e-1000", 1000, true)],
            vec![measured("e2e-1000", 2000, true)],
        ];
        let told = median_of_rounds(rounds);
        assert_eq!(told[0].wall, Duration::from_millis(2000));
        assert_eq!(told[0].ratio_range, None);
    }

    #[test]
    fn an_invariant_broken_in_any_round_is_broken() {
        let rounds = vec![
            vec![measured("drain-1", 1000, true)],
            vec![measured("drain-1", 1100, false)],
            vec![measured("drain-1", 1200, true)],
        ];
        let told = median_of_rounds(rounds);
        assert_eq!(told[0].invariants_ok, Some(false));
        assert!(told[0].failed());
        assert_eq!(told[0].broken_invariants.len(), 1);
    }

    #[test]
    fn a_scenario_keeps_the_first_round_order_and_no_rounds_tell_nothing() {
        let round = || vec![measured("baseline", 1, true), measured("drain-1", 1, true)];
        let told = median_of_rounds(vec![round(), round()]);
        let names: Vec<&str> = told.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["baseline", "drain-1"]);
        assert!(median_of_rounds(Vec::new()).is_empty());
    }
}

//! The scenarios of `lmh bench`, by the names they are printed and selected under, and what
//! each needs measured beside it.

/// A scenario of `lmh bench`, by the name it is printed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scenario {
    /// The seed-era scheduler: the yardstick of the run.
    Baseline,
    /// lmh's scheduler, one client x 2,000 rows, pacing 0.
    Drain1,
    /// lmh's scheduler, ten clients x 500 rows, pacing 0.
    Drain10,
    /// Durable commits per send over both drains.
    CommitsPerSend,
    /// Ten clients with production pacing over a simulated day: the first-send delays.
    FairnessDay,
    /// `lmh e2e` on 1,000 pendientes.
    E2e1000,
    /// One simulated business day with production pacing.
    BusinessDay,
}

impl Scenario {
    /// Every scenario, in the order a run prints them.
    pub const ALL: [Scenario; 7] = [
        Scenario::Baseline,
        Scenario::Drain1,
        Scenario::Drain10,
        Scenario::CommitsPerSend,
        Scenario::FairnessDay,
        Scenario::E2e1000,
        Scenario::BusinessDay,
    ];

    /// The name it is printed and selected under.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Baseline => "baseline",
            Scenario::Drain1 => "drain-1",
            Scenario::Drain10 => "drain-10",
            Scenario::CommitsPerSend => "commits-per-send",
            Scenario::FairnessDay => "fairness-day",
            Scenario::E2e1000 => "e2e-1000",
            Scenario::BusinessDay => "business-day",
        }
    }

    /// The scenario printed as `name`.
    pub fn from_name(name: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The scenarios a run of `selected` must measure: a drain needs the baseline for its
    /// ratio, commits per send needs both drains. Empty means all of them.
    pub fn with_dependencies(selected: &[Scenario]) -> Vec<Scenario> {
        if selected.is_empty() {
            return Scenario::ALL.to_vec();
        }
        let mut all: Vec<Scenario> = selected.to_vec();
        if all.contains(&Scenario::CommitsPerSend) {
            all.extend([Scenario::Drain1, Scenario::Drain10]);
        }
        if all
            .iter()
            .any(|s| matches!(s, Scenario::Drain1 | Scenario::Drain10))
        {
            all.push(Scenario::Baseline);
        }
        all.sort();
        all.dedup();
        all
    }
}

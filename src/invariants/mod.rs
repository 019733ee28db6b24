//! The checks of docs/invariants.md over the database state and the mock's journal.
//!
//! [`Evidence`] is what a run left behind: every row of the tables the flow touches, the
//! journal of what the provider received, and what each row was expected to end as. [`check`]
//! turns it into one [`Check`] per entry of the [`INVARIANTS`] registry, naming the row and the
//! rule on failure. It does not know how the evidence was produced, which is what lets the
//! negative tests feed it the traces of deliberately broken schedulers.
//!
//! - `evidence`: the rows and the journal, read once;
//! - `sends`: what the provider received (routes, confirmed sends, answers, one send per row,
//!   windows, text and phone);
//! - `state`: what the database holds (attempts, unknown outcomes, expected outcomes,
//!   historial, enum values, counters, locks, gates, stuck rows).

mod evidence;
mod sends;
mod state;

use crate::report::Check;
use sends::{
    answers_conform, confirmed_sends, one_send_per_envio, routes, text_and_phone, windows,
};
use state::{
    attempts, counters, enum_values, expected_outcomes, gates, historial, locks, stuck,
    unknown_outcomes,
};

pub use evidence::{Evidence, Expected, HistorialRow, ProgramacionRow};

pub(crate) const AREA: &str = "invariant";

/// One invariant: a stable id, the name reports show, and how it is judged.
#[derive(Debug, Clone, Copy)]
pub struct Invariant {
    /// Stable identifier (`stuck`), for code that refers to one invariant.
    pub id: &'static str,
    /// The check's name in reports, led by its number in docs/invariants.md.
    pub name: &'static str,
    /// Whether it judges what the provider received: without a journal it is skipped, never
    /// passed.
    pub needs_journal: bool,
    /// The check, given the evidence and the name to report under.
    pub check: fn(&Evidence, &str) -> Check,
}

/// Every invariant, in report order. A new one is a function and one entry here.
pub static INVARIANTS: &[Invariant] = &[
    Invariant {
        id: "routes",
        name: "I1 only contract routes called",
        needs_journal: true,
        check: routes,
    },
    Invariant {
        id: "confirmed_sends",
        name: "I6/I8 enviado only after a confirmed send",
        needs_journal: true,
        check: confirmed_sends,
    },
    Invariant {
        id: "answers_conform",
        name: "I7 provider answers conform",
        needs_journal: true,
        check: answers_conform,
    },
    Invariant {
        id: "one_send_per_envio",
        name: "I9 at most one send per envio",
        needs_journal: true,
        check: one_send_per_envio,
    },
    Invariant {
        id: "unknown_outcomes",
        name: "I9 unknown outcomes left for a person",
        needs_journal: false,
        check: unknown_outcomes,
    },
    Invariant {
        id: "expected_outcomes",
        name: "I10 expected outcomes",
        needs_journal: false,
        check: expected_outcomes,
    },
    Invariant {
        id: "historial",
        name: "I11 historial complete",
        needs_journal: false,
        check: historial,
    },
    Invariant {
        id: "enum_values",
        name: "I11 estado values within the enum",
        needs_journal: false,
        check: enum_values,
    },
    Invariant {
        id: "counters",
        name: "I12 daily counter equals transitions",
        needs_journal: false,
        check: counters,
    },
    Invariant {
        id: "locks",
        name: "I13 locks released",
        needs_journal: false,
        check: locks,
    },
    Invariant {
        id: "windows",
        name: "I14 no send outside its window",
        needs_journal: false,
        check: windows,
    },
    Invariant {
        id: "gates",
        name: "I15 gates respected",
        needs_journal: false,
        check: gates,
    },
    Invariant {
        id: "stuck",
        name: "I16 nothing stuck pending",
        needs_journal: false,
        check: stuck,
    },
    Invariant {
        id: "text_and_phone",
        name: "I18 text and phone exact",
        needs_journal: true,
        check: text_and_phone,
    },
    Invariant {
        id: "attempts",
        name: "I9 attempts per envio within the limit",
        needs_journal: false,
        check: attempts,
    },
];

/// The invariant with this id, if there is one.
pub fn invariant(id: &str) -> Option<&'static Invariant> {
    INVARIANTS.iter().find(|i| i.id == id)
}

/// Run every invariant of [`INVARIANTS`] over the evidence, one check each, in order.
pub fn check(ev: &Evidence) -> Vec<Check> {
    INVARIANTS.iter().map(|inv| inv.run(ev)).collect()
}

impl Invariant {
    /// Judge the evidence; a journal check without a journal is a skip.
    pub fn run(&self, ev: &Evidence) -> Check {
        // What the provider received can only be judged where it was recorded.
        if self.needs_journal && ev.journal.is_none() {
            return Check::skip(
                AREA,
                self.name,
                "no journal of what the provider received (record one with `lmh mock serve --journal`)",
            );
        }
        (self.check)(ev, self.name)
    }
}

pub(crate) fn verdict(name: &str, failures: Vec<String>, ok: impl Into<String>) -> Check {
    if failures.is_empty() {
        Check::pass(AREA, name, ok)
    } else {
        let n = failures.len();
        let first = failures[0].clone();
        let summary = if n == 1 {
            first
        } else {
            format!("{first} (and {} more)", n - 1)
        };
        Check::fail(AREA, name, summary).with_details(failures.into_iter().take(50))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Outcome;

    #[test]
    fn ids_and_names_are_unique() {
        for (i, a) in INVARIANTS.iter().enumerate() {
            for b in &INVARIANTS[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.name, b.name);
            }
            assert_eq!(invariant(a.id).map(|f| f.name), Some(a.name));
        }
        assert!(invariant("no such invariant").is_none());
    }

    #[test]
    fn each_check_reports_under_its_registry_name() {
        let ev = Evidence {
            journal: Some(Vec::new()),
            ..Evidence::default()
        };
        let checks = check(&ev);
        assert_eq!(checks.len(), INVARIANTS.len());
        for (c, inv) in checks.iter().zip(INVARIANTS) {
            assert_eq!(c.name, inv.name);
        }
    }

    #[test]
    fn journal_checks_skip_without_a_journal() {
        for (c, inv) in check(&Evidence::default()).iter().zip(INVARIANTS) {
            if inv.needs_journal {
                assert_eq!(c.outcome, Outcome::Skip, "{}", inv.name);
                assert!(c.summary.contains("no journal"), "{}", c.summary);
            } else {
                assert!(
                    !c.summary.contains("no journal"),
                    "{}: {}",
                    inv.name,
                    c.summary
                );
            }
        }
    }
}

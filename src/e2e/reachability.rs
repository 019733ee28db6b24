//! Giving up on a client whose session cannot be read, tick after tick.

use std::collections::BTreeMap;

use crate::fixtures::Fixture;
use crate::report::Check;
use crate::scheduler::{Decision, Event};

/// Per client, the ticks in a row whose session could not be read; after enough of them the
/// run stops waiting for that client (a hung `/status` would otherwise cost every tick of two
/// days its timeout) and fails, naming the cause.
pub(super) struct Reachability {
    /// programación → cliente.
    clients: BTreeMap<i64, i64>,
    /// campaign → cliente.
    campaigns: BTreeMap<i64, i64>,
    /// cliente → (ticks in a row, last cause).
    failing: BTreeMap<i64, (u32, String)>,
    given_up: BTreeMap<i64, String>,
    after: u32,
}

impl Reachability {
    /// No client failing yet; give up on one after `after` ticks in a row (at least 1).
    pub(super) fn new(fixture: &Fixture, after: u32) -> Reachability {
        let p = &fixture.programaciones;
        Reachability {
            clients: p
                .iter()
                .map(|p| (p.id.into(), p.cliente_id.into()))
                .collect(),
            campaigns: p
                .iter()
                .map(|p| (p.campania_id.into(), p.cliente_id.into()))
                .collect(),
            failing: BTreeMap::new(),
            given_up: BTreeMap::new(),
            after: after.max(1),
        }
    }

    /// Count one tick's decisions: a client with an unreadable session fails once more, a
    /// client with any other decision (but window or weekday) is reachable again.
    pub(super) fn observe(&mut self, decisions: &[Decision], fixture: &str) {
        let mut this_tick: BTreeMap<i64, Option<String>> = BTreeMap::new();
        for d in decisions {
            let Some(cliente) = d.programacion_id.and_then(|p| self.clients.get(&p)) else {
                continue;
            };
            let entry = this_tick.entry(*cliente).or_insert(None);
            match d.event {
                Event::SkipSessionUnknown => *entry = Some(d.detail.clone()),
                Event::SkipWindow | Event::SkipWeekday => {}
                _ => {
                    this_tick.insert(*cliente, None);
                }
            }
        }
        for (cliente, cause) in this_tick {
            if self.given_up.contains_key(&cliente) {
                continue;
            }
            let Some(cause) = cause else {
                self.failing.remove(&cliente);
                continue;
            };
            let entry = self.failing.entry(cliente).or_insert((0, String::new()));
            *entry = (entry.0 + 1, cause);
            if entry.0 >= self.after {
                eprintln!(
                    "  {fixture}: cliente {cliente}: {} ticks in a row without its session ({}); not waiting for its rows any more",
                    entry.0, entry.1
                );
                self.given_up.insert(cliente, entry.1.clone());
            }
        }
    }

    /// Whether the programación belongs to a client given up on.
    pub(super) fn given_up_on(&self, programacion: Option<i64>) -> bool {
        programacion
            .and_then(|p| self.clients.get(&p))
            .is_some_and(|c| self.given_up.contains_key(c))
    }

    /// The campaigns of the clients given up on: their rows are not waited for.
    pub(super) fn given_up_campaigns(&self) -> Vec<i64> {
        self.campaigns
            .iter()
            .filter(|(_, c)| self.given_up.contains_key(c))
            .map(|(campaign, _)| *campaign)
            .collect()
    }

    /// One failed check per client given up on, naming the cause.
    pub(super) fn checks(&self) -> Vec<Check> {
        self.given_up
            .iter()
            .map(|(cliente, cause)| {
                Check::fail(
                    "e2e",
                    "session-manager reachable",
                    format!(
                        "cliente {cliente}: {} ticks in a row could not read its session: {cause}; its rows were left pendiente",
                        self.after
                    ),
                )
            })
            .collect()
    }
}

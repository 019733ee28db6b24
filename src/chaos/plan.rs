//! What one schedule is: a fixture and a fault plan, both drawn from the campaign seed and the
//! schedule number alone, so `--seed S --only N` replays exactly the same draws.

use std::fmt::Write as _;
use std::time::Duration;

use crate::fixtures::Fixture;
use crate::mock::FaultKind;
use crate::session::SessionState;

/// Business day every schedule runs on: Tuesday 2026-01-13, inside a 09:00–18:00 window.
const START: &str = "2026-01-13T10:00:00";
const END: &str = "2026-01-13T17:00:00";

/// The per-request HTTP timeout the schedulers use in a campaign (short: faults are cheap).
pub const CLIENT_TIMEOUT: Duration = Duration::from_millis(250);

/// A provider fault: after `pass` good answers to `operation` for `cliente`, `times` bad ones.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderFault {
    /// `send` or `status`.
    pub operation: &'static str,
    /// The client it hits.
    pub cliente: u64,
    /// Good answers first.
    pub pass: u32,
    /// How many requests go wrong.
    pub times: u32,
    /// How they go wrong.
    pub kind: FaultKind,
}

/// Which scheduler statement a database fault waits for and kills (`KILL CONNECTION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbTarget {
    /// The programación lock (`UPDATE ll_programaciones`), before anything is sent.
    Lock,
    /// The claim of a row (`INSERT IGNORE INTO lmh_envio_intentos`), before its send.
    Claim,
    /// `UPDATE ... SET estado = 'enviado'`: first statement of the send transaction, after a
    /// real delivery.
    MarkEnviado,
    /// The daily counter: last statements of the send transaction (enviado and historial
    /// already written, uncommitted).
    Counter,
}

/// A database fault: a blocker locks what `target` needs, and kills the connection that waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbFault {
    /// The statement.
    pub target: DbTarget,
    /// The programación whose statement it is.
    pub programacion: i64,
    /// For row targets: which pending row of the programación's campaign (0 = oldest).
    pub row: usize,
}

/// Where a scheduler task is aborted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crash {
    /// While the provider holds the `nth` send (1-based) of the schedule: a send in flight.
    DuringSend(u32),
    /// After this much real time: whatever await point the task is at.
    AfterMs(u64),
}

/// One schedule of a campaign.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Campaign seed.
    pub seed: u64,
    /// Number within the campaign, from 0.
    pub number: u32,
    /// The data.
    pub fixture: Fixture,
    /// Provider faults, in the order they are injected.
    pub provider: Vec<ProviderFault>,
    /// Database faults.
    pub db: Vec<DbFault>,
    /// A crash of the (first) scheduler, if any.
    pub crash: Option<Crash>,
    /// Two schedulers tick on the same database at once.
    pub two_schedulers: bool,
    /// Ticks under faults before the healing ticks.
    pub chaos_ticks: u32,
}

impl Schedule {
    /// The schedule `number` of the campaign `seed`.
    pub fn draw(seed: u64, number: u32) -> Schedule {
        let mut rng = fastrand::Rng::with_seed(
            seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(number).wrapping_add(1),
        );
        let clients: Vec<u64> = (0..rng.u64(1..=3)).map(|i| 51 + i).collect();
        let (fixture, programaciones) = draw_fixture(&mut rng, seed, number, &clients);
        let provider = (0..rng.usize(0..=3))
            .map(|_| draw_provider_fault(&mut rng, &clients))
            .collect();
        let db = (0..rng.usize(0..=1))
            .map(|_| draw_db_fault(&mut rng, &programaciones))
            .collect();
        let crash = match rng.u8(0..10) {
            0..=2 => Some(Crash::DuringSend(rng.u32(1..=6))),
            3 => Some(Crash::AfterMs(rng.u64(0..40))),
            _ => None,
        };
        Schedule {
            seed,
            number,
            fixture,
            provider,
            db,
            crash,
            two_schedulers: rng.bool(),
            chaos_ticks: rng.u32(1..=3),
        }
    }

    /// One line naming what this schedule mixes, for violation reports.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "{} rows, {} programaciones",
            self.fixture.envios.len(),
            self.fixture.programaciones.len()
        );
        for f in &self.provider {
            let _ = write!(
                out,
                "; {} {:?} x{} after {} for cliente {}",
                f.operation, f.kind, f.times, f.pass, f.cliente
            );
        }
        for f in &self.db {
            let _ = write!(
                out,
                "; kill at {:?} of programación {}",
                f.target, f.programacion
            );
        }
        if let Some(c) = self.crash {
            let _ = write!(out, "; crash {c:?}");
        }
        if self.two_schedulers {
            out.push_str("; two schedulers");
        }
        out
    }
}

/// A fixture of one to three clients, each with one or two programaciones, a few rows each.
/// Returns it and the programación ids.
fn draw_fixture(
    rng: &mut fastrand::Rng,
    seed: u64,
    number: u32,
    clients: &[u64],
) -> (Fixture, Vec<i64>) {
    let mut yaml = format!(
        "description: chaos seed {seed} schedule {number}\nstart: \"{START}\"\nend: \"{END}\"\nsessions:\n"
    );
    for c in clients {
        let _ = writeln!(yaml, "  {c}: READY");
    }
    let (mut campaigns, mut programaciones, mut envios) =
        (String::new(), String::new(), String::new());
    let mut ids = Vec::new();
    let mut id = 0;
    for c in clients {
        for _ in 0..rng.u32(1..=2) {
            id += 1;
            ids.push(i64::from(id));
            let rows = rng.u32(1..=8);
            // Sometimes less quota than rows: the quota must hold under every fault too.
            let cupo = if rng.u8(0..4) == 0 {
                rng.u32(1..=rows)
            } else {
                rows + 5
            };
            let _ = writeln!(
                campaigns,
                "  - {{id: {id}, nombre: \"Chaos {id}\", mensaje: \"Hola\", estado: en_progreso, cliente_id: {c}}}"
            );
            let _ = writeln!(
                programaciones,
                "  - {{id: {id}, campania_id: {id}, cliente_id: {c}, dias_semana: \"mon,tue,wed,thu,fri\", hora_inicio: \"09:00\", hora_fin: \"18:00\", cupo_diario: {cupo}, fecha_inicio: \"2026-01-01\", fecha_fin: null, estado: aprobada}}"
            );
            let _ = writeln!(
                envios,
                "  - {{campania_id: {id}, generate: {rows}, expect: enviado}}"
            );
        }
    }
    yaml.push_str("campaigns:\n");
    yaml.push_str(&campaigns);
    yaml.push_str("programaciones:\n");
    yaml.push_str(&programaciones);
    yaml.push_str("envios:\n");
    yaml.push_str(&envios);
    let file = format!("chaos-{seed}-{number}.yaml");
    let fixture = crate::fixtures::parse(&yaml, &file).unwrap_or_else(|e| {
        unreachable!("the chaos fixture generator wrote an invalid fixture: {e}\n{yaml}")
    });
    (fixture, ids)
}

fn draw_provider_fault(rng: &mut fastrand::Rng, clients: &[u64]) -> ProviderFault {
    let cliente = clients[rng.usize(..clients.len())];
    let late = CLIENT_TIMEOUT * 2;
    let (operation, kind) = match rng.u8(0..11) {
        0 => ("send", FaultKind::Latency(late)),
        1 => ("send", FaultKind::ResetBeforeDelivery),
        2 => ("send", FaultKind::DropConnection),
        3 => ("send", FaultKind::SendFailsAfterDelivery),
        4 => ("send", FaultKind::SendConstantId),
        5 => ("send", FaultKind::SendSuccessWithoutId),
        6 => (
            "send",
            FaultKind::SessionDropsOut(SessionState::DisconnectedRecoverable),
        ),
        7 => ("send", FaultKind::SendFailsWhileReady),
        8 => ("send", FaultKind::SendFailsForRecipient),
        9 => ("status", FaultKind::Latency(late)),
        _ => ("status", FaultKind::Status(500, None)),
    };
    ProviderFault {
        operation,
        cliente,
        pass: rng.u32(0..4),
        times: rng.u32(1..=2),
        kind,
    }
}

fn draw_db_fault(rng: &mut fastrand::Rng, programaciones: &[i64]) -> DbFault {
    let target = match rng.u8(0..4) {
        0 => DbTarget::Lock,
        1 => DbTarget::Claim,
        2 => DbTarget::MarkEnviado,
        _ => DbTarget::Counter,
    };
    DbFault {
        target,
        programacion: programaciones[rng.usize(..programaciones.len())],
        row: rng.usize(0..3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_and_number_draw_the_same_schedule() {
        for n in 0..50 {
            let (a, b) = (Schedule::draw(7, n), Schedule::draw(7, n));
            assert_eq!(a.describe(), b.describe());
            assert_eq!(a.fixture, b.fixture);
        }
        let differ =
            (0..20).any(|n| Schedule::draw(7, n).describe() != Schedule::draw(8, n).describe());
        assert!(differ, "another seed must draw other schedules");
    }
}

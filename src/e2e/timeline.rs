//! Recording a fixture's run for the HTML timeline: rows by estado after every tick, and what
//! every tick decided, per programación.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use sqlx::{MySqlPool, Row};

use crate::domain::EstadoEnvio;
use crate::fixtures::Fixture;
use crate::report::timeline::{Lane, Sample, TickMark, Timeline};
use crate::scheduler::{Decision, Event};

/// Builds a [`Timeline`] while the run goes.
pub(crate) struct Recorder {
    timeline: Timeline,
}

impl Recorder {
    /// An empty timeline with one lane per programación of the fixture.
    pub(crate) fn new(fixture: &Fixture) -> Recorder {
        let mut lanes: Vec<Lane> = fixture
            .programaciones
            .iter()
            .map(|p| Lane {
                programacion_id: p.id.into(),
                campania_id: p.campania_id.into(),
                cliente_id: p.cliente_id.into(),
                hora_inicio: p.hora_inicio,
                hora_fin: p.hora_fin,
                weekdays: p
                    .weekdays
                    .iter()
                    .map(|d| d.num_days_from_monday())
                    .collect(),
                cupo_diario: p.cupo_diario.into(),
                ..Lane::default()
            })
            .collect();
        lanes.sort_by_key(|l| l.programacion_id);
        Recorder {
            timeline: Timeline {
                fixture: fixture.name(),
                description: fixture.description.clone(),
                tz: fixture.tz.to_string(),
                start: fixture.start,
                lanes,
                ..Timeline::default()
            },
        }
    }

    /// Rows of each lane's campaign by estado, now.
    pub(crate) async fn sample(
        &mut self,
        pool: &MySqlPool,
        at: NaiveDateTime,
    ) -> Result<(), sqlx::Error> {
        let mut counts: BTreeMap<i64, Sample> = BTreeMap::new();
        for r in sqlx::query(
            "SELECT campania_id, CAST(estado AS CHAR) AS estado, COUNT(*) AS n
             FROM ll_envios_whatsapp GROUP BY campania_id, estado",
        )
        .fetch_all(pool)
        .await?
        {
            let campania: i64 = r.try_get::<i32, _>("campania_id")?.into();
            let n: i64 = r.try_get("n")?;
            let n = u64::try_from(n).unwrap_or(0);
            let s = counts.entry(campania).or_default();
            let estado = r.try_get::<Option<String>, _>("estado")?;
            match estado.as_deref().and_then(|e| e.parse().ok()) {
                Some(EstadoEnvio::Enviado) => s.enviado += n,
                Some(EstadoEnvio::Error) => s.error += n,
                // NULL counts as the column's default, pendiente.
                _ => s.pendiente += n,
            }
        }
        for lane in &mut self.timeline.lanes {
            let s = counts.get(&lane.campania_id).copied().unwrap_or_default();
            lane.samples.push(Sample { at, ..s });
        }
        Ok(())
    }

    /// What a tick that started at `at` decided.
    pub(crate) fn tick(&mut self, at: NaiveDateTime, decisions: &[Decision]) {
        let mut marks: BTreeMap<Option<i64>, TickMark> = BTreeMap::new();
        for d in decisions {
            let mark = marks.entry(d.programacion_id).or_insert_with(|| TickMark {
                at,
                ..TickMark::default()
            });
            match d.event {
                Event::Sent | Event::DryRunWouldSend => mark.sent += 1,
                Event::RecipientError => mark.errors += 1,
                Event::LockTakenOver => {}
                other => {
                    if mark.skip.is_none() {
                        mark.skip = Some(super::ticks::event_name(other));
                        mark.detail = d.detail.clone();
                    }
                }
            }
        }
        for (programacion, mark) in marks {
            match self
                .timeline
                .lanes
                .iter_mut()
                .find(|l| Some(l.programacion_id) == programacion)
            {
                Some(lane) => lane.ticks.push(mark),
                None => self.timeline.general.push(mark),
            }
        }
    }

    /// The finished timeline.
    pub(crate) fn finish(mut self, passed: bool) -> Timeline {
        self.timeline.passed = passed;
        self.timeline
    }
}

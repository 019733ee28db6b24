//! Judge one programación on the facts the preview read: its stored values first (a value the
//! scheduler cannot read is named), then the domain's gates in [`Gate::ORDER`], the very
//! functions the scheduler calls as it goes.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::read::{Row, parse_date, parse_datetime, parse_time};
use super::{Lock, Pending, ProgramacionPreview, SessionCheck, Verdict};
use crate::domain::{BusinessTime, Gate, Programacion, Skip, Window, gates, runs_on, unknown_days};

/// Everything about a programación that is not in its own row.
#[derive(Clone)]
pub(super) struct Facts {
    /// When the tick is judged.
    pub(super) now: BusinessTime,
    /// The session-manager asked (named when a session cannot be read).
    pub(super) session_manager: String,
    /// The client's session.
    pub(super) session: SessionCheck,
    /// The campaign's `estado`; `None` when it does not exist.
    pub(super) campaign_estado: Option<String>,
    /// The campaign's `pendiente` rows.
    pub(super) pending: Pending,
    /// Today's counter.
    pub(super) enviados_hoy: i64,
    /// The campaign's latest `fecha_envio`.
    pub(super) last_fecha_envio: Option<NaiveDateTime>,
}

impl Facts {
    /// One gate, on these facts.
    fn judge(&self, gate: Gate, p: &Programacion) -> Result<(), Skip> {
        let now = self.now;
        match gate {
            Gate::DateRange => gates::date_range(p, now),
            Gate::Weekday => gates::weekday(p, now),
            Gate::Window => gates::window(p, now),
            Gate::Quota => gates::quota(p, self.enviados_hoy, now).map(|_| ()),
            Gate::Session => gates::session(p, self.session.gate_input(&self.session_manager)),
            Gate::Campaign => gates::campaign(p, self.campaign_estado.as_deref()),
            Gate::Pending => gates::pending(p, self.pending.rows()),
        }
    }

    /// What the next tick would do, and every gate that does not pass, each gate judged once:
    /// held back by the first failing one in [`Gate::ORDER`], or send what the quota and the
    /// rows allow.
    fn verdict(&self, p: &Programacion) -> (Verdict, Vec<Gate>) {
        let judged: Vec<(Gate, Result<(), Skip>)> = Gate::ORDER
            .into_iter()
            .map(|g| (g, self.judge(g, p)))
            .collect();
        let failing = judged
            .iter()
            .filter(|(_, r)| r.is_err())
            .map(|(g, _)| *g)
            .collect();
        if let Some(skip) = judged.into_iter().find_map(|(_, r)| r.err()) {
            return (Verdict::WouldSkip(skip), failing);
        }
        // Every gate passed, the quota with them: these are the sends it leaves.
        let left = gates::quota(p, self.enviados_hoy, self.now).unwrap_or_default();
        let verdict = Verdict::WouldSend {
            rows: self.pending.sendable.min(left),
            to_error: self.pending.to_error_within(left),
        };
        (verdict, failing)
    }
}

/// A programación's stored values, read the way the scheduler reads them.
struct Values {
    hora_inicio: Option<NaiveTime>,
    hora_fin: Option<NaiveTime>,
    fecha_inicio: Option<NaiveDate>,
    fecha_fin: Option<NaiveDate>,
    /// Each value the scheduler cannot read, in words.
    unreadable: Vec<String>,
}

impl Values {
    fn read(row: &Row) -> Values {
        let mut unreadable = Vec::new();
        let hora_inicio = field(&row.hora_inicio, "hora_inicio", parse_time, &mut unreadable);
        let hora_fin = field(&row.hora_fin, "hora_fin", parse_time, &mut unreadable);
        let fecha_inicio = field(
            &row.fecha_inicio,
            "fecha_inicio",
            parse_date,
            &mut unreadable,
        );
        // A NULL fecha_fin is open-ended, not unreadable.
        let fecha_fin = row.fecha_fin.as_deref().and_then(|raw| {
            let parsed = parse_date(raw);
            if parsed.is_none() {
                unreadable.push(format!("fecha_fin {raw:?} is not a date"));
            }
            parsed
        });
        let nulls = [
            ("campania_id", row.campania_id.is_none()),
            ("cliente_id", row.cliente_id.is_none()),
            ("cupo_diario", row.cupo_diario.is_none()),
        ];
        for (name, _) in nulls.iter().filter(|(_, null)| *null) {
            unreadable.push(format!("{name} is NULL"));
        }
        Values {
            hora_inicio,
            hora_fin,
            fecha_inicio,
            fecha_fin,
            unreadable,
        }
    }

    /// The programación as the gates read it, when every value it needs is readable.
    fn programacion(&self, row: &Row) -> Option<Programacion> {
        if !self.unreadable.is_empty() {
            return None;
        }
        Some(Programacion {
            id: row.id,
            campania_id: row.campania_id?,
            cliente_id: row.cliente_id?,
            dias_semana: row.dias_semana.clone().unwrap_or_default(),
            hora_inicio: self.hora_inicio?,
            hora_fin: self.hora_fin?,
            cupo_diario: row.cupo_diario?,
            fecha_inicio: self.fecha_inicio?,
            fecha_fin: self.fecha_fin,
        })
    }

    /// Now within the hours, when both are readable.
    fn in_window(&self, t: NaiveTime) -> bool {
        match (self.hora_inicio, self.hora_fin) {
            (Some(hora_inicio), Some(hora_fin)) => Window {
                hora_inicio,
                hora_fin,
            }
            .contains(t),
            _ => false,
        }
    }
}

/// A stored value read with `parse`; a NULL or one that does not parse is named.
fn field<T>(
    raw: &Option<String>,
    name: &str,
    parse: fn(&str) -> Option<T>,
    unreadable: &mut Vec<String>,
) -> Option<T> {
    let Some(s) = raw else {
        unreadable.push(format!("{name} is NULL"));
        return None;
    };
    let parsed = parse(s);
    if parsed.is_none() {
        unreadable.push(format!("{name} {s:?} is not readable"));
    }
    parsed
}

/// Judge one programación and keep every fact for the report.
pub(super) fn judge(row: Row, facts: Facts) -> ProgramacionPreview {
    let values = Values::read(&row);
    let dias_semana = row.dias_semana.clone().unwrap_or_default();
    let (verdict, failing) = match values.programacion(&row) {
        Some(p) => facts.verdict(&p),
        None => (
            Verdict::Unreadable(format!(
                "{}; the scheduler cannot read this programación",
                values.unreadable.join(", ")
            )),
            Gate::ORDER.to_vec(),
        ),
    };
    let now = facts.now;
    ProgramacionPreview {
        id: row.id,
        campania_id: row.campania_id.unwrap_or_default(),
        cliente_id: row.cliente_id.unwrap_or_default(),
        in_date_range: row.in_date_range(now.today()),
        runs_today: runs_on(&dias_semana, now.weekday()),
        in_window: values.in_window(now.time()),
        unknown_days: unknown_days(&dias_semana)
            .into_iter()
            .map(str::to_string)
            .collect(),
        dias_semana,
        hora_inicio: values.hora_inicio,
        hora_fin: values.hora_fin,
        cupo_diario: row.cupo_diario,
        fecha_inicio: values.fecha_inicio,
        fecha_fin: values.fecha_fin,
        lock: row.locked_by.filter(|b| !b.is_empty()).map(|by| Lock {
            by,
            at: row.locked_at.as_deref().and_then(parse_datetime),
        }),
        quota_left: row.cupo_diario.map(|c| c - facts.enviados_hoy),
        session: facts.session,
        campaign_estado: facts.campaign_estado,
        pending: facts.pending,
        enviados_hoy: facts.enviados_hoy,
        last_fecha_envio: facts.last_fecha_envio,
        verdict,
        failing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::tick::pending::tests::pendiente;
    use crate::domain::DEFAULT_TZ;
    use crate::session::SessionState;

    /// A row every gate holds back at 20:00 on Tuesday 2026-01-13: out of its dates, not its
    /// weekday, out of its hours, quota used, session not READY, campaign not started, no row.
    fn row() -> Row {
        Row {
            id: 1,
            campania_id: Some(7),
            cliente_id: Some(51),
            dias_semana: Some("mon".into()),
            hora_inicio: Some("09:00:00".into()),
            hora_fin: Some("18:00:00".into()),
            cupo_diario: Some(5),
            fecha_inicio: Some("2026-02-01".into()),
            fecha_fin: None,
            locked_by: None,
            locked_at: None,
        }
    }

    fn facts() -> Facts {
        Facts {
            now: BusinessTime {
                local: NaiveDate::from_ymd_opt(2026, 1, 13)
                    .unwrap()
                    .and_hms_opt(20, 0, 0)
                    .unwrap(),
                tz: DEFAULT_TZ,
            },
            session_manager: "http://127.0.0.1:3001".into(),
            session: SessionCheck::State(SessionState::QrRequired),
            campaign_estado: Some("pendiente".into()),
            pending: Pending::default(),
            enviados_hoy: 5,
            last_fecha_envio: None,
        }
    }

    /// Let gate `g` pass in `row` and `facts`.
    fn open(g: Gate, row: &mut Row, facts: &mut Facts) {
        match g {
            Gate::DateRange => row.fecha_inicio = Some("2026-01-01".into()),
            Gate::Weekday => row.dias_semana = Some("mon,tue".into()),
            Gate::Window => row.hora_fin = Some("21:00:00".into()),
            Gate::Quota => facts.enviados_hoy = 0,
            Gate::Session => facts.session = SessionCheck::State(SessionState::Ready),
            Gate::Campaign => facts.campaign_estado = Some("en_progreso".into()),
            Gate::Pending => {
                let envio = pendiente(1, Some("5491134567890"), Some("hola"));
                facts.pending.add(&envio, None);
            }
        }
    }

    #[test]
    fn the_verdict_is_the_first_gate_of_the_one_order_that_fails() {
        let (mut r, mut f) = (row(), facts());
        for gate in Gate::ORDER {
            let preview = judge(r.clone(), f.clone());
            match &preview.verdict {
                Verdict::WouldSkip(skip) => assert_eq!(skip.gate(), gate, "{skip}"),
                other => panic!("expected a skip at {gate:?}, got {other:?}"),
            }
            assert_eq!(preview.failing.first(), Some(&gate));
            open(gate, &mut r, &mut f);
        }
        let preview = judge(r, f);
        assert_eq!(
            preview.verdict,
            Verdict::WouldSend {
                rows: 1,
                to_error: 0
            }
        );
        assert!(preview.failing.is_empty());
    }

    #[test]
    fn a_value_the_scheduler_cannot_read_is_named_before_any_gate() {
        let mut r = row();
        r.hora_fin = None;
        r.fecha_fin = Some("0000-00-00".into());
        let preview = judge(r, facts());
        let Verdict::Unreadable(why) = &preview.verdict else {
            panic!("{:?}", preview.verdict);
        };
        assert!(why.starts_with("hora_fin is NULL, fecha_fin \"0000-00-00\" is not a date"));
    }
}

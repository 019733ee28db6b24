//! A programación as the gates read it, and whose WhatsApp session it sends through.

use chrono::{NaiveDate, NaiveTime};

use super::calendar::{DateRange, Window};

/// The prefix of central-hub's instance ids (`sender_{cliente_id}`, docs/system.md §1).
pub const INSTANCE_PREFIX: &str = "sender_";

/// The instance id central-hub asks the session of `cliente_id` by, `sender_{cliente_id}`;
/// `None` when `cliente_id` is not a positive integer (no session can be asked for it).
pub fn instance_id(cliente_id: i64) -> Option<String> {
    (cliente_id > 0).then(|| format!("{INSTANCE_PREFIX}{cliente_id}"))
}

/// An `ll_programaciones` row, the columns the gates read (docs/system.md §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programacion {
    /// `id`.
    pub id: i64,
    /// `campania_id`: the campaign whose rows it sends.
    pub campania_id: i64,
    /// `cliente_id`: whose WhatsApp session sends.
    pub cliente_id: i64,
    /// `dias_semana`, as stored.
    pub dias_semana: String,
    /// `hora_inicio`, business-local.
    pub hora_inicio: NaiveTime,
    /// `hora_fin`, business-local.
    pub hora_fin: NaiveTime,
    /// `cupo_diario`: sends allowed per business day.
    pub cupo_diario: i64,
    /// `fecha_inicio`.
    pub fecha_inicio: NaiveDate,
    /// `fecha_fin`; `None` is open-ended.
    pub fecha_fin: Option<NaiveDate>,
}

impl Programacion {
    /// Its hours.
    pub fn window(&self) -> Window {
        Window {
            hora_inicio: self.hora_inicio,
            hora_fin: self.hora_fin,
        }
    }

    /// Its dates.
    pub fn dates(&self) -> DateRange {
        DateRange {
            fecha_inicio: self.fecha_inicio,
            fecha_fin: self.fecha_fin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_positive_client_has_an_instance_id() {
        assert_eq!(instance_id(51).as_deref(), Some("sender_51"));
        assert_eq!(instance_id(0), None);
        assert_eq!(instance_id(-3), None);
    }
}

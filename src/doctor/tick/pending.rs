//! A campaign's `pendiente` rows as the scheduler would see them, and where the date of the
//! oldest one comes from.

use chrono::NaiveDateTime;

use crate::domain::{Envio, PendingRows, ResultadoIntento, Unsendable, claim_holds};

/// Where the timestamp dating the oldest pendiente row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampSource {
    /// The row's first `ll_envios_whatsapp_historial.created_at`.
    Historial,
    /// Its campaign's `fecha_creacion` (no historial row for it).
    CampaignCreated,
}

impl TimestampSource {
    /// `table.column` the timestamp was read from.
    pub fn column(self) -> &'static str {
        match self {
            TimestampSource::Historial => "ll_envios_whatsapp_historial.created_at",
            TimestampSource::CampaignCreated => "ll_campanias_whatsapp.fecha_creacion",
        }
    }
}

/// A campaign's `pendiente` rows as the scheduler would see them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    /// Rows with `estado = 'pendiente'`.
    pub total: i64,
    /// Unclaimed rows with a valid phone and some text: what the scheduler sends.
    pub sendable: i64,
    /// Unclaimed rows without a phone.
    pub sin_telefono: i64,
    /// Unclaimed rows whose phone is not a WhatsApp number.
    pub telefono_invalido: i64,
    /// Unclaimed rows without text.
    pub sin_texto: i64,
    /// Rows held by a claim in `lmh_envio_intentos` (lmh's scheduler skips them).
    pub claimed: i64,
    /// Of the claimed rows, those whose send outcome is unknown (a person must resolve them).
    pub outcome_unknown: i64,
    /// The oldest sendable row (lowest id: the scheduler sends oldest first).
    pub oldest_id: Option<i64>,
    /// When that row appeared, as stored (naive; see `NextTick::db_utc_offset`), and from where.
    pub oldest_since: Option<(NaiveDateTime, TimestampSource)>,
    /// Sendable (true) or not (false), unclaimed rows in id order.
    order: Vec<bool>,
}

impl Pending {
    /// Count one `pendiente` row, in id order: claimed, or classified by the domain's
    /// recipient rule as the scheduler would (a released claim is sent again).
    pub(super) fn add(&mut self, envio: &Envio, claim: Option<&str>) {
        self.total += 1;
        if let Some(resultado) = claim.filter(|r| claim_holds(r)) {
            self.claimed += 1;
            if resultado.parse() == Ok(ResultadoIntento::Desconocido) {
                self.outcome_unknown += 1;
            }
            return;
        }
        let sendable = match envio.recipient() {
            Ok(_) => {
                self.sendable += 1;
                self.oldest_id.get_or_insert(envio.id);
                true
            }
            Err(Unsendable::NoPhone) => {
                self.sin_telefono += 1;
                false
            }
            Err(Unsendable::NoText) => {
                self.sin_texto += 1;
                false
            }
            Err(Unsendable::InvalidPhone(_)) => {
                self.telefono_invalido += 1;
                false
            }
        };
        self.order.push(sendable);
    }

    /// Rows the scheduler would mark `error` (no valid phone or text) instead of sending.
    pub fn unsendable(&self) -> i64 {
        self.sin_telefono + self.telefono_invalido + self.sin_texto
    }

    /// The rows as the pending gate judges them.
    pub fn rows(&self) -> PendingRows {
        PendingRows {
            unclaimed: self.sendable + self.unsendable(),
            claimed: self.claimed,
            outcome_unknown: self.outcome_unknown,
        }
    }

    /// Rows a batch limited to `left` sends would mark `error` on the way: those before the
    /// `left`-th sendable row, in id order, as the scheduler walks them.
    pub fn to_error_within(&self, left: i64) -> i64 {
        let mut sent = 0;
        let mut errors = 0;
        for sendable in &self.order {
            if sent >= left {
                break;
            }
            if *sendable {
                sent += 1;
            } else {
                errors += 1;
            }
        }
        errors
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A `pendiente` row of campaign 1 with this phone and text.
    pub(in crate::doctor::tick) fn pendiente(
        id: i64,
        telefono: Option<&str>,
        mensaje: Option<&str>,
    ) -> Envio {
        Envio {
            id,
            campania_id: 1,
            telefono: telefono.map(str::to_string),
            mensaje: mensaje.map(str::to_string),
            estado: "pendiente".to_string(),
            fecha_envio: None,
            message_id: None,
        }
    }

    fn pending(order: &[bool]) -> Pending {
        Pending {
            order: order.to_vec(),
            sendable: order.iter().filter(|s| **s).count() as i64,
            ..Pending::default()
        }
    }

    #[test]
    fn rows_marked_error_are_those_before_the_last_send() {
        let p = pending(&[false, true, false, true, false]);
        assert_eq!(p.to_error_within(1), 1);
        assert_eq!(p.to_error_within(2), 2);
        assert_eq!(p.to_error_within(50), 3);
        assert_eq!(p.to_error_within(0), 0);
    }

    #[test]
    fn rows_are_classified_by_the_recipient_rule_and_claims() {
        let mut p = Pending::default();
        p.add(&pendiente(1, None, Some("hola")), None);
        p.add(&pendiente(2, Some("12"), Some("hola")), None);
        p.add(&pendiente(3, Some("5491134567890"), Some(" ")), None);
        p.add(
            &pendiente(4, Some("5491134567890"), Some("hola")),
            Some("desconocido"),
        );
        p.add(
            &pendiente(5, Some("5491134567891"), Some("hola")),
            Some("reintentar"),
        );
        assert_eq!(
            (p.sin_telefono, p.telefono_invalido, p.sin_texto),
            (1, 1, 1)
        );
        assert_eq!((p.claimed, p.outcome_unknown), (1, 1));
        assert_eq!((p.sendable, p.oldest_id), (1, Some(5)));
        assert_eq!(p.rows().unclaimed, 4);
    }
}

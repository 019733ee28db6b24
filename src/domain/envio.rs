//! An envio: one `ll_envios_whatsapp` row, as every reader of the table holds it.

use chrono::NaiveDateTime;

use super::estado::EstadoEnvio;
use super::recipient::{Recipient, Unsendable, recipient};

/// An `ll_envios_whatsapp` row (docs/system.md §4): what the scheduler sends, `doctor`
/// counts and the invariants judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envio {
    /// `id`.
    pub id: i64,
    /// `campania_id`: the campaign it belongs to.
    pub campania_id: i64,
    /// `telefono_wapp`, as stored.
    pub telefono: Option<String>,
    /// `mensaje_final`, as stored.
    pub mensaje: Option<String>,
    /// `estado`, as stored: text, so a value outside the enum (the empty string a
    /// non-strict server stores for a bad one) can be named rather than fail the read.
    pub estado: String,
    /// `fecha_envio`: when it was sent.
    pub fecha_envio: Option<NaiveDateTime>,
    /// `message_id`: the provider's id of its send.
    pub message_id: Option<String>,
}

impl Envio {
    /// Whether its stored `estado` is `estado`.
    pub fn is(&self, estado: EstadoEnvio) -> bool {
        self.estado == estado.as_str()
    }

    /// Its `to` and `message`, or why it must not reach the provider (the domain's one
    /// recipient rule).
    pub fn recipient(&self) -> Result<Recipient, Unsendable> {
        recipient(self.telefono.as_deref(), self.mensaje.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envio(telefono: Option<&str>, mensaje: Option<&str>, estado: &str) -> Envio {
        Envio {
            id: 1,
            campania_id: 1,
            telefono: telefono.map(str::to_string),
            mensaje: mensaje.map(str::to_string),
            estado: estado.to_string(),
            fecha_envio: None,
            message_id: None,
        }
    }

    #[test]
    fn its_recipient_is_the_domain_rule_on_its_phone_and_text() {
        let ok = envio(Some("5491134567890"), Some("hola"), "pendiente");
        assert_eq!(ok.recipient().unwrap().to, "5491134567890@c.us");
        assert_eq!(
            envio(None, Some("hola"), "pendiente").recipient(),
            Err(Unsendable::NoPhone)
        );
        assert_eq!(
            envio(Some("5491134567890"), Some(" "), "pendiente").recipient(),
            Err(Unsendable::NoText)
        );
    }

    #[test]
    fn its_estado_is_compared_as_stored() {
        assert!(envio(None, None, "enviado").is(EstadoEnvio::Enviado));
        assert!(!envio(None, None, "enviado").is(EstadoEnvio::Pendiente));
        let bad = envio(None, None, "");
        assert!(EstadoEnvio::ALL.iter().all(|e| !bad.is(*e)));
    }
}

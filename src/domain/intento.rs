//! An intento: lmh's claim on an envio before its send, one `lmh_envio_intentos` row.

use super::estado::ResultadoIntento;

/// An `lmh_envio_intentos` row (not a production table; migrations 0002 and 0003).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intento {
    /// `envio_id`: the row claimed.
    pub envio_id: i64,
    /// `programacion_id`: whose batch claimed it.
    pub programacion_id: i64,
    /// `resultado`, as stored (text, so a value outside the enum can be named).
    pub resultado: String,
    /// `intentos`: `POST /send` attempts made for the row.
    pub intentos: i64,
    /// `detalle`: what happened to each attempt.
    pub detalle: Option<String>,
}

impl Intento {
    /// Whether nobody knows yet what became of its send (in flight, or left for a person).
    pub fn is_open(&self) -> bool {
        self.resultado
            .parse::<ResultadoIntento>()
            .is_ok_and(ResultadoIntento::is_open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intento(resultado: &str) -> Intento {
        Intento {
            envio_id: 1,
            programacion_id: 1,
            resultado: resultado.to_string(),
            intentos: 1,
            detalle: None,
        }
    }

    #[test]
    fn only_a_claim_in_flight_or_left_for_a_person_is_open() {
        assert!(intento("en_curso").is_open());
        assert!(intento("desconocido").is_open());
        assert!(!intento("confirmado").is_open());
        assert!(!intento("reintentar").is_open());
        assert!(
            !intento("").is_open(),
            "a value outside the enum is not open"
        );
    }
}

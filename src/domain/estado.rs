//! The enum columns of the LeadMaster schema (docs/system.md §4) and of lmh's claim table as
//! Rust types, so lmh can only bind values that the column accepts (invariant 11) and no rule
//! compares raw strings. Read them back as `String` and parse with `FromStr`: sqlx does not
//! decode a MySQL ENUM column into a derived type.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A value that is not one of an enum column's members.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {column}; expected one of {expected}")]
pub struct UnknownEstado {
    /// The rejected text.
    pub value: String,
    /// `table.column` it was meant for.
    pub column: &'static str,
    /// The allowed values, comma separated.
    pub expected: &'static str,
}

macro_rules! estado_enum {
    (
        $(#[$meta:meta])* $name:ident, $column:literal, $expected:literal,
        { $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every member, in the column's declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];
            /// `table.column` this type mirrors.
            pub const COLUMN: &'static str = $column;

            /// The text stored in the column.
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text ),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownEstado;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    _ => Err(UnknownEstado { value: s.to_string(), column: $column, expected: $expected }),
                }
            }
        }
    };
}

estado_enum!(
    /// `ll_envios_whatsapp.estado` (also the historial's `estado_anterior`/`estado_nuevo`).
    EstadoEnvio, "ll_envios_whatsapp.estado", "pendiente, enviado, error",
    {
        /// Waiting to be sent (the default).
        Pendiente => "pendiente",
        /// Sent, confirmed by the provider.
        Enviado => "enviado",
        /// Failed for a recipient-level reason; not retried.
        Error => "error",
    }
);

estado_enum!(
    /// `ll_campanias_whatsapp.estado`.
    EstadoCampania, "ll_campanias_whatsapp.estado", "pendiente, en_progreso, finalizado",
    {
        /// Created, waiting for approval (the default).
        Pendiente => "pendiente",
        /// Approved: its rows may be sent.
        EnProgreso => "en_progreso",
        /// Done.
        Finalizado => "finalizado",
    }
);

estado_enum!(
    /// `ll_programaciones.estado`.
    EstadoProgramacion, "ll_programaciones.estado", "pendiente, aprobada, rechazada, pausada",
    {
        /// Waiting for approval (the default).
        Pendiente => "pendiente",
        /// Approved: the scheduler runs it.
        Aprobada => "aprobada",
        /// Rejected by an admin.
        Rechazada => "rechazada",
        /// Paused.
        Pausada => "pausada",
    }
);

estado_enum!(
    /// `lmh_envio_intentos.resultado`: lmh's claim on a row and what became of its send (not a
    /// production table; migrations 0002 and 0003).
    ResultadoIntento, "lmh_envio_intentos.resultado", "en_curso, confirmado, fallido, desconocido, reintentar",
    {
        /// Claimed, the send in flight (or the process died holding it).
        EnCurso => "en_curso",
        /// Sent and recorded.
        Confirmado => "confirmado",
        /// The provider refused this recipient.
        Fallido => "fallido",
        /// The send may have gone out and lmh cannot tell: a person resolves it.
        Desconocido => "desconocido",
        /// Released after a failure that proves nothing went out: a later tick may claim it.
        Reintentar => "reintentar",
    }
);

impl ResultadoIntento {
    /// Whether a claim in this state keeps its row from being sent: every one but a released
    /// claim (the attempt limit is enforced when it is claimed again).
    pub fn holds_row(self) -> bool {
        self != ResultadoIntento::Reintentar
    }

    /// Whether nobody knows yet what became of the send: in flight, or left for a person.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ResultadoIntento::EnCurso | ResultadoIntento::Desconocido
        )
    }
}

/// Whether a claim whose `resultado` reads `text` keeps its row from being sent; a value
/// outside the enum (a non-strict server's `''`) is read as holding, the safe side.
pub fn claim_holds(text: &str) -> bool {
    text.parse::<ResultadoIntento>()
        .map_or(true, ResultadoIntento::holds_row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        for e in EstadoEnvio::ALL {
            assert_eq!(e.as_str().parse::<EstadoEnvio>().unwrap(), *e);
        }
        for e in EstadoCampania::ALL {
            assert_eq!(e.as_str().parse::<EstadoCampania>().unwrap(), *e);
        }
        for e in EstadoProgramacion::ALL {
            assert_eq!(e.as_str().parse::<EstadoProgramacion>().unwrap(), *e);
        }
        for e in ResultadoIntento::ALL {
            assert_eq!(e.as_str().parse::<ResultadoIntento>().unwrap(), *e);
        }
        let err = "enviada".parse::<EstadoEnvio>().unwrap_err();
        assert!(err.to_string().contains("ll_envios_whatsapp.estado"));
    }

    #[test]
    fn only_a_released_claim_lets_its_row_go() {
        let holding: Vec<_> = ResultadoIntento::ALL
            .iter()
            .filter(|r| r.holds_row())
            .collect();
        assert_eq!(holding.len(), ResultadoIntento::ALL.len() - 1);
        assert!(!claim_holds("reintentar"));
        assert!(claim_holds("en_curso"));
        assert!(claim_holds(""));
    }
}

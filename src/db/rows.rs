//! The one decoder of each row type the domain holds (`ll_programaciones`,
//! `ll_envios_whatsapp`, `lmh_envio_intentos`), so every reader of a table builds the same
//! value from the same column names. (`doctor` reads a real installation's
//! `ll_programaciones` as text instead, so that a value this schema would not hold is
//! reported, not fatal.)

use sqlx::Row;
use sqlx::mysql::MySqlRow;

use crate::domain::{Envio, Intento, Programacion};

/// The columns of `ll_programaciones` a [`Programacion`] holds, for a `SELECT`.
pub const PROGRAMACION_COLUMNS: &str = "id, campania_id, cliente_id, dias_semana, hora_inicio, hora_fin, cupo_diario, fecha_inicio, fecha_fin";

/// A row selected with [`PROGRAMACION_COLUMNS`] as a [`Programacion`].
pub fn decode_programacion(r: &MySqlRow) -> Result<Programacion, sqlx::Error> {
    Ok(Programacion {
        id: r.try_get::<i32, _>("id")?.into(),
        campania_id: r.try_get::<i32, _>("campania_id")?.into(),
        cliente_id: r.try_get::<i32, _>("cliente_id")?.into(),
        dias_semana: r.try_get("dias_semana")?,
        hora_inicio: r.try_get("hora_inicio")?,
        hora_fin: r.try_get("hora_fin")?,
        cupo_diario: r.try_get::<i32, _>("cupo_diario")?.into(),
        fecha_inicio: r.try_get("fecha_inicio")?,
        fecha_fin: r.try_get("fecha_fin")?,
    })
}

/// The columns of `ll_envios_whatsapp` (as `e`) an [`Envio`] holds, for a `SELECT`. A reader
/// that must cast them (a real installation's column types) selects its own expressions under
/// these names.
pub const ENVIO_COLUMNS: &str = "e.id, e.campania_id, e.telefono_wapp, e.mensaje_final, \
     CAST(e.estado AS CHAR) AS estado, e.fecha_envio, e.message_id";

/// A row selected with [`ENVIO_COLUMNS`] (or the same names) as an [`Envio`].
pub fn decode_envio(r: &MySqlRow) -> Result<Envio, sqlx::Error> {
    Ok(Envio {
        id: r.try_get("id")?,
        campania_id: r.try_get("campania_id")?,
        telefono: r.try_get("telefono_wapp")?,
        mensaje: r.try_get("mensaje_final")?,
        estado: r
            .try_get::<Option<String>, _>("estado")?
            .unwrap_or_default(),
        fecha_envio: r.try_get("fecha_envio")?,
        message_id: r.try_get("message_id")?,
    })
}

/// The columns of `lmh_envio_intentos` an [`Intento`] holds, for a `SELECT`.
pub const INTENTO_COLUMNS: &str =
    "envio_id, programacion_id, CAST(resultado AS CHAR) AS resultado, intentos, detalle";

/// A row selected with [`INTENTO_COLUMNS`] as an [`Intento`].
pub fn decode_intento(r: &MySqlRow) -> Result<Intento, sqlx::Error> {
    Ok(Intento {
        envio_id: r.try_get("envio_id")?,
        programacion_id: r.try_get("programacion_id")?,
        resultado: r
            .try_get::<Option<String>, _>("resultado")?
            .unwrap_or_default(),
        intentos: r.try_get("intentos")?,
        detalle: r.try_get("detalle")?,
    })
}

//! The LeadMaster vocabulary: what the words mean and the rules that decide whether a row goes
//! out, written once. Pure: no queries, no HTTP, no clock; the scheduler, `doctor`, the
//! fixtures and the invariants bring the facts and call these.
//!
//! # Glossary
//!
//! Spanish for the database's names, English for Rust concepts; one name per thing.
//!
//! | word | meaning |
//! |---|---|
//! | `campania` | a campaign (`ll_campanias_whatsapp`): a text and its rows; only `en_progreso` sends |
//! | `programacion` | a schedule (`ll_programaciones`) of one campaign for one client: weekdays (`dias_semana`), hours (`hora_inicio`–`hora_fin`), dates (`fecha_inicio`–`fecha_fin`), a daily quota; only `aprobada` runs |
//! | `envio` | one message row (`ll_envios_whatsapp`): `telefono_wapp`, `mensaje_final`, `estado` `pendiente` → `enviado` (or `error`) |
//! | `cupo` | `cupo_diario`, the sends a programación may make per business day; today's count is `ll_programacion_envios_diarios.enviados` |
//! | `historial` | the audit row of every change of an envio's `estado` |
//! | `intento` | lmh's claim on an envio before its send (`lmh_envio_intentos`, not a production table), with its `resultado` |
//! | cliente | the client whose WhatsApp session sends; central-hub names it `sender_{cliente_id}` ([`instance_id`]) |
//! | business time | the zone ([`DEFAULT_TZ`]) "today", the weekday and the window are judged in, whatever the process or database zone |
//! | window | a programación's hours, both ends included ([`Window`]) |
//! | gate | one check a programación passes before a row goes out ([`Gate`]); [`Skip`] says which one it did not, and why |
//! | recipient | a row's chat id and text, or why it has none ([`recipient()`]) |
//! | session-manager | the provider, at central-hub's [`SESSION_MANAGER_BASE_URL`] |
//!
//! One row type per table where a rule reads it: [`Programacion`] for `ll_programaciones`,
//! [`Envio`] for `ll_envios_whatsapp`, [`Intento`] for `lmh_envio_intentos` (the estado enums
//! for every enum column, [`estado`]). They are plain structs; `db::rows` decodes them.

pub mod calendar;
pub mod envio;
pub mod estado;
pub mod gates;
pub mod intento;
pub mod programacion;
pub mod recipient;

pub use calendar::{
    BusinessTime, DEFAULT_TZ, DateRange, WEEKDAYS, Window, local_to_utc, runs_on, unknown_days,
    weekday_name, weekday_named,
};
pub use envio::Envio;
pub use estado::{
    EstadoCampania, EstadoEnvio, EstadoProgramacion, ResultadoIntento, UnknownEstado, claim_holds,
};
pub use gates::{Gate, PendingRows, Skip};
pub use intento::Intento;
pub use programacion::{INSTANCE_PREFIX, Programacion, instance_id};
pub use recipient::{
    CHAT_SUFFIX, PhoneCheck, Recipient, Unsendable, check_phone, has_text, normalize_phone,
    recipient,
};

/// The variable central-hub reads the session-manager's base URL from (docs/system.md §6).
pub const SESSION_MANAGER_BASE_URL: &str = "SESSION_MANAGER_BASE_URL";

//! Fixtures: a scenario in one YAML file (`fixtures/*.yaml`): the rows to put in a scratch
//! database, the session state of each client, the stretch of business time the scheduler
//! runs over, and what must hold for every envio when the run ends.
//!
//! # Format
//!
//! ```yaml
//! description: One client, one approved programación, every row goes out.   # required
//! tz: America/Argentina/Buenos_Aires    # optional IANA name; this is the default
//! start: "2026-01-13T08:55:00"          # business-local time the virtual clock starts at
//! end: "2026-01-13T20:00:00"            # optional, business-local; default start + 24h
//! sessions:                             # cliente_id -> session-manager state (v1 names);
//!   51: READY                           #   the state holds for the whole run
//! campaigns:
//!   - {id: 1, nombre: "Promo enero", mensaje: "Hola", estado: en_progreso, cliente_id: 51}
//! programaciones:
//!   - {id: 1, campania_id: 1, cliente_id: 51, dias_semana: "mon,tue,wed,thu,fri",
//!      hora_inicio: "09:00", hora_fin: "18:00", cupo_diario: 50,
//!      fecha_inicio: "2026-01-01", fecha_fin: null, estado: aprobada}
//! envios_diarios:                       # optional: today's counters already in the table
//!   - {programacion_id: 1, fecha: "2026-01-13", enviados: 10}
//! envios:
//!   - {id: 1, campania_id: 1, telefono_wapp: "5491134567890", nombre_destino: "José",
//!      mensaje_final: "Hola José 👋 ¿cómo estás?", expect: enviado}
//!   - {campania_id: 1, generate: 100, expect: enviado}
//! ```
//!
//! Field by field:
//! - `campaigns[]`: `id` (required, > 0), `nombre` (latin1 text: the column is latin1),
//!   `mensaje`, `estado` (`pendiente` default | `en_progreso` | `finalizado`), `cliente_id`.
//! - `programaciones[]`: `id`, `campania_id` (an existing campaign), `cliente_id` (must have an
//!   entry in `sessions`, so every client's state is stated, not assumed), `dias_semana`
//!   (comma list of `sun mon tue wed thu fri sat`, stored as written), `hora_inicio` <
//!   `hora_fin` (`HH:MM` or `HH:MM:SS`), `cupo_diario` (default 50), `fecha_inicio`,
//!   `fecha_fin` (null = open-ended), `estado` (`pendiente` default | `aprobada` | `rechazada` |
//!   `pausada`).
//! - `envios_diarios[]`: `programacion_id`, `fecha`, `enviados`; one per (programación, fecha).
//! - `envios[]`: `id` (optional), `campania_id`, `telefono_wapp`, `nombre_destino`,
//!   `mensaje_final`, `expect` (`enviado` | `pendiente` | `error`). Every row starts
//!   `pendiente`. A row with `generate: N` (and only `campania_id` and `expect` besides) stands
//!   for N rows with unique phones and texts full of accents and emoji. Rows without an `id`
//!   and generated rows get ids after the largest explicit one, in file order, so "oldest id
//!   first" is file order within a campaign.
//!
//! Unknown keys are errors, as are states outside the enums, unknown weekdays, duplicate ids,
//! references to missing campaigns, programaciones or sessions, and two rows of one campaign
//! with the same phone (the table's UNIQUE key).
//!
//! # Phones and texts
//!
//! A phone is valid when it is 8 to 15 digits, not starting with 0, optionally followed by
//! `@c.us`. A row whose phone is missing (absent, null or blank) or invalid, or whose
//! `mensaje_final` is missing or blank, must never reach the provider (the one rule is
//! [`crate::domain::recipient()`]). The decision these fixtures encode: when the scheduler
//! reaches such a row it marks it `error` (a recipient-level fault, invariant 10; leaving it
//! `pendiente` would keep it "stuck" for ever, invariant 16) without calling `/send`. So such
//! a row expects `error` when its programación is active, and `pendiente` when a gate keeps
//! the scheduler away from it; it may never expect `enviado`, and the loader rejects that.
//! `dias_semana` is read with the scheduler's weekday table ([`parse_weekdays`]).
//!
//! # Audit
//!
//! [`insert`] also writes one `ll_envios_whatsapp_historial` row per envio recording its
//! creation: `estado_anterior` NULL, `estado_nuevo` `pendiente`, `origen` [`HISTORIAL_ORIGEN`].
//!
//! # Example
//!
//! ```
//! use lmh::fixtures::{self, Expect};
//!
//! let fixture = fixtures::load("fixtures/happy-path.yaml")?;
//! assert_eq!(fixture.tz, chrono_tz::America::Argentina::Buenos_Aires);
//! assert!(fixture.envios.iter().all(|e| e.expect == Expect::Enviado));
//!
//! let yaml = r#"
//! description: a typo in a state name
//! start: "2026-01-13T08:55:00"
//! sessions: {51: REDY}
//! "#;
//! let err = fixtures::parse(yaml, "inline.yaml").unwrap_err();
//! assert_eq!(err.line(), Some(4));
//! assert!(err.to_string().starts_with("inline.yaml:4:"), "{err}");
//! # Ok::<(), fixtures::FixtureError>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use sqlx::{MySql, QueryBuilder};

use crate::db::{self, ScratchDb};
use crate::domain::{
    DEFAULT_TZ, EstadoCampania, EstadoEnvio, EstadoProgramacion, Unsendable, weekday_name,
    weekday_named,
};
use crate::session::SessionState;

/// `origen` of the historial rows [`insert`] writes.
pub const HISTORIAL_ORIGEN: &str = "lmh-fixture";

/// Upper bound for one `generate:` row, to keep a typo from filling the disk.
pub const MAX_GENERATE: u32 = 10_000;
/// Upper bound for the envios of one fixture, explicit and generated together; checked before
/// any row is built, so many `generate:` rows cannot exhaust memory or fill a database.
pub const MAX_FIXTURE_ROWS: u64 = 100_000;
/// The most a MySQL `TEXT` column holds, in bytes.
const TEXT_COLUMN_BYTES: usize = 65_535;
/// Fixture files bigger than this are refused (the largest real one is a few KiB).
pub const MAX_FIXTURE_BYTES: u64 = 8 * 1024 * 1024;

/// What must hold for an envio when the run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// Sent, confirmed, marked `enviado`.
    Enviado,
    /// Never sent, still `pendiente`.
    Pendiente,
    /// Marked `error` without reaching the provider, or after a recipient-level failure.
    Error,
}

impl Expect {
    /// The `estado` the row must have at the end.
    pub fn estado(self) -> EstadoEnvio {
        match self {
            Expect::Enviado => EstadoEnvio::Enviado,
            Expect::Pendiente => EstadoEnvio::Pendiente,
            Expect::Error => EstadoEnvio::Error,
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.estado().as_str())
    }
}

/// A loaded, validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    /// The file it came from.
    pub file: PathBuf,
    /// What the scenario is about.
    pub description: String,
    /// The business time zone: window and "today" are decided in it.
    pub tz: Tz,
    /// Business-local start of the virtual clock.
    pub start: NaiveDateTime,
    /// Business-local end of the run.
    pub end: NaiveDateTime,
    /// Session-manager state per `cliente_id`.
    pub sessions: BTreeMap<i32, SessionState>,
    /// `ll_campanias_whatsapp` rows.
    pub campaigns: Vec<CampaignFixture>,
    /// `ll_programaciones` rows.
    pub programaciones: Vec<ProgramacionFixture>,
    /// `ll_programacion_envios_diarios` rows.
    pub envios_diarios: Vec<EnvioDiarioFixture>,
    /// `ll_envios_whatsapp` rows, generated ones expanded, each with its id.
    pub envios: Vec<EnvioFixture>,
}

/// One `ll_campanias_whatsapp` row.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignFixture {
    /// Primary key.
    pub id: i32,
    /// Name (latin1).
    pub nombre: String,
    /// Template text.
    pub mensaje: String,
    /// Campaign state.
    pub estado: EstadoCampania,
    /// Owning client.
    pub cliente_id: Option<i32>,
}

/// One `ll_programaciones` row.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramacionFixture {
    /// Primary key.
    pub id: i32,
    /// The campaign it sends.
    pub campania_id: i32,
    /// Whose WhatsApp session sends.
    pub cliente_id: i32,
    /// `dias_semana` exactly as stored.
    pub dias_semana: String,
    /// The same days, parsed.
    pub weekdays: Vec<Weekday>,
    /// Window start, business-local.
    pub hora_inicio: NaiveTime,
    /// Window end, business-local.
    pub hora_fin: NaiveTime,
    /// Sends allowed per business day.
    pub cupo_diario: i32,
    /// First day it may send.
    pub fecha_inicio: NaiveDate,
    /// Last day it may send; `None` = open-ended.
    pub fecha_fin: Option<NaiveDate>,
    /// Approval state.
    pub estado: EstadoProgramacion,
}

/// One `ll_programacion_envios_diarios` row.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvioDiarioFixture {
    /// The programación counted.
    pub programacion_id: i32,
    /// The business day.
    pub fecha: NaiveDate,
    /// Sends already counted that day.
    pub enviados: i32,
}

/// One `ll_envios_whatsapp` row (starts `pendiente`) with its expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvioFixture {
    /// Primary key (explicit or assigned).
    pub id: i32,
    /// Its campaign.
    pub campania_id: i32,
    /// Recipient; `None` = no phone.
    pub telefono_wapp: Option<String>,
    /// Recipient's name.
    pub nombre_destino: Option<String>,
    /// The exact text to send.
    pub mensaje_final: Option<String>,
    /// What must hold at the end.
    pub expect: Expect,
    /// Where it comes from in the file, e.g. `envios[2]` or `envios[3] #17` (generated).
    pub origin: String,
}

impl EnvioFixture {
    /// Whether the scheduler may send this row at all (valid phone and some text).
    pub fn sendable(&self) -> bool {
        self.unsendable().is_none()
    }

    /// Why the scheduler may not send this row, if it may not.
    pub fn unsendable(&self) -> Option<Unsendable> {
        crate::domain::recipient(self.telefono_wapp.as_deref(), self.mensaje_final.as_deref()).err()
    }
}

impl Fixture {
    /// The file name without `.yaml`, e.g. `happy-path`.
    pub fn name(&self) -> String {
        self.file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// `start` as an instant in the business time zone.
    pub fn start_at(&self) -> chrono::DateTime<Tz> {
        local_instant(self.tz, self.start).unwrap_or_else(|| self.tz.from_utc_datetime(&self.start))
    }

    /// `end` as an instant in the business time zone.
    pub fn end_at(&self) -> chrono::DateTime<Tz> {
        local_instant(self.tz, self.end).unwrap_or_else(|| self.tz.from_utc_datetime(&self.end))
    }

    /// The envios that must end in `expect`.
    pub fn expecting(&self, expect: Expect) -> impl Iterator<Item = &EnvioFixture> {
        self.envios.iter().filter(move |e| e.expect == expect)
    }
}

fn local_instant(tz: Tz, t: NaiveDateTime) -> Option<chrono::DateTime<Tz>> {
    tz.from_local_datetime(&t).earliest()
}

/// A fixture that cannot be read, parsed, validated or inserted. Every variant names the file;
/// parse and validation errors also carry the line (when known) and the item path.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The file or directory could not be read.
    #[error("{}: cannot read: {reason}", file.display())]
    Read {
        /// The file or directory.
        file: PathBuf,
        /// The OS reason.
        reason: String,
    },
    /// Not valid YAML, or a value of the wrong type or form, or an unknown key.
    #[error("{}{}: {reason}", file.display(), position(*line, *column))]
    Parse {
        /// The file.
        file: PathBuf,
        /// 1-based line, when the parser knows it.
        line: Option<usize>,
        /// 1-based column, when the parser knows it.
        column: Option<usize>,
        /// What is wrong (starts with the item path when there is one).
        reason: String,
    },
    /// Well-formed, but inconsistent (dangling reference, duplicate id, impossible window...).
    #[error("{}{}: {path}: {reason}", file.display(), position(*line, None))]
    Invalid {
        /// The file.
        file: PathBuf,
        /// 1-based line of the offending item, when found.
        line: Option<usize>,
        /// The item path, e.g. `envios[3].campania_id`.
        path: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// A directory without any `*.yaml` file.
    #[error("{}: no fixture files (*.yaml) in this directory", dir.display())]
    EmptyDir {
        /// The directory.
        dir: PathBuf,
    },
    /// Writing the rows failed (nothing was kept: one transaction).
    #[error("{}: inserting into scratch database {database} failed: {reason}", file.display())]
    Insert {
        /// The fixture file.
        file: PathBuf,
        /// The scratch database.
        database: String,
        /// What failed.
        reason: String,
    },
}

/// `:line:column`, `:line`, or nothing when the position is unknown.
fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl FixtureError {
    /// The fixture file (or directory) the error is about.
    pub fn file(&self) -> &Path {
        match self {
            FixtureError::Read { file, .. }
            | FixtureError::Parse { file, .. }
            | FixtureError::Invalid { file, .. }
            | FixtureError::Insert { file, .. } => file,
            FixtureError::EmptyDir { dir } => dir,
        }
    }

    /// The 1-based line, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            FixtureError::Parse { line, .. } | FixtureError::Invalid { line, .. } => *line,
            _ => None,
        }
    }
}

/// Load and validate one fixture file.
pub fn load(path: impl AsRef<Path>) -> Result<Fixture, FixtureError> {
    let path = path.as_ref();
    let text =
        crate::files::read_text_file(path, MAX_FIXTURE_BYTES, "fixture file").map_err(|e| {
            FixtureError::Read {
                file: path.to_path_buf(),
                reason: e.reason(),
            }
        })?;
    parse(&text, path)
}

/// Load every `*.yaml` / `*.yml` file of a directory, in name order.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Vec<Fixture>, FixtureError> {
    let dir = dir.as_ref();
    let read_err = |e: std::io::Error| FixtureError::Read {
        file: dir.to_path_buf(),
        reason: e.to_string(),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml && path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(FixtureError::EmptyDir {
            dir: dir.to_path_buf(),
        });
    }
    files.sort();
    files.iter().map(load).collect()
}

/// The fixtures built into the binary (`fixtures/*.yaml` at build time), as (file name, text),
/// in name order: `lmh e2e` and `lmh gate` run them from any directory.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("gates.yaml", include_str!("../fixtures/gates.yaml")),
    (
        "happy-path.yaml",
        include_str!("../fixtures/happy-path.yaml"),
    ),
    ("quotas.yaml", include_str!("../fixtures/quotas.yaml")),
    (
        "seed-incident.yaml",
        include_str!("../fixtures/seed-incident.yaml"),
    ),
    (
        "sessions-not-ready.yaml",
        include_str!("../fixtures/sessions-not-ready.yaml"),
    ),
    (
        "text-and-phones.yaml",
        include_str!("../fixtures/text-and-phones.yaml"),
    ),
    ("windows.yaml", include_str!("../fixtures/windows.yaml")),
];

/// The fixtures built into the binary, parsed; errors name them as `embedded/fixtures/NAME`.
pub fn embedded() -> Result<Vec<Fixture>, FixtureError> {
    EMBEDDED
        .iter()
        .map(|(name, text)| parse(text, Path::new("embedded/fixtures").join(name)))
        .collect()
}

/// Parse and validate fixture text; `file` is only used to name it in errors.
pub fn parse(text: &str, file: impl AsRef<Path>) -> Result<Fixture, FixtureError> {
    let file = file.as_ref().to_path_buf();
    let raw: RawFixture = crate::yaml::parse(text).map_err(|e| FixtureError::Parse {
        file: file.clone(),
        line: e.line,
        column: e.column,
        reason: e.reason,
    })?;
    Validator {
        file,
        lines: LineIndex::new(text),
    }
    .validate(raw)
}

// ---------------------------------------------------------------------------------------------
// The YAML as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixture {
    description: String,
    #[serde(default)]
    tz: Option<String>,
    start: String,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    sessions: BTreeMap<i32, String>,
    #[serde(default)]
    campaigns: Vec<RawCampaign>,
    #[serde(default)]
    programaciones: Vec<RawProgramacion>,
    #[serde(default)]
    envios_diarios: Vec<RawEnvioDiario>,
    #[serde(default)]
    envios: Vec<RawEnvio>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    id: i32,
    nombre: String,
    mensaje: String,
    #[serde(default = "default_estado_campania")]
    estado: EstadoCampania,
    #[serde(default)]
    cliente_id: Option<i32>,
}

fn default_estado_campania() -> EstadoCampania {
    EstadoCampania::Pendiente
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgramacion {
    id: i32,
    campania_id: i32,
    cliente_id: i32,
    dias_semana: String,
    hora_inicio: String,
    hora_fin: String,
    #[serde(default = "default_cupo")]
    cupo_diario: i32,
    fecha_inicio: String,
    #[serde(default)]
    fecha_fin: Option<String>,
    #[serde(default = "default_estado_programacion")]
    estado: EstadoProgramacion,
}

fn default_cupo() -> i32 {
    50
}

fn default_estado_programacion() -> EstadoProgramacion {
    EstadoProgramacion::Pendiente
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvioDiario {
    programacion_id: i32,
    fecha: String,
    enviados: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvio {
    #[serde(default)]
    id: Option<i32>,
    campania_id: i32,
    #[serde(default, deserialize_with = "de_phone")]
    telefono_wapp: Option<String>,
    #[serde(default)]
    nombre_destino: Option<String>,
    #[serde(default)]
    mensaje_final: Option<String>,
    expect: Expect,
    #[serde(default)]
    generate: Option<u32>,
}

fn parse_tz(s: &str) -> Result<Tz, String> {
    s.parse::<Tz>().map_err(|_| {
        format!("unknown time zone {s:?}; use an IANA name such as America/Argentina/Buenos_Aires")
    })
}

fn parse_local_datetime(s: &str) -> Result<NaiveDateTime, String> {
    ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or_else(|| {
            format!(
                "{s:?} is not a business-local date and time; write \"YYYY-MM-DDTHH:MM[:SS]\" without a zone offset (the zone is `tz`)"
            )
        })
}

fn parse_time(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .map_err(|_| format!("{s:?} is not a time of day; write \"HH:MM\" or \"HH:MM:SS\""))
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date; write \"YYYY-MM-DD\""))
}

/// Parse `dias_semana` as the scheduler reads it (comma list, blanks around names allowed),
/// and as production writes it: each name in lowercase, once.
pub fn parse_weekdays(raw: &str) -> Result<Vec<Weekday>, String> {
    let mut days = Vec::new();
    for token in raw.split(',').map(str::trim) {
        let day = weekday_named(token)
            .filter(|day| weekday_name(*day) == token)
            .ok_or_else(|| {
                format!(
                    "dias_semana {raw:?}: {token:?} is not a weekday; use a comma list of sun, mon, tue, wed, thu, fri, sat"
                )
            })?;
        if days.contains(&day) {
            return Err(format!("dias_semana {raw:?} names {token:?} twice"));
        }
        days.push(day);
    }
    Ok(days)
}

/// Phones are text: an unquoted number would lose a leading 0 or `+`, so it is refused.
fn de_phone<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct PhoneVisitor;
    impl<'de> de::Visitor<'de> for PhoneVisitor {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a quoted phone number or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(PhoneVisitor)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Err(E::custom(format!(
                "telefono_wapp {v} is a number; quote it (\"{v}\") so it is stored as text"
            )))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Err(E::custom(format!(
                "telefono_wapp {v} is a number; quote it (\"{v}\") so it is stored as text"
            )))
        }
    }
    d.deserialize_any(PhoneVisitor)
}

// ---------------------------------------------------------------------------------------------
// Cross-field validation, with line numbers found in the source text.

/// Finds the line of `section[index].field` in block-style YAML; falls back to coarser lines.
struct LineIndex {
    lines: Vec<String>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        LineIndex {
            lines: text.lines().map(str::to_string).collect(),
        }
    }

    fn indent(line: &str) -> usize {
        line.len() - line.trim_start().len()
    }

    fn is_content(line: &str) -> bool {
        let t = line.trim_start();
        !t.is_empty() && !t.starts_with('#')
    }

    /// 0-based line range of a top-level key's block (key line included).
    fn section(&self, key: &str) -> Option<(usize, usize)> {
        let start = self.lines.iter().position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })?;
        let end = (start + 1..self.lines.len())
            .find(|&i| Self::is_content(&self.lines[i]) && Self::indent(&self.lines[i]) == 0)
            .unwrap_or(self.lines.len());
        Some((start, end))
    }

    fn has_key(line: &str, key: &str) -> bool {
        let mut rest = line;
        while let Some(pos) = rest.find(key) {
            let before = rest[..pos].chars().next_back();
            let after = rest[pos + key.len()..].trim_start();
            let boundary = before.is_none_or(|c| c.is_whitespace() || matches!(c, '{' | ',' | '-'));
            if boundary && after.starts_with(':') {
                return true;
            }
            rest = &rest[pos + key.len()..];
        }
        false
    }

    /// 1-based line for `section`, `section[item]`, `section[item].field` or `section.field`.
    fn locate(&self, section: &str, item: Option<usize>, field: Option<&str>) -> Option<usize> {
        let (start, end) = self.section(section)?;
        let (from, to) = match item {
            None => (start, end),
            Some(n) => {
                let items: Vec<usize> = (start + 1..end)
                    .filter(|&i| {
                        let t = self.lines[i].trim_start();
                        t == "-" || t.starts_with("- ")
                    })
                    .collect();
                let Some(min_indent) = items.iter().map(|&i| Self::indent(&self.lines[i])).min()
                else {
                    return Some(start + 1);
                };
                let items: Vec<usize> = items
                    .into_iter()
                    .filter(|&i| Self::indent(&self.lines[i]) == min_indent)
                    .collect();
                let Some(&line) = items.get(n) else {
                    return Some(start + 1);
                };
                (line, items.get(n + 1).copied().unwrap_or(end))
            }
        };
        if let Some(field) = field {
            let search_from = if item.is_some() { from } else { from + 1 };
            if let Some(i) = (search_from..to).find(|&i| Self::has_key(&self.lines[i], field)) {
                return Some(i + 1);
            }
        }
        Some(from + 1)
    }
}

struct Validator {
    file: PathBuf,
    lines: LineIndex,
}

impl Validator {
    fn err(
        &self,
        section: &str,
        item: Option<usize>,
        field: Option<&str>,
        reason: impl Into<String>,
    ) -> FixtureError {
        let mut path = section.to_string();
        if let Some(i) = item {
            path.push_str(&format!("[{i}]"));
        }
        if let Some(f) = field {
            path.push('.');
            path.push_str(f);
        }
        FixtureError::Invalid {
            file: self.file.clone(),
            line: self.lines.locate(section, item, field),
            path,
            reason: reason.into(),
        }
    }

    fn validate(self, raw: RawFixture) -> Result<Fixture, FixtureError> {
        if raw.description.trim().is_empty() {
            return Err(self.err(
                "description",
                None,
                None,
                "must say what the scenario is about",
            ));
        }
        let tz = match &raw.tz {
            Some(name) => parse_tz(name).map_err(|r| self.err("tz", None, None, r))?,
            None => DEFAULT_TZ,
        };
        let start =
            parse_local_datetime(&raw.start).map_err(|r| self.err("start", None, None, r))?;
        if local_instant(tz, start).is_none() {
            return Err(self.err(
                "start",
                None,
                None,
                format!("{start} does not exist in {tz} (clocks skip it)"),
            ));
        }
        let end = match &raw.end {
            Some(e) => parse_local_datetime(e).map_err(|r| self.err("end", None, None, r))?,
            None => start + Duration::hours(24),
        };
        if local_instant(tz, end).is_none() {
            return Err(self.err(
                "end",
                None,
                None,
                format!("{end} does not exist in {tz} (clocks skip it)"),
            ));
        }
        if end <= start {
            return Err(self.err(
                "end",
                None,
                None,
                format!("end {end} is not after start {start}"),
            ));
        }

        let mut sessions = BTreeMap::new();
        for (cliente, state) in raw.sessions {
            let key = cliente.to_string();
            if cliente <= 0 {
                return Err(self.err(
                    "sessions",
                    None,
                    Some(&key),
                    "cliente_id must be a positive integer",
                ));
            }
            let state: SessionState =
                state.parse().map_err(|e: crate::session::UnknownState| {
                    self.err("sessions", None, Some(&key), e.to_string())
                })?;
            sessions.insert(cliente, state);
        }

        let mut campaigns = Vec::new();
        let mut campaign_ids = HashSet::new();
        for (i, c) in raw.campaigns.into_iter().enumerate() {
            let here =
                |field: &str, reason: String| self.err("campaigns", Some(i), Some(field), reason);
            if c.id <= 0 {
                return Err(here("id", format!("id {} must be positive", c.id)));
            }
            if !campaign_ids.insert(c.id) {
                return Err(here("id", format!("duplicate campaign id {}", c.id)));
            }
            check_latin1(&c.nombre, 255).map_err(|r| here("nombre", r))?;
            check_text_column(&c.mensaje).map_err(|r| here("mensaje", r))?;
            if let Some(cl) = c.cliente_id
                && cl <= 0
            {
                return Err(here(
                    "cliente_id",
                    format!("cliente_id {cl} must be positive"),
                ));
            }
            campaigns.push(CampaignFixture {
                id: c.id,
                nombre: c.nombre,
                mensaje: c.mensaje,
                estado: c.estado,
                cliente_id: c.cliente_id,
            });
        }
        let known_campaigns = || sorted_list(&campaign_ids);

        let mut programaciones = Vec::new();
        let mut programacion_ids = HashSet::new();
        for (i, p) in raw.programaciones.into_iter().enumerate() {
            let here = |field: &str, reason: String| {
                self.err("programaciones", Some(i), Some(field), reason)
            };
            if p.id <= 0 {
                return Err(here("id", format!("id {} must be positive", p.id)));
            }
            if !programacion_ids.insert(p.id) {
                return Err(here("id", format!("duplicate programación id {}", p.id)));
            }
            if !campaign_ids.contains(&p.campania_id) {
                return Err(here(
                    "campania_id",
                    format!(
                        "campaign {} does not exist (campaigns: {})",
                        p.campania_id,
                        known_campaigns()
                    ),
                ));
            }
            if !sessions.contains_key(&p.cliente_id) {
                return Err(here(
                    "cliente_id",
                    format!(
                        "client {} has no entry in `sessions`; state its session (e.g. `{}: READY`)",
                        p.cliente_id, p.cliente_id
                    ),
                ));
            }
            let weekdays = parse_weekdays(&p.dias_semana).map_err(|r| here("dias_semana", r))?;
            let hora_inicio = parse_time(&p.hora_inicio).map_err(|r| here("hora_inicio", r))?;
            let hora_fin = parse_time(&p.hora_fin).map_err(|r| here("hora_fin", r))?;
            let fecha_inicio = parse_date(&p.fecha_inicio).map_err(|r| here("fecha_inicio", r))?;
            let fecha_fin = match &p.fecha_fin {
                Some(f) => Some(parse_date(f).map_err(|r| here("fecha_fin", r))?),
                None => None,
            };
            if hora_inicio >= hora_fin {
                return Err(here(
                    "hora_inicio",
                    format!("hora_inicio {hora_inicio} is not before hora_fin {hora_fin}"),
                ));
            }
            if p.cupo_diario < 0 {
                return Err(here(
                    "cupo_diario",
                    format!("cupo_diario {} is negative", p.cupo_diario),
                ));
            }
            if let Some(fin) = fecha_fin
                && fin < fecha_inicio
            {
                return Err(here(
                    "fecha_fin",
                    format!("fecha_fin {fin} is before fecha_inicio {fecha_inicio}"),
                ));
            }
            programaciones.push(ProgramacionFixture {
                id: p.id,
                campania_id: p.campania_id,
                cliente_id: p.cliente_id,
                dias_semana: p.dias_semana,
                weekdays,
                hora_inicio,
                hora_fin,
                cupo_diario: p.cupo_diario,
                fecha_inicio,
                fecha_fin,
                estado: p.estado,
            });
        }

        let mut envios_diarios = Vec::new();
        let mut counter_keys = HashSet::new();
        for (i, d) in raw.envios_diarios.into_iter().enumerate() {
            let here = |field: &str, reason: String| {
                self.err("envios_diarios", Some(i), Some(field), reason)
            };
            if !programacion_ids.contains(&d.programacion_id) {
                return Err(here(
                    "programacion_id",
                    format!(
                        "programación {} does not exist (programaciones: {})",
                        d.programacion_id,
                        sorted_list(&programacion_ids)
                    ),
                ));
            }
            let fecha = parse_date(&d.fecha).map_err(|r| here("fecha", r))?;
            if !counter_keys.insert((d.programacion_id, fecha)) {
                return Err(here(
                    "fecha",
                    format!(
                        "a second counter for programación {} on {fecha}",
                        d.programacion_id
                    ),
                ));
            }
            if d.enviados < 0 {
                return Err(here(
                    "enviados",
                    format!("enviados {} is negative", d.enviados),
                ));
            }
            envios_diarios.push(EnvioDiarioFixture {
                programacion_id: d.programacion_id,
                fecha,
                enviados: d.enviados,
            });
        }

        let envios = self.expand_envios(raw.envios, &campaign_ids)?;
        Ok(Fixture {
            file: self.file,
            description: raw.description.trim().to_string(),
            tz,
            start,
            end,
            sessions,
            campaigns,
            programaciones,
            envios_diarios,
            envios,
        })
    }

    fn expand_envios(
        &self,
        raw: Vec<RawEnvio>,
        campaign_ids: &HashSet<i32>,
    ) -> Result<Vec<EnvioFixture>, FixtureError> {
        // Explicit ids first, so assigned ids can start after the largest one.
        let mut explicit_ids = HashSet::new();
        for (i, e) in raw.iter().enumerate() {
            if let Some(id) = e.id {
                let here = |reason: String| self.err("envios", Some(i), Some("id"), reason);
                if id <= 0 {
                    return Err(here(format!("id {id} must be positive")));
                }
                if !explicit_ids.insert(id) {
                    return Err(here(format!("duplicate envio id {id}")));
                }
            }
        }
        let mut total: u64 = 0;
        for (i, e) in raw.iter().enumerate() {
            total += e.generate.map_or(1, u64::from);
            if total > MAX_FIXTURE_ROWS {
                return Err(self.err(
                    "envios",
                    Some(i),
                    e.generate.map(|_| "generate"),
                    format!(
                        "the fixture would have more than {MAX_FIXTURE_ROWS} envios from here on; split it into smaller fixtures"
                    ),
                ));
            }
        }
        let mut next_id = explicit_ids.iter().copied().max().unwrap_or(0);
        let mut assign = |i: usize| -> Result<i32, FixtureError> {
            next_id = next_id
                .checked_add(1)
                .ok_or_else(|| self.err("envios", Some(i), None, "ran out of ids"))?;
            Ok(next_id)
        };
        let explicit_phones: HashSet<(i32, String)> = raw
            .iter()
            .filter_map(|e| e.telefono_wapp.clone().map(|p| (e.campania_id, p)))
            .collect();

        let mut out = Vec::new();
        let mut phones_seen: HashMap<(i32, String), usize> = HashMap::new();
        let mut generated_serial: u64 = 0;
        for (i, e) in raw.into_iter().enumerate() {
            let here =
                |field: Option<&str>, reason: String| self.err("envios", Some(i), field, reason);
            if !campaign_ids.contains(&e.campania_id) {
                return Err(here(
                    Some("campania_id"),
                    format!(
                        "campaign {} does not exist (campaigns: {})",
                        e.campania_id,
                        sorted_list(campaign_ids)
                    ),
                ));
            }
            if let Some(n) = e.generate {
                if e.id.is_some()
                    || e.telefono_wapp.is_some()
                    || e.nombre_destino.is_some()
                    || e.mensaje_final.is_some()
                {
                    return Err(here(
                        Some("generate"),
                        "a generate row takes only campania_id, generate and expect".into(),
                    ));
                }
                if n == 0 || n > MAX_GENERATE {
                    return Err(here(
                        Some("generate"),
                        format!("generate {n} must be between 1 and {MAX_GENERATE}"),
                    ));
                }
                for k in 1..=n {
                    let (phone, nombre, texto) = loop {
                        generated_serial += 1;
                        let g = generated_row(generated_serial);
                        if !explicit_phones.contains(&(e.campania_id, g.0.clone())) {
                            break g;
                        }
                    };
                    out.push(EnvioFixture {
                        id: assign(i)?,
                        campania_id: e.campania_id,
                        telefono_wapp: Some(phone),
                        nombre_destino: Some(nombre),
                        mensaje_final: Some(texto),
                        expect: e.expect,
                        origin: format!("envios[{i}] #{k}"),
                    });
                }
                continue;
            }

            if let Some(p) = &e.telefono_wapp {
                check_latin1(p, 255).map_err(|r| here(Some("telefono_wapp"), r))?;
                if let Some(first) = phones_seen.insert((e.campania_id, p.clone()), i) {
                    return Err(here(
                        Some("telefono_wapp"),
                        format!(
                            "phone {p:?} already used in campaign {} by envios[{first}]; (campania_id, telefono_wapp) is UNIQUE",
                            e.campania_id
                        ),
                    ));
                }
            }
            if let Some(n) = &e.nombre_destino
                && n.chars().count() > 255
            {
                return Err(here(
                    Some("nombre_destino"),
                    "longer than 255 characters".into(),
                ));
            }
            if let Some(t) = &e.mensaje_final {
                check_text_column(t).map_err(|r| here(Some("mensaje_final"), r))?;
            }
            let unsendable =
                crate::domain::recipient(e.telefono_wapp.as_deref(), e.mensaje_final.as_deref())
                    .err();
            if let (Expect::Enviado, Some(reason)) = (e.expect, unsendable) {
                let why = match reason {
                    Unsendable::NoPhone => "it has no phone",
                    Unsendable::InvalidPhone(_) => "its phone is not a valid WhatsApp number",
                    Unsendable::NoText => "it has no mensaje_final",
                };
                return Err(here(
                    Some("expect"),
                    format!(
                        "cannot expect enviado: {why}, so it must never reach the provider; expect error (scheduler reaches it) or pendiente (a gate keeps it away)"
                    ),
                ));
            }
            let id = match e.id {
                Some(id) => id,
                None => assign(i)?,
            };
            out.push(EnvioFixture {
                id,
                campania_id: e.campania_id,
                telefono_wapp: e.telefono_wapp,
                nombre_destino: e.nombre_destino,
                mensaje_final: e.mensaje_final,
                expect: e.expect,
                origin: format!("envios[{i}]"),
            });
        }
        Ok(out)
    }
}

fn sorted_list(ids: &HashSet<i32>) -> String {
    let sorted: BTreeSet<_> = ids.iter().collect();
    if sorted.is_empty() {
        return "none".into();
    }
    sorted
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text for a utf8mb4 `TEXT` column: at most 65,535 bytes, or the insert would fail (strict
/// mode) or cut it (not strict).
fn check_text_column(s: &str) -> Result<(), String> {
    if s.len() > TEXT_COLUMN_BYTES {
        return Err(format!(
            "{} bytes long; its TEXT column holds at most {TEXT_COLUMN_BYTES} bytes",
            s.len()
        ));
    }
    Ok(())
}

fn check_latin1(s: &str, max_chars: usize) -> Result<(), String> {
    if let Some(c) = s.chars().find(|c| u32::from(*c) > 0xFF) {
        return Err(format!(
            "{s:?} contains {c:?}, which the latin1 column cannot store"
        ));
    }
    if s.chars().count() > max_chars {
        return Err(format!("longer than {max_chars} characters"));
    }
    Ok(())
}

/// A deterministic generated recipient: unique phone, a name and a text with accents and emoji.
fn generated_row(serial: u64) -> (String, String, String) {
    const NAMES: [&str; 8] = [
        "José", "María", "Ñandú", "Zoë", "Lucía", "Björn", "Chloé", "Joaquín",
    ];
    const CLOSINGS: [&str; 4] = [
        "¡aprovechá! 🎉",
        "¿te interesa? 🤔",
        "saludos 👋",
        "nos vemos 🇦🇷",
    ];
    let nombre = NAMES[(serial as usize) % NAMES.len()];
    let phone = format!("54911{:08}", 30_000_000 + serial);
    let texto = format!(
        "Hola {nombre} 👋 ¿cómo estás? Promo nº {serial}: {}",
        CLOSINGS[(serial as usize) % CLOSINGS.len()]
    );
    (phone, nombre.to_string(), texto)
}

// ---------------------------------------------------------------------------------------------
// Writing a fixture into a scratch database.

/// Rows per multi-row INSERT (well under the server's packet and placeholder limits).
const CHUNK: usize = 200;

/// Write the fixture's rows (explicit ids) into the scratch database in one transaction, after
/// checking the database is lmh's own. Nothing is kept on failure.
pub async fn insert(fixture: &Fixture, scratch: &ScratchDb) -> Result<(), FixtureError> {
    let fail = |reason: String| FixtureError::Insert {
        file: fixture.file.clone(),
        database: scratch.name().to_string(),
        reason,
    };
    let sql_fail = |what: &str, e: sqlx::Error| fail(format!("{what}: {e}"));
    let mut tx = scratch
        .pool()
        .begin()
        .await
        .map_err(|e| sql_fail("BEGIN", e))?;
    db::assert_owned(&mut *tx)
        .await
        .map_err(|e| fail(e.to_string()))?;

    for chunk in fixture.campaigns.chunks(CHUNK) {
        let mut q: QueryBuilder<MySql> = QueryBuilder::new(
            "INSERT INTO ll_campanias_whatsapp (id, nombre, mensaje, estado, cliente_id) ",
        );
        q.push_values(chunk, |mut b, c| {
            b.push_bind(c.id)
                .push_bind(&c.nombre)
                .push_bind(&c.mensaje)
                .push_bind(c.estado.as_str())
                .push_bind(c.cliente_id);
        });
        q.build()
            .execute(&mut *tx)
            .await
            .map_err(|e| sql_fail("inserting campaigns", e))?;
    }
    for chunk in fixture.programaciones.chunks(CHUNK) {
        let mut q: QueryBuilder<MySql> = QueryBuilder::new(
            "INSERT INTO ll_programaciones (id, campania_id, cliente_id, dias_semana, hora_inicio, hora_fin, \
             cupo_diario, fecha_inicio, fecha_fin, estado) ",
        );
        q.push_values(chunk, |mut b, p| {
            b.push_bind(p.id)
                .push_bind(p.campania_id)
                .push_bind(p.cliente_id)
                .push_bind(&p.dias_semana)
                .push_bind(p.hora_inicio)
                .push_bind(p.hora_fin)
                .push_bind(p.cupo_diario)
                .push_bind(p.fecha_inicio)
                .push_bind(p.fecha_fin)
                .push_bind(p.estado.as_str());
        });
        q.build()
            .execute(&mut *tx)
            .await
            .map_err(|e| sql_fail("inserting programaciones", e))?;
    }
    for chunk in fixture.envios_diarios.chunks(CHUNK) {
        let mut q: QueryBuilder<MySql> = QueryBuilder::new(
            "INSERT INTO ll_programacion_envios_diarios (programacion_id, fecha, enviados) ",
        );
        q.push_values(chunk, |mut b, d| {
            b.push_bind(d.programacion_id)
                .push_bind(d.fecha)
                .push_bind(d.enviados);
        });
        q.build()
            .execute(&mut *tx)
            .await
            .map_err(|e| sql_fail("inserting envios_diarios", e))?;
    }
    let detalle = format!("fixture {}", fixture.name());
    for chunk in fixture.envios.chunks(CHUNK) {
        let mut q: QueryBuilder<MySql> = QueryBuilder::new(
            "INSERT INTO ll_envios_whatsapp (id, campania_id, telefono_wapp, nombre_destino, mensaje_final, estado) ",
        );
        q.push_values(chunk, |mut b, e| {
            b.push_bind(e.id)
                .push_bind(e.campania_id)
                .push_bind(e.telefono_wapp.as_deref())
                .push_bind(e.nombre_destino.as_deref())
                .push_bind(e.mensaje_final.as_deref())
                .push_bind(EstadoEnvio::Pendiente.as_str());
        });
        q.build()
            .execute(&mut *tx)
            .await
            .map_err(|e| sql_fail("inserting envios", e))?;

        let mut h: QueryBuilder<MySql> = QueryBuilder::new(
            "INSERT INTO ll_envios_whatsapp_historial (envio_id, estado_anterior, estado_nuevo, origen, detalle) ",
        );
        h.push_values(chunk, |mut b, e| {
            b.push_bind(e.id)
                .push_bind(None::<&str>)
                .push_bind(EstadoEnvio::Pendiente.as_str())
                .push_bind(HISTORIAL_ORIGEN)
                .push_bind(format!("{detalle} {}", e.origin));
        });
        h.build()
            .execute(&mut *tx)
            .await
            .map_err(|e| sql_fail("inserting historial", e))?;
    }
    tx.commit().await.map_err(|e| sql_fail("COMMIT", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PhoneCheck, check_phone};

    #[test]
    fn locates_items_and_fields() {
        let text = "description: x\nstart: \"2026-01-13T08:55:00\"\nenvios:\n  - {id: 1, campania_id: 1}\n  - id: 2\n    campania_id: 9\n# comment\nsessions:\n  51: READY\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.locate("envios", Some(0), Some("campania_id")), Some(4));
        assert_eq!(idx.locate("envios", Some(1), Some("campania_id")), Some(6));
        assert_eq!(idx.locate("envios", Some(1), None), Some(5));
        assert_eq!(idx.locate("sessions", None, Some("51")), Some(9));
        assert_eq!(idx.locate("start", None, None), Some(2));
        assert_eq!(idx.locate("missing", None, None), None);
    }

    #[test]
    fn generated_rows_are_unique_and_rich() {
        let rows: Vec<_> = (1..=500).map(generated_row).collect();
        let phones: HashSet<_> = rows.iter().map(|r| r.0.clone()).collect();
        assert_eq!(phones.len(), rows.len());
        assert!(
            rows.iter()
                .all(|r| check_phone(Some(&r.0)) == PhoneCheck::Valid)
        );
        assert!(
            rows.iter()
                .all(|r| r.2.chars().any(|c| u32::from(c) > 0xFFFF))
        );
    }
}

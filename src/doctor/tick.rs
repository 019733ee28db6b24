//! The next-tick preview: what the scheduler would do if it ticked at `now`, judged by its own
//! rules (docs/system.md §5), without sending, claiming or writing anything.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use sqlx::{AssertSqlSafe, MySqlPool};

use super::{DoctorError, current_database, query_failed, require_read_only};
use crate::adapter::{AdapterError, ErrorKind, SessionManagerClient, Stage};
use crate::scheduler::{claim_holds, in_window, normalize_phone, runs_on, weekday_name};
use crate::session::SessionState;

use super::schema::CLAIM_TABLE;

/// Rows read per page when counting a campaign's pendientes.
const PAGE: i64 = 1000;

/// Columns the preview cannot do without, as `(table, column)`.
const NEEDED: [(&str, &str); 19] = [
    ("ll_programaciones", "id"),
    ("ll_programaciones", "campania_id"),
    ("ll_programaciones", "cliente_id"),
    ("ll_programaciones", "dias_semana"),
    ("ll_programaciones", "hora_inicio"),
    ("ll_programaciones", "hora_fin"),
    ("ll_programaciones", "cupo_diario"),
    ("ll_programaciones", "fecha_inicio"),
    ("ll_programaciones", "fecha_fin"),
    ("ll_programaciones", "estado"),
    ("ll_campanias_whatsapp", "id"),
    ("ll_campanias_whatsapp", "estado"),
    ("ll_programacion_envios_diarios", "programacion_id"),
    ("ll_programacion_envios_diarios", "fecha"),
    ("ll_programacion_envios_diarios", "enviados"),
    ("ll_envios_whatsapp", "id"),
    ("ll_envios_whatsapp", "campania_id"),
    ("ll_envios_whatsapp", "telefono_wapp"),
    ("ll_envios_whatsapp", "estado"),
];

/// What the session-manager said about one client's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCheck {
    /// Not asked: the client has no approved programación in its date range today.
    NotAsked,
    /// The session answered with this state (only READY sends).
    State(SessionState),
    /// The session could not be read; the adapter's classified error.
    Unreadable(AdapterError),
}

impl SessionCheck {
    /// True only for a READY session.
    pub fn is_ready(&self) -> bool {
        *self == SessionCheck::State(SessionState::Ready)
    }
}

/// What an unreadable session says about the session-manager, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionProblem {
    /// The adapter's kind name (`transport`, `route_missing`, `protocol`, ...).
    pub kind: &'static str,
    /// Where the request went.
    pub base_url: String,
    /// Completes "the session-manager at URL ...", e.g. `refuses connections`.
    pub phrase: String,
    /// What to do about it.
    pub hint: String,
}

/// Describe why a session could not be read, the way a person would say it.
pub fn describe_session_error(e: &AdapterError, fallback_url: &str) -> SessionProblem {
    let base_url = e.base_url().unwrap_or(fallback_url).to_string();
    let port_hint = "point SESSION_MANAGER_BASE_URL at the host and port the session-manager \
                     really listens on (its PORT; `lmh config check` compares every source)";
    let (phrase, hint) = match &e.kind {
        ErrorKind::Transport {
            stage: Stage::Connect,
            detail,
        } => {
            let phrase = if detail.to_ascii_lowercase().contains("refused") {
                "refuses connections".to_string()
            } else {
                format!("cannot be reached ({detail})")
            };
            (phrase, format!("nothing answers there: {port_hint}"))
        }
        ErrorKind::Transport { detail, .. } => (
            format!("drops the connection during GET /status ({detail})"),
            "check the session-manager's logs and anything (proxy, firewall) in between".into(),
        ),
        ErrorKind::Timeout {
            stage: Stage::Connect,
            limit,
        } => (
            format!(
                "does not accept a connection within {} ms",
                limit.as_millis()
            ),
            format!("the host or port may be wrong: {port_hint}"),
        ),
        ErrorKind::Timeout { limit, .. } => (
            format!(
                "does not answer GET /status within {} ms",
                limit.as_millis()
            ),
            "the session-manager accepts connections but hangs: check its logs".into(),
        ),
        ErrorKind::RouteMissing { status, .. } => (
            format!("answers {status} to GET /status (route missing)"),
            "what answers there has no GET /status: it is not a v1 session-manager, or the base \
             URL carries a wrong path (the seed's consumer asked \
             /api/session-manager/sessions/sender_N, a route that never existed)"
                .into(),
        ),
        ErrorKind::Protocol(_) => (
            "answers GET /status outside the v1 contract (protocol error)".to_string(),
            format!(
                "the provider drifted from the contract the scheduler speaks (v2 answers \
                 {{status}} instead of {{state}}): {e}"
            ),
        ),
        ErrorKind::WrongService { found } => (
            format!("is not a session-manager ({found})"),
            port_hint.to_string(),
        ),
        ErrorKind::Domain(d) => (
            format!("rejects GET /status ({d})"),
            "check the session-manager's logs".into(),
        ),
        ErrorKind::Validation { .. } => (
            format!("cannot be asked: {e}"),
            "fix the programación's cliente_id".into(),
        ),
    };
    SessionProblem {
        kind: e.kind_name(),
        base_url,
        phrase,
        hint,
    }
}

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
    /// Rows the scheduler would mark `error` (no valid phone or text) instead of sending.
    pub fn unsendable(&self) -> i64 {
        self.sin_telefono + self.telefono_invalido + self.sin_texto
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

/// A programación lock as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// `locked_by`.
    pub by: String,
    /// `locked_at`, as stored (the reference scheduler writes UTC).
    pub at: Option<NaiveDateTime>,
}

/// Why the scheduler would not send for a programación, in its order of checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// A value the scheduler needs cannot be read (NULL, zero date, out-of-range time).
    Unreadable(String),
    /// Today is outside `[fecha_inicio, fecha_fin]`.
    OutsideDateRange,
    /// Today's weekday is not in `dias_semana`.
    Weekday,
    /// Now is outside `[hora_inicio, hora_fin]`.
    OutsideWindow,
    /// The client's session is not READY.
    SessionNotReady(SessionState),
    /// The client's session cannot be read.
    SessionUnreadable,
    /// The campaign does not exist.
    CampaignMissing,
    /// The campaign is not `en_progreso`.
    CampaignNotInProgress(String),
    /// Today's quota is used up.
    QuotaExhausted,
    /// No unclaimed `pendiente` row.
    NothingPending,
}

impl Skip {
    /// A short label to group programaciones by.
    pub fn label(&self) -> &'static str {
        match self {
            Skip::Unreadable(_) => "unreadable values",
            Skip::OutsideDateRange => "outside date range",
            Skip::Weekday => "not its weekday",
            Skip::OutsideWindow => "outside window",
            Skip::SessionNotReady(_) => "session not READY",
            Skip::SessionUnreadable => "session unreadable",
            Skip::CampaignMissing => "campaign missing",
            Skip::CampaignNotInProgress(_) => "campaign not en_progreso",
            Skip::QuotaExhausted => "quota exhausted",
            Skip::NothingPending => "nothing pendiente",
        }
    }
}

/// What the next tick would do for one programación.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Send `rows` rows, marking `to_error` rows `error` on the way (no valid phone or text).
    WouldSend {
        /// Rows sent.
        rows: i64,
        /// Rows marked error.
        to_error: i64,
    },
    /// Do nothing, for this reason.
    WouldSkip(Skip),
}

/// One approved programación, everything the scheduler would look at, and its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramacionPreview {
    /// `id`.
    pub id: i64,
    /// `campania_id`.
    pub campania_id: i64,
    /// `cliente_id`: the session asked for is `sender_{cliente_id}`.
    pub cliente_id: i64,
    /// `dias_semana` as stored.
    pub dias_semana: String,
    /// `hora_inicio`, business-local.
    pub hora_inicio: Option<NaiveTime>,
    /// `hora_fin`, business-local.
    pub hora_fin: Option<NaiveTime>,
    /// `cupo_diario`.
    pub cupo_diario: Option<i64>,
    /// `fecha_inicio`.
    pub fecha_inicio: Option<NaiveDate>,
    /// `fecha_fin`; `None` is open-ended (or unreadable, then the verdict says so).
    pub fecha_fin: Option<NaiveDate>,
    /// Today (business zone) within `[fecha_inicio, fecha_fin]`.
    pub in_date_range: bool,
    /// Today's weekday in `dias_semana` (the scheduler's `runs_on`).
    pub runs_today: bool,
    /// Now within `[hora_inicio, hora_fin]` (the scheduler's `in_window`).
    pub in_window: bool,
    /// `dias_semana` entries the scheduler does not read as a weekday.
    pub unknown_days: Vec<String>,
    /// The programación's lock, if one is held.
    pub lock: Option<Lock>,
    /// The client's session.
    pub session: SessionCheck,
    /// The campaign's `estado`; `None` when the campaign does not exist.
    pub campaign_estado: Option<String>,
    /// The campaign's `pendiente` rows.
    pub pending: Pending,
    /// Today's `enviados` in `ll_programacion_envios_diarios`.
    pub enviados_hoy: i64,
    /// `cupo_diario − enviados_hoy`, when `cupo_diario` is readable.
    pub quota_left: Option<i64>,
    /// The campaign's latest `fecha_envio`, as stored.
    pub last_fecha_envio: Option<NaiveDateTime>,
    /// What the next tick would do.
    pub verdict: Verdict,
}

impl ProgramacionPreview {
    /// Whether everything but the session says "send": approved, in date range, weekday and
    /// window, campaign `en_progreso`, quota left, sendable rows.
    pub fn ready_but_for_session(&self) -> bool {
        self.in_date_range
            && self.runs_today
            && self.in_window
            && self.campaign_estado.as_deref() == Some("en_progreso")
            && self.quota_left.is_some_and(|q| q > 0)
            && self.pending.sendable > 0
    }

    /// The verdict as one line: `would send N` or `would skip: <reason>`.
    pub fn verdict_line(&self, next: &NextTick) -> String {
        match &self.verdict {
            Verdict::WouldSend { rows, to_error: 0 } => format!("would send {rows}"),
            Verdict::WouldSend { rows, to_error } => {
                format!("would send {rows} and mark {to_error} error (no valid phone or text)")
            }
            Verdict::WouldSkip(skip) => format!("would skip: {}", self.skip_reason(skip, next)),
        }
    }

    fn skip_reason(&self, skip: &Skip, next: &NextTick) -> String {
        let fmt_time = |t: Option<NaiveTime>| t.map(|t| t.to_string()).unwrap_or_default();
        match skip {
            Skip::Unreadable(reason) => reason.clone(),
            Skip::OutsideDateRange => format!(
                "outside its date range [{}, {}] on {}",
                self.fecha_inicio.map(|d| d.to_string()).unwrap_or_default(),
                self.fecha_fin
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "open".into()),
                next.today()
            ),
            Skip::Weekday => {
                let mut s = format!(
                    "{} not in dias_semana {:?}",
                    weekday_name(next.local_now.weekday()),
                    self.dias_semana
                );
                if !self.unknown_days.is_empty() {
                    let _ = write!(
                        s,
                        " ({} not a weekday the scheduler reads: use sun,mon,tue,wed,thu,fri,sat)",
                        self.unknown_days.join(", ")
                    );
                }
                s
            }
            Skip::OutsideWindow => {
                let mut s = format!(
                    "outside window [{}, {}] at {} ({})",
                    fmt_time(self.hora_inicio),
                    fmt_time(self.hora_fin),
                    next.local_now.time().format("%H:%M:%S"),
                    next.tz
                );
                if let (Some(a), Some(b)) = (self.hora_inicio, self.hora_fin)
                    && a > b
                {
                    s.push_str(
                        "; hora_inicio is after hora_fin, so the window holds no time at all",
                    );
                }
                s
            }
            Skip::SessionNotReady(state) => format!(
                "cliente {}'s session is {state} ({})",
                self.cliente_id,
                state.recommended_action()
            ),
            Skip::SessionUnreadable => match &self.session {
                SessionCheck::Unreadable(e) => {
                    let p = describe_session_error(e, &next.session_manager);
                    format!(
                        "cliente {}'s session cannot be read: the session-manager at {} {}",
                        self.cliente_id, p.base_url, p.phrase
                    )
                }
                _ => format!("cliente {}'s session cannot be read", self.cliente_id),
            },
            Skip::CampaignMissing => format!("campaign {} does not exist", self.campania_id),
            Skip::CampaignNotInProgress(estado) => format!(
                "campaign {} is {estado:?}, not en_progreso",
                self.campania_id
            ),
            Skip::QuotaExhausted => format!(
                "quota exhausted ({} of cupo_diario {} sent on {})",
                self.enviados_hoy,
                self.cupo_diario.unwrap_or_default(),
                next.today()
            ),
            Skip::NothingPending => {
                let mut s = format!(
                    "campaign {} has no pendiente row left to send",
                    self.campania_id
                );
                if self.pending.claimed > 0 {
                    let _ = write!(
                        s,
                        " ({} pendiente held by lmh claims, {} with an unknown send outcome)",
                        self.pending.claimed, self.pending.outcome_unknown
                    );
                }
                s
            }
        }
    }
}

/// What the scheduler would do if it ticked at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextTick {
    /// The instant judged.
    pub now: DateTime<Utc>,
    /// The business time zone window and "today" are judged in.
    pub tz: Tz,
    /// `now` in `tz`.
    pub local_now: NaiveDateTime,
    /// The database read (`DATABASE()`).
    pub database: String,
    /// The session-manager asked (the client's base URL).
    pub session_manager: String,
    /// The server's `NOW() − UTC_TIMESTAMP()`: the zone its `CURRENT_TIMESTAMP` defaults use.
    pub db_utc_offset: chrono::Duration,
    /// Whether `ll_envios_whatsapp_historial` exists (rows are dated by it).
    pub has_historial: bool,
    /// Whether lmh's claim table exists (claimed rows are not sendable).
    pub has_claims: bool,
    /// Session per `cliente_id` asked.
    pub sessions: BTreeMap<i64, SessionCheck>,
    /// Every approved programación, by id.
    pub programaciones: Vec<ProgramacionPreview>,
}

impl NextTick {
    /// Today in the business zone.
    pub fn today(&self) -> NaiveDate {
        self.local_now.date()
    }

    /// Rows the whole tick would send.
    pub fn would_send(&self) -> i64 {
        self.programaciones
            .iter()
            .map(|p| match p.verdict {
                Verdict::WouldSend { rows, .. } => rows,
                Verdict::WouldSkip(_) => 0,
            })
            .sum()
    }

    /// The preview of programación `id`.
    pub fn programacion(&self, id: i64) -> Option<&ProgramacionPreview> {
        self.programaciones.iter().find(|p| p.id == id)
    }
}

/// A programación row as read, before judging.
struct Row {
    id: i64,
    campania_id: Option<i64>,
    cliente_id: Option<i64>,
    dias_semana: Option<String>,
    hora_inicio: Option<String>,
    hora_fin: Option<String>,
    cupo_diario: Option<i64>,
    fecha_inicio: Option<String>,
    fecha_fin: Option<String>,
    locked_by: Option<String>,
    locked_at: Option<String>,
}

type RowTuple = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Preview the next tick at `now`, in the business zone `tz`, exactly by the scheduler's rules:
/// approved programaciones, date range, weekday and window (the scheduler's own `runs_on` and
/// `in_window`), the client's session through `client` (only `GET /status`; note that the
/// provider creates a session for an unknown client, as it does for the scheduler), campaign,
/// today's quota and pendiente rows. A programación lock (`locked_by`/`locked_at`) is reported,
/// not judged: whether it blocks depends on the running scheduler's lock timeout. Reads only;
/// refuses a pool whose sessions are not read-only.
pub async fn next_tick(
    pool: &MySqlPool,
    client: &SessionManagerClient,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<NextTick, DoctorError> {
    require_read_only(pool).await?;
    let database = current_database(pool).await?;
    let present = present_columns(pool).await?;
    let has = |t: &str, c: &str| present.contains(&(t.to_string(), c.to_string()));
    let missing: Vec<String> = NEEDED
        .iter()
        .filter(|(t, c)| !has(t, c))
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    if !missing.is_empty() {
        return Err(DoctorError::Schema { database, missing });
    }
    let has_historial = has("ll_envios_whatsapp_historial", "envio_id")
        && has("ll_envios_whatsapp_historial", "created_at");
    let has_claims = has(CLAIM_TABLE, "envio_id") && has(CLAIM_TABLE, "resultado");
    let has_lock = has("ll_programaciones", "locked_by") && has("ll_programaciones", "locked_at");
    let has_fecha_creacion = has("ll_campanias_whatsapp", "fecha_creacion");
    let has_mensaje = has("ll_envios_whatsapp", "mensaje_final");
    let has_fecha_envio = has("ll_envios_whatsapp", "fecha_envio");

    let offset_seconds: i64 =
        sqlx::query_scalar("SELECT CAST(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW()) AS SIGNED)")
            .fetch_one(pool)
            .await
            .map_err(query_failed("reading the server's UTC offset"))?;

    let local_now = now.with_timezone(&tz).naive_local();
    let today = local_now.date();

    let lock_cols = if has_lock {
        "CAST(locked_by AS CHAR), CAST(locked_at AS CHAR)"
    } else {
        "CAST(NULL AS CHAR), CAST(NULL AS CHAR)"
    };
    let sql = format!(
        "SELECT CAST(id AS SIGNED), CAST(campania_id AS SIGNED), CAST(cliente_id AS SIGNED),
                CAST(dias_semana AS CHAR), CAST(hora_inicio AS CHAR), CAST(hora_fin AS CHAR),
                CAST(cupo_diario AS SIGNED), CAST(fecha_inicio AS CHAR), CAST(fecha_fin AS CHAR),
                {lock_cols}
         FROM ll_programaciones WHERE estado = 'aprobada' ORDER BY id"
    );
    let rows: Vec<RowTuple> = sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .map_err(query_failed("reading approved programaciones"))?;
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|r| Row {
            id: r.0,
            campania_id: r.1,
            cliente_id: r.2,
            dias_semana: r.3,
            hora_inicio: r.4,
            hora_fin: r.5,
            cupo_diario: r.6,
            fecha_inicio: r.7,
            fecha_fin: r.8,
            locked_by: r.9,
            locked_at: r.10,
        })
        .collect();

    // One GET /status per client whose programaciones may run today.
    let mut sessions: BTreeMap<i64, SessionCheck> = BTreeMap::new();
    for row in &rows {
        let Some(cliente_id) = row.cliente_id else {
            continue;
        };
        if sessions.contains_key(&cliente_id) || !date_range_holds(row, today).unwrap_or(false) {
            continue;
        }
        let check = if cliente_id <= 0 {
            SessionCheck::Unreadable(
                AdapterError::validation(
                    "cliente_id",
                    Some(cliente_id.to_string()),
                    "is not a positive integer; the scheduler asks for sender_{cliente_id}",
                )
                .with_request("GET", "/status", client.base_url(), None),
            )
        } else {
            match client.get_session(&format!("sender_{cliente_id}")).await {
                Ok(session) => SessionCheck::State(session.state),
                Err(e) => SessionCheck::Unreadable(e),
            }
        };
        sessions.insert(cliente_id, check);
    }

    let sources = Sources {
        has_claims,
        has_historial,
        has_mensaje,
        has_fecha_creacion,
        has_fecha_envio,
    };
    let mut campaigns: HashMap<i64, CampaignFacts> = HashMap::new();
    let mut previews = Vec::new();
    for row in rows {
        let campania_id = row.campania_id.unwrap_or_default();
        let facts = match campaigns.get(&campania_id) {
            Some(f) => f.clone(),
            None => {
                let f = campaign_facts(pool, campania_id, &sources).await?;
                campaigns.insert(campania_id, f.clone());
                f
            }
        };
        let enviados_hoy: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(enviados) AS SIGNED) FROM ll_programacion_envios_diarios
             WHERE programacion_id = ? AND fecha = ?",
        )
        .bind(row.id)
        .bind(today)
        .fetch_one(pool)
        .await
        .map_err(query_failed("reading today's counter"))?;
        let enviados_hoy = enviados_hoy.unwrap_or(0);
        let session = row
            .cliente_id
            .and_then(|c| sessions.get(&c).cloned())
            .unwrap_or(SessionCheck::NotAsked);
        previews.push(judge(
            row,
            Judged {
                local_now,
                session,
                campaign_estado: facts.estado,
                pending: facts.pending,
                enviados_hoy,
                last_fecha_envio: facts.last_fecha_envio,
            },
        ));
    }

    Ok(NextTick {
        now,
        tz,
        local_now,
        database,
        session_manager: client.base_url().to_string(),
        db_utc_offset: chrono::Duration::seconds(offset_seconds),
        has_historial,
        has_claims,
        sessions,
        programaciones: previews,
    })
}

/// Everything about a programación that is not in its own row.
struct Judged {
    local_now: NaiveDateTime,
    session: SessionCheck,
    campaign_estado: Option<String>,
    pending: Pending,
    enviados_hoy: i64,
    last_fecha_envio: Option<NaiveDateTime>,
}

/// Apply the scheduler's checks in its order and keep every fact for the report.
fn judge(row: Row, j: Judged) -> ProgramacionPreview {
    let today = j.local_now.date();
    let mut unreadable = Vec::new();
    let hora_inicio = parse_field(&row.hora_inicio, "hora_inicio", parse_time, &mut unreadable);
    let hora_fin = parse_field(&row.hora_fin, "hora_fin", parse_time, &mut unreadable);
    let fecha_inicio = parse_field(
        &row.fecha_inicio,
        "fecha_inicio",
        parse_date,
        &mut unreadable,
    );
    let fecha_fin = match &row.fecha_fin {
        None => None,
        Some(raw) => {
            let parsed = parse_date(raw);
            if parsed.is_none() {
                unreadable.push(format!("fecha_fin {raw:?} is not a date"));
            }
            parsed
        }
    };
    if row.campania_id.is_none() {
        unreadable.push("campania_id is NULL".into());
    }
    if row.cliente_id.is_none() {
        unreadable.push("cliente_id is NULL".into());
    }
    if row.cupo_diario.is_none() {
        unreadable.push("cupo_diario is NULL".into());
    }
    let dias_semana = row.dias_semana.clone().unwrap_or_default();
    let unknown_days: Vec<String> = dias_semana
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .filter(|d| !ALL_WEEKDAYS.iter().any(|w| runs_on(d, *w)))
        .map(str::to_string)
        .collect();
    let in_date_range = date_range_holds(&row, today).unwrap_or(false);
    let runs_today = runs_on(&dias_semana, j.local_now.weekday());
    let in_window_now = match (hora_inicio, hora_fin) {
        (Some(a), Some(b)) => in_window(j.local_now.time(), a, b),
        _ => false,
    };
    let quota_left = row.cupo_diario.map(|c| c - j.enviados_hoy);
    let pending = j.pending;

    let verdict = if !unreadable.is_empty() {
        Verdict::WouldSkip(Skip::Unreadable(format!(
            "{}; the scheduler cannot read this programación",
            unreadable.join(", ")
        )))
    } else if !in_date_range {
        Verdict::WouldSkip(Skip::OutsideDateRange)
    } else if !runs_today {
        Verdict::WouldSkip(Skip::Weekday)
    } else if !in_window_now {
        Verdict::WouldSkip(Skip::OutsideWindow)
    } else {
        match &j.session {
            SessionCheck::State(SessionState::Ready) => match j.campaign_estado.as_deref() {
                None => Verdict::WouldSkip(Skip::CampaignMissing),
                Some("en_progreso") => match quota_left {
                    Some(left) if left > 0 => {
                        if pending.sendable + pending.unsendable() == 0 {
                            Verdict::WouldSkip(Skip::NothingPending)
                        } else {
                            Verdict::WouldSend {
                                rows: pending.sendable.min(left),
                                to_error: pending.to_error_within(left),
                            }
                        }
                    }
                    _ => Verdict::WouldSkip(Skip::QuotaExhausted),
                },
                Some(other) => Verdict::WouldSkip(Skip::CampaignNotInProgress(other.to_string())),
            },
            SessionCheck::State(state) => Verdict::WouldSkip(Skip::SessionNotReady(*state)),
            SessionCheck::Unreadable(_) | SessionCheck::NotAsked => {
                Verdict::WouldSkip(Skip::SessionUnreadable)
            }
        }
    };
    ProgramacionPreview {
        id: row.id,
        campania_id: row.campania_id.unwrap_or_default(),
        cliente_id: row.cliente_id.unwrap_or_default(),
        dias_semana,
        hora_inicio,
        hora_fin,
        cupo_diario: row.cupo_diario,
        fecha_inicio,
        fecha_fin,
        in_date_range,
        runs_today,
        in_window: in_window_now,
        unknown_days,
        lock: row.locked_by.filter(|b| !b.is_empty()).map(|by| Lock {
            by,
            at: row.locked_at.as_deref().and_then(parse_datetime),
        }),
        session: j.session,
        campaign_estado: j.campaign_estado,
        pending,
        enviados_hoy: j.enviados_hoy,
        quota_left,
        last_fecha_envio: j.last_fecha_envio,
        verdict,
    }
}

const ALL_WEEKDAYS: [Weekday; 7] = [
    Weekday::Sun,
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
];

/// `fecha_inicio <= today` and `fecha_fin` NULL or `>= today`; `None` when unreadable.
fn date_range_holds(row: &Row, today: NaiveDate) -> Option<bool> {
    let start = parse_date(row.fecha_inicio.as_deref()?)?;
    let end_ok = match &row.fecha_fin {
        None => true,
        Some(raw) => parse_date(raw)? >= today,
    };
    Some(start <= today && end_ok)
}

fn parse_field<T>(
    raw: &Option<String>,
    name: &str,
    parse: fn(&str) -> Option<T>,
    unreadable: &mut Vec<String>,
) -> Option<T> {
    match raw {
        None => {
            unreadable.push(format!("{name} is NULL"));
            None
        }
        Some(s) => {
            let parsed = parse(s);
            if parsed.is_none() {
                unreadable.push(format!("{name} {s:?} is not readable"));
            }
            parsed
        }
    }
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M:%S%.f").ok()
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// A DATETIME/TIMESTAMP as the server prints it; `None` for a zero or garbled value.
pub(crate) fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f").ok()
}

/// Every `(table, column)` of the tables the preview reads.
async fn present_columns(pool: &MySqlPool) -> Result<BTreeSet<(String, String)>, DoctorError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR) FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN
           ('ll_programaciones', 'll_campanias_whatsapp', 'll_programacion_envios_diarios',
            'll_envios_whatsapp', 'll_envios_whatsapp_historial', 'lmh_envio_intentos')",
    )
    .fetch_all(pool)
    .await
    .map_err(query_failed(
        "listing columns in information_schema.COLUMNS",
    ))?;
    Ok(rows.into_iter().collect())
}

/// Which optional tables and columns exist.
struct Sources {
    has_claims: bool,
    has_historial: bool,
    has_mensaje: bool,
    has_fecha_creacion: bool,
    has_fecha_envio: bool,
}

/// What the preview needs of one campaign, read once however many programaciones share it.
#[derive(Clone)]
struct CampaignFacts {
    /// `estado`; `None` when the campaign does not exist.
    estado: Option<String>,
    pending: Pending,
    last_fecha_envio: Option<NaiveDateTime>,
}

async fn campaign_facts(
    pool: &MySqlPool,
    campania_id: i64,
    src: &Sources,
) -> Result<CampaignFacts, DoctorError> {
    let created = if src.has_fecha_creacion {
        "CAST(fecha_creacion AS CHAR)"
    } else {
        "CAST(NULL AS CHAR)"
    };
    let sql =
        format!("SELECT CAST(estado AS CHAR), {created} FROM ll_campanias_whatsapp WHERE id = ?");
    let found: Option<(Option<String>, Option<String>)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(campania_id)
        .fetch_optional(pool)
        .await
        .map_err(query_failed("reading a campaign"))?;
    let created = found
        .as_ref()
        .and_then(|(_, c)| c.as_deref())
        .and_then(parse_datetime);
    let pending = read_pending(pool, campania_id, src, created).await?;
    let last_fecha_envio = if src.has_fecha_envio {
        let s: Option<String> = sqlx::query_scalar(
            "SELECT CAST(MAX(fecha_envio) AS CHAR) FROM ll_envios_whatsapp
             WHERE campania_id = ? AND estado = 'enviado'",
        )
        .bind(campania_id)
        .fetch_one(pool)
        .await
        .map_err(query_failed("reading the latest fecha_envio"))?;
        s.as_deref().and_then(parse_datetime)
    } else {
        None
    };
    Ok(CampaignFacts {
        estado: found.map(|(estado, _)| estado.unwrap_or_default()),
        pending,
        last_fecha_envio,
    })
}

type PendingRow = (i64, Option<String>, Option<String>, Option<String>);

/// Count a campaign's pendiente rows page by page, classifying each as the scheduler would.
async fn read_pending(
    pool: &MySqlPool,
    campania_id: i64,
    src: &Sources,
    campaign_created: Option<NaiveDateTime>,
) -> Result<Pending, DoctorError> {
    let (claim_col, claim_join) = if src.has_claims {
        (
            "CAST(i.resultado AS CHAR)",
            format!("LEFT JOIN {CLAIM_TABLE} i ON i.envio_id = e.id"),
        )
    } else {
        ("CAST(NULL AS CHAR)", String::new())
    };
    let mensaje = if src.has_mensaje {
        "e.mensaje_final"
    } else {
        "CAST(NULL AS CHAR)"
    };
    let sql = format!(
        "SELECT CAST(e.id AS SIGNED), CAST(e.telefono_wapp AS CHAR), {mensaje}, {claim_col}
         FROM ll_envios_whatsapp e {claim_join}
         WHERE e.campania_id = ? AND e.estado = 'pendiente' AND e.id > ?
         ORDER BY e.id LIMIT ?"
    );
    let mut pending = Pending::default();
    let mut after = i64::MIN;
    loop {
        let page: Vec<PendingRow> = sqlx::query_as(AssertSqlSafe(sql.clone()))
            .bind(campania_id)
            .bind(after)
            .bind(PAGE)
            .fetch_all(pool)
            .await
            .map_err(query_failed("reading pendiente rows"))?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.0;
        let full = page.len() as i64 == PAGE;
        for (id, telefono, mensaje, claim) in page {
            pending.total += 1;
            // A released claim (`reintentar`) is sent again, as the scheduler would.
            if let Some(resultado) = claim.filter(|r| claim_holds(r)) {
                pending.claimed += 1;
                if resultado == "desconocido" {
                    pending.outcome_unknown += 1;
                }
                continue;
            }
            // The scheduler's order of checks: phone present, text present, phone valid.
            let phone = telefono.as_deref().unwrap_or("");
            let text = mensaje.as_deref().unwrap_or("");
            let sendable = if phone.trim().is_empty() {
                pending.sin_telefono += 1;
                false
            } else if text.trim().is_empty() {
                pending.sin_texto += 1;
                false
            } else if normalize_phone(phone).is_none() {
                pending.telefono_invalido += 1;
                false
            } else {
                pending.sendable += 1;
                pending.oldest_id.get_or_insert(id);
                true
            };
            pending.order.push(sendable);
        }
        if !full {
            break;
        }
    }
    if let Some(oldest) = pending.oldest_id {
        let from_historial = if src.has_historial {
            let s: Option<String> = sqlx::query_scalar(
                "SELECT CAST(MIN(created_at) AS CHAR) FROM ll_envios_whatsapp_historial WHERE envio_id = ?",
            )
            .bind(oldest)
            .fetch_one(pool)
            .await
            .map_err(query_failed("reading the oldest row's historial"))?;
            s.as_deref().and_then(parse_datetime)
        } else {
            None
        };
        pending.oldest_since = from_historial
            .map(|t| (t, TimestampSource::Historial))
            .or(campaign_created.map(|t| (t, TimestampSource::CampaignCreated)));
    }
    Ok(pending)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn server_datetimes_parse() {
        assert!(parse_datetime("2026-01-13 09:00:00").is_some());
        assert!(parse_datetime("2026-01-13 09:00:00.123456").is_some());
        assert!(parse_datetime("0000-00-00 00:00:00").is_none());
        assert_eq!(parse_time("09:30:00"), NaiveTime::from_hms_opt(9, 30, 0));
        assert!(parse_time("25:00:00").is_none());
    }
}

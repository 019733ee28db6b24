//! The preview's one pass: read what the scheduler reads, ask each client's session once,
//! judge each programación.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::MySqlPool;

use super::judge::{self, Facts};
use super::read::{self, CampaignFacts, Row, Sources};
use super::{NextTick, ProgramacionPreview, SessionCheck, session};
use crate::adapter::SessionManagerClient;
use crate::doctor::{DoctorError, current_database, require_read_only};
use crate::domain::BusinessTime;

/// Preview the next tick at `now`, in the business zone `tz`, by the domain's gates in the
/// scheduler's order: approved programaciones, date range, weekday, window, quota, the
/// client's session through `client` (only `GET /status`; note that the provider creates a
/// session for an unknown client, as it does for the scheduler), campaign and pendiente rows.
/// A programación lock (`locked_by`/`locked_at`) is reported, not judged: whether it blocks
/// depends on the running scheduler's lock timeout. Reads only; refuses a pool whose sessions
/// are not read-only.
pub async fn next_tick(
    pool: &MySqlPool,
    client: &SessionManagerClient,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<NextTick, DoctorError> {
    require_read_only(pool).await?;
    let database = current_database(pool).await?;
    let sources = Sources::probe(pool, &database).await?;
    let db_utc_offset = read::server_utc_offset(pool).await?;
    let business = BusinessTime::at(now, tz);
    let rows = read::approved_programaciones(pool, &sources).await?;
    let sessions = session::ask_sessions(client, &rows, business.today()).await;
    let programaciones =
        preview_all(pool, &sources, rows, &sessions, business, client.base_url()).await?;
    Ok(NextTick {
        now,
        tz,
        local_now: business.local,
        database,
        session_manager: client.base_url().to_string(),
        db_utc_offset,
        has_historial: sources.has_historial,
        has_claims: sources.has_claims,
        sessions,
        programaciones,
    })
}

/// Read each programación's facts (each campaign once) and judge it.
async fn preview_all(
    pool: &MySqlPool,
    sources: &Sources,
    rows: Vec<Row>,
    sessions: &BTreeMap<i64, SessionCheck>,
    now: BusinessTime,
    session_manager: &str,
) -> Result<Vec<ProgramacionPreview>, DoctorError> {
    let mut campaigns: HashMap<i64, CampaignFacts> = HashMap::new();
    let mut previews = Vec::new();
    for row in rows {
        let campania_id = row.campania_id.unwrap_or_default();
        let campaign = match campaigns.get(&campania_id) {
            Some(known) => known.clone(),
            None => {
                let read = read::campaign_facts(pool, campania_id, sources).await?;
                campaigns.insert(campania_id, read.clone());
                read
            }
        };
        let facts = Facts {
            now,
            session_manager: session_manager.to_string(),
            session: row
                .cliente_id
                .and_then(|c| sessions.get(&c).cloned())
                .unwrap_or(SessionCheck::NotAsked),
            campaign_estado: campaign.estado,
            pending: campaign.pending,
            enviados_hoy: read::enviados_hoy(pool, row.id, now.today()).await?,
            last_fecha_envio: campaign.last_fecha_envio,
        };
        previews.push(judge::judge(row, facts));
    }
    Ok(previews)
}

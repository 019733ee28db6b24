//! The sending rules that need no database: recipients, failures, weekdays, windows, zones.

use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use super::{Envio, HistoricalBug};
use crate::adapter::{AdapterError, DomainError};

/// Whether the re-introduced bug marks rows `enviado` before sending.
pub(super) fn bug_marked_first(bug: Option<HistoricalBug>) -> bool {
    bug == Some(HistoricalBug::MarkBeforeSend)
}

/// A recipient-level failure (invalid number, bad `to`/`message`), or `None` for a failure of
/// the session or the provider.
pub(super) fn recipient_failure(e: &AdapterError) -> Option<String> {
    match e.domain()? {
        DomainError::InvalidRequest { message } => {
            Some(format!("provider refused the request: {message}"))
        }
        DomainError::SendFailed { reason } => {
            let lower = reason.to_lowercase();
            let about_recipient = ["not registered", "invalid wid", "invalid number"]
                .iter()
                .any(|k| lower.contains(k));
            about_recipient.then(|| format!("provider could not send to this number: {reason}"))
        }
        _ => None,
    }
}

/// A provider failure that can follow a real delivery (the browser may crash after WhatsApp
/// took the message): a `SEND_FAILED` not about the recipient, or an `INTERNAL_ERROR`. Such a
/// send is an unknown outcome, never retried.
pub(super) fn may_have_sent(e: &AdapterError) -> bool {
    match e.domain() {
        Some(DomainError::SendFailed { .. }) => recipient_failure(e).is_none(),
        Some(DomainError::Internal { .. }) => true,
        _ => false,
    }
}

/// The `to` and `message` of a row, or why it must not reach the provider.
pub(super) fn recipient(envio: &Envio) -> Result<(String, String), String> {
    let phone = envio.telefono.as_deref().unwrap_or("");
    if phone.trim().is_empty() {
        return Err("no phone number (telefono_wapp empty)".into());
    }
    let message = envio.mensaje.as_deref().unwrap_or("");
    if message.trim().is_empty() {
        return Err("no message text (mensaje_final empty)".into());
    }
    let to = normalize_phone(phone).ok_or_else(|| format!("invalid phone number {phone:?}"))?;
    Ok((to, message.to_string()))
}

/// `telefono_wapp` as a WhatsApp chat id (`digits@c.us`), or `None` when it is not one:
/// 8 to 15 digits, no leading 0, optionally already ending in `@c.us`. Nothing is guessed
/// (no `+`, spaces or dashes removed): what is sent is the row's number, as stored.
///
/// ```
/// use lmh::scheduler::normalize_phone;
/// assert_eq!(normalize_phone("5491134567890").as_deref(), Some("5491134567890@c.us"));
/// assert_eq!(normalize_phone("5491134567890@c.us").as_deref(), Some("5491134567890@c.us"));
/// assert_eq!(normalize_phone("+54 9 11 3456-7890"), None);
/// assert_eq!(normalize_phone("011345678"), None);
/// ```
pub fn normalize_phone(raw: &str) -> Option<String> {
    let digits = raw.strip_suffix("@c.us").unwrap_or(raw);
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| format!("{digits}@c.us"))
}

/// Whether `dias_semana` (comma list of sun..sat) includes `day`.
pub fn runs_on(dias_semana: &str, day: Weekday) -> bool {
    let name = weekday_name(day);
    dias_semana
        .split(',')
        .any(|d| d.trim().eq_ignore_ascii_case(name))
}

/// The three-letter name `dias_semana` uses.
pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Sun => "sun",
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
    }
}

/// Whether `t` is within `[start, end]`; an inverted window holds no time at all.
pub fn in_window(t: NaiveTime, start: NaiveTime, end: NaiveTime) -> bool {
    start <= t && t <= end
}

/// Business-local `naive` time in `tz` as a UTC instant (the earliest, around DST changes).
pub fn local_to_utc(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

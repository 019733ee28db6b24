//! Who a row goes to and what it says: the one rule of what may reach the provider
//! (docs/invariants.md 18), used by the scheduler, `doctor`, the fixtures and the invariants.

use std::fmt;

/// What WhatsApp appends to a number to make a chat id.
pub const CHAT_SUFFIX: &str = "@c.us";

/// `telefono_wapp` as a WhatsApp chat id (`digits@c.us`), or `None` when it is not one:
/// 8 to 15 digits, no leading 0, optionally already ending in `@c.us`. Nothing is guessed
/// (no `+`, spaces or dashes removed): what is sent is the row's number, as stored.
///
/// ```
/// use lmh::domain::normalize_phone;
/// assert_eq!(normalize_phone("5491134567890").as_deref(), Some("5491134567890@c.us"));
/// assert_eq!(normalize_phone("5491134567890@c.us").as_deref(), Some("5491134567890@c.us"));
/// assert_eq!(normalize_phone("+54 9 11 3456-7890"), None);
/// assert_eq!(normalize_phone("011345678"), None);
/// ```
pub fn normalize_phone(raw: &str) -> Option<String> {
    let digits = raw.strip_suffix(CHAT_SUFFIX).unwrap_or(raw);
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| format!("{digits}{CHAT_SUFFIX}"))
}

/// What [`check_phone`] makes of a `telefono_wapp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneCheck {
    /// Absent, null or only blanks.
    Missing,
    /// Present but not a WhatsApp number.
    Invalid,
    /// 8-15 digits, no leading 0, optional `@c.us`.
    Valid,
}

/// Classify a phone the way the scheduler does before sending (never send Missing/Invalid).
///
/// ```
/// use lmh::domain::{check_phone, PhoneCheck};
/// assert_eq!(check_phone(Some("5491134567890")), PhoneCheck::Valid);
/// assert_eq!(check_phone(Some("5491134567890@c.us")), PhoneCheck::Valid);
/// assert_eq!(check_phone(Some("  ")), PhoneCheck::Missing);
/// assert_eq!(check_phone(None), PhoneCheck::Missing);
/// assert_eq!(check_phone(Some("11-4567-ABCD")), PhoneCheck::Invalid);
/// assert_eq!(check_phone(Some("+5491134567890")), PhoneCheck::Invalid);
/// ```
pub fn check_phone(phone: Option<&str>) -> PhoneCheck {
    match phone.filter(|p| !p.trim().is_empty()) {
        None => PhoneCheck::Missing,
        Some(p) if normalize_phone(p).is_some() => PhoneCheck::Valid,
        Some(_) => PhoneCheck::Invalid,
    }
}

/// Whether `mensaje_final` has something to send (not absent, not only blanks).
pub fn has_text(mensaje: Option<&str>) -> bool {
    mensaje.is_some_and(|t| !t.trim().is_empty())
}

/// Why a row must not reach the provider: the scheduler marks it `error` without a `/send`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsendable {
    /// `telefono_wapp` absent or blank.
    NoPhone,
    /// `mensaje_final` absent or blank.
    NoText,
    /// `telefono_wapp` is not a WhatsApp number, as stored.
    InvalidPhone(String),
}

impl fmt::Display for Unsendable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsendable::NoPhone => f.write_str("no phone number (telefono_wapp empty)"),
            Unsendable::NoText => f.write_str("no message text (mensaje_final empty)"),
            Unsendable::InvalidPhone(phone) => write!(f, "invalid phone number {phone:?}"),
        }
    }
}

/// A row's `to` and `message`, as the provider is sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The chat id (`digits@c.us`).
    pub to: String,
    /// `mensaje_final`, byte for byte.
    pub message: String,
}

/// The recipient of a row with this `telefono_wapp` and `mensaje_final`, or why it has none.
/// Checked in this order: a phone, a text, then a valid phone.
pub fn recipient(telefono: Option<&str>, mensaje: Option<&str>) -> Result<Recipient, Unsendable> {
    let phone = telefono.unwrap_or("");
    if check_phone(telefono) == PhoneCheck::Missing {
        return Err(Unsendable::NoPhone);
    }
    if !has_text(mensaje) {
        return Err(Unsendable::NoText);
    }
    let to = normalize_phone(phone).ok_or_else(|| Unsendable::InvalidPhone(phone.to_string()))?;
    Ok(Recipient {
        to,
        message: mensaje.unwrap_or_default().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_phone_is_missing_before_the_text_and_the_text_before_a_bad_phone() {
        assert_eq!(recipient(None, None), Err(Unsendable::NoPhone));
        assert_eq!(recipient(Some(" "), Some("hola")), Err(Unsendable::NoPhone));
        assert_eq!(recipient(Some("12"), Some("  ")), Err(Unsendable::NoText));
        assert_eq!(
            recipient(Some("12"), Some("hola")),
            Err(Unsendable::InvalidPhone("12".into()))
        );
        let r = recipient(Some("5491134567890"), Some(" hola 👋 ")).unwrap();
        assert_eq!(r.to, "5491134567890@c.us");
        assert_eq!(r.message, " hola 👋 ", "the text goes byte for byte");
    }
}

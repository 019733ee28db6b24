//! Scratch database names: the only names lmh writes to, generated and checked here.

use super::{DbError, SCRATCH_PREFIX};

/// Check that a name is one lmh generates for scratch databases (and so safe to backquote).
pub fn validate_scratch_name(name: &str) -> Result<(), DbError> {
    let bad = |reason: &str| {
        Err(DbError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if !name.starts_with(SCRATCH_PREFIX) {
        return bad("it does not start with lmh_scratch_");
    }
    if name.len() > 64 {
        return bad("it is longer than 64 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return bad("only a-z, 0-9 and _ are allowed");
    }
    Ok(())
}

pub(super) fn generate_scratch_name() -> String {
    let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S");
    let random: String = (0..8)
        .map(|_| {
            let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
            alphabet[fastrand::usize(..alphabet.len())] as char
        })
        .collect();
    format!("{SCRATCH_PREFIX}{stamp}_{random}")
}

/// When a scratch database was created, from its name (`lmh_scratch_YYYYMMDDHHMMSS_...`, UTC).
pub(super) fn name_stamp(name: &str) -> Option<chrono::NaiveDateTime> {
    let stamp = name.strip_prefix(SCRATCH_PREFIX)?.get(..14)?;
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S").ok()
}

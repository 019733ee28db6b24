//! Business time: the zone LeadMaster runs in, the weekdays of `dias_semana`, a programación's
//! window of hours and its range of dates (docs/system.md §5, docs/invariants.md 14).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// The business time zone LeadMaster runs in.
pub const DEFAULT_TZ: Tz = chrono_tz::America::Argentina::Buenos_Aires;

/// The weekdays as `dias_semana` spells them, Sunday first (docs/system.md §4).
pub const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Sun, "sun"),
    (Weekday::Mon, "mon"),
    (Weekday::Tue, "tue"),
    (Weekday::Wed, "wed"),
    (Weekday::Thu, "thu"),
    (Weekday::Fri, "fri"),
    (Weekday::Sat, "sat"),
];

/// The three-letter name `dias_semana` uses for `day`.
pub fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(d, _)| *d == day)
        .map_or("", |(_, name)| name)
}

/// The weekday one `dias_semana` entry names, as the scheduler reads it: blanks around it and
/// ASCII case ignored (`" Mon"` is Monday); `None` for anything else (`lunes`, `thurs`).
pub fn weekday_named(entry: &str) -> Option<Weekday> {
    let entry = entry.trim();
    WEEKDAYS
        .iter()
        .find(|(_, name)| entry.eq_ignore_ascii_case(name))
        .map(|(day, _)| *day)
}

/// Whether `dias_semana` (a comma list) includes `day`.
pub fn runs_on(dias_semana: &str, day: Weekday) -> bool {
    dias_semana
        .split(',')
        .any(|entry| weekday_named(entry) == Some(day))
}

/// The entries of `dias_semana` that name no weekday, trimmed; blank entries are not counted.
pub fn unknown_days(dias_semana: &str) -> Vec<&str> {
    dias_semana
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty() && weekday_named(entry).is_none())
        .collect()
}

/// A programación's hours, `[hora_inicio, hora_fin]`, business-local, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// `hora_inicio`.
    pub hora_inicio: NaiveTime,
    /// `hora_fin`.
    pub hora_fin: NaiveTime,
}

impl Window {
    /// Whether `t` is within the window; an inverted window holds no time at all.
    pub fn contains(self, t: NaiveTime) -> bool {
        self.hora_inicio <= t && t <= self.hora_fin
    }

    /// Whether `hora_inicio` is after `hora_fin`, so that no time is in the window.
    pub fn is_inverted(self) -> bool {
        self.hora_inicio > self.hora_fin
    }
}

/// A programación's dates, `[fecha_inicio, fecha_fin]`, both days included; no `fecha_fin` is
/// open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// `fecha_inicio`.
    pub fecha_inicio: NaiveDate,
    /// `fecha_fin`; `None` is open-ended.
    pub fecha_fin: Option<NaiveDate>,
}

impl DateRange {
    /// Whether `day` is within the range.
    pub fn holds(self, day: NaiveDate) -> bool {
        self.fecha_inicio <= day && self.fecha_fin.is_none_or(|fin| day <= fin)
    }
}

/// A moment on the business clock: the local time the window and "today" are judged by, and
/// the zone it was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessTime {
    /// Business-local date and time.
    pub local: NaiveDateTime,
    /// The zone `local` is in.
    pub tz: Tz,
}

impl BusinessTime {
    /// `instant` on the business clock of `tz`.
    pub fn at(instant: DateTime<Utc>, tz: Tz) -> BusinessTime {
        BusinessTime {
            local: instant.with_timezone(&tz).naive_local(),
            tz,
        }
    }

    /// The business day.
    pub fn today(self) -> NaiveDate {
        self.local.date()
    }

    /// The business day's weekday.
    pub fn weekday(self) -> Weekday {
        self.local.weekday()
    }

    /// The business-local time of day.
    pub fn time(self) -> NaiveTime {
        self.local.time()
    }
}

/// Business-local `naive` time in `tz` as a UTC instant (the earliest, around DST changes);
/// `None` for a time the clocks skip.
pub fn local_to_utc(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn one_table_reads_every_spelling_the_scheduler_accepts() {
        for (day, name) in WEEKDAYS {
            assert_eq!(weekday_name(day), name);
            assert_eq!(weekday_named(name), Some(day));
            assert_eq!(
                weekday_named(&format!(" {} ", name.to_uppercase())),
                Some(day)
            );
        }
        assert_eq!(weekday_named("lunes"), None);
        assert!(runs_on("mon, Tue ,wed", Weekday::Tue));
        assert!(!runs_on("mon,wed", Weekday::Tue));
        assert_eq!(unknown_days("mon,lunes, ,thurs"), ["lunes", "thurs"]);
    }

    #[test]
    fn windows_include_both_ends_and_an_inverted_one_holds_nothing() {
        let w = Window {
            hora_inicio: time(9, 0),
            hora_fin: time(18, 0),
        };
        assert!(w.contains(time(9, 0)) && w.contains(time(18, 0)));
        assert!(!w.contains(time(8, 59)) && !w.contains(time(18, 1)));
        let inverted = Window {
            hora_inicio: time(18, 0),
            hora_fin: time(9, 0),
        };
        assert!(inverted.is_inverted());
        assert!(!inverted.contains(time(20, 0)) && !inverted.contains(time(8, 0)));
    }

    #[test]
    fn date_ranges_include_both_days_and_may_stay_open() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 1, day).unwrap();
        let closed = DateRange {
            fecha_inicio: d(10),
            fecha_fin: Some(d(13)),
        };
        assert!(closed.holds(d(10)) && closed.holds(d(13)));
        assert!(!closed.holds(d(9)) && !closed.holds(d(14)));
        let open = DateRange {
            fecha_inicio: d(10),
            fecha_fin: None,
        };
        assert!(open.holds(d(31)) && !open.holds(d(9)));
    }
}

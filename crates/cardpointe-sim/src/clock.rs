//! The emulator's clock: wall time plus an offset that tests advance (batch closing, 30-day void
//! limit, retref day-of-year), and civil-date helpers for the gateway's date formats.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time shifted by an adjustable offset.
#[derive(Debug, Default)]
pub(crate) struct SimClock {
    offset_ms: AtomicI64,
}

impl SimClock {
    /// Milliseconds since the Unix epoch, as the emulator sees it.
    pub(crate) fn now_ms(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        wall.saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock forward.
    pub(crate) fn advance_ms(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// Back to wall time (no offset).
    pub(crate) fn reset(&self) {
        self.offset_ms.store(0, Ordering::Relaxed);
    }
}

/// A UTC calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    pub(crate) day_of_year: u32,
}

pub(crate) const DAY_MS: i64 = 86_400_000;

/// Converts epoch milliseconds to UTC civil time (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil(ms: i64) -> Civil {
    let days = ms.div_euclid(DAY_MS);
    let secs = ms.rem_euclid(DAY_MS) / 1000;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let mut year = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    if month <= 2 {
        year += 1;
    }
    let jan1 = days_from_civil(year, 1, 1);
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs / 60 % 60) as u32,
        second: (secs % 60) as u32,
        day_of_year: (days - jan1 + 1) as u32,
    }
}

/// Days since the epoch of a civil date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYYMMDD`.
pub(crate) fn yyyymmdd(ms: i64) -> String {
    let c = civil(ms);
    format!("{:04}{:02}{:02}", c.year, c.month, c.day)
}

/// `YYYYMMDDHHMMSS`.
pub(crate) fn yyyymmddhhmmss(ms: i64) -> String {
    let c = civil(ms);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `MMDD`.
pub(crate) fn mmdd(ms: i64) -> String {
    let c = civil(ms);
    format!("{:02}{:02}", c.month, c.day)
}

/// ISO-8601 with millis and `+00:00`, as in the gateway's JSON 404 body.
pub(crate) fn iso8601(ms: i64) -> String {
    let c = civil(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+00:00",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_match_known_days() {
        // 2014-12-09 is day 343 (retref 343030160242 in the spec's recording).
        let ms = days_from_civil(2014, 12, 9) * DAY_MS + 3_723_000;
        let c = civil(ms);
        assert_eq!((c.year, c.month, c.day, c.day_of_year), (2014, 12, 9, 343));
        assert_eq!((c.hour, c.minute, c.second), (1, 2, 3));
        assert_eq!(yyyymmdd(ms), "20141209");
        assert_eq!(mmdd(ms), "1209");
        assert_eq!(yyyymmddhhmmss(ms), "20141209010203");
        assert_eq!(
            civil(days_from_civil(2017, 12, 29) * DAY_MS).day_of_year,
            363
        );
        assert_eq!(civil(days_from_civil(2024, 2, 29) * DAY_MS).month, 2);
    }

    #[test]
    fn advancing_the_clock_moves_now_forward() {
        let clock = SimClock::default();
        let before = clock.now_ms();
        clock.advance_ms(DAY_MS);
        assert!(clock.now_ms() - before >= DAY_MS);
    }
}

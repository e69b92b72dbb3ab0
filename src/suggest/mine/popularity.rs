//! Popularity from a dated search log: counts decayed by age with a
//! half-life, and a boost for a query rising against its own recent baseline.
//!
//! A line dated `d` counts `count × 0.5^((as_of − d) / half_life)`; an
//! undated line counts in full, as of the build day (what an undated log
//! always meant). Lines dated after `as_of` are not counted: the build sees
//! the log as it was on that day.

use rustc_hash::FxHashMap;
use time::Date;

use super::SuggestConfig;
use crate::catalog::LoggedQuery;
use crate::text::normalize;

/// What the log says of one normalised query as of a day.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LogSignals {
    /// Counts of every line up to `as_of`, undecayed.
    pub count: u64,
    /// Counts decayed by age.
    pub recent: f64,
    /// Counts dated within the recent window (the last `rising_recent_days`).
    pub recent_window: u64,
    /// Counts dated within the baseline window before it.
    pub baseline_window: u64,
    /// Whether any line of it is dated.
    pub dated: bool,
}

impl LogSignals {
    /// The rising boost, at least 1 and at most `max_rising_boost`: the
    /// daily count of the recent window over the daily count of the
    /// baseline before it, each with `rising_prior` added so one search does
    /// not make a trend. Undated queries do not rise.
    pub fn rising(&self, config: &SuggestConfig) -> f64 {
        if !self.dated {
            return 1.0;
        }
        let recent_days = config.rising_recent_days.max(1) as f64;
        let baseline_days = config.rising_baseline_days.max(1) as f64;
        let recent = self.recent_window as f64 / recent_days + config.rising_prior;
        let baseline = self.baseline_window as f64 / baseline_days + config.rising_prior;
        (recent / baseline).clamp(1.0, config.max_rising_boost.max(1.0))
    }
}

/// The newest date of the log, the default `as_of`.
pub fn newest_date(queries: &[LoggedQuery]) -> Option<Date> {
    queries.iter().filter_map(|logged| logged.date).max()
}

/// The weight of a line dated `date` as of `as_of`; None when it is later.
pub fn line_weight(date: Option<Date>, as_of: Option<Date>, half_life_days: f64) -> Option<f64> {
    let (Some(date), Some(as_of)) = (date, as_of) else {
        return Some(1.0);
    };
    let age = (as_of - date).whole_days();
    if age < 0 {
        return None;
    }
    Some(0.5f64.powf(age as f64 / half_life_days))
}

/// Age in days of a line, 0 for undated lines.
fn age_days(date: Option<Date>, as_of: Option<Date>) -> i64 {
    match (date, as_of) {
        (Some(date), Some(as_of)) => (as_of - date).whole_days(),
        _ => 0,
    }
}

/// The signals of every logged query (normalised) as of `as_of`.
pub fn log_signals(
    queries: &[LoggedQuery],
    as_of: Option<Date>,
    config: &SuggestConfig,
) -> FxHashMap<String, LogSignals> {
    let mut signals: FxHashMap<String, LogSignals> = FxHashMap::default();
    let recent_days = config.rising_recent_days.max(1) as i64;
    let baseline_days = config.rising_baseline_days.max(1) as i64;
    for logged in queries {
        let Some(weight) = line_weight(logged.date, as_of, config.half_life_days) else {
            continue;
        };
        let query = normalize(&logged.query);
        if query.is_empty() {
            continue;
        }
        let query = super::hygiene::canonical_model_spacing(&query, false).into_owned();
        let entry = signals.entry(query).or_default();
        entry.count = entry.count.saturating_add(logged.count);
        entry.recent += logged.count as f64 * weight;
        if logged.date.is_some() {
            entry.dated = true;
            let age = age_days(logged.date, as_of);
            if age < recent_days {
                entry.recent_window = entry.recent_window.saturating_add(logged.count);
            } else if age < recent_days + baseline_days {
                entry.baseline_window = entry.baseline_window.saturating_add(logged.count);
            }
        }
    }
    signals
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn line(query: &str, count: u64, date: Option<Date>) -> LoggedQuery {
        LoggedQuery {
            query: query.to_string(),
            count,
            date,
        }
    }

    /// The day the tests' logs are read as of.
    const AS_OF: Date = date!(2026 - 05 - 10);

    /// The date `days` before [`AS_OF`] (after it, when negative).
    fn days_before(days: i64) -> Option<Date> {
        Some(AS_OF - time::Duration::days(days))
    }

    fn config() -> SuggestConfig {
        SuggestConfig {
            half_life_days: 1.0,
            rising_recent_days: 1,
            rising_baseline_days: 2,
            rising_prior: 1.0,
            max_rising_boost: 4.0,
            ..SuggestConfig::default()
        }
    }

    #[test]
    fn counts_halve_with_every_half_life_and_later_lines_wait() {
        let log = [
            line("连衣裙", 8, days_before(0)),
            line("连衣裙", 8, days_before(1)),
            line("连衣裙", 8, days_before(3)),
            line("连衣裙", 100, days_before(-1)),
            line("半身裙", 3, None),
        ];
        let signals = log_signals(&log, Some(AS_OF), &config());
        let dress = signals["连衣裙"];
        // 8 + 8/2 + 8/8; the line of the day after AS_OF waits.
        assert!((dress.recent - 13.0).abs() < 1e-9, "{dress:?}");
        assert_eq!(dress.count, 24);
        let skirt = signals["半身裙"];
        assert_eq!((skirt.recent, skirt.count), (3.0, 3), "undated: in full");
        assert_eq!(skirt.rising(&config()), 1.0, "undated lines do not rise");
    }

    #[test]
    fn a_query_above_its_own_baseline_rises() {
        let log = [
            line("新品", 9, days_before(0)),
            line("新品", 2, days_before(1)),
            line("新品", 2, days_before(2)),
            line("老品", 3, days_before(0)),
            line("老品", 6, days_before(1)),
            line("老品", 6, days_before(2)),
            line("爆品", 99, days_before(0)),
        ];
        let signals = log_signals(&log, Some(AS_OF), &config());
        // (9/1 + 1) / ((2 + 2)/2 + 1) = 10/3.
        let rising = signals["新品"].rising(&config());
        assert!((rising - 10.0 / 3.0).abs() < 1e-9, "{rising}");
        // (3 + 1) / (12/2 + 1) < 1: falling, no boost below 1.
        assert_eq!(signals["老品"].rising(&config()), 1.0);
        // New today: (99 + 1) / (0 + 1), capped.
        assert_eq!(signals["爆品"].rising(&config()), 4.0);
    }

    #[test]
    fn the_default_as_of_is_the_newest_date() {
        let log = [
            line("a", 1, days_before(9)),
            line("b", 1, None),
            line("c", 1, days_before(7)),
        ];
        assert_eq!(newest_date(&log), days_before(7));
        assert_eq!(newest_date(&log[1..2]), None);
    }
}

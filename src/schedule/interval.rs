//! `--every`: parsing and printing intervals, and how each scheduler expresses one (systemd
//! calendar or monotonic timers, launchd intervals, cron fields). Pure.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The shortest interval accepted: more often only loads Nexus.
pub const MIN_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// The longest interval accepted: tokens may expire in between.
pub const MAX_INTERVAL: Duration = Duration::from_secs(30 * 86_400);

/// Systemd runs the first refresh this long after the user manager starts, when the interval
/// is not calendar-shaped.
pub(super) const STARTUP_DELAY: &str = "5min";

/// Why `--every` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    #[error(
        "`{0}` is not an interval: use a number and a unit (`s`, `m`, `h`, `d`), like `12h`, `30m` or `1d`"
    )]
    Invalid(String),
    #[error("`{0}` is too short: refresh at most every 5 minutes (`5m`)")]
    TooShort(String),
    #[error("`{0}` is too long: refresh at least every 30 days (`30d`)")]
    TooLong(String),
}

/// Parses `--every`: one or more `<number><unit>` parts with units `s`, `m`, `h`, `d`
/// (`12h`, `30m`, `1d`, `90s`, `1h30m`). Refuses less than 5 minutes and more than 30 days.
pub fn parse_interval(text: &str) -> Result<Duration, IntervalError> {
    let trimmed = text.trim();
    let invalid = || IntervalError::Invalid(text.to_owned());
    if trimmed.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(invalid());
        }
        let (number, after) = rest.split_at(digits);
        let mut chars = after.chars();
        let unit: u64 = match chars.next() {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3_600,
            Some('d') => 86_400,
            _ => return Err(invalid()),
        };
        rest = chars.as_str();
        let too_long = || IntervalError::TooLong(text.to_owned());
        let number: u64 = number.parse().map_err(|_| too_long())?;
        total = number
            .checked_mul(unit)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(too_long)?;
    }
    let every = Duration::from_secs(total);
    if every < MIN_INTERVAL {
        return Err(IntervalError::TooShort(text.to_owned()));
    }
    if every > MAX_INTERVAL {
        return Err(IntervalError::TooLong(text.to_owned()));
    }
    Ok(every)
}

/// The shortest text [`parse_interval`] reads back as `every` (`12h`, `90m`, `1d`, `400s`).
pub fn format_interval(every: Duration) -> String {
    let secs = every.as_secs();
    if secs != 0 && secs.is_multiple_of(86_400) {
        format!("{}d", secs / 86_400)
    } else if secs != 0 && secs.is_multiple_of(3_600) {
        format!("{}h", secs / 3_600)
    } else if secs != 0 && secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// When the runs happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Every `step` minutes (a divisor of 60 below 60), at minutes `offset`, `offset + step`, ...
    Minutes { step: u32, offset: u32 },
    /// Every `step` hours (a divisor of 24), at hours `offset`, `offset + step`, ..., each at
    /// `minute`.
    Hours { step: u32, offset: u32, minute: u32 },
    /// Anything else: counted from the previous run (cron cannot do this).
    Interval(Duration),
}

impl Cadence {
    /// The cadence for `every`, with offsets taken from `seed` so machines spread out.
    pub fn new(every: Duration, seed: u64) -> Cadence {
        let secs = every.as_secs();
        if secs.is_multiple_of(60) && every.subsec_nanos() == 0 {
            let minutes = secs / 60;
            if (1..60).contains(&minutes) && 60 % minutes == 0 {
                // Casts: `minutes` < 60, and a remainder of it is smaller still.
                return Cadence::Minutes {
                    step: minutes as u32,
                    offset: (seed % minutes) as u32,
                };
            }
            if minutes.is_multiple_of(60) {
                let hours = minutes / 60;
                if (1..=24).contains(&hours) && 24 % hours == 0 {
                    // Casts: `hours` <= 24 and minutes < 60.
                    return Cadence::Hours {
                        step: hours as u32,
                        offset: ((seed / 60) % hours) as u32,
                        minute: (seed % 60) as u32,
                    };
                }
            }
        }
        Cadence::Interval(every)
    }
}

/// The interval cron really gets for `every`: `every` itself when it divides an hour or a day,
/// else the longest such interval below it (`7h` runs every `6h`, `2d` every `1d`).
pub fn cron_interval(every: Duration) -> Duration {
    const STEPS_MIN: [u64; 15] = [
        5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440,
    ];
    let minutes = every.as_secs() / 60;
    let best = STEPS_MIN
        .iter()
        .copied()
        .filter(|&step| step <= minutes)
        .max()
        .unwrap_or(5);
    Duration::from_secs(best * 60)
}

/// The interval written after `marker` in `text` (our units, plist or crontab line).
pub(super) fn every_after(text: &str, marker: &str) -> Option<Duration> {
    let at = text.find(marker)? + marker.len();
    let word = text[at..].split_whitespace().next()?;
    parse_interval(word).ok()
}

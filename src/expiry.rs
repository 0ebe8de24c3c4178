//! Token expiry arithmetic (Nexus 3.69+): whole days left, the margin inside which a new token is
//! generated, and how to say a duration. Pure: no clock is read here except by [`now_ms`], and
//! no I/O.

/// Days before expiry at which `refresh` generates a new token, unless `--expiry-margin` says otherwise.
pub const DEFAULT_EXPIRY_MARGIN_DAYS: u32 = 7;

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

const HOUR_MS: i64 = 3_600_000;
const MINUTE_MS: i64 = 60_000;

/// A server that did not expire tokens is asked again after this many days (one extra request
/// a week; every other refresh costs the plain two).
pub const EXPIRY_RECHECK_DAYS: i64 = 7;

/// How the token flow treats expiry.
#[derive(Debug, Clone, Copy)]
pub struct ExpiryPolicy {
    /// Generate a new token when the current one expires within this many days.
    pub margin_days: u32,
    /// Whether the margin was given explicitly (`--expiry-margin`); the default one is capped
    /// at half the token's lifetime.
    pub explicit: bool,
    /// Only say that a new token would be generated (a POST changes the server).
    pub dry_run: bool,
    /// Read the token's expiry from the server (one more request on Nexus 3). `token` does not:
    /// it generates a new token only when Nexus answers that the current one expired.
    pub read_expiry: bool,
}

impl ExpiryPolicy {
    /// The policy from `--expiry-margin` (or the default).
    pub fn from_flag(margin: Option<u32>, dry_run: bool) -> ExpiryPolicy {
        ExpiryPolicy {
            margin_days: margin.unwrap_or(DEFAULT_EXPIRY_MARGIN_DAYS),
            explicit: margin.is_some(),
            dry_run,
            read_expiry: true,
        }
    }

    /// The policy of `token`: no expiry look-up, a new token only when Nexus says it expired.
    pub fn on_expired_only() -> ExpiryPolicy {
        ExpiryPolicy {
            read_expiry: false,
            ..ExpiryPolicy::from_flag(None, false)
        }
    }
}

/// Whole days from `now_ms` until `expires_at_ms`, rounded down (negative once expired).
pub fn days_left(expires_at_ms: i64, now_ms: i64) -> i64 {
    (expires_at_ms - now_ms).div_euclid(DAY_MS)
}

/// Now, in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    to_ms(time::OffsetDateTime::now_utc())
}

/// A timestamp in milliseconds since the epoch.
pub fn to_ms(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Milliseconds since the epoch as a timestamp.
pub fn from_ms(ms: i64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// A token's `created` time (ISO 8601, `+00:00` or `+0000` offsets) in milliseconds, if it parses.
pub fn created_ms(created: &str) -> Option<i64> {
    let text = created.trim();
    let bytes = text.as_bytes();
    // `+0000` -> `+00:00`, which RFC 3339 wants.
    let normalized = match bytes.len().checked_sub(5).map(|i| (i, &bytes[i..])) {
        Some((i, [sign, a, b, c, d]))
            if matches!(sign, b'+' | b'-') && [a, b, c, d].iter().all(|x| x.is_ascii_digit()) =>
        {
            format!("{}:{}", &text[..i + 3], &text[i + 3..])
        }
        _ => text.to_owned(),
    };
    let t =
        time::OffsetDateTime::parse(&normalized, &time::format_description::well_known::Rfc3339)
            .ok()?;
    Some(to_ms(t))
}

/// The margin in milliseconds for a token expiring at `expires_at`: the default margin is capped
/// at half the token's lifetime, so that a server with short-lived tokens does not get a new
/// token on every refresh (which would also break the other machines using the old one).
pub fn margin_ms(policy: ExpiryPolicy, created: Option<&str>, expires_at: i64) -> i64 {
    let margin = i64::from(policy.margin_days) * DAY_MS;
    if policy.explicit {
        return margin;
    }
    match created.and_then(created_ms) {
        Some(created) if expires_at > created => margin.min((expires_at - created) / 2),
        _ => margin,
    }
}

/// `7 days`, `36 hours`, `10 minutes`: a duration for messages, in the largest whole unit.
pub fn describe_ms(ms: i64) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if ms >= DAY_MS && ms % DAY_MS == 0 {
        plural(ms / DAY_MS, "day")
    } else if ms >= HOUR_MS {
        plural(ms.div_euclid(HOUR_MS), "hour")
    } else {
        plural(ms.div_euclid(MINUTE_MS).max(0), "minute")
    }
}

/// A margin as an adjective: `7-day`, `60-hour`, `30-minute` (never `0-hour`).
pub fn describe_margin(ms: i64) -> String {
    if ms >= DAY_MS && ms % DAY_MS == 0 {
        format!("{}-day", ms / DAY_MS)
    } else if ms >= HOUR_MS {
        format!("{}-hour", ms.div_euclid(HOUR_MS))
    } else {
        format!("{}-minute", ms.div_euclid(MINUTE_MS).max(0))
    }
}

/// Time left until `expires_at_ms`: whole days (`29 days`, `1 day`) when a day or more is left, else
/// hours or minutes.
pub fn describe_left(expires_at_ms: i64, now_ms: i64) -> String {
    let days = days_left(expires_at_ms, now_ms);
    if days >= 1 {
        crate::ui::count(days, "day")
    } else {
        describe_ms(expires_at_ms - now_ms)
    }
}

/// Whether the weekly look at a server's expiry settings is due.
pub fn recheck_due(checked_at: Option<time::OffsetDateTime>, now_ms: i64) -> bool {
    checked_at.is_none_or(|checked| now_ms - to_ms(checked) >= EXPIRY_RECHECK_DAYS * DAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_times_parse_with_both_offset_styles() {
        let nexus3 = created_ms("2024-04-19T03:47:23.006+00:00");
        let nexus2 = created_ms("2024-04-19T03:47:23.006+0000");
        assert_eq!(
            nexus3,
            Some(1_713_498_443_006),
            "a Nexus 3 `created` parses to its epoch milliseconds"
        );
        assert_eq!(
            nexus2, nexus3,
            "a Nexus 2 style `+0000` offset means the same instant"
        );
        assert_eq!(
            created_ms("2024-04-19T05:47:23.006+0200"),
            nexus3,
            "other offsets are applied"
        );
        assert_eq!(
            created_ms("yesterday"),
            None,
            "anything else is unknown, not an error"
        );
    }

    #[test]
    fn whole_days_left_round_down() {
        assert_eq!(
            days_left(10 * DAY_MS - 1, 0),
            9,
            "just under ten days is nine whole days"
        );
        assert_eq!(days_left(DAY_MS, 0), 1);
        assert_eq!(
            days_left(0, 1),
            -1,
            "an expired token has negative days left"
        );
    }

    #[test]
    fn the_default_margin_is_capped_at_half_the_lifetime_and_an_explicit_one_is_not() {
        let created = "1970-01-01T00:00:00+00:00";
        let default = ExpiryPolicy::from_flag(None, false);
        assert_eq!(
            margin_ms(default, Some(created), 5 * DAY_MS),
            5 * DAY_MS / 2,
            "a 5-day token gets a 2.5-day margin by default"
        );
        assert_eq!(
            margin_ms(default, Some(created), 90 * DAY_MS),
            7 * DAY_MS,
            "a 90-day token gets the 7-day default"
        );
        assert_eq!(
            margin_ms(default, None, 5 * DAY_MS),
            7 * DAY_MS,
            "without a creation time the default applies"
        );
        let explicit = ExpiryPolicy::from_flag(Some(6), false);
        assert_eq!(
            margin_ms(explicit, Some(created), 5 * DAY_MS),
            6 * DAY_MS,
            "`--expiry-margin` is taken as given"
        );
    }

    #[test]
    fn margins_are_described_in_days_hours_or_minutes() {
        assert_eq!(describe_ms(7 * DAY_MS), "7 days");
        assert_eq!(describe_ms(DAY_MS), "1 day");
        assert_eq!(describe_ms(DAY_MS * 5 / 2), "60 hours");
        assert_eq!(
            describe_ms(30 * MINUTE_MS),
            "30 minutes",
            "a short lifetime is said in minutes, never as `0-hour`"
        );
        assert_eq!(describe_ms(MINUTE_MS), "1 minute");
    }

    #[test]
    fn margin_adjectives_never_say_zero_hours() {
        assert_eq!(describe_margin(7 * DAY_MS), "7-day");
        assert_eq!(describe_margin(DAY_MS * 5 / 2), "60-hour");
        assert_eq!(describe_margin(10 * MINUTE_MS), "10-minute");
    }

    #[test]
    fn the_expiry_recheck_is_weekly() {
        let now = 100 * DAY_MS;
        assert!(recheck_due(None, now), "never checked: due");
        assert!(
            !recheck_due(from_ms(now - DAY_MS), now),
            "a day ago: not due"
        );
        assert!(
            recheck_due(from_ms(now - 7 * DAY_MS), now),
            "a week ago: due"
        );
    }
}

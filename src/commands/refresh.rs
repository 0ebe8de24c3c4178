//! `refresh`: for every saved profile (or `--profile`), the password from the keyring, the token
//! fetched again, and the targets rewritten only when something changed. Never prompts.
//!
//! A profile whose stored password Nexus rejected is not sent to the server again until `login`
//! succeeds (lockout guard). A failing profile does not stop the others; the exit status is the
//! most serious one.
//!
//! Also home of [`fetch_current`], the token fetch with expiry handling (Nexus 3.69+) that
//! `login` shares: generate a new token when the current one has expired or will within the
//! margin, and keep a server without expiry at two requests per refresh.

use crate::cli::RefreshArgs;
use crate::error::{Error, ExitStatus, Result};
use crate::nexus::{Family, UserToken};
use crate::profile::{Config, Profile, ProfileState, State, fingerprint, now_rfc3339};
use crate::secret::Secret;
use crate::targets::{self, TokenValues, WriteOptions};

use super::{Context, client_for, family_for, paused_error, profile_password, report_files};

/// Days before expiry at which `refresh` generates a new token, unless `--expiry-margin` says otherwise.
pub const DEFAULT_EXPIRY_MARGIN_DAYS: u32 = 7;

pub(super) fn run(ctx: &Context<'_>, args: &RefreshArgs) -> Result<ExitStatus> {
    let config = Config::load(&ctx.config_path)?;
    if config.profiles.is_empty() {
        return Err(Error::other(
            ExitStatus::Failure,
            format!("no saved profile in `{}`", ctx.config_path.display()),
            Some("run `nexus-token login` first".into()),
        ));
    }
    let names: Vec<String> = if args.profiles.is_empty() {
        config.profiles.keys().cloned().collect()
    } else {
        for name in &args.profiles {
            if !config.profiles.contains_key(name) {
                return Err(Error::usage(
                    format!("no saved profile named `{name}`"),
                    Some(format!(
                        "saved profiles: {}",
                        config
                            .profiles
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ));
            }
        }
        args.profiles.clone()
    };

    let mut stdin_password: Option<Secret<String>> = None;
    let mut worst = ExitStatus::Success;
    for name in &names {
        let profile = &config.profiles[name];
        // State is re-read per profile: another run may have saved meanwhile.
        let state = State::load(&ctx.state_path)?;
        let mut profile_state = state.profiles.get(name).cloned().unwrap_or_default();
        let result = refresh_one(
            ctx,
            name,
            profile,
            &mut profile_state,
            args,
            &mut stdin_password,
        );
        profile_state.last_attempt = Some(now_rfc3339());
        match &result {
            Ok(()) => profile_state.last_error = None,
            Err(e) => profile_state.last_error = Some(e.to_string()),
        }
        if !args.dry_run {
            State::update_profile(&ctx.state_path, name, &profile_state)?;
        }
        if let Err(error) = result {
            if names.len() > 1 {
                ctx.ui.step(&format!("profile `{name}` failed:"));
            }
            ctx.ui.error(&error);
            worst = worst.worst(error.exit_status());
        }
    }
    Ok(worst)
}

fn refresh_one(
    ctx: &Context<'_>,
    name: &str,
    profile: &Profile,
    state: &mut ProfileState,
    args: &RefreshArgs,
    stdin_password: &mut Option<Secret<String>>,
) -> Result<()> {
    let ui = ctx.ui;
    if let Some(rejected) = &state.rejected {
        return Err(paused_error(name, rejected));
    }

    let password = profile_password(ctx, name, profile, args.password_stdin, stdin_password)?;

    let client = client_for(ctx, profile)?;
    let (family, detection) = family_for(ctx, &client, profile.api, state.family)?;
    if let Some(d) = detection {
        state.family = Some(d.family);
        state.version = d.version;
        state.edition = d.edition;
    }

    let policy = ExpiryPolicy::from_flag(args.expiry_margin, args.dry_run);
    let token = match fetch_current(
        ctx,
        &client,
        family,
        &profile.username,
        &password,
        state,
        policy,
    ) {
        Ok(token) => token,
        Err(Error::Nexus(e)) => {
            state.note_rejection(&e);
            return Err(Error::Nexus(e));
        }
        Err(e) => return Err(e),
    };

    let values = TokenValues {
        name_code: &token.name_code,
        pass_code: &token.pass_code,
    };
    let options = WriteOptions {
        dry_run: args.dry_run,
        force: args.force,
    };
    let reports = targets::write_token(profile, ctx.env, &values, options)?;
    report_files(ui, &reports, args.dry_run);
    let changed: usize = reports.iter().map(|r| r.changed.len()).sum();
    if !args.dry_run {
        state.last_success = Some(now_rfc3339());
        state.token_created = token.created.clone();
        state.token_fingerprint = Some(fingerprint(&token.name_code, token.pass_code.expose()));
        if changed == 0 {
            ui.step(&format!(
                "profile `{name}`: token unchanged, files already up to date"
            ));
        } else {
            ui.step(&format!(
                "profile `{name}`: wrote the new token ({changed} value(s) changed)"
            ));
        }
    }
    Ok(())
}

/// How `fetch_current` treats token expiry.
#[derive(Debug, Clone, Copy)]
pub(super) struct ExpiryPolicy {
    /// Generate a new token when the current one expires within this many days.
    pub margin_days: u32,
    /// Whether the margin was given explicitly (`--expiry-margin`); the default one is capped
    /// at half the token's lifetime.
    pub explicit: bool,
    /// Only say that a new token would be generated (a POST changes the server).
    pub dry_run: bool,
}

impl ExpiryPolicy {
    /// The policy from `--expiry-margin` (or the default).
    pub(super) fn from_flag(margin: Option<u32>, dry_run: bool) -> ExpiryPolicy {
        ExpiryPolicy {
            margin_days: margin.unwrap_or(DEFAULT_EXPIRY_MARGIN_DAYS),
            explicit: margin.is_some(),
            dry_run,
        }
    }
}

const DAY_MS: i64 = 86_400_000;

/// A server that did not expire tokens is asked again after this many days (one extra request
/// a week; every other refresh costs the plain two).
const EXPIRY_RECHECK_DAYS: i64 = 7;

/// Whole days from `now_ms` until `expires_at_ms`, rounded down (negative once expired).
pub(super) fn days_left(expires_at_ms: i64, now_ms: i64) -> i64 {
    (expires_at_ms - now_ms).div_euclid(DAY_MS)
}

/// Now, in milliseconds since the epoch.
pub(super) fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// A token's `created` time (ISO 8601, `+00:00` or `+0000` offsets) in milliseconds, if it parses.
pub(super) fn created_ms(created: &str) -> Option<i64> {
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
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// The margin in milliseconds for a token expiring at `expires_at`: the default margin is capped
/// at half the token's lifetime, so that a server with short-lived tokens does not get a new
/// token on every refresh (which would also break the other machines using the old one).
pub(super) fn margin_ms(policy: ExpiryPolicy, created: Option<&str>, expires_at: i64) -> i64 {
    let margin = i64::from(policy.margin_days) * DAY_MS;
    if policy.explicit {
        return margin;
    }
    match created.and_then(created_ms) {
        Some(created) if expires_at > created => margin.min((expires_at - created) / 2),
        _ => margin,
    }
}

/// Fetches the current token. On servers that expire tokens (Nexus 3.69+) it also reads the token
/// attributes and generates a new token (POST) when the current one has expired or will within
/// the margin; what the server told is recorded in `state`.
///
/// Requests: a server known not to expire tokens (older families, or `expirationEnabled` false
/// at the last look) costs the plain two (ticket, token); the attributes are read when the state
/// does not know yet, when the server expires tokens, when the last look is a week old, or when
/// Nexus answers that the token expired (expiry was switched on since).
pub(super) fn fetch_current(
    ctx: &Context<'_>,
    client: &crate::nexus::Client,
    family: Family,
    username: &str,
    password: &Secret<String>,
    state: &mut ProfileState,
    policy: ExpiryPolicy,
) -> Result<UserToken> {
    let ui = ctx.ui;
    if family != Family::Nexus3 {
        // Token expiry came with Nexus 3.69, on the 3.24+ API only.
        state.expiration_enabled = Some(false);
        state.expires_at_ms = None;
        return Ok(client.fetch_token(family, username, password)?);
    }
    let current = match client.fetch_token(family, username, password) {
        Ok(token) => Some(token),
        Err(crate::nexus::Error::TokenExpired { .. }) => {
            ui.verbose(
                1,
                "Nexus says the token expired: reading its expiry settings",
            );
            None
        }
        Err(e) => return Err(e.into()),
    };
    let recheck_due = state
        .expiry_checked_at
        .as_deref()
        .and_then(created_ms)
        .is_none_or(|checked| now_ms() - checked >= EXPIRY_RECHECK_DAYS * DAY_MS);
    if state.expiration_enabled == Some(false)
        && !recheck_due
        && let Some(token) = current
    {
        ui.verbose(1, "the server does not expire tokens");
        return Ok(token);
    }
    match client.token_attributes(username, password) {
        Ok(attrs) => {
            state.expiration_enabled = Some(attrs.is_some_and(|a| a.expiration_enabled));
            state.expires_at_ms = attrs.and_then(|a| a.expires_at_ms);
            state.expiry_checked_at = Some(now_rfc3339());
        }
        Err(e) if e.is_rejected_login() => return Err(e.into()),
        Err(e) => {
            // Look again next time; the token itself may be fine.
            state.expiration_enabled = None;
            ui.warn(&format!("could not read the token expiry: {e}"));
        }
    }
    // A new token (POST), with the same client, user and policy, for a given reason.
    let regenerate = |state: &mut ProfileState, reason: &str, current: Option<UserToken>| {
        generate(
            ctx, client, family, username, password, state, policy, reason, current,
        )
    };
    let Some(token) = current else {
        return regenerate(state, "Nexus says the token has expired", None);
    };
    let now = now_ms();
    let (Some(true), Some(at)) = (state.expiration_enabled, state.expires_at_ms) else {
        ui.verbose(
            1,
            if state.expiration_enabled == Some(true) {
                "the server expires tokens but did not say when this one does"
            } else {
                "the server does not expire tokens"
            },
        );
        return Ok(token);
    };
    let days = days_left(at, now);
    let margin = margin_ms(policy, token.created.as_deref(), at);
    if at <= now {
        return regenerate(state, "the token has expired", Some(token));
    }
    if at - now <= margin {
        let reason = format!(
            "the token expires in {days} day(s), within the {} margin",
            describe_ms(margin)
        );
        return regenerate(state, &reason, Some(token));
    }
    ui.step(&format!(
        "the token expires in {days} day(s); a new one is generated {} before",
        describe_ms(margin)
    ));
    Ok(token)
}

/// `7 days`, `36 hours`: a margin for messages.
fn describe_ms(ms: i64) -> String {
    if ms % DAY_MS == 0 {
        format!("{}-day", ms / DAY_MS)
    } else {
        format!("{}-hour", ms.div_euclid(3_600_000))
    }
}

/// Generates a new token (or says it would, in a dry run) and records its expiry.
#[allow(clippy::too_many_arguments)]
fn generate(
    ctx: &Context<'_>,
    client: &crate::nexus::Client,
    family: Family,
    username: &str,
    password: &Secret<String>,
    state: &mut ProfileState,
    policy: ExpiryPolicy,
    reason: &str,
    current: Option<UserToken>,
) -> Result<UserToken> {
    let ui = ctx.ui;
    if policy.dry_run {
        ui.step(&format!("{reason}: a new one would be generated"));
        return current.ok_or_else(|| {
            Error::other(
                ExitStatus::Unavailable,
                format!("{reason}; a dry run does not generate a new one"),
                Some("run `nexus-token refresh` without `--dry-run`".into()),
            )
        });
    }
    ui.step(&format!("{reason}: generating a new one"));
    let token = client.generate_token(family, username, password)?;
    match client.token_attributes(username, password) {
        Ok(attrs) => {
            state.expiration_enabled = Some(attrs.is_some_and(|a| a.expiration_enabled));
            state.expires_at_ms = attrs.and_then(|a| a.expires_at_ms);
            state.expiry_checked_at = Some(now_rfc3339());
            if let Some(at) = state.expires_at_ms {
                ui.step(&format!(
                    "the new token expires in {} day(s)",
                    days_left(at, now_ms())
                ));
            }
        }
        Err(e) => {
            state.expires_at_ms = None;
            ui.verbose(1, &format!("could not read the new token's expiry: {e}"));
        }
    }
    Ok(token)
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
    fn margins_are_described_in_days_or_hours() {
        assert_eq!(describe_ms(7 * DAY_MS), "7-day");
        assert_eq!(describe_ms(DAY_MS * 5 / 2), "60-hour");
    }
}

//! `refresh`: for every saved profile (or `--profile`), the password from the keyring, the token
//! fetched again, and the targets rewritten only when something changed. Never prompts.
//!
//! A profile whose stored password Nexus rejected is not sent to the server again until `login`
//! succeeds (lockout guard). A failing profile does not stop the others; the exit status is the
//! most serious one.

use crate::cli::RefreshArgs;
use crate::error::{Error, ExitStatus, Result};
use crate::nexus::{Family, UserToken};
use crate::profile::{Config, Profile, ProfileState, Rejected, State, fingerprint, now_rfc3339};
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

    let policy = ExpiryPolicy {
        margin_days: args.expiry_margin.unwrap_or(DEFAULT_EXPIRY_MARGIN_DAYS),
        dry_run: args.dry_run,
    };
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
        Err(Error::Nexus(e)) if e.is_rejected_login() => {
            state.rejected = Some(Rejected {
                at: now_rfc3339(),
                reason: e.to_string(),
            });
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
    /// Only say that a new token would be generated (a POST changes the server).
    pub dry_run: bool,
}

const DAY_MS: i64 = 86_400_000;

/// Whole days from `now_ms` until `expires_at_ms`, rounded down (negative once expired).
pub(super) fn days_left(expires_at_ms: i64, now_ms: i64) -> i64 {
    (expires_at_ms - now_ms).div_euclid(DAY_MS)
}

/// Now, in milliseconds since the epoch.
pub(super) fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Fetches the current token. On servers that expire tokens (Nexus 3.69+) it first reads the
/// token attributes and generates a new token (POST) when the current one has expired or will
/// within the margin; what the server told is recorded in `state`.
///
/// Requests: a server known not to expire tokens (older families, or `expirationEnabled` false
/// at the last look) costs the plain two (ticket, token); the attributes are read again only
/// when the state does not know yet, or when Nexus answers that the token expired (expiry was
/// switched on since).
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
    let mut told_expired = false;
    if state.expiration_enabled == Some(false) {
        match client.fetch_token(family, username, password) {
            Err(crate::nexus::Error::TokenExpired { .. }) => {
                ui.verbose(
                    1,
                    "Nexus says the token expired: reading its expiry settings again",
                );
                told_expired = true;
            }
            other => {
                ui.verbose(1, "the server does not expire tokens");
                return Ok(other?);
            }
        }
    }
    match client.token_attributes(username, password) {
        Ok(attrs) => {
            state.expiration_enabled = Some(attrs.is_some_and(|a| a.expiration_enabled));
            state.expires_at_ms = attrs.and_then(|a| a.expires_at_ms);
        }
        Err(e) if e.is_rejected_login() => return Err(e.into()),
        Err(e) if told_expired => ui.verbose(1, &format!("could not read the token expiry: {e}")),
        Err(e) => {
            // The token itself may still be fine: fetch it, and look again next time.
            ui.warn(&format!("could not read the token expiry: {e}"));
            return Ok(client.fetch_token(family, username, password)?);
        }
    }
    let now = now_ms();
    let margin_ms = i64::from(policy.margin_days) * DAY_MS;
    let reason = match (state.expiration_enabled, state.expires_at_ms) {
        _ if told_expired => Some("Nexus says the token has expired".to_owned()),
        (Some(true), Some(at)) if at <= now => Some("the token has expired".to_owned()),
        (Some(true), Some(at)) if at - now <= margin_ms => Some(format!(
            "the token expires in {} day(s), within the {}-day margin",
            days_left(at, now),
            policy.margin_days
        )),
        (Some(true), Some(at)) => {
            ui.step(&format!(
                "the token expires in {} day(s); a new one is generated {} day(s) before",
                days_left(at, now),
                policy.margin_days
            ));
            None
        }
        (Some(true), None) => {
            ui.verbose(
                1,
                "the server expires tokens but did not say when this one does",
            );
            None
        }
        _ => {
            ui.verbose(1, "the server does not expire tokens");
            None
        }
    };
    let Some(reason) = reason else {
        return Ok(client.fetch_token(family, username, password)?);
    };
    if policy.dry_run {
        ui.step(&format!("{reason}: a new one would be generated"));
        return Ok(client.fetch_token(family, username, password)?);
    }
    ui.step(&format!("{reason}: generating a new one"));
    let token = client.generate_token(family, username, password)?;
    match client.token_attributes(username, password) {
        Ok(Some(attrs)) => {
            state.expiration_enabled = Some(attrs.expiration_enabled);
            state.expires_at_ms = attrs.expires_at_ms;
            if let Some(at) = attrs.expires_at_ms {
                ui.step(&format!(
                    "the new token expires in {} day(s)",
                    days_left(at, now_ms())
                ));
            }
        }
        Ok(None) => state.expires_at_ms = None,
        Err(e) => {
            state.expires_at_ms = None;
            ui.verbose(1, &format!("could not read the new token's expiry: {e}"));
        }
    }
    Ok(token)
}

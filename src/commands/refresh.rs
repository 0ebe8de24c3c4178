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

    let token = match fetch(ctx, &client, family, profile, &password, state, args) {
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

/// Fetches the token; on servers that expire tokens, generates a new one when it has expired or
/// will within the margin.
fn fetch(
    ctx: &Context<'_>,
    client: &crate::nexus::Client,
    family: Family,
    profile: &Profile,
    password: &Secret<String>,
    state: &mut ProfileState,
    args: &RefreshArgs,
) -> Result<UserToken> {
    if family != Family::Nexus3 || state.expiration_enabled != Some(true) {
        return Ok(client.fetch_token(family, &profile.username, password)?);
    }
    let attrs = client.token_attributes(&profile.username, password)?;
    state.expiration_enabled = attrs.map(|a| a.expiration_enabled);
    state.expires_at_ms = attrs.and_then(|a| a.expires_at_ms);
    let margin_days = i64::from(args.expiry_margin.unwrap_or(DEFAULT_EXPIRY_MARGIN_DAYS));
    let Some(expires_at) = state
        .expires_at_ms
        .filter(|_| state.expiration_enabled == Some(true))
    else {
        return Ok(client.fetch_token(family, &profile.username, password)?);
    };
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let days_left = (expires_at - now_ms).div_euclid(86_400_000);
    if expires_at - now_ms <= margin_days * 86_400_000 {
        if args.dry_run {
            ctx.ui.step(&format!(
                "the token expires in {days_left} day(s): a new one would be generated"
            ));
            return Ok(client.fetch_token(family, &profile.username, password)?);
        }
        if expires_at <= now_ms {
            ctx.ui.step("the token has expired: generating a new one");
        } else {
            ctx.ui.step(&format!("the token expires in {days_left} day(s), within the {margin_days}-day margin: generating a new one"));
        }
        let token = client.generate_token(family, &profile.username, password)?;
        if let Ok(Some(attrs)) = client.token_attributes(&profile.username, password) {
            state.expires_at_ms = attrs.expires_at_ms;
        }
        return Ok(token);
    }
    ctx.ui
        .step(&format!("the token expires in {days_left} day(s)"));
    Ok(client.fetch_token(family, &profile.username, password)?)
}

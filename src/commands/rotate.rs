//! `rotate`: resets the token on the server (DELETE with a fresh ticket), fetches the new one and
//! rewrites every target of the profile: what to do when a token leaked.

use crate::cli::RotateArgs;
use crate::error::{ExitStatus, Result};
use crate::nexus::Family;
use crate::profile::{State, fingerprint, now_rfc3339};
use crate::targets::{self, TokenValues, WriteOptions};

use super::{Context, active_profile, client_for, family_for, profile_password, report_files};

pub(super) fn run(ctx: &Context<'_>, args: &RotateArgs) -> Result<ExitStatus> {
    let ui = ctx.ui;
    let name = args.profile.as_str();
    let (profile, mut ps) =
        active_profile(ctx, name, "run `nexus-token login --profile NAME` first")?;
    let profile = &profile;
    let password = profile_password(ctx, name, profile, args.password_stdin, &mut None)?;
    let client = client_for(ctx, profile)?;
    let (family, _) = family_for(ctx, &client, profile.api, ps.family)?;

    let result = client
        .reset_token(family, &profile.username, &password)
        .and_then(|()| client.fetch_token(family, &profile.username, &password));
    let token = match result {
        Ok(token) => token,
        Err(e) => {
            if ps.note_rejection(&e) {
                State::update_profile(&ctx.state_path, name, &ps)?;
            }
            return Err(e.into());
        }
    };
    ui.step(&format!(
        "reset the user token of `{}` on {}: the old token no longer works",
        profile.username, profile.url
    ));
    ps.family = Some(family);
    ps.last_attempt = Some(now_rfc3339());
    ps.token_created = token.created.clone();
    ps.token_fingerprint = Some(fingerprint(&token.name_code, token.pass_code.expose()));
    if family == Family::Nexus3 && ps.expiration_enabled != Some(false) {
        match client.token_attributes(&profile.username, &password) {
            Ok(attrs) => {
                ps.expiration_enabled = Some(attrs.is_some_and(|a| a.expiration_enabled));
                ps.expires_at_ms = attrs.and_then(|a| a.expires_at_ms);
                ps.expiry_checked_at = Some(now_rfc3339());
            }
            Err(e) => ui.verbose(1, &format!("could not read the new token's expiry: {e}")),
        }
    } else if family != Family::Nexus3 {
        ps.expiration_enabled = Some(false);
        ps.expires_at_ms = None;
    }
    let values = TokenValues {
        name_code: &token.name_code,
        pass_code: &token.pass_code,
    };
    let reports = match targets::write_token(profile, ctx.env, &values, WriteOptions::default()) {
        Ok(reports) => reports,
        Err(e) => {
            // The server already has the new token: record it, so `status` and `doctor` show
            // the targets as stale, and say how to finish.
            ps.last_error = Some(e.to_string());
            State::update_profile(&ctx.state_path, name, &ps)?;
            ui.warn(&format!(
                "the targets still hold the old token, which no longer works; fix the file, then run `nexus-token refresh --profile {name}`"
            ));
            return Err(e);
        }
    };
    report_files(ui, &reports, false);
    ps.last_success = ps.last_attempt.clone();
    ps.last_error = None;
    State::update_profile(&ctx.state_path, name, &ps)?;
    ui.step("every target now holds the new token; other machines using the old token need `nexus-token refresh`");
    Ok(ExitStatus::Success)
}

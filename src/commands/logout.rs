//! `logout`: deletes the stored password and the profile (and its state); with
//! `--remove-credentials` also the token values in the targets. The token itself stays valid on
//! the server until it is reset (`rotate`, or in the Nexus UI): we say so. A password another
//! profile (same URL and user) still uses stays in the keyring.

use crate::cli::LogoutArgs;
use crate::error::{ExitStatus, Result};
use crate::profile::{Config, State};
use crate::session;
use crate::store::service_name;
use crate::targets;

use super::{Context, keyring_entry_shared, report_files};

pub(super) fn run(ctx: &Context<'_>, args: &LogoutArgs) -> Result<ExitStatus> {
    let ui = ctx.ui;
    let config = Config::load(&ctx.config_path)?;
    let Some(profile) = config.profiles.get(&args.profile).cloned() else {
        return Err(session::no_profile(
            &args.profile,
            "see `nexus-token status` for the saved profiles",
        ));
    };
    if args.remove_credentials {
        // The recorded fingerprint: a netrc block is removed only when it holds our token.
        let state = State::load(&ctx.state_path)?;
        let expected = state
            .profiles
            .get(&args.profile)
            .and_then(|s| s.token_fingerprint.as_deref());
        // Only what this profile owns: a target another profile lists first is left to it.
        let owned = targets::owners::writable(&config, ctx.env, ui, &args.profile, &profile);
        let in_use = side_files_in_use(ctx, &config, &args.profile);
        let reports = targets::remove_token(&owned, expected, &in_use)?;
        report_files(ui, &reports, false);
    }
    if profile.keyring {
        let service = service_name(&profile.url);
        let shared = keyring_entry_shared(&config, &args.profile, &profile.url, &profile.username);
        if !shared && session::forget_cached_token(ctx, &profile)? {
            ui.verbose(1, "deleted the cached token from the keyring");
        }
        if shared {
            ui.step(&format!(
                "kept the stored password of `{}`: another profile for {} uses it",
                profile.username, profile.url
            ));
        } else if ctx.store()?.delete(&service, &profile.username)? {
            ui.step(&format!(
                "deleted the stored {} of `{}`",
                if profile.imported {
                    "token"
                } else {
                    "password"
                },
                profile.username
            ));
        } else {
            ui.step("no password was stored in the keyring");
        }
    }
    Config::update_profile(&ctx.config_path, &args.profile, None)?;
    State::remove_profile(&ctx.state_path, &args.profile)?;
    ui.step(&format!("removed profile `{}`", args.profile));
    if !args.remove_credentials {
        ui.step("the token is still in the target files; `--remove-credentials` removes it");
    }
    if profile.imported {
        ui.step(&format!(
            "the token itself stays valid on the server until it is reset in the Nexus UI ({})",
            crate::imported::ui_page(&profile.url, profile.api)
        ));
    } else {
        ui.step(&format!(
            "the token itself stays valid on the server until it is reset: `nexus-token rotate` before logout, or reset it in the Nexus UI ({})",
            profile.url
        ));
    }
    Ok(ExitStatus::Success)
}

/// The helper links and wrappers that the other profiles use (of this profiles file, and of the
/// default one when this is another): logout keeps them. The shared Docker helper link is one.
fn side_files_in_use(ctx: &Context<'_>, config: &Config, leaving: &str) -> Vec<std::path::PathBuf> {
    let mut in_use = Vec::new();
    for (name, profile) in config.profiles.iter().filter(|(n, _)| *n != leaving) {
        in_use.extend(targets::side_file_paths(&targets::resolve(
            name, profile, ctx.env,
        )));
    }
    let default = ctx.env.config_file(None);
    if crate::profile::served_config(&ctx.config_path, ctx.env).is_some()
        && let Ok(other) = Config::load(&default)
    {
        for (name, profile) in &other.profiles {
            in_use.extend(targets::side_file_paths(&targets::resolve(
                name, profile, ctx.env,
            )));
        }
    }
    in_use
}

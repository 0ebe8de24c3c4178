//! `refresh`: for every saved profile (or `--profile`), the password from the keyring, the token
//! fetched again through the shared flow ([`crate::session`]), and the targets rewritten only
//! when something changed. Never prompts.
//!
//! A profile whose stored password Nexus rejected is not sent to the server again until `login`
//! succeeds (lockout guard). A failing profile does not stop the others; the exit status is the
//! most serious one.

use crate::cli::RefreshArgs;
use crate::error::{Error, ExitStatus, Result};
use crate::expiry::ExpiryPolicy;
use crate::profile::{Config, State, now};
use crate::secret::Secret;
use crate::session::{self, Session};
use crate::targets::{self, TokenValues, WriteOptions};

use super::{Context, read_password, report_files};

pub(super) fn run(ctx: &Context<'_>, args: &RefreshArgs) -> Result<ExitStatus> {
    let config = Config::load(&ctx.config_path)?;
    if config.profiles.is_empty() {
        return Err(Error::usage(
            format!("no saved profile in `{}`", ctx.config_path.display()),
            Some("run `nexus-token login` first".into()),
        ));
    }
    let names: Vec<String> = if args.profiles.is_empty() {
        config.profiles.keys().cloned().collect()
    } else {
        let saved = config
            .profiles
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        for name in &args.profiles {
            if !config.profiles.contains_key(name) {
                return Err(session::no_profile(
                    name,
                    &format!("saved profiles: {saved}"),
                ));
            }
        }
        args.profiles.clone()
    };

    // One password on standard input belongs to one server and user: refuse it for a
    // selection that spans several, instead of sending it everywhere.
    let stdin_password = if args.password_stdin {
        let mut accounts: Vec<(&str, &str)> = names
            .iter()
            .map(|n| {
                (
                    config.profiles[n].url.as_str(),
                    config.profiles[n].username.as_str(),
                )
            })
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        if accounts.len() > 1 {
            return Err(Error::usage(
                format!(
                    "`--password-stdin` gives one password, but the selected profiles ({}) use {} different servers or users",
                    names.join(", "),
                    accounts.len()
                ),
                Some("refresh one profile at a time: `nexus-token refresh --profile NAME --password-stdin`".into()),
            ));
        }
        Some(read_password(ctx, true, false, accounts[0].1)?)
    } else {
        None
    };

    let mut worst = ExitStatus::Success;
    for name in &names {
        let result = refresh_one(ctx, name, args, stdin_password.as_ref());
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
    args: &RefreshArgs,
    stdin_password: Option<&Secret<String>>,
) -> Result<()> {
    let mut session = match Session::open(ctx, name, "run `nexus-token login` first") {
        Ok(session) => session,
        Err(error) => {
            // Detection or the client failed: still say so in the state (status shows it).
            if !args.dry_run && !matches!(error.exit_status(), ExitStatus::Rejected) {
                let mut state = State::load(&ctx.state_path)?
                    .profiles
                    .remove(name)
                    .unwrap_or_default();
                state.last_attempt = Some(now());
                state.last_error = Some(error.to_string());
                State::update_profile(&ctx.state_path, name, &state)?;
            }
            return Err(error);
        }
    };
    let result = refresh_session(ctx, &mut session, args, stdin_password);
    session.state.last_attempt = Some(now());
    match &result {
        Ok(()) => session.state.last_error = None,
        Err(e) => session.state.last_error = Some(e.to_string()),
    }
    if !args.dry_run {
        // The state of a failed run too: status shows the error, and the family detected.
        if let Err(save) = session.save() {
            return result.and(Err(save));
        }
    }
    result
}

fn refresh_session(
    ctx: &Context<'_>,
    session: &mut Session<'_, '_>,
    args: &RefreshArgs,
    stdin_password: Option<&Secret<String>>,
) -> Result<()> {
    if !session.profile.imported {
        match stdin_password {
            Some(password) => session.use_password(password.clone()),
            None => session.use_keyring_password()?,
        }
    }
    // Every file must be editable before Nexus is asked (as `login` and `rotate` do).
    let config = Config::load(&ctx.config_path)?;
    let targets =
        targets::owners::writable(&config, ctx.env, ctx.ui, &session.name, &session.profile);
    if !targets.is_empty() {
        // (A profile whose every target another profile writes has nothing to check.)
        targets::preflight(&targets)?;
    }
    let token = if session.profile.imported {
        // A pasted token: checked (which re-reads its expiry), never fetched.
        crate::imported::refresh_token(ctx, session, stdin_password.is_some())?
    } else {
        let policy = ExpiryPolicy::from_flag(args.expiry_margin, args.dry_run);
        session.current_token(policy)?
    };
    let values = TokenValues {
        name_code: &token.name_code,
        pass_code: &token.pass_code,
    };
    let options = WriteOptions {
        dry_run: args.dry_run,
        force: args.force,
    };
    let written = targets::write_token(&targets, ctx.env, &values, options);
    if !args.dry_run {
        // The token Nexus answered is the current one, written or not: record it (status then
        // shows the files that do not hold it) and cache it, so that served clients never get
        // a token the server no longer has. The expiry read with it belongs to the same token.
        session.record(&token);
        session.cache(&token);
    }
    let reports = written?;
    report_files(ctx.ui, &reports, args.dry_run);
    if args.dry_run {
        return Ok(());
    }
    let changed: usize = reports.iter().map(|r| r.changed.len()).sum();
    let name = &session.name;
    if changed == 0 && session.profile.env_refs {
        ctx.ui.step(&format!(
            "profile `{name}`: the files refer to the environment; the token cache holds the current token"
        ));
    } else if changed == 0 {
        ctx.ui.step(&format!(
            "profile `{name}`: token unchanged, files already up to date"
        ));
    } else {
        ctx.ui.step(&format!(
            "profile `{name}`: wrote the new token ({})",
            crate::ui::count(changed, "value")
        ));
    }
    Ok(())
}

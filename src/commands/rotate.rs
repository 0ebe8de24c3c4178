//! `rotate`: resets the token on the server (DELETE with a fresh ticket), fetches the new one and
//! rewrites every target of the profile: what to do when a token leaked.

use crate::cli::RotateArgs;
use crate::error::{Error, ExitStatus, Result};
use crate::profile::now;
use crate::session::Session;
use crate::targets::{self, TokenValues, WriteOptions};

use super::{Context, read_password, report_files};

pub(super) fn run(ctx: &Context<'_>, args: &RotateArgs) -> Result<ExitStatus> {
    let ui = ctx.ui;
    let name = args.profile.as_str();
    crate::imported::refuse_rotate(ctx, name)?;
    let mut session = Session::open(ctx, name, "run `nexus-token login --profile NAME` first")?;
    if args.password_stdin {
        let password = read_password(ctx, true, false, &session.profile.username)?;
        session.use_password(password);
    } else {
        session.use_keyring_password()?;
    }
    let config = crate::profile::Config::load(&ctx.config_path)?;
    let targets = targets::owners::writable(&config, ctx.env, ui, &session.name, &session.profile);
    // Every file must be editable before the old token is destroyed on the server.
    targets::preflight(&targets)?;
    let token = session.rotate_token()?;
    ui.step(&format!(
        "reset the user token of `{}` on {}: the old token no longer works",
        session.profile.username, session.profile.url
    ));
    session.state.last_attempt = Some(now());
    // The server has the new token now, whatever happens to the files: record it, so that
    // `status` and `doctor` show which targets are stale.
    session.record(&token);
    session.cache(&token);
    let values = TokenValues {
        name_code: &token.name_code,
        pass_code: &token.pass_code,
    };
    let reports = match targets::write_token(&targets, ctx.env, &values, WriteOptions::default()) {
        Ok(reports) => reports,
        Err(e) => {
            session.state.last_error = Some(e.to_string());
            session.save()?;
            let stale = match &e {
                Error::Partial { not_updated, .. } => not_updated
                    .iter()
                    .map(|p| format!("`{}`", p.display()))
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => "the targets".to_owned(),
            };
            ui.warn(&format!(
                "{stale} still hold(s) the old token, which no longer works; fix the file, then run `nexus-token refresh --profile {name}`"
            ));
            return Err(e);
        }
    };
    report_files(ui, &reports, false);
    session.save()?;
    ui.step("every target now holds the new token; other machines using the old token need `nexus-token refresh`");
    Ok(ExitStatus::Success)
}

//! One file per subcommand; this file dispatches and holds what several commands share: getting
//! the password and reporting file changes. The [`Context`] (environment, terminal, config paths,
//! keyring) and the client builder live under `session` (`session/context.rs`). A command's file decides the order of steps and
//! prints only through `ui`.

mod completions;
pub mod credential_helper;
#[cfg(feature = "demo")]
mod demo;
mod doctor;
#[cfg(feature = "demo")]
mod emulator;
mod exec;
mod goauth;
mod login;
mod logout;
mod refresh;
mod rotate;
mod schedule;
mod status;
mod token;

use crate::cli::{Cli, Command};
use crate::env::Env;
use crate::error::{Error, ExitStatus, Result};
use crate::nexus;
use crate::secret::Secret;
use crate::targets::FileReport;
use crate::ui::Ui;

pub(crate) use crate::session::context::read_keyring_password;
pub use crate::session::context::{Context, StoreOpener};

/// Runs the parsed command line on the real OS keyring.
pub fn run(cli: Cli, env: &Env, ui: &Ui) -> Result<ExitStatus> {
    let ctx = Context::new(&cli.global, env, ui);
    run_in(&ctx, cli.command)
}

/// Runs one command in a given context.
pub fn run_in(ctx: &Context<'_>, command: Command) -> Result<ExitStatus> {
    #[cfg(feature = "demo")]
    let needs_home = !matches!(command, Command::Demo(_) | Command::Emulator(_));
    #[cfg(not(feature = "demo"))]
    let needs_home = true;
    prepare(ctx, needs_home)?;
    match command {
        Command::Login(args) => login::run(ctx, &args),
        Command::Refresh(args) => refresh::run(ctx, &args),
        Command::Status(args) => status::run(ctx, &args),
        Command::Token(args) => token::run(ctx, &args),
        Command::Logout(args) => logout::run(ctx, &args),
        Command::Rotate(args) => rotate::run(ctx, &args),
        Command::Schedule(args) => {
            schedule::run(&args, ctx.explicit_config.as_deref(), ctx.env, ctx.ui)
        }
        Command::Doctor(args) => doctor::run(ctx, &args),
        Command::Exec(args) => exec::run(ctx, &args),
        Command::Goauth(args) => goauth::run(ctx, &args),
        #[cfg(feature = "demo")]
        Command::Demo(args) => demo::run(ctx, &args),
        Command::Completions(args) => completions::run(&args, ctx.ui),
        Command::Manpages(args) => completions::write_manpages(&args, ctx.ui),
        #[cfg(feature = "demo")]
        Command::Emulator(args) => emulator::run(&args, ctx.ui),
        Command::DockerCredentialHelper(args) => credential_helper::run(ctx, &args),
    }
}

/// What every run checks first (every command, the Docker helper included): the lock and
/// keyring timeouts from the environment, and a home to write below.
fn prepare(ctx: &Context<'_>, needs_home: bool) -> Result<()> {
    match ctx.env.lock_timeout() {
        Ok(Some(timeout)) => crate::fs::set_lock_timeout(timeout),
        Ok(None) => {}
        Err(message) => {
            return Err(Error::usage(
                message,
                Some(
                    "unset it, or give whole seconds such as `NEXUS_TOKEN_LOCK_TIMEOUT=30`".into(),
                ),
            ));
        }
    }
    if let Err(message) = ctx.env.keyring_timeout() {
        return Err(Error::usage(
            message,
            Some("unset it, or give whole seconds such as `NEXUS_TOKEN_KEYRING_TIMEOUT=10`".into()),
        ));
    }
    if needs_home && !ctx.env.home_known {
        return Err(Error::usage(
            "no home directory: `HOME` is unset, empty or not an absolute path",
            Some("set `HOME` to your home directory (e.g. `export HOME=/home/you`); nexus-token will not write credentials below the current directory".into()),
        ));
    }
    Ok(())
}

/// Normalises a base URL: http(s) only, no userinfo, no query, no trailing slash.
pub(crate) fn normalize_url(raw: &str) -> Result<String> {
    Ok(nexus::normalize_base_url(raw)?)
}

/// Where the password comes from for commands that may read it.
pub(crate) fn read_password(
    ctx: &Context<'_>,
    password_stdin: bool,
    prompt_allowed: bool,
    username: &str,
) -> Result<Secret<String>> {
    if let Some(given) = &ctx.given_password {
        return Ok(given.clone());
    }
    let password = if password_stdin {
        crate::ui::read_password(std::io::stdin().lock()).map_err(|e| {
            Error::other(
                ExitStatus::Failure,
                format!("cannot read the password from standard input: {e}"),
                None,
            )
        })?
    } else if prompt_allowed && ctx.env.stdin_is_terminal {
        ctx.ui
            .prompt_password(&format!("Nexus password for {username}: "))
            .map_err(|e| {
                Error::other(
                    ExitStatus::Failure,
                    format!("cannot read the password from the terminal: {e}"),
                    None,
                )
            })?
    } else {
        return Err(Error::usage(
            "no password source: standard input is not a terminal",
            Some("pipe the password in with `--password-stdin`, e.g. `printf '%s\\n' \"$PASS\" | nexus-token login --password-stdin ...`".into()),
        ));
    };
    if password.expose().is_empty() {
        return Err(Error::usage(
            "the password is empty",
            Some("give the password on the first line of standard input".into()),
        ));
    }
    Ok(password)
}

/// Whether another saved profile than `name` keeps its password in the same keyring entry
/// (same URL and user): then `login --no-keyring` and `logout` must leave that entry alone.
pub(crate) fn keyring_entry_shared(
    config: &crate::profile::Config,
    name: &str,
    url: &str,
    username: &str,
) -> bool {
    config
        .profiles
        .iter()
        .any(|(other, p)| other != name && p.keyring && p.url == url && p.username == username)
}

/// Prints what happened to each file, by id/key name only.
pub(crate) fn report_files(ui: &Ui, reports: &[FileReport], dry_run: bool) {
    for report in reports {
        for warning in &report.warnings {
            ui.warn(warning);
        }
        let path = report.path.display();
        let names = report.changed.join(", ");
        match (dry_run, report.outcome, report.changed.is_empty()) {
            (true, _, true) => ui.step(&format!("would leave `{path}` unchanged")),
            (true, _, false) if std::fs::symlink_metadata(&report.path).is_err() => {
                ui.step(&format!("would create `{path}`: {names}"))
            }
            (true, _, false) => ui.step(&format!("would update `{path}`: {names}")),
            (false, Some(crate::fs::Outcome::Created), _) => {
                ui.step(&format!("created `{path}`: {names}"))
            }
            (false, Some(crate::fs::Outcome::Written), true) => {
                ui.step(&format!("rewrote `{path}` (unchanged, --force)"))
            }
            (false, Some(crate::fs::Outcome::Written), false) => {
                ui.step(&format!("updated `{path}`: {names}"))
            }
            (false, Some(crate::fs::Outcome::Removed), _) => {
                ui.step(&format!("deleted `{path}`: {names}"))
            }
            (false, _, _) => ui.verbose(1, &format!("`{path}` already holds the token")),
        }
    }
}

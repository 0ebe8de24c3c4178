//! `exec`: runs the user's command with the profile's token in its environment, for files that
//! refer to it (`login --env-refs`: settings.xml `${env.…}`, npmrc and .yarnrc.yml `${…}`,
//! Gradle's `ORG_GRADLE_PROJECT_*`), the way `op run` or `aws-vault exec` hand out their secrets.
//!
//! The token comes like `token`'s, through [`session::serve_token`] (the token cache in the
//! keyring while it is current, so no request; never a prompt). The variables are those of
//! [`crate::env_refs::variables`], nothing else is changed in the environment. On Unix the
//! process then becomes the command (`execvp`), so its exit status and signals are the caller's;
//! elsewhere the command runs as a child whose exit code is passed on. A command that cannot be
//! started exits 127 (not found) or 126 (found, not runnable), as shells do.

use std::ffi::OsStr;
use std::process::Command;

use crate::cli::ExecArgs;
use crate::error::{Error, ExitStatus, Result};
use crate::profile::Config;
use crate::{env_refs, session};

use super::Context;

pub(super) fn run(ctx: &Context<'_>, args: &ExecArgs) -> Result<ExitStatus> {
    let Some((program, rest)) = args.command.split_first() else {
        return Err(Error::usage(
            "no command to run",
            Some("give it after `--`, e.g. `nexus-token exec -- mvn deploy`".into()),
        ));
    };
    let config = Config::load(&ctx.config_path)?;
    let Some(profile) = config.profiles.get(&args.profile) else {
        return Err(session::no_profile(
            &args.profile,
            "run `nexus-token login --env-refs` first (see docs/usage.md, \"References to the environment\")",
        ));
    };
    let token = session::serve_token(ctx, &args.profile, false, None)?;
    let vars = env_refs::variables(profile, &token);
    drop(token);
    ctx.ui.verbose(
        1,
        &format!(
            "running `{}` with {} set",
            program.to_string_lossy(),
            vars.iter()
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    let mut cmd = Command::new(program);
    cmd.args(rest);
    for (name, value) in &vars {
        cmd.env(name, value.expose());
    }
    if ctx.env.var("DBUS_SESSION_BUS_ADDRESS").is_none() {
        // Set by `store::prepare_process_env` for the keyring, not by the caller.
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    }
    drop(vars);
    replace(cmd, program)
}

/// Unix: this process becomes the command. Returns only when it could not be started.
#[cfg(unix)]
fn replace(mut cmd: Command, program: &OsStr) -> Result<ExitStatus> {
    use std::os::unix::process::CommandExt as _;
    crate::secret::release_process();
    let error = cmd.exec();
    crate::secret::harden_process();
    Err(not_started(program, &error))
}

/// Elsewhere: the command runs as a child; its exit code becomes ours.
#[cfg(not(unix))]
fn replace(mut cmd: Command, program: &OsStr) -> Result<ExitStatus> {
    let status = cmd.status().map_err(|e| not_started(program, &e))?;
    drop(cmd);
    // Exit codes on Windows are 32 bits (e.g. 0xC000013A after Ctrl+C): pass them on whole.
    std::process::exit(status.code().unwrap_or(1))
}

/// The error for a command that could not be started, with the shell's exit code.
fn not_started(program: &OsStr, error: &std::io::Error) -> Error {
    let shown = program.to_string_lossy();
    match error.kind() {
        std::io::ErrorKind::NotFound => Error::other(
            ExitStatus::NotFound,
            format!("cannot run `{shown}`: command not found"),
            Some("check the name and PATH; the command goes after `--`, e.g. `nexus-token exec -- mvn deploy`".into()),
        ),
        std::io::ErrorKind::PermissionDenied => Error::other(
            ExitStatus::CannotRun,
            format!("cannot run `{shown}`: permission denied"),
            Some(format!(
                "make it executable (`chmod +x {shown}`) or run it through its interpreter, e.g. `nexus-token exec -- sh {shown}`"
            )),
        ),
        _ => Error::other(
            ExitStatus::CannotRun,
            format!("cannot run `{shown}`: {error}"),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_that_cannot_start_gets_the_shell_exit_codes() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        let e = not_started(OsStr::new("no-such-tool"), &missing);
        assert_eq!(e.exit_status().code(), 127, "{e}");
        assert!(e.to_string().contains("no-such-tool"), "{e}");
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(
            not_started(OsStr::new("./x"), &denied).exit_status().code(),
            126
        );
        let other = std::io::Error::other("exec format error");
        assert_eq!(
            not_started(OsStr::new("./x"), &other).exit_status().code(),
            126
        );
    }
}

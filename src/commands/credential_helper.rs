//! `docker-credential-nexus-token`: the same binary under Docker's helper name (a link made by
//! `login --docker-registry`). `main` dispatches here on `argv[0]`, before clap, since Docker
//! passes only the action (`get`, `list`, `store`, `erase`) and the server on stdin.
//!
//! This file owns the I/O of a helper call: the action argument, reading stdin to its end for
//! the actions that read it, and printing the reply through `ui`. The protocol itself is pure
//! (`targets::docker::helper`). It never prompts and never waits for input it did not ask for.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::Context;
use crate::cli::{Cli, Command, DockerHelperArgs, GlobalArgs};
use crate::env::Env;
use crate::error::{ExitStatus, Result};
use crate::profile::Config;
use crate::session;
use crate::targets::docker::helper::{self, HelperCredentials, PROGRAM};
use crate::ui::Ui;

/// Whether the process was started under the helper's name (the file name of `argv[0]`).
pub fn invoked_as_docker_helper(argv0: &OsString) -> bool {
    let name = Path::new(argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name.strip_suffix(".exe").unwrap_or(&name);
    name == PROGRAM
}

/// The saved profiles' Docker registries, as `(registry key, profile name)`, in the order of
/// the profiles file (the first profile that lists a registry owns it).
fn served_hosts(ctx: &Context<'_>) -> Result<Vec<(String, String)>> {
    let config = Config::load(&ctx.config_path)?;
    Ok(config
        .in_file_order()
        .flat_map(|(name, p)| {
            p.targets
                .docker
                .registries
                .iter()
                .filter_map(|h| helper::normalize_server(h))
                .map(move |h| (h, name.to_owned()))
        })
        .collect())
}

/// `list`'s entries: each served registry with the nameCode in the profile's token cache (its
/// Nexus username when the cache has none or cannot be read). Asks Nexus nothing.
fn list_entries(ctx: &Context<'_>) -> Result<Vec<(String, String)>> {
    let config = Config::load(&ctx.config_path)?;
    Ok(served_hosts(ctx)?
        .into_iter()
        .filter_map(|(host, name)| {
            let profile = config.profiles.get(&name)?;
            let cached = if profile.keyring {
                session::peek_cached(ctx, profile).ok().flatten()
            } else {
                None
            };
            let user = cached.map_or_else(|| profile.username.clone(), |(t, _)| t.name_code);
            Some((host, user))
        })
        .collect())
}

/// The token for a registry key (`host[:port]`) from the profile that serves it (the first in
/// the profiles file when several do), exactly as `token --profile NAME` answers; `None` when no profile
/// serves the host.
fn lookup(ctx: &Context<'_>, host: &str) -> Result<Option<HelperCredentials>> {
    let Some((_, name)) = served_hosts(ctx)?.into_iter().find(|(h, _)| h == host) else {
        return Ok(None);
    };
    let token = session::serve_token(ctx, &name, false, None)?;
    Ok(Some(HelperCredentials {
        username: token.name_code,
        secret: token.pass_code,
    }))
}

/// Runs one helper call; `args` is the whole command line (`argv[0]` first). Returns the exit
/// code. The call goes through [`super::run`] (the checks every command makes: lock and
/// keyring timeouts, a home) as the hidden command `docker-credential-helper ACTION`.
pub fn run_docker_helper(args: &[OsString], env: &Env, ui: &Ui) -> u8 {
    let Some(action) = args.get(1).filter(|_| args.len() == 2) else {
        ui.data(&helper::usage());
        return 1;
    };
    let cli = Cli {
        global: GlobalArgs {
            config: env.var("NEXUS_TOKEN_CONFIG").map(PathBuf::from),
            ..GlobalArgs::default()
        },
        command: Command::DockerCredentialHelper(DockerHelperArgs {
            action: action.to_string_lossy().into_owned(),
        }),
    };
    match super::run(cli, env, ui) {
        Ok(status) => status.code(),
        Err(error) => {
            ui.error_line(&error);
            error.exit_status().code()
        }
    }
}

/// The helper call itself: reads stdin to its end for the actions that read it, answers, and
/// prints the reply. Its exit code is the reply's (0 or 1).
pub(super) fn run(ctx: &Context<'_>, args: &DockerHelperArgs) -> Result<ExitStatus> {
    let action = args.action.as_str();
    let ui = ctx.ui;
    let mut stdin = Vec::new();
    if helper::reads_stdin(action) {
        // Docker closes stdin after writing the server; skopeo writes no newline.
        if let Err(e) = std::io::stdin()
            .lock()
            .take(64 * 1024)
            .read_to_end(&mut stdin)
        {
            ui.data(&format!("cannot read standard input: {e}"));
            return Ok(ExitStatus::Failure);
        }
    }
    let hosts = match action {
        "list" => list_entries(ctx)?,
        _ => Vec::new(),
    };
    let reply = helper::answer(action, &stdin, &hosts, &|host: &str| lookup(ctx, host))?;
    let text = String::from_utf8_lossy(reply.stdout.expose());
    if !text.is_empty() {
        ui.data(&text);
    }
    Ok(if reply.code == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_helper_name_is_recognised_with_any_folder() {
        for name in [
            "docker-credential-nexus-token",
            "/usr/local/bin/docker-credential-nexus-token",
            "C:\\bin\\docker-credential-nexus-token.exe",
        ] {
            let name = name.replace('\\', std::path::MAIN_SEPARATOR_STR);
            assert!(
                invoked_as_docker_helper(&OsString::from(&name)),
                "{name} is the helper"
            );
        }
        assert!(!invoked_as_docker_helper(&OsString::from(
            "/usr/bin/nexus-token"
        )));
    }

    #[test]
    fn without_profiles_list_is_empty_and_a_missing_action_fails() {
        // A home of its own: the machine's temporary folder may hold anyone's profiles.
        let home = tempfile::tempdir().unwrap();
        let env = Env::sandboxed(home.path());
        let (ui, out) = Ui::capture(0);
        // `list` does not read stdin; `get` is covered by the binary test (tests/served_real.rs).
        let code = run_docker_helper(&[PROGRAM.into(), "list".into()], &env, &ui);
        assert_eq!(
            (code, out.stdout()),
            (0, "{}\n".to_owned()),
            "no saved profile serves a registry"
        );
        let code = run_docker_helper(&[PROGRAM.into()], &env, &ui);
        assert_eq!(code, 1, "a missing action fails as Docker's helpers do");
    }
}

//! One file per subcommand; this file dispatches and holds what several commands share: the
//! [`Context`] (environment, terminal, config paths, keyring), building the Nexus client, getting
//! the password, and reporting file changes. A command's file decides the order of steps and
//! prints only through `ui`.

mod completions;
pub mod credential_helper;
#[cfg(feature = "demo")]
mod demo;
mod doctor;
#[cfg(feature = "demo")]
mod emulator;
mod goauth;
mod login;
mod logout;
mod refresh;
mod rotate;
mod schedule;
mod status;
mod token;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::env::Env;
use crate::error::{Error, ExitStatus, Result};
use crate::nexus::{self, Client, ClientConfig};
use crate::profile::Profile;
use crate::secret::Secret;
use crate::store::{self, SecretStore};
use crate::targets::FileReport;
use crate::ui::Ui;

/// Opens the secret store on first use.
pub type StoreOpener =
    Box<dyn Fn(&Env) -> std::result::Result<Box<dyn SecretStore>, store::Error> + Send + Sync>;

/// Everything a command needs from outside: passed in, so the demo and tests can substitute
/// the keyring and the home without switches in the shipped code paths.
pub struct Context<'a> {
    /// Paths and variables.
    pub env: &'a Env,
    /// The terminal.
    pub ui: &'a Ui,
    /// The profiles file.
    pub config_path: PathBuf,
    /// The run-state file.
    pub state_path: PathBuf,
    /// Whether `--config` was given (the schedule then passes it on).
    pub explicit_config: Option<PathBuf>,
    open_store: StoreOpener,
    store: Mutex<Option<Arc<dyn SecretStore>>>,
    /// A password given by the caller instead of stdin or a prompt (the demo).
    pub given_password: Option<Secret<String>>,
}

impl<'a> Context<'a> {
    /// A context on the real OS keyring.
    pub fn new(global: &GlobalArgs, env: &'a Env, ui: &'a Ui) -> Context<'a> {
        Context::with_store(
            global,
            env,
            ui,
            Box::new(|env| store::OsStore::new(env).map(|s| Box::new(s) as Box<dyn SecretStore>)),
        )
    }

    /// A context with another secret store.
    pub fn with_store(
        global: &GlobalArgs,
        env: &'a Env,
        ui: &'a Ui,
        open_store: StoreOpener,
    ) -> Context<'a> {
        let explicit = global.config.clone();
        Context {
            env,
            ui,
            config_path: env.config_file(explicit.as_deref()),
            state_path: env.state_file(explicit.as_deref()),
            explicit_config: explicit,
            open_store,
            store: Mutex::new(None),
            given_password: None,
        }
    }

    /// The secret store, opened on first use.
    pub fn store(&self) -> Result<Arc<dyn SecretStore>> {
        let mut slot = self.store.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let store: Arc<dyn SecretStore> = Arc::from((self.open_store)(self.env)?);
        *slot = Some(store.clone());
        Ok(store)
    }
}

/// Runs the parsed command line on the real OS keyring.
pub fn run(cli: Cli, env: &Env, ui: &Ui) -> Result<ExitStatus> {
    // A served config names a non-default profiles file: `--config` reaches the targets as the
    // variable it stands for.
    let with_config;
    let env = match &cli.global.config {
        Some(config) => {
            with_config = env
                .clone()
                .with_var("NEXUS_TOKEN_CONFIG", &config.to_string_lossy());
            &with_config
        }
        None => env,
    };
    let ctx = Context::new(&cli.global, env, ui);
    run_in(&ctx, cli.command)
}

/// Runs one command in a given context.
pub fn run_in(ctx: &Context<'_>, command: Command) -> Result<ExitStatus> {
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
    #[cfg(feature = "demo")]
    let needs_home = !matches!(command, Command::Demo(_) | Command::Emulator(_));
    #[cfg(not(feature = "demo"))]
    let needs_home = true;
    if needs_home && !ctx.env.home_known {
        return Err(Error::usage(
            "no home directory: `HOME` is unset, empty or not an absolute path",
            Some("set `HOME` to your home directory (e.g. `export HOME=/home/you`); nexus-token will not write credentials below the current directory".into()),
        ));
    }
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
        Command::Goauth(args) => goauth::run(ctx, &args),
        #[cfg(feature = "demo")]
        Command::Demo(args) => demo::run(ctx, &args),
        Command::Completions(args) => completions::run(&args, ctx.ui),
        Command::Manpages(args) => completions::write_manpages(&args, ctx.ui),
        #[cfg(feature = "demo")]
        Command::Emulator(args) => emulator::run(&args, ctx.ui),
    }
}

/// Normalises a base URL: http(s) only, no userinfo, no query, no trailing slash.
pub(crate) fn normalize_url(raw: &str) -> Result<String> {
    Ok(nexus::normalize_base_url(raw)?)
}

/// The one client builder: a profile's timeouts and CA, `-v` tracing, and the insecure-http
/// warning. `token --url` builds a transient profile and comes here too.
pub(crate) fn client_for(ctx: &Context<'_>, profile: &Profile) -> Result<Client> {
    let mut config = ClientConfig::new(profile.url.clone());
    if let Some(secs) = profile.connect_timeout {
        config.connect_timeout = Duration::from_secs(secs);
    }
    if let Some(secs) = profile.timeout {
        config.timeout = Duration::from_secs(secs);
    }
    config.ca_cert = profile.ca_cert.clone();
    let ui = ctx.ui.clone();
    config.trace = Some(Arc::new(move |line: &str| ui.verbose(1, line)));
    let client = Client::new(config)?;
    if let Some(warning) = client.insecure_warning() {
        ctx.ui.warn(&warning);
    }
    Ok(client)
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

/// The password of a saved profile from the keyring; a `--no-keyring` profile or a missing
/// entry is an error naming the way out (exit 6).
pub(crate) fn read_keyring_password(
    ctx: &Context<'_>,
    name: &str,
    profile: &Profile,
) -> Result<Secret<String>> {
    if !profile.keyring {
        return Err(Error::other(
            ExitStatus::Keyring,
            format!("profile `{name}` was saved with --no-keyring: there is no stored password"),
            Some("pipe the password in with `--password-stdin`".into()),
        ));
    }
    let service = store::service_name(&profile.url);
    match ctx.store()?.get(&service, &profile.username)? {
        Some(p) => Ok(p),
        None => Err(Error::other(
            ExitStatus::Keyring,
            format!(
                "no stored password for `{}` at {} in the keyring",
                profile.username, profile.url
            ),
            Some(format!(
                "run `nexus-token login --profile {name}` to store it, or pass it with `--password-stdin`"
            )),
        )),
    }
}

/// The error for a profile whose stored password Nexus rejected (lockout guard).
pub(crate) fn paused_error(name: &str, rejected: &crate::profile::Rejected) -> Error {
    Error::other(
        ExitStatus::Rejected,
        format!(
            "refresh of profile `{name}` is paused: Nexus rejected the stored password at {} ({})",
            crate::profile::rfc3339(rejected.at),
            rejected.reason
        ),
        Some(format!(
            "run `nexus-token login --profile {name}` with your current password; until then nexus-token does not contact Nexus for this profile, so it cannot lock your account"
        )),
    )
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

//! Command-line definitions (clap derive) and nothing else: the doc comments here are the
//! `--help` text. No behaviour lives in this file; `commands/` decides what each command does.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::maven_security::MavenEncrypt;
use crate::nexus::Family;
pub use crate::schedule::ScheduleKind;
pub use crate::targets::TargetArgs;

/// Fetches your Sonatype Nexus user token and gives it to every client on the machine: written
/// into Maven's settings.xml, gradle.properties, .npmrc, .yarnrc.yml, .netrc and .pypirc, or
/// served to Docker, Cargo, pnpm, Go and Gradle on demand. Your real password stays in the OS keyring.
#[derive(Debug, Parser)]
#[command(name = "nexus-token", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted by every command.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Print only errors (for cron jobs and timers).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Explain each step: requests made, files touched (never a secret). Repeat for more.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Profiles file [default: $XDG_CONFIG_HOME/nexus-token/config.toml].
    #[arg(long, global = true, env = "NEXUS_TOKEN_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run: boxing the login flags gains nothing
pub enum Command {
    /// Take the real password once, fetch the user token, write the targets, store the password
    /// in the OS keyring and save the profile. SSO users paste a token from the UI instead
    /// (--token-stdin).
    Login(LoginArgs),
    /// Fetch the token again for every saved profile (or --profile) and rewrite the targets
    /// when something changed. Never prompts: made for cron and timers.
    Refresh(RefreshArgs),
    /// Show profiles, their targets, token times and expiry, and whether the files hold the
    /// current token. Never prints a secret.
    Status(StatusArgs),
    /// Print the current user token for scripts, from a saved profile or from
    /// --url/--username/--password-stdin without saving anything.
    Token(TokenArgs),
    /// Delete the stored password and the profile. The token stays valid on the server until
    /// it is reset (see `rotate`).
    Logout(LogoutArgs),
    /// Reset the token on the server, fetch the new one and rewrite every target of the
    /// profile: for a leaked token.
    Rotate(RotateArgs),
    /// Install, remove or print a periodic `refresh` (systemd user timer, launchd agent or a
    /// crontab line).
    Schedule(ScheduleArgs),
    /// Check server, edition, keyring, files, modes and schedule; one line each with the fix.
    Doctor(DoctorArgs),
    /// Run a command with the profile's token in its environment (NEXUS_TOKEN_NAMECODE,
    /// NEXUS_TOKEN_PASSCODE, NEXUS_TOKEN_AUTH and the profile's ORG_GRADLE_PROJECT_* and
    /// CARGO_REGISTRIES_*_TOKEN), for files written with `login --env-refs`. Takes the token like
    /// `token` (from the token cache, never prompts); on Unix it becomes the command, so the exit
    /// status and signals are the command's. A command that cannot be started: exit 127 (not
    /// found) or 126 (not executable).
    Exec(ExecArgs),
    #[cfg(feature = "demo")]
    /// Run the whole flow against the built-in Nexus emulator in a throwaway home and show
    /// what was written. Needs no server and touches nothing of yours.
    Demo(DemoArgs),
    /// Print the completion script for a shell on standard output (see docs/install.md for
    /// where to put it).
    Completions(CompletionsArgs),
    /// Write one man page per command into a directory (for packagers).
    #[command(hide = true)]
    Manpages(ManpagesArgs),
    /// The GOAUTH command Go runs (written by `login --go-proxy`): prints the credentials for the
    /// Nexus host from the token cache; after a refusal (URL argument, response on stdin), a
    /// token fetched from Nexus.
    #[command(hide = true)]
    Goauth(GoauthArgs),
    #[cfg(feature = "demo")]
    /// Serve the built-in Nexus emulator on 127.0.0.1 (for benchmarks and experiments).
    #[command(hide = true)]
    Emulator(EmulatorArgs),
    /// Docker's credential helper protocol (`docker-credential-nexus-token ACTION`): `main`
    /// builds this command from the helper's name, so that the helper runs through
    /// `commands::run_in` like every command.
    #[command(hide = true)]
    DockerCredentialHelper(DockerHelperArgs),
}

/// Which Nexus to talk to and how.
#[derive(Debug, Args, Clone, Default)]
pub struct ServerArgs {
    /// Nexus base URL including the context path (`http://host:8081/nexus` for Nexus 2 defaults).
    #[arg(long, env = "NEXUS_URL", value_name = "URL")]
    pub url: Option<String>,

    /// Your Nexus login name (case-sensitive).
    #[arg(long, env = "NEXUS_USERNAME", value_name = "USER")]
    pub username: Option<String>,

    /// User-token API family; `auto` detects it from the server.
    #[arg(long, value_enum, value_name = "FAMILY")]
    pub api: Option<ApiChoice>,

    /// Extra trusted CA certificates (PEM, may hold several), on top of the system roots.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Seconds to wait for a TCP/TLS connection [default: 10].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub connect_timeout: Option<u64>,

    /// Seconds one request may take in total [default: 30].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub targets: TargetArgs,
    /// Profile name.
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub profile: String,
    /// Read the password from standard input (up to the first newline). Never prompts.
    #[arg(long)]
    pub password_stdin: bool,
    /// For SSO users without a password the API accepts: read a user token copied from the
    /// Nexus UI ("Access user token") from standard input, as `nameCode:passCode`, as the two
    /// values on two lines, or as the `<server>` snippet. It is checked with one request, kept in
    /// the keyring instead of a password, and written and served like a fetched token; renew it
    /// in the UI (`refresh` cannot). --username is optional (default: the nameCode).
    #[arg(long, conflicts_with = "password_stdin")]
    pub token_stdin: bool,
    /// Do not store the password in the OS keyring (`refresh` then needs --password-stdin).
    #[arg(long)]
    pub no_keyring: bool,
    /// Say what would change, without writing anything and without printing secret values.
    #[arg(long)]
    pub dry_run: bool,
    /// Write references to the environment instead of the token: `${env.NEXUS_TOKEN_NAMECODE}`
    /// and `${env.NEXUS_TOKEN_PASSCODE}` in settings.xml, `_auth=${NEXUS_TOKEN_AUTH}` in the
    /// npmrc, `npmAuthIdent: "${NEXUS_TOKEN_NAMECODE}:${NEXUS_TOKEN_PASSCODE}"` in .yarnrc.yml, no
    /// Gradle keys in gradle.properties; builds then run through `nexus-token exec`.
    /// Kept in the profile: later logins keep it until `--no-env-refs`. Not with netrc or
    /// .pypirc, which cannot refer to the environment, nor with `--gradle-wrapper`.
    #[arg(long, conflicts_with = "no_env_refs")]
    pub env_refs: bool,
    /// Write the token into the files again, for a profile saved with `--env-refs`.
    #[arg(long)]
    pub no_env_refs: bool,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Refresh only this profile (repeatable) [default: every saved profile].
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Rewrite the targets even when nothing changed.
    #[arg(long)]
    pub force: bool,
    /// Say what would change, without writing anything and without printing secret values.
    #[arg(long)]
    pub dry_run: bool,
    /// Read the password from standard input (for profiles saved with --no-keyring).
    #[arg(long)]
    pub password_stdin: bool,
    /// Generate a new token when the current one expires within this many days [default: 7, at
    /// most half the token's lifetime].
    #[arg(long, value_name = "DAYS")]
    pub expiry_margin: Option<u32>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Show only this profile.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Machine-readable output (schema in docs/usage.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Use this saved profile (password from the keyring) [default: `default` when no --url].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Read the password from standard input (up to the first newline).
    #[arg(long)]
    pub password_stdin: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TokenFormat::Json)]
    pub format: TokenFormat,
    /// Always ask Nexus, even when the token cache in the keyring holds the current token.
    /// Without it, a cached token older than NEXUS_TOKEN_CACHE_MAX_AGE seconds (default 600;
    /// 0 = always) is confirmed with Nexus first.
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Profile name.
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub profile: String,
    /// Also remove the token values from the profile's targets.
    #[arg(long)]
    pub remove_credentials: bool,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Profile name.
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub profile: String,
    /// Read the password from standard input (for profiles saved with --no-keyring).
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// How often to refresh, e.g. `12h`, `30m`, `1d`.
    #[arg(long, default_value = "12h", value_name = "INTERVAL")]
    pub every: String,
    /// Print what would be installed instead of installing it.
    #[arg(long)]
    pub print: bool,
    /// Remove an installed schedule.
    #[arg(long, conflicts_with = "print")]
    pub remove: bool,
    /// Scheduler to use [default: systemd on Linux, launchd on macOS, cron elsewhere].
    #[arg(long, value_enum, value_name = "KIND")]
    pub kind: Option<ScheduleKind>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Check only this profile [default: every saved profile].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GoauthArgs {
    /// The saved profile whose token Go gets.
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub profile: String,
    /// The URL Go was refused at (Go passes it after a 4xx, with the response on stdin).
    #[arg(value_name = "URL")]
    pub url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The saved profile whose token goes into the environment.
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub profile: String,
    /// The command and its arguments, after `--` (e.g. `nexus-token exec -- mvn deploy`).
    #[arg(
        value_name = "CMD",
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the throwaway home and print its path.
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManpagesArgs {
    /// Directory for the pages (created when missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct DockerHelperArgs {
    /// `get`, `list`, `store`, `erase`, `version` or `--help` (the server comes on stdin).
    #[arg(value_name = "ACTION", allow_hyphen_values = true)]
    pub action: String,
}

#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// API family to emulate.
    #[arg(long, value_enum, default_value_t = Family::Nexus3)]
    pub family: Family,
    /// `user:password` pairs are read from standard input, one a line; without input the
    /// emulator knows `alice` with the password `demo-password`.
    #[arg(long)]
    pub users_stdin: bool,
}

/// `--api` values: `auto`, or one of the family names as [`Family`] spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiChoice {
    /// Detect the family from the server.
    #[default]
    Auto,
    /// Use this family.
    Family(Family),
}

impl ApiChoice {
    /// The forced family, or `None` for `auto`.
    pub fn family(self) -> Option<Family> {
        match self {
            ApiChoice::Auto => None,
            ApiChoice::Family(f) => Some(f),
        }
    }
}

impl ValueEnum for ApiChoice {
    fn value_variants<'a>() -> &'a [Self] {
        const ALL: [ApiChoice; 6] = [
            ApiChoice::Auto,
            ApiChoice::Family(Family::Nexus2Legacy),
            ApiChoice::Family(Family::Nexus2),
            ApiChoice::Family(Family::Nexus3Siesta),
            ApiChoice::Family(Family::Nexus3Rest),
            ApiChoice::Family(Family::Nexus3),
        ];
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        match self {
            ApiChoice::Auto => Some(clap::builder::PossibleValue::new("auto")),
            ApiChoice::Family(f) => f.to_possible_value(),
        }
    }
}

/// `token --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenFormat {
    /// `{"nameCode":..,"passCode":..,"created":..}`
    Json,
    /// `nameCode:passCode` on one line.
    Plain,
    /// Shell `export NEXUS_TOKEN_NAME_CODE=... NEXUS_TOKEN_PASS_CODE=...` lines.
    Env,
    /// `Basic <base64(nameCode:passCode)>`: an Authorization header value (Cargo, pnpm).
    Basic,
    /// `Authorization: Basic <base64(nameCode:passCode)>`: a whole header line.
    Header,
}

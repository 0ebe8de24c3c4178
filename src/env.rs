//! The only place that reads environment variables and works out home, config and state paths.
//!
//! Commands get an [`Env`] value instead of calling `std::env` themselves, so tests can build
//! one with a temporary home. Nothing here writes files or prints.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Snapshot of the process environment that nexus-token cares about.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// The user's home directory.
    pub home: PathBuf,
    /// `<XDG config dir>/nexus-token` (or the platform equivalent).
    pub config_dir: PathBuf,
    /// `<XDG state dir>/nexus-token` (or the platform equivalent): run state, kept apart from
    /// configuration.
    pub state_dir: PathBuf,
    /// Whether standard input is a terminal (prompts are allowed only then).
    pub stdin_is_terminal: bool,
    /// Whether standard error is a terminal (colour is used only then).
    pub stderr_is_terminal: bool,
    /// Whether `home` is usable: absolute and known. Without one, commands that touch files
    /// stop with a hint to set `HOME` instead of writing below the current directory.
    pub home_known: bool,
    /// The working directory (a project's own config files are looked up there).
    pub cwd: Option<PathBuf>,
    vars: BTreeMap<String, String>,
}

/// Environment variables read by nexus-token (besides `ORG_GRADLE_PROJECT_*`, read for warnings,
/// and those clap reads itself: `NEXUS_URL`, `NEXUS_USERNAME`, `NEXUS_TOKEN_CONFIG`).
const VARS: &[&str] = &[
    "HOME",
    "GRADLE_USER_HOME",
    "DBUS_SESSION_BUS_ADDRESS",
    "XDG_RUNTIME_DIR",
    "XDG_CONFIG_HOME",
    "NO_COLOR",
    "CI",
    "NEXUS_TOKEN_STATE_DIR",
    "NEXUS_TOKEN_KEYRING_TIMEOUT",
    "NEXUS_TOKEN_LOCK_TIMEOUT",
    "NEXUS_URL",
    "NEXUS_TOKEN_CRONTAB",
    "NEXUS_TOKEN_SCHEDULE_DIR",
    "PATH",
    "USER",
    "NPM_CONFIG_USERCONFIG",
    "npm_config_userconfig",
    "NETRC",
    "PIP_CONFIG_FILE",
    // Served targets (issue 17).
    "DOCKER_CONFIG",
    "CARGO_HOME",
    "REGISTRY_AUTH_FILE",
    "NEXUS_TOKEN_CONFIG",
    "NEXUS_TOKEN_CACHE_MAX_AGE",
    // Yarn 2+ (issue 25).
    "YARN_RC_FILENAME",
    // Windows: the schedule's per-machine seed (it has no `USER` and no `/etc/machine-id`).
    "USERNAME",
    "COMPUTERNAME",
    // Go (issue 25): its env file, and the variables that override it.
    "GOENV",
    "GOPROXY",
    "GOAUTH",
];

/// The spelling in [`VARS`] of the variable `name`, if we read it. Windows does not tell case
/// apart in variable names (its `PATH` is usually spelled `Path`), so there any spelling counts.
fn known_var(name: &str) -> Option<&'static str> {
    VARS.iter()
        .find(|known| {
            if cfg!(windows) {
                known.eq_ignore_ascii_case(name)
            } else {
                **known == name
            }
        })
        .copied()
}

/// How long a cached token is served without asking Nexus, unless `NEXUS_TOKEN_CACHE_MAX_AGE`
/// says otherwise: 10 minutes.
pub const DEFAULT_CACHE_MAX_AGE_SECS: u64 = 600;

/// Parses `NEXUS_TOKEN_CACHE_MAX_AGE`: whole seconds, `0` = always confirm with Nexus. Pure.
pub fn parse_cache_max_age(value: &str) -> Result<std::time::Duration, String> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`NEXUS_TOKEN_CACHE_MAX_AGE={value}` is not a whole number of seconds (0 = always ask Nexus)"
        ));
    }
    // More digits than u64 holds: longer than any cache lives anyway.
    Ok(std::time::Duration::from_secs(
        value.parse().unwrap_or(u64::MAX),
    ))
}

/// The longest keyring wait `NEXUS_TOKEN_KEYRING_TIMEOUT` accepts, in seconds (one hour).
pub const MAX_KEYRING_TIMEOUT_SECS: u64 = 3600;

/// Parses a keyring timeout in whole seconds, 1 to [`MAX_KEYRING_TIMEOUT_SECS`]. Pure.
pub fn parse_keyring_timeout(value: &str) -> Result<std::time::Duration, String> {
    let refuse = || {
        format!(
            "`NEXUS_TOKEN_KEYRING_TIMEOUT={value}` is not a number of seconds from 1 to {MAX_KEYRING_TIMEOUT_SECS}"
        )
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse());
    }
    match value.parse::<u64>() {
        Ok(secs) if (1..=MAX_KEYRING_TIMEOUT_SECS).contains(&secs) => {
            Ok(std::time::Duration::from_secs(secs))
        }
        _ => Err(refuse()),
    }
}

/// Prefix of the environment variables that override Gradle project properties.
pub const GRADLE_PROJECT_PREFIX: &str = "ORG_GRADLE_PROJECT_";

/// The netrc file in `home` when `NETRC` is unset: `.netrc` on Unix. On Windows, curl looks
/// for `.netrc` and then, when there is none, for `_netrc` (lib/netrc.c); pip (through requests)
/// takes the first of `.netrc` and `_netrc` that exists; Go reads only `_netrc`. So there an
/// existing `.netrc` is kept (curl and pip read it first), and otherwise `_netrc` is used,
/// existing or new: all three find it. Pure apart from `exists`.
pub fn netrc_in_home(home: &Path, windows: bool, exists: &dyn Fn(&Path) -> bool) -> PathBuf {
    let dot = home.join(".netrc");
    if windows && !exists(&dot) {
        return home.join("_netrc");
    }
    dot
}

impl Env {
    /// Reads the real process environment.
    pub fn from_process() -> Env {
        let mut vars = BTreeMap::new();
        for (k, v) in std::env::vars_os() {
            let (Some(k), Some(v)) = (k.to_str(), v.to_str()) else {
                continue;
            };
            if k.starts_with(GRADLE_PROJECT_PREFIX) {
                vars.insert(k.to_owned(), v.to_owned());
            } else if let Some(known) = known_var(k) {
                vars.insert(known.to_owned(), v.to_owned());
            }
        }
        let home = dirs::home_dir().filter(|h| h.is_absolute());
        let home_known = home.is_some();
        let home = home.unwrap_or_default();
        let config_dir = dirs::config_dir()
            .unwrap_or_else(|| home.join(".config"))
            .join("nexus-token");
        let state_dir = match vars.get("NEXUS_TOKEN_STATE_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => dirs::state_dir()
                .or_else(dirs::data_local_dir)
                .unwrap_or_else(|| home.join(".local").join("state"))
                .join("nexus-token"),
        };
        Env {
            home,
            config_dir,
            state_dir,
            stdin_is_terminal: std::io::stdin().is_terminal(),
            stderr_is_terminal: std::io::stderr().is_terminal(),
            home_known,
            cwd: std::env::current_dir().ok(),
            vars,
        }
    }

    /// An environment for tests and the demo: everything under `home`, no variables.
    pub fn sandboxed(home: &Path) -> Env {
        Env {
            home: home.to_path_buf(),
            config_dir: home.join(".config").join("nexus-token"),
            state_dir: home.join(".local").join("state").join("nexus-token"),
            stdin_is_terminal: false,
            stderr_is_terminal: false,
            home_known: true,
            cwd: None,
            vars: BTreeMap::new(),
        }
    }

    /// Sets a variable in this snapshot (tests, demo). Does not touch the process environment.
    pub fn with_var(mut self, key: &str, value: &str) -> Env {
        self.vars.insert(key.to_owned(), value.to_owned());
        self
    }

    /// One captured variable.
    pub fn var(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    /// `NEXUS_TOKEN_KEYRING_TIMEOUT` as a duration: `Ok(None)` when unset or empty, an error
    /// message (naming the variable and the accepted values) when it is not whole seconds from
    /// 1 to [`MAX_KEYRING_TIMEOUT_SECS`].
    pub fn keyring_timeout(&self) -> Result<Option<std::time::Duration>, String> {
        match self.var("NEXUS_TOKEN_KEYRING_TIMEOUT").map(str::trim) {
            None | Some("") => Ok(None),
            Some(value) => parse_keyring_timeout(value).map(Some),
        }
    }

    /// `NEXUS_TOKEN_CACHE_MAX_AGE` (unset or empty: [`DEFAULT_CACHE_MAX_AGE_SECS`]); an error
    /// message naming the variable when it is not whole seconds.
    pub fn cache_max_age(&self) -> Result<std::time::Duration, String> {
        match self.var("NEXUS_TOKEN_CACHE_MAX_AGE") {
            None => Ok(std::time::Duration::from_secs(DEFAULT_CACHE_MAX_AGE_SECS)),
            Some(v) if v.trim().is_empty() => {
                Ok(std::time::Duration::from_secs(DEFAULT_CACHE_MAX_AGE_SECS))
            }
            Some(v) => parse_cache_max_age(v),
        }
    }

    /// Whether we run under CI (`CI` set and not `false`/`0`).
    pub fn is_ci(&self) -> bool {
        matches!(self.var("CI"), Some(v) if !v.is_empty() && v != "0" && v != "false")
    }

    /// Whether colour is allowed (`NO_COLOR` unset and stderr a terminal).
    pub fn color(&self) -> bool {
        self.stderr_is_terminal && self.var("NO_COLOR").is_none_or(str::is_empty)
    }

    /// The profiles file: `explicit` (from `--config`/`NEXUS_TOKEN_CONFIG`) or the default.
    pub fn config_file(&self, explicit: Option<&Path>) -> PathBuf {
        explicit.map_or_else(|| self.config_dir.join("config.toml"), Path::to_path_buf)
    }

    /// The run-state file for a given profiles file. An explicit profiles file gets its own
    /// state file beside it, so two configurations never share state.
    pub fn state_file(&self, explicit_config: Option<&Path>) -> PathBuf {
        match explicit_config {
            Some(config) if self.var("NEXUS_TOKEN_STATE_DIR").is_none() => {
                let mut name = config.file_name().unwrap_or_default().to_os_string();
                name.push(".state");
                config.with_file_name(name)
            }
            _ => self.state_dir.join("state.toml"),
        }
    }

    /// `DBUS_SESSION_BUS_ADDRESS`, when set and not empty.
    pub fn session_bus_address(&self) -> Option<&str> {
        self.var("DBUS_SESSION_BUS_ADDRESS")
            .filter(|v| !v.is_empty())
    }

    /// `XDG_RUNTIME_DIR`, when set and not empty.
    pub fn xdg_runtime_dir(&self) -> Option<&Path> {
        self.var("XDG_RUNTIME_DIR")
            .filter(|v| !v.is_empty())
            .map(Path::new)
    }

    /// The real user id of this process (Unix only; `None` elsewhere).
    pub fn uid(&self) -> Option<u32> {
        #[cfg(unix)]
        {
            Some(rustix::process::getuid().as_raw())
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// `~/.m2/settings.xml`.
    pub fn maven_settings(&self) -> PathBuf {
        self.home.join(".m2").join("settings.xml")
    }

    /// `~/.m2/settings-security.xml`.
    pub fn maven_settings_security(&self) -> PathBuf {
        self.home.join(".m2").join("settings-security.xml")
    }

    /// `$GRADLE_USER_HOME/init.d`, else `~/.gradle/init.d`: Gradle runs every `*.gradle` there.
    pub fn gradle_init_dir(&self) -> PathBuf {
        match self.var("GRADLE_USER_HOME") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("init.d"),
            _ => self.home.join(".gradle").join("init.d"),
        }
    }

    /// `$GRADLE_USER_HOME/gradle.properties`, else `~/.gradle/gradle.properties`.
    pub fn gradle_properties(&self) -> PathBuf {
        match self.var("GRADLE_USER_HOME") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("gradle.properties"),
            _ => self.home.join(".gradle").join("gradle.properties"),
        }
    }

    /// The user npmrc as npm finds it: `NPM_CONFIG_USERCONFIG` (or npm's lowercase
    /// `npm_config_userconfig`; a leading `~/` is the home), else `~/.npmrc`.
    pub fn user_npmrc(&self) -> PathBuf {
        let set = ["NPM_CONFIG_USERCONFIG", "npm_config_userconfig"]
            .into_iter()
            .filter_map(|k| self.var(k))
            .find(|v| !v.is_empty());
        match set {
            Some(v) => match v.strip_prefix("~/") {
                Some(rest) => self.home.join(rest),
                None => PathBuf::from(v),
            },
            None => self.home.join(".npmrc"),
        }
    }

    /// Yarn 2+'s home rc file: `~/<YARN_RC_FILENAME>`, else `~/.yarnrc.yml`.
    pub fn yarnrc(&self) -> PathBuf {
        match self.var("YARN_RC_FILENAME") {
            Some(name) if !name.is_empty() => self.home.join(name),
            _ => self.home.join(".yarnrc.yml"),
        }
    }

    /// The netrc file pip, uv, curl and Go read: `$NETRC` when set, else `~/.netrc` (on Windows
    /// see [`netrc_in_home`]).
    pub fn netrc(&self) -> PathBuf {
        match self.var("NETRC") {
            Some(file) if !file.is_empty() => PathBuf::from(file),
            _ => netrc_in_home(&self.home, cfg!(windows), &|p: &Path| p.exists()),
        }
    }

    /// `~/.pypirc` (twine reads no variable for it).
    pub fn pypirc(&self) -> PathBuf {
        self.home.join(".pypirc")
    }

    /// pip's user configuration files, in the order pip reads them: `~/.pip/pip.conf`, then
    /// `$XDG_CONFIG_HOME/pip/pip.conf` (else `~/.config/pip/pip.conf`), then `$PIP_CONFIG_FILE`.
    pub fn pip_configs(&self) -> Vec<PathBuf> {
        let mut files = vec![
            self.home.join(".pip").join("pip.conf"),
            self.xdg_config_home().join("pip").join("pip.conf"),
        ];
        if let Some(file) = self.var("PIP_CONFIG_FILE").filter(|f| !f.is_empty()) {
            files.push(PathBuf::from(file));
        }
        files
    }

    /// uv's user configuration: `$XDG_CONFIG_HOME/uv/uv.toml`, else `~/.config/uv/uv.toml`.
    pub fn uv_config(&self) -> PathBuf {
        self.xdg_config_home().join("uv").join("uv.toml")
    }

    /// Docker's `config.json`: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
    pub fn docker_config(&self) -> PathBuf {
        match self.var("DOCKER_CONFIG") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("config.json"),
            _ => self.home.join(".docker").join("config.json"),
        }
    }

    /// `$CARGO_HOME`, else `~/.cargo`.
    pub fn cargo_home(&self) -> PathBuf {
        match self.var("CARGO_HOME") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => self.home.join(".cargo"),
        }
    }

    /// The containers `auth.json` files Podman and skopeo read before Docker's config, in their
    /// order: `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
    /// `$XDG_CONFIG_HOME/containers/auth.json`.
    pub fn podman_auth_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        if let Some(file) = self.var("REGISTRY_AUTH_FILE").filter(|v| !v.is_empty()) {
            files.push(PathBuf::from(file));
        }
        if let Some(dir) = self.xdg_runtime_dir() {
            files.push(dir.join("containers").join("auth.json"));
        }
        files.push(self.xdg_config_home().join("containers").join("auth.json"));
        files
    }

    /// `$XDG_CONFIG_HOME` when set to an absolute path, else `~/.config` (the XDG rule, on
    /// every platform: systemd user units live below it).
    pub fn xdg_config_home(&self) -> PathBuf {
        match self.var("XDG_CONFIG_HOME") {
            Some(dir) if Path::new(dir).is_absolute() => PathBuf::from(dir),
            _ => self.home.join(".config"),
        }
    }

    /// `NEXUS_TOKEN_SCHEDULE_DIR`: write schedule units there and run no scheduler tool (tests).
    pub fn schedule_dir(&self) -> Option<PathBuf> {
        self.var("NEXUS_TOKEN_SCHEDULE_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }

    /// `NEXUS_TOKEN_CRONTAB`: a file standing in for the user's crontab (tests).
    pub fn crontab_file(&self) -> Option<PathBuf> {
        self.var("NEXUS_TOKEN_CRONTAB")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }

    /// The absolute path of the running executable (what a schedule runs).
    pub fn current_exe(&self) -> std::io::Result<PathBuf> {
        std::env::current_exe()
    }

    /// `NEXUS_TOKEN_LOCK_TIMEOUT`: seconds to wait for another run's file lock (default 30).
    pub fn lock_timeout(&self) -> Result<Option<std::time::Duration>, String> {
        match self.var("NEXUS_TOKEN_LOCK_TIMEOUT") {
            None => Ok(None),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(secs) if secs > 0 => Ok(Some(std::time::Duration::from_secs(secs))),
                _ => Err(format!(
                    "`NEXUS_TOKEN_LOCK_TIMEOUT={v}` is not a number of seconds above 0"
                )),
            },
        }
    }

    /// The working directory, when known.
    pub fn current_dir(&self) -> Option<&Path> {
        self.cwd.as_deref()
    }

    /// Names of Gradle properties overridden by `ORG_GRADLE_PROJECT_<name>` variables.
    pub fn gradle_project_overrides(&self) -> Vec<String> {
        self.vars
            .keys()
            .filter_map(|k| k.strip_prefix(GRADLE_PROJECT_PREFIX))
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_max_age_is_ten_minutes_unless_set_and_refuses_nonsense() {
        let env = Env::sandboxed(Path::new("/h"));
        assert_eq!(env.cache_max_age(), Ok(std::time::Duration::from_secs(600)));
        let zero = env.clone().with_var("NEXUS_TOKEN_CACHE_MAX_AGE", "0");
        assert_eq!(zero.cache_max_age(), Ok(std::time::Duration::ZERO));
        let set = env.clone().with_var("NEXUS_TOKEN_CACHE_MAX_AGE", " 90 ");
        assert_eq!(set.cache_max_age(), Ok(std::time::Duration::from_secs(90)));
        for bad in ["abc", "-1", "1.5", "10m"] {
            let err = env
                .clone()
                .with_var("NEXUS_TOKEN_CACHE_MAX_AGE", bad)
                .cache_max_age()
                .unwrap_err();
            assert!(err.contains("NEXUS_TOKEN_CACHE_MAX_AGE"), "{bad}: {err}");
        }
    }

    #[test]
    fn gradle_properties_follows_gradle_user_home() {
        let env = Env::sandboxed(Path::new("/h")).with_var("GRADLE_USER_HOME", "/g");
        assert_eq!(
            env.gradle_properties(),
            PathBuf::from("/g/gradle.properties")
        );
        let env = Env::sandboxed(Path::new("/h"));
        assert_eq!(
            env.gradle_properties(),
            PathBuf::from("/h/.gradle/gradle.properties")
        );
    }

    #[test]
    fn user_npmrc_follows_npm_config_userconfig_in_either_case() {
        let home = Path::new("/h");
        assert_eq!(
            Env::sandboxed(home).user_npmrc(),
            PathBuf::from("/h/.npmrc"),
            "without the variable the user npmrc is ~/.npmrc"
        );
        let upper = Env::sandboxed(home).with_var("NPM_CONFIG_USERCONFIG", "/u/npmrc");
        assert_eq!(upper.user_npmrc(), PathBuf::from("/u/npmrc"));
        let lower = Env::sandboxed(home).with_var("npm_config_userconfig", "~/cfg/npmrc");
        assert_eq!(
            lower.user_npmrc(),
            PathBuf::from("/h/cfg/npmrc"),
            "npm's lowercase spelling counts too, and `~/` is the home"
        );
    }

    #[test]
    fn python_paths_follow_netrc_xdg_and_pip_config_file() {
        let home = Path::new("/h");
        let env = Env::sandboxed(home);
        assert_eq!(
            env.netrc(),
            home.join(if cfg!(windows) { "_netrc" } else { ".netrc" }),
            "netrc defaults to ~/.netrc (a new one is ~/_netrc on Windows)"
        );
        assert_eq!(env.pypirc(), PathBuf::from("/h/.pypirc"));
        assert_eq!(env.uv_config(), PathBuf::from("/h/.config/uv/uv.toml"));
        // An absolute XDG_CONFIG_HOME (Windows needs a drive for that).
        let xdg = if cfg!(windows) { r"C:\x" } else { "/x" };
        let env = Env::sandboxed(home)
            .with_var("NETRC", "/n/netrc")
            .with_var("XDG_CONFIG_HOME", xdg)
            .with_var("PIP_CONFIG_FILE", "/p/pip.conf");
        assert_eq!(
            env.netrc(),
            PathBuf::from("/n/netrc"),
            "`NETRC` names the file"
        );
        assert_eq!(
            env.pip_configs(),
            vec![
                PathBuf::from("/h/.pip/pip.conf"),
                Path::new(xdg).join("pip").join("pip.conf"),
                PathBuf::from("/p/pip.conf")
            ],
            "pip's user files follow XDG_CONFIG_HOME, and PIP_CONFIG_FILE comes last"
        );
        assert_eq!(env.uv_config(), Path::new(xdg).join("uv").join("uv.toml"));
    }

    #[test]
    fn windows_netrc_is_an_existing_dot_netrc_else_underscore_netrc() {
        let home = Path::new("/h");
        let none = |_: &Path| false;
        let dot = |p: &Path| p.ends_with(".netrc");
        assert_eq!(netrc_in_home(home, false, &none), home.join(".netrc"));
        assert_eq!(
            netrc_in_home(home, true, &dot),
            home.join(".netrc"),
            "curl and pip read an existing .netrc first"
        );
        assert_eq!(
            netrc_in_home(home, true, &none),
            home.join("_netrc"),
            "a new file is _netrc, which curl, pip and Go all find"
        );
        assert_eq!(
            netrc_in_home(home, true, &|p: &Path| p.ends_with("_netrc")),
            home.join("_netrc")
        );
    }

    #[test]
    fn explicit_config_gets_its_own_state_file() {
        let env = Env::sandboxed(Path::new("/h"));
        assert_eq!(
            env.state_file(Some(Path::new("/c/p.toml"))),
            PathBuf::from("/c/p.toml.state")
        );
        assert_eq!(
            env.state_file(None),
            PathBuf::from("/h/.local/state/nexus-token/state.toml")
        );
    }

    #[test]
    fn gradle_overrides_are_listed_by_property_name() {
        let env = Env::sandboxed(Path::new("/h")).with_var("ORG_GRADLE_PROJECT_nexusPassword", "x");
        assert_eq!(
            env.gradle_project_overrides(),
            vec!["nexusPassword".to_owned()]
        );
    }
}

//! The Go target kind in the seam: Go's env file gets `GOPROXY=<ours>[,<the rest>]` and
//! `GOAUTH=<absolute path of nexus-token> goauth --profile P [--config FILE][;<the rest>]`
//! through the pure `editor`. A command Go cannot run as written (a space in a path, a profile
//! name with a `;`) goes through a small wrapper script beside the nexus-token config, a side
//! file. It holds no token: `inspect` says `current` when GOPROXY lists the proxy and GOAUTH runs
//! this binary for this profile.
//!
//! It must not read the keyring or write files itself (the seam and `served` do). Its doctor runs
//! `go version` and `go env`, which read but never write.

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{Error, Result};
use crate::targets::probe::{Answer, Probe};
use crate::targets::served::{SCRIPT_MARK, SideFile};
use crate::targets::{
    DoctorCx, Entry, Finding, Kind, Level, Planned, Target, TargetState, TokenValues, Verdict,
};
use crate::text::shell_quote;

use super::{KIND, editor, helper};

/// Go 1.24 is the first with GOAUTH commands.
pub(crate) const MIN_GO: (u32, u32) = (1, 24);

/// Go proxies served through one Go env file.
#[derive(Debug)]
pub(crate) struct GoTarget {
    /// Go's env file.
    pub path: PathBuf,
    /// The proxy URLs (https) put first in GOPROXY.
    pub proxies: Vec<String>,
    pub exe: PathBuf,
    pub profile: String,
    /// The profiles file, when it is not the default one.
    pub config: Option<PathBuf>,
    /// The wrapper GOAUTH names when the command cannot be written plainly.
    pub wrapper: PathBuf,
}

/// Go's env file: `GOENV` (unless `off`), else `<user config dir>/go/env`; `None` for
/// `GOENV=off` (Go then reads no file).
pub fn env_file(env: &Env) -> Option<PathBuf> {
    match env.var("GOENV") {
        Some("off") => None,
        Some(file) if !file.is_empty() => Some(PathBuf::from(file)),
        _ => Some(
            env.config_dir
                .parent()
                .map_or_else(|| env.home.join(".config"), Path::to_path_buf)
                .join("go")
                .join("env"),
        ),
    }
}

/// `login --go-proxy URL`, validated before any request: an https URL without credentials
/// (Go runs GOAUTH only for https). Returns the URL as given, trimmed.
pub(crate) fn proxy_flag(url: &str) -> Result<String> {
    let url = url.trim();
    let parsed = url::Url::parse(url).map_err(|e| {
        Error::usage(
            format!("`--go-proxy {url}` is not a URL: {e}"),
            Some("give the https URL of a Nexus Go repository, e.g. `--go-proxy https://nexus.example.com/repository/go-proxy/`".into()),
        )
    })?;
    if parsed.scheme() != "https" {
        return Err(Error::usage(
            format!("`--go-proxy {url}`: Go sends GOAUTH credentials only over https"),
            Some("give the https URL of the Nexus Go repository (put Nexus behind TLS), or use `--netrc` for a plain-http proxy".into()),
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() || parsed.host_str().is_none() {
        return Err(Error::usage(
            "`--go-proxy`: the URL must name a host and hold no credentials",
            Some("give the URL without `user:password@`: GOAUTH supplies the credentials".into()),
        ));
    }
    Ok(url.to_owned())
}

/// The words of the wrapper script (`sh`, passing Go's arguments on).
fn wrapper_script(words: &[String]) -> Vec<u8> {
    let quoted: Vec<String> = words.iter().map(|w| shell_quote(w)).collect();
    format!(
        "#!/bin/sh\n{SCRIPT_MARK} (login --go-proxy): Go runs it as a GOAUTH command\nexec {} \"$@\"\n",
        quoted.join(" ")
    )
    .into_bytes()
}

fn text<'b>(path: &Path, bytes: &'b [u8]) -> Result<&'b str> {
    std::str::from_utf8(bytes).map_err(|e| Error::file(path, "parse", e))
}

impl GoTarget {
    fn words(&self) -> Vec<String> {
        helper::command_words(
            &self.exe.display().to_string(),
            &self.profile,
            self.config
                .as_deref()
                .map(|c| c.display().to_string())
                .as_deref(),
        )
    }

    fn needs_wrapper(&self) -> bool {
        !helper::plain(&self.words())
    }

    /// The GOAUTH command: the words, or the wrapper when Go could not run them as written.
    fn command(&self) -> Result<String> {
        let words = self.words();
        if helper::plain(&words) {
            return Ok(words.join(" "));
        }
        let wrapper = self.wrapper.display().to_string();
        if !helper::plain(std::slice::from_ref(&wrapper)) {
            return Err(Error::usage(
                format!("Go cannot run `{wrapper}` as a GOAUTH command: its path holds a space or one of ; ' \" ` \\"),
                Some("set `XDG_CONFIG_HOME` (or `HOME`) to a folder whose path has none of them, then log in again".into()),
            ));
        }
        Ok(wrapper)
    }

    /// Whether a GOAUTH command is this profile's (the current one, an older path, the wrapper).
    fn is_ours(&self, command: &str) -> bool {
        helper::is_for_profile(command, &self.profile)
            || command == self.wrapper.display().to_string()
    }
}

impl Target for GoTarget {
    fn kind(&self) -> Kind {
        KIND
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn names(&self) -> Vec<String> {
        self.proxies.clone()
    }

    /// The proxy URLs, as Go compares them (no trailing slash).
    fn claims(&self) -> Vec<String> {
        self.proxies
            .iter()
            .map(|u| super::saved::claim_key(u))
            .collect()
    }

    fn plan(&self, current: Option<&[u8]>, _token: &TokenValues<'_>) -> Result<Option<Planned>> {
        let ours = self.command()?;
        let bytes = current.unwrap_or_default();
        text(&self.path, bytes)?;
        let mut planned = Planned::default();
        let proxy_before = editor::get(bytes, "GOPROXY");
        let proxy = editor::proxy_with(proxy_before.as_deref(), &self.proxies);
        let mut out = bytes.to_vec();
        if proxy_before.as_deref() != Some(proxy.as_str()) {
            out = editor::set(&out, "GOPROXY", &proxy);
            planned.changed.push("GOPROXY".into());
        }
        let auth_before = editor::get(bytes, "GOAUTH");
        let (auth, warnings) =
            editor::auth_with(auth_before.as_deref(), &ours, &|c| self.is_ours(c));
        if auth_before.as_deref() != Some(auth.as_str()) {
            out = editor::set(&out, "GOAUTH", &auth);
            planned.changed.push("GOAUTH".into());
        }
        planned.warnings = warnings;
        if planned.changed.is_empty() {
            return Ok(None);
        }
        planned.bytes = out;
        Ok(Some(planned))
    }

    /// Removes our proxies from GOPROXY and our command from GOAUTH (a line left empty goes).
    fn clear(&self, current: &[u8], _expected: Option<&str>) -> Result<Planned> {
        text(&self.path, current)?;
        let mut planned = Planned {
            bytes: current.to_vec(),
            ..Planned::default()
        };
        if let Some(before) = editor::get(current, "GOPROXY") {
            let after = editor::proxy_without(&before, &self.proxies);
            if after != before {
                planned.bytes = if after.is_empty() {
                    editor::remove(&planned.bytes, "GOPROXY")
                } else {
                    editor::set(&planned.bytes, "GOPROXY", &after)
                };
                planned.changed.push("GOPROXY".into());
            }
        }
        if let Some(before) = editor::get(current, "GOAUTH") {
            let after = editor::auth_without(&before, &|c| self.is_ours(c));
            if after != before.trim() {
                planned.bytes = if after.is_empty() {
                    editor::remove(&planned.bytes, "GOAUTH")
                } else {
                    editor::set(&planned.bytes, "GOAUTH", &after)
                };
                planned.changed.push("GOAUTH".into());
            }
        }
        Ok(planned)
    }

    fn inspect(&self, current: &[u8], _verdict: &Verdict<'_>) -> Vec<Entry> {
        if let Err(e) = text(&self.path, current) {
            return self
                .names()
                .into_iter()
                .map(|n| (n, TargetState::Unreadable, Some(e.to_string())))
                .collect();
        }
        let proxies = editor::get(current, "GOPROXY")
            .map(|v| editor::proxies(&v))
            .unwrap_or_default();
        let auth = editor::get(current, "GOAUTH").unwrap_or_default();
        let commands = editor::auth_commands(&auth);
        let runs_us = self
            .command()
            .is_ok_and(|ours| commands.first() == Some(&ours.as_str()));
        self.proxies
            .iter()
            .map(|url| {
                let listed = proxies.iter().any(|p| editor::same_proxy(p, url));
                match (listed, runs_us) {
                    (true, true) => (url.clone(), TargetState::Current, None),
                    (false, _) if !commands.iter().any(|c| self.is_ours(c)) => {
                        (url.clone(), TargetState::Missing, None)
                    }
                    (false, _) => (
                        url.clone(),
                        TargetState::Stale,
                        Some("GOPROXY does not list it".into()),
                    ),
                    (true, false) => (
                        url.clone(),
                        TargetState::Stale,
                        Some(if commands.iter().any(|c| self.is_ours(c)) {
                            "GOAUTH runs another nexus-token, or not first".into()
                        } else {
                            "GOAUTH does not run nexus-token".into()
                        }),
                    ),
                }
            })
            .collect()
    }

    /// The GOAUTH command as Go runs it first: no argument, no input.
    fn probes(&self) -> Vec<Probe> {
        let Ok(command) = self.command() else {
            return Vec::new();
        };
        let mut words = command.split(' ').map(str::to_owned);
        let program = PathBuf::from(words.next().unwrap_or_default());
        vec![Probe {
            what: format!("the GOAUTH command of `{}`", self.path.display()),
            program,
            args: words.collect(),
            stdin: Vec::new(),
            answer: Answer::GoAuth,
        }]
    }

    fn side_files(&self) -> Vec<SideFile> {
        if !self.needs_wrapper() {
            return Vec::new();
        }
        vec![SideFile::Script {
            path: self.wrapper.clone(),
            bytes: wrapper_script(&self.words()),
        }]
    }

    /// An environment variable overrides the file.
    fn notes(&self, env: &Env) -> Vec<String> {
        ["GOPROXY", "GOAUTH"]
            .into_iter()
            .filter(|key| env.var(key).is_some_and(|v| !v.is_empty()))
            .map(|key| {
                format!(
                    "`{key}` is set in the environment, and Go takes it over `{}`: unset it so Go uses what nexus-token wrote",
                    self.path.display()
                )
            })
            .collect()
    }

    fn doctor(&self, cx: &DoctorCx<'_>) -> Vec<Finding> {
        let (env, current, profile) = (cx.env, cx.current, cx.profile);
        let path = self.path.display();
        let refresh = format!("run `nexus-token refresh --profile {profile}`");
        let mut findings = Vec::new();
        if let Some(bytes) = current {
            for (url, state, detail) in self.inspect(bytes, &|_, _| TargetState::Missing) {
                let ok = state == TargetState::Current;
                findings.push(Finding::new(
                    "go-env",
                    if ok { Level::Ok } else { Level::Fail },
                    if ok {
                        format!(
                            "`{path}` sends Go to `{url}` with credentials from this nexus-token"
                        )
                    } else {
                        format!(
                            "`{path}` does not serve `{url}` through this nexus-token{}",
                            detail.map(|d| format!(": {d}")).unwrap_or_default()
                        )
                    },
                    (!ok).then(|| refresh.clone()),
                ));
            }
        }
        if self.needs_wrapper() {
            let wanted = wrapper_script(&self.words());
            let ok = crate::fs::read_optional(&self.wrapper)
                .ok()
                .flatten()
                .is_some_and(|b| b == wanted);
            findings.push(Finding::new(
                "go-helper",
                if ok { Level::Ok } else { Level::Fail },
                format!(
                    "the GOAUTH wrapper `{}` {}",
                    self.wrapper.display(),
                    if ok {
                        "runs this nexus-token"
                    } else {
                        "is missing or runs another nexus-token or profile"
                    }
                ),
                (!ok).then(|| refresh.clone()),
            ));
        }
        let written = current.map(|b| {
            (
                editor::get(b, "GOAUTH").unwrap_or_default(),
                editor::get(b, "GOPROXY").unwrap_or_default(),
            )
        });
        findings.extend(go_findings(&probe_go(), written.as_ref(), env, &self.path));
        findings
    }
}

/// What the `go` on the PATH says: its version line and `go env GOAUTH GOPROXY`.
pub(crate) struct GoProbe {
    pub version: std::result::Result<String, String>,
    pub goenv: Option<(String, String)>,
}

fn run_go(args: &[&str]) -> std::result::Result<String, String> {
    let out = std::process::Command::new("go")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn probe_go() -> GoProbe {
    let version = run_go(&["version"]);
    let goenv = version
        .is_ok()
        .then(|| run_go(&["env", "GOAUTH", "GOPROXY"]).ok());
    GoProbe {
        version,
        goenv: goenv.flatten().map(|out| {
            let mut lines = out.lines();
            (
                lines.next().unwrap_or_default().to_owned(),
                lines.next().unwrap_or_default().to_owned(),
            )
        }),
    }
}

/// `go version go1.24.11 linux/amd64` -> `(1, 24)`.
pub(crate) fn parse_go_version(line: &str) -> Option<(u32, u32)> {
    let word = line.split_whitespace().find(|w| w.starts_with("go1"))?;
    let mut parts = word.trim_start_matches("go").split(['.', 'r', 'b']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Pure: the doctor lines about the Go toolchain, given what `go` said and what the file holds
/// (`(GOAUTH, GOPROXY)` as written).
pub(crate) fn go_findings(
    probe: &GoProbe,
    written: Option<&(String, String)>,
    env: &Env,
    path: &Path,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let version = match &probe.version {
        Err(e) => {
            findings.push(Finding::new(
                "go-version",
                Level::Warn,
                format!("cannot run `go version`: {e}"),
                Some("install Go 1.24 or later (GOAUTH commands are new in 1.24) and put it on the PATH".into()),
            ));
            return findings;
        }
        Ok(line) => line.trim().to_owned(),
    };
    match parse_go_version(&version) {
        Some(v) if v >= MIN_GO => findings.push(Finding::new(
            "go-version",
            Level::Ok,
            format!("`{version}` runs GOAUTH commands"),
            None,
        )),
        _ => findings.push(Finding::new(
            "go-version",
            Level::Fail,
            format!("`{version}` is older than Go 1.24 and ignores GOAUTH commands: it will fetch without credentials"),
            Some("install Go 1.24 or later".into()),
        )),
    }
    let (Some((goauth, goproxy)), Some((file_auth, file_proxy))) = (&probe.goenv, written) else {
        return findings;
    };
    for (key, effective, wanted) in [
        ("GOAUTH", goauth, file_auth),
        ("GOPROXY", goproxy, file_proxy),
    ] {
        if effective.trim() == wanted.trim() {
            findings.push(Finding::new(
                "go-env-effective",
                Level::Ok,
                format!("`go env {key}` is what `{}` holds", path.display()),
                None,
            ));
        } else {
            let why = if env.var(key).is_some_and(|v| !v.is_empty()) {
                format!("the `{key}` environment variable overrides the file")
            } else {
                "Go reads another env file (`GOENV`?)".to_owned()
            };
            findings.push(Finding::new(
                "go-env-effective",
                Level::Fail,
                format!(
                    "`go env {key}` is `{effective}`, not what `{}` holds: {why}",
                    path.display()
                ),
                Some(format!("unset `{key}` (and `GOENV`) in your shell profile, or log in again with the same environment Go runs in")),
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    const URL: &str = "https://nexus.example/repository/go-proxy/";

    fn target(exe: &str, profile: &str) -> GoTarget {
        GoTarget {
            path: PathBuf::from("/h/.config/go/env"),
            proxies: vec![URL.to_owned()],
            exe: PathBuf::from(exe),
            profile: profile.into(),
            config: None,
            wrapper: PathBuf::from("/h/.config/nexus-token/go-auth-helper-x"),
        }
    }

    fn plan(t: &GoTarget, current: Option<&[u8]>) -> Option<Planned> {
        let pass = Secret::new("pc".to_owned());
        t.plan(
            current,
            &TokenValues {
                name_code: "nc",
                pass_code: &pass,
            },
        )
        .unwrap()
    }

    #[test]
    fn plan_writes_both_keys_keeps_the_rest_and_logout_restores_it() {
        let t = target("/opt/bin/nexus-token", "work");
        let before = "# set by go env -w\nGOFLAGS=-mod=mod\nGOPROXY=https://proxy.golang.org,direct\nGOAUTH=netrc\n";
        let planned = plan(&t, Some(before.as_bytes())).unwrap();
        let text = String::from_utf8(planned.bytes.clone()).unwrap();
        assert_eq!(
            text,
            format!(
                "# set by go env -w\nGOFLAGS=-mod=mod\nGOPROXY={URL},https://proxy.golang.org,direct\nGOAUTH=/opt/bin/nexus-token goauth --profile work;netrc\n"
            )
        );
        assert_eq!(planned.changed, vec!["GOPROXY", "GOAUTH"]);
        assert!(
            plan(&t, Some(&planned.bytes)).is_none(),
            "a second plan changes nothing"
        );
        assert_eq!(
            t.inspect(&planned.bytes, &|_, _| TargetState::Missing)[0].1,
            TargetState::Current
        );
        let cleared = t.clear(&planned.bytes, None).unwrap();
        assert_eq!(
            String::from_utf8(cleared.bytes).unwrap(),
            before,
            "logout takes out only what login put in"
        );
    }

    #[test]
    fn a_missing_file_gets_exactly_the_two_lines_and_logout_empties_it() {
        let t = target("/opt/bin/nexus-token", "work");
        let planned = plan(&t, None).unwrap();
        assert_eq!(
            String::from_utf8(planned.bytes.clone()).unwrap(),
            format!("GOPROXY={URL}\nGOAUTH=/opt/bin/nexus-token goauth --profile work\n")
        );
        assert!(t.clear(&planned.bytes, None).unwrap().bytes.is_empty());
        assert_eq!(
            t.inspect(b"GOFLAGS=-x\n", &|_, _| TargetState::Missing)[0].1,
            TargetState::Missing
        );
    }

    #[test]
    fn another_binary_of_this_profile_is_replaced_and_other_profiles_stay() {
        let t = target("/new/nexus-token", "work");
        let before = format!(
            "GOPROXY={URL}\nGOAUTH=/old/nexus-token goauth --profile work;/old/nexus-token goauth --profile home\n"
        );
        assert_eq!(
            t.inspect(before.as_bytes(), &|_, _| TargetState::Missing)[0].1,
            TargetState::Stale
        );
        let planned = plan(&t, Some(before.as_bytes())).unwrap();
        assert!(
            String::from_utf8(planned.bytes).unwrap().ends_with(
                "GOAUTH=/new/nexus-token goauth --profile work;/old/nexus-token goauth --profile home\n"
            ),
            "the older command of this profile goes, the other profile's stays"
        );
    }

    #[test]
    fn a_path_go_cannot_split_runs_through_the_wrapper() {
        let t = target("/opt/my tools/nexus-token", "work");
        let planned = plan(&t, None).unwrap();
        assert!(
            String::from_utf8(planned.bytes)
                .unwrap()
                .contains("GOAUTH=/h/.config/nexus-token/go-auth-helper-x\n")
        );
        let sides = t.side_files();
        let [SideFile::Script { bytes, .. }] = sides.as_slice() else {
            panic!("one wrapper script");
        };
        let script = String::from_utf8(bytes.clone()).unwrap();
        assert!(script.starts_with(&format!("#!/bin/sh\n{SCRIPT_MARK}")));
        assert!(
            script
                .ends_with("exec '/opt/my tools/nexus-token' 'goauth' '--profile' 'work' \"$@\"\n"),
            "{script}"
        );
        assert!(target("/opt/bin/nexus-token", "w").side_files().is_empty());
        let mut spaced = target("/opt/my tools/nexus-token", "work");
        spaced.wrapper = PathBuf::from("/h/my config/w");
        let pass = Secret::new("pc".to_owned());
        let token = TokenValues {
            name_code: "nc",
            pass_code: &pass,
        };
        assert_eq!(
            spaced.plan(None, &token).unwrap_err().exit_status(),
            crate::error::ExitStatus::Usage
        );
    }

    #[test]
    fn go_versions_and_effective_values() {
        assert_eq!(
            parse_go_version("go version go1.24.11 linux/amd64"),
            Some((1, 24))
        );
        assert_eq!(
            parse_go_version("go version go1.25rc1 linux/amd64"),
            Some((1, 25))
        );
        assert_eq!(
            parse_go_version("go version go1.19.8 linux/amd64"),
            Some((1, 19))
        );
        assert_eq!(parse_go_version("nonsense"), None);
        let env = Env::sandboxed(Path::new("/h")).with_var("GOPROXY", "https://other");
        let written = ("/x goauth --profile p".to_owned(), URL.to_owned());
        let probe = GoProbe {
            version: Ok("go version go1.19.8 linux/amd64".into()),
            goenv: Some((written.0.clone(), "https://other".into())),
        };
        let findings = go_findings(&probe, Some(&written), &env, Path::new("/h/env"));
        let levels: Vec<(&str, Level)> = findings.iter().map(|f| (f.check, f.level)).collect();
        assert_eq!(
            levels,
            vec![
                ("go-version", Level::Fail),
                ("go-env-effective", Level::Ok),
                ("go-env-effective", Level::Fail)
            ]
        );
        assert!(findings[2].message.contains("environment variable"));
        let missing = GoProbe {
            version: Err("not found".into()),
            goenv: None,
        };
        assert_eq!(
            go_findings(&missing, Some(&written), &env, Path::new("/h/env"))[0].level,
            Level::Warn
        );
    }
}

//! The Yarn 2+ target (`login --yarn-registry URL`): Yarn Berry ignores `.npmrc` and reads its
//! credentials from `.yarnrc.yml`; the home rc (`~/.yarnrc.yml`, `YARN_RC_FILENAME` changes the
//! name) gets `npmAuthIdent` and `npmAlwaysAuth` under `npmRegistries` at the registry's key.
//! This folder owns the format (`editor`, pure bytes in, bytes out), the flag, the saved profile
//! section, discovery and the glue to the target seam (plan, clear, inspect, doctor, and the check
//! for a project `.yarnrc.yml` that shadows the home rc). A project rc is only read, never edited.

pub mod editor;

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{Error, Result};
use crate::fs;

use super::{
    DoctorCx, Entry, Finding, Kind, Level, Planned, Target, TargetState, TokenValues, Verdict,
};

mod saved;
pub(crate) use saved::KIND;
pub use saved::{Flags, Saved};

/// Registries (by their URL) whose credentials live in one `.yarnrc.yml`.
#[derive(Debug)]
pub(crate) struct YarnTarget {
    pub path: PathBuf,
    pub registries: Vec<String>,
    /// `login --env-refs`: `npmAuthIdent` refers to the environment that `nexus-token exec`
    /// sets ([`crate::env_refs::YARN_AUTH_IDENT`]), never the token.
    pub env_refs: bool,
}

impl YarnTarget {
    fn parsed(&self) -> Result<Vec<editor::Registry>> {
        self.registries
            .iter()
            .map(|url| {
                editor::Registry::parse(url).map_err(|e| {
                    Error::usage(
                        format!("the saved Yarn registry cannot be used: {e}"),
                        Some(
                            "log in again with `--yarn-registry URL` (an http or https URL)".into(),
                        ),
                    )
                })
            })
            .collect()
    }

    fn edit_error(&self, e: editor::Error) -> Error {
        match e {
            editor::Error::InvalidValue { .. } => super::unwritable_token(&self.path, e),
            editor::Error::Syntax { .. } => Error::file(&self.path, "parse", e),
            e => Error::file(&self.path, "update", e),
        }
    }

    /// The project `.yarnrc.yml` in the working directory, when it is another file than ours.
    fn project_file(&self, env: &Env) -> Option<PathBuf> {
        let name = self.path.file_name()?;
        let project = env.current_dir()?.join(name);
        (project != self.path).then_some(project)
    }

    /// `(project file, registry key)` for every registry the project rc sets credentials for:
    /// Yarn prefers it over the home rc.
    fn shadowed(&self, env: &Env) -> Vec<(PathBuf, String)> {
        let Some(project) = self.project_file(env) else {
            return Vec::new();
        };
        shadowing(&project, &self.registries)
    }
}

impl Target for YarnTarget {
    fn kind(&self) -> Kind {
        KIND
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn names(&self) -> Vec<String> {
        self.registries.clone()
    }

    /// The `//host/path` keys (two URLs may share one).
    fn claims(&self) -> Vec<String> {
        self.registries
            .iter()
            .map(|u| saved::claim_key(u))
            .collect()
    }

    fn plan(&self, current: Option<&[u8]>, token: &TokenValues<'_>) -> Result<Option<Planned>> {
        let registries = self.parsed()?;
        let edit = if self.env_refs {
            editor::set_auth_reference(current, &registries, crate::env_refs::YARN_AUTH_IDENT)
        } else {
            let ident = editor::auth_ident(token.name_code, token.pass_code.expose());
            editor::set_auth(current, &registries, &ident)
        }
        .map_err(|e| self.edit_error(e))?;
        if current == Some(edit.output.as_slice()) || (current.is_none() && edit.changed.is_empty())
        {
            return Ok(None);
        }
        Ok(Some(edit.into()))
    }

    fn clear(&self, current: &[u8], _expected: Option<&str>) -> Result<Planned> {
        let edit = editor::clear_auth(current, &self.parsed()?).map_err(|e| self.edit_error(e))?;
        Ok(edit.into())
    }

    /// One entry per registry, named by its URL. An `npmAuthToken` at the entry is stale (Yarn
    /// sends it instead of `npmAuthIdent`). Our reference is `referenced` for a profile saved
    /// with `--env-refs` and stale for one without; a literal ident is stale for a profile with
    /// `--env-refs`; any other environment reference is unreadable.
    fn inspect(&self, current: &[u8], verdict: &Verdict<'_>) -> Vec<Entry> {
        self.registries
            .iter()
            .map(|url| {
                let registry = match editor::Registry::parse(url) {
                    Ok(r) => r,
                    Err(e) => return (url.clone(), TargetState::Unreadable, Some(e.to_string())),
                };
                match editor::read_auth(current, &registry) {
                    Err(e) => (url.clone(), TargetState::Unreadable, Some(e.to_string())),
                    Ok(None) => (url.clone(), TargetState::Missing, None),
                    Ok(Some(editor::YarnAuth::Token)) => (
                        url.clone(),
                        TargetState::Stale,
                        Some(format!(
                            "an `npmAuthToken` at `{}` wins over `npmAuthIdent`",
                            registry.key
                        )),
                    ),
                    Ok(Some(editor::YarnAuth::Ident(ident)))
                        if ident == crate::env_refs::YARN_AUTH_IDENT =>
                    {
                        if self.env_refs {
                            (url.clone(), TargetState::Referenced, None)
                        } else {
                            (
                                url.clone(),
                                TargetState::Stale,
                                Some(format!(
                                    "the `npmAuthIdent` at `{}` refers to the environment, but the profile was saved without `--env-refs`",
                                    registry.key
                                )),
                            )
                        }
                    }
                    Ok(Some(editor::YarnAuth::Ident(ident))) if ident.contains("${") => (
                        url.clone(),
                        TargetState::Unreadable,
                        Some(format!(
                            "the `npmAuthIdent` at `{}` is an environment reference",
                            registry.key
                        )),
                    ),
                    Ok(Some(editor::YarnAuth::Ident(_))) if self.env_refs => (
                        url.clone(),
                        TargetState::Stale,
                        Some(format!(
                            "the `npmAuthIdent` at `{}` holds a literal token instead of `{}` (the profile refers to the environment)",
                            registry.key,
                            crate::env_refs::YARN_AUTH_IDENT
                        )),
                    ),
                    Ok(Some(editor::YarnAuth::Ident(ident))) => {
                        let (user, pass) = match ident.split_once(':') {
                            Some((u, p)) => (Some(u), Some(p)),
                            None => (Some(ident.as_str()), None),
                        };
                        (url.clone(), verdict(user, pass), None)
                    }
                }
            })
            .collect()
    }

    /// A project rc that overrides what we write (login and refresh print it).
    fn notes(&self, env: &Env) -> Vec<String> {
        self.shadowed(env)
            .into_iter()
            .map(|(project, key)| {
                format!(
                    "the project file `{}` sets credentials for `{key}`, which Yarn uses instead of `{}` in this folder: remove them (nexus-token never edits a project file)",
                    project.display(),
                    self.path.display()
                )
            })
            .collect()
    }

    fn doctor(&self, cx: &DoctorCx<'_>) -> Vec<Finding> {
        let (env, current, profile) = (cx.env, cx.current, cx.profile);
        let path = self.path.display();
        let mut findings = Vec::new();
        if let Some(bytes) = current {
            if let Err(e) = editor::registries(bytes) {
                findings.push(Finding::new(
                    "files-parse",
                    Level::Fail,
                    format!("`{path}`: {e}"),
                    Some("fix the file at that line and column".into()),
                ));
                return findings;
            }
            findings.push(Finding::new(
                "files-parse",
                Level::Ok,
                format!("`{path}` parses"),
                None,
            ));
            for registry in self
                .registries
                .iter()
                .filter_map(|u| editor::Registry::parse(u).ok())
            {
                if let Ok(Some(editor::YarnAuth::Token)) = editor::read_auth(bytes, &registry) {
                    findings.push(Finding::new(
                        "yarn-auth-token",
                        Level::Fail,
                        format!(
                            "`{path}` has an `npmAuthToken` at `{}`: Yarn sends it instead of the token's `npmAuthIdent`",
                            registry.key
                        ),
                        Some(format!(
                            "run `nexus-token refresh --profile {profile}` (it removes the `npmAuthToken` at that registry)"
                        )),
                    ));
                }
            }
        }
        findings.push(yarn_version_finding(env));
        for (project, key) in self.shadowed(env) {
            findings.push(Finding::new(
                "yarn-shadow",
                Level::Warn,
                format!(
                    "the project file `{}` sets credentials for `{key}`: in that folder Yarn uses them instead of `{path}`",
                    project.display()
                ),
                Some(format!(
                    "remove `npmAuthIdent`/`npmAuthToken` of that registry from `{}` by hand (nexus-token never edits a project file)",
                    project.display()
                )),
            ));
        }
        findings
    }
}

/// How long doctor waits for `yarn --version`.
const YARN_VERSION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// `yarn` on `PATH` (as run in doctor's working directory, where a project's `yarnPath` or
/// corepack may choose the version): Yarn 1 ignores `.yarnrc.yml`, a warning; none: info.
fn yarn_version_finding(env: &Env) -> Finding {
    let Some(yarn) = super::gradle_init::find_on_path(env, "yarn") else {
        return Finding::new("yarn-version", Level::Info, "no `yarn` on PATH", None);
    };
    let output = match super::gradle_init::run_bounded(&yarn, &["--version"], YARN_VERSION_TIMEOUT)
    {
        Ok(output) => output,
        Err(why) => {
            return Finding::new(
                "yarn-version",
                Level::Info,
                format!("`{} --version` {why}", yarn.display()),
                None,
            );
        }
    };
    let version = output.trim();
    match version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
    {
        Some(1) => Finding::new(
            "yarn-version",
            Level::Warn,
            format!(
                "`{}` is Yarn {version}, which reads `~/.npmrc`, not `.yarnrc.yml`",
                yarn.display()
            ),
            Some("for Yarn 1, add `--npm-registry URL --npm-always-auth` to the login".into()),
        ),
        Some(_) => Finding::new(
            "yarn-version",
            Level::Ok,
            format!(
                "`{}` is Yarn {version}, which reads `.yarnrc.yml`",
                yarn.display()
            ),
            None,
        ),
        None => Finding::new(
            "yarn-version",
            Level::Info,
            format!("`{} --version` did not name a version", yarn.display()),
            None,
        ),
    }
}

/// The registries (as `//host/path` keys) for which the rc file at `path` sets credentials.
fn shadowing(path: &Path, registries: &[String]) -> Vec<(PathBuf, String)> {
    let Ok(Some(bytes)) = fs::read_optional(path) else {
        return Vec::new();
    };
    registries
        .iter()
        .filter_map(|u| editor::Registry::parse(u).ok())
        .filter(|r| matches!(editor::read_auth(&bytes, r), Ok(Some(_))))
        .map(|r| (path.to_path_buf(), r.key))
        .collect()
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set up files with `std::fs::write`
mod tests {
    use super::*;
    use crate::error::ExitStatus;
    use crate::secret::Secret;
    use crate::targets::TargetKind as _;

    const GROUP: &str = "http://127.0.0.1:8081/repository/npm-group/";

    fn target(path: &Path) -> YarnTarget {
        YarnTarget {
            path: path.to_path_buf(),
            registries: vec![GROUP.to_owned()],
            env_refs: false,
        }
    }

    fn plan(t: &YarnTarget, current: Option<&[u8]>, pass: &str) -> Result<Option<Planned>> {
        let pass = Secret::new(pass.to_owned());
        t.plan(
            current,
            &TokenValues {
                name_code: "nc",
                pass_code: &pass,
            },
        )
    }

    fn verdict(user: Option<&str>, pass: Option<&str>) -> TargetState {
        match (user, pass) {
            (Some("nc"), Some("pc")) => TargetState::Current,
            (Some(_), Some(_)) => TargetState::Stale,
            _ => TargetState::Missing,
        }
    }

    #[test]
    fn plan_inspect_clear_round_trip() {
        let t = target(Path::new("/h/.yarnrc.yml"));
        let before = b"nodeLinker: node-modules\n";
        let planned = plan(&t, Some(before), "pc").unwrap().unwrap();
        assert_eq!(
            planned.changed,
            vec!["\"//127.0.0.1:8081/repository/npm-group\"".to_owned()]
        );
        assert!(
            plan(&t, Some(&planned.bytes), "pc").unwrap().is_none(),
            "a second plan with the same token changes nothing"
        );
        assert_eq!(
            t.inspect(&planned.bytes, &verdict)[0].1,
            TargetState::Current
        );
        let other = plan(&t, Some(&planned.bytes), "new").unwrap().unwrap();
        assert_eq!(t.inspect(&planned.bytes, &verdict)[0].0, GROUP);
        assert_eq!(t.inspect(&other.bytes, &verdict)[0].1, TargetState::Stale);
        let cleared = t.clear(&planned.bytes, None).unwrap();
        assert_eq!(
            t.inspect(&cleared.bytes, &verdict)[0].1,
            TargetState::Missing
        );
        assert!(
            String::from_utf8(cleared.bytes)
                .unwrap()
                .starts_with("nodeLinker: node-modules\n")
        );
    }

    #[test]
    fn errors_map_to_exit_codes() {
        let t = target(Path::new("/h/.yarnrc.yml"));
        let e = plan(&t, Some(b"npmRegistries: {}\n"), "pc").unwrap_err();
        assert_eq!(e.exit_status(), ExitStatus::File);
        let cause = std::error::Error::source(&e).map(ToString::to_string);
        assert!(
            cause.is_some_and(|c| c.contains("line 1, column 16")),
            "the error has the line and column: {e}"
        );
        assert_eq!(
            plan(&t, None, "a${B}").unwrap_err().exit_status(),
            ExitStatus::Unavailable,
            "a token Yarn would read differently is the server's problem"
        );
        let bad = YarnTarget {
            path: PathBuf::from("/h/.yarnrc.yml"),
            registries: vec!["ftp://x/".into()],
            env_refs: false,
        };
        assert_eq!(
            plan(&bad, None, "pc").unwrap_err().exit_status(),
            ExitStatus::Usage
        );
    }

    #[test]
    fn doctor_fails_on_an_auth_token_and_warns_about_a_shadowing_project_file() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join(".yarnrc.yml");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&project).unwrap();
        let shadow =
            "npmRegistries:\n  \"//127.0.0.1:8081/repository/npm-group\":\n    npmAuthToken: x\n";
        std::fs::write(project.join(".yarnrc.yml"), shadow).unwrap();
        let t = target(&home);
        let mut env = Env::sandboxed(dir.path());
        env.cwd = Some(project.clone());
        let findings = t.doctor(&DoctorCx {
            env: &env,
            current: Some(shadow.as_bytes()),
            profile: "default",
        });
        assert!(
            findings
                .iter()
                .any(|f| f.check == "yarn-auth-token" && f.level == Level::Fail),
            "{findings:?}"
        );
        assert!(
            findings
                .iter()
                .any(|f| f.check == "yarn-shadow" && f.level == Level::Warn),
            "{findings:?}"
        );
        assert_eq!(t.notes(&env).len(), 1);
        let broken = t.doctor(&DoctorCx {
            env: &env,
            current: Some(b"a: 1\n---\nb: 2\n"),
            profile: "default",
        });
        assert!(
            broken
                .iter()
                .any(|f| f.check == "files-parse" && f.level == Level::Fail)
        );
    }

    #[cfg(unix)] // a `#!/bin/sh` stand-in for yarn
    #[test]
    fn doctor_tells_yarn_1_from_yarn_2_plus_on_the_path() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let yarn = dir.path().join("yarn");
        let check = |version: &str| {
            std::fs::write(&yarn, format!("#!/bin/sh\necho {version}\n")).unwrap();
            std::fs::set_permissions(&yarn, std::fs::Permissions::from_mode(0o755)).unwrap();
            let env =
                Env::sandboxed(dir.path()).with_var("PATH", &dir.path().display().to_string());
            yarn_version_finding(&env)
        };
        let one = check("1.22.22");
        assert!(one.level == Level::Warn && one.fix.is_some_and(|f| f.contains("--npm-registry")));
        assert_eq!(check("4.18.1").level, Level::Ok);
        assert_eq!(
            yarn_version_finding(&Env::sandboxed(dir.path())).level,
            Level::Info,
            "no PATH: no yarn"
        );
    }

    #[test]
    fn flags_are_validated_and_the_rc_file_follows_yarn_rc_filename() {
        let env = Env::sandboxed(Path::new("/h")).with_var("YARN_RC_FILENAME", ".yarnrc-ci.yml");
        let ui = crate::ui::Ui::new(true, 0, false);
        let all = crate::targets::TargetArgs::default();
        let cx = crate::targets::FlagCx {
            env: &env,
            ui: &ui,
            profile: "default",
            url: "http://127.0.0.1:8081",
            no_keyring: false,
            all: &all,
            config: None,
        };
        let flags = |urls: &[&str]| Flags {
            yarn_registries: urls.iter().map(|u| (*u).to_owned()).collect(),
        };
        let t = Saved::from_flags(&cx, &flags(&[GROUP, GROUP]), None).unwrap();
        // In the home, named by YARN_RC_FILENAME (made absolute: `Z:\h\...` under Wine).
        let rc = t.yarnrc.clone().unwrap();
        assert_eq!(rc.file_name(), Some(std::ffi::OsStr::new(".yarnrc-ci.yml")));
        assert!(
            rc.parent().is_some_and(|p| p.ends_with("h")),
            "{}",
            rc.display()
        );
        assert_eq!(
            t.registries,
            vec![GROUP.to_owned()],
            "a repeated URL is saved once"
        );
        let e = Saved::from_flags(&cx, &flags(&["registry.example"]), None).unwrap_err();
        assert_eq!(e.exit_status(), ExitStatus::Usage);
        let resolved = t.resolve(&crate::targets::ResolveCx {
            env: &env,
            profile: "default",
            url: "http://127.0.0.1:8081",
            config: None,
            env_refs: false,
        });
        assert_eq!(
            resolved[0].claims(),
            vec!["//127.0.0.1:8081/repository/npm-group".to_owned()],
            "a Yarn target claims the registry's key, not its spelling"
        );
    }

    #[test]
    fn env_refs_write_the_reference_and_inspect_tells_it_from_a_literal() {
        let mut t = target(Path::new("/h/.yarnrc.yml"));
        let literal = plan(&t, None, "pc").unwrap().unwrap().bytes;
        t.env_refs = true;
        let referred = plan(&t, Some(&literal), "pc").unwrap().unwrap();
        let text = String::from_utf8(referred.bytes.clone()).unwrap();
        assert!(
            text.contains("npmAuthIdent: \"${NEXUS_TOKEN_NAMECODE}:${NEXUS_TOKEN_PASSCODE}\"")
                && !text.contains("nc:pc"),
            "the literal token is replaced by the reference: {text}"
        );
        assert_eq!(
            t.inspect(&referred.bytes, &verdict)[0].1,
            TargetState::Referenced
        );
        assert!(
            plan(&t, Some(&referred.bytes), "other").unwrap().is_none(),
            "a reference does not change with the token"
        );
        let stale = t.inspect(&literal, &verdict);
        assert!(
            stale[0].1 == TargetState::Stale
                && stale[0].2.as_deref().is_some_and(|d| d.contains("literal")),
            "a literal token in a profile with --env-refs is stale: {stale:?}"
        );
        t.env_refs = false;
        let back = t.inspect(&referred.bytes, &verdict);
        assert!(
            back[0].1 == TargetState::Stale
                && back[0]
                    .2
                    .as_deref()
                    .is_some_and(|d| d.contains("--env-refs")),
            "a reference in a profile without --env-refs is stale: {back:?}"
        );
        let again = plan(&t, Some(&referred.bytes), "pc").unwrap().unwrap();
        assert_eq!(
            t.inspect(&again.bytes, &verdict)[0].1,
            TargetState::Current,
            "--no-env-refs writes the token again"
        );
    }
}

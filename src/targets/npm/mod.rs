//! npm, pnpm and Yarn 1 targets: the user `.npmrc` gets the token as `_auth` at the registry's
//! exact key. This folder owns the npmrc format (`editor`, pure bytes in, bytes out) and the glue
//! to the target seam (this file: plan, clear, inspect, doctor, and the check for a project
//! `.npmrc` that shadows the user file). Reading and writing the file stay with the seam and `fs`;
//! a project `.npmrc` is only ever read, never edited.

pub mod editor;

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{Error, Result};
use crate::fs;

use super::{
    DoctorCx, Entry, Finding, Kind, Level, Planned, Target, TargetState, TokenValues, Verdict,
};

mod saved;
pub use saved::{Flags, Saved};
pub(crate) use saved::{KIND, claim_keys, npmrc_path as saved_npmrc};

/// Registries (by their URL) whose credentials live in one user npmrc.
#[derive(Debug)]
pub(crate) struct NpmTarget {
    pub path: PathBuf,
    /// The registry URLs as saved in the profile.
    pub registries: Vec<String>,
    /// Also write `<key>:always-auth=true` (Yarn 1 sends no credentials for unscoped packages
    /// without it).
    pub always_auth: bool,
    /// `login --env-refs`: `_auth=${NEXUS_TOKEN_AUTH}` instead of the token.
    pub env_refs: bool,
}

impl NpmTarget {
    /// The npmrc key of every registry; a URL without one (a hand-edited profile) is a usage error.
    fn keys(&self) -> Result<Vec<String>> {
        self.registries
            .iter()
            .map(|url| {
                editor::registry_key(url).map_err(|e| {
                    Error::usage(
                        format!("the saved npm registry cannot be used: {e}"),
                        Some(
                            "log in again with `--npm-registry URL` (an http or https URL)".into(),
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

    /// The project `.npmrc` in the working directory, when it is another file than ours.
    fn project_file(&self, env: &Env) -> Option<PathBuf> {
        let project = env.current_dir()?.join(".npmrc");
        (project != self.path).then_some(project)
    }

    /// `(project file, registry key, credential names)` for every key the project `.npmrc` in the
    /// working directory sets credentials for: npm merges it over the user file.
    fn shadowed(&self, env: &Env) -> Vec<(PathBuf, String, Vec<&'static str>)> {
        let Some(project) = self.project_file(env) else {
            return Vec::new();
        };
        let Ok(Some(bytes)) = fs::read_optional(&project) else {
            return Vec::new();
        };
        self.registries
            .iter()
            .filter_map(|url| editor::registry_key(url).ok())
            .filter_map(|key| {
                let names = editor::shadowing_auth(&bytes, &key);
                (!names.is_empty()).then(|| (project.clone(), key, names))
            })
            .collect()
    }
}

impl Target for NpmTarget {
    fn kind(&self) -> Kind {
        KIND
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn names(&self) -> Vec<String> {
        self.registries.clone()
    }

    /// The npmrc keys (two URLs may share one).
    fn claims(&self) -> Vec<String> {
        claim_keys(&self.registries)
    }

    fn plan(&self, current: Option<&[u8]>, token: &TokenValues<'_>) -> Result<Option<Planned>> {
        let keys = self.keys()?;
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let mut edit = if self.env_refs {
            editor::set_auth_reference(current, &keys)
        } else {
            let auth = editor::auth_value(token.name_code, token.pass_code.expose());
            editor::set_auth(current, &keys, &auth)
        }
        .map_err(|e| self.edit_error(e))?;
        if self.always_auth {
            for key in &keys {
                let more = editor::set_key(Some(&edit.output), key, "always-auth", "true")
                    .map_err(|e| self.edit_error(e))?;
                edit.output = more.output;
                edit.changed.extend(more.changed);
                edit.warnings.extend(more.warnings);
            }
        }
        if current == Some(edit.output.as_slice()) {
            return Ok(None);
        }
        Ok(Some(edit.into()))
    }

    fn clear(&self, current: &[u8], _expected: Option<&str>) -> Result<Planned> {
        let keys = self.keys()?;
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let edit = editor::clear_auth(current, &keys, false).map_err(|e| self.edit_error(e))?;
        Ok(edit.into())
    }

    /// One entry per registry, named by its URL. An `_authToken` at the key is stale (npm sends
    /// it instead of `_auth`); an `_auth` that cannot be decoded is unreadable.
    fn inspect(&self, current: &[u8], verdict: &Verdict<'_>) -> Vec<Entry> {
        self.registries
            .iter()
            .map(|url| {
                let key = match editor::registry_key(url) {
                    Ok(key) => key,
                    Err(e) => return (url.clone(), TargetState::Unreadable, Some(e.to_string())),
                };
                let referred = editor::read_value(current, &format!("{key}:_auth"))
                    .is_ok_and(|v| v.as_deref() == Some(crate::env_refs::NPM_AUTH));
                match editor::read_auth(current, &key) {
                    Err(e) => (url.clone(), TargetState::Unreadable, Some(e.to_string())),
                    Ok(Some(editor::NpmAuth::Undecodable)) if referred => {
                        if self.env_refs {
                            (url.clone(), TargetState::Referenced, None)
                        } else {
                            (
                                url.clone(),
                                TargetState::Stale,
                                Some(format!(
                                    "`{key}:_auth` refers to the environment, but the profile was saved without `--env-refs`"
                                )),
                            )
                        }
                    }
                    Ok(Some(editor::NpmAuth::Basic { .. })) if self.env_refs => (
                        url.clone(),
                        TargetState::Stale,
                        Some(format!(
                            "`{key}:_auth` holds a literal token instead of `{}` (the profile refers to the environment)",
                            crate::env_refs::NPM_AUTH
                        )),
                    ),
                    Ok(None) => (url.clone(), TargetState::Missing, None),
                    Ok(Some(editor::NpmAuth::Basic { username, password })) => {
                        (url.clone(), verdict(Some(&username), Some(&password)), None)
                    }
                    Ok(Some(editor::NpmAuth::Token)) => (
                        url.clone(),
                        TargetState::Stale,
                        Some(format!("an `_authToken` at `{key}` wins over `_auth`")),
                    ),
                    Ok(Some(editor::NpmAuth::Undecodable)) => (
                        url.clone(),
                        TargetState::Unreadable,
                        Some(format!(
                            "the credential at `{key}` cannot be decoded (a `${{VAR}}` reference?)"
                        )),
                    ),
                }
            })
            .collect()
    }

    /// A project `.npmrc` that overrides what we write (login and refresh print it).
    fn notes(&self, env: &Env) -> Vec<String> {
        self.shadowed(env)
            .into_iter()
            .map(|(project, key, names)| {
                format!(
                    "the project file `{}` sets {} at `{key}`, which npm, pnpm and Yarn use instead of `{}` in this folder: remove those lines (nexus-token never edits a project file)",
                    project.display(),
                    quoted(&names),
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
            match editor::parse(bytes) {
                Ok(_) => findings.push(Finding::new(
                    "files-parse",
                    Level::Ok,
                    format!("`{path}` parses"),
                    None,
                )),
                Err(e) => {
                    findings.push(Finding::new(
                        "files-parse",
                        Level::Fail,
                        format!("`{path}`: {e}"),
                        Some("fix the file at that line and column".into()),
                    ));
                    return findings;
                }
            }
            for key in self
                .registries
                .iter()
                .filter_map(|u| editor::registry_key(u).ok())
            {
                if let Ok(Some(editor::NpmAuth::Token)) = editor::read_auth(bytes, &key) {
                    findings.push(Finding::new(
                        "npm-auth-token",
                        Level::Fail,
                        format!(
                            "`{path}` has an `_authToken` at `{key}`: npm, pnpm and Yarn send it instead of the token's `_auth`"
                        ),
                        Some(format!(
                            "run `nexus-token refresh --profile {profile}` (it removes the `_authToken` at that key)"
                        )),
                    ));
                }
            }
        }
        for (project, key, names) in self.shadowed(env) {
            findings.push(Finding::new(
                "npm-shadow",
                Level::Warn,
                format!(
                    "the project file `{}` sets {} at `{key}`: in that folder npm, pnpm and Yarn use it instead of `{path}`",
                    project.display(),
                    quoted(&names)
                ),
                Some(format!(
                    "remove the `{key}:…` credential lines from `{}` by hand (nexus-token never edits a project file)",
                    project.display()
                )),
            ));
        }
        findings
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set up files with `std::fs::write`
mod tests {
    use super::*;
    use crate::error::ExitStatus;
    use crate::secret::Secret;

    const GROUP: &str = "http://127.0.0.1:8081/repository/npm-group/";
    const KEY: &str = "//127.0.0.1:8081/repository/npm-group/";

    fn target(path: &str) -> NpmTarget {
        NpmTarget {
            path: PathBuf::from(path),
            registries: vec![GROUP.to_owned()],
            always_auth: false,
            env_refs: false,
        }
    }

    fn plan(t: &NpmTarget, current: Option<&[u8]>, pass: &str) -> Result<Option<Planned>> {
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
    fn plan_writes_auth_and_is_idempotent() {
        let t = target("/h/.npmrc");
        let before = format!("fund=false\n{KEY}:_authToken=old\n");
        let planned = plan(&t, Some(before.as_bytes()), "pc").unwrap().unwrap();
        let text = String::from_utf8(planned.bytes.clone()).unwrap();
        assert_eq!(
            text,
            format!(
                "fund=false\n{KEY}:_auth={}\n",
                editor::auth_value("nc", "pc")
            ),
            "the `_authToken` goes and `_auth` is appended; the rest stays"
        );
        assert!(
            plan(&t, Some(&planned.bytes), "pc").unwrap().is_none(),
            "a second plan with the same token changes nothing"
        );
        let inspected = t.inspect(&planned.bytes, &verdict);
        assert_eq!(
            inspected[0].1,
            TargetState::Current,
            "the written token is current"
        );
    }

    #[test]
    fn env_refs_write_the_reference_and_inspect_tells_it_from_a_literal() {
        let mut t = target("/h/.npmrc");
        t.env_refs = true;
        let before = format!(
            "fund=false\n{KEY}:_auth={}\n",
            editor::auth_value("nc", "pc")
        );
        assert_eq!(
            t.inspect(before.as_bytes(), &verdict)[0].1,
            TargetState::Stale
        );
        let planned = plan(&t, Some(before.as_bytes()), "pc").unwrap().unwrap();
        let text = String::from_utf8(planned.bytes.clone()).unwrap();
        assert_eq!(
            text,
            format!("fund=false\n{KEY}:_auth=${{NEXUS_TOKEN_AUTH}}\n")
        );
        assert!(plan(&t, Some(&planned.bytes), "pc").unwrap().is_none());
        assert_eq!(
            t.inspect(&planned.bytes, &verdict)[0].1,
            TargetState::Referenced
        );
        t.env_refs = false;
        assert_eq!(
            t.inspect(&planned.bytes, &verdict)[0].1,
            TargetState::Stale,
            "a reference in a profile that writes the token is stale"
        );
    }

    #[test]
    fn always_auth_is_written_only_when_asked() {
        let mut t = target("/h/.npmrc");
        let plain = plan(&t, None, "pc").unwrap().unwrap();
        assert!(
            !String::from_utf8_lossy(&plain.bytes).contains("always-auth"),
            "always-auth is opt-in"
        );
        t.always_auth = true;
        let with = plan(&t, None, "pc").unwrap().unwrap();
        assert!(
            String::from_utf8_lossy(&with.bytes).contains(&format!("{KEY}:always-auth=true")),
            "--npm-always-auth writes always-auth at the registry key"
        );
    }

    #[test]
    fn errors_map_to_file_and_usage_exit_codes() {
        let t = target("/h/.npmrc");
        let e = plan(&t, Some(b"a=\xff\n"), "pc").unwrap_err();
        assert_eq!(
            e.exit_status(),
            ExitStatus::File,
            "a file npm cannot read is exit 5"
        );
        let cause = std::error::Error::source(&e).map(ToString::to_string);
        assert!(
            e.to_string().contains("/h/.npmrc")
                && cause
                    .as_deref()
                    .is_some_and(|c| c.contains("line 1, column")),
            "the error names the file, the line and the column: {e} / {cause:?}"
        );
        let bad = NpmTarget {
            path: PathBuf::from("/h/.npmrc"),
            registries: vec!["ftp://x/".to_owned()],
            always_auth: false,
            env_refs: false,
        };
        assert_eq!(
            plan(&bad, None, "pc").unwrap_err().exit_status(),
            ExitStatus::Usage,
            "a saved registry without an npmrc key is a usage error"
        );
    }

    #[test]
    fn inspect_tells_token_missing_and_undecodable_apart() {
        let t = target("/h/.npmrc");
        let cases = [
            (
                format!("{KEY}:_authToken=x\n{KEY}:_auth=bmM6cGM=\n"),
                TargetState::Stale,
            ),
            (String::from("fund=false\n"), TargetState::Missing),
            (
                format!("{KEY}:_auth=${{NPM_AUTH}}\n"),
                TargetState::Unreadable,
            ),
            (
                format!("{KEY}:_auth={}\n", editor::auth_value("nc", "old")),
                TargetState::Stale,
            ),
        ];
        for (text, want) in cases {
            let got = t.inspect(text.as_bytes(), &verdict);
            assert_eq!(got[0].1, want, "state of {text:?}");
            assert_eq!(got[0].0, GROUP, "entries are named by the registry URL");
        }
    }

    #[test]
    fn clear_removes_only_the_auth_line() {
        let t = target("/h/.npmrc");
        let text = format!("; keep\n{KEY}:_auth=bmM6cGM=\n//other/:_auth=eDp5\n");
        let cleared = t.clear(text.as_bytes(), None).unwrap();
        assert_eq!(
            String::from_utf8(cleared.bytes).unwrap(),
            "; keep\n//other/:_auth=eDp5\n",
            "logout removes our `_auth` and keeps other registries"
        );
    }

    #[test]
    fn doctor_fails_on_an_auth_token_and_warns_about_a_shadowing_project_file() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user.npmrc");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&project).unwrap();
        let shadow = format!("{KEY}:_authToken=x\n");
        std::fs::write(project.join(".npmrc"), &shadow).unwrap();
        let t = NpmTarget {
            path: user,
            registries: vec![GROUP.to_owned()],
            always_auth: false,
            env_refs: false,
        };
        let mut env = Env::sandboxed(dir.path());
        env.cwd = Some(project.clone());
        let current = format!("{KEY}:_authToken=stale\n");
        let findings = t.doctor(&DoctorCx {
            env: &env,
            current: Some(current.as_bytes()),
            profile: "default",
        });
        assert!(
            findings
                .iter()
                .any(|f| f.check == "npm-auth-token" && f.level == Level::Fail),
            "an `_authToken` at our key is a failure: {findings:?}"
        );
        assert!(
            findings.iter().any(|f| f.check == "npm-shadow"
                && f.level == Level::Warn
                && f.message
                    .contains(&project.join(".npmrc").display().to_string())),
            "a project .npmrc with auth at our key is a warning naming it: {findings:?}"
        );
        assert_eq!(
            t.notes(&env).len(),
            1,
            "login and refresh print the shadowing too"
        );
        assert_eq!(
            std::fs::read_to_string(project.join(".npmrc")).unwrap(),
            shadow,
            "the project file is never edited"
        );
    }
}

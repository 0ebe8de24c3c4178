//! npm, pnpm and Yarn 1 targets: the user `.npmrc` gets the token as `_auth` at the registry's
//! exact key. This folder owns the npmrc format (`editor`, pure bytes in, bytes out) and the glue
//! to the target seam (this file: plan, clear, inspect, doctor, and the check for a project
//! `.npmrc` that shadows the user file). Reading and writing the file stay with the seam and `fs`;
//! a project `.npmrc` is only ever read, never edited.

pub mod editor;

use std::path::PathBuf;

use crate::env::Env;
use crate::error::{Error, ExitStatus, Result};
use crate::fs;

use super::{Finding, Level, Planned, State, TokenValues};

/// Registries (by their URL) whose credentials live in one user npmrc.
#[derive(Debug)]
pub(crate) struct NpmTarget {
    pub path: PathBuf,
    /// The registry URLs as saved in the profile.
    pub registries: Vec<String>,
    /// Also write `<key>:always-auth=true` (Yarn 1 sends no credentials for unscoped packages
    /// without it).
    pub always_auth: bool,
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
            editor::Error::InvalidValue { .. } => Error::other(
                ExitStatus::Unavailable,
                format!(
                    "Nexus sent a token that `{}` cannot hold: {e}",
                    self.path.display()
                ),
                Some("this is a server-side problem: reset the token (`nexus-token rotate`) or ask your Nexus administrator".into()),
            ),
            editor::Error::Syntax { .. } => Error::file(&self.path, "parse", e),
            e => Error::file(&self.path, "update", e),
        }
    }

    pub(crate) fn plan(
        &self,
        current: Option<&[u8]>,
        token: &TokenValues<'_>,
    ) -> Result<Option<Planned>> {
        let keys = self.keys()?;
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let auth = editor::auth_value(token.name_code, token.pass_code.expose());
        let mut edit = editor::set_auth(current, &keys, &auth).map_err(|e| self.edit_error(e))?;
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
        Ok(Some(Planned {
            bytes: edit.output,
            changed: edit.changed,
            warnings: edit.warnings,
        }))
    }

    pub(crate) fn clear(&self, current: &[u8]) -> Result<Planned> {
        let keys = self.keys()?;
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let edit = editor::clear_auth(current, &keys, false).map_err(|e| self.edit_error(e))?;
        Ok(Planned {
            bytes: edit.output,
            changed: edit.changed,
            warnings: edit.warnings,
        })
    }

    /// One entry per registry, named by its URL. An `_authToken` at the key is stale (npm sends
    /// it instead of `_auth`); an `_auth` that cannot be decoded is unreadable.
    pub(crate) fn inspect(
        &self,
        current: &[u8],
        verdict: &dyn Fn(Option<&str>, Option<&str>) -> State,
    ) -> Vec<(String, State, Option<String>)> {
        self.registries
            .iter()
            .map(|url| {
                let key = match editor::registry_key(url) {
                    Ok(key) => key,
                    Err(e) => return (url.clone(), State::Unreadable, Some(e.to_string())),
                };
                match editor::read_auth(current, &key) {
                    Err(e) => (url.clone(), State::Unreadable, Some(e.to_string())),
                    Ok(None) => (url.clone(), State::Missing, None),
                    Ok(Some(editor::NpmAuth::Basic { username, password })) => {
                        (url.clone(), verdict(Some(&username), Some(&password)), None)
                    }
                    Ok(Some(editor::NpmAuth::Token)) => (
                        url.clone(),
                        State::Stale,
                        Some(format!("an `_authToken` at `{key}` wins over `_auth`")),
                    ),
                    Ok(Some(editor::NpmAuth::Undecodable)) => (
                        url.clone(),
                        State::Unreadable,
                        Some(format!(
                            "the credential at `{key}` cannot be decoded (a `${{VAR}}` reference?)"
                        )),
                    ),
                }
            })
            .collect()
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

    /// A project `.npmrc` that overrides what we write (login and refresh print it).
    pub(crate) fn notes(&self, env: &Env) -> Vec<String> {
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

    pub(crate) fn doctor(&self, env: &Env, current: Option<&[u8]>, profile: &str) -> Vec<Finding> {
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

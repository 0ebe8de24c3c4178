//! Puts a token into a profile's targets (settings.xml servers, gradle.properties keys), reads it
//! back for `status`/`doctor`, and removes it for `logout --remove-credentials`.
//!
//! This is the glue between the pure editors (`maven`, `gradle`, `maven_security`) and `fs`: it
//! decides which file and which ids/keys, and reports what changed by name, never by value.

pub mod cargo;
pub mod docker;

use std::path::{Path, PathBuf};

use crate::cli::MavenEncrypt;
use crate::env::Env;
use crate::error::{Error, ExitStatus, Result};
use crate::fs::{self, Outcome};
use crate::profile::{Profile, fingerprint};
use crate::secret::Secret;
use crate::{gradle, maven, maven_security};

/// Which editor a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// settings.xml
    Maven,
    /// gradle.properties
    Gradle,
}

/// What happened (or would happen) to one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// Which editor.
    pub kind: Kind,
    /// The file.
    pub path: PathBuf,
    /// Server ids or property keys whose values changed (or would).
    pub changed: Vec<String>,
    /// What the write did; `None` in a dry run.
    pub outcome: Option<Outcome>,
    /// Warnings from the editor and the file checks.
    pub warnings: Vec<String>,
}

/// The token values to write.
#[derive(Debug)]
pub struct TokenValues<'a> {
    /// The token's user part.
    pub name_code: &'a str,
    /// The token's password part.
    pub pass_code: &'a Secret<String>,
}

/// How to write.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Compute only; write nothing.
    pub dry_run: bool,
    /// Rewrite files even when their bytes would not change.
    pub force: bool,
}

/// The settings.xml of a profile.
pub fn maven_settings(profile: &Profile, env: &Env) -> PathBuf {
    profile
        .maven
        .settings
        .clone()
        .unwrap_or_else(|| env.maven_settings())
}

/// The settings-security.xml of a profile.
pub fn maven_settings_security(profile: &Profile, env: &Env) -> PathBuf {
    profile
        .maven
        .settings_security
        .clone()
        .unwrap_or_else(|| env.maven_settings_security())
}

/// The gradle.properties of a profile.
pub fn gradle_properties(profile: &Profile, env: &Env) -> PathBuf {
    profile
        .gradle
        .properties
        .clone()
        .unwrap_or_else(|| env.gradle_properties())
}

/// The master password to encrypt with, following `--maven-encrypt`.
fn maven_master(profile: &Profile, env: &Env) -> Result<Option<Secret<String>>> {
    let path = maven_settings_security(profile, env);
    match profile.maven.encrypt {
        MavenEncrypt::Never => Ok(None),
        MavenEncrypt::Auto => {
            maven_security::master_password(&path).map_err(|e| Error::file(&path, "read", e))
        }
        MavenEncrypt::Always => match maven_security::master_password(&path).map_err(|e| Error::file(&path, "read", e))? {
            Some(master) => Ok(Some(master)),
            None => Err(Error::other(
                ExitStatus::File,
                format!("`--maven-encrypt always` needs a master password in `{}`", path.display()),
                Some("create one with `mvn --encrypt-master-password` (see docs/maven-encryption.md), or use `--maven-encrypt auto`".into()),
            )),
        },
    }
}

/// Whether the server entry already holds this token (decrypting with `master` when needed).
fn maven_entry_holds(
    entry: &maven::ServerEntry,
    token: &TokenValues<'_>,
    master: Option<&Secret<String>>,
) -> bool {
    let (Some(user), Some(pass)) = (&entry.username, &entry.password) else {
        return false;
    };
    if user != token.name_code {
        return false;
    }
    if pass == token.pass_code.expose() {
        return true;
    }
    match master {
        Some(master) if maven_security::is_encrypted(pass) => {
            maven_security::decrypt(pass, master.expose())
                .map(|clear| clear.expose() == token.pass_code.expose())
                .unwrap_or(false)
        }
        _ => false,
    }
}

/// An editor's result: new bytes, the ids/keys that changed, warnings.
type Planned = Option<(Vec<u8>, Vec<String>, Vec<String>)>;

fn write_or_plan(
    path: &Path,
    options: WriteOptions,
    edit: &mut dyn FnMut(Option<&[u8]>) -> Result<Planned>,
) -> Result<(Vec<String>, Option<Outcome>, Vec<String>)> {
    if options.dry_run {
        let current = fs::read_optional(path)?;
        let planned = edit(current.as_deref())?;
        return Ok(match planned {
            Some((_, changed, warnings)) => (changed, None, warnings),
            None => (Vec::new(), None, Vec::new()),
        });
    }
    let mut changed = Vec::new();
    let mut warnings = Vec::new();
    let mut edit_once = |current: Option<&[u8]>| -> Result<Option<Vec<u8>>> {
        Ok(edit(current)?.map(|(bytes, c, w)| {
            changed = c;
            warnings = w;
            bytes
        }))
    };
    let update = if options.force {
        fs::update_file_forced(path, &mut edit_once)?
    } else {
        fs::update_file(path, &mut edit_once)?
    };
    warnings.extend(update.warnings);
    Ok((changed, Some(update.outcome), warnings))
}

/// Writes the token into every target of the profile.
pub fn write_token(
    profile: &Profile,
    env: &Env,
    token: &TokenValues<'_>,
    options: WriteOptions,
) -> Result<Vec<FileReport>> {
    let mut reports = Vec::new();
    if !profile.maven.is_empty() {
        let path = maven_settings(profile, env);
        let master = maven_master(profile, env)?;
        let ids: Vec<&str> = profile.maven.servers.iter().map(String::as_str).collect();
        let (changed, outcome, warnings) = write_or_plan(&path, options, &mut |current| {
            // Ids that already hold the token keep their bytes (an encrypted value differs on
            // every encryption, so comparing decrypted values keeps refresh idempotent).
            let entries = match current {
                Some(bytes) => {
                    maven::read_servers(bytes, &ids).map_err(|e| Error::file(&path, "parse", e))?
                }
                None => Vec::new(),
            };
            let todo: Vec<&str> = ids
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    !entries
                        .get(*i)
                        .and_then(Option::as_ref)
                        .is_some_and(|entry| maven_entry_holds(entry, token, master.as_ref()))
                })
                .map(|(_, id)| *id)
                .collect();
            if todo.is_empty() {
                return Ok(current.map(|c| (c.to_vec(), Vec::new(), Vec::new())));
            }
            let encrypted;
            let (password, password_is_encrypted) = match &master {
                Some(master) => {
                    encrypted = maven_security::encrypt(token.pass_code.expose(), master.expose());
                    (encrypted.as_str(), true)
                }
                None => (token.pass_code.expose().as_str(), false),
            };
            let creds = maven::Credentials {
                username: token.name_code,
                password,
                password_is_encrypted,
            };
            let edit = maven::set_credentials(current, &todo, &creds)
                .map_err(|e| Error::file(&path, "update", e))?;
            Ok(Some((edit.output, edit.changed, edit.warnings)))
        })?;
        let mut warnings = warnings;
        warnings.extend(fs::safety_warnings(&path));
        reports.push(FileReport {
            kind: Kind::Maven,
            path,
            changed,
            outcome,
            warnings,
        });
    }
    if !profile.gradle.is_empty() {
        let path = gradle_properties(profile, env);
        let pass = token.pass_code.expose().as_str();
        let pairs: Vec<(&str, &str)> = profile
            .gradle
            .keys
            .iter()
            .flat_map(|(user_key, pass_key)| {
                [
                    (user_key.as_str(), token.name_code),
                    (pass_key.as_str(), pass),
                ]
            })
            .collect();
        let (changed, outcome, mut warnings) = write_or_plan(&path, options, &mut |current| {
            let edit = gradle::set_properties(current, &pairs)
                .map_err(|e| Error::file(&path, "update", e))?;
            Ok(Some((edit.output, edit.changed, edit.warnings)))
        })?;
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
        for key in gradle::overridden_by_env(&keys, &env.gradle_project_overrides()) {
            warnings.push(format!(
                "the environment variable `ORG_GRADLE_PROJECT_{key}` overrides `{key}` from `{}`: unset it, or Gradle will not use the token",
                path.display()
            ));
        }
        warnings.extend(fs::safety_warnings(&path));
        reports.push(FileReport {
            kind: Kind::Gradle,
            path,
            changed,
            outcome,
            warnings,
        });
    }
    Ok(reports)
}

/// Whether one target holds the token with the given fingerprint.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetCheck {
    /// Which editor.
    pub kind: Kind,
    /// The file.
    pub path: PathBuf,
    /// The server id or the username key.
    pub name: String,
    /// `current`, `stale`, `missing` (no entry or file) or `unreadable`.
    pub state: &'static str,
    /// Why, when unreadable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Checks every target of a profile against the token fingerprint recorded in the state.
pub fn check(profile: &Profile, env: &Env, expected_fingerprint: Option<&str>) -> Vec<TargetCheck> {
    let mut checks = Vec::new();
    let verdict = |user: Option<&str>, pass: Option<&str>| -> &'static str {
        match (user, pass, expected_fingerprint) {
            (Some(u), Some(p), Some(fp)) if fingerprint(u, p) == fp => "current",
            (Some(_), Some(_), _) => "stale",
            _ => "missing",
        }
    };
    if !profile.maven.is_empty() {
        let path = maven_settings(profile, env);
        let master = maven_master(profile, env).ok().flatten();
        let bytes = fs::read_optional(&path);
        for id in &profile.maven.servers {
            let (state, detail) = match &bytes {
                Err(e) => ("unreadable", Some(e.to_string())),
                Ok(None) => ("missing", None),
                Ok(Some(bytes)) => match maven::read_server(bytes, id) {
                    Err(e) => ("unreadable", Some(e.to_string())),
                    Ok(None) => ("missing", None),
                    Ok(Some(entry)) => {
                        let pass = match (&entry.password, &master) {
                            (Some(p), Some(m)) if maven_security::is_encrypted(p) => {
                                maven_security::decrypt(p, m.expose()).ok()
                            }
                            (Some(p), _) => Some(Secret::new(p.clone())),
                            (None, _) => None,
                        };
                        (
                            verdict(
                                entry.username.as_deref(),
                                pass.as_ref().map(|p| p.expose().as_str()),
                            ),
                            None,
                        )
                    }
                },
            };
            checks.push(TargetCheck {
                kind: Kind::Maven,
                path: path.clone(),
                name: id.clone(),
                state,
                detail,
            });
        }
    }
    if !profile.gradle.is_empty() {
        let path = gradle_properties(profile, env);
        let bytes = fs::read_optional(&path);
        for (user_key, pass_key) in &profile.gradle.keys {
            let (state, detail) = match &bytes {
                Err(e) => ("unreadable", Some(e.to_string())),
                Ok(None) => ("missing", None),
                Ok(Some(bytes)) => match (
                    gradle::read_property(bytes, user_key),
                    gradle::read_property(bytes, pass_key),
                ) {
                    (Ok(u), Ok(p)) => (verdict(u.as_deref(), p.as_deref()), None),
                    (Err(e), _) | (_, Err(e)) => ("unreadable", Some(e.to_string())),
                },
            };
            checks.push(TargetCheck {
                kind: Kind::Gradle,
                path: path.clone(),
                name: user_key.clone(),
                state,
                detail,
            });
        }
    }
    checks
}

/// Removes the token values from every target (`logout --remove-credentials`): the Maven servers
/// keep their `<id>` but lose `<username>`/`<password>`; the Gradle key lines are removed.
pub fn remove_token(profile: &Profile, env: &Env) -> Result<Vec<FileReport>> {
    let mut reports = Vec::new();
    if !profile.maven.is_empty() {
        let path = maven_settings(profile, env);
        let ids: Vec<&str> = profile.maven.servers.iter().map(String::as_str).collect();
        let mut changed = Vec::new();
        let update = fs::update_file(&path, &mut |current| {
            let Some(current) = current else {
                return Ok(None);
            };

            let edit = maven::clear_credentials(current, &ids)
                .map_err(|e| Error::file(&path, "update", e))?;
            changed = edit.changed;
            Ok(Some(edit.output))
        })?;
        reports.push(FileReport {
            kind: Kind::Maven,
            path,
            changed,
            outcome: Some(update.outcome),
            warnings: update.warnings,
        });
    }
    if !profile.gradle.is_empty() {
        let path = gradle_properties(profile, env);
        let keys: Vec<&str> = profile
            .gradle
            .keys
            .iter()
            .flat_map(|(u, p)| [u.as_str(), p.as_str()])
            .collect();
        let mut changed = Vec::new();
        let update = fs::update_file(&path, &mut |current| {
            let Some(current) = current else {
                return Ok(None);
            };
            let edit = gradle::remove_properties(current, &keys)
                .map_err(|e| Error::file(&path, "update", e))?;
            changed = edit.changed;
            Ok(Some(edit.output))
        })?;
        reports.push(FileReport {
            kind: Kind::Gradle,
            path,
            changed,
            outcome: Some(update.outcome),
            warnings: update.warnings,
        });
    }
    Ok(reports)
}

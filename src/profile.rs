//! Saved profiles (what the user configured: server, user, targets) and run state (what happened:
//! detected family, last refresh, token fingerprint, expiry, rejected-password flag), kept in two
//! separate TOML files, both written atomically with mode 0600 through `fs`.
//!
//! Neither file ever holds a secret: the password lives in the keyring and the token only in the
//! targets. The state keeps a short fingerprint of the token to tell whether files still hold it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::env::Env;
use crate::error::{Error, Result};
use crate::maven_security::MavenEncrypt;
use crate::nexus::Family;
use crate::targets::{Target, gradle::GradleTarget, maven::MavenTarget, npm::NpmTarget};
use crate::targets::{netrc::NetrcTarget, pypirc::PypircTarget};

/// The profiles file (`config.toml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One Nexus server and user, and where its token goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Base URL including the context path, without userinfo or trailing slash.
    pub url: String,
    /// Nexus login name.
    pub username: String,
    /// A family forced with `--api`; `None` means detect (and cache in the state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<Family>,
    /// Whether the password is kept in the OS keyring (`false` after `--no-keyring`).
    #[serde(default = "yes")]
    pub keyring: bool,
    /// Extra CA certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
    /// Connect timeout in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<u64>,
    /// Whole-request timeout in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// The Gradle init script (`--gradle-init`).
    #[serde(default, skip_serializing_if = "GradleInitTargets::is_empty")]
    pub gradle_init: GradleInitTargets,
    /// Maven targets.
    #[serde(default, skip_serializing_if = "MavenTargets::is_empty")]
    pub maven: MavenTargets,
    /// Gradle targets.
    #[serde(default, skip_serializing_if = "GradleTargets::is_empty")]
    pub gradle: GradleTargets,
    /// npm registries (user npmrc).
    #[serde(default, skip_serializing_if = "NpmTargets::is_empty")]
    pub npm: NpmTargets,
    /// The netrc block for the Nexus host (pip, uv, curl, Go).
    #[serde(default, skip_serializing_if = "NetrcTargets::is_empty")]
    pub netrc: NetrcTargets,
    /// .pypirc sections (twine).
    #[serde(default, skip_serializing_if = "PypircTargets::is_empty")]
    pub pypirc: PypircTargets,
    /// Served targets: Docker, Cargo and pnpm ask nexus-token for the token (no file holds it).
    #[serde(default, skip_serializing_if = "ServedTargets::is_empty")]
    pub served: ServedTargets,
}

fn yes() -> bool {
    true
}

impl Profile {
    /// The one place that maps a saved profile to its targets, with every default path resolved.
    pub(crate) fn targets(&self, name: &str, env: &Env) -> Vec<Target> {
        let mut targets = Vec::new();
        if let Some(script) = &self.gradle_init.script {
            targets.push(Target::GradleInit(
                crate::targets::gradle_init::GradleInitTarget {
                    path: script.clone(),
                    profile: self.gradle_init.profile.clone(),
                    url: self.url.clone(),
                    exe: env.current_exe().ok(),
                },
            ));
        }
        if !self.maven.is_empty() {
            targets.push(Target::Maven(MavenTarget::new(
                self.maven
                    .settings
                    .clone()
                    .unwrap_or_else(|| env.maven_settings()),
                self.maven.servers.clone(),
                self.maven.encrypt,
                self.maven
                    .settings_security
                    .clone()
                    .unwrap_or_else(|| env.maven_settings_security()),
            )));
        }
        if !self.gradle.is_empty() {
            targets.push(Target::Gradle(GradleTarget {
                path: self
                    .gradle
                    .properties
                    .clone()
                    .unwrap_or_else(|| env.gradle_properties()),
                keys: self.gradle.keys.clone(),
            }));
        }
        if !self.npm.is_empty() {
            targets.push(Target::Npm(NpmTarget {
                path: self.npm.npmrc.clone().unwrap_or_else(|| env.user_npmrc()),
                registries: self.npm.registries.clone(),
                always_auth: self.npm.always_auth,
            }));
        }
        if self.netrc.enabled {
            targets.push(Target::Netrc(NetrcTarget {
                path: self.netrc.file.clone().unwrap_or_else(|| env.netrc()),
                host: url_host(&self.url),
            }));
        }
        let pypirc = self.pypirc.file.clone().unwrap_or_else(|| env.pypirc());
        for section in &self.pypirc.sections {
            targets.push(Target::Pypirc(PypircTarget {
                path: pypirc.clone(),
                section: section.name.clone(),
                repository: section.repository.clone(),
            }));
        }
        targets.extend(crate::targets::served::targets(
            &self.served,
            self.npm.npmrc.as_deref(),
            name,
            env,
        ));
        targets
    }

    /// Whether the profile has any target.
    pub fn has_targets(&self) -> bool {
        !self.maven.is_empty()
            || !self.gradle.is_empty()
            || !self.npm.is_empty()
            || !self.netrc.is_empty()
            || !self.pypirc.is_empty()
            || !self.gradle_init.is_empty()
            || !self.served.is_empty()
    }
}

/// The Gradle init script that asks nexus-token for this profile's token at build time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradleInitTargets {
    /// `<gradle user home>/init.d/nexus-token-<profile>.gradle` (absolute, resolved at login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<PathBuf>,
    /// The profile name the script asks for (this profile's own name).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub profile: String,
}

impl GradleInitTargets {
    /// No script.
    pub fn is_empty(&self) -> bool {
        self.script.is_none()
    }
}

/// The host of a base URL, without port: what a netrc `machine` names.
fn url_host(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The netrc target: whether the Nexus host's block is written, and where.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetrcTargets {
    /// The netrc file, when not `$NETRC` or `~/.netrc` (`--netrc-file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// Whether the token goes into netrc.
    #[serde(default)]
    pub enabled: bool,
}

impl NetrcTargets {
    /// Not enabled.
    pub fn is_empty(&self) -> bool {
        !self.enabled
    }
}

/// .pypirc sections that get the token.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PypircTargets {
    /// The .pypirc, when not `~/.pypirc` (`--pypirc-file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// The sections.
    #[serde(default)]
    pub sections: Vec<PypircSection>,
}

impl PypircTargets {
    /// No sections.
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }
}

/// One .pypirc section, with the repository URL it is created with when missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PypircSection {
    /// The section name (what `twine upload --repository NAME` takes).
    pub name: String,
    /// Its repository URL, when given with `--pypirc NAME=URL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

/// `<server>` ids in one settings.xml.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MavenTargets {
    /// The settings file (absolute, resolved at login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<PathBuf>,
    /// Server ids that get the token.
    #[serde(default)]
    pub servers: Vec<String>,
    /// Whether to write the passCode in Maven's encrypted form.
    #[serde(default)]
    pub encrypt: MavenEncrypt,
    /// settings-security.xml, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings_security: Option<PathBuf>,
}

impl MavenTargets {
    /// No server ids.
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }
}

/// Key pairs in one gradle.properties.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradleTargets {
    /// The properties file (absolute, resolved at login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<PathBuf>,
    /// `(username key, password key)` pairs.
    #[serde(default)]
    pub keys: Vec<(String, String)>,
}

impl GradleTargets {
    /// No keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// npm registries whose `_auth` lives in one user npmrc.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NpmTargets {
    /// The user npmrc (absolute, resolved at login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npmrc: Option<PathBuf>,
    /// Registry URLs that get the token at their npmrc key.
    #[serde(default)]
    pub registries: Vec<String>,
    /// Also write `<key>:always-auth=true` (`--npm-always-auth`, for Yarn 1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub always_auth: bool,
}

impl NpmTargets {
    /// No registries.
    pub fn is_empty(&self) -> bool {
        self.registries.is_empty()
    }
}

/// Served targets: client configs that name nexus-token as their credential helper.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServedTargets {
    /// Docker registries (`host[:port]`) whose `credHelpers` entry names nexus-token.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub docker: Vec<String>,
    /// Cargo registries whose `credential-provider` runs `nexus-token token`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cargo: Vec<CargoRegistry>,
    /// pnpm registry URLs whose `tokenHelper` runs nexus-token.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pnpm: Vec<String>,
    /// Go proxy URLs (https) that GOPROXY lists and whose `GOAUTH` runs nexus-token.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub go: Vec<String>,
}

impl ServedTargets {
    /// No served registry.
    pub fn is_empty(&self) -> bool {
        self.docker.is_empty()
            && self.cargo.is_empty()
            && self.pnpm.is_empty()
            && self.go.is_empty()
    }
}

/// One Cargo registry (`--cargo-registry NAME[=INDEX_URL]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CargoRegistry {
    /// The registry name in Cargo's config (`[registries.NAME]`).
    pub name: String,
    /// The Nexus repository URL; `index = "sparse+URL"` is added when the registry has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
}

/// The run-state file (`state.toml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// State by profile name.
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileState>,
}

/// What happened last for one profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileState {
    /// The family detected at login (saves a request on every refresh).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<Family>,
    /// Server version, when it told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Server edition, when it told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// When the last refresh or login was attempted (RFC 3339, UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub last_attempt: Option<OffsetDateTime>,
    /// When the token was last fetched successfully (RFC 3339, UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub last_success: Option<OffsetDateTime>,
    /// The token's `created` time as the server sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_created: Option<String>,
    /// A short one-way fingerprint of the current token (never the token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_fingerprint: Option<String>,
    /// Whether the server expires tokens (Nexus 3.69+), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_enabled: Option<bool>,
    /// Token expiry, milliseconds since the epoch, when the server tells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<i64>,
    /// When the expiry settings were last read (RFC 3339, UTC): a server that did not expire
    /// tokens is asked again once a week, in case an administrator switched expiry on.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub expiry_checked_at: Option<OffsetDateTime>,
    /// Set when Nexus rejected the stored password: refresh then stays away from the server
    /// until `login` succeeds (guard against account lockout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<Rejected>,
    /// The last error of a refresh, without secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl ProfileState {
    /// Records a rejected login (lockout guard): after this, nexus-token does not contact Nexus
    /// for the profile until `login` succeeds. Returns whether `error` was such a rejection.
    pub fn note_rejection(&mut self, error: &crate::nexus::Error) -> bool {
        if !error.is_rejected_login() {
            return false;
        }
        self.rejected = Some(Rejected {
            at: now(),
            reason: error.to_string(),
        });
        true
    }
}

/// A password rejection recorded by `refresh`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    /// When (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What Nexus said, in our words.
    pub reason: String,
}

/// A short fingerprint of a token, to tell whether a file still holds it without storing it.
pub fn fingerprint(name_code: &str, pass_code: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"nexus-token fingerprint v1\0");
    hasher.update(name_code.as_bytes());
    hasher.update(b"\0");
    hasher.update(pass_code.as_bytes());
    let digest = hasher.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Now (UTC), to the second: what the state records.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// A recorded time as RFC 3339, for messages and `status`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Makes `existing` hold exactly the keys and values of `new`, keeping the comments and layout
/// of the keys that stay.
fn merge_table(existing: &mut dyn toml_edit::TableLike, new: &toml_edit::Table) {
    let stale: Vec<String> = existing
        .iter()
        .map(|(k, _)| k.to_owned())
        .filter(|k| !new.contains_key(k))
        .collect();
    for key in stale {
        existing.remove(&key);
    }
    for (key, item) in new.iter() {
        match (existing.get_mut(key), item) {
            (Some(old), toml_edit::Item::Table(new_table)) if old.is_table_like() => {
                if let Some(old_table) = old.as_table_like_mut() {
                    merge_table(old_table, new_table);
                }
            }
            (Some(toml_edit::Item::Value(old)), toml_edit::Item::Value(new_value)) => {
                if old.to_string().trim() != new_value.to_string().trim() {
                    let decor = old.decor().clone();
                    *old = new_value.clone();
                    *old.decor_mut() = decor;
                }
            }
            _ => {
                existing.insert(key, item.clone());
            }
        }
    }
}

const STATE_HEADER: &str = "# nexus-token run state: written by every run; do not edit.\n\n";

const CONFIG_HEADER: &str = "# nexus-token profiles: written by `nexus-token login`; safe to edit by hand (comments are\n# kept; an unknown key is an error). No secrets here: the password is in the OS keyring.\n\n";

/// Read-modify-write of a TOML file under the `fs` lock.
fn update_toml<T>(path: &Path, header: &str, change: &mut dyn FnMut(&mut T)) -> Result<()>
where
    T: Serialize + for<'de> Deserialize<'de> + Default,
{
    crate::fs::update_file(path, &mut |current| {
        let mut value: T = match current {
            None => T::default(),
            Some(bytes) => {
                let text = std::str::from_utf8(bytes).map_err(|e| Error::file(path, "read", e))?;
                toml::from_str(text).map_err(|e| Error::file(path, "parse", e))?
            }
        };
        change(&mut value);
        let body = toml::to_string_pretty(&value).map_err(|e| Error::file(path, "write", e))?;
        Ok(Some(format!("{header}{body}").into_bytes()))
    })?;
    Ok(())
}

fn load_toml<T: for<'de> Deserialize<'de> + Default>(path: &Path) -> Result<T> {
    match crate::fs::read_optional(path)? {
        None => Ok(T::default()),
        Some(bytes) => {
            let text = String::from_utf8(bytes).map_err(|e| Error::file(path, "read", e))?;
            toml::from_str(&text).map_err(|e| Error::file(path, "parse", e))
        }
    }
}

fn save_toml<T: Serialize>(path: &Path, value: &T, header: &str) -> Result<()> {
    let body = toml::to_string_pretty(value).map_err(|e| Error::file(path, "write", e))?;
    let text = format!("{header}{body}");
    crate::fs::write_atomic(path, text.as_bytes())?;
    Ok(())
}

impl Config {
    /// Loads the profiles file; a missing file is an empty configuration. Hand-edited URLs are
    /// normalised as `login` saves them (a trailing slash would miss the keyring entry).
    pub fn load(path: &Path) -> Result<Config> {
        let mut config: Config = load_toml(path)?;
        for (name, profile) in &mut config.profiles {
            profile.url = crate::nexus::normalize_base_url(&profile.url)
                .map_err(|e| Error::file(path, "read", format!("profile `{name}`: {e}")))?;
        }
        Ok(config)
    }

    /// Sets (or with `None` removes) one profile under the file lock. The file is edited, not
    /// rewritten: the user's comments, order and formatting stay, and a file that does not load
    /// (an unknown key, a syntax error) is refused without a change.
    pub fn update_profile(path: &Path, name: &str, value: Option<&Profile>) -> Result<()> {
        crate::fs::update_file(path, &mut |current| {
            let text = match current {
                None => String::new(),
                Some(bytes) => std::str::from_utf8(bytes)
                    .map_err(|e| Error::file(path, "read", e))?
                    .to_owned(),
            };
            // The whole file must load as it is: never drop or rewrite what we do not know.
            let _: Config = toml::from_str(&text).map_err(|e| Error::file(path, "parse", e))?;
            let mut doc: toml_edit::DocumentMut =
                text.parse().map_err(|e| Error::file(path, "parse", e))?;
            let profiles = doc
                .entry("profiles")
                .or_insert_with(|| {
                    let mut t = toml_edit::Table::new();
                    t.set_implicit(true);
                    toml_edit::Item::Table(t)
                })
                .as_table_like_mut()
                .ok_or_else(|| Error::file(path, "update", "`profiles` is not a table"))?;
            match value {
                Some(profile) => {
                    let new = toml_edit::ser::to_document(profile)
                        .map_err(|e| Error::file(path, "write", e))?;
                    match profiles
                        .get_mut(name)
                        .and_then(toml_edit::Item::as_table_like_mut)
                    {
                        Some(existing) => merge_table(existing, new.as_table()),
                        None => {
                            let mut table = new.as_table().clone();
                            table.set_implicit(false);
                            profiles.insert(name, toml_edit::Item::Table(table));
                        }
                    }
                }
                None => {
                    profiles.remove(name);
                }
            }
            // A new file starts with the header (toml_edit would put a comment-only document's
            // text after the first table).
            let header = if current.is_none() { CONFIG_HEADER } else { "" };
            Ok(Some(format!("{header}{doc}").into_bytes()))
        })?;
        Ok(())
    }

    /// Saves the profiles file atomically, mode 0600.
    pub fn save(&self, path: &Path) -> Result<()> {
        save_toml(path, self, CONFIG_HEADER)
    }
}

impl State {
    /// Loads the run state; a missing file is an empty state.
    pub fn load(path: &Path) -> Result<State> {
        load_toml(path)
    }

    /// Sets one profile's state under the file lock (parallel runs for different profiles lose
    /// nothing).
    pub fn update_profile(path: &Path, name: &str, value: &ProfileState) -> Result<()> {
        update_toml(path, STATE_HEADER, &mut |state: &mut State| {
            state.profiles.insert(name.to_owned(), value.clone());
        })
    }

    /// Removes one profile's state under the file lock.
    pub fn remove_profile(path: &Path, name: &str) -> Result<()> {
        update_toml(path, STATE_HEADER, &mut |state: &mut State| {
            state.profiles.remove(name);
        })
    }

    /// Saves the run state atomically, mode 0600.
    pub fn save(&self, path: &Path) -> Result<()> {
        save_toml(path, self, STATE_HEADER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Config {
        let mut config = Config::default();
        config.profiles.insert(
            "default".into(),
            Profile {
                url: "https://nexus.example.com".into(),
                username: "alice".into(),
                api: Some(Family::Nexus3),
                keyring: true,
                gradle_init: GradleInitTargets::default(),
                ca_cert: None,
                connect_timeout: None,
                timeout: Some(20),
                maven: MavenTargets {
                    settings: Some(PathBuf::from("/home/a/.m2/settings.xml")),
                    servers: vec!["nexus".into(), "releases".into()],
                    encrypt: MavenEncrypt::Auto,
                    settings_security: None,
                },
                gradle: GradleTargets {
                    properties: Some(PathBuf::from("/home/a/.gradle/gradle.properties")),
                    keys: vec![("nexusUsername".into(), "nexusPassword".into())],
                },
                npm: NpmTargets {
                    npmrc: Some(PathBuf::from("/home/a/.npmrc")),
                    registries: vec!["https://nexus.example.com/repository/npm-group/".into()],
                    always_auth: true,
                },
                netrc: NetrcTargets::default(),
                pypirc: PypircTargets::default(),
                served: ServedTargets {
                    docker: vec!["nexus.example.com:8443".into()],
                    cargo: vec![CargoRegistry {
                        name: "nexus".into(),
                        index: Some("https://nexus.example.com/repository/cargo/".into()),
                    }],
                    pnpm: vec!["https://nexus.example.com/repository/js-group/".into()],
                    go: vec!["https://nexus.example.com/repository/go-proxy/".into()],
                },
            },
        );
        config
    }

    #[test]
    fn netrc_and_pypirc_targets_round_trip_and_resolve() {
        let mut config = sample();
        let text = toml::to_string_pretty(&config).unwrap();
        assert!(
            !text.contains("netrc") && !text.contains("pypirc"),
            "a profile without netrc or pypirc targets saves no such table:\n{text}"
        );
        let p = config.profiles.get_mut("default").unwrap();
        p.url = "https://nexus.example.com:8443/nexus".into();
        p.netrc.enabled = true;
        p.pypirc.sections = vec![
            PypircSection {
                name: "nexus".into(),
                repository: Some("https://nexus.example.com:8443/nexus/repository/py/".into()),
            },
            PypircSection {
                name: "other".into(),
                repository: None,
            },
        ];
        let text = toml::to_string_pretty(&config).unwrap();
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(back, config, "netrc and pypirc targets load back:\n{text}");
        let targets =
            config.profiles["default"].targets("default", &Env::sandboxed(Path::new("/h")));
        let netrc = targets.iter().find_map(|t| match t {
            Target::Netrc(n) => Some(n),
            _ => None,
        });
        let netrc = netrc.expect("an enabled netrc is a target");
        assert_eq!(
            netrc.host, "nexus.example.com",
            "the machine is the host without port"
        );
        assert_eq!(netrc.path, PathBuf::from("/h/.netrc"));
        let sections: Vec<_> = targets
            .iter()
            .filter_map(|t| match t {
                Target::Pypirc(p) => Some((p.section.as_str(), p.path.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            sections,
            vec![
                ("nexus", PathBuf::from("/h/.pypirc")),
                ("other", PathBuf::from("/h/.pypirc"))
            ],
            "each section is one target in ~/.pypirc"
        );
    }

    #[test]
    fn config_round_trips_through_toml() {
        let config = sample();
        let text = toml::to_string_pretty(&config).unwrap();
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(
            back, config,
            "a saved profile must load back unchanged:\n{text}"
        );
        assert!(
            text.contains("api = \"nexus3\""),
            "the family is saved by its CLI name:\n{text}"
        );
    }

    #[test]
    fn a_hand_written_minimal_profile_loads_with_defaults() {
        let text = "[profiles.work]\nurl = \"https://n\"\nusername = \"bob\"\n";
        let config: Config = toml::from_str(text).unwrap();
        let p = &config.profiles["work"];
        assert!(
            p.keyring,
            "the keyring is on unless the profile says otherwise"
        );
        assert!(p.api.is_none() && p.maven.is_empty() && p.gradle.is_empty());
        assert!(
            p.npm.is_empty() && !p.has_targets(),
            "a profile written before npm targets existed loads without any"
        );
    }

    #[test]
    fn served_targets_round_trip_and_are_left_out_when_empty() {
        let mut config = sample();
        let text = toml::to_string_pretty(&config).unwrap();
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(
            back, config,
            "served registries survive a save and a load:\n{text}"
        );
        let profile = config.profiles.get_mut("default").unwrap();
        profile.served = ServedTargets::default();
        let text = toml::to_string_pretty(&config).unwrap();
        assert!(
            !text.contains("served"),
            "a profile without served registries has no served table:\n{text}"
        );
    }

    #[test]
    fn npm_targets_are_saved_only_when_there_are_registries() {
        let mut config = sample();
        let text = toml::to_string_pretty(&config).unwrap();
        assert!(
            text.contains("[profiles.default.npm]") && text.contains("always_auth = true"),
            "npm registries are saved in their own table:\n{text}"
        );
        let profile = config.profiles.get_mut("default").unwrap();
        profile.npm = NpmTargets::default();
        profile.served = ServedTargets::default();
        let text = toml::to_string_pretty(&config).unwrap();
        assert!(
            !text.contains("npm"),
            "a profile without npm registries has no npm table, so older versions can read it:\n{text}"
        );
    }

    #[test]
    fn gradle_init_script_is_saved_in_its_own_table_and_only_when_set() {
        let mut config = sample();
        let text = toml::to_string_pretty(&config).unwrap();
        assert!(
            !text.contains("gradle_init"),
            "a profile without an init script has no gradle_init table:\n{text}"
        );
        let profile = config.profiles.get_mut("default").unwrap();
        profile.gradle_init = GradleInitTargets {
            script: Some(PathBuf::from(
                "/home/a/.gradle/init.d/nexus-token-default.gradle",
            )),
            profile: "default".into(),
        };
        let text = toml::to_string_pretty(&config).unwrap();
        assert!(
            text.contains("[profiles.default.gradle_init]"),
            "the script is saved in its own table:\n{text}"
        );
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(back, config, "the init script loads back unchanged");
        let env = Env::sandboxed(Path::new("/home/a"));
        let targets = back.profiles["default"].targets("default", &env);
        assert!(
            targets
                .iter()
                .any(|t| t.kind() == crate::targets::Kind::GradleInit),
            "a saved init script is one of the profile's targets"
        );
    }

    #[test]
    fn fingerprint_tells_tokens_apart_and_hides_them() {
        let a = fingerprint("nameCode", "passCode1");
        assert_eq!(a, fingerprint("nameCode", "passCode1"));
        assert_ne!(a, fingerprint("nameCode", "passCode2"));
        assert_ne!(
            a,
            fingerprint("nameCod", "epassCode1"),
            "the separator keeps the parts apart"
        );
        assert_eq!(a.len(), 16);
        assert!(!a.contains("passCode"));
    }

    #[test]
    fn state_round_trips() {
        let mut state = State::default();
        state.profiles.insert(
            "default".into(),
            ProfileState {
                family: Some(Family::Nexus2),
                rejected: Some(Rejected {
                    at: now(),
                    reason: "401".into(),
                }),
                ..ProfileState::default()
            },
        );
        let back: State = toml::from_str(&toml::to_string_pretty(&state).unwrap()).unwrap();
        assert_eq!(back, state);
    }
}

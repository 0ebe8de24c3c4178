//! Saved profiles (what the user configured: server, user, targets) and run state (what happened:
//! detected family, last refresh, token fingerprint, expiry, rejected-password flag), kept in two
//! separate TOML files, both written atomically with mode 0600 through `fs`.
//!
//! Neither file ever holds a secret: the password lives in the keyring and the token only in the
//! targets. The state keeps a short fingerprint of the token to tell whether files still hold it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::env::Env;
use crate::error::{Error, Result};
use crate::nexus::Family;
pub use crate::targets::Targets;

/// The profiles file (`config.toml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
    /// The profile names in the order of the file (`load` fills it): the first profile that
    /// lists a target owns it.
    #[serde(skip)]
    pub order: Vec<String>,
}

impl Config {
    /// The profiles in the order of the file (profiles not in `order` last, by name).
    pub fn in_file_order(&self) -> impl Iterator<Item = (&str, &Profile)> {
        let listed = self
            .order
            .iter()
            .filter_map(|n| self.profiles.get_key_value(n));
        let rest = self
            .profiles
            .iter()
            .filter(|(n, _)| !self.order.contains(n));
        listed.chain(rest).map(|(n, p)| (n.as_str(), p))
    }
}

/// The profile names of a profiles file in the order they appear.
fn profile_order(text: &str) -> Vec<String> {
    let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
        return Vec::new();
    };
    let Some(profiles) = doc.get("profiles").and_then(toml_edit::Item::as_table_like) else {
        return Vec::new();
    };
    let mut names: Vec<(usize, String)> = profiles
        .iter()
        .enumerate()
        .map(|(i, (name, item))| {
            let position = item
                .as_table()
                .and_then(toml_edit::Table::position)
                .map_or(i, |p| p as usize);
            (position, name.to_owned())
        })
        .collect();
    names.sort();
    names.into_iter().map(|(_, n)| n).collect()
}

/// One Nexus server and user, and where its token goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "crate::targets::legacy::ProfileFile")]
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
    /// The keyring holds a user token pasted with `login --token-stdin` (an SSO user without a
    /// password the API accepts) instead of a password: `refresh` checks it, never fetches one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
    /// Extra CA certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
    /// Connect timeout in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<u64>,
    /// Whole-request timeout in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// Where the token goes: one section per kind (`[profiles.NAME.targets.maven]`, ...).
    #[serde(default, skip_serializing_if = "Targets::is_empty")]
    pub targets: Targets,
    /// The profiles file this profile was loaded from or is saved to (never written into it):
    /// served configs name it when it is not the default one (`Profile::served_config`).
    #[serde(skip)]
    pub profiles_file: Option<PathBuf>,
    /// `login --env-refs`: Maven, npm, Yarn and Gradle targets refer to the environment that
    /// `exec` sets instead of holding the token (absent in older files: `false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub env_refs: bool,
}

pub(crate) fn yes() -> bool {
    true
}

/// The profiles file a served config names (`--config FILE`): `file` made absolute, unless it is
/// the default one.
pub(crate) fn served_config(file: &Path, env: &Env) -> Option<PathBuf> {
    let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    (file != env.config_file(None)).then_some(file)
}

impl Profile {
    /// The profiles file a served config must name (`--config FILE`) so that the helper finds
    /// this profile: the one it lives in, when that is not the default one. Absolute.
    pub(crate) fn served_config(&self, env: &Env) -> Option<PathBuf> {
        served_config(self.profiles_file.as_deref()?, env)
    }
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

/// Turns inline tables into `[section]` tables (`[profiles.NAME.targets.maven]`), as a person
/// would write them; inline tables inside arrays stay inline.
fn expand_tables(table: &mut toml_edit::Table) {
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_owned()).collect();
    for key in keys {
        let Some(item) = table.get_mut(&key) else {
            continue;
        };
        if let toml_edit::Item::Value(toml_edit::Value::InlineTable(inline)) = item {
            let mut sub = std::mem::take(inline).into_table();
            // A table of tables (`targets`) gets no header of its own.
            sub.set_implicit(true);
            expand_tables(&mut sub);
            *item = toml_edit::Item::Table(sub);
        } else if let toml_edit::Item::Table(sub) = item {
            expand_tables(sub);
        }
    }
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
        if let Some(bytes) = crate::fs::read_optional(path)? {
            config.order = profile_order(&String::from_utf8_lossy(&bytes));
        }
        for (name, profile) in &mut config.profiles {
            profile.profiles_file = Some(path.to_path_buf());
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
                    let mut new = toml_edit::ser::to_document(profile)
                        .map_err(|e| Error::file(path, "write", e))?;
                    expand_tables(new.as_table_mut());
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
    use crate::env::Env;
    use crate::maven_security::MavenEncrypt;
    use crate::targets::{cargo, docker, gradle, gradle_init, maven, npm, pnpm, pypirc};

    fn sample() -> Config {
        let mut config = Config::default();
        config.profiles.insert(
            "default".into(),
            Profile {
                url: "https://nexus.example.com".into(),
                username: "alice".into(),
                api: Some(Family::Nexus3),
                keyring: true,
                imported: false,
                ca_cert: None,
                connect_timeout: None,
                timeout: Some(20),
                profiles_file: None,
                targets: Targets {
                    maven: maven::Saved {
                        settings: Some(PathBuf::from("/home/a/.m2/settings.xml")),
                        servers: vec!["nexus".into(), "releases".into()],
                        encrypt: MavenEncrypt::Auto,
                        settings_security: None,
                    },
                    gradle: gradle::Saved {
                        properties: Some(PathBuf::from("/home/a/.gradle/gradle.properties")),
                        keys: vec![("nexusUsername".into(), "nexusPassword".into())],
                    },
                    npm: npm::Saved {
                        npmrc: Some(PathBuf::from("/home/a/.npmrc")),
                        registries: vec!["https://nexus.example.com/repository/npm-group/".into()],
                        always_auth: true,
                    },
                    docker: docker::Saved {
                        registries: vec!["nexus.example.com:8443".into()],
                    },
                    cargo: cargo::Saved {
                        registries: vec![cargo::CargoRegistry {
                            name: "nexus".into(),
                            index: Some("https://nexus.example.com/repository/cargo/".into()),
                        }],
                    },
                    pnpm: pnpm::Saved {
                        npmrc: Some(PathBuf::from("/home/a/.npmrc")),
                        registries: vec!["https://nexus.example.com/repository/js-group/".into()],
                    },
                    ..Targets::default()
                },
                env_refs: false,
            },
        );
        config
    }

    /// `(kind, path, names)` of every resolved target.
    fn resolved(config: &Config, env: &Env) -> Vec<(&'static str, PathBuf, Vec<String>)> {
        crate::targets::resolve("default", &config.profiles["default"], env)
            .iter()
            .map(|t| (t.kind().name, t.path().to_path_buf(), t.names()))
            .collect()
    }

    #[test]
    fn env_refs_is_saved_only_when_set_and_older_files_load() {
        let mut config = sample();
        let text = toml::to_string_pretty(&config).unwrap();
        assert!(
            !text.contains("env_refs"),
            "a profile without --env-refs saves no key, as before:\n{text}"
        );
        let back: Config = toml::from_str(&text).unwrap();
        assert!(!back.profiles["default"].env_refs, "an older file loads");
        config.profiles.get_mut("default").unwrap().env_refs = true;
        let text = toml::to_string_pretty(&config).unwrap();
        let back: Config = toml::from_str(&text).unwrap();
        assert!(
            back.profiles["default"].env_refs,
            "the mode loads back:\n{text}"
        );
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
        p.targets.netrc.enabled = true;
        p.targets.pypirc.sections = vec![
            pypirc::PypircSection {
                name: "nexus".into(),
                repository: Some("https://nexus.example.com:8443/nexus/repository/py/".into()),
            },
            pypirc::PypircSection {
                name: "other".into(),
                repository: None,
            },
        ];
        let text = toml::to_string_pretty(&config).unwrap();
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(back, config, "netrc and pypirc targets load back:\n{text}");
        let targets = resolved(&config, &Env::sandboxed(Path::new("/h")));
        assert!(
            targets.contains(&(
                "netrc",
                Path::new("/h").join(if cfg!(windows) { "_netrc" } else { ".netrc" }),
                vec!["nexus.example.com".to_owned()]
            )),
            "the machine is the host without port: {targets:?}"
        );
        let sections: Vec<_> = targets
            .iter()
            .filter(|(kind, _, _)| *kind == "pypirc")
            .map(|(_, path, names)| (names.join(","), path.clone()))
            .collect();
        assert_eq!(
            sections,
            vec![
                ("nexus".to_owned(), PathBuf::from("/h/.pypirc")),
                ("other".to_owned(), PathBuf::from("/h/.pypirc"))
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
        assert!(
            text.contains("[profiles.default.targets.maven]")
                && text.contains("[profiles.default.targets.docker]")
                && !text.contains("served"),
            "every kind's section is saved under `targets`:\n{text}"
        );
    }

    /// A profiles file written before the `targets` table (issue 22): every kind's section
    /// directly under the profile, Docker, Cargo and pnpm in one `served` table.
    const OLD_LAYOUT: &str = r#"
[profiles.work]
url = "https://nexus.example.com"
username = "alice"

[profiles.work.gradle_init]
script = "/home/a/.gradle/init.d/nexus-token-work.gradle"
profile = "work"

[profiles.work.maven]
settings = "/home/a/.m2/settings.xml"
servers = ["nexus"]
encrypt = "never"

[profiles.work.gradle]
properties = "/home/a/.gradle/gradle.properties"
keys = [["nexusUsername", "nexusPassword"]]

[profiles.work.npm]
npmrc = "/home/a/custom.npmrc"
registries = ["https://nexus.example.com/repository/npm-group/"]
always_auth = true

[profiles.work.netrc]
file = "/home/a/.netrc"
enabled = true

[profiles.work.pypirc]
file = "/home/a/.pypirc"

[[profiles.work.pypirc.sections]]
name = "nexus"

[profiles.work.served]
docker = ["nexus.example.com:8443"]
pnpm = ["https://nexus.example.com/repository/js-group/"]

[[profiles.work.served.cargo]]
name = "nexus"
"#;

    #[test]
    fn a_profiles_file_in_the_old_layout_loads_and_saves_in_the_new_one() {
        let config: Config = toml::from_str(OLD_LAYOUT).unwrap();
        let t = &config.profiles["work"].targets;
        assert_eq!(t.maven.servers, vec!["nexus"]);
        assert_eq!(t.maven.encrypt, MavenEncrypt::Never);
        assert_eq!(t.gradle.keys.len(), 1);
        assert!(t.npm.always_auth && t.npm.registries.len() == 1);
        assert!(t.netrc.enabled);
        assert_eq!(t.pypirc.sections[0].name, "nexus");
        assert_eq!(
            t.gradle_init,
            gradle_init::Saved {
                script: Some(PathBuf::from(
                    "/home/a/.gradle/init.d/nexus-token-work.gradle"
                )),
                profile: "work".into(),
            }
        );
        assert_eq!(t.docker.registries, vec!["nexus.example.com:8443"]);
        assert_eq!(t.cargo.registries[0].name, "nexus");
        assert_eq!(
            t.pnpm,
            pnpm::Saved {
                npmrc: Some(PathBuf::from("/home/a/custom.npmrc")),
                registries: vec!["https://nexus.example.com/repository/js-group/".into()],
            },
            "pnpm keeps the npmrc the old layout gave npm"
        );
        let text = toml::to_string_pretty(&config).unwrap();
        assert!(
            !text.contains("served")
                && !text.contains("[profiles.work.maven]")
                && text.contains("[profiles.work.targets.maven]")
                && text.contains("[profiles.work.targets.pnpm]"),
            "saving writes the new layout:\n{text}"
        );
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(back, config, "the new layout loads back the same targets");
    }

    #[test]
    fn update_profile_rewrites_an_old_layout_profile_in_the_new_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        crate::fs::write_atomic(&path, format!("# mine\n{OLD_LAYOUT}").as_bytes()).unwrap();
        let config = Config::load(&path).unwrap();
        let profile = config.profiles["work"].clone();
        Config::update_profile(&path, "work", Some(&profile)).unwrap();
        let text = String::from_utf8(crate::fs::read_optional(&path).unwrap().unwrap()).unwrap();
        assert!(
            text.starts_with("# mine\n"),
            "the user's comment stays:\n{text}"
        );
        assert!(
            !text.contains("[profiles.work.maven]")
                && !text.contains("served")
                && text.contains("[profiles.work.targets.maven]"),
            "the old tables are replaced by the `targets` table:\n{text}"
        );
        assert!(
            !text.contains("[profiles.work.targets]\n"),
            "`targets` holds only tables, so it has no header of its own:\n{text}"
        );
        assert_eq!(
            Config::load(&path).unwrap().profiles["work"],
            profile,
            "nothing is lost"
        );
    }

    #[test]
    fn profiles_are_listed_in_the_order_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let text = "[profiles.zeta]\nurl = \"https://z\"\nusername = \"z\"\n\n[profiles.alpha]\nurl = \"https://a\"\nusername = \"a\"\n";
        crate::fs::write_atomic(&path, text.as_bytes()).unwrap();
        let config = Config::load(&path).unwrap();
        let names: Vec<&str> = config.in_file_order().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["zeta", "alpha"], "file order, not name order");
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
        assert!(p.api.is_none() && p.targets.is_empty());
    }

    #[test]
    fn an_unknown_key_in_a_section_is_refused() {
        let text = "[profiles.work]\nurl = \"https://n\"\nusername = \"bob\"\n[profiles.work.targets.maven]\nservrs = [\"x\"]\n";
        let err = toml::from_str::<Config>(text).unwrap_err().to_string();
        assert!(err.contains("servrs"), "the error names the key: {err}");
        let text = "[profiles.work]\nurl = \"https://n\"\nusername = \"bob\"\n[profiles.work.targets.maveen]\n";
        let err = toml::from_str::<Config>(text).unwrap_err().to_string();
        assert!(err.contains("maveen"), "an unknown kind is refused: {err}");
    }

    #[test]
    fn empty_sections_are_left_out() {
        let mut config = sample();
        let profile = config.profiles.get_mut("default").unwrap();
        profile.targets.npm = npm::Saved {
            npmrc: Some(PathBuf::from("/home/a/.npmrc")),
            ..npm::Saved::default()
        };
        profile.targets.docker = docker::Saved::default();
        profile.targets.cargo = cargo::Saved::default();
        profile.targets.pnpm = pnpm::Saved::default();
        let text = toml::to_string_pretty(&config).unwrap();
        assert!(
            !text.contains("npm") && !text.contains("docker") && !text.contains("cargo"),
            "a kind without targets has no table, so older files stay readable:\n{text}"
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
        profile.targets.gradle_init = gradle_init::Saved {
            script: Some(PathBuf::from(
                "/home/a/.gradle/init.d/nexus-token-default.gradle",
            )),
            profile: "default".into(),
        };
        let text = toml::to_string_pretty(&config).unwrap();
        assert!(
            text.contains("[profiles.default.targets.gradle_init]"),
            "the script is saved in its own table:\n{text}"
        );
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(back, config, "the init script loads back unchanged");
        let env = Env::sandboxed(Path::new("/home/a"));
        assert!(
            resolved(&back, &env)
                .iter()
                .any(|(kind, _, _)| *kind == "gradle-init"),
            "a saved init script is one of the profile's targets"
        );
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

//! The Gradle kind as the user configures it: `--gradle-prefix P`, `--gradle-keys U,P`
//! (repeatable), `--gradle-wrapper`, `--gradle-properties FILE`; the saved `[targets.gradle]` section.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::targets::{FlagCx, Kind, ResolveCx, TARGETS_HEADING, Target, TargetKind};
use crate::{fs, gradle};

use super::GradleTarget;

/// The kind.
pub(crate) const KIND: Kind = Kind {
    name: "gradle",
    entry_word: "key",
    served: None,
};

/// The gradle.properties flags of `login`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// Write `<P>Username` and `<P>Password` into gradle.properties. Repeatable.
    #[arg(long = "gradle-prefix", value_name = "P", help_heading = TARGETS_HEADING)]
    pub gradle_prefixes: Vec<String>,

    /// Explicit gradle.properties key pair `USER_KEY,PASSWORD_KEY` (e.g. `mavenUser,mavenPassword`).
    /// Repeatable.
    #[arg(long = "gradle-keys", value_name = "USER_KEY,PASSWORD_KEY", help_heading = TARGETS_HEADING)]
    pub gradle_keys: Vec<String>,

    /// Also write `systemProp.gradle.wrapperUser` / `systemProp.gradle.wrapperPassword` into
    /// gradle.properties: the Gradle wrapper (`gradlew`) sends them when it downloads its
    /// distribution from a protected repository (it runs before any init script).
    #[arg(long, help_heading = TARGETS_HEADING)]
    pub gradle_wrapper: bool,

    /// Gradle properties file [default: $GRADLE_USER_HOME/gradle.properties, else
    /// ~/.gradle/gradle.properties].
    #[arg(long, value_name = "FILE")]
    pub gradle_properties: Option<PathBuf>,
}

/// Key pairs in one gradle.properties (`[profiles.NAME.targets.gradle]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
    /// The properties file (absolute, resolved at login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<PathBuf>,
    /// `(username key, password key)` pairs.
    #[serde(default)]
    pub keys: Vec<(String, String)>,
}

impl TargetKind for Saved {
    const KIND: Kind = KIND;
    type Flags = Flags;

    fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn from_flags(cx: &FlagCx<'_>, f: &Flags, previous: Option<&Saved>) -> Result<Saved> {
        let mut keys: Vec<(String, String)> = Vec::new();
        for prefix in &f.gradle_prefixes {
            gradle::validate_prefix(prefix).map_err(|reason| {
                Error::usage(
                    format!("`--gradle-prefix {prefix}` is not a usable repository name: {reason}"),
                    Some("use the name of the repository in build.gradle, e.g. `--gradle-prefix nexus` for `nexusUsername`/`nexusPassword`".into()),
                )
            })?;
            keys.push(gradle::keys_for_prefix(prefix));
        }
        for pair in &f.gradle_keys {
            let parsed = pair
                .split_once(',')
                .map(|(u, p)| (u.trim(), p.trim()))
                .filter(|(u, p)| {
                    gradle::validate_key(u).is_ok() && gradle::validate_key(p).is_ok()
                });
            match parsed {
                Some((u, p)) => keys.push((u.to_owned(), p.to_owned())),
                None => {
                    return Err(Error::usage(
                        format!(
                            "`--gradle-keys {pair}` is not a `USER_KEY,PASSWORD_KEY` pair of property names"
                        ),
                        Some("e.g. `--gradle-keys mavenUser,mavenPassword`".into()),
                    ));
                }
            }
        }
        if f.gradle_wrapper {
            keys.push(gradle::wrapper_keys());
        }
        // A repeated prefix or key pair once, wherever it repeats (not only neighbours).
        let mut seen = std::collections::HashSet::new();
        keys.retain(|(user, _)| seen.insert(user.clone()));
        let properties = f
            .gradle_properties
            .clone()
            .or_else(|| previous.and_then(|p| p.properties.clone()))
            .unwrap_or_else(|| cx.env.gradle_properties());
        Ok(Saved {
            properties: Some(fs::absolute(properties)),
            keys,
        })
    }

    fn reuse(&mut self, previous: &Saved) {
        self.keys = previous.keys.clone();
    }

    fn retain(&mut self, _cx: &ResolveCx<'_>, keep: &dyn Fn(&str) -> bool) {
        self.keys.retain(|(u, p)| keep(u) && keep(p));
    }

    fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>> {
        vec![Box::new(GradleTarget {
            path: self
                .properties
                .clone()
                .unwrap_or_else(|| cx.env.gradle_properties()),
            keys: self.keys.clone(),
            env_refs: cx.env_refs,
        })]
    }
}

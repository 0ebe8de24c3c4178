//! The Cargo kind as the user configures it: `--cargo-registry NAME[=INDEX_URL]` (repeatable);
//! the saved `[targets.cargo]` section.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::targets::{FlagCx, Kind, ResolveCx, TARGETS_HEADING, Target, TargetKind};

use super::target::CargoTarget;

/// The kind.
pub(crate) const KIND: Kind = Kind {
    name: "cargo",
    entry_word: "registry",
    served: Some("served by this nexus-token (no token in the file)"),
};

/// The Cargo flag of `login`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// A Cargo registry whose `credential-provider` runs `nexus-token token` (in
    /// `$CARGO_HOME/config.toml`); `=INDEX_URL` also sets `index = "sparse+INDEX_URL"` when
    /// missing. Repeatable.
    #[arg(long = "cargo-registry", value_name = "NAME[=INDEX_URL]", help_heading = TARGETS_HEADING)]
    pub cargo_registries: Vec<String>,
}

/// Cargo registries whose `credential-provider` runs `nexus-token token`
/// (`[profiles.NAME.targets.cargo]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
    /// The registries.
    #[serde(default)]
    pub registries: Vec<CargoRegistry>,
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

impl TargetKind for Saved {
    const KIND: Kind = KIND;
    type Flags = Flags;

    fn is_empty(&self) -> bool {
        self.registries.is_empty()
    }

    fn from_flags(_cx: &FlagCx<'_>, f: &Flags, _previous: Option<&Saved>) -> Result<Saved> {
        let mut registries: Vec<CargoRegistry> = Vec::new();
        for spec in &f.cargo_registries {
            let (name, index) = match spec.split_once('=') {
                Some((name, url)) => (name.trim(), Some(url.trim().to_owned())),
                None => (spec.trim(), None),
            };
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && index.as_deref().is_none_or(|u| {
                    url::Url::parse(u.strip_prefix("sparse+").unwrap_or(u))
                        .is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
                });
            if !valid {
                return Err(Error::usage(
                    format!("`--cargo-registry {spec}` is not `NAME` or `NAME=INDEX_URL`"),
                    Some("e.g. `--cargo-registry nexus=https://nexus.example.com/repository/cargo-group/` (NAME: letters, digits, `-`, `_`)".into()),
                ));
            }
            if !registries.iter().any(|r| r.name == name) {
                registries.push(CargoRegistry {
                    name: name.to_owned(),
                    index,
                });
            }
        }
        Ok(Saved { registries })
    }

    fn retain(&mut self, _cx: &ResolveCx<'_>, keep: &dyn Fn(&str) -> bool) {
        self.registries.retain(|r| keep(&r.name));
    }

    fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>> {
        let home = cx.env.cargo_home();
        vec![Box::new(CargoTarget {
            path: crate::targets::served::cargo_config(&home),
            credentials: home.join("credentials.toml"),
            registries: self.registries.clone(),
            exe: cx.exe(),
            profile: cx.profile.to_owned(),
            config: cx.config.clone(),
        })]
    }
}

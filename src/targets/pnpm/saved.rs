//! The pnpm kind as the user configures it: `--pnpm-registry URL` (repeatable; the user npmrc
//! is npm's `--npmrc`); the saved `[targets.pnpm]` section.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::targets::npm::editor;
use crate::targets::{FlagCx, Kind, ResolveCx, TARGETS_HEADING, Target, TargetKind};

use super::PnpmTarget;

/// The kind.
pub(crate) const KIND: Kind = Kind {
    name: "pnpm",
    entry_word: "registry",
    served: Some("served by this nexus-token (no token in the file)"),
};

/// The pnpm flag of `login`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// A registry URL whose `tokenHelper` in the user npmrc runs nexus-token for pnpm (through a
    /// small wrapper beside the nexus-token config). Repeatable.
    #[arg(long = "pnpm-registry", value_name = "URL", help_heading = TARGETS_HEADING)]
    pub pnpm_registries: Vec<String>,
}

/// pnpm registry URLs whose `tokenHelper` runs nexus-token (`[profiles.NAME.targets.pnpm]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
    /// The user npmrc (absolute, resolved at login; npm's `--npmrc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npmrc: Option<PathBuf>,
    /// Registry URLs.
    #[serde(default)]
    pub registries: Vec<String>,
}

impl TargetKind for Saved {
    const KIND: Kind = KIND;
    type Flags = Flags;

    fn is_empty(&self) -> bool {
        self.registries.is_empty()
    }

    fn from_flags(cx: &FlagCx<'_>, f: &Flags, previous: Option<&Saved>) -> Result<Saved> {
        for url in &f.pnpm_registries {
            editor::registry_key(url).map_err(|e| {
                Error::usage(
                    format!("`--pnpm-registry` cannot be used: {e}"),
                    Some("give the http(s) URL of a Nexus npm repository or group".into()),
                )
            })?;
        }
        Ok(Saved {
            npmrc: Some(crate::targets::npm::saved_npmrc(
                cx,
                previous.and_then(|p| p.npmrc.as_ref()),
            )),
            registries: crate::targets::dedup(f.pnpm_registries.clone()),
        })
    }

    fn reuse(&mut self, previous: &Saved) {
        self.registries = previous.registries.clone();
    }

    fn retain(&mut self, _cx: &ResolveCx<'_>, keep: &dyn Fn(&str) -> bool) {
        self.registries
            .retain(|u| keep(&editor::registry_key(u).unwrap_or_else(|_| u.clone())));
    }

    fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>> {
        vec![Box::new(PnpmTarget {
            path: self.npmrc.clone().unwrap_or_else(|| cx.env.user_npmrc()),
            registries: self.registries.clone(),
            wrapper: cx
                .env
                .config_dir
                .join(crate::targets::helper_files::wrapper_name(&format!(
                    "{}{}",
                    crate::targets::served::file_name_part(cx.profile),
                    crate::targets::served::config_suffix(cx.config.as_deref())
                ))),
            exe: cx.exe(),
            profile: cx.profile.to_owned(),
            config: cx.config.clone(),
        })]
    }
}

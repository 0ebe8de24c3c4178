//! The Gradle init script kind as the user configures it: `--gradle-init`; the saved
//! `[targets.gradle_init]` section.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fs;
use crate::targets::{FlagCx, Kind, ResolveCx, TARGETS_HEADING, Target, TargetKind};

use super::GradleInitTarget;

/// The kind.
pub(crate) const KIND: Kind = Kind {
    name: "gradle-init",
    entry_word: "script",
    served: Some("configured (asks nexus-token at build time)"),
};

/// The init script flag of `login`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// Write a Gradle init script, `$GRADLE_USER_HOME/init.d/nexus-token-<profile>.gradle` (else
    /// under ~/.gradle), that gives every Maven repository under the Nexus URL the token at build
    /// time, asked from nexus-token: no secret on disk, no property names to agree on.
    #[arg(long, help_heading = TARGETS_HEADING)]
    pub gradle_init: bool,
}

/// The Gradle init script that asks nexus-token for this profile's token at build time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
    /// `<gradle user home>/init.d/nexus-token-<profile>.gradle` (absolute, resolved at login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<PathBuf>,
    /// The profile name the script asks for (this profile's own name).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub profile: String,
}

impl TargetKind for Saved {
    const KIND: Kind = KIND;
    type Flags = Flags;

    fn is_empty(&self) -> bool {
        self.script.is_none()
    }

    fn from_flags(cx: &FlagCx<'_>, f: &Flags, _previous: Option<&Saved>) -> Result<Saved> {
        if !f.gradle_init {
            return Ok(Saved::default());
        }
        if cx.no_keyring {
            return Err(Error::usage(
                "`--gradle-init` and `--no-keyring` do not go together: the init script asks nexus-token at build time, which answers from the keyring",
                Some("drop `--no-keyring`, or use `--gradle-prefix NAME` to write the token into gradle.properties".into()),
            ));
        }
        let name = cx.profile;
        super::validate_profile(name).map_err(|reason| {
            Error::usage(
                format!("`--gradle-init` names its script after the profile, but `{name}` cannot be part of a file name: {reason}"),
                Some("use a profile name of letters, digits, `-`, `_` and `.`, e.g. `--profile work`".into()),
            )
        })?;
        Ok(Saved {
            script: Some(fs::absolute(
                cx.env
                    .gradle_init_dir()
                    .join(super::file_name(name, cx.config.as_deref())),
            )),
            profile: name.to_owned(),
        })
    }

    fn retain(&mut self, _cx: &ResolveCx<'_>, keep: &dyn Fn(&str) -> bool) {
        if !keep(&self.profile) {
            *self = Saved::default();
        }
    }

    fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>> {
        let Some(script) = &self.script else {
            return Vec::new();
        };
        vec![Box::new(GradleInitTarget {
            path: script.clone(),
            profile: self.profile.clone(),
            url: cx.url.to_owned(),
            exe: cx.env.current_exe().ok(),
            config: cx.config.clone(),
        })]
    }
}

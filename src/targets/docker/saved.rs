//! The Docker kind as the user configures it: `--docker-registry HOST[:PORT]` (repeatable); the
//! saved `[targets.docker]` section.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::targets::{FlagCx, Kind, ResolveCx, TARGETS_HEADING, Target, TargetKind};

use super::editor;
use super::target::DockerTarget;

/// The kind.
pub(crate) const KIND: Kind = Kind {
    name: "docker",
    entry_word: "registry",
    served: Some("served by this nexus-token (no token in the file)"),
};

/// The Docker flag of `login`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// A Docker registry `HOST[:PORT]` that Docker, skopeo and Podman ask nexus-token for
    /// (`credHelpers` in Docker's config.json, plus the `docker-credential-nexus-token` link).
    /// Repeatable.
    #[arg(long = "docker-registry", value_name = "HOST[:PORT]", help_heading = TARGETS_HEADING)]
    pub docker_registries: Vec<String>,
}

/// Docker registries whose `credHelpers` entry names nexus-token
/// (`[profiles.NAME.targets.docker]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
    /// Registry keys (`host[:port]`).
    #[serde(default)]
    pub registries: Vec<String>,
}

impl TargetKind for Saved {
    const KIND: Kind = KIND;
    type Flags = Flags;

    fn is_empty(&self) -> bool {
        self.registries.is_empty()
    }

    fn from_flags(_cx: &FlagCx<'_>, f: &Flags, _previous: Option<&Saved>) -> Result<Saved> {
        let mut registries = Vec::new();
        for host in &f.docker_registries {
            let key = editor::registry_arg(host).map_err(|e| {
                Error::usage(
                    format!("`--docker-registry {host}` cannot be used: {e}"),
                    Some("give the registry as Docker names it, e.g. `--docker-registry nexus.example.com:8443`".into()),
                )
            })?;
            registries.push(key);
        }
        Ok(Saved {
            registries: crate::targets::dedup(registries),
        })
    }

    fn retain(&mut self, _cx: &ResolveCx<'_>, keep: &dyn Fn(&str) -> bool) {
        self.registries.retain(|h| keep(h));
    }

    fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>> {
        vec![Box::new(DockerTarget::new(
            cx.env,
            self.registries.clone(),
            cx.exe(),
            cx.config.clone(),
        ))]
    }
}

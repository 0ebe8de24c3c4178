//! The Yarn 2+ kind as the user configures it: `--yarn-registry URL` (repeatable); the saved
//! `[targets.yarn]` section; discovery of `npmRegistryServer` and `npmRegistries` keys under the
//! Nexus URL in the home rc.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::env::Env;
use crate::error::{Error, Result};
use crate::fs;
use crate::targets::{DiscoverCx, FlagCx, Kind, ResolveCx, TARGETS_HEADING, Target, TargetKind};

use super::{YarnTarget, editor};

/// The kind.
pub(crate) const KIND: Kind = Kind {
    name: "yarn",
    entry_word: "registry",
    served: None,
};

/// The Yarn 2+ flag of `login`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// An npm registry URL (a Nexus npm repository or group) whose entry under `npmRegistries`
    /// in Yarn 2+'s home rc (`~/.yarnrc.yml`, `$YARN_RC_FILENAME` changes the name) gets the
    /// token as `npmAuthIdent`, with `npmAlwaysAuth: true`. Repeatable.
    #[arg(long = "yarn-registry", value_name = "URL", help_heading = TARGETS_HEADING)]
    pub yarn_registries: Vec<String>,
}

/// Registries whose entry in one `.yarnrc.yml` gets the token (`[profiles.NAME.targets.yarn]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
    /// The rc file (absolute, resolved at login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yarnrc: Option<PathBuf>,
    /// Registry URLs as given.
    #[serde(default)]
    pub registries: Vec<String>,
}

impl Saved {
    fn path(&self, env: &Env) -> PathBuf {
        self.yarnrc.clone().unwrap_or_else(|| env.yarnrc())
    }
}

/// The `//host[:port]/path` key of a registry URL: what a Yarn target claims (a URL without a
/// key keeps its URL).
pub(crate) fn claim_key(url: &str) -> String {
    editor::Registry::parse(url)
        .map(|r| r.key)
        .unwrap_or_else(|_| url.to_owned())
}

impl TargetKind for Saved {
    const KIND: Kind = KIND;
    type Flags = Flags;

    fn is_empty(&self) -> bool {
        self.registries.is_empty()
    }

    /// URLs validated (exit 2 before any request), the rc file kept from the previous profile or
    /// resolved now.
    fn from_flags(cx: &FlagCx<'_>, f: &Flags, previous: Option<&Saved>) -> Result<Saved> {
        for url in &f.yarn_registries {
            editor::Registry::parse(url).map_err(|e| {
                Error::usage(
                    format!("`--yarn-registry` cannot be used: {e}"),
                    Some("give the http(s) URL of a Nexus npm repository or group, e.g. `--yarn-registry https://nexus.example.com/repository/npm-group/`".into()),
                )
            })?;
        }
        let yarnrc = previous
            .and_then(|p| p.yarnrc.clone())
            .unwrap_or_else(|| cx.env.yarnrc());
        Ok(Saved {
            yarnrc: Some(fs::absolute(yarnrc)),
            registries: crate::targets::dedup(f.yarn_registries.clone()),
        })
    }

    fn reuse(&mut self, previous: &Saved) {
        self.registries = previous.registries.clone();
    }

    /// `npmRegistryServer` and `npmRegistries` keys under the base URL in the rc file. A file
    /// that cannot be read or parsed only costs a warning: other kinds may still find targets.
    fn discover(&mut self, cx: &DiscoverCx<'_>) -> Result<bool> {
        let path = self.path(cx.env);
        let found = cx.found_in(&path, "Yarn registries", |bytes| {
            editor::discover(bytes, cx.url)
        });
        let found: Vec<String> = found
            .into_iter()
            .filter(|url| !cx.taken(&path, &claim_key(url), &format!("Yarn registry `{url}`")))
            .collect();
        if found.is_empty() {
            return Ok(false);
        }
        cx.ui.step(&format!(
            "found Yarn registries for this Nexus in `{}`: {}",
            path.display(),
            found.join(", ")
        ));
        self.registries = found;
        Ok(true)
    }

    fn looked_in(&self, env: &Env) -> Vec<PathBuf> {
        vec![self.path(env)]
    }

    fn retain(&mut self, _cx: &ResolveCx<'_>, keep: &dyn Fn(&str) -> bool) {
        self.registries.retain(|u| keep(&claim_key(u)));
    }

    fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>> {
        vec![Box::new(YarnTarget {
            path: self.path(cx.env),
            registries: self.registries.clone(),
            env_refs: cx.env_refs,
        })]
    }
}

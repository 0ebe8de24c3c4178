//! The npm kind as the user configures it: `--npm-registry URL` (repeatable), `--npmrc FILE`,
//! `--npm-always-auth`; the saved `[targets.npm]` section; discovery of the registries under
//! the Nexus URL in the user npmrc.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fs;
use crate::targets::{DiscoverCx, FlagCx, Kind, ResolveCx, TARGETS_HEADING, Target, TargetKind};

use super::{NpmTarget, editor};

/// The kind.
pub(crate) const KIND: Kind = Kind {
    name: "npm",
    entry_word: "registry",
    served: None,
};

/// The npm flags of `login`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// An npm registry URL (a Nexus npm repository or group, e.g.
    /// `https://nexus.example.com/repository/npm-group/`) whose key in the user npmrc gets the
    /// token as `_auth`. Repeatable.
    #[arg(long = "npm-registry", value_name = "URL", help_heading = TARGETS_HEADING)]
    pub npm_registries: Vec<String>,

    /// User npmrc [default: $NPM_CONFIG_USERCONFIG, else ~/.npmrc].
    #[arg(long, value_name = "FILE")]
    pub npmrc: Option<PathBuf>,

    /// Also write `always-auth=true` at each npm registry's key: Yarn 1 sends no credentials for
    /// unscoped packages without it (npm 11 warns about that key, so it is opt-in).
    #[arg(long)]
    pub npm_always_auth: bool,
}

/// npm registries whose `_auth` lives in one user npmrc (`[profiles.NAME.targets.npm]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
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

/// The npmrc keys of registry URLs: what npm and pnpm targets claim (a URL without a key keeps
/// its URL).
pub(crate) fn claim_keys(registries: &[String]) -> Vec<String> {
    registries
        .iter()
        .map(|u| editor::registry_key(u).unwrap_or_else(|_| u.clone()))
        .collect()
}

/// The user npmrc from `--npmrc`, else the saved one, else the default (shared with pnpm).
pub(crate) fn npmrc_path(cx: &FlagCx<'_>, previous: Option<&PathBuf>) -> PathBuf {
    fs::absolute(
        cx.all
            .npm
            .npmrc
            .clone()
            .or_else(|| previous.cloned())
            .unwrap_or_else(|| cx.env.user_npmrc()),
    )
}

impl TargetKind for Saved {
    const KIND: Kind = KIND;
    type Flags = Flags;

    fn is_empty(&self) -> bool {
        self.registries.is_empty()
    }

    fn from_flags(cx: &FlagCx<'_>, f: &Flags, previous: Option<&Saved>) -> Result<Saved> {
        for url in &f.npm_registries {
            editor::registry_key(url).map_err(|e| {
                Error::usage(
                    format!("`--npm-registry` cannot be used: {e}"),
                    Some("give the http(s) URL of a Nexus npm repository or group, e.g. `--npm-registry https://nexus.example.com/repository/npm-group/`".into()),
                )
            })?;
        }
        Ok(Saved {
            npmrc: Some(npmrc_path(cx, previous.and_then(|p| p.npmrc.as_ref()))),
            registries: crate::targets::dedup(f.npm_registries.clone()),
            always_auth: f.npm_always_auth,
        })
    }

    fn reuse(&mut self, previous: &Saved) {
        self.registries = previous.registries.clone();
        self.always_auth |= previous.always_auth;
    }

    /// `registry=` and `@scope:registry=` URLs under the Nexus URL. A file that cannot be read
    /// only costs a warning: other kinds may still find targets.
    fn discover(&mut self, cx: &DiscoverCx<'_>) -> Result<bool> {
        let path = self.npmrc.clone().unwrap_or_else(|| cx.env.user_npmrc());
        let found = cx.found_in(&path, "npm registries", |bytes| {
            editor::discover(bytes, cx.url)
        });
        let found: Vec<String> = found
            .into_iter()
            .filter(|url| {
                let key = editor::registry_key(url).unwrap_or_else(|_| url.clone());
                !cx.taken(&path, &key, &format!("npm registry `{url}`"))
            })
            .collect();
        if found.is_empty() {
            return Ok(false);
        }
        cx.ui.step(&format!(
            "found npm registries for this Nexus in `{}`: {}",
            path.display(),
            found.join(", ")
        ));
        self.registries = found;
        Ok(true)
    }

    fn looked_in(&self, env: &crate::env::Env) -> Vec<PathBuf> {
        vec![self.npmrc.clone().unwrap_or_else(|| env.user_npmrc())]
    }

    fn retain(&mut self, _cx: &ResolveCx<'_>, keep: &dyn Fn(&str) -> bool) {
        self.registries
            .retain(|u| keep(&editor::registry_key(u).unwrap_or_else(|_| u.clone())));
    }

    fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>> {
        vec![Box::new(NpmTarget {
            path: self.npmrc.clone().unwrap_or_else(|| cx.env.user_npmrc()),
            registries: self.registries.clone(),
            always_auth: self.always_auth,
            env_refs: cx.env_refs,
        })]
    }
}

//! The Go kind as the user configures it: `--go-proxy URL` (repeatable, https only); the saved
//! `[targets.go]` section; discovery of an https GOPROXY entry under the Nexus URL in Go's env
//! file.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::env::Env;
use crate::error::{Error, Result};
use crate::targets::{DiscoverCx, FlagCx, Kind, ResolveCx, TARGETS_HEADING, Target, TargetKind};

use super::target::{GoTarget, env_file, proxy_flag};
use super::{editor, helper};

/// The kind.
pub(crate) const KIND: Kind = Kind {
    name: "go",
    entry_word: "proxy",
    served: Some("served by this nexus-token (no token in the file)"),
};

/// The Go flag of `login`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// An https Go proxy URL (a Nexus Go repository, e.g.
    /// `https://nexus.example.com/repository/go-proxy/`) put first in GOPROXY of Go's env file
    /// (`GOENV`, else the file `go env -w` writes), with `GOAUTH` running nexus-token: Go 1.24+
    /// asks it for the credentials. Repeatable.
    #[arg(long = "go-proxy", value_name = "URL", help_heading = TARGETS_HEADING)]
    pub go_proxies: Vec<String>,
}

/// Go proxy URLs that GOPROXY lists and whose GOAUTH runs nexus-token
/// (`[profiles.NAME.targets.go]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
    /// The proxy URLs (https).
    #[serde(default)]
    pub proxies: Vec<String>,
}

/// The claim key of a proxy URL (Go ignores a trailing slash).
pub(crate) fn claim_key(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

impl TargetKind for Saved {
    const KIND: Kind = KIND;
    type Flags = Flags;

    fn is_empty(&self) -> bool {
        self.proxies.is_empty()
    }

    fn from_flags(cx: &FlagCx<'_>, f: &Flags, _previous: Option<&Saved>) -> Result<Saved> {
        let proxies = f
            .go_proxies
            .iter()
            .map(|url| proxy_flag(url))
            .collect::<Result<Vec<_>>>()?;
        if !proxies.is_empty() && env_file(cx.env).is_none() {
            return Err(Error::usage(
                "`--go-proxy`: `GOENV=off`, so Go reads no env file that could name the proxy",
                Some("unset `GOENV` (or point it at a file), then log in again".into()),
            ));
        }
        for url in &proxies {
            if helper::base_prefix(url) != helper::base_prefix(cx.url) {
                cx.ui.warn(&format!(
                    "`--go-proxy {url}` is not on the host of {}: Go gets the token only for that host",
                    cx.url
                ));
            }
        }
        Ok(Saved {
            proxies: crate::targets::dedup(proxies),
        })
    }

    fn discover(&mut self, cx: &DiscoverCx<'_>) -> Result<bool> {
        let Some(path) = env_file(cx.env) else {
            return Ok(false);
        };
        let found: Vec<String> = match crate::fs::read_optional(&path) {
            Ok(Some(bytes)) => editor::discover(&bytes, cx.url),
            Ok(None) => Vec::new(),
            Err(e) => {
                cx.ui.warn(&format!("Go proxies not discovered: {e}"));
                Vec::new()
            }
        };
        let found: Vec<String> = found
            .into_iter()
            .filter(|url| !cx.taken(&path, &claim_key(url), &format!("Go proxy `{url}`")))
            .collect();
        if found.is_empty() {
            return Ok(false);
        }
        cx.ui.step(&format!(
            "found Go proxies for this Nexus in `{}`: {}",
            path.display(),
            found.join(", ")
        ));
        self.proxies = found;
        Ok(true)
    }

    fn looked_in(&self, env: &Env) -> Vec<PathBuf> {
        env_file(env).into_iter().collect()
    }

    fn retain(&mut self, _cx: &ResolveCx<'_>, keep: &dyn Fn(&str) -> bool) {
        self.proxies.retain(|u| keep(&claim_key(u)));
    }

    fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>> {
        let Some(path) = env_file(cx.env) else {
            return Vec::new();
        };
        vec![Box::new(GoTarget {
            path,
            proxies: self.proxies.clone(),
            exe: cx.exe(),
            profile: cx.profile.to_owned(),
            config: cx.config.clone(),
            wrapper: cx.env.config_dir.join(format!(
                "go-auth-helper-{}{}",
                crate::targets::served::file_name_part(cx.profile),
                crate::targets::served::config_suffix(cx.config.as_deref())
            )),
        })]
    }
}

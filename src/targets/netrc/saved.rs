//! The netrc kind as the user configures it: `--netrc`, `--netrc-file FILE`; the saved
//! `[targets.netrc]` section; discovery (a netrc block for the Nexus host, or pip's or uv's
//! index under the base URL).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::fs;
use crate::targets::{DiscoverCx, FlagCx, Kind, ResolveCx, TARGETS_HEADING, Target, TargetKind};

use super::{NetrcTarget, discover as pip_uv, editor};

/// The kind.
pub(crate) const KIND: Kind = Kind {
    name: "netrc",
    entry_word: "machine",
    served: None,
};

/// The netrc flags of `login`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// Write a `machine HOST login ... password ...` block for the Nexus host into netrc, which
    /// pip, uv, conda, Go and curl `-n` read.
    #[arg(long, help_heading = TARGETS_HEADING)]
    pub netrc: bool,

    /// The netrc file (implies --netrc) [default: $NETRC, else ~/.netrc].
    #[arg(long, value_name = "FILE")]
    pub netrc_file: Option<PathBuf>,
}

/// Whether the Nexus host's block is written, and where (`[profiles.NAME.targets.netrc]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
    /// The netrc file, when not `$NETRC` or `~/.netrc` (`--netrc-file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// Whether the token goes into netrc.
    #[serde(default)]
    pub enabled: bool,
}

/// The host of a base URL, without port: what a netrc `machine` names. An IPv6 address goes
/// without its URL brackets (curl and Python's `netrc` look up `::1`, never `[::1]`).
pub(crate) fn url_host(url: &str) -> String {
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        Some(host) => host.to_string(),
        None => String::new(),
    }
}

impl Saved {
    fn path(&self, cx_env: &crate::env::Env) -> PathBuf {
        self.file.clone().unwrap_or_else(|| cx_env.netrc())
    }
}

impl TargetKind for Saved {
    const KIND: Kind = KIND;
    type Flags = Flags;

    fn is_empty(&self) -> bool {
        !self.enabled
    }

    fn from_flags(cx: &FlagCx<'_>, f: &Flags, previous: Option<&Saved>) -> Result<Saved> {
        let file = f
            .netrc_file
            .clone()
            .or_else(|| previous.and_then(|p| p.file.clone()))
            .unwrap_or_else(|| cx.env.netrc());
        Ok(Saved {
            file: Some(fs::absolute(file)),
            enabled: f.netrc || f.netrc_file.is_some(),
        })
    }

    fn reuse(&mut self, previous: &Saved) {
        self.enabled = previous.enabled;
    }

    /// netrc when it has a block for the Nexus host, or pip's or uv's user configuration has an
    /// index under the base URL. A netrc that cannot be read or parsed is warned about and not
    /// searched; an unreadable pip or uv configuration is skipped. Another profile's machine is
    /// left alone.
    fn discover(&mut self, cx: &DiscoverCx<'_>) -> Result<bool> {
        let base = cx.url;
        let host = url_host(base);
        let netrc_path = self.path(cx.env);
        let mut why: Option<String> = None;
        match fs::read_optional(&netrc_path).map(|b| b.map(|b| editor::has_machine(&b, &host))) {
            Ok(Some(Ok(true))) => {
                why = Some(format!(
                    "`{}` has a block for `{host}`",
                    netrc_path.display()
                ));
            }
            Ok(Some(Err(e))) => cx.ui.warn(&format!(
                "netrc not searched: cannot parse `{}`: {e}",
                netrc_path.display()
            )),
            Err(e) => cx.ui.warn(&format!("netrc not searched: {e}")),
            Ok(None | Some(Ok(false))) => {}
        }
        for file in cx.env.pip_configs() {
            if why.is_some() {
                break;
            }
            if let Some(bytes) = read_quietly(&file)
                && pip_uv::pip_indexes_under(&bytes, base).is_ok_and(|found| !found.is_empty())
            {
                why = Some(format!("`{}` has an index under {base}", file.display()));
            }
        }
        let uv = cx.env.uv_config();
        if why.is_none()
            && let Some(bytes) = read_quietly(&uv)
            && pip_uv::uv_indexes_under(&String::from_utf8_lossy(&bytes), base)
                .is_ok_and(|found| !found.is_empty())
        {
            why = Some(format!("`{}` has an index under {base}", uv.display()));
        }
        let Some(why) = why else {
            return Ok(false);
        };
        if cx.taken(&netrc_path, &host, &format!("netrc machine `{host}`")) {
            return Ok(false);
        }
        cx.ui.step(&format!(
            "found netrc, pip or uv use of this Nexus: {why}; the token goes into `{}`",
            netrc_path.display()
        ));
        self.enabled = true;
        Ok(true)
    }

    fn looked_in(&self, env: &crate::env::Env) -> Vec<PathBuf> {
        let mut out = vec![self.path(env)];
        out.extend(env.pip_configs());
        out.push(env.uv_config());
        out
    }

    fn retain(&mut self, cx: &ResolveCx<'_>, keep: &dyn Fn(&str) -> bool) {
        if !keep(&url_host(cx.url)) {
            self.enabled = false;
        }
    }

    fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>> {
        vec![Box::new(NetrcTarget {
            path: self.path(cx.env),
            host: url_host(cx.url),
        })]
    }
}

/// A configuration file we only look at: missing or unreadable is `None`.
fn read_quietly(path: &Path) -> Option<Vec<u8>> {
    fs::read_optional(path).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_netrc_machine_of_an_ipv6_url_has_no_brackets() {
        assert_eq!(url_host("http://[::1]:8081/nexus"), "::1");
        assert_eq!(
            url_host("https://nexus.example.com:8443"),
            "nexus.example.com"
        );
        assert_eq!(url_host("http://127.0.0.1:8081"), "127.0.0.1");
    }
}

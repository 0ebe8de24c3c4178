//! The netrc and .pypirc part of `login`: the `--netrc`, `--netrc-file`, `--pypirc NAME[=URL]`
//! and `--pypirc-file` flags (validated before any request), the targets reused from a saved
//! profile, and discovery (a netrc block for the Nexus host, pip's or uv's index under the base
//! URL, .pypirc sections whose repository lies under it). Reads files; never writes one.

use std::path::Path;

use crate::cli::TargetArgs;
use crate::error::{Error, Result};
use crate::fs;
use crate::profile::{NetrcTargets, Profile, PypircSection, PypircTargets};
use crate::targets::netrc::{discover as pip_uv, editor as netrc};
use crate::targets::pypirc::{self, editor as pypirc_editor};

use super::{Context, absolute};

/// Fills `profile.netrc` and `profile.pypirc` from the flags; usage errors (exit 2) before any
/// request, including a `--pypirc NAME` whose section the file lacks.
pub(super) fn explicit(
    ctx: &Context<'_>,
    t: &TargetArgs,
    profile: &mut Profile,
    previous: Option<&Profile>,
) -> Result<()> {
    let netrc_file = t
        .netrc_file
        .clone()
        .or_else(|| previous.and_then(|p| p.netrc.file.clone()))
        .unwrap_or_else(|| ctx.env.netrc());
    profile.netrc = NetrcTargets {
        file: Some(absolute(netrc_file)),
        enabled: t.netrc || t.netrc_file.is_some(),
    };
    let pypirc_file = absolute(
        t.pypirc_file
            .clone()
            .or_else(|| previous.and_then(|p| p.pypirc.file.clone()))
            .unwrap_or_else(|| ctx.env.pypirc()),
    );
    let mut sections: Vec<PypircSection> = Vec::new();
    for arg in &t.pypirc_sections {
        let section = parse_pypirc_flag(arg)?;
        if !sections.iter().any(|s| s.name == section.name) {
            sections.push(section);
        }
    }
    for s in &sections {
        if let Some(url) = &s.repository
            && !pip_uv::url_under(url, &profile.url)
        {
            ctx.ui.warn(&format!(
                "`--pypirc {}`: `{url}` is not under {}, and the token works only there",
                s.name, profile.url
            ));
        }
    }
    let lacking: Vec<&str> = sections
        .iter()
        .filter(|s| s.repository.is_none())
        .map(|s| s.name.as_str())
        .collect();
    if !lacking.is_empty() {
        let current = fs::read_optional(&pypirc_file)?;
        for name in &lacking {
            let found = match &current {
                Some(bytes) => pypirc_editor::read(bytes, name)
                    .map_err(|e| Error::file(&pypirc_file, "parse", e))?
                    .is_some(),
                None => false,
            };
            if !found {
                return Err(pypirc::missing_section(&pypirc_file, name));
            }
        }
    }
    profile.pypirc = PypircTargets {
        file: Some(pypirc_file),
        sections,
    };
    Ok(())
}

/// `NAME` or `NAME=URL`, checked.
fn parse_pypirc_flag(arg: &str) -> Result<PypircSection> {
    let (name, url) = match arg.split_once('=') {
        Some((name, url)) => (name.trim(), Some(url.trim())),
        None => (arg.trim(), None),
    };
    pypirc_editor::validate_section(name).map_err(|e| {
        Error::usage(
            format!("`--pypirc {arg}` cannot name a .pypirc section: {e}"),
            Some("give the name twine's `--repository` takes, e.g. `--pypirc nexus=https://nexus.example.com/repository/pypi-hosted/`".into()),
        )
    })?;
    if let Some(url) = url {
        let ok = url::Url::parse(url).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some()
                && u.username().is_empty()
                && u.password().is_none()
        });
        if !ok {
            return Err(Error::usage(
                format!(
                    "`--pypirc {arg}`: the repository URL is not an http(s) URL without credentials"
                ),
                Some(format!(
                    "give the upload URL of the Nexus PyPI repository, e.g. `--pypirc {name}=https://nexus.example.com/repository/pypi-hosted/`"
                )),
            ));
        }
    }
    Ok(PypircSection {
        name: name.to_owned(),
        repository: url.map(str::to_owned),
    })
}

/// The netrc and .pypirc targets saved in the profile.
pub(super) fn reuse(profile: &mut Profile, previous: &Profile) {
    profile.netrc.enabled = previous.netrc.enabled;
    profile.pypirc.sections = previous.pypirc.sections.clone();
}

/// Discovery: netrc when it has a block for the Nexus host or pip's or uv's user configuration
/// has an index under the base URL; the .pypirc sections whose repository lies under it.
/// Returns whether anything was found. A netrc or .pypirc that cannot be read or parsed is
/// warned about and not searched (writing it would stop later, before any request, with exit
/// 5); an unreadable pip or uv configuration is skipped.
pub(super) fn discover(ctx: &Context<'_>, profile: &mut Profile) -> Result<bool> {
    let base = profile.url.clone();
    let host = crate::profile::url_host(&base);
    let netrc_path = profile
        .netrc
        .file
        .clone()
        .unwrap_or_else(|| ctx.env.netrc());
    let mut why: Option<String> = None;
    match fs::read_optional(&netrc_path).map(|b| b.map(|b| netrc::has_machine(&b, &host))) {
        Ok(Some(Ok(true))) => {
            why = Some(format!(
                "`{}` has a block for `{host}`",
                netrc_path.display()
            ));
        }
        Ok(Some(Err(e))) => ctx.ui.warn(&format!(
            "netrc not searched: cannot parse `{}`: {e}",
            netrc_path.display()
        )),
        Err(e) => ctx.ui.warn(&format!("netrc not searched: {e}")),
        Ok(None | Some(Ok(false))) => {}
    }
    for file in ctx.env.pip_configs() {
        if why.is_some() {
            break;
        }
        if let Some(bytes) = read_quietly(&file)
            && pip_uv::pip_indexes_under(&bytes, &base).is_ok_and(|found| !found.is_empty())
        {
            why = Some(format!("`{}` has an index under {base}", file.display()));
        }
    }
    let uv = ctx.env.uv_config();
    if why.is_none()
        && let Some(bytes) = read_quietly(&uv)
        && pip_uv::uv_indexes_under(&String::from_utf8_lossy(&bytes), &base)
            .is_ok_and(|found| !found.is_empty())
    {
        why = Some(format!("`{}` has an index under {base}", uv.display()));
    }
    if let Some(why) = &why {
        ctx.ui.step(&format!(
            "found netrc, pip or uv use of this Nexus: {why}; the token goes into `{}`",
            netrc_path.display()
        ));
        profile.netrc.enabled = true;
    }
    let pypirc_path = profile
        .pypirc
        .file
        .clone()
        .unwrap_or_else(|| ctx.env.pypirc());
    let sections = match fs::read_optional(&pypirc_path)
        .map(|b| b.map(|b| pypirc_editor::discover(&b, &base)))
    {
        Ok(Some(Ok(sections))) => sections,
        Ok(Some(Err(e))) => {
            ctx.ui.warn(&format!(
                ".pypirc sections not discovered: cannot parse `{}`: {e}",
                pypirc_path.display()
            ));
            Vec::new()
        }
        Err(e) => {
            ctx.ui
                .warn(&format!(".pypirc sections not discovered: {e}"));
            Vec::new()
        }
        Ok(None) => Vec::new(),
    };
    if !sections.is_empty() {
        ctx.ui.step(&format!(
            "found .pypirc sections for this Nexus in `{}`: {}",
            pypirc_path.display(),
            sections.join(", ")
        ));
        profile.pypirc.sections = sections
            .into_iter()
            .map(|name| PypircSection {
                name,
                repository: None,
            })
            .collect();
    }
    Ok(why.is_some() || !profile.pypirc.sections.is_empty())
}

/// A configuration file we only look at: missing or unreadable is `None`.
fn read_quietly(path: &Path) -> Option<Vec<u8>> {
    fs::read_optional(path).ok().flatten()
}

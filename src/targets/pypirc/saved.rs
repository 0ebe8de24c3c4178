//! The .pypirc kind as the user configures it: `--pypirc NAME[=URL]` (repeatable),
//! `--pypirc-file FILE`; the saved `[targets.pypirc]` section; discovery of the sections whose
//! repository lies under the Nexus URL.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fs;
use crate::targets::netrc::discover::url_under;
use crate::targets::{DiscoverCx, FlagCx, Kind, ResolveCx, TARGETS_HEADING, Target, TargetKind};

use super::{PypircTarget, editor};

/// The kind.
pub(crate) const KIND: Kind = Kind {
    name: "pypirc",
    entry_word: "section",
    served: None,
};

/// The .pypirc flags of `login`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// A .pypirc section (twine's `--repository NAME`) that gets the token; `NAME=URL` creates
    /// a missing section with that repository URL. Repeatable.
    #[arg(long = "pypirc", value_name = "NAME[=URL]", help_heading = TARGETS_HEADING)]
    pub pypirc_sections: Vec<String>,

    /// The .pypirc file [default: ~/.pypirc].
    #[arg(long, value_name = "FILE")]
    pub pypirc_file: Option<PathBuf>,
}

/// .pypirc sections that get the token (`[profiles.NAME.targets.pypirc]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
    /// The .pypirc, when not `~/.pypirc` (`--pypirc-file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// The sections.
    #[serde(default)]
    pub sections: Vec<PypircSection>,
}

/// One .pypirc section, with the repository URL it is created with when missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PypircSection {
    /// The section name (what `twine upload --repository NAME` takes).
    pub name: String,
    /// Its repository URL, when given with `--pypirc NAME=URL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

/// `NAME` or `NAME=URL`, checked.
fn parse_flag(arg: &str) -> Result<PypircSection> {
    let (name, url) = match arg.split_once('=') {
        Some((name, url)) => (name.trim(), Some(url.trim())),
        None => (arg.trim(), None),
    };
    editor::validate_section(name).map_err(|e| {
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

impl TargetKind for Saved {
    const KIND: Kind = KIND;
    type Flags = Flags;

    fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// Usage errors (exit 2) before any request, including a `--pypirc NAME` whose section the
    /// file lacks.
    fn from_flags(cx: &FlagCx<'_>, f: &Flags, previous: Option<&Saved>) -> Result<Saved> {
        let file = fs::absolute(
            f.pypirc_file
                .clone()
                .or_else(|| previous.and_then(|p| p.file.clone()))
                .unwrap_or_else(|| cx.env.pypirc()),
        );
        let mut sections: Vec<PypircSection> = Vec::new();
        for arg in &f.pypirc_sections {
            let section = parse_flag(arg)?;
            if !sections.iter().any(|s| s.name == section.name) {
                sections.push(section);
            }
        }
        for s in &sections {
            if let Some(url) = &s.repository
                && !url_under(url, cx.url)
            {
                cx.ui.warn(&format!(
                    "`--pypirc {}`: `{url}` is not under {}, and the token works only there",
                    s.name, cx.url
                ));
            }
        }
        let lacking: Vec<&str> = sections
            .iter()
            .filter(|s| s.repository.is_none())
            .map(|s| s.name.as_str())
            .collect();
        if !lacking.is_empty() {
            let current = fs::read_optional(&file)?;
            for name in &lacking {
                let found = match &current {
                    Some(bytes) => editor::read(bytes, name)
                        .map_err(|e| Error::file(&file, "parse", e))?
                        .is_some(),
                    None => false,
                };
                if !found {
                    return Err(super::missing_section(&file, name));
                }
            }
        }
        Ok(Saved {
            file: Some(file),
            sections,
        })
    }

    fn reuse(&mut self, previous: &Saved) {
        self.sections = previous.sections.clone();
    }

    /// The sections whose repository lies under the base URL; a .pypirc that cannot be read or
    /// parsed is warned about and not searched. Another profile's section is left alone.
    fn discover(&mut self, cx: &DiscoverCx<'_>) -> Result<bool> {
        let path = self.file.clone().unwrap_or_else(|| cx.env.pypirc());
        let sections =
            match fs::read_optional(&path).map(|b| b.map(|b| editor::discover(&b, cx.url))) {
                Ok(Some(Ok(sections))) => sections,
                Ok(Some(Err(e))) => {
                    cx.ui.warn(&format!(
                        ".pypirc sections not discovered: cannot parse `{}`: {e}",
                        path.display()
                    ));
                    Vec::new()
                }
                Err(e) => {
                    cx.ui.warn(&format!(".pypirc sections not discovered: {e}"));
                    Vec::new()
                }
                Ok(None) => Vec::new(),
            };
        let sections: Vec<String> = sections
            .into_iter()
            .filter(|name| !cx.taken(&path, name, &format!(".pypirc section `{name}`")))
            .collect();
        if sections.is_empty() {
            return Ok(false);
        }
        cx.ui.step(&format!(
            "found .pypirc sections for this Nexus in `{}`: {}",
            path.display(),
            sections.join(", ")
        ));
        self.sections = sections
            .into_iter()
            .map(|name| PypircSection {
                name,
                repository: None,
            })
            .collect();
        Ok(true)
    }

    fn looked_in(&self, env: &crate::env::Env) -> Vec<PathBuf> {
        vec![self.file.clone().unwrap_or_else(|| env.pypirc())]
    }

    fn retain(&mut self, _cx: &ResolveCx<'_>, keep: &dyn Fn(&str) -> bool) {
        self.sections.retain(|s| keep(&s.name));
    }

    fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>> {
        let path = self.file.clone().unwrap_or_else(|| cx.env.pypirc());
        self.sections
            .iter()
            .map(|s| {
                Box::new(PypircTarget {
                    path: path.clone(),
                    section: s.name.clone(),
                    repository: s.repository.clone(),
                }) as Box<dyn Target>
            })
            .collect()
    }
}

//! The Cargo target kind in the seam: `$CARGO_HOME/config.toml` gets
//! `[registries.NAME] credential-provider = ["cargo:token-from-stdout", EXE, "token", "--profile",
//! P, "--format", "basic"]` (and `index` when asked), through the pure `editor`; a stale `token`
//! in `credentials.toml` is removed as a side file. It holds no token: `inspect` says `current`
//! when the provider runs this binary for this profile.
//!
//! It must not read the keyring or write files itself (the seam and `served` do).

use std::path::{Path, PathBuf};

use super::CargoRegistry;
use crate::error::{Error, Result};
use crate::targets::probe::{Answer, Probe};
use crate::targets::served::SideFile;
use crate::targets::{
    DoctorCx, Entry, Finding, Kind, Level, Planned, Target, TargetState, TokenValues, Verdict,
};

use super::editor;

/// Cargo registries served through one `config.toml`.
#[derive(Debug)]
pub(crate) struct CargoTarget {
    pub path: PathBuf,
    pub credentials: PathBuf,
    pub registries: Vec<CargoRegistry>,
    pub exe: PathBuf,
    pub profile: String,
    /// The profiles file the provider names (`--config`), when it is not the default one.
    pub config: Option<PathBuf>,
}

fn text<'b>(path: &std::path::Path, bytes: &'b [u8]) -> Result<&'b str> {
    std::str::from_utf8(bytes).map_err(|e| Error::file(path, "parse", e))
}

fn edit_error(path: &std::path::Path, e: editor::Error) -> Error {
    match e {
        editor::Error::InvalidName { .. } => Error::usage(
            format!("the saved Cargo registry cannot be used: {e}"),
            Some("log in again with `--cargo-registry NAME[=INDEX_URL]`".into()),
        ),
        e => Error::file(path, "parse", e),
    }
}

impl CargoTarget {
    pub(crate) fn provider(&self) -> Vec<String> {
        editor::provider_for(
            &self.exe.display().to_string(),
            &self.profile,
            self.config
                .as_deref()
                .map(|c| c.display().to_string())
                .as_deref(),
        )
    }
}

impl Target for CargoTarget {
    fn kind(&self) -> Kind {
        super::KIND
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn names(&self) -> Vec<String> {
        self.registries.iter().map(|r| r.name.clone()).collect()
    }

    fn plan(&self, current: Option<&[u8]>, _token: &TokenValues<'_>) -> Result<Option<Planned>> {
        let mut config = match current {
            Some(bytes) => text(&self.path, bytes)?.to_owned(),
            None => String::new(),
        };
        let provider = self.provider();
        let mut planned = Planned::default();
        for r in &self.registries {
            let edit = editor::set_provider(Some(&config), &r.name, &provider, r.index.as_deref())
                .map_err(|e| edit_error(&self.path, e))?;
            planned.changed.extend(edit.changed);
            planned.warnings.extend(edit.warnings);
            config = edit.output;
        }
        if planned.changed.is_empty() {
            return Ok(None);
        }
        planned.bytes = config.into_bytes();
        Ok(Some(planned))
    }

    fn clear(&self, current: &[u8], _expected: Option<&str>) -> Result<Planned> {
        let mut config = text(&self.path, current)?.to_owned();
        let mut planned = Planned::default();
        for r in &self.registries {
            let edit =
                editor::remove_provider(&config, &r.name).map_err(|e| edit_error(&self.path, e))?;
            planned.changed.extend(edit.changed);
            planned.warnings.extend(edit.warnings);
            config = edit.output;
        }
        planned.bytes = config.into_bytes();
        Ok(planned)
    }

    fn inspect(&self, current: &[u8], _verdict: &Verdict<'_>) -> Vec<Entry> {
        let provider = self.provider();
        self.registries
            .iter()
            .map(|r| {
                let read = text(&self.path, current)
                    .map_err(|e| e.to_string())
                    .and_then(|t| editor::read_provider(t, &r.name).map_err(|e| e.to_string()));
                match read {
                    Err(e) => (r.name.clone(), TargetState::Unreadable, Some(e)),
                    Ok(None) => (r.name.clone(), TargetState::Missing, None),
                    Ok(Some(words)) if words == provider => {
                        (r.name.clone(), TargetState::Current, None)
                    }
                    Ok(Some(words)) if editor::is_ours(&words) => (
                        r.name.clone(),
                        TargetState::Stale,
                        Some("the provider runs another nexus-token or profile".into()),
                    ),
                    Ok(Some(_)) => (
                        r.name.clone(),
                        TargetState::Stale,
                        Some("another `credential-provider` is set".into()),
                    ),
                }
            })
            .collect()
    }

    /// `credentials.toml` without a stale token for our registries.
    fn side_files(&self) -> Vec<SideFile> {
        let path = self.credentials.clone();
        let names = self.names();
        vec![SideFile::Scrub {
            path: path.clone(),
            edit: Box::new(move |bytes| {
                let mut credentials = text(&path, bytes)?.to_owned();
                let mut changed = Vec::new();
                for name in &names {
                    let edit = editor::remove_stale_token(&credentials, name)
                        .map_err(|e| edit_error(&path, e))?;
                    changed.extend(edit.changed);
                    credentials = edit.output;
                }
                Ok((!changed.is_empty()).then(|| (credentials.into_bytes(), changed)))
            }),
        }]
    }

    /// The `credential-provider` command as written.
    fn probes(&self) -> Vec<Probe> {
        let words = self.provider();
        vec![Probe {
            what: format!(
                "the Cargo `credential-provider` of `{}`",
                self.path.display()
            ),
            program: PathBuf::from(&words[1]),
            args: words[2..].to_vec(),
            stdin: Vec::new(),
            answer: Answer::Basic,
        }]
    }

    fn doctor(&self, cx: &DoctorCx<'_>) -> Vec<Finding> {
        let (current, profile) = (cx.current, cx.profile);
        let path = self.path.display();
        let refresh = format!("run `nexus-token refresh --profile {profile}`");
        let mut findings = Vec::new();
        if let Some(bytes) = current {
            for (name, state, detail) in self.inspect(bytes, &|_, _| TargetState::Missing) {
                let (level, message) = match state {
                    TargetState::Current => (
                        Level::Ok,
                        format!("`{path}` runs this nexus-token for registry `{name}`"),
                    ),
                    _ => (
                        Level::Fail,
                        format!(
                            "`{path}` does not run this nexus-token for registry `{name}`{}",
                            detail.map(|d| format!(": {d}")).unwrap_or_default()
                        ),
                    ),
                };
                let fix = (level != Level::Ok).then(|| refresh.clone());
                findings.push(Finding::new("cargo-provider", level, message, fix));
            }
        }
        if let Ok(Some(bytes)) = crate::fs::read_optional(&self.credentials)
            && let Ok(credentials) = std::str::from_utf8(&bytes)
        {
            for name in self.names() {
                if editor::has_stale_token(credentials, &name).unwrap_or(false) {
                    findings.push(Finding::new(
                        "cargo-stale-token",
                        Level::Warn,
                        format!(
                            "`{}` still holds a token for registry `{name}`",
                            self.credentials.display()
                        ),
                        Some(refresh.clone()),
                    ));
                }
            }
        }
        findings
    }
}

//! The pnpm target kind in the seam: the user npmrc gets `//host/path/:tokenHelper=<wrapper>` at
//! each registry's key (pure edits by the npm `editor`), and the wrapper (a 0700 `sh` script
//! beside the nexus-token config that execs `nexus-token token --profile P --format basic`) is
//! its side file: pnpm runs a tokenHelper through `sh` without arguments, so the path must hold
//! no space. It holds no token: `inspect` says `current` when the key names our wrapper.
//!
//! It must not read the keyring or write files itself (the seam and `served` do).

use std::path::{Path, PathBuf};

mod saved;
pub(crate) use saved::KIND;
pub use saved::{Flags, Saved};

use crate::error::{Error, Result};
use crate::targets::npm::editor;
use crate::targets::probe::{Answer, Probe};
use crate::targets::served::{SideFile, pnpm_wrapper};
use crate::targets::{
    DoctorCx, Entry, Finding, Kind, Level, Planned, Target, TargetState, TokenValues, Verdict,
};

/// pnpm registries served through one user npmrc.
#[derive(Debug)]
pub(crate) struct PnpmTarget {
    pub path: PathBuf,
    /// Registry URLs.
    pub registries: Vec<String>,
    /// The wrapper script the npmrc names.
    pub wrapper: PathBuf,
    pub exe: PathBuf,
    pub profile: String,
    /// The profiles file the wrapper names (`--config`), when it is not the default one.
    pub config: Option<PathBuf>,
}

impl PnpmTarget {
    fn helper(&self) -> Result<String> {
        let helper = self.wrapper.display().to_string();
        editor::check_token_helper(&helper).map_err(|e| {
            Error::usage(
                format!("pnpm cannot run `{helper}` as a tokenHelper: {e}"),
                Some("set `XDG_CONFIG_HOME` (or `HOME`) to a folder whose path has no spaces, then log in again".into()),
            )
        })?;
        Ok(helper)
    }

    fn keys(&self) -> Result<Vec<String>> {
        self.registries
            .iter()
            .map(|url| {
                editor::registry_key(url).map_err(|e| {
                    Error::usage(
                        format!("the saved pnpm registry cannot be used: {e}"),
                        Some(
                            "log in again with `--pnpm-registry URL` (an http or https URL)".into(),
                        ),
                    )
                })
            })
            .collect()
    }

    fn edit_error(&self, e: editor::Error) -> Error {
        Error::file(&self.path, "parse", e)
    }
}

impl Target for PnpmTarget {
    fn kind(&self) -> Kind {
        KIND
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn names(&self) -> Vec<String> {
        self.registries.clone()
    }

    /// The npmrc keys (two URLs may share one).
    fn claims(&self) -> Vec<String> {
        crate::targets::npm::claim_keys(&self.registries)
    }

    fn plan(&self, current: Option<&[u8]>, _token: &TokenValues<'_>) -> Result<Option<Planned>> {
        let helper = self.helper()?;
        let mut bytes = current.map(<[u8]>::to_vec);
        let mut planned = Planned::default();
        for key in self.keys()? {
            let edit = editor::set_key(bytes.as_deref(), &key, "tokenHelper", &helper)
                .map_err(|e| self.edit_error(e))?;
            planned.changed.extend(edit.changed);
            planned.warnings.extend(edit.warnings);
            bytes = Some(edit.output);
        }
        if planned.changed.is_empty() || bytes.as_deref() == current {
            return Ok(None);
        }
        planned.bytes = bytes.unwrap_or_default();
        Ok(Some(planned))
    }

    /// Removes the `tokenHelper` lines that name our wrapper; another helper stays.
    fn clear(&self, current: &[u8], _expected: Option<&str>) -> Result<Planned> {
        let helper = self.wrapper.display().to_string();
        let mut planned = Planned {
            bytes: current.to_vec(),
            ..Planned::default()
        };
        for key in self.keys()? {
            let full = format!("{key}:tokenHelper");
            let value =
                editor::read_value(&planned.bytes, &full).map_err(|e| self.edit_error(e))?;
            if value.as_deref() != Some(helper.as_str()) {
                continue;
            }
            let edit = editor::remove_keys(&planned.bytes, &key, &["tokenHelper"])
                .map_err(|e| self.edit_error(e))?;
            planned.bytes = edit.output;
            planned.changed.extend(edit.changed);
        }
        Ok(planned)
    }

    fn inspect(&self, current: &[u8], _verdict: &Verdict<'_>) -> Vec<Entry> {
        let helper = self.wrapper.display().to_string();
        self.registries
            .iter()
            .map(|url| {
                let value = editor::registry_key(url)
                    .and_then(|key| editor::read_value(current, &format!("{key}:tokenHelper")));
                match value {
                    Err(e) => (url.clone(), TargetState::Unreadable, Some(e.to_string())),
                    Ok(None) => (url.clone(), TargetState::Missing, None),
                    Ok(Some(v)) if v == helper => (url.clone(), TargetState::Current, None),
                    Ok(Some(v)) => (
                        url.clone(),
                        TargetState::Stale,
                        Some(format!("`tokenHelper` names `{v}`")),
                    ),
                }
            })
            .collect()
    }

    fn side_files(&self) -> Vec<SideFile> {
        vec![SideFile::Script {
            path: self.wrapper.clone(),
            bytes: pnpm_wrapper(&self.exe, &self.profile, self.config.as_deref()),
        }]
    }

    /// The wrapper, run without arguments as pnpm does.
    fn probes(&self) -> Vec<Probe> {
        vec![Probe {
            what: format!("the pnpm tokenHelper `{}`", self.wrapper.display()),
            program: self.wrapper.clone(),
            args: Vec::new(),
            stdin: Vec::new(),
            answer: Answer::Basic,
        }]
    }

    fn doctor(&self, cx: &DoctorCx<'_>) -> Vec<Finding> {
        let (current, profile) = (cx.current, cx.profile);
        let refresh = format!("run `nexus-token refresh --profile {profile}`");
        let mut findings = Vec::new();
        let wanted = pnpm_wrapper(&self.exe, &self.profile, self.config.as_deref());
        let wrapper = self.wrapper.display();
        match crate::fs::read_optional(&self.wrapper) {
            Ok(Some(bytes)) if bytes == wanted => findings.push(Finding::new(
                "pnpm-helper",
                Level::Ok,
                format!("the pnpm token helper `{wrapper}` runs this nexus-token"),
                None,
            )),
            Ok(Some(_)) => findings.push(Finding::new(
                "pnpm-helper",
                Level::Fail,
                format!("the pnpm token helper `{wrapper}` runs another nexus-token or profile"),
                Some(refresh.clone()),
            )),
            _ => findings.push(Finding::new(
                "pnpm-helper",
                Level::Fail,
                format!("the pnpm token helper `{wrapper}` is missing"),
                Some(refresh.clone()),
            )),
        }
        if let Some(bytes) = current {
            for (url, state, detail) in self.inspect(bytes, &|_, _| TargetState::Missing) {
                let ok = state == TargetState::Current;
                findings.push(Finding::new(
                    "pnpm-token-helper",
                    if ok { Level::Ok } else { Level::Fail },
                    if ok {
                        format!("`{}` names the wrapper for `{url}`", self.path.display())
                    } else {
                        format!(
                            "`{}` does not name the wrapper for `{url}`{}",
                            self.path.display(),
                            detail.map(|d| format!(": {d}")).unwrap_or_default()
                        )
                    },
                    (!ok).then(|| refresh.clone()),
                ));
            }
        }
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    const URL: &str = "http://127.0.0.1:8081/repository/npm-group/";
    const KEY: &str = "//127.0.0.1:8081/repository/npm-group/";

    fn target(wrapper: &str) -> PnpmTarget {
        PnpmTarget {
            path: PathBuf::from("/h/.npmrc"),
            registries: vec![URL.to_owned()],
            wrapper: PathBuf::from(wrapper),
            exe: PathBuf::from("/opt/bin/nexus-token"),
            profile: "default".into(),
            config: None,
        }
    }

    fn plan(t: &PnpmTarget, current: Option<&[u8]>) -> Result<Option<Planned>> {
        let pass = Secret::new("pc".to_owned());
        t.plan(
            current,
            &TokenValues {
                name_code: "nc",
                pass_code: &pass,
            },
        )
    }

    #[test]
    fn plan_names_the_wrapper_keeps_auth_and_is_idempotent() {
        let wrapper = if cfg!(windows) {
            r"C:\h\AppData\Roaming\nexus-token\pnpm-token-helper-default.cmd"
        } else {
            "/h/.config/nexus-token/pnpm-token-helper-default"
        };
        let t = target(wrapper);
        let before = format!("fund=false\n{KEY}:_auth=bmM6cGM=\n");
        let planned = plan(&t, Some(before.as_bytes())).unwrap().unwrap();
        let text = String::from_utf8(planned.bytes.clone()).unwrap();
        assert_eq!(
            text,
            // npm's ini reads `\\` as one backslash.
            format!(
                "{before}{KEY}:tokenHelper={}\n",
                wrapper.replace('\\', "\\\\")
            ),
            "the tokenHelper line is appended and `_auth` (npm's) stays"
        );
        assert!(
            plan(&t, Some(&planned.bytes)).unwrap().is_none(),
            "a second plan changes nothing"
        );
        assert_eq!(
            t.inspect(&planned.bytes, &|_, _| TargetState::Missing)[0].1,
            TargetState::Current
        );
        let cleared = t.clear(&planned.bytes, None).unwrap();
        assert_eq!(
            String::from_utf8(cleared.bytes).unwrap(),
            before,
            "logout removes only our tokenHelper line"
        );
    }

    #[test]
    fn another_helper_is_stale_and_survives_logout_and_a_spaced_wrapper_is_refused() {
        let t = target("/h/w");
        let other = format!("{KEY}:tokenHelper=/usr/bin/other\n");
        assert_eq!(
            t.inspect(other.as_bytes(), &|_, _| TargetState::Missing)[0].1,
            TargetState::Stale
        );
        assert_eq!(
            t.clear(other.as_bytes(), None).unwrap().bytes,
            other.as_bytes(),
            "another tokenHelper is not ours to remove"
        );
        let spaced = target("/h/my config/w");
        assert_eq!(
            plan(&spaced, None).unwrap_err().exit_status(),
            crate::error::ExitStatus::Usage,
            "pnpm cannot run a wrapper whose path has a space: refused before anything is written"
        );
    }
}

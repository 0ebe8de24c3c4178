//! The pypirc target: `username`/`password` of a section of `~/.pypirc`, which twine reads for
//! uploads. The editor is pure; this glue plans, clears and inspects one section for the seam
//! and maps editor errors to exit codes. It never reads or writes a file itself.

pub mod editor;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

use super::{
    DoctorCx, Entry, Finding, Kind, Level, Planned, Target, TargetState, TokenValues, Verdict,
};

mod saved;
pub(crate) use saved::KIND;
pub use saved::{Flags, PypircSection, Saved};

/// One repository section of a .pypirc.
#[derive(Debug)]
pub(crate) struct PypircTarget {
    pub path: PathBuf,
    pub section: String,
    /// The repository URL to create the section with when it is missing (`--pypirc NAME=URL`).
    pub repository: Option<String>,
}

impl PypircTarget {
    /// The entry name in reports (`status` prints it after the kind's word, `section`).
    fn entry(&self) -> String {
        self.section.clone()
    }
}

impl Target for PypircTarget {
    fn kind(&self) -> Kind {
        KIND
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn plan(&self, current: Option<&[u8]>, token: &TokenValues<'_>) -> Result<Option<Planned>> {
        let edit = editor::set(
            current,
            &self.section,
            token.name_code,
            token.pass_code.expose(),
            self.repository.as_deref(),
        )
        .map_err(|e| edit_error(&self.path, e))?;
        if !edit.changed {
            return Ok(None);
        }
        Ok(Some(Planned {
            bytes: edit.output,
            changed: vec![self.entry()],
            warnings: edit.warnings,
        }))
    }

    fn clear(&self, current: &[u8], _expected: Option<&str>) -> Result<Planned> {
        let edit = editor::remove_credentials(current, &self.section)
            .map_err(|e| edit_error(&self.path, e))?;
        Ok(Planned {
            changed: if edit.changed {
                vec![self.entry()]
            } else {
                Vec::new()
            },
            bytes: edit.output,
            warnings: edit.warnings,
        })
    }

    fn inspect(&self, current: &[u8], verdict: &Verdict<'_>) -> Vec<Entry> {
        let state = match editor::read(current, &self.section) {
            Err(e) => return vec![(self.entry(), TargetState::Unreadable, Some(e.to_string()))],
            Ok(None) => TargetState::Missing,
            Ok(Some(s)) => verdict(s.username.as_deref(), s.password.as_deref()),
        };
        vec![(self.entry(), state, None)]
    }

    fn names(&self) -> Vec<String> {
        vec![self.entry()]
    }

    fn doctor(&self, cx: &DoctorCx<'_>) -> Vec<Finding> {
        let profile = cx.profile;
        let Some(bytes) = cx.current else {
            return Vec::new();
        };
        let path = self.path.display();
        match editor::read(bytes, &self.section) {
            Err(e) => vec![Finding::new(
                "files-parse",
                Level::Fail,
                format!("`{path}`: {e}"),
                Some("fix the file at that line".into()),
            )],
            Ok(None) if self.repository.is_none() => vec![Finding::new(
                "pypirc-section",
                Level::Fail,
                format!("`{path}` has no `[{}]` section", self.section),
                Some(format!(
                    "log in again with `--pypirc {}=URL` (the repository's upload URL) for profile `{profile}`",
                    self.section
                )),
            )],
            Ok(_) => vec![Finding::new(
                "files-parse",
                Level::Ok,
                format!("`{path}` parses"),
                None,
            )],
        }
    }
}

/// The usage error for a section that is missing and has no URL to create it with.
pub(crate) fn missing_section(path: &Path, section: &str) -> Error {
    Error::usage(
        format!("`{}` has no `[{section}]` section", path.display()),
        Some(format!(
            "give its repository URL: `--pypirc {section}=URL` (e.g. `--pypirc {section}=https://nexus.example.com/repository/pypi-hosted/`)"
        )),
    )
}

/// Syntax errors are the file's problem (exit 5, with the line); a token value the file cannot
/// hold came from the server (exit 4); a missing section is a usage problem (exit 2).
fn edit_error(path: &Path, e: editor::Error) -> Error {
    match e {
        editor::Error::InvalidValue { field, reason }
            if field == "username" || field == "password" =>
        {
            super::unwritable_token(path, format!("its {field}: {reason}"))
        }
        editor::Error::MissingSection { section } => missing_section(path, &section),
        e @ editor::Error::Syntax { .. } => Error::file(path, "parse", e),
        e => Error::file(path, "update", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitStatus;
    use crate::secret::Secret;

    fn target(repository: Option<&str>) -> PypircTarget {
        PypircTarget {
            path: PathBuf::from("/h/.pypirc"),
            section: "nexus".into(),
            repository: repository.map(str::to_owned),
        }
    }

    fn plan(t: &PypircTarget, current: Option<&[u8]>, pass: &str) -> Result<Option<Planned>> {
        let pass = Secret::new(pass.to_owned());
        t.plan(
            current,
            &TokenValues {
                name_code: "N",
                pass_code: &pass,
            },
        )
    }

    #[test]
    fn plan_creates_the_section_with_its_url_and_is_idempotent() {
        let t = target(Some("https://n.example.com/repository/py/"));
        let planned = plan(&t, None, "P").unwrap().expect("a new file is planned");
        let text = String::from_utf8(planned.bytes.clone()).unwrap();
        assert!(
            text.contains("[nexus]\nrepository = https://n.example.com/repository/py/\nusername = N\npassword = P\n"),
            "the section is created with the token: {text}"
        );
        assert_eq!(planned.changed, vec!["nexus"]);
        assert!(plan(&t, Some(&planned.bytes), "P").unwrap().is_none());
    }

    #[test]
    fn errors_map_to_exit_codes() {
        let e = plan(&target(None), Some(b"[pypi]\n"), "P").unwrap_err();
        assert_eq!(
            e.exit_status(),
            ExitStatus::Usage,
            "a missing section is a usage error: {e}"
        );
        assert!(
            e.hint().is_some_and(|h| h.contains("--pypirc nexus=URL")),
            "the hint names `--pypirc NAME=URL`"
        );
        let e = plan(&target(None), Some(b"[nexus]\n"), " P").unwrap_err();
        assert_eq!(
            e.exit_status(),
            ExitStatus::Unavailable,
            "a token the file cannot hold: exit 4"
        );
        let e = plan(&target(None), Some(b"[nexus\n"), "P").unwrap_err();
        assert_eq!(e.exit_status(), ExitStatus::File, "a syntax error: exit 5");
    }

    #[test]
    fn clear_keeps_the_section_and_its_repository() {
        let file = b"[nexus]\nrepository = https://x/\nusername = N\npassword = P\n";
        let cleared = target(None).clear(file, None).unwrap();
        assert_eq!(cleared.bytes, b"[nexus]\nrepository = https://x/\n");
        assert_eq!(cleared.changed, vec!["nexus"]);
    }
}

//! The netrc target: `machine <host> login <nameCode> password <passCode>` in the user's
//! `~/.netrc` (or `$NETRC`), which pip, uv, conda, Go, curl `-n` and wget read, plus discovery
//! of pip's and uv's configuration pointing at the Nexus. The editor and discovery are pure;
//! this glue plans, clears and inspects the host's block for the seam and reads pip's user
//! configuration for the check that URL credentials there shadow netrc. It never writes a file.

pub mod discover;
pub mod editor;

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{Error, Result};
use crate::fingerprint::fingerprint;
use crate::fs;

use super::{
    DoctorCx, Entry, Finding, Kind, Level, Planned, Target, TargetState, TokenValues, Verdict,
};

mod saved;
pub(crate) use saved::KIND;
pub use saved::{Flags, Saved};

/// The block for the Nexus host in one netrc file.
#[derive(Debug)]
pub(crate) struct NetrcTarget {
    pub path: PathBuf,
    /// The Nexus host name, without port (netrc has no ports).
    pub host: String,
}

impl NetrcTarget {
    /// The entry name in reports (`status` prints it after the kind's word, `machine`).
    fn entry(&self) -> String {
        self.host.clone()
    }

    /// The file `NETRC` names, when it is set and is not this target's (the clients read that
    /// one). An explicit `--netrc-file` without `NETRC` is the user's choice: no warning.
    fn elsewhere(&self, env: &Env) -> Option<PathBuf> {
        env.var("NETRC")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .filter(|read| read != &self.path)
    }
}

impl Target for NetrcTarget {
    fn kind(&self) -> Kind {
        KIND
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn plan(&self, current: Option<&[u8]>, token: &TokenValues<'_>) -> Result<Option<Planned>> {
        let edit = editor::set(
            current,
            &self.host,
            token.name_code,
            token.pass_code.expose(),
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

    /// Removes the host's block only when it holds the token recorded in the state: a block
    /// with other credentials (the user's own) stays, with a warning.
    fn clear(&self, current: &[u8], expected: Option<&str>) -> Result<Planned> {
        let unchanged = |warnings| Planned {
            bytes: current.to_vec(),
            changed: Vec::new(),
            warnings,
        };
        let held = editor::read(current, &self.host).map_err(|e| edit_error(&self.path, e))?;
        let Some((login, password)) = held else {
            return Ok(unchanged(Vec::new()));
        };
        if expected.is_none_or(|fp| fingerprint(&login, &password) != fp) {
            return Ok(unchanged(vec![format!(
                "left the `machine {}` block in `{}`: it does not hold the token nexus-token wrote",
                self.host,
                self.path.display()
            )]));
        }
        let edit = editor::remove(current, &self.host).map_err(|e| edit_error(&self.path, e))?;
        Ok(Planned {
            bytes: edit.output,
            changed: vec![self.entry()],
            warnings: edit.warnings,
        })
    }

    fn inspect(&self, current: &[u8], verdict: &Verdict<'_>) -> Vec<Entry> {
        let state = match editor::read(current, &self.host) {
            Err(e) => return vec![(self.entry(), TargetState::Unreadable, Some(e.to_string()))],
            Ok(None) => TargetState::Missing,
            Ok(Some((login, password))) => verdict(
                Some(login.as_str()).filter(|l| !l.is_empty()),
                Some(password.as_str()).filter(|p| !p.is_empty()),
            ),
        };
        vec![(self.entry(), state, None)]
    }

    fn names(&self) -> Vec<String> {
        vec![self.entry()]
    }

    /// pip configuration files whose index URLs carry credentials (pip then ignores netrc), and
    /// a `NETRC` that names another file than the one written.
    fn notes(&self, env: &Env) -> Vec<String> {
        let moved = self.elsewhere(env).map(|read| {
            format!(
                "`NETRC` names `{}`, so pip, uv and curl read that file, not `{}`: log in again with `--netrc-file` naming it, or unset `NETRC`",
                read.display(),
                self.path.display()
            )
        });
        moved
            .into_iter()
            .chain(shadowing_pip_configs(env).into_iter().map(|(file, keys)| {
                format!(
                    "`{}` has credentials inside its index URL ({}): pip sends those and ignores `{}` for that index; remove them from the URL",
                    file.display(),
                    keys.join(", "),
                    self.path.display()
                )
            }))
            .collect()
    }

    fn doctor(&self, cx: &DoctorCx<'_>) -> Vec<Finding> {
        let (env, current) = (cx.env, cx.current);
        let path = self.path.display();
        let mut findings = Vec::new();
        if let Some(bytes) = current {
            findings.push(match editor::has_machine(bytes, &self.host) {
                Ok(_) => Finding::new("files-parse", Level::Ok, format!("`{path}` parses"), None),
                Err(e) => Finding::new(
                    "files-parse",
                    Level::Fail,
                    format!("`{path}`: {e}"),
                    Some("fix the file at that line".into()),
                ),
            });
        }
        if let Some(read) = self.elsewhere(env) {
            findings.push(Finding::new(
                "netrc-elsewhere",
                Level::Warn,
                format!(
                    "`NETRC` names `{}`, which pip, uv and curl read, but the token goes into `{path}`",
                    read.display()
                ),
                Some(format!(
                    "log in again with `--netrc-file {}`, or unset `NETRC` where the clients run",
                    read.display()
                )),
            ));
        }
        for (file, keys) in shadowing_pip_configs(env) {
            findings.push(Finding::new(
                "pip-url-credentials",
                Level::Warn,
                format!(
                    "`{}` has credentials inside its index URL ({}): pip uses them instead of the token in `{path}`",
                    file.display(),
                    keys.join(", ")
                ),
                Some(format!(
                    "remove `user:password@` from {} in `{}`; pip then reads `{path}`",
                    keys.join(", "),
                    file.display()
                )),
            ));
        }
        findings
    }
}

/// The user's pip configuration files with index URLs that carry credentials, with the
/// `section.key` names (never the URLs). Unreadable or malformed files are skipped.
pub(crate) fn shadowing_pip_configs(env: &Env) -> Vec<(PathBuf, Vec<String>)> {
    env.pip_configs()
        .into_iter()
        .filter_map(|file| {
            let bytes = fs::read_optional(&file).ok().flatten()?;
            let keys = discover::pip_url_credentials(&bytes).ok()?;
            (!keys.is_empty()).then_some((file, keys))
        })
        .collect()
}

/// A syntax error is the file's problem (exit 5, with the line); a token value netrc cannot hold
/// came from the server (exit 4).
fn edit_error(path: &Path, e: editor::Error) -> Error {
    match e {
        editor::Error::InvalidValue { field, reason } if field != "host" => {
            super::unwritable_token(path, format!("its {field}: {reason}"))
        }
        e @ editor::Error::Syntax { .. } => Error::file(path, "parse", e),
        e => Error::file(path, "update", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitStatus;
    use crate::secret::Secret;

    fn target() -> NetrcTarget {
        NetrcTarget {
            path: PathBuf::from("/h/.netrc"),
            host: "nexus.example.com".into(),
        }
    }

    fn plan(current: Option<&[u8]>, name: &str, pass: &str) -> Result<Option<Planned>> {
        let pass = Secret::new(pass.to_owned());
        target().plan(
            current,
            &TokenValues {
                name_code: name,
                pass_code: &pass,
            },
        )
    }

    #[test]
    fn plan_writes_the_block_and_is_idempotent() {
        let planned = plan(None, "N", "P")
            .unwrap()
            .expect("a new file is planned");
        assert_eq!(
            planned.bytes,
            b"machine nexus.example.com login N password P\n"
        );
        assert_eq!(planned.changed, vec!["nexus.example.com"]);
        assert!(
            plan(Some(&planned.bytes), "N", "P").unwrap().is_none(),
            "a file that holds the token is left as it is"
        );
    }

    #[test]
    fn errors_map_to_exit_codes() {
        let e = plan(None, "N", "with space").unwrap_err();
        assert_eq!(
            e.exit_status(),
            ExitStatus::Unavailable,
            "a token netrc cannot hold is the server's problem (exit 4): {e}"
        );
        let e = plan(Some(b"machine\n"), "N", "P").unwrap_err();
        assert_eq!(
            e.exit_status(),
            ExitStatus::File,
            "a syntax error is the file's problem (exit 5): {e}"
        );
    }

    #[test]
    fn clear_removes_only_a_block_holding_the_recorded_token() {
        let file =
            b"machine nexus.example.com login N password P\nmachine other login a password b\n";
        let ours = fingerprint("N", "P");
        let cleared = target().clear(file, Some(&ours)).unwrap();
        assert_eq!(
            cleared.bytes, b"machine other login a password b\n",
            "our block goes, the other machine stays"
        );
        let kept = target().clear(file, Some("0000")).unwrap();
        assert_eq!(kept.bytes, file, "a block with other credentials stays");
        assert!(kept.changed.is_empty() && kept.warnings.len() == 1);
        let kept = target().clear(file, None).unwrap();
        assert_eq!(
            kept.bytes, file,
            "without a recorded token nothing is removed"
        );
    }

    #[test]
    fn a_netrc_variable_naming_another_file_is_reported() {
        let t = target();
        let home = std::path::Path::new("/h");
        assert!(
            t.notes(&Env::sandboxed(home)).is_empty(),
            "without `NETRC` (and no pip.conf) there is nothing to say"
        );
        let same = Env::sandboxed(home).with_var("NETRC", "/h/.netrc");
        assert!(
            t.notes(&same).is_empty(),
            "`NETRC` naming the target's file is fine"
        );
        let other = Env::sandboxed(home).with_var("NETRC", "/elsewhere/netrc");
        let notes = t.notes(&other);
        assert!(
            notes.len() == 1 && notes[0].contains("/elsewhere/netrc"),
            "`NETRC` naming another file is reported: {notes:?}"
        );
        let findings = t.doctor(&DoctorCx {
            env: &other,
            current: None,
            profile: "p",
        });
        assert!(
            findings
                .iter()
                .any(|f| f.check == "netrc-elsewhere" && f.level == Level::Warn),
            "doctor warns too"
        );
    }

    #[test]
    fn inspect_compares_with_the_verdict() {
        let verdict = |u: Option<&str>, p: Option<&str>| match (u, p) {
            (Some("N"), Some("P")) => TargetState::Current,
            (Some(_), Some(_)) => TargetState::Stale,
            _ => TargetState::Missing,
        };
        let t = target();
        let state = |bytes: &[u8]| t.inspect(bytes, &verdict)[0].1;
        assert_eq!(
            state(b"machine nexus.example.com login N password P\n"),
            TargetState::Current
        );
        assert_eq!(
            state(b"machine nexus.example.com login N password Q\n"),
            TargetState::Stale
        );
        assert_eq!(
            state(b"machine nexus.example.com login N\n"),
            TargetState::Missing
        );
        assert_eq!(
            state(b"machine other login N password P\n"),
            TargetState::Missing
        );
        assert_eq!(state(b"machine\n"), TargetState::Unreadable);
    }
}

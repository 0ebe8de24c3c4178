//! What the served target kinds (Docker, Cargo, pnpm) share: their side files. A served client's config names nexus-token as its
//! credential helper, and some of them also need a file beside that edit: Docker's
//! `docker-credential-nexus-token` link on the PATH, pnpm's wrapper script, Cargo's
//! `credentials.toml` cleaned of a stale token. Those are [`SideFile`]s: the one mechanism the
//! seam runs after the config files were written (`login`, `refresh`), reports in a dry run,
//! and undoes on `logout --remove-credentials` (the link only when it points at this binary,
//! the wrapper only when it is ours).
//!
//! It must not hold or write a token: side files name the binary and the profile, never a secret.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fs::{self, Outcome};
use crate::text::shell_quote;

use super::helper_files;
use super::{FileReport, Kind};

pub(crate) use helper_files::SCRIPT_MARK;

/// A file a served target needs beside its config edit.
pub(crate) enum SideFile {
    /// A symbolic link to this binary under another name (Docker's helper).
    Link { path: PathBuf, to: PathBuf },
    /// A small executable of ours, mode 0700 (pnpm's token helper wrapper).
    Script { path: PathBuf, bytes: Vec<u8> },
    /// Another file cleaned by a pure edit (`None`: nothing to change); never removed by logout.
    Scrub {
        path: PathBuf,
        #[allow(clippy::type_complexity)]
        edit: Box<dyn Fn(&[u8]) -> Result<Option<(Vec<u8>, Vec<String>)>>>,
    },
}

/// The Cargo config file cargo reads in its home: the legacy `config` (no extension) when it
/// exists (cargo then ignores `config.toml`), else `config.toml`.
pub(crate) fn cargo_config(home: &Path) -> PathBuf {
    let legacy = home.join("config");
    if legacy.is_file() {
        legacy
    } else {
        home.join("config.toml")
    }
}

/// A profile name as a file-name part, injectively: letters, digits, `-` and `_` stay, every
/// other byte becomes `%XX` (so `dev team` and `dev_team` get different files).
pub(crate) fn file_name_part(profile: &str) -> String {
    let mut out = String::with_capacity(profile.len());
    for b in profile.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The part a helper file's name gets for a profiles file that is not the default one: `@` and
/// 12 hex digits of its path's SHA-256 (`@` never appears in [`file_name_part`]), else nothing.
pub(crate) fn config_suffix(config: Option<&Path>) -> String {
    use sha2::{Digest as _, Sha256};
    let Some(config) = config else {
        return String::new();
    };
    let digest = Sha256::digest(config.as_os_str().as_encoded_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("@{hex}")
}

/// `--config 'FILE' ` for a served command line in `sh` (empty for the default profiles file).
fn config_words(config: Option<&Path>) -> String {
    config
        .map(|c| format!("--config {} ", shell_quote(&c.display().to_string())))
        .unwrap_or_default()
}

/// Whether `link` is the helper this platform makes for `exe`: a symbolic link leading to it,
/// on Windows a copy of it (`helper_files`).
pub(crate) fn links_to(link: &Path, exe: &Path) -> bool {
    helper_files::is_helper_for(link, exe)
}

/// Whether two paths name the same program (both resolved; on Windows, the same bytes too).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    helper_files::same_program(a, b)
}

fn report(kind: Kind, path: &Path, changed: Vec<String>, outcome: Option<Outcome>) -> FileReport {
    FileReport {
        kind,
        path: path.to_path_buf(),
        changed,
        outcome,
        warnings: Vec::new(),
    }
}

/// Creates or updates one side file (`dry_run`: only says what would change). `None` when a
/// scrubbed file does not exist.
pub(crate) fn apply(kind: Kind, side: &SideFile, dry_run: bool) -> Result<Option<FileReport>> {
    match side {
        SideFile::Link { path, to } => {
            let present = std::fs::symlink_metadata(path).ok();
            if links_to(path, to) {
                return Ok(Some(report(
                    kind,
                    path,
                    Vec::new(),
                    Some(Outcome::Unchanged),
                )));
            }
            let what = if cfg!(windows) { "copy of" } else { "link to" };
            let changed = vec![format!("{what} `{}`", to.display())];
            if dry_run {
                return Ok(Some(report(kind, path, changed, None)));
            }
            if present
                .as_ref()
                .is_some_and(|m| !helper_files::replaceable(m))
            {
                return Err(Error::file(
                    path,
                    "replace",
                    "a file that is not a link is in the way: move it away, then run the command again",
                ));
            }
            helper_files::make_helper(path, to)
                .map_err(|e| Error::file(path, "create the link", e))?;
            let outcome = if present.is_some() {
                Outcome::Written
            } else {
                Outcome::Created
            };
            Ok(Some(report(kind, path, changed, Some(outcome))))
        }
        SideFile::Script { path, bytes } => {
            let current = fs::read_optional(path)?;
            if current.as_deref() == Some(bytes.as_slice()) && is_executable(path) {
                return Ok(Some(report(
                    kind,
                    path,
                    Vec::new(),
                    Some(Outcome::Unchanged),
                )));
            }
            let changed = vec!["token helper wrapper".to_owned()];
            if dry_run {
                return Ok(Some(report(kind, path, changed, None)));
            }
            let outcome = fs::write_atomic(path, bytes)?;
            set_mode_0700(path).map_err(|e| Error::file(path, "make executable", e))?;
            let outcome = if outcome == Outcome::Unchanged {
                Outcome::Written
            } else {
                outcome
            };
            Ok(Some(report(kind, path, changed, Some(outcome))))
        }
        SideFile::Scrub { path, edit } => {
            let Some(current) = fs::read_optional(path)? else {
                return Ok(None);
            };
            let Some((_, changed)) = edit(&current)? else {
                return Ok(None);
            };
            if dry_run {
                return Ok(Some(report(kind, path, changed, None)));
            }
            let update = fs::update_file(path, &mut |current| match current {
                Some(bytes) => Ok(edit(bytes)?.map(|(new, _)| new)),
                None => Ok(None),
            })?;
            let mut r = report(kind, path, changed, Some(update.outcome));
            r.warnings = update.warnings;
            Ok(Some(r))
        }
    }
}

/// Undoes one side file on logout: the link when it points at `exe`, the wrapper when it is
/// ours, neither while another profile uses it (`in_use`) nor a link while a wrapper of ours
/// beside it (another profiles file's Docker helper) execs it. Returns a report when something
/// was removed.
pub(crate) fn remove(
    kind: Kind,
    side: &SideFile,
    in_use: &[PathBuf],
) -> Result<Option<FileReport>> {
    let (path, ours, what) = match side {
        SideFile::Link { path, .. } if in_use.contains(path) || wrapped(path) => {
            return Ok(Some(report(
                kind,
                path,
                Vec::new(),
                Some(Outcome::Unchanged),
            )));
        }
        SideFile::Script { path, .. } if in_use.contains(path) => return Ok(None),
        SideFile::Link { path, to } => (path, links_to(path, to), "link"),
        SideFile::Script { path, .. } => {
            let ours = fs::read_optional(path)
                .ok()
                .flatten()
                .is_some_and(|b| helper_files::is_our_wrapper(&b));
            (path, ours, "token helper wrapper")
        }
        SideFile::Scrub { .. } => return Ok(None),
    };
    if !ours {
        return Ok(None);
    }
    std::fs::remove_file(path).map_err(|e| Error::file(path, "remove", e))?;
    Ok(Some(report(
        kind,
        path,
        vec![format!("{what} removed")],
        Some(Outcome::Written),
    )))
}

/// Whether a wrapper of ours in the link's folder execs the link (a Docker helper of another
/// profiles file, see [`docker_wrapper`]).
fn wrapped(link: &Path) -> bool {
    let (Some(dir), Some(name)) = (link.parent(), link.file_name()) else {
        return false;
    };
    let prefix = format!("{}@", name.to_string_lossy());
    let quoted = shell_quote(&link.display().to_string());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        entry.file_name().to_string_lossy().starts_with(&prefix)
            && fs::read_optional(&entry.path())
                .ok()
                .flatten()
                .and_then(|b| String::from_utf8(b).ok())
                .is_some_and(|text| {
                    text.starts_with(&format!("#!/bin/sh\n{SCRIPT_MARK}"))
                        && text.contains(&format!("exec {quoted} "))
                })
    })
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o777 == 0o700)
    }
    #[cfg(not(unix))]
    {
        path.exists()
    }
}

fn set_mode_0700(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// The wrapper pnpm runs (through `sh`, without arguments): it execs nexus-token for `profile`
/// (of the profiles file `config`, when not the default one).
pub(crate) fn pnpm_wrapper(exe: &Path, profile: &str, config: Option<&Path>) -> Vec<u8> {
    if cfg!(windows) {
        return helper_files::cmd_wrapper(
            &exe.display().to_string(),
            profile,
            config.map(|c| c.display().to_string()).as_deref(),
        );
    }
    format!(
        "#!/bin/sh\n{SCRIPT_MARK} (login --pnpm-registry): pnpm runs it as a tokenHelper\nexec {} {}token --profile {} --format basic\n",
        shell_quote(&exe.display().to_string()),
        config_words(config),
        shell_quote(profile)
    )
    .into_bytes()
}

/// The Docker helper for a profiles file that is not the default one (Docker's `credHelpers`
/// value cannot carry arguments): `docker-credential-nexus-token@<hash>` beside the shared
/// link, which it execs with `NEXUS_TOKEN_CONFIG` set to that file.
pub(crate) fn docker_wrapper(link: &Path, config: &Path) -> Vec<u8> {
    format!(
        "#!/bin/sh\n{SCRIPT_MARK} (login --docker-registry --config): Docker runs it as a credential helper\nNEXUS_TOKEN_CONFIG={} exec {} \"$@\"\n",
        shell_quote(&config.display().to_string()),
        shell_quote(&link.display().to_string()),
    )
    .into_bytes()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_wrapper_quotes_the_path_and_the_profile() {
        let text = String::from_utf8(pnpm_wrapper(
            Path::new("/opt/my tools/nexus-token"),
            "o'k",
            None,
        ))
        .unwrap();
        assert!(
            text.starts_with(&format!("#!/bin/sh\n{SCRIPT_MARK}")),
            "the wrapper starts with the mark logout looks for: {text}"
        );
        assert!(
            text.ends_with(
                "exec '/opt/my tools/nexus-token' token --profile 'o'\\''k' --format basic\n"
            ),
            "the binary and the profile are single-quoted for sh: {text}"
        );
    }

    #[test]
    fn side_files_are_created_kept_and_removed_only_when_ours() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("nexus-token");
        std::fs::File::create(&exe).unwrap();
        let link = SideFile::Link {
            path: dir.path().join("bin/docker-credential-nexus-token"),
            to: exe.clone(),
        };
        let first = apply(crate::targets::docker::KIND, &link, false)
            .unwrap()
            .unwrap();
        assert_eq!(first.outcome, Some(Outcome::Created), "the link is created");
        let again = apply(crate::targets::docker::KIND, &link, false)
            .unwrap()
            .unwrap();
        assert_eq!(
            again.outcome,
            Some(Outcome::Unchanged),
            "a correct link stays"
        );
        let other = dir.path().join("other");
        std::fs::File::create(&other).unwrap();
        let elsewhere = SideFile::Link {
            path: dir.path().join("bin/docker-credential-nexus-token"),
            to: other.clone(),
        };
        assert!(
            remove(crate::targets::docker::KIND, &elsewhere, &[])
                .unwrap()
                .is_none(),
            "a link to another binary is not removed"
        );
        assert!(
            remove(crate::targets::docker::KIND, &link, &[])
                .unwrap()
                .is_some()
        );
        assert!(
            !dir.path()
                .join("bin/docker-credential-nexus-token")
                .exists(),
            "a link to this binary is removed"
        );

        let script = SideFile::Script {
            path: dir.path().join("cfg/wrapper"),
            bytes: pnpm_wrapper(&exe, "p", None),
        };
        apply(crate::targets::pnpm::KIND, &script, false).unwrap();
        assert!(
            is_executable(&dir.path().join("cfg/wrapper")),
            "the wrapper is 0700"
        );
        assert!(
            remove(crate::targets::pnpm::KIND, &script, &[])
                .unwrap()
                .is_some()
        );
        std::fs::File::create(dir.path().join("cfg/wrapper")).unwrap();
        assert!(
            remove(crate::targets::pnpm::KIND, &script, &[])
                .unwrap()
                .is_none(),
            "a file that is not our wrapper stays"
        );
    }
}

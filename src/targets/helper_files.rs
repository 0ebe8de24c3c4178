//! How the served targets' helper programs are put in place on each platform: Docker's
//! `docker-credential-nexus-token` and pnpm's token-helper wrapper.
//!
//! - Unix: the Docker helper is a symbolic link to the binary; pnpm's wrapper is a 0700 `sh`
//!   script that execs it.
//! - Windows: a symbolic link needs a privilege (or developer mode), and Docker runs
//!   `docker-credential-nexus-token.exe`; so the helper is a copy of the binary. Not a hard link:
//!   Windows refuses to delete a file whose bytes a running program was started from, so a hard
//!   link could not be removed (by `logout`) or replaced while nexus-token runs, nor the binary
//!   be updated while Docker runs the helper. The copy is recognised as ours by having the
//!   binary's bytes, and replaced when the binary changed. pnpm runs its tokenHelper through
//!   `cmd.exe`, so the wrapper is a `.cmd` file.
//!
//! Pure apart from the file operations of [`make_helper`], [`is_helper_for`] and
//! [`same_program`]; no token or secret passes here.

use std::path::Path;

/// The first line of every `sh` wrapper nexus-token writes after `#!/bin/sh`: logout removes
/// only files that start so.
pub(crate) const SCRIPT_MARK: &str = "# written by nexus-token";

/// The same mark in a `.cmd` wrapper (Windows), after `@echo off`.
const CMD_MARK: &str = "rem written by nexus-token";

/// Whether `a` and `b` are the same program: the same file once links are resolved, or (on
/// Windows, where the helper is a copy) files of the same bytes.
pub(crate) fn same_program(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) if a == b => true,
        (Ok(a), Ok(b)) => cfg!(windows) && same_bytes(&a, &b),
        _ => false,
    }
}

fn same_bytes(a: &Path, b: &Path) -> bool {
    let (Ok(meta_a), Ok(meta_b)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    if !meta_a.is_file() || !meta_b.is_file() || meta_a.len() != meta_b.len() {
        return false;
    }
    matches!((std::fs::read(a), std::fs::read(b)), (Ok(a), Ok(b)) if a == b)
}

/// Whether `helper` is the helper this platform makes for `exe`: a symbolic link leading to it
/// (Unix), or a file with its bytes (Windows).
pub(crate) fn is_helper_for(helper: &Path, exe: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(helper) else {
        return false;
    };
    let shape = if cfg!(windows) {
        meta.is_file()
    } else {
        meta.file_type().is_symlink()
    };
    shape && same_program(helper, exe)
}

/// Whether a file found where the helper goes may be replaced: a symbolic link on Unix (a
/// regular file there is someone else's); on Windows a regular file, which can only be an
/// earlier helper (a hard link or copy of an older binary) since the name is ours.
pub(crate) fn replaceable(meta: &std::fs::Metadata) -> bool {
    if cfg!(windows) {
        meta.is_file() || meta.file_type().is_symlink()
    } else {
        meta.file_type().is_symlink()
    }
}

/// Creates (or replaces) the helper `path` for `to`: made under a temporary name in the same
/// folder, then renamed over `path`.
pub(crate) fn make_helper(path: &Path, to: &Path) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".nexus-token-link.{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    #[cfg(unix)]
    std::os::unix::fs::symlink(to, &temp)?;
    #[cfg(not(unix))]
    std::fs::copy(to, &temp)?;
    let renamed = std::fs::rename(&temp, path);
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    renamed
}

/// `path` without the `\\?\` prefix `std::fs::canonicalize` puts before a Windows drive or UNC
/// path: the clients that run the helpers (and people reading the configs) expect the usual
/// form. Other paths are returned as they are.
pub(crate) fn plain_path(path: std::path::PathBuf) -> std::path::PathBuf {
    let text = path.to_string_lossy();
    if let Some(rest) = text.strip_prefix(r"\\?\UNC\") {
        return std::path::PathBuf::from(format!(r"\\{rest}"));
    }
    match text.strip_prefix(r"\\?\") {
        Some(rest) if rest.as_bytes().get(1) == Some(&b':') => std::path::PathBuf::from(rest),
        _ => path,
    }
}

/// The file name of pnpm's wrapper for a profile (`safe` is the profile as a file-name part).
pub(crate) fn wrapper_name(safe: &str) -> String {
    if cfg!(windows) {
        format!("pnpm-token-helper-{safe}.cmd")
    } else {
        format!("pnpm-token-helper-{safe}")
    }
}

/// The `.cmd` wrapper (CRLF lines, as `cmd.exe` expects): runs nexus-token for `profile` and
/// exits with its status. Both words are double-quoted (a Windows path holds no `"`), and `%`
/// is doubled so `cmd.exe` does not expand it.
pub(crate) fn cmd_wrapper(exe: &str, profile: &str, config: Option<&str>) -> Vec<u8> {
    let quote = |word: &str| format!("\"{}\"", word.replace('%', "%%").replace('"', ""));
    let config = config.map_or_else(String::new, |c| format!("--config {} ", quote(c)));
    format!(
        "@echo off\r\n{CMD_MARK} (login --pnpm-registry): pnpm runs it as a tokenHelper\r\n{} {config}token --profile {} --format basic\r\nexit /b %errorlevel%\r\n",
        quote(exe),
        quote(profile)
    )
    .into_bytes()
}

/// Whether `bytes` are a wrapper nexus-token wrote (either shape).
pub(crate) fn is_our_wrapper(bytes: &[u8]) -> bool {
    bytes.starts_with(format!("#!/bin/sh\n{SCRIPT_MARK}").as_bytes())
        || bytes.starts_with(format!("@echo off\r\n{CMD_MARK}").as_bytes())
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set up files with `std::fs::write`
mod tests {
    use super::*;

    #[test]
    fn the_cmd_wrapper_quotes_for_cmd_and_passes_the_exit_status() {
        let text = String::from_utf8(cmd_wrapper(
            r"C:\Users\A B\.cargo\bin\nexus-token.exe",
            "100%",
            None,
        ))
        .unwrap();
        assert!(is_our_wrapper(text.as_bytes()), "{text}");
        assert!(
            text.contains(
                "\r\n\"C:\\Users\\A B\\.cargo\\bin\\nexus-token.exe\" token --profile \"100%%\" --format basic\r\n"
            ),
            "the path is double-quoted and `%` doubled: {text}"
        );
        assert!(text.ends_with("exit /b %errorlevel%\r\n"), "{text}");
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "every line ends in CRLF: {text:?}"
        );
        assert!(!is_our_wrapper(b"@echo off\r\nnpm whoami\r\n"));
    }

    #[test]
    fn verbatim_prefixes_are_dropped() {
        use std::path::PathBuf;
        assert_eq!(
            plain_path(PathBuf::from(r"\\?\C:\bin\nexus-token.exe")),
            PathBuf::from(r"C:\bin\nexus-token.exe")
        );
        assert_eq!(
            plain_path(PathBuf::from(r"\\?\UNC\srv\share\x.exe")),
            PathBuf::from(r"\\srv\share\x.exe")
        );
        assert_eq!(
            plain_path(PathBuf::from("/usr/bin/nexus-token")),
            PathBuf::from("/usr/bin/nexus-token")
        );
    }

    #[test]
    fn the_wrapper_name_fits_the_platform() {
        let name = wrapper_name("work");
        if cfg!(windows) {
            assert_eq!(name, "pnpm-token-helper-work.cmd");
        } else {
            assert_eq!(name, "pnpm-token-helper-work");
        }
    }

    #[test]
    fn a_helper_is_made_recognised_and_replaced_when_the_binary_changes() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("nexus-token.exe");
        std::fs::write(&exe, b"binary v1").unwrap();
        let helper = dir
            .path()
            .join("bin")
            .join("docker-credential-nexus-token.exe");
        make_helper(&helper, &exe).unwrap();
        assert!(is_helper_for(&helper, &exe), "the new helper is ours");
        assert!(same_program(&helper, &exe));
        let other = dir.path().join("other.exe");
        std::fs::write(&other, b"something else").unwrap();
        assert!(
            !is_helper_for(&helper, &other),
            "it is not another program's"
        );
        // An update that writes a new file: the old helper no longer matches, and is replaced.
        std::fs::remove_file(&exe).unwrap();
        std::fs::write(&exe, b"binary v2, longer").unwrap();
        if cfg!(windows) {
            assert!(
                !is_helper_for(&helper, &exe),
                "a copy of the old binary is stale"
            );
        }
        make_helper(&helper, &exe).unwrap();
        assert!(is_helper_for(&helper, &exe), "the replaced helper matches");
        assert_eq!(std::fs::read(&helper).unwrap(), b"binary v2, longer");
        let meta = std::fs::symlink_metadata(&helper).unwrap();
        assert!(replaceable(&meta));
        assert_eq!(
            meta.file_type().is_symlink(),
            cfg!(unix),
            "a symbolic link on Unix only"
        );
    }
}

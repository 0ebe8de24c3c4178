//! Where `login --docker-registry` puts the `docker-credential-nexus-token` link to the binary,
//! and which one the PATH finds (for doctor). Docker runs `docker-credential-<helper>` from the
//! PATH, so the link must be in a PATH folder: the binary's own folder when it is on the PATH and
//! writable, else `~/.local/bin` (on the PATH of most desktop sessions; doctor says when not).
//!
//! Pure decisions: the file-system questions (writable? a file?) are passed in, so this module
//! does no I/O; the caller creates the link (and keeps an existing correct one).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::helper::PROGRAM;

/// The link's file name on this platform.
pub fn link_name() -> String {
    if cfg!(windows) {
        format!("{PROGRAM}.exe")
    } else {
        PROGRAM.to_owned()
    }
}

/// Where the link goes and whether that folder is on the PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkPlan {
    /// The link to create: `<folder>/docker-credential-nexus-token`.
    pub link: PathBuf,
    /// Whether the PATH holds the folder (if not, Docker will not find the helper: say so).
    pub on_path: bool,
}

fn path_dirs(path_var: Option<&OsStr>) -> Vec<PathBuf> {
    path_var
        .map(|p| {
            std::env::split_paths(p)
                .filter(|d| !d.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Chooses the link's folder: the folder of `exe` when the PATH holds it and it is writable,
/// else `<home>/.local/bin`.
pub fn plan_link(
    exe: &Path,
    path_var: Option<&OsStr>,
    home: &Path,
    writable: &dyn Fn(&Path) -> bool,
) -> LinkPlan {
    let dirs = path_dirs(path_var);
    if let Some(dir) = exe.parent()
        && dirs.iter().any(|d| d == dir)
        && writable(dir)
    {
        return LinkPlan {
            link: dir.join(link_name()),
            on_path: true,
        };
    }
    let dir = home.join(".local").join("bin");
    LinkPlan {
        on_path: dirs.contains(&dir),
        link: dir.join(link_name()),
    }
}

/// The helper the PATH finds first (what Docker will run), if any.
pub fn found_on_path(path_var: Option<&OsStr>, is_file: &dyn Fn(&Path) -> bool) -> Option<PathBuf> {
    path_dirs(path_var)
        .into_iter()
        .map(|d| d.join(link_name()))
        .find(|p| is_file(p))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_binarys_folder_is_used_when_on_the_path_and_writable() {
        let path = OsStr::new("/usr/bin:/opt/nt/bin");
        let plan = plan_link(
            Path::new("/opt/nt/bin/nexus-token"),
            Some(path),
            Path::new("/home/u"),
            &|_| true,
        );
        assert_eq!(
            plan.link,
            Path::new("/opt/nt/bin/docker-credential-nexus-token")
        );
        assert!(plan.on_path, "the folder is on the PATH");
    }

    #[test]
    fn otherwise_the_link_goes_to_local_bin() {
        let path = OsStr::new("/usr/bin:/home/u/.local/bin");
        let read_only = plan_link(
            Path::new("/usr/bin/nexus-token"),
            Some(path),
            Path::new("/home/u"),
            &|_| false,
        );
        assert_eq!(
            read_only.link,
            Path::new("/home/u/.local/bin/docker-credential-nexus-token"),
            "a read-only folder is skipped"
        );
        assert!(read_only.on_path, "~/.local/bin is on this PATH");
        let elsewhere = plan_link(
            Path::new("/tmp/x/nexus-token"),
            Some(OsStr::new("/usr/bin")),
            Path::new("/home/u"),
            &|_| true,
        );
        assert_eq!(
            elsewhere.link,
            Path::new("/home/u/.local/bin/docker-credential-nexus-token"),
            "a folder off the PATH is skipped"
        );
        assert!(
            !elsewhere.on_path,
            "and the caller is told the PATH does not hold ~/.local/bin"
        );
    }

    #[test]
    fn the_first_helper_on_the_path_is_the_one_docker_runs() {
        let path = OsStr::new("/a:/b:/c");
        let found = found_on_path(Some(path), &|p| p.starts_with("/b") || p.starts_with("/c"));
        assert_eq!(
            found.as_deref(),
            Some(Path::new("/b/docker-credential-nexus-token"))
        );
        assert_eq!(
            found_on_path(None, &|_| true),
            None,
            "no PATH finds nothing"
        );
    }
}

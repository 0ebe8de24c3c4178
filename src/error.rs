//! The crate's top-level error, its hints and the mapping to the exit codes promised in
//! docs/usage.md (0 done, 1 other failure, 2 usage, 3 login rejected, 4 server, 5 local file,
//! 6 keyring). Module errors (`nexus::Error`, `store::Error`, editor parse errors) stay typed and
//! are wrapped here; rendering happens in `ui`, never here.

use std::path::{Path, PathBuf};

pub use crate::exit::ExitStatus;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Talking to Nexus failed.
    #[error(transparent)]
    Nexus(#[from] crate::nexus::Error),

    /// The OS keyring failed or holds no password.
    #[error(transparent)]
    Store(#[from] crate::store::Error),

    /// A local file could not be read, parsed or written. Nothing was changed.
    #[error("cannot {action} `{}`", path.display())]
    File {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: BoxError,
    },

    /// Writing the targets failed after some files already got the new token.
    #[error("{}", partial_summary(updated, not_updated))]
    Partial {
        /// Files that hold the new token now.
        updated: Vec<PathBuf>,
        /// Files that were not written (the one that failed first).
        not_updated: Vec<PathBuf>,
        #[source]
        source: Box<Error>,
    },

    /// The command line (or the environment standing in for it) is wrong.
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },

    /// Anything else, with the status to exit with and an optional next step.
    #[error("{message}")]
    Other {
        message: String,
        hint: Option<String>,
        status: ExitStatus,
    },
}

impl Error {
    /// A usage error (exit 2) with a hint naming the flag that fixes it.
    pub fn usage(message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// Any other failure with an explicit status.
    pub fn other(
        status: ExitStatus,
        message: impl Into<String>,
        hint: impl Into<Option<String>>,
    ) -> Self {
        Error::Other {
            message: message.into(),
            hint: hint.into(),
            status,
        }
    }

    /// A file error (exit 5).
    pub fn file(path: &Path, action: &'static str, source: impl Into<BoxError>) -> Self {
        Error::File {
            path: path.to_path_buf(),
            action,
            source: source.into(),
        }
    }

    /// The exit status this error maps to.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Nexus(e) => e.exit_status(),
            Error::Store(e) => e.exit_status(),
            Error::File { .. } => ExitStatus::File,
            Error::Partial { source, .. } => source.exit_status(),
            Error::Usage { .. } => ExitStatus::Usage,
            Error::Other { status, .. } => *status,
        }
    }

    /// The next step for the user, shown as `hint: ...`.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Nexus(e) => e.hint(),
            Error::Store(e) => e.hint(),
            Error::File { .. } => Some(
                "fix the file named above and run the command again; nothing was changed".into(),
            ),
            Error::Partial { .. } => Some(
                "fix the file named above, then run `nexus-token refresh`: it writes the token where it is missing".into(),
            ),
            Error::Usage { hint, .. } | Error::Other { hint, .. } => hint.clone(),
        }
    }
}

fn partial_summary(updated: &[PathBuf], not_updated: &[PathBuf]) -> String {
    let list = |paths: &[PathBuf]| {
        paths
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let first = not_updated
        .first()
        .map_or_else(String::new, |p| format!("`{}`", p.display()));
    if updated.is_empty() {
        format!("writing {first} failed; no file holds the new token yet")
    } else {
        format!(
            "writing {first} failed after {} got the new token; {} still hold(s) the old one",
            list(updated),
            list(not_updated)
        )
    }
}

/// Result with the crate's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_prefers_the_status_that_needs_a_person() {
        assert_eq!(
            ExitStatus::Unavailable.worst(ExitStatus::Rejected),
            ExitStatus::Rejected
        );
        assert_eq!(
            ExitStatus::Rejected.worst(ExitStatus::Unavailable),
            ExitStatus::Rejected
        );
        assert_eq!(
            ExitStatus::Success.worst(ExitStatus::File),
            ExitStatus::File
        );
    }

    #[test]
    fn file_errors_exit_5_and_say_nothing_changed() {
        let e = Error::file(
            Path::new("/x/settings.xml"),
            "parse",
            "line 3, column 4: bad",
        );
        assert_eq!(e.exit_status().code(), 5);
        assert!(e.to_string().contains("`/x/settings.xml`"));
        assert!(e.hint().unwrap_or_default().contains("nothing was changed"));
    }
}

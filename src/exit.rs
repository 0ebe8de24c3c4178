//! The process exit statuses: the one table of exit codes promised to scripts and cron jobs
//! (docs/usage.md, cli.md). A leaf module: it depends on nothing else in the crate.

/// Process exit status, part of the interface for scripts and cron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExitStatus {
    /// 0: done, including "nothing changed".
    Success = 0,
    /// 1: any other failure.
    Failure = 1,
    /// 2: usage error.
    Usage = 2,
    /// 3: Nexus rejected the login.
    Rejected = 3,
    /// 4: Nexus unreachable, TLS failure, unexpected answer, or no user tokens on this server.
    Unavailable = 4,
    /// 5: a local file could not be read, parsed or written (nothing was changed).
    File = 5,
    /// 6: no usable keyring, or no stored password.
    Keyring = 6,
    /// 126: `exec`: the command was found but cannot be run (as shells report it).
    CannotRun = 126,
    /// 127: `exec`: the command was not found (as shells report it).
    NotFound = 127,
}

impl ExitStatus {
    /// The numeric exit code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Ranking used when several profiles fail in one run: the most serious wins.
    /// Rejected logins (3) and keyring trouble (6) need a person; they rank above transient
    /// server trouble (4).
    pub fn severity(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Unavailable => 1,
            ExitStatus::Failure | ExitStatus::CannotRun | ExitStatus::NotFound => 2,
            ExitStatus::File => 3,
            ExitStatus::Keyring => 4,
            ExitStatus::Rejected => 5,
            ExitStatus::Usage => 6,
        }
    }

    /// The more serious of two statuses.
    pub fn worst(self, other: ExitStatus) -> ExitStatus {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}

//! Typed errors of the Nexus client, each with its exit status and a next step.

use crate::error::ExitStatus;

/// What can go wrong while talking to Nexus. (Stub: the client issue fills in the variants.)
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Placeholder until the client lands.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// The exit status for this error.
    pub fn exit_status(&self) -> ExitStatus {
        ExitStatus::Unavailable
    }

    /// The next step for the user.
    pub fn hint(&self) -> Option<String> {
        None
    }
}

//! Where the real password lives: the `SecretStore` trait, an in-memory store for unit tests and
//! the demo, and the OS keyring adapter. (Stub: filled in by the keyring issue.)

use crate::error::ExitStatus;
use crate::secret::Secret;

/// Keyring failures. (Stub.)
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Placeholder.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// Always 6: no usable keyring or no stored password.
    pub fn exit_status(&self) -> ExitStatus {
        ExitStatus::Keyring
    }
    /// The ways out.
    pub fn hint(&self) -> Option<String> {
        None
    }
}

/// A place to keep one secret per (service, user).
pub trait SecretStore {
    /// The stored secret, or `None` when there is none.
    fn get(&self, service: &str, user: &str) -> Result<Option<Secret<String>>, Error>;
    /// Stores (or replaces) the secret.
    fn set(&self, service: &str, user: &str, secret: &Secret<String>) -> Result<(), Error>;
    /// Deletes the secret; `false` when there was none.
    fn delete(&self, service: &str, user: &str) -> Result<bool, Error>;
}

/// The keyring service name for a Nexus base URL: `nexus-token:<base URL>`.
pub fn service_name(base_url: &str) -> String {
    format!("nexus-token:{base_url}")
}

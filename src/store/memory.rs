//! The in-memory secret store: unit tests and the demo, with failures that can be injected to test
//! the keyring error paths. Never used by the real commands.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A failure a [`MemoryStore`] can be told to report, to test the error paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Behave like a locked keyring.
    Locked,
    /// Behave like a missing Secret Service.
    Unavailable,
    /// Behave like a keyring that does not answer.
    Timeout,
}

impl Failure {
    fn to_error(self, action: &'static str) -> Error {
        match self {
            Failure::Locked => Error::Locked { source: None },
            Failure::Unavailable => Error::unavailable("the in-memory store is set to fail", None),
            Failure::Timeout => Error::Timeout {
                action,
                seconds: DEFAULT_TIMEOUT_SECS,
            },
        }
    }
}

/// Secrets held in process memory: for unit tests and `demo`. Nothing persists.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<(String, String), Secret<String>>>,
    failure: Mutex<Option<Failure>>,
}

impl MemoryStore {
    /// An empty store that works.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store whose every call fails with `failure`.
    pub fn with_failure(failure: Failure) -> Self {
        let store = Self::new();
        store.set_failure(Some(failure));
        store
    }

    /// Makes every following call fail with `failure` (or work again with `None`).
    pub fn set_failure(&self, failure: Option<Failure>) {
        *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = failure;
    }

    fn check(&self, action: &'static str) -> Result<(), Error> {
        match *self.failure.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(failure) => Err(failure.to_error(action)),
            None => Ok(()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Secret<String>>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, service: &str, user: &str) -> Result<Option<Secret<String>>, Error> {
        self.check("read the password")?;
        Ok(self
            .entries()
            .get(&(service.to_owned(), user.to_owned()))
            .cloned())
    }

    fn set(&self, service: &str, user: &str, secret: &Secret<String>) -> Result<(), Error> {
        self.check("store the password")?;
        self.entries()
            .insert((service.to_owned(), user.to_owned()), secret.clone());
        Ok(())
    }

    fn delete(&self, service: &str, user: &str) -> Result<bool, Error> {
        self.check("delete the password")?;
        Ok(self
            .entries()
            .remove(&(service.to_owned(), user.to_owned()))
            .is_some())
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}

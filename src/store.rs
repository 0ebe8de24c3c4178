//! Where the real password lives: the [`SecretStore`] trait, an in-memory [`MemoryStore`] for
//! unit tests and the demo, and [`OsStore`], the adapter on the OS keyring (keyring-core plus the
//! native store crate of each platform; the libdbus Secret Service store on Linux).
//!
//! Every keyring call runs on a worker thread with a time bound, so a keyring that waits for an
//! unlock prompt nobody will answer turns into an exit-6 error instead of a hung cron job. Every
//! failure is an [`Error`] with exit status 6 and a hint that lists the ways out. This module
//! never falls back to a plaintext file, never prints, and never puts a secret into an error.
//! Environment variables are read through [`Env`] only; [`prepare_process_env`] is the one
//! place that writes one (the D-Bus session address, at process start).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use zeroize::Zeroize;

use crate::env::Env;
use crate::error::ExitStatus;
use crate::secret::Secret;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Default time bound of one keyring call, in seconds (`NEXUS_TOKEN_KEYRING_TIMEOUT`).
pub const DEFAULT_TIMEOUT_SECS: u64 = 5;

/// The ways out of any keyring trouble, shared by the hints.
const WAYS_OUT: &str = "run `nexus-token refresh` from a systemd user timer (`nexus-token schedule`) \
     or a logged-in session, where the keyring is running and unlocked; or skip the keyring with \
     `--no-keyring` and pass the password with `--password-stdin`";

/// Keyring failures. All of them exit with status 6.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No keyring service could be reached (no session bus, no Secret Service).
    #[error("no usable keyring: {what}")]
    Unavailable {
        what: String,
        #[source]
        source: Option<BoxError>,
    },

    /// The keyring (collection) is locked and cannot be unlocked without a person.
    #[error("the keyring is locked")]
    Locked {
        #[source]
        source: Option<BoxError>,
    },

    /// The keyring did not answer in time (typically: it waits for an unlock prompt).
    #[error("the keyring did not answer within {seconds} s while trying to {action}")]
    Timeout { action: &'static str, seconds: u64 },

    /// `NEXUS_TOKEN_KEYRING_TIMEOUT` is not a usable number of seconds (exit 2).
    #[error("{0}")]
    BadTimeout(String),

    /// No password is stored for this server and user.
    #[error("no password stored in the keyring for `{user}` at `{service}`")]
    NoEntry { service: String, user: String },

    /// Anything else the keyring reported.
    #[error("the keyring failed to {action}")]
    Other {
        action: &'static str,
        #[source]
        source: BoxError,
    },
}

impl Error {
    /// "No password stored" for a (service, user), for callers that need one.
    pub fn no_entry(service: &str, user: &str) -> Self {
        Error::NoEntry {
            service: service.to_owned(),
            user: user.to_owned(),
        }
    }

    /// 6 (no usable keyring or no stored password), except 2 for a bad
    /// `NEXUS_TOKEN_KEYRING_TIMEOUT`.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::BadTimeout(_) => ExitStatus::Usage,
            _ => ExitStatus::Keyring,
        }
    }

    /// The ways out, as one line.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::Unavailable { .. } => format!(
                "{WAYS_OUT}; on Linux, check that `DBUS_SESSION_BUS_ADDRESS` or \
                 `$XDG_RUNTIME_DIR/bus` leads to your session bus (see docs/keyring.md)"
            ),
            Error::Locked { .. } => format!(
                "unlock the keyring (log in to the desktop, or on a server \
                 `gnome-keyring-daemon --unlock`), or {WAYS_OUT}"
            ),
            Error::Timeout { .. } => format!(
                "the keyring may be waiting for an unlock prompt: unlock the keyring, or {WAYS_OUT}; \
                 `NEXUS_TOKEN_KEYRING_TIMEOUT` sets the wait in seconds"
            ),
            Error::BadTimeout(_) => format!(
                "give whole seconds, e.g. `NEXUS_TOKEN_KEYRING_TIMEOUT=30`, or unset it for the \
                 default of {DEFAULT_TIMEOUT_SECS} s"
            ),
            Error::NoEntry { .. } => "run `nexus-token login` to store the password, or pass it \
                 with `--no-keyring` and `--password-stdin`"
                .to_owned(),
            Error::Other { .. } => format!("unlock the keyring, or {WAYS_OUT}"),
        })
    }

    fn unavailable(what: impl Into<String>, source: Option<BoxError>) -> Self {
        Error::Unavailable {
            what: what.into(),
            source,
        }
    }
}

/// A place to keep one secret per (service, user).
pub trait SecretStore: Send + Sync {
    /// The stored secret, or `None` when there is none.
    fn get(&self, service: &str, user: &str) -> Result<Option<Secret<String>>, Error>;
    /// Stores (or replaces) the secret.
    fn set(&self, service: &str, user: &str, secret: &Secret<String>) -> Result<(), Error>;
    /// Deletes the secret; `false` when there was none.
    fn delete(&self, service: &str, user: &str) -> Result<bool, Error>;
    /// A short name for messages and `doctor` (`memory`, `secret-service`, ...).
    fn name(&self) -> &'static str;
}

/// The keyring service name for a Nexus base URL: `nexus-token:<base URL>`.
pub fn service_name(base_url: &str) -> String {
    format!("nexus-token:{base_url}")
}

/// The keyring service of the token cache for a Nexus base URL: `nexus-token-cache:<base URL>`.
/// It holds the current user token (never the password) so that `token` can answer Docker,
/// Cargo, pnpm and Gradle without contacting Nexus.
pub fn cache_service_name(base_url: &str) -> String {
    format!("nexus-token-cache:{base_url}")
}

// ---------------------------------------------------------------------------------------------
// In-memory store

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

// ---------------------------------------------------------------------------------------------
// D-Bus session bus discovery (Linux)

/// Where the D-Bus session bus was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusAddress {
    /// `DBUS_SESSION_BUS_ADDRESS` was set.
    FromEnvironment(String),
    /// Found the socket at this path (`$XDG_RUNTIME_DIR/bus` or `/run/user/<uid>/bus`).
    Socket(PathBuf),
}

impl BusAddress {
    /// The D-Bus address string (`unix:path=...`, escaped as the D-Bus spec asks).
    pub fn address(&self) -> String {
        match self {
            BusAddress::FromEnvironment(address) => address.clone(),
            BusAddress::Socket(path) => format!("unix:path={}", dbus_escape(path)),
        }
    }
}

/// Escapes a path for a D-Bus address value: bytes outside `[-0-9A-Za-z_/.\*]` become `%XX`.
fn dbus_escape(path: &Path) -> String {
    let mut out = String::new();
    for byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"-_/.\\*".contains(byte) {
            out.push(char::from(*byte));
        } else {
            out.push_str(&format!("%{byte:02x}"));
        }
    }
    out
}

/// Finds the session bus: `DBUS_SESSION_BUS_ADDRESS`, else the socket `$XDG_RUNTIME_DIR/bus`,
/// else `/run/user/<uid>/bus` (what a cron job or an ssh session without a session needs).
pub fn discover_session_bus(env: &Env) -> Option<BusAddress> {
    discover_with(
        env.session_bus_address(),
        env.xdg_runtime_dir(),
        env.uid(),
        &is_socket,
    )
}

fn discover_with(
    address: Option<&str>,
    runtime_dir: Option<&Path>,
    uid: Option<u32>,
    is_socket: &dyn Fn(&Path) -> bool,
) -> Option<BusAddress> {
    if let Some(address) = address {
        return Some(BusAddress::FromEnvironment(address.to_owned()));
    }
    let candidates = runtime_dir
        .map(|dir| dir.join("bus"))
        .into_iter()
        .chain(uid.map(|uid| PathBuf::from(format!("/run/user/{uid}/bus"))));
    for candidate in candidates {
        if is_socket(&candidate) {
            return Some(BusAddress::Socket(candidate));
        }
    }
    None
}

#[cfg(unix)]
fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

#[cfg(not(unix))]
fn is_socket(_path: &Path) -> bool {
    false
}

/// Sets `DBUS_SESSION_BUS_ADDRESS` for this process when it is unset and the session bus socket
/// exists at `$XDG_RUNTIME_DIR/bus` or `/run/user/<uid>/bus`: the libdbus-based store reads the
/// address only from the process environment, and cron starts jobs without it.
///
/// Call it once, first thing in `main`, before any thread exists. Does nothing off Linux or when
/// the variable is already set.
pub fn prepare_process_env(env: &Env) {
    if !cfg!(target_os = "linux") || env.session_bus_address().is_some() {
        return;
    }
    if let Some(bus) = discover_session_bus(env) {
        let address = bus.address();
        // SAFETY: `set_var` is unsound only when another thread reads or writes the environment
        // at the same time. This runs at the start of `main` (documented contract above), before
        // the program has spawned any thread, so no other thread exists to race with.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("DBUS_SESSION_BUS_ADDRESS", address);
        }
    }
}

/// The time bound of one keyring call: `NEXUS_TOKEN_KEYRING_TIMEOUT` seconds, default 5; a
/// value that is not whole seconds from 1 to 3600 is refused ([`Error::BadTimeout`], exit 2).
pub fn keyring_timeout(env: &Env) -> Result<Duration, Error> {
    Ok(env
        .keyring_timeout()
        .map_err(Error::BadTimeout)?
        .unwrap_or(Duration::from_secs(DEFAULT_TIMEOUT_SECS)))
}

// ---------------------------------------------------------------------------------------------
// OS keyring

type CoreStore = keyring_core::api::CredentialStore;

/// The OS keyring: Secret Service (libdbus) on Linux, the Keychain on macOS, the Credential
/// Manager on Windows. Each call is bounded by [`keyring_timeout`].
pub struct OsStore {
    store: Arc<Mutex<Option<Arc<CoreStore>>>>,
    timeout: Duration,
    /// A call timed out earlier: its worker may still hold the connection, so later calls fail
    /// at once instead of queueing behind it.
    stuck: Arc<AtomicBool>,
    bus: Option<BusAddress>,
}

impl std::fmt::Debug for OsStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OsStore")
            .field("timeout", &self.timeout)
            .field("bus", &self.bus)
            .finish_non_exhaustive()
    }
}

impl OsStore {
    /// Connects to the OS keyring, within the time bound. On Linux this finds the session bus
    /// first (see [`discover_session_bus`]; [`prepare_process_env`] must have run) and fails at
    /// once when there is none.
    pub fn new(env: &Env) -> Result<OsStore, Error> {
        let timeout = keyring_timeout(env)?;
        let bus = if cfg!(target_os = "linux") {
            match discover_session_bus(env) {
                Some(bus) => Some(bus),
                None => {
                    return Err(Error::unavailable(
                        "no D-Bus session bus (`DBUS_SESSION_BUS_ADDRESS` is unset, and there is \
                         no `$XDG_RUNTIME_DIR/bus` or `/run/user/<uid>/bus`)",
                        None,
                    ));
                }
            }
        } else {
            None
        };
        let os = OsStore {
            store: Arc::new(Mutex::new(None)),
            timeout,
            stuck: Arc::new(AtomicBool::new(false)),
            bus,
        };
        let slot = Arc::clone(&os.store);
        let where_ = os.bus.as_ref().map(BusAddress::address);
        os.bounded("connect", move || {
            let store = native_store().map_err(|e| {
                let what = match &where_ {
                    Some(address) => {
                        format!("cannot reach the Secret Service on the session bus `{address}`")
                    }
                    None => "cannot open the OS keyring".to_owned(),
                };
                Error::unavailable(what, Some(describe(e)))
            })?;
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(store);
            Ok(())
        })?;
        Ok(os)
    }

    /// The session bus this store talks to (Linux), for `doctor` and messages.
    pub fn bus(&self) -> Option<&BusAddress> {
        self.bus.as_ref()
    }

    fn core(&self) -> Result<Arc<CoreStore>, Error> {
        self.store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| Error::unavailable("the keyring connection is gone", None))
    }

    /// Runs `op` on a worker thread; gives up after the timeout. The D-Bus library gives up on
    /// a call after its own 2 s ([`Error::Timeout`] from [`map_error`]): `op` is then asked
    /// again while the timeout allows, so a longer `NEXUS_TOKEN_KEYRING_TIMEOUT` takes effect.
    fn bounded<T: Send + 'static>(
        &self,
        action: &'static str,
        op: impl Fn() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let seconds = self.timeout.as_secs();
        if self.stuck.load(Ordering::SeqCst) {
            return Err(Error::Timeout { action, seconds });
        }
        let deadline = std::time::Instant::now() + self.timeout;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("keyring".into())
            .spawn(move || {
                loop {
                    let result = op();
                    let retry = matches!(result, Err(Error::Timeout { .. }))
                        && std::time::Instant::now() + RETRY_PAUSE < deadline;
                    if !retry {
                        // The receiver may be gone after a timeout: the result (and any
                        // secret in it) is then dropped here, and `Secret` wipes it.
                        let _ = tx.send(result);
                        return;
                    }
                    std::thread::sleep(RETRY_PAUSE);
                }
            })
            .map_err(|e| Error::Other {
                action,
                source: Box::new(e),
            })?;
        match rx.recv_timeout(self.timeout) {
            Ok(Err(Error::Timeout { .. })) => Err(Error::Timeout { action, seconds }),
            Ok(result) => result,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                self.stuck.store(true, Ordering::SeqCst);
                Err(Error::Timeout { action, seconds })
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(Error::Other {
                action,
                source: "the keyring worker stopped without an answer".into(),
            }),
        }
    }
}

impl SecretStore for OsStore {
    fn get(&self, service: &str, user: &str) -> Result<Option<Secret<String>>, Error> {
        let store = self.core()?;
        let (service, user) = (service.to_owned(), user.to_owned());
        self.bounded("read the password", move || {
            let action = "read the password";
            let entry = keyring_core::Entry::new_in_store(&store, &service, &user)
                .map_err(|e| map_error(action, e))?;
            match entry.get_secret() {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => Ok(Some(Secret::new(text))),
                    Err(e) => {
                        e.into_bytes().zeroize();
                        Err(Error::Other {
                            action,
                            source: "the stored password is not valid UTF-8".into(),
                        })
                    }
                },
                Err(keyring_core::Error::NoEntry) => Ok(None),
                Err(e) => Err(map_error(action, e)),
            }
        })
    }

    fn set(&self, service: &str, user: &str, secret: &Secret<String>) -> Result<(), Error> {
        let store = self.core()?;
        let (service, user, secret) = (service.to_owned(), user.to_owned(), secret.clone());
        self.bounded("store the password", move || {
            let action = "store the password";
            let entry = keyring_core::Entry::new_in_store(&store, &service, &user)
                .map_err(|e| map_error(action, e))?;
            entry
                .set_secret(secret.expose().as_bytes())
                .map_err(|e| map_error(action, e))
        })
    }

    fn delete(&self, service: &str, user: &str) -> Result<bool, Error> {
        let store = self.core()?;
        let (service, user) = (service.to_owned(), user.to_owned());
        self.bounded("delete the password", move || {
            let action = "delete the password";
            let entry = keyring_core::Entry::new_in_store(&store, &service, &user)
                .map_err(|e| map_error(action, e))?;
            match entry.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring_core::Error::NoEntry) => Ok(false),
                Err(e) => Err(map_error(action, e)),
            }
        })
    }

    fn name(&self) -> &'static str {
        if cfg!(target_os = "linux") {
            "secret-service"
        } else if cfg!(target_os = "macos") {
            "keychain"
        } else if cfg!(target_os = "windows") {
            "credential-manager"
        } else {
            "none"
        }
    }
}

#[cfg(target_os = "linux")]
fn native_store() -> keyring_core::Result<Arc<CoreStore>> {
    let store: Arc<CoreStore> = dbus_secret_service_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn native_store() -> keyring_core::Result<Arc<CoreStore>> {
    let store: Arc<CoreStore> = apple_native_keyring_store::keychain::Store::new()?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn native_store() -> keyring_core::Result<Arc<CoreStore>> {
    let store: Arc<CoreStore> = windows_native_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn native_store() -> keyring_core::Result<Arc<CoreStore>> {
    Err(keyring_core::Error::NotSupportedByStore(
        "no OS keyring is supported on this platform".into(),
    ))
}

/// D-Bus error names that mean "nobody answers on the bus".
const UNAVAILABLE_DBUS_ERRORS: &[&str] = &[
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.Disconnected",
    "org.freedesktop.DBus.Error.NoServer",
    "org.freedesktop.DBus.Error.FileNotFound",
    "org.freedesktop.DBus.Error.Spawn",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
];

/// D-Bus error names of a call the library gave up waiting for (after its fixed 2 s): the
/// Secret Service may still answer, so [`OsStore::bounded`] asks again within our timeout.
const TIMEOUT_DBUS_ERRORS: &[&str] = &[
    "org.freedesktop.DBus.Error.NoReply",
    "org.freedesktop.DBus.Error.TimedOut",
    "org.freedesktop.DBus.Error.Timeout",
];

/// The wait between two attempts of a keyring call that timed out on the D-Bus side.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// Turns a keyring-core error into ours, without keeping any secret bytes it may carry.
fn map_error(action: &'static str, error: keyring_core::Error) -> Error {
    match error {
        keyring_core::Error::NoStorageAccess(source) => Error::Locked {
            source: Some(source),
        },
        keyring_core::Error::PlatformFailure(source) => {
            let text = format!("{source} {source:?}");
            if TIMEOUT_DBUS_ERRORS.iter().any(|name| text.contains(name)) {
                // `bounded` retries, then reports its own timeout in seconds.
                Error::Timeout { action, seconds: 2 }
            } else if UNAVAILABLE_DBUS_ERRORS
                .iter()
                .any(|name| text.contains(name))
            {
                Error::unavailable("the Secret Service stopped answering", Some(source))
            } else {
                Error::Other { action, source }
            }
        }
        keyring_core::Error::NoEntry => Error::Other {
            action,
            source: "no matching entry".into(),
        },
        other => Error::Other {
            action,
            source: describe(other),
        },
    }
}

/// A keyring-core error as a boxed source, with any secret bytes wiped and left out.
fn describe(error: keyring_core::Error) -> BoxError {
    match error {
        keyring_core::Error::BadEncoding(mut bytes) => {
            bytes.zeroize();
            "the stored secret is not valid UTF-8".into()
        }
        keyring_core::Error::BadDataFormat(mut bytes, source) => {
            bytes.zeroize();
            source
        }
        keyring_core::Error::PlatformFailure(source)
        | keyring_core::Error::NoStorageAccess(source) => source,
        keyring_core::Error::Ambiguous(entries) => format!(
            "{} keyring entries match this server and user; remove the extra ones",
            entries.len()
        )
        .into(),
        other => other.to_string().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "nexus-token:http://127.0.0.1:8081";

    #[test]
    fn service_name_prefixes_the_base_url() {
        assert_eq!(
            service_name("https://nexus.example/nexus"),
            "nexus-token:https://nexus.example/nexus"
        );
    }

    #[test]
    fn memory_store_round_trip_with_not_found_as_its_own_result() {
        let store = MemoryStore::new();
        assert!(
            store.get(S, "alice").unwrap().is_none(),
            "a missing entry is Ok(None), not an error"
        );
        store.set(S, "alice", &"pw-1".into()).unwrap();
        store.set(S, "alice", &"pw-2".into()).unwrap();
        store.set(S, "bob", &"pw-b".into()).unwrap();
        assert_eq!(
            store.get(S, "alice").unwrap().unwrap().expose(),
            "pw-2",
            "set replaces the secret"
        );
        assert_eq!(store.get(S, "bob").unwrap().unwrap().expose(), "pw-b");
        assert!(
            store.delete(S, "alice").unwrap(),
            "delete reports a removal"
        );
        assert!(
            !store.delete(S, "alice").unwrap(),
            "deleting twice reports that nothing was there"
        );
        assert!(store.get(S, "alice").unwrap().is_none());
        assert!(store.get("nexus-token:other", "bob").unwrap().is_none());
    }

    #[test]
    fn injected_failures_map_to_exit_6_with_hints() {
        let cases = [
            (Failure::Locked, "unlock the keyring"),
            (Failure::Unavailable, "systemd user timer"),
            (Failure::Timeout, "NEXUS_TOKEN_KEYRING_TIMEOUT"),
        ];
        for (failure, hint_part) in cases {
            let store = MemoryStore::with_failure(failure);
            let results = [
                store.get(S, "alice").map(|_| ()),
                store.set(S, "alice", &"pw".into()),
                store.delete(S, "alice").map(|_| ()),
            ];
            for result in results {
                let error = result.expect_err("an injected failure fails every call");
                assert_eq!(error.exit_status(), ExitStatus::Keyring);
                let hint = error.hint().unwrap();
                assert!(hint.contains(hint_part), "{failure:?}: {hint}");
                assert!(
                    hint.contains("--no-keyring") && hint.contains("--password-stdin"),
                    "every hint lists the way around the keyring: {hint}"
                );
                let wrapped = crate::Error::from(error);
                assert_eq!(wrapped.exit_status().code(), 6);
            }
        }
    }

    #[test]
    fn failure_can_be_cleared_and_data_survives() {
        let store = MemoryStore::new();
        store.set(S, "alice", &"pw".into()).unwrap();
        store.set_failure(Some(Failure::Locked));
        assert!(matches!(store.get(S, "alice"), Err(Error::Locked { .. })));
        store.set_failure(None);
        assert_eq!(store.get(S, "alice").unwrap().unwrap().expose(), "pw");
    }

    #[test]
    fn errors_never_contain_the_password() {
        let store = MemoryStore::with_failure(Failure::Locked);
        let error = store.set(S, "alice", &"hunter2-secret".into()).unwrap_err();
        let text = format!("{error} {error:?} {}", error.hint().unwrap());
        assert!(!text.contains("hunter2"), "no secret in errors: {text}");
    }

    #[test]
    fn no_entry_error_names_service_and_user() {
        let e = Error::no_entry(S, "alice");
        assert!(e.to_string().contains("`alice`") && e.to_string().contains(S));
        assert!(e.hint().unwrap().contains("nexus-token login"));
        assert_eq!(e.exit_status().code(), 6);
    }

    #[test]
    fn bus_discovery_order() {
        let rt = Path::new("/run/x");
        let all = |_: &Path| true;
        let none = |_: &Path| false;
        let only_uid = |p: &Path| p == Path::new("/run/user/1000/bus");
        assert_eq!(
            discover_with(Some("unix:path=/a"), Some(rt), Some(1000), &all),
            Some(BusAddress::FromEnvironment("unix:path=/a".into())),
            "an explicit address wins"
        );
        assert_eq!(
            discover_with(None, Some(rt), Some(1000), &all),
            Some(BusAddress::Socket(PathBuf::from("/run/x/bus"))),
            "then $XDG_RUNTIME_DIR/bus"
        );
        assert_eq!(
            discover_with(None, Some(rt), Some(1000), &only_uid),
            Some(BusAddress::Socket(PathBuf::from("/run/user/1000/bus"))),
            "then /run/user/<uid>/bus"
        );
        assert_eq!(discover_with(None, Some(rt), Some(1000), &none), None);
        assert_eq!(discover_with(None, None, None, &all), None);
    }

    #[test]
    fn bus_address_escapes_unusual_bytes() {
        let bus = BusAddress::Socket(PathBuf::from("/tmp/a b,c/bus"));
        assert_eq!(bus.address(), "unix:path=/tmp/a%20b%2cc/bus");
    }

    #[test]
    fn timeout_comes_from_the_environment_and_nonsense_is_refused() {
        let env = Env::sandboxed(Path::new("/h"));
        assert_eq!(keyring_timeout(&env).unwrap(), Duration::from_secs(5));
        for (value, secs) in [("2", 2), ("30", 30), (" 3600 ", 3600)] {
            let env = env.clone().with_var("NEXUS_TOKEN_KEYRING_TIMEOUT", value);
            assert_eq!(keyring_timeout(&env).unwrap(), Duration::from_secs(secs));
        }
        let env_empty = env.clone().with_var("NEXUS_TOKEN_KEYRING_TIMEOUT", "");
        assert_eq!(
            keyring_timeout(&env_empty).unwrap(),
            Duration::from_secs(5),
            "an empty value means the default"
        );
        for value in [
            "nonsense",
            "0",
            "-1",
            "2.5",
            "5s",
            "3601",
            "99999999999999999999999",
        ] {
            let env = env.clone().with_var("NEXUS_TOKEN_KEYRING_TIMEOUT", value);
            let e = keyring_timeout(&env).unwrap_err();
            assert_eq!(
                e.exit_status(),
                ExitStatus::Usage,
                "`{value}` is refused as a usage error"
            );
            assert!(
                e.to_string().contains("NEXUS_TOKEN_KEYRING_TIMEOUT")
                    && e.hint().unwrap_or_default().contains("seconds"),
                "the message names the variable and the hint the unit: {e}"
            );
        }
    }

    #[test]
    fn a_dbus_call_that_gives_up_after_2_s_is_retried_within_a_longer_timeout() {
        let os = OsStore {
            store: Arc::new(Mutex::new(None)),
            timeout: Duration::from_secs(30),
            stuck: Arc::new(AtomicBool::new(false)),
            bus: None,
        };
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let got = os.bounded("read the password", move || {
            if counter.fetch_add(1, Ordering::SeqCst) < 3 {
                Err(map_error(
                    "read the password",
                    keyring_core::Error::PlatformFailure(
                        "D-Bus error: Did not receive a reply (org.freedesktop.DBus.Error.NoReply)"
                            .into(),
                    ),
                ))
            } else {
                Ok(42)
            }
        });
        assert_eq!(
            got.unwrap(),
            42,
            "a D-Bus timeout inside a longer NEXUS_TOKEN_KEYRING_TIMEOUT is asked again"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn os_store_without_any_bus_fails_at_once_with_exit_6() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::sandboxed(dir.path()).with_var("XDG_RUNTIME_DIR", "/nonexistent-dir-xyz");
        // `/run/user/<uid>/bus` may exist on a developer machine; only assert when it does not.
        if Path::new(&format!("/run/user/{}/bus", env.uid().unwrap())).exists() {
            return;
        }
        let error = OsStore::new(&env).unwrap_err();
        assert!(matches!(error, Error::Unavailable { .. }), "{error:?}");
        assert_eq!(error.exit_status().code(), 6);
        assert!(error.hint().unwrap().contains("--password-stdin"));
    }

    #[test]
    fn bounded_call_times_out() {
        let os = OsStore {
            store: Arc::new(Mutex::new(None)),
            timeout: Duration::from_millis(50),
            stuck: Arc::new(AtomicBool::new(false)),
            bus: None,
        };
        let error = os
            .bounded("read the password", || {
                std::thread::sleep(Duration::from_secs(2));
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
        let again = os.bounded("read the password", || Ok(())).unwrap_err();
        assert!(
            matches!(again, Error::Timeout { .. }),
            "after a timeout, later calls fail at once instead of queueing: {again:?}"
        );
    }
}

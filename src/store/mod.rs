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

mod bus;
mod memory;
mod os;

pub use bus::{BusAddress, discover_session_bus, prepare_process_env};
pub use memory::{Failure, MemoryStore};
pub use os::OsStore;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

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

/// The time bound of one keyring call: `NEXUS_TOKEN_KEYRING_TIMEOUT` seconds, default 5; a
/// value that is not whole seconds from 1 to 3600 is refused ([`Error::BadTimeout`], exit 2).
pub fn keyring_timeout(env: &Env) -> Result<Duration, Error> {
    Ok(env
        .keyring_timeout()
        .map_err(Error::BadTimeout)?
        .unwrap_or(Duration::from_secs(DEFAULT_TIMEOUT_SECS)))
}

#[cfg(test)]
mod tests {
    #[allow(clippy::wildcard_imports)]
    use super::bus::*;
    #[allow(clippy::wildcard_imports)]
    use super::os::*;
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

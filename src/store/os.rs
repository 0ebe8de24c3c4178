//! The OS keyring adapter: keyring-core with the native store of each platform (the libdbus
//! Secret Service store on Linux, Keychain on macOS, Credential Manager on Windows). Every call
//! runs on a worker thread with a time bound; errors map to exit 6 with a hint.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) type CoreStore = keyring_core::api::CredentialStore;

/// The OS keyring: Secret Service (libdbus) on Linux, the Keychain on macOS, the Credential
/// Manager on Windows. Each call is bounded by [`keyring_timeout`].
pub struct OsStore {
    pub(super) store: Arc<Mutex<Option<Arc<CoreStore>>>>,
    pub(super) timeout: Duration,
    /// A call timed out earlier: its worker may still hold the connection, so later calls fail
    /// at once instead of queueing behind it.
    pub(super) stuck: Arc<AtomicBool>,
    pub(super) bus: Option<BusAddress>,
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
    pub(super) fn bounded<T: Send + 'static>(
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
pub(super) fn native_store() -> keyring_core::Result<Arc<CoreStore>> {
    let store: Arc<CoreStore> = dbus_secret_service_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(target_os = "macos")]
pub(super) fn native_store() -> keyring_core::Result<Arc<CoreStore>> {
    let store: Arc<CoreStore> = apple_native_keyring_store::keychain::Store::new()?;
    Ok(store)
}

#[cfg(target_os = "windows")]
pub(super) fn native_store() -> keyring_core::Result<Arc<CoreStore>> {
    let store: Arc<CoreStore> = windows_native_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
pub(super) fn native_store() -> keyring_core::Result<Arc<CoreStore>> {
    Err(keyring_core::Error::NotSupportedByStore(
        "no OS keyring is supported on this platform".into(),
    ))
}

/// D-Bus error names that mean "nobody answers on the bus".
pub(super) const UNAVAILABLE_DBUS_ERRORS: &[&str] = &[
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.Disconnected",
    "org.freedesktop.DBus.Error.NoServer",
    "org.freedesktop.DBus.Error.FileNotFound",
    "org.freedesktop.DBus.Error.Spawn",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
];

/// D-Bus error names of a call the library gave up waiting for (after its fixed 2 s): the
/// Secret Service may still answer, so [`OsStore::bounded`] asks again within our timeout.
pub(super) const TIMEOUT_DBUS_ERRORS: &[&str] = &[
    "org.freedesktop.DBus.Error.NoReply",
    "org.freedesktop.DBus.Error.TimedOut",
    "org.freedesktop.DBus.Error.Timeout",
];

/// The wait between two attempts of a keyring call that timed out on the D-Bus side.
pub(super) const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// Turns a keyring-core error into ours, without keeping any secret bytes it may carry.
pub(super) fn map_error(action: &'static str, error: keyring_core::Error) -> Error {
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
pub(super) fn describe(error: keyring_core::Error) -> BoxError {
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

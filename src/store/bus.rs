//! Finding the D-Bus session bus (Linux) for runs without `DBUS_SESSION_BUS_ADDRESS` (cron,
//! systemd timers): `$XDG_RUNTIME_DIR/bus`, then `/run/user/<uid>/bus`; set once at start-up.

#[allow(clippy::wildcard_imports)]
use super::*;

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
pub(super) fn dbus_escape(path: &Path) -> String {
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

pub(super) fn discover_with(
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
pub(super) fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

#[cfg(not(unix))]
pub(super) fn is_socket(_path: &Path) -> bool {
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

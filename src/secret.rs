//! `Secret<T>`: the one type that holds a password or a passCode in memory.
//!
//! It has no `Display`, its `Debug` prints `[redacted]`, it is wiped on drop (zeroize), and the
//! only way to read it is the explicit [`Secret::expose`], so `git grep 'expose('` lists every
//! place where a secret leaves this type. It must never gain a `Display` or `Serialize`.
//!
//! [`harden_process`] keeps secrets in memory out of core dumps and away from other processes
//! of the same user that would read our memory through `/proc/<pid>/mem` or ptrace.

use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A value that must never be printed, logged or serialised. Wiped from memory on drop.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// Reads the secret value. Every call site is an exit point for the secret: keep them few.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> ZeroizeOnDrop for Secret<T> {}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret<String> {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

/// Disables core dumps for this process, before any password is read: the core size limit
/// becomes 0 and, on Linux, the process is marked not dumpable (`PR_SET_DUMPABLE 0`), which also
/// keeps other processes of the same user from attaching with ptrace or reading its memory.
/// Best effort: a failure is ignored, since the tool must still work where the calls are
/// refused (e.g. a restrictive seccomp profile). Only the soft limit drops to 0 (enough: the
/// kernel dumps by the soft limit, and this process never raises it), so that
/// [`release_process`] can give a program that `exec` starts the limit the caller had. Child
/// processes (`systemctl`, `crontab`) get the dumpable flag back on `exec` and inherit the zero
/// core limit, which is harmless.
pub fn harden_process() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let before = getrlimit(Resource::Core);
        let zero = Rlimit {
            current: Some(0),
            maximum: before.maximum,
        };
        if setrlimit(Resource::Core, zero).is_ok() {
            let _ = CORE_LIMIT.set(before);
        }
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let _ =
            rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    }
}

/// The core size limit the process started with, kept by [`harden_process`].
#[cfg(unix)]
static CORE_LIMIT: std::sync::OnceLock<rustix::process::Rlimit> = std::sync::OnceLock::new();

/// Gives back the core size limit the process started with, right before `exec` replaces this
/// process with the user's command (whose core dumps are the user's business). The dumpable flag
/// comes back by itself on `exec`. Best effort, like [`harden_process`].
pub fn release_process() {
    #[cfg(unix)]
    if let Some(before) = CORE_LIMIT.get() {
        let _ = rustix::process::setrlimit(rustix::process::Resource::Core, *before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_value() {
        let s = Secret::new(String::from("hunter2-very-secret"));
        let printed = format!("{s:?} {:?}", Some(&s));
        assert!(
            !printed.contains("hunter2"),
            "Debug must redact the secret: {printed}"
        );
        assert!(printed.contains("redacted"));
    }

    #[test]
    fn expose_returns_the_value() {
        let s: Secret<String> = "abc".into();
        assert_eq!(s.expose(), "abc");
    }
}

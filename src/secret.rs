//! `Secret<T>`: the one type that holds a password or a passCode in memory.
//!
//! It has no `Display`, its `Debug` prints `[redacted]`, it is wiped on drop (zeroize), and the
//! only way to read it is the explicit [`Secret::expose`], so `git grep 'expose('` lists every
//! place where a secret leaves this type. It must never gain a `Display` or `Serialize`.

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

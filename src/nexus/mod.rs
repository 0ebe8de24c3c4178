//! The Nexus user-token client: API families, detection, the two-step flow and typed errors.
//!
//! It only does HTTP: it never reads files (except the `--ca-cert` PEM), the keyring or the
//! environment, and never prints. Bodies are never logged or put into errors (they may hold a
//! token).

mod client;
mod detect;
mod error;
mod family;

pub use client::{
    Client, ClientConfig, Detection, TokenAttributes, Trace, UserToken, normalize_base_url,
    parse_ticket, parse_token_json,
};
pub use error::Error;
pub use family::{Family, TicketCarrier};

/// Checks that a username can travel in HTTP Basic auth unchanged: not empty, no `:` (the
/// separator: `a:b` would log in as `a`), no control characters.
pub fn validate_username(username: &str) -> Result<(), &'static str> {
    if username.is_empty() {
        return Err("it is empty");
    }
    if username.contains(':') {
        return Err("it contains `:`, which HTTP Basic authentication cannot carry");
    }
    if username.chars().any(char::is_control) {
        return Err("it contains control characters");
    }
    Ok(())
}

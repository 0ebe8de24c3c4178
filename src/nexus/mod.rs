//! The Nexus user-token client: API families, detection, the two-step flow and typed errors.
//!
//! It only does HTTP: it never reads files (except the `--ca-cert` PEM), the keyring or the
//! environment, and never prints. Bodies are never logged or put into errors (they may hold a
//! token).

mod client;
mod detect;
mod error;
mod family;
mod tls;
mod token_check;

pub use client::{
    Client, ClientConfig, Detection, TokenAttributes, Trace, UserToken, normalize_base_url,
    parse_ticket, parse_token_json,
};
pub use error::{Error, validate_username};
pub use family::{Family, TicketCarrier};
pub use tls::TlsProblem;

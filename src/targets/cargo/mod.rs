//! The Cargo target, served: `$CARGO_HOME/config.toml` names `nexus-token token --format basic`
//! as the credential provider of a registry (`cargo:token-from-stdout`), and Cargo runs it when
//! it needs the `Authorization` header. No token is written to any file. This module holds the
//! pure config editor; the command files own the I/O.

pub mod editor;
mod saved;
pub(crate) mod target;

pub(crate) use saved::KIND;
pub use saved::{CargoRegistry, Flags, Saved};

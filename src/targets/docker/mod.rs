//! The Docker target, served: Docker's `config.json` names nexus-token as the credential helper
//! of a registry, and Docker (or skopeo, Podman, containers/image) runs
//! `docker-credential-nexus-token get` when it needs the credentials. No token is written to any
//! file. This module holds the pure parts: the config editor, the helper protocol and where
//! the helper's link goes; the command files own the I/O and the token lookup.

mod json;

pub mod editor;
pub mod helper;
pub mod link;
mod saved;
pub(crate) mod target;

pub(crate) use saved::KIND;
pub use saved::{Flags, Saved};

pub use json::SyntaxError;

//! The Go target, served: Go's env file (the file `go env -w` writes) puts a Nexus Go proxy first
//! in `GOPROXY` and names `nexus-token goauth` in `GOAUTH`, and Go 1.24+ runs it for the
//! `Authorization` header before its first https fetch, and again after a 4xx. No token is
//! written to any file. This module holds the pure parts (the env file `editor`, the GOAUTH
//! `helper` protocol), the kind's flags and saved section (`saved`) and the seam's `target`;
//! `commands/goauth.rs` owns the helper's I/O.

pub mod editor;
pub mod helper;
mod saved;
pub(crate) mod target;

pub(crate) use saved::KIND;
pub use saved::{Flags, Saved};
pub use target::env_file;

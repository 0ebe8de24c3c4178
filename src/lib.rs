//! nexus-token: fetches a Sonatype Nexus user token and writes it where Maven, Gradle, npm, pip
//! and the other clients read credentials (or serves it to Docker, Cargo and pnpm on demand),
//! keeping the real password in the OS keyring.
//!
//! Data flow of `login`/`refresh` (docs/architecture.md has the picture):
//! 1. `cli` parses the command line; `env` captures paths and variables.
//! 2. `session` (the one token flow) loads the profile and run state (`profile`), checks the
//!    lockout guard, gets the password (`store`, or `ui` for a prompt or stdin), detects the API
//!    family and fetches the token through `nexus`, with `expiry` deciding when to regenerate.
//! 3. `targets` (the one target seam) maps the profile to its targets and plans every file with
//!    the pure editors (`maven`, `gradle`, `targets::<kind>::editor`), text in, text out.
//! 4. `fs` writes the files atomically under a lock; `session` saves the state and the token cache.
//! 5. `ui` prints what happened; `error` and `exit` map failures to exit codes.

pub mod cli;
pub mod commands;
#[cfg(feature = "demo")]
pub mod emulator;
pub mod env;
pub mod env_refs;
pub mod error;
pub mod exit;
pub mod expiry;
pub mod fingerprint;
pub mod fs;
pub mod gradle;
pub(crate) mod imported;
pub mod maven;
pub mod maven_security;
pub mod nexus;
pub mod profile;
pub mod schedule;
pub mod secret;
pub(crate) mod session;
pub mod store;
pub mod targets;
mod text;
pub mod token_input;
pub mod ui;

pub use error::{Error, ExitStatus, Result};
pub use secret::Secret;

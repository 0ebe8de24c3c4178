//! nexus-token: fetches a Sonatype Nexus user token and writes it where Maven and Gradle read
//! credentials, keeping the real password in the OS keyring.
//!
//! Data flow of `login`/`refresh`:
//! 1. `cli` parses the command line; `env` captures paths and variables.
//! 2. `profile` loads the saved profiles and run state.
//! 3. `store` yields the password (OS keyring), or `ui` reads it from a prompt or stdin.
//! 4. `nexus` detects the API family and runs the two-step flow for the user token.
//! 5. `maven` and `gradle` splice the token into the files' text (pure text in, text out).
//! 6. `fs` writes the files atomically under a lock; `profile` saves the state.
//! 7. `ui` prints what happened; `error` maps failures to exit codes.

pub mod cli;
pub mod commands;
#[cfg(feature = "demo")]
pub mod emulator;
pub mod env;
pub mod error;
pub mod exit;
pub mod expiry;
pub mod fs;
pub mod gradle;
pub mod maven;
pub mod maven_security;
pub mod nexus;
pub mod profile;
pub mod schedule;
pub mod secret;
pub(crate) mod session;
pub mod store;
pub mod targets;
pub mod ui;

pub use error::{Error, ExitStatus, Result};
pub use secret::Secret;

//! The integration tests, one crate (one binary to link): the built binary end to end against
//! the emulator, the editors' fixtures and properties, the reliability suite, and the tests that
//! need real parts (gnome-keyring, Maven, Gradle, Java, systemd-analyze, python pty), which are
//! `#[ignore = "needs ..."]` and run through `scripts/test` (`-- --include-ignored`).
//!
//! Every child process starts from an empty environment built by [`support`]: the developer's
//! HOME, XDG folders, profiles and `NEXUS_*` variables never reach a test. Run one module with
//! `cargo test --test it cli_token::`.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::disallowed_methods
)]

mod support;

mod sandbox;

mod cargo_fixtures;
mod cargo_props;
mod cli_doctor;
mod cli_expiry;
mod cli_keyring;
mod cli_rotate;
mod cli_sso;
mod cli_token;
mod cli_workflow;
mod concurrency_cli;
mod crash_cli;
mod docker_fixtures;
mod docker_props;
mod exec_env;
mod failure_paths;
mod faults;
mod file_safety;
mod fs_concurrency;
mod fs_crash;
mod go_cli;
mod go_props;
mod go_real;
mod gradle_fixtures;
mod gradle_init;
mod gradle_java_oracle;
mod gradle_props;
mod gradle_wrapper_real;
mod hostile_input;
mod in_process;
mod keyring_secret_service;
mod maven_fixtures;
mod maven_props;
mod maven_security_real;
mod netrc_fixtures;
mod netrc_props;
mod nexus_client;
mod nexus_client_hostile;
mod npm_cli;
mod npm_real;
mod npmrc_fixtures;
mod npmrc_props;
mod one_owner;
mod pypirc_fixtures;
mod pypirc_props;
mod python_real;
mod python_targets;
mod real_clients;
mod requests_per_refresh;
mod schedule;
mod secret_hygiene;
mod served_e2e;
mod served_real;
mod token_input_props;
mod windows_wine;
mod yarn_cli;
mod yarn_real;
mod yarnrc_fixtures;
mod yarnrc_props;

//! The in-process command runner: `commands::run_in` with a given [`Env`] (always built by the
//! sandbox or `Env::sandboxed`, never from this process's variables), a captured [`Ui`] and a
//! shared in-memory secret store whose failures can be injected. One copy for every test module.

use std::sync::Arc;

use clap::Parser;
use nexus_token::Secret;
use nexus_token::cli::Cli;
use nexus_token::commands::{Context, run_in};
use nexus_token::env::Env;
use nexus_token::store::{Error, MemoryStore, SecretStore};
use nexus_token::ui::Ui;

/// A store handle that shares one [`MemoryStore`] across the runs of one test.
pub struct SharedStore(pub Arc<MemoryStore>);

impl SecretStore for SharedStore {
    fn get(&self, service: &str, user: &str) -> Result<Option<Secret<String>>, Error> {
        self.0.get(service, user)
    }
    fn set(&self, service: &str, user: &str, secret: &Secret<String>) -> Result<(), Error> {
        self.0.set(service, user, secret)
    }
    fn delete(&self, service: &str, user: &str) -> Result<bool, Error> {
        self.0.delete(service, user)
    }
    fn name(&self) -> &'static str {
        "memory"
    }
}

/// What one in-process run returned and printed.
pub struct Outcome {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// stdout and stderr together.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `nexus-token ARGS` in process; `password` stands in for stdin or the prompt.
pub fn run(env: &Env, store: &Arc<MemoryStore>, args: &[&str], password: Option<&str>) -> Outcome {
    let cli = Cli::try_parse_from(std::iter::once("nexus-token").chain(args.iter().copied()))
        .expect("the arguments parse");
    let (ui, captured) = Ui::capture(1);
    let store = store.clone();
    let mut ctx = Context::with_store(
        &cli.global,
        env,
        &ui,
        Box::new(move |_| Ok(Box::new(SharedStore(store.clone())) as Box<dyn SecretStore>)),
    );
    ctx.given_password = password.map(|p| Secret::new(p.to_owned()));
    let code = match run_in(&ctx, cli.command) {
        Ok(status) => status.code(),
        Err(error) => {
            ui.error(&error);
            error.exit_status().code()
        }
    };
    Outcome {
        code,
        stdout: captured.stdout(),
        stderr: captured.stderr(),
    }
}

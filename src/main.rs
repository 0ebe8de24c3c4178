//! The binary: parse the command line, run, render the error chain and hints, exit with the
//! documented code. No behaviour lives here.

use std::process::ExitCode;

use clap::Parser;
use nexus_token::cli::Cli;
use nexus_token::env::Env;
use nexus_token::ui::Ui;

fn main() -> ExitCode {
    nexus_token::secret::harden_process();
    let cli = Cli::parse();
    let env = Env::from_process();
    // First thing after reading the environment, while the process has a single thread.
    nexus_token::store::prepare_process_env(&env);
    let ui = Ui::new(cli.global.quiet, cli.global.verbose, env.color());
    match nexus_token::commands::run(cli, &env, &ui) {
        Ok(status) => ExitCode::from(status.code()),
        Err(error) => {
            ui.error(&error);
            ExitCode::from(error.exit_status().code())
        }
    }
}

//! The binary: parse the command line, run, render the error chain and hints, exit with the
//! documented code. No behaviour lives here.

use std::process::ExitCode;

use clap::Parser;
use nexus_token::cli::Cli;
use nexus_token::commands::credential_helper;
use nexus_token::env::Env;
use nexus_token::ui::Ui;

fn main() -> ExitCode {
    nexus_token::secret::harden_process();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args
        .first()
        .is_some_and(credential_helper::invoked_as_docker_helper)
    {
        let env = Env::from_process();
        nexus_token::store::prepare_process_env(&env);
        let ui = Ui::new(true, 0, false);
        return ExitCode::from(credential_helper::run_docker_helper(&args, &env, &ui));
    }
    let cli = Cli::parse_from(args);
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

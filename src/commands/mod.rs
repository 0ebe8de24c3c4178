//! One file per subcommand; this file dispatches. A command's file decides the order of steps
//! and calls the client, the editors, the store and `fs`; it prints only through `ui`.

use crate::cli::{Cli, Command};
use crate::env::Env;
use crate::error::{Error, ExitStatus, Result};
use crate::ui::Ui;

mod schedule;

/// Runs the parsed command line.
pub fn run(cli: Cli, env: &Env, ui: &Ui) -> Result<ExitStatus> {
    let _ = (env, ui);
    match cli.command {
        Command::Schedule(args) => schedule::run(&args, cli.global.config.as_deref(), env, ui),
        Command::Login(_)
        | Command::Refresh(_)
        | Command::Status(_)
        | Command::Token(_)
        | Command::Logout(_)
        | Command::Rotate(_)
        | Command::Doctor(_)
        | Command::Demo(_)
        | Command::Emulator(_) => Err(Error::other(
            ExitStatus::Failure,
            "not implemented yet",
            None,
        )),
    }
}

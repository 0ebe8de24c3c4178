//! One file per subcommand; this file dispatches. A command's file decides the order of steps
//! and calls the client, the editors, the store and `fs`; it prints only through `ui`.

mod emulator;
mod token;

use crate::cli::{Cli, Command};
use crate::env::Env;
use crate::error::{Error, ExitStatus, Result};
use crate::ui::Ui;

/// Runs the parsed command line.
pub fn run(cli: Cli, env: &Env, ui: &Ui) -> Result<ExitStatus> {
    match cli.command {
        Command::Token(args) => token::run(&args, env, ui),
        Command::Emulator(args) => emulator::run(&args, ui),
        Command::Login(_)
        | Command::Refresh(_)
        | Command::Status(_)
        | Command::Logout(_)
        | Command::Rotate(_)
        | Command::Schedule(_)
        | Command::Doctor(_)
        | Command::Demo(_) => Err(Error::other(
            ExitStatus::Failure,
            "not implemented yet",
            None,
        )),
    }
}

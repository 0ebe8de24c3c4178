//! The hidden `emulator` command: serves the built-in Nexus emulator on 127.0.0.1 until killed
//! (benchmarks, experiments). Prints the base URL as one line on stdout, nothing else.

use std::io::BufRead;

use crate::cli::EmulatorArgs;
use crate::emulator::{Emulator, EmulatorConfig};
use crate::error::{Error, ExitStatus, Result};
use crate::ui::Ui;

/// Runs `emulator`; returns only on a start-up failure.
pub(super) fn run(args: &EmulatorArgs, ui: &Ui) -> Result<ExitStatus> {
    let mut config = EmulatorConfig::new(args.family);
    if args.users_stdin {
        let mut any = false;
        for line in std::io::stdin().lock().lines() {
            let line = line.map_err(|e| {
                Error::other(ExitStatus::Failure, format!("cannot read users: {e}"), None)
            })?;
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let Some((user, password)) = line.split_once(':') else {
                return Err(Error::usage(
                    "a line of `--users-stdin` has no `:`",
                    Some("give one `user:password` per line".to_owned()),
                ));
            };
            config = config.user(user, password);
            any = true;
        }
        if !any {
            config = config.user("alice", "demo-password");
        }
    } else {
        config = config.user("alice", "demo-password");
    }
    let emulator = Emulator::start_on(config, args.port).map_err(|e| {
        Error::other(
            ExitStatus::Failure,
            format!("cannot start the emulator on 127.0.0.1:{}: {e}", args.port),
            Some("pick another `--port`, or 0 for a free one".to_owned()),
        )
    })?;
    ui.data(&emulator.base_url());
    loop {
        std::thread::park();
    }
}

//! `schedule`: installs, replaces, removes or prints the periodic `refresh`. It picks the
//! scheduler and gathers the parameters (binary path, profiles file, interval, seed); the
//! rendering and the effects live in `crate::schedule`. It never runs `refresh` itself.

use std::path::Path;

use crate::cli::{ScheduleArgs, ScheduleKind};
use crate::env::Env;
use crate::error::{Error, ExitStatus, Result};
use crate::schedule::{self, Params, Targets};
use crate::ui::Ui;

const ALL_KINDS: [ScheduleKind; 4] = [
    ScheduleKind::Systemd,
    ScheduleKind::Launchd,
    ScheduleKind::Cron,
    ScheduleKind::Schtasks,
];

/// Runs `schedule`. `config` is the global `--config` (or `NEXUS_TOKEN_CONFIG`), passed on to
/// the scheduled `refresh` so it reads the same profiles.
pub(super) fn run(
    args: &ScheduleArgs,
    config: Option<&Path>,
    env: &Env,
    ui: &Ui,
) -> Result<ExitStatus> {
    let targets = Targets::from_env(env);
    if args.remove {
        return remove(args.kind, &targets, ui);
    }
    let every = schedule::parse_interval(&args.every).map_err(|e| {
        Error::usage(
            e.to_string(),
            Some("pass e.g. `--every 12h` (the default), `--every 30m` or `--every 1d`".to_owned()),
        )
    })?;
    let kind = args.kind.unwrap_or_else(|| schedule::default_kind(env));
    let params = params(every, config, env)?;
    if kind == ScheduleKind::Cron && schedule::cron_interval(every) != every {
        ui.warn(&format!(
            "cron cannot run every {}: the line runs every {}",
            schedule::format_interval(every),
            schedule::format_interval(schedule::cron_interval(every))
        ));
    }
    if args.print {
        for (index, (place, text)) in schedule::rendered(kind, &targets, &params)
            .into_iter()
            .enumerate()
        {
            if index > 0 {
                ui.data("");
            }
            ui.step(&format!("# {place}"));
            ui.data(&text);
        }
        return Ok(ExitStatus::Success);
    }
    schedule::install(kind, &targets, &params, ui)?;
    for other in schedule::installed_all(&targets) {
        if other.kind != kind {
            ui.warn(&format!(
                "another schedule is installed too ({other}): remove it with `nexus-token \
                 schedule --remove --kind {}`",
                schedule::kind_name(other.kind)
            ));
        }
    }
    Ok(ExitStatus::Success)
}

/// Removes the schedule of `kind`, or of every kind when none is given.
fn remove(kind: Option<ScheduleKind>, targets: &Targets, ui: &Ui) -> Result<ExitStatus> {
    let kinds = kind.map_or_else(|| ALL_KINDS.to_vec(), |kind| vec![kind]);
    let mut removed = false;
    for kind in kinds {
        removed |= schedule::remove(kind, targets, ui)?;
    }
    if !removed {
        let what = kind.map_or_else(String::new, |kind| {
            format!("{} ", schedule::kind_name(kind))
        });
        ui.step(&format!(
            "no {what}schedule is installed: nothing to remove"
        ));
    }
    Ok(ExitStatus::Success)
}

/// The renderers' parameters for this process and user.
fn params(every: std::time::Duration, config: Option<&Path>, env: &Env) -> Result<Params> {
    let exe = env.current_exe().map_err(|e| {
        Error::other(
            ExitStatus::Failure,
            format!("cannot find the path of the running `nexus-token`: {e}"),
            None,
        )
    })?;
    let exe = utf8(&exe, "the `nexus-token` binary")?;
    let config = match config {
        Some(config) => {
            let absolute = std::path::absolute(config)
                .map_err(|e| Error::file(config, "resolve the path of", e))?;
            Some(utf8(&absolute, "the profiles file")?)
        }
        None => None,
    };
    let log_file = env
        .home
        .join("Library")
        .join("Logs")
        .join("nexus-token.log");
    Ok(Params {
        exe,
        config,
        every,
        seed: schedule::machine_seed(env),
        uid: schedule::current_uid(),
        log_file: log_file.to_string_lossy().into_owned(),
    })
}

fn utf8(path: &Path, what: &str) -> Result<String> {
    path.to_str().map(str::to_owned).ok_or_else(|| {
        Error::other(
            ExitStatus::Failure,
            format!(
                "the path of {what} is not UTF-8: `{}`",
                path.to_string_lossy()
            ),
            Some("move it to a path a scheduler can name".to_owned()),
        )
    })
}

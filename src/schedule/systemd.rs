//! The systemd backend: renders the user service and timer (pure), installs them with
//! `systemctl --user` and removes them.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) const SERVICE_TEMPLATE: &str =
    include_str!("../../templates/systemd/nexus-token-refresh.service");

pub(super) const TIMER_TEMPLATE: &str =
    include_str!("../../templates/systemd/nexus-token-refresh.timer");

/// Comment text that carries the interval in the systemd units and the plist.
pub(super) const UNIT_EVERY: &str = "nexus-token schedule: every ";

/// Renders the systemd user service and timer, in that order.
pub fn render_systemd(params: &Params) -> (String, String) {
    let every = format_interval(params.every);
    let exec_start = params
        .argv()
        .iter()
        .map(|arg| systemd_quote(arg))
        .collect::<Vec<_>>()
        .join(" ");
    let service = fill(
        SERVICE_TEMPLATE,
        &[("every", &every), ("exec_start", &exec_start)],
    );
    let when = match Cadence::new(params.every, params.seed) {
        Cadence::Minutes { step, offset } => {
            format!("OnCalendar=*-*-* *:{offset:02}/{step}:00\nPersistent=true")
        }
        Cadence::Hours {
            step: 24,
            offset,
            minute,
        } => format!("OnCalendar=*-*-* {offset:02}:{minute:02}:00\nPersistent=true"),
        Cadence::Hours {
            step,
            offset,
            minute,
        } => format!("OnCalendar=*-*-* {offset:02}/{step}:{minute:02}:00\nPersistent=true"),
        Cadence::Interval(every) => format!(
            "OnStartupSec={STARTUP_DELAY}\nOnUnitActiveSec={}s",
            every.as_secs()
        ),
    };
    // A small random delay on top of the per-machine offset: a tenth of the interval, at most
    // ten minutes.
    let delay = (params.every.as_secs() / 10).min(600).to_string();
    let timer = fill(
        TIMER_TEMPLATE,
        &[("every", &every), ("when", &when), ("delay_secs", &delay)],
    );
    (service, timer)
}

pub(super) fn install_systemd(targets: &Targets, params: &Params, ui: &Ui) -> Result<()> {
    let (service, timer) = render_systemd(params);
    let (service_path, timer_path) = targets.systemd_files();
    report_write(
        ui,
        &service_path,
        write_if_changed(&service_path, &service)?,
    );
    report_write(ui, &timer_path, write_if_changed(&timer_path, &timer)?);
    if !targets.run_tools {
        ui.step("NEXUS_TOKEN_SCHEDULE_DIR is set: `systemctl` was not run");
        return Ok(());
    }
    // `restart` makes a changed timer take effect; it does not run the refresh.
    for args in [
        &["--user", "daemon-reload"][..],
        &["--user", "enable", SYSTEMD_TIMER],
        &["--user", "restart", SYSTEMD_TIMER],
    ] {
        if let Err(why) = run_tool("systemctl", args, None) {
            return Err(Error::other(
                ExitStatus::Failure,
                format!("wrote the units but could not start the timer: {why}"),
                Some(enable_hint()),
            ));
        }
    }
    ui.step(&format!(
        "timer started: see the next run with `systemctl --user list-timers {SYSTEMD_TIMER}`"
    ));
    Ok(())
}

pub(super) fn remove_systemd(targets: &Targets, ui: &Ui) -> Result<bool> {
    let (service, timer) = targets.systemd_files();
    if !service.exists() && !timer.exists() {
        return Ok(false);
    }
    if targets.run_tools
        && let Err(why) = run_tool(
            "systemctl",
            &["--user", "disable", "--now", SYSTEMD_TIMER],
            None,
        )
    {
        ui.warn(&format!("could not stop the timer: {why}"));
    }
    // `enable` links the timer from `timers.target.wants/`; `disable` removes the link, but it
    // stays behind when `systemctl` could not run.
    let wanted = targets
        .systemd_dir
        .join("timers.target.wants")
        .join(SYSTEMD_TIMER);
    for path in [&wanted, &timer, &service] {
        if remove_file(path)? {
            ui.step(&format!("removed `{}`", path.display()));
        }
    }
    if targets.run_tools
        && let Err(why) = run_tool("systemctl", &["--user", "daemon-reload"], None)
    {
        ui.warn(&why);
    }
    Ok(true)
}

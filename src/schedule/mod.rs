//! Periodic `refresh`: parses `--every`, renders the systemd user service and timer, the launchd
//! agent, the crontab line and the Windows Task Scheduler task from `templates/`, edits crontab
//! text, and installs or removes them (files, `systemctl --user`, `launchctl`, `crontab`,
//! `schtasks`). It also tells `doctor`/`status` whether a schedule is installed.
//!
//! The renderers and the crontab editors are pure (text in, text out) and hold the rules; the
//! effects below them only write, delete and run the scheduler's tool. It never reads a secret
//! and never runs `refresh` itself. `NEXUS_TOKEN_SCHEDULE_DIR` and `NEXUS_TOKEN_CRONTAB` (see
//! [`Targets`]) redirect every effect into files and switch the scheduler tools off, for tests.
//!
//! A fleet must not hit Nexus at once, and installing twice must give the same files: the run
//! times get an offset derived from a stable per-machine, per-user seed ([`machine_seed`]), and
//! the systemd timer adds a small `RandomizedDelaySec` on top.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::env::Env;
use crate::error::{Error, ExitStatus, Result};
use crate::ui::Ui;

mod cron;
mod interval;
mod launchd;
mod quote;
mod schtasks;
mod systemd;
mod tool;

#[allow(clippy::wildcard_imports)]
use cron::*;
pub use cron::{Crontab, cron_line_in, crontab_with, crontab_without, render_cron_line};
#[allow(clippy::wildcard_imports)]
use interval::*;
pub use interval::{
    Cadence, IntervalError, MAX_INTERVAL, MIN_INTERVAL, cron_interval, format_interval,
    parse_interval,
};
pub use launchd::render_launchd;
#[allow(clippy::wildcard_imports)]
use launchd::*;
#[allow(clippy::wildcard_imports)]
use quote::*;
pub use quote::{sh_quote, systemd_quote, windows_quote};
#[allow(clippy::wildcard_imports)]
use schtasks::*;
pub use schtasks::{SCHTASKS_NAME, render_schtasks};
pub use systemd::render_systemd;
#[allow(clippy::wildcard_imports)]
use systemd::*;
#[allow(clippy::wildcard_imports)]
use tool::*;

/// The schedulers (`schedule --kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScheduleKind {
    /// A systemd user service and timer (Linux).
    Systemd,
    /// A launchd agent (macOS).
    Launchd,
    /// A crontab line.
    Cron,
    /// A task of the Windows Task Scheduler (`schtasks`).
    Schtasks,
}

/// Name of the systemd service unit.
pub const SYSTEMD_SERVICE: &str = "nexus-token-refresh.service";

/// Name of the systemd timer unit.
pub const SYSTEMD_TIMER: &str = "nexus-token-refresh.timer";

/// The launchd agent's label (its plist is `<label>.plist`).
pub const LAUNCHD_LABEL: &str = "io.github.nexus-token.refresh";

/// Marks our crontab line: install and remove touch only lines holding it.
pub const CRON_MARKER: &str = "# nexus-token refresh";

/// Everything the renderers need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Absolute path of the `nexus-token` binary to run.
    pub exe: String,
    /// `--config FILE` to pass, when a non-default profiles file is in use (absolute).
    pub config: Option<String>,
    /// How often to refresh.
    pub every: Duration,
    /// Stable per-machine number the run-time offsets come from ([`machine_seed`]).
    pub seed: u64,
    /// The user's numeric id (for the cron bus address and `launchctl`).
    pub uid: u32,
    /// Where the launchd agent sends its output.
    pub log_file: String,
}

impl Params {
    /// The command the schedule runs, one argument per item.
    pub fn argv(&self) -> Vec<&str> {
        let mut argv = vec![self.exe.as_str(), "refresh", "-q"];
        if let Some(config) = &self.config {
            argv.push("--config");
            argv.push(config);
        }
        argv
    }
}

fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    out
}

/// A stable number for this machine and user, so offsets differ across a fleet but stay the
/// same when `schedule` runs again: SHA-256 of the user, home, `/etc/machine-id` and
/// `/etc/hostname` (the files where they exist).
pub fn machine_seed(env: &Env) -> u64 {
    let mut hash = Sha256::new();
    hash.update(env.var("USER").unwrap_or_default().as_bytes());
    hash.update([0]);
    hash.update(env.home.to_string_lossy().as_bytes());
    for file in ["/etc/machine-id", "/etc/hostname"] {
        hash.update([0]);
        if let Ok(text) = std::fs::read_to_string(file) {
            hash.update(text.trim().as_bytes());
        }
    }
    // Windows has neither file (nor `USER`): its user and computer names stand in. Only there,
    // so the seed (and the run times) of an installed Unix schedule never change.
    if cfg!(windows) {
        for key in ["USERNAME", "COMPUTERNAME"] {
            hash.update([0]);
            hash.update(env.var(key).unwrap_or_default().as_bytes());
        }
    }
    let digest = hash.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// The current user's numeric id (0 where there is none, e.g. Windows).
pub fn current_uid() -> u32 {
    #[cfg(unix)]
    {
        rustix::process::getuid().as_raw()
    }
    #[cfg(not(unix))]
    {
        0
    }
}

/// Whether `program` is an executable file on `PATH`.
fn on_path(env: &Env, program: &str) -> bool {
    env.var("PATH").is_some_and(|path| {
        std::env::split_paths(path).any(|dir| {
            let candidate = dir.join(program);
            candidate.is_file()
        })
    })
}

/// The scheduler used without `--kind`: the Task Scheduler on Windows, launchd on macOS, systemd
/// on Linux when `systemctl` is on `PATH`, cron otherwise.
pub fn default_kind(env: &Env) -> ScheduleKind {
    if cfg!(windows) {
        ScheduleKind::Schtasks
    } else if cfg!(target_os = "macos") {
        ScheduleKind::Launchd
    } else if cfg!(target_os = "linux") && on_path(env, "systemctl") {
        ScheduleKind::Systemd
    } else {
        ScheduleKind::Cron
    }
}

/// A scheduler's name as the user types it in `--kind`.
pub fn kind_name(kind: ScheduleKind) -> &'static str {
    match kind {
        ScheduleKind::Systemd => "systemd",
        ScheduleKind::Launchd => "launchd",
        ScheduleKind::Cron => "cron",
        ScheduleKind::Schtasks => "schtasks",
    }
}

/// Where schedules are installed, and whether the scheduler tools run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// Directory of the systemd user units.
    pub systemd_dir: PathBuf,
    /// Directory of the launchd agent's plist.
    pub launchd_dir: PathBuf,
    /// The crontab.
    pub crontab: Crontab,
    /// Where the Task Scheduler task's definition is kept (the state folder).
    pub schtasks_dir: PathBuf,
    /// Whether `systemctl`, `launchctl` and `crontab` are run. Off when either redirect
    /// variable is set: a test must never touch the real schedulers.
    pub run_tools: bool,
}

impl Targets {
    /// The real places, or the ones `NEXUS_TOKEN_SCHEDULE_DIR` (units; its `crontab` file
    /// unless `NEXUS_TOKEN_CRONTAB` names another) and `NEXUS_TOKEN_CRONTAB` redirect to.
    pub fn from_env(env: &Env) -> Targets {
        let dir = env.schedule_dir();
        let crontab = match (env.crontab_file(), &dir) {
            (Some(file), _) => Crontab::File(file),
            (None, Some(dir)) => Crontab::File(dir.join("crontab")),
            (None, None) => Crontab::Command,
        };
        Targets {
            systemd_dir: dir
                .clone()
                .unwrap_or_else(|| env.xdg_config_home().join("systemd").join("user")),
            launchd_dir: dir
                .clone()
                .unwrap_or_else(|| env.home.join("Library").join("LaunchAgents")),
            schtasks_dir: dir.clone().unwrap_or_else(|| env.state_dir.clone()),
            run_tools: dir.is_none() && env.crontab_file().is_none(),
            crontab,
        }
    }

    /// The systemd service and timer files.
    pub fn systemd_files(&self) -> (PathBuf, PathBuf) {
        (
            self.systemd_dir.join(SYSTEMD_SERVICE),
            self.systemd_dir.join(SYSTEMD_TIMER),
        )
    }

    /// The launchd plist.
    pub fn launchd_file(&self) -> PathBuf {
        self.launchd_dir.join(format!("{LAUNCHD_LABEL}.plist"))
    }

    /// The Task Scheduler task's definition, as registered.
    pub fn schtasks_file(&self) -> PathBuf {
        self.schtasks_dir.join(format!("{SCHTASKS_NAME}.xml"))
    }
}

/// An installed schedule, for `doctor` and `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// Which scheduler.
    pub kind: ScheduleKind,
    /// The timer, plist, task definition or crontab file; `None` for the user's crontab.
    pub path: Option<PathBuf>,
    /// The interval, when the unit or line says it.
    pub every: Option<Duration>,
}

impl fmt::Display for Installed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{} `{}`", kind_name(self.kind), path.display())?,
            None => write!(f, "{} (user crontab)", kind_name(self.kind))?,
        }
        if let Some(every) = self.every {
            write!(f, ", every {}", format_interval(every))?;
        }
        Ok(())
    }
}

/// The installed schedule, if any: the systemd timer, else the launchd agent, else the Task
/// Scheduler task, else our crontab line. A crontab that cannot be read counts as none.
pub fn installed(env: &Env) -> Option<Installed> {
    installed_all(&Targets::from_env(env)).into_iter().next()
}

/// Every installed schedule (normally at most one).
pub fn installed_all(targets: &Targets) -> Vec<Installed> {
    let mut found = Vec::new();
    let (_, timer) = targets.systemd_files();
    if let Ok(text) = std::fs::read_to_string(&timer) {
        found.push(Installed {
            kind: ScheduleKind::Systemd,
            every: every_after(&text, UNIT_EVERY),
            path: Some(timer),
        });
    }
    let plist = targets.launchd_file();
    if let Ok(text) = std::fs::read_to_string(&plist) {
        found.push(Installed {
            kind: ScheduleKind::Launchd,
            every: every_after(&text, UNIT_EVERY),
            path: Some(plist),
        });
    }
    let task = targets.schtasks_file();
    if let Some(text) = std::fs::read(&task)
        .ok()
        .and_then(|bytes| read_task_file(&bytes))
    {
        found.push(Installed {
            kind: ScheduleKind::Schtasks,
            every: every_after(&text, UNIT_EVERY),
            path: Some(task),
        });
    }
    if let Ok(Some(text)) = read_crontab(&targets.crontab)
        && let Some(line) = cron_line_in(&text)
    {
        found.push(Installed {
            kind: ScheduleKind::Cron,
            every: every_after(line, CRON_EVERY),
            path: match &targets.crontab {
                Crontab::File(path) => Some(path.clone()),
                Crontab::Command => None,
            },
        });
    }
    found
}

/// The files (or crontab) a kind writes and their rendered text, for `--print`.
pub fn rendered(kind: ScheduleKind, targets: &Targets, params: &Params) -> Vec<(String, String)> {
    match kind {
        ScheduleKind::Systemd => {
            let (service, timer) = render_systemd(params);
            let (service_path, timer_path) = targets.systemd_files();
            vec![
                (service_path.display().to_string(), service),
                (timer_path.display().to_string(), timer),
            ]
        }
        ScheduleKind::Launchd => vec![(
            targets.launchd_file().display().to_string(),
            render_launchd(params),
        )],
        ScheduleKind::Cron => {
            let place = match &targets.crontab {
                Crontab::File(path) => path.display().to_string(),
                Crontab::Command => "crontab".to_owned(),
            };
            vec![(place, format!("{}\n", render_cron_line(params)))]
        }
        ScheduleKind::Schtasks => vec![(
            targets.schtasks_file().display().to_string(),
            render_schtasks(params),
        )],
    }
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename, so a
/// reader sees the old or the new file, never half of one. Creates the directory.
// A private helper until `crate::fs` offers its atomic write.
fn write_atomic(path: &Path, text: impl AsRef<[u8]>) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_ref())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes `text` unless the file already holds it; returns whether it wrote.
fn write_if_changed(path: &Path, text: &str) -> Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(false);
    }
    write_atomic(path, text).map_err(|e| Error::file(path, "write", e))?;
    Ok(true)
}

/// Deletes `path`; returns whether it existed.
fn remove_file(path: &Path) -> Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::file(path, "remove", e)),
    }
}

fn enable_hint() -> String {
    format!(
        "run `systemctl --user daemon-reload && systemctl --user enable --now {SYSTEMD_TIMER}` \
         in your login session (it needs a running user manager), or use `nexus-token schedule \
         --kind cron`"
    )
}

/// Installs `kind`: writes its files or crontab line (replacing ours, never adding a second)
/// and, unless redirected, enables it with the scheduler's tool. A systemd user manager that
/// cannot be reached is an error (exit 1) after the units are written, with the command that
/// finishes the job.
pub fn install(kind: ScheduleKind, targets: &Targets, params: &Params, ui: &Ui) -> Result<()> {
    match kind {
        ScheduleKind::Systemd => install_systemd(targets, params, ui),
        ScheduleKind::Launchd => install_launchd(targets, params, ui),
        ScheduleKind::Cron => install_cron(targets, params, ui),
        ScheduleKind::Schtasks => install_schtasks(targets, params, ui),
    }
}

fn report_write(ui: &Ui, path: &Path, changed: bool) {
    if changed {
        ui.step(&format!("wrote `{}`", path.display()));
    } else {
        ui.step(&format!("`{}` is up to date", path.display()));
    }
}

/// Removes `kind` if installed: stops it (unless redirected), deletes its files or our crontab
/// line, and says what it removed. Returns whether anything was there.
pub fn remove(kind: ScheduleKind, targets: &Targets, ui: &Ui) -> Result<bool> {
    match kind {
        ScheduleKind::Systemd => remove_systemd(targets, ui),
        ScheduleKind::Launchd => remove_launchd(targets, ui),
        ScheduleKind::Cron => remove_cron(targets, ui),
        ScheduleKind::Schtasks => remove_schtasks(targets, ui),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(every: &str) -> Params {
        Params {
            exe: "/opt/nexus token/bin/nexus-token".to_owned(),
            config: None,
            every: parse_interval(every).unwrap(),
            seed: 12_345,
            uid: 1000,
            log_file: "/Users/a/Library/Logs/nexus-token.log".to_owned(),
        }
    }

    #[test]
    fn intervals_parse_with_units_and_refuse_nonsense() {
        let ok = [
            ("12h", 12 * 3600),
            ("30m", 1800),
            ("1d", 86_400),
            ("400s", 400),
            ("1h30m", 5400),
            (" 5m ", 300),
            ("30d", 30 * 86_400),
        ];
        for (text, secs) in ok {
            assert_eq!(
                parse_interval(text),
                Ok(Duration::from_secs(secs)),
                "`{text}` is read as {secs} seconds"
            );
        }
        for text in ["", "12", "h", "12x", "1.5h", "-1h", "12 h", "twelve hours"] {
            assert!(
                matches!(parse_interval(text), Err(IntervalError::Invalid(_))),
                "`{text}` is refused as not an interval"
            );
        }
        for text in ["90s", "4m", "0h", "299s"] {
            assert!(
                matches!(parse_interval(text), Err(IntervalError::TooShort(_))),
                "`{text}` is refused as shorter than 5 minutes"
            );
        }
        for text in ["31d", "99999999999999999999d", "18446744073709551615d"] {
            assert!(
                matches!(parse_interval(text), Err(IntervalError::TooLong(_))),
                "`{text}` is refused as too long"
            );
        }
    }

    #[test]
    fn formatted_intervals_read_back() {
        for text in ["5m", "90m", "12h", "1d", "400s", "36h"] {
            let every = parse_interval(text).unwrap();
            assert_eq!(format_interval(every), text, "`{text}` formats to itself");
        }
    }

    #[test]
    fn cadence_follows_the_calendar_when_it_can() {
        assert_eq!(
            Cadence::new(Duration::from_secs(1800), 7),
            Cadence::Minutes {
                step: 30,
                offset: 7
            }
        );
        assert_eq!(
            Cadence::new(Duration::from_secs(12 * 3600), 60 * 5 + 17),
            Cadence::Hours {
                step: 12,
                offset: 5,
                minute: 17
            }
        );
        assert_eq!(
            Cadence::new(Duration::from_secs(86_400), 60 * 23 + 59),
            Cadence::Hours {
                step: 24,
                offset: 23,
                minute: 59
            }
        );
        for secs in [7 * 3600, 400, 2 * 86_400, 90 * 60] {
            assert_eq!(
                Cadence::new(Duration::from_secs(secs), 1),
                Cadence::Interval(Duration::from_secs(secs)),
                "{secs}s divides neither an hour nor a day"
            );
        }
    }

    #[test]
    fn cron_shortens_intervals_it_cannot_express() {
        let cases = [
            ("7h", "6h"),
            ("12h", "12h"),
            ("2d", "1d"),
            ("90m", "1h"),
            ("7m", "6m"),
            ("5m", "5m"),
        ];
        for (asked, got) in cases {
            assert_eq!(
                format_interval(cron_interval(parse_interval(asked).unwrap())),
                got,
                "cron runs `{asked}` as every `{got}`"
            );
        }
    }

    #[test]
    fn systemd_units_quote_the_path_and_carry_the_interval() {
        let mut p = params("12h");
        p.config = Some("/home/a/100% sure/$cfg.toml".to_owned());
        let (service, timer) = render_systemd(&p);
        assert!(
            service.contains(
                "ExecStart=\"/opt/nexus token/bin/nexus-token\" \"refresh\" \"-q\" \"--config\" \"/home/a/100%% sure/$$cfg.toml\"\n"
            ),
            "ExecStart quotes every argument and escapes % and $: {service}"
        );
        assert!(service.contains("Type=oneshot"), "the service is a oneshot");
        assert!(
            timer.contains("OnCalendar=*-*-* 01/12:45:00\nPersistent=true"),
            "a 12h timer runs at a per-machine hour and minute: {timer}"
        );
        assert!(timer.contains("RandomizedDelaySec=600"), "{timer}");
        assert!(!timer.contains("{{"), "every placeholder is filled");
        assert_eq!(every_after(&timer, UNIT_EVERY), Some(p.every));
        assert_eq!(every_after(&service, UNIT_EVERY), Some(p.every));
    }

    #[test]
    fn systemd_timer_counts_from_the_last_run_for_odd_intervals() {
        let (_, timer) = render_systemd(&params("7h"));
        assert!(
            timer.contains("OnStartupSec=5min\nOnUnitActiveSec=25200s\n"),
            "{timer}"
        );
        assert!(
            !timer.contains("Persistent"),
            "Persistent= only applies to OnCalendar="
        );
    }

    #[test]
    fn cron_line_sets_the_bus_quotes_and_escapes_percent() {
        let mut p = params("12h");
        p.config = Some("/c/it's 100%.toml".to_owned());
        let line = render_cron_line(&p);
        assert_eq!(
            line,
            "45 1,13 * * * DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus \
             '/opt/nexus token/bin/nexus-token' refresh -q --config '/c/it'\\''s 100\\%.toml' \
             # nexus-token refresh, every 12h"
        );
        assert_eq!(every_after(&line, CRON_EVERY), Some(p.every));
        assert_eq!(
            render_cron_line(&params("30m")).split(' ').next(),
            Some("15,45"),
            "a 30m line runs at two per-machine minutes"
        );
    }

    #[test]
    fn launchd_plist_has_the_label_arguments_and_calendar() {
        let plist = render_launchd(&params("6h"));
        assert!(plist.contains(&format!("<string>{LAUNCHD_LABEL}</string>")));
        assert!(plist.contains("\t\t<string>/opt/nexus token/bin/nexus-token</string>\n\t\t<string>refresh</string>\n\t\t<string>-q</string>\n"));
        // seed 12345: minute 45, hour offset 205 % 6 = 1
        for hour in [1, 7, 13, 19] {
            assert!(
                plist.contains(&format!(
                    "<dict><key>Hour</key><integer>{hour}</integer><key>Minute</key><integer>45</integer></dict>"
                )),
                "a 6h agent runs at hour {hour}: {plist}"
            );
        }
        assert!(
            render_launchd(&params("7h"))
                .contains("<key>StartInterval</key>\n\t<integer>25200</integer>")
        );
        let mut p = params("6h");
        p.exe = "/a&b/<x>".to_owned();
        assert!(render_launchd(&p).contains("<string>/a&amp;b/&lt;x&gt;</string>"));
    }

    #[test]
    fn schtasks_task_has_the_offsets_quoted_command_and_interval() {
        let mut p = params("12h");
        p.exe = r"C:\Program Files\nexus-token\nexus-token.exe".to_owned();
        p.config = Some(r#"C:\Users\a\my "cfg"\p & q.toml"#.to_owned());
        let task = render_schtasks(&p);
        // seed 12345: minute 45, hour offset 205 % 12 = 1, as the systemd timer's 01/12:45.
        assert!(
            task.contains("<StartBoundary>2020-01-01T01:45:00</StartBoundary>")
                && task.contains("<Interval>PT12H</Interval>")
                && task.contains("<DaysInterval>1</DaysInterval>"),
            "a 12h task starts at the per-machine hour and minute and repeats every 12h: {task}"
        );
        assert!(
            task.contains("<RandomDelay>PT10M</RandomDelay>"),
            "the same random delay as the timer: {task}"
        );
        assert!(
            task.contains(
                r"<Command>&quot;C:\Program Files\nexus-token\nexus-token.exe&quot;</Command>"
            ),
            "the program is quoted for its space: {task}"
        );
        assert!(
            task.contains(
                r"<Arguments>refresh -q --config &quot;C:\Users\a\my \&quot;cfg\&quot;\p &amp; q.toml&quot;</Arguments>"
            ),
            "arguments are quoted for CommandLineToArgvW, then escaped for XML: {task}"
        );
        assert!(task.contains(r"<URI>\nexus-token-refresh</URI>"));
        assert!(task.contains("<LogonType>InteractiveToken</LogonType>"));
        assert!(!task.contains("{{"), "every placeholder is filled");
        assert_eq!(every_after(&task, UNIT_EVERY), Some(p.every));
        let daily = render_schtasks(&params("1d"));
        assert!(
            daily.contains("T13:45:00") && !daily.contains("<Repetition>"),
            "a daily task runs once a day at its time: {daily}"
        );
        let minutes = render_schtasks(&params("30m"));
        assert!(
            minutes.contains("T00:15:00") && minutes.contains("<Interval>PT30M</Interval>"),
            "{minutes}"
        );
        let odd = render_schtasks(&params("7h"));
        assert!(
            odd.contains("<TimeTrigger>") && odd.contains("<Interval>PT7H</Interval>"),
            "intervals that divide no day count from a start time: {odd}"
        );
        assert!(render_schtasks(&params("2d")).contains("<DaysInterval>2</DaysInterval>"));
        assert_eq!(
            render_schtasks(&params("12h")),
            render_schtasks(&params("12h")),
            "the same machine renders the same task"
        );
    }

    #[test]
    fn schtasks_file_is_utf16_with_a_bom_and_reads_back() {
        let text = render_schtasks(&params("6h"));
        let bytes = utf16_file(&text);
        assert_eq!(&bytes[..4], &[0xff, 0xfe, b'<', 0], "UTF-16LE with a BOM");
        assert!(
            bytes.windows(4).any(|w| w == [b'\r', 0, b'\n', 0]),
            "CRLF line ends"
        );
        assert_eq!(read_task_file(&bytes).as_deref(), Some(text.as_str()));
        assert_eq!(read_task_file(&[0xff, 0xfe, 0]), None, "an odd byte count");
    }

    #[test]
    fn windows_quote_follows_the_c_runtime_rules() {
        assert_eq!(windows_quote(r"C:\bin\x.exe"), r"C:\bin\x.exe");
        assert_eq!(windows_quote("a b"), r#""a b""#);
        assert_eq!(windows_quote(""), r#""""#);
        assert_eq!(windows_quote(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(
            windows_quote(r"C:\dir with space\"),
            r#""C:\dir with space\\""#,
            "a trailing backslash is doubled before the closing quote"
        );
        assert_eq!(windows_quote(r#"a\"b c"#), r#""a\\\"b c""#);
    }

    #[test]
    fn install_and_remove_schtasks_in_a_redirect_dir() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::sandboxed(dir.path())
            .with_var("NEXUS_TOKEN_SCHEDULE_DIR", dir.path().to_str().unwrap());
        let targets = Targets::from_env(&env);
        let (ui, out) = Ui::capture(0);
        install(ScheduleKind::Schtasks, &targets, &params("12h"), &ui).unwrap();
        install(ScheduleKind::Schtasks, &targets, &params("12h"), &ui).unwrap();
        assert!(
            out.stderr().contains("is up to date")
                && out.stderr().contains("`schtasks` was not run"),
            "{}",
            out.stderr()
        );
        let file = dir.path().join("nexus-token-refresh.xml");
        assert_eq!(targets.schtasks_file(), file);
        let found = installed(&env).unwrap();
        assert_eq!(
            (found.kind, found.every, found.path),
            (
                ScheduleKind::Schtasks,
                Some(Duration::from_secs(12 * 3600)),
                Some(file.clone())
            )
        );
        assert!(remove(ScheduleKind::Schtasks, &targets, &ui).unwrap());
        assert!(!file.exists());
        assert!(!remove(ScheduleKind::Schtasks, &targets, &ui).unwrap());
        assert_eq!(installed(&env), None);
    }

    #[test]
    fn sh_quote_leaves_safe_words_and_quotes_the_rest() {
        assert_eq!(sh_quote("/usr/bin/nexus-token"), "/usr/bin/nexus-token");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(sh_quote(""), "''");
        assert_eq!(sh_quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn crontab_with_appends_replaces_and_dedupes() {
        let ours = "0 */12 * * * x # nexus-token refresh, every 12h";
        let new = "5 1,13 * * * y # nexus-token refresh, every 12h";
        assert_eq!(crontab_with("", new), format!("{new}\n"));
        assert_eq!(
            crontab_with("MAILTO=a\n1 2 * * * other", new),
            format!("MAILTO=a\n1 2 * * * other\n{new}\n"),
            "a missing final newline is added before our line"
        );
        let existing = format!("# top\n{ours}\n1 2 * * * other\n{ours}\n");
        assert_eq!(
            crontab_with(&existing, new),
            format!("# top\n{new}\n1 2 * * * other\n"),
            "the first marked line is replaced in place and duplicates dropped"
        );
        let once = crontab_with("a\n", new);
        assert_eq!(
            crontab_with(&once, new),
            once,
            "installing twice is a no-op"
        );
    }

    #[test]
    fn crontab_without_keeps_other_lines() {
        let ours = "0 */12 * * * x # nexus-token refresh, every 12h";
        assert_eq!(
            crontab_without(&format!("a\n{ours}\nb\n")),
            "a\nb\n",
            "only our line goes"
        );
        assert_eq!(crontab_without(&format!("{ours}\n")), "");
        assert_eq!(
            crontab_without("a\nb"),
            "a\nb",
            "a crontab without our line is returned unchanged"
        );
    }

    #[test]
    fn redirect_variables_switch_the_tools_off() {
        let env = Env::sandboxed(Path::new("/h"));
        let real = Targets::from_env(&env);
        assert!(real.run_tools);
        assert_eq!(real.systemd_dir, PathBuf::from("/h/.config/systemd/user"));
        assert_eq!(real.crontab, Crontab::Command);
        let xdg = if cfg!(windows) { r"C:\x" } else { "/x" };
        let env = Env::sandboxed(Path::new("/h")).with_var("XDG_CONFIG_HOME", xdg);
        assert_eq!(
            Targets::from_env(&env).systemd_dir,
            Path::new(xdg).join("systemd").join("user")
        );
        let env = Env::sandboxed(Path::new("/h")).with_var("NEXUS_TOKEN_SCHEDULE_DIR", "/s");
        let t = Targets::from_env(&env);
        assert!(!t.run_tools, "a schedule dir means no systemctl");
        assert_eq!(t.crontab, Crontab::File(PathBuf::from("/s/crontab")));
        let env = Env::sandboxed(Path::new("/h")).with_var("NEXUS_TOKEN_CRONTAB", "/c");
        let t = Targets::from_env(&env);
        assert!(!t.run_tools, "a crontab file means no scheduler tools");
        assert_eq!(t.crontab, Crontab::File(PathBuf::from("/c")));
    }

    #[cfg(unix)]
    #[test]
    fn remove_systemd_also_drops_a_left_over_wants_link() {
        let dir = tempfile::tempdir().unwrap();
        let units = dir.path().join("units");
        let env = Env::sandboxed(dir.path())
            .with_var("NEXUS_TOKEN_SCHEDULE_DIR", units.to_str().unwrap());
        let targets = Targets::from_env(&env);
        let (ui, out) = Ui::capture(0);
        install(ScheduleKind::Systemd, &targets, &params("12h"), &ui).unwrap();
        let wants = units.join("timers.target.wants");
        std::fs::create_dir_all(&wants).unwrap();
        let link = wants.join(SYSTEMD_TIMER);
        std::os::unix::fs::symlink(units.join(SYSTEMD_TIMER), &link).unwrap();
        assert_eq!(
            installed(&env).map(|i| (i.kind, i.every)),
            Some((ScheduleKind::Systemd, Some(Duration::from_secs(12 * 3600))))
        );
        assert!(remove(ScheduleKind::Systemd, &targets, &ui).unwrap());
        assert!(
            link.symlink_metadata().is_err(),
            "the enable link is removed with the units"
        );
        assert!(!units.join(SYSTEMD_SERVICE).exists());
        assert!(out.stderr().contains("removed"), "{}", out.stderr());
        assert_eq!(installed(&env), None);
    }

    #[test]
    fn install_and_remove_cron_in_a_file_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("crontab");
        write_atomic(&file, "1 2 * * * other\n").unwrap();
        let env =
            Env::sandboxed(dir.path()).with_var("NEXUS_TOKEN_CRONTAB", file.to_str().unwrap());
        let targets = Targets::from_env(&env);
        let (ui, _out) = Ui::capture(0);
        install(ScheduleKind::Cron, &targets, &params("12h"), &ui).unwrap();
        install(ScheduleKind::Cron, &targets, &params("12h"), &ui).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            text.matches(CRON_MARKER).count(),
            1,
            "one line after two installs"
        );
        let found = installed(&env).unwrap();
        assert_eq!(found.kind, ScheduleKind::Cron);
        assert_eq!(found.every, Some(Duration::from_secs(12 * 3600)));
        assert!(remove(ScheduleKind::Cron, &targets, &ui).unwrap());
        assert!(!remove(ScheduleKind::Cron, &targets, &ui).unwrap());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "1 2 * * * other\n");
        assert_eq!(installed(&env), None);
    }
}

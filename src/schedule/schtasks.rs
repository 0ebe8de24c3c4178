//! The Windows Task Scheduler backend: renders the task definition (Task Scheduler XML, pure),
//! registers it with `schtasks /create /xml`, deletes it with `schtasks /delete`.
//!
//! The definition registered is also kept as a file (UTF-16 with a byte-order mark, the encoding
//! `schtasks` reads on every Windows version), `nexus-token-refresh.xml` in the state folder
//! (`%LOCALAPPDATA%\nexus-token`): it is what `doctor` and `status` read to tell that a task is
//! installed and its interval, as they read the systemd units and the launchd plist, so they
//! never run `schtasks /query` (which Wine does not have).
//!
//! The triggers follow [`Cadence`]: the same per-machine minute and hour offsets as the systemd
//! timer, the launchd agent and the crontab line, and the same small random delay as the timer.
//! `StartWhenAvailable` runs a refresh missed while the machine was off or asleep soon after it
//! is back (systemd's `Persistent=true`). The task runs only while the user is logged on
//! (`InteractiveToken`): that is when the Credential Manager holds the user's credentials.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) const SCHTASKS_TEMPLATE: &str =
    include_str!("../../templates/schtasks/nexus-token-refresh.xml");

/// The task's name in the Task Scheduler (`schtasks /tn`), at the root folder.
pub const SCHTASKS_NAME: &str = "nexus-token-refresh";

/// The fixed first day of every trigger: the day only anchors the local time of day, and a
/// fixed one keeps the rendering the same on every run of `schedule`.
const START_DAY: &str = "2020-01-01";

/// An XML duration (`PT12H`, `PT90M`, `PT400S`, `PT1H30M`).
fn iso_duration(secs: u64) -> String {
    let (hours, minutes, seconds) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::from("PT");
    if hours > 0 {
        out.push_str(&format!("{hours}H"));
    }
    if minutes > 0 {
        out.push_str(&format!("{minutes}M"));
    }
    if seconds > 0 || secs == 0 {
        out.push_str(&format!("{seconds}S"));
    }
    out
}

fn calendar_trigger(hour: u32, minute: u32, days: u64, repeat: Option<u64>, delay: &str) -> String {
    let repetition = repeat.map_or_else(String::new, |secs| {
        format!(
            "      <Repetition>\n        <Interval>{}</Interval>\n        <Duration>P1D</Duration>\n        <StopAtDurationEnd>false</StopAtDurationEnd>\n      </Repetition>\n",
            iso_duration(secs)
        )
    });
    format!(
        "    <CalendarTrigger>\n      <StartBoundary>{START_DAY}T{hour:02}:{minute:02}:00</StartBoundary>\n{repetition}      <RandomDelay>{delay}</RandomDelay>\n      <ScheduleByDay>\n        <DaysInterval>{days}</DaysInterval>\n      </ScheduleByDay>\n    </CalendarTrigger>"
    )
}

/// Renders the task definition (as text; `install_schtasks` writes it as UTF-16).
pub fn render_schtasks(params: &Params) -> String {
    let every = format_interval(params.every);
    // The random delay on top of the per-machine offset: as the systemd timer's, a tenth of the
    // interval, at most ten minutes.
    let delay = iso_duration((params.every.as_secs() / 10).min(600));
    let triggers = match Cadence::new(params.every, params.seed) {
        Cadence::Minutes { step, offset } => {
            calendar_trigger(0, offset, 1, Some(u64::from(step) * 60), &delay)
        }
        Cadence::Hours {
            step: 24,
            offset,
            minute,
        } => calendar_trigger(offset, minute, 1, None, &delay),
        Cadence::Hours {
            step,
            offset,
            minute,
        } => calendar_trigger(offset, minute, 1, Some(u64::from(step) * 3600), &delay),
        Cadence::Interval(every) => {
            // Casts: a remainder below 24 and below 60.
            let hour = ((params.seed / 60) % 24) as u32;
            let minute = (params.seed % 60) as u32;
            let secs = every.as_secs();
            if secs.is_multiple_of(86_400) {
                calendar_trigger(hour, minute, secs / 86_400, None, &delay)
            } else {
                format!(
                    "    <TimeTrigger>\n      <StartBoundary>{START_DAY}T{hour:02}:{minute:02}:00</StartBoundary>\n      <Repetition>\n        <Interval>{}</Interval>\n        <StopAtDurationEnd>false</StopAtDurationEnd>\n      </Repetition>\n      <RandomDelay>{delay}</RandomDelay>\n    </TimeTrigger>",
                    iso_duration(secs)
                )
            }
        }
    };
    let argv = params.argv();
    let arguments = argv[1..]
        .iter()
        .map(|arg| windows_quote(arg))
        .collect::<Vec<_>>()
        .join(" ");
    fill(
        SCHTASKS_TEMPLATE,
        &[
            ("every", &every),
            ("name", SCHTASKS_NAME),
            ("triggers", &triggers),
            ("command", &xml_escape(&windows_quote(&params.exe))),
            ("arguments", &xml_escape(&arguments)),
        ],
    )
}

/// The text as `schtasks /xml` reads it: UTF-16 little-endian with a byte-order mark, CRLF.
pub(super) fn utf16_file(text: &str) -> Vec<u8> {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let mut bytes = vec![0xff, 0xfe];
    for unit in crlf.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

/// The text of a file [`utf16_file`] wrote (or a UTF-8 one), with LF line ends; `None` when it
/// is neither.
pub(super) fn read_task_file(bytes: &[u8]) -> Option<String> {
    let text = match bytes.strip_prefix(&[0xff, 0xfe]) {
        Some(rest) if rest.len() % 2 == 0 => {
            let units: Vec<u16> = rest
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                .collect();
            String::from_utf16(&units).ok()?
        }
        Some(_) => return None,
        None => String::from_utf8(bytes.to_vec()).ok()?,
    };
    Some(text.replace("\r\n", "\n"))
}

pub(super) fn install_schtasks(targets: &Targets, params: &Params, ui: &Ui) -> Result<()> {
    if targets.run_tools && !cfg!(windows) {
        return Err(Error::usage(
            "the Task Scheduler runs only on Windows",
            Some("see the task with `nexus-token schedule --kind schtasks --print`".to_owned()),
        ));
    }
    let file = targets.schtasks_file();
    let bytes = utf16_file(&render_schtasks(params));
    let changed = if std::fs::read(&file).is_ok_and(|old| old == bytes) {
        false
    } else {
        write_atomic(&file, &bytes).map_err(|e| Error::file(&file, "write", e))?;
        true
    };
    report_write(ui, &file, changed);
    if !targets.run_tools {
        ui.step("NEXUS_TOKEN_SCHEDULE_DIR is set: `schtasks` was not run");
        return Ok(());
    }
    // `/f` replaces a task of that name: installing again never makes a second one.
    let file_arg = file.to_string_lossy();
    run_tool(
        "schtasks",
        &["/create", "/tn", SCHTASKS_NAME, "/xml", &file_arg, "/f"],
        None,
    )
    .map_err(|why| {
        Error::other(
            ExitStatus::Failure,
            format!("wrote the task but could not register it: {why}"),
            Some(format!(
                "run `schtasks /create /tn {SCHTASKS_NAME} /xml {} /f` yourself",
                windows_quote(&file_arg)
            )),
        )
    })?;
    ui.step(&format!(
        "task `{SCHTASKS_NAME}` registered: see it in the Task Scheduler (taskschd.msc)"
    ));
    Ok(())
}

pub(super) fn remove_schtasks(targets: &Targets, ui: &Ui) -> Result<bool> {
    let file = targets.schtasks_file();
    if !file.exists() {
        return Ok(false);
    }
    if targets.run_tools && cfg!(windows) {
        match run_tool("schtasks", &["/delete", "/tn", SCHTASKS_NAME, "/f"], None) {
            Ok(_) => ui.step(&format!("deleted the task `{SCHTASKS_NAME}`")),
            Err(why) => ui.warn(&format!("could not delete the task: {why}")),
        }
    }
    if remove_file(&file)? {
        ui.step(&format!("removed `{}`", file.display()));
    }
    Ok(true)
}

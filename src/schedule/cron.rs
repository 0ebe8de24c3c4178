//! The cron backend: renders our crontab line (pure), edits crontab text (pure: only lines that
//! carry our marker change), and reads and writes the crontab (`crontab -l` / `crontab -` or a
//! file standing in for it).

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) const CRON_TEMPLATE: &str = include_str!("../../templates/cron/nexus-token.cron");

/// Text that carries the interval in our crontab line.
pub(super) const CRON_EVERY: &str = ", every ";

/// Renders our crontab line (without a line ending). Intervals cron cannot express are
/// shortened by [`cron_interval`].
pub fn render_cron_line(params: &Params) -> String {
    let every = cron_interval(params.every);
    let list = |from: u32, to: u32, step: u32| {
        (from..to)
            .step_by(step as usize)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let schedule = match Cadence::new(every, params.seed) {
        Cadence::Minutes { step, offset } => format!("{} * * * *", list(offset, 60, step)),
        Cadence::Hours {
            step,
            offset,
            minute,
        } => format!("{minute} {} * * *", list(offset, 24, step)),
        // `cron_interval` only returns divisors of an hour or a day: a daily run fits.
        Cadence::Interval(_) => format!("{} {} * * *", params.seed % 60, (params.seed / 60) % 24),
    };
    // cron turns an unescaped `%` into a newline, even inside quotes.
    let command = params
        .argv()
        .iter()
        .map(|arg| sh_quote(arg).replace('%', "\\%"))
        .collect::<Vec<_>>()
        .join(" ");
    let uid = params.uid.to_string();
    fill(
        CRON_TEMPLATE,
        &[
            ("schedule", &schedule),
            ("uid", &uid),
            ("command", &command),
            ("every", &format_interval(every)),
        ],
    )
    .trim_end()
    .to_owned()
}

pub(super) fn is_our_cron_line(line: &str) -> bool {
    line.contains(CRON_MARKER)
}

pub(super) fn join_lines(lines: &[&str]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// `existing` crontab text with our line in it: replaces the first marked line in place, drops
/// any further marked lines, or appends the line when there was none. Other lines are kept.
pub fn crontab_with(existing: &str, line: &str) -> String {
    let mut out = Vec::new();
    let mut placed = false;
    for current in existing.lines() {
        if is_our_cron_line(current) {
            if !placed {
                out.push(line);
                placed = true;
            }
        } else {
            out.push(current);
        }
    }
    if !placed {
        out.push(line);
    }
    join_lines(&out)
}

/// `existing` crontab text without our lines; unchanged when it holds none.
pub fn crontab_without(existing: &str) -> String {
    if !existing.lines().any(is_our_cron_line) {
        return existing.to_owned();
    }
    let kept: Vec<&str> = existing
        .lines()
        .filter(|line| !is_our_cron_line(line))
        .collect();
    join_lines(&kept)
}

/// Our line in a crontab, if any.
pub fn cron_line_in(crontab: &str) -> Option<&str> {
    crontab.lines().find(|line| is_our_cron_line(line))
}

/// Where the crontab is read and written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Crontab {
    /// A plain file standing in for the crontab (`NEXUS_TOKEN_CRONTAB`, tests).
    File(PathBuf),
    /// The user's crontab, through `crontab -l` and `crontab -`.
    Command,
}

/// Reads the crontab: `Ok(None)` when there is no `crontab` tool (so no cron schedule);
/// an empty string when the user has no crontab yet.
pub(super) fn read_crontab(crontab: &Crontab) -> Result<Option<String>> {
    match crontab {
        Crontab::File(path) => match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Some(String::new())),
            Err(e) => Err(Error::file(path, "read", e)),
        },
        Crontab::Command => {
            let output = match Command::new("crontab")
                .arg("-l")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .and_then(|child| wait_bounded(child, TOOL_TIMEOUT))
            {
                Ok(output) => output,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => {
                    return Err(Error::other(
                        ExitStatus::Failure,
                        format!("cannot run `crontab -l`: {e}"),
                        None,
                    ));
                }
            };
            if output.status.success() {
                return Ok(Some(String::from_utf8_lossy(&output.stdout).into_owned()));
            }
            let stderr = String::from_utf8_lossy(&output.stderr);
            if stderr.to_ascii_lowercase().contains("no crontab") {
                return Ok(Some(String::new()));
            }
            Err(Error::other(
                ExitStatus::Failure,
                format!("`crontab -l` failed: {}", stderr.trim()),
                Some("check that you may use cron (`/etc/cron.allow`)".to_owned()),
            ))
        }
    }
}

pub(super) fn write_crontab(crontab: &Crontab, text: &str) -> Result<()> {
    match crontab {
        Crontab::File(path) => write_atomic(path, text).map_err(|e| Error::file(path, "write", e)),
        Crontab::Command => run_tool("crontab", &["-"], Some(text))
            .map(drop)
            .map_err(|why| Error::other(ExitStatus::Failure, why, None)),
    }
}

pub(super) fn crontab_name(crontab: &Crontab) -> String {
    match crontab {
        Crontab::File(path) => format!("`{}`", path.display()),
        Crontab::Command => "your crontab".to_owned(),
    }
}

pub(super) fn install_cron(targets: &Targets, params: &Params, ui: &Ui) -> Result<()> {
    let Some(existing) = read_crontab(&targets.crontab)? else {
        return Err(Error::other(
            ExitStatus::Failure,
            "there is no `crontab` command on this system",
            Some("install cron, or use `nexus-token schedule --kind systemd`".to_owned()),
        ));
    };
    let line = render_cron_line(params);
    let updated = crontab_with(&existing, &line);
    let place = crontab_name(&targets.crontab);
    if updated == existing {
        ui.step(&format!("{place} already has the line"));
        return Ok(());
    }
    write_crontab(&targets.crontab, &updated)?;
    if cron_line_in(&existing).is_some() {
        ui.step(&format!("replaced the line in {place}"));
    } else {
        ui.step(&format!("added a line to {place}"));
    }
    Ok(())
}

pub(super) fn remove_cron(targets: &Targets, ui: &Ui) -> Result<bool> {
    let Some(existing) = read_crontab(&targets.crontab)? else {
        return Ok(false);
    };
    let updated = crontab_without(&existing);
    if updated == existing {
        return Ok(false);
    }
    write_crontab(&targets.crontab, &updated)?;
    ui.step(&format!(
        "removed the line from {}",
        crontab_name(&targets.crontab)
    ));
    Ok(true)
}

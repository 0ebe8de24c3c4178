//! Running a scheduler tool (`systemctl`, `launchctl`, `crontab`) with a time bound: a hung tool
//! is stopped after 30 s instead of hanging a cron run.

#[allow(clippy::wildcard_imports)]
use super::*;

/// How long a scheduler tool (`systemctl`, `launchctl`, `crontab`) may take before it is killed.
pub(super) const TOOL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Waits for `child` at most `timeout`, reading its output meanwhile; kills it after that.
pub(super) fn wait_bounded(
    mut child: std::process::Child,
    timeout: std::time::Duration,
) -> io::Result<std::process::Output> {
    use std::io::Read;
    fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no answer within {} s; it was stopped", timeout.as_secs()),
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Ok(std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// Runs a scheduler tool; on failure, says why in one line (its first line of stderr).
pub(super) fn run_tool(
    program: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> Result<String, String> {
    let shown = format!("{program} {}", args.join(" "));
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .map_err(|e| format!("cannot write to `{shown}`: {e}"))?;
    }
    let output = wait_bounded(child, TOOL_TIMEOUT).map_err(|e| format!("`{shown}` failed: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        return Ok(stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let why = stderr
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map_or_else(|| output.status.to_string(), str::to_owned);
    Err(format!("`{shown}` failed: {why}"))
}

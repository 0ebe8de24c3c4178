//! Shared pieces of the reliability suite (faults, crash, concurrency, hostile input, secret
//! hygiene, file safety): a saved `--no-keyring` profile against the emulator, peak-memory
//! measurement of a child run, and the `FIGURE` lines the closing report quotes.

use std::io::Write;
use std::path::Path;

use nexus_token::emulator::{Emulator, EmulatorConfig};
use nexus_token::nexus::Family;

use super::{BIN, Run, Sandbox};

pub const USER: &str = "rel";

/// Prints one measured figure in a form that is easy to grep from `--nocapture` output.
pub fn figure(name: &str, value: impl std::fmt::Display) {
    eprintln!("FIGURE {name}: {value}");
}

/// A Nexus 3 emulator with one user.
pub fn emulator(password: &str) -> Emulator {
    Emulator::start(EmulatorConfig::new(Family::Nexus3).user(USER, password)).unwrap()
}

/// `login --no-keyring --password-stdin` with `extra` flags (targets, profile, timeout).
pub fn login_no_keyring(sb: &Sandbox, emu: &Emulator, password: &str, extra: &[&str]) -> Run {
    let extra = [&["--no-keyring"], extra].concat();
    let run = sb.login(&emu.base_url(), USER, password, &extra);
    assert_eq!(
        run.code,
        0,
        "a --no-keyring login against a healthy emulator succeeds: {}",
        run.all()
    );
    run
}

/// `refresh --password-stdin` with `extra` flags.
pub fn refresh(sb: &Sandbox, password: &str, extra: &[&str]) -> Run {
    let mut args = vec!["refresh", "--password-stdin"];
    args.extend_from_slice(extra);
    sb.run(&args, Some(&format!("{password}\n")))
}

/// Starts `refresh --password-stdin -q` with `extra` flags, the password already written.
pub fn spawn_refresh(sb: &Sandbox, pw: &str, extra: &[&str]) -> std::process::Child {
    let mut args = vec!["refresh", "--password-stdin", "-q"];
    args.extend_from_slice(extra);
    let mut cmd = sb.command(&args);
    cmd.stdin(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{pw}\n").as_bytes())
        .unwrap();
    child
}

/// The bytes of a file, or `None` when it does not exist.
pub fn bytes(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

/// Runs the binary under `/usr/bin/time` (in the sandbox) and returns the run and the child's
/// peak resident set size in KiB (`None` only when `time` printed no figure).
pub fn run_measured(sb: &Sandbox, args: &[&str], stdin: Option<&str>) -> (Run, Option<u64>) {
    const MARK: &str = "NEXUS_TOKEN_TEST_MAXRSS_KIB=";
    let time = Path::new("/usr/bin/time");
    assert!(
        time.is_file(),
        "the memory checks need `/usr/bin/time` (scripts/install-deps installs it)"
    );
    let format = format!("{MARK}%M");
    let mut time_args = vec!["-f", format.as_str(), BIN];
    time_args.extend_from_slice(args);
    let cmd = sb.program(time, &time_args);
    let mut run = sb.run_with(cmd, stdin);
    let mut rss = None;
    let mut kept = Vec::new();
    for line in run.stderr.lines() {
        match line.strip_prefix(MARK) {
            Some(v) => rss = v.trim().parse().ok(),
            None if line.starts_with("Command exited with non-zero status") => {}
            None => kept.push(line),
        }
    }
    run.stderr = kept.join("\n");
    (run, rss)
}

/// Names of the files in `dir` that are nexus-token temp files.
pub fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".nexus-token-tmp."))
        .collect()
}

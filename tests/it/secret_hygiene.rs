//! Secret hygiene end to end: every command (login, refresh, status, status --json, token,
//! doctor, rotate, schedule, logout), quiet and with `-vv`, with a unique password; then a scan
//! of everything printed, every file written outside the two targets, and the argv, environment
//! and input of every child process (fake `systemctl` and `crontab` first on PATH record them).
//! The password never appears; the passCode only in the targets and on `token`'s stdout.
//! Also: a running `nexus-token` that waits for the password cannot dump core.

use crate::support;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::reliability::{USER, emulator, figure};
use crate::support::{Run, Sandbox, unique_password};

/// Fake `systemctl` and `crontab` that append their argv, environment and stdin to `log`.
fn fake_tools(dir: &Path, log: &Path, crontab_store: &Path) -> PathBuf {
    let bin = dir.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(crontab_store, "").unwrap();
    let systemctl = format!(
        "#!/bin/sh\n{{ echo \"== systemctl $*\"; env; }} >> '{}'\nexit 0\n",
        log.display()
    );
    let crontab = format!(
        "#!/bin/sh\n{{ echo \"== crontab $*\"; env; }} >> '{log}'\ncase \"$1\" in\n  -l) cat '{store}' ;;\n  -) cat > '{store}'; {{ echo '== crontab stdin'; cat '{store}'; }} >> '{log}' ;;\n  -r) : > '{store}' ;;\nesac\nexit 0\n",
        log = log.display(),
        store = crontab_store.display()
    );
    for (name, text) in [("systemctl", systemctl), ("crontab", crontab)] {
        let p = bin.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

struct Scenario {
    sb: Sandbox,
    runs: Vec<(String, Run)>,
    pw: String,
    pass_codes: Vec<String>,
    child_log: PathBuf,
}

fn scenario(keyring: bool) -> Scenario {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = if keyring {
        Sandbox::with_keyring()
    } else {
        Sandbox::new()
    };
    let child_log = sb.dir.path().join("children.log");
    let bin = fake_tools(
        sb.dir.path(),
        &child_log,
        &sb.dir.path().join("crontab.store"),
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let url = emu.base_url();
    let stdin = format!("{pw}\n");
    let mut runs: Vec<(String, Run)> = Vec::new();
    let mut pass_codes = Vec::new();
    let record_token = |codes: &mut Vec<String>| {
        if let Some((_, p)) = emu.token_of(USER)
            && !codes.contains(&p)
        {
            codes.push(p);
        }
    };
    let pw_flag: &[&str] = if keyring { &[] } else { &["--password-stdin"] };
    let mut run = |label: &str, args: &[&str], with_pw: bool| {
        let mut cmd = sb.command(args);
        cmd.env("PATH", &path)
            .env_remove("NEXUS_TOKEN_SCHEDULE_DIR")
            .env_remove("NEXUS_TOKEN_CRONTAB");
        let r = sb.run_with(cmd, with_pw.then_some(stdin.as_str()));
        runs.push((label.to_owned(), r));
    };

    let mut login: Vec<&str> = vec![
        "login",
        "--url",
        &url,
        "--username",
        USER,
        "--password-stdin",
        "--maven-server",
        "nexus",
        "--gradle-prefix",
        "nexus",
    ];
    if !keyring {
        login.push("--no-keyring");
    }
    run("login", &login, true);
    record_token(&mut pass_codes);
    for verbosity in [None, Some("-vv")] {
        let v: Vec<&str> = verbosity.into_iter().collect();
        let tag = verbosity.unwrap_or("");
        emu.reset_token(USER);
        run(
            &format!("refresh {tag}"),
            &[&["refresh"][..], pw_flag, &v].concat(),
            !keyring,
        );
        record_token(&mut pass_codes);
        run(
            &format!("status {tag}"),
            &[&["status"][..], &v].concat(),
            false,
        );
        run(
            &format!("status --json {tag}"),
            &[&["status", "--json"][..], &v].concat(),
            false,
        );
        run(
            &format!("token {tag}"),
            &[&["token", "--profile", "default"][..], pw_flag, &v].concat(),
            !keyring,
        );
        run(
            &format!("doctor {tag}"),
            &[&["doctor"][..], &v].concat(),
            false,
        );
        run(
            &format!("rotate {tag}"),
            &[&["rotate"][..], pw_flag, &v].concat(),
            !keyring,
        );
        record_token(&mut pass_codes);
        run(
            &format!("schedule {tag}"),
            &[&["schedule"][..], &v].concat(),
            false,
        );
        run(
            &format!("schedule --kind cron {tag}"),
            &[&["schedule", "--kind", "cron"][..], &v].concat(),
            false,
        );
        run(
            &format!("schedule --remove {tag}"),
            &[&["schedule", "--remove"][..], &v].concat(),
            false,
        );
        run(
            &format!("schedule --remove --kind cron {tag}"),
            &[&["schedule", "--remove", "--kind", "cron"][..], &v].concat(),
            false,
        );
        // A login with -vv too, so the first-login path is traced as well.
        if verbosity.is_some() {
            let mut l = login.clone();
            l.push("-vv");
            run("login -vv", &l, true);
            record_token(&mut pass_codes);
        }
    }
    run("logout -vv", &["logout", "-vv"], false);
    Scenario {
        sb,
        runs,
        pw,
        pass_codes,
        child_log,
    }
}

/// Counts the occurrences of `needle` in `haystack`.
fn hits(haystack: &[u8], needle: &str) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle.as_bytes())
        .count()
}

fn scan(s: &Scenario, label: &str) {
    // The scenario itself must have worked, or the scan would prove nothing.
    for (name, run) in &s.runs {
        assert_eq!(run.code, 0, "{label}: `{name}` succeeds: {}", run.all());
    }
    assert!(
        !s.pass_codes.is_empty(),
        "{label}: the server issued tokens"
    );
    let token_run = &s.runs.iter().find(|(n, _)| n == "token ").unwrap().1;
    assert!(
        s.pass_codes
            .iter()
            .any(|p| token_run.stdout.contains(p.as_str())),
        "{label}: `token` prints the passCode on stdout (the one place it belongs): {}",
        token_run.stdout
    );
    let log = std::fs::read_to_string(&s.child_log).unwrap_or_default();
    assert!(
        log.contains("== systemctl --user"),
        "{label}: the fake systemctl was run (its argv and env are scanned): {log}"
    );
    assert!(
        log.contains("== crontab stdin") && log.contains("refresh"),
        "{label}: the fake crontab got the cron line: {log}"
    );

    let mut scanned_items = 0;
    let mut total_hits = 0;
    for (name, run) in &s.runs {
        scanned_items += 2;
        let h = hits(run.all().as_bytes(), &s.pw);
        total_hits += h;
        assert_eq!(
            h,
            0,
            "{label}: the output of `{name}` never contains the password:\n{}",
            run.all()
        );
        for p in &s.pass_codes {
            let out = if name.starts_with("token") {
                run.stderr.clone()
            } else {
                run.all()
            };
            let h = hits(out.as_bytes(), p);
            total_hits += h;
            assert_eq!(
                h, 0,
                "{label}: `{name}` prints the passCode only on `token`'s stdout:\n{out}"
            );
        }
    }
    // Every file outside the two targets: config, state, units, crontab, the child log (argv,
    // environment and stdin of every child process).
    let files = s.sb.files_except(&[&s.sb.settings(), &s.sb.properties()]);
    assert!(
        files.iter().any(|(p, _)| p.ends_with("config.toml")),
        "{label}: the config file is among the scanned files"
    );
    assert!(
        files.iter().any(|(p, _)| p.ends_with("children.log")),
        "{label}: the child-process log is among the scanned files"
    );
    for (path, bytes) in &files {
        scanned_items += 1;
        let h = hits(bytes, &s.pw);
        total_hits += h;
        assert_eq!(
            h,
            0,
            "{label}: `{}` never contains the password",
            path.display()
        );
        for p in &s.pass_codes {
            let h = hits(bytes, p);
            total_hits += h;
            assert_eq!(
                h,
                0,
                "{label}: `{}` never contains a passCode (only the targets do)",
                path.display()
            );
        }
    }
    figure(
        &format!("secret scan ({label}): outputs and files scanned"),
        scanned_items,
    );
    figure(
        &format!("secret scan ({label}): commands run"),
        s.runs.len(),
    );
    figure(
        &format!("secret scan ({label}): passCodes issued and searched"),
        s.pass_codes.len(),
    );
    figure(&format!("secret scan ({label}): hits"), total_hits);
}

#[test]
fn no_secret_leaks_with_password_stdin_profiles() {
    let s = scenario(false);
    scan(&s, "--no-keyring");
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn no_secret_leaks_with_the_real_keyring() {
    let s = scenario(true);
    scan(&s, "keyring");
}

/// Reads a line of `/proc/<pid>/limits`.
fn core_limit(pid: u32) -> Option<String> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Starts `login --password-stdin` under a shell that first raises the core limit, so the
/// test sees the binary lower it (the test runner's own limit may already be 0).
/// `url` is a stalled server, so the child stays alive whatever it does first.
fn waiting_login(sb: &Sandbox, uid: Option<u32>, url: &str) -> std::process::Child {
    let mut cmd = sb.program(
        "sh",
        &[
            "-c",
            "ulimit -c unlimited 2>/dev/null || ulimit -c 1024 2>/dev/null; exec \"$0\" \"$@\"",
        ],
    );
    cmd.arg(support::BIN)
        .args([
            "login",
            "--url",
            url,
            "--api",
            "nexus3",
            "--username",
            USER,
            "--password-stdin",
            "--no-keyring",
            "--maven-server",
            "x",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(uid) = uid {
        use std::os::unix::process::CommandExt;
        cmd.uid(uid).gid(uid);
    }
    cmd.spawn().unwrap()
}

#[test]
fn a_process_waiting_for_the_password_cannot_dump_core() {
    // The shell can raise the limit here (else the check below would prove nothing).
    let sb = Sandbox::new();
    let raised = sb
        .program(
            "sh",
            &[
                "-c",
                "ulimit -c unlimited 2>/dev/null || ulimit -c 1024 2>/dev/null; ulimit -c",
            ],
        )
        .output()
        .unwrap();
    let raised = String::from_utf8_lossy(&raised.stdout).trim().to_owned();
    if raised == "0" {
        eprintln!("*** SKIPPED core-limit part: the core limit cannot be raised above 0 here ***");
    }
    let emu = emulator("unused");
    emu.set_fault(Some(nexus_token::emulator::Fault::Stall));
    let url = emu.base_url();
    let mut child = waiting_login(&sb, None, &url);
    let pid = child.id();
    // main() lowers the limit first thing; wait until it has run (the child blocks on stdin).
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut line = core_limit(pid);
    // The soft limit (the kernel dumps by it) drops to 0; the hard limit stays, so that `exec`
    // can give the command it becomes the caller's limit back.
    let soft_zero =
        |line: Option<&str>| line.is_some_and(|l| l.starts_with("Max core file size 0 "));
    while raised != "0" && !soft_zero(line.as_deref()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        line = core_limit(pid);
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the child is still running (waiting for the password or the stalled server)"
    );
    if raised != "0" {
        assert!(
            soft_zero(line.as_deref()),
            "the soft core limit is 0 while the password may be in memory: {line:?}"
        );
        figure(
            "core dumps: /proc/<pid>/limits of a waiting nexus-token",
            line.unwrap(),
        );
    }
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
}

/// Not dumpable: the kernel then gives /proc/<pid>/* to root. Visible only when the child runs
/// as another user than root, so this test needs root to start it as `nobody`.
#[test]
#[ignore = "needs root (to start the child as another user)"]
fn a_process_waiting_for_the_password_is_not_dumpable() {
    assert_eq!(
        rustix::process::geteuid().as_raw(),
        0,
        "this test needs root to start the child as uid 65534"
    );
    let emu = emulator("unused");
    emu.set_fault(Some(nexus_token::emulator::Fault::Stall));
    let url = emu.base_url();
    let sb = Sandbox::new();
    for dir in [sb.dir.path().to_path_buf(), sb.home()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let mut child = waiting_login(&sb, Some(65534), &url);
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(20);
    let owner = || {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(format!("/proc/{pid}/status"))
            .map(|m| m.uid())
            .ok()
    };
    // Before exec (the shell) the files belong to 65534; after main() hardens, to root.
    while owner() != Some(0) && Instant::now() < deadline && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let still_running = child.try_wait().unwrap().is_none();
    let uid = owner();
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(b"");
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    assert!(still_running, "the child (uid 65534) is still running");
    assert_eq!(
        uid,
        Some(0),
        "a non-dumpable process's /proc entries belong to root (PR_SET_DUMPABLE 0)"
    );
    figure(
        "core dumps: /proc/<pid>/status owner of a waiting nexus-token run as uid 65534",
        "0 (not dumpable)",
    );
}

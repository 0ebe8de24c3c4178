//! The OS keyring adapter against a real Secret Service: Debian's gnome-keyring on a private
//! D-Bus session started by `scripts/with-keyring` (which sets `NEXUS_TOKEN_TEST_SECRET_SERVICE=1`).
//! Every test uses its own random service name, so the developer's keyring is never touched
//! (and with-keyring's keyring is a throwaway anyway).
//!
//! Scenarios that need a fresh process environment (no `DBUS_SESSION_BUS_ADDRESS`, a dead bus)
//! re-run this test executable as a child with `NEXUS_TOKEN_TEST_CHILD` set; the child plays
//! `main`: reads the environment, calls `prepare_process_env`, uses `OsStore`, and exits with the
//! error's exit status.

use std::io::Read;
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nexus_token::env::Env;
use nexus_token::secret::Secret;
use nexus_token::store::{self, OsStore, SecretStore};

use crate::support::{Sandbox, only_test, require_tool, secret_tool_lookup};

const CHILD_VAR: &str = "NEXUS_TOKEN_TEST_CHILD";
const CHILD_TEST: &str = "keyring_secret_service::child_entry";

fn unique_service(tag: &str) -> String {
    format!(
        "nexus-token-test:{tag}:{}:{:016x}",
        std::process::id(),
        rand::random::<u64>()
    )
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn round_trip_replace_delete_and_not_found() {
    let sb = Sandbox::with_keyring();
    let env = sb.lib_env();
    let store = OsStore::new(&env).expect("the private Secret Service is reachable");
    assert_eq!(store.name(), "secret-service");
    let service = unique_service("round-trip");
    let user = "alice";

    assert!(
        store.get(&service, user).unwrap().is_none(),
        "a missing entry is Ok(None)"
    );
    let first: Secret<String> = "first pässword ✓".into();
    store.set(&service, user, &first).unwrap();
    assert_eq!(
        store.get(&service, user).unwrap().unwrap().expose(),
        "first pässword ✓"
    );
    assert_eq!(
        secret_tool_lookup(&service, user).as_deref(),
        Some("first pässword ✓"),
        "secret-tool sees the same item under service/username attributes"
    );
    store.set(&service, user, &"second".into()).unwrap();
    assert_eq!(
        store.get(&service, user).unwrap().unwrap().expose(),
        "second",
        "set replaces the stored password instead of adding a second item"
    );
    assert!(
        store.get(&service, "bob").unwrap().is_none(),
        "entries are per user"
    );
    assert!(store.delete(&service, user).unwrap(), "delete removes it");
    assert!(
        !store.delete(&service, user).unwrap(),
        "a second delete finds nothing"
    );
    assert!(store.get(&service, user).unwrap().is_none());
    assert_eq!(secret_tool_lookup(&service, user), None);
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn service_name_is_the_keyring_service_attribute() {
    let sb = Sandbox::with_keyring();
    let store = OsStore::new(&sb.lib_env()).unwrap();
    let url = format!("http://127.0.0.1:{}/nexus", rand::random::<u16>());
    let service = store::service_name(&url);
    assert_eq!(service, format!("nexus-token:{url}"));
    store.set(&service, "carol", &"pw-c".into()).unwrap();
    assert_eq!(
        secret_tool_lookup(&service, "carol").as_deref(),
        Some("pw-c")
    );
    assert!(store.delete(&service, "carol").unwrap());
}

// ---------------------------------------------------------------------------------------------
// Child-process scenarios

/// Runs when this executable is started as a child: plays `main` and reports on stdout.
#[test]
fn child_entry() {
    let Ok(mode) = std::env::var(CHILD_VAR) else {
        return;
    };
    let env = Env::from_process();
    store::prepare_process_env(&env);
    let service = std::env::var("NEXUS_TOKEN_TEST_CHILD_SERVICE").unwrap_or_default();
    let result = OsStore::new(&env).and_then(|store| match mode.as_str() {
        "set" => store.set(&service, "dave", &"stored-by-child".into()),
        _ => store.get(&service, "dave").map(|_| ()),
    });
    match result {
        Ok(()) => {
            println!("CHILD-OK");
            std::process::exit(0);
        }
        Err(error) => {
            let wrapped = nexus_token::Error::from(error);
            println!("error: {wrapped}");
            let mut source = std::error::Error::source(&wrapped);
            while let Some(s) = source {
                println!("caused by: {s}");
                source = s.source();
            }
            println!("hint: {}", wrapped.hint().unwrap_or_default());
            std::process::exit(i32::from(wrapped.exit_status().code()));
        }
    }
}

struct ChildRun {
    code: Option<i32>,
    stdout: String,
    elapsed: Duration,
}

/// Re-runs this test executable as `child_entry` in a fresh sandbox (no session bus) plus `envs`.
fn run_child(mode: &str, envs: &[(&str, &str)], remove: &[&str]) -> ChildRun {
    let sb = Sandbox::new();
    let mut cmd = sb.rerun_test(CHILD_TEST);
    cmd.env(CHILD_VAR, mode).stderr(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    for k in remove {
        cmd.env_remove(k);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    // Hang guard: a child that never ends is a failure, not a stuck test run.
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("the child `{mode}` hung for a minute: keyring calls must be time-bounded");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let code = child.wait().unwrap().code();
    eprintln!("child `{mode}`: exit {code:?} after {elapsed:?}\n{stdout}");
    ChildRun {
        code,
        stdout,
        elapsed,
    }
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn finds_the_bus_at_xdg_runtime_dir_without_the_address_variable() {
    let sb = Sandbox::with_keyring();
    let runtime = std::env::var("XDG_RUNTIME_DIR").expect("with-keyring sets XDG_RUNTIME_DIR");
    assert!(
        Path::new(&runtime).join("bus").exists(),
        "with-keyring makes the private bus listen on $XDG_RUNTIME_DIR/bus"
    );
    let service = unique_service("xdg");
    let run = run_child(
        "set",
        &[
            ("XDG_RUNTIME_DIR", &runtime),
            ("NEXUS_TOKEN_TEST_CHILD_SERVICE", &service),
        ],
        &["DBUS_SESSION_BUS_ADDRESS"],
    );
    assert_eq!(
        run.code,
        Some(0),
        "with DBUS_SESSION_BUS_ADDRESS unset, the store finds $XDG_RUNTIME_DIR/bus: {}",
        run.stdout
    );
    assert!(run.stdout.contains("CHILD-OK"));
    // The child wrote into the same keyring this process reaches by its address.
    let store = OsStore::new(&sb.lib_env()).unwrap();
    assert_eq!(
        store.get(&service, "dave").unwrap().unwrap().expose(),
        "stored-by-child",
        "the child's password landed in the session's Secret Service"
    );
    assert!(store.delete(&service, "dave").unwrap());
}

fn assert_keyring_failure(run: &ChildRun, what: &str, message_part: &str) {
    assert_eq!(
        run.code,
        Some(6),
        "{what}: the store fails with exit status 6: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains(message_part),
        "{what}: the message says `{message_part}`: {}",
        run.stdout
    );
    for way_out in ["systemd user timer", "--no-keyring", "--password-stdin"] {
        assert!(
            run.stdout.contains(way_out),
            "{what}: the hint lists `{way_out}`: {}",
            run.stdout
        );
    }
    assert!(
        run.elapsed < Duration::from_secs(5),
        "{what}: the failure comes within 5 s (took {:?})",
        run.elapsed
    );
}

#[test]
fn stopped_secret_service_nothing_listening_on_the_bus_address() {
    let dir = tempfile::tempdir().unwrap();
    let address = format!("unix:path={}/bus", dir.path().display());
    let run = run_child(
        "get",
        &[("DBUS_SESSION_BUS_ADDRESS", &address)],
        &["NEXUS_TOKEN_KEYRING_TIMEOUT"],
    );
    assert_keyring_failure(&run, "dead bus socket", "no usable keyring");
}

#[test]
fn stopped_secret_service_bus_that_never_answers_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bus");
    // Accepts connections (kernel backlog) but never speaks: a wedged daemon.
    let _listener = UnixListener::bind(&path).unwrap();
    let address = format!("unix:path={}", path.display());
    let run = run_child(
        "get",
        &[
            ("DBUS_SESSION_BUS_ADDRESS", &address),
            ("NEXUS_TOKEN_KEYRING_TIMEOUT", "2"),
        ],
        &[],
    );
    assert_keyring_failure(&run, "wedged bus", "did not answer within 2 s");
}

#[test]
#[ignore = "needs dbus-daemon"]
fn stopped_secret_service_on_a_live_bus() {
    // A real dbus-daemon with no Secret Service and no service activation.
    let dbus_daemon = require_tool("dbus-daemon");
    let dir = tempfile::tempdir().unwrap();
    let bus = dir.path().join("bus");
    let config = dir.path().join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
            bus.display()
        ),
    )
    .unwrap();
    let mut daemon = Command::new(dbus_daemon)
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--nopidfile"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if bus.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let address = format!("unix:path={}", bus.display());
    let run = run_child(
        "get",
        &[("DBUS_SESSION_BUS_ADDRESS", &address)],
        &["NEXUS_TOKEN_KEYRING_TIMEOUT"],
    );
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    assert_keyring_failure(&run, "bus without Secret Service", "no usable keyring");
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn locked_collection_fails_with_exit_6_and_the_ways_out() {
    let sb = Sandbox::with_keyring();
    // A nested private session of its own, so locking does not disturb the other tests.
    let service = unique_service("locked");
    let script = r#"
        printf %s stored-then-locked | secret-tool store --label=t service "$SERVICE" username dave
        dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
          org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
        exec "$@"
    "#;
    let exe = std::env::current_exe().unwrap();
    let with_keyring = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/with-keyring");
    let mut cmd = sb.program(with_keyring, &["bash", "-c", script, "bash"]);
    cmd.arg(&exe)
        .args(only_test(CHILD_TEST))
        .env(CHILD_VAR, "get")
        .env("SERVICE", &service)
        .env("NEXUS_TOKEN_TEST_CHILD_SERVICE", &service)
        .env("NEXUS_TOKEN_KEYRING_TIMEOUT", "3")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("locked child: {:?}\n{stdout}", out.status.code());
    assert_eq!(
        out.status.code(),
        Some(6),
        "a locked keyring without a prompt fails with exit 6: {stdout}"
    );
    assert!(
        stdout.contains("the keyring is locked") || stdout.contains("did not answer"),
        "the message says the keyring is locked (or did not answer): {stdout}"
    );
    for way_out in ["unlock the keyring", "--no-keyring", "--password-stdin"] {
        assert!(
            stdout.contains(way_out),
            "the hint lists `{way_out}`: {stdout}"
        );
    }
    assert!(
        !stdout.contains("stored-then-locked"),
        "the password never shows in messages"
    );
}

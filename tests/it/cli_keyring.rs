//! The keyring from the command line, against a real Secret Service: cron-like runs without a
//! bus address, a Secret Service that is gone, and `--no-keyring` onboarding.

use std::path::PathBuf;
use std::time::Duration;

use crate::support::{Sandbox, assert_no_secret, unique_password};
use nexus_token::emulator::Emulator;
use nexus_token::nexus::Family;

const USER: &str = "carol";

/// A sandbox logged in with the real keyring against a fresh Nexus 3 emulator.
fn setup() -> (Sandbox, Emulator, String) {
    let pw = unique_password();
    let emu = crate::support::emulator_util::for_user(Family::Nexus3Rest, USER, &pw);
    let sb = Sandbox::with_keyring();
    sb.login_ok(&emu.base_url(), USER, &pw, &["--maven-server", "nexus"]);
    (sb, emu, pw)
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn refresh_finds_the_session_bus_at_xdg_runtime_dir_like_cron() {
    let (sb, emu, pw) = setup();
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|r| r.join("bus").exists())
        .expect("scripts/with-keyring serves the bus at $XDG_RUNTIME_DIR/bus");
    emu.reset_token(USER);
    let mut cmd = sb.command(&["refresh"]);
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_RUNTIME_DIR", &runtime);
    let run = sb.run_with(cmd, None);
    assert_eq!(
        run.code,
        0,
        "refresh without DBUS_SESSION_BUS_ADDRESS finds $XDG_RUNTIME_DIR/bus: {}",
        run.all()
    );
    assert!(
        std::fs::read_to_string(sb.settings())
            .unwrap()
            .contains(&emu.token_of(USER).unwrap().1)
    );
    assert_no_secret(&run.all(), &pw, "refresh output");
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn without_a_secret_service_refresh_fails_fast_with_exit_6_and_touches_nothing() {
    let (sb, emu, pw) = setup();
    emu.reset_token(USER);
    let before = std::fs::read(sb.settings()).unwrap();
    let dead = sb.dir.path().join("no-bus-here");
    std::fs::create_dir_all(&dead).unwrap();
    let mut cmd = sb.command(&["refresh"]);
    cmd.env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}/bus", dead.display()),
    )
    .env("XDG_RUNTIME_DIR", &dead);
    emu.clear_requests();
    let run = sb.run_with(cmd, None);
    assert_eq!(run.code, 6, "no Secret Service exits 6: {}", run.all());
    assert!(
        run.elapsed < Duration::from_secs(5),
        "fails within 5 s, took {:?}",
        run.elapsed
    );
    assert!(
        run.stderr.contains("hint:"),
        "a hint follows: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--password-stdin"),
        "the hint names the --no-keyring/--password-stdin way out: {}",
        run.stderr
    );
    assert_eq!(
        std::fs::read(sb.settings()).unwrap(),
        before,
        "the files are untouched"
    );
    assert_eq!(
        emu.requests().len(),
        0,
        "no request was made without a password"
    );
    assert_no_secret(&run.all(), &pw, "output");
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn no_keyring_onboarding_refreshes_with_password_stdin() {
    let pw = unique_password();
    let emu = crate::support::emulator_util::for_user(Family::Nexus3, USER, &pw);
    let sb = Sandbox::with_keyring();
    sb.login_ok(
        &emu.base_url(),
        USER,
        &pw,
        &["--no-keyring", "--gradle-prefix", "nexus"],
    );
    let run = sb.run(&["refresh"], None);
    assert_eq!(
        run.code,
        6,
        "refresh of a --no-keyring profile without --password-stdin exits 6: {}",
        run.all()
    );
    assert!(run.stderr.contains("--password-stdin"), "{}", run.stderr);
    emu.reset_token(USER);
    let run = sb.run(&["refresh", "--password-stdin"], Some(&format!("{pw}\n")));
    assert_eq!(
        run.code,
        0,
        "refresh --password-stdin succeeds: {}",
        run.all()
    );
    assert!(
        std::fs::read_to_string(sb.properties())
            .unwrap()
            .contains(&emu.token_of(USER).unwrap().1)
    );
}

//! The sandbox itself: a child of a test gets the sandbox's environment and nothing of the
//! developer's. Issue 13, bug 2: with a saved `default` profile, a `cli_token` test sent the
//! password `x` to that profile's server and wrote a "rejected" mark into the real state file.

use std::collections::BTreeMap;

use nexus_token::emulator::{Emulator, EmulatorConfig};
use nexus_token::nexus::Family;

use crate::support::{Sandbox, require_tool, unique_password};

/// Variables whose value is not a path inside the sandbox.
const FIXED: [(&str, &str); 3] = [("LANG", "C"), ("NO_COLOR", "1"), ("GOTOOLCHAIN", "local")];

#[test]
fn a_child_sees_only_the_sandbox_environment() {
    let sb = Sandbox::new();
    let out = sb.program(require_tool("env"), &[]).output().unwrap();
    assert!(out.status.success(), "`env` runs in the sandbox");
    let text = String::from_utf8(out.stdout).unwrap();
    let vars: BTreeMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let root = sb.dir.path().to_str().unwrap();
    for (key, value) in &vars {
        match *key {
            "PATH" => {}
            _ if FIXED.iter().any(|(k, _)| k == key) => {
                assert!(FIXED.contains(&(*key, *value)), "{key} is {value}");
            }
            _ => assert!(
                value.starts_with(root),
                "every variable a child sees is the sandbox's own (a path inside {root}); \
                 `{key}={value}` leaked in from the test process"
            ),
        }
    }
    for key in [
        "PATH",
        "HOME",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
        "XDG_CACHE_HOME",
        "XDG_RUNTIME_DIR",
        "GRADLE_USER_HOME",
        "CARGO_HOME",
        "DOCKER_CONFIG",
        "NPM_CONFIG_USERCONFIG",
        "NETRC",
        "LANG",
    ] {
        assert!(vars.contains_key(key), "the sandbox sets {key}:\n{text}");
    }
    assert!(
        !vars.contains_key("DBUS_SESSION_BUS_ADDRESS"),
        "without `with_keyring` a child gets no session bus"
    );
}

#[test]
fn a_developer_profile_and_nexus_variables_never_reach_a_test() {
    // The developer's machine: a saved `default` profile against their own Nexus, its state
    // file, and the NEXUS_* variables of their shell.
    let pw = unique_password();
    let nexus = Emulator::start(EmulatorConfig::new(Family::Nexus3).user("dev", &pw)).unwrap();
    let developer = Sandbox::new();
    let login = developer.login(
        &nexus.base_url(),
        "dev",
        &pw,
        &["--no-keyring", "--maven-server", "nexus"],
    );
    assert_eq!(
        login.code,
        0,
        "the developer's login works: {}",
        login.all()
    );
    let before = developer.files_except(&[]);
    nexus.clear_requests();

    // The test that sent `x` to that server: `token --password-stdin` without a URL.
    let out = developer
        .rerun_test("cli_token::usage_errors_exit_2_with_a_hint")
        .env("NEXUS_URL", nexus.base_url())
        .env("NEXUS_USERNAME", "dev")
        .env("NEXUS_TOKEN_CONFIG", developer.config())
        .env(
            "NEXUS_TOKEN_STATE_DIR",
            developer.home().join(".local/state/nexus-token"),
        )
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && report.contains("1 passed"),
        "the test passes in a developer's environment:\n{report}"
    );
    assert!(
        nexus.requests().is_empty(),
        "no test contacts the developer's Nexus: {:?}",
        nexus.requests()
    );
    assert!(
        developer.files_except(&[]) == before,
        "no test writes into the developer's config or state"
    );
}

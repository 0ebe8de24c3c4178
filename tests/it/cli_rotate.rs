//! `rotate` end to end: the built binary resets the token on the emulator, fetches the new one
//! and writes it into every target. The old token then gets 401 from the emulator's repository,
//! the new one 200. Profiles use `--no-keyring`, so no Secret Service is needed.

use std::time::Duration;

use crate::support::emulator_util::USER;
use crate::support::{Sandbox, assert_no_secret, unique_password};
use nexus_token::emulator::{Emulator, EmulatorConfig, RequestKind};
use nexus_token::nexus::{Client, ClientConfig, Family};
use nexus_token::secret::Secret;

const ARTIFACT: &str = "com/example/e2e-parent/1.0/e2e-parent-1.0.pom";

fn login(sb: &Sandbox, emu: &Emulator, password: &str) {
    let extra = [
        "--no-keyring",
        "--maven-server",
        "releases",
        "--maven-server",
        "snapshots",
        "--gradle-prefix",
        "nexus",
    ];
    sb.login_ok(&emu.base_url(), USER, password, &extra);
}

/// The status the emulator's repository answers for a GET with these Basic credentials.
fn repository_status(emu: &Emulator, family: Family, name: &str, pass: &str) -> u16 {
    let client = Client::new(ClientConfig::new(emu.base_url())).unwrap();
    let path = format!("{}{ARTIFACT}", family.repository_path());
    client
        .check_access(&path, name, &Secret::new(pass.to_owned()))
        .unwrap()
}

/// How many times each target holds `value` (settings.xml ids, gradle.properties keys).
fn occurrences(sb: &Sandbox, value: &str) -> (usize, usize) {
    let settings = std::fs::read_to_string(sb.settings()).unwrap();
    let props = std::fs::read_to_string(sb.properties()).unwrap();
    (
        settings.matches(value).count(),
        props.matches(value).count(),
    )
}

fn rotate_replaces_the_token_everywhere(family: Family) {
    let pw = unique_password();
    let emu = Emulator::start(EmulatorConfig::new(family).user(USER, &pw)).unwrap();
    let sb = Sandbox::new();
    login(&sb, &emu, &pw);
    let (old_name, old_pass) = emu.token_of(USER).unwrap();
    assert_eq!(
        repository_status(&emu, family, &old_name, &old_pass),
        200,
        "before rotate, the token reads the repository"
    );
    assert_eq!(
        occurrences(&sb, &old_pass),
        (2, 1),
        "login wrote the token into both servers and the Gradle key"
    );

    emu.clear_requests();
    let run = sb.run(&["rotate", "--password-stdin"], Some(&format!("{pw}\n")));
    assert_eq!(run.code, 0, "rotate succeeds: {}", run.all());
    assert_no_secret(&run.all(), &pw, "rotate output");
    assert_no_secret(&run.all(), &old_pass, "rotate output");
    assert!(
        run.stderr.contains("the old token no longer works"),
        "rotate says the old token is dead:\n{}",
        run.stderr
    );
    assert!(
        emu.requests()
            .iter()
            .any(|r| r.method == "DELETE" && r.kind == RequestKind::Token && r.status < 300),
        "rotate resets the token with a DELETE: {:?}",
        emu.requests()
    );

    let (name, pass) = emu.token_of(USER).expect("the server has a new token");
    assert_ne!(pass, old_pass, "the server's token changed");
    assert_eq!(
        repository_status(&emu, family, &old_name, &old_pass),
        401,
        "the old token is refused by the repository"
    );
    assert_eq!(
        repository_status(&emu, family, &name, &pass),
        200,
        "the new token reads the repository"
    );

    assert_eq!(
        occurrences(&sb, &pass),
        (2, 1),
        "both Maven servers and the Gradle key hold the new passCode"
    );
    assert_eq!(
        occurrences(&sb, &format!("<username>{name}</username>")).0,
        2,
        "both Maven servers hold the new nameCode"
    );
    assert!(
        std::fs::read_to_string(sb.properties())
            .unwrap()
            .contains(&format!("nexusUsername={name}\n")),
        "the Gradle key holds the new nameCode"
    );
    assert_eq!(
        occurrences(&sb, &old_pass),
        (0, 0),
        "no target holds the old passCode"
    );

    let status = sb.run(&["status", "--json"], None);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let targets = json["profiles"][0]["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 3, "status lists the three targets: {json}");
    assert!(
        targets.iter().all(|t| t["state"] == "current"),
        "status says every target holds the current token: {json}"
    );
}

#[test]
fn rotate_on_nexus_3_kills_the_old_token_and_writes_the_new_one_everywhere() {
    rotate_replaces_the_token_everywhere(Family::Nexus3);
}

#[test]
fn rotate_on_nexus_2_kills_the_old_token_and_writes_the_new_one_everywhere() {
    rotate_replaces_the_token_everywhere(Family::Nexus2);
}

#[test]
fn rotate_records_the_new_expiry() {
    let pw = unique_password();
    let emu = Emulator::start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, &pw)
            .expiry(Some(Duration::from_secs(30 * 86_400))),
    )
    .unwrap();
    let sb = Sandbox::new();
    login(&sb, &emu, &pw);
    emu.expire_token(USER);
    let run = sb.run(&["rotate", "--password-stdin"], Some(&format!("{pw}\n")));
    assert_eq!(run.code, 0, "rotate succeeds: {}", run.all());
    let (_, pass) = emu.token_of(USER).unwrap();
    assert_eq!(
        occurrences(&sb, &pass),
        (2, 1),
        "every target holds the new token"
    );
    let status = sb.run(&["status", "--json"], None);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(
        json["profiles"][0]["days_left"],
        serde_json::json!(29),
        "status shows the new token's 30-day expiry: {json}"
    );
}

#[test]
fn rotate_with_a_rejected_password_pauses_the_profile_and_keeps_the_files() {
    let pw = unique_password();
    let emu = Emulator::start(EmulatorConfig::new(Family::Nexus3).user(USER, &pw)).unwrap();
    let sb = Sandbox::new();
    login(&sb, &emu, &pw);
    let (_, old_pass) = emu.token_of(USER).unwrap();
    let before = (
        std::fs::read(sb.settings()).unwrap(),
        std::fs::read(sb.properties()).unwrap(),
    );
    let run = sb.run(&["rotate", "--password-stdin"], Some("not-the-password\n"));
    assert_eq!(run.code, 3, "a rejected password exits 3: {}", run.all());
    assert!(
        run.stderr.contains("nexus-token login"),
        "the hint names `nexus-token login`:\n{}",
        run.stderr
    );
    assert_eq!(
        emu.token_of(USER).unwrap().1,
        old_pass,
        "the server's token was not reset"
    );
    assert_eq!(
        before,
        (
            std::fs::read(sb.settings()).unwrap(),
            std::fs::read(sb.properties()).unwrap()
        ),
        "the files are untouched"
    );

    emu.clear_requests();
    let run = sb.run(&["rotate", "--password-stdin"], Some(&format!("{pw}\n")));
    assert_eq!(
        run.code,
        3,
        "the paused profile stays paused until login: {}",
        run.all()
    );
    assert!(
        emu.requests().is_empty(),
        "a paused profile is not sent to the server: {:?}",
        emu.requests()
    );
}

#[test]
fn rotate_of_an_unknown_profile_is_a_usage_error() {
    let sb = Sandbox::new();
    let run = sb.run(&["rotate", "--profile", "nope"], None);
    assert_eq!(run.code, 2, "an unknown profile exits 2: {}", run.all());
    assert!(
        run.stderr.contains("no saved profile named `nope`"),
        "the message names the profile:\n{}",
        run.stderr
    );
}

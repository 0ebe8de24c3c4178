//! Requests per refresh: with the API family cached from `login`, a refresh costs exactly two
//! HTTP requests (ticket, token) over one TCP connection, whether the token changed or not, and
//! `token` costs the same. A correctness test for the cost model in docs/performance.md; no
//! timing is asserted. Needs no keyring: the profile is saved with `--no-keyring`.

use crate::support::emulator_util::USER;
use crate::support::{Sandbox, unique_password};
use nexus_token::emulator::{Emulator, EmulatorConfig, RequestKind, RequestRecord};
use nexus_token::nexus::Family;

/// The benchmark's profile: two Maven server ids and one Gradle prefix.
fn logged_in(emu: &Emulator, pw: &str) -> Sandbox {
    let sb = Sandbox::new();
    let url = emu.base_url();
    let run = sb.login(
        &url,
        USER,
        pw,
        &[
            "--no-keyring",
            "--maven-server",
            "releases",
            "--maven-server",
            "snapshots",
            "--gradle-prefix",
            "nexus",
        ],
    );
    assert_eq!(
        run.code,
        0,
        "login with --no-keyring succeeds: {}",
        run.all()
    );
    sb
}

/// Asserts the two-step flow and nothing else, on a single connection.
fn assert_two_requests_one_connection(requests: &[RequestRecord], what: &str) {
    let kinds: Vec<RequestKind> = requests.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![RequestKind::Authenticate, RequestKind::Token],
        "{what} makes exactly two requests, the ticket then the token: {requests:?}"
    );
    assert!(
        requests.iter().all(|r| r.status == 200),
        "{what}: both requests succeed: {requests:?}"
    );
    assert_eq!(
        requests[0].connection, requests[1].connection,
        "{what} sends both requests over one kept-alive connection: {requests:?}"
    );
    assert_ne!(
        requests[0].connection, 0,
        "the emulator recorded the client's port: {requests:?}"
    );
}

#[test]
fn a_refresh_with_the_family_cached_makes_two_requests_over_one_connection() {
    let pw = unique_password();
    let emu = Emulator::start(EmulatorConfig::new(Family::Nexus3).user(USER, &pw)).unwrap();
    let sb = logged_in(&emu, &pw);

    emu.clear_requests();
    let run = sb.run(&["refresh", "--password-stdin"], Some(&format!("{pw}\n")));
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    assert!(
        run.all().contains("token unchanged"),
        "the token did not change: {}",
        run.all()
    );
    assert_two_requests_one_connection(&emu.requests(), "a refresh with an unchanged token");
}

#[test]
fn a_refresh_that_rewrites_the_files_still_makes_two_requests() {
    let pw = unique_password();
    let emu = Emulator::start(EmulatorConfig::new(Family::Nexus3).user(USER, &pw)).unwrap();
    let sb = logged_in(&emu, &pw);
    let before = std::fs::read_to_string(sb.settings()).unwrap();

    emu.reset_token(USER);
    emu.clear_requests();
    let run = sb.run(&["refresh", "--password-stdin"], Some(&format!("{pw}\n")));
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    assert_ne!(
        std::fs::read_to_string(sb.settings()).unwrap(),
        before,
        "the new token was written to settings.xml"
    );
    assert_two_requests_one_connection(&emu.requests(), "a refresh after a server-side reset");
}

#[test]
fn token_for_a_saved_profile_makes_two_requests_over_one_connection() {
    let pw = unique_password();
    let emu = Emulator::start(EmulatorConfig::new(Family::Nexus3).user(USER, &pw)).unwrap();
    let sb = logged_in(&emu, &pw);

    emu.clear_requests();
    let run = sb.run(
        &["token", "--profile", "default", "--password-stdin"],
        Some(&format!("{pw}\n")),
    );
    assert_eq!(run.code, 0, "token succeeds: {}", run.all());
    let (name, _) = emu.token_of(USER).expect("the emulator holds a token");
    assert!(
        run.stdout.contains(&name),
        "token prints the nameCode on stdout"
    );
    assert_two_requests_one_connection(&emu.requests(), "`token` for a saved profile");
}

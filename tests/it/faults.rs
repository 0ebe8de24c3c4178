//! Fault injection end to end: the built binary against the emulator with each injected fault
//! (refused connection, reset, stall, 5xx, HTML, truncated/invalid JSON, huge body, redirect to
//! another origin, ticket expiry, changed password). For each: the exit code, a message naming
//! the cause with a next step, the target files byte-identical, and the stored password kept.

use crate::support;

use crate::support::reliability::{
    USER, bytes, emulator, figure, login_no_keyring, refresh, run_measured,
};
use crate::support::{Sandbox, assert_no_secret, secret_tool_lookup, unique_password};
use nexus_token::emulator::{Emulator, EmulatorConfig, Fault};
use nexus_token::nexus::Family;

const TARGETS: &[&str] = &[
    "--maven-server",
    "nexus",
    "--gradle-prefix",
    "nexus",
    "--timeout",
    "2",
];

/// One injected fault and what the user must see.
struct Case {
    name: &'static str,
    fault: Fault,
    code: i32,
    /// Fragments of the error line (the cause).
    cause: &'static [&'static str],
    /// A fragment of the hint (the next step).
    hint: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "http 500",
            fault: Fault::Status(500),
            code: 4,
            cause: &["failed with HTTP 500"],
            hint: "retry later",
        },
        Case {
            name: "http 502",
            fault: Fault::Status(502),
            code: 4,
            cause: &["failed with HTTP 502"],
            hint: "retry later",
        },
        Case {
            name: "http 503",
            fault: Fault::Status(503),
            code: 4,
            cause: &["failed with HTTP 503"],
            hint: "retry later",
        },
        Case {
            name: "html page",
            fault: Fault::Html,
            code: 4,
            cause: &["HTML page"],
            hint: "single sign-on",
        },
        Case {
            name: "stall",
            fault: Fault::Stall,
            code: 4,
            cause: &["did not answer within 2 s"],
            hint: "--timeout",
        },
        Case {
            name: "truncated json",
            fault: Fault::TruncatedJson,
            code: 4,
            cause: &["unreadable answer", "not the expected JSON"],
            hint: "--url",
        },
        Case {
            name: "invalid json",
            fault: Fault::InvalidJson,
            code: 4,
            cause: &["unreadable answer", "not the expected JSON"],
            hint: "--url",
        },
        Case {
            name: "huge body",
            fault: Fault::HugeBody,
            code: 4,
            cause: &["larger than 1 MiB"],
            hint: "--url",
        },
        Case {
            name: "reset mid-answer",
            fault: Fault::ResetConnection,
            code: 4,
            cause: &["cannot talk to"],
            hint: "retry",
        },
    ]
}

struct Saved {
    sb: Sandbox,
    emu: Emulator,
    pw: String,
}

fn saved_profile() -> Saved {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login_no_keyring(&sb, &emu, &pw, TARGETS);
    Saved { sb, emu, pw }
}

/// settings.xml, gradle.properties and the config, as bytes (`None`: missing).
type Snapshot = [Option<Vec<u8>>; 3];

fn snapshot(sb: &Sandbox) -> Snapshot {
    [
        bytes(&sb.settings()),
        bytes(&sb.properties()),
        bytes(&sb.config()),
    ]
}

/// Checks one failed run: code, cause, hint, no secret, no panic.
fn check_failure(case: &str, run: &support::Run, code: i32, cause: &[&str], hint: &str, pw: &str) {
    assert_eq!(
        run.code,
        code,
        "{case}: the run exits {code}: {}",
        run.all()
    );
    for fragment in cause {
        assert!(
            run.stderr.contains(fragment),
            "{case}: the message names the cause ({fragment}): {}",
            run.stderr
        );
    }
    let hint_line = run
        .stderr
        .lines()
        .map(str::trim_start)
        .find(|l| l.starts_with("hint:"));
    assert!(
        hint_line.is_some(),
        "{case}: a `hint:` line follows the error: {}",
        run.stderr
    );
    let hint_line = hint_line.unwrap_or_default();
    assert!(
        hint_line.contains(hint),
        "{case}: a hint names the next step ({hint}): {}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("panicked"),
        "{case}: no panic: {}",
        run.stderr
    );
    assert_no_secret(&run.all(), pw, &format!("{case} output"));
}

#[test]
fn each_server_fault_exits_4_names_the_cause_and_leaves_the_files_alone() {
    let s = saved_profile();
    let before = snapshot(&s.sb);
    assert!(
        before[0].is_some() && before[1].is_some(),
        "login wrote both targets"
    );
    let mut survived = 0;
    let all = cases();
    for case in &all {
        s.emu.reset_token(USER); // a refresh that got through would change the files
        s.emu.set_fault(Some(case.fault.clone()));
        let run = refresh(&s.sb, &s.pw, &[]);
        check_failure(case.name, &run, case.code, case.cause, case.hint, &s.pw);
        assert_eq!(
            snapshot(&s.sb),
            before,
            "{}: settings.xml, gradle.properties and the config stay byte-identical",
            case.name
        );
        figure(
            &format!("fault `{}` refresh elapsed", case.name),
            format!("{:?}", run.elapsed),
        );
        survived += 1;
    }
    // The profile is not paused by server trouble: once the server is healthy, refresh works.
    s.emu.set_fault(None);
    let run = refresh(&s.sb, &s.pw, &[]);
    assert_eq!(
        run.code,
        0,
        "after the faults, a refresh against the healthy server succeeds: {}",
        run.all()
    );
    let (_, pass) = s.emu.token_of(USER).unwrap();
    assert!(
        String::from_utf8_lossy(&bytes(&s.sb.settings()).unwrap()).contains(&pass),
        "settings.xml holds the new token"
    );
    figure("server faults injected through refresh", all.len());
    figure("server faults survived through refresh", survived);
}

#[test]
fn login_under_a_server_fault_writes_no_file_at_all() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    let url = emu.base_url();
    let mut survived = 0;
    for (fault, cause) in [
        (Fault::Status(503), "failed with HTTP 503"),
        (Fault::Html, "HTML page"),
        (Fault::InvalidJson, "unreadable answer"),
    ] {
        emu.set_fault(Some(fault.clone()));
        // `--api nexus3` skips detection, so the fault hits the token flow itself.
        let run = sb.login(
            &url,
            USER,
            &pw,
            &[
                "--no-keyring",
                "--api",
                "nexus3",
                "--maven-server",
                "nexus",
                "--gradle-prefix",
                "nexus",
            ],
        );
        check_failure(&format!("login {fault:?}"), &run, 4, &[cause], "", &pw);
        assert!(
            !sb.settings().exists() && !sb.properties().exists(),
            "login under {fault:?} creates no target file"
        );
        assert!(
            !sb.config().exists(),
            "login under {fault:?} saves no profile"
        );
        survived += 1;
    }
    figure("server faults injected through login", 3);
    figure("server faults survived through login", survived);
}

#[test]
fn a_refused_connection_exits_4_and_leaves_the_files_alone() {
    let s = saved_profile();
    let before = snapshot(&s.sb);
    drop(s.emu); // nobody listens on the port any more
    let run = refresh(&s.sb, &s.pw, &[]);
    check_failure(
        "refused connection",
        &run,
        4,
        &["connection refused"],
        "check host and port",
        &s.pw,
    );
    assert_eq!(snapshot(&s.sb), before, "the files stay byte-identical");
    figure("fault `refused connection` survived", 1);
}

#[test]
fn a_redirect_to_another_origin_is_not_followed_and_sends_no_credentials_there() {
    let s = saved_profile();
    let before = snapshot(&s.sb);
    let other = Emulator::start(EmulatorConfig::new(Family::Nexus3).user(USER, &s.pw)).unwrap();
    s.emu.set_fault(Some(Fault::RedirectTo(other.origin_url())));
    let run = refresh(&s.sb, &s.pw, &[]);
    check_failure(
        "redirect",
        &run,
        4,
        &[
            "redirects to another origin",
            "credentials are never sent there",
        ],
        "--url",
        &s.pw,
    );
    assert!(
        run.stderr.contains(&other.origin_url()),
        "the message names where the redirect pointed: {}",
        run.stderr
    );
    let seen = other.requests();
    assert!(
        seen.iter().all(|r| r.username.is_none()),
        "the other origin never saw an Authorization header: {seen:?}"
    );
    assert!(
        seen.is_empty(),
        "the redirect is not followed at all: {seen:?}"
    );
    assert_eq!(snapshot(&s.sb), before, "the files stay byte-identical");
    figure(
        "fault `redirect to another origin` survived (requests at the other origin)",
        seen.len(),
    );
}

#[test]
fn one_expired_ticket_is_retried_and_two_exit_4() {
    let s = saved_profile();
    // One stale ticket: the client retries once with a fresh ticket and succeeds.
    s.emu.reset_token(USER);
    s.emu.expire_next_tickets(1);
    let run = refresh(&s.sb, &s.pw, &[]);
    assert_eq!(
        run.code,
        0,
        "one expired ticket is retried with a fresh one: {}",
        run.all()
    );
    let (_, pass) = s.emu.token_of(USER).unwrap();
    assert!(
        String::from_utf8_lossy(&bytes(&s.sb.settings()).unwrap()).contains(&pass),
        "the retried refresh wrote the new token"
    );

    // Two stale tickets in a row: exit 4 with the ticket message, files untouched.
    s.emu.reset_token(USER);
    let before = snapshot(&s.sb);
    s.emu.expire_next_tickets(2);
    let run = refresh(&s.sb, &s.pw, &[]);
    check_failure(
        "ticket expiry twice",
        &run,
        4,
        &["rejected the authentication ticket twice"],
        "retry in a minute",
        &s.pw,
    );
    assert_eq!(snapshot(&s.sb), before, "the files stay byte-identical");
    figure("fault `ticket expiry` injected / survived", "2 / 2");
}

#[test]
fn a_password_changed_between_runs_exits_3_and_pauses_the_profile() {
    let s = saved_profile();
    let before = snapshot(&s.sb);
    let new_pw = format!("{}-changed", s.pw);
    s.emu.set_password(USER, &new_pw);
    s.emu.reset_token(USER);
    let run = refresh(&s.sb, &s.pw, &[]);
    check_failure(
        "changed password",
        &run,
        3,
        &["rejected the password"],
        "nexus-token login",
        &s.pw,
    );
    assert_eq!(snapshot(&s.sb), before, "the files stay byte-identical");
    s.emu.clear_requests();
    let run = refresh(&s.sb, &s.pw, &[]);
    assert_eq!(
        run.code,
        3,
        "the next run is paused and exits 3: {}",
        run.all()
    );
    assert!(
        s.emu.requests().is_empty(),
        "a paused profile does not contact the server (lockout guard)"
    );
    figure("fault `changed password` survived", 1);
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring), secret-tool"]
fn faults_with_the_real_keyring_keep_the_stored_password() {
    support::require_tool("secret-tool");
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::with_keyring();
    let url = emu.base_url();
    let run = sb.login(
        &url,
        USER,
        &pw,
        &["--maven-server", "nexus", "--timeout", "2"],
    );
    assert_eq!(
        run.code,
        0,
        "login with the keyring succeeds: {}",
        run.all()
    );
    let service = format!("nexus-token:{url}");
    assert_eq!(
        secret_tool_lookup(&service, USER).as_deref(),
        Some(pw.as_str()),
        "the keyring holds the password under service/username"
    );
    let before = snapshot(&sb);
    let mut survived = 0;
    for fault in [
        Fault::Status(503),
        Fault::HugeBody,
        Fault::ResetConnection,
        Fault::Stall,
    ] {
        emu.set_fault(Some(fault.clone()));
        let run = sb.run(&["refresh"], None);
        assert_eq!(
            run.code,
            4,
            "{fault:?} with the keyring exits 4: {}",
            run.all()
        );
        assert_no_secret(&run.all(), &pw, "refresh output");
        assert_eq!(
            snapshot(&sb),
            before,
            "{fault:?}: the files stay byte-identical"
        );
        assert_eq!(
            secret_tool_lookup(&service, USER).as_deref(),
            Some(pw.as_str()),
            "{fault:?}: the stored password is unchanged"
        );
        survived += 1;
    }
    emu.set_fault(None);
    emu.set_password(USER, &format!("{pw}-changed"));
    let run = sb.run(&["refresh"], None);
    assert_eq!(run.code, 3, "a changed password exits 3: {}", run.all());
    assert_eq!(
        secret_tool_lookup(&service, USER).as_deref(),
        Some(pw.as_str()),
        "a rejected password is kept, not deleted"
    );
    assert_eq!(snapshot(&sb), before, "the files stay byte-identical");
    figure(
        "faults injected / survived with the real keyring",
        format!("{} / {}", 5, survived + 1),
    );
}

#[test]
fn a_huge_body_is_refused_with_bounded_memory() {
    let s = saved_profile();
    let before = snapshot(&s.sb);
    s.emu.set_fault(Some(Fault::HugeBody));
    let (run, rss) = run_measured(
        &s.sb,
        &["refresh", "--password-stdin"],
        Some(&format!("{}\n", s.pw)),
    );
    check_failure("huge body", &run, 4, &["larger than 1 MiB"], "--url", &s.pw);
    assert_eq!(snapshot(&s.sb), before, "the files stay byte-identical");
    if let Some(kib) = rss {
        // The body is 16 MiB; reading is capped at 1 MiB, so the process stays far below it.
        assert!(
            kib < 64 * 1024,
            "peak RSS stays bounded (below 64 MiB) against a 16 MiB body: {kib} KiB"
        );
        figure("huge body (16 MiB) refresh peak RSS KiB", kib);
    }
    figure("huge body refresh elapsed", format!("{:?}", run.elapsed));
}

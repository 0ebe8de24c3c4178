//! The built binary's `token` command against the emulator: every family end to end, `--api
//! auto` detection, and every error case with its exit code, cause, next step and no password.

use crate::support::emulator_util;

use std::time::Duration;

use crate::support::emulator_util::{PASSWORD, USER, emulator, start, token, token_as};
use nexus_token::emulator::{EmulatorConfig, Fault, RequestKind};
use nexus_token::nexus::{Client, ClientConfig, Family};
use nexus_token::secret::Secret;

fn count(emu: &nexus_token::emulator::Emulator, kind: RequestKind) -> usize {
    emu.requests().iter().filter(|r| r.kind == kind).count()
}

/// Parses `token --format json` output and checks the emulator's repository accepts it.
fn assert_token_works(emu: &nexus_token::emulator::Emulator, stdout: &str) {
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("token prints JSON");
    let name = v["nameCode"].as_str().expect("nameCode is a string");
    let pass = v["passCode"].as_str().expect("passCode is a string");
    assert!(v["created"].is_string(), "created is printed: {stdout}");
    assert_eq!(
        emu.token_of(USER),
        Some((name.to_owned(), pass.to_owned())),
        "the printed token is the server's current token"
    );
    let client = Client::new(ClientConfig::new(emu.base_url())).unwrap();
    let path = format!(
        "{}com/example/e2e-parent/1.0/e2e-parent-1.0.pom",
        emu.family().repository_path()
    );
    let status = client
        .check_access(&path, name, &Secret::new(pass.to_owned()))
        .unwrap();
    assert_eq!(status, 200, "the repository accepts the printed token");
    let status = client
        .check_access(&path, name, &Secret::new("wrong".to_owned()))
        .unwrap();
    assert_eq!(status, 401, "the repository refuses a wrong passCode");
}

#[test]
fn every_family_yields_a_working_token_with_auto_detection() {
    for family in Family::ALL {
        let emu = emulator(family);
        let run = token(&emu.base_url(), &[]);
        assert_eq!(run.code, 0, "{family}: token succeeds: {}", run.stderr);
        run.assert_no_password();
        assert_token_works(&emu, &run.stdout);
        let api_calls = emu
            .requests()
            .iter()
            .filter(|r| r.kind != RequestKind::Repository)
            .count();
        assert_eq!(
            api_calls, 3,
            "{family}: detection costs one request beyond the two of the flow"
        );
    }
}

#[test]
fn every_family_yields_a_working_token_with_a_forced_family() {
    for family in Family::ALL {
        let emu = emulator(family);
        let run = token(&emu.base_url(), &["--api", family.name()]);
        assert_eq!(run.code, 0, "{family}: token succeeds: {}", run.stderr);
        assert_token_works(&emu, &run.stdout);
        assert_eq!(
            count(&emu, RequestKind::Status),
            0,
            "{family}: a forced family skips detection"
        );
    }
}

#[test]
fn nexus3_under_a_custom_context_and_stripped_server_header_is_detected() {
    let emu = start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, PASSWORD)
            .context_path("/repo-manager"),
    );
    assert!(emu.base_url().ends_with("/repo-manager"));
    let run = token(&emu.base_url(), &[]);
    assert_eq!(run.code, 0, "custom context works: {}", run.stderr);
    assert_token_works(&emu, &run.stdout);

    let emu = start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, PASSWORD)
            .strip_server_header(true),
    );
    let run = token(&emu.base_url(), &["-v"]);
    assert_eq!(
        run.code, 0,
        "a hidden Server header falls back to the status probe: {}",
        run.stderr
    );
    assert!(run.stderr.contains("detected `nexus3`"), "{}", run.stderr);
}

#[test]
fn nexus2_given_without_its_context_shows_the_right_url() {
    let emu = emulator(Family::Nexus2);
    let run = token(&emu.origin_url(), &[]);
    assert_eq!(run.code, 4, "a wrong context exits 4: {}", run.stderr);
    assert!(
        run.stderr.contains("wrong URL or context path"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("--url {}", emu.base_url())),
        "the hint shows the URL with /nexus: {}",
        run.stderr
    );
    run.assert_no_password();
    assert!(
        emu.requests().iter().all(|r| r.username.is_none()),
        "no credentials are sent while the URL is wrong"
    );
}

#[test]
fn nexus3_given_with_a_context_it_does_not_have_shows_the_root_url() {
    let emu = emulator(Family::Nexus3);
    let run = token(&format!("{}/nexus", emu.base_url()), &[]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("--url {}", emu.origin_url())),
        "the hint shows the root URL: {}",
        run.stderr
    );
    run.assert_no_password();
}

#[test]
fn wrong_password_exits_3_and_says_so() {
    let emu = emulator(Family::Nexus3);
    let run = token_as(&emu.base_url(), USER, "not-the-password", &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("rejected the password of `alice`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: check the password"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("not-the-password"),
        "the password is never printed"
    );
    assert_eq!(
        count(&emu, RequestKind::Authenticate),
        1,
        "a rejected login is never retried"
    );
}

#[test]
fn username_with_the_wrong_case_exits_3_and_mentions_case_sensitivity() {
    for family in [Family::Nexus2, Family::Nexus3] {
        let emu = emulator(family);
        let run = token_as(&emu.base_url(), "Alice", PASSWORD, &[]);
        assert_eq!(run.code, 3, "{family}: {}", run.stderr);
        assert!(run.stderr.contains("username mismatch"), "{}", run.stderr);
        assert!(run.stderr.contains("case-sensitive"), "{}", run.stderr);
        run.assert_no_password();
    }
}

#[test]
fn login_refused_at_authenticate_exits_3() {
    let emu = emulator(Family::Nexus3);
    emu.set_fault(Some(Fault::Status(403)));
    let run = token(&emu.base_url(), &["--api", "nexus3"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("refused the login"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("hint: the password or account was refused"),
        "{}",
        run.stderr
    );
    run.assert_no_password();
}

#[test]
fn a_ticket_that_expires_is_retried_exactly_once_then_fails_with_4() {
    for family in Family::ALL {
        let emu = start(
            EmulatorConfig::new(family)
                .user(USER, PASSWORD)
                .ticket_lifetime(Duration::ZERO),
        );
        let run = token(&emu.base_url(), &["--api", family.name()]);
        assert_eq!(run.code, 4, "{family}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("rejected the authentication ticket twice"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("hint: retry"), "{}", run.stderr);
        run.assert_no_password();
        assert_eq!(
            count(&emu, RequestKind::Authenticate),
            2,
            "{family}: one retry, two tickets"
        );
        assert_eq!(
            count(&emu, RequestKind::Token),
            2,
            "{family}: two redemptions"
        );
    }
}

#[test]
fn one_expired_ticket_is_recovered_by_the_retry() {
    let emu = emulator(Family::Nexus3);
    emu.expire_next_tickets(1);
    let run = token(&emu.base_url(), &[]);
    assert_eq!(
        run.code, 0,
        "the retry with a fresh ticket succeeds: {}",
        run.stderr
    );
    assert_token_works(&emu, &run.stdout);
    let statuses: Vec<u16> = emu
        .requests()
        .iter()
        .filter(|r| r.kind == RequestKind::Token)
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        vec![403, 200],
        "the first ticket is refused, the second works"
    );
}

#[test]
fn non_pro_editions_are_refused_before_any_password_is_sent() {
    for (family, edition) in [
        (Family::Nexus3, "OSS"),
        (Family::Nexus3, "COMMUNITY"),
        (Family::Nexus3, "CORE"),
        (Family::Nexus2, "OSS"),
    ] {
        let emu = start(
            EmulatorConfig::new(family)
                .user(USER, PASSWORD)
                .edition(edition),
        );
        let run = token(&emu.base_url(), &[]);
        assert_eq!(run.code, 4, "{family} {edition}: {}", run.stderr);
        assert!(
            run.stderr.contains("this server has no user tokens"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!("edition `{edition}`")),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("hint: user tokens exist only in Nexus Pro"),
            "{}",
            run.stderr
        );
        assert!(
            emu.requests().iter().all(|r| r.username.is_none()),
            "{family} {edition}: no credentials are sent to a server without user tokens"
        );
    }
}

#[test]
fn a_forced_family_on_a_non_pro_server_reports_404_as_no_user_tokens() {
    let emu = start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, PASSWORD)
            .edition("OSS"),
    );
    let run = token(&emu.base_url(), &["--api", "nexus3"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("no user tokens (edition `OSS`"),
        "{}",
        run.stderr
    );
    run.assert_no_password();
}

#[test]
fn a_wrongly_forced_family_is_told_apart_from_a_missing_feature() {
    let emu = emulator(Family::Nexus3);
    let run = token(&emu.base_url(), &["--api", "nexus3-rest"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("has no `nexus3-rest` token resource"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("use `--api nexus3`"), "{}", run.stderr);
}

#[test]
fn a_disabled_feature_is_not_retried_and_says_so() {
    let emu = start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, PASSWORD)
            .token_feature_enabled(false),
    );
    let run = token(&emu.base_url(), &[]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("user tokens are disabled"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("enable user tokens"), "{}", run.stderr);
    assert_eq!(
        count(&emu, RequestKind::Authenticate),
        1,
        "a disabled feature is not retried"
    );
}

#[test]
fn an_html_login_page_is_named() {
    let emu = emulator(Family::Nexus3);
    emu.set_fault(Some(Fault::Html));
    for extra in [&[][..], &["--api", "nexus3"][..]] {
        let run = token(&emu.base_url(), extra);
        assert_eq!(run.code, 4, "{}", run.stderr);
        assert!(
            run.stderr.contains("HTML page instead of the Nexus API"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("hint: use the direct Nexus URL"),
            "{}",
            run.stderr
        );
        run.assert_no_password();
    }
}

#[test]
fn a_proxy_error_page_is_named() {
    let emu = emulator(Family::Nexus3);
    emu.set_fault(Some(Fault::Status(502)));
    let run = token(&emu.base_url(), &["--api", "nexus3"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("failed with HTTP 502"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: the server or a proxy in front of it failed"),
        "{}",
        run.stderr
    );
    run.assert_no_password();
}

#[test]
fn a_tls_failure_hints_at_ca_cert_and_ca_cert_fixes_it() {
    let url = emulator_util::tls_server();
    let run = token(&url, &["--api", "nexus3"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("TLS failure"), "{}", run.stderr);
    assert!(run.stderr.contains("--ca-cert FILE"), "{}", run.stderr);
    run.assert_no_password();

    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emulator_util::CA_PEM).unwrap();
    let run = token(&url, &["--ca-cert", ca.to_str().unwrap()]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("this server has no user tokens"),
        "with --ca-cert the handshake succeeds and detection reads the server: {}",
        run.stderr
    );
}

#[test]
fn a_refused_connection_exits_4() {
    let port = emulator_util::closed_port();
    let run = token(&format!("http://127.0.0.1:{port}"), &[]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("connection refused"), "{}", run.stderr);
    assert!(
        run.stderr.contains("hint: check host and port"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_stalled_server_times_out_with_4() {
    let emu = emulator(Family::Nexus3);
    emu.set_fault(Some(Fault::Stall));
    let run = token(&emu.base_url(), &["--timeout", "1"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("did not answer within 1 s"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--timeout SECS"), "{}", run.stderr);
}

#[test]
fn a_redirect_to_another_origin_never_carries_credentials() {
    let elsewhere = emulator(Family::Nexus3);
    let emu = emulator(Family::Nexus3);
    emu.set_fault(Some(Fault::RedirectTo(elsewhere.base_url())));
    let run = token(&emu.base_url(), &["--api", "nexus3"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("redirects to another origin"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&elsewhere.origin_url()),
        "{}",
        run.stderr
    );
    run.assert_no_password();
    assert!(
        elsewhere.requests().iter().all(|r| r.username.is_none()),
        "the other origin never receives credentials"
    );
}

#[test]
fn broken_answers_exit_4_without_echoing_the_body() {
    for fault in [Fault::TruncatedJson, Fault::InvalidJson, Fault::HugeBody] {
        let emu = emulator(Family::Nexus3);
        emu.set_fault(Some(fault.clone()));
        let run = token(&emu.base_url(), &["--api", "nexus3"]);
        assert_eq!(run.code, 4, "{fault:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("unreadable answer"),
            "{fault:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("not json"), "the body is never echoed");
        run.assert_no_password();
    }
    let emu = emulator(Family::Nexus3);
    emu.set_fault(Some(Fault::ResetConnection));
    let run = token(&emu.base_url(), &["--api", "nexus3"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("cannot talk to"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: check the URL"), "{}", run.stderr);
}

#[test]
fn output_formats_and_verbose_trace_never_leak_the_ticket_or_password() {
    let emu = emulator(Family::Nexus3);
    let run = token(&emu.base_url(), &["-v", "--format", "plain"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (name, pass) = emu.token_of(USER).unwrap();
    assert_eq!(run.stdout, format!("{name}:{pass}\n"));
    assert!(
        run.stderr.contains("authToken=<redacted> -> 200"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(&pass), "-v never prints the passCode");
    run.assert_no_password();

    let run = token(&emu.base_url(), &["--format", "env"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(&format!("export NEXUS_TOKEN_NAME_CODE='{name}'"))
    );
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    let emu = emulator(Family::Nexus3);
    let run = emulator_util::run(&["token", "--url", &emu.base_url(), "--username", USER], "");
    assert_eq!(
        run.code, 2,
        "no terminal and no --password-stdin: {}",
        run.stderr
    );
    assert!(run.stderr.contains("--password-stdin"), "{}", run.stderr);

    let run = token_as(&emu.base_url(), USER, "", &[]);
    assert_eq!(run.code, 2, "an empty password is refused: {}", run.stderr);
    assert!(
        run.stderr.contains("the password is empty"),
        "{}",
        run.stderr
    );

    let run = emulator_util::run(&["token", "--password-stdin"], "x\n");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("saved profile"), "{}", run.stderr);

    let run = token("ftp://127.0.0.1", &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("invalid Nexus URL"), "{}", run.stderr);
    assert!(
        emu.requests().iter().all(|r| r.username.is_none()),
        "usage errors send nothing"
    );
}

#[test]
fn a_forced_family_that_misses_authenticate_names_the_servers_family() {
    let emu = emulator(Family::Nexus2);
    let run = token(&emu.base_url(), &["--api", "nexus3"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("has no `nexus3` token resource"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("use `--api nexus2`"), "{}", run.stderr);
    run.assert_no_password();
}

#[test]
fn http_proxy_and_no_proxy_are_honoured() {
    let emu = emulator(Family::Nexus3);
    let proxy = format!("http://127.0.0.1:{}", emulator_util::closed_port());
    let args = [
        "token",
        "--url",
        &emu.base_url(),
        "--username",
        USER,
        "--password-stdin",
    ];
    let stdin = format!("{PASSWORD}\n");
    let run = emulator_util::run_env(&args, &stdin, &[("HTTP_PROXY", &proxy)]);
    assert_eq!(run.code, 4, "the unreachable proxy is used: {}", run.stderr);
    assert!(
        emu.requests().is_empty(),
        "nothing reaches the server around the proxy"
    );
    run.assert_no_password();
    let run = emulator_util::run_env(
        &args,
        &stdin,
        &[("HTTP_PROXY", &proxy), ("NO_PROXY", "127.0.0.1")],
    );
    assert_eq!(run.code, 0, "NO_PROXY bypasses the proxy: {}", run.stderr);
}

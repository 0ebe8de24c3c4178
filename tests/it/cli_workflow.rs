//! End to end: the built binary, a temp home, the emulator on 127.0.0.1 and a real Secret
//! Service (gnome-keyring on the private bus of scripts/with-keyring). No in-memory store here.

use crate::support;

use std::time::{Duration, SystemTime};

use crate::support::emulator_util::{USER, nexus3 as emulator};
use crate::support::{Sandbox, assert_no_secret, unique_password};
use nexus_token::emulator::{Emulator, EmulatorConfig};
use nexus_token::nexus::Family;

fn login(sb: &Sandbox, emu: &Emulator, password: &str, extra: &[&str]) -> support::Run {
    sb.login(&emu.base_url(), USER, password, extra)
}

/// A logged-in sandbox (real keyring) against a fresh Nexus 3 emulator.
fn logged_in(targets: &[&str]) -> (Sandbox, Emulator, String) {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::with_keyring();
    sb.login_ok(&emu.base_url(), USER, &pw, targets);
    (sb, emu, pw)
}

fn mtime(path: &std::path::Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn login_then_refresh_writes_nothing_the_second_time() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::with_keyring();
    let run = login(
        &sb,
        &emu,
        &pw,
        &["--maven-server", "nexus", "--gradle-prefix", "nexus"],
    );
    assert_eq!(run.code, 0, "login succeeds: {}", run.all());
    assert_no_secret(&run.all(), &pw, "login output");
    let (name, pass) = emu.token_of(USER).expect("the emulator issued a token");
    let settings = read(&sb.settings());
    assert!(
        settings.contains(&format!("<username>{name}</username>")),
        "settings.xml holds the nameCode:\n{settings}"
    );
    assert!(settings.contains(&pass), "settings.xml holds the passCode");
    let props = read(&sb.properties());
    assert!(
        props.contains(&format!("nexusUsername={name}")),
        "gradle.properties holds the nameCode:\n{props}"
    );

    let before = (
        read(&sb.settings()),
        read(&sb.properties()),
        mtime(&sb.settings()),
        mtime(&sb.properties()),
    );
    std::thread::sleep(Duration::from_millis(20));
    emu.clear_requests();
    let run = sb.run(&["refresh"], None);
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    assert_no_secret(&run.all(), &pw, "refresh output");
    assert_no_secret(&run.all(), &pass, "refresh output");
    let after = (
        read(&sb.settings()),
        read(&sb.properties()),
        mtime(&sb.settings()),
        mtime(&sb.properties()),
    );
    assert_eq!(
        before, after,
        "a refresh with an unchanged token leaves bytes and mtimes alone"
    );
    let requests = emu.requests();
    assert_eq!(
        requests.len(),
        2,
        "with the family cached from login, a refresh makes exactly two requests: {requests:?}"
    );

    // Nothing the tool wrote outside the targets holds the password or the passCode.
    for (path, bytes) in sb.files_except(&[&sb.settings(), &sb.properties()]) {
        let text = String::from_utf8_lossy(&bytes);
        assert_no_secret(&text, &pw, &format!("`{}`", path.display()));
        assert_no_secret(&text, &pass, &format!("`{}`", path.display()));
    }
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn refresh_after_a_server_reset_writes_the_new_token() {
    let (sb, emu, _) = logged_in(&["--maven-server", "nexus", "--gradle-prefix", "repo"]);
    let (_, old_pass) = emu.token_of(USER).unwrap();
    emu.reset_token(USER);
    let run = sb.run(&["refresh"], None);
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    let (name, pass) = emu.token_of(USER).unwrap();
    assert_ne!(
        pass, old_pass,
        "the server issued a new token after the reset"
    );
    let settings = read(&sb.settings());
    assert!(
        settings.contains(&pass) && settings.contains(&name),
        "settings.xml holds the new token"
    );
    assert!(
        !settings.contains(&old_pass),
        "settings.xml no longer holds the old token"
    );
    assert!(
        read(&sb.properties()).contains(&format!("repoPassword={pass}")),
        "gradle.properties holds the new passCode"
    );
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn two_profiles_against_two_servers_refresh_in_one_run() {
    let pw1 = unique_password();
    let pw2 = unique_password() + "-2";
    let emu1 = emulator(&pw1);
    let emu2 = Emulator::start(EmulatorConfig::new(Family::Nexus2).user(USER, &pw2)).unwrap();
    let sb = Sandbox::with_keyring();
    assert_eq!(
        login(
            &sb,
            &emu1,
            &pw1,
            &["--profile", "one", "--maven-server", "one"]
        )
        .code,
        0
    );
    let r = login(
        &sb,
        &emu2,
        &pw2,
        &["--profile", "two", "--maven-server", "two"],
    );
    assert_eq!(r.code, 0, "second login: {}", r.all());
    emu1.reset_token(USER);
    emu2.reset_token(USER);
    let run = sb.run(&["refresh"], None);
    assert_eq!(
        run.code,
        0,
        "refresh of both profiles succeeds: {}",
        run.all()
    );
    let settings = read(&sb.settings());
    assert!(
        settings.contains(&emu1.token_of(USER).unwrap().1),
        "server `one` holds the first server's new token"
    );
    assert!(
        settings.contains(&emu2.token_of(USER).unwrap().1),
        "server `two` holds the second server's new token"
    );
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn a_failing_profile_does_not_stop_the_others_and_sets_the_exit_code() {
    let pw = unique_password();
    let emu1 = emulator(&pw);
    let emu2 = emulator(&pw);
    let sb = Sandbox::with_keyring();
    assert_eq!(
        login(&sb, &emu1, &pw, &["--profile", "a", "--maven-server", "a"]).code,
        0
    );
    assert_eq!(
        login(&sb, &emu2, &pw, &["--profile", "b", "--maven-server", "b"]).code,
        0
    );
    drop(emu1); // server `a` goes away
    emu2.reset_token(USER);
    let run = sb.run(&["refresh"], None);
    assert_eq!(
        run.code,
        4,
        "an unreachable server exits 4 even when another profile succeeded: {}",
        run.all()
    );
    assert!(
        read(&sb.settings()).contains(&emu2.token_of(USER).unwrap().1),
        "profile `b` was still refreshed"
    );
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn login_without_targets_discovers_the_servers_pointing_at_this_nexus() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::with_keyring();
    let url = emu.base_url();
    let original = format!(
        r#"<settings>
  <mirrors>
    <mirror><id>company</id><mirrorOf>*</mirrorOf><url>{url}/repository/maven-public/</url></mirror>
  </mirrors>
  <servers>
    <server><id>company</id><username>someone</username><password>old</password></server>
    <server><id>mine</id><username>{USER}</username><password>old</password></server>
    <server><id>elsewhere</id><username>bob</username><password>keep-me</password></server>
  </servers>
</settings>
"#
    );
    std::fs::create_dir_all(sb.settings().parent().unwrap()).unwrap();
    std::fs::write(sb.settings(), &original).unwrap();
    let run = login(&sb, &emu, &pw, &[]);
    assert_eq!(run.code, 0, "login with discovery succeeds: {}", run.all());
    let (name, _) = emu.token_of(USER).unwrap();
    let settings = read(&sb.settings());
    assert_eq!(
        settings
            .matches(&format!("<username>{name}</username>"))
            .count(),
        1,
        "only the server the Nexus mirror uses got the token:\n{settings}"
    );
    assert!(
        settings.contains(&format!(
            "<id>mine</id><username>{USER}</username><password>old</password>"
        )),
        "a server whose username alone matches is left as it was:\n{settings}"
    );
    assert!(
        run.stderr
            .contains("left `<server>` `mine` alone: only the username matches"),
        "login says which server it left alone and why: {}",
        run.stderr
    );
    assert!(
        settings.contains("<id>elsewhere</id><username>bob</username><password>keep-me</password>"),
        "the unrelated server is untouched"
    );
    assert!(
        !sb.properties().exists(),
        "discovery writes no gradle.properties"
    );
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn login_without_targets_and_nothing_to_discover_stops_with_a_hint() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::with_keyring();
    let run = login(&sb, &emu, &pw, &[]);
    assert_eq!(run.code, 2, "no target is a usage error: {}", run.all());
    assert!(
        run.stderr.contains("--maven-server") && run.stderr.contains("--gradle-prefix"),
        "the hint names the flags: {}",
        run.stderr
    );
    assert!(
        !sb.settings().exists() && !sb.config().exists(),
        "nothing was written"
    );
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn dry_run_writes_nothing_and_prints_no_secret() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::with_keyring();
    let run = login(
        &sb,
        &emu,
        &pw,
        &[
            "--maven-server",
            "nexus",
            "--gradle-prefix",
            "nexus",
            "--dry-run",
        ],
    );
    assert_eq!(run.code, 0, "dry-run login succeeds: {}", run.all());
    let (_, pass) = emu.token_of(USER).unwrap();
    assert_no_secret(&run.all(), &pw, "dry-run output");
    assert_no_secret(&run.all(), &pass, "dry-run output");
    assert!(
        run.stderr.contains("settings.xml") && run.stderr.contains("nexus"),
        "names the file and the id: {}",
        run.stderr
    );
    assert!(
        !sb.settings().exists() && !sb.properties().exists() && !sb.config().exists(),
        "a dry run writes nothing"
    );

    assert_eq!(login(&sb, &emu, &pw, &["--maven-server", "nexus"]).code, 0);
    emu.reset_token(USER);
    let before = read(&sb.settings());
    let run = sb.run(&["refresh", "--dry-run"], None);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr.contains("would update"),
        "says what would change: {}",
        run.stderr
    );
    assert_eq!(
        read(&sb.settings()),
        before,
        "a dry-run refresh writes nothing"
    );
    assert_no_secret(
        &run.all(),
        &emu.token_of(USER).unwrap().1,
        "dry-run refresh output",
    );
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn ten_parallel_refreshes_leave_valid_files_with_each_id_once() {
    let (sb, emu, _) = logged_in(&[
        "--maven-server",
        "a",
        "--maven-server",
        "b",
        "--gradle-prefix",
        "p",
    ]);
    emu.reset_token(USER);
    let children: Vec<_> = (0..10)
        .map(|_| {
            let mut cmd = sb.command(&["refresh", "-q"]);
            cmd.spawn().unwrap()
        })
        .collect();
    let codes: Vec<i32> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code().unwrap_or(-1))
        .collect();
    assert!(
        codes.iter().all(|c| *c == 0),
        "every parallel refresh succeeds: {codes:?}"
    );
    let (name, pass) = emu.token_of(USER).unwrap();
    let settings = read(&sb.settings());
    assert_eq!(
        settings.matches("<id>a</id>").count(),
        1,
        "id `a` exactly once:\n{settings}"
    );
    assert_eq!(
        settings.matches("<id>b</id>").count(),
        1,
        "id `b` exactly once"
    );
    assert_eq!(
        settings.matches(&pass).count(),
        2,
        "both servers hold the current token"
    );
    let props = read(&sb.properties());
    assert_eq!(
        props.matches("pUsername=").count(),
        1,
        "one username key:\n{props}"
    );
    assert!(
        props.contains(&format!("pUsername={name}"))
            && props.contains(&format!("pPassword={pass}"))
    );
    assert!(
        nexus_token::maven::read_server(settings.as_bytes(), "a")
            .unwrap()
            .is_some(),
        "settings.xml still parses"
    );
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn scripted_login_never_prompts_and_exits_with_the_documented_codes() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::with_keyring();
    let url = emu.base_url();

    // No terminal and no --password-stdin: usage error, no prompt (stdin is /dev/null).
    let run = sb.run(
        &[
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--maven-server",
            "x",
        ],
        None,
    );
    assert_eq!(run.code, 2, "no password source exits 2: {}", run.all());
    assert!(
        run.stderr.contains("--password-stdin"),
        "the hint names --password-stdin: {}",
        run.stderr
    );
    assert!(!run.all().contains("password:"), "no prompt was shown");

    // No username and no terminal.
    let run = sb.run(
        &[
            "login",
            "--url",
            &url,
            "--password-stdin",
            "--maven-server",
            "x",
        ],
        Some("x\n"),
    );
    assert_eq!(run.code, 2, "no username exits 2: {}", run.all());

    // Wrong password: 3.
    let wrong = format!("{pw}-wrong");
    let run = login(&sb, &emu, &wrong, &["--maven-server", "x"]);
    assert_eq!(run.code, 3, "a wrong password exits 3: {}", run.all());
    assert_no_secret(&run.all(), &wrong, "wrong-password output");

    // Unreachable server: 4.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let run = sb.login(&dead, USER, &pw, &["--maven-server", "x"]);
    assert_eq!(run.code, 4, "an unreachable server exits 4: {}", run.all());

    // Malformed settings.xml: 5, and the file stays byte-identical.
    std::fs::create_dir_all(sb.settings().parent().unwrap()).unwrap();
    let broken = "<settings>\n  <servers>\n    <server><id>x</id>\n</settings>\n";
    std::fs::write(sb.settings(), broken).unwrap();
    let run = login(&sb, &emu, &pw, &["--maven-server", "x"]);
    assert_eq!(
        run.code,
        5,
        "a malformed settings.xml exits 5: {}",
        run.all()
    );
    assert!(
        run.stderr.contains("settings.xml") && run.stderr.contains("line"),
        "names the file and the line: {}",
        run.stderr
    );
    assert_eq!(
        read(&sb.settings()),
        broken,
        "the malformed file stays byte-identical"
    );
    assert_no_secret(&run.all(), &pw, "output");
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn a_rejected_password_pauses_refresh_until_login() {
    let (sb, emu, pw) = logged_in(&["--maven-server", "nexus"]);
    let new_pw = format!("{pw}-changed");
    emu.set_password(USER, &new_pw);
    emu.clear_requests();
    let run = sb.run(&["refresh"], None);
    assert_eq!(
        run.code,
        3,
        "the rejected stored password exits 3: {}",
        run.all()
    );
    assert!(
        !emu.requests().is_empty(),
        "the first refresh did contact the server"
    );

    emu.clear_requests();
    let run = sb.run(&["refresh"], None);
    assert_eq!(run.code, 3, "a paused profile exits 3: {}", run.all());
    assert!(
        run.stderr.contains("nexus-token login"),
        "the hint says to log in again: {}",
        run.stderr
    );
    assert_eq!(
        emu.requests().len(),
        0,
        "a paused profile makes zero requests: {:?}",
        emu.requests()
    );

    let status = sb.run(&["status", "--json"], None);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert!(
        json["profiles"][0]["rejected"].is_object(),
        "status shows the paused state: {}",
        status.stdout
    );

    assert_eq!(
        login(&sb, &emu, &new_pw, &[]).code,
        0,
        "login with the new password succeeds"
    );
    emu.reset_token(USER);
    let run = sb.run(&["refresh"], None);
    assert_eq!(
        run.code,
        0,
        "after login, refresh works again: {}",
        run.all()
    );
    assert_no_secret(&run.all(), &new_pw, "refresh output");
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn status_json_has_the_documented_fields_and_no_secret() {
    let (sb, emu, pw) = logged_in(&["--maven-server", "nexus", "--gradle-prefix", "nexus"]);
    let run = sb.run(&["status", "--json"], None);
    assert_eq!(run.code, 0);
    let (_, pass) = emu.token_of(USER).unwrap();
    assert_no_secret(&run.all(), &pass, "status output");
    assert_no_secret(&run.all(), &pw, "status output");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let p = &json["profiles"][0];
    assert_eq!(json["schema"], 1);
    assert_eq!(p["name"], "default");
    assert_eq!(p["family"], "nexus3");
    assert!(p["last_success"].is_string(), "last_success is set: {p}");
    let targets = p["targets"].as_array().unwrap();
    assert_eq!(
        targets.len(),
        2,
        "one maven server and one gradle key pair: {p}"
    );
    assert!(
        targets.iter().all(|t| t["state"] == "current"),
        "both targets hold the current token: {p}"
    );

    // Someone edits the file by hand: status notices.
    let edited = read(&sb.settings()).replace(&pass, "hand-edited");
    std::fs::write(sb.settings(), edited).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&sb.run(&["status", "--json"], None).stdout).unwrap();
    assert_eq!(
        json["profiles"][0]["targets"][0]["state"], "stale",
        "a hand-edited password shows as stale"
    );
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn logout_removes_the_password_and_optionally_the_credentials() {
    let (sb, emu, _) = logged_in(&["--maven-server", "nexus", "--gradle-prefix", "nexus"]);
    let run = sb.run(&["logout", "--remove-credentials"], None);
    assert_eq!(run.code, 0, "logout succeeds: {}", run.all());
    assert!(
        run.stderr.contains("stays valid on the server"),
        "says the token stays valid: {}",
        run.stderr
    );
    let (_, pass) = emu.token_of(USER).unwrap();
    assert!(
        !read(&sb.settings()).contains(&pass),
        "the passCode is gone from settings.xml"
    );
    assert!(
        !read(&sb.properties()).contains(&pass),
        "the passCode is gone from gradle.properties"
    );
    let settings = read(&sb.settings());
    assert!(
        settings.contains("<id>nexus</id>")
            && !settings.contains("<username>")
            && !settings.contains("<password>"),
        "the server keeps its id and loses both credential elements:\n{settings}"
    );
    let props = read(&sb.properties());
    assert!(
        !props.contains("nexusUsername") && !props.contains("nexusPassword"),
        "the Gradle key lines are gone:\n{props}"
    );
    let run = sb.run(&["refresh"], None);
    assert_ne!(
        run.code,
        0,
        "with no profile left, refresh fails: {}",
        run.all()
    );
}

#[test]
fn demo_runs_and_touches_nothing_of_the_users() {
    let sb = Sandbox::new();
    let run = sb.run(&["demo"], None);
    assert_eq!(run.code, 0, "demo succeeds: {}", run.all());
    assert!(
        run.stdout.contains("<username>"),
        "demo shows the written settings.xml: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("nexusPassword="),
        "demo shows the written gradle.properties"
    );
    assert!(
        run.stdout.contains("/repository/npm-group/:_auth=")
            && run.stdout.contains("machine 127.0.0.1 login"),
        "one login also wrote the user npmrc and netrc: {}",
        run.stdout
    );
    assert!(
        !sb.settings().exists() && !sb.config().exists(),
        "demo wrote nothing into the user's home"
    );
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring), python3"]
fn login_on_a_terminal_prompts_for_the_username_then_the_password_without_echo() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::with_keyring();
    let url = emu.base_url();
    let driver = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pty/drive.py");
    // The sandbox's environment, as in a fresh terminal session, plus the password for the
    // driver to type (never on a command line). The driver types it only once echo is off.
    let mut python = sb.program(support::require_tool("python3"), &[]);
    python.env("TEST_ANSWER_PASSWORD", &pw);
    python
        .arg(driver)
        .args([
            "Nexus username: ",
            USER,
            "Nexus password for",
            "$TEST_ANSWER_PASSWORD",
            "--",
        ])
        .arg(support::BIN)
        .args(["login", "--url", &url, "--maven-server", "nexus"]);
    let out = python.output().unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "login on a terminal succeeds:\n{screen}"
    );
    assert!(
        screen.contains("Nexus username: "),
        "asks for the username first:\n{screen}"
    );
    let user_at = screen.find("Nexus username: ").unwrap();
    let pass_at = screen
        .find("Nexus password for")
        .expect("asks for the password");
    assert!(
        user_at < pass_at,
        "the username comes before the password:\n{screen}"
    );
    assert!(
        screen[user_at..pass_at].contains(USER),
        "the typed username is echoed:\n{screen}"
    );
    assert_no_secret(
        &screen,
        &pw,
        "the terminal (the password must not be echoed)",
    );
    let (name, _) = emu.token_of(USER).unwrap();
    assert!(
        read(&sb.settings()).contains(&name),
        "the token was written"
    );
}

//! `doctor` end to end: for each check, a scenario where it does not pass, and the line names
//! the fix. Failures exit 1; warnings and a missing schedule do not. `--json` parses and its `ok`
//! matches the exit code. Most profiles use `--no-keyring` (doctor then checks everything but
//! the live token); the checks that need the stored password run against the real Secret
//! Service (`scripts/with-keyring cargo test --test cli_doctor`).

use crate::support;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::support::emulator_util::{USER, nexus3 as emulator};
use crate::support::{Sandbox, assert_no_secret, unique_password};
use nexus_token::emulator::{Emulator, EmulatorConfig, RequestKind};
use nexus_token::nexus::Family;

/// Logs in with the targets `nexus` (Maven) and `nexus` (Gradle prefix).
fn login(sb: &Sandbox, emu: &Emulator, password: &str, keyring: bool) {
    let targets = ["--maven-server", "nexus", "--gradle-prefix", "nexus"];
    let no_keyring: &[&str] = if keyring { &[] } else { &["--no-keyring"] };
    sb.login_ok(
        &emu.base_url(),
        USER,
        password,
        &[&targets[..], no_keyring].concat(),
    );
}

fn doctor(sb: &Sandbox) -> support::Run {
    sb.run(&["doctor"], None)
}

/// The line marked `mark` (`ok`, `info`, `warn`, `FAIL`) that contains `needle`, and its fix.
fn finding(run: &support::Run, mark: &str, needle: &str) -> (String, String) {
    let lines: Vec<&str> = run.stdout.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.starts_with(mark) && l.contains(needle))
        .unwrap_or_else(|| {
            panic!(
                "doctor prints a `{mark}` line containing `{needle}`:\n{}",
                run.all()
            )
        });
    let fix = lines
        .get(i + 1)
        .and_then(|l| l.trim_start().strip_prefix("fix: "))
        .unwrap_or_default()
        .to_owned();
    (lines[i].to_owned(), fix)
}

fn replace_in(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains(from),
        "`{}` contains `{from}`",
        path.display()
    );
    std::fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn a_healthy_no_keyring_profile_passes_and_json_agrees() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw, false);
    let run = doctor(&sb);
    assert_eq!(run.code, 0, "a healthy profile passes: {}", run.all());
    assert!(
        !run.stdout.contains("FAIL"),
        "no check fails:\n{}",
        run.stdout
    );
    finding(&run, "ok", "answers: Nexus 3.77.0-08 PRO, API `nexus3`");
    finding(&run, "ok", "the PRO edition has user tokens");
    finding(&run, "ok", "settings.xml` parses");
    finding(&run, "ok", "nexus holds the current token");
    finding(&run, "ok", "is private to you");
    let (line, fix) = finding(&run, "info", "--no-keyring");
    assert!(
        fix.is_empty(),
        "a --no-keyring profile is information, not something to fix: {line}"
    );

    let json = sb.run(&["doctor", "--json"], None);
    assert_eq!(json.code, 0);
    let value: serde_json::Value =
        serde_json::from_str(&json.stdout).expect("doctor --json prints JSON");
    assert_eq!(
        value["ok"],
        serde_json::json!(true),
        "`ok` is true when the exit code is 0: {value}"
    );
    assert!(
        value["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["level"] != "fail"),
        "no check fails in JSON either"
    );
}

#[test]
fn json_ok_is_false_with_a_failing_check_and_the_exit_code_is_1() {
    let sb = Sandbox::new();
    let run = sb.run(&["doctor", "--json"], None);
    assert_eq!(run.code, 1, "a failing check exits 1: {}", run.all());
    let value: serde_json::Value =
        serde_json::from_str(&run.stdout).expect("doctor --json prints JSON");
    assert_eq!(
        value["ok"],
        serde_json::json!(false),
        "`ok` is false when the exit code is 1: {value}"
    );
    let config = value["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "config")
        .expect("a config check");
    assert_eq!(config["level"], "fail");
    assert!(
        config["fix"]
            .as_str()
            .unwrap()
            .contains("nexus-token login"),
        "the JSON fix names the command: {config}"
    );
}

#[test]
fn no_profile_fails_with_the_login_command() {
    let sb = Sandbox::new();
    let run = doctor(&sb);
    assert_eq!(run.code, 1, "no profile is a failure: {}", run.all());
    let (_, fix) = finding(&run, "FAIL", "no saved profile");
    assert!(
        fix.contains("`nexus-token login --url URL --username USER`"),
        "the fix is the login command: {fix}"
    );
}

#[test]
fn an_unreachable_server_fails_with_a_fix() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw, false);
    drop(emu);
    let run = doctor(&sb);
    assert_eq!(
        run.code,
        1,
        "an unreachable server is a failure: {}",
        run.all()
    );
    let (_, fix) = finding(&run, "FAIL", "127.0.0.1");
    assert!(
        fix.contains("check host and port in `--url` and that Nexus is running"),
        "the fix says what to check: {fix}"
    );
    finding(&run, "ok", "nexus holds the current token");
}

#[test]
fn a_non_pro_edition_fails_with_a_fix() {
    let pw = unique_password();
    let pro = emulator(&pw);
    let oss = Emulator::start(
        EmulatorConfig::new(Family::Nexus3)
            .edition("OSS")
            .user(USER, &pw),
    )
    .unwrap();
    let sb = Sandbox::new();
    login(&sb, &pro, &pw, false);
    replace_in(&sb.config(), &pro.base_url(), &oss.base_url());
    let run = doctor(&sb);
    assert_eq!(
        run.code,
        1,
        "a server without user tokens is a failure: {}",
        run.all()
    );
    let (_, fix) = finding(&run, "FAIL", "the OSS edition has no user tokens");
    assert!(
        fix.contains("Nexus Pro") && fix.contains("nexus-token login --profile default --url URL"),
        "the fix names Pro and the login command: {fix}"
    );
}

#[test]
fn a_forced_family_that_does_not_match_warns_with_a_fix() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw, false);
    replace_in(
        &sb.config(),
        "username = \"alice\"",
        "username = \"alice\"\napi = \"nexus3-rest\"",
    );
    let run = doctor(&sb);
    let (_, fix) = finding(&run, "warn", "forces `--api nexus3-rest`");
    assert!(
        fix.contains("`nexus-token login --profile default --api auto`"),
        "the fix is a login with detection: {fix}"
    );
}

#[test]
fn a_paused_profile_fails_with_the_login_command_and_sends_nothing() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw, false);
    emu.set_password(USER, &format!("{pw}-changed"));
    let run = sb.run(&["refresh", "--password-stdin"], Some(&format!("{pw}\n")));
    assert_eq!(run.code, 3, "the old password is rejected: {}", run.all());
    emu.clear_requests();
    let run = doctor(&sb);
    assert_eq!(run.code, 1, "a paused profile is a failure: {}", run.all());
    let (_, fix) = finding(
        &run,
        "FAIL",
        "refresh is paused: Nexus rejected the stored password",
    );
    assert!(
        fix.contains("`nexus-token login --profile default`"),
        "the fix is the login command: {fix}"
    );
    assert!(
        emu.requests().iter().all(|r| r.username.is_none()),
        "doctor sends no credentials for a paused profile: {:?}",
        emu.requests()
    );
}

#[test]
fn a_malformed_settings_file_fails_with_a_fix() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw, false);
    std::fs::write(
        sb.settings(),
        "<settings><servers><server><id>nexus</id></servers>\n",
    )
    .unwrap();
    let run = doctor(&sb);
    assert_eq!(
        run.code,
        1,
        "a malformed settings.xml is a failure: {}",
        run.all()
    );
    let (line, fix) = finding(&run, "FAIL", "settings.xml`:");
    assert!(
        fix.contains("fix the file at that line and column"),
        "the fix points at the position: {line} / {fix}"
    );
}

#[test]
fn a_missing_file_fails_with_the_refresh_command() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw, false);
    std::fs::remove_file(sb.properties()).unwrap();
    let run = doctor(&sb);
    assert_eq!(
        run.code,
        1,
        "a missing target file is a failure: {}",
        run.all()
    );
    let (_, fix) = finding(&run, "FAIL", "gradle.properties` does not exist");
    assert!(
        fix.contains("`nexus-token refresh --profile default`"),
        "the fix is the refresh command: {fix}"
    );
}

#[test]
fn a_stale_token_in_a_file_fails_with_the_refresh_command() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw, false);
    let (_, pass) = emu.token_of(USER).unwrap();
    replace_in(
        &sb.properties(),
        &format!("nexusPassword={pass}"),
        "nexusPassword=an-old-token",
    );
    let run = doctor(&sb);
    assert_eq!(run.code, 1, "a stale token is a failure: {}", run.all());
    assert_no_secret(&run.all(), &pass, "doctor output");
    let (_, fix) = finding(
        &run,
        "FAIL",
        "nexusUsername holds another value than the current token",
    );
    assert!(
        fix.contains("`nexus-token refresh --profile default`"),
        "the fix is the refresh command: {fix}"
    );
    finding(&run, "ok", "nexus holds the current token");
}

#[test]
fn a_world_readable_file_warns_with_chmod_but_does_not_fail() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw, false);
    std::fs::set_permissions(sb.settings(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = doctor(&sb);
    assert_eq!(
        run.code,
        0,
        "a readable file is a warning, not a failure: {}",
        run.all()
    );
    let (_, fix) = finding(&run, "warn", "is readable by every user");
    assert!(
        fix.contains(&format!("chmod 600 '{}'", sb.settings().display())),
        "the fix is the chmod command: {fix}"
    );
}

#[test]
fn duplicate_server_ids_warn_with_a_fix() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw, false);
    replace_in(
        &sb.settings(),
        "</servers>",
        "  <server>\n      <id>nexus</id>\n      <username>someone</username>\n      <password>else</password>\n    </server>\n  </servers>",
    );
    let run = doctor(&sb);
    assert_eq!(
        run.code,
        0,
        "a duplicate is a warning, not a failure: {}",
        run.all()
    );
    let (_, fix) = finding(
        &run,
        "warn",
        "several `<server>` entries with the id(s) nexus",
    );
    assert!(
        fix.contains("delete the later `<server>` entries with the id(s) nexus"),
        "the fix says which entries to delete: {fix}"
    );
    assert!(
        fix.contains(&sb.settings().display().to_string()),
        "the fix names the file: {fix}"
    );
}

#[test]
fn an_org_gradle_project_variable_warns_with_a_fix() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw, false);
    let mut cmd = sb.command(&["doctor"]);
    cmd.env("ORG_GRADLE_PROJECT_nexusPassword", "shadow");
    let run = sb.run_with(cmd, None);
    assert_eq!(run.code, 0, "an override is a warning: {}", run.all());
    let (_, fix) = finding(
        &run,
        "warn",
        "`ORG_GRADLE_PROJECT_nexusPassword` is set and overrides `nexusPassword`",
    );
    assert!(
        fix.contains("unset `ORG_GRADLE_PROJECT_nexusPassword`"),
        "the fix is to unset it: {fix}"
    );
}

#[test]
fn a_project_gradle_properties_with_the_keys_warns_with_a_fix() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw, false);
    let project = sb.dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("gradle.properties"),
        "org.gradle.jvmargs=-Xmx1g\nnexusUsername=someone\n",
    )
    .unwrap();
    let mut cmd = sb.command(&["doctor"]);
    cmd.current_dir(&project);
    let run = sb.run_with(cmd, None);
    assert_eq!(
        run.code,
        0,
        "a shadowing project file is a warning: {}",
        run.all()
    );
    let (line, fix) = finding(&run, "warn", "the project's");
    assert!(
        line.contains("nexusUsername"),
        "the line names the key: {line}"
    );
    assert!(
        fix.contains(&format!(
            "remove `nexusUsername` from `{}`",
            project.join("gradle.properties").display()
        )),
        "the fix names the key and the file: {fix}"
    );
    assert!(
        !run.stdout.contains("`nexusPassword` from"),
        "a key the project file does not set is not reported:\n{}",
        run.stdout
    );
}

#[test]
fn a_user_home_file_shadowing_another_target_warns_with_a_fix() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    let elsewhere = sb.dir.path().join("ci/gradle.properties");
    let url = emu.base_url();
    let run = sb.run(
        &[
            "login",
            "--url",
            url.as_str(),
            "--username",
            USER,
            "--password-stdin",
            "--no-keyring",
            "--gradle-prefix",
            "nexus",
            "--gradle-properties",
            elsewhere.to_str().unwrap(),
        ],
        Some(&format!("{pw}\n")),
    );
    assert_eq!(run.code, 0, "login succeeds: {}", run.all());
    std::fs::create_dir_all(sb.properties().parent().unwrap()).unwrap();
    std::fs::write(sb.properties(), "nexusPassword=old\n").unwrap();
    let run = doctor(&sb);
    let (_, fix) = finding(&run, "warn", "Gradle prefers it over");
    assert!(
        fix.contains(&format!(
            "remove `nexusPassword` from `{}`",
            sb.properties().display()
        )),
        "the fix names the key and the user-home file: {fix}"
    );
}

#[test]
fn the_schedule_is_information_when_missing_and_ok_when_installed() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw, false);
    let units = sb.dir.path().join("units");
    std::fs::create_dir_all(&units).unwrap();

    let mut cmd = sb.command(&["doctor"]);
    cmd.env("NEXUS_TOKEN_SCHEDULE_DIR", &units);
    let run = sb.run_with(cmd, None);
    assert_eq!(
        run.code,
        0,
        "a missing schedule is not a failure: {}",
        run.all()
    );
    let (_, fix) = finding(&run, "info", "no periodic refresh is installed");
    assert!(
        fix.contains("`nexus-token schedule`"),
        "the fix is the install command: {fix}"
    );

    let mut cmd = sb.command(&["schedule"]);
    cmd.env("NEXUS_TOKEN_SCHEDULE_DIR", &units);
    let run = sb.run_with(cmd, None);
    assert_eq!(
        run.code,
        0,
        "schedule installs into NEXUS_TOKEN_SCHEDULE_DIR: {}",
        run.all()
    );

    let mut cmd = sb.command(&["doctor"]);
    cmd.env("NEXUS_TOKEN_SCHEDULE_DIR", &units);
    let run = sb.run_with(cmd, None);
    assert_eq!(run.code, 0, "doctor passes: {}", run.all());
    let (line, _) = finding(&run, "ok", "a periodic refresh is installed");
    assert!(
        line.contains(&units.display().to_string()),
        "the line names the installed unit: {line}"
    );
    let status = sb.run(&["status", "--json"], None);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let last = json["profiles"][0]["last_success"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        line.contains(&format!("last successful refresh: {last}")),
        "the line says when a refresh last succeeded: {line}"
    );

    // A failing last refresh turns the line into a warning that says how to see why.
    drop(emu);
    let run = sb.run(&["refresh", "--password-stdin"], Some(&format!("{pw}\n")));
    assert_eq!(run.code, 4, "refresh fails without a server: {}", run.all());
    let mut cmd = sb.command(&["doctor"]);
    cmd.env("NEXUS_TOKEN_SCHEDULE_DIR", &units);
    let run = sb.run_with(cmd, None);
    let (_, fix) = finding(&run, "warn", "the last refresh of default failed");
    assert!(
        fix.contains("`nexus-token refresh -v`"),
        "the fix says how to see the error: {fix}"
    );
}

// ---- checks that need the stored password (real Secret Service) ----

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn a_healthy_keyring_profile_passes_with_the_token_check() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::with_keyring();
    login(&sb, &emu, &pw, true);
    let run = doctor(&sb);
    assert_eq!(run.code, 0, "a healthy profile passes: {}", run.all());
    assert_no_secret(&run.all(), &pw, "doctor output");
    finding(&run, "ok", "the password of `alice` is in the keyring");
    finding(
        &run,
        "ok",
        "Nexus accepts the stored password and issues a user token",
    );
    finding(&run, "ok", "the server does not expire tokens");
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn no_stored_password_fails_with_the_login_command() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::with_keyring();
    login(&sb, &emu, &pw, false);
    replace_in(&sb.config(), "keyring = false", "keyring = true");
    let run = doctor(&sb);
    assert_eq!(
        run.code,
        1,
        "a missing password is a failure: {}",
        run.all()
    );
    let (_, fix) = finding(&run, "FAIL", "no stored password for `alice`");
    assert!(
        fix.contains("`nexus-token login --profile default`"),
        "the fix is the login command: {fix}"
    );
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn a_rejected_password_fails_with_the_login_command_and_pauses_the_profile() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::with_keyring();
    login(&sb, &emu, &pw, true);
    emu.set_password(USER, &format!("{pw}-changed"));
    let run = doctor(&sb);
    assert_eq!(
        run.code,
        1,
        "a rejected password is a failure: {}",
        run.all()
    );
    let (line, fix) = finding(&run, "FAIL", "refresh of this profile is paused");
    assert!(
        fix.contains("`nexus-token login --profile default`"),
        "the fix is the login command: {line} / {fix}"
    );

    emu.clear_requests();
    let run = sb.run(&["refresh"], None);
    assert_eq!(
        run.code,
        3,
        "refresh stays paused after doctor saw the rejection: {}",
        run.all()
    );
    assert!(
        emu.requests().is_empty(),
        "the paused profile is not sent to Nexus again: {:?}",
        emu.requests()
    );
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn an_expired_token_fails_with_the_refresh_command() {
    let pw = unique_password();
    let emu = Emulator::start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, &pw)
            .expiry(Some(Duration::from_secs(30 * 86_400))),
    )
    .unwrap();
    let sb = Sandbox::with_keyring();
    login(&sb, &emu, &pw, true);
    let run = doctor(&sb);
    assert_eq!(run.code, 0, "a fresh token passes: {}", run.all());
    finding(&run, "ok", "(29 days left)");

    emu.expire_token(USER);
    let run = doctor(&sb);
    assert_eq!(run.code, 1, "an expired token is a failure: {}", run.all());
    let (_, fix) = finding(&run, "FAIL", "user token has expired");
    assert!(
        fix.contains("`nexus-token refresh --profile default`"),
        "the fix is the refresh command: {fix}"
    );
    assert!(
        emu.requests()
            .iter()
            .all(|r| !(r.method == "POST" && r.kind == RequestKind::Token)),
        "doctor never generates a token itself"
    );

    let run = sb.run(&["refresh"], None);
    assert_eq!(run.code, 0, "refresh fixes it: {}", run.all());
    assert_eq!(doctor(&sb).code, 0, "after the refresh doctor passes");
}

#[test]
fn encrypted_maven_passwords_are_compared_decrypted() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    let master =
        nexus_token::maven_security::encrypt("master-passphrase-for-tests", "settings.security");
    std::fs::create_dir_all(sb.home().join(".m2")).unwrap();
    std::fs::write(
        sb.home().join(".m2/settings-security.xml"),
        format!("<settingsSecurity>\n  <master>{master}</master>\n</settingsSecurity>\n"),
    )
    .unwrap();
    login(&sb, &emu, &pw, false);
    let (_, pass) = emu.token_of(USER).unwrap();
    let settings = std::fs::read_to_string(sb.settings()).unwrap();
    assert!(
        !settings.contains(&pass),
        "with a master password the passCode is stored encrypted"
    );

    let run = doctor(&sb);
    assert_eq!(
        run.code,
        0,
        "an encrypted current token passes: {}",
        run.all()
    );
    finding(&run, "ok", "nexus holds the current token");
    let status = sb.run(&["status"], None);
    assert!(
        status
            .stdout
            .contains("server `nexus`: holds the current token"),
        "status compares the decrypted value:\n{}",
        status.stdout
    );

    // An encrypted value of another token is stale.
    let other =
        nexus_token::maven_security::encrypt("another-token", "master-passphrase-for-tests");
    let start = settings.find("<password>").unwrap() + "<password>".len();
    let end = settings[start..].find("</password>").unwrap() + start;
    std::fs::write(
        sb.settings(),
        format!("{}{other}{}", &settings[..start], &settings[end..]),
    )
    .unwrap();
    let run = doctor(&sb);
    assert_eq!(run.code, 1, "an encrypted stale token fails: {}", run.all());
    let (_, fix) = finding(
        &run,
        "FAIL",
        "nexus holds another value than the current token",
    );
    assert!(
        fix.contains("`nexus-token refresh --profile default`"),
        "the fix is the refresh command: {fix}"
    );
}

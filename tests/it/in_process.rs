//! In-process command tests: `commands::run_in` with a sandboxed [`Env`], a captured [`Ui`] and
//! an in-memory secret store, against the emulator on 127.0.0.1. Fast, and able to reach states
//! the binary cannot (a store that fails, a lock held by the test). The bugs of the structure
//! issue (#13) each have a test here that failed before the fix.

use crate::support::in_process::Outcome;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::support::emulator_util::{USER, nexus3 as emulator};
use clap::Parser;
use nexus_token::ExitStatus;
use nexus_token::cli::Cli;
use nexus_token::emulator::{Emulator, RequestKind};
use nexus_token::env::Env;
use nexus_token::store::{MemoryStore, SecretStore};

/// One sandboxed home, one in-memory keyring (shared with `failure_paths`).
pub(crate) struct Harness {
    dir: tempfile::TempDir,
    pub(crate) store: Arc<MemoryStore>,
}

impl Harness {
    pub(crate) fn new() -> Harness {
        Harness {
            dir: tempfile::tempdir().unwrap(),
            store: Arc::new(MemoryStore::new()),
        }
    }

    pub(crate) fn home(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn env(&self) -> Env {
        Env::sandboxed(self.home())
    }

    /// Runs `nexus-token ARGS` in process; `password` stands in for stdin or the prompt.
    pub(crate) fn run_env(&self, env: &Env, args: &[&str], password: Option<&str>) -> Outcome {
        crate::support::in_process::run(env, &self.store, args, password)
    }

    pub(crate) fn run(&self, args: &[&str], password: Option<&str>) -> Outcome {
        self.run_env(&self.env(), args, password)
    }

    pub(crate) fn login(&self, emu: &Emulator, password: &str, extra: &[&str]) -> Outcome {
        let url = emu.base_url();
        let mut args = vec![
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
        ];
        args.extend_from_slice(extra);
        let out = self.run(&args, Some(password));
        assert_eq!(out.code, 0, "login succeeds: {}", out.stderr);
        out
    }

    pub(crate) fn settings(&self) -> PathBuf {
        self.home().join(".m2/settings.xml")
    }

    pub(crate) fn properties(&self) -> PathBuf {
        self.home().join(".gradle/gradle.properties")
    }
}

pub(crate) fn requests_to_nexus(emu: &Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.kind != RequestKind::Status)
        .count()
}

#[test]
fn password_stdin_is_refused_for_profiles_on_different_servers() {
    let (a, b) = (emulator("pw-a"), emulator("pw-b"));
    let h = Harness::new();
    h.login(&a, "pw-a", &["--profile", "a", "--maven-server", "a"]);
    h.login(&b, "pw-b", &["--profile", "b", "--maven-server", "b"]);
    a.clear_requests();
    b.clear_requests();

    let out = h.run(&["refresh", "--password-stdin"], Some("pw-a"));
    assert_eq!(
        out.code, 2,
        "one stdin password for two servers is a usage error: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("--profile NAME --password-stdin"),
        "the hint says to refresh one profile at a time: {}",
        out.stderr
    );
    assert_eq!(
        requests_to_nexus(&a) + requests_to_nexus(&b),
        0,
        "no password was sent to either server"
    );
    let status = h.run(&["status", "--json"], None);
    assert!(
        !status.stdout.contains("\"rejected\": {"),
        "neither profile is paused: {}",
        status.stdout
    );

    let one = h.run(
        &["refresh", "--profile", "b", "--password-stdin"],
        Some("pw-b"),
    );
    assert_eq!(
        one.code, 0,
        "the stdin password is used for the one profile it belongs to: {}",
        one.stderr
    );
}

#[test]
fn logout_keeps_a_password_another_profile_uses() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--profile", "one", "--maven-server", "one"]);
    h.login(&emu, "pw", &["--profile", "two", "--maven-server", "two"]);

    let out = h.run(&["logout", "--profile", "one"], None);
    assert_eq!(out.code, 0, "logout succeeds: {}", out.stderr);
    assert!(
        out.stderr.contains("another profile"),
        "logout says why the password stays: {}",
        out.stderr
    );
    let refresh = h.run(&["refresh", "--profile", "two"], None);
    assert_eq!(
        refresh.code, 0,
        "the other profile still finds its password in the keyring: {}",
        refresh.stderr
    );

    let out = h.run(&["logout", "--profile", "two"], None);
    assert!(
        out.stderr.contains("deleted the stored password"),
        "the last profile's logout deletes it: {}",
        out.stderr
    );
}

/// Holds the directory lock that nexus-token takes before writing a file in `dir`.
fn hold_lock(dir: &Path) -> std::fs::File {
    std::fs::create_dir_all(dir).unwrap();
    let file = std::fs::File::open(dir).unwrap();
    file.lock().unwrap();
    file
}

#[test]
fn a_write_that_fails_midway_names_the_files_with_and_without_the_new_token() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(
        &emu,
        "pw",
        &["--maven-server", "nexus", "--gradle-prefix", "nexus"],
    );
    emu.reset_token(USER);
    let env = h.env().with_var("NEXUS_TOKEN_LOCK_TIMEOUT", "1");

    // settings.xml is written first; gradle.properties cannot be locked.
    let lock = hold_lock(h.properties().parent().unwrap());
    let out = h.run_env(&env, &["refresh"], None);
    drop(lock);
    assert_eq!(
        out.code, 5,
        "a file that cannot be written exits 5: {}",
        out.stderr
    );
    let settings = h.settings().display().to_string();
    let properties = h.properties().display().to_string();
    assert!(
        out.stderr
            .contains(&format!("after `{settings}` got the new token"))
            && out
                .stderr
                .contains(&format!("`{properties}` still hold(s) the old one")),
        "the error names which file holds the new token and which does not: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("nothing was changed"),
        "it never claims that nothing was changed: {}",
        out.stderr
    );

    // rotate: the server's old token is gone; the warning names the stale file only.
    let lock = hold_lock(h.properties().parent().unwrap());
    let out = h.run_env(&env, &["rotate"], None);
    drop(lock);
    assert_eq!(
        out.code, 5,
        "rotate fails on the locked file: {}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("`{properties}` still hold(s) the old token")),
        "rotate names the file that still holds the old token: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("lock") && out.stderr.contains(".gradle"),
        "the lock error names the folder: {}",
        out.stderr
    );

    let fixed = h.run(&["refresh"], None);
    assert_eq!(fixed.code, 0, "refresh completes the job: {}", fixed.stderr);
    let status = h.run(&["status", "--json"], None);
    assert_eq!(
        status.stdout.matches("\"state\": \"current\"").count(),
        2,
        "both files hold the current token again: {}",
        status.stdout
    );
}

#[test]
fn a_zero_timeout_is_refused_by_the_command_line() {
    for command in ["login", "token"] {
        for flag in ["--timeout", "--connect-timeout"] {
            let err = Cli::try_parse_from(["nexus-token", command, flag, "0"])
                .expect_err("0 seconds is refused");
            assert_eq!(err.exit_code(), 2, "`{command} {flag} 0` is a usage error");
        }
    }
}

#[test]
fn without_a_home_directory_nothing_is_written_below_the_working_directory() {
    let emu = emulator("pw");
    let h = Harness::new();
    let mut env = h.env();
    env.home_known = false;
    let url = emu.base_url();
    let out = h.run_env(
        &env,
        &[
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
            "--maven-server",
            "x",
        ],
        Some("pw"),
    );
    assert_eq!(out.code, 2, "no home is a usage error: {}", out.stderr);
    assert!(
        out.stderr.contains("set `HOME`"),
        "the hint says to set HOME: {}",
        out.stderr
    );
    assert_eq!(requests_to_nexus(&emu), 0, "nothing was sent to Nexus");
}

#[test]
fn the_profiles_file_keeps_comments_and_refuses_unknown_keys() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus"]);
    let config = h.home().join(".config/nexus-token/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let edited = text.replace(
        "[profiles.default]",
        "# my work laptop\n[profiles.default]\n# the mirror server only",
    );
    std::fs::write(&config, &edited).unwrap();

    h.login(
        &emu,
        "pw",
        &["--maven-server", "nexus", "--gradle-prefix", "nexus"],
    );
    let after = std::fs::read_to_string(&config).unwrap();
    assert!(
        after.contains("# my work laptop\n") && after.contains("# the mirror server only"),
        "a login keeps the user's comments:\n{after}"
    );
    assert!(
        after.contains("nexusUsername"),
        "and saves the new target:\n{after}"
    );

    std::fs::write(&config, after.replace("username =", "usernme =")).unwrap();
    let before = std::fs::read(&config).unwrap();
    let out = h.run(&["status"], None);
    assert_ne!(out.code, 0, "a misspelt key is an error: {}", out.stderr);
    assert!(
        out.stderr.contains("usernme"),
        "the error names the unknown key: {}",
        out.stderr
    );
    let out = h.login_raw(&emu);
    assert_ne!(
        out.code, 0,
        "login refuses to rewrite a file it cannot read: {}",
        out.stderr
    );
    assert_eq!(
        std::fs::read(&config).unwrap(),
        before,
        "the profiles file is left byte-identical"
    );
}

impl Harness {
    fn login_raw(&self, emu: &Emulator) -> Outcome {
        let url = emu.base_url();
        self.run(
            &[
                "login",
                "--url",
                &url,
                "--username",
                USER,
                "--password-stdin",
                "--maven-server",
                "n",
            ],
            Some("pw"),
        )
    }
}

#[test]
fn a_held_lock_fails_with_exit_5_naming_the_folder_instead_of_waiting_forever() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus"]);
    emu.reset_token(USER);
    let env = h.env().with_var("NEXUS_TOKEN_LOCK_TIMEOUT", "1");
    let dir = h.settings().parent().unwrap().to_path_buf();
    let lock = hold_lock(&dir);
    let out = h.run_env(&env, &["refresh"], None);
    drop(lock);
    assert_eq!(
        out.code,
        ExitStatus::File.code(),
        "a lock that cannot be had exits 5: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&dir.display().to_string()),
        "the message names the locked folder: {}",
        out.stderr
    );

    let bad = h.env().with_var("NEXUS_TOKEN_LOCK_TIMEOUT", "soon");
    let out = h.run_env(&bad, &["refresh"], None);
    assert_eq!(out.code, 2, "a nonsense timeout is refused: {}", out.stderr);
}

#[test]
fn a_keyring_that_fails_before_the_token_is_fetched_sends_nothing() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.store
        .set_failure(Some(nexus_token::store::Failure::Locked));
    let url = emu.base_url();
    let out = h.run(
        &[
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
            "--maven-server",
            "n",
        ],
        Some("pw"),
    );
    assert_eq!(out.code, 6, "a locked keyring exits 6: {}", out.stderr);
    assert_eq!(
        emu.requests()
            .iter()
            .filter(|r| r.kind == RequestKind::Authenticate)
            .count(),
        0,
        "the password was not sent to Nexus"
    );
    assert!(!h.settings().exists(), "no file was written");
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", out.stdout);
}

#[test]
fn token_answers_from_the_cache_without_requests_while_it_is_current() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus"]);
    let fresh = h.run(&["token", "--no-cache", "--format", "basic"], None);
    assert_eq!(fresh.code, 0, "token --no-cache succeeds: {}", fresh.stderr);
    assert!(
        fresh.stdout.starts_with("Basic "),
        "basic format: {}",
        fresh.stdout
    );

    emu.clear_requests();
    for _ in 0..20 {
        let out = h.run(&["token", "--format", "basic"], None);
        assert_eq!(out.code, 0, "token succeeds: {}", out.stderr);
        assert_eq!(
            out.stdout, fresh.stdout,
            "the cached answer is the token Nexus gives"
        );
    }
    assert_eq!(
        emu.requests().len(),
        0,
        "20 cached answers make no request at all"
    );
    let header = h.run(&["token", "--format", "header"], None);
    assert_eq!(
        header.stdout,
        format!("Authorization: {}", fresh.stdout),
        "the header format is the basic value with its header name"
    );

    // After a reset on the server, refresh updates the cache.
    emu.reset_token(USER);
    assert_eq!(h.run(&["refresh"], None).code, 0);
    let after = h.run(&["token", "--format", "basic"], None);
    let (name, pass) = emu.token_of(USER).unwrap();
    use base64::Engine as _;
    let expected = format!(
        "Basic {}\n",
        base64::engine::general_purpose::STANDARD.encode(format!("{name}:{pass}"))
    );
    assert_eq!(after.stdout, expected, "the cache follows refresh");
}

#[test]
fn a_no_keyring_profile_cannot_be_served() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus", "--no-keyring"]);
    emu.clear_requests();
    let out = h.run(&["token", "--format", "basic"], None);
    assert_eq!(out.code, 6, "no keyring, no served token: {}", out.stderr);
    assert!(
        out.stderr.contains("--no-keyring") && out.stdout.is_empty(),
        "one clear error on stderr, nothing on stdout: {}",
        out.stderr
    );
    assert_eq!(emu.requests().len(), 0, "nothing was asked of Nexus");
}

// ---- issue 14 (adversarial user), command-level items --------------------------------------

const MALFORMED: &str = "<settings><servers><server><id>nexus</id></servers></settings>\n";

#[test]
fn a_malformed_target_stops_login_before_the_password_is_sent_or_stored() {
    let emu = emulator("pw");
    let h = Harness::new();
    std::fs::create_dir_all(h.settings().parent().unwrap()).unwrap();
    std::fs::write(h.settings(), MALFORMED).unwrap();
    let url = emu.base_url();
    let out = h.run(
        &[
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
            "--maven-server",
            "nexus",
        ],
        Some("pw"),
    );
    assert_eq!(
        out.code, 5,
        "a malformed settings.xml exits 5: {}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(h.settings()).unwrap(),
        MALFORMED,
        "the file is byte-identical"
    );
    assert!(
        !emu.requests()
            .iter()
            .any(|r| r.kind == RequestKind::Authenticate),
        "the password never went to Nexus"
    );
    let service = nexus_token::store::service_name(&url);
    assert!(
        h.store.get(&service, USER).unwrap().is_none(),
        "no password was left in the keyring"
    );
    assert!(
        !h.home().join(".config/nexus-token/config.toml").exists(),
        "no profile was saved"
    );
}

#[test]
fn invalid_target_flags_are_usage_errors_before_any_request() {
    let emu = emulator("pw");
    let h = Harness::new();
    let url = emu.base_url();
    for bad in [
        ["--gradle-prefix", "my repo"],
        ["--gradle-keys", "user"],
        ["--gradle-keys", "#u,p"],
        ["--maven-server", " padded "],
    ] {
        let mut args = vec![
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
        ];
        args.extend_from_slice(&bad);
        let out = h.run(&args, Some("pw"));
        assert_eq!(out.code, 2, "{bad:?} is a usage error: {}", out.stderr);
    }
    for bad_user in ["a:b", "", "a\u{7}b"] {
        let out = h.run(
            &[
                "login",
                "--url",
                &url,
                "--username",
                bad_user,
                "--password-stdin",
                "--maven-server",
                "n",
            ],
            Some("pw"),
        );
        assert_eq!(
            out.code, 2,
            "username {bad_user:?} is refused: {}",
            out.stderr
        );
    }
    // Discovery that finds nothing also stops before the password is sent.
    let out = h.run(
        &[
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
        ],
        Some("pw"),
    );
    assert_eq!(
        out.code, 2,
        "no targets found is a usage error: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("nothing was sent to Nexus"),
        "it says the password was not sent: {}",
        out.stderr
    );
    assert!(
        !emu.requests()
            .iter()
            .any(|r| r.kind == RequestKind::Authenticate),
        "no password went to Nexus for any of them"
    );
}

#[test]
fn a_login_at_a_new_url_deletes_the_password_stored_for_the_old_one() {
    let (old, new) = (emulator("pw"), emulator("pw"));
    let h = Harness::new();
    h.login(&old, "pw", &["--maven-server", "nexus"]);
    h.login(&new, "pw", &["--maven-server", "nexus"]);
    let old_service = nexus_token::store::service_name(&old.base_url());
    let new_service = nexus_token::store::service_name(&new.base_url());
    assert!(
        h.store.get(&old_service, USER).unwrap().is_none(),
        "the password under the old URL is gone"
    );
    assert!(
        h.store.get(&new_service, USER).unwrap().is_some(),
        "the password under the new URL is there"
    );
}

#[test]
fn a_cached_family_that_stopped_answering_is_detected_again() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus"]);
    // As if the profile had been saved before the server was upgraded from 3.20 to 3.24+.
    let state = h.home().join(".local/state/nexus-token/state.toml");
    let text = std::fs::read_to_string(&state).unwrap();
    assert!(text.contains("family = \"nexus3\""), "{text}");
    std::fs::write(
        &state,
        text.replace("family = \"nexus3\"", "family = \"nexus3-rest\""),
    )
    .unwrap();
    emu.reset_token(USER);

    let out = h.run(&["refresh"], None);
    assert_eq!(
        out.code, 0,
        "refresh recovers after the upgrade: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("now speaks the `nexus3` API"),
        "it says what changed: {}",
        out.stderr
    );
    let after = std::fs::read_to_string(&state).unwrap();
    assert!(
        after.contains("family = \"nexus3\""),
        "the new family is saved: {after}"
    );
}

#[test]
fn no_saved_profile_is_exit_2_from_every_command() {
    let h = Harness::new();
    for args in [
        &["refresh"][..],
        &["refresh", "--profile", "x"],
        &["token", "--profile", "x"],
        &["rotate", "--profile", "x"],
        &["logout", "--profile", "x"],
        &["status", "--profile", "x"],
    ] {
        let out = h.run(args, None);
        assert_eq!(
            out.code, 2,
            "{args:?} without a profile exits 2: {}",
            out.stderr
        );
    }
}

#[test]
fn a_hand_edited_url_with_a_trailing_slash_still_finds_the_password() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus"]);
    let config = h.home().join(".config/nexus-token/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let url = emu.base_url();
    std::fs::write(
        &config,
        text.replace(&format!("\"{url}\""), &format!("\"{url}/\"")),
    )
    .unwrap();
    let out = h.run(&["refresh"], None);
    assert_eq!(out.code, 0, "the URL is normalised on load: {}", out.stderr);
}

#[test]
fn the_world_readable_warning_is_printed_once_per_file() {
    use std::os::unix::fs::PermissionsExt;
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus"]);
    std::fs::set_permissions(h.settings(), std::fs::Permissions::from_mode(0o644)).unwrap();
    emu.reset_token(USER);
    let out = h.run(&["refresh"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("0644").count(),
        1,
        "one warning about the mode: {}",
        out.stderr
    );
}

#[test]
fn a_stale_gradle_password_is_reported_under_its_own_key() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--gradle-prefix", "nexus"]);
    let text = std::fs::read_to_string(h.properties()).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.starts_with("nexusPassword"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(h.properties(), kept).unwrap();
    let out = h.run(&["status", "--json"], None);
    assert!(
        out.stdout.contains("\"name\": \"nexusPassword\""),
        "the missing password key is named: {}",
        out.stdout
    );
}

#[test]
fn nexus_url_in_the_environment_does_not_silently_replace_a_saved_profile() {
    let (saved, other) = (emulator("pw"), emulator("pw"));
    let h = Harness::new();
    h.login(
        &saved,
        "pw",
        &["--profile", "work", "--maven-server", "nexus"],
    );
    let other_url = other.base_url();
    // What clap does with NEXUS_URL: it becomes the --url value.
    let env = h.env().with_var("NEXUS_URL", &other_url);
    let out = h.run_env(
        &env,
        &["token", "--profile", "work", "--url", &other_url],
        None,
    );
    assert_eq!(out.code, 0, "the saved profile is used: {}", out.stderr);
    assert!(
        out.stderr
            .contains("`NEXUS_URL` is set, but `--profile work` uses"),
        "and it says so: {}",
        out.stderr
    );
    assert!(
        other.requests().is_empty(),
        "the other server was not asked"
    );
    let out = h.run(&["token", "--profile", "work", "--url", &other_url], None);
    assert_eq!(
        out.code, 2,
        "an explicit --url with --profile is ambiguous: {}",
        out.stderr
    );
}

#[test]
fn discovery_leaves_a_github_server_with_the_same_username_alone() {
    let emu = emulator("pw");
    let h = Harness::new();
    let url = emu.base_url();
    let original = format!(
        r#"<settings>
  <mirrors>
    <mirror><id>nexus</id><mirrorOf>*</mirrorOf><url>{url}/repository/maven-public/</url></mirror>
  </mirrors>
  <profiles><profile><id>gh</id><repositories>
    <repository><id>github</id><url>https://maven.pkg.github.com/acme/libs</url></repository>
  </repositories></profile></profiles>
  <servers>
    <server><id>nexus</id><username>{USER}</username><password>old-secret</password></server>
    <server><id>github</id><username>{USER}</username><password>pw</password></server>
  </servers>
</settings>
"#
    );
    std::fs::create_dir_all(h.settings().parent().unwrap()).unwrap();
    std::fs::write(h.settings(), &original).unwrap();
    let out = h.run(
        &[
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
        ],
        Some("pw"),
    );
    assert_eq!(
        out.code, 0,
        "discovery finds the Nexus server: {}",
        out.stderr
    );
    let text = std::fs::read_to_string(h.settings()).unwrap();
    assert!(
        text.contains(&format!(
            "<server><id>github</id><username>{USER}</username><password>pw</password></server>"
        )),
        "the GitHub server keeps its secret, even one equal to the login password:\n{text}"
    );
    assert!(
        out.stderr
            .contains("left `<server>` `github` alone: a mirror or repository with this id points at `maven.pkg.github.com`"),
        "login says why: {}",
        out.stderr
    );
    emu.reset_token(USER);
    assert_eq!(h.run(&["refresh"], None).code, 0);
    let after = std::fs::read_to_string(h.settings()).unwrap();
    assert!(
        after.contains("<id>github</id><username>alice</username><password>pw</password>"),
        "and every refresh leaves it alone:\n{after}"
    );
}

#[test]
fn a_token_a_file_cannot_hold_is_a_server_answer_problem() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus"]);
    // Maven would interpolate `${...}` in a password: the value cannot be written as is.
    emu.set_token(USER, "nameCode1", "pass${env.HOME}word");
    let before = std::fs::read(h.settings()).unwrap();
    let out = h.run(&["refresh", "--force"], None);
    assert_eq!(
        out.code, 4,
        "a value from Nexus that the file cannot hold exits 4: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Nexus sent a token that") && out.stderr.contains("rotate"),
        "the message blames the server's answer and names the way out: {}",
        out.stderr
    );
    assert_eq!(
        std::fs::read(h.settings()).unwrap(),
        before,
        "the file is unchanged"
    );
}

#[test]
fn a_relative_ca_cert_is_saved_as_an_absolute_path() {
    let emu = emulator("pw");
    let h = Harness::new();
    let pem = h.home().join("company-ca.pem");
    std::fs::write(&pem, crate::support::emulator_util::CA_PEM).unwrap();
    // The same file, named relative to this process's working directory.
    let cwd = std::env::current_dir().unwrap();
    let ups = "../".repeat(cwd.components().count() - 1);
    let relative = format!("{ups}{}", pem.display().to_string().trim_start_matches('/'));
    assert!(
        std::path::Path::new(&relative).is_relative() && std::path::Path::new(&relative).exists()
    );
    h.login(
        &emu,
        "pw",
        &["--maven-server", "nexus", "--ca-cert", &relative],
    );
    let config = std::fs::read_to_string(h.home().join(".config/nexus-token/config.toml")).unwrap();
    assert!(
        config.contains(&format!("ca_cert = \"{}\"", pem.display())),
        "the profile holds the absolute path, so a schedule in another folder finds it:\n{config}"
    );
}

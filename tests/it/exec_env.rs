//! `login --env-refs` and `exec`, end to end: the files refer to the environment and hold no
//! token; the real Maven, npm and Gradle resolve from the emulator ("require user tokens" on)
//! through `nexus-token exec` and fail without it; `exec` passes on the command's exit status and
//! signals, the shell's 126/127 for a command that cannot start, sets exactly the promised
//! variables, and answers from the token cache of the real Secret Service without a request.
//!
//! The tests without a keyring (`--no-keyring` profiles) run always; the others are
//! `#[ignore = "needs ..."]` and run through `scripts/test` (scripts/with-keyring).

use crate::support::emulator_util::for_user_with_tokens;
use std::path::PathBuf;
use std::process::Command;

use crate::support::{self, Run, Sandbox, assert_no_secret, unique_password};
use nexus_token::emulator::{Emulator, EmulatorConfig};
use nexus_token::nexus::Family;

const USER: &str = "frank";

/// settings.xml with a mirror of everything to the emulator and a `<server>` for it holding an
/// old literal value (what a team's file looks like before `--env-refs`).
fn settings(emu: &Emulator) -> String {
    let repo = emu.repository_url();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<settings xmlns=\"http://maven.apache.org/SETTINGS/1.2.0\">\n  <!-- team settings -->\n  <mirrors>\n    <mirror>\n      <id>nexus</id>\n      <mirrorOf>*</mirrorOf>\n      <url>{repo}</url>\n    </mirror>\n  </mirrors>\n  <servers>\n    <server>\n      <id>nexus</id>\n      <username>{USER}</username>\n      <password>old-literal</password>\n    </server>\n  </servers>\n</settings>\n"
    )
}

const POM: &str = r#"<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>com.example</groupId>
    <artifactId>e2e-parent</artifactId>
    <version>1.0</version>
    <relativePath/>
  </parent>
  <artifactId>consumer</artifactId>
</project>
"#;

const BUILD_GRADLE: &str = r#"
repositories {
    maven {
        url 'REPO'
        credentials { username = project.property('nexusUsername'); password = project.property('nexusPassword') }
    }
}
configurations { e2e }
dependencies { e2e 'com.example:e2e-ext:1.0' }
task resolveE2e { doLast { configurations.e2e.resolve().each { println "RESOLVED " + it.name } } }
"#;

/// One emulator and one sandbox with the real keyring, logged in with `--env-refs` for a Maven
/// server, an npm registry and a Gradle prefix.
struct Setup {
    sb: Sandbox,
    emu: Emulator,
    password: String,
}

impl Setup {
    fn new() -> Setup {
        let password = unique_password();
        let emu = for_user_with_tokens(Family::Nexus3, USER, &password);
        let sb = Sandbox::with_keyring();
        std::fs::create_dir_all(sb.settings().parent().unwrap()).unwrap();
        std::fs::write(sb.settings(), settings(&emu)).unwrap();
        std::fs::create_dir_all(sb.properties().parent().unwrap()).unwrap();
        std::fs::write(
            sb.properties(),
            "# team settings\norg.gradle.parallel=false\nnexusUsername=old\nnexusPassword=old-literal\n",
        )
        .unwrap();
        let group = emu.npm_group_url();
        let run = sb.login_ok(
            &emu.base_url(),
            USER,
            &password,
            &[
                "--env-refs",
                "--maven-server",
                "nexus",
                "--npm-registry",
                &group,
                "--gradle-prefix",
                "nexus",
            ],
        );
        assert_no_secret(&run.all(), &password, "login output");
        assert!(
            run.stderr.contains("nexus-token exec"),
            "login says how to run builds: {}",
            run.all()
        );
        Setup { sb, emu, password }
    }

    fn token(&self) -> (String, String) {
        self.emu.token_of(USER).unwrap()
    }

    /// `nexus-token exec -- PROGRAM ARGS...` in the sandbox.
    fn exec(&self, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
        let mut cmd = self.sb.command(&["exec", "--"]);
        cmd.arg(program).args(args);
        cmd
    }

    /// The same command without `exec`.
    fn bare(&self, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
        self.sb.program(program, args)
    }

    fn output(&self, mut cmd: Command, what: &str) -> (bool, String) {
        let out = cmd.output().unwrap_or_else(|e| panic!("{what} runs: {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_no_secret(&text, &self.password, &format!("{what} output"));
        assert_no_secret(&text, &self.token().1, &format!("{what} output"));
        (out.status.success(), text)
    }

    fn nexus_token(&self, args: &[&str]) -> Run {
        let run = self.sb.run(args, None);
        assert_no_secret(&run.all(), &self.password, "nexus-token output");
        assert_no_secret(&run.all(), &self.token().1, "nexus-token output");
        run
    }

    /// Every file under the sandbox: none holds the passCode (or the password).
    fn assert_no_file_holds_the_token(&self, when: &str) {
        let (_, pass) = self.token();
        for (path, bytes) in self.sb.files_except(&[]) {
            let text = String::from_utf8_lossy(&bytes);
            let around = |needle: &str| {
                text.find(needle).map(|at| {
                    let from = text[..at]
                        .char_indices()
                        .rev()
                        .nth(200)
                        .map_or(0, |(i, _)| i);
                    text[from..at].to_owned()
                })
            };
            assert!(
                !text.contains(&pass) && !text.contains(&self.password),
                "{when}: `{}` holds the passCode or the password, after: {:?}",
                path.display(),
                around(&pass).or_else(|| around(&self.password))
            );
        }
    }
}

fn mvn(s: &Setup, exec: bool) -> (bool, String) {
    let project = s.sb.dir.path().join("mvn-project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("pom.xml"), POM).unwrap();
    let _ = std::fs::remove_dir_all(s.sb.home().join(".m2/repository"));
    let mvn = support::require_tool("mvn");
    let home = format!("-Duser.home={}", s.sb.home().display());
    let pom = project.join("pom.xml");
    let args = [
        "-B",
        "-ntp",
        "-q",
        &home,
        "-f",
        pom.to_str().unwrap(),
        "validate",
    ];
    let cmd = if exec {
        s.exec(&mvn, &args)
    } else {
        s.bare(&mvn, &args)
    };
    s.output(cmd, "mvn")
}

fn npm(s: &Setup, exec: bool, tag: &str) -> (bool, String, PathBuf) {
    let project = s.sb.dir.path().join(format!("npm-{tag}"));
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("package.json"),
        format!("{{\"name\":\"npm-{tag}\",\"version\":\"1.0.0\",\"private\":true}}\n"),
    )
    .unwrap();
    let npm = support::require_tool("npm");
    let group = s.emu.npm_group_url();
    let args = ["install", "nexus-demo-pkg", "--registry", &group];
    let mut cmd = if exec {
        s.exec(&npm, &args)
    } else {
        s.bare(&npm, &args)
    };
    cmd.current_dir(&project)
        .env(
            "npm_config_cache",
            s.sb.dir.path().join(format!("npm-cache-{tag}")),
        )
        .env("npm_config_update_notifier", "false")
        .env("npm_config_audit", "false")
        .env("npm_config_fund", "false")
        .env("NO_PROXY", "127.0.0.1,localhost");
    let (ok, log) = s.output(cmd, "npm");
    (ok, log, project)
}

fn gradle(s: &Setup, exec: bool) -> (bool, String) {
    let project = s.sb.dir.path().join("gradle-project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("settings.gradle"),
        "rootProject.name = 'e2e'\n",
    )
    .unwrap();
    std::fs::write(
        project.join("build.gradle"),
        BUILD_GRADLE.replace("REPO", &s.emu.repository_url()),
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(s.sb.home().join(".gradle/caches"));
    let gradle = support::require_tool("gradle");
    // In the client process: Gradle before 6.7 writes the whole environment of every build into
    // a daemon's log (`~/.gradle/daemon/*/daemon-*.out.log`, docs/usage.md says so), which the
    // scan for the passCode below would find. Nothing in gradle.properties forces a daemon.
    let args = ["--no-daemon", "-q", "resolveE2e"];
    let mut cmd = if exec {
        s.exec(&gradle, &args)
    } else {
        s.bare(&gradle, &args)
    };
    cmd.current_dir(&project);
    s.output(cmd, "gradle")
}

/// The emulator served `suffix` with 200, every time to the current nameCode.
fn served_to_token(s: &Setup, suffix: &str) -> bool {
    let (name, _) = s.token();
    let hits: Vec<_> = s
        .emu
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with(suffix) && r.status == 200)
        .collect();
    !hits.is_empty()
        && hits
            .iter()
            .all(|r| r.username.as_deref() == Some(name.as_str()))
}

#[test]
#[ignore = "needs mvn, npm, gradle and a Secret Service"]
fn maven_npm_and_gradle_resolve_through_exec_and_fail_without_it() {
    let s = Setup::new();
    let settings = std::fs::read_to_string(s.sb.settings()).unwrap();
    assert!(
        settings.contains("<username>${env.NEXUS_TOKEN_NAMECODE}</username>")
            && settings.contains("<password>${env.NEXUS_TOKEN_PASSCODE}</password>")
            && settings.contains("<!-- team settings -->"),
        "settings.xml refers to the environment:\n{settings}"
    );
    let npmrc = std::fs::read_to_string(s.sb.npmrc()).unwrap();
    assert!(
        npmrc.contains(":_auth=${NEXUS_TOKEN_AUTH}"),
        "the npmrc refers to the environment:\n{npmrc}"
    );
    assert_eq!(
        std::fs::read_to_string(s.sb.properties()).unwrap(),
        "# team settings\norg.gradle.parallel=false\n",
        "gradle.properties lost the nexus keys and kept the rest"
    );
    s.assert_no_file_holds_the_token("after login");

    // Maven
    s.emu.clear_requests();
    let (ok, log) = mvn(&s, true);
    assert!(ok, "Maven resolves the parent POM through exec:\n{log}");
    assert!(
        served_to_token(&s, "e2e-parent-1.0.pom"),
        "Maven sent the nameCode from the environment: {:?}",
        s.emu.requests()
    );
    s.emu.clear_requests();
    let (ok, log) = mvn(&s, false);
    assert!(!ok, "Maven without exec has no token:\n{log}");
    assert!(
        s.emu.requests().iter().any(|r| r.status == 401),
        "the emulator answered 401 to the unexpanded reference: {:?}",
        s.emu.requests()
    );

    // npm
    s.emu.clear_requests();
    let (ok, log, project) = npm(&s, true, "exec");
    assert!(ok, "npm installs through exec:\n{log}");
    assert!(
        project
            .join("node_modules/nexus-demo-pkg/index.js")
            .is_file(),
        "npm installed the package:\n{log}"
    );
    assert!(
        served_to_token(&s, "nexus-demo-pkg-1.0.0.tgz"),
        "npm sent `_auth` from the environment: {:?}",
        s.emu.requests()
    );
    s.emu.clear_requests();
    let (ok, log, _) = npm(&s, false, "bare");
    assert!(!ok, "npm without exec has no token:\n{log}");
    assert!(
        s.emu.requests().iter().any(|r| r.status == 401),
        "the emulator answered 401: {:?}",
        s.emu.requests()
    );

    // Gradle
    s.emu.clear_requests();
    let (ok, log) = gradle(&s, true);
    assert!(
        ok && log.contains("RESOLVED e2e-ext-1.0.jar"),
        "Gradle resolves the jar through exec (ORG_GRADLE_PROJECT_*):\n{log}"
    );
    assert!(
        served_to_token(&s, "e2e-ext-1.0.jar"),
        "Gradle sent the nameCode: {:?}",
        s.emu.requests()
    );
    let (ok, log) = gradle(&s, false);
    assert!(!ok, "Gradle without exec has no credentials:\n{log}");

    s.assert_no_file_holds_the_token("after the builds");
}

#[test]
#[ignore = "needs a Secret Service"]
fn refresh_leaves_references_alone_and_keeps_the_cache_current_status_and_doctor_say_so() {
    let s = Setup::new();
    let files = [s.sb.settings(), s.sb.npmrc(), s.sb.properties()];
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();

    let run = s.nexus_token(&["status"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout.matches("refers to the environment").count(),
        3,
        "maven, npm and gradle refer to the environment:\n{}",
        run.stdout
    );
    let run = s.nexus_token(&["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let states: Vec<&str> = v["profiles"][0]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["referenced"; 3], "{}", run.stdout);
    let run = s.nexus_token(&["doctor"]);
    assert_eq!(run.code, 0, "doctor is content:\n{}", run.all());
    assert!(run.all().contains("refers to the environment"));

    // A token reset on the server: refresh writes nothing, the cache follows.
    s.emu.reset_token(USER);
    let run = s.nexus_token(&["refresh"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let after: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert_eq!(after, before, "the files are byte-identical");
    let (name, pass) = s.token();
    s.emu.clear_requests();
    let mut cmd = s.exec(
        "sh",
        &[
            "-c",
            r#"[ "$NEXUS_TOKEN_NAMECODE" = "$WANT_NAME" ] && [ "$NEXUS_TOKEN_PASSCODE" = "$WANT_PASS" ]"#,
        ],
    );
    cmd.env("WANT_NAME", &name).env("WANT_PASS", &pass);
    let (ok, log) = s.output(cmd, "exec");
    assert!(ok, "exec hands out the new token from the cache:\n{log}");
    assert!(
        s.emu.requests().is_empty(),
        "a cached exec makes no request: {:?}",
        s.emu.requests()
    );

    // A literal token where the reference belongs: doctor fails, refresh puts it back.
    let literal = String::from_utf8(before[0].clone())
        .unwrap()
        .replace("${env.NEXUS_TOKEN_NAMECODE}", &name)
        .replace("${env.NEXUS_TOKEN_PASSCODE}", &pass);
    std::fs::write(s.sb.settings(), literal).unwrap();
    let run = s.nexus_token(&["doctor"]);
    assert_eq!(
        run.code,
        1,
        "doctor fails on a literal token:\n{}",
        run.all()
    );
    assert!(
        run.all().contains("literal"),
        "doctor names the literal:\n{}",
        run.all()
    );
    let run = s.nexus_token(&["refresh"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        std::fs::read(s.sb.settings()).unwrap(),
        before[0],
        "refresh put the references back"
    );
    s.assert_no_file_holds_the_token("after refresh");
}

#[test]
#[ignore = "needs a Secret Service"]
fn exec_passes_on_exit_status_and_signals_and_the_shell_codes() {
    let s = Setup::new();
    let run = s.sb.run_with(s.exec("sh", &["-c", "exit 7"]), None);
    assert_eq!(run.code, 7, "the command's exit status: {}", run.all());

    // As a shell reports a command killed by SIGTERM.
    let script = format!(
        r#"'{}' exec -- sh -c 'kill -TERM $$'; echo "status=$?""#,
        support::BIN
    );
    let run = s.sb.run_with(s.sb.program("sh", &["-c", &script]), None);
    assert!(
        run.stdout.contains("status=143"),
        "a command killed by SIGTERM gives 143: {}",
        run.all()
    );
    // And the signal itself: exec became the command, so the process died of it.
    let status = s
        .exec("sh", &["-c", "kill -TERM $$"])
        .status()
        .expect("runs");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(15),
        "the caller sees the signal, not an exit code: {status:?}"
    );

    // The caller's core limit: nexus-token lowers its own, not the command's.
    let raise = "ulimit -c unlimited 2>/dev/null || ulimit -c 1024 2>/dev/null";
    let caller = s.sb.run_with(
        s.sb.program("sh", &["-c", &format!("{raise}; ulimit -c")]),
        None,
    );
    let through = s.sb.run_with(
        s.sb.program(
            "sh",
            &[
                "-c",
                &format!("{raise}; '{}' exec -- sh -c 'ulimit -c'", support::BIN),
            ],
        ),
        None,
    );
    assert_eq!(
        through.stdout,
        caller.stdout,
        "the command gets the caller's core limit: {}",
        through.all()
    );

    let run =
        s.sb.run_with(s.exec("nexus-token-no-such-command", &[]), None);
    assert_eq!(run.code, 127, "not found: {}", run.all());
    assert!(
        run.stderr.contains("nexus-token-no-such-command") && run.stderr.contains("not found"),
        "{}",
        run.all()
    );
    let plain = s.sb.dir.path().join("not-executable.sh");
    std::fs::write(&plain, "#!/bin/sh\nexit 0\n").unwrap();
    let run = s.sb.run_with(s.exec(&plain, &[]), None);
    assert_eq!(run.code, 126, "not executable: {}", run.all());
}

#[test]
#[ignore = "needs a Secret Service"]
fn exec_sets_exactly_the_promised_variables_and_keeps_stdin() {
    let s = Setup::new();
    let names = |cmd: Command| -> Vec<String> {
        let (ok, out) = s.output(cmd, "env");
        assert!(ok, "{out}");
        let mut names: Vec<String> = out.lines().map(str::to_owned).collect();
        names.sort();
        names
    };
    let list = "env | cut -d= -f1";
    let without = names(s.bare("sh", &["-c", list]));
    let with = names(s.exec("sh", &["-c", list]));
    let added: Vec<&String> = with.iter().filter(|n| !without.contains(n)).collect();
    assert_eq!(
        added,
        [
            "NEXUS_TOKEN_AUTH",
            "NEXUS_TOKEN_NAMECODE",
            "NEXUS_TOKEN_PASSCODE",
            "ORG_GRADLE_PROJECT_nexusPassword",
            "ORG_GRADLE_PROJECT_nexusUsername",
        ],
        "exactly the generic three and the profile's Gradle keys"
    );
    assert!(
        without.iter().all(|n| with.contains(n)),
        "nothing of the caller's environment is dropped"
    );
    let run = s.sb.run_with(s.exec("cat", &[]), Some("piped input\n"));
    assert_eq!(
        run.stdout, "piped input\n",
        "the command reads the caller's stdin"
    );
}

/// Logs in without a keyring (no Secret Service needed).
fn login_no_keyring(sb: &Sandbox, emu: &Emulator, pw: &str, extra: &[&str]) -> Run {
    let args = [&["--no-keyring"], extra].concat();
    let run = sb.login(&emu.base_url(), USER, pw, &args);
    assert_no_secret(&run.all(), pw, "login output");
    run
}

#[test]
fn env_refs_with_netrc_pypirc_or_the_gradle_wrapper_is_refused_before_any_request() {
    let pw = unique_password();
    let emu = for_user_with_tokens(Family::Nexus3, USER, &pw);
    for extra in [
        &["--env-refs", "--maven-server", "nexus", "--netrc"][..],
        &[
            "--env-refs",
            "--pypirc",
            "nexus=http://127.0.0.1:1/repository/py/",
        ][..],
        &["--env-refs", "--gradle-prefix", "nexus", "--gradle-wrapper"][..],
    ] {
        let sb = Sandbox::new();
        emu.clear_requests();
        let run = login_no_keyring(&sb, &emu, &pw, extra);
        assert_eq!(run.code, 2, "{extra:?}: {}", run.all());
        assert!(
            run.stderr.contains("cannot refer to the environment"),
            "{}",
            run.all()
        );
        assert!(
            emu.requests().is_empty(),
            "{extra:?}: no request: {:?}",
            emu.requests()
        );
        assert!(
            sb.files_except(&[]).is_empty(),
            "{extra:?}: nothing written"
        );
    }
}

#[test]
fn env_refs_are_saved_kept_by_a_later_login_and_undone_by_no_env_refs() {
    let pw = unique_password();
    let emu = for_user_with_tokens(Family::Nexus3, USER, &pw);
    let sb = Sandbox::new();
    let run = login_no_keyring(&sb, &emu, &pw, &["--env-refs", "--maven-server", "nexus"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let config = std::fs::read_to_string(sb.config()).unwrap();
    assert!(config.contains("env_refs = true"), "{config}");
    let refs = std::fs::read(sb.settings()).unwrap();
    let (_, pass) = emu.token_of(USER).unwrap();
    assert_no_secret(&String::from_utf8_lossy(&refs), &pass, "settings.xml");

    // A later login without the flag keeps the mode.
    let run = login_no_keyring(&sb, &emu, &pw, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        std::fs::read(sb.settings()).unwrap(),
        refs,
        "still references"
    );

    // `--no-env-refs` writes the token again.
    let run = login_no_keyring(&sb, &emu, &pw, &["--no-env-refs"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let text = std::fs::read_to_string(sb.settings()).unwrap();
    assert!(
        text.contains(&format!("<password>{pass}</password>")),
        "{text}"
    );
    assert!(
        !std::fs::read_to_string(sb.config())
            .unwrap()
            .contains("env_refs"),
        "the mode is gone from the profile"
    );
}

#[test]
fn exec_without_a_saved_profile_or_a_command_is_a_usage_error() {
    let sb = Sandbox::new();
    let run = sb.run(&["exec", "--", "true"], None);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("login --env-refs"), "{}", run.all());
    let run = sb.run(&["exec"], None);
    assert_eq!(run.code, 2, "clap requires the command: {}", run.all());
}

#[test]
fn exec_of_a_no_keyring_profile_exits_6_without_running_the_command() {
    let pw = unique_password();
    let emu = for_user_with_tokens(Family::Nexus3, USER, &pw);
    let sb = Sandbox::new();
    let run = login_no_keyring(&sb, &emu, &pw, &["--env-refs", "--maven-server", "nexus"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let marker = sb.dir.path().join("ran");
    let run = sb.run(&["exec", "--", "touch", marker.to_str().unwrap()], None);
    assert_eq!(run.code, 6, "{}", run.all());
    assert!(!marker.exists(), "the command did not run without a token");
}

#[test]
#[ignore = "needs a Secret Service"]
fn exec_serves_an_imported_sso_token_from_login_token_stdin() {
    let emu = Emulator::start(EmulatorConfig::new(Family::Nexus3).sso_user(USER)).unwrap();
    let (name, pass) = emu.mint_token(USER).unwrap();
    let sb = Sandbox::with_keyring();
    let url = emu.base_url();
    let run = sb.run(
        &[
            "login",
            "--url",
            &url,
            "--token-stdin",
            "--env-refs",
            "--maven-server",
            "nexus",
        ],
        Some(&format!("{name}:{pass}\n")),
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_no_secret(&run.all(), &pass, "login output");
    let settings = std::fs::read_to_string(sb.settings()).unwrap();
    assert!(
        settings.contains("${env.NEXUS_TOKEN_PASSCODE}") && !settings.contains(&pass),
        "{settings}"
    );
    emu.clear_requests();
    let mut cmd = sb.command(&[
        "exec",
        "--",
        "sh",
        "-c",
        r#"[ "$NEXUS_TOKEN_NAMECODE" = "$WANT_NAME" ] && [ "$NEXUS_TOKEN_PASSCODE" = "$WANT_PASS" ]"#,
    ]);
    cmd.env("WANT_NAME", &name).env("WANT_PASS", &pass);
    let run = sb.run_with(cmd, None);
    assert_eq!(
        run.code,
        0,
        "exec hands out the imported token: {}",
        run.all()
    );
    assert_no_secret(&run.all(), &pass, "exec output");
}

//! `login --gradle-init`: the Gradle init script target (issue 18).
//!
//! In process (memory keyring, sandboxed env): where the script goes, that it holds no token,
//! `--dry-run`, `status`, `doctor`, `refresh`, `logout --remove-credentials`, and the flags it is
//! refused with. With the real parts (`#[ignore = "needs gradle and a Secret Service"]`, run
//! under scripts/with-keyring): Debian's Gradle 4.4.1 runs the script written by the built
//! binary, which answers from the token cache in the real keyring; a build without credentials
//! resolves a jar, a build with its own keeps them, a repository on another origin gets none, a
//! failing `token` prints one line naming `nexus-token doctor`, and without the script the same
//! build fails with 401.

use crate::support::in_process::Outcome;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::support::emulator_util::{USER, nexus3 as emulator};
use crate::support::{self, Sandbox};
use nexus_token::emulator::{Emulator, EmulatorConfig};
use nexus_token::env::Env;
use nexus_token::nexus::Family;
use nexus_token::store::MemoryStore;

/// One sandboxed home with its own Gradle user home, one in-memory keyring.
struct Harness {
    dir: tempfile::TempDir,
    store: Arc<MemoryStore>,
    /// Whether `GRADLE_USER_HOME` is set (to `gradle-home` in the sandbox).
    gradle_user_home: bool,
}

impl Harness {
    fn new() -> Harness {
        Harness {
            dir: tempfile::tempdir().unwrap(),
            store: Arc::new(MemoryStore::new()),
            gradle_user_home: true,
        }
    }

    fn gradle_home(&self) -> PathBuf {
        self.dir.path().join("gradle-home")
    }

    fn script(&self, profile: &str) -> PathBuf {
        self.gradle_home()
            .join("init.d")
            .join(format!("nexus-token-{profile}.gradle"))
    }

    fn run(&self, args: &[&str], password: Option<&str>) -> Outcome {
        let mut env = Env::sandboxed(self.dir.path());
        if self.gradle_user_home {
            env = env.with_var("GRADLE_USER_HOME", self.gradle_home().to_str().unwrap());
        }
        crate::support::in_process::run(&env, &self.store, args, password)
    }

    fn login(&self, emu: &Emulator, password: &str, extra: &[&str]) -> Outcome {
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
        self.run(&args, Some(password))
    }
}

#[test]
fn login_writes_the_script_in_init_d_without_the_token() {
    let pw = support::unique_password();
    let emu = emulator(&pw);
    let h = Harness::new();
    let out = h.login(&emu, &pw, &["--gradle-init"]);
    assert_eq!(out.code, 0, "login --gradle-init succeeds: {}", out.all());
    let script = std::fs::read_to_string(h.script("default"))
        .expect("the script is written to $GRADLE_USER_HOME/init.d/nexus-token-default.gradle");
    let (name, pass) = emu.token_of(USER).unwrap();
    assert!(
        !script.contains(&pass) && !script.contains(&name) && !script.contains(&pw),
        "the init script holds no token and no password:\n{script}"
    );
    assert!(
        script.contains("def nexusTokenProfile = 'default'")
            && script.contains(&format!("new URI('{}')", emu.base_url())),
        "the script names the profile and the Nexus URL:\n{script}"
    );
    let exe = std::env::current_exe().unwrap();
    assert!(
        script.contains(&format!("def nexusTokenExe = '{}'", exe.display())),
        "the script runs the binary that wrote it (here the test binary):\n{script}"
    );
    assert!(
        out.all().contains("init script for profile `default`"),
        "login names what it created: {}",
        out.all()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(h.script("default"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the script is private to its owner");
    }
}

#[test]
fn without_gradle_user_home_the_script_goes_to_dot_gradle_init_d() {
    let pw = support::unique_password();
    let emu = emulator(&pw);
    let mut h = Harness::new();
    h.gradle_user_home = false;
    let out = h.login(&emu, &pw, &["--gradle-init", "--profile", "work"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        h.dir
            .path()
            .join(".gradle/init.d/nexus-token-work.gradle")
            .is_file(),
        "without GRADLE_USER_HOME the script is ~/.gradle/init.d/nexus-token-<profile>.gradle"
    );
    assert!(
        !h.gradle_home().exists(),
        "nothing goes to the unset Gradle home"
    );
}

#[test]
fn dry_run_names_the_script_and_writes_nothing() {
    let pw = support::unique_password();
    let emu = emulator(&pw);
    let h = Harness::new();
    let out = h.login(&emu, &pw, &["--gradle-init", "--dry-run"]);
    assert_eq!(out.code, 0, "a dry run succeeds: {}", out.all());
    assert!(
        out.all().contains("would create") && out.all().contains("nexus-token-default.gradle"),
        "the dry run names the script it would write: {}",
        out.all()
    );
    assert!(
        !h.script("default").exists() && !h.gradle_home().join("init.d").exists(),
        "a dry run writes no script"
    );
}

#[test]
fn status_doctor_refresh_and_logout_cover_the_script() {
    let pw = support::unique_password();
    let emu = emulator(&pw);
    let h = Harness::new();
    assert_eq!(h.login(&emu, &pw, &["--gradle-init"]).code, 0);
    let script = h.script("default");
    let written = std::fs::read(&script).unwrap();

    let status = h.run(&["status", "--json"], None);
    assert_eq!(status.code, 0, "{}", status.all());
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let targets = json["profiles"][0]["targets"].as_array().unwrap();
    let entry = targets
        .iter()
        .find(|t| t["kind"] == "gradle-init")
        .expect("status lists the init script as a `gradle-init` target");
    assert_eq!(
        entry["state"], "current",
        "the script this binary would write is reported current: {entry}"
    );
    let text = h.run(&["status"], None).stdout;
    assert!(
        text.contains("configured (asks nexus-token at build time)"),
        "status says the script is configured, not that it holds a token:\n{text}"
    );

    let doctor = h.run(&["doctor"], None);
    assert!(
        doctor
            .all()
            .contains("asks this nexus-token for profile `default`"),
        "doctor says the script points at this binary:\n{}",
        doctor.all()
    );
    assert!(
        doctor.all().contains("gradle"),
        "doctor reports on Gradle itself (version or absence):\n{}",
        doctor.all()
    );

    // refresh leaves an identical script alone, and rewrites one that points elsewhere.
    let refresh = h.run(&["refresh"], None);
    assert_eq!(refresh.code, 0, "{}", refresh.all());
    assert_eq!(
        std::fs::read(&script).unwrap(),
        written,
        "an identical script is kept"
    );
    let edited = String::from_utf8(written.clone())
        .unwrap()
        .replace("def nexusTokenExe = '", "def nexusTokenExe = '/elsewhere");
    std::fs::write(&script, &edited).unwrap();
    let status: serde_json::Value =
        serde_json::from_str(&h.run(&["status", "--json"], None).stdout).unwrap();
    let entry = status["profiles"][0]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "gradle-init")
        .unwrap()
        .clone();
    assert_eq!(
        entry["state"], "stale",
        "a script for another binary is stale"
    );
    let doctor = h.run(&["doctor"], None);
    assert!(
        doctor.all().contains("does not run this nexus-token"),
        "doctor says the script points at another binary:\n{}",
        doctor.all()
    );
    assert_eq!(h.run(&["refresh"], None).code, 0);
    assert_eq!(
        std::fs::read(&script).unwrap(),
        written,
        "refresh rewrites the whole script"
    );

    // A second login without target flags keeps the script as a target.
    assert_eq!(h.login(&emu, &pw, &[]).code, 0);
    let config =
        std::fs::read_to_string(h.dir.path().join(".config/nexus-token/config.toml")).unwrap();
    assert!(
        config.contains("gradle_init") && config.contains("nexus-token-default.gradle"),
        "a login without target flags keeps the saved init script:\n{config}"
    );

    let logout = h.run(&["logout", "--remove-credentials"], None);
    assert_eq!(logout.code, 0, "{}", logout.all());
    assert!(
        !script.exists(),
        "logout --remove-credentials deletes the script"
    );
    assert!(
        logout.all().contains("deleted `"),
        "logout says it deleted the script: {}",
        logout.all()
    );
}

#[test]
fn the_script_sits_beside_other_targets_and_only_its_file_is_deleted() {
    let pw = support::unique_password();
    let emu = emulator(&pw);
    let h = Harness::new();
    let props = h.gradle_home().join("gradle.properties");
    let out = h.login(
        &emu,
        &pw,
        &[
            "--gradle-init",
            "--gradle-prefix",
            "nexus",
            "--gradle-properties",
            props.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(h.script("default").exists() && props.exists());
    let logout = h.run(&["logout", "--remove-credentials"], None);
    assert_eq!(logout.code, 0, "{}", logout.all());
    assert!(!h.script("default").exists(), "the script is deleted");
    assert!(
        props.exists(),
        "gradle.properties is edited, never deleted, by logout"
    );
}

#[test]
fn gradle_init_is_refused_without_the_keyring_and_for_unusable_profile_names() {
    let pw = support::unique_password();
    let emu = emulator(&pw);
    let h = Harness::new();
    let out = h.login(&emu, &pw, &["--gradle-init", "--no-keyring"]);
    assert_eq!(
        out.code, 2,
        "--no-keyring with --gradle-init is a usage error"
    );
    assert!(
        out.all().contains("--gradle-prefix"),
        "the hint names the alternative: {}",
        out.all()
    );
    let out = h.login(&emu, &pw, &["--gradle-init", "--profile", "a/b"]);
    assert_eq!(
        out.code,
        2,
        "a profile name that cannot be a file name is refused: {}",
        out.all()
    );
    assert!(
        emu.requests().iter().all(|r| r.username.is_none()),
        "nothing was sent with the password before the flags were checked"
    );
    assert!(
        !h.gradle_home().join("init.d").exists(),
        "no script was written"
    );
}

#[test]
#[ignore = "needs gradle (groovy-all.jar from Debian's Gradle)"]
fn real_groovy_reads_back_every_quoted_value() {
    let jar = Path::new("/usr/share/java/groovy-all.jar");
    support::require_tool("java");
    assert!(
        jar.is_file(),
        "Debian's gradle package brings {} (scripts/install-deps)",
        jar.display()
    );
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let values = [
        r"C:\Program Files\nexus-token\nexus-token.exe",
        r"C:\users\u0041\nt",
        "/home/o'brien/bin/nexus-token",
        "/opt/$HOME/${x}/\"q\"/nt",
        "/home/café/😀/nt",
        "http://nexus.example.com:8081/a b/",
    ];
    for value in values {
        // The rendered script with `value` as the binary: Groovy prints what it read.
        let script = nexus_token_render(value);
        let probe = script
            .lines()
            .find(|l| l.starts_with("def nexusTokenExe = "))
            .unwrap()
            .to_owned();
        let file = dir.path().join("probe.groovy");
        std::fs::write(
            &file,
            format!("{probe}\nSystem.out.write(nexusTokenExe.getBytes('UTF-8'))\n"),
        )
        .unwrap();
        let out = sb
            .program(
                "java",
                &[
                    "-cp",
                    jar.to_str().unwrap(),
                    "groovy.ui.GroovyMain",
                    file.to_str().unwrap(),
                ],
            )
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "Groovy compiles the quoted `{value}`: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            value,
            "Groovy reads back exactly the value that was quoted"
        );
    }
}

/// The script the library renders for `exe`.
fn nexus_token_render(exe: &str) -> String {
    nexus_token::targets::render_gradle_init(exe, "default", "http://127.0.0.1:1")
}

// ---- real Gradle, real keyring ----

/// A project whose `build.gradle` declares `repos` (each `(url, credentials block or "")`) and
/// resolves `com.example:e2e-ext:1.0` from them.
fn gradle_project(dir: &Path, repos: &[(String, String)]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("settings.gradle"), "rootProject.name = 'e2e'\n").unwrap();
    let blocks: String = repos
        .iter()
        .map(|(url, creds)| format!("    maven {{\n        url '{url}'\n{creds}    }}\n"))
        .collect();
    std::fs::write(
        dir.join("build.gradle"),
        format!(
            "repositories {{\n{blocks}}}\nconfigurations {{ e2e }}\ndependencies {{ e2e 'com.example:e2e-ext:1.0' }}\ntask resolveE2e {{ doLast {{ configurations.e2e.resolve().each {{ println \"RESOLVED \" + it.name }} }} }}\n"
        ),
    )
    .unwrap();
}

/// Runs `gradle --refresh-dependencies resolveE2e` in the sandbox's environment (so the
/// script's `nexus-token token` finds the sandbox's profile and the test's keyring) with a fresh
/// cache in the sandbox's Gradle user home (`~/.gradle`).
fn gradle_resolve(sb: &Sandbox, project: &Path) -> (bool, String) {
    let _ = std::fs::remove_dir_all(gradle_home(sb).join("caches"));
    let out = sb
        .program(
            "gradle",
            &["--no-daemon", "-q", "--refresh-dependencies", "resolveE2e"],
        )
        .current_dir(project)
        .output()
        .expect("gradle runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The sandbox's `GRADLE_USER_HOME`.
fn gradle_home(sb: &Sandbox) -> PathBuf {
    sb.home().join(".gradle")
}

/// A sandbox with the real keyring, and `gradle` on PATH (both required: the test fails without).
fn real_parts() -> Sandbox {
    support::require_tool("gradle");
    Sandbox::with_keyring()
}

/// `login --gradle-init` with the real keyring.
fn login_gradle_init(sb: &Sandbox, emu: &Emulator, pw: &str) {
    let run = sb.login_ok(&emu.base_url(), USER, pw, &["--gradle-init"]);
    support::assert_no_secret(&run.all(), pw, "login output");
    assert!(
        gradle_home(sb)
            .join("init.d/nexus-token-default.gradle")
            .is_file(),
        "the script is in $GRADLE_USER_HOME/init.d"
    );
}

/// No file under the sandbox (home, Gradle user home with its caches, project) holds `secret`.
fn assert_no_file_holds(sb: &Sandbox, secret: &str, what: &str) {
    let files = sb.files_except(&[]);
    assert!(!files.is_empty());
    for (path, bytes) in files {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "no file may hold the {what}, but `{}` does",
            path.display()
        );
    }
}

#[test]
#[ignore = "needs gradle and a Secret Service"]
fn gradle_resolves_with_the_init_script_and_fails_with_401_without_it() {
    let pw = support::unique_password();
    let emu = emulator(&pw);
    let sb = real_parts();
    login_gradle_init(&sb, &emu, &pw);
    let project = sb.dir.path().join("project");
    gradle_project(&project, &[(emu.repository_url(), String::new())]);
    assert!(
        !gradle_home(&sb).join("gradle.properties").exists(),
        "no gradle.properties credentials: the script alone must do it"
    );

    emu.clear_requests();
    let (ok, log) = gradle_resolve(&sb, &project);
    assert!(
        ok && log.contains("RESOLVED e2e-ext-1.0.jar"),
        "Gradle resolves the jar with the token the init script asked for:\n{log}"
    );
    let (name, pass) = emu.token_of(USER).unwrap();
    let requests = emu.requests();
    assert!(
        requests.iter().any(|r| r.path.ends_with("e2e-ext-1.0.jar")
            && r.status == 200
            && r.username.as_deref() == Some(name.as_str())),
        "the emulator served the jar to the token's nameCode: {requests:?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.kind == nexus_token::emulator::RequestKind::Repository),
        "the script's `token` call answered from the token cache, without asking Nexus: {requests:?}"
    );
    support::assert_no_secret(&log, &pass, "Gradle's output");
    assert_no_file_holds(&sb, &pass, "passCode");
    assert_no_file_holds(&sb, &pw, "password");

    // Negative control: the same build without the script fails with 401.
    std::fs::remove_file(gradle_home(&sb).join("init.d/nexus-token-default.gradle")).unwrap();
    emu.clear_requests();
    let (ok, log) = gradle_resolve(&sb, &project);
    assert!(
        !ok,
        "without the script the build has no credentials:\n{log}"
    );
    assert!(
        log.contains("401"),
        "Gradle reports the server's 401:\n{log}"
    );
    assert!(
        emu.requests().iter().any(|r| r.status == 401),
        "the emulator answered 401"
    );
}

#[test]
#[ignore = "needs gradle and a Secret Service"]
fn a_build_with_its_own_credentials_keeps_them() {
    let pw = support::unique_password();
    let other_pw = support::unique_password();
    let emu = Emulator::start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, &pw)
            .user("builder", &other_pw),
    )
    .unwrap();
    let sb = real_parts();
    login_gradle_init(&sb, &emu, &pw);
    let project = sb.dir.path().join("project");
    let creds =
        format!("        credentials {{ username = 'builder'; password = '{other_pw}' }}\n");
    gradle_project(&project, &[(emu.repository_url(), creds)]);

    emu.clear_requests();
    let (ok, log) = gradle_resolve(&sb, &project);
    assert!(
        ok && log.contains("RESOLVED e2e-ext-1.0.jar"),
        "the build resolves with its own credentials:\n{log}"
    );
    let (name, _) = emu.token_of(USER).unwrap();
    let requests = emu.requests();
    assert!(
        requests.iter().any(|r| r.path.ends_with("e2e-ext-1.0.jar")
            && r.status == 200
            && r.username.as_deref() == Some("builder")),
        "the jar was served to the build's own user: {requests:?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.username.as_deref() != Some(name.as_str())),
        "the token never replaced the build's own credentials: {requests:?}"
    );
}

#[test]
#[ignore = "needs gradle and a Secret Service"]
fn a_repository_on_another_origin_gets_no_token() {
    let pw = support::unique_password();
    let emu = emulator(&pw);
    let other = emulator(&pw);
    let sb = real_parts();
    login_gradle_init(&sb, &emu, &pw);
    let (name, _) = emu.token_of(USER).unwrap();
    let project = sb.dir.path().join("project");
    // The other origin first: Gradle asks it before the Nexus.
    gradle_project(
        &project,
        &[
            (other.repository_url(), String::new()),
            (emu.repository_url(), String::new()),
        ],
    );
    emu.clear_requests();
    other.clear_requests();
    let (_, log) = gradle_resolve(&sb, &project);
    let asked = other.requests();
    assert!(
        asked.iter().any(|r| r.path.contains("e2e-ext")),
        "Gradle asked the other origin:\n{log}\n{asked:?}"
    );
    assert!(
        asked.iter().all(|r| r.username.is_none()),
        "the repository on another origin got no credentials at all: {asked:?}"
    );
    assert!(
        asked.iter().all(|r| r.status == 401),
        "so the other origin answered 401: {asked:?}"
    );
    assert!(
        emu.requests()
            .iter()
            .all(|r| r.username.is_none() || r.username.as_deref() == Some(name.as_str())),
        "the Nexus saw only the token, if anything"
    );
}

#[test]
#[ignore = "needs gradle and a Secret Service"]
fn a_failing_token_call_prints_one_line_naming_doctor_then_gradle_reports_401() {
    let pw = support::unique_password();
    let emu = emulator(&pw);
    let sb = real_parts();
    login_gradle_init(&sb, &emu, &pw);
    // The password changes on the server: the next refresh is rejected and pauses the profile.
    emu.set_password(USER, &support::unique_password());
    let refresh = sb.run(&["refresh"], None);
    assert_eq!(
        refresh.code,
        3,
        "a rejected password pauses the profile: {}",
        refresh.all()
    );
    let project = sb.dir.path().join("project");
    // Two repositories under the Nexus URL: still one `token` call, so one line.
    gradle_project(
        &project,
        &[
            (
                format!("{}/repository/other/", emu.base_url()),
                String::new(),
            ),
            (emu.repository_url(), String::new()),
        ],
    );

    emu.clear_requests();
    let (ok, log) = gradle_resolve(&sb, &project);
    assert!(!ok, "the build fails without a token:\n{log}");
    let ours: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("nexus-token: "))
        .collect();
    assert_eq!(
        ours.len(),
        1,
        "one `token` call per build, so exactly one line of the script's own, for two repositories:\n{log}"
    );
    assert!(
        ours[0].contains("nexus-token doctor --profile default") && ours[0].contains("paused"),
        "the line says why and names `nexus-token doctor`: {}",
        ours[0]
    );
    assert!(
        log.contains("401"),
        "then Gradle reports the server's 401:\n{log}"
    );

    // A build with no repository under the Nexus URL never calls `token`: no line, even though
    // the call would fail.
    let elsewhere = sb.dir.path().join("elsewhere");
    gradle_project(
        &elsewhere,
        &[(
            "http://127.0.0.1:1/repository/maven-public/".into(),
            String::new(),
        )],
    );
    let (ok, log) = gradle_resolve(&sb, &elsewhere);
    assert!(!ok, "nothing answers on port 1:\n{log}");
    assert!(
        !log.contains("nexus-token: "),
        "no repository under the Nexus URL, so no `token` call and no line:\n{log}"
    );
}

#[test]
#[ignore = "needs gradle and a Secret Service"]
fn buildscript_and_plugin_management_repositories_get_the_token_too() {
    let pw = support::unique_password();
    let emu = emulator(&pw);
    let sb = real_parts();
    login_gradle_init(&sb, &emu, &pw);
    let repo = emu.repository_url();
    let project = sb.dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    // The settings script registers its check after the init script's hook, so it sees the
    // credentials the hook set (Gradle 4.4 has no `beforeSettings`).
    std::fs::write(
        project.join("settings.gradle"),
        format!(
            "pluginManagement {{ repositories {{ maven {{ url '{repo}' }} }} }}\nrootProject.name = 'e2e'\ngradle.settingsEvaluated {{ s ->\n    s.pluginManagement.repositories.each {{ println \"PLUGIN-REPO credentials set: \" + (it.credentials.username != null) }}\n}}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        project.join("build.gradle"),
        format!(
            "buildscript {{\n    repositories {{ maven {{ url '{repo}' }} }}\n    dependencies {{ classpath 'com.example:e2e-ext:1.0' }}\n}}\ntask resolveE2e {{ doLast {{ println 'BUILDSCRIPT ' + buildscript.configurations.classpath.files*.name }} }}\n"
        ),
    )
    .unwrap();
    emu.clear_requests();
    let (ok, log) = gradle_resolve(&sb, &project);
    assert!(
        ok && log.contains("BUILDSCRIPT [e2e-ext-1.0.jar]"),
        "the buildscript classpath resolves from the Nexus with the token:\n{log}"
    );
    let (name, _) = emu.token_of(USER).unwrap();
    assert!(
        emu.requests()
            .iter()
            .any(|r| r.path.ends_with("e2e-ext-1.0.jar")
                && r.status == 200
                && r.username.as_deref() == Some(name.as_str())),
        "the buildscript jar was served to the token's nameCode"
    );
    assert!(
        log.contains("PLUGIN-REPO credentials set: true"),
        "the pluginManagement repository under the Nexus URL got credentials:\n{log}"
    );
}

#[test]
fn remove_file_deletes_a_link_not_its_target_and_accepts_a_missing_file() {
    use nexus_token::fs::{Outcome, remove_file};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("init.d/nexus-token-default.gradle");
    assert_eq!(
        remove_file(&file).unwrap(),
        Outcome::Unchanged,
        "a missing file (and folder) is nothing to delete"
    );
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "// script\n").unwrap();
    assert_eq!(remove_file(&file).unwrap(), Outcome::Removed);
    assert!(!file.exists(), "the file is gone");
    #[cfg(unix)]
    {
        let real = dir.path().join("dotfiles-script.gradle");
        std::fs::write(&real, "// kept\n").unwrap();
        std::os::unix::fs::symlink(&real, &file).unwrap();
        assert_eq!(remove_file(&file).unwrap(), Outcome::Removed);
        assert!(
            std::fs::symlink_metadata(&file).is_err() && real.exists(),
            "the link is deleted, the file it pointed at is left alone"
        );
    }
}

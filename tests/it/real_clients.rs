//! The written files proven with the real clients: Debian's Maven resolves the emulator's parent
//! POM through a mirror with the written settings.xml (plain and Maven-encrypted passCode, over
//! several real-world file shapes), and Debian's Gradle 4.4.1 resolves a jar with the written
//! gradle.properties. Each has a negative control (a wrong token fails with 401) and checks the
//! emulator's request log. The tests are ignored unless asked for;
//! then a missing `mvn` or `gradle` fails.

use crate::support;

use std::path::Path;

use crate::support::{Sandbox, assert_no_secret, unique_password};
use nexus_token::emulator::Emulator;
use nexus_token::nexus::Family;

const USER: &str = "dave";

fn login(sb: &Sandbox, emu: &Emulator, pw: &str, extra: &[&str]) {
    let extra = [&["--no-keyring"], extra].concat();
    let run = sb.login_ok(&emu.base_url(), USER, pw, &extra);
    assert_no_secret(&run.all(), pw, "login output");
}

fn maven_project(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("pom.xml"),
        r#"<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>com.example</groupId>
    <artifactId>e2e-parent</artifactId>
    <version>1.0</version>
    <relativePath/>
  </parent>
  <artifactId>consumer</artifactId>
</project>
"#,
    )
    .unwrap();
}

/// Runs `mvn validate` in the sandbox (its home as user.home) with a fresh local repository.
fn mvn_validate(sb: &Sandbox, project: &Path) -> (bool, String) {
    let home = sb.home();
    let _ = std::fs::remove_dir_all(home.join(".m2/repository"));
    let out = sb
        .program(support::require_tool("mvn"), &["-B", "-ntp", "-q"])
        .arg(format!("-Duser.home={}", home.display()))
        .arg("-f")
        .arg(project.join("pom.xml"))
        .arg("validate")
        .output()
        .expect("mvn runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn settings_with_mirror(emu: &Emulator, shape: &str) -> String {
    let repo = emu.repository_url();
    let body = |ns: &str, eol: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>{eol}<settings{ns}>{eol}  <!-- company settings -->{eol}  <mirrors>{eol}    <mirror>{eol}      <id>nexus</id>{eol}      <mirrorOf>*</mirrorOf>{eol}      <url>{repo}</url>{eol}    </mirror>{eol}  </mirrors>{eol}  <servers>{eol}    <server>{eol}      <id>other</id>{eol}      <username>x</username>{eol}      <password>{{AAECAwQFBgcHXhTpqF018d/Xrj7AKinI9wAAAAAAAAA=}}</password>{eol}    </server>{eol}    <server>{eol}      <id>nexus</id>{eol}      <!-- filled in by nexus-token -->{eol}      <username>{USER}</username>{eol}      <password>old</password>{eol}    </server>{eol}  </servers>{eol}  <profiles>{eol}    <profile>{eol}      <id>p</id>{eol}      <repositories>{eol}        <repository><id>nexus</id><url>{repo}</url></repository>{eol}      </repositories>{eol}    </profile>{eol}  </profiles>{eol}</settings>{eol}"
        )
    };
    match shape {
        "crlf" => body(" xmlns=\"http://maven.apache.org/SETTINGS/1.0.0\"", "\r\n"),
        "bom" => format!(
            "\u{feff}{}",
            body(" xmlns=\"http://maven.apache.org/SETTINGS/1.0.0\"", "\n")
        ),
        "no-namespace" => body("", "\n"),
        "no-server-yet" => format!(
            "<settings>\n  <mirrors>\n    <mirror><id>nexus</id><mirrorOf>*</mirrorOf><url>{repo}</url></mirror>\n  </mirrors>\n</settings>"
        ),
        _ => body(" xmlns=\"http://maven.apache.org/SETTINGS/1.2.0\"", "\n"),
    }
}

#[test]
#[ignore = "needs mvn"]
fn maven_resolves_through_the_mirror_with_the_written_settings_in_every_shape() {
    support::require_tool("mvn");
    let pw = unique_password();
    let emu = crate::support::emulator_util::for_user(Family::Nexus3, USER, &pw);
    for shape in ["plain", "crlf", "bom", "no-namespace", "no-server-yet"] {
        let sb = Sandbox::new();
        std::fs::create_dir_all(sb.settings().parent().unwrap()).unwrap();
        std::fs::write(sb.settings(), settings_with_mirror(&emu, shape)).unwrap();
        login(&sb, &emu, &pw, &["--maven-server", "nexus"]);
        let project = sb.dir.path().join("project");
        maven_project(&project);
        emu.clear_requests();
        let (ok, log) = mvn_validate(&sb, &project);
        assert!(
            ok,
            "[{shape}] Maven resolves the parent POM with the written token:\n{log}"
        );
        let (name, _) = emu.token_of(USER).unwrap();
        let hits: Vec<_> = emu
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("e2e-parent-1.0.pom") && r.status == 200)
            .collect();
        assert!(
            !hits.is_empty(),
            "[{shape}] the emulator served the parent POM"
        );
        assert!(
            hits.iter()
                .all(|r| r.username.as_deref() == Some(name.as_str())),
            "[{shape}] Maven authenticated with the nameCode: {hits:?}"
        );
        assert_no_secret(&log, &pw, "Maven output");
    }
}

#[test]
#[ignore = "needs mvn"]
fn maven_fails_with_401_when_the_token_is_wrong() {
    support::require_tool("mvn");
    let pw = unique_password();
    let emu = crate::support::emulator_util::for_user(Family::Nexus3, USER, &pw);
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.settings().parent().unwrap()).unwrap();
    std::fs::write(sb.settings(), settings_with_mirror(&emu, "plain")).unwrap();
    login(&sb, &emu, &pw, &["--maven-server", "nexus"]);
    let (_, pass) = emu.token_of(USER).unwrap();
    let tampered = std::fs::read_to_string(sb.settings())
        .unwrap()
        .replace(&pass, "not-the-token");
    std::fs::write(sb.settings(), tampered).unwrap();
    let project = sb.dir.path().join("project");
    maven_project(&project);
    emu.clear_requests();
    let (ok, log) = mvn_validate(&sb, &project);
    assert!(!ok, "Maven must fail with a wrong token:\n{log}");
    assert!(log.contains("401"), "Maven reports 401:\n{log}");
    assert!(
        emu.requests().iter().any(|r| r.status == 401),
        "the emulator answered 401"
    );
}

#[test]
#[ignore = "needs mvn"]
fn maven_decrypts_an_encrypted_passcode_written_by_nexus_token() {
    support::require_tool("mvn");
    let pw = unique_password();
    let emu = crate::support::emulator_util::for_user(Family::Nexus2, USER, &pw);
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.settings().parent().unwrap()).unwrap();
    std::fs::write(sb.settings(), settings_with_mirror(&emu, "plain")).unwrap();
    let master =
        nexus_token::maven_security::encrypt("master-passphrase-for-tests", "settings.security");
    std::fs::write(
        sb.home().join(".m2/settings-security.xml"),
        format!("<settingsSecurity>\n  <master>{master}</master>\n</settingsSecurity>\n"),
    )
    .unwrap();
    login(&sb, &emu, &pw, &["--maven-server", "nexus"]);
    let (_, pass) = emu.token_of(USER).unwrap();
    let settings = std::fs::read_to_string(sb.settings()).unwrap();
    assert!(
        !settings.contains(&pass),
        "with a master password the passCode is not written in clear"
    );
    let project = sb.dir.path().join("project");
    maven_project(&project);
    let (ok, log) = mvn_validate(&sb, &project);
    assert!(ok, "Maven decrypts the passCode and authenticates:\n{log}");

    // Negative control: without settings-security.xml Maven sends the literal `{...}` and fails.
    std::fs::remove_file(sb.home().join(".m2/settings-security.xml")).unwrap();
    let (ok, log) = mvn_validate(&sb, &project);
    assert!(
        !ok,
        "without the master password Maven cannot authenticate:\n{log}"
    );

    // A second refresh keeps the encrypted value (no rewrite for an unchanged token).
    std::fs::write(
        sb.home().join(".m2/settings-security.xml"),
        format!("<settingsSecurity><master>{master}</master></settingsSecurity>"),
    )
    .unwrap();
    let run = sb.run(&["refresh", "--password-stdin"], Some(&format!("{pw}\n")));
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        std::fs::read_to_string(sb.settings()).unwrap(),
        settings,
        "an unchanged token leaves the encrypted value alone"
    );
}

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

/// Runs `gradle resolveE2e` in the sandbox with `gradle_home` as GRADLE_USER_HOME.
fn gradle_resolve(sb: &Sandbox, gradle_home: &Path, project: &Path) -> (bool, String) {
    let _ = std::fs::remove_dir_all(gradle_home.join("caches"));
    let gradle = support::require_tool("gradle");
    let out = sb
        .program(gradle, &["--no-daemon", "-q", "resolveE2e"])
        .current_dir(project)
        .env("GRADLE_USER_HOME", gradle_home)
        .output()
        .expect("gradle runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
#[ignore = "needs gradle"]
fn gradle_resolves_a_jar_with_the_written_properties_and_fails_with_a_wrong_token() {
    support::require_tool("gradle");
    let pw = unique_password();
    let emu = crate::support::emulator_util::for_user(Family::Nexus3, USER, &pw);
    let sb = Sandbox::new();
    let gradle_home = sb.dir.path().join("gradle-home");
    std::fs::create_dir_all(&gradle_home).unwrap();
    std::fs::write(
        gradle_home.join("gradle.properties"),
        "# team settings\norg.gradle.jvmargs=-Xmx256m\n",
    )
    .unwrap();
    let props = gradle_home.join("gradle.properties");
    login(
        &sb,
        &emu,
        &pw,
        &[
            "--gradle-prefix",
            "nexus",
            "--gradle-properties",
            props.to_str().unwrap(),
        ],
    );
    let project = sb.dir.path().join("gradle-project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("settings.gradle"),
        "rootProject.name = 'e2e'\n",
    )
    .unwrap();
    std::fs::write(
        project.join("build.gradle"),
        BUILD_GRADLE.replace("REPO", &emu.repository_url()),
    )
    .unwrap();

    emu.clear_requests();
    let (ok, log) = gradle_resolve(&sb, &gradle_home, &project);
    assert!(
        ok && log.contains("RESOLVED e2e-ext-1.0.jar"),
        "Gradle resolves the jar with the written token:\n{log}"
    );
    let (name, pass) = emu.token_of(USER).unwrap();
    assert!(
        emu.requests()
            .iter()
            .any(|r| r.path.ends_with("e2e-ext-1.0.jar")
                && r.status == 200
                && r.username.as_deref() == Some(name.as_str())),
        "the emulator served the jar to the nameCode"
    );

    // Negative control: a wrong passCode fails with 401.
    let text = std::fs::read_to_string(&props)
        .unwrap()
        .replace(&pass, "wrong-token");
    std::fs::write(&props, text).unwrap();
    emu.clear_requests();
    let (ok, log) = gradle_resolve(&sb, &gradle_home, &project);
    assert!(!ok, "Gradle must fail with a wrong token:\n{log}");
    assert!(
        emu.requests().iter().any(|r| r.status == 401),
        "the emulator answered 401: {:?}",
        emu.requests()
    );
}

//! `login --gradle-wrapper`, proven with the wrapper that Debian's Gradle 4.4.1 generates
//! (`gradle wrapper --gradle-distribution-url URL`): it downloads its distribution from the
//! emulator's protected raw repository (`gradle-dists`, "require user tokens" on) with the
//! `systemProp.gradle.wrapperUser`/`wrapperPassword` that login wrote into
//! `$GRADLE_USER_HOME/gradle.properties`, unzips it and runs it; without them, and with a wrong
//! password, the server answers 401 and the wrapper fails. Own HOME and GRADLE_USER_HOME, the
//! real Secret Service of scripts/with-keyring, only 127.0.0.1.

use crate::support::emulator_util::for_user_with_tokens;
use std::path::PathBuf;

use crate::support::{Sandbox, assert_no_secret, require_tool, unique_password};
use nexus_token::emulator::Emulator;
use nexus_token::nexus::Family;

const USER: &str = "wren";

struct Setup {
    sb: Sandbox,
    emu: Emulator,
    password: String,
    project: PathBuf,
}

/// An emulator, a sandbox and a project whose wrapper Gradle 4.4.1 generated for the emulator's
/// distribution URL.
fn setup() -> Setup {
    require_tool("gradle");
    let password = unique_password();
    let emu = for_user_with_tokens(Family::Nexus3, USER, &password);
    let sb = Sandbox::with_keyring();
    let project = sb.dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("settings.gradle"), "rootProject.name = 'w'\n").unwrap();
    let url = emu.gradle_distribution_url();
    let out = sb
        .program(
            "gradle",
            &[
                "--offline",
                "--no-daemon",
                "wrapper",
                "--gradle-distribution-url",
                &url,
            ],
        )
        .current_dir(&project)
        .output()
        .unwrap();
    assert!(
        out.status.success() && project.join("gradlew").is_file(),
        "gradle wrapper generates gradlew: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let version = sb.program("gradle", &["--version"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&version.stdout).contains("Gradle 4.4.1"),
        "the wrapper is the one Gradle 4.4.1 generates"
    );
    Setup {
        sb,
        emu,
        password,
        project,
    }
}

impl Setup {
    /// `./gradlew help` after removing the downloaded distributions (so it downloads again).
    fn gradlew(&self) -> (bool, String) {
        let dists = self.sb.home().join(".gradle/wrapper/dists");
        let _ = std::fs::remove_dir_all(&dists);
        self.emu.clear_requests();
        let out = self
            .sb
            .program(self.project.join("gradlew"), &["help"])
            .current_dir(&self.project)
            .output()
            .unwrap();
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_no_secret(&log, &self.password, "gradlew output");
        if let Some((_, pass)) = self.emu.token_of(USER) {
            assert_no_secret(&log, &pass, "gradlew output");
        }
        (out.status.success(), log)
    }

    fn zip_requests(&self) -> Vec<(u16, Option<String>)> {
        self.emu
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("-bin.zip"))
            .map(|r| (r.status, r.username))
            .collect()
    }

    fn assert_refused(&self, what: &str, ok: bool, log: &str) {
        let zips = self.zip_requests();
        assert!(
            !ok && !zips.is_empty() && zips.iter().all(|(s, _)| *s == 401),
            "{what}: the wrapper is refused with 401: {zips:?}\n{log}"
        );
    }
}

#[test]
#[ignore = "needs gradle and a Secret Service"]
fn the_gradle_wrapper_downloads_its_distribution_with_the_token() {
    let s = setup();
    let (ok, log) = s.gradlew();
    s.assert_refused("without credentials", ok, &log);

    let run = s.sb.login(
        &s.emu.base_url(),
        USER,
        &s.password,
        &["--gradle-prefix", "nexus", "--gradle-wrapper"],
    );
    assert_eq!(
        run.code,
        0,
        "login --gradle-wrapper succeeds: {}",
        run.all()
    );
    let properties = s.sb.home().join(".gradle/gradle.properties");
    let text = std::fs::read_to_string(&properties).unwrap();
    let (name_code, pass_code) = s.emu.token_of(USER).unwrap();
    assert!(
        text.contains(&format!("systemProp.gradle.wrapperUser={name_code}"))
            && text.contains(&format!("systemProp.gradle.wrapperPassword={pass_code}"))
            && text.contains(&format!("nexusUsername={name_code}")),
        "login wrote the wrapper's system properties beside the prefix keys:\n{}",
        text.replace(&pass_code, "<passCode>")
    );

    let (ok, log) = s.gradlew();
    assert!(
        ok && log.contains("nexus-token test distribution ran: gradle help"),
        "the wrapper downloaded, unzipped and ran the distribution:\n{log}"
    );
    let zips = s.zip_requests();
    assert!(
        !zips.is_empty()
            && zips
                .iter()
                .all(|(st, user)| *st == 200 && user.as_deref() == Some(name_code.as_str())),
        "the distribution was served to the token's nameCode: {zips:?}"
    );

    let status = s.sb.run(&["status", "--json"], None);
    assert!(
        status.stdout.contains("systemProp.gradle.wrapperUser"),
        "status lists the wrapper keys: {}",
        status.stdout
    );

    // A wrong password in the same file: 401.
    std::fs::write(
        &properties,
        text.replace(
            &format!("systemProp.gradle.wrapperPassword={pass_code}"),
            "systemProp.gradle.wrapperPassword=not-the-pass-code",
        ),
    )
    .unwrap();
    let (ok, log) = s.gradlew();
    s.assert_refused("with a wrong password", ok, &log);

    // refresh puts the token back; logout takes the keys out.
    let run = s.sb.run(&["refresh", "--force"], None);
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    let (ok, log) = s.gradlew();
    assert!(ok, "the wrapper works again after refresh:\n{log}");
    let run = s.sb.run(&["logout", "--remove-credentials"], None);
    assert_eq!(run.code, 0, "logout succeeds: {}", run.all());
    let text = std::fs::read_to_string(&properties).unwrap();
    assert!(
        !text.contains("wrapperUser") && !text.contains("wrapperPassword"),
        "logout removed the wrapper keys:\n{text}"
    );
}

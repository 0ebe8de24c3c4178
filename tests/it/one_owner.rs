//! One owner per target (cli.md "One owner per target", issue 22), end to end with the built
//! binary and the real Secret Service of `scripts/with-keyring`: two profiles (two users of one
//! Nexus) and every target kind. A login that names another profile's target is refused before
//! any request (exit 2, nothing written, the other profile named with the way to move it);
//! discovery leaves other profiles' targets alone and says so; a profiles file edited by hand
//! to give one target to two profiles makes `refresh` write it for the first profile only, warn
//! on every run, never flip, and `doctor` fail. Logging in again with fewer targets leaves no
//! orphan token (issue 23, item 8).

use std::path::PathBuf;

use nexus_token::emulator::{Emulator, EmulatorConfig, RequestKind};
use nexus_token::nexus::Family;

use crate::support::{self, Run, Sandbox};

const ANN: &str = "ann";
const BEN: &str = "ben";

struct Two {
    sb: Sandbox,
    emu: Emulator,
    ann_pw: String,
    ben_pw: String,
}

fn setup() -> Two {
    let ann_pw = support::unique_password();
    let ben_pw = support::unique_password();
    let emu = Emulator::start(
        EmulatorConfig::new(Family::Nexus3)
            .user(ANN, &ann_pw)
            .user(BEN, &ben_pw)
            .require_user_tokens(true),
    )
    .unwrap();
    Two {
        sb: Sandbox::with_keyring(),
        emu,
        ann_pw,
        ben_pw,
    }
}

/// One kind's target flags, as a user names them.
struct KindCase {
    kind: &'static str,
    flags: Vec<String>,
}

impl Two {
    fn login(&self, profile: &str, extra: &[&str]) -> Run {
        let (user, pw) = if profile == "a" {
            (ANN, &self.ann_pw)
        } else {
            (BEN, &self.ben_pw)
        };
        let mut args = vec!["--profile", profile];
        args.extend_from_slice(extra);
        self.sb.login(&self.emu.base_url(), user, pw, &args)
    }

    fn run(&self, args: &[&str]) -> Run {
        self.sb.run(args, None)
    }

    /// Requests that sent a password or asked for a token (the family probe aside).
    fn requests(&self) -> usize {
        self.emu
            .requests()
            .iter()
            .filter(|r| matches!(r.kind, RequestKind::Authenticate | RequestKind::Token))
            .count()
    }

    /// Every kind, with flags that name one target of it.
    fn cases(&self) -> Vec<KindCase> {
        let base = self.emu.base_url();
        let case = |kind, flags: &[&str]| KindCase {
            kind,
            flags: flags.iter().map(|s| (*s).to_owned()).collect(),
        };
        vec![
            case("maven", &["--maven-server", "corp"]),
            case("gradle", &["--gradle-prefix", "corp"]),
            case("gradle wrapper", &["--gradle-wrapper"]),
            case("npm", &["--npm-registry", &self.emu.npm_group_url()]),
            case("yarn", &["--yarn-registry", &self.emu.npm_group_url()]),
            case("netrc", &["--netrc"]),
            case(
                "pypirc",
                &["--pypirc", &format!("corp={base}/repository/pypi-hosted/")],
            ),
            case("docker", &["--docker-registry", "127.0.0.1:5999"]),
            case(
                "cargo",
                &[
                    "--cargo-registry",
                    &format!("corp={base}/repository/cargo-group/"),
                ],
            ),
            case(
                "pnpm",
                &["--pnpm-registry", &format!("{base}/repository/js-group/")],
            ),
        ]
    }

    fn status_json(&self, profile: &str) -> serde_json::Value {
        let run = self.run(&["status", "--json", "--profile", profile]);
        assert_eq!(run.code, 0, "status succeeds: {}", run.all());
        serde_json::from_str(&run.stdout).expect("status --json prints JSON")
    }

    /// `(kind, name, state)` of every target of a profile, from `status --json`.
    fn states(&self, profile: &str) -> Vec<(String, String, String)> {
        let value = self.status_json(profile);
        value["profiles"][0]["targets"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|t| {
                (
                    t["kind"].as_str().unwrap_or_default().to_owned(),
                    t["name"].as_str().unwrap_or_default().to_owned(),
                    t["state"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// The client files of the sandbox and their bytes (the nexus-token state excluded).
    fn client_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let state = self.sb.home().join(".local/state");
        let cache = self.sb.home().join(".cache");
        self.sb
            .files_except(&[])
            .into_iter()
            .filter(|(p, _)| !p.starts_with(&state) && !p.starts_with(&cache))
            .collect()
    }
}

fn flags(case: &KindCase) -> Vec<&str> {
    case.flags.iter().map(String::as_str).collect()
}

#[test]
#[ignore = "needs a Secret Service"]
fn a_login_naming_another_profiles_target_is_refused_before_any_request_for_every_kind() {
    let t = setup();
    for case in t.cases() {
        let sb_flags = flags(&case);
        let ann = t.login("a", &sb_flags);
        assert_eq!(
            ann.code,
            0,
            "{}: profile a logs in: {}",
            case.kind,
            ann.all()
        );
        let before_files = t.client_files();
        let before_requests = t.requests();
        let ben = t.login("b", &sb_flags);
        assert_eq!(
            ben.code,
            2,
            "{}: a target of profile `a` is refused for `b` with exit 2: {}",
            case.kind,
            ben.all()
        );
        assert!(
            ben.stderr.contains("profile `a`")
                && ben.stderr.contains("nexus-token logout --profile a"),
            "{}: the refusal names the other profile and how to move the target: {}",
            case.kind,
            ben.stderr
        );
        assert_eq!(
            t.requests(),
            before_requests,
            "{}: nothing was sent to Nexus",
            case.kind
        );
        assert_eq!(
            t.client_files(),
            before_files,
            "{}: nothing was written (files and profiles file byte-identical)",
            case.kind
        );
        // Move the target: log `a` out with its credentials; then `b` may have it.
        let out = t.run(&["logout", "--profile", "a", "--remove-credentials"]);
        assert_eq!(out.code, 0, "{}: {}", case.kind, out.all());
        let ben = t.login("b", &sb_flags);
        assert_eq!(
            ben.code,
            0,
            "{}: once `a` let go, `b` takes the target: {}",
            case.kind,
            ben.all()
        );
        let out = t.run(&["logout", "--profile", "b", "--remove-credentials"]);
        assert_eq!(out.code, 0, "{}: {}", case.kind, out.all());
    }
}

#[test]
#[ignore = "needs a Secret Service"]
fn two_profiles_each_get_their_own_gradle_init_script() {
    // The init script is named after its profile, so two profiles never share one.
    let t = setup();
    assert_eq!(t.login("a", &["--gradle-init"]).code, 0);
    let ben = t.login("b", &["--gradle-init"]);
    assert_eq!(
        ben.code,
        0,
        "each profile has its own script: {}",
        ben.all()
    );
    let init = t.sb.home().join(".gradle/init.d");
    assert!(
        init.join("nexus-token-a.gradle").exists() && init.join("nexus-token-b.gradle").exists()
    );
}

#[test]
#[ignore = "needs a Secret Service"]
fn discovery_leaves_another_profiles_targets_alone_and_says_so() {
    let t = setup();
    let base = t.emu.base_url();
    let hosted = format!("{base}/repository/pypi-hosted/");
    // The npm registry that discovery finds: the user npmrc's `registry=` under the Nexus.
    std::fs::write(
        t.sb.npmrc(),
        format!("registry={}\n", t.emu.npm_group_url()),
    )
    .unwrap();
    let ann = t.login(
        "a",
        &[
            "--maven-server",
            "corp",
            "--npm-registry",
            &t.emu.npm_group_url(),
            "--netrc",
            "--pypirc",
            &format!("corp={hosted}"),
        ],
    );
    assert_eq!(ann.code, 0, "{}", ann.all());
    let before_files = t.client_files();
    let before_requests = t.requests();
    let ben = t.login("b", &[]);
    for what in [
        "`<server>` `corp`",
        &format!("npm registry `{}`", t.emu.npm_group_url()),
        "netrc machine `127.0.0.1`",
        ".pypirc section `corp`",
    ] {
        assert!(
            ben.stderr.contains(&format!("left {what} in `"))
                && ben.stderr.contains("alone: profile `a` has it"),
            "discovery says it leaves {what} to profile `a`: {}",
            ben.stderr
        );
    }
    assert_eq!(
        ben.code,
        2,
        "with every target taken, discovery finds nothing: {}",
        ben.all()
    );
    assert_eq!(t.requests(), before_requests, "nothing was sent to Nexus");
    assert_eq!(t.client_files(), before_files, "nothing was written");
    assert!(
        t.states("a").iter().all(|(_, _, s)| s == "current"),
        "profile a's targets still hold a's token: {:?}",
        t.states("a")
    );
}

/// Gives profile `b` the `targets` table of profile `a`, as a person editing the file might.
fn copy_targets_by_hand(t: &Two) {
    let path = t.sb.config();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    let targets = doc["profiles"]["a"]["targets"].clone();
    doc["profiles"]["b"]["targets"] = targets;
    std::fs::write(&path, doc.to_string()).unwrap();
}

#[test]
#[ignore = "needs a Secret Service"]
fn a_hand_edited_conflict_is_written_for_the_first_profile_only_warned_and_failed_by_doctor() {
    let t = setup();
    let mut all: Vec<String> = Vec::new();
    for case in t.cases() {
        all.extend(case.flags);
    }
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    assert_eq!(t.login("a", &all).code, 0);
    let ben = t.login("b", &["--gradle-prefix", "benonly"]);
    assert_eq!(ben.code, 0, "{}", ben.all());
    copy_targets_by_hand(&t);

    let first = t.run(&["refresh"]);
    assert_eq!(first.code, 0, "refresh succeeds: {}", first.all());
    for kind in [
        "server `corp`",
        "key `corpUsername`",
        "key `systemProp.gradle.wrapperUser`",
        ".yarnrc.yml`",
        "machine `127.0.0.1`",
        "section `corp`",
        "registry `127.0.0.1:5999`",
        "registry `corp`",
    ] {
        assert!(
            first
                .stderr
                .lines()
                .any(|l| l.contains(kind) && l.contains("profiles `a` and `b`")),
            "refresh warns about {kind}, naming both profiles: {}",
            first.stderr
        );
    }
    assert!(
        t.states("a").iter().all(|(_, _, s)| s == "current"),
        "the first profile's token is in every file: {:?}",
        t.states("a")
    );
    // No flip-flop: the next runs change nothing and warn again.
    let files = t.client_files();
    for _ in 0..2 {
        let again = t.run(&["refresh"]);
        assert_eq!(again.code, 0, "{}", again.all());
        assert!(
            again.stderr.contains("profiles `a` and `b`"),
            "every run warns: {}",
            again.stderr
        );
        assert!(
            !again.stderr.contains("wrote the new token"),
            "nothing is rewritten: {}",
            again.stderr
        );
        assert_eq!(t.client_files(), files, "the files stay as they are");
    }
    // The Docker helper answers with the first profile's user.
    let helper = t.sb.program(
        t.sb.home().join(".local/bin/docker-credential-nexus-token"),
        &["get"],
    );
    let run = t.sb.run_with(helper, Some("127.0.0.1:5999"));
    assert_eq!(run.code, 0, "the helper answers: {}", run.all());
    let answer: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let token_user = answer["Username"].as_str().unwrap_or_default().to_owned();
    let a_token = t.run(&["token", "--profile", "a", "--format", "json"]);
    assert!(
        a_token.stdout.contains(&token_user) && !token_user.is_empty(),
        "the helper answers with profile a's token: {} / {}",
        run.stdout,
        a_token.stdout
    );

    let doctor = t.run(&["doctor", "--profile", "b"]);
    assert_ne!(doctor.code, 0, "doctor fails: {}", doctor.all());
    assert!(
        doctor.stdout.contains("server `corp`")
            && doctor.stdout.contains("is in profiles `a` and `b`"),
        "doctor says it in the same words: {}",
        doctor.stdout
    );
    // logout of the second profile leaves the first profile's tokens alone.
    let out = t.run(&["logout", "--profile", "b", "--remove-credentials"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        t.states("a").iter().all(|(_, _, s)| s == "current"),
        "profile a's targets still hold its token: {:?}",
        t.states("a")
    );
}

#[test]
#[ignore = "needs a Secret Service"]
fn logging_in_again_with_fewer_targets_removes_the_token_from_the_dropped_ones() {
    let t = setup();
    let ann = t.login(
        "a",
        &[
            "--maven-server",
            "corp",
            "--gradle-prefix",
            "corp",
            "--netrc",
        ],
    );
    assert_eq!(ann.code, 0, "{}", ann.all());
    let again = t.login("a", &["--maven-server", "corp"]);
    assert_eq!(again.code, 0, "{}", again.all());
    let props = std::fs::read_to_string(t.sb.properties()).unwrap();
    assert!(
        !props.contains("corpUsername") && !props.contains("corpPassword"),
        "the dropped Gradle keys lost the token:\n{props}"
    );
    let netrc = std::fs::read_to_string(t.sb.home().join(".netrc")).unwrap_or_default();
    assert!(
        !netrc.contains("127.0.0.1"),
        "the dropped netrc block is gone:\n{netrc}"
    );
    assert!(
        again.stderr.contains("no longer has it") && again.stderr.contains("gradle.properties"),
        "login says what it removed: {}",
        again.stderr
    );
    assert_eq!(
        t.states("a"),
        vec![("maven".to_owned(), "corp".to_owned(), "current".to_owned())],
        "the kept target holds the token"
    );
}

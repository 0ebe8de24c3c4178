//! The Yarn 2+ target and `--gradle-wrapper` through the commands, in process and without Yarn or
//! Gradle: `login --yarn-registry` (with `--dry-run`, `YARN_RC_FILENAME`, a file it must refuse),
//! `refresh`, `rotate`, `status --json`, `doctor` and `logout --remove-credentials`, against the
//! emulator on 127.0.0.1 with an in-memory keyring and a sandboxed home. What Yarn 4 and the
//! Gradle wrapper make of the files is yarn_real.rs and gradle_wrapper_real.rs.

use crate::support::emulator_util::for_user_with_tokens;
use crate::support::in_process::Outcome;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexus_token::emulator::{Emulator, RequestKind};
use nexus_token::env::Env;
use nexus_token::nexus::Family;
use nexus_token::store::MemoryStore;

const USER: &str = "yara";
const PASSWORD: &str = "yarn-cli-Password-1";

struct Harness {
    dir: tempfile::TempDir,
    store: Arc<MemoryStore>,
    emu: Emulator,
    env: Env,
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::sandboxed(dir.path());
        Harness {
            dir,
            store: Arc::new(MemoryStore::new()),
            emu: for_user_with_tokens(Family::Nexus3, USER, PASSWORD),
            env,
        }
    }

    fn home(&self) -> &Path {
        self.dir.path()
    }

    fn yarnrc(&self) -> PathBuf {
        self.home().join(".yarnrc.yml")
    }

    fn run(&self, args: &[&str], password: Option<&str>) -> Outcome {
        let out = crate::support::in_process::run(&self.env, &self.store, args, password);
        assert!(
            !out.all().contains(PASSWORD),
            "no output holds the password"
        );
        if let Some((_, pass_code)) = self.emu.token_of(USER) {
            assert!(
                !out.all().contains(&pass_code),
                "no output holds the passCode:\n{}",
                out.all()
            );
        }
        out
    }

    fn login(&self, extra: &[&str]) -> Outcome {
        let url = self.emu.base_url();
        let mut args = vec![
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
        ];
        args.extend_from_slice(extra);
        self.run(&args, Some(PASSWORD))
    }

    fn ident(&self) -> String {
        let (n, p) = self.emu.token_of(USER).expect("a token");
        format!("{n}:{p}")
    }

    fn states(&self, kind: &str) -> Vec<(String, String)> {
        let out = self.run(&["status", "--json"], None);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        v["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["targets"].as_array().unwrap().clone())
            .filter(|t| t["kind"] == kind)
            .map(|t| {
                (
                    t["name"].as_str().unwrap().to_owned(),
                    t["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

const KEPT: &str = "# Yarn settings\r\nnodeLinker: \"node-modules\"\r\nnpmRegistries:\r\n  //npm.example:\r\n    npmAuthToken: other # keep\r\n";

#[test]
fn login_refresh_rotate_status_doctor_and_logout_cover_the_yarn_registry() {
    let h = Harness::new();
    let group = h.emu.npm_group_url();
    std::fs::write(h.yarnrc(), KEPT).unwrap();
    let expected = |ident: &str| {
        format!(
            "{KEPT}  \"{}\":\r\n    npmAuthIdent: \"{ident}\"\r\n    npmAlwaysAuth: true\r\n",
            group.trim_start_matches("http:").trim_end_matches('/')
        )
    };

    let out = h.login(&["--yarn-registry", &group, "--dry-run"]);
    assert_eq!(out.code, 0, "a dry run succeeds: {}", out.all());
    assert_eq!(
        std::fs::read_to_string(h.yarnrc()).unwrap(),
        KEPT,
        "a dry run writes nothing"
    );
    assert!(
        out.all().contains(".yarnrc.yml"),
        "it names the file: {}",
        out.all()
    );

    let out = h.login(&["--yarn-registry", &group]);
    assert_eq!(out.code, 0, "login succeeds: {}", out.all());
    assert_eq!(
        std::fs::read_to_string(h.yarnrc()).unwrap(),
        expected(&h.ident()),
        "login adds the entry with the file's CRLF and keeps every other byte"
    );
    assert_eq!(
        h.states("yarn"),
        vec![(group.clone(), "current".to_owned())]
    );

    h.emu.reset_token(USER);
    assert_eq!(
        h.states("yarn"),
        vec![(group.clone(), "current".to_owned())]
    );
    let out = h.run(&["refresh"], None);
    assert_eq!(out.code, 0, "refresh succeeds: {}", out.all());
    assert_eq!(
        std::fs::read_to_string(h.yarnrc()).unwrap(),
        expected(&h.ident()),
        "refresh writes the new token in place"
    );

    let old = h.ident();
    let out = h.run(&["rotate"], None);
    assert_eq!(out.code, 0, "rotate succeeds: {}", out.all());
    assert_ne!(h.ident(), old);
    assert_eq!(
        std::fs::read_to_string(h.yarnrc()).unwrap(),
        expected(&h.ident())
    );

    let out = h.run(&["doctor"], None);
    assert!(
        out.all().contains(".yarnrc.yml` parses"),
        "doctor parses the file: {}",
        out.all()
    );

    let out = h.run(&["logout", "--remove-credentials"], None);
    assert_eq!(out.code, 0, "logout succeeds: {}", out.all());
    let text = std::fs::read_to_string(h.yarnrc()).unwrap();
    assert!(
        text.starts_with(KEPT) && !text.contains("npmAuthIdent"),
        "logout removes the ident and keeps the rest:\n{text}"
    );
}

#[test]
fn a_yarnrc_it_cannot_edit_is_refused_before_the_password_is_sent() {
    let h = Harness::new();
    let group = h.emu.npm_group_url();
    let flow = "nodeLinker: pnp\nnpmRegistries: { \"//npm.example\": { npmAuthToken: x } }\n";
    std::fs::write(h.yarnrc(), flow).unwrap();
    let out = h.login(&["--yarn-registry", &group]);
    assert_eq!(
        out.code,
        5,
        "a file it cannot edit is exit 5: {}",
        out.all()
    );
    assert!(
        out.all().contains("line 2, column 16") && out.all().contains("flow style"),
        "the error names the line, the column and the reason: {}",
        out.all()
    );
    assert_eq!(
        std::fs::read_to_string(h.yarnrc()).unwrap(),
        flow,
        "the file is untouched"
    );
    assert!(
        !h.emu
            .requests()
            .iter()
            .any(|r| matches!(r.kind, RequestKind::Authenticate | RequestKind::Token)),
        "the password was not sent"
    );
    let out = h.login(&["--yarn-registry", "registry.example"]);
    assert_eq!(
        out.code,
        2,
        "a registry without a scheme is a usage error: {}",
        out.all()
    );
}

#[test]
fn yarn_rc_filename_names_the_home_rc() {
    let mut h = Harness::new();
    h.env = h.env.clone().with_var("YARN_RC_FILENAME", ".yarnrc-ci.yml");
    let group = h.emu.npm_group_url();
    let out = h.login(&["--yarn-registry", &group]);
    assert_eq!(out.code, 0, "login succeeds: {}", out.all());
    let text = std::fs::read_to_string(h.home().join(".yarnrc-ci.yml")).unwrap();
    assert!(text.contains("npmAuthIdent"), "{text}");
    assert!(!h.yarnrc().exists(), "the default name is not used");
}

#[test]
fn gradle_wrapper_writes_the_wrappers_system_properties() {
    let h = Harness::new();
    let out = h.login(&["--gradle-wrapper"]);
    assert_eq!(
        out.code,
        0,
        "login --gradle-wrapper succeeds: {}",
        out.all()
    );
    let (n, p) = h.emu.token_of(USER).unwrap();
    let text = std::fs::read_to_string(h.home().join(".gradle/gradle.properties")).unwrap();
    assert_eq!(
        text,
        format!("systemProp.gradle.wrapperUser={n}\nsystemProp.gradle.wrapperPassword={p}\n"),
        "the two keys, Java-properties exact"
    );
    assert_eq!(
        h.states("gradle"),
        vec![(
            "systemProp.gradle.wrapperUser".to_owned(),
            "current".to_owned()
        )]
    );
}

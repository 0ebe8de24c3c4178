//! The npm target through the commands, in process and without npm: `login --npm-registry`,
//! discovery in the user npmrc, `refresh`, `rotate`, `status --json`, `doctor`, `--dry-run` and
//! `logout --remove-credentials`, against the emulator on 127.0.0.1 with an in-memory keyring and
//! a sandboxed home. What the real npm, pnpm and Yarn make of the file is tests/npm_real.rs.

use crate::support::in_process::Outcome;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::support::emulator_util::USER;
use nexus_token::ExitStatus;
use nexus_token::emulator::{Emulator, EmulatorConfig, RequestKind};
use nexus_token::env::Env;
use nexus_token::nexus::Family;
use nexus_token::store::MemoryStore;
use nexus_token::targets::npm::editor::{auth_value, registry_key};

const PASSWORD: &str = "npm-cli-Password-1";

/// One sandboxed home, one in-memory keyring, one emulator.
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
            emu: Emulator::start(
                EmulatorConfig::new(Family::Nexus3)
                    .user(USER, PASSWORD)
                    .require_user_tokens(true),
            )
            .unwrap(),
            env,
        }
    }

    fn home(&self) -> &Path {
        self.dir.path()
    }

    fn npmrc(&self) -> PathBuf {
        self.home().join(".npmrc")
    }

    fn run(&self, args: &[&str], password: Option<&str>) -> Outcome {
        let out = crate::support::in_process::run(&self.env, &self.store, args, password);
        assert!(
            !out.all().contains(PASSWORD),
            "no output ever holds the password:\n{}",
            out.all()
        );
        if let Some((_, pass_code)) = self.emu.token_of(USER) {
            assert!(
                !out.all().contains(&pass_code),
                "no output ever holds the passCode:\n{}",
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

    fn login_ok(&self, extra: &[&str]) -> Outcome {
        let out = self.login(extra);
        assert_eq!(out.code, 0, "login succeeds: {}", out.all());
        out
    }

    /// The `_auth` value of the user's current token.
    fn auth(&self) -> String {
        let (name_code, pass_code) = self.emu.token_of(USER).expect("the user has a token");
        auth_value(&name_code, &pass_code)
    }

    fn read_npmrc(&self) -> String {
        std::fs::read_to_string(self.npmrc()).unwrap()
    }

    /// The `(name, state)` of every npm entry in `status --json`.
    fn npm_states(&self) -> Vec<(String, String)> {
        let out = self.run(&["status", "--json"], None);
        assert_eq!(out.code, 0, "status succeeds: {}", out.all());
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        v["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["targets"].as_array().unwrap().clone())
            .filter(|t| t["kind"] == "npm")
            .map(|t| {
                (
                    t["name"].as_str().unwrap().to_owned(),
                    t["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn token_requests(&self) -> usize {
        self.emu
            .requests()
            .iter()
            .filter(|r| matches!(r.kind, RequestKind::Authenticate | RequestKind::Token))
            .count()
    }
}

#[test]
fn login_refresh_rotate_status_and_logout_cover_the_npm_registries() {
    let h = Harness::new();
    let group = h.emu.npm_group_url();
    let hosted = h.emu.npm_hosted_url();
    let (gkey, hkey) = (
        registry_key(&group).unwrap(),
        registry_key(&hosted).unwrap(),
    );
    let kept =
        "; company settings\r\nfund=false\r\n//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}\r\n";
    let before = format!("{kept}{gkey}:_authToken=stale-bearer\r\n");
    std::fs::write(h.npmrc(), &before).unwrap();

    h.login_ok(&["--npm-registry", &group, "--npm-registry", &hosted]);
    let expected = |auth: &str| format!("{kept}{gkey}:_auth={auth}\r\n{hkey}:_auth={auth}\r\n");
    assert_eq!(
        h.read_npmrc(),
        expected(&h.auth()),
        "login sets `_auth` at both keys with the file's CRLF, removes the stale `_authToken` and keeps every other byte"
    );
    let config = std::fs::read_to_string(h.home().join(".config/nexus-token/config.toml")).unwrap();
    assert!(
        config.contains("registries") && config.contains(&group) && config.contains(&hosted),
        "the profile saves the npm registries:\n{config}"
    );
    assert_eq!(
        h.npm_states(),
        vec![
            (group.clone(), "current".to_owned()),
            (hosted.clone(), "current".to_owned())
        ],
        "status reports both registries as holding the current token"
    );

    // refresh with the same token writes nothing.
    let written = std::fs::metadata(h.npmrc()).unwrap().modified().unwrap();
    let out = h.run(&["refresh"], None);
    assert_eq!(out.code, 0, "refresh succeeds: {}", out.all());
    assert_eq!(
        h.read_npmrc(),
        expected(&h.auth()),
        "refresh keeps the file"
    );
    assert_eq!(
        std::fs::metadata(h.npmrc()).unwrap().modified().unwrap(),
        written,
        "refresh with an unchanged token does not rewrite the file"
    );

    // A server-side reset: refresh writes the new token.
    let old = h.auth();
    h.emu.reset_token(USER);
    let out = h.run(&["refresh"], None);
    assert_eq!(out.code, 0, "refresh succeeds: {}", out.all());
    assert_ne!(h.auth(), old, "the reset gave the user a new token");
    assert_eq!(
        h.read_npmrc(),
        expected(&h.auth()),
        "refresh writes the new token at both keys"
    );
    assert!(
        h.npm_states().iter().all(|(_, s)| s == "current"),
        "after refresh both registries are current"
    );

    // rotate resets the token and rewrites the file.
    let old = h.auth();
    let out = h.run(&["rotate"], None);
    assert_eq!(out.code, 0, "rotate succeeds: {}", out.all());
    assert_ne!(h.auth(), old, "rotate reset the token on the server");
    assert_eq!(
        h.read_npmrc(),
        expected(&h.auth()),
        "rotate writes the new token"
    );

    // An `_authToken` put back by hand is stale in status and a failure in doctor.
    std::fs::write(
        h.npmrc(),
        format!("{}{gkey}:_authToken=x\r\n", h.read_npmrc()),
    )
    .unwrap();
    let states = h.npm_states();
    assert_eq!(
        states[0],
        (group.clone(), "stale".to_owned()),
        "an `_authToken` at the key wins over `_auth`, so the registry is stale"
    );
    let doctor = h.run(&["doctor", "--json"], None);
    let v: serde_json::Value = serde_json::from_str(&doctor.stdout).unwrap();
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["check"] == "npm-auth-token" && c["level"] == "fail"),
        "doctor fails on the `_authToken` at our key: {}",
        doctor.stdout
    );

    // logout --remove-credentials removes our `_auth` lines only.
    let out = h.run(&["logout", "--remove-credentials"], None);
    assert_eq!(out.code, 0, "logout succeeds: {}", out.all());
    assert_eq!(
        h.read_npmrc(),
        format!("{kept}{gkey}:_authToken=x\r\n"),
        "logout removes the `_auth` lines and nothing else"
    );
}

#[test]
fn dry_run_names_the_keys_and_writes_nothing() {
    let h = Harness::new();
    let group = h.emu.npm_group_url();
    let key = registry_key(&group).unwrap();
    std::fs::write(h.npmrc(), "fund=false\n").unwrap();
    let out = h.login(&["--npm-registry", &group, "--dry-run"]);
    assert_eq!(out.code, 0, "login --dry-run succeeds: {}", out.all());
    assert!(
        out.all().contains(&format!("{key}:_auth")),
        "the dry run names the key it would set: {}",
        out.all()
    );
    assert_eq!(h.read_npmrc(), "fund=false\n", "a dry run writes nothing");
    assert!(
        !h.home().join(".config/nexus-token/config.toml").exists(),
        "a dry run saves no profile"
    );

    h.login_ok(&["--npm-registry", &group]);
    h.emu.reset_token(USER);
    let before = h.read_npmrc();
    let out = h.run(&["refresh", "--dry-run"], None);
    assert_eq!(out.code, 0, "refresh --dry-run succeeds: {}", out.all());
    assert!(
        out.all().contains("would update") && out.all().contains(&format!("{key}:_auth")),
        "refresh --dry-run says what would change: {}",
        out.all()
    );
    assert_eq!(h.read_npmrc(), before, "refresh --dry-run writes nothing");
}

#[test]
fn a_registry_without_an_npmrc_key_is_refused_before_any_request() {
    let h = Harness::new();
    for bad in ["ftp://127.0.0.1/npm/", "not a url", "file:///tmp/npm/"] {
        let out = h.login(&["--npm-registry", bad]);
        assert_eq!(
            out.code,
            ExitStatus::Usage.code(),
            "`--npm-registry {bad}` is a usage error: {}",
            out.all()
        );
        assert!(
            out.stderr.contains("--npm-registry"),
            "the error names the flag: {}",
            out.stderr
        );
    }
    assert!(
        h.emu.requests().is_empty(),
        "nothing was sent to Nexus: {:?}",
        h.emu.requests()
    );
    assert!(!h.npmrc().exists(), "no npmrc was created");
}

#[test]
fn a_malformed_npmrc_stops_login_before_the_password_is_sent() {
    let h = Harness::new();
    let group = h.emu.npm_group_url();
    let bytes = b"fund=false\nbad=\xff\xfe\n".to_vec();
    std::fs::write(h.npmrc(), &bytes).unwrap();
    let out = h.login(&["--npm-registry", &group]);
    assert_eq!(
        out.code,
        ExitStatus::File.code(),
        "a file npm cannot read is exit 5: {}",
        out.all()
    );
    assert!(
        out.stderr.contains("line 2, column 5"),
        "the error gives the line and column: {}",
        out.stderr
    );
    assert_eq!(
        std::fs::read(h.npmrc()).unwrap(),
        bytes,
        "the file is byte-identical"
    );
    assert_eq!(h.token_requests(), 0, "the password was never sent");
}

#[test]
fn login_without_target_flags_discovers_registries_in_the_user_npmrc() {
    let h = Harness::new();
    let group = h.emu.npm_group_url();
    let hosted = h.emu.npm_hosted_url();
    let before = format!(
        "registry={group}\n@acme:registry={hosted}\n@other:registry=https://registry.npmjs.org/\n"
    );
    std::fs::write(h.npmrc(), &before).unwrap();
    let out = h.login_ok(&[]);
    assert!(
        out.all().contains("found npm registries"),
        "login says what it discovered: {}",
        out.all()
    );
    let auth = h.auth();
    assert_eq!(
        h.read_npmrc(),
        format!(
            "{before}{}:_auth={auth}\n{}:_auth={auth}\n",
            registry_key(&group).unwrap(),
            registry_key(&hosted).unwrap()
        ),
        "the registries under the Nexus URL get the token; the npmjs one does not"
    );
    assert!(
        !h.home().join(".m2/settings.xml").exists(),
        "no settings.xml is created when only npm registries were found"
    );

    // Saved: a second login without flags reuses them.
    std::fs::write(h.npmrc(), "").unwrap();
    h.login_ok(&[]);
    assert_eq!(
        h.npm_states().len(),
        2,
        "the discovered registries were saved"
    );
    assert!(
        h.read_npmrc()
            .contains(&format!("{}:_auth=", registry_key(&hosted).unwrap())),
        "a login without flags uses the saved registries"
    );
}

#[test]
fn discovery_that_finds_nothing_names_every_place_it_looked() {
    let h = Harness::new();
    std::fs::write(h.npmrc(), "registry=https://registry.npmjs.org/\n").unwrap();
    let out = h.login(&[]);
    assert_eq!(
        out.code,
        ExitStatus::Usage.code(),
        "nothing found is exit 2: {}",
        out.all()
    );
    assert!(
        out.stderr.contains(".npmrc") && out.stderr.contains("--npm-registry"),
        "the error names the npmrc and the flag: {}",
        out.stderr
    );
    assert_eq!(h.token_requests(), 0, "the password was never sent");
}

#[test]
fn a_shadowing_project_npmrc_is_reported_and_never_edited() {
    let mut h = Harness::new();
    let group = h.emu.npm_group_url();
    let key = registry_key(&group).unwrap();
    let project = h.home().join("work/app");
    std::fs::create_dir_all(&project).unwrap();
    let shadow = format!("{key}:_authToken=project-token\n");
    std::fs::write(project.join(".npmrc"), &shadow).unwrap();
    h.env.cwd = Some(project.clone());

    let out = h.login_ok(&["--npm-registry", &group]);
    let shown = project.join(".npmrc").display().to_string();
    assert!(
        out.stderr.contains(&shown) && out.stderr.contains("_authToken"),
        "login warns about the project file that shadows the user file: {}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(project.join(".npmrc")).unwrap(),
        shadow,
        "the project file is never edited"
    );
    assert!(
        h.read_npmrc().contains(&format!("{key}:_auth=")),
        "the user file got the token"
    );

    let doctor = h.run(&["doctor", "--json"], None);
    let v: serde_json::Value = serde_json::from_str(&doctor.stdout).unwrap();
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["check"] == "npm-shadow"
                && c["level"] == "warn"
                && c["message"].as_str().unwrap().contains(&shown)),
        "doctor warns about the shadowing project file: {}",
        doctor.stdout
    );
}

#[test]
fn npm_config_userconfig_and_always_auth_are_followed() {
    let mut h = Harness::new();
    let custom = h.home().join("cfg/custom-npmrc");
    h.env = h
        .env
        .clone()
        .with_var("NPM_CONFIG_USERCONFIG", custom.to_str().unwrap());
    let group = h.emu.npm_group_url();
    let key = registry_key(&group).unwrap();
    h.login_ok(&["--npm-registry", &group, "--npm-always-auth"]);
    assert!(
        !h.npmrc().exists(),
        "~/.npmrc is left alone when NPM_CONFIG_USERCONFIG is set"
    );
    let text = std::fs::read_to_string(&custom).unwrap();
    assert_eq!(
        text,
        format!("{key}:_auth={}\n{key}:always-auth=true\n", h.auth()),
        "the file named by NPM_CONFIG_USERCONFIG gets `_auth` and the opt-in always-auth"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&custom).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a new npmrc is private to the user");
    }

    // The saved path and option survive a refresh after a server-side reset.
    h.emu.reset_token(USER);
    let out = h.run(&["refresh"], None);
    assert_eq!(out.code, 0, "refresh succeeds: {}", out.all());
    assert_eq!(
        std::fs::read_to_string(&custom).unwrap(),
        format!("{key}:_auth={}\n{key}:always-auth=true\n", h.auth()),
        "refresh updates the same file and keeps always-auth"
    );
}

#[test]
fn a_malformed_npmrc_does_not_stop_maven_discovery() {
    let h = Harness::new();
    let bytes = b"bad=\xff\n".to_vec();
    std::fs::write(h.npmrc(), &bytes).unwrap();
    let settings = h.home().join(".m2/settings.xml");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(
        &settings,
        format!(
            "<settings><mirrors><mirror><id>nexus</id><mirrorOf>*</mirrorOf><url>{}/repository/maven-public/</url></mirror></mirrors><servers><server><id>nexus</id><username>{USER}</username><password>x</password></server></servers></settings>\n",
            h.emu.base_url()
        ),
    )
    .unwrap();
    let out = h.login_ok(&[]);
    assert!(
        out.stderr.contains("npm registries not discovered") && out.stderr.contains("line 1"),
        "login warns that the npmrc could not be read, with the position: {}",
        out.stderr
    );
    let (name_code, _) = h.emu.token_of(USER).unwrap();
    assert!(
        std::fs::read_to_string(&settings)
            .unwrap()
            .contains(&format!("<username>{name_code}</username>")),
        "the Maven server found by discovery got the token"
    );
    assert_eq!(
        std::fs::read(h.npmrc()).unwrap(),
        bytes,
        "the npmrc is untouched"
    );
}

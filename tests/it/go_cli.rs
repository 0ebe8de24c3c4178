//! `login --go-proxy` with the built binary against the emulator (behind its https front) and the
//! Secret Service of `scripts/with-keyring` (these tests look at files; tests/it/go_real.rs runs
//! the real `go`):
//! an http proxy is refused before any request with the file untouched, a non-default profiles
//! file is named in GOAUTH, another profile can neither take nor discover the proxy, a path Go cannot split goes through the wrapper, discovery finds the
//! proxy in Go's env file again, and logout takes out exactly what login put in.

use std::path::{Path, PathBuf};

use nexus_token::emulator::{Emulator, EmulatorConfig};
use nexus_token::nexus::Family;

use crate::support::emulator_util::{CA_PEM, PASSWORD, USER, tls_front};
use crate::support::{BIN, Run, Sandbox};

struct Setup {
    sb: Sandbox,
    emu: Emulator,
    base: String,
    ca: PathBuf,
}

fn setup() -> Setup {
    let emu = Emulator::start(EmulatorConfig::new(Family::Nexus3).user(USER, PASSWORD)).unwrap();
    let front = tls_front(emu.addr());
    let base = emu
        .base_url()
        .replacen(&format!("http://{}", emu.addr()), &front, 1);
    let sb = Sandbox::with_keyring();
    let ca = sb.dir.path().join("test-ca.pem");
    std::fs::write(&ca, CA_PEM).unwrap();
    Setup { sb, emu, base, ca }
}

impl Setup {
    fn proxy(&self) -> String {
        format!("{}/repository/go-proxy/", self.base)
    }

    fn env_file(&self) -> PathBuf {
        self.sb.home().join(".config/go/env")
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut cmd = self.sb.command(args);
        cmd.env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1");
        self.sb.run_with(cmd, Some(&format!("{PASSWORD}\n")))
    }

    fn login(&self, config: &Path, profile: &str, targets: &[&str]) -> Run {
        let mut args = vec![
            "login",
            "--config",
            config.to_str().unwrap(),
            "--profile",
            profile,
            "--url",
            &self.base,
            "--ca-cert",
            self.ca.to_str().unwrap(),
            "--username",
            USER,
            "--password-stdin",
        ];
        args.extend_from_slice(targets);
        self.run(&args)
    }

    fn write_env(&self, text: &str) {
        std::fs::create_dir_all(self.env_file().parent().unwrap()).unwrap();
        std::fs::write(self.env_file(), text).unwrap();
    }

    fn read_env(&self) -> String {
        std::fs::read_to_string(self.env_file()).unwrap()
    }
}

const BEFORE: &str = "# written by go env -w\nGOFLAGS=-mod=mod\nGOPROXY=https://proxy.golang.org,direct\nGOPRIVATE=corp.example\n";

#[test]
#[ignore = "needs a Secret Service"]
fn an_http_go_proxy_is_refused_before_any_request_and_the_file_stays() {
    let s = setup();
    s.write_env(BEFORE);
    let config = s.sb.dir.path().join("profiles.toml");
    let http = format!("http://{}/repository/go-proxy/", s.emu.addr());
    let run = s.login(&config, "work", &["--go-proxy", &http]);
    assert_eq!(run.code, 2, "an http proxy is a usage error: {}", run.all());
    assert!(
        run.stderr.contains("https"),
        "the error says why: {}",
        run.stderr
    );
    assert_eq!(s.read_env(), BEFORE, "Go's env file is byte-identical");
    assert!(
        s.emu.requests().is_empty(),
        "nothing was sent to Nexus: {:#?}",
        s.emu.requests()
    );
}

#[test]
#[ignore = "needs a Secret Service"]
fn login_names_the_profiles_file_discovery_finds_the_proxy_and_logout_restores_the_file() {
    let s = setup();
    let config = s.sb.dir.path().join("profiles.toml");
    let proxy = s.proxy();

    // Without target flags, login finds the proxy in GOPROXY of Go's env file.
    s.write_env(&format!("GOPROXY={proxy},direct\n"));
    let dry = s.login(&config, "found", &["--dry-run"]);
    assert_eq!(dry.code, 0, "discovery succeeds: {}", dry.all());
    assert!(
        dry.all().contains("found Go proxies for this Nexus") && dry.all().contains(&proxy),
        "the proxy in Go's env file is discovered: {}",
        dry.all()
    );
    assert_eq!(
        s.read_env(),
        format!("GOPROXY={proxy},direct\n"),
        "a dry run writes nothing"
    );

    s.write_env(BEFORE);
    let run = s.login(&config, "work", &["--go-proxy", &proxy]);
    assert_eq!(run.code, 0, "login succeeds: {}", run.all());
    let exe = std::fs::canonicalize(BIN).unwrap();
    assert_eq!(
        s.read_env(),
        format!(
            "# written by go env -w\nGOFLAGS=-mod=mod\nGOPROXY={proxy},https://proxy.golang.org,direct\nGOPRIVATE=corp.example\nGOAUTH={} goauth --profile work --config {}\n",
            exe.display(),
            config.display()
        ),
        "ours first in GOPROXY, GOAUTH names the profile and the profiles file, the rest kept"
    );

    let status = s.run(&["status", "--json", "--config", config.to_str().unwrap()]);
    assert_eq!(status.code, 0, "status succeeds: {}", status.all());
    let v: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let text = v.to_string();
    assert!(
        text.contains("\"kind\":\"go\"") && text.contains("\"state\":\"current\""),
        "status shows the Go target as current: {text}"
    );

    // One owner per proxy: another profile can neither take it nor discover it.
    let taken = s.login(&config, "other", &["--go-proxy", &proxy]);
    assert_eq!(
        taken.code,
        2,
        "another profile's proxy is refused: {}",
        taken.all()
    );
    assert!(
        taken.all().contains("`work`"),
        "the owner is named: {}",
        taken.all()
    );
    let skipped = s.login(&config, "other", &["--dry-run"]);
    assert!(
        skipped.all().contains("alone: profile `work` has it"),
        "discovery leaves it alone and says so: {}",
        skipped.all()
    );

    let out = s.run(&[
        "logout",
        "--config",
        config.to_str().unwrap(),
        "--profile",
        "work",
        "--remove-credentials",
    ]);
    assert_eq!(out.code, 0, "logout succeeds: {}", out.all());
    assert_eq!(
        s.read_env(),
        BEFORE,
        "logout takes out exactly what login put in"
    );
}

#[test]
#[ignore = "needs a Secret Service"]
fn a_profiles_file_with_a_space_goes_through_a_wrapper_that_logout_removes() {
    let s = setup();
    let config = s.sb.dir.path().join("my profiles.toml");
    let proxy = s.proxy();
    let run = s.login(&config, "work", &["--go-proxy", &proxy]);
    assert_eq!(run.code, 0, "login succeeds: {}", run.all());
    let wrapper = std::fs::read_dir(s.sb.home().join(".config/nexus-token"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("go-auth-helper-work"))
        })
        .expect("login wrote the wrapper beside the nexus-token config");
    assert_eq!(
        s.read_env(),
        format!("GOPROXY={proxy}\nGOAUTH={}\n", wrapper.display()),
        "GOAUTH names the wrapper, which Go can run as one word"
    );
    let script = std::fs::read_to_string(&wrapper).unwrap();
    assert!(
        script.contains(&format!("'--config' '{}' \"$@\"", config.display())),
        "the wrapper passes the quoted profiles file and Go's arguments on: {script}"
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&wrapper).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o700, "the wrapper is executable by you only");

    let out = s.run(&[
        "logout",
        "--config",
        config.to_str().unwrap(),
        "--profile",
        "work",
        "--remove-credentials",
    ]);
    assert_eq!(out.code, 0, "logout succeeds: {}", out.all());
    assert_eq!(s.read_env(), "", "both lines are gone");
    assert!(!wrapper.exists(), "the wrapper is removed");
}

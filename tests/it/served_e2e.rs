//! Served targets end to end (issue 17): `login --docker-registry/--cargo-registry/--pnpm-registry`
//! with the built binary, the real Secret Service of `scripts/with-keyring`, and the real clients
//! (skopeo, cargo, pnpm) against the emulator with "require user tokens" on. No file under the
//! sandbox holds the passCode afterwards: the clients ask nexus-token, which answers from the
//! token cache in the keyring. Negative controls: an unknown registry, a `--no-keyring` profile,
//! and the clients after `logout --remove-credentials`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use nexus_token::emulator::Emulator;
use nexus_token::nexus::Family;

use crate::support::{self, BIN, Run, Sandbox, require_tool};

const USER: &str = "erin";

struct Served {
    sb: Sandbox,
    emu: Emulator,
    password: String,
}

fn setup() -> Served {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let password = support::unique_password();
    let emu = crate::support::emulator_util::for_user_with_tokens(Family::Nexus3, USER, &password);
    Served {
        sb: Sandbox::with_keyring(),
        emu,
        password,
    }
}

impl Served {
    fn local_bin(&self) -> PathBuf {
        self.sb.home().join(".local/bin")
    }

    /// A child with the sandbox's environment and `~/.local/bin` first on the PATH (where login
    /// puts the Docker helper link).
    fn program(&self, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
        let mut cmd = self.sb.program(program, args);
        cmd.env("PATH", support::path_with(&self.local_bin()))
            .env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1");
        cmd
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        self.sb.run_with(self.program(BIN, args), stdin)
    }

    fn group(&self) -> String {
        self.emu.npm_group_url()
    }

    fn cargo_index(&self) -> String {
        format!("{}/repository/cargo-group/", self.emu.base_url())
    }

    /// `login` with every served flag (and a stale Docker login and Cargo token to clean).
    fn login(&self, extra: &[&str]) -> Run {
        let host = self.emu.addr().to_string();
        let docker = self.sb.home().join(".docker/config.json");
        std::fs::create_dir_all(docker.parent().unwrap()).unwrap();
        std::fs::write(
            &docker,
            format!(
                "{{\n  \"auths\": {{\n    \"{host}\": {{\n      \"auth\": \"c3RhbGU6c3RhbGU=\"\n    }}\n  }},\n  \"credsStore\": \"pass\"\n}}\n"
            ),
        )
        .unwrap();
        let credentials = self.sb.home().join(".cargo/credentials.toml");
        std::fs::create_dir_all(credentials.parent().unwrap()).unwrap();
        std::fs::write(
            &credentials,
            "[registries.nexus]\ntoken = \"stale-token\"\n\n[registries.other]\ntoken = \"keep\"\n",
        )
        .unwrap();
        let url = self.emu.base_url();
        let cargo = format!("nexus={}", self.cargo_index());
        let group = self.group();
        let mut args = vec![
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
            "--docker-registry",
            &host,
            "--cargo-registry",
            &cargo,
            "--pnpm-registry",
            &group,
        ];
        args.extend_from_slice(extra);
        self.run(&args, Some(&format!("{}\n", self.password)))
    }

    fn login_ok(&self) {
        let run = self.login(&[]);
        assert_eq!(
            run.code,
            0,
            "login with the served flags succeeds: {}",
            run.all()
        );
        support::assert_no_secret(&run.all(), &self.password, "login output");
    }

    /// The passCode, from `token` (the cache), for the scans.
    fn pass_code(&self) -> String {
        let run = self.run(&["token", "--format", "json"], None);
        assert_eq!(run.code, 0, "token answers: {}", run.all());
        let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        v["passCode"].as_str().unwrap().to_owned()
    }

    /// No file under the sandbox holds the passCode or the password.
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

    /// The Docker helper, as Docker runs it: the link on the PATH, the server on stdin.
    fn helper(&self, action: &str, stdin: &str) -> Run {
        let link = self.local_bin().join("docker-credential-nexus-token");
        self.sb
            .run_with(self.program(&link, &[action]), Some(stdin))
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
#[ignore = "needs a Secret Service"]
fn served_login_configures_docker_cargo_and_pnpm_and_logout_undoes_it() {
    let s = setup();
    let dry = s.login(&["--dry-run"]);
    assert_eq!(dry.code, 0, "a dry run succeeds: {}", dry.all());
    assert!(
        !s.local_bin().join("docker-credential-nexus-token").exists()
            && !read(&s.sb.home().join(".docker/config.json")).contains("credHelpers"),
        "a dry run writes neither the link nor the config: {}",
        dry.all()
    );
    s.login_ok();
    let host = s.emu.addr().to_string();
    let docker = read(&s.sb.home().join(".docker/config.json"));
    let v: serde_json::Value = serde_json::from_str(&docker).unwrap();
    assert_eq!(
        v["credHelpers"][&host], "nexus-token",
        "credHelpers names nexus-token for the registry:\n{docker}"
    );
    assert!(
        v["auths"][&host].get("auth").is_none() && v["credsStore"] == "pass",
        "the stale `auths` login is gone and every other key stays:\n{docker}"
    );
    let link = s.local_bin().join("docker-credential-nexus-token");
    assert_eq!(
        std::fs::canonicalize(&link).unwrap(),
        std::fs::canonicalize(BIN).unwrap(),
        "the helper link in ~/.local/bin points at this binary"
    );
    let cargo = read(&s.sb.home().join(".cargo/config.toml"));
    let exe = std::fs::canonicalize(BIN).unwrap();
    assert!(
        cargo.contains(&format!(
            "credential-provider = [\"cargo:token-from-stdout\", \"{}\", \"token\", \"--profile\", \"default\", \"--format\", \"basic\"]",
            exe.display()
        )) && cargo.contains(&format!("index = \"sparse+{}\"", s.cargo_index())),
        "the Cargo config runs this nexus-token as the provider and has the sparse index:\n{cargo}"
    );
    let credentials = read(&s.sb.home().join(".cargo/credentials.toml"));
    assert!(
        !credentials.contains("stale-token") && credentials.contains("keep"),
        "the stale Cargo token goes, another registry's stays:\n{credentials}"
    );
    let wrapper =
        s.sb.home()
            .join(".config/nexus-token/pnpm-token-helper-default");
    let npmrc = read(&s.sb.npmrc());
    let key = nexus_token::targets::npm::editor::registry_key(&s.group()).unwrap();
    assert!(
        npmrc.contains(&format!("{key}:tokenHelper={}", wrapper.display())),
        "the user npmrc names the wrapper as the tokenHelper:\n{npmrc}"
    );
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&wrapper).unwrap().permissions().mode() & 0o777,
        0o700,
        "the wrapper is executable by the user only"
    );

    let status = s.run(&["status", "--json"], None);
    let v: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let targets = v["profiles"][0]["targets"].as_array().unwrap().clone();
    for kind in ["docker", "cargo", "pnpm"] {
        assert!(
            targets
                .iter()
                .any(|t| t["kind"] == kind && t["state"] == "current"),
            "status reports the {kind} target as current: {targets:#?}"
        );
    }
    let doctor = s.run(&["doctor"], None);
    for needle in [
        "the PATH finds the Docker helper",
        "credsStore",
        "runs this nexus-token for registry `nexus`",
        "runs this nexus-token",
    ] {
        assert!(
            doctor.all().contains(needle),
            "doctor says `{needle}`:\n{}",
            doctor.all()
        );
    }
    assert!(
        doctor
            .all()
            .contains("the token cache in the keyring holds the token Nexus answers now"),
        "doctor says the token cache is current:\n{}",
        doctor.all()
    );
    // A Podman auth.json entry for the host shadows Docker's config: doctor says so.
    let podman = s.sb.home().join(".config/containers/auth.json");
    std::fs::create_dir_all(podman.parent().unwrap()).unwrap();
    std::fs::write(
        &podman,
        format!("{{\"auths\": {{\"{host}\": {{\"auth\": \"eDp5\"}}}}}}\n"),
    )
    .unwrap();
    let doctor = s.run(&["doctor"], None);
    assert!(
        doctor.all().contains(&format!(
            "`{}` has an entry for `{host}`: Podman and skopeo use it instead",
            podman.display()
        )),
        "doctor names the shadowing Podman auth.json:\n{}",
        doctor.all()
    );
    std::fs::remove_file(&podman).unwrap();
    let pass = s.pass_code();
    s.assert_no_token_on_disk(&pass, "login");

    let out = s.run(&["logout", "--remove-credentials"], None);
    assert_eq!(out.code, 0, "logout succeeds: {}", out.all());
    assert!(
        !read(&s.sb.home().join(".docker/config.json")).contains("nexus-token")
            && read(&s.sb.home().join(".docker/config.json")).contains("credsStore"),
        "logout removes our credHelpers entry and keeps the rest"
    );
    assert!(
        !link.exists() && !wrapper.exists(),
        "logout removes the link to this binary and the wrapper"
    );
    assert!(
        !read(&s.sb.home().join(".cargo/config.toml")).contains("credential-provider")
            && !read(&s.sb.npmrc()).contains("tokenHelper"),
        "logout removes the Cargo provider and the pnpm tokenHelper"
    );
}

#[test]
#[ignore = "needs a Secret Service"]
fn the_helper_answers_from_the_cache_and_refuses_what_it_cannot_serve() {
    let s = setup();
    s.login_ok();
    let pass = s.pass_code();
    let host = s.emu.addr().to_string();
    s.emu.clear_requests();
    for input in [host.clone(), format!("http://{host}/v2/\n")] {
        let got = s.helper("get", &input);
        assert_eq!(got.code, 0, "get {input:?} answers: {}", got.all());
        let v: serde_json::Value = serde_json::from_str(got.stdout.trim()).unwrap();
        assert_eq!(v["Secret"], pass.as_str(), "the Secret is the passCode");
        assert_eq!(v["ServerURL"], input.trim(), "the ServerURL is echoed");
    }
    let list = s.helper("list", "");
    assert!(
        list.code == 0 && list.stdout.contains(&format!("\"{host}\"")),
        "list names the configured host: {}",
        list.all()
    );
    assert!(
        s.emu.requests().is_empty(),
        "the helper answers from the token cache without a request: {:#?}",
        s.emu.requests()
    );
    let unknown = s.helper("get", "registry.example:5000");
    assert_eq!(
        (unknown.code, unknown.stdout.as_str()),
        (1, "credentials not found in native keychain\n"),
        "an unknown host gets Docker's not-found"
    );
    // A `--no-keyring` login with a served target is refused (exit 2); a profile edited by hand
    // to `keyring = false` cannot be served: one line on stderr, exit 6, no prompt.
    let url = s.emu.base_url();
    let login = s.run(
        &[
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
            "--no-keyring",
            "--docker-registry",
            &host,
        ],
        Some(&format!("{}\n", s.password)),
    );
    assert_eq!(
        login.code,
        2,
        "a --no-keyring login with a served target is refused: {}",
        login.all()
    );
    let config = s.sb.config();
    let mut doc: toml_edit::DocumentMut = read(&config).parse().unwrap();
    doc["profiles"]["default"]["keyring"] = toml_edit::value(false);
    std::fs::write(&config, doc.to_string()).unwrap();
    assert!(
        read(&config).contains("keyring = false"),
        "the profile is edited by hand"
    );
    let refused = s.helper("get", &host);
    assert_eq!(
        refused.code,
        6,
        "a --no-keyring profile cannot be served (exit 6): {}",
        refused.all()
    );
    assert!(
        refused.stdout.is_empty()
            && refused.stderr.contains("--no-keyring")
            && refused.stderr.lines().count() == 1,
        "the reason is one line on stderr, nothing on stdout: {}",
        refused.all()
    );
    // A paused profile (Nexus rejected the stored password): exit 3, one line, no request.
    let login = s.run(
        &[
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
            "--docker-registry",
            &host,
        ],
        Some(&format!("{}\n", s.password)),
    );
    assert_eq!(
        login.code,
        0,
        "a keyring login succeeds again: {}",
        login.all()
    );
    s.emu.set_password(USER, "changed-by-the-admin");
    let refresh = s.run(&["refresh"], None);
    assert_eq!(
        refresh.code,
        3,
        "refresh with a rejected password pauses: {}",
        refresh.all()
    );
    s.emu.clear_requests();
    let paused = s.helper("get", &host);
    assert!(
        paused.code == 3 && paused.stdout.is_empty() && paused.stderr.lines().count() == 1,
        "a paused profile is not served: exit 3 and one line on stderr: {}",
        paused.all()
    );
    assert!(
        s.emu.requests().is_empty(),
        "a paused profile sends nothing to Nexus"
    );
    s.assert_no_token_on_disk(&pass, "the helper calls");
}

#[test]
#[ignore = "needs a Secret Service"]
fn twenty_token_basic_calls_from_the_binary_make_no_request() {
    let s = setup();
    s.login_ok();
    s.emu.clear_requests();
    let mut answers = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let run = s.run(&["token", "--format", "basic"], None);
        assert_eq!(run.code, 0, "token --format basic answers: {}", run.all());
        answers.insert(run.stdout);
    }
    assert_eq!(answers.len(), 1, "every call prints the same header value");
    assert!(
        answers.iter().all(|a| a.starts_with("Basic ")),
        "the answer is a Basic header value: {answers:?}"
    );
    assert!(
        s.emu.requests().is_empty(),
        "20 served calls from the cache make no request: {:#?}",
        s.emu.requests()
    );
}

#[test]
#[ignore = "needs skopeo and a Secret Service"]
fn skopeo_inspects_the_image_through_the_credential_helper() {
    let skopeo = require_tool("skopeo");
    let s = setup();
    s.login_ok();
    let image = format!("docker://{}/nexus/demo:1.0", s.emu.addr());
    // skopeo reads `$DOCKER_CONFIG/config.json` itself (containers/image); no --authfile.
    let inspect = || {
        let out = s
            .program(&skopeo, &["inspect", "--tls-verify=false", &image])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    s.emu.clear_requests();
    let (ok, log) = inspect();
    assert!(ok, "skopeo inspects the image through the helper:\n{log}");
    let name = s.run(&["token", "--format", "json"], None).stdout;
    let v: serde_json::Value = serde_json::from_str(name.trim()).unwrap();
    let name_code = v["nameCode"].as_str().unwrap().to_owned();
    assert!(
        s.emu
            .requests()
            .iter()
            .any(|r| r.path == "/v2/token" && r.username.as_deref() == Some(name_code.as_str())),
        "the token's nameCode reached the registry's token endpoint"
    );
    let pass = s.pass_code();
    s.assert_no_token_on_disk(&pass, "skopeo inspect");

    // Negative control: without our credHelpers entry skopeo has no credentials.
    let out = s.run(&["logout", "--remove-credentials"], None);
    assert_eq!(out.code, 0, "logout succeeds: {}", out.all());
    let (ok, log) = inspect();
    assert!(
        !ok && log.to_lowercase().contains("unauthorized"),
        "after logout skopeo is refused:\n{log}"
    );
}

/// The real cargo binary with the sandbox's environment (and the real rustup home).
fn cargo_fetch(s: &Served, project: &Path) -> (bool, String) {
    let cargo: OsString = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let rustup_home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default()
                .join(".rustup")
        });
    let manifest = project.join("Cargo.toml");
    let out = s
        .program(
            cargo,
            &["fetch", "--manifest-path", manifest.to_str().unwrap()],
        )
        .env("RUSTUP_HOME", rustup_home)
        .current_dir(project)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn cargo_project(s: &Served, name: &str) -> PathBuf {
    let project = s.sb.dir.path().join(name);
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::write(
        project.join("Cargo.toml"),
        "[package]\nname = \"consumer\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\nnexus-demo-crate = { version = \"0.1.0\", registry = \"nexus\" }\n",
    )
    .unwrap();
    std::fs::write(project.join("src/lib.rs"), "").unwrap();
    project
}

#[test]
#[ignore = "needs cargo and a Secret Service"]
fn cargo_fetches_through_login_cargo_registry() {
    require_tool("cargo");
    let s = setup();
    s.login_ok();
    s.emu.clear_requests();
    let (ok, log) = cargo_fetch(&s, &cargo_project(&s, "consumer"));
    assert!(
        ok,
        "cargo fetch succeeds through the credential provider:\n{log}"
    );
    assert!(
        s.emu
            .requests()
            .iter()
            .any(|r| r.path.ends_with("/download") && r.status == 200),
        "the .crate was downloaded from the emulator"
    );
    let pass = s.pass_code();
    s.assert_no_token_on_disk(&pass, "cargo fetch");

    let out = s.run(&["logout", "--remove-credentials"], None);
    assert_eq!(out.code, 0, "logout succeeds: {}", out.all());
    let (ok, log) = cargo_fetch(&s, &cargo_project(&s, "consumer-after-logout"));
    assert!(
        !ok,
        "after logout cargo has no credentials and fails:\n{log}"
    );
}

#[test]
#[ignore = "needs pnpm and a Secret Service"]
fn pnpm_installs_through_the_token_helper() {
    let s = setup();
    let group = s.group();
    // Each pinned pnpm (10, and the current major 12 that users run), first on the PATH.
    for (version, bin) in support::pnpm_versions() {
        let pnpm = bin.join("pnpm");
        let install = |tag: &str| {
            let tag = format!("{tag}-{version}");
            let project = s.sb.dir.path().join(&tag);
            std::fs::create_dir_all(&project).unwrap();
            std::fs::write(
                project.join("package.json"),
                format!("{{\"name\":\"{tag}\",\"version\":\"1.0.0\",\"private\":true}}\n"),
            )
            .unwrap();
            let store = s.sb.dir.path().join(format!("pnpm-store-{tag}"));
            let out = s
                .program(
                    &pnpm,
                    &[
                        "--store-dir",
                        store.to_str().unwrap(),
                        "add",
                        "nexus-demo-pkg",
                        "--registry",
                        &group,
                    ],
                )
                .env("PATH", support::path_with(&bin))
                .env("CI", "true")
                .env("npm_config_update_notifier", "false")
                .current_dir(&project)
                .output()
                .unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            (out.status.success(), text, project)
        };
        s.login_ok();
        s.emu.clear_requests();
        let (ok, log, project) = install("consumer");
        assert!(
            ok,
            "pnpm {version} add succeeds through the tokenHelper:\n{log}"
        );
        assert!(
            project
                .join("node_modules/nexus-demo-pkg/package.json")
                .exists(),
            "pnpm {version} installed the package:\n{log}"
        );
        let pass = s.pass_code();
        s.assert_no_token_on_disk(&pass, "pnpm add");

        let out = s.run(&["logout", "--remove-credentials"], None);
        assert_eq!(out.code, 0, "logout succeeds: {}", out.all());
        let (ok, log, _) = install("after-logout");
        assert!(
            !ok,
            "after logout pnpm {version} has no credentials and fails:\n{log}"
        );
    }
}

/// Issue 23 item 3: a profile saved with `--config FILE` is served from that file by every
/// served config (Docker through its per-file helper wrapper), even when the default file has a
/// profile of the same name for another server; `doctor --config FILE` runs each served command
/// and sees it answer.
#[test]
#[ignore = "needs a Secret Service"]
fn a_profile_saved_with_config_is_served_from_that_file() {
    let s = setup();
    // A decoy: profile `default` of the default file, on another server.
    let decoy_password = support::unique_password();
    let decoy = crate::support::emulator_util::for_user(Family::Nexus3, USER, &decoy_password);
    let decoy_url = decoy.base_url();
    let login = s.run(
        &[
            "login",
            "--url",
            &decoy_url,
            "--username",
            USER,
            "--password-stdin",
            "--maven-server",
            "decoy",
        ],
        Some(&format!("{decoy_password}\n")),
    );
    assert_eq!(login.code, 0, "{}", login.all());
    decoy.clear_requests();
    let file = s.sb.home().join("team/profiles.toml");
    let file_s = file.display().to_string();
    let run = s.login(&["--config", &file_s]);
    assert_eq!(run.code, 0, "login --config succeeds: {}", run.all());
    let (name_code, pass_code) = s.emu.token_of(USER).unwrap();
    use base64::Engine as _;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{name_code}:{pass_code}"))
    );

    // Docker: credHelpers names the per-file helper, which answers with this file's token.
    let host = s.emu.addr().to_string();
    let docker: serde_json::Value =
        serde_json::from_str(&read(&s.sb.home().join(".docker/config.json"))).unwrap();
    let helper = docker["credHelpers"][&host].as_str().unwrap().to_owned();
    let wrapper = s.local_bin().join(format!("docker-credential-{helper}"));
    let got = s.sb.run_with(s.program(&wrapper, &["get"]), Some(&host));
    assert_eq!(got.code, 0, "the Docker helper answers: {}", got.all());
    let v: serde_json::Value = serde_json::from_str(got.stdout.trim()).unwrap();
    assert_eq!(v["Username"], name_code.as_str(), "this file's token");

    // Cargo: the provider command as written in config.toml.
    let cargo = read(&s.sb.home().join(".cargo/config.toml"));
    let words: Vec<String> = cargo
        .lines()
        .find_map(|l| l.strip_prefix("credential-provider = "))
        .map(|array| serde_json::from_str(array).unwrap())
        .unwrap();
    let args: Vec<&str> = words[2..].iter().map(String::as_str).collect();
    let provider = s.sb.run_with(s.program(&words[1], &args), None);
    assert_eq!(
        (provider.code, provider.stdout.trim()),
        (0, basic.as_str()),
        "Cargo's provider answers with this file's token: {}",
        provider.stderr
    );

    // pnpm: the tokenHelper wrapper named in the npmrc.
    let npmrc = read(&s.sb.npmrc());
    let token_helper = npmrc
        .lines()
        .find_map(|l| l.split_once(":tokenHelper=").map(|(_, v)| v.to_owned()))
        .unwrap();
    let pnpm = s.sb.run_with(s.program(&token_helper, &[]), None);
    assert_eq!(
        (pnpm.code, pnpm.stdout.trim()),
        (0, basic.as_str()),
        "pnpm's helper answers with this file's token: {}",
        pnpm.stderr
    );

    let doctor = s.run(&["--config", &file_s, "doctor"], None);
    assert_eq!(
        doctor
            .all()
            .matches("answers with the token of profile `default`")
            .count(),
        3,
        "doctor ran the Docker, Cargo and pnpm commands and each answered:\n{}",
        doctor.all()
    );
    assert!(
        !doctor.all().contains("does not answer"),
        "{}",
        doctor.all()
    );
    // The decoy's server was never asked for a token.
    assert!(
        decoy.requests().is_empty(),
        "the same-named profile of the default file was never asked: {:#?}",
        decoy.requests()
    );
}

/// Issue 23 item 3: doctor proves a served config answers; a broken one fails it.
#[test]
#[ignore = "needs a Secret Service"]
fn doctor_fails_when_a_served_command_does_not_answer() {
    let s = setup();
    s.login_ok();
    let doctor = s.run(&["doctor"], None);
    assert_eq!(
        doctor
            .all()
            .matches("answers with the token of profile `default`")
            .count(),
        3,
        "{}",
        doctor.all()
    );
    // The pnpm wrapper now asks for a profile that does not exist.
    let wrapper =
        s.sb.home()
            .join(".config/nexus-token/pnpm-token-helper-default");
    let text = read(&wrapper).replace("--profile 'default'", "--profile 'gone'");
    std::fs::write(&wrapper, text).unwrap();
    let doctor = s.run(&["doctor"], None);
    assert_ne!(doctor.code, 0, "{}", doctor.all());
    assert!(
        doctor.all().lines().any(|l| l.starts_with("FAIL")
            && l.contains("does not answer: ")
            && l.contains("no saved profile named `gone`")),
        "doctor quotes the helper's error:\n{}",
        doctor.all()
    );
}

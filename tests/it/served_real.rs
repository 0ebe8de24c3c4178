//! The served targets proven with the real clients against the emulator: skopeo pulls the
//! manifest of `nexus/demo:1.0` from the emulator's Docker registry (`/v2/`, Bearer token flow
//! like a Nexus connector) with the user token, and cargo fetches `nexus-demo-crate` from the
//! emulator's sparse Cargo registry with a `credential-provider` written by our Cargo editor.
//! Each has a negative control (a wrong token fails) and checks the emulator's request log.
//!
//! Here the credentials come from TEST-ONLY stand-ins (`basic-token` and
//! `docker-credential-testhelper` scripts reading the token from their environment): they prove
//! the file shapes our editors write and the protocol shapes we answer with the real clients,
//! apart from nexus-token's lookup; tests/it/served_e2e.rs proves the whole path (login, the
//! keyring's token cache, the clients). Every child starts from `Sandbox::program`. The token
//! never goes on a command line except skopeo's `--creds` (the token, never the password).

use crate::support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::Sandbox;
use base64::Engine as _;
use nexus_token::emulator::{Emulator, RequestKind};
use nexus_token::nexus::{Client, ClientConfig, Family};
use nexus_token::secret::Secret;
use nexus_token::targets::cargo::editor as cargo_editor;
use nexus_token::targets::docker::editor as docker_editor;

const USER: &str = "dave";
const PASSWORD: &str = "served-Real-pw-never-printed";
const MANIFEST_DIGEST_PREFIX: &str = "sha256:";

/// An emulator with "require user tokens" on, and dave's token fetched once.
fn emulator_with_token() -> (Emulator, String, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let emu = crate::support::emulator_util::for_user_with_tokens(Family::Nexus3, USER, PASSWORD);
    let client = Client::new(ClientConfig::new(emu.base_url())).unwrap();
    let token = client
        .fetch_token(Family::Nexus3, USER, &Secret::new(PASSWORD.to_owned()))
        .unwrap();
    let pass = token.pass_code.expose().clone();
    (emu, token.name_code.clone(), pass)
}

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// skopeo in a sandbox ([`Sandbox::program`]: an environment built from nothing), with
/// `path_prefix` first on the PATH and `envs` added.
fn skopeo(
    sb: &Sandbox,
    args: &[&str],
    envs: &[(&str, &str)],
    path_prefix: Option<&Path>,
) -> Output {
    let mut cmd = sb.program(support::require_tool("skopeo"), args);
    cmd.env("NO_PROXY", "127.0.0.1")
        .env("no_proxy", "127.0.0.1");
    if let Some(prefix) = path_prefix {
        cmd.env("PATH", support::path_with(prefix));
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("skopeo runs")
}

fn image(emu: &Emulator) -> String {
    format!("docker://{}/nexus/demo:1.0", emu.addr())
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
#[ignore = "needs skopeo"]
fn skopeo_inspects_the_image_with_the_token_and_fails_with_a_wrong_one() {
    crate::support::require_tool("skopeo");
    let (emu, name, pass) = emulator_with_token();
    let sb = Sandbox::new();
    let creds = format!("{name}:{pass}");
    let out = skopeo(
        &sb,
        &[
            "inspect",
            "--tls-verify=false",
            "--creds",
            &creds,
            &image(&emu),
        ],
        &[],
        None,
    );
    assert!(
        out.status.success(),
        "skopeo inspects the image with the token:\n{}",
        text(&out)
    );
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        value["Digest"]
            .as_str()
            .is_some_and(|d| d.starts_with(MANIFEST_DIGEST_PREFIX)),
        "skopeo reports the manifest digest: {value}"
    );
    assert_eq!(
        value["RepoTags"],
        serde_json::json!(["1.0"]),
        "skopeo lists the tag"
    );
    let log = emu.requests();
    assert!(
        log.iter().any(|r| r.path == "/v2/token"
            && r.status == 200
            && r.username.as_deref() == Some(name.as_str())),
        "skopeo got a bearer token with the token's nameCode: {log:#?}"
    );
    assert!(
        log.iter().any(|r| r.path.contains("/manifests/1.0")
            && r.status == 200
            && r.kind == RequestKind::Repository),
        "the manifest was served"
    );

    emu.clear_requests();
    let wrong = format!("{name}:not-the-passcode");
    let out = skopeo(
        &sb,
        &[
            "inspect",
            "--tls-verify=false",
            "--creds",
            &wrong,
            &image(&emu),
        ],
        &[],
        None,
    );
    assert!(!out.status.success(), "skopeo fails with a wrong token");
    assert!(
        text(&out).to_lowercase().contains("unauthorized"),
        "and says it is unauthorized:\n{}",
        text(&out)
    );
    assert!(
        emu.requests()
            .iter()
            .all(|r| !r.path.contains("/manifests/") || r.status != 200),
        "no manifest was served with a wrong token"
    );
}

#[test]
fn the_registry_refuses_the_real_password_under_require_user_tokens() {
    // No real client needed for this rule (plain HTTP from the test); the password is sent from
    // memory only (no command line, no file).
    let (emu, _, _) = emulator_with_token();
    let http = reqwest::blocking::Client::new();
    let basic = |user: &str, pass: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        )
    };
    let url = format!(
        "{}/v2/token?service=x&scope=repository:nexus/demo:pull",
        emu.origin_url()
    );
    let answer = http
        .get(&url)
        .header("Authorization", basic(USER, PASSWORD))
        .send()
        .unwrap();
    assert_eq!(
        answer.status().as_u16(),
        401,
        "the real password gets no Docker token"
    );
    let (name, pass) = emu.token_of(USER).unwrap();
    let answer = http
        .get(&url)
        .header("Authorization", basic(&name, &pass))
        .send()
        .unwrap();
    assert_eq!(
        answer.status().as_u16(),
        200,
        "the user token gets a Docker token"
    );
}

#[test]
#[ignore = "needs skopeo"]
fn skopeo_takes_credentials_from_a_helper_named_by_our_docker_editor() {
    crate::support::require_tool("skopeo");
    let (emu, name, pass) = emulator_with_token();
    let sb = Sandbox::new();
    let host = emu.addr().to_string();
    // The config as our editor writes it, with a test helper in place of nexus-token.
    let config = sb.dir.path().join("home/.docker/config.json");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let docker_written =
        b"{\n\t\"auths\": {\n\t\t\"127.0.0.1:1\": {\n\t\t\t\"auth\": \"eDp5\"\n\t\t}\n\t}\n}";
    let edit = docker_editor::set_cred_helper(Some(docker_written), &host, "testhelper").unwrap();
    std::fs::write(&config, &edit.output).unwrap();
    // TEST-ONLY stand-in for `docker-credential-nexus-token` (whose token lookup the lead wires
    // to the session token cache): answers `get` in the same shape, from its environment.
    let bin = sb.dir.path().join("bin");
    script(
        &bin,
        "docker-credential-testhelper",
        "#!/bin/sh\n# test-only stand-in for docker-credential-nexus-token\ncase \"$1\" in\n  get) server=$(cat); printf '{\"ServerURL\":\"%s\",\"Username\":\"%s\",\"Secret\":\"%s\"}\\n' \"$server\" \"$NT_TEST_NAME\" \"$NT_TEST_PASS\" ;;\n  *) cat >/dev/null; exit 0 ;;\nesac\n",
    );
    let authfile = config.to_string_lossy().into_owned();
    let args = [
        "inspect",
        "--tls-verify=false",
        "--authfile",
        authfile.as_str(),
        &image(&emu),
    ];
    let out = skopeo(
        &sb,
        &args,
        &[("NT_TEST_NAME", &name), ("NT_TEST_PASS", &pass)],
        Some(&bin),
    );
    assert!(
        out.status.success(),
        "skopeo inspects the image with credentials from the helper named in credHelpers:\n{}",
        text(&out)
    );
    assert!(
        emu.requests()
            .iter()
            .any(|r| r.path == "/v2/token" && r.username.as_deref() == Some(name.as_str())),
        "the helper's credentials reached the token endpoint"
    );
    let out = skopeo(
        &sb,
        &args,
        &[("NT_TEST_NAME", &name), ("NT_TEST_PASS", "wrong")],
        Some(&bin),
    );
    assert!(!out.status.success(), "a wrong token from the helper fails");
}

#[test]
#[ignore = "needs skopeo"]
fn skopeo_reads_not_found_from_our_helper_as_no_credentials() {
    crate::support::require_tool("skopeo");
    let (emu, _, _) = emulator_with_token();
    let sb = Sandbox::new();
    let host = emu.addr().to_string();
    let config = sb.dir.path().join("home/.docker/config.json");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let edit = docker_editor::set_cred_helper(None, &host, docker_editor::HELPER_NAME).unwrap();
    std::fs::write(&config, &edit.output).unwrap();
    // The real binary under the helper's name; its lookup finds nothing until the lead wires it.
    let bin = sb.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(support::BIN, bin.join("docker-credential-nexus-token")).unwrap();
    let helper = sb
        .program(bin.join("docker-credential-nexus-token"), &["get"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        helper
            .stdin
            .as_ref()
            .unwrap()
            .write_all(host.as_bytes())
            .unwrap();
    }
    let got = helper.wait_with_output().unwrap();
    assert_eq!(got.status.code(), Some(1), "an unknown host exits 1");
    assert_eq!(
        String::from_utf8_lossy(&got.stdout),
        "credentials not found in native keychain\n",
        "with Docker's not-found message on stdout"
    );
    let authfile = config.to_string_lossy().into_owned();
    let out = skopeo(
        &sb,
        &[
            "inspect",
            "--tls-verify=false",
            "--authfile",
            &authfile,
            &image(&emu),
        ],
        &[],
        Some(&bin),
    );
    let said = text(&out);
    assert!(
        !out.status.success(),
        "without credentials the registry refuses"
    );
    assert!(
        !said.contains("error getting credentials") && said.to_lowercase().contains("unauthorized"),
        "skopeo took not-found as anonymous access (not as a helper failure):\n{said}"
    );
}

/// `cargo fetch` in a fresh sandbox (own HOME and CARGO_HOME) for a project depending on
/// `nexus-demo-crate` from the registry `nexus`; `basic` is what the provider prints.
fn cargo_fetch(emu: &Emulator, basic: &str) -> (Output, String) {
    let sb = Sandbox::new();
    let dir = &sb.dir;
    let cargo_home = sb.home().join(".cargo");
    std::fs::create_dir_all(&cargo_home).unwrap();
    // TEST-ONLY stand-in for `nexus-token token --format basic` (wired by the lead): prints the
    // header value from its environment, as the real command prints it from the token cache.
    let provider_script = script(
        &dir.path().join("bin"),
        "basic-token",
        "#!/bin/sh\n# test-only stand-in for `nexus-token token --format basic`\nprintf 'Basic %s\\n' \"$NT_TEST_BASIC\"\n",
    );
    let provider = vec![
        cargo_editor::TOKEN_FROM_STDOUT.to_owned(),
        provider_script.to_string_lossy().into_owned(),
    ];
    let index = format!("{}/repository/cargo-group/", emu.base_url());
    let edit = cargo_editor::set_provider(
        Some("# sandbox cargo config\n[net]\nretry = 0\n"),
        "nexus",
        &provider,
        Some(&index),
    )
    .unwrap();
    std::fs::write(cargo_home.join("config.toml"), &edit.output).unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::write(
        project.join("Cargo.toml"),
        "[package]\nname = \"consumer\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\nnexus-demo-crate = { version = \"0.1.0\", registry = \"nexus\" }\n",
    )
    .unwrap();
    std::fs::write(project.join("src/lib.rs"), "").unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let rustup_home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default()
                .join(".rustup")
        });
    let manifest = project.join("Cargo.toml");
    let mut cmd = sb.program(
        cargo,
        &["fetch", "--manifest-path", manifest.to_str().unwrap()],
    );
    cmd.current_dir(&project)
        .env("RUSTUP_HOME", rustup_home)
        .env("NT_TEST_BASIC", basic)
        .env("NO_PROXY", "127.0.0.1")
        .env("no_proxy", "127.0.0.1");
    let out = cmd.output().expect("cargo runs");
    let lock = std::fs::read_to_string(project.join("Cargo.lock")).unwrap_or_default();
    (out, lock)
}

#[test]
#[ignore = "needs cargo"]
fn cargo_fetches_the_crate_through_the_provider_and_fails_with_a_wrong_token() {
    crate::support::require_tool("cargo");
    let (emu, name, pass) = emulator_with_token();
    let good = base64::engine::general_purpose::STANDARD.encode(format!("{name}:{pass}"));
    let (out, lock) = cargo_fetch(&emu, &good);
    assert!(
        out.status.success(),
        "cargo fetch succeeds with the token:\n{}",
        text(&out)
    );
    assert!(
        lock.contains("name = \"nexus-demo-crate\"") && lock.contains("sparse+http://"),
        "the lock file pins the crate from the emulator's sparse registry:\n{lock}"
    );
    let log = emu.requests();
    let cargo_requests: Vec<_> = log
        .iter()
        .filter(|r| r.path.contains("/repository/cargo-group/"))
        .collect();
    assert!(
        cargo_requests
            .iter()
            .any(|r| r.path.ends_with("/download") && r.status == 200),
        "the .crate was downloaded: {cargo_requests:#?}"
    );
    assert!(
        cargo_requests
            .iter()
            .filter(|r| r.status == 200)
            .all(|r| r.username.as_deref() == Some(name.as_str())),
        "every answered request carried the token's nameCode (auth-required)"
    );

    emu.clear_requests();
    let wrong = base64::engine::general_purpose::STANDARD.encode(format!("{name}:wrong"));
    let (out, _) = cargo_fetch(&emu, &wrong);
    assert!(
        !out.status.success(),
        "cargo fetch fails with a wrong token"
    );
    assert!(
        emu.requests().iter().all(|r| r.status != 200),
        "nothing was served with a wrong token"
    );
}

/// Runs the built binary under the helper's name with `action` and `stdin`, in `sb`.
fn helper_call(sb: &Sandbox, action: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    let link = sb.dir.path().join("docker-credential-nexus-token");
    if !link.exists() {
        std::os::unix::fs::symlink(support::BIN, &link).unwrap();
    }
    let run = sb.run_with(sb.program(&link, action), Some(stdin));
    (Some(run.code), run.stdout, run.stderr)
}

#[test]
fn the_binary_speaks_the_helper_protocol_under_the_helpers_name() {
    let sb = Sandbox::new();
    let not_found = "credentials not found in native keychain\n".to_owned();
    for server in ["127.0.0.1:5000", "https://nexus.example:8443/v1/\n"] {
        assert_eq!(
            helper_call(&sb, &["get"], server),
            (Some(1), not_found.clone(), String::new()),
            "`get {server:?}` answers Docker's not-found (no saved profile serves it)"
        );
    }
    assert_eq!(
        helper_call(&sb, &["list"], ""),
        (Some(0), "{}\n".to_owned(), String::new()),
        "`list` prints a JSON object"
    );
    for action in ["store", "erase"] {
        assert_eq!(
            helper_call(
                &sb,
                &[action],
                "{\"ServerURL\":\"h\",\"Username\":\"u\",\"Secret\":\"s\"}"
            ),
            (Some(0), String::new(), String::new()),
            "`{action}` accepts its input and succeeds without output"
        );
    }
    let (code, out, _) = helper_call(&sb, &["version"], "");
    assert!(
        code == Some(0) && out.starts_with("docker-credential-nexus-token (nexus-token) "),
        "`version` names the helper: {out}"
    );
    let (code, out, _) = helper_call(&sb, &[], "");
    assert!(
        code == Some(1) && out.starts_with("Usage: docker-credential-nexus-token"),
        "no action prints the usage: {out}"
    );
    let (code, out, _) = helper_call(&sb, &["login"], "");
    assert!(
        code == Some(1) && out.contains("unknown action: login"),
        "clap is not reached under the helper's name: {out}"
    );
}

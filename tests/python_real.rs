//! The netrc and .pypirc files written by our editors, proven with the real Python clients
//! against the emulator's PyPI repositories under "require user tokens": pip and uv install the
//! emulator's wheel through `~/.netrc` (pip 23 sends it with the first request; anonymous
//! requests get the 401 Basic challenge, checked with curl), and twine uploads
//! it with `--config-file` pointing at the written `.pypirc`. Each has negative controls (a wrong
//! token, the real password) and checks the emulator's request log for the nameCode.
//!
//! Everything runs in a sandbox: its own HOME, XDG dirs, `NETRC`, `PIP_CONFIG_FILE=/dev/null`,
//! no pip cache, `UV_CACHE_DIR` and `UV_NO_CONFIG`, no keyring, no proxy; only 127.0.0.1.
//! The token comes from the built binary's `token` command. A missing tool fails under CI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::disallowed_methods
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nexus_token::emulator::{
    Emulator, EmulatorConfig, PYPI_MODULE, PYPI_PROJECT, PYPI_WHEEL, PYPI_WHEEL_NAME,
};
use nexus_token::nexus::Family;
use nexus_token::targets::netrc::editor as netrc;
use nexus_token::targets::pypirc::editor as pypirc;
use support::{Sandbox, assert_no_secret, tool_available, unique_password};

const USER: &str = "erin";

struct Setup {
    sb: Sandbox,
    emu: Emulator,
    password: String,
    name_code: String,
    pass_code: String,
}

/// A Nexus 3 emulator that requires user tokens, and the user's token from `nexus-token token`.
fn setup() -> Setup {
    let sb = Sandbox::new();
    let password = unique_password();
    let emu = Emulator::start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, &password)
            .require_user_tokens(true),
    )
    .expect("the emulator starts");
    let run = sb.run(
        &[
            "token",
            "--url",
            &emu.base_url(),
            "--username",
            USER,
            "--password-stdin",
            "--format",
            "json",
        ],
        Some(&format!("{password}\n")),
    );
    assert_eq!(run.code, 0, "token succeeds: {}", run.stderr);
    assert_no_secret(&run.all(), &password, "token output");
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("token prints JSON");
    let name_code = v["nameCode"].as_str().unwrap().to_owned();
    let pass_code = v["passCode"].as_str().unwrap().to_owned();
    Setup {
        sb,
        emu,
        password,
        name_code,
        pass_code,
    }
}

impl Setup {
    fn netrc_path(&self) -> PathBuf {
        self.sb.home().join(".netrc")
    }

    /// Writes `~/.netrc` with our editor over an existing file with other machines.
    fn write_netrc(&self, login: &str, password: &str) {
        let existing = "machine github.com login octo password ghp_x\n\ndefault login anonymous password guest\n";
        let host = url::Url::parse(&self.emu.base_url())
            .unwrap()
            .host_str()
            .unwrap()
            .to_owned();
        let edit = netrc::set(Some(existing.as_bytes()), &host, login, password)
            .expect("the netrc editor accepts the file");
        let text = String::from_utf8(edit.output.clone()).unwrap();
        assert!(
            text.find("machine 127.0.0.1").unwrap() < text.find("default").unwrap(),
            "the block goes before the default entry:\n{text}"
        );
        write_private(&self.netrc_path(), &edit.output);
    }

    /// A command for a Python tool with the sandbox's environment.
    fn command(&self, program: &str) -> Command {
        let home = self.sb.home();
        let mut cmd = Command::new(program);
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("PIP_")
                || k.starts_with("UV_")
                || k.starts_with("TWINE_")
                || k.to_ascii_lowercase().ends_with("_proxy")
            {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("NETRC", self.netrc_path())
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env("PIP_NO_CACHE_DIR", "1")
            .env("PIP_NO_INPUT", "1")
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env("PIP_KEYRING_PROVIDER", "disabled")
            .env("UV_CACHE_DIR", self.sb.dir.path().join("uv-cache"))
            .env("UV_NO_CONFIG", "1")
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("UV_KEYRING_PROVIDER", "disabled")
            .env("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        cmd
    }

    /// Requests to the PyPI repositories answered 200, with the Basic usernames they carried.
    fn pypi_ok_users(&self) -> Vec<Option<String>> {
        self.emu
            .requests()
            .into_iter()
            .filter(|r| r.path.contains("/repository/pypi-") && r.status == 200)
            .map(|r| r.username)
            .collect()
    }
}

fn write_private(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn pip_install(s: &Setup, target: &Path) -> std::process::Output {
    let _ = std::fs::remove_dir_all(target);
    s.command("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--no-deps",
            "--index-url",
        ])
        .arg(s.emu.pypi_simple_url())
        .arg("--target")
        .arg(target)
        .arg(PYPI_PROJECT)
        .output()
        .expect("pip runs")
}

fn pip_ready(test: &str) -> bool {
    tool_available("python3", test)
        && (Command::new("python3")
            .args(["-m", "pip", "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
            || tool_available("pip3", test))
}

#[test]
#[ignore = "needs pip, uv and twine"]
fn pip_installs_through_the_written_netrc() {
    if !pip_ready("pip_installs_through_the_written_netrc") {
        return;
    }
    let s = setup();
    let target = s.sb.dir.path().join("site");

    s.write_netrc(&s.name_code, &s.pass_code);
    s.emu.clear_requests();
    let out = pip_install(&s, &target);
    let text = output_text(&out);
    assert!(
        out.status.success(),
        "pip installs the wheel through netrc:\n{text}"
    );
    assert!(
        target.join(format!("{PYPI_MODULE}.py")).is_file(),
        "the wheel's module is installed into the target"
    );
    let users = s.pypi_ok_users();
    assert!(
        users.len() >= 2
            && users
                .iter()
                .all(|u| u.as_deref() == Some(s.name_code.as_str())),
        "the index page and the wheel were served to the nameCode from netrc: {users:?}"
    );
    assert_no_secret(&text, &s.password, "pip output");
    assert_no_secret(&text, &s.pass_code, "pip output");

    // Negative controls: a wrong token, then the real password (refused under require tokens).
    s.write_netrc(&s.name_code, "not-the-token");
    let out = pip_install(&s, &target);
    assert!(
        !out.status.success(),
        "pip fails with a wrong token in netrc"
    );
    s.write_netrc(USER, &s.password);
    let out = pip_install(&s, &target);
    assert!(
        !out.status.success(),
        "pip fails with the real password once user tokens are required"
    );
    assert!(
        !target.join(format!("{PYPI_MODULE}.py")).exists(),
        "nothing was installed by the failing runs"
    );
}

fn uv_install(s: &Setup, target: &Path) -> std::process::Output {
    let _ = std::fs::remove_dir_all(target);
    let _ = std::fs::remove_dir_all(s.sb.dir.path().join("uv-cache"));
    s.command("uv")
        .args([
            "pip",
            "install",
            "--no-deps",
            "--no-cache",
            "--python",
            "python3",
            "--index-url",
        ])
        .arg(s.emu.pypi_simple_url())
        .arg("--target")
        .arg(target)
        .arg(PYPI_PROJECT)
        .output()
        .expect("uv runs")
}

#[test]
#[ignore = "needs pip, uv and twine"]
fn uv_installs_through_the_written_netrc() {
    if !tool_available("uv", "uv_installs_through_the_written_netrc") {
        return;
    }
    let s = setup();
    let target = s.sb.dir.path().join("uv-site");

    s.write_netrc(&s.name_code, &s.pass_code);
    s.emu.clear_requests();
    let out = uv_install(&s, &target);
    let text = output_text(&out);
    assert!(
        out.status.success(),
        "uv installs the wheel through netrc:\n{text}"
    );
    assert!(
        target.join(format!("{PYPI_MODULE}.py")).is_file(),
        "the wheel's module is installed into the target"
    );
    let users = s.pypi_ok_users();
    assert!(
        users.len() >= 2
            && users
                .iter()
                .all(|u| u.as_deref() == Some(s.name_code.as_str())),
        "the index page and the wheel were served to the nameCode from netrc: {users:?}"
    );
    assert_no_secret(&text, &s.password, "uv output");
    assert_no_secret(&text, &s.pass_code, "uv output");

    s.write_netrc(&s.name_code, "not-the-token");
    let out = uv_install(&s, &target);
    assert!(
        !out.status.success(),
        "uv fails with a wrong token in netrc"
    );
    assert!(
        !target.join(format!("{PYPI_MODULE}.py")).exists(),
        "nothing was installed by the failing run"
    );
}

fn twine_upload(s: &Setup, pypirc_path: &Path, wheel: &Path) -> std::process::Output {
    s.command("twine")
        .args([
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            "--repository",
            "nexus",
            "--config-file",
        ])
        .arg(pypirc_path)
        .arg(wheel)
        .output()
        .expect("twine runs")
}

#[test]
#[ignore = "needs pip, uv and twine"]
fn twine_uploads_with_the_written_pypirc() {
    if !tool_available("twine", "twine_uploads_with_the_written_pypirc") {
        return;
    }
    let s = setup();
    let dist = s.sb.dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let wheel = dist.join(PYPI_WHEEL_NAME);
    std::fs::write(&wheel, PYPI_WHEEL).unwrap();
    let path = s.sb.home().join(".pypirc");
    let existing = "[distutils]\nindex-servers =\n    pypi\n\n[pypi]\nusername = __token__\npassword = pypi-not-used\n";

    let edit = pypirc::set(
        Some(existing.as_bytes()),
        "nexus",
        &s.name_code,
        &s.pass_code,
        Some(&s.emu.pypi_hosted_url()),
    )
    .expect("the pypirc editor accepts the file");
    write_private(&path, &edit.output);
    s.emu.clear_requests();
    let out = twine_upload(&s, &path, &wheel);
    let text = output_text(&out);
    assert!(
        out.status.success(),
        "twine uploads with the written .pypirc:\n{text}"
    );
    let uploads = s.emu.pypi_uploads();
    assert_eq!(uploads.len(), 1, "the hosted repository received one file");
    assert_eq!(
        uploads[0].username, s.name_code,
        "the upload used the nameCode"
    );
    assert_eq!(uploads[0].filename, PYPI_WHEEL_NAME);
    assert_eq!(
        uploads[0].content, PYPI_WHEEL,
        "the uploaded bytes are the wheel's"
    );
    assert_eq!(uploads[0].name.replace('_', "-"), PYPI_PROJECT);
    assert!(
        s.emu.requests().iter().any(|r| r.method == "POST"
            && r.path.ends_with("/repository/pypi-hosted/")
            && r.status == 200
            && r.username.as_deref() == Some(s.name_code.as_str())),
        "the request log shows the upload POST by the nameCode"
    );
    assert_no_secret(&text, &s.password, "twine output");
    assert_no_secret(&text, &s.pass_code, "twine output");

    // Negative controls: a wrong token, then the real password.
    for (user, pass, what) in [
        (s.name_code.as_str(), "not-the-token", "a wrong token"),
        (USER, s.password.as_str(), "the real password"),
    ] {
        let bad = pypirc::set(Some(&edit.output), "nexus", user, pass, None).unwrap();
        write_private(&path, &bad.output);
        let out = twine_upload(&s, &path, &wheel);
        assert!(!out.status.success(), "twine fails with {what}");
        assert_no_secret(&output_text(&out), &s.password, "twine output");
    }
    assert_eq!(
        s.emu.pypi_uploads().len(),
        1,
        "the failing runs uploaded nothing"
    );
}

#[test]
#[ignore = "needs pip, uv and twine"]
fn curl_reads_the_written_netrc() {
    if !tool_available("curl", "curl_reads_the_written_netrc") {
        return;
    }
    let s = setup();
    let fetch = |s: &Setup| {
        s.command("curl")
            .args([
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--noproxy",
                "*",
                "--netrc-file",
            ])
            .arg(s.netrc_path())
            .arg(s.emu.pypi_simple_url())
            .output()
            .expect("curl runs")
    };
    let anonymous = s
        .command("curl")
        .args(["-sS", "-D", "-", "-o", "/dev/null", "--noproxy", "*"])
        .arg(s.emu.pypi_simple_url())
        .output()
        .expect("curl runs");
    let head = String::from_utf8_lossy(&anonymous.stdout).to_ascii_lowercase();
    assert!(
        head.starts_with("http/1.1 401") && head.contains("www-authenticate: basic realm="),
        "an anonymous request gets 401 with a Basic challenge:\n{head}"
    );
    s.write_netrc(&s.name_code, &s.pass_code);
    let out = fetch(&s);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "200",
        "curl gets the index with the netrc token"
    );
    s.write_netrc(&s.name_code, "not-the-token");
    let out = fetch(&s);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "401",
        "curl is refused with a wrong token"
    );
}

#[test]
#[ignore = "needs pip, uv and twine"]
fn pip_conf_discovery_matches_what_pip_uses_and_url_credentials_shadow_netrc() {
    use nexus_token::targets::netrc::discover;
    if !pip_ready("pip_conf_discovery_matches_what_pip_uses_and_url_credentials_shadow_netrc") {
        return;
    }
    let s = setup();
    let target = s.sb.dir.path().join("site");
    let conf_path = s.sb.home().join(".config/pip/pip.conf");
    std::fs::create_dir_all(conf_path.parent().unwrap()).unwrap();
    let simple = s.emu.pypi_simple_url();
    let run_pip = |conf: &str| {
        std::fs::write(&conf_path, conf).unwrap();
        let _ = std::fs::remove_dir_all(&target);
        s.command("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--no-cache-dir",
                "--no-deps",
                "--target",
            ])
            .arg(&target)
            .arg(PYPI_PROJECT)
            .env("PIP_CONFIG_FILE", &conf_path)
            .output()
            .expect("pip runs")
    };
    s.write_netrc(&s.name_code, &s.pass_code);

    // The index discovery finds is the one pip uses: it installs through netrc.
    let conf = format!("[global]\nindex-url = {simple}\n");
    assert_eq!(
        discover::pip_indexes_under(conf.as_bytes(), &s.emu.base_url()).unwrap(),
        vec![simple.clone()],
        "discovery finds the index under the Nexus URL"
    );
    let out = run_pip(&conf);
    assert!(
        out.status.success(),
        "pip uses the pip.conf index with netrc:\n{}",
        output_text(&out)
    );

    // Credentials inside the URL win over netrc: login and doctor must report them.
    let url = url::Url::parse(&simple).unwrap();
    let with_creds = format!(
        "http://url-user:wrong@{}{}",
        url.host_str().unwrap(),
        if let Some(p) = url.port() {
            format!(":{p}{}", url.path())
        } else {
            url.path().to_owned()
        }
    );
    let conf = format!("[global]\nindex-url = {with_creds}\n");
    assert!(
        discover::url_has_credentials(conf.as_bytes()).unwrap(),
        "a URL with credentials is detected"
    );
    assert_eq!(
        discover::pip_url_credentials(conf.as_bytes()).unwrap(),
        vec!["global.index-url".to_owned()]
    );
    s.emu.clear_requests();
    let out = run_pip(&conf);
    assert!(
        !out.status.success(),
        "pip sends the URL's credentials, not netrc's, so the wrong ones in the URL fail"
    );
    let users: Vec<Option<String>> = s.emu.requests().into_iter().map(|r| r.username).collect();
    assert!(
        users.iter().any(|u| u.as_deref() == Some("url-user"))
            && !users
                .iter()
                .any(|u| u.as_deref() == Some(s.name_code.as_str())),
        "pip used the URL's user and never the netrc login: {users:?}"
    );
}

#[test]
#[ignore = "needs pip, uv and twine"]
fn uv_toml_discovery_matches_what_uv_uses() {
    use nexus_token::targets::netrc::discover;
    if !tool_available("uv", "uv_toml_discovery_matches_what_uv_uses") {
        return;
    }
    let s = setup();
    let target = s.sb.dir.path().join("uv-site");
    let simple = s.emu.pypi_simple_url();
    let toml = format!("[[index]]\nname = \"nexus\"\nurl = \"{simple}\"\ndefault = true\n");
    assert_eq!(
        discover::uv_indexes_under(&toml, &s.emu.base_url()).unwrap(),
        vec![simple.clone()],
        "discovery finds the `[[index]]` under the Nexus URL"
    );
    let config = s.sb.dir.path().join("uv.toml");
    std::fs::write(&config, &toml).unwrap();
    s.write_netrc(&s.name_code, &s.pass_code);
    let out = s
        .command("uv")
        .args([
            "pip",
            "install",
            "--no-deps",
            "--no-cache",
            "--python",
            "python3",
            "--config-file",
        ])
        .arg(&config)
        .arg("--target")
        .arg(&target)
        .arg(PYPI_PROJECT)
        .env_remove("UV_NO_CONFIG")
        .output()
        .expect("uv runs");
    assert!(
        out.status.success(),
        "uv uses the uv.toml index with netrc:\n{}",
        output_text(&out)
    );
    assert!(
        target.join(format!("{PYPI_MODULE}.py")).is_file(),
        "the module is installed"
    );
}

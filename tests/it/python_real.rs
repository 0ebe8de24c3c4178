//! The netrc and .pypirc files that `nexus-token login --netrc --pypirc NAME=URL` writes,
//! proven with the real Python clients against the emulator's PyPI repositories under "require
//! user tokens": pip and uv install the emulator's wheel through `~/.netrc` (no credentials in
//! any URL or pip.conf; anonymous requests get the 401 Basic challenge, checked with curl), and
//! twine uploads it with `--repository NAME` from `~/.pypirc`. Each has negative controls (a
//! wrong token, the real password), a server-side reset that `nexus-token refresh` repairs, and
//! checks of the emulator's request log for the nameCode. Discovery (pip.conf, uv.toml) is
//! checked against what pip and uv really use, and an existing netrc keeps every other byte and
//! stays readable by Python's `netrc` module and curl.
//!
//! Everything runs in a sandbox: its own HOME, XDG dirs, `NETRC`, `PIP_CONFIG_FILE=/dev/null`,
//! no pip cache, `UV_CACHE_DIR` and `UV_NO_CONFIG`, no Python keyring, no proxy; only
//! 127.0.0.1. The binary stores the password in the real Secret Service (scripts/with-keyring).
//! A missing tool fails under CI.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{Sandbox, assert_no_secret, require_tool, unique_password};
use nexus_token::emulator::{Emulator, PYPI_MODULE, PYPI_PROJECT, PYPI_WHEEL, PYPI_WHEEL_NAME};
use nexus_token::nexus::Family;
use nexus_token::targets::netrc::editor as netrc;
use nexus_token::targets::pypirc::editor as pypirc;

const USER: &str = "erin";
const OTHER_NETRC: &str = "# other machines\nmachine github.com login octo password ghp_x\n\nmacdef init\ncd /pub\nbinary\n\ndefault login anonymous password guest\n";

struct Setup {
    sb: Sandbox,
    emu: Emulator,
    password: String,
}

/// A Nexus 3 emulator that requires user tokens, and a sandbox whose `~/.netrc` already has
/// other machines, a macro and a `default` entry.
fn setup(_test: &str) -> Setup {
    let sb = Sandbox::with_keyring();
    let password = unique_password();
    let emu = crate::support::emulator_util::for_user_with_tokens(Family::Nexus3, USER, &password);
    write_private(&sb.home().join(".netrc"), OTHER_NETRC.as_bytes());
    Setup { sb, emu, password }
}

impl Setup {
    fn netrc_path(&self) -> PathBuf {
        self.sb.home().join(".netrc")
    }

    fn pypirc_path(&self) -> PathBuf {
        self.sb.home().join(".pypirc")
    }

    /// The user's current token on the server (nameCode, passCode).
    fn token(&self) -> (String, String) {
        self.emu.token_of(USER).expect("the user has a token")
    }

    /// `nexus-token login ... EXTRA`, asserted to succeed and never to print a secret.
    fn login(&self, extra: &[&str]) -> crate::support::Run {
        let run = self
            .sb
            .login_ok(&self.emu.base_url(), USER, &self.password, extra);
        assert_no_secret(&run.all(), &self.password, "login output");
        assert_no_secret(&run.all(), &self.token().1, "login output");
        run
    }

    /// `login --netrc --pypirc nexus=<hosted URL>`.
    fn login_python(&self) -> crate::support::Run {
        let hosted = format!("nexus={}", self.emu.pypi_hosted_url());
        self.login(&["--netrc", "--pypirc", &hosted])
    }

    /// A server-side reset, `between` (the client now fails), then `nexus-token refresh`;
    /// returns the new token.
    fn reset_and_refresh(&self, between: &dyn Fn()) -> (String, String) {
        let old = self.token();
        self.emu.reset_token(USER);
        between();
        let run = self.sb.run(&["refresh"], None);
        assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
        let new = self.token();
        assert_ne!(new.1, old.1, "the reset gave a new token");
        assert_no_secret(&run.all(), &new.1, "refresh output");
        let netrc_now = netrc::read(&std::fs::read(self.netrc_path()).unwrap(), "127.0.0.1")
            .unwrap()
            .expect("the block is there");
        assert_eq!(netrc_now, new, "refresh wrote the new token into netrc");
        new
    }

    /// Overwrites the netrc block (negative controls).
    fn put_netrc(&self, login: &str, password: &str) {
        let bytes = std::fs::read(self.netrc_path()).unwrap_or_default();
        let edit = netrc::set(Some(&bytes), "127.0.0.1", login, password).unwrap();
        write_private(&self.netrc_path(), &edit.output);
    }

    /// A command for a Python tool with the sandbox's environment.
    fn command(&self, program: &str) -> Command {
        let home = self.sb.home();
        // The one sandboxed runner (an environment built from nothing), plus the Python tools'
        // own switches.
        let mut cmd = self.sb.program(program, &[]);
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

fn require_pip() {
    require_tool("python3");
    let module = Command::new("python3")
        .args(["-m", "pip", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !module {
        require_tool("pip3");
    }
}

/// The requests answered 200 were all served to `name_code` (the index page and the wheel).
fn assert_served_to(s: &Setup, name_code: &str, what: &str) {
    let users = s.pypi_ok_users();
    assert!(
        users.len() >= 2 && users.iter().all(|u| u.as_deref() == Some(name_code)),
        "{what}: the index page and the wheel were served to the nameCode from netrc: {users:?}"
    );
}

#[test]
#[ignore = "needs pip, uv, twine and a Secret Service"]
fn pip_installs_through_the_netrc_login_wrote_and_again_after_refresh() {
    let test = "pip_installs_through_the_netrc_login_wrote_and_again_after_refresh";
    require_pip();
    let s = setup(test);
    let target = s.sb.dir.path().join("site");
    s.login_python();
    let (name_code, pass_code) = s.token();

    s.emu.clear_requests();
    let out = pip_install(&s, &target);
    let text = output_text(&out);
    assert!(
        out.status.success(),
        "pip installs the wheel through the netrc login wrote:\n{text}"
    );
    assert!(
        target.join(format!("{PYPI_MODULE}.py")).is_file(),
        "the wheel's module is installed into the target"
    );
    assert_served_to(&s, &name_code, "pip");
    assert_no_secret(&text, &s.password, "pip output");
    assert_no_secret(&text, &pass_code, "pip output");

    // The server resets the token: pip fails until `refresh` writes the new one.
    let netrc_before = std::fs::read(s.netrc_path()).unwrap();
    let (name2, pass2) = s.reset_and_refresh(&|| {
        let out = pip_install(&s, &target);
        assert!(
            !out.status.success(),
            "pip fails once the token in netrc was reset on the server"
        );
    });
    assert_ne!(
        std::fs::read(s.netrc_path()).unwrap(),
        netrc_before,
        "refresh rewrote netrc"
    );
    let section = pypirc::read(&std::fs::read(s.pypirc_path()).unwrap(), "nexus")
        .unwrap()
        .expect("the section is there");
    assert_eq!(
        (section.username, section.password),
        (Some(name2.clone()), Some(pass2.clone())),
        "refresh wrote the new token into .pypirc too"
    );
    s.emu.clear_requests();
    let out = pip_install(&s, &target);
    assert!(
        out.status.success(),
        "pip works again after refresh:\n{}",
        output_text(&out)
    );
    assert_served_to(&s, &name2, "pip after refresh");

    // Negative controls: a wrong token, then the real password (refused under require tokens).
    s.put_netrc(&name2, "not-the-token");
    let out = pip_install(&s, &target);
    assert!(
        !out.status.success(),
        "pip fails with a wrong token in netrc"
    );
    s.put_netrc(USER, &s.password);
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
#[ignore = "needs pip, uv, twine and a Secret Service"]
fn uv_installs_through_the_netrc_login_wrote_and_again_after_refresh() {
    let test = "uv_installs_through_the_netrc_login_wrote_and_again_after_refresh";
    crate::support::require_tool("uv");
    let s = setup(test);
    let target = s.sb.dir.path().join("uv-site");
    s.login_python();
    let (name_code, pass_code) = s.token();

    s.emu.clear_requests();
    let out = uv_install(&s, &target);
    let text = output_text(&out);
    assert!(
        out.status.success(),
        "uv installs the wheel through the netrc login wrote:\n{text}"
    );
    assert!(
        target.join(format!("{PYPI_MODULE}.py")).is_file(),
        "the wheel's module is installed into the target"
    );
    assert_served_to(&s, &name_code, "uv");
    assert_no_secret(&text, &s.password, "uv output");
    assert_no_secret(&text, &pass_code, "uv output");

    let (name2, _) = s.reset_and_refresh(&|| {
        let out = uv_install(&s, &target);
        assert!(
            !out.status.success(),
            "uv fails once the token in netrc was reset on the server"
        );
    });
    s.emu.clear_requests();
    let out = uv_install(&s, &target);
    assert!(
        out.status.success(),
        "uv works with the token refresh wrote:\n{}",
        output_text(&out)
    );
    assert_served_to(&s, &name2, "uv after refresh");

    s.put_netrc(&name2, "not-the-token");
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

/// `twine upload --repository nexus WHEEL`: twine finds `~/.pypirc` itself.
fn twine_upload(s: &Setup, wheel: &Path) -> std::process::Output {
    s.command("twine")
        .args([
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            "--repository",
            "nexus",
        ])
        .arg(wheel)
        .output()
        .expect("twine runs")
}

#[test]
#[ignore = "needs pip, uv, twine and a Secret Service"]
fn twine_uploads_with_the_pypirc_login_wrote() {
    let test = "twine_uploads_with_the_pypirc_login_wrote";
    crate::support::require_tool("twine");
    let s = setup(test);
    let dist = s.sb.dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let wheel = dist.join(PYPI_WHEEL_NAME);
    std::fs::write(&wheel, PYPI_WHEEL).unwrap();
    let existing = "[distutils]\nindex-servers =\n    pypi\n\n[pypi]\nusername = __token__\npassword = pypi-not-used\n";
    write_private(&s.pypirc_path(), existing.as_bytes());

    s.login_python();
    let (name_code, pass_code) = s.token();
    let written = String::from_utf8(std::fs::read(s.pypirc_path()).unwrap()).unwrap();
    assert!(
        written.starts_with("[distutils]\nindex-servers =\n    pypi\n    nexus\n\n[pypi]\nusername = __token__\npassword = pypi-not-used\n"),
        "the existing sections stay and `nexus` is listed for twine:\n{}",
        written.replace(&pass_code, "<passCode>")
    );
    s.emu.clear_requests();
    let out = twine_upload(&s, &wheel);
    let text = output_text(&out);
    assert!(
        out.status.success(),
        "twine uploads with the .pypirc login wrote:\n{text}"
    );
    let uploads = s.emu.pypi_uploads();
    assert_eq!(uploads.len(), 1, "the hosted repository received one file");
    assert_eq!(
        uploads[0].username, name_code,
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
            && r.username.as_deref() == Some(name_code.as_str())),
        "the request log shows the upload POST by the nameCode"
    );
    assert_no_secret(&text, &s.password, "twine output");
    assert_no_secret(&text, &pass_code, "twine output");

    // Negative controls: a wrong token, then the real password.
    let good = std::fs::read(s.pypirc_path()).unwrap();
    for (user, pass, what) in [
        (name_code.as_str(), "not-the-token", "a wrong token"),
        (USER, s.password.as_str(), "the real password"),
    ] {
        let bad = pypirc::set(Some(&good), "nexus", user, pass, None).unwrap();
        write_private(&s.pypirc_path(), &bad.output);
        let out = twine_upload(&s, &wheel);
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
#[ignore = "needs pip, uv, twine and a Secret Service"]
fn an_existing_netrc_keeps_its_bytes_and_python_and_curl_read_it() {
    let test = "an_existing_netrc_keeps_its_bytes_and_python_and_curl_read_it";
    crate::support::require_tool("python3");
    crate::support::require_tool("curl");
    let s = setup(test);
    // An anonymous request gets the 401 Basic challenge: pip and curl then use netrc.
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

    s.login(&["--netrc"]);
    let (name_code, pass_code) = s.token();
    let text = String::from_utf8(std::fs::read(s.netrc_path()).unwrap()).unwrap();
    let line = format!("machine 127.0.0.1 login {name_code} password {pass_code}\n");
    assert_eq!(
        text,
        OTHER_NETRC.replace("default", &format!("{line}default")),
        "login added one line before `default` (which stays last) and kept every other byte"
    );
    let py = s
        .command("python3")
        .args([
            "-c",
            "import netrc,sys; n=netrc.netrc(sys.argv[1]); a=n.authenticators('127.0.0.1'); \
             g=n.authenticators('github.com'); d=n.authenticators('elsewhere'); \
             print(a[0], g[0], d[0], sorted(n.macros))",
        ])
        .arg(s.netrc_path())
        .output()
        .expect("python3 runs");
    assert_eq!(
        String::from_utf8_lossy(&py.stdout).trim(),
        format!("{name_code} octo anonymous ['init']"),
        "Python's netrc reads our block, the other machine, the default and the macro: {}",
        output_text(&py)
    );
    let fetch = |s: &Setup| {
        let out = s
            .command("curl")
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
            .expect("curl runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(
        fetch(&s),
        "200",
        "curl gets the index with the netrc login wrote"
    );
    s.put_netrc(&name_code, "not-the-token");
    assert_eq!(fetch(&s), "401", "curl is refused with a wrong token");
}

#[test]
#[ignore = "needs pip, uv, twine and a Secret Service"]
fn login_discovers_pip_conf_and_url_credentials_shadow_netrc() {
    let test = "login_discovers_pip_conf_and_url_credentials_shadow_netrc";
    require_pip();
    let s = setup(test);
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

    // pip.conf names the Nexus index: login without target flags writes netrc, and the index
    // discovery found is the one pip uses.
    let conf = format!("[global]\nindex-url = {simple}\n");
    std::fs::write(&conf_path, &conf).unwrap();
    let run = s.login(&[]);
    assert!(
        run.all().contains("pip.conf` has an index under"),
        "login says it found pip's use of the Nexus: {}",
        run.all()
    );
    let out = run_pip(&conf);
    assert!(
        out.status.success(),
        "pip uses the pip.conf index with the netrc login wrote:\n{}",
        output_text(&out)
    );

    // Credentials inside the URL win over netrc: login warns, and pip indeed ignores netrc.
    let url = url::Url::parse(&simple).unwrap();
    let with_creds = format!(
        "http://url-user:wrong@{}:{}{}",
        url.host_str().unwrap(),
        url.port().unwrap(),
        url.path()
    );
    let conf = format!("[global]\nindex-url = {with_creds}\n");
    std::fs::write(&conf_path, &conf).unwrap();
    let run = s.login(&["--netrc"]);
    assert!(
        run.stderr.contains("pip.conf") && run.stderr.contains("global.index-url"),
        "login warns that pip.conf's URL credentials shadow netrc: {}",
        run.stderr
    );
    s.emu.clear_requests();
    let out = run_pip(&conf);
    assert!(
        !out.status.success(),
        "pip sends the URL's credentials, not netrc's, so the wrong ones in the URL fail"
    );
    let users: Vec<Option<String>> = s.emu.requests().into_iter().map(|r| r.username).collect();
    let (name_code, _) = s.token();
    assert!(
        users.iter().any(|u| u.as_deref() == Some("url-user"))
            && !users
                .iter()
                .any(|u| u.as_deref() == Some(name_code.as_str())),
        "pip used the URL's user and never the netrc login: {users:?}"
    );
}

#[test]
#[ignore = "needs pip, uv, twine and a Secret Service"]
fn login_discovers_uv_toml_and_uv_installs_through_netrc() {
    let test = "login_discovers_uv_toml_and_uv_installs_through_netrc";
    crate::support::require_tool("uv");
    let s = setup(test);
    let target = s.sb.dir.path().join("uv-site");
    let simple = s.emu.pypi_simple_url();
    let config = s.sb.home().join(".config/uv/uv.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        format!("[[index]]\nname = \"nexus\"\nurl = \"{simple}\"\ndefault = true\n"),
    )
    .unwrap();
    let run = s.login(&[]);
    assert!(
        run.all().contains("uv.toml"),
        "login says it found uv's use of the Nexus: {}",
        run.all()
    );
    let out = s
        .command("uv")
        .args([
            "pip",
            "install",
            "--no-deps",
            "--no-cache",
            "--python",
            "python3",
            "--target",
        ])
        .arg(&target)
        .arg(PYPI_PROJECT)
        .env_remove("UV_NO_CONFIG")
        .output()
        .expect("uv runs");
    assert!(
        out.status.success(),
        "uv uses its user uv.toml index with the netrc login wrote:\n{}",
        output_text(&out)
    );
    assert!(
        target.join(format!("{PYPI_MODULE}.py")).is_file(),
        "the module is installed"
    );
}

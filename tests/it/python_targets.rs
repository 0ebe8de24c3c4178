//! The netrc and .pypirc target kinds through the seam, in process and without real tools:
//! `login --netrc --pypirc NAME=URL` writes both files, `status` checks them, `refresh` after a
//! server-side reset rewrites them, `--dry-run` writes nothing, `logout --remove-credentials`
//! removes only what holds our token, flags are checked before any request, discovery finds
//! pip's, uv's and twine's use of the Nexus, and URL credentials in pip.conf are reported.
//! The real pip, uv, twine and curl reading these files are in tests/python_real.rs.

use crate::support::in_process::Outcome;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexus_token::emulator::{Emulator, RequestKind};
use nexus_token::env::Env;
use nexus_token::nexus::Family;
use nexus_token::store::MemoryStore;
use nexus_token::targets::netrc::editor as netrc;
use nexus_token::targets::pypirc::editor as pypirc;

const USER: &str = "frank";
const PASSWORD: &str = "frank-Pa55-word";

struct Harness {
    dir: tempfile::TempDir,
    store: Arc<MemoryStore>,
    emu: Emulator,
}

impl Harness {
    fn new() -> Harness {
        let emu =
            crate::support::emulator_util::for_user_with_tokens(Family::Nexus3, USER, PASSWORD);
        Harness {
            dir: tempfile::tempdir().unwrap(),
            store: Arc::new(MemoryStore::new()),
            emu,
        }
    }

    fn home(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str], password: Option<&str>) -> Outcome {
        let env = Env::sandboxed(self.home());
        let out = crate::support::in_process::run(&env, &self.store, args, password);
        assert!(
            !out.stdout.contains(PASSWORD) && !out.stderr.contains(PASSWORD),
            "no output ever holds the password"
        );
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

    fn netrc(&self) -> PathBuf {
        self.home().join(".netrc")
    }

    fn pypirc(&self) -> PathBuf {
        self.home().join(".pypirc")
    }

    fn read(&self, path: &Path) -> Vec<u8> {
        std::fs::read(path).unwrap_or_default()
    }

    fn token(&self) -> (String, String) {
        self.emu.token_of(USER).expect("the user has a token")
    }

    fn netrc_holds(&self) -> Option<(String, String)> {
        netrc::read(&self.read(&self.netrc()), "127.0.0.1").unwrap()
    }

    fn pypirc_holds(&self, section: &str) -> (Option<String>, Option<String>) {
        let s = pypirc::read(&self.read(&self.pypirc()), section)
            .unwrap()
            .expect("the section exists");
        (s.username, s.password)
    }

    fn token_requests(&self) -> usize {
        self.emu
            .requests()
            .iter()
            .filter(|r| matches!(r.kind, RequestKind::Authenticate | RequestKind::Token))
            .count()
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.home().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

const OTHER_NETRC: &str = "# my machines\nmachine github.com login octo password ghp_x\n\nmacdef init\ncd /pub\n\ndefault login anonymous password guest\n";

#[test]
fn login_refresh_status_and_logout_cover_netrc_and_pypirc() {
    let h = Harness::new();
    h.write(".netrc", OTHER_NETRC);
    let hosted = h.emu.pypi_hosted_url();
    let out = h.login(&["--netrc", "--pypirc", &format!("nexus={hosted}")]);
    assert_eq!(
        out.code, 0,
        "login with --netrc and --pypirc succeeds: {}",
        out.stderr
    );
    let (name, pass) = h.token();
    assert_eq!(
        h.netrc_holds(),
        Some((name.clone(), pass.clone())),
        "the netrc block for the emulator's host holds the token"
    );
    let text = String::from_utf8(h.read(&h.netrc())).unwrap();
    assert_eq!(
        text,
        format!(
            "# my machines\nmachine github.com login octo password ghp_x\n\nmacdef init\ncd /pub\n\nmachine 127.0.0.1 login {name} password {pass}\ndefault login anonymous password guest\n"
        ),
        "every other byte of netrc stays and `default` stays last"
    );
    assert_eq!(
        h.pypirc_holds("nexus"),
        (Some(name.clone()), Some(pass.clone())),
        "the .pypirc section holds the token"
    );
    let pypirc_text = String::from_utf8(h.read(&h.pypirc())).unwrap();
    assert!(
        pypirc_text.contains(&format!("repository = {hosted}"))
            && pypirc_text.contains("index-servers"),
        "the section was created with the repository URL and listed for twine:\n{pypirc_text}"
    );

    let status = h.run(&["status", "--json"], None);
    assert_eq!(status.code, 0, "status succeeds: {}", status.stderr);
    for needle in [
        "\"kind\": \"netrc\"",
        "\"name\": \"127.0.0.1\"",
        "\"kind\": \"pypirc\"",
        "\"name\": \"nexus\"",
    ] {
        assert!(
            status.stdout.contains(needle),
            "status lists {needle}: {}",
            status.stdout
        );
    }
    assert!(
        !status.stdout.contains("\"stale\"") && !status.stdout.contains("\"missing\""),
        "both files hold the current token: {}",
        status.stdout
    );

    // A server-side reset: refresh writes the new token into both files.
    h.emu.reset_token(USER);
    let dry = h.run(&["refresh", "--dry-run"], None);
    assert_eq!(dry.code, 0, "a dry-run refresh succeeds: {}", dry.stderr);
    assert_eq!(
        h.netrc_holds(),
        Some((name.clone(), pass.clone())),
        "a dry run writes nothing"
    );
    assert!(
        dry.stderr.contains("would update `")
            && dry.stderr.contains(": 127.0.0.1")
            && dry.stderr.contains(": nexus"),
        "the dry run names the entries it would change: {}",
        dry.stderr
    );
    let out = h.run(&["refresh"], None);
    assert_eq!(out.code, 0, "refresh succeeds: {}", out.stderr);
    let (name2, pass2) = h.token();
    assert_ne!(pass2, pass, "the reset gave a new token");
    assert_eq!(
        h.netrc_holds(),
        Some((name2.clone(), pass2.clone())),
        "refresh updates netrc"
    );
    assert_eq!(
        h.pypirc_holds("nexus"),
        (Some(name2.clone()), Some(pass2.clone())),
        "refresh updates .pypirc"
    );
    let before = (h.read(&h.netrc()), h.read(&h.pypirc()));
    let out = h.run(&["refresh", "--force"], None);
    assert_eq!(out.code, 0, "refresh --force succeeds: {}", out.stderr);
    assert_eq!(
        (h.read(&h.netrc()), h.read(&h.pypirc())),
        before,
        "a second refresh with the same token leaves the bytes as they are"
    );

    // rotate: a new token on the server and in both files.
    let out = h.run(&["rotate"], None);
    assert_eq!(out.code, 0, "rotate succeeds: {}", out.stderr);
    let (name3, pass3) = h.token();
    assert_ne!(pass3, pass2, "rotate reset the token");
    assert_eq!(
        h.netrc_holds(),
        Some((name3.clone(), pass3.clone())),
        "rotate updates netrc"
    );
    assert_eq!(
        h.pypirc_holds("nexus"),
        (Some(name3), Some(pass3)),
        "rotate updates .pypirc"
    );

    let out = h.run(&["logout", "--remove-credentials"], None);
    assert_eq!(out.code, 0, "logout succeeds: {}", out.stderr);
    assert_eq!(
        String::from_utf8(h.read(&h.netrc())).unwrap(),
        OTHER_NETRC,
        "logout removes our netrc block and nothing else"
    );
    let left = pypirc::read(&h.read(&h.pypirc()), "nexus")
        .unwrap()
        .unwrap();
    assert!(
        left.username.is_none() && left.password.is_none() && left.repository.is_some(),
        "logout removes the section's credentials and keeps its repository: {left:?}"
    );
}

#[test]
fn logout_leaves_a_netrc_block_that_does_not_hold_our_token() {
    let h = Harness::new();
    let out = h.login(&["--netrc"]);
    assert_eq!(out.code, 0, "login succeeds: {}", out.stderr);
    // The user put their own credentials back for the host.
    let own = netrc::set(Some(&h.read(&h.netrc())), "127.0.0.1", "me", "mine").unwrap();
    std::fs::write(h.netrc(), &own.output).unwrap();
    let out = h.run(&["logout", "--remove-credentials"], None);
    assert_eq!(out.code, 0, "logout succeeds: {}", out.stderr);
    assert_eq!(
        h.netrc_holds(),
        Some(("me".into(), "mine".into())),
        "a block with someone else's credentials stays"
    );
    assert!(
        out.stderr.contains("left the `machine 127.0.0.1` block"),
        "logout says why it left the block: {}",
        out.stderr
    );
}

#[test]
fn a_pypirc_section_without_url_must_exist_before_any_request() {
    let h = Harness::new();
    h.write(".pypirc", "[pypi]\nusername = __token__\n");
    let out = h.login(&["--pypirc", "nexus"]);
    assert_eq!(
        out.code, 2,
        "a missing section without URL is a usage error: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("[nexus]") && out.stderr.contains("--pypirc nexus=URL"),
        "the hint names `--pypirc NAME=URL`: {}",
        out.stderr
    );
    assert_eq!(h.token_requests(), 0, "nothing was sent to Nexus");

    let out = h.login(&[
        "--pypirc",
        "other=https://pypi.example.org/legacy/",
        "--dry-run",
    ]);
    assert_eq!(
        out.code, 0,
        "a repository elsewhere is allowed: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("is not under"),
        "login warns that the token works only on this Nexus: {}",
        out.stderr
    );
    h.emu.clear_requests();
    let out = h.login(&["--pypirc", "nexus=ftp://host/x"]);
    assert_eq!(
        out.code, 2,
        "a repository URL that is not http(s) is refused: {}",
        out.stderr
    );
    let out = h.login(&["--pypirc", "bad name"]);
    assert_eq!(
        out.code, 2,
        "a section name with a space is refused: {}",
        out.stderr
    );
    assert_eq!(h.token_requests(), 0, "still nothing was sent to Nexus");

    // An existing section needs no URL.
    h.write(".pypirc", "[nexus]\nrepository = http://127.0.0.1:1/x/\n");
    let out = h.login(&["--pypirc", "nexus"]);
    assert_eq!(out.code, 0, "an existing section is enough: {}", out.stderr);
    let (name, pass) = h.token();
    assert_eq!(h.pypirc_holds("nexus"), (Some(name), Some(pass)));
}

#[test]
fn a_malformed_netrc_stops_login_before_the_password_is_sent() {
    let h = Harness::new();
    h.write(".netrc", "machine a login x password y\nmachine\n");
    let out = h.login(&["--netrc"]);
    assert_eq!(
        out.code, 5,
        "a netrc that cannot be parsed is a file error: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains(".netrc") && out.stderr.contains("line 2"),
        "the error names the file and the line: {}",
        out.stderr
    );
    assert_eq!(h.token_requests(), 0, "the password was not sent");
}

#[test]
fn discovery_finds_pip_uv_netrc_and_pypirc_use_of_the_nexus() {
    let base = |h: &Harness| h.emu.base_url();
    // pip.conf with an index under the Nexus URL: netrc.
    let h = Harness::new();
    h.write(
        ".config/pip/pip.conf",
        &format!("[global]\nindex-url = {}\n", h.emu.pypi_simple_url()),
    );
    let out = h.login(&[]);
    assert_eq!(out.code, 0, "login discovers pip's index: {}", out.stderr);
    assert!(
        h.netrc_holds().is_some(),
        "netrc was written for pip: {}",
        out.stderr
    );

    // uv.toml with an `[[index]]` under the Nexus URL: netrc.
    let h = Harness::new();
    h.write(
        ".config/uv/uv.toml",
        &format!(
            "[[index]]\nname = \"n\"\nurl = \"{}\"\n",
            h.emu.pypi_simple_url()
        ),
    );
    let out = h.login(&[]);
    assert_eq!(out.code, 0, "login discovers uv's index: {}", out.stderr);
    assert!(h.netrc_holds().is_some(), "netrc was written for uv");

    // An existing block for the host, and a .pypirc section under the Nexus URL.
    let h = Harness::new();
    h.write(".netrc", "machine 127.0.0.1 login old password old\n");
    h.write(
        ".pypirc",
        &format!(
            "[distutils]\nindex-servers = pypi nexus\n\n[pypi]\nusername = __token__\n\n[nexus]\nrepository = {}\n",
            h.emu.pypi_hosted_url()
        ),
    );
    let out = h.login(&[]);
    assert_eq!(
        out.code, 0,
        "login discovers netrc and .pypirc: {}",
        out.stderr
    );
    let (name, pass) = h.token();
    assert_eq!(h.netrc_holds(), Some((name.clone(), pass.clone())));
    assert_eq!(h.pypirc_holds("nexus"), (Some(name), Some(pass)));
    let pypi = pypirc::read(&h.read(&h.pypirc()), "pypi").unwrap().unwrap();
    assert_eq!(
        pypi.password, None,
        "a section for another server is left alone"
    );
    let config = std::fs::read_to_string(h.home().join(".config/nexus-token/config.toml")).unwrap();
    assert!(
        config.contains("enabled = true") && config.contains("name = \"nexus\""),
        "the discovered targets are saved in the profile:\n{config}"
    );

    // Nothing points at the Nexus: a usage error naming the flags, before any request.
    let h = Harness::new();
    h.write(".netrc", "machine example.org login a password b\n");
    let out = h.login(&[]);
    assert_eq!(
        out.code, 2,
        "nothing discovered is a usage error: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("--netrc"),
        "the hint names --netrc: {}",
        out.stderr
    );
    assert_eq!(
        h.token_requests(),
        0,
        "nothing was sent to Nexus at {}",
        base(&h)
    );
}

#[test]
fn url_credentials_in_pip_conf_are_reported_by_login_and_doctor() {
    let h = Harness::new();
    let conf = h.write(
        ".config/pip/pip.conf",
        "[global]\nindex-url = https://someone:secret-in-url@pypi.example.com/simple/\n",
    );
    let out = h.login(&["--netrc"]);
    assert_eq!(out.code, 0, "login succeeds: {}", out.stderr);
    assert!(
        out.stderr.contains(&conf.display().to_string()) && out.stderr.contains("global.index-url"),
        "login warns, naming the pip.conf and the key: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("secret-in-url"),
        "the URL's password is never printed: {}",
        out.stderr
    );
    let doctor = h.run(&["doctor"], None);
    let all = format!("{}{}", doctor.stdout, doctor.stderr);
    assert!(
        all.lines().any(|l| l.starts_with("warn")
            && l.contains(&conf.display().to_string())
            && l.contains("global.index-url")),
        "doctor warns about the URL credentials: {all}"
    );
    assert!(
        !all.contains("secret-in-url"),
        "doctor never prints the URL's password: {all}"
    );
}

#[test]
fn login_dry_run_writes_nothing_and_netrc_file_names_another_file() {
    let h = Harness::new();
    let hosted = format!("nexus={}", h.emu.pypi_hosted_url());
    let out = h.login(&["--netrc", "--pypirc", &hosted, "--dry-run"]);
    assert_eq!(out.code, 0, "a dry-run login succeeds: {}", out.stderr);
    assert!(
        !h.netrc().exists() && !h.pypirc().exists(),
        "a dry run creates neither file"
    );
    assert!(
        out.stderr.contains("would create") && out.stderr.contains("127.0.0.1"),
        "the dry run names what would change: {}",
        out.stderr
    );

    let other = h.home().join("cfg/netrc");
    let out = h.login(&["--netrc-file", other.to_str().unwrap()]);
    assert_eq!(
        out.code, 0,
        "login with --netrc-file succeeds: {}",
        out.stderr
    );
    assert!(!h.netrc().exists(), "~/.netrc is left alone");
    let held = netrc::read(&h.read(&other), "127.0.0.1").unwrap();
    assert_eq!(
        held,
        Some(h.token()),
        "--netrc-file implies --netrc and names the file"
    );
    let out = h.run(&["refresh", "--force"], None);
    assert_eq!(out.code, 0, "refresh succeeds: {}", out.stderr);
    assert!(
        !h.netrc().exists(),
        "refresh writes the saved file, not ~/.netrc"
    );
}

#[test]
fn a_malformed_netrc_or_pypirc_only_warns_during_discovery() {
    // Nothing else points at the Nexus: a warning, then the usual "nothing found" (exit 2).
    let h = Harness::new();
    h.write(".netrc", "machine\n");
    h.write(".pypirc", "no section here\n");
    let out = h.login(&[]);
    assert_eq!(
        out.code, 2,
        "nothing discovered is a usage error: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("netrc not searched")
            && out.stderr.contains(".pypirc sections not discovered"),
        "login says which files it could not search: {}",
        out.stderr
    );
    // pip.conf points at the Nexus: netrc is a target, and the malformed file stops login with
    // exit 5 naming the line, before the password is sent.
    h.write(
        ".config/pip/pip.conf",
        &format!("[global]\nindex-url = {}\n", h.emu.pypi_simple_url()),
    );
    std::fs::remove_file(h.pypirc()).unwrap();
    let out = h.login(&[]);
    assert_eq!(
        out.code, 5,
        "the netrc to be written cannot be parsed: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("line 1"),
        "the error names the line: {}",
        out.stderr
    );
    assert_eq!(h.token_requests(), 0, "nothing was sent to Nexus");
}

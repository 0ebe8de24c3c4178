//! The user `.npmrc` written by `nexus-token login --npm-registry ...`, proven with the real npm,
//! pnpm and Yarn 1 against the emulator's npm repositories ("require user tokens" on, so the real
//! password would be refused): install from the group, publish to the hosted repository, a wrong
//! token fails with E401, `refresh` after a server-side reset makes installs work again, and a
//! stale `_authToken` at the same key (which would have won over `_auth`) is gone after login with
//! every other byte kept. Every run has its own HOME, user npmrc, caches and stores, a cleared
//! environment (no `npm_config_*` of the developer), the real Secret Service of
//! scripts/with-keyring, and talks only to 127.0.0.1.
//!
//! A missing tool or keyring fails under CI (scripts/install-deps installs them). Tests that need
//! no tool: the emulator's npm repositories over raw HTTP (challenge, token rules, publish).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Run, Sandbox, assert_no_secret, unique_password};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use nexus_token::emulator::{Emulator, RequestRecord};
use nexus_token::nexus::Family;
use nexus_token::targets::npm::editor::{registry_key, set_auth};

const USER: &str = "erin";

/// One emulator, one sandbox, and the user's token.
struct Setup {
    sb: Sandbox,
    emu: Emulator,
    password: String,
    name_code: String,
    pass_code: String,
}

fn emulator(family: Family, password: &str) -> Emulator {
    crate::support::emulator_util::for_user_with_tokens(family, USER, password)
}

/// The token fetched with `token --password-stdin` (no keyring, nothing saved): for the tests of
/// the emulator and of the editor alone.
fn setup_family(family: Family) -> Setup {
    let password = unique_password();
    let emu = emulator(family, &password);
    let sb = Sandbox::new();
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
    assert_eq!(run.code, 0, "`token` fetches the user token: {}", run.all());
    assert_no_secret(&run.all(), &password, "token output");
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
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

fn setup() -> Setup {
    setup_family(Family::Nexus3)
}

/// A sandbox whose user npmrc starts as `before` (`None`: no file), then
/// `nexus-token login --npm-registry <group>/ --npm-registry <hosted>/ EXTRA...` with the real
/// keyring. A missing tool or keyring fails the test.
fn login_setup(test: &str, tools: &[&str], before: Option<&str>, extra: &[&str]) -> Setup {
    let mut s = prepare(test, tools);
    if let Some(text) = before {
        std::fs::write(s.npmrc(), text).unwrap();
    }
    let run = s.login(extra);
    assert_eq!(run.code, 0, "login --npm-registry succeeds: {}", run.all());
    s
}

/// An emulator and a sandbox without a login yet (a missing tool or keyring fails the test).
fn prepare(_test: &str, tools: &[&str]) -> Setup {
    crate::support::require_secret_service();
    for tool in tools {
        crate::support::require_tool(tool);
    }
    let password = unique_password();
    Setup {
        sb: Sandbox::with_keyring(),
        emu: emulator(Family::Nexus3, &password),
        password,
        name_code: String::new(),
        pass_code: String::new(),
    }
}

impl Setup {
    fn npmrc(&self) -> PathBuf {
        self.sb.npmrc()
    }

    fn npmrc_text(&self) -> String {
        std::fs::read_to_string(self.npmrc()).unwrap()
    }

    fn auth(&self, pass: &str) -> String {
        B64.encode(format!("{}:{pass}", self.name_code))
    }

    /// `login` with both npm registries, the password on stdin, the real keyring; afterwards
    /// `name_code`/`pass_code` hold the token the server now has.
    fn login(&mut self, extra: &[&str]) -> Run {
        let group = self.emu.npm_group_url();
        let hosted = self.emu.npm_hosted_url();
        let mut args = vec!["--npm-registry", &group, "--npm-registry", &hosted];
        args.extend_from_slice(extra);
        let run = self
            .sb
            .login(&self.emu.base_url(), USER, &self.password, &args);
        self.sync_token();
        self.assert_quiet(&run, "login");
        run
    }

    /// Runs `nexus-token ARGS` (no stdin: the password comes from the keyring).
    fn nexus_token(&mut self, args: &[&str]) -> Run {
        let run = self.sb.run(args, None);
        self.sync_token();
        self.assert_quiet(&run, args[0]);
        run
    }

    fn sync_token(&mut self) {
        if let Some((n, p)) = self.emu.token_of(USER) {
            self.name_code = n;
            self.pass_code = p;
        }
    }

    fn assert_quiet(&self, run: &Run, what: &str) {
        assert_no_secret(&run.all(), &self.password, &format!("{what} output"));
        if !self.pass_code.is_empty() {
            assert_no_secret(&run.all(), &self.pass_code, &format!("{what} output"));
        }
    }

    /// The file as login wrote it, with the `_auth` of `pass` instead of the real passCode: a
    /// negative control that differs from the proven file only in the credential.
    fn tamper(&self, pass: &str) {
        let text = self.npmrc_text();
        let right = self.auth(&self.pass_code);
        assert!(text.contains(&right), "the file holds the token:\n{text}");
        std::fs::write(self.npmrc(), text.replace(&right, &self.auth(pass))).unwrap();
    }

    /// Writes the user npmrc with the editor alone: `before` edited for `registries`.
    fn write_npmrc(&self, before: &str, registries: &[&str], pass: &str) -> String {
        let keys: Vec<String> = registries
            .iter()
            .map(|r| registry_key(r).unwrap())
            .collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let edit = set_auth(Some(before.as_bytes()), &keys, &self.auth(pass)).unwrap();
        let text = String::from_utf8(edit.output).unwrap();
        std::fs::write(self.npmrc(), &text).unwrap();
        text
    }

    /// A consumer project (a fresh folder each call).
    fn project(&self, name: &str) -> PathBuf {
        let dir = self.sb.dir.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("package.json"),
            format!("{{\"name\":\"{name}\",\"version\":\"1.0.0\",\"private\":true}}\n"),
        )
        .unwrap();
        dir
    }

    /// Runs a client in `cwd` with a cleared environment: only PATH from outside; HOME, the user
    /// npmrc, caches and stores inside the sandbox. Returns success and the output.
    fn client(&self, program: &str, args: &[&str], cwd: &Path, tag: &str) -> (bool, String) {
        self.client_on(None, program, args, cwd, tag)
    }

    /// [`Setup::client`] with `bin` first on the PATH (one pinned pnpm version).
    fn client_on(
        &self,
        bin: Option<&Path>,
        program: &str,
        args: &[&str],
        cwd: &Path,
        tag: &str,
    ) -> (bool, String) {
        let root = self.sb.dir.path();
        // The one sandboxed runner (an environment built from nothing), plus npm's own switches.
        let mut cmd = self.sb.program(program, &[]);
        if let Some(bin) = bin {
            cmd.env("PATH", crate::support::path_with(bin));
        }
        if program == "pnpm" {
            cmd.arg("--store-dir")
                .arg(root.join(format!("pnpm-store-{tag}")));
        }
        cmd.args(args)
            .current_dir(cwd)
            .env("HOME", self.sb.home())
            .env("NPM_CONFIG_USERCONFIG", self.npmrc())
            .env("npm_config_cache", root.join(format!("npm-cache-{tag}")))
            .env("npm_config_update_notifier", "false")
            .env("npm_config_audit", "false")
            .env("npm_config_fund", "false")
            .env("YARN_CACHE_FOLDER", root.join(format!("yarn-cache-{tag}")))
            .env("XDG_CONFIG_HOME", self.sb.home().join(".config"))
            .env("XDG_DATA_HOME", self.sb.home().join(".local/share"))
            .env("XDG_CACHE_HOME", self.sb.home().join(".cache"))
            .env("XDG_STATE_HOME", self.sb.home().join(".local/state"))
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            // pnpm ignores, and Yarn 1 refuses, a user npmrc with an unset `${VAR}`.
            .env("GITHUB_TOKEN", "unused-in-these-tests")
            .env("CI", "true")
            .env("NO_COLOR", "1");
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("{program} runs: {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    /// `npm install nexus-demo-pkg` from the group in a fresh project (fresh cache).
    fn npm_install(&self, tag: &str) -> (bool, String, PathBuf) {
        let group = self.emu.npm_group_url();
        let project = self.project(tag);
        self.emu.clear_requests();
        let (ok, log) = self.client(
            "npm",
            &["install", "nexus-demo-pkg", "--registry", &group],
            &project,
            tag,
        );
        (ok, log, project)
    }

    fn requests_for(&self, suffix: &str) -> Vec<RequestRecord> {
        self.emu
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with(suffix))
            .collect()
    }

    /// The tarball of nexus-demo-pkg was served, every time to the nameCode.
    fn assert_tarball_served_to_token(&self, who: &str, log: &str) {
        let hits: Vec<_> = self
            .requests_for("nexus-demo-pkg-1.0.0.tgz")
            .into_iter()
            .filter(|r| r.status == 200)
            .collect();
        assert!(
            !hits.is_empty(),
            "{who} downloaded the tarball from the emulator (no cache hid the request): {:?}\n{log}",
            self.emu.requests()
        );
        assert!(
            hits.iter()
                .all(|r| r.username.as_deref() == Some(self.name_code.as_str())),
            "{who} authenticated the tarball request with the nameCode: {hits:?}"
        );
    }

    fn assert_installed(&self, project: &Path, who: &str, log: &str) {
        let index = project.join("node_modules/nexus-demo-pkg/index.js");
        let text = std::fs::read_to_string(&index).unwrap_or_default();
        assert!(
            text.contains("hello from nexus-demo-pkg"),
            "{who} installed nexus-demo-pkg into node_modules:\n{log}"
        );
        assert_no_secret(log, &self.password, &format!("{who} output"));
        assert_no_secret(log, &self.pass_code, &format!("{who} output"));
    }
}

/// A user npmrc as people have them: comments of both kinds, CRLF, another registry's token in
/// an environment variable; `stale` lines at the Nexus key follow.
fn realistic_npmrc(stale: &[String]) -> String {
    let mut lines: Vec<String> = [
        "; company npm settings",
        "# managed partly by hand",
        "fund=false",
        "//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}",
    ]
    .iter()
    .map(|l| (*l).to_owned())
    .collect();
    lines.extend(stale.iter().cloned());
    lines.push(String::new());
    lines.join("\r\n")
}

/// The keys of the emulator's group and hosted repositories.
fn keys(emu: &Emulator) -> (String, String) {
    (
        registry_key(&emu.npm_group_url()).unwrap(),
        registry_key(&emu.npm_hosted_url()).unwrap(),
    )
}

#[test]
#[ignore = "needs npm, pnpm, yarn and a Secret Service"]
fn npm_installs_from_the_group_and_publishes_to_the_hosted_repository() {
    const TEST: &str = "npm_installs_from_the_group_and_publishes";
    let mut s = prepare(TEST, &["npm"]);
    let (gkey, hkey) = keys(&s.emu);
    let before = realistic_npmrc(&[
        format!("{gkey}:username=old-user"),
        format!("{gkey}:_password=b2xkLXBhc3N3b3Jk"),
    ]);
    std::fs::write(s.npmrc(), &before).unwrap();
    let run = s.login(&[]);
    assert_eq!(run.code, 0, "login succeeds: {}", run.all());
    let auth = s.auth(&s.pass_code);
    assert_eq!(
        s.npmrc_text(),
        format!(
            "{}{gkey}:_auth={auth}\r\n{hkey}:_auth={auth}\r\n",
            realistic_npmrc(&[])
        ),
        "login removed username/_password at the Nexus key, appended `_auth` for both registries with CRLF, and kept every other byte"
    );

    // (a) install from the group.
    let (ok, log, project) = s.npm_install("install");
    assert!(ok, "npm install succeeds with the written _auth:\n{log}");
    s.assert_installed(&project, "npm", &log);
    s.assert_tarball_served_to_token("npm", &log);

    // `npm ci` from the lockfile, with a fresh cache: the tarball is fetched again, authenticated.
    let group = s.emu.npm_group_url();
    std::fs::remove_dir_all(project.join("node_modules")).unwrap();
    s.emu.clear_requests();
    let (ok, log) = s.client("npm", &["ci", "--registry", &group], &project, "ci");
    assert!(ok, "npm ci succeeds with the written _auth:\n{log}");
    s.assert_installed(&project, "npm ci", &log);
    s.assert_tarball_served_to_token("npm ci", &log);

    // (b) publish a scoped package to the hosted repository.
    publish_scoped(&s);
    assert_eq!(
        s.emu.npm_published_versions("@nexus-demo/published"),
        vec!["0.1.0".to_owned()],
        "the hosted repository holds the published version"
    );
    let puts: Vec<_> = s
        .emu
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert!(
        !puts.is_empty()
            && puts
                .iter()
                .all(|r| r.username.as_deref() == Some(s.name_code.as_str()) && r.status == 201),
        "the publish was authenticated with the nameCode: {puts:?}"
    );

    // The published scoped package installs through the group (`@scope%2fname` URLs).
    let consumer = s.project("scoped-consumer");
    let (ok, log) = s.client(
        "npm",
        &["install", "@nexus-demo/published", "--registry", &group],
        &consumer,
        "scoped",
    );
    assert!(ok, "npm installs the published scoped package:\n{log}");
    assert!(
        consumer
            .join("node_modules/@nexus-demo/published/index.js")
            .is_file(),
        "the scoped package is in node_modules:\n{log}"
    );
    let status = s.nexus_token(&["status", "--json"]);
    assert_eq!(
        status.stdout.matches("\"state\": \"current\"").count(),
        2,
        "status reports both registries current: {}",
        status.stdout
    );
}

#[test]
#[ignore = "needs npm, pnpm, yarn and a Secret Service"]
fn npm_fails_with_e401_when_the_token_is_wrong() {
    let s = login_setup(
        "npm_fails_with_e401_when_the_token_is_wrong",
        &["npm"],
        None,
        &[],
    );
    s.tamper("not-the-pass-code");
    let (ok, log, project) = s.npm_install("wrong");
    assert!(!ok, "npm install fails with a wrong token:\n{log}");
    assert!(log.contains("E401"), "npm reports E401:\n{log}");
    assert!(
        !project.join("node_modules/nexus-demo-pkg").exists(),
        "nothing was installed"
    );

    // The real password is refused too ("require user tokens").
    let text = std::fs::read_to_string(s.npmrc()).unwrap();
    let with_password = text.replace(
        &s.auth("not-the-pass-code"),
        &B64.encode(format!("{USER}:{}", s.password)),
    );
    std::fs::write(s.npmrc(), with_password).unwrap();
    let (ok, log, _) = s.npm_install("password");
    assert!(
        !ok,
        "the real password is refused under require-user-tokens:\n{log}"
    );
    assert!(log.contains("E401"), "npm reports E401:\n{log}");
}

#[test]
#[ignore = "needs npm, pnpm, yarn and a Secret Service"]
fn refresh_after_a_server_side_reset_makes_npm_work_again() {
    let mut s = login_setup("refresh_after_a_server_side_reset", &["npm"], None, &[]);
    let (ok, log, _) = s.npm_install("before-reset");
    assert!(ok, "npm install succeeds after login:\n{log}");

    s.emu.reset_token(USER);
    let old_auth = s.auth(&s.pass_code);
    let (ok, log, _) = s.npm_install("after-reset");
    assert!(
        !ok && log.contains("E401"),
        "after a server-side reset the written token is refused:\n{log}"
    );
    let status = s.nexus_token(&["status", "--json"]);
    assert!(
        status.stdout.contains("\"kind\": \"npm\""),
        "status lists the npm registries: {}",
        status.stdout
    );

    let run = s.nexus_token(&["refresh"]);
    assert_eq!(
        run.code,
        0,
        "refresh succeeds from the keyring: {}",
        run.all()
    );
    let text = s.npmrc_text();
    assert!(
        !text.contains(&old_auth) && text.contains(&s.auth(&s.pass_code)),
        "refresh wrote the new token into the npmrc:\n{text}"
    );
    let (ok, log, project) = s.npm_install("after-refresh");
    assert!(ok, "npm install works again after refresh:\n{log}");
    s.assert_installed(&project, "npm", &log);
    s.assert_tarball_served_to_token("npm", &log);
}

#[test]
#[ignore = "needs npm, pnpm, yarn and a Secret Service"]
fn a_stale_auth_token_at_the_same_key_would_have_won_and_is_removed() {
    const TEST: &str = "a_stale_auth_token_at_the_same_key";
    let mut s = prepare(TEST, &["npm"]);
    let (gkey, hkey) = keys(&s.emu);
    let stale = format!("{gkey}:_authToken=stale-bearer-token");
    let before = format!("fund=false\n{stale}\n; end\n");
    std::fs::write(s.npmrc(), &before).unwrap();
    let run = s.login(&[]);
    assert_eq!(run.code, 0, "login succeeds: {}", run.all());
    let auth = s.auth(&s.pass_code);
    assert_eq!(
        s.npmrc_text(),
        format!("fund=false\n; end\n{gkey}:_auth={auth}\n{hkey}:_auth={auth}\n"),
        "the stale _authToken line is gone and every other byte of the input is kept"
    );
    let (ok, log, project) = s.npm_install("edited");
    assert!(ok, "with login's output npm install succeeds:\n{log}");
    s.assert_installed(&project, "npm", &log);
    s.assert_tarball_served_to_token("npm", &log);

    // The control: the same `_auth` with the stale `_authToken` left beside it (what a naive
    // editor would write) fails, since npm sends the `_authToken` instead.
    let naive = format!("{before}{gkey}:_auth={auth}\n");
    std::fs::write(s.npmrc(), &naive).unwrap();
    let (ok, log, _) = s.npm_install("naive");
    assert!(
        !ok && log.contains("E401"),
        "with the stale _authToken left in, npm sends it instead of _auth and fails:\n{log}"
    );
}

#[test]
#[ignore = "needs npm, pnpm, yarn and a Secret Service"]
fn pnpm_installs_from_the_group_with_the_written_npmrc() {
    let s = login_setup(
        "pnpm_installs_from_the_group_with_the_written_npmrc",
        &["pnpm"],
        Some(&realistic_npmrc(&[])),
        &[],
    );
    let group = s.emu.npm_group_url();
    let written = s.npmrc_text();
    // Each pinned pnpm: 10, and the current major (12) that users run.
    for (version, bin) in crate::support::pnpm_versions() {
        std::fs::write(s.npmrc(), &written).unwrap();
        let project = s.project(&format!("consumer-{version}"));
        s.emu.clear_requests();
        let (ok, log) = s.client_on(
            Some(&bin),
            "pnpm",
            &["add", "nexus-demo-pkg", "--registry", &group],
            &project,
            &format!("pnpm-{version}"),
        );
        assert!(
            ok,
            "pnpm {version} add succeeds with the written _auth:\n{log}"
        );
        s.assert_installed(&project, "pnpm", &log);
        s.assert_tarball_served_to_token("pnpm", &log);

        // Negative control: a wrong token fails.
        s.tamper("not-the-pass-code");
        let project = s.project(&format!("wrong-{version}"));
        let (ok, log) = s.client_on(
            Some(&bin),
            "pnpm",
            &["add", "nexus-demo-pkg", "--registry", &group],
            &project,
            &format!("pnpm-wrong-{version}"),
        );
        assert!(!ok, "pnpm {version} fails with a wrong token:\n{log}");
        assert!(log.contains("401"), "pnpm {version} reports 401:\n{log}");
    }
}

/// Publishes `@nexus-demo/published` 0.1.0 to the hosted repository with npm.
fn publish_scoped(s: &Setup) {
    let hosted = s.emu.npm_hosted_url();
    let package = s.sb.dir.path().join("published");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::write(
        package.join("package.json"),
        "{\"name\":\"@nexus-demo/published\",\"version\":\"0.1.0\",\"main\":\"index.js\"}\n",
    )
    .unwrap();
    std::fs::write(package.join("index.js"), "module.exports = 42;\n").unwrap();
    let (ok, log) = s.client(
        "npm",
        &["publish", "--registry", &hosted],
        &package,
        "publish",
    );
    assert!(ok, "npm publish to the hosted repository succeeds:\n{log}");
}

fn yarn_add(s: &Setup, package: &str, project: &Path, tag: &str) -> (bool, String) {
    let group = s.emu.npm_group_url();
    s.client(
        "yarn",
        &[
            "add",
            package,
            "--registry",
            &group,
            "--non-interactive",
            "--no-progress",
        ],
        project,
        tag,
    )
}

#[test]
#[ignore = "needs npm, pnpm, yarn and a Secret Service"]
fn yarn1_sends_the_written_auth_for_scoped_packages_and_with_npm_always_auth() {
    let mut s = login_setup(
        "yarn1_sends_the_written_auth",
        &["yarn", "npm"],
        Some(&realistic_npmrc(&[])),
        &[],
    );
    publish_scoped(&s);

    // Yarn 1 sends credentials for a scoped package without further settings.
    let project = s.project("scoped");
    s.emu.clear_requests();
    let (ok, log) = yarn_add(&s, "@nexus-demo/published", &project, "scoped");
    assert!(
        ok,
        "yarn add of a scoped package succeeds with the written _auth:\n{log}"
    );
    assert!(
        project
            .join("node_modules/@nexus-demo/published/index.js")
            .is_file(),
        "the scoped package is installed:\n{log}"
    );
    let tarballs: Vec<_> = s.requests_for("published-0.1.0.tgz");
    assert!(
        !tarballs.is_empty()
            && tarballs
                .iter()
                .all(|r| r.status == 200 && r.username.as_deref() == Some(s.name_code.as_str())),
        "yarn fetched the scoped tarball with the nameCode: {tarballs:?}"
    );

    // The Yarn 1 quirk: for an unscoped package it sends no credentials at all...
    let project = s.project("unscoped-plain");
    s.emu.clear_requests();
    let (ok, log) = yarn_add(&s, "nexus-demo-pkg", &project, "plain");
    assert!(
        !ok,
        "without always-auth Yarn 1 sends no credentials for unscoped packages:\n{log}"
    );
    assert!(
        s.emu
            .requests()
            .iter()
            .all(|r| r.username.is_none() && r.status == 401),
        "every request went without credentials and got 401: {:?}",
        s.emu.requests()
    );

    // ...unless login writes `always-auth` at the registry key (`--npm-always-auth`).
    let run = s.login(&["--npm-always-auth"]);
    assert_eq!(
        run.code,
        0,
        "login --npm-always-auth succeeds: {}",
        run.all()
    );
    let (gkey, _) = keys(&s.emu);
    assert!(
        s.npmrc_text()
            .contains(&format!("{gkey}:always-auth=true\r\n")),
        "--npm-always-auth wrote always-auth at the key, with the file's CRLF:\n{}",
        s.npmrc_text()
    );
    let project = s.project("unscoped-always-auth");
    s.emu.clear_requests();
    let (ok, log) = yarn_add(&s, "nexus-demo-pkg", &project, "always");
    assert!(ok, "with always-auth at the key yarn add succeeds:\n{log}");
    s.assert_installed(&project, "yarn", &log);
    s.assert_tarball_served_to_token("yarn", &log);

    // Negative control: a wrong token fails.
    s.tamper("not-the-pass-code");
    let project = s.project("wrong");
    s.emu.clear_requests();
    let (ok, log) = yarn_add(&s, "nexus-demo-pkg", &project, "wrong");
    assert!(!ok, "yarn fails with a wrong token:\n{log}");
    assert!(
        s.emu
            .requests()
            .iter()
            .any(|r| r.status == 401 && r.username.as_deref() == Some(s.name_code.as_str())),
        "the emulator refused the wrong token with 401"
    );
}

/// One HTTP/1.1 exchange over a fresh connection: status, header block, body.
fn http(
    emu: &Emulator,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(emu.addr()).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        emu.addr(),
        body.len()
    );
    if let Some((u, p)) = auth {
        head.push_str(&format!(
            "Authorization: Basic {}\r\n",
            B64.encode(format!("{u}:{p}"))
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = headers[9..12].parse().unwrap();
    (status, headers, raw[split + 4..].to_vec())
}

#[test]
fn emulator_npm_repositories_follow_the_token_rules() {
    for family in [Family::Nexus3, Family::Nexus2] {
        emulator_npm_repositories_follow_the_token_rules_on(family);
    }
}

fn emulator_npm_repositories_follow_the_token_rules_on(family: Family) {
    let s = setup_family(family);
    let origin = s.emu.origin_url();
    let group_path = s.emu.npm_group_url()[origin.len()..].to_owned();
    let hosted_path = s.emu.npm_hosted_url()[origin.len()..].to_owned();
    let packument = format!("{group_path}nexus-demo-pkg");
    let token = Some((s.name_code.as_str(), s.pass_code.as_str()));

    let (status, headers, _) = http(&s.emu, "GET", &packument, None, b"");
    assert_eq!(status, 401, "anonymous requests get 401");
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("www-authenticate: basic"),
        "the 401 carries a Basic challenge: {headers}"
    );
    let (status, _, _) = http(&s.emu, "GET", &packument, Some((USER, &s.password)), b"");
    assert_eq!(
        status, 401,
        "the real password is refused under require-user-tokens"
    );
    let (status, _, body) = http(&s.emu, "GET", &packument, token, b"");
    assert_eq!(status, 200, "the token reads the packument");
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let tarball = doc["versions"]["1.0.0"]["dist"]["tarball"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        tarball,
        format!(
            "{}nexus-demo-pkg/-/nexus-demo-pkg-1.0.0.tgz",
            s.emu.npm_group_url()
        ),
        "the tarball URL points back at the group"
    );
    let (status, _, tgz) = http(&s.emu, "GET", &tarball[origin.len()..], token, b"");
    assert_eq!(status, 200, "the token reads the tarball");
    assert_eq!(&tgz[..2], &[0x1f, 0x8b], "the tarball is gzip data");

    let publish = serde_json::json!({
        "name": "@acme/tiny",
        "versions": {"1.0.0": {"name": "@acme/tiny", "version": "1.0.0",
            "dist": {"tarball": "http://elsewhere/@acme/tiny/-/@acme/tiny-1.0.0.tgz"}}},
        "dist-tags": {"latest": "1.0.0"},
        "_attachments": {"@acme/tiny-1.0.0.tgz": {"data": B64.encode(b"bytes"), "length": 5}}
    })
    .to_string();
    let put_path = format!("{hosted_path}@acme%2ftiny");
    let (status, _, _) = http(&s.emu, "PUT", &put_path, None, publish.as_bytes());
    assert_eq!(status, 401, "an anonymous publish is refused");
    let (status, _, _) = http(&s.emu, "PUT", &put_path, token, publish.as_bytes());
    assert_eq!(status, 201, "a publish with the token is accepted");
    let (status, _, _) = http(
        &s.emu,
        "PUT",
        &format!("{group_path}@acme%2ftiny"),
        token,
        publish.as_bytes(),
    );
    assert_eq!(status, 405, "the group does not accept uploads");
    let (status, _, body) = http(&s.emu, "GET", &put_path, token, b"");
    assert_eq!(status, 200, "the published package can be read back");
    assert!(
        String::from_utf8_lossy(&body).contains("\"1.0.0\""),
        "the packument lists the published version"
    );
    let (status, _, _) = http(
        &s.emu,
        "GET",
        &format!("{group_path}no-such-pkg"),
        token,
        b"",
    );
    assert_eq!(status, 404, "an unknown package is 404");

    let log = s.emu.requests();
    assert!(
        log.iter().any(|r| r.method == "PUT"
            && r.status == 201
            && r.username.as_deref() == Some(s.name_code.as_str())
            && r.kind == nexus_token::emulator::RequestKind::Repository),
        "the request log records the publish with the nameCode: {log:?}"
    );
}

/// Inputs for the reader oracle: every fixture input and output, tricky lines, and byte soups.
fn oracle_inputs() -> Vec<Vec<u8>> {
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npmrc");
    for entry in std::fs::read_dir(root).unwrap() {
        for file in ["in.npmrc", "out.npmrc"] {
            if let Ok(bytes) = std::fs::read(entry.as_ref().unwrap().path().join(file))
                && std::str::from_utf8(&bytes).is_ok()
            {
                inputs.push(bytes);
            }
        }
    }
    for text in [
        "k = \"quoted ; not a comment\"  \nj='single'\ni=\"bad json\\q\"",
        "  spaced key  =  v  \n\tk2\t=\tv2\t",
        "k=a\\;b\\#c\\\\d\\e",
        "k=v # comment\nk2=v ; comment",
        "\u{feff}k=bom\n\u{a0}k2=nbsp\u{a0}",
        "[s]\nk=in-section",
        "  [s]\nk=after-indented-bracket",
        "[s] x\nk=after",
        "=x\nk\nk3=a=b",
        "k=true\nj=false\nn=null",
        "k=1\r\rk=2\r\n\r\nk=3",
        "k=a\u{2028}b\nj=ok",
        "//h/:_auth=\"dTpw\"\n//h/:_authToken='t'",
    ] {
        inputs.push(text.as_bytes().to_vec());
    }
    const SOUP: &[&str] = &[
        "k",
        "//h/:_auth",
        "=",
        " ",
        "\t",
        "\n",
        "\r",
        "\r\n",
        ";",
        "#",
        "\"",
        "'",
        "\\",
        "[",
        "]",
        "${X}",
        "\u{feff}",
        "v",
        "true",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..2000 {
        let mut text = String::new();
        for _ in 0..(state % 30) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.push_str(SOUP[(state % SOUP.len() as u64) as usize]);
        }
        state = state.wrapping_add(0x2545_f491_4f6c_dd1d);
        inputs.push(text.into_bytes());
    }
    inputs
}

#[test]
#[ignore = "needs npm, pnpm and yarn"]
fn reader_agrees_with_npms_own_ini_parser() {
    crate::support::require_tool("npm");
    let root = Command::new("npm").args(["root", "-g"]).output().unwrap();
    let ini = Path::new(String::from_utf8_lossy(&root.stdout).trim()).join("npm/node_modules/ini");
    assert!(
        ini.is_dir(),
        "npm bundles its ini parser at {}",
        ini.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let inputs = oracle_inputs();
    for (i, bytes) in inputs.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i:04}.npmrc")), bytes).unwrap();
    }
    // Top-level values as strings; sections (objects) marked.
    let script = r#"
        const ini = require(process.argv[1]); const fs = require('fs'); const path = require('path');
        const dir = process.argv[2]; const out = [];
        for (const f of fs.readdirSync(dir).sort()) {
          const o = ini.decode(fs.readFileSync(path.join(dir, f), 'utf8')); const m = {};
          for (const [k, v] of Object.entries(o)) {
            m[k] = (v === null || typeof v !== 'object') ? String(v) : '\u0000section';
          }
          out.push(m);
        }
        process.stdout.write(JSON.stringify(out));
    "#;
    let out = Command::new("node")
        .args(["-e", script])
        .arg(&ini)
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "node runs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: Vec<std::collections::BTreeMap<String, String>> =
        serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(expected.len(), inputs.len());
    for (bytes, want) in inputs.iter().zip(&expected) {
        let mut got = std::collections::BTreeMap::new();
        for (k, v) in nexus_token::targets::npm::editor::parse(bytes).unwrap() {
            got.insert(k, v);
        }
        // ini drops `__proto__`, and a `[section]` object replaces a top-level key of its name.
        got.remove("__proto__");
        let mut want = want.clone();
        want.retain(|k, v| {
            if v == "\u{0}section" {
                got.remove(k);
                false
            } else {
                true
            }
        });
        assert_eq!(
            got,
            want,
            "the editor reads {:?} as npm's ini does",
            String::from_utf8_lossy(bytes)
        );
    }
    eprintln!(
        "{} inputs read alike by npm's ini and the editor",
        inputs.len()
    );
}

#[test]
#[ignore = "needs npm, pnpm and yarn"]
fn pnpm_runs_a_token_helper_written_with_set_key() {
    crate::support::require_tool("pnpm");
    use std::os::unix::fs::PermissionsExt as _;
    let s = setup();
    let group = s.emu.npm_group_url();
    let key = registry_key(&group).unwrap();
    // A stand-in for `nexus-token token --format basic`: prints the header value.
    let helper = s.sb.dir.path().join("bin/token-helper");
    std::fs::create_dir_all(helper.parent().unwrap()).unwrap();
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nprintf '%s\\n' 'Basic {}'\n",
            s.auth(&s.pass_code)
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o700)).unwrap();
    // A wrong `_auth` beside it: pnpm must prefer the helper.
    let with_auth = s.write_npmrc("fund=false\n", &[&group], "not-the-pass-code");
    let edit = nexus_token::targets::npm::editor::set_key(
        Some(with_auth.as_bytes()),
        &key,
        "tokenHelper",
        helper.to_str().unwrap(),
    )
    .unwrap();
    let helper_npmrc = edit.output;
    // pnpm runs the helper through `sh`: a space in its path breaks it, which is why
    // `check_token_helper` refuses such a path.
    let spaced = s.sb.dir.path().join("bin dir/token-helper");
    std::fs::create_dir_all(spaced.parent().unwrap()).unwrap();
    std::fs::copy(&helper, &spaced).unwrap();
    let spaced = spaced.to_str().unwrap();
    assert!(
        nexus_token::targets::npm::editor::check_token_helper(spaced).is_err(),
        "a helper path with a space is refused"
    );
    let spaced_npmrc = nexus_token::targets::npm::editor::set_key(
        Some(with_auth.as_bytes()),
        &key,
        "tokenHelper",
        spaced,
    )
    .unwrap()
    .output;
    // Each pinned pnpm: 10, and the current major (12) that users run.
    for (version, bin) in crate::support::pnpm_versions() {
        std::fs::write(s.npmrc(), &helper_npmrc).unwrap();
        let project = s.project(&format!("helper-{version}"));
        s.emu.clear_requests();
        let (ok, log) = s.client_on(
            Some(&bin),
            "pnpm",
            &["add", "nexus-demo-pkg", "--registry", &group],
            &project,
            &format!("helper-{version}"),
        );
        assert!(
            ok,
            "pnpm {version} add succeeds with the token helper:\n{log}"
        );
        s.assert_installed(&project, "pnpm", &log);
        s.assert_tarball_served_to_token("pnpm with a token helper", &log);

        std::fs::write(s.npmrc(), &spaced_npmrc).unwrap();
        let project = s.project(&format!("spaced-helper-{version}"));
        let (ok, log) = s.client_on(
            Some(&bin),
            "pnpm",
            &["add", "nexus-demo-pkg", "--registry", &group],
            &project,
            &format!("spaced-{version}"),
        );
        // pnpm 10 says the helper failed (ERR_PNPM_TOKEN_HELPER_...); pnpm 12 sends the
        // request without credentials and reports the server's 401.
        let said = if version.starts_with("10.") {
            "TOKEN_HELPER"
        } else {
            "401"
        };
        assert!(
            !ok && log.contains(said),
            "pnpm {version} cannot run a helper whose path has a space (it says `{said}`):\n{log}"
        );
    }
}

//! The `.yarnrc.yml` written by `nexus-token login --yarn-registry ...`, proven with the real
//! Yarn 4 (the `@yarnpkg/cli-dist` pinned as `yarn-berry` in scripts/tool-versions, first on the
//! child's PATH; `.tools/bin/yarn` stays Yarn 1 for npm_real.rs) against the emulator's npm group
//! ("require user tokens" on, so the real password would be refused): `yarn add` installs with the
//! token from the home rc, every other line of the rc kept; a wrong token fails with 401; after a
//! server-side reset the old token fails and `refresh` heals it. Each run has its own HOME, Yarn
//! global folder and project, the real Secret Service of scripts/with-keyring, only 127.0.0.1.

use crate::support::emulator_util::for_user_with_tokens;
use std::path::{Path, PathBuf};

use crate::support::{Run, Sandbox, assert_no_secret, path_with, unique_password, yarn_berry_bin};
use nexus_token::emulator::Emulator;
use nexus_token::nexus::Family;

const USER: &str = "yuki";

struct Setup {
    sb: Sandbox,
    emu: Emulator,
    /// The `.bin` folder of the pinned Yarn 4.
    yarn_bin: PathBuf,
    password: String,
}

fn setup() -> Setup {
    let yarn_bin = yarn_berry_bin();
    let version = std::process::Command::new(yarn_bin.join("yarn"))
        .arg("--version")
        .output()
        .expect("yarn runs");
    assert!(
        String::from_utf8_lossy(&version.stdout).starts_with("4."),
        "the pinned Yarn is Yarn 4: {version:?}"
    );
    let password = unique_password();
    let emu = for_user_with_tokens(Family::Nexus3, USER, &password);
    Setup {
        sb: Sandbox::with_keyring(),
        emu,
        yarn_bin,
        password,
    }
}

impl Setup {
    fn yarnrc(&self) -> PathBuf {
        self.sb.home().join(".yarnrc.yml")
    }

    fn yarnrc_text(&self) -> String {
        std::fs::read_to_string(self.yarnrc()).unwrap()
    }

    fn token(&self) -> (String, String) {
        self.emu.token_of(USER).expect("the emulator has a token")
    }

    fn quiet(&self, text: &str, what: &str) {
        assert_no_secret(text, &self.password, what);
        if let Some((_, pass)) = self.emu.token_of(USER) {
            assert_no_secret(text, &pass, what);
        }
    }

    fn nexus_token(&self, args: &[&str]) -> Run {
        let run = self.sb.run(args, None);
        self.quiet(&run.all(), args[0]);
        run
    }

    /// `yarn add nexus-demo-pkg` with Yarn 4 in a fresh project and a fresh global folder (no
    /// cache hides a request). Returns success, the output and the project.
    fn yarn_add(&self, tag: &str) -> (bool, String, PathBuf) {
        self.yarn_add_with(tag, false)
    }

    /// [`Setup::yarn_add`], run through `nexus-token exec --` when `exec` is set.
    fn yarn_add_with(&self, tag: &str, exec: bool) -> (bool, String, PathBuf) {
        let root = self.sb.dir.path();
        let project = root.join(tag);
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(
            project.join("package.json"),
            format!("{{\"name\":\"{tag}\",\"version\":\"1.0.0\",\"private\":true}}\n"),
        )
        .unwrap();
        std::fs::write(project.join("yarn.lock"), "").unwrap();
        let path = path_with(&self.yarn_bin);
        self.emu.clear_requests();
        let yarn = self.yarn_bin.join("yarn");
        let yarn = yarn.to_str().expect("a UTF-8 path");
        let mut cmd = if exec {
            self.sb
                .command(&["exec", "--", yarn, "add", "nexus-demo-pkg"])
        } else {
            self.sb.program(yarn, &["add", "nexus-demo-pkg"])
        };
        let out = cmd
            .current_dir(&project)
            .env("PATH", path)
            .env(
                "YARN_GLOBAL_FOLDER",
                root.join(format!("yarn-global-{tag}")),
            )
            .env("YARN_ENABLE_TELEMETRY", "0")
            .env("YARN_ENABLE_GLOBAL_CACHE", "0")
            .env("YARN_ENABLE_IMMUTABLE_INSTALLS", "0")
            .env("YARN_ENABLE_PROGRESS_BARS", "0")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .output()
            .expect("yarn runs");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        self.quiet(&log, "yarn output");
        (out.status.success(), log, project)
    }

    /// Yarn installed the package, and every tarball request carried the current nameCode.
    fn assert_installed(&self, project: &Path, log: &str) {
        let index = project.join("node_modules/nexus-demo-pkg/index.js");
        assert!(
            std::fs::read_to_string(&index)
                .unwrap_or_default()
                .contains("hello from nexus-demo-pkg"),
            "Yarn 4 installed nexus-demo-pkg:\n{log}"
        );
        let (name_code, _) = self.token();
        let hits: Vec<_> = self
            .emu
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("nexus-demo-pkg-1.0.0.tgz") && r.status == 200)
            .collect();
        assert!(
            !hits.is_empty()
                && hits
                    .iter()
                    .all(|r| r.username.as_deref() == Some(name_code.as_str())),
            "the tarball was served to the token's nameCode: {hits:?}\n{log}"
        );
    }

    fn assert_refused(&self, what: &str, ok: bool, log: &str) {
        let refused = self.emu.requests().iter().any(|r| r.status == 401);
        assert!(
            !ok && refused,
            "{what}: Yarn 4 fails and the emulator answered 401: {:?}\n{log}",
            self.emu.requests()
        );
    }
}

/// The home rc as a user has it before login: comments, quoting styles, Yarn's http whitelist
/// for the emulator, another registry with its own credentials, and a stale `npmAuthToken` at the
/// group's key spelled with single quotes and a trailing slash.
fn before(group: &str) -> String {
    let bare = group
        .trim_start_matches("http:")
        .trim_end_matches('/')
        .to_owned();
    format!(
        "# company Yarn settings\n\
         npmRegistryServer: \"{}\"\n\
         unsafeHttpWhitelist:\n  - \"127.0.0.1\"\n\
         nodeLinker: node-modules   # no PnP here\n\
         enableTelemetry: 'false'\n\
         \n\
         npmRegistries:\n\
         \x20 \"//npm.pkg.example.com\":\n\
         \x20   npmAuthIdent: \"someone:else\"\n\
         \x20 '{bare}/':\n\
         \x20   # the old token\n\
         \x20   npmAuthToken: stale-token\n\
         \n\
         # the end\n",
        group.trim_end_matches('/')
    )
}

/// What login makes of [`before`]: the stale token gone, the ident and always-auth after the
/// entry's last line; every other byte as it was.
fn expected(group: &str, name_code: &str, pass_code: &str) -> String {
    before(group).replace(
        "    # the old token\n    npmAuthToken: stale-token\n",
        &format!(
            "    # the old token\n    npmAuthIdent: \"{name_code}:{pass_code}\"\n    npmAlwaysAuth: true\n"
        ),
    )
}

fn login(s: &Setup) -> Run {
    let group = s.emu.npm_group_url();
    let run = s.sb.login(
        &s.emu.base_url(),
        USER,
        &s.password,
        &["--yarn-registry", &group],
    );
    s.quiet(&run.all(), "login output");
    run
}

#[test]
#[ignore = "needs Yarn 4 (scripts/install-deps) and a Secret Service"]
fn yarn4_installs_with_the_written_yarnrc_and_fails_with_a_wrong_token() {
    let s = setup();
    let group = s.emu.npm_group_url();
    std::fs::write(s.yarnrc(), before(&group)).unwrap();

    // Without credentials Yarn 4 is refused (the group requires the token).
    let (ok, log, _) = s.yarn_add("anonymous");
    s.assert_refused("before login", ok, &log);

    let run = login(&s);
    assert_eq!(run.code, 0, "login --yarn-registry succeeds: {}", run.all());
    let (name_code, pass_code) = s.token();
    assert_eq!(
        s.yarnrc_text(),
        expected(&group, &name_code, &pass_code),
        "login removed the stale npmAuthToken, added the ident at the existing spelling of the key, and kept every other byte"
    );

    let (ok, log, project) = s.yarn_add("install");
    assert!(ok, "yarn add succeeds with the written .yarnrc.yml:\n{log}");
    s.assert_installed(&project, &log);

    let status = s.nexus_token(&["status", "--json"]);
    assert!(
        status.stdout.contains("\"kind\": \"yarn\"") && status.stdout.contains("\"current\""),
        "status lists the Yarn registry as current: {}",
        status.stdout
    );

    // A wrong token in the same file: refused.
    let right = format!("{name_code}:{pass_code}");
    std::fs::write(
        s.yarnrc(),
        s.yarnrc_text()
            .replace(&right, &format!("{name_code}:not-the-pass-code")),
    )
    .unwrap();
    let (ok, log, _) = s.yarn_add("wrong-token");
    s.assert_refused("a wrong token", ok, &log);

    // logout --remove-credentials takes the ident out and keeps the rest.
    let run = s.nexus_token(&["logout", "--remove-credentials"]);
    assert_eq!(run.code, 0, "logout succeeds: {}", run.all());
    let text = s.yarnrc_text();
    assert!(
        !text.contains("npmAuthIdent: \"yuki") && !text.contains(&name_code),
        "logout removed our ident:\n{text}"
    );
    assert!(
        text.starts_with(&before(&group)[..before(&group).find("  '//").unwrap()]),
        "logout kept the other lines:\n{text}"
    );
}

#[test]
#[ignore = "needs Yarn 4 (scripts/install-deps) and a Secret Service"]
fn yarn4_works_again_after_a_server_side_reset_and_refresh() {
    let s = setup();
    let group = s.emu.npm_group_url();
    std::fs::write(s.yarnrc(), before(&group)).unwrap();
    let run = login(&s);
    assert_eq!(run.code, 0, "login succeeds: {}", run.all());
    let (ok, log, _) = s.yarn_add("before-reset");
    assert!(ok, "yarn add succeeds after login:\n{log}");

    s.emu.reset_token(USER);
    let (ok, log, _) = s.yarn_add("after-reset");
    s.assert_refused("after a server-side reset", ok, &log);

    let run = s.nexus_token(&["refresh"]);
    assert_eq!(
        run.code,
        0,
        "refresh succeeds from the keyring: {}",
        run.all()
    );
    let (name_code, pass_code) = s.token();
    assert_eq!(
        s.yarnrc_text(),
        expected(&group, &name_code, &pass_code),
        "refresh wrote the new token in place; every other line kept"
    );
    let (ok, log, project) = s.yarn_add("after-refresh");
    assert!(ok, "yarn add works again after refresh:\n{log}");
    s.assert_installed(&project, &log);

    let doctor = s.nexus_token(&["doctor"]);
    assert!(
        doctor.all().contains(&s.yarnrc().display().to_string()),
        "doctor checks the rc file: {}",
        doctor.all()
    );
}

#[test]
#[ignore = "needs Yarn 4 (scripts/install-deps) and a Secret Service"]
fn login_discovers_the_registry_of_the_yarnrc() {
    let s = setup();
    let group = s.emu.npm_group_url();
    std::fs::write(s.yarnrc(), before(&group)).unwrap();
    let run = s.sb.login(&s.emu.base_url(), USER, &s.password, &[]);
    assert_eq!(run.code, 0, "login without target flags: {}", run.all());
    assert!(
        run.all().contains("found Yarn registries"),
        "login names what it found: {}",
        run.all()
    );
    let (name_code, pass_code) = s.token();
    assert_eq!(s.yarnrc_text(), expected(&group, &name_code, &pass_code));
    let (ok, log, project) = s.yarn_add("discovered");
    assert!(ok, "yarn add succeeds with the discovered registry:\n{log}");
    s.assert_installed(&project, &log);
}

#[test]
#[ignore = "needs Yarn 4 (scripts/install-deps) and a Secret Service"]
fn with_env_refs_the_yarnrc_refers_to_the_environment_and_yarn4_installs_through_exec() {
    let s = setup();
    let group = s.emu.npm_group_url();
    std::fs::write(s.yarnrc(), before(&group)).unwrap();
    let run = s.sb.login(
        &s.emu.base_url(),
        USER,
        &s.password,
        &["--env-refs", "--yarn-registry", &group],
    );
    s.quiet(&run.all(), "login output");
    assert_eq!(run.code, 0, "login --env-refs succeeds: {}", run.all());
    let (name_code, pass_code) = s.token();
    let text = s.yarnrc_text();
    assert_eq!(
        text,
        expected(&group, "${NEXUS_TOKEN_NAMECODE}", "${NEXUS_TOKEN_PASSCODE}"),
        "the entry refers to the environment; every other byte kept"
    );
    assert!(
        !text.contains(&pass_code) && !text.contains(&name_code),
        "the rc holds no token"
    );
    let status = s.nexus_token(&["status", "--json"]);
    assert!(
        status.stdout.contains("\"referenced\""),
        "status says the entry refers to the environment: {}",
        status.stdout
    );

    // Without exec Yarn cannot expand the reference: no install.
    let (ok, log, _) = s.yarn_add_with("without-exec", false);
    assert!(
        !ok && log.contains("NEXUS_TOKEN_NAMECODE"),
        "yarn add fails without exec, naming the missing variable:\n{log}"
    );
    let (ok, log, project) = s.yarn_add_with("with-exec", true);
    assert!(ok, "yarn add succeeds through nexus-token exec:\n{log}");
    s.assert_installed(&project, &log);

    // After a server-side reset, refresh leaves the file alone and exec hands out the new token.
    s.emu.reset_token(USER);
    let run = s.nexus_token(&["refresh"]);
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    assert_eq!(
        s.yarnrc_text(),
        text,
        "refresh did not touch the references"
    );
    let (ok, log, project) = s.yarn_add_with("after-reset", true);
    assert!(ok, "yarn add works through exec after the reset:\n{log}");
    s.assert_installed(&project, &log);
}

//! The one sandbox, runner and requirement checks of the integration tests. Every child process
//! a test starts (the built binary, `mvn`, `gradle`, `python3`, `env`) goes through
//! [`Sandbox::program`]: its environment is built from empty, with HOME, the XDG folders and every
//! client's config location inside the sandbox, so nothing of the developer's (profiles,
//! `NEXUS_*`, the real keyring, `~/.m2`) can reach a test. Tests that need real parts are
//! `#[ignore = "needs ..."]` and call a `require_*` check that fails (never skips) when the part
//! is missing, because such tests only run when asked for (`scripts/test`).

pub mod emulator_util;
pub mod fixtures;
pub mod in_process;
pub mod reliability;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use nexus_token::env::Env;

/// The built binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_nexus-token");

/// Panics unless a real Secret Service runs on the private bus of `scripts/with-keyring`.
pub fn require_secret_service() {
    assert!(
        std::env::var_os("NEXUS_TOKEN_TEST_SECRET_SERVICE").is_some_and(|v| v == "1"),
        "this test needs a real Secret Service: run it through `scripts/test` or \
         `scripts/with-keyring cargo test --test it -- --include-ignored`"
    );
}

/// The project's tool folder: the pinned clients of `scripts/tool-versions`, installed there by
/// `scripts/install-deps`, one folder per version; `.tools/bin` links the first of each.
pub fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools")
}

/// The PATH every test uses: `.tools/bin` first (the pinned clients, not whatever the machine
/// has), then this process's PATH.
pub fn test_path() -> OsString {
    path_with(&tools_dir().join("bin"))
}

/// The test PATH with `dir` in front of it.
pub fn path_with(dir: &Path) -> OsString {
    let mut dirs = vec![dir.to_path_buf()];
    if dir != tools_dir().join("bin") {
        dirs.push(tools_dir().join("bin"));
    }
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).expect("PATH entries without `:`")
}

/// The versions of `tool` pinned in `scripts/tool-versions`, in order (the first is the one
/// `.tools/bin` links).
pub fn pinned_versions(tool: &str) -> Vec<String> {
    include_str!("../../../scripts/tool-versions")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .filter(|(t, _)| *t == tool)
        .map(|(_, v)| v.trim().to_owned())
        .collect()
}

/// Each pinned pnpm: its version and the folder to put first on a child's PATH. Panics when
/// one is not installed (`scripts/install-deps`).
pub fn pnpm_versions() -> Vec<(String, PathBuf)> {
    pinned_versions("pnpm")
        .into_iter()
        .map(|v| {
            let bin = tools_dir().join(format!("node/pnpm-{v}/node_modules/.bin"));
            assert!(
                bin.join("pnpm").is_file(),
                "this test needs pnpm {v} in `{}` (scripts/install-deps installs it)",
                bin.display()
            );
            (v, bin)
        })
        .collect()
}

/// The Python of `.tools/python`, the virtual environment that holds the pinned twine (for tests
/// that import twine's own modules). Panics when it is not installed (`scripts/install-deps`).
pub fn twine_python() -> PathBuf {
    let python = tools_dir().join("python/bin/python3");
    assert!(
        python.is_file(),
        "this test needs `{}` with twine (scripts/install-deps installs it)",
        python.display()
    );
    python
}

/// The path of `tool` on the test PATH ([`test_path`]); panics when it is not installed.
pub fn require_tool(tool: &str) -> PathBuf {
    std::env::split_paths(&test_path())
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("this test needs `{tool}` on PATH (scripts/install-deps installs it)")
        })
}

/// The folder of `tool` at its first version pinned in `scripts/tool-versions` (installed under
/// `.tools/node/<tool>-<version>/node_modules` by `scripts/install-deps`).
fn node_tool(tool: &str) -> PathBuf {
    let version = pinned_versions(tool)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("scripts/tool-versions pins `{tool}`"));
    tools_dir().join(format!("node/{tool}-{version}/node_modules"))
}

/// The `.bin` folder of the pinned Yarn 4 (`yarn-berry` in `scripts/tool-versions`, the npm
/// package `@yarnpkg/cli-dist`), to put first on a child's PATH; `.tools/bin/yarn` is Yarn 1.
/// Panics when it is not installed.
pub fn yarn_berry_bin() -> PathBuf {
    let bin = node_tool("yarn-berry").join(".bin");
    assert!(
        bin.join("yarn").is_file(),
        "this test needs Yarn 4 in `{}` (scripts/install-deps installs it)",
        bin.display()
    );
    require_tool("node");
    bin
}

/// The pinned Yarn rc parser, the package `@yarnpkg/parsers` (`yarn-parsers` in
/// `scripts/tool-versions`), for `node` to `require`. Panics when it is not installed.
pub fn yarn_parsers() -> PathBuf {
    let dir = node_tool("yarn-parsers").join("@yarnpkg/parsers");
    assert!(
        dir.join("package.json").is_file(),
        "this test needs @yarnpkg/parsers in `{}` (scripts/install-deps installs it)",
        dir.display()
    );
    require_tool("node");
    dir
}
/// A throwaway home for one test: HOME, XDG dirs, every client's config, state and runtime dir
/// all inside. With [`Sandbox::with_keyring`], children also get the private session bus.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    keyring: bool,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// stdout and stderr together.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl Sandbox {
    /// A sandbox without a keyring: children see no session bus at all.
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "run"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        std::fs::set_permissions(
            dir.path().join("run"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        Sandbox {
            dir,
            keyring: false,
        }
    }

    /// A sandbox whose children use the real Secret Service on the private bus of
    /// `scripts/with-keyring` (DBUS_SESSION_BUS_ADDRESS and its XDG_RUNTIME_DIR); panics without one.
    pub fn with_keyring() -> Sandbox {
        require_secret_service();
        Sandbox {
            keyring: true,
            ..Sandbox::new()
        }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn settings(&self) -> PathBuf {
        self.home().join(".m2/settings.xml")
    }

    pub fn properties(&self) -> PathBuf {
        self.home().join(".gradle/gradle.properties")
    }

    pub fn config(&self) -> PathBuf {
        self.home().join(".config/nexus-token/config.toml")
    }

    /// The user npmrc (`NPM_CONFIG_USERCONFIG` of every child).
    pub fn npmrc(&self) -> PathBuf {
        self.home().join(".npmrc")
    }

    /// The whole environment a child gets, built from nothing: PATH (to find the tools), LANG=C,
    /// NO_COLOR, and every home, config, data, state, cache and runtime location inside the
    /// sandbox. The private session bus only for [`Sandbox::with_keyring`].
    pub fn env(&self) -> Vec<(OsString, OsString)> {
        let home = self.home();
        let mut vars: Vec<(OsString, OsString)> = vec![
            ("PATH".into(), test_path()),
            ("LANG".into(), "C".into()),
            ("NO_COLOR".into(), "1".into()),
            ("HOME".into(), home.clone().into()),
            ("XDG_CONFIG_HOME".into(), home.join(".config").into()),
            ("XDG_DATA_HOME".into(), home.join(".local/share").into()),
            ("XDG_STATE_HOME".into(), home.join(".local/state").into()),
            ("XDG_CACHE_HOME".into(), home.join(".cache").into()),
            ("GRADLE_USER_HOME".into(), home.join(".gradle").into()),
            ("CARGO_HOME".into(), home.join(".cargo").into()),
            ("DOCKER_CONFIG".into(), home.join(".docker").into()),
            ("NPM_CONFIG_USERCONFIG".into(), home.join(".npmrc").into()),
            ("NETRC".into(), home.join(".netrc").into()),
            // Go: its env file, module and build caches, GOPATH, and no toolchain download.
            ("GOENV".into(), home.join(".config/go/env").into()),
            ("GOPATH".into(), home.join("go").into()),
            ("GOMODCACHE".into(), home.join("go/pkg/mod").into()),
            ("GOCACHE".into(), home.join(".cache/go-build").into()),
            ("GOTOOLCHAIN".into(), "local".into()),
        ];
        if self.keyring {
            for key in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] {
                if let Some(value) = std::env::var_os(key) {
                    vars.push((key.into(), value));
                }
            }
        } else {
            vars.push(("XDG_RUNTIME_DIR".into(), self.dir.path().join("run").into()));
        }
        vars
    }

    /// A command for `program` with only this sandbox's environment ([`Sandbox::env`]), stdin
    /// closed and output captured. The one runner: every child of every test starts here.
    pub fn program(&self, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .envs(self.env())
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// The same environment for library code called in-process: an [`Env`] built from
    /// [`Sandbox::env`], never from the test process's own variables.
    pub fn lib_env(&self) -> Env {
        self.env()
            .into_iter()
            .fold(Env::sandboxed(&self.home()), |env, (key, value)| {
                env.with_var(&key.to_string_lossy(), &value.to_string_lossy())
            })
    }

    /// A command for the built binary in this sandbox.
    pub fn command(&self, args: &[&str]) -> Command {
        self.program(BIN, args)
    }

    /// Runs `cmd` (from [`Sandbox::program`]) with `stdin` as standard input.
    pub fn run_with(&self, mut cmd: Command, stdin: Option<&str>) -> Run {
        if stdin.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let start = Instant::now();
        let mut child = cmd.spawn().expect("the program starts");
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            // The binary may exit before reading (e.g. a usage error): a closed pipe is fine.
            if let Err(e) = pipe.write_all(input.as_bytes()) {
                assert_eq!(
                    e.kind(),
                    std::io::ErrorKind::BrokenPipe,
                    "writing stdin: {e}"
                );
            }
        }
        let out: Output = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: start.elapsed(),
        }
    }

    /// Runs the binary with the given args and optional stdin.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        self.run_with(self.command(args), stdin)
    }

    /// `COMMAND --url URL --username USER --password-stdin EXTRA...`, the password on stdin.
    pub fn run_password_stdin(
        &self,
        command: &str,
        url: &str,
        user: &str,
        password: &str,
        extra: &[&str],
    ) -> Run {
        let mut args = vec![
            command,
            "--url",
            url,
            "--username",
            user,
            "--password-stdin",
        ];
        args.extend_from_slice(extra);
        self.run(&args, Some(&format!("{password}\n")))
    }

    /// `login --url URL --username USER --password-stdin EXTRA...`, the password on stdin.
    pub fn login(&self, url: &str, user: &str, password: &str, extra: &[&str]) -> Run {
        self.run_password_stdin("login", url, user, password, extra)
    }

    /// This test executable re-run as a child in this sandbox, running only `test`
    /// (`module::name`, e.g. `fs_crash::child_entry`) and printing what it prints.
    pub fn rerun_test(&self, test: &str) -> Command {
        let exe = std::env::current_exe().unwrap();
        self.program(exe, &only_test(test))
    }

    /// Like [`Sandbox::login`], and asserts that it succeeded.
    pub fn login_ok(&self, url: &str, user: &str, password: &str, extra: &[&str]) -> Run {
        let run = self.login(url, user, password, extra);
        assert_eq!(run.code, 0, "login succeeds: {}", run.all());
        run
    }

    /// Every file under the sandbox except `exclude`, with its bytes.
    pub fn files_except(&self, exclude: &[&Path]) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
        let mut paths = Vec::new();
        walk(self.dir.path(), &mut paths);
        paths
            .into_iter()
            .filter(|p| !exclude.iter().any(|e| e == p))
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap_or_default();
                (p, bytes)
            })
            .collect()
    }
}

/// The test-harness arguments that run exactly `test` (`module::name`) of this executable.
pub fn only_test(test: &str) -> [&str; 5] {
    [
        "--exact",
        test,
        "--test-threads=1",
        "--nocapture",
        "--quiet",
    ]
}

/// The password `secret-tool` finds for `service` and `user` in the test keyring.
pub fn secret_tool_lookup(service: &str, user: &str) -> Option<String> {
    let sb = Sandbox::with_keyring();
    let args = ["lookup", "service", service, "username", user];
    let out = sb
        .program(require_tool("secret-tool"), &args)
        .output()
        .unwrap();
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .trim_end_matches('\n')
            .to_owned()
    })
}

/// Asserts that `needle` appears nowhere in `haystack` (a secret scan).
pub fn assert_no_secret(haystack: &str, needle: &str, what: &str) {
    assert!(!needle.is_empty());
    assert!(
        !haystack.contains(needle),
        "{what} must never contain the secret, but it does:\n{haystack}"
    );
}

/// A unique password for one test, so scans cannot hit by accident.
pub fn unique_password() -> String {
    format!("Pw-{}-{}-s3cr3t!", std::process::id(), rand_suffix())
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

//! Shared helpers for the end-to-end tests: a sandboxed home for the built binary, the real
//! Secret Service check, and secret scanning of everything a run printed.
#![allow(
    unreachable_pub,
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    clippy::disallowed_methods
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The built binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_nexus-token");

/// Whether real tools are required (CI, or the README's test command): then a missing tool fails.
pub fn real_tools_required() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
        || std::env::var_os("NEXUS_TOKEN_REQUIRE_REAL_TOOLS").is_some_and(|v| v == "1")
}

/// True when a real Secret Service runs on this test's session bus (scripts/with-keyring).
/// Without one: panics under CI, else prints a loud skip notice and returns false.
pub fn secret_service_available(test: &str) -> bool {
    if std::env::var_os("NEXUS_TOKEN_TEST_SECRET_SERVICE").is_some_and(|v| v == "1") {
        return true;
    }
    if real_tools_required() {
        panic!(
            "{test}: no real Secret Service (run the tests through scripts/test or scripts/with-keyring)"
        );
    }
    eprintln!(
        "\n*** SKIPPED {test}: no real Secret Service; run `scripts/with-keyring cargo test` ***\n"
    );
    false
}

/// True when `tool` is on PATH. Without it: panics under CI, else prints a loud skip notice.
pub fn tool_available(tool: &str, test: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    if found {
        return true;
    }
    if real_tools_required() {
        panic!("{test}: `{tool}` is not installed (scripts/install-deps installs it)");
    }
    eprintln!("\n*** SKIPPED {test}: `{tool}` is not installed ***\n");
    false
}

/// A throwaway home for one test: HOME, XDG dirs, config and state all inside.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
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
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Sandbox { dir }
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

    pub fn npmrc(&self) -> PathBuf {
        self.home().join(".npmrc")
    }

    pub fn config(&self) -> PathBuf {
        self.home().join(".config/nexus-token/config.toml")
    }

    /// A command for the binary with this sandbox's environment. The session bus (the test's
    /// private one) is inherited; everything else nexus-token reads is set here.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("XDG_STATE_HOME", self.home().join(".local/state"))
            .env("XDG_CACHE_HOME", self.home().join(".cache"))
            .env_remove("GRADLE_USER_HOME")
            .env_remove("NEXUS_URL")
            .env_remove("NEXUS_USERNAME")
            .env_remove("NEXUS_TOKEN_CONFIG")
            .env_remove("NEXUS_TOKEN_STATE_DIR")
            .env("NO_COLOR", "1")
            .env("NPM_CONFIG_USERCONFIG", self.npmrc())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy();
            if name.starts_with("ORG_GRADLE_PROJECT_")
                || name.to_ascii_lowercase().starts_with("npm_config_")
            {
                cmd.env_remove(key);
            }
        }
        cmd
    }

    /// Runs the binary with `stdin` as standard input.
    pub fn run_with(&self, mut cmd: Command, stdin: Option<&str>) -> Run {
        if stdin.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let start = Instant::now();
        let mut child = cmd.spawn().expect("the binary starts");
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

    /// `login --url URL --username USER --password-stdin EXTRA...`, the password on stdin.
    pub fn login(&self, url: &str, user: &str, password: &str, extra: &[&str]) -> Run {
        let mut args = vec![
            "login",
            "--url",
            url,
            "--username",
            user,
            "--password-stdin",
        ];
        args.extend_from_slice(extra);
        self.run(&args, Some(&format!("{password}\n")))
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

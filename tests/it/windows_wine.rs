//! The Windows lane (issue 27): the release binary cross-built for `x86_64-pc-windows-gnu`
//! (`scripts/test` builds it first) runs under Wine, in a throwaway Wine prefix inside the
//! sandbox (made by `scripts/wine-prefix`, which adds the test-only `bcryptprimitives.dll`
//! stand-in), against the emulator of this test process on 127.0.0.1. It proves on a Windows
//! build what the Linux lane proves on Linux: `demo`; `login --password-stdin` storing the
//! password in the Credential Manager (Wine's), `refresh` without a rewrite, `token`, `doctor`,
//! the Docker helper `docker-credential-nexus-token.exe` answering `get`, pnpm's `.cmd` wrapper,
//! `_netrc`, `schedule` with the Task Scheduler (`--print`, install, `--remove`), and `logout`.
//!
//! Every child starts from `Sandbox::program` (with `wine` as the program). The variables that
//! hold Unix paths (XDG folders, `CARGO_HOME`, `DOCKER_CONFIG`, ...) are removed for the Windows
//! program, which then uses its own profile folder inside the prefix (`C:\users\<name>`).

use std::path::{Path, PathBuf};
use std::process::Command;

use nexus_token::emulator::{Emulator, EmulatorConfig, RequestKind};
use nexus_token::nexus::Family;

use crate::support::{self, Run, Sandbox, require_tool};

const USER: &str = "wendy";

/// Variables of the sandbox that name Unix paths: a Windows program would read them as paths on
/// its current drive.
const UNIX_PATH_VARS: [&str; 10] = [
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "XDG_CACHE_HOME",
    "XDG_RUNTIME_DIR",
    "GRADLE_USER_HOME",
    "CARGO_HOME",
    "DOCKER_CONFIG",
    "NPM_CONFIG_USERCONFIG",
    "NETRC",
];

/// The cross-built release binary; the test fails (never skips) when it is missing.
fn windows_exe() -> PathBuf {
    let exe = match std::env::var_os("NEXUS_TOKEN_WINDOWS_EXE") {
        Some(path) => PathBuf::from(path),
        None => {
            // The test executable is `<target>/debug/deps/it-<hash>`.
            let own = std::env::current_exe().unwrap();
            let target = own.ancestors().nth(3).unwrap().to_path_buf();
            target.join("x86_64-pc-windows-gnu/release/nexus-token.exe")
        }
    };
    assert!(
        exe.is_file(),
        "this test needs the Windows build `{}`: run `cargo build --release --locked --target \
         x86_64-pc-windows-gnu` first (scripts/test does), or name it in NEXUS_TOKEN_WINDOWS_EXE",
        exe.display()
    );
    exe
}

/// A Wine prefix inside a sandbox, and the Windows binary.
struct Wine {
    sb: Sandbox,
    prefix: PathBuf,
    exe: PathBuf,
    wine: PathBuf,
}

impl Wine {
    fn new() -> Wine {
        let wine = require_tool("wine");
        require_tool("wineserver");
        require_tool("x86_64-w64-mingw32-gcc");
        let exe = windows_exe();
        let sb = Sandbox::new();
        let prefix = sb.dir.path().join("wine");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/wine-prefix");
        let made = sb.run_with(sb.program(&script, &[prefix.to_str().unwrap()]), None);
        assert_eq!(made.code, 0, "scripts/wine-prefix: {}", made.all());
        Wine {
            sb,
            prefix,
            exe,
            wine,
        }
    }

    /// The Windows profile folder inside the prefix (`C:\users\<name>`, Wine's name for the
    /// Unix user).
    fn profile(&self) -> PathBuf {
        let users = self.prefix.join("drive_c/users");
        std::fs::read_dir(&users)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.file_name().is_some_and(|n| n != "Public") && p.is_dir())
            .unwrap_or_else(|| panic!("no user profile under `{}`", users.display()))
    }

    /// `program` (a Windows path or a Linux path of an .exe) under Wine in this prefix, with
    /// `~\.local\bin` of the profile on the Windows PATH (where login puts the Docker helper).
    fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut all = vec![program.to_str().unwrap()];
        all.extend_from_slice(args);
        let mut cmd = self.sb.program(&self.wine, &all);
        for var in UNIX_PATH_VARS {
            cmd.env_remove(var);
        }
        cmd.env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1");
        if let Some(name) = self.profile().file_name() {
            cmd.env(
                "WINEPATH",
                format!(r"C:\users\{}\.local\bin", name.to_string_lossy()),
            );
        }
        cmd
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        self.sb.run_with(self.command(&self.exe, args), stdin)
    }

    fn ok(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let run = self.run(args, stdin);
        assert_eq!(
            run.code,
            0,
            "`nexus-token {}` under Wine: {}",
            args.join(" "),
            run.all()
        );
        run
    }

    /// The Credential Manager's entries (`reg query` through Wine's registry server).
    fn credentials(&self) -> String {
        let reg = self.sb.run_with(
            self.command(
                Path::new("reg"),
                &["query", r"HKCU\Software\Wine\Credential Manager"],
            ),
            None,
        );
        reg.stdout
    }
}

impl Drop for Wine {
    fn drop(&mut self) {
        // Stop this prefix's wineserver before the sandbox folder goes.
        let mut kill = self.sb.program("wineserver", &["-k"]);
        kill.env("WINEPREFIX", &self.prefix);
        let _ = kill.status();
    }
}

#[test]
#[ignore = "needs wine"]
fn the_demo_runs_under_wine_with_windows_paths() {
    let wine = Wine::new();
    let run = wine.ok(&["demo"], None);
    let out = run.all();
    assert!(
        out.contains("done: nothing outside the throwaway home was touched"),
        "the whole demo ran: {out}"
    );
    let home_line = out
        .lines()
        .find(|l| l.contains("throwaway home:"))
        .unwrap_or_else(|| panic!("the demo names its home: {out}"));
    assert!(home_line.contains(r":\"), "a Windows path: {home_line}");
    for line in out.lines().filter(|l| l.contains(r"\nexus-token-demo-")) {
        let path = line
            .split(['`', ' '])
            .find(|w| w.contains(r"\nexus-token-demo-"))
            .unwrap_or_default();
        assert!(
            !path.contains('/'),
            "paths use one separator: `{path}` in {line}"
        );
    }
    assert!(
        out.contains(r"\_netrc"),
        "a new netrc is `_netrc` on Windows: {out}"
    );
}

#[test]
#[ignore = "needs wine"]
fn login_refresh_token_doctor_serve_schedule_logout_under_wine() {
    let wine = Wine::new();
    let password = support::unique_password();
    let emu = Emulator::start(EmulatorConfig::new(Family::Nexus3).user(USER, &password)).unwrap();
    let url = emu.base_url();
    let host = emu.addr().to_string();
    let pnpm = emu.npm_group_url();
    let profile = wine.profile();

    // login: the password on stdin, into the Credential Manager.
    let login = wine.ok(
        &[
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
            "--netrc",
            "--docker-registry",
            &host,
            "--pnpm-registry",
            &pnpm,
        ],
        Some(&format!("{password}\n")),
    );
    support::assert_no_secret(&login.all(), &password, "login's output");
    let creds = wine.credentials();
    assert!(
        creds.contains(&format!(r"Generic: {USER}.nexus-token:{url}")),
        "the password is a generic credential in the Credential Manager: {creds}"
    );
    let config = profile.join("AppData/Roaming/nexus-token/config.toml");
    assert!(
        config.is_file(),
        "the profile is in %APPDATA%\\nexus-token: {}",
        login.all()
    );
    assert!(
        login
            .all()
            .contains(r"AppData\Roaming\nexus-token\config.toml"),
        "and printed with one separator: {}",
        login.all()
    );
    let netrc = profile.join("_netrc");
    let (name_code, pass_code) = emu.token_of(USER).unwrap();
    let netrc_text = std::fs::read_to_string(&netrc).unwrap();
    assert!(
        netrc_text.contains(&name_code) && netrc_text.contains(&pass_code),
        "login wrote `_netrc` (curl, pip and Go on Windows read it): {netrc_text}"
    );
    assert!(!profile.join(".netrc").exists());

    // refresh: the password comes from the Credential Manager; nothing changed, nothing written.
    let before = std::fs::metadata(&netrc).unwrap().modified().unwrap();
    emu.clear_requests();
    let refresh = wine.ok(&["refresh"], None);
    assert!(
        refresh.all().contains("already up to date"),
        "{}",
        refresh.all()
    );
    assert!(
        emu.requests()
            .iter()
            .any(|r| r.kind == RequestKind::Authenticate && r.status == 200),
        "refresh authenticated with the stored password: {:?}",
        emu.requests()
    );
    assert_eq!(
        std::fs::metadata(&netrc).unwrap().modified().unwrap(),
        before,
        "an unchanged token rewrites nothing"
    );
    assert_eq!(std::fs::read_to_string(&netrc).unwrap(), netrc_text);

    // token
    let token = wine.ok(&["token", "--format", "basic"], None);
    assert_eq!(
        token.stdout.trim(),
        format!("Basic {}", base64_of(&format!("{name_code}:{pass_code}")))
    );

    // The Docker helper: a copy of the binary, on the Windows PATH, answering `get`.
    let helper = profile.join(".local/bin/docker-credential-nexus-token.exe");
    assert!(helper.is_file(), "login made `{}`", helper.display());
    assert_eq!(
        std::fs::read(&helper).unwrap(),
        std::fs::read(&wine.exe).unwrap(),
        "the helper is a copy of the binary"
    );
    let get = wine
        .sb
        .run_with(wine.command(&helper, &["get"]), Some(&host));
    assert_eq!(get.code, 0, "{}", get.all());
    let answer: serde_json::Value = serde_json::from_str(get.stdout.trim()).unwrap();
    assert_eq!(answer["Username"], name_code.as_str());
    assert_eq!(answer["Secret"], pass_code.as_str());
    let unknown = wine.sb.run_with(
        wine.command(&helper, &["get"]),
        Some("elsewhere.example:5000"),
    );
    assert_eq!(unknown.code, 1, "an unknown registry: {}", unknown.all());

    // pnpm's wrapper is a .cmd file that cmd.exe runs and that prints the token.
    let wrapper = profile.join("AppData/Roaming/nexus-token/pnpm-token-helper-default.cmd");
    let npmrc = std::fs::read_to_string(profile.join(".npmrc")).unwrap();
    assert!(
        npmrc.contains(r"tokenHelper=C:\\users\\")
            && npmrc.contains("pnpm-token-helper-default.cmd"),
        "the npmrc names the .cmd wrapper: {npmrc}"
    );
    let wrapper_win = format!(
        r"C:\users\{}\AppData\Roaming\nexus-token\pnpm-token-helper-default.cmd",
        profile.file_name().unwrap().to_string_lossy()
    );
    assert!(wrapper.is_file());
    let cmd = wine
        .sb
        .run_with(wine.command(Path::new("cmd"), &["/c", &wrapper_win]), None);
    assert_eq!(cmd.code, 0, "{}", cmd.all());
    assert_eq!(
        cmd.stdout.trim(),
        token.stdout.trim(),
        "the wrapper prints the token"
    );

    // doctor
    let doctor = wine.run(&["doctor"], None);
    let text = doctor.all();
    assert_eq!(doctor.code, 0, "doctor finds nothing wrong: {text}");
    for expected in [
        "the password of `wendy` is in the keyring",
        "the PATH finds the Docker helper at",
        "who may read it is not checked on Windows",
        "names the wrapper for",
    ] {
        assert!(text.contains(expected), "doctor says `{expected}`: {text}");
    }
    assert!(!text.contains("private to you"), "{text}");

    // schedule: --print shows the task; install registers it with Wine's Task Scheduler.
    let print = wine.ok(&["schedule", "--print"], None);
    assert!(
        print.all().contains("<Task version=\"1.2\"")
            && print.all().contains("<Arguments>refresh -q</Arguments>")
            && print
                .all()
                .contains(r"AppData\Local\nexus-token\nexus-token-refresh.xml"),
        "{}",
        print.all()
    );
    let task = wine
        .prefix
        .join("drive_c/windows/system32/tasks/nexus-token-refresh");
    assert!(!task.exists(), "--print installs nothing");
    let schedule = wine.ok(&["schedule"], None);
    assert!(
        schedule
            .all()
            .contains("task `nexus-token-refresh` registered"),
        "{}",
        schedule.all()
    );
    // Wine 8's Task Scheduler parses the whole definition but stores its triggers and actions
    // as empty stubs; what it keeps shows it read our file: the description and the settings.
    let registered = String::from_utf8_lossy(&std::fs::read(&task).unwrap()).into_owned();
    for kept in [
        "<Description>nexus-token schedule: every 12h",
        "<StartWhenAvailable>true</StartWhenAvailable>",
        "<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
        "<ExecutionTimeLimit>PT10M</ExecutionTimeLimit>",
    ] {
        assert!(
            registered.contains(kept),
            "the Task Scheduler holds the task with `{kept}`: {registered}"
        );
    }
    let doctor = wine.run(&["doctor"], None);
    assert!(
        doctor
            .all()
            .contains("a periodic refresh is installed: schtasks"),
        "{}",
        doctor.all()
    );
    let removed = wine.ok(&["schedule", "--remove"], None);
    assert!(
        removed
            .all()
            .contains("deleted the task `nexus-token-refresh`")
            && !task.exists(),
        "{}",
        removed.all()
    );

    // logout: the credential, the helper and the wrapper go.
    wine.ok(&["logout", "--remove-credentials"], None);
    let creds = wine.credentials();
    assert!(
        !creds.contains(&format!("nexus-token:{url}")),
        "logout deleted the credential: {creds}"
    );
    assert!(!helper.exists(), "logout removed the Docker helper");
    assert!(!wrapper.exists(), "logout removed the pnpm wrapper");
    let refresh = wine.run(&["refresh"], None);
    assert_ne!(
        refresh.code,
        0,
        "nothing left to refresh: {}",
        refresh.all()
    );

    // The password was never written to a file: not in the sandbox, not in the prefix.
    for path in files_under(wine.sb.dir.path()) {
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&password),
            "`{}` holds the password",
            path.display()
        );
    }
}

/// Every regular file under `dir`, without following symbolic links (a Wine prefix links its
/// drive `Z:` to `/`).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => todo.push(entry.path()),
                Ok(t) if t.is_file() => out.push(entry.path()),
                _ => {}
            }
        }
    }
    out
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

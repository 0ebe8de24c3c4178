//! Runs every case under `tests/fixtures/netrc/<case>/`:
//! - `in`: the input (absent: the file does not exist yet),
//! - `args.txt`: `key=value` lines: `url=` (the Nexus URL; only its host counts), `login=`,
//!   `password=`, and one `warning=<substring>` per expected warning,
//! - `out`: the exact expected output, or `error.txt`: a substring of the expected error.
//!
//! For every successful case it also checks that a second run changes nothing and that the
//! output reads back the credentials. `NEXUS_TOKEN_BLESS=1` writes a missing `out` (review it!).
//! The ignored test reads every `out` with Python's `netrc` module and with curl.

use nexus_token::targets::netrc::editor::{read, set};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Args {
    host: String,
    login: String,
    password: String,
    warnings: Vec<String>,
    /// `python=unreadable`: Python's netrc refuses the input and the output alike (a comment
    /// it misreads, which the editor warns about); the oracle then checks that it does fail.
    python_unreadable: bool,
}

fn read_args(dir: &Path) -> Args {
    let text = std::fs::read_to_string(dir.join("args.txt")).expect("every case has args.txt");
    let mut args = Args {
        host: String::new(),
        login: String::new(),
        password: String::new(),
        warnings: Vec::new(),
        python_unreadable: false,
    };
    for line in text.lines().filter(|l| !l.is_empty()) {
        let (key, value) = line.split_once('=').expect("args lines are key=value");
        match key {
            "url" => {
                let url = url::Url::parse(value).expect("url= is a URL");
                args.host = url.host_str().expect("the URL has a host").to_owned();
            }
            "login" => args.login = value.to_owned(),
            "password" => args.password = value.to_owned(),
            "warning" => args.warnings.push(value.to_owned()),
            "python" => args.python_unreadable = value == "unreadable",
            other => panic!("unknown key `{other}` in {}", dir.display()),
        }
    }
    args
}

fn case_dirs() -> Vec<PathBuf> {
    crate::support::fixtures::cases("netrc", 1)
}

fn run_case(dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let input = std::fs::read(dir.join("in")).ok();
    let args = read_args(dir);
    let result = set(input.as_deref(), &args.host, &args.login, &args.password);

    if let Ok(expected) = std::fs::read_to_string(dir.join("error.txt")) {
        let expected = expected.trim_end();
        return match result {
            Ok(_) => Err(format!(
                "{name}: expected an error containing `{expected}`, got success"
            )),
            Err(e) if e.to_string().contains(expected) => {
                if e.to_string().contains(&args.password) {
                    Err(format!("{name}: the error contains the password"))
                } else {
                    Ok(())
                }
            }
            Err(e) => Err(format!(
                "{name}: expected an error containing `{expected}`, got `{e}`"
            )),
        };
    }
    let edit = result.map_err(|e| format!("{name}: unexpected error `{e}`"))?;
    let out_path = dir.join("out");
    if !out_path.exists() && std::env::var_os("NEXUS_TOKEN_BLESS").is_some() {
        std::fs::write(&out_path, &edit.output).unwrap();
    }
    let expected =
        std::fs::read(&out_path).map_err(|_| format!("{name}: has neither `out` nor error.txt"))?;
    if edit.output != expected {
        return Err(format!(
            "{name}: output differs from `out`\n--- got ---\n{}\n--- expected ---\n{}",
            String::from_utf8_lossy(&edit.output),
            String::from_utf8_lossy(&expected)
        ));
    }
    if edit.changed != (input.as_deref() != Some(expected.as_slice())) {
        return Err(format!(
            "{name}: `changed` is {} but the bytes say otherwise",
            edit.changed
        ));
    }
    for w in &args.warnings {
        if !edit.warnings.iter().any(|got| got.contains(w.as_str())) {
            return Err(format!(
                "{name}: expected a warning containing `{w}`, got {:?}",
                edit.warnings
            ));
        }
    }
    if args.warnings.len() != edit.warnings.len() {
        return Err(format!(
            "{name}: expected {} warnings, got {:?}",
            args.warnings.len(),
            edit.warnings
        ));
    }
    if edit
        .warnings
        .iter()
        .any(|w| w.contains(&args.password) || w.contains(&args.login))
    {
        return Err(format!("{name}: a warning contains a credential value"));
    }
    let again = set(Some(&edit.output), &args.host, &args.login, &args.password)
        .map_err(|e| format!("{name}: the output does not parse again: {e}"))?;
    if again.changed || again.output != edit.output {
        return Err(format!("{name}: a second run changed the file"));
    }
    let got = read(&edit.output, &args.host).map_err(|e| format!("{name}: read failed: {e}"))?;
    if got != Some((args.login.clone(), args.password.clone())) {
        return Err(format!(
            "{name}: the output does not read back the credentials"
        ));
    }
    Ok(())
}

#[test]
fn every_fixture_case_gives_its_expected_output_or_error() {
    crate::support::fixtures::check_all("netrc", 20, run_case);
}

/// A one-shot HTTP server on 127.0.0.1 that answers 401 with a Basic challenge until a request
/// carries `Authorization`, then records that header and answers 200.
fn capture_basic_auth() -> (u16, std::thread::JoinHandle<Option<String>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        for _ in 0..2 {
            let (mut stream, _) = listener.accept().ok()?;
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .ok()?;
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut chunk).ok()?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let text = String::from_utf8_lossy(&buf).into_owned();
            let auth = text.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("authorization")
                    .then(|| v.trim().to_owned())
            });
            if let Some(auth) = auth {
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
                return Some(auth);
            }
            let _ = stream.write_all(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
        None
    });
    (port, handle)
}

#[test]
#[ignore = "needs python3 and curl"]
fn python_netrc_and_curl_read_every_output() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in case_dirs() {
        let out = dir.join("out");
        if !out.exists() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let args = read_args(&dir);
        let py = Command::new("python3")
            .args([
                "-c",
                "import netrc, sys; a = netrc.netrc(sys.argv[1]).authenticators(sys.argv[2]); print(a[0]); print(a[2])",
            ])
            .arg(&out)
            .arg(&args.host)
            .output()
            .expect("python3 runs");
        let expected = format!("{}\n{}\n", args.login, args.password);
        if args.python_unreadable {
            if py.status.success() {
                failures.push(format!(
                    "{name}: Python's netrc refuses this file, as the warning says"
                ));
            }
        } else if !py.status.success() || String::from_utf8_lossy(&py.stdout) != expected {
            failures.push(format!(
                "{name}: Python's netrc reads the login and password ({})",
                String::from_utf8_lossy(&py.stderr)
            ));
        }
        let (port, server) = capture_basic_auth();
        let curl = Command::new("curl")
            .args([
                "-sS",
                "-o",
                "/dev/null",
                "--max-time",
                "20",
                "--noproxy",
                "*",
                "--netrc-file",
            ])
            .arg(&out)
            .arg("--resolve")
            .arg(format!("{}:{port}:127.0.0.1", args.host))
            .arg(format!("http://{}:{port}/simple/", args.host))
            .output()
            .expect("curl runs");
        let sent = server.join().unwrap();
        use base64::Engine as _;
        let want = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", args.login, args.password))
        );
        if sent.as_deref() != Some(want.as_str()) {
            failures.push(format!(
                "{name}: curl sends the block's credentials (curl: {})",
                String::from_utf8_lossy(&curl.stderr)
            ));
        }
        checked += 1;
    }
    assert!(
        checked >= 15,
        "at least 15 outputs were checked, found {checked}"
    );
    assert!(
        failures.is_empty(),
        "Python and curl read every output:\n{}",
        failures.join("\n")
    );
}

//! Runs every case under `tests/fixtures/pypirc/<case>/`:
//! - `in`: the input (absent: the file does not exist yet),
//! - `args.txt`: `key=value` lines: `section=`, `username=`, `password=` (`\n` stands for a line
//!   break), optional `repository=`, and one `warning=<substring>` per expected warning,
//! - `out`: the exact expected output, or `error.txt`: a substring of the expected error.
//!
//! For every successful case it also checks that a second run changes nothing and that the
//! output reads back the credentials. `NEXUS_TOKEN_BLESS=1` writes a missing `out` (review it!).
//! The ignored test reads every `out` with twine's own configuration reader.

use nexus_token::targets::pypirc::editor::{read, set};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Args {
    section: String,
    username: String,
    password: String,
    repository: Option<String>,
    warnings: Vec<String>,
}

fn read_args(dir: &Path) -> Args {
    let text = std::fs::read_to_string(dir.join("args.txt")).expect("every case has args.txt");
    let mut args = Args {
        section: String::new(),
        username: String::new(),
        password: String::new(),
        repository: None,
        warnings: Vec::new(),
    };
    for line in text.lines().filter(|l| !l.is_empty()) {
        let (key, value) = line.split_once('=').expect("args lines are key=value");
        match key {
            "section" => args.section = value.to_owned(),
            "username" => args.username = value.to_owned(),
            "password" => args.password = value.replace("\\n", "\n"),
            "repository" => args.repository = Some(value.to_owned()),
            "warning" => args.warnings.push(value.to_owned()),
            other => panic!("unknown key `{other}` in {}", dir.display()),
        }
    }
    args
}

fn case_dirs() -> Vec<PathBuf> {
    crate::support::fixtures::cases("pypirc", 1)
}

fn edit(
    input: Option<&[u8]>,
    args: &Args,
) -> Result<nexus_token::targets::pypirc::editor::Edit, String> {
    set(
        input,
        &args.section,
        &args.username,
        &args.password,
        args.repository.as_deref(),
    )
    .map_err(|e| e.to_string())
}

fn run_case(dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let input = std::fs::read(dir.join("in")).ok();
    let args = read_args(dir);
    let result = edit(input.as_deref(), &args);

    if let Ok(expected) = std::fs::read_to_string(dir.join("error.txt")) {
        let expected = expected.trim_end();
        return match result {
            Ok(_) => Err(format!(
                "{name}: expected an error containing `{expected}`, got success"
            )),
            Err(e) if e.contains(expected) => {
                if e.contains(&args.password) {
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
    let edit_result = result.map_err(|e| format!("{name}: unexpected error `{e}`"))?;
    let out_path = dir.join("out");
    if !out_path.exists() && std::env::var_os("NEXUS_TOKEN_BLESS").is_some() {
        std::fs::write(&out_path, &edit_result.output).unwrap();
    }
    let expected =
        std::fs::read(&out_path).map_err(|_| format!("{name}: has neither `out` nor error.txt"))?;
    if edit_result.output != expected {
        return Err(format!(
            "{name}: output differs from `out`\n--- got ---\n{}\n--- expected ---\n{}",
            String::from_utf8_lossy(&edit_result.output),
            String::from_utf8_lossy(&expected)
        ));
    }
    if edit_result.changed != (input.as_deref() != Some(expected.as_slice())) {
        return Err(format!(
            "{name}: `changed` is {} but the bytes say otherwise",
            edit_result.changed
        ));
    }
    for w in &args.warnings {
        if !edit_result
            .warnings
            .iter()
            .any(|got| got.contains(w.as_str()))
        {
            return Err(format!(
                "{name}: expected a warning containing `{w}`, got {:?}",
                edit_result.warnings
            ));
        }
    }
    if args.warnings.len() != edit_result.warnings.len() {
        return Err(format!(
            "{name}: expected {} warnings, got {:?}",
            args.warnings.len(),
            edit_result.warnings
        ));
    }
    if edit_result
        .warnings
        .iter()
        .any(|w| w.contains(&args.password))
    {
        return Err(format!("{name}: a warning contains the password"));
    }
    let again = edit(Some(&edit_result.output), &args)
        .map_err(|e| format!("{name}: the output does not parse again: {e}"))?;
    if again.changed || again.output != edit_result.output {
        return Err(format!("{name}: a second run changed the file"));
    }
    let got = read(&edit_result.output, &args.section)
        .map_err(|e| format!("{name}: read failed: {e}"))?
        .ok_or_else(|| format!("{name}: the section is missing from the output"))?;
    if got.username.as_deref() != Some(args.username.as_str())
        || got.password.as_deref() != Some(args.password.as_str())
    {
        return Err(format!(
            "{name}: the output does not read back the credentials"
        ));
    }
    Ok(())
}

#[test]
fn every_fixture_case_gives_its_expected_output_or_error() {
    crate::support::fixtures::check_all("pypirc", 20, run_case);
}

#[test]
#[ignore = "needs python3 and twine"]
fn twine_reads_every_output() {
    let script = "import sys\n\
from twine.utils import get_repository_from_config\n\
c = get_repository_from_config(sys.argv[1], sys.argv[2])\n\
print(c['username']); print(c['password']); print(c['repository'])\n";
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in case_dirs() {
        let out = dir.join("out");
        if !out.exists() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let args = read_args(&dir);
        let py = Command::new(crate::support::twine_python())
            .args(["-c", script])
            .arg(&out)
            .arg(&args.section)
            .output()
            .expect("python3 runs");
        let stdout = String::from_utf8_lossy(&py.stdout).into_owned();
        let mut lines = stdout.lines();
        let (user, pass) = (lines.next(), lines.next());
        if !py.status.success()
            || user != Some(args.username.as_str())
            || pass != Some(args.password.as_str())
        {
            failures.push(format!(
                "{name}: twine reads the username and password ({})",
                String::from_utf8_lossy(&py.stderr)
                    .lines()
                    .last()
                    .unwrap_or_default()
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
        "twine reads every output:\n{}",
        failures.join("\n")
    );
}

//! Runs every case under `tests/fixtures/maven/<case>/`:
//! - `in.xml`: the input (absent: the file does not exist yet),
//! - `args.txt`: `key=value` lines: `ids=a,b`, `username=`, `password=`,
//!   `password_is_encrypted=true`, and one `warning=<substring>` per expected warning,
//! - `out.xml`: the exact expected output, or `error.txt`: a substring of the expected error.
//!
//! For every successful case it also checks that a second run changes nothing and that the
//! output reads back the credentials for every id. New cases need no code.

use nexus_token::maven::{Credentials, read_server, set_credentials};
use std::path::Path;

struct Args {
    ids: Vec<String>,
    username: String,
    password: String,
    encrypted: bool,
    warnings: Vec<String>,
}

fn read_args(dir: &Path) -> Args {
    let text = std::fs::read_to_string(dir.join("args.txt")).expect("every case has args.txt");
    let mut args = Args {
        ids: Vec::new(),
        username: String::new(),
        password: String::new(),
        encrypted: false,
        warnings: Vec::new(),
    };
    for line in text.lines().filter(|l| !l.is_empty()) {
        let (key, value) = line.split_once('=').expect("args lines are key=value");
        match key {
            "ids" => args.ids = value.split(',').map(str::to_owned).collect(),
            "username" => args.username = value.to_owned(),
            "password" => args.password = value.to_owned(),
            "password_is_encrypted" => args.encrypted = value == "true",
            "warning" => args.warnings.push(value.to_owned()),
            other => panic!("unknown key `{other}` in {}", dir.display()),
        }
    }
    args
}

fn run_case(dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let input = std::fs::read(dir.join("in.xml")).ok();
    let args = read_args(dir);
    let ids: Vec<&str> = args.ids.iter().map(String::as_str).collect();
    let creds = Credentials {
        username: &args.username,
        password: &args.password,
        password_is_encrypted: args.encrypted,
    };
    let result = set_credentials(input.as_deref(), &ids, &creds);

    if let Ok(expected) = std::fs::read_to_string(dir.join("error.txt")) {
        let expected = expected.trim_end();
        return match result {
            Ok(_) => Err(format!(
                "{name}: expected an error containing `{expected}`, got success"
            )),
            Err(e) if e.to_string().contains(expected) => Ok(()),
            Err(e) => Err(format!(
                "{name}: expected an error containing `{expected}`, got `{e}`"
            )),
        };
    }

    let expected = std::fs::read(dir.join("out.xml"))
        .map_err(|_| format!("{name}: has neither out.xml nor error.txt"))?;
    let edit = result.map_err(|e| format!("{name}: unexpected error `{e}`"))?;
    if edit.output != expected {
        return Err(format!(
            "{name}: output differs from out.xml\n--- got ---\n{}\n--- expected ---\n{}",
            String::from_utf8_lossy(&edit.output),
            String::from_utf8_lossy(&expected)
        ));
    }
    if input.as_deref() == Some(expected.as_slice()) && !edit.changed.is_empty() {
        return Err(format!(
            "{name}: nothing changed but `changed` is {:?}",
            edit.changed
        ));
    }
    if input.as_deref() != Some(expected.as_slice()) && edit.changed.is_empty() {
        return Err(format!("{name}: the file changed but `changed` is empty"));
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
    for w in &edit.warnings {
        if w.contains(&args.password) {
            return Err(format!("{name}: a warning contains the password"));
        }
    }

    let again = set_credentials(Some(&edit.output), &ids, &creds)
        .map_err(|e| format!("{name}: the output does not parse again: {e}"))?;
    if !again.changed.is_empty() || again.output != edit.output {
        return Err(format!("{name}: a second run changed {:?}", again.changed));
    }
    for id in &ids {
        let entry = read_server(&edit.output, id)
            .map_err(|e| format!("{name}: read_server failed: {e}"))?
            .ok_or_else(|| format!("{name}: server `{id}` is missing from the output"))?;
        if entry.username.as_deref() != Some(args.username.as_str())
            || entry.password.as_deref() != Some(args.password.as_str())
        {
            return Err(format!(
                "{name}: server `{id}` does not read back the credentials"
            ));
        }
    }
    Ok(())
}

#[test]
fn every_fixture_case_gives_its_expected_output_or_error() {
    crate::support::fixtures::check_all("maven", 25, run_case);
}

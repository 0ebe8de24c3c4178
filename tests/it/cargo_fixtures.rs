//! Runs every case under `tests/fixtures/cargo/<case>/`:
//! - `in.toml`: the input (absent: the file does not exist yet),
//! - `args.txt`: `key=value` lines: `op=set` (default), `op=remove` (logout) or
//!   `op=remove-token` (credentials.toml), `registry=`, `index=`, `profile=`, and one
//!   `warning=<substring>` per expected warning,
//! - `out.toml`: the exact expected output, or `error.txt`: a substring of the expected error.
//!
//! The provider written is `["cargo:token-from-stdout", "/usr/local/bin/nexus-token", "token",
//! "--profile", PROFILE, "--format", "basic"]`. For every successful case it also checks that a
//! second run changes nothing and that the output parses and reads back. New cases need no code.

use nexus_token::targets::cargo::editor::{
    has_stale_token, provider_for, read_provider, remove_provider, remove_stale_token, set_provider,
};
use std::path::Path;

fn run_case(dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let input = std::fs::read_to_string(dir.join("in.toml")).ok();
    let args = std::fs::read_to_string(dir.join("args.txt")).expect("every case has args.txt");
    let (mut op, mut registry, mut index, mut profile) =
        ("set".to_owned(), String::new(), None, "default".to_owned());
    let mut warnings = Vec::new();
    for line in args.lines().filter(|l| !l.is_empty()) {
        match line.split_once('=').expect("args lines are key=value") {
            ("op", v) => op = v.to_owned(),
            ("registry", v) => registry = v.to_owned(),
            ("index", v) => index = Some(v.to_owned()),
            ("profile", v) => profile = v.to_owned(),
            ("warning", v) => warnings.push(v.to_owned()),
            (other, _) => panic!("unknown key `{other}` in {name}"),
        }
    }
    let provider = provider_for("/usr/local/bin/nexus-token", &profile, None);
    let run = |text: Option<&str>| match op.as_str() {
        "set" => set_provider(text, &registry, &provider, index.as_deref()),
        "remove" => remove_provider(text.unwrap_or_default(), &registry),
        "remove-token" => remove_stale_token(text.unwrap_or_default(), &registry),
        other => panic!("unknown op `{other}` in {name}"),
    };
    let result = run(input.as_deref());
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
    let expected = std::fs::read_to_string(dir.join("out.toml"))
        .map_err(|_| format!("{name}: has neither out.toml nor error.txt"))?;
    let edit = result.map_err(|e| format!("{name}: unexpected error `{e}`"))?;
    if edit.output != expected {
        return Err(format!(
            "{name}: output differs from out.toml\n--- got ---\n{}\n--- expected ---\n{expected}",
            edit.output
        ));
    }
    if (input.as_deref() == Some(expected.as_str())) != edit.changed.is_empty() {
        return Err(format!(
            "{name}: `changed` is {:?} for this output",
            edit.changed
        ));
    }
    if warnings.len() != edit.warnings.len()
        || !warnings
            .iter()
            .all(|w| edit.warnings.iter().any(|g| g.contains(w.as_str())))
    {
        return Err(format!(
            "{name}: expected warnings {warnings:?}, got {:?}",
            edit.warnings
        ));
    }
    let again =
        run(Some(&edit.output)).map_err(|e| format!("{name}: output does not parse: {e}"))?;
    if !again.changed.is_empty() || again.output != edit.output {
        return Err(format!("{name}: a second run changed {:?}", again.changed));
    }
    edit.output
        .parse::<toml::Table>()
        .map_err(|e| format!("{name}: the toml crate does not read the output: {e}"))?;
    match op.as_str() {
        "set"
            if read_provider(&edit.output, &registry).unwrap().as_deref()
                != Some(provider.as_slice()) =>
        {
            Err(format!("{name}: the provider does not read back"))
        }
        "remove-token" if has_stale_token(&edit.output, &registry).unwrap() => {
            Err(format!("{name}: the token is still there"))
        }
        _ => Ok(()),
    }
}

#[test]
fn every_cargo_fixture_case_gives_its_expected_output_or_error() {
    crate::support::fixtures::check_all("cargo", 8, run_case);
}

//! Runs every case under `tests/fixtures/docker/<case>/`:
//! - `in.json`: the input (absent: the file does not exist yet),
//! - `args.txt`: `key=value` lines: `op=set` (default) or `op=remove`, `host=`, and one
//!   `warning=<substring>` per expected warning,
//! - `out.json`: the exact expected output, or `error.txt`: a substring of the expected error.
//!
//! For every successful case it also checks that a second run changes nothing and that the
//! output reads back (or no longer holds) the helper. New cases need no code.

use nexus_token::targets::docker::editor::{
    HELPER_NAME, has_stored_credential, read_cred_helper, remove_cred_helper, set_cred_helper,
};
use std::path::Path;

fn run_case(dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let input = std::fs::read(dir.join("in.json")).ok();
    let args = std::fs::read_to_string(dir.join("args.txt")).expect("every case has args.txt");
    let (mut op, mut host, mut warnings) = ("set".to_owned(), String::new(), Vec::new());
    for line in args.lines().filter(|l| !l.is_empty()) {
        match line.split_once('=').expect("args lines are key=value") {
            ("op", v) => op = v.to_owned(),
            ("host", v) => host = v.to_owned(),
            ("warning", v) => warnings.push(v.to_owned()),
            (other, _) => panic!("unknown key `{other}` in {name}"),
        }
    }
    let run = |bytes: Option<&[u8]>| match op.as_str() {
        "set" => set_cred_helper(bytes, &host, HELPER_NAME),
        "remove" => remove_cred_helper(bytes.unwrap_or_default(), &host),
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
    let expected = std::fs::read(dir.join("out.json"))
        .map_err(|_| format!("{name}: has neither out.json nor error.txt"))?;
    let edit = result.map_err(|e| format!("{name}: unexpected error `{e}`"))?;
    if edit.output != expected {
        return Err(format!(
            "{name}: output differs from out.json\n--- got ---\n{}\n--- expected ---\n{}",
            String::from_utf8_lossy(&edit.output),
            String::from_utf8_lossy(&expected)
        ));
    }
    if (input.as_deref() == Some(expected.as_slice())) != edit.changed.is_empty() {
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
    serde_json::from_slice::<serde_json::Value>(&edit.output)
        .map_err(|e| format!("{name}: serde_json does not read the output: {e}"))?;
    let helper = read_cred_helper(&edit.output, &host).unwrap();
    match op.as_str() {
        "set" => {
            if helper.as_deref() != Some(HELPER_NAME) {
                return Err(format!("{name}: the output does not name nexus-token"));
            }
            if has_stored_credential(&edit.output, &host).unwrap() {
                return Err(format!("{name}: a stored credential for the host is left"));
            }
        }
        _ if helper.as_deref() == Some(HELPER_NAME) => {
            return Err(format!("{name}: the helper is still named after remove"));
        }
        _ => {}
    }
    Ok(())
}

#[test]
fn every_docker_fixture_case_gives_its_expected_output_or_error() {
    crate::support::fixtures::check_all("docker", 10, run_case);
}

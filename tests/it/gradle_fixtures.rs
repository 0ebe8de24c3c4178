//! Fixture cases for the gradle.properties editor: `tests/fixtures/gradle/<case>/`.
//!
//! - `in.properties`: the file before (absent: the file does not exist yet);
//! - `out.properties`: the exact file after, or `error.txt`: text the error message contains;
//! - `args.txt`, one directive a line: `prefix P` (keys `PUsername`/`PPassword`), `keys U P`
//!   (explicit names), `username VALUE` / `password VALUE` (the rest of the line, verbatim),
//!   `warning TEXT` (some warning contains TEXT), `unchanged` (nothing may be reported changed).

use std::fs;
use std::path::Path;

use nexus_token::gradle::{keys_for_prefix, read_property, set_properties};

struct Args {
    keys: Vec<(String, String)>,
    username: String,
    password: String,
    warnings: Vec<String>,
    unchanged: bool,
}

fn read_args(path: &Path) -> Args {
    let text = fs::read_to_string(path).unwrap();
    let mut args = Args {
        keys: Vec::new(),
        username: "tokUser".to_owned(),
        password: "tokPass".to_owned(),
        warnings: Vec::new(),
        unchanged: false,
    };
    for line in text.lines() {
        let (directive, rest) = line.split_once(' ').unwrap_or((line, ""));
        match directive {
            "prefix" => args.keys.push(keys_for_prefix(rest)),
            "keys" => {
                let (u, p) = rest.split_once(' ').expect("`keys` takes two names");
                args.keys.push((u.to_owned(), p.to_owned()));
            }
            "username" => args.username = rest.to_owned(),
            "password" => args.password = rest.to_owned(),
            "warning" => args.warnings.push(rest.to_owned()),
            "unchanged" => args.unchanged = true,
            "" => {}
            other => panic!("unknown directive `{other}` in {}", path.display()),
        }
    }
    args
}

fn run_case(dir: &Path) {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let args = read_args(&dir.join("args.txt"));
    let input = fs::read(dir.join("in.properties")).ok();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (u, p) in &args.keys {
        pairs.push((u, &args.username));
        pairs.push((p, &args.password));
    }
    let result = set_properties(input.as_deref(), &pairs);

    if let Ok(expected) = fs::read_to_string(dir.join("error.txt")) {
        let err = result.expect_err(&format!("{name}: the edit fails"));
        assert!(
            err.to_string().contains(expected.trim_end()),
            "{name}: the error `{err}` names `{}`",
            expected.trim_end()
        );
        return;
    }

    let edit = result.unwrap_or_else(|e| panic!("{name}: the edit succeeds, got `{e}`"));
    let expected = fs::read(dir.join("out.properties")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&edit.output),
        String::from_utf8_lossy(&expected),
        "{name}: the output is exactly out.properties"
    );
    assert_eq!(edit.output, expected, "{name}: the output bytes match");
    for want in &args.warnings {
        assert!(
            edit.warnings.iter().any(|w| w.contains(want.as_str())),
            "{name}: a warning mentions `{want}`, got {:?}",
            edit.warnings
        );
    }
    if args.warnings.is_empty() {
        assert!(
            edit.warnings.is_empty(),
            "{name}: no warning is given, got {:?}",
            edit.warnings
        );
    }
    for w in &edit.warnings {
        assert!(
            !w.contains(&args.username) && !w.contains(&args.password),
            "{name}: warnings never contain values"
        );
    }
    if args.unchanged {
        assert!(
            edit.changed.is_empty(),
            "{name}: nothing is reported changed"
        );
        assert_eq!(
            Some(edit.output.as_slice()),
            input.as_deref(),
            "{name}: an unchanged file is returned byte for byte"
        );
    } else {
        assert!(
            !edit.changed.is_empty(),
            "{name}: something is reported changed"
        );
    }
    for (key, value) in &pairs {
        assert_eq!(
            read_property(&edit.output, key).unwrap().as_deref(),
            Some(*value),
            "{name}: `{key}` reads back as written"
        );
    }
    let again = set_properties(Some(&edit.output), &pairs).unwrap();
    assert!(
        again.changed.is_empty(),
        "{name}: a second application changes nothing"
    );
    assert_eq!(
        again.output, edit.output,
        "{name}: a second application keeps the bytes"
    );
}

#[test]
fn gradle_fixtures() {
    let dirs = crate::support::fixtures::cases("gradle", 1);
    assert!(dirs.len() >= 15, "at least 15 fixture cases exist");
    for dir in &dirs {
        run_case(dir);
    }
    eprintln!("{} gradle fixture cases passed", dirs.len());
}

//! Fixture cases for the `.npmrc` editor: `tests/fixtures/npmrc/<case>/`.
//!
//! - `in.npmrc`: the file before (absent: the file does not exist yet);
//! - `out.npmrc`: the exact file after, or `error.txt`: text the error message contains;
//! - `args.txt`, one directive a line: `registry URL` (repeatable; its key comes from
//!   `registry_key`), `auth VALUE` (default: base64 of `tokUser:tokPass`), `warning TEXT` (some
//!   warning contains TEXT; without any, no warning may be given), `unchanged` (nothing may be
//!   reported changed), `clear` / `clear-helper` (run `clear_auth` instead of `set_auth`, without
//!   or with the `tokenHelper` lines).
//!
//! Every successful `set_auth` case also checks that the output reads back the token at each key
//! with no competing credential left, and that a second run changes nothing.

use std::fs;
use std::path::Path;

use nexus_token::targets::npm::editor::{
    CONFLICTING_NAMES, Edit, Error, NpmAuth, clear_auth, read_auth, read_value, registry_key,
    set_auth,
};

const AUTH: &str = "dG9rVXNlcjp0b2tQYXNz";

#[derive(Default)]
struct Args {
    registries: Vec<String>,
    auth: Option<String>,
    warnings: Vec<String>,
    unchanged: bool,
    clear: Option<bool>,
}

fn read_args(path: &Path) -> Args {
    let text = fs::read_to_string(path).unwrap();
    let mut args = Args::default();
    for line in text.lines() {
        let (directive, rest) = line.split_once(' ').unwrap_or((line, ""));
        match directive {
            "registry" => args.registries.push(rest.to_owned()),
            "auth" => args.auth = Some(rest.to_owned()),
            "warning" => args.warnings.push(rest.to_owned()),
            "unchanged" => args.unchanged = true,
            "clear" => args.clear = Some(false),
            "clear-helper" => args.clear = Some(true),
            "" => {}
            other => panic!("unknown directive `{other}` in {}", path.display()),
        }
    }
    args
}

fn run(input: Option<&[u8]>, args: &Args) -> Result<(Vec<String>, Edit), Error> {
    let keys = args
        .registries
        .iter()
        .map(|r| registry_key(r))
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let auth = args.auth.as_deref().unwrap_or(AUTH);
    let edit = match args.clear {
        Some(helper) => clear_auth(input.unwrap_or_default(), &refs, helper)?,
        None => set_auth(input, &refs, auth)?,
    };
    Ok((keys, edit))
}

fn run_case(dir: &Path) {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let args = read_args(&dir.join("args.txt"));
    let input = fs::read(dir.join("in.npmrc")).ok();
    let result = run(input.as_deref(), &args);

    if let Ok(expected) = fs::read_to_string(dir.join("error.txt")) {
        let err = result
            .err()
            .unwrap_or_else(|| panic!("{name}: the edit fails"));
        assert!(
            err.to_string().contains(expected.trim_end()),
            "{name}: the error `{err}` names `{}`",
            expected.trim_end()
        );
        return;
    }

    let (keys, edit) = result.unwrap_or_else(|e| panic!("{name}: the edit succeeds, got `{e}`"));
    let expected = fs::read(dir.join("out.npmrc")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&edit.output),
        String::from_utf8_lossy(&expected),
        "{name}: the output is exactly out.npmrc"
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
    let auth = args.auth.as_deref().unwrap_or(AUTH);
    for w in &edit.warnings {
        assert!(
            !w.contains(auth),
            "{name}: warnings never contain the value"
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

    if args.clear.is_some() {
        for key in &keys {
            assert_eq!(
                read_value(&edit.output, &format!("{key}:_auth")).unwrap(),
                None,
                "{name}: `_auth` is gone at {key}"
            );
        }
        return;
    }
    for key in &keys {
        assert_eq!(
            read_value(&edit.output, &format!("{key}:_auth"))
                .unwrap()
                .as_deref(),
            Some(auth),
            "{name}: `_auth` at {key} reads back as written"
        );
        for other in CONFLICTING_NAMES {
            assert_eq!(
                read_value(&edit.output, &format!("{key}:{other}")).unwrap(),
                None,
                "{name}: no `{other}` is left at {key}"
            );
        }
        if auth == AUTH {
            assert_eq!(
                read_auth(&edit.output, key).unwrap(),
                Some(NpmAuth::Basic {
                    username: "tokUser".into(),
                    password: "tokPass".into()
                }),
                "{name}: npm would send the token at {key}"
            );
        }
    }
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let again = set_auth(Some(&edit.output), &refs, auth).unwrap();
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
fn npmrc_fixtures() {
    let dirs = crate::support::fixtures::cases("npmrc", 1);
    assert!(dirs.len() >= 20, "at least 20 fixture cases exist");
    for dir in &dirs {
        run_case(dir);
    }
    eprintln!("{} npmrc fixture cases passed", dirs.len());
}

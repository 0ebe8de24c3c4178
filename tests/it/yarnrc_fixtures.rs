//! Fixture cases for the `.yarnrc.yml` editor: `tests/fixtures/yarnrc/<case>/`.
//!
//! - `in.yml`: the file before (absent: the file does not exist yet);
//! - `out.yml`: the exact file after, or `error.txt`: text the error message contains;
//! - `args.txt`, one directive a line: `registry URL` (repeatable), `unchanged` (nothing may be
//!   reported changed), `clear` (run `clear_auth` instead of `set_auth`).
//!
//! The token is `tokUser:tokPass`. Every successful `set_auth` case also checks that Yarn's entry
//! for each registry reads back the ident, and that a second run changes nothing.

use std::fs;
use std::path::Path;

use nexus_token::targets::yarn::editor::{
    Edit, Error, Registry, YarnAuth, clear_auth, read_auth, set_auth,
};

use crate::support::fixtures;

const IDENT: &str = "tokUser:tokPass";

#[derive(Default)]
struct Args {
    registries: Vec<String>,
    unchanged: bool,
    clear: bool,
}

fn read_args(path: &Path) -> Args {
    let text = fs::read_to_string(path).unwrap();
    let mut args = Args::default();
    for line in text.lines() {
        let (directive, rest) = line.split_once(' ').unwrap_or((line, ""));
        match directive {
            "registry" => args.registries.push(rest.to_owned()),
            "unchanged" => args.unchanged = true,
            "clear" => args.clear = true,
            "" => {}
            other => panic!("unknown directive `{other}` in {}", path.display()),
        }
    }
    args
}

fn run(input: Option<&[u8]>, regs: &[Registry], args: &Args) -> Result<Edit, Error> {
    if args.clear {
        clear_auth(input.unwrap_or_default(), regs)
    } else {
        set_auth(input, regs, IDENT)
    }
}

fn run_case(dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let args = read_args(&dir.join("args.txt"));
    let regs: Vec<Registry> = args
        .registries
        .iter()
        .map(|u| Registry::parse(u).unwrap())
        .collect();
    let input = fs::read(dir.join("in.yml")).ok();
    let result = run(input.as_deref(), &regs, &args);
    if let Ok(expected) = fs::read_to_string(dir.join("error.txt")) {
        return match result {
            Err(e) if e.to_string().contains(expected.trim_end()) => Ok(()),
            Err(e) => Err(format!(
                "{name}: the error `{e}` names `{}`",
                expected.trim_end()
            )),
            Ok(_) => Err(format!("{name}: the edit fails")),
        };
    }
    let edit = result.map_err(|e| format!("{name}: the edit succeeds: {e}"))?;
    let expected = fs::read(dir.join("out.yml")).map_err(|e| format!("{name}: out.yml: {e}"))?;
    if edit.output != expected {
        return Err(format!(
            "{name}: output differs:\n--- got\n{}\n--- expected\n{}",
            String::from_utf8_lossy(&edit.output),
            String::from_utf8_lossy(&expected)
        ));
    }
    if args.unchanged != edit.changed.is_empty() {
        return Err(format!("{name}: changed = {:?}", edit.changed));
    }
    if args.clear {
        for r in &regs {
            if let Ok(Some(YarnAuth::Ident(_))) = read_auth(&edit.output, r) {
                return Err(format!("{name}: no ident is left for {}", r.key));
            }
        }
        return Ok(());
    }
    for r in &regs {
        let auth = read_auth(&edit.output, r).map_err(|e| format!("{name}: {e}"))?;
        if auth != Some(YarnAuth::Ident(IDENT.into())) {
            return Err(format!("{name}: Yarn's entry for {} holds {auth:?}", r.key));
        }
    }
    let again = set_auth(Some(&edit.output), &regs, IDENT).map_err(|e| format!("{name}: {e}"))?;
    if again.output != edit.output || !again.changed.is_empty() {
        return Err(format!("{name}: a second run changes nothing"));
    }
    Ok(())
}

#[test]
fn yarnrc_fixture_cases() {
    fixtures::check_all("yarnrc", 12, run_case);
}

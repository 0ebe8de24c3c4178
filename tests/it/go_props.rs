//! Property test of Go's env-file editor: for generated files (settings Go reads, comments, lines
//! Go ignores, duplicates, GOPROXY/GOAUTH lists or none, with or without a final newline),
//! setting a key makes Go read the new value, every line but the one Go reads for that key keeps
//! its bytes, a second run changes nothing, and the GOPROXY/GOAUTH list edits keep every other
//! entry in order and undo exactly.

use nexus_token::targets::go::editor::{
    auth_commands, auth_with, auth_without, get, proxies, proxy_with, proxy_without, set,
};
use proptest::prelude::*;

const OURS: &str = "https://nexus.example/repository/go-proxy/";
const COMMAND: &str = "/opt/nexus-token goauth --profile p";

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        ("GO[A-Z]{2,8}", "[ -~]{0,20}").prop_map(|(k, v)| format!("{k}={v}")),
        "[ -~]{0,20}".prop_map(|v| format!("GOPROXY={v}")),
        "[ -~]{0,20}".prop_map(|v| format!("# {v}")),
        "[a-z][ -~]{0,20}",
        Just(String::new()),
    ]
}

fn file() -> impl Strategy<Value = String> {
    (prop::collection::vec(line(), 0..8), any::<bool>()).prop_map(|(lines, final_newline)| {
        let mut text = lines.join("\n");
        if final_newline && !text.is_empty() {
            text.push('\n');
        }
        text
    })
}

fn entry() -> impl Strategy<Value = String> {
    prop_oneof![
        "https://[a-z]{1,8}\\.example(/[a-z]{1,6})?/?",
        Just("direct".to_owned()),
        Just("off".to_owned()),
    ]
}

proptest! {
    #[test]
    fn set_changes_only_the_line_go_reads(text in file(), value in "[ -~]{0,30}") {
        let out = set(text.as_bytes(), "GOPROXY", &value);
        prop_assert_eq!(get(&out, "GOPROXY"), Some(value.clone()));
        prop_assert_eq!(set(&out, "GOPROXY", &value), out.clone(), "a second run changes nothing");
        let out = String::from_utf8(out).unwrap();
        let before: Vec<&str> = text.lines().collect();
        let after: Vec<&str> = out.lines().collect();
        let changed: Vec<usize> = (0..before.len().max(after.len()))
            .filter(|&i| before.get(i) != after.get(i))
            .collect();
        prop_assert!(changed.len() <= 1, "at most one line differs: {changed:?}\n{text:?}\n{out:?}");
        if let Some(&i) = changed.first() {
            prop_assert_eq!(after[i], format!("GOPROXY={value}"));
            prop_assert!(before.get(i).is_none_or(|l| l.starts_with("GOPROXY=")));
        }
    }

    #[test]
    fn goproxy_keeps_the_other_entries_in_order_and_undoes_exactly(
        entries in prop::collection::vec((entry(), prop_oneof![Just(','), Just('|')]), 0..5)
    ) {
        let entries: Vec<_> = entries
            .into_iter()
            .filter(|(e, _)| e.trim_end_matches('/') != OURS.trim_end_matches('/'))
            .collect();
        let mut existing = String::new();
        for (n, (e, sep)) in entries.iter().enumerate() {
            existing.push_str(e);
            if n + 1 < entries.len() {
                existing.push(*sep);
            }
        }
        let ours = vec![OURS.to_owned()];
        let with = proxy_with((!existing.is_empty()).then_some(existing.as_str()), &ours);
        prop_assert_eq!(proxies(&with).first().cloned(), Some(OURS.to_owned()));
        prop_assert_eq!(proxy_with(Some(&with), &ours), with.clone(), "idempotent");
        prop_assert_eq!(proxy_without(&with, &ours), existing, "logout restores the list");
    }

    #[test]
    fn goauth_puts_ours_first_and_keeps_the_others(
        others in prop::collection::vec(prop_oneof![
            Just("netrc".to_owned()),
            "git /[a-z]{1,8}",
            "/[a-z]{1,8}/helper( --[a-z]{1,4})?",
        ], 0..4)
    ) {
        let existing = others.join(";");
        let (with, warnings) = auth_with(
            (!existing.is_empty()).then_some(existing.as_str()),
            COMMAND,
            &|_| false,
        );
        prop_assert!(warnings.is_empty());
        let commands = auth_commands(&with);
        prop_assert_eq!(commands[0], COMMAND);
        let rest: Vec<String> = commands[1..].iter().map(|c| (*c).to_owned()).collect();
        prop_assert_eq!(rest, others.clone());
        prop_assert_eq!(auth_without(&with, &|c| c == COMMAND), existing);
    }
}

//! Property test of the .pypirc editor: for generated files (sections in any order, `=`/`:`
//! separators with any spacing, key case, indentation, comments, continuation lines, an
//! optional `[distutils]` in several styles, CRLF, no final newline) and tokens, the output reads
//! back the token, every option outside the target section and `index-servers` reads as before,
//! the target section is listed in `index-servers`, and a second run changes nothing.

use nexus_token::targets::pypirc::editor::{options, read, set};
use proptest::prelude::*;

const SECTIONS: [&str; 3] = ["nexus", "pypi", "other"];
const TARGET: &str = "nexus";

#[derive(Debug, Clone)]
struct OptSpec {
    key: &'static str,
    upper: bool,
    sep: &'static str,
    value: String,
    continued: bool,
}

#[derive(Debug, Clone)]
struct SectSpec {
    name: usize,
    indent: bool,
    comment: bool,
    options: Vec<OptSpec>,
}

#[derive(Debug, Clone)]
struct FileSpec {
    distutils: Option<(usize, Vec<usize>)>,
    sections: Vec<SectSpec>,
    crlf: bool,
    final_newline: bool,
}

fn opt() -> impl Strategy<Value = OptSpec> {
    (
        prop_oneof![
            Just("repository"),
            Just("username"),
            Just("password"),
            Just("ca_cert")
        ],
        any::<bool>(),
        prop_oneof![Just(" = "), Just("="), Just(": "), Just(":"), Just(" =  ")],
        "[A-Za-z0-9%;#/:._-]{0,12}",
        any::<bool>(),
    )
        .prop_map(|(key, upper, sep, value, continued)| OptSpec {
            key,
            upper,
            sep,
            value,
            continued,
        })
}

fn sect() -> impl Strategy<Value = SectSpec> {
    (
        0..SECTIONS.len(),
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(opt(), 0..4),
    )
        .prop_map(|(name, indent, comment, mut options)| {
            let mut seen = Vec::new();
            options.retain(|o| {
                let fresh = !seen.contains(&o.key);
                seen.push(o.key);
                fresh
            });
            SectSpec {
                name,
                indent,
                comment,
                options,
            }
        })
}

fn file_spec() -> impl Strategy<Value = FileSpec> {
    (
        proptest::option::of((
            0..3usize,
            proptest::collection::vec(0..SECTIONS.len(), 0..3),
        )),
        proptest::collection::vec(sect(), 0..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(distutils, mut sections, crlf, final_newline)| {
            let mut seen = Vec::new();
            sections.retain(|s| {
                let fresh = !seen.contains(&s.name);
                seen.push(s.name);
                fresh
            });
            FileSpec {
                distutils,
                sections,
                crlf,
                final_newline,
            }
        })
}

fn render(spec: &FileSpec) -> Vec<u8> {
    let nl = if spec.crlf { "\r\n" } else { "\n" };
    let mut s = String::new();
    if let Some((style, listed)) = &spec.distutils {
        s.push_str(&format!("[distutils]{nl}"));
        let names: Vec<&str> = listed.iter().map(|i| SECTIONS[*i]).collect();
        match style {
            0 => s.push_str(&format!("index-servers = {}{nl}", names.join(" "))),
            1 => {
                s.push_str(&format!("index-servers ={nl}"));
                for n in &names {
                    s.push_str(&format!("    {n}{nl}"));
                }
            }
            _ => s.push_str(&format!("# no list yet{nl}")),
        }
        s.push_str(nl);
    }
    for sect in &spec.sections {
        if sect.comment {
            s.push_str(&format!("; section {}{nl}", SECTIONS[sect.name]));
        }
        s.push_str(&format!("[{}]{nl}", SECTIONS[sect.name]));
        let indent = if sect.indent { "  " } else { "" };
        for o in &sect.options {
            let key = if o.upper {
                o.key.to_uppercase()
            } else {
                o.key.to_owned()
            };
            s.push_str(&format!("{indent}{key}{}{}{nl}", o.sep, o.value));
            if o.continued {
                s.push_str(&format!("{indent}    more-{}{nl}", o.key));
            }
        }
        s.push_str(nl);
    }
    if !spec.final_newline {
        while s.ends_with('\n') || s.ends_with('\r') {
            s.pop();
        }
    }
    s.into_bytes()
}

/// Options outside the target section, with `index-servers` left out.
fn others(bytes: &[u8]) -> Vec<(String, String, String)> {
    options(bytes)
        .unwrap()
        .into_iter()
        .filter(|(s, k, _)| s != TARGET && !(s == "distutils" && k == "index-servers"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn edits_touch_only_the_target_section_and_are_idempotent(
        spec in file_spec(),
        username in "[A-Za-z0-9]{6,10}",
        password in "[A-Za-z0-9+/%]{20,44}",
    ) {
        let input = render(&spec);
        let repo = "http://127.0.0.1:8081/repository/pypi-hosted/";
        let edit = set(Some(&input), TARGET, &username, &password, Some(repo))
            .expect("a generated file is accepted");
        let text = String::from_utf8_lossy(&edit.output).into_owned();
        let got = read(&edit.output, TARGET).unwrap().expect("the section exists");
        prop_assert_eq!(got.username.as_deref(), Some(username.as_str()), "the output yields the username:\n{}", text);
        prop_assert_eq!(got.password.as_deref(), Some(password.as_str()), "the output yields the token:\n{}", text);
        prop_assert_eq!(others(&edit.output), others(&input), "options outside the section read as before:\n{}", text);
        let listed = options(&edit.output).unwrap().into_iter()
            .find(|(s, k, _)| s == "distutils" && k == "index-servers")
            .map(|(_, _, v)| v)
            .unwrap_or_default();
        prop_assert!(listed.split_whitespace().any(|n| n == TARGET), "the section is listed in index-servers:\n{}", text);
        if let Some((_, before)) = options(&input).unwrap().into_iter()
            .find(|(s, k, _)| s == "distutils" && k == "index-servers")
            .map(|(_, k, v)| (k, v))
        {
            for name in before.split_whitespace() {
                prop_assert!(listed.split_whitespace().any(|n| n == name), "`{}` stays listed", name);
            }
        }
        let again = set(Some(&edit.output), TARGET, &username, &password, Some(repo)).unwrap();
        prop_assert!(!again.changed, "a second run reports no change");
        prop_assert_eq!(&again.output, &edit.output, "a second run writes the same bytes");
        prop_assert_eq!(edit.changed, edit.output != input, "`changed` is true exactly when the bytes differ");
    }
}

//! Property test of the netrc editor: for generated netrc files (one-line and multi-line blocks,
//! duplicates, quoted values, comments, macros, a `default` entry, CRLF, no final newline) and
//! tokens, the output reads back the token for the host, every other machine reads as before,
//! the file without the host's blocks is unchanged (up to the line endings an append adds), a
//! `default` entry stays last, and a second run changes nothing.

use nexus_token::targets::netrc::editor::{read, remove, set};
use proptest::prelude::*;

const HOSTS: [&str; 3] = ["nexus.example.com", "other.org", "a.net"];

#[derive(Debug, Clone)]
enum Item {
    Machine {
        host: usize,
        one_line: bool,
        login: Option<(String, bool)>,
        password: Option<(String, bool)>,
        account: bool,
        comment: bool,
    },
    Macro(Vec<String>),
}

#[derive(Debug, Clone)]
struct FileSpec {
    items: Vec<Item>,
    default: bool,
    crlf: bool,
    final_newline: bool,
    header_comment: bool,
}

fn value() -> impl Strategy<Value = (String, bool)> {
    prop_oneof![
        3 => "[A-Za-z0-9+/=._-]{1,10}".prop_map(|v| (v, false)),
        1 => "[a-z ]{0,6}".prop_map(|v| (v, true)),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        5 => (
            0..HOSTS.len(),
            any::<bool>(),
            proptest::option::of(value()),
            proptest::option::of(value()),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(host, one_line, login, password, account, comment)| Item::Machine {
                host,
                one_line,
                login,
                password,
                account,
                comment
            }),
        1 => proptest::collection::vec("[a-z][a-z /]{0,8}", 0..3).prop_map(Item::Macro),
    ]
}

fn file_spec() -> impl Strategy<Value = FileSpec> {
    (
        proptest::collection::vec(item(), 0..6),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(items, default, crlf, final_newline, header_comment)| FileSpec {
                items,
                default,
                crlf,
                final_newline,
                header_comment,
            },
        )
}

fn token((v, quoted): &(String, bool)) -> String {
    if *quoted {
        format!("\"{v}\"")
    } else {
        v.clone()
    }
}

fn render(spec: &FileSpec) -> Vec<u8> {
    let nl = if spec.crlf { "\r\n" } else { "\n" };
    let mut s = String::new();
    if spec.header_comment {
        s.push_str(&format!("# netrc of the team{nl}"));
    }
    for item in &spec.items {
        match item {
            Item::Machine {
                host,
                one_line,
                login,
                password,
                account,
                comment,
            } => {
                let sep = if *one_line {
                    " ".to_owned()
                } else {
                    format!("{nl}    ")
                };
                s.push_str(&format!("machine {}", HOSTS[*host]));
                if let Some(l) = login {
                    s.push_str(&format!("{sep}login {}", token(l)));
                }
                if let Some(p) = password {
                    s.push_str(&format!("{sep}password {}", token(p)));
                }
                if *account {
                    s.push_str(&format!("{sep}account acct"));
                }
                if *comment {
                    s.push_str(" # a note");
                }
                s.push_str(nl);
            }
            Item::Macro(lines) => {
                s.push_str(&format!("macdef init{nl}"));
                for l in lines {
                    s.push_str(&format!("{l}{nl}"));
                }
                s.push_str(nl);
            }
        }
    }
    if spec.default {
        s.push_str(&format!("default login anonymous password guest{nl}"));
    }
    if !spec.final_newline {
        while s.ends_with('\n') || s.ends_with('\r') {
            s.pop();
        }
    }
    s.into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn edits_touch_only_the_host_blocks_and_are_idempotent(
        spec in file_spec(),
        login in "[A-Za-z0-9]{6,10}",
        password in "[A-Za-z0-9+/]{20,44}={0,1}",
    ) {
        let input = render(&spec);
        let host = HOSTS[0];
        let edit = set(Some(&input), host, &login, &password).expect("a generated file is accepted");
        let text = String::from_utf8_lossy(&edit.output).into_owned();

        prop_assert_eq!(
            read(&edit.output, host).unwrap(),
            Some((login.clone(), password.clone())),
            "the output yields the token for the host:\n{}", text
        );
        for other in &HOSTS[1..] {
            prop_assert_eq!(
                read(&edit.output, other).unwrap(),
                read(&input, other).unwrap(),
                "machine `{}` reads as before", other
            );
        }
        let rest_in = remove(&input, host).unwrap().output;
        let rest_out = remove(&edit.output, host).unwrap().output;
        prop_assert!(rest_out.starts_with(&rest_in), "outside the host's blocks the file is unchanged:\n--- in ---\n{}\n--- out ---\n{}", String::from_utf8_lossy(&input), text);
        let tail = &rest_out[rest_in.len()..];
        prop_assert!(
            tail.iter().all(|b| *b == b'\r' || *b == b'\n') && tail.iter().filter(|b| **b == b'\n').count() <= 2,
            "an append adds at most line endings outside the new block, got {:?}", String::from_utf8_lossy(tail)
        );
        if spec.default {
            let last_machine = text.rfind("machine ").unwrap();
            let default_at = text.rfind("default ").unwrap();
            prop_assert!(default_at > last_machine, "the `default` entry stays last:\n{}", text);
        }
        let again = set(Some(&edit.output), host, &login, &password).unwrap();
        prop_assert!(!again.changed, "a second run reports no change");
        prop_assert_eq!(&again.output, &edit.output, "a second run writes the same bytes");
        prop_assert_eq!(edit.changed, edit.output != input, "`changed` is true exactly when the bytes differ");
    }
}

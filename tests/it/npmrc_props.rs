//! Property tests for the `.npmrc` editor.
//!
//! Structured files: a generator builds a user npmrc from lines it understands (comments of both
//! kinds, blank lines, other keys, `${VAR}` values, inline comments, quoted values, credentials at
//! the target keys and at other keys, a section at the end, a BOM, every line ending, with or
//! without a final one), so it knows which lines are at the target keys. The test checks that the
//! output reads back the token at every key with no competing credential left, that every other
//! line is byte-identical and in order, that nothing is reported changed exactly when the bytes
//! are equal, and that a second run changes nothing. Byte soups: random mixes of the tricky
//! pieces check the same semantics where no model exists.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use nexus_token::targets::npm::editor::{CONFLICTING_NAMES, read_value, registry_key, set_auth};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const REGISTRIES: &[&str] = &[
    "http://nexus.example:8081/repository/npm-group/",
    "http://nexus.example:8081/repository/npm-hosted",
    "https://nexus.example/nexus/content/groups/npm/",
];
const OTHER_KEYS: &[&str] = &[
    "//registry.npmjs.org/",
    "//nexus.example:8081/repository/",
    "//nexus.example:8081/repository/npm-group",
    "//nexus.example:8082/repository/npm-group/",
];
const NAMES: &[&str] = &["_auth", "_authToken", "username", "_password", "email"];
const VALUES: &[&str] = &[
    "b2xkOm9sZA==",
    "${NPM_TOKEN}",
    "\"quoted; value\"",
    "plain ; inline comment",
    "a\\;b",
    "npm_abc#frag",
    "",
    "true",
    "caf\u{e9}",
];
const PLAIN_LINES: &[&str] = &[
    "; a comment",
    "# another comment",
    "   ; indented comment //nexus.example:8081/repository/npm-group/:_auth=x",
    "",
    "   ",
    "fund=false",
    "registry = http://nexus.example:8081/repository/npm-group/",
    "@acme:registry=https://nexus.example/nexus/content/groups/npm/",
    "cafile=${HOME}/ca.pem",
    "=orphan",
    "save-exact",
];

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn sep(rng: &mut StdRng) -> &'static str {
    ["=", " = ", "= ", "  =\t"][rng.random_range(0..4)]
}

struct Model {
    bytes: Vec<u8>,
    /// Line texts (no terminators) and whether each is at a target key.
    lines: Vec<(String, bool)>,
}

fn generate(seed: u64, keys: &[String]) -> Model {
    let mut rng = StdRng::seed_from_u64(seed);
    let eol = ["\n", "\r\n", "\r"][rng.random_range(0..3)];
    let mut lines: Vec<(String, bool)> = Vec::new();
    let count = rng.random_range(0..14);
    for _ in 0..count {
        let line = match rng.random_range(0..6) {
            0 | 1 => (pick(&mut rng, PLAIN_LINES).to_owned(), false),
            2 | 3 => {
                let key = &keys[rng.random_range(0..keys.len())];
                let name = pick(&mut rng, NAMES);
                let indent = if rng.random_bool(0.2) { "  " } else { "" };
                let value = pick(&mut rng, VALUES);
                let target = name != "email";
                (
                    format!("{indent}{key}:{name}{}{value}", sep(&mut rng)),
                    target,
                )
            }
            _ => {
                let key = pick(&mut rng, OTHER_KEYS);
                let name = pick(&mut rng, NAMES);
                let value = pick(&mut rng, VALUES);
                (format!("{key}:{name}{}{value}", sep(&mut rng)), false)
            }
        };
        lines.push(line);
    }
    if rng.random_bool(0.15) {
        lines.push(("[section]".to_owned(), false));
        lines.push((format!("{}:_authToken=inside-section", keys[0]), false));
    }
    // (A BOM before `[section]` makes it a key, not a section: npm's regex wants `[` first; the
    // unit tests cover that, the model here does not.)
    let bom = rng.random_bool(0.1) && !lines.is_empty() && !lines[0].0.starts_with('[');
    if bom {
        lines[0].0.insert(0, '\u{feff}');
    }
    let mut bytes = Vec::new();
    for (i, (text, _)) in lines.iter().enumerate() {
        bytes.extend_from_slice(text.as_bytes());
        if i + 1 < lines.len() || text.is_empty() || rng.random_bool(0.7) {
            bytes.extend_from_slice(eol.as_bytes());
        }
    }
    Model { bytes, lines }
}

fn keys_for(seed: u64) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let n = rng.random_range(1..=REGISTRIES.len());
    REGISTRIES[..n]
        .iter()
        .map(|r| registry_key(r).unwrap())
        .collect()
}

fn split_lines(data: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = data.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push(std::mem::take(&mut cur)),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(std::mem::take(&mut cur));
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether an output line is one the editor writes or removes: `<key>:<credential name>` at
/// top level (the generator never quotes or escapes these keys).
fn is_target_line(line: &str, keys: &[String]) -> bool {
    let t = line.trim_start_matches([' ', '\t', '\u{feff}']);
    keys.iter().any(|k| {
        ["_auth", "_authToken", "username", "_password"]
            .iter()
            .any(|n| {
                t.strip_prefix(&format!("{k}:{n}"))
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '=']))
            })
    })
}

/// Which terminators occur: `\r\n`, lone `\r`, lone `\n`.
fn eol_kinds(data: &[u8]) -> [bool; 3] {
    let mut kinds = [false; 3];
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\r' if data.get(i + 1) == Some(&b'\n') => {
                kinds[0] = true;
                i += 1;
            }
            b'\r' => kinds[1] = true,
            b'\n' => kinds[2] = true,
            _ => {}
        }
        i += 1;
    }
    kinds
}

fn check_semantics(input: &[u8], keys: &[String], token: &str) -> Vec<u8> {
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let edit = set_auth(Some(input), &refs, token).unwrap();
    for key in keys {
        assert_eq!(
            read_value(&edit.output, &format!("{key}:_auth"))
                .unwrap()
                .as_deref(),
            Some(token),
            "`_auth` at {key} reads back as the token"
        );
        for name in CONFLICTING_NAMES {
            assert_eq!(
                read_value(&edit.output, &format!("{key}:{name}")).unwrap(),
                None,
                "no `{name}` is left at {key}"
            );
        }
    }
    assert_eq!(
        edit.changed.is_empty(),
        edit.output == input,
        "the output equals the input exactly when nothing is reported changed"
    );
    let again = set_auth(Some(&edit.output), &refs, token).unwrap();
    assert!(
        again.changed.is_empty(),
        "a second application changes nothing"
    );
    assert_eq!(
        again.output, edit.output,
        "a second application keeps the bytes"
    );
    edit.output
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn structured_files_change_only_lines_at_the_target_keys(
        seed in any::<u64>(),
        user in "[A-Za-z0-9]{1,8}",
        pass in "[A-Za-z0-9+/]{1,44}",
    ) {
        let keys = keys_for(seed);
        let model = generate(seed, &keys);
        let token = B64.encode(format!("{user}:{pass}"));
        let output = check_semantics(&model.bytes, &keys, &token);
        let out_text = String::from_utf8(output).unwrap();

        let mut in_section = false;
        let kept_in: Vec<String> = model
            .lines
            .iter()
            .filter(|(text, target)| {
                in_section |= text == "[section]";
                in_section || !target
            })
            .map(|(t, _)| t.clone())
            .collect();
        let mut in_section = false;
        let kept_out: Vec<String> = split_lines(&out_text)
            .into_iter()
            .filter(|l| {
                in_section |= l == "[section]";
                in_section || !is_target_line(l, &keys)
            })
            .collect();
        prop_assert_eq!(kept_out, kept_in, "every other line is byte-identical and in order");

        let (kinds_in, kinds_out) = (eol_kinds(&model.bytes), eol_kinds(out_text.as_bytes()));
        if kinds_in != [false; 3] {
            for i in 0..3 {
                prop_assert!(
                    kinds_in[i] || !kinds_out[i],
                    "no line ending the file does not use is introduced"
                );
            }
        }
    }

    #[test]
    fn byte_soups_read_back_the_token(pieces in prop::collection::vec(0usize..17, 0..40), seed in any::<u64>()) {
        const SOUP: &[&[u8]] = &[
            b"//nexus.example:8081/repository/npm-group/", b":_auth", b":_authToken", b"=", b" ",
            b"\n", b"\r", b"\r\n", b";", b"#", b"\"", b"\\", b"${X}", b"[s]", b"\xef\xbb\xbf", b"v", b"[]",
        ];
        let input: Vec<u8> = pieces.iter().flat_map(|&i| SOUP[i].iter().copied()).collect();
        let keys = keys_for(seed);
        let token = "dG9rVXNlcjp0b2tQYXNz";
        check_semantics(&input, &keys, token);
    }
}

#[test]
fn missing_file_gets_one_line_per_key() {
    let keys = [
        "//nexus.example/repository/npm-group/",
        "//nexus.example/repository/npm-hosted/",
    ];
    let edit = set_auth(None, &keys, "dTpw").unwrap();
    assert_eq!(
        String::from_utf8(edit.output).unwrap(),
        "//nexus.example/repository/npm-group/:_auth=dTpw\n//nexus.example/repository/npm-hosted/:_auth=dTpw\n",
        "a missing file is created with one `_auth` line per registry, in order"
    );
}

//! Property tests for the gradle.properties editor.
//!
//! Structured files: a generator builds the file from chunks it understands (comments, blank
//! lines, entries with escaped keys, any separator, continued values, mixed line endings), so it
//! knows what `java.util.Properties` reads and which bytes hold each value. The test checks the
//! reader against that model, and that the output is exactly the input with only the effective
//! target values replaced (plus `key=value` lines appended), reads back the tokens, and is left
//! alone by a second application. Byte soups: random mixes of the tricky bytes check the same
//! semantic properties where no model exists.

use nexus_token::gradle::{escape_key, escape_value, parse, read_property, set_properties};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const KEYS: &[&str] = &[
    "nexusUsername",
    "nexusPassword",
    "mavenUser",
    "mavenPassword",
    "org.gradle.jvmargs",
    "a",
    "x y",
    "k=v:w",
    "#hash",
    "caf\u{e9}",
    "\u{20ac}uro",
];
const VALUES: &[&str] = &[
    "",
    "tok1",
    "-Xmx2g -Dfile.encoding=UTF-8",
    " lead",
    "trail  ",
    "back\\slash",
    "=eq",
    ":colon",
    "caf\u{e9}",
    "\u{1F600}x",
    "tab\there",
    "line\nbreak",
];
const TOKENS: &[&str] = &[
    "tok1",
    "Zm9vYmFy+/=",
    "with space",
    " lead",
    "a\\b",
    "=x:y#z!",
    "\u{e9}\u{20ac}\u{1F600}",
    "",
    "\t\r\n",
];

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn term(rng: &mut StdRng) -> &'static str {
    ["\n", "\r\n", "\r"][rng.random_range(0..3)]
}

fn ws(rng: &mut StdRng) -> &'static str {
    ["", "", " ", "  ", "\t", "\x0c "][rng.random_range(0..6)]
}

/// Encodes text as properties source with random (but valid) escape choices, as Latin-1 bytes.
/// `key`: escape separators everywhere; `first`: this piece starts a key or value, so leading
/// whitespace (and `=`/`:` for values, `#`/`!` for keys) must be escaped.
fn encode(rng: &mut StdRng, text: &str, key: bool, first: bool, out: &mut Vec<u8>) {
    for (i, ch) in text.chars().enumerate() {
        let lead = i == 0 && first;
        let must = match ch {
            '\\' | '\t' | '\n' | '\r' | '\x0c' => true,
            ' ' | '=' | ':' => key || lead,
            '#' | '!' => key && lead,
            _ => (ch as u32) > 0xFF,
        };
        let mut units = [0u16; 2];
        let style = rng.random_range(0..6);
        if (ch as u32) > 0xFF || (style == 0 && !matches!(ch, '\n' | '\r')) {
            for u in ch.encode_utf16(&mut units) {
                let hex = if rng.random_bool(0.5) {
                    format!("\\u{u:04X}")
                } else {
                    format!("\\u{u:04x}")
                };
                out.extend_from_slice(hex.as_bytes());
            }
        } else if must || (style == 1 && !"tnrfu".contains(ch)) {
            out.push(b'\\');
            out.push(match ch {
                '\t' => b't',
                '\n' => b'n',
                '\r' => b'r',
                '\x0c' => b'f',
                c => c as u8,
            });
        } else {
            out.push(ch as u8);
        }
    }
}

/// Encodes text, sometimes splitting it over continuation lines.
fn encode_continued(rng: &mut StdRng, text: &str, key: bool, out: &mut Vec<u8>) {
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0;
    while start < chars.len() {
        let end = if rng.random_bool(0.3) {
            rng.random_range(start + 1..=chars.len())
        } else {
            chars.len()
        };
        let piece: String = chars[start..end].iter().collect();
        encode(rng, &piece, key, true, out);
        if end < chars.len() {
            out.push(b'\\');
            out.extend_from_slice(term(rng).as_bytes());
            out.extend_from_slice(ws(rng).as_bytes());
        }
        start = end;
    }
}

struct Model {
    bytes: Vec<u8>,
    /// (key, value, byte range of the value text) for each entry, in file order.
    entries: Vec<(String, String, std::ops::Range<usize>)>,
}

fn generate(seed: u64) -> Model {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut bytes = Vec::new();
    let mut entries = Vec::new();
    let chunks = rng.random_range(0..12);
    for n in 0..chunks {
        bytes.extend_from_slice(ws(&mut rng).as_bytes());
        match rng.random_range(0..10) {
            0 => {
                bytes.push(if rng.random_bool(0.5) { b'#' } else { b'!' });
                bytes.extend_from_slice(b" nexusPassword=x \\u00zz \xe9");
                if rng.random_bool(0.5) {
                    bytes.push(b'\\');
                }
            }
            1 => {}
            _ => {
                let key = pick(&mut rng, KEYS);
                let value = pick(&mut rng, VALUES);
                encode_continued(&mut rng, key, true, &mut bytes);
                let sep = ["=", ":", " ", " = ", "\t:\t", "  ", "=  "][rng.random_range(0..7)];
                bytes.extend_from_slice(sep.as_bytes());
                let start = bytes.len();
                encode_continued(&mut rng, value, false, &mut bytes);
                entries.push((key.to_owned(), value.to_owned(), start..bytes.len()));
            }
        }
        if n + 1 < chunks || rng.random_bool(0.7) {
            bytes.extend_from_slice(term(&mut rng).as_bytes());
        }
    }
    Model { bytes, entries }
}

fn line_ending(data: &[u8]) -> &'static [u8] {
    match data.iter().position(|&b| b == b'\n' || b == b'\r') {
        Some(i) if data[i] == b'\r' && data.get(i + 1) == Some(&b'\n') => b"\r\n",
        Some(i) if data[i] == b'\r' => b"\r",
        _ => b"\n",
    }
}

fn pairs_for(seed: u64) -> Vec<(&'static str, &'static str)> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let mut pairs = vec![
        ("nexusUsername", pick(&mut rng, TOKENS)),
        ("nexusPassword", pick(&mut rng, TOKENS)),
    ];
    if rng.random_bool(0.3) {
        pairs.push(("mavenUser", pick(&mut rng, TOKENS)));
        pairs.push(("mavenPassword", pick(&mut rng, TOKENS)));
    }
    if rng.random_bool(0.2) {
        pairs.push(("x y", pick(&mut rng, TOKENS)));
    }
    pairs
}

fn others(props: &[(String, String)], pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    props
        .iter()
        .filter(|(k, _)| !pairs.iter().any(|(t, _)| t == k))
        .cloned()
        .collect()
}

fn read_all(data: &[u8]) -> Vec<(String, String)> {
    parse(data)
        .unwrap()
        .into_iter()
        .map(|p| (p.key, p.value))
        .collect()
}

/// The checks that hold for any readable file.
fn check_semantics(input: &[u8], pairs: &[(&str, &str)]) -> Vec<u8> {
    let edit = set_properties(Some(input), pairs).unwrap();
    for (key, token) in pairs {
        assert_eq!(
            read_property(&edit.output, key).unwrap().as_deref(),
            Some(*token),
            "`{key}` reads back as the token"
        );
    }
    assert_eq!(
        others(&read_all(&edit.output), pairs),
        others(&read_all(input), pairs),
        "every other property reads as before, in order"
    );
    assert_eq!(
        edit.changed.is_empty(),
        edit.output == input,
        "the output equals the input exactly when nothing is reported changed"
    );
    let again = set_properties(Some(&edit.output), pairs).unwrap();
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
    fn structured_files_change_only_target_values(seed in any::<u64>()) {
        let model = generate(seed);
        let pairs = pairs_for(seed);
        let input = &model.bytes;

        let expected_props: Vec<(String, String)> =
            model.entries.iter().map(|(k, v, _)| (k.clone(), v.clone())).collect();
        prop_assert_eq!(read_all(input), expected_props, "the reader reads what the generator wrote");

        // The expected output: last occurrences' value text replaced, missing keys appended.
        let mut replaced: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        let mut missing = Vec::new();
        for (key, token) in &pairs {
            match model.entries.iter().rev().find(|(k, _, _)| k == key) {
                Some((_, v, _)) if v == token => {}
                Some((_, _, span)) => replaced.push((span.clone(), escape_value(token))),
                None => missing.push((*key, *token)),
            }
        }
        replaced.sort_by_key(|(s, _)| s.start);
        let mut expected = Vec::new();
        let mut pos = 0;
        for (span, text) in &replaced {
            expected.extend_from_slice(&input[pos..span.start]);
            expected.extend_from_slice(text.as_bytes());
            pos = span.end;
        }
        expected.extend_from_slice(&input[pos..]);
        if !missing.is_empty() {
            let eol = line_ending(input);
            if !input.is_empty() && !matches!(input.last(), Some(b'\n' | b'\r')) {
                expected.extend_from_slice(eol);
            }
            for (key, token) in &missing {
                expected.extend_from_slice(format!("{}={}", escape_key(key), escape_value(token)).as_bytes());
                expected.extend_from_slice(eol);
            }
        }

        let output = check_semantics(input, &pairs);
        prop_assert_eq!(
            String::from_utf8_lossy(&output),
            String::from_utf8_lossy(&expected),
            "only the effective target values change, missing keys are appended"
        );
        prop_assert_eq!(output, expected);
    }

    #[test]
    fn byte_soups_keep_other_properties(pieces in prop::collection::vec(0usize..20, 0..40), seed in any::<u64>()) {
        const SOUP: &[&[u8]] = &[
            b"nexusUsername", b"nexusPassword", b"=", b":", b" ", b"\t", b"\\", b"\\", b"\n",
            b"\r", b"\r\n", b"#", b"!", b"\\u0041", b"\\u00", b"a", b"\xe9", b"\xef\xbb\xbf",
            b"\x0c", b"v",
        ];
        let input: Vec<u8> = pieces.iter().flat_map(|&i| SOUP[i].iter().copied()).collect();
        let pairs = pairs_for(seed);
        match parse(&input) {
            Err(_) => prop_assert!(
                set_properties(Some(&input), &pairs).is_err(),
                "a file Java cannot read is not edited"
            ),
            Ok(_) => {
                check_semantics(&input, &pairs);
            }
        }
    }
}

#[test]
fn missing_file_gets_the_keys_in_order() {
    let edit = set_properties(None, &[("nexusUsername", "u"), ("nexusPassword", "p")]).unwrap();
    assert_eq!(
        edit.output, b"nexusUsername=u\nnexusPassword=p\n",
        "a missing file is created with the username line first"
    );
    assert_eq!(edit.changed, vec!["nexusUsername", "nexusPassword"]);
}

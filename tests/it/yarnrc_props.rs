//! Property tests for the `.yarnrc.yml` editor, and the check against Yarn's own parser.
//!
//! A generator builds a `.yarnrc.yml` from pieces it knows (comments, blank lines, other settings,
//! values that run over several lines even at column 0, block scalars and anchors elsewhere, an
//! `npmRegistries` block whose entries spell the target registry with and without scheme and
//! trailing slash, in every quoting style, with stale `npmAuthToken`s, duplicate settings and
//! comments inside; every line ending, with or without a final one, a BOM), so it knows which
//! lines belong to the entry Yarn uses. In Rust: every line outside that entry stays byte for byte
//! and in order, a second run changes nothing, nothing is reported changed exactly when the bytes
//! are equal. Against `parseSyml` of `@yarnpkg/parsers` (what Yarn reads rc files with) and Yarn's
//! registry lookup (`npmConfigUtils.getRegistryConfiguration`: keys without one trailing `/`, the
//! key with the scheme first, then without, the last of equal keys winning): the editor reads the
//! `npmRegistries` of every input as Yarn does; after `set_auth` Yarn finds `npmAuthIdent` and
//! `npmAlwaysAuth` and no `npmAuthToken` for every registry, every other setting and registry of
//! the file unchanged; after `clear_auth` no `npmAuthIdent`. Byte soups of the tricky pieces check
//! the same where no model exists: what the editor accepts must keep Yarn's reading.

use std::collections::BTreeMap;
use std::process::Command;

use nexus_token::targets::yarn::editor::{Registry, clear_auth, registries, set_auth};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::support::yarn_parsers;

const URLS: &[&str] = &[
    "http://127.0.0.1:8081/repository/npm-group/",
    "http://127.0.0.1:8081/repository/npm-hosted",
];
const IDENT: &str = "nc-1:p\"c\\2";

const KEYS: &[&str] = &[
    "http://127.0.0.1:8081/repository/npm-group",
    "http://127.0.0.1:8081/repository/npm-group/",
    "//127.0.0.1:8081/repository/npm-group",
    "//127.0.0.1:8081/repository/npm-group/",
    "//127.0.0.1:8081/repository/npm-hosted",
    "https://127.0.0.1:8081/repository/npm-group",
    "//registry.yarnpkg.com",
    "//127.0.0.1:8081/repository",
];
const NAMES: &[&str] = &[
    "npmAuthIdent",
    "npmAuthToken",
    "npmAlwaysAuth",
    "npmPublishRegistry",
];
const VALUES: &[&str] = &["old:old", "true", "false", "", "it's", "a\"b", "x # y"];
const TOP: &[&[&str]] = &[
    &["# a comment"],
    &[""],
    &["   "],
    &["nodeLinker: node-modules"],
    &["enableTelemetry: 'false'  # no"],
    &["yarnPath: \".yarn/releases/yarn-4.cjs\""],
    &["npmRegistryServer: \"http://127.0.0.1:8081/repository/npm-group\""],
    &[
        "packageExtensions:",
        "  \"left-pad@*\":",
        "    dependencies:",
        "      lodash: \"^4\"",
    ],
    &[
        "note: |",
        "  npmRegistries: {}",
        "  \"unclosed",
        "",
        "  end",
    ],
    &["motd: \"two", "npmRegistries: fake\""],
    &["list: [a,", "b]"],
    &["a: &anchor value", "b: *anchor"],
    &["plain: multi", "  \"line"],
    &["unsafeHttpWhitelist:", "  - \"127.0.0.1\"", "  - localhost"],
    &["npmScopes:", "  acme:", "    npmAuthToken: x"],
];

/// A scalar in one of YAML's three styles (plain only when the value allows it).
fn styled(rng: &mut StdRng, value: &str) -> String {
    let plain_ok = !value.is_empty()
        && !value.contains(['"', '\'', '#'])
        && value != "true"
        && !value.contains(": ");
    match rng.random_range(0..3) {
        0 if plain_ok => value.to_owned(),
        1 => format!("'{}'", value.replace('\'', "''")),
        _ => format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")),
    }
}

struct Model {
    bytes: Vec<u8>,
    /// Line texts and the index of the `npmRegistries` entry each belongs to.
    lines: Vec<(String, Option<usize>)>,
    /// Decoded entry keys, by index.
    entries: Vec<String>,
}

fn generate(seed: u64) -> Model {
    let mut rng = StdRng::seed_from_u64(seed);
    let eol = ["\n", "\r\n", "\r"][rng.random_range(0..3)];
    let mut lines: Vec<(String, Option<usize>)> = Vec::new();
    let mut entries = Vec::new();
    let before = rng.random_range(0..5);
    let after = rng.random_range(0..4);
    let with_block = rng.random_bool(0.8);
    let top = |rng: &mut StdRng, lines: &mut Vec<(String, Option<usize>)>, n: usize| {
        for _ in 0..n {
            for l in TOP[rng.random_range(0..TOP.len())] {
                lines.push(((*l).to_owned(), None));
            }
        }
    };
    top(&mut rng, &mut lines, before);
    if with_block {
        lines.push((
            if rng.random_bool(0.3) {
                "npmRegistries:   # registries".to_owned()
            } else {
                "npmRegistries:".to_owned()
            },
            None,
        ));
        let indent = " ".repeat([2, 4][rng.random_range(0..2)]);
        for _ in 0..rng.random_range(0..5) {
            let e = entries.len();
            let key = KEYS[rng.random_range(0..KEYS.len())];
            entries.push(key.to_owned());
            if rng.random_bool(0.2) {
                lines.push((format!("{indent}# before an entry"), None));
            }
            let comment = if rng.random_bool(0.2) {
                "  # entry"
            } else {
                ""
            };
            lines.push((
                format!("{indent}{}:{comment}", styled(&mut rng, key)),
                Some(e),
            ));
            let inner = format!("{indent}{}", " ".repeat([2, 4][rng.random_range(0..2)]));
            for _ in 0..rng.random_range(0..4) {
                match rng.random_range(0..6) {
                    0 => lines.push((format!("{inner}# inside"), Some(e))),
                    1 => lines.push((String::new(), Some(e))),
                    _ => {
                        let name = NAMES[rng.random_range(0..NAMES.len())];
                        let value = VALUES[rng.random_range(0..VALUES.len())];
                        let value = if value.is_empty() {
                            String::new()
                        } else {
                            format!(" {}", styled(&mut rng, value))
                        };
                        let comment = if rng.random_bool(0.2) { "   # c" } else { "" };
                        lines.push((format!("{inner}{name}:{value}{comment}"), Some(e)));
                    }
                }
            }
        }
    }
    top(&mut rng, &mut lines, after);
    if rng.random_bool(0.1)
        && let Some(first) = lines.first_mut()
    {
        first.0.insert(0, '\u{feff}');
    }
    let mut bytes = Vec::new();
    for (i, (text, _)) in lines.iter().enumerate() {
        bytes.extend_from_slice(text.as_bytes());
        if i + 1 < lines.len() || text.is_empty() || rng.random_bool(0.7) {
            bytes.extend_from_slice(eol.as_bytes());
        }
    }
    Model {
        bytes,
        lines,
        entries,
    }
}

fn registries_for(seed: u64) -> Vec<Registry> {
    let n = 1 + (seed % 2) as usize;
    URLS[..n]
        .iter()
        .map(|u| Registry::parse(u).unwrap())
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

/// The entries Yarn uses for the registries: the last of the best-ranked keys.
fn winners(model: &Model, regs: &[Registry]) -> Vec<usize> {
    let rank = |r: &Registry, key: &str| {
        let key = key.strip_suffix('/').unwrap_or(key);
        if key == format!("{}:{}", r.scheme, r.key) {
            2
        } else if key == r.key {
            1
        } else {
            0
        }
    };
    regs.iter()
        .filter_map(|r| {
            let best = model.entries.iter().map(|k| rank(r, k)).max()?;
            // js-yaml keeps a repeated key at its first place (with its last value).
            let mut firsts: Vec<&String> = Vec::new();
            for k in &model.entries {
                if rank(r, k) == best && !firsts.contains(&k) {
                    firsts.push(k);
                }
            }
            let key = firsts.last()?;
            (best > 0).then(|| model.entries.iter().rposition(|k| k == *key).unwrap())
        })
        .collect()
}

/// The properties that need no parser: other lines kept in order, idempotence, `changed` honest.
fn check_model(seed: u64) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let model = generate(seed);
    let regs = registries_for(seed);
    let edit = set_auth(Some(&model.bytes), &regs, IDENT).unwrap_or_else(|e| {
        panic!(
            "the generated file is accepted: {e}\n{}",
            String::from_utf8_lossy(&model.bytes)
        )
    });
    assert_eq!(
        edit.changed.is_empty(),
        edit.output == model.bytes,
        "changed is empty exactly when the bytes are equal"
    );
    let out = String::from_utf8(edit.output.clone()).unwrap();
    let ours = winners(&model, &regs);
    let mut out_lines = split_lines(&out).into_iter();
    for (text, entry) in &model.lines {
        if entry.is_some_and(|e| ours.contains(&e)) {
            continue;
        }
        assert!(
            out_lines.any(|l| &l == text),
            "line {text:?} is kept, in order:\n{out}"
        );
    }
    let again = set_auth(Some(&edit.output), &regs, IDENT).unwrap();
    assert_eq!(again.output, edit.output, "a second run changes nothing");
    assert!(again.changed.is_empty());
    let cleared = clear_auth(&edit.output, &regs).unwrap();
    (model.bytes, edit.output, cleared.output)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn edits_keep_every_other_line_and_are_idempotent(seed in any::<u64>()) {
        check_model(seed);
    }
}

/// Random mixes of the tricky pieces: no model, only "accepted means Yarn reads it the same".
fn soups() -> Vec<Vec<u8>> {
    const SOUP: &[&str] = &[
        "npmRegistries:",
        "  \"//127.0.0.1:8081/repository/npm-group\":",
        "  '//127.0.0.1:8081/repository/npm-group/':",
        "  http://127.0.0.1:8081/repository/npm-group:",
        "    npmAuthToken: t",
        "    npmAuthIdent: \"a:b\"",
        "    npmAlwaysAuth: false",
        "      deeper: x",
        "  - item",
        "a: \"open",
        "b: 'x''",
        "c: [1,",
        "]",
        "d: |",
        "# c",
        "",
        "\t",
        "---",
        "npmRegistries: {}",
        "  &a k: v",
        "  k: *a",
        "x:",
        "  y: 1",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut inputs = Vec::new();
    for _ in 0..600 {
        let mut text = String::new();
        for _ in 0..(state % 12) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.push_str(SOUP[(state % SOUP.len() as u64) as usize]);
            text.push(if state.is_multiple_of(7) { '\r' } else { '\n' });
        }
        state = state.wrapping_add(0x2545_f491_4f6c_dd1d);
        inputs.push(text.into_bytes());
    }
    inputs
}

/// What Yarn reads from each file: `{"doc": <parseSyml result>, "regs": [<entry Yarn uses for
/// each URL, or null>]}`, or `{"error": message}`.
fn yarn_reads(files: &[Vec<u8>]) -> Vec<Value> {
    let parsers = yarn_parsers();
    let dir = tempfile::tempdir().unwrap();
    for (i, bytes) in files.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i:05}.yml")), bytes).unwrap();
    }
    // Yarn's lookup, as plugin-npm's npmConfigUtils.getRegistryConfiguration does it on the
    // `npmRegistries` map (whose keys Configuration normalizes with normalizeRegistry).
    let script = r#"
        const {parseSyml} = require(process.argv[1]);
        const fs = require('fs'); const path = require('path');
        const [dir, urls] = [process.argv[2], JSON.parse(process.argv[3])];
        const norm = (r) => r.replace(/\/$/, '');
        const out = [];
        for (const f of fs.readdirSync(dir).sort()) {
          try {
            const doc = parseSyml(fs.readFileSync(path.join(dir, f), 'utf8'));
            const map = new Map();
            const regs = doc.npmRegistries;
            if (regs && typeof regs === 'object')
              for (const [k, v] of Object.entries(regs)) map.set(norm(k), v);
            const look = (u) => {
              const n = norm(u);
              if (map.has(n)) return map.get(n);
              const bare = n.replace(/^[a-z]+:/, '');
              return map.has(bare) ? map.get(bare) : null;
            };
            out.push({doc, regs: urls.map(look)});
          } catch (e) { out.push({error: String(e.message).split('\n')[0]}); }
        }
        process.stdout.write(JSON.stringify(out));
    "#;
    let urls = serde_json::to_string(URLS).unwrap();
    let out = Command::new("node")
        .args(["-e", script])
        .arg(&parsers)
        .arg(dir.path())
        .arg(&urls)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "node runs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let values: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(values.len(), files.len());
    values
}

/// The `npmRegistries` the editor reads, as the JSON object js-yaml builds (last of equal keys
/// wins, an empty value is null).
fn editor_reading(bytes: &[u8]) -> Value {
    match registries(bytes).unwrap() {
        None => Value::Null,
        Some(list) if list.is_empty() => Value::Null,
        Some(list) => {
            let mut map = serde_json::Map::new();
            for (key, settings) in list {
                let value = if settings.is_empty() {
                    Value::Null
                } else {
                    let mut m = serde_json::Map::new();
                    for (name, value) in settings {
                        m.insert(
                            name,
                            if value.is_empty() {
                                Value::Null
                            } else {
                                Value::String(value)
                            },
                        );
                    }
                    Value::Object(m)
                };
                map.insert(key, value);
            }
            Value::Object(map)
        }
    }
}

/// Everything of a reading except the entries Yarn uses for the registries, and the settings
/// the editor writes in those entries.
fn without_ours(read: &Value, regs: &[Registry]) -> (Value, Vec<BTreeMap<String, Value>>) {
    let mut doc = read["doc"].clone();
    if let Some(map) = doc.get_mut("npmRegistries").and_then(Value::as_object_mut) {
        map.retain(|k, _| {
            let k = k.strip_suffix('/').unwrap_or(k);
            !regs
                .iter()
                .any(|r| k == r.key || k == format!("{}:{}", r.scheme, r.key))
        });
        if map.is_empty() {
            doc.as_object_mut().unwrap().remove("npmRegistries");
        }
    } else if doc.get("npmRegistries").is_some_and(Value::is_null) {
        doc.as_object_mut().unwrap().remove("npmRegistries");
    }
    let entries = read["regs"]
        .as_array()
        .unwrap()
        .iter()
        .take(regs.len())
        .map(|e| {
            e.as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(k, _)| {
                            !["npmAuthIdent", "npmAuthToken", "npmAlwaysAuth"].contains(&k.as_str())
                        })
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    (doc, entries)
}

fn assert_yarn_reads_the_edit(
    input: &[u8],
    output: &[u8],
    cleared: &[u8],
    reads: &[Value],
    regs: &[Registry],
) {
    let shown = || String::from_utf8_lossy(input).into_owned();
    let [before, after, gone] = reads else {
        unreachable!()
    };
    assert!(
        before.get("error").is_none(),
        "Yarn reads the input: {before}\n{}",
        shown()
    );
    assert_eq!(
        editor_reading(input),
        before["doc"]
            .get("npmRegistries")
            .cloned()
            .unwrap_or(Value::Null),
        "the editor reads npmRegistries as Yarn does:\n{}",
        shown()
    );
    assert!(
        after.get("error").is_none(),
        "Yarn reads the output: {after}\n{}",
        String::from_utf8_lossy(output)
    );
    for i in 0..regs.len() {
        let entry = &after["regs"][i];
        assert_eq!(
            entry["npmAuthIdent"],
            Value::String(IDENT.into()),
            "Yarn finds the ident for {}:\n{}",
            URLS[i],
            String::from_utf8_lossy(output)
        );
        assert_eq!(entry["npmAlwaysAuth"], Value::String("true".into()));
        assert!(
            entry.get("npmAuthToken").is_none(),
            "no npmAuthToken is left"
        );
        let cleared_entry = &gone["regs"][i];
        assert!(
            cleared_entry.get("npmAuthIdent").is_none(),
            "logout leaves no ident:\n{}",
            String::from_utf8_lossy(cleared)
        );
    }
    assert_eq!(
        without_ours(before, regs),
        without_ours(after, regs),
        "every other setting and registry reads the same:\n{}\n---\n{}",
        shown(),
        String::from_utf8_lossy(output)
    );
}

#[test]
#[ignore = "needs node and @yarnpkg/parsers (scripts/install-deps)"]
fn editor_agrees_with_yarns_own_parser() {
    let mut files = Vec::new();
    let mut cases = Vec::new();
    for seed in 0..300u64 {
        let (input, output, cleared) = check_model(seed);
        cases.push((
            input.clone(),
            output.clone(),
            cleared.clone(),
            registries_for(seed),
        ));
        files.extend([input, output, cleared]);
    }
    let mut soup_cases = 0;
    for input in soups() {
        let regs = registries_for(input.len() as u64);
        let Ok(edit) = set_auth(Some(&input), &regs, IDENT) else {
            continue;
        };
        let cleared = clear_auth(&edit.output, &regs).unwrap().output;
        soup_cases += 1;
        cases.push((input.clone(), edit.output.clone(), cleared.clone(), regs));
        files.extend([input, edit.output, cleared]);
    }
    let reads = yarn_reads(&files);
    let mut refused_by_yarn = 0;
    for ((input, output, cleared, regs), read) in cases.iter().zip(reads.chunks(3)) {
        if read[0].get("error").is_some() {
            // Invalid YAML that the editor did not refuse (a soup): it must stay invalid, never
            // become something Yarn reads differently.
            refused_by_yarn += 1;
            assert!(
                read[1].get("error").is_some(),
                "an input Yarn cannot read stays unreadable:\n{}",
                String::from_utf8_lossy(input)
            );
            continue;
        }
        assert_yarn_reads_the_edit(input, output, cleared, read, regs);
    }
    assert!(
        soup_cases > 50,
        "enough soups are accepted to check: {soup_cases}"
    );
    eprintln!(
        "{} files edited and read back by Yarn's parser ({soup_cases} soups; {refused_by_yarn} inputs Yarn itself rejects)",
        cases.len()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    /// Any text: the editor never panics; what it accepts reads back the ident for every registry
    /// and is stable, and what it refuses carries a line and column.
    #[test]
    fn any_text_is_edited_or_refused_with_a_position(
        text in "([ \t\r\n:#'\"&*!|>{}\\[\\],-]|[a-z]{1,3}|npmRegistries|npmAuthIdent|npmAuthToken|//127.0.0.1:8081/repository/npm-group|\u{e9}){0,40}"
    ) {
        let regs = registries_for(text.len() as u64);
        match set_auth(Some(text.as_bytes()), &regs, IDENT) {
            Ok(edit) => {
                for r in &regs {
                    prop_assert_eq!(
                        nexus_token::targets::yarn::editor::read_auth(&edit.output, r).unwrap(),
                        Some(nexus_token::targets::yarn::editor::YarnAuth::Ident(IDENT.into()))
                    );
                }
                let again = set_auth(Some(&edit.output), &regs, IDENT).unwrap();
                prop_assert_eq!(again.output, edit.output);
            }
            Err(e) => prop_assert!(e.to_string().starts_with("line "), "{}", e),
        }
    }
}

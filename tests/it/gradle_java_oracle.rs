//! The JDK as the oracle: `java.util.Properties.load(InputStream)` must read our inputs and our
//! editor's outputs exactly as our reader does, and must read back the tokens we wrote.
//!
//! Compiles `tests/java/PropsOracle.java` into a sandbox and runs all cases in one JVM. The test
//! is `#[ignore = "needs java, javac"]`; run with `--include-ignored`, a missing JDK fails.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use nexus_token::gradle::{parse, set_properties};

use crate::support::{Sandbox, require_tool};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

type Map = BTreeMap<String, String>;

const SOUP: &[&[u8]] = &[
    b"nexusUsername",
    b"nexusPassword",
    b"=",
    b":",
    b" ",
    b"\t",
    b"\\",
    b"\\",
    b"\n",
    b"\r",
    b"\r\n",
    b"#",
    b"!",
    b"\\u0041",
    b"\\u00",
    b"\\uD83D\\uDE00",
    b"a",
    b"\xe9",
    b"\xef\xbb\xbf",
    b"\x0c",
    b"\\t\\n",
];

const TOKENS: &[&str] = &[
    "Zm9vYmFy+/=",
    " lead and trail ",
    "a\\b\\",
    "=x:y#z!",
    "\u{e9}\u{20ac}\u{1F600}",
    "",
    "\t\r\n\x0c\x01\x7f",
    "tok",
];

fn soup(rng: &mut StdRng) -> Vec<u8> {
    let n = rng.random_range(0..30);
    (0..n)
        .flat_map(|_| SOUP[rng.random_range(0..SOUP.len())].iter().copied())
        .collect()
}

fn ours(data: &[u8]) -> Option<Map> {
    parse(data)
        .ok()
        .map(|props| props.into_iter().map(|p| (p.key, p.value)).collect())
}

fn unhex(s: &str) -> String {
    if s == "-" {
        return String::new();
    }
    let units: Vec<u16> = (0..s.len())
        .step_by(4)
        .map(|i| u16::from_str_radix(&s[i..i + 4], 16).unwrap())
        .collect();
    String::from_utf16_lossy(&units)
}

/// Runs every case through `java.util.Properties`; `None` for a case Java rejects.
fn java_read(cases: &[Vec<u8>]) -> Vec<Option<Map>> {
    let sb = Sandbox::new();
    let classes = sb.dir.path().join("classes");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/PropsOracle.java");
    let status = sb
        .program(require_tool("javac"), &["-d"])
        .arg(&classes)
        .arg(&src)
        .status()
        .unwrap();
    assert!(status.success(), "the Java oracle compiles");

    let mut framed = Vec::new();
    for case in cases {
        framed.extend_from_slice(&u32::try_from(case.len()).unwrap().to_be_bytes());
        framed.extend_from_slice(case);
    }
    let mut child = sb
        .program(require_tool("java"), &["-Xshare:auto", "-cp"])
        .arg(&classes)
        .arg("PropsOracle")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&framed).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "the Java oracle runs");

    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let mut results = Vec::new();
    while let Some(head) = lines.next() {
        if head == "ERR" {
            results.push(None);
            continue;
        }
        let n: usize = head.strip_prefix("OK ").unwrap().parse().unwrap();
        let mut map = Map::new();
        for _ in 0..n {
            let (k, v) = lines.next().unwrap().split_once(' ').unwrap();
            map.insert(unhex(k), unhex(v));
        }
        results.push(Some(map));
    }
    assert_eq!(results.len(), cases.len(), "Java answers every case");
    results
}

#[test]
#[ignore = "needs java, javac"]
fn java_reads_inputs_and_outputs_as_we_do() {
    // Inputs: byte soups and the fixture inputs. For each readable input, the editor's output.
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    let mut rng = StdRng::seed_from_u64(0x6a76_6121);
    for _ in 0..300 {
        inputs.push(soup(&mut rng));
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gradle");
    for entry in std::fs::read_dir(fixtures).unwrap() {
        if let Ok(bytes) = std::fs::read(entry.unwrap().path().join("in.properties")) {
            inputs.push(bytes);
        }
    }

    let mut cases: Vec<Vec<u8>> = inputs.clone();
    // (case index, pairs written) for every output.
    let mut outputs: Vec<(usize, Vec<(&str, &str)>)> = Vec::new();
    for input in &inputs {
        let pairs = vec![
            ("nexusUsername", TOKENS[rng.random_range(0..TOKENS.len())]),
            ("nexusPassword", TOKENS[rng.random_range(0..TOKENS.len())]),
            ("odd key=:", TOKENS[rng.random_range(0..TOKENS.len())]),
        ];
        if let Ok(edit) = set_properties(Some(input), &pairs) {
            outputs.push((cases.len(), pairs));
            cases.push(edit.output);
        }
    }
    assert!(outputs.len() > 200, "most generated inputs are editable");

    let java = java_read(&cases);
    let mut errors = 0;
    for (i, case) in cases.iter().enumerate() {
        if java[i].is_none() {
            errors += 1;
        }
        assert_eq!(
            ours(case),
            java[i],
            "our reader agrees with java.util.Properties on {:?}",
            String::from_utf8_lossy(case)
        );
    }
    assert!(errors > 0, "some soups hit the malformed \\uXXXX error");
    for (i, pairs) in &outputs {
        let map = java[*i].as_ref().expect("Java reads every output");
        for (key, token) in pairs {
            assert_eq!(
                map.get(*key).map(String::as_str),
                Some(*token),
                "Java reads back `{key}` as the token from {:?}",
                String::from_utf8_lossy(&cases[*i])
            );
        }
    }
    eprintln!(
        "java.util.Properties agreed on {} cases ({} editor outputs)",
        cases.len(),
        outputs.len()
    );
}

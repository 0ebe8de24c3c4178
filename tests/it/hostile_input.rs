//! Hostile input: entity expansion ("billion laughs") and external entities refused, 10 000-deep
//! nesting refused without a crash, 100 MB target files handled with memory linear in their
//! size, hostile JSON refused (see also tests/faults.rs), and a seeded mutation fuzz of the
//! settings.xml and gradle.properties editors and the JSON parsing that must never panic.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::support::reliability::{USER, bytes, emulator, figure, login_no_keyring, run_measured};
use crate::support::{Sandbox, assert_no_secret, unique_password};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A saved profile writing `nexus` into settings.xml and `nexus*` into gradle.properties.
fn saved() -> (Sandbox, nexus_token::emulator::Emulator, String) {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login_no_keyring(
        &sb,
        &emu,
        &pw,
        &["--maven-server", "nexus", "--gradle-prefix", "nexus"],
    );
    emu.reset_token(USER); // the next refresh has something to write
    (sb, emu, pw)
}

/// Replaces settings.xml with `content`, refreshes, and checks the refusal: exit 5, the file
/// named, `what` in the message, the file byte-identical. Returns the peak RSS in KiB.
fn refused(sb: &Sandbox, pw: &str, content: &[u8], what: &str) -> Option<u64> {
    std::fs::write(sb.settings(), content).unwrap();
    let (run, rss) = run_measured(
        sb,
        &["refresh", "--password-stdin"],
        Some(&format!("{pw}\n")),
    );
    assert_eq!(
        run.code,
        5,
        "hostile settings.xml is refused with exit 5: {}",
        run.all()
    );
    assert!(
        run.stderr.contains("settings.xml"),
        "the message names the file: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(what),
        "the message names the cause ({what}): {}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "no panic: {}", run.stderr);
    assert_eq!(
        bytes(&sb.settings()).unwrap(),
        content,
        "the refused file stays byte-identical"
    );
    assert_no_secret(&run.all(), pw, "output");
    rss
}

#[test]
fn billion_laughs_is_refused_without_expanding() {
    let (sb, _emu, pw) = saved();
    let mut doc =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE settings [\n  <!ENTITY lol \"lol\">\n");
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        doc.push_str(&format!(
            "  <!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    doc.push_str("]>\n<settings>\n  <servers>\n    <server>\n      <id>nexus</id>\n      <username>&lol9;</username>\n      <password>x</password>\n    </server>\n  </servers>\n</settings>\n");
    let rss = refused(&sb, &pw, doc.as_bytes(), "entity");
    if let Some(kib) = rss {
        assert!(
            kib < 64 * 1024,
            "no expansion happened: peak RSS below 64 MiB ({kib} KiB)"
        );
        figure("hostile: billion laughs peak RSS KiB", kib);
    }
}

#[test]
fn an_external_entity_is_refused_and_never_read() {
    let (sb, _emu, pw) = saved();
    let doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE settings [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n<settings>\n  <servers>\n    <server>\n      <id>nexus</id>\n      <username>&xxe;</username>\n      <password>x</password>\n    </server>\n  </servers>\n</settings>\n";
    refused(&sb, &pw, doc.as_bytes(), "entity");
    // Even a plain reference to an undeclared external-looking entity is refused.
    let doc2 = "<settings><servers><server><id>nexus</id><username>&xxe;</username></server></servers></settings>\n";
    refused(&sb, &pw, doc2.as_bytes(), "entity");
    let status = sb.run(&["status"], None);
    assert!(
        !status.all().contains("root:"),
        "nothing of /etc/passwd shows up anywhere: {}",
        status.all()
    );
}

#[test]
fn ten_thousand_deep_nesting_is_refused_without_a_crash() {
    let (sb, _emu, pw) = saved();
    let depth = 10_000;
    let mut doc = String::from(
        "<settings>\n  <servers><server><id>nexus</id><username>a</username><password>b</password></server></servers>\n  <profiles>",
    );
    doc.push_str(&"<p>".repeat(depth));
    doc.push_str(&"</p>".repeat(depth));
    doc.push_str("</profiles>\n</settings>\n");
    refused(&sb, &pw, doc.as_bytes(), "nested deeper than");

    // The same depth in gradle.properties means nothing (it is a flat format): a deep run of
    // continuation lines is handled without recursion.
    let mut props = String::from("deep=");
    props.push_str(&"x\\\n".repeat(depth));
    props.push_str("end\n");
    std::fs::write(sb.properties(), &props).unwrap();
    std::fs::write(sb.settings(), "<settings/>\n").unwrap();
    let run = sb.run(&["refresh", "--password-stdin"], Some(&format!("{pw}\n")));
    assert_eq!(
        run.code,
        0,
        "a 10 000-line continuation in gradle.properties is fine: {}",
        run.all()
    );
    figure("hostile: nesting depth refused without a crash", depth);
}

/// Writes a file of at least `size` bytes: `head`, then `line` repeated, then `tail`.
fn big_file(path: &Path, head: &str, line: &str, tail: &str, size: usize) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(head.as_bytes()).unwrap();
    let block = line.repeat(1024);
    let mut n = head.len();
    while n < size {
        f.write_all(block.as_bytes()).unwrap();
        n += block.len();
    }
    f.write_all(tail.as_bytes()).unwrap();
    f.flush().unwrap();
}

const HUNDRED_MB: usize = 100 * 1024 * 1024;

/// Peak memory must stay linear in the file size (a few copies: read buffer, edited output),
/// never blow up.
fn check_linear(kib: u64, file: &Path, what: &str) {
    let size_kib = std::fs::metadata(file).unwrap().len() / 1024;
    assert!(
        kib < 6 * size_kib,
        "{what}: peak RSS stays below 6x the file size ({kib} KiB for a {size_kib} KiB file)"
    );
}

#[test]
fn a_100_mb_settings_xml_is_edited_with_memory_linear_in_its_size() {
    let (sb, emu, pw) = saved();
    let path: PathBuf = sb.settings();
    big_file(
        &path,
        "<settings>\n<!-- ",
        &format!("{}\n", "x".repeat(1023)),
        " -->\n  <servers>\n    <server>\n      <id>nexus</id>\n      <username>a</username>\n      <password>b</password>\n    </server>\n  </servers>\n</settings>\n",
        HUNDRED_MB,
    );
    let start = Instant::now();
    let (run, rss) = run_measured(
        &sb,
        &["refresh", "--password-stdin"],
        Some(&format!("{pw}\n")),
    );
    assert_eq!(
        run.code,
        0,
        "a 100 MB settings.xml is edited: {}",
        run.all()
    );
    let (_, pass) = emu.token_of(USER).unwrap();
    let tail = {
        let all = bytes(&path).unwrap();
        String::from_utf8_lossy(&all[all.len() - 400..]).into_owned()
    };
    assert!(
        tail.contains(&pass),
        "the token was written at the end of the big file: {tail}"
    );
    if let Some(kib) = rss {
        check_linear(kib, &path, "100 MB settings.xml");
        figure("hostile: 100 MB settings.xml refresh peak RSS KiB", kib);
    }
    figure(
        "hostile: 100 MB settings.xml refresh elapsed",
        format!("{:?}", start.elapsed()),
    );
}

#[test]
fn a_100_mb_gradle_properties_is_edited_with_memory_linear_in_its_size() {
    let (sb, emu, pw) = saved();
    let path = sb.properties();
    big_file(
        &path,
        "# big\n",
        &format!("#{}\n", "y".repeat(1022)),
        "nexusUsername=a\nnexusPassword=b\n",
        HUNDRED_MB,
    );
    let start = Instant::now();
    let (run, rss) = run_measured(
        &sb,
        &["refresh", "--password-stdin"],
        Some(&format!("{pw}\n")),
    );
    assert_eq!(
        run.code,
        0,
        "a 100 MB gradle.properties is edited: {}",
        run.all()
    );
    let (_, pass) = emu.token_of(USER).unwrap();
    let all = bytes(&path).unwrap();
    assert!(
        String::from_utf8_lossy(&all[all.len() - 400..]).contains(&format!("nexusPassword={pass}")),
        "the token was written"
    );
    if let Some(kib) = rss {
        check_linear(kib, &path, "100 MB gradle.properties");
        figure(
            "hostile: 100 MB gradle.properties refresh peak RSS KiB",
            kib,
        );
    }
    figure(
        "hostile: 100 MB gradle.properties refresh elapsed",
        format!("{:?}", start.elapsed()),
    );
}

// ---------------------------------------------------------------------------------------------
// Seeded mutation fuzz (in-process, fixed iteration counts: no timing in the assertions)

const DICT_XML: &[&str] = &[
    "<server>",
    "</server>",
    "<id>nexus</id>",
    "<username>",
    "</username>",
    "<password>",
    "</password>",
    "<servers>",
    "</servers>",
    "<settings>",
    "</settings>",
    "<!DOCTYPE x [<!ENTITY a \"b\">]>",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "&amp;",
    "&lt;",
    "&#x0;",
    "&#xD800;",
    "&#65;",
    "&bogus;",
    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    "\r\n",
    "\r",
    "\u{FEFF}",
    "\"",
    "'",
    "${env.X}",
    "{enc}",
    "\u{0}",
    "\u{7f}",
    "é",
    "<a/>",
    "xmlns=\"urn:x\"",
];
const DICT_PROPS: &[&str] = &[
    "nexusUsername",
    "nexusPassword",
    "=",
    ":",
    " ",
    "\\",
    "\\\n",
    "\\u00e9",
    "\\uZZZZ",
    "\\u",
    "#",
    "!",
    "\r\n",
    "\r",
    "\n",
    "\u{FEFF}",
    "\t",
    "\u{0}",
    "\u{ff}",
];

fn seeds(dir: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut out = Vec::new();
    for case in std::fs::read_dir(root).unwrap().flatten() {
        for name in ["in", "in.xml", "in.properties"] {
            if let Ok(b) = std::fs::read(case.path().join(name)) {
                out.push(b);
            }
        }
        for entry in std::fs::read_dir(case.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let n = entry.file_name().to_string_lossy().into_owned();
            if n.starts_with("in") && !["in", "in.xml", "in.properties"].contains(&n.as_str()) {
                out.extend(std::fs::read(entry.path()).ok());
            }
        }
    }
    out.push(Vec::new());
    out
}

fn mutate(rng: &mut StdRng, input: &[u8], dict: &[&str]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..rng.random_range(1..4) {
        let len = data.len();
        match rng.random_range(0..6) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                data[i] = rng.random();
            }
            1 => {
                let i = rng.random_range(0..=len);
                let word = dict[rng.random_range(0..dict.len())].as_bytes();
                data.splice(i..i, word.iter().copied());
            }
            2 if len > 0 => {
                let a = rng.random_range(0..len);
                let b = (a + rng.random_range(0..64)).min(len);
                data.drain(a..b);
            }
            3 if len > 0 => {
                let a = rng.random_range(0..len);
                let b = (a + rng.random_range(0..128)).min(len);
                let chunk = data[a..b].to_vec();
                let at = rng.random_range(0..=data.len());
                data.splice(at..at, chunk);
            }
            4 => {
                let i = rng.random_range(0..=len);
                data.insert(i, rng.random());
            }
            _ => {
                if len > 0 {
                    data.truncate(rng.random_range(0..len));
                }
            }
        }
    }
    data
}

fn fuzz_seed() -> u64 {
    std::env::var("NEXUS_TOKEN_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6e65_7875_7321)
}

#[test]
fn fuzz_the_settings_xml_editor_never_panics_and_reads_back_what_it_wrote() {
    let seed = fuzz_seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let corpus = seeds("maven");
    assert!(corpus.len() > 5, "the maven fixtures give a seed corpus");
    let creds = nexus_token::maven::Credentials {
        username: "nameCode1",
        password: "passCode1",
        password_is_encrypted: false,
    };
    let iterations = 20_000;
    let (mut edited, mut refused) = (0, 0);
    let start = Instant::now();
    for i in 0..iterations {
        let input = mutate(&mut rng, &corpus[i % corpus.len()], DICT_XML);
        let _ = nexus_token::maven::read_server(&input, "nexus");
        let _ = nexus_token::maven::duplicate_ids(&input);
        let _ = nexus_token::maven::maven_would_reject(&input);
        let known_password = nexus_token::secret::Secret::new("passCode1".to_owned());
        let _ = nexus_token::maven::discover_servers(
            &input,
            "http://127.0.0.1:8081",
            "alice",
            &nexus_token::maven::KnownSecrets {
                passwords: &[&known_password],
                token_fingerprints: &[],
                fingerprint: &nexus_token::fingerprint::fingerprint,
                master_password: Some(&known_password),
            },
        );
        match nexus_token::maven::set_credentials(Some(&input), &["nexus"], &creds) {
            Ok(edit) => {
                edited += 1;
                let back = nexus_token::maven::read_server(&edit.output, "nexus");
                let entry = back.unwrap_or_else(|e| {
                    panic!("seed {seed} iteration {i}: the edited file parses again ({e})")
                });
                let entry = entry.unwrap_or_else(|| {
                    panic!("seed {seed} iteration {i}: the edited file has the server")
                });
                assert_eq!(
                    entry.username.as_deref(),
                    Some("nameCode1"),
                    "seed {seed} iteration {i}: the username reads back"
                );
                assert_eq!(
                    entry.password.as_deref(),
                    Some("passCode1"),
                    "seed {seed} iteration {i}: the password reads back"
                );
            }
            Err(_) => refused += 1,
        }
    }
    figure(
        "fuzz: settings.xml editor iterations without a panic",
        format!(
            "{iterations} in {:?} (seed {seed}, {edited} edited, {refused} refused)",
            start.elapsed()
        ),
    );
}

#[test]
fn fuzz_the_gradle_properties_editor_never_panics_and_reads_back_what_it_wrote() {
    let seed = fuzz_seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let corpus = seeds("gradle");
    assert!(corpus.len() > 5, "the gradle fixtures give a seed corpus");
    let iterations = 20_000;
    let (mut edited, mut refused) = (0, 0);
    let start = Instant::now();
    for i in 0..iterations {
        let input = mutate(&mut rng, &corpus[i % corpus.len()], DICT_PROPS);
        let _ = nexus_token::gradle::parse(&input);
        let _ = nexus_token::gradle::read_property(&input, "nexusPassword");
        match nexus_token::gradle::set_properties(
            Some(&input),
            &[
                ("nexusUsername", "nameCode1"),
                ("nexusPassword", "pass=Code:1 \\é"),
            ],
        ) {
            Ok(edit) => {
                edited += 1;
                let back = nexus_token::gradle::read_property(&edit.output, "nexusPassword");
                assert_eq!(
                    back.unwrap_or_else(|e| panic!(
                        "seed {seed} iteration {i}: the edited file parses again ({e})"
                    ))
                    .as_deref(),
                    Some("pass=Code:1 \\é"),
                    "seed {seed} iteration {i}: the password reads back"
                );
            }
            Err(_) => refused += 1,
        }
    }
    figure(
        "fuzz: gradle.properties editor iterations without a panic",
        format!(
            "{iterations} in {:?} (seed {seed}, {edited} edited, {refused} refused)",
            start.elapsed()
        ),
    );
}

#[test]
fn fuzz_the_json_parsing_never_panics() {
    let seed = fuzz_seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let corpus: Vec<Vec<u8>> = [
        r#"{"t":"AbCdEf=="}"#,
        r#"{"nameCode":"n","passCode":"p","created":"2024-01-01T00:00:00Z"}"#,
        r#"{"data":{"nameCode":"n","passCode":"p","created":1700000000000}}"#,
        r#"{"t": "AbCdEf", "nameCode": "AbC"#,
        "<<this is not json>>",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let dict: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "\\u0000",
        "\\ud800",
        "null",
        "1e999999",
        "-0",
        "\"data\":",
        "\"passCode\":",
        "\"t\":",
    ];
    let iterations = 50_000;
    let mut parsed = 0;
    for i in 0..iterations {
        let input = mutate(&mut rng, &corpus[i % corpus.len()], dict);
        if let Ok(t) = nexus_token::nexus::parse_ticket(&input) {
            assert!(
                !t.expose().is_empty(),
                "seed {seed} iteration {i}: a parsed ticket is never empty"
            );
            parsed += 1;
        }
        if let Ok(t) = nexus_token::nexus::parse_token_json(&input) {
            assert!(
                !t.name_code.is_empty() && !t.pass_code.expose().is_empty(),
                "seed {seed} iteration {i}: a parsed token is never empty"
            );
            parsed += 1;
        }
    }
    // Very deep nesting: serde_json's recursion limit refuses it instead of overflowing the stack.
    let deep = "[".repeat(100_000);
    assert!(
        nexus_token::nexus::parse_token_json(deep.as_bytes()).is_err(),
        "100 000-deep JSON is refused"
    );
    figure(
        "fuzz: JSON parsing iterations without a panic",
        format!("{iterations} (seed {seed}, {parsed} parsed)"),
    );
}

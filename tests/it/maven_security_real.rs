//! `maven_security` against the real Maven on this machine: we must read what
//! `mvn --encrypt-master-password` and `mvn --encrypt-password` write, follow relocations the way
//! Maven does, and pick the `{...}` part of a value exactly as plexus-cipher's Java regex does.
//!
//! The tests are `#[ignore = "needs mvn"]` / `"needs java"`; run with `--include-ignored`, a
//! missing tool fails.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use nexus_token::maven_security::{self, MASTER_PASSPHRASE};

use crate::support::{Sandbox, require_tool};

/// A throwaway test value: it ends up on Maven's command line, which is fine only for a value
/// that protects nothing.
const TEST_ONLY_MASTER: &str = "test-only-master-Pässwörd-1";

/// Runs `mvn` offline in the sandbox's home with `args`; returns the `{...}` it printed.
fn mvn_encrypt(sb: &Sandbox, args: &[&str]) -> String {
    let home = sb.home();
    let output = sb
        .program(require_tool("mvn"), &[])
        .current_dir(&home)
        .env("LC_ALL", "C.UTF-8")
        .env(
            "MAVEN_OPTS",
            "-Dfile.encoding=UTF-8 -Dsun.jnu.encoding=UTF-8",
        )
        .arg("-B")
        .arg("-o")
        .arg("-Dstyle.color=never")
        .arg(format!("-Duser.home={}", home.display()))
        .args(args)
        .output()
        .expect("mvn runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "mvn {args:?} succeeds offline; stdout: {stdout} stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Maven 3.8.7 wraps its output in ANSI resets even with -B: take the braces only.
    let start = stdout.find('{').expect("mvn prints a `{...}` value");
    let end = start + stdout[start..].find('}').expect("the value is closed");
    stdout[start..=end].to_owned()
}

fn write_security(path: &Path, body: &str) {
    std::fs::write(
        path,
        format!("<settingsSecurity>\n  {body}\n</settingsSecurity>\n"),
    )
    .unwrap();
}

#[test]
#[ignore = "needs mvn"]
fn we_decrypt_what_real_maven_encrypts() {
    let sb = Sandbox::new();
    let home = &sb.home();

    let master = mvn_encrypt(&sb, &["--encrypt-master-password", TEST_ONLY_MASTER]);
    assert_eq!(
        maven_security::decrypt(&master, MASTER_PASSPHRASE)
            .unwrap()
            .expose(),
        TEST_ONLY_MASTER,
        "Maven's encrypted master decrypts with the passphrase `settings.security`"
    );

    let security = home.join("security.xml");
    write_security(&security, &format!("<master>{master}</master>"));
    let read = maven_security::master_password(&security)
        .unwrap()
        .expect("the file has a master");
    assert_eq!(
        read.expose(),
        TEST_ONLY_MASTER,
        "master_password reads the file Maven's docs tell users to write"
    );

    let settings_security = format!("-Dsettings.security={}", security.display());
    for clear in [
        "plain-Token-123",
        "a&b<c>d\"e'f g",
        "ünïcødé ✓ 密码",
        "{braces}",
        "x",
        "a-value-that-is-longer-than-one-aes-block-of-sixteen-bytes-0123456789",
    ] {
        let encrypted = mvn_encrypt(&sb, &[&settings_security, "--encrypt-password", clear]);
        assert!(
            maven_security::is_encrypted(&encrypted),
            "Maven's output `{encrypted}` is recognised as encrypted"
        );
        let back = maven_security::decrypt(&encrypted, TEST_ONLY_MASTER).unwrap();
        assert_eq!(
            back.expose(),
            clear,
            "we decrypt Maven's encryption of `{clear}` with the master password"
        );
    }
}

#[test]
#[ignore = "needs mvn"]
fn maven_and_we_agree_on_relocation_and_bare_masters() {
    let sb = Sandbox::new();
    let home = &sb.home();
    let master = mvn_encrypt(&sb, &["--encrypt-master-password", TEST_ONLY_MASTER]);

    // `<master>` without braces: Maven's decryptDecorated accepts it, so must we.
    let real = home.join("real-security.xml");
    write_security(
        &real,
        &format!("<master>{}</master>", &master[1..master.len() - 1]),
    );
    // A relocation to it, by absolute path.
    let pointer = home.join("settings-security.xml");
    write_security(
        &pointer,
        &format!("<relocation>{}</relocation>", real.display()),
    );

    let ours = maven_security::master_password(&pointer)
        .unwrap()
        .expect("the relocation leads to a master");
    assert_eq!(
        ours.expose(),
        TEST_ONLY_MASTER,
        "we follow the relocation and accept a master without braces"
    );

    let encrypted = mvn_encrypt(
        &sb,
        &[
            &format!("-Dsettings.security={}", pointer.display()),
            "--encrypt-password",
            "via-relocation",
        ],
    );
    assert_eq!(
        maven_security::decrypt(&encrypted, ours.expose())
            .unwrap()
            .expose(),
        "via-relocation",
        "Maven, following the same relocation, used the master password we read"
    );
}

/// A Java program applying plexus-cipher's exact pattern the way DefaultPlexusCipher does
/// (`matches() || find()`, then `group(1)`), one hex-encoded UTF-8 input per line.
const JAVA_ORACLE: &str = r#"
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.regex.*;
public class Oracle {
    static final Pattern P = Pattern.compile(".*?[^\\\\]?\\{(.*?[^\\\\])\\}.*");
    public static void main(String[] a) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            byte[] b = new byte[line.length() / 2];
            for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(line.substring(2 * i, 2 * i + 2), 16);
            String s = new String(b, StandardCharsets.UTF_8);
            Matcher m = P.matcher(s);
            if (m.matches() || m.find()) {
                for (byte x : m.group(1).getBytes(StandardCharsets.UTF_8)) out.append(String.format("%02x", x));
                out.append('\n');
            } else {
                out.append("-\n");
            }
        }
        System.out.print(out);
    }
}
"#;

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Every string over a small alphabet of the characters that matter, up to a length.
fn all_strings(alphabet: &[char], max_len: usize) -> Vec<String> {
    let mut all = vec![String::new()];
    let mut layer = vec![String::new()];
    for _ in 0..max_len {
        layer = layer
            .iter()
            .flat_map(|s| {
                alphabet.iter().map(move |c| {
                    let mut t = s.clone();
                    t.push(*c);
                    t
                })
            })
            .collect();
        all.extend(layer.iter().cloned());
    }
    all
}

#[test]
#[ignore = "needs java"]
fn undecorate_agrees_with_plexus_cipher_regex() {
    let sb = Sandbox::new();
    let source = sb.dir.path().join("Oracle.java");
    std::fs::write(&source, JAVA_ORACLE).unwrap();

    // Exhaustive over the characters the pattern cares about (braces, backslash, a line
    // terminator, a multi-byte line terminator, a plain letter), plus realistic values.
    let mut inputs = all_strings(&['{', '}', '\\', '\n', '\r', '\u{2028}', 'a'], 6);
    // Longer strings, pseudo-random but fixed (an LCG), over the same characters plus
    // multi-byte ones.
    let wider = ['{', '}', '\\', '\n', '\r', 'a', ' ', 'é', '😀', '\u{85}'];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    for _ in 0..20_000 {
        let len = 7 + next() % 40;
        inputs.push((0..len).map(|_| wider[next() % wider.len()]).collect());
    }
    inputs.extend(
        [
            "{AAECAwQFBgcHXhTpqF018d/Xrj7AKinI9wAAAAAAAAA=}",
            "comment {AAECAwQFBgcH} trailing",
            "  {abc}\r\n",
            "\r\n{abc}\r\n",
            "line one\n{x}\nline three",
            "é{ü}ö",
            "\\{a\\}b}c",
        ]
        .map(String::from),
    );

    let mut child = sb
        .program(require_tool("java"), &[])
        .arg(&source)
        .stdin(Stdio::piped())
        .spawn()
        .expect("java runs a single-file program");
    {
        let mut stdin = child.stdin.take().unwrap();
        let mut feed = String::new();
        for input in &inputs {
            feed.push_str(&hex(input));
            feed.push('\n');
        }
        stdin.write_all(feed.as_bytes()).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the Java oracle runs");
    let answers: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(answers.len(), inputs.len(), "one answer per input");

    let mut disagreements = Vec::new();
    for (input, java_says) in inputs.iter().zip(&answers) {
        let ours = match maven_security::undecorate(input) {
            Some(group) => hex(group),
            None => "-".to_owned(),
        };
        if &ours != java_says {
            disagreements.push(format!("{input:?}: java {java_says}, ours {ours}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "undecorate picks the same `{{...}}` part as plexus-cipher for all {} inputs; {} differ: {:#?}",
        inputs.len(),
        disagreements.len(),
        &disagreements[..disagreements.len().min(20)]
    );
}

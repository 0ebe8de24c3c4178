//! What Maven 3 refuses in a settings.xml that is otherwise well-formed: the checks its settings
//! reader (Modello, Xpp3) makes even in lenient mode, so `doctor` does not say "parses" for a
//! file `mvn` will not read. Pure: bytes in, the first refusal with line and column out.
//!
//! Verified with Maven 3.8.7 (`mvn -B -o -s FILE -f <empty pom> validate`): a repeated field of
//! any model object (two `<servers>`, two `<enabled>` in `<releases>`, ...) is fatal
//! (`Duplicated tag`); non-whitespace text, CDATA or a reference directly inside a list
//! (`<servers>`, `<mirrors>`, `<profiles>`, `<repositories>`, `<properties>`, ...) is fatal
//! (`expected START_TAG or END_TAG not TEXT`); an element inside a text field (`<username>x<b/>`)
//! is fatal. Only warnings in lenient mode, hence not reported here: text directly inside an
//! object (`<server>hello<id>`), unknown elements. Inside `<configuration>` and unknown elements
//! anything goes.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::{Error, offset, parse, syntax};

/// The shape Maven's reader expects at one element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A model object: its known fields may appear once each.
    Object(&'static [(&'static str, Kind)]),
    /// A list: only child elements (each of this kind); text is fatal.
    List(&'static Kind),
    /// A text field: no child elements.
    Text,
    /// Free-form (`<configuration>`) or unknown (skipped by Maven): anything goes.
    Free,
}

const TEXT: Kind = Kind::Text;
const POLICY: Kind = Kind::Object(&[
    ("enabled", TEXT),
    ("updatePolicy", TEXT),
    ("checksumPolicy", TEXT),
]);
const REPOSITORY: Kind = Kind::Object(&[
    ("releases", POLICY),
    ("snapshots", POLICY),
    ("id", TEXT),
    ("name", TEXT),
    ("url", TEXT),
    ("layout", TEXT),
]);
const ACTIVATION: Kind = Kind::Object(&[
    ("activeByDefault", TEXT),
    ("jdk", TEXT),
    (
        "os",
        Kind::Object(&[
            ("name", TEXT),
            ("family", TEXT),
            ("arch", TEXT),
            ("version", TEXT),
        ]),
    ),
    ("property", Kind::Object(&[("name", TEXT), ("value", TEXT)])),
    ("file", Kind::Object(&[("missing", TEXT), ("exists", TEXT)])),
]);
const PROFILE: Kind = Kind::Object(&[
    ("activation", ACTIVATION),
    ("properties", Kind::List(&TEXT)),
    ("repositories", Kind::List(&REPOSITORY)),
    ("pluginRepositories", Kind::List(&REPOSITORY)),
    ("id", TEXT),
]);
const PROXY: Kind = Kind::Object(&[
    ("active", TEXT),
    ("protocol", TEXT),
    ("username", TEXT),
    ("password", TEXT),
    ("port", TEXT),
    ("host", TEXT),
    ("nonProxyHosts", TEXT),
    ("id", TEXT),
]);
const SERVER: Kind = Kind::Object(&[
    ("username", TEXT),
    ("password", TEXT),
    ("privateKey", TEXT),
    ("passphrase", TEXT),
    ("filePermissions", TEXT),
    ("directoryPermissions", TEXT),
    ("configuration", Kind::Free),
    ("id", TEXT),
]);
const MIRROR: Kind = Kind::Object(&[
    ("mirrorOf", TEXT),
    ("name", TEXT),
    ("url", TEXT),
    ("layout", TEXT),
    ("mirrorOfLayouts", TEXT),
    ("blocked", TEXT),
    ("id", TEXT),
]);
const SETTINGS: Kind = Kind::Object(&[
    ("localRepository", TEXT),
    ("interactiveMode", TEXT),
    ("usePluginRegistry", TEXT),
    ("offline", TEXT),
    ("proxies", Kind::List(&PROXY)),
    ("servers", Kind::List(&SERVER)),
    ("mirrors", Kind::List(&MIRROR)),
    ("profiles", Kind::List(&PROFILE)),
    ("activeProfiles", Kind::List(&TEXT)),
    ("pluginGroups", Kind::List(&TEXT)),
]);

/// The item element name each list expects; other children are unknown (skipped by Maven).
fn item_name(list: &str) -> Option<&'static str> {
    Some(match list {
        "proxies" => "proxy",
        "servers" => "server",
        "mirrors" => "mirror",
        "profiles" => "profile",
        "activeProfiles" => "activeProfile",
        "pluginGroups" => "pluginGroup",
        "repositories" => "repository",
        "pluginRepositories" => "pluginRepository",
        // Any name is a property key.
        "properties" => return None,
        _ => "",
    })
}

struct Frame {
    name: String,
    kind: Kind,
    seen: Vec<String>,
}

/// What Maven 3 would refuse in `input` (see the module docs), as a syntax error with line and
/// column; `None` when Maven reads the file. Malformed XML and everything the editor itself
/// refuses are reported first.
pub fn maven_would_reject(input: &[u8]) -> Option<Error> {
    let doc = match parse(input) {
        Ok(doc) => doc,
        Err(e) => return Some(e),
    };
    let body = &input[doc.bom..];
    // `parse` checked the UTF-8.
    let text = std::str::from_utf8(body).ok()?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    let mut stack: Vec<Frame> = Vec::new();
    loop {
        let start = offset(reader.buffer_position());
        let event = reader.read_event().ok()?;
        match event {
            Event::Start(e) => {
                let name = e.name().as_ref().to_owned();
                let kind = match stack.last_mut() {
                    None => SETTINGS,
                    Some(parent) => match parent.kind {
                        Kind::Object(fields) => match fields.iter().find(|(f, _)| *f == name) {
                            Some((_, kind)) => {
                                if parent.seen.contains(&name) {
                                    return Some(syntax(
                                        body,
                                        start,
                                        format!(
                                            "Maven refuses a second `<{name}>` in `<{}>` (Duplicated tag)",
                                            parent.name
                                        ),
                                    ));
                                }
                                parent.seen.push(name.clone());
                                *kind
                            }
                            None => Kind::Free,
                        },
                        Kind::List(item) => match item_name(&parent.name) {
                            None => *item,
                            Some(expected) if expected == name => *item,
                            Some(_) => Kind::Free,
                        },
                        Kind::Text => {
                            return Some(syntax(
                                body,
                                start,
                                format!(
                                    "Maven refuses the element `<{name}>` inside `<{}>`, which holds text only",
                                    parent.name
                                ),
                            ));
                        }
                        Kind::Free => Kind::Free,
                    },
                };
                stack.push(Frame {
                    name,
                    kind,
                    seen: Vec::new(),
                });
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(t) => {
                let raw: &str = &t;
                if let Some(first) = raw.bytes().position(|b| !b.is_ascii_whitespace())
                    && let Some(e) = text_in_list(body, &stack, start + first)
                {
                    return Some(e);
                }
            }
            Event::CData(_) | Event::GeneralRef(_) => {
                if let Some(e) = text_in_list(body, &stack, start) {
                    return Some(e);
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

fn text_in_list(body: &[u8], stack: &[Frame], at: usize) -> Option<Error> {
    let frame = stack.last()?;
    matches!(frame.kind, Kind::List(_)).then(|| {
        syntax(
            body,
            at,
            format!(
                "Maven refuses text directly inside `<{}>` (only elements may go there)",
                frame.name
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each case was run through Maven 3.8.7 (`mvn -B -o -s FILE validate`): `Some((line,
    /// column, words))` for a refusal, `None` when Maven reads the file (perhaps with a warning).
    #[test]
    fn refuses_what_maven_refuses_and_only_that() {
        /// Line, column and words of Maven's refusal.
        type Refusal = Option<(usize, usize, &'static str)>;
        let cases: &[(&str, Refusal)] = &[
            (
                "<settings><servers><server><id>a</id></server></servers></settings>",
                None,
            ),
            (
                "<settings>\n<servers><server><id>a</id></server></servers>\n<servers><server><id>b</id></server></servers>\n</settings>",
                Some((3, 1, "second `<servers>`")),
            ),
            (
                "<settings>\n<servers>hello<server><id>a</id></server></servers>\n</settings>",
                Some((2, 10, "text directly inside `<servers>`")),
            ),
            (
                "<settings>\n<servers><server><id>a</id></server>hello</servers>\n</settings>",
                Some((2, 37, "text directly inside `<servers>`")),
            ),
            (
                "<settings><servers><![CDATA[x]]><server><id>a</id></server></servers></settings>",
                Some((1, 20, "inside `<servers>`")),
            ),
            (
                "<settings><servers>&amp;<server><id>a</id></server></servers></settings>",
                Some((1, 20, "inside `<servers>`")),
            ),
            (
                "<settings><localRepository>/a</localRepository><localRepository>/b</localRepository></settings>",
                Some((1, 48, "second `<localRepository>`")),
            ),
            (
                "<settings><servers><server><id>a</id><username>x</username><username>y</username></server></servers></settings>",
                Some((1, 60, "second `<username>`")),
            ),
            (
                "<settings><servers><server><id>a</id><username>x<b/></username></server></servers></settings>",
                Some((1, 49, "`<b>`")),
            ),
            (
                "<settings><profiles><profile><id>p</id><properties>x<a>1</a></properties></profile></profiles></settings>",
                Some((1, 52, "inside `<properties>`")),
            ),
            (
                "<settings><profiles><profile><id>p</id><repositories>x</repositories></profile></profiles></settings>",
                Some((1, 54, "inside `<repositories>`")),
            ),
            (
                "<settings><profiles><profile><id>p</id><repositories><repository><id>r</id><releases><enabled>true</enabled><enabled>false</enabled></releases></repository></repositories></profile></profiles></settings>",
                Some((1, 109, "second `<enabled>`")),
            ),
            (
                "<settings><profiles><profile><id>p</id><activation/><activation/></profile></profiles></settings>",
                Some((1, 53, "second `<activation>`")),
            ),
            (
                "<settings><activeProfiles>x<activeProfile>p</activeProfile></activeProfiles></settings>",
                Some((1, 27, "inside `<activeProfiles>`")),
            ),
            // Warnings only in Maven's lenient mode: read.
            (
                "<settings>\n<servers><server>hello<id>a</id></server></servers>\n</settings>",
                None,
            ),
            (
                "<settings>\nhello<servers><server><id>a</id></server></servers>\n</settings>",
                None,
            ),
            (
                "<settings><servers><server><id>a</id><foo/><foo/></server></servers></settings>",
                None,
            ),
            (
                "<settings><servers><foo/><server><id>a</id></server></servers></settings>",
                None,
            ),
            ("<settings><foo>x<bar/><bar/></foo></settings>", None),
            (
                "<settings><profiles><profile><id>p</id><activation>x</activation></profile></profiles></settings>",
                None,
            ),
            // Free-form and map content.
            (
                "<settings><servers><server><id>a</id><configuration><a>1</a><a>2</a>text</configuration></server></servers></settings>",
                None,
            ),
            (
                "<settings><profiles><profile><id>p</id><properties><a>1</a><a>2</a></properties></profile></profiles></settings>",
                None,
            ),
        ];
        for (input, expected) in cases {
            let got = maven_would_reject(input.as_bytes());
            match (expected, &got) {
                (None, None) => {}
                (
                    Some((line, column, words)),
                    Some(Error::Syntax {
                        line: l,
                        column: c,
                        message,
                    }),
                ) => {
                    assert!(
                        (l, c) == (line, column) && message.contains(words),
                        "Maven refuses {input:?} at {line}:{column} ({words}), got {l}:{c}: {message}"
                    );
                }
                _ => panic!("Maven's verdict on {input:?} is {expected:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn every_fixture_output_is_read_by_maven() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/maven");
        let mut checked = 0;
        for case in std::fs::read_dir(dir).unwrap().flatten() {
            let Ok(out) = std::fs::read(case.path().join("out.xml")) else {
                continue;
            };
            assert!(
                maven_would_reject(&out).is_none(),
                "the editor's output for `{}` is a file Maven reads",
                case.file_name().to_string_lossy()
            );
            checked += 1;
        }
        assert!(checked > 20, "the fixture outputs were found");
    }

    #[test]
    fn malformed_xml_is_reported_too() {
        assert!(
            maven_would_reject(b"<settings><servers></settings>").is_some(),
            "a file that is not well-formed is refused"
        );
    }
}

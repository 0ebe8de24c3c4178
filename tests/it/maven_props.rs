//! Property test of the settings.xml editor: for generated settings files and tokens, the output
//! parses, yields the token for each id, differs from the input only inside the target servers
//! (plus one insertion for servers that did not exist), and a second run changes nothing.

use nexus_token::maven::{Credentials, read_server, set_credentials};
use proptest::prelude::*;

const IDS: [&str; 4] = ["central", "releases", "snap&shots", "mirror-x"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    Username,
    Password,
}

#[derive(Debug, Clone)]
enum Style {
    Plain,
    Entity,
    Cdata,
    Empty,
    Commented,
}

#[derive(Debug, Clone)]
struct ServerSpec {
    id: usize,
    fields: Vec<(Field, Style, String)>,
    id_first: bool,
    inline: bool,
}

#[derive(Debug, Clone)]
enum Block {
    Missing,
    Empty,
    List(Vec<ServerSpec>),
}

#[derive(Debug, Clone)]
struct FileSpec {
    bom: bool,
    decl: bool,
    namespace: bool,
    crlf: bool,
    indent: &'static str,
    final_newline: bool,
    proxy: bool,
    mirror: bool,
    commented_server: bool,
    block: Block,
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![
        Just(Style::Plain),
        Just(Style::Entity),
        Just(Style::Cdata),
        Just(Style::Empty),
        Just(Style::Commented)
    ]
}

fn server_spec() -> impl Strategy<Value = ServerSpec> {
    (
        0..IDS.len(),
        proptest::option::of((style(), "[a-z0-9&<>]{0,8}")),
        proptest::option::of((style(), "[a-z0-9&<>]{0,8}")),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(id, user, pass, pass_first, id_first, inline)| {
            let mut fields = Vec::new();
            if let Some((s, v)) = user {
                fields.push((Field::Username, s, v));
            }
            if let Some((s, v)) = pass {
                fields.push((Field::Password, s, v));
            }
            if pass_first {
                fields.reverse();
            }
            ServerSpec {
                id,
                fields,
                id_first,
                inline,
            }
        })
}

fn file_spec() -> impl Strategy<Value = FileSpec> {
    let block = prop_oneof![
        1 => Just(Block::Missing),
        1 => Just(Block::Empty),
        6 => proptest::collection::vec(server_spec(), 0..6).prop_map(Block::List),
    ];
    (
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        prop_oneof![Just("  "), Just("    "), Just("\t")],
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        block,
    )
        .prop_map(
            |(
                (bom, decl, namespace, crlf),
                indent,
                (final_newline, proxy, mirror, commented_server),
                block,
            )| FileSpec {
                bom,
                decl,
                namespace,
                crlf,
                indent,
                final_newline,
                proxy,
                mirror,
                commented_server,
                block,
            },
        )
}

fn xml_escape(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn render_value(name: &str, style: &Style, value: &str) -> String {
    match style {
        Style::Plain => format!("<{name}>{}</{name}>", xml_escape(value)),
        Style::Entity => {
            let encoded: String = value.chars().map(|c| format!("&#{};", c as u32)).collect();
            format!("<{name}>{encoded}</{name}>")
        }
        Style::Cdata => format!("<{name}><![CDATA[{value}]]></{name}>"),
        Style::Empty => format!("<{name}/>"),
        Style::Commented => format!("<{name}><!-- old -->{}</{name}>", xml_escape(value)),
    }
}

/// Renders the file; returns it with the byte range of every `<server>` element.
fn render(spec: &FileSpec) -> (Vec<u8>, Vec<(usize, usize)>) {
    let nl = if spec.crlf { "\r\n" } else { "\n" };
    let i1 = spec.indent;
    let i2 = i1.repeat(2);
    let i3 = i1.repeat(3);
    let mut s = String::new();
    if spec.decl {
        s.push_str(&format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{nl}"));
    }
    s.push_str(&format!(
        "<!-- <server><id>{}</id></server> -->{nl}",
        IDS[0]
    ));
    if spec.namespace {
        s.push_str(&format!(
            "<settings xmlns=\"http://maven.apache.org/SETTINGS/1.0.0\">{nl}"
        ));
    } else {
        s.push_str(&format!("<settings>{nl}"));
    }
    s.push_str(&format!(
        "{i1}<localRepository>/tmp/m2</localRepository>{nl}"
    ));
    if spec.proxy {
        s.push_str(&format!(
            "{i1}<proxies>{nl}{i2}<proxy><id>{}</id><username>p</username><password>p</password></proxy>{nl}{i1}</proxies>{nl}",
            IDS[0]
        ));
    }
    if spec.mirror {
        s.push_str(&format!(
            "{i1}<mirrors>{nl}{i2}<mirror><id>{}</id><url>http://127.0.0.1/r/</url><mirrorOf>*</mirrorOf></mirror>{nl}{i1}</mirrors>{nl}",
            xml_escape(IDS[1])
        ));
    }
    let mut ranges = Vec::new();
    match &spec.block {
        Block::Missing => {}
        Block::Empty => s.push_str(&format!("{i1}<servers/>{nl}")),
        Block::List(servers) => {
            s.push_str(&format!("{i1}<servers>{nl}"));
            if spec.commented_server {
                s.push_str(&format!(
                    "{i2}<!--<server><id>{}</id><username>c</username></server>-->{nl}",
                    IDS[0]
                ));
            }
            for server in servers {
                let (sep, child) = if server.inline {
                    (String::new(), String::new())
                } else {
                    (nl.to_owned(), i3.clone())
                };
                let mut parts = Vec::new();
                let id = format!("<id>{}</id>", xml_escape(IDS[server.id]));
                for (field, style, value) in &server.fields {
                    let name = if *field == Field::Username {
                        "username"
                    } else {
                        "password"
                    };
                    parts.push(render_value(name, style, value));
                }
                if server.id_first {
                    parts.insert(0, id);
                } else {
                    parts.push(id);
                }
                s.push_str(&i2);
                let start = s.len();
                s.push_str("<server>");
                for p in &parts {
                    s.push_str(&format!("{sep}{child}{p}"));
                }
                if !server.inline {
                    s.push_str(&format!("{nl}{i2}"));
                }
                s.push_str("</server>");
                ranges.push((start, s.len()));
                s.push_str(nl);
            }
            s.push_str(&format!("{i1}</servers>{nl}"));
        }
    }
    s.push_str("</settings>");
    if spec.final_newline {
        s.push_str(nl);
    }
    let mut bytes = Vec::new();
    if spec.bom {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let offset = bytes.len();
    bytes.extend_from_slice(s.as_bytes());
    let ranges = ranges
        .into_iter()
        .map(|(a, b)| (a + offset, b + offset))
        .collect();
    (bytes, ranges)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Checks that `output` equals `input` outside the `targets` ranges (each rewritten as one
/// `<server>...</server>`), except for one insertion after the last target holding `inserted`
/// new servers.
fn check_only_targets_changed(
    input: &[u8],
    output: &[u8],
    targets: &[(usize, usize)],
    inserted: usize,
) -> Result<(), String> {
    let (mut ipos, mut opos) = (0, 0);
    for &(start, end) in targets {
        let part = &input[ipos..start];
        if !output[opos..].starts_with(part) {
            return Err(format!("bytes before the target server at {start} changed"));
        }
        opos += part.len();
        if !output[opos..].starts_with(b"<server>") {
            return Err("a target server no longer starts where it did".into());
        }
        let close =
            find(&output[opos..], b"</server>").ok_or("a target server lost its end tag")?;
        opos += close + b"</server>".len();
        ipos = end;
    }
    let (tin, tout) = (&input[ipos..], &output[opos..]);
    let prefix = tin.iter().zip(tout).take_while(|(a, b)| a == b).count();
    let max_suffix = tin.len().min(tout.len()) - prefix;
    let suffix = tin
        .iter()
        .rev()
        .zip(tout.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    let removed = &tin[prefix..tin.len() - suffix];
    let added = &tout[prefix..tout.len() - suffix];
    if inserted == 0 {
        if !removed.is_empty() || !added.is_empty() {
            return Err("bytes outside the target servers changed".into());
        }
        return Ok(());
    }
    // Expanding `<servers/>` or `<settings/>` removes at most its `/`.
    if removed.len() > 1 {
        return Err(format!(
            "the insertion replaced `{}`",
            String::from_utf8_lossy(removed)
        ));
    }
    let count = added.windows(8).filter(|w| w == b"<server>").count();
    if count != inserted {
        return Err(format!("expected {inserted} new servers, found {count}"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn edits_touch_only_the_target_servers_and_are_idempotent(
        spec in file_spec(),
        picks in proptest::collection::vec(0..IDS.len(), 1..3),
        username in "[A-Za-z0-9._-][A-Za-z0-9._&<>\"' -]{0,10}[A-Za-z0-9]",
        password in "[A-Za-z0-9+/=&<>\"'$]{1,24}",
    ) {
        prop_assume!(!password.contains("${"));
        let (input, ranges) = render(&spec);
        let mut ids: Vec<&str> = Vec::new();
        for p in &picks {
            if !ids.contains(&IDS[*p]) {
                ids.push(IDS[*p]);
            }
        }
        let creds = Credentials { username: &username, password: &password, password_is_encrypted: false };
        let edit = set_credentials(Some(&input), &ids, &creds).expect("a generated file is accepted");

        let servers: &[ServerSpec] = match &spec.block {
            Block::List(s) => s,
            _ => &[],
        };
        let mut targets = Vec::new();
        let mut inserted = 0;
        for id in &ids {
            match servers.iter().position(|s| IDS[s.id] == *id) {
                Some(i) => targets.push(ranges[i]),
                None => inserted += 1,
            }
        }
        targets.sort_unstable();
        if let Err(why) = check_only_targets_changed(&input, &edit.output, &targets, inserted) {
            prop_assert!(false, "the output differs from the input only inside the target servers: {}\n--- in ---\n{}\n--- out ---\n{}",
                why, String::from_utf8_lossy(&input), String::from_utf8_lossy(&edit.output));
        }
        for id in &ids {
            let entry = read_server(&edit.output, id).expect("the output parses").expect("every id has a server");
            prop_assert_eq!(entry.username.as_deref(), Some(username.as_str()), "the output yields the username for `{}`", id);
            prop_assert_eq!(entry.password.as_deref(), Some(password.as_str()), "the output yields the token for `{}`", id);
        }
        let again = set_credentials(Some(&edit.output), &ids, &creds).expect("the output is accepted again");
        prop_assert!(again.changed.is_empty(), "a second run reports no change");
        prop_assert_eq!(&again.output, &edit.output, "a second run writes the same bytes");
        prop_assert_eq!(edit.changed.is_empty(), edit.output == input, "`changed` is empty exactly when the bytes are unchanged");
    }
}

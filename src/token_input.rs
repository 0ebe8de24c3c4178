//! The user token a user pastes into `login --token-stdin`, in the forms the Nexus UI's "Access
//! user token" dialog offers: `nameCode:passCode` on one line, the two values on two lines, or the
//! `<server>` snippet for settings.xml (`<id>${server}</id>` or any id). Surrounding whitespace is
//! ignored. Pure: text in, token out; an error never quotes the input (it holds a secret).

use crate::secret::Secret;

/// The largest input read from standard input (a snippet is a few hundred bytes).
pub const MAX_INPUT: usize = 16 * 1024;

/// The forms of input, for messages and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `nameCode:passCode` on one line.
    Pair,
    /// `nameCode` on the first line, `passCode` on the second.
    TwoLines,
    /// `<server><id>..</id><username>nameCode</username><password>passCode</password></server>`.
    ServerSnippet,
}

/// A token read from the input.
#[derive(Debug, Clone)]
pub struct PastedToken {
    /// The token's user part.
    pub name_code: String,
    /// The token's password part.
    pub pass_code: Secret<String>,
    /// The form it came in.
    pub form: Form,
}

/// Why an input is not a token (never holds any of the input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

fn err(reason: impl Into<String>) -> InputError {
    InputError(reason.into())
}

/// One example of each accepted form, for the error message of a bad input.
pub const EXAMPLES: &str = "paste the token as the Nexus UI shows it (\"Access user token\"), in one of these forms:\n  \
     1. nameCode:passCode           e.g.  8I034iTW:EraLxqQei3DO9fjcTTAO9fvKU9t7EaliZIzjolDnAv37\n  \
     2. the two values on two lines  e.g.  8I034iTW\n                                        EraLxqQei3DO9fjcTTAO9fvKU9t7EaliZIzjolDnAv37\n  \
     3. the settings.xml snippet     e.g.  <server><id>${server}</id><username>8I034iTW</username><password>EraLxqQei3DO9fjcTTAO9fvKU9t7EaliZIzjolDnAv37</password></server>";

/// Parses the pasted text.
pub fn parse(input: &[u8]) -> Result<PastedToken, InputError> {
    if input.len() > MAX_INPUT {
        return Err(err(format!(
            "the input is longer than {MAX_INPUT} bytes: that is not a user token"
        )));
    }
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = std::str::from_utf8(input).map_err(|e| {
        err(format!(
            "the input is not UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })?;
    let text = text.trim();
    if text.is_empty() {
        return Err(err("standard input is empty: no token was given"));
    }
    if text.starts_with('<') {
        return snippet(text);
    }
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    match lines.as_slice() {
        [one] => pair(one),
        [name, pass] => {
            if name.contains(':') || pass.contains(':') {
                return Err(err(
                    "two lines where one holds a `:`: give either `nameCode:passCode` on one line, or the two values on two lines",
                ));
            }
            token(name, pass, Form::TwoLines)
        }
        more => Err(err(format!(
            "{} lines of text: expected one (`nameCode:passCode`) or two (nameCode, then passCode), or a `<server>` snippet",
            more.len()
        ))),
    }
}

fn pair(line: &str) -> Result<PastedToken, InputError> {
    let Some((name, pass)) = line.split_once(':') else {
        return Err(err(
            "one line without `:`: expected `nameCode:passCode` (or the two values on two lines)",
        ));
    };
    if pass.contains(':') {
        return Err(err(
            "one line with more than one `:`: expected `nameCode:passCode`",
        ));
    }
    token(name, pass, Form::Pair)
}

/// Checks both values: not empty, no whitespace or control characters (a token has neither).
fn token(name: &str, pass: &str, form: Form) -> Result<PastedToken, InputError> {
    for (what, value) in [("nameCode", name), ("passCode", pass)] {
        if value.is_empty() {
            return Err(err(format!("the {what} is empty")));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err(format!(
                "the {what} contains whitespace or control characters, which a user token never does"
            )));
        }
    }
    if name.contains(':') {
        return Err(err(
            "the nameCode contains `:`, which a user token never does",
        ));
    }
    Ok(PastedToken {
        name_code: name.to_owned(),
        pass_code: Secret::new(pass.to_owned()),
        form,
    })
}

/// The `<server>` snippet: exactly one `server` element holding `username` and `password`
/// (and optionally `id`, any value), nothing else.
fn snippet(text: &str) -> Result<PastedToken, InputError> {
    use quick_xml::events::Event;
    use zeroize::Zeroize as _;

    let mut reader = quick_xml::Reader::from_str(text);
    let syntax = |reader: &quick_xml::Reader<&[u8]>, e: &dyn std::fmt::Display| {
        err(format!(
            "the `<server>` snippet is not well-formed XML: {e} (at byte {})",
            reader.error_position()
        ))
    };
    let mut depth = 0usize;
    let mut roots = 0usize;
    let mut field: Option<&'static str> = None;
    let mut value = String::new();
    let (mut id, mut username, mut password): (Option<String>, Option<String>, Option<String>) =
        (None, None, None);
    let result = loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => break Err(syntax(&reader, &e)),
        };
        match event {
            Event::Start(start) => {
                depth += 1;
                let qname = start.name();
                let name: &str = qname.as_ref();
                let name = name.to_owned();
                match depth {
                    1 if name == "server" => roots += 1,
                    1 => {
                        break Err(err(format!(
                            "the snippet's element is `<{name}>`, expected `<server>`"
                        )));
                    }
                    2 => {
                        field = match name.as_str() {
                            "id" => Some("id"),
                            "username" => Some("username"),
                            "password" => Some("password"),
                            other => {
                                break Err(err(format!(
                                    "the `<server>` snippet holds `<{other}>`: expected only `<id>`, `<username>` and `<password>`"
                                )));
                            }
                        };
                        value.clear();
                    }
                    _ => {
                        break Err(err(format!(
                            "`<{name}>` is nested too deep in the `<server>` snippet"
                        )));
                    }
                }
            }
            Event::Empty(start) => {
                let qname = start.name();
                let name: &str = qname.as_ref();
                let name = name.to_owned();
                break Err(err(format!(
                    "`<{name}/>` is empty: the snippet needs `<username>` and `<password>` with the token's values"
                )));
            }
            Event::End(_) => {
                if depth == 2
                    && let Some(name) = field.take()
                {
                    let slot = match name {
                        "id" => &mut id,
                        "username" => &mut username,
                        _ => &mut password,
                    };
                    if slot.replace(value.trim().to_owned()).is_some() {
                        break Err(err(format!(
                            "the `<server>` snippet holds `<{name}>` twice"
                        )));
                    }
                    value.zeroize();
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                if depth == 2 && field.is_some() {
                    value.push_str(&content);
                } else if !content.trim().is_empty() {
                    break Err(err(
                        "the `<server>` snippet holds text outside `<id>`, `<username>` and `<password>`",
                    ));
                }
            }
            Event::CData(t) if depth == 2 && field.is_some() => value.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if depth == 2 && field.is_some() => match r.resolve_char_ref() {
                Ok(Some(c)) => value.push(c),
                Ok(None) => match quick_xml::escape::resolve_predefined_entity(&r) {
                    Some(s) => value.push_str(s),
                    None => break Err(err("the `<server>` snippet uses an unknown entity")),
                },
                Err(e) => break Err(syntax(&reader, &e)),
            },
            Event::Comment(_) => {}
            Event::Eof => break Ok(()),
            _ => {
                break Err(err(
                    "the `<server>` snippet holds something other than `<id>`, `<username>` and `<password>`",
                ));
            }
        }
    };
    value.zeroize();
    result?;
    if depth != 0 {
        return Err(err(
            "the `<server>` snippet is cut off: `</server>` is missing",
        ));
    }
    if roots != 1 {
        return Err(err(format!(
            "{roots} `<server>` elements: paste the snippet of one server"
        )));
    }
    // The id is the UI's `${server}` placeholder or any name: only the values matter.
    drop(id);
    match (username, password) {
        (Some(name), Some(pass)) => token(&name, &pass, Form::ServerSnippet),
        (None, _) => Err(err(
            "the `<server>` snippet has no `<username>` (the nameCode)",
        )),
        (_, None) => Err(err(
            "the `<server>` snippet has no `<password>` (the passCode)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "8I034iTW";
    const PASS: &str = "EraLxqQei3DO9fjcTTAO9fvKU9t7EaliZIzjolDnAv37";

    fn ok(input: &str) -> (String, String, Form) {
        let t = parse(input.as_bytes()).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        (t.name_code, t.pass_code.expose().clone(), t.form)
    }

    fn bad(input: &str) -> String {
        match parse(input.as_bytes()) {
            Ok(t) => panic!("{input:?} parsed as {}", t.name_code),
            Err(e) => {
                assert!(
                    !e.0.contains(PASS) && !e.0.contains("s3cret"),
                    "the error quotes a secret: {e}"
                );
                e.0
            }
        }
    }

    #[test]
    fn the_pair_form_with_surrounding_whitespace() {
        for input in [
            format!("{NAME}:{PASS}"),
            format!("{NAME}:{PASS}\n"),
            format!("  \r\n\t{NAME}:{PASS}\r\n\r\n"),
            format!("\u{feff}{NAME}:{PASS}\n"),
        ] {
            assert_eq!(
                ok(&input),
                (NAME.into(), PASS.into(), Form::Pair),
                "{input:?}"
            );
        }
    }

    #[test]
    fn the_two_line_form_with_any_line_endings_and_blank_lines() {
        for input in [
            format!("{NAME}\n{PASS}"),
            format!("{NAME}\r\n{PASS}\r\n"),
            format!("\n  {NAME}  \n\n\t{PASS}\n\n"),
        ] {
            assert_eq!(
                ok(&input),
                (NAME.into(), PASS.into(), Form::TwoLines),
                "{input:?}"
            );
        }
    }

    #[test]
    fn the_server_snippet_with_the_placeholder_or_any_id_and_any_layout() {
        let ui = format!(
            "<server>\n  <id>${{server}}</id>\n  <username>{NAME}</username>\n  <password>{PASS}</password>\n</server>\n"
        );
        let one_line = format!(
            "<server><id>nexus-releases</id><username>{NAME}</username><password>{PASS}</password></server>"
        );
        let no_id_reordered = format!(
            "\r\n <server>\r\n<password> {PASS} </password><!-- from the UI --><username>{NAME}</username></server> "
        );
        for input in [ui, one_line, no_id_reordered] {
            assert_eq!(
                ok(&input),
                (NAME.into(), PASS.into(), Form::ServerSnippet),
                "{input:?}"
            );
        }
    }

    #[test]
    fn snippet_values_are_unescaped() {
        let (name, pass, _) =
            ok("<server><username>a&amp;b</username><password>p&#43;q&lt;</password></server>");
        assert_eq!((name.as_str(), pass.as_str()), ("a&b", "p+q<"));
    }

    #[test]
    fn base64_characters_survive_every_form() {
        let pass = "a+b/c=d_e-f==";
        assert_eq!(ok(&format!("n+/=:{pass}")).1, pass);
        assert_eq!(ok(&format!("n+/=\n{pass}")).1, pass);
        assert_eq!(
            ok(&format!(
                "<server><username>n</username><password>{pass}</password></server>"
            ))
            .1,
            pass
        );
    }

    #[test]
    fn anything_else_is_refused_without_quoting_the_input() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("   \n\t ", "empty"),
            ("s3cret", "without `:`"),
            ("a:b:s3cret", "more than one"),
            (":s3cret", "nameCode is empty"),
            ("name:", "passCode is empty"),
            ("name\ns3cret\nthird", "3 lines"),
            ("name:x\ns3cret", "holds a `:`"),
            ("na me:s3cret", "whitespace"),
            ("<server><username>n</username></server>", "no `<password>`"),
            (
                "<server><password>s3cret</password></server>",
                "no `<username>`",
            ),
            (
                "<server><username>n</username><password>s3cret</password>",
                "cut off",
            ),
            ("<servers><server/></servers>", "expected `<server>`"),
            (
                "<server><username>n</username><password>s3cret</password><configuration/></server>",
                "`<configuration/>`",
            ),
            (
                "<server><username>n</username><username>m</username><password>s3cret</password></server>",
                "twice",
            ),
            (
                "<server><username>n</username><password>s3cret</password></server><server></server>",
                "2 `<server>`",
            ),
            (
                "<server><username>n</username><password>s3 cret</password></server>",
                "whitespace",
            ),
            (
                "<server><username>n<x/></username><password>s3cret</password></server>",
                "empty",
            ),
            ("<server>s3cret</server>", "text outside"),
            (
                "<server><username>n</username><password>s3cret</pass></server>",
                "not well-formed",
            ),
        ];
        for (input, expected) in cases {
            let message = bad(input);
            assert!(
                message.contains(expected),
                "{input:?}: `{message}` should say `{expected}`"
            );
        }
        assert!(bad("a\u{0}:b").contains("control"));
        assert!(parse(&[0xff, 0xfe, b':', b'x']).is_err());
        assert!(parse(&vec![b'a'; MAX_INPUT + 1]).is_err());
    }

    #[test]
    fn the_examples_show_each_form() {
        for form in [
            "nameCode:passCode",
            "two lines",
            "<server><id>${server}</id>",
        ] {
            assert!(EXAMPLES.contains(form), "{form}");
        }
        // Each example parses to the same token.
        let first = EXAMPLES.lines().nth(1).unwrap();
        let example = first.rsplit("e.g.").next().unwrap().trim();
        assert_eq!(ok(example).0, NAME);
        let snippet = EXAMPLES.lines().last().unwrap();
        let example = snippet.rsplit("e.g.").next().unwrap().trim();
        assert_eq!(ok(example), (NAME.into(), PASS.into(), Form::ServerSnippet));
    }
}

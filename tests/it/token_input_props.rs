//! Property test of the `--token-stdin` parser: a token of any Base64 characters (`+`, `/`, `=`,
//! `_`, `-`) pasted in any of the three forms, with any surrounding whitespace, line endings and
//! `<id>`, reads back exactly; a paste with an extra line is refused without the message quoting
//! the passCode; and any text at all gives a token or an error, never a panic.

use nexus_token::token_input::{Form, parse};
use proptest::prelude::*;

fn space() -> impl Strategy<Value = String> {
    "[ \t\r\n]{0,6}"
}

fn pasted() -> impl Strategy<Value = (String, String, Form, String)> {
    let name = "[A-Za-z0-9+/=_-]{1,16}";
    let pass = "[A-Za-z0-9+/=_-]{1,64}";
    let id = "[A-Za-z0-9.${}_-]{0,20}";
    (
        name,
        pass,
        0..3usize,
        id,
        space(),
        space(),
        any::<bool>(),
        "[ \t]{0,3}",
    )
        .prop_map(|(name, pass, form, id, before, after, crlf, indent)| {
            let nl = if crlf { "\r\n" } else { "\n" };
            let (form, body) = match form {
                0 => (Form::Pair, format!("{name}:{pass}")),
                1 => (
                    Form::TwoLines,
                    format!("{indent}{name}{indent}{nl}{nl}{indent}{pass}"),
                ),
                _ => (
                    Form::ServerSnippet,
                    format!(
                        "<server>{nl}{indent}<id>{id}</id>{nl}{indent}<username>{name}</username>{nl}{indent}<password>{pass}</password>{nl}</server>"
                    ),
                ),
            };
            (name, pass, form, format!("{before}{body}{after}"))
        })
}

proptest! {
    #[test]
    fn every_form_reads_back_the_token((name, pass, form, input) in pasted()) {
        let token = parse(input.as_bytes()).map_err(|e| TestCaseError::fail(format!("{input:?}: {e}")))?;
        prop_assert_eq!(&token.name_code, &name);
        prop_assert_eq!(token.pass_code.expose(), &pass);
        prop_assert_eq!(token.form, form);
    }

    #[test]
    fn an_extra_line_is_refused_without_quoting_the_passcode(
        (_, pass, _, input) in pasted(),
        extra in "[A-Za-z0-9]{1,8}",
    ) {
        prop_assume!(pass.len() >= 4);
        let input = format!("{input}\n{extra}");
        match parse(input.as_bytes()) {
            Ok(t) => prop_assert!(false, "{input:?} parsed as {}", t.name_code),
            Err(e) => prop_assert!(!e.to_string().contains(&pass), "{e}"),
        }
    }

    #[test]
    fn any_text_gives_a_token_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(t) = parse(&bytes) {
            prop_assert!(!t.name_code.is_empty() && !t.pass_code.expose().is_empty());
            prop_assert!(!t.name_code.contains(':'));
        }
    }

    #[test]
    fn any_snippet_like_text_gives_a_token_or_an_error(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("<server>".to_owned()), Just("</server>".to_owned()),
                Just("<username>".to_owned()), Just("</username>".to_owned()),
                Just("<password>".to_owned()), Just("</password>".to_owned()),
                Just("<id>".to_owned()), Just("</id>".to_owned()),
                Just("&amp;".to_owned()), Just("<!-- c -->".to_owned()),
                "[A-Za-z0-9 :\n]{0,5}",
            ],
            0..14,
        ),
    ) {
        let input = parts.concat();
        if let Ok(t) = parse(input.as_bytes()) {
            prop_assert!(!t.name_code.is_empty() && !t.pass_code.expose().is_empty());
        }
    }
}

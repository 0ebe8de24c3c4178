#![no_main]
//! Fuzzes the gradle.properties editor: any bytes must not panic; a readable file must be
//! editable, the output must read back the tokens, keep every other property, and a second
//! application must change nothing. The first input byte picks the tokens.

use nexus_token::gradle::{parse, read_property, set_properties};

const TOKENS: &[&str] = &["tok", " lead\\", "=x:y#!", "\u{e9}\u{1F600}", "", "\t\r\n"];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&sel, input)) = data.split_first() else {
        return;
    };
    let pairs = [
        ("nexusUsername", TOKENS[usize::from(sel) % TOKENS.len()]),
        ("nexusPassword", TOKENS[usize::from(sel / 8) % TOKENS.len()]),
    ];
    let Ok(before) = parse(input) else {
        assert!(set_properties(Some(input), &pairs).is_err(), "unreadable files are not edited");
        return;
    };
    let edit = set_properties(Some(input), &pairs).expect("a readable file is editable");
    for (key, token) in pairs {
        assert_eq!(read_property(&edit.output, key).unwrap().as_deref(), Some(token));
    }
    let after = parse(&edit.output).expect("the output is readable");
    let others = |props: Vec<nexus_token::gradle::Property>| -> Vec<(String, String)> {
        props
            .into_iter()
            .filter(|p| !pairs.iter().any(|(k, _)| *k == p.key))
            .map(|p| (p.key, p.value))
            .collect()
    };
    assert_eq!(others(before), others(after), "other properties read as before");
    assert_eq!(edit.changed.is_empty(), edit.output == input);
    let again = set_properties(Some(&edit.output), &pairs).expect("the output is editable");
    assert!(again.changed.is_empty(), "a second application changes nothing");
    assert_eq!(again.output, edit.output);
});

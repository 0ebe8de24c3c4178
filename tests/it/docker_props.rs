//! Property test of the Docker config.json editor: for generated config files (tabs, spaces or
//! compact; LF or CRLF; other keys, other registries' credentials, other helpers, a stale
//! credential for our host or not), the output parses, names nexus-token for the host, holds no
//! credential for the host any more, keeps the bytes of every untouched member, and a second
//! run changes nothing.

use nexus_token::targets::docker::editor::{HELPER_NAME, set_cred_helper};
use proptest::prelude::*;

const HOST: &str = "nexus.example:8443";

#[derive(Debug, Clone)]
struct Spec {
    indent: Option<&'static str>,
    crlf: bool,
    others: Vec<(String, String)>,
    auths: Vec<(String, String)>,
    stale: Option<usize>,
    helpers: Vec<(String, String)>,
    final_newline: bool,
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9.{}]{0,10}".prop_map(|s| format!("\"{s}\"")),
        (0u32..1000).prop_map(|n| n.to_string()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        Just("[1, \"two\"]".to_owned()),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop_oneof![
            Just(Some("\t")),
            Just(Some("  ")),
            Just(Some("    ")),
            Just(None)
        ],
        any::<bool>(),
        prop::collection::vec(("[a-zA-Z]{1,8}", scalar()), 0..4),
        prop::collection::vec(("[a-z]{1,6}\\.(io|com)", "[A-Za-z0-9=]{4,12}"), 0..3),
        prop::option::of(0usize..3),
        prop::collection::vec(("[a-z]{1,6}\\.io", "[a-z-]{1,8}"), 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(indent, crlf, others, auths, stale, helpers, final_newline)| {
                // Keys must be unique for the byte check to be meaningful.
                let mut seen = std::collections::HashSet::new();
                let others = others
                    .into_iter()
                    .filter(|(k, _)| k != "auths" && k != "credHelpers" && seen.insert(k.clone()))
                    .collect();
                let auths = auths
                    .into_iter()
                    .filter(|(k, _)| seen.insert(k.clone()))
                    .collect();
                let helpers = helpers
                    .into_iter()
                    .filter(|(k, _)| seen.insert(k.clone()))
                    .collect();
                Spec {
                    indent,
                    crlf,
                    others,
                    auths,
                    stale,
                    helpers,
                    final_newline,
                }
            },
        )
}

/// Renders an object of already-rendered members at `depth`.
fn object(spec: &Spec, members: &[String], depth: usize) -> String {
    if members.is_empty() {
        return "{}".into();
    }
    match spec.indent {
        None => format!("{{{}}}", members.join(",")),
        Some(unit) => {
            let nl = if spec.crlf { "\r\n" } else { "\n" };
            let inner = unit.repeat(depth + 1);
            let body: Vec<String> = members.iter().map(|m| format!("{inner}{m}")).collect();
            format!(
                "{{{nl}{}{nl}{}}}",
                body.join(&format!(",{nl}")),
                unit.repeat(depth)
            )
        }
    }
}

fn member(spec: &Spec, key: &str, value: &str) -> String {
    let colon = if spec.indent.is_some() { ": " } else { ":" };
    format!("\"{key}\"{colon}{value}")
}

/// The file, and the raw text of every member the editor must leave alone.
fn render(spec: &Spec) -> (String, Vec<String>) {
    let mut untouched = Vec::new();
    let mut auth_members: Vec<String> = spec
        .auths
        .iter()
        .map(|(k, v)| {
            let inner = object(spec, &[member(spec, "auth", &format!("\"{v}\""))], 2);
            let m = member(spec, k, &inner);
            untouched.push(m.clone());
            m
        })
        .collect();
    if let Some(at) = spec.stale {
        let inner = object(spec, &[member(spec, "auth", "\"c3RhbGU6c3RhbGU=\"")], 2);
        let at = at.min(auth_members.len());
        auth_members.insert(at, member(spec, HOST, &inner));
    }
    let helper_members: Vec<String> = spec
        .helpers
        .iter()
        .map(|(k, v)| {
            let m = member(spec, k, &format!("\"{v}\""));
            untouched.push(m.clone());
            m
        })
        .collect();
    let mut top: Vec<String> = Vec::new();
    for (k, v) in &spec.others {
        let m = member(spec, k, v);
        untouched.push(m.clone());
        top.push(m);
    }
    if !auth_members.is_empty() || spec.stale.is_some() {
        top.insert(0, member(spec, "auths", &object(spec, &auth_members, 1)));
    }
    if !helper_members.is_empty() {
        top.push(member(
            spec,
            "credHelpers",
            &object(spec, &helper_members, 1),
        ));
    }
    let mut text = object(spec, &top, 0);
    if spec.final_newline {
        text.push_str(if spec.crlf { "\r\n" } else { "\n" });
    }
    (text, untouched)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_editor_changes_only_what_it_owns(spec in spec()) {
        let (input, untouched) = render(&spec);
        let edit = set_cred_helper(Some(input.as_bytes()), HOST, HELPER_NAME)
            .map_err(|e| TestCaseError::fail(format!("the generated file is accepted: {e}\n{input}")))?;
        let output = String::from_utf8(edit.output.clone()).unwrap();
        let value: serde_json::Value = serde_json::from_str(&output)
            .map_err(|e| TestCaseError::fail(format!("the output is JSON: {e}\n{output}")))?;
        prop_assert_eq!(&value["credHelpers"][HOST], HELPER_NAME, "the output names nexus-token for the host");
        prop_assert!(
            value["auths"].get(HOST).is_none_or(|e| e.get("auth").is_none()),
            "no stored credential for the host is left:\n{}", output
        );
        for m in &untouched {
            prop_assert!(output.contains(m.as_str()), "the untouched member `{}` keeps its bytes:\n{}", m, output);
        }
        let lone_lf = output.replace("\r\n", "").contains('\n');
        if input.contains("\r\n") {
            prop_assert!(!lone_lf, "a CRLF file gets only CRLF line endings:\n{:?}", output);
        } else if input.contains('\n') {
            prop_assert!(!output.contains("\r\n"), "an LF file gets only LF line endings");
        }
        if spec.indent == Some("\t") || spec.indent.is_none() {
            prop_assert!(!output.contains("  "), "no space indentation appears in a tab or compact file:\n{}", output);
        }
        prop_assert_eq!(output.ends_with('\n'), spec.final_newline, "the final newline is kept as it was");
        let again = set_cred_helper(Some(&edit.output), HOST, HELPER_NAME).unwrap();
        prop_assert!(again.changed.is_empty() && again.output == edit.output, "a second run changes nothing");
        prop_assert!(!edit.changed.is_empty(), "the first run reports a change");
    }
}

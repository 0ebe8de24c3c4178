//! Property test of the Cargo config editor: for generated `config.toml` files (other tables,
//! comments, blank lines, the registry already present or not, LF or CRLF), the output parses,
//! reads back the provider (and the index when it was missing), keeps every line that does not
//! belong to the registry's table, and a second run changes nothing.

use nexus_token::targets::cargo::editor::{provider_for, read_index, read_provider, set_provider};
use proptest::prelude::*;

/// A table: its name and its `key = number` lines (with a trailing comment or not).
type TableSpec = (String, Vec<(String, u32, bool)>);

#[derive(Debug, Clone)]
struct Spec {
    crlf: bool,
    tables: Vec<TableSpec>,
    registry: Option<(bool, bool)>,
    at: usize,
    leading_comment: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        any::<bool>(),
        prop::collection::vec(
            (
                "[a-z]{1,8}",
                prop::collection::vec(("[a-z][a-z-]{0,8}", 0u32..100, any::<bool>()), 0..4),
            ),
            0..4,
        ),
        prop::option::of((any::<bool>(), any::<bool>())),
        0usize..5,
        any::<bool>(),
    )
        .prop_map(|(crlf, tables, registry, at, leading_comment)| {
            let mut seen = std::collections::HashSet::new();
            let tables = tables
                .into_iter()
                .filter(|(name, _)| name != "registries" && seen.insert(name.clone()))
                .map(|(name, keys)| {
                    let mut k = std::collections::HashSet::new();
                    (
                        name,
                        keys.into_iter()
                            .filter(|(key, _, _)| k.insert(key.clone()))
                            .collect(),
                    )
                })
                .collect();
            Spec {
                crlf,
                tables,
                registry,
                at,
                leading_comment,
            }
        })
}

/// The file and the lines the editor must keep.
fn render(spec: &Spec) -> (String, Vec<String>) {
    let nl = if spec.crlf { "\r\n" } else { "\n" };
    let mut blocks: Vec<String> = Vec::new();
    let mut kept = Vec::new();
    for (name, keys) in &spec.tables {
        let mut block = format!("[{name}]{nl}");
        kept.push(format!("[{name}]"));
        for (key, value, comment) in keys {
            let line = if *comment {
                format!("{key} = {value}  # note on {key}")
            } else {
                format!("{key} = {value}")
            };
            kept.push(line.clone());
            block.push_str(&line);
            block.push_str(nl);
        }
        blocks.push(block);
    }
    if let Some((has_index, has_comment)) = spec.registry {
        let mut block = format!("[registries.nexus]{nl}");
        if has_comment {
            block.push_str(&format!("# our Nexus{nl}"));
            kept.push("# our Nexus".into());
        }
        if has_index {
            block.push_str(&format!(
                "index = \"sparse+http://127.0.0.1:1/repository/cargo-group/\"{nl}"
            ));
        }
        blocks.insert(spec.at.min(blocks.len()), block);
    }
    let mut text = String::new();
    if spec.leading_comment {
        text.push_str(&format!("# Cargo configuration{nl}{nl}"));
        kept.push("# Cargo configuration".into());
    }
    text.push_str(&blocks.join(nl));
    (text, kept)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_editor_changes_only_the_registry_table(spec in spec()) {
        let (input, kept) = render(&spec);
        let provider = provider_for("/usr/local/bin/nexus-token", "default", None);
        let index = "http://127.0.0.1:1/repository/cargo-group/";
        let edit = set_provider(Some(&input), "nexus", &provider, Some(index))
            .map_err(|e| TestCaseError::fail(format!("the generated file is accepted: {e}\n{input}")))?;
        edit.output.parse::<toml::Table>()
            .map_err(|e| TestCaseError::fail(format!("the output is TOML: {e}\n{}", edit.output)))?;
        let read = read_provider(&edit.output, "nexus").unwrap();
        prop_assert_eq!(read.as_deref(), Some(provider.as_slice()), "the provider reads back");
        let read_back = read_index(&edit.output, "nexus").unwrap();
        prop_assert_eq!(
            read_back.as_deref(),
            Some("sparse+http://127.0.0.1:1/repository/cargo-group/"),
            "the index is there"
        );
        let lines: Vec<&str> = edit.output.lines().map(|l| l.trim_end_matches('\r')).collect();
        for line in &kept {
            prop_assert!(lines.contains(&line.as_str()), "the line `{}` is kept:\n{}", line, edit.output);
        }
        if spec.crlf && input.contains('\n') {
            prop_assert!(!edit.output.replace("\r\n", "").contains('\n'), "a CRLF file stays CRLF");
        }
        prop_assert!(edit.output.starts_with(&input[..input.find("[registries").unwrap_or(input.len())]),
            "everything before the registry's table keeps its bytes");
        let again = set_provider(Some(&edit.output), "nexus", &provider, Some(index)).unwrap();
        prop_assert!(again.changed.is_empty() && again.output == edit.output, "a second run changes nothing");
    }
}

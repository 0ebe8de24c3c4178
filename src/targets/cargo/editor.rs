//! Cargo configuration editor: pure functions over text, no I/O. It names nexus-token as the
//! credential provider of one registry in `config.toml`
//! (`[registries.NAME] credential-provider = ["cargo:token-from-stdout", ...]`), adds the sparse
//! `index` when asked and missing, removes a stale `token` from `credentials.toml`, and reads
//! what doctor and logout need.
//!
//! Edits go through `toml_edit`'s `DocumentMut`, which keeps comments, order, blank lines and
//! the formatting of untouched entries; new lines follow the file's line ending. It must not
//! read or write files, print, or put a value of the file into an error or a warning
//! (`credentials.toml` holds tokens): parse errors carry the line, column and toml_edit's
//! message, never its snippet of the source.

use toml_edit::{Array, DocumentMut, Item, Table, TableLike, Value};

/// The provider cargo runs a command of: the command's stdout is the `Authorization` value.
pub const TOKEN_FROM_STDOUT: &str = "cargo:token-from-stdout";

/// The result of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The new file content; equal to the input when `changed` is empty.
    pub output: String,
    /// Keys that changed, by dotted name: `registries.NAME.credential-provider`.
    pub changed: Vec<String>,
    /// Things the user should know; they name keys, never token values.
    pub warnings: Vec<String>,
}

/// Why a Cargo configuration file could not be read or edited. Never holds a value of the file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not TOML that Cargo would read.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// TOML, but a key Cargo reads has the wrong shape.
    #[error("`{what}` is not a table")]
    NotATable { what: String },
    /// Not a registry name Cargo accepts.
    #[error("`{name}` is not a Cargo registry name: use letters, digits, `-` and `_`")]
    InvalidName { name: String },
}

fn parse(text: &str) -> Result<DocumentMut, Error> {
    text.parse::<DocumentMut>().map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start).min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
        Error::Syntax {
            line,
            column,
            message: e.message().trim_end().to_owned(),
        }
    })
}

fn check_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidName {
            name: name.to_owned(),
        })
    }
}

/// Writes `doc` back, converting the new lines to CRLF when the file used CRLF throughout.
fn render(doc: &DocumentMut, input: &str) -> String {
    let text = doc.to_string();
    let crlf = input.contains("\r\n") && !input.replace("\r\n", "").contains('\n');
    if !crlf {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut prev = '\0';
    for c in text.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
    out
}

/// `registries.NAME` as a table, created (as a `[registries.NAME]` section) when missing.
fn registry_table<'a>(
    doc: &'a mut DocumentMut,
    name: &str,
) -> Result<&'a mut dyn TableLike, Error> {
    let root = doc.as_table_mut();
    if !root.contains_key("registries") {
        let mut t = Table::new();
        t.set_implicit(true);
        root.insert("registries", Item::Table(t));
    }
    let registries = root
        .get_mut("registries")
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| Error::NotATable {
            what: "registries".into(),
        })?;
    if !registries.contains_key(name) {
        registries.insert(name, Item::Table(Table::new()));
    }
    registries
        .get_mut(name)
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| Error::NotATable {
            what: format!("registries.{name}"),
        })
}

/// Inserts `key = item`; a new last member of an inline table takes over the trailing space of
/// the member before it (`{ a = 1, b = 2 }` rather than `{ a = 1 , b = 2}`).
fn insert_tidy(table: &mut dyn TableLike, inline: bool, key: &str, item: Item) {
    // A replaced value keeps its surroundings (a trailing `# comment`, the spaces).
    let old_decor = table
        .get(key)
        .and_then(Item::as_value)
        .map(|v| v.decor().clone());
    let is_new = inline && old_decor.is_none();
    let previous_last = table.iter().last().map(|(k, _)| k.to_owned());
    table.insert(key, item);
    if let (Some(decor), Some(v)) = (old_decor, table.get_mut(key).and_then(Item::as_value_mut)) {
        *v.decor_mut() = decor;
    }
    if !is_new {
        return;
    }
    let Some(prev) = previous_last else { return };
    let suffix = match table.get_mut(&prev).and_then(Item::as_value_mut) {
        Some(v) => {
            let suffix = v
                .decor()
                .suffix()
                .and_then(|s| s.as_str())
                .map(str::to_owned);
            if suffix.as_deref().is_some_and(|s| !s.is_empty()) {
                v.decor_mut().set_suffix("");
            }
            suffix
        }
        None => None,
    };
    if let (Some(suffix), Some(v)) = (suffix, table.get_mut(key).and_then(Item::as_value_mut))
        && !suffix.is_empty()
    {
        v.decor_mut().set_suffix(suffix);
    }
}

/// `registries.NAME` if present.
fn find_registry<'a>(doc: &'a DocumentMut, name: &str) -> Result<Option<Found<'a>>, Error> {
    let Some(registries) = doc.as_table().get("registries") else {
        return Ok(None);
    };
    let registries = registries.as_table_like().ok_or_else(|| Error::NotATable {
        what: "registries".into(),
    })?;
    match registries.get(name) {
        None => Ok(None),
        Some(item) => item
            .as_table_like()
            .map(|t| {
                Some(Found {
                    table: t,
                    inline: item.is_inline_table(),
                })
            })
            .ok_or_else(|| Error::NotATable {
                what: format!("registries.{name}"),
            }),
    }
}

/// A registry's table and whether it is written inline (`{ ... }`).
struct Found<'a> {
    table: &'a dyn TableLike,
    inline: bool,
}

impl<'a> Found<'a> {
    fn is_inline(&self) -> bool {
        self.inline
    }
    fn get(&self, key: &str) -> Option<&'a Item> {
        self.table.get(key)
    }
    fn contains_key(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }
}

/// A `credential-provider` value as its words (Cargo takes an array, or a string split on spaces).
fn provider_words(item: &Item) -> Option<Vec<String>> {
    match item.as_value()? {
        Value::String(s) => Some(s.value().split_whitespace().map(str::to_owned).collect()),
        Value::Array(a) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>(),
        _ => None,
    }
}

/// The `index` value for a Nexus Cargo repository URL: `sparse+URL` with a trailing `/`.
pub fn sparse_index(url: &str) -> String {
    let url = url.strip_prefix("sparse+").unwrap_or(url);
    if url.ends_with('/') {
        format!("sparse+{url}")
    } else {
        format!("sparse+{url}/")
    }
}

/// Sets `[registries.NAME] credential-provider = provider`; with `index`, also
/// `index = "sparse+INDEX"` when the registry has none (a different existing index is kept,
/// with a warning). `current` `None` or empty: the file is created.
pub fn set_provider(
    current: Option<&str>,
    registry: &str,
    provider: &[String],
    index: Option<&str>,
) -> Result<Edit, Error> {
    check_name(registry)?;
    let input = current.unwrap_or_default();
    let mut doc = parse(input)?;
    let mut changed = Vec::new();
    let mut warnings = Vec::new();
    let inline = find_registry(&doc, registry)?.is_some_and(|t| t.is_inline());
    let no_items = doc.as_table().is_empty();
    let table = registry_table(&mut doc, registry)?;
    if let Some(index) = index {
        let want = sparse_index(index);
        match table.get("index").map(|i| i.as_str()) {
            None => {
                insert_tidy(table, inline, "index", toml_edit::value(want));
                changed.push(format!("registries.{registry}.index"));
            }
            Some(Some(have)) if have == want || sparse_index(have) == want => {}
            Some(_) => warnings.push(format!(
                "registry `{registry}` already has another `index` in the Cargo config; it was left alone (check that it points at Nexus)"
            )),
        }
    }
    let current_words = table.get("credential-provider").and_then(provider_words);
    if current_words.as_deref() != Some(provider) {
        if current_words.is_some_and(|w| !is_ours(&w)) {
            warnings.push(format!(
                "registry `{registry}` had another `credential-provider`; it now runs nexus-token"
            ));
        }
        let array: Array = provider.iter().map(String::as_str).collect();
        insert_tidy(
            table,
            inline,
            "credential-provider",
            toml_edit::value(array),
        );
        changed.push(format!("registries.{registry}.credential-provider"));
    }
    if no_items && !changed.is_empty() {
        keep_leading_comments(&mut doc, registry);
    }
    let output = if changed.is_empty() {
        input.to_owned()
    } else {
        render(&doc, input)
    };
    Ok(Edit {
        output,
        changed,
        warnings,
    })
}

/// In a file of only comments and blank lines, toml_edit holds them as the document's trailing
/// text, which would put them after a new table: move them in front of it instead.
fn keep_leading_comments(doc: &mut DocumentMut, registry: &str) {
    let trailing = doc.trailing().as_str().unwrap_or_default().to_owned();
    if trailing.is_empty() {
        return;
    }
    let table = doc
        .as_table_mut()
        .get_mut("registries")
        .and_then(Item::as_table_mut)
        .and_then(|r| r.get_mut(registry))
        .and_then(Item::as_table_mut);
    if let Some(table) = table {
        table.decor_mut().set_prefix(trailing);
        doc.set_trailing("");
    }
}

/// Whether a provider command is one nexus-token wrote: `cargo:token-from-stdout` running a
/// program named `nexus-token` (any folder: the binary may have moved since).
pub fn is_ours(words: &[String]) -> bool {
    let program = words.get(1).map(|p| {
        let name = p.rsplit(['/', '\\']).next().unwrap_or(p);
        name.strip_suffix(".exe").unwrap_or(name).to_owned()
    });
    words.first().map(String::as_str) == Some(TOKEN_FROM_STDOUT)
        && program.as_deref() == Some("nexus-token")
}

/// The `credential-provider` of `registries.NAME`, as words.
pub fn read_provider(config: &str, registry: &str) -> Result<Option<Vec<String>>, Error> {
    check_name(registry)?;
    let doc = parse(config)?;
    Ok(find_registry(&doc, registry)?
        .and_then(|t| t.get("credential-provider"))
        .and_then(provider_words))
}

/// The `index` of `registries.NAME`, if set.
pub fn read_index(config: &str, registry: &str) -> Result<Option<String>, Error> {
    check_name(registry)?;
    let doc = parse(config)?;
    Ok(find_registry(&doc, registry)?
        .and_then(|t| t.get("index"))
        .and_then(Item::as_str)
        .map(str::to_owned))
}

/// Removes `credential-provider` from `registries.NAME` when nexus-token wrote it (logout);
/// the `index` stays, as the registry may still be used with other credentials.
pub fn remove_provider(config: &str, registry: &str) -> Result<Edit, Error> {
    check_name(registry)?;
    let mut doc = parse(config)?;
    let mut changed = Vec::new();
    let mut warnings = Vec::new();
    if find_registry(&doc, registry)?.is_some() {
        let table = registry_table(&mut doc, registry)?;
        match table.get("credential-provider").and_then(provider_words) {
            Some(words) if is_ours(&words) => {
                table.remove("credential-provider");
                changed.push(format!("registries.{registry}.credential-provider"));
            }
            Some(_) => warnings.push(format!(
                "registry `{registry}` runs another `credential-provider`: left alone"
            )),
            None => {}
        }
    }
    let output = if changed.is_empty() {
        config.to_owned()
    } else {
        render(&doc, config)
    };
    Ok(Edit {
        output,
        changed,
        warnings,
    })
}

/// Removes a stale `[registries.NAME] token` from `credentials.toml` (Cargo would otherwise
/// prefer... nothing: a `credential-provider` wins, but the token must not stay on disk). The
/// section goes too when nothing else is left in it.
pub fn remove_stale_token(credentials: &str, registry: &str) -> Result<Edit, Error> {
    check_name(registry)?;
    let mut doc = parse(credentials)?;
    let mut changed = Vec::new();
    let has_token = find_registry(&doc, registry)?.is_some_and(|t| t.contains_key("token"));
    if has_token {
        let table = registry_table(&mut doc, registry)?;
        table.remove("token");
        let empty = table.is_empty();
        if empty
            && let Some(registries) = doc
                .as_table_mut()
                .get_mut("registries")
                .and_then(Item::as_table_like_mut)
        {
            registries.remove(registry);
        }
        changed.push(format!("registries.{registry}.token"));
    }
    let output = if changed.is_empty() {
        credentials.to_owned()
    } else {
        render(&doc, credentials)
    };
    Ok(Edit {
        output,
        changed,
        warnings: Vec::new(),
    })
}

/// Whether `credentials.toml` still holds a token for `registries.NAME` (doctor).
pub fn has_stale_token(credentials: &str, registry: &str) -> Result<bool, Error> {
    check_name(registry)?;
    let doc = parse(credentials)?;
    Ok(find_registry(&doc, registry)?.is_some_and(|t| t.contains_key("token")))
}

/// The provider nexus-token writes for a profile: `["cargo:token-from-stdout", EXE, "token",
/// "--profile", PROFILE, "--format", "basic"]`, with `"--config", FILE` after EXE for a
/// profiles file that is not the default one.
pub fn provider_for(exe: &str, profile: &str, config: Option<&str>) -> Vec<String> {
    let mut words = vec![TOKEN_FROM_STDOUT, exe];
    if let Some(config) = config {
        words.extend(["--config", config]);
    }
    words.extend(["token", "--profile", profile, "--format", "basic"]);
    words.into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> Vec<String> {
        provider_for("/opt/bin/nexus-token", "work", None)
    }

    const LINE: &str = r#"credential-provider = ["cargo:token-from-stdout", "/opt/bin/nexus-token", "token", "--profile", "work", "--format", "basic"]"#;

    #[test]
    fn set_provider_cases() {
        let cases: &[(&str, &str, Option<&str>, String)] = &[
            (
                "missing file",
                "",
                Some("http://h/repository/cargo-group/"),
                format!(
                    "[registries.nexus]\nindex = \"sparse+http://h/repository/cargo-group/\"\n{LINE}\n"
                ),
            ),
            (
                "comments and other tables stay",
                "# my config\n[build]\njobs = 2 # two\n\n[registries.nexus]\n# the index\nindex = \"sparse+http://h/r/\"\n",
                Some("http://h/r"),
                format!(
                    "# my config\n[build]\njobs = 2 # two\n\n[registries.nexus]\n# the index\nindex = \"sparse+http://h/r/\"\n{LINE}\n"
                ),
            ),
            (
                "an old provider is replaced in place",
                "[registries.nexus]\ncredential-provider = \"cargo:token\"\nindex = \"sparse+http://h/r/\"\n",
                None,
                format!("[registries.nexus]\n{LINE}\nindex = \"sparse+http://h/r/\"\n"),
            ),
            (
                "crlf stays crlf",
                "[net]\r\nretry = 3\r\n",
                None,
                format!("[net]\r\nretry = 3\r\n\r\n[registries.nexus]\r\n{LINE}\r\n"),
            ),
            (
                "an inline registries table is edited inline",
                "registries = { nexus = { index = \"sparse+http://h/r/\" } }\n",
                None,
                format!(
                    "registries = {{ nexus = {{ index = \"sparse+http://h/r/\", {LINE} }} }}\n"
                ),
            ),
        ];
        for (name, input, index, expected) in cases {
            let edit = set_provider(Some(input), "nexus", &provider(), *index).unwrap();
            assert_eq!(
                &edit.output, expected,
                "{name}: the output is exactly as expected"
            );
            assert!(!edit.changed.is_empty(), "{name}: the change is reported");
            let again = set_provider(Some(&edit.output), "nexus", &provider(), *index).unwrap();
            assert!(
                again.changed.is_empty() && again.output == edit.output,
                "{name}: a second run changes nothing"
            );
            assert_eq!(
                read_provider(&edit.output, "nexus").unwrap().as_deref(),
                Some(provider().as_slice()),
                "{name}: the provider reads back"
            );
        }
    }

    #[test]
    fn a_different_index_is_kept_with_a_warning() {
        let input = "[registries.nexus]\nindex = \"sparse+http://other/r/\"\n";
        let edit = set_provider(Some(input), "nexus", &provider(), Some("http://h/r/")).unwrap();
        assert!(
            edit.output.contains("sparse+http://other/r/"),
            "the index stays"
        );
        assert_eq!(
            edit.warnings.len(),
            1,
            "and the user is told: {:?}",
            edit.warnings
        );
        assert_eq!(
            read_index(&edit.output, "nexus").unwrap().as_deref(),
            Some("sparse+http://other/r/")
        );
    }

    #[test]
    fn malformed_toml_is_refused_with_line_and_column_and_no_value() {
        let err = set_provider(
            Some("[a]\nx = \"s3cr3t\"\ny = = 1\n"),
            "nexus",
            &provider(),
            None,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("line 3, column 5"),
            "the error names line and column: {text}"
        );
        assert!(
            !text.contains("s3cr3t"),
            "the error holds no value of the file: {text}"
        );
        assert!(matches!(
            set_provider(Some("registries = 1\n"), "nexus", &provider(), None),
            Err(Error::NotATable { .. })
        ));
        assert!(matches!(
            set_provider(Some(""), "bad name", &provider(), None),
            Err(Error::InvalidName { .. })
        ));
    }

    #[test]
    fn remove_provider_only_removes_ours() {
        let ours = format!("[registries.nexus]\nindex = \"sparse+http://h/r/\"\n{LINE}\n");
        let edit = remove_provider(&ours, "nexus").unwrap();
        assert_eq!(
            edit.output,
            "[registries.nexus]\nindex = \"sparse+http://h/r/\"\n"
        );
        let theirs = "[registries.nexus]\ncredential-provider = \"cargo:libsecret\"\n";
        let kept = remove_provider(theirs, "nexus").unwrap();
        assert!(
            kept.changed.is_empty() && kept.output == theirs,
            "another provider stays"
        );
        assert_eq!(kept.warnings.len(), 1);
        assert!(remove_provider("", "nexus").unwrap().changed.is_empty());
    }

    #[test]
    fn stale_tokens_are_removed_from_credentials_toml() {
        let creds =
            "[registry]\ntoken = \"crates-io\"\n\n[registries.nexus]\ntoken = \"Basic abc\"\n";
        assert!(has_stale_token(creds, "nexus").unwrap());
        let edit = remove_stale_token(creds, "nexus").unwrap();
        assert_eq!(
            edit.output, "[registry]\ntoken = \"crates-io\"\n",
            "only our registry's token goes"
        );
        assert!(!has_stale_token(&edit.output, "nexus").unwrap());
        let other = "[registries.nexus]\ntoken = \"t\"\nsecret-key = \"k\"\n";
        assert_eq!(
            remove_stale_token(other, "nexus").unwrap().output,
            "[registries.nexus]\nsecret-key = \"k\"\n",
            "the section stays while something else is in it"
        );
        assert!(
            remove_stale_token("[registries.other]\ntoken = \"t\"\n", "nexus")
                .unwrap()
                .changed
                .is_empty()
        );
    }

    #[test]
    fn ours_is_recognised_wherever_the_binary_lives() {
        assert!(is_ours(&provider_for(
            "C:\\bin\\nexus-token.exe",
            "p",
            None
        )));
        assert!(!is_ours(&[
            "cargo:token-from-stdout".into(),
            "/bin/echo".into()
        ]));
        assert_eq!(sparse_index("http://h/r"), "sparse+http://h/r/");
    }
}

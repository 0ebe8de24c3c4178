//! `.pypirc` editor: pure functions over bytes, no I/O and no environment access.
//!
//! The reader follows Python's `configparser.RawConfigParser` (what twine and pip use, so `%`
//! is never interpolated): `[section]` headers (case-sensitive), `key = value` or `key: value`
//! options (keys case-insensitive, key and value stripped), whole-line `#`/`;` comments, values
//! continued on lines indented deeper than their key, and duplicate sections or keys refused.
//! The writer replaces only the values of `username`/`password` in one section (key text,
//! separator and spacing kept), inserts missing keys after the section's last key in the style
//! of that key, creates a missing section when given its repository URL, and lists the section
//! in `[distutils] index-servers` (twine reads only listed sections). Everything else stays
//! byte-identical. It must not read files, print, or put a username or password value into an
//! error or a warning.

use crate::text::splice;
use std::fmt;
use std::ops::Range;

/// Why a .pypirc could not be read or edited. Never contains a credential value.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file cannot be read by Python's configparser.
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
    /// A value cannot be written so that configparser reads it back unchanged.
    #[error("the {field} cannot be written to .pypirc: {reason}")]
    InvalidValue {
        field: &'static str,
        reason: &'static str,
    },
    /// The section does not exist and no repository URL was given to create it.
    #[error("the file has no `[{section}]` section")]
    MissingSection { section: String },
}

/// The result of [`set`] and [`remove_credentials`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The new file content; equal to the input when `changed` is false.
    pub output: Vec<u8>,
    /// Whether the bytes differ from the input.
    pub changed: bool,
    /// Things the user should know; they name sections and keys, never values.
    pub warnings: Vec<String>,
}

/// The values of one section as configparser reads them.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Section {
    pub repository: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl fmt::Debug for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Section")
            .field("repository", &self.repository)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// One option: its key, where its value sits, and its continuation lines.
#[derive(Debug, Clone)]
struct Opt {
    /// Lowercased key (configparser's `optionxform`).
    key: String,
    /// Line index of the key line.
    line: usize,
    /// The stripped value on the key line.
    value_span: Range<usize>,
    /// Leading whitespace of the key line.
    indent: Range<usize>,
    /// From the end of the key text to the start of the value (`" = "`, `": "`, `"="`).
    separator: Range<usize>,
    /// Line indexes of the continuation lines (blank lines inside the value included).
    continuation: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Sect {
    name: String,
    /// Line index of the header.
    line: usize,
    options: Vec<Opt>,
}

/// One physical line: content range (without the line ending) and the end with it.
#[derive(Debug, Clone)]
struct Line {
    content: Range<usize>,
    end: usize,
}

struct Doc {
    lines: Vec<Line>,
    sections: Vec<Sect>,
}

impl Doc {
    fn section(&self, name: &str) -> Option<&Sect> {
        self.sections.iter().find(|s| s.name == name)
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
}

fn trim(input: &[u8], r: Range<usize>) -> Range<usize> {
    let mut s = r.start;
    let mut e = r.end;
    while s < e && is_space(input[s]) {
        s += 1;
    }
    while e > s && is_space(input[e - 1]) {
        e -= 1;
    }
    s..e
}

fn split_lines(input: &[u8]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < input.len() {
        let (content_end, end) = match input[start..].iter().position(|&b| b == b'\n') {
            Some(p) => {
                let nl = start + p;
                let ce = if nl > start && input[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                (ce, nl + 1)
            }
            None => (input.len(), input.len()),
        };
        lines.push(Line {
            content: start..content_end,
            end,
        });
        start = end;
    }
    lines
}

fn text(input: &[u8], r: Range<usize>) -> String {
    String::from_utf8_lossy(&input[r]).into_owned()
}

fn parse(input: &[u8]) -> Result<Doc, Error> {
    let lines = split_lines(input);
    let mut sections: Vec<Sect> = Vec::new();
    let mut indent_level = 0usize;
    let mut in_option = false;
    let syntax = |i: usize, message: &str| Error::Syntax {
        line: i + 1,
        message: message.to_owned(),
    };
    for (i, line) in lines.iter().enumerate() {
        let stripped = trim(input, line.content.clone());
        let value = &input[stripped.clone()];
        if value.is_empty() {
            // A blank line belongs to a value being continued.
            if in_option && let Some(opt) = sections.last_mut().and_then(|s| s.options.last_mut()) {
                opt.continuation.push(i);
            }
            continue;
        }
        if value[0] == b'#' || value[0] == b';' {
            continue;
        }
        let cur_indent = stripped.start - line.content.start;
        if in_option && cur_indent > indent_level {
            if let Some(opt) = sections.last_mut().and_then(|s| s.options.last_mut()) {
                opt.continuation.push(i);
            }
            continue;
        }
        indent_level = cur_indent;
        if value[0] == b'['
            && let Some(close) = value.iter().rposition(|&b| b == b']')
            && close > 1
        {
            let name = text(input, stripped.start + 1..stripped.start + close);
            if sections.iter().any(|s| s.name == name) {
                return Err(syntax(
                    i,
                    "a section is given twice, which configparser refuses",
                ));
            }
            sections.push(Sect {
                name,
                line: i,
                options: Vec::new(),
            });
            in_option = false;
            continue;
        }
        let Some(sect) = sections.last_mut() else {
            return Err(syntax(
                i,
                "a line comes before the first `[section]`, which configparser refuses",
            ));
        };
        let Some(delim) = value.iter().position(|&b| b == b'=' || b == b':') else {
            return Err(syntax(
                i,
                "a line is neither `[section]`, `key = value` nor a comment",
            ));
        };
        let key_range = trim(input, stripped.start..stripped.start + delim);
        if key_range.is_empty() {
            return Err(syntax(i, "a line has no key before its `=` or `:`"));
        }
        let key = text(input, key_range.clone()).to_lowercase();
        if sect.options.iter().any(|o| o.key == key) {
            return Err(syntax(
                i,
                "a key is given twice in one section, which configparser refuses",
            ));
        }
        let value_span = trim(input, stripped.start + delim + 1..stripped.end);
        // An empty value: the span sits after the separator and its spaces.
        let value_span = if value_span.is_empty() {
            let mut p = stripped.start + delim + 1;
            while p < stripped.end && is_space(input[p]) {
                p += 1;
            }
            p..p
        } else {
            value_span
        };
        sect.options.push(Opt {
            key,
            line: i,
            value_span: value_span.clone(),
            indent: line.content.start..stripped.start,
            separator: key_range.end..value_span.start,
            continuation: Vec::new(),
        });
        in_option = true;
    }
    // Trailing blank lines are not part of a value (configparser strips them).
    for s in &mut sections {
        for o in &mut s.options {
            while let Some(&last) = o.continuation.last() {
                let l = &lines[last];
                if trim(input, l.content.clone()).is_empty() {
                    o.continuation.pop();
                } else {
                    break;
                }
            }
        }
    }
    Ok(Doc { lines, sections })
}

/// The value as configparser returns it: first line and continuation lines joined by `\n`.
fn option_value(input: &[u8], doc: &Doc, opt: &Opt) -> String {
    let mut parts = vec![text(input, opt.value_span.clone())];
    for &c in &opt.continuation {
        parts.push(text(input, trim(input, doc.lines[c].content.clone())));
    }
    parts.join("\n").trim_end().to_owned()
}

/// Every `(section, key, value)` in file order, keys lowercased, as configparser reads them.
/// Used for pip's configuration too (same parser).
pub fn options(input: &[u8]) -> Result<Vec<(String, String, String)>, Error> {
    let doc = parse(input)?;
    let mut out = Vec::new();
    for s in &doc.sections {
        for o in &s.options {
            out.push((s.name.clone(), o.key.clone(), option_value(input, &doc, o)));
        }
    }
    Ok(out)
}

/// Checks that configparser reads `value` back exactly as written on one line.
pub fn validate_value(field: &'static str, value: &str) -> Result<(), Error> {
    let invalid = |reason| Err(Error::InvalidValue { field, reason });
    if value.is_empty() {
        return invalid("it is empty");
    }
    if value.trim() != value {
        return invalid("it has surrounding whitespace, which configparser strips");
    }
    if value.chars().any(char::is_control) {
        return invalid("it contains a control character or a line break");
    }
    Ok(())
}

/// Checks that `name` can be a repository section of its own (`--pypirc NAME`).
pub fn validate_section(name: &str) -> Result<(), Error> {
    validate_value("section name", name)?;
    if name.contains([']', '[']) || name.chars().any(char::is_whitespace) {
        return Err(Error::InvalidValue {
            field: "section name",
            reason: "it contains `[`, `]` or whitespace",
        });
    }
    if name == "DEFAULT" || name == "distutils" {
        return Err(Error::InvalidValue {
            field: "section name",
            reason: "`DEFAULT` and `distutils` are not repository sections",
        });
    }
    Ok(())
}

fn line_ending(input: &[u8]) -> &'static str {
    crate::text::line_ending(input, false)
}

/// Where text inserted after line `i` goes, and whether a line ending must come first.
fn after_line(input: &[u8], doc: &Doc, i: usize) -> (usize, bool) {
    let line = &doc.lines[i];
    let missing_eol = line.end == line.content.end && line.end == input.len();
    (line.end, missing_eol)
}

/// The last line of an option (its key line or last continuation line).
fn last_line(opt: &Opt) -> usize {
    opt.continuation.last().copied().unwrap_or(opt.line)
}

struct Planner<'a> {
    input: &'a [u8],
    doc: &'a Doc,
    nl: &'static str,
    edits: Vec<(Range<usize>, Vec<u8>)>,
}

impl Planner<'_> {
    /// Inserts `lines` (each without line ending) after line `i`.
    fn insert_after(&mut self, i: usize, lines: &[String]) {
        let (at, missing_eol) = after_line(self.input, self.doc, i);
        let mut text = String::new();
        if missing_eol {
            text.push_str(self.nl);
        }
        for l in lines {
            text.push_str(l);
            text.push_str(self.nl);
        }
        self.edits.push((at..at, text.into_bytes()));
    }

    /// Sets `key` in `sect` to `value` in place; returns the line to insert when the key is
    /// missing, in the style of the section's last key.
    fn set_option(&mut self, sect: &Sect, key: &str, value: &str) -> Option<String> {
        let input = self.input;
        if let Some(opt) = sect.options.iter().find(|o| o.key == key) {
            if option_value(input, self.doc, opt) == value && opt.continuation.is_empty() {
                return None;
            }
            let mut replacement = Vec::new();
            let sep = &input[opt.separator.clone()];
            if opt.value_span.is_empty() && !sep.ends_with(b" ") && sep.starts_with(b" ") {
                replacement.push(b' ');
            }
            replacement.extend_from_slice(value.as_bytes());
            let end = match opt.continuation.last() {
                Some(&c) => self.doc.lines[c].content.end,
                // An empty value: blanks after the separator go too.
                None if opt.value_span.is_empty() => self.doc.lines[opt.line].content.end,
                None => opt.value_span.end,
            };
            self.edits.push((opt.value_span.start..end, replacement));
            return None;
        }
        Some(match sect.options.last() {
            Some(last) => {
                let indent = text(input, last.indent.clone());
                let sep = text(input, last.separator.clone());
                let sep = if sep.trim().is_empty() {
                    " = ".to_owned()
                } else {
                    sep
                };
                format!("{indent}{key}{sep}{value}")
            }
            None => format!("{key} = {value}"),
        })
    }
}

/// Adds `name` to `[distutils] index-servers`, creating what is missing. twine reads only the
/// sections listed there, and without the key it lists `pypi testpypi`, so those stay listed.
fn list_index_server(p: &mut Planner<'_>, name: &str, warnings: &mut Vec<String>) {
    let input = p.input;
    let doc = p.doc;
    let default_list = ["pypi", "testpypi"];
    let Some(distutils) = doc.section("distutils") else {
        let mut text = String::from("[distutils]");
        text.push_str(p.nl);
        text.push_str("index-servers =");
        text.push_str(p.nl);
        for s in default_list.iter().filter(|s| **s != name) {
            text.push_str(&format!("    {s}{}", p.nl));
        }
        text.push_str(&format!("    {name}{}", p.nl));
        text.push_str(p.nl);
        // First among inserts at offset 0: a new file starts with `[distutils]`.
        p.edits.insert(0, (0..0, text.into_bytes()));
        return;
    };
    let Some(opt) = distutils.options.iter().find(|o| o.key == "index-servers") else {
        let mut lines = vec!["index-servers =".to_owned()];
        for s in default_list.iter().filter(|s| **s != name) {
            lines.push(format!("    {s}"));
        }
        lines.push(format!("    {name}"));
        let after = distutils.options.last().map_or(distutils.line, last_line);
        p.insert_after(after, &lines);
        return;
    };
    let listed = option_value(input, doc, opt);
    if listed.split_whitespace().any(|s| s == name) {
        return;
    }
    warnings.push(format!(
        "`{name}` was added to `index-servers` in `[distutils]`, so twine reads the section"
    ));
    match opt
        .continuation
        .iter()
        .rev()
        .find(|&&c| !trim(input, doc.lines[c].content.clone()).is_empty())
    {
        Some(&c) => {
            let line = &doc.lines[c];
            let stripped = trim(input, line.content.clone());
            let indent = text(input, line.content.start..stripped.start);
            p.insert_after(c, &[format!("{indent}{name}")]);
        }
        None if !opt.value_span.is_empty() => {
            let at = opt.value_span.end;
            p.edits.push((at..at, format!(" {name}").into_bytes()));
        }
        None => {
            let indent = text(input, opt.indent.clone());
            p.insert_after(opt.line, &[format!("{indent}    {name}")]);
        }
    }
}

/// Sets `username` and `password` of `[section]`. `current` is `None` when the file does not
/// exist. With `repository` Some, a missing section is created with `repository = URL` (an
/// existing section keeps its own URL; a missing `repository` key is added). The section is
/// added to `[distutils] index-servers` when it is not listed there.
pub fn set(
    current: Option<&[u8]>,
    section: &str,
    username: &str,
    password: &str,
    repository: Option<&str>,
) -> Result<Edit, Error> {
    validate_section(section)?;
    validate_value("username", username)?;
    validate_value("password", password)?;
    if let Some(url) = repository {
        validate_value("repository URL", url)?;
    }
    let input = current.unwrap_or_default();
    let doc = parse(input)?;
    let mut warnings = Vec::new();
    let mut p = Planner {
        input,
        doc: &doc,
        nl: line_ending(input),
        edits: Vec::new(),
    };
    let mut append = None;
    match doc.section(section) {
        Some(sect) => {
            let mut missing = Vec::new();
            if let Some(url) = repository {
                match sect.options.iter().find(|o| o.key == "repository") {
                    None => missing.extend(p.set_option(sect, "repository", url)),
                    Some(o) if option_value(input, &doc, o) != url => warnings.push(format!(
                        "`[{section}]` keeps its own `repository`, which differs from the URL given"
                    )),
                    Some(_) => {}
                }
            }
            missing.extend(p.set_option(sect, "username", username));
            missing.extend(p.set_option(sect, "password", password));
            if !missing.is_empty() {
                let after = sect.options.last().map_or(sect.line, last_line);
                p.insert_after(after, &missing);
            }
        }
        None => {
            let Some(url) = repository else {
                return Err(Error::MissingSection {
                    section: section.to_owned(),
                });
            };
            let nl = p.nl;
            let mut text = String::new();
            if !input.is_empty() {
                if !input.ends_with(b"\n") {
                    text.push_str(nl);
                }
                text.push_str(nl);
            }
            text.push_str(&format!(
                "[{section}]{nl}repository = {url}{nl}username = {username}{nl}password = {password}{nl}"
            ));
            append = Some(text.into_bytes());
        }
    }
    list_index_server(&mut p, section, &mut warnings);
    // Last among edits at the end of the file (an `index-servers` value may end there too).
    if let Some(text) = append {
        p.edits.push((input.len()..input.len(), text));
    }
    let output = splice(input, p.edits);
    let changed = current != Some(output.as_slice());
    Ok(Edit {
        output,
        changed,
        warnings,
    })
}

/// The `repository`, `username` and `password` of `[section]`; `None` when it is missing.
pub fn read(input: &[u8], section: &str) -> Result<Option<Section>, Error> {
    let doc = parse(input)?;
    let Some(sect) = doc.section(section) else {
        return Ok(None);
    };
    let get = |key: &str| {
        sect.options
            .iter()
            .find(|o| o.key == key)
            .map(|o| option_value(input, &doc, o))
    };
    Ok(Some(Section {
        repository: get("repository"),
        username: get("username"),
        password: get("password"),
    }))
}

/// Removes the `username` and `password` lines (with their continuation lines) of `[section]`
/// (`logout --remove-credentials`). The section, its `repository` and `index-servers` stay.
pub fn remove_credentials(input: &[u8], section: &str) -> Result<Edit, Error> {
    let doc = parse(input)?;
    let mut edits = Vec::new();
    if let Some(sect) = doc.section(section) {
        for o in sect
            .options
            .iter()
            .filter(|o| o.key == "username" || o.key == "password")
        {
            let start = doc.lines[o.line].content.start;
            let end = doc.lines[last_line(o)].end;
            edits.push((start..end, Vec::new()));
        }
    }
    let output = splice(input, edits);
    let changed = output != input;
    Ok(Edit {
        output,
        changed,
        warnings: Vec::new(),
    })
}

/// Sections whose `repository` lies under the Nexus `base_url`, in file order (discovery).
pub fn discover(input: &[u8], base_url: &str) -> Result<Vec<String>, Error> {
    let doc = parse(input)?;
    let mut out = Vec::new();
    for s in &doc.sections {
        if let Some(o) = s.options.iter().find(|o| o.key == "repository")
            && crate::targets::netrc::discover::url_under(&option_value(input, &doc, o), base_url)
        {
            out.push(s.name.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(e: &Edit) -> &str {
        std::str::from_utf8(&e.output).expect("utf-8")
    }

    fn set_ok(input: &str, repo: Option<&str>) -> Edit {
        set(Some(input.as_bytes()), "nexus", "NAME", "PA%SS", repo).expect("accepted")
    }

    const LISTED: &str = "[distutils]\nindex-servers =\n    nexus\n\n";

    #[test]
    fn a_missing_file_gets_distutils_and_the_section() {
        let e = set(
            None,
            "nexus",
            "NAME",
            "PA%SS",
            Some("http://h/repository/pypi-hosted/"),
        )
        .unwrap();
        assert_eq!(
            out(&e),
            "[distutils]\nindex-servers =\n    pypi\n    testpypi\n    nexus\n\n[nexus]\nrepository = http://h/repository/pypi-hosted/\nusername = NAME\npassword = PA%SS\n"
        );
        let s = read(&e.output, "nexus").unwrap().unwrap();
        assert_eq!(s.username.as_deref(), Some("NAME"));
        assert_eq!(
            s.password.as_deref(),
            Some("PA%SS"),
            "`%` survives: no interpolation"
        );
    }

    #[test]
    fn values_are_replaced_keeping_key_case_and_separator() {
        let input =
            format!("{LISTED}[nexus]\nrepository: http://h/r/\nUserName: old\npassword=old\n");
        let e = set_ok(&input, None);
        assert_eq!(
            out(&e),
            format!("{LISTED}[nexus]\nrepository: http://h/r/\nUserName: NAME\npassword=PA%SS\n")
        );
        assert!(e.warnings.is_empty());
    }

    #[test]
    fn missing_keys_follow_the_last_key_in_its_style() {
        let input = format!("{LISTED}[nexus]\n  repository:http://h/r/\n# c\n[other]\nx = 1\n");
        let e = set_ok(&input, None);
        assert_eq!(
            out(&e),
            format!(
                "{LISTED}[nexus]\n  repository:http://h/r/\n  username:NAME\n  password:PA%SS\n# c\n[other]\nx = 1\n"
            )
        );
    }

    #[test]
    fn a_continued_password_becomes_one_line() {
        let input = format!("{LISTED}[nexus]\npassword = a\n    b\nusername = NAME\n");
        let e = set_ok(&input, None);
        assert_eq!(
            out(&e),
            format!("{LISTED}[nexus]\npassword = PA%SS\nusername = NAME\n")
        );
    }

    #[test]
    fn index_servers_gets_the_name_in_its_style() {
        let cases = [
            (
                "[distutils]\r\nindex-servers =\r\n\tpypi\r\n\r\n[nexus]\r\nusername = a\r\npassword = b\r\n",
                "[distutils]\r\nindex-servers =\r\n\tpypi\r\n\tnexus\r\n\r\n[nexus]\r\nusername = NAME\r\npassword = PA%SS\r\n",
            ),
            (
                "[distutils]\nindex-servers = pypi\n[nexus]\nusername = NAME\npassword = PA%SS\n",
                "[distutils]\nindex-servers = pypi nexus\n[nexus]\nusername = NAME\npassword = PA%SS\n",
            ),
            (
                "[distutils]\nfoo = 1\n[nexus]\nusername = NAME\npassword = PA%SS",
                "[distutils]\nfoo = 1\nindex-servers =\n    pypi\n    testpypi\n    nexus\n[nexus]\nusername = NAME\npassword = PA%SS",
            ),
        ];
        for (input, expected) in cases {
            let e = set_ok(input, None);
            assert_eq!(out(&e), expected, "input:\n{input}");
            let again = set(Some(&e.output), "nexus", "NAME", "PA%SS", None).unwrap();
            assert!(!again.changed, "a second run changes nothing");
        }
    }

    #[test]
    fn a_new_section_is_appended_after_a_blank_line() {
        let e = set_ok("[pypi]\nusername = __token__", Some("http://h/r/"));
        assert_eq!(
            out(&e),
            "[distutils]\nindex-servers =\n    pypi\n    testpypi\n    nexus\n\n[pypi]\nusername = __token__\n\n[nexus]\nrepository = http://h/r/\nusername = NAME\npassword = PA%SS\n"
        );
    }

    #[test]
    fn a_missing_section_without_url_is_an_error() {
        let err = set(Some(b"[pypi]\n"), "nexus", "a", "b", None).unwrap_err();
        assert!(matches!(err, Error::MissingSection { .. }));
    }

    #[test]
    fn a_different_repository_is_kept_with_a_warning() {
        let input = format!("{LISTED}[nexus]\nrepository = http://other/\n");
        let e = set_ok(&input, Some("http://h/r/"));
        assert!(out(&e).contains("repository = http://other/\n"));
        assert_eq!(e.warnings.len(), 1);
    }

    #[test]
    fn malformed_files_are_refused_with_a_line() {
        for (input, line) in [
            ("username = x\n", 1),
            ("[a]\nx = 1\n[a]\n", 3),
            ("[a]\nx = 1\nX: 2\n", 3),
            ("[a]\njust words\n", 2),
            ("[a]\n= 1\n", 2),
        ] {
            match set(Some(input.as_bytes()), "a", "u", "p", None) {
                Err(Error::Syntax { line: got, .. }) => assert_eq!(got, line, "{input:?}"),
                other => panic!("{input:?} is refused, got {other:?}"),
            }
        }
    }

    #[test]
    fn invalid_values_are_refused() {
        for (section, user, pass) in [
            ("a b", "u", "p"),
            ("a]", "u", "p"),
            ("a", " u", "p"),
            ("a", "u", "p\nq"),
            ("a", "u", ""),
            ("DEFAULT", "u", "p"),
            ("distutils", "u", "p"),
        ] {
            assert!(matches!(
                set(None, section, user, pass, Some("http://h/")),
                Err(Error::InvalidValue { .. })
            ));
        }
    }

    #[test]
    fn remove_credentials_keeps_the_section_and_its_repository() {
        let input = format!(
            "{LISTED}[nexus]\nrepository = http://h/r/\nusername = a\npassword = b\n    c\n# end\n"
        );
        let e = remove_credentials(input.as_bytes(), "nexus").unwrap();
        assert_eq!(
            out(&e),
            format!("{LISTED}[nexus]\nrepository = http://h/r/\n# end\n")
        );
        assert!(!remove_credentials(&e.output, "nexus").unwrap().changed);
    }

    #[test]
    fn discover_finds_sections_under_the_base_url() {
        let input = b"[distutils]\nindex-servers = a b c\n[a]\nrepository = http://127.0.0.1:8081/nexus/repository/pypi-hosted/\n[b]\nrepository = https://upload.pypi.org/legacy/\n[c]\nusername = x\n";
        assert_eq!(
            discover(input, "http://127.0.0.1:8081/nexus").unwrap(),
            vec!["a".to_owned()]
        );
    }

    #[test]
    fn options_join_continuation_lines_like_configparser() {
        let input = b"[s]\nk = a\n\n  b\n; comment\n  c\n\nj=1\n";
        let opts = options(input).unwrap();
        assert_eq!(
            opts,
            vec![
                ("s".to_owned(), "k".to_owned(), "a\n\nb\nc".to_owned()),
                ("s".to_owned(), "j".to_owned(), "1".to_owned())
            ]
        );
    }
}

//! `.yarnrc.yml` editor (Yarn 2+): pure functions over bytes, no I/O and no environment access.
//!
//! Yarn reads its rc files with `parseSyml` of `@yarnpkg/parsers`: js-yaml with the failsafe
//! schema (every scalar is a string), duplicate keys allowed (the last wins). Under the top-level
//! `npmRegistries` mapping, the key of a registry is its URL with or without the scheme; Yarn
//! strips one trailing `/` from every key and looks up `scheme://host/path` first, then
//! `//host/path` ([`Registry`]).
//!
//! This editor does not rewrite YAML: it finds the lines of the `npmRegistries` block and edits
//! only the lines of one registry entry (the value of `npmAuthIdent` and `npmAlwaysAuth` in place,
//! `npmAuthToken` lines removed, missing lines inserted after the entry's last line with its
//! indentation), or appends a new entry or a new block. Every other byte stays: comments, blank
//! lines, quoting, other registries and settings, the line endings (`\n`, `\r\n` or `\r`).
//!
//! The rest of the file is only scanned, to know where its top-level keys are (quoted and flow
//! values may run over several lines, even at column 0; block scalars and plain multi-line
//! values are skipped). The `npmRegistries` block itself is parsed strictly, and whatever the
//! editor cannot edit safely there is refused with its line and column (nothing is written):
//! flow style (`npmRegistries: {...}`), anchors, aliases, tags and merge keys, lists, complex
//! keys, nested or multi-line values, tabs in the indentation, inconsistent indentation. Anywhere
//! in the file: more than one document (`---` after content, `...`), directives, two
//! `npmRegistries` keys, a top level that is not a mapping. Messages never contain values.

/// Errors of the reader and editor. Messages never contain values (values are tokens).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// YAML the editor cannot read or edit safely (the file is left as it is).
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A registry URL that has no `npmRegistries` key (not http/https, no host).
    #[error("invalid npm registry URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: &'static str },
    /// A value that cannot be written so that Yarn reads it back verbatim.
    #[error("cannot write `{name}`: {reason}")]
    InvalidValue { name: String, reason: &'static str },
}

/// The result of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The new file content; equal to the input when nothing changed.
    pub output: Vec<u8>,
    /// The registry keys (as spelled in the file) whose entries changed.
    pub changed: Vec<String>,
    /// Things the user should know; never values.
    pub warnings: Vec<String>,
}

/// The credential Yarn sends for a registry, as [`read_auth`] finds it at the registry's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YarnAuth {
    /// `npmAuthIdent` (`user:password`, sent as `Authorization: Basic`).
    Ident(String),
    /// An `npmAuthToken`: Yarn sends it (Bearer) instead of any `npmAuthIdent`.
    Token,
}

/// A registry as Yarn looks it up under `npmRegistries`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// `http` or `https`.
    pub scheme: String,
    /// `//host[:port]/path` without a trailing `/` (what nexus-token writes as a new key).
    pub key: String,
}

impl Registry {
    /// The registry of a URL: host lowercased, default port, userinfo, query and fragment
    /// dropped, one trailing `/` dropped (Yarn's `normalizeRegistry`).
    pub fn parse(url: &str) -> Result<Registry, Error> {
        let (scheme, mut key) = crate::targets::npm::editor::registry_location(url)
            .map_err(|(url, reason)| Error::InvalidUrl { url, reason })?;
        if key.ends_with('/') {
            key.pop();
        }
        if key.chars().any(char::is_control) {
            return Err(Error::InvalidUrl {
                url: crate::targets::npm::editor::redact_url(url),
                reason: "the URL has control characters",
            });
        }
        Ok(Registry { scheme, key })
    }

    /// How well an `npmRegistries` key names this registry: 2 for `scheme://host/path`, 1 for
    /// `//host/path` (each with or without one trailing `/`), 0 for another registry.
    fn rank(&self, key: &str) -> u8 {
        let key = key.strip_suffix('/').unwrap_or(key);
        if key
            .strip_prefix(&self.scheme)
            .and_then(|k| k.strip_prefix(':'))
            == Some(&self.key)
        {
            2
        } else if key == self.key {
            1
        } else {
            0
        }
    }
}

/// The two settings nexus-token writes and the one it removes.
pub const AUTH_IDENT: &str = "npmAuthIdent";
pub const ALWAYS_AUTH: &str = "npmAlwaysAuth";
pub const AUTH_TOKEN: &str = "npmAuthToken";
const BLOCK: &str = "npmRegistries";

/// The `npmAuthIdent` value of a token: `nameCode:passCode`.
pub fn auth_ident(name_code: &str, pass_code: &str) -> String {
    format!("{name_code}:{pass_code}")
}

/// Sets `npmAuthIdent: "<ident>"` and `npmAlwaysAuth: true` at the entry of every registry and
/// removes `npmAuthToken` there; creates the entry (key `"//host/path"`) or the whole
/// `npmRegistries` block when missing. `current` is `None` when the file does not exist yet.
pub fn set_auth(
    current: Option<&[u8]>,
    registries: &[Registry],
    ident: &str,
) -> Result<Edit, Error> {
    check_ident(ident)?;
    set_ident(current, registries, ident)
}

/// Like [`set_auth`], with `npmAuthIdent` set to `reference`, text that refers to the environment
/// (`login --env-refs`: `${NEXUS_TOKEN_NAMECODE}:${NEXUS_TOKEN_PASSCODE}`, which Yarn expands).
pub fn set_auth_reference(
    current: Option<&[u8]>,
    registries: &[Registry],
    reference: &str,
) -> Result<Edit, Error> {
    if reference.chars().any(char::is_control) || !reference.contains("${") {
        return Err(Error::InvalidValue {
            name: AUTH_IDENT.to_owned(),
            reason: "not an environment reference",
        });
    }
    set_ident(current, registries, reference)
}

fn set_ident(current: Option<&[u8]>, registries: &[Registry], ident: &str) -> Result<Edit, Error> {
    let mut bytes = current.unwrap_or_default().to_vec();
    let mut changed = Vec::new();
    for registry in registries {
        let doc = Doc::parse(&bytes)?;
        let mut ops = Ops::default();
        let name = doc.plan_set(registry, ident, &mut ops)?;
        if !ops.is_empty() {
            bytes = doc.apply(&ops);
            if !changed.contains(&name) {
                changed.push(name);
            }
        }
    }
    Ok(Edit {
        output: bytes,
        changed,
        warnings: Vec::new(),
    })
}

/// `logout --remove-credentials`: removes `npmAuthIdent` at the entry of every registry; an entry
/// left empty goes, and so does an `npmRegistries` block left without entries.
pub fn clear_auth(current: &[u8], registries: &[Registry]) -> Result<Edit, Error> {
    let mut bytes = current.to_vec();
    let mut changed = Vec::new();
    for registry in registries {
        let doc = Doc::parse(&bytes)?;
        let mut ops = Ops::default();
        if let Some(name) = doc.plan_clear(registry, &mut ops) {
            bytes = doc.apply(&ops);
            changed.push(name);
        }
    }
    Ok(Edit {
        output: bytes,
        changed,
        warnings: Vec::new(),
    })
}

/// The credential Yarn would send for `registry` from this file alone.
pub fn read_auth(input: &[u8], registry: &Registry) -> Result<Option<YarnAuth>, Error> {
    let doc = Doc::parse(input)?;
    let Some(entry) = doc.block.as_ref().and_then(|b| b.winner(registry)) else {
        return Ok(None);
    };
    if entry.last(AUTH_TOKEN).is_some_and(|p| !p.value.is_empty()) {
        return Ok(Some(YarnAuth::Token));
    }
    Ok(entry
        .last(AUTH_IDENT)
        .filter(|p| !p.value.is_empty())
        .map(|p| YarnAuth::Ident(p.value.clone())))
}

/// The `npmRegistries` mapping as Yarn's parser reads it: `None` without the key, else every
/// entry's key and its settings in file order (a setting without a value is `""`). Checks the
/// whole file as [`set_auth`] would.
#[allow(
    clippy::type_complexity,
    reason = "a plain nested reading for tests and doctor"
)]
pub fn registries(input: &[u8]) -> Result<Option<Vec<(String, Vec<(String, String)>)>>, Error> {
    let doc = Doc::parse(input)?;
    Ok(doc.block.map(|b| {
        b.entries
            .into_iter()
            .map(|e| {
                let settings = e.props.into_iter().map(|p| (p.name, p.value)).collect();
                (e.key, settings)
            })
            .collect()
    }))
}

/// Registry URLs under `base_url` that the file names: the top-level `npmRegistryServer` and the
/// `npmRegistries` keys (a key without a scheme gets the base URL's). For `login` discovery.
pub fn discover(input: &[u8], base_url: &str) -> Result<Vec<String>, Error> {
    let doc = Doc::parse(input)?;
    let base = base_url.trim_end_matches('/');
    let scheme = base.split("://").next().unwrap_or("https");
    let under = |url: &str| {
        let url = url.trim();
        url.strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    let mut found: Vec<String> = Vec::new();
    let mut seen: Vec<Registry> = Vec::new();
    let mut push = |url: String| {
        if !under(&url) {
            return;
        }
        if let Ok(registry) = Registry::parse(&url)
            && !seen.contains(&registry)
        {
            seen.push(registry);
            found.push(url);
        }
    };
    if let Some(server) = doc.top_scalar("npmRegistryServer") {
        push(server);
    }
    if let Some(block) = &doc.block {
        for entry in &block.entries {
            let url = if entry.key.starts_with("//") {
                format!("{scheme}:{}", entry.key)
            } else {
                entry.key.clone()
            };
            push(url);
        }
    }
    Ok(found)
}

/// A value Yarn reads back verbatim from a double-quoted string: no control characters, no `${`
/// (Yarn replaces environment references in settings), a non-empty user part without `:`.
fn check_ident(ident: &str) -> Result<(), Error> {
    let bad = |reason| {
        Err(Error::InvalidValue {
            name: AUTH_IDENT.to_owned(),
            reason,
        })
    };
    if ident.chars().any(char::is_control) {
        return bad("it contains control characters");
    }
    if ident.contains("${") {
        return bad("it contains `${`, which Yarn reads as an environment reference");
    }
    match ident.split_once(':') {
        Some((user, _)) if !user.is_empty() => Ok(()),
        _ => bad("the user part is empty"),
    }
}

/// A double-quoted YAML string holding `value`.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------------
// The document model: lines, the top-level keys, and the strictly parsed `npmRegistries` block.

#[derive(Debug, Clone, Copy)]
struct Line {
    /// Byte offset of the first byte (after a BOM on the first line).
    start: usize,
    /// Byte offset after the last content byte (before the line ending).
    end: usize,
    /// Byte offset after the line ending (== `end` on a last line without one).
    next: usize,
}

#[derive(Debug)]
struct Prop {
    name: String,
    value: String,
    line: usize,
    /// Byte range of the value's text in the file (empty for a setting without a value).
    value_at: (usize, usize),
}

#[derive(Debug)]
struct Entry {
    key: String,
    key_raw: String,
    line: usize,
    /// The last line holding a setting of this entry (or the key line).
    last: usize,
    /// Indentation of the settings (from the first one).
    indent: Option<usize>,
    props: Vec<Prop>,
}

impl Entry {
    fn last(&self, name: &str) -> Option<&Prop> {
        self.props.iter().rev().find(|p| p.name == name)
    }
}

#[derive(Debug)]
struct Block {
    line: usize,
    /// The last content line of the block (the key line when it has no entries).
    last: usize,
    indent: Option<usize>,
    entries: Vec<Entry>,
}

impl Block {
    /// The entry Yarn uses for `registry`. js-yaml keeps a repeated key at its first place with
    /// its last value, and Yarn's map of normalized keys keeps the last of those in that order:
    /// so among the best-ranked keys (with the scheme, else without) the one whose first
    /// occurrence comes last, at its last occurrence.
    fn winner(&self, registry: &Registry) -> Option<&Entry> {
        let best = self.entries.iter().map(|e| registry.rank(&e.key)).max()?;
        if best == 0 {
            return None;
        }
        let mut firsts: Vec<&str> = Vec::new();
        for e in &self.entries {
            if registry.rank(&e.key) == best && !firsts.contains(&e.key.as_str()) {
                firsts.push(&e.key);
            }
        }
        let key = firsts.last()?;
        self.entries.iter().rev().find(|e| e.key == *key)
    }
}

struct Doc<'a> {
    text: &'a str,
    lines: Vec<Line>,
    eol: &'static str,
    /// Top-level keys and their lines.
    top: Vec<(String, usize)>,
    block: Option<Block>,
}

/// Line edits, applied together: whole lines replaced or removed, lines inserted after a line.
#[derive(Default)]
struct Ops {
    /// `(line, byte range, new text)`: a part of one line replaced.
    replace: Vec<(usize, (usize, usize), String)>,
    remove: Vec<usize>,
    /// `(after line, new lines)`; `None`: at the end of the file.
    insert: Vec<(Option<usize>, Vec<String>)>,
}

impl Ops {
    fn is_empty(&self) -> bool {
        self.replace.is_empty() && self.remove.is_empty() && self.insert.is_empty()
    }
}

fn syntax(line: usize, column: usize, message: impl Into<String>) -> Error {
    Error::Syntax {
        line: line + 1,
        column: column + 1,
        message: message.into(),
    }
}

/// What a line leaves open for the next ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carry {
    None,
    /// Inside a quoted scalar (`"` or `'`).
    Quoted(u8),
    /// Inside a flow collection, maybe inside a quoted scalar in it.
    Flow(usize, Option<u8>),
    /// Lines indented more than this belong to a block scalar or a plain multi-line value.
    Deeper(usize),
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Index after the closing quote `q` from `i` (inside the scalar), or `None` when the line ends.
fn close_quote(s: &[u8], mut i: usize, q: u8) -> Option<usize> {
    while i < s.len() {
        if q == b'"' && s[i] == b'\\' {
            i += 2;
            continue;
        }
        if s[i] == q {
            if q == b'\'' && s.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

fn scan_flow(s: &[u8], mut i: usize, mut depth: usize, mut quote: Option<u8>) -> Carry {
    loop {
        if let Some(q) = quote {
            match close_quote(s, i, q) {
                Some(j) => {
                    i = j;
                    quote = None;
                }
                None => return Carry::Flow(depth, Some(q)),
            }
        }
        if i >= s.len() {
            return if depth == 0 {
                Carry::None
            } else {
                Carry::Flow(depth, None)
            };
        }
        match s[i] {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Carry::None;
                }
            }
            b'"' | b'\'' => {
                let prev = s[..i].iter().rev().find(|b| !is_blank(**b));
                if prev.is_none_or(|p| matches!(p, b'[' | b'{' | b',' | b':')) {
                    quote = Some(s[i]);
                }
            }
            b'#' if i == 0 || is_blank(s[i - 1]) => {
                return if depth == 0 {
                    Carry::None
                } else {
                    Carry::Flow(depth, None)
                };
            }
            _ => {}
        }
        i += 1;
    }
}

/// The end of a plain implicit key starting at `i`: the index of its `:`.
fn plain_key_end(s: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j < s.len() {
        match s[j] {
            b':' if s.get(j + 1).is_none_or(|b| is_blank(*b)) => return Some(j),
            b'#' if j > i && is_blank(s[j - 1]) => return None,
            _ => {}
        }
        j += 1;
    }
    None
}

fn skip_blanks(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_blank(s[i]) {
        i += 1;
    }
    i
}

/// Skips anchors and tags (`&a `, `!t `) before a node.
fn skip_props(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && matches!(s[i], b'&' | b'!') {
        while i < s.len() && !is_blank(s[i]) {
            i += 1;
        }
        i = skip_blanks(s, i);
    }
    i
}

/// Scans the content of one line that starts outside any open construct: what it leaves open.
fn scan_line(s: &[u8], indent: usize) -> Carry {
    let mut i = indent;
    let mut col = indent;
    // Sequence entries and complex keys.
    while i < s.len() && matches!(s[i], b'-' | b'?') && s.get(i + 1).is_none_or(|b| is_blank(*b)) {
        col = i;
        i = skip_blanks(s, i + 1);
    }
    if i >= s.len() {
        return Carry::None;
    }
    let key_col = i;
    i = skip_props(s, i);
    if i >= s.len() {
        return Carry::None;
    }
    let value_at = match s[i] {
        q @ (b'"' | b'\'') => match close_quote(s, i + 1, q) {
            None => return Carry::Quoted(q),
            Some(j) => {
                let k = skip_blanks(s, j);
                if s.get(k) == Some(&b':') && s.get(k + 1).is_none_or(|b| is_blank(*b)) {
                    skip_blanks(s, k + 1)
                } else {
                    return Carry::None;
                }
            }
        },
        b'[' | b'{' => return scan_flow(s, i, 0, None),
        b'|' | b'>' => return Carry::Deeper(col),
        b'#' => return Carry::None,
        _ => match plain_key_end(s, i) {
            Some(k) => skip_blanks(s, k + 1),
            None => return Carry::Deeper(col),
        },
    };
    let i = skip_props(s, value_at);
    match s.get(i) {
        None | Some(b'#') => Carry::None,
        Some(&q @ (b'"' | b'\'')) => match close_quote(s, i + 1, q) {
            None => Carry::Quoted(q),
            Some(_) => Carry::None,
        },
        Some(b'[' | b'{') => scan_flow(s, i, 0, None),
        Some(b'*') => Carry::None,
        Some(_) => Carry::Deeper(key_col),
    }
}

/// A scalar that ends on its line: its decoded value and the index after it. `None` when the
/// text at `i` is not such a scalar.
fn line_scalar(s: &str, i: usize) -> Option<(String, usize)> {
    let b = s.as_bytes();
    match b.get(i)? {
        b'"' => {
            let end = close_quote(b, i + 1, b'"')?;
            Some((decode_double(&s[i + 1..end - 1])?, end))
        }
        b'\'' => {
            let end = close_quote(b, i + 1, b'\'')?;
            Some((s[i + 1..end - 1].replace("''", "'"), end))
        }
        _ => None,
    }
}

/// A plain scalar on one line from `i`: its value and end (before an inline comment), or `None`
/// when it starts with an indicator or holds `: `.
fn plain_scalar(s: &str, i: usize) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let first = *b.get(i)?;
    if matches!(
        first,
        b'&' | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'%'
            | b'@'
            | b'`'
            | b','
            | b'#'
            | b'"'
            | b'\''
    ) || (matches!(first, b'-' | b'?' | b':') && b.get(i + 1).is_none_or(|c| is_blank(*c)))
    {
        return None;
    }
    let mut end = b.len();
    let mut j = i;
    while j < b.len() {
        if b[j] == b'#' && is_blank(b[j - 1]) {
            end = j;
            break;
        }
        if b[j] == b':' && b.get(j + 1).is_none_or(|c| is_blank(*c)) {
            return None;
        }
        j += 1;
    }
    while end > i && is_blank(b[end - 1]) {
        end -= 1;
    }
    Some((s[i..end].to_owned(), end))
}

fn decode_double(inner: &str) -> Option<String> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let hex = |chars: &mut std::str::Chars<'_>, n: usize| -> Option<char> {
            let digits: String = chars.by_ref().take(n).collect();
            if digits.len() != n {
                return None;
            }
            char::from_u32(u32::from_str_radix(&digits, 16).ok()?)
        };
        out.push(match chars.next()? {
            '0' => '\0',
            'a' => '\x07',
            'b' => '\x08',
            't' | '\t' => '\t',
            'n' => '\n',
            'v' => '\x0b',
            'f' => '\x0c',
            'r' => '\r',
            'e' => '\x1b',
            ' ' => ' ',
            '"' => '"',
            '/' => '/',
            '\\' => '\\',
            'N' => '\u{85}',
            '_' => '\u{a0}',
            'L' => '\u{2028}',
            'P' => '\u{2029}',
            'x' => hex(&mut chars, 2)?,
            'u' => hex(&mut chars, 4)?,
            'U' => hex(&mut chars, 8)?,
            _ => return None,
        });
    }
    Some(out)
}

/// Whether the rest of a line from `i` is blank or a comment.
fn rest_is_comment(s: &[u8], i: usize) -> bool {
    let j = skip_blanks(s, i);
    j >= s.len() || s[j] == b'#'
}

/// A mapping key at `i` (plain or quoted, on one line) followed by `:`: `(decoded, raw, index
/// after the colon)`.
fn map_key(s: &str, i: usize) -> Option<(String, String, usize)> {
    let b = s.as_bytes();
    let (key, end) = match b.get(i)? {
        b'"' | b'\'' => line_scalar(s, i)?,
        _ => {
            let colon = plain_key_end(b, i)?;
            let (key, _) = plain_scalar(&s[..colon], i)?;
            let mut end = colon;
            while end > i && is_blank(b[end - 1]) {
                end -= 1;
            }
            (key, end)
        }
    };
    let k = skip_blanks(b, end);
    (b.get(k) == Some(&b':') && b.get(k + 1).is_none_or(|c| is_blank(*c)))
        .then(|| (key, s[i..end].to_owned(), k + 1))
}

impl<'a> Doc<'a> {
    fn parse(input: &'a [u8]) -> Result<Doc<'a>, Error> {
        let text = std::str::from_utf8(input).map_err(|e| {
            let before = &input[..e.valid_up_to()];
            let line = before
                .iter()
                .filter(|b| **b == b'\n' || **b == b'\r')
                .count();
            syntax(line, 0, "the file is not valid UTF-8")
        })?;
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let mut lines = Vec::new();
        let bytes = text.as_bytes();
        let mut start = bom;
        let mut i = bom;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => {
                    lines.push(Line {
                        start,
                        end: i,
                        next: i + 1,
                    });
                    start = i + 1;
                }
                b'\r' => {
                    let crlf = bytes.get(i + 1) == Some(&b'\n');
                    let next = i + if crlf { 2 } else { 1 };
                    lines.push(Line {
                        start,
                        end: i,
                        next,
                    });
                    start = next;
                    i = next;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        if start < bytes.len() {
            lines.push(Line {
                start,
                end: bytes.len(),
                next: bytes.len(),
            });
        }
        let mut doc = Doc {
            text,
            lines,
            // A lone `\r` ends a line in YAML too.
            eol: crate::text::line_ending(bytes, true),
            top: Vec::new(),
            block: None,
        };
        doc.scan()?;
        Ok(doc)
    }

    fn line(&self, n: usize) -> &'a str {
        let l = self.lines[n];
        &self.text[l.start..l.end]
    }

    /// Finds the top-level keys; parses the `npmRegistries` block.
    fn scan(&mut self) -> Result<(), Error> {
        let mut carry = Carry::None;
        let mut seen_content = false;
        for n in 0..self.lines.len() {
            let s = self.line(n).as_bytes();
            let indent = s.iter().take_while(|b| **b == b' ').count();
            let blank = s.iter().all(|b| is_blank(*b));
            match carry {
                Carry::Quoted(q) => {
                    carry = match close_quote(s, 0, q) {
                        None => Carry::Quoted(q),
                        Some(_) => Carry::None,
                    };
                    continue;
                }
                Carry::Flow(depth, q) => {
                    carry = scan_flow(s, 0, depth, q);
                    continue;
                }
                Carry::Deeper(parent) if blank || indent > parent => continue,
                _ => {}
            }
            if blank || s.get(indent) == Some(&b'#') {
                continue;
            }
            if s.get(indent) == Some(&b'\t') {
                return Err(syntax(
                    n,
                    indent,
                    "a tab in the indentation: YAML indents with spaces",
                ));
            }
            if indent > 0 && self.top.is_empty() {
                return Err(syntax(
                    n,
                    indent,
                    "the first setting is indented: nexus-token edits only a block mapping whose keys start at column 1",
                ));
            }
            if indent == 0 {
                let marker = |m: &[u8]| s.starts_with(m) && s.get(3).is_none_or(|b| is_blank(*b));
                if marker(b"---") {
                    if seen_content || !rest_is_comment(s, 3) {
                        return Err(syntax(
                            n,
                            0,
                            "a second YAML document (`---`): Yarn reads one document; keep one",
                        ));
                    }
                    seen_content = true;
                    continue;
                }
                if marker(b"...") || s[0] == b'%' {
                    return Err(syntax(
                        n,
                        0,
                        "YAML document markers and directives (`...`, `%`) are not supported here: remove them",
                    ));
                }
                let Some((key, _, _)) = map_key(self.line(n), 0) else {
                    return Err(syntax(
                        n,
                        0,
                        "expected a top-level `key: value` (a plain or quoted key on one line): nexus-token edits only a block mapping at the top level",
                    ));
                };
                if let Some((_, first)) = self.top.iter().find(|(k, _)| *k == key && k == BLOCK) {
                    return Err(syntax(
                        n,
                        0,
                        format!(
                            "a second `{BLOCK}` key (the first is on line {}): Yarn uses only the last one; merge them into one",
                            first + 1
                        ),
                    ));
                }
                self.top.push((key, n));
            }
            seen_content = true;
            carry = scan_line(s, indent);
        }
        // A quoted value or flow collection still open at the end swallows whatever would be
        // appended after it: Yarn would not read our entry there.
        if matches!(carry, Carry::Quoted(_) | Carry::Flow(..)) {
            let last = self.lines.len().saturating_sub(1);
            return Err(syntax(
                last,
                self.line(last).len(),
                "a quoted value or `{...}`/`[...]` is still open at the end of the file: close it",
            ));
        }
        if let Some(&(_, line)) = self.top.iter().find(|(k, _)| k == BLOCK) {
            let next = self
                .top
                .iter()
                .map(|(_, l)| *l)
                .find(|l| *l > line)
                .unwrap_or(self.lines.len());
            self.block = Some(self.parse_block(line, next)?);
        }
        Ok(())
    }

    /// The strict reading of the `npmRegistries` block: lines `line..next`.
    fn parse_block(&self, line: usize, next: usize) -> Result<Block, Error> {
        let s = self.line(line);
        let b = s.as_bytes();
        let Some((_, _, after)) = map_key(s, 0) else {
            return Err(syntax(line, 0, "expected `npmRegistries:`"));
        };
        let v = skip_blanks(b, after);
        if !rest_is_comment(b, after) {
            let what = match b[v] {
                b'{' | b'[' => {
                    "`npmRegistries` is written in flow style (`{...}`): nexus-token edits only the indented block style; rewrite it as `npmRegistries:` with one indented `\"//host/path\":` entry per registry"
                }
                b'&' | b'*' | b'!' => {
                    "`npmRegistries` carries an anchor, alias or tag: nexus-token cannot edit it safely; write it out as a plain indented block"
                }
                _ => "`npmRegistries` is not a mapping: Yarn expects one entry per registry",
            };
            return Err(syntax(line, v, what));
        }
        let mut block = Block {
            line,
            last: line,
            indent: None,
            entries: Vec::new(),
        };
        for n in line + 1..next {
            let s = self.line(n);
            let b = s.as_bytes();
            let indent = b.iter().take_while(|c| **c == b' ').count();
            if b.iter().all(|c| is_blank(*c)) || b.get(indent) == Some(&b'#') {
                continue;
            }
            if b.get(indent) == Some(&b'\t') {
                return Err(syntax(
                    n,
                    indent,
                    "a tab in the indentation: YAML indents with spaces",
                ));
            }
            block.last = n;
            let refuse_node = |at: usize| -> Option<Error> {
                let what = match b[at] {
                    b'-' | b'?' if b.get(at + 1).is_none_or(|c| is_blank(*c)) => {
                        "a list or complex key inside `npmRegistries`: Yarn expects `key: value` settings"
                    }
                    b'&' | b'*' | b'!' => {
                        "an anchor, alias or tag inside `npmRegistries`: nexus-token cannot edit such YAML safely; write the values out"
                    }
                    b'{' | b'[' => {
                        "flow style (`{...}`, `[...]`) inside `npmRegistries`: nexus-token edits only the indented block style"
                    }
                    b'|' | b'>' => {
                        "a block scalar (`|`, `>`) inside `npmRegistries`: write the value on one line"
                    }
                    _ => return None,
                };
                Some(syntax(n, at, what))
            };
            let entry_indent = *block.indent.get_or_insert(indent);
            if indent < entry_indent {
                return Err(syntax(
                    n,
                    indent,
                    "inconsistent indentation inside `npmRegistries`",
                ));
            }
            if indent == entry_indent {
                if let Some(e) = refuse_node(indent) {
                    return Err(e);
                }
                let Some((key, raw, after)) = map_key(s, indent) else {
                    return Err(syntax(
                        n,
                        indent,
                        "expected a registry key on one line (`\"//host/path\":`) inside `npmRegistries`",
                    ));
                };
                if key == "<<" {
                    return Err(syntax(
                        n,
                        indent,
                        "a merge key (`<<`) inside `npmRegistries`: write the values out",
                    ));
                }
                if !rest_is_comment(b, after) {
                    let v = skip_blanks(b, after);
                    return Err(refuse_node(v).unwrap_or_else(|| {
                        syntax(
                            n,
                            v,
                            "the settings of a registry must be an indented block under its key",
                        )
                    }));
                }
                block.entries.push(Entry {
                    key,
                    key_raw: raw,
                    line: n,
                    last: n,
                    indent: None,
                    props: Vec::new(),
                });
                continue;
            }
            let Some(entry) = block.entries.last_mut() else {
                return Err(syntax(
                    n,
                    indent,
                    "inconsistent indentation inside `npmRegistries`",
                ));
            };
            let prop_indent = *entry.indent.get_or_insert(indent);
            if indent != prop_indent {
                return Err(syntax(
                    n,
                    indent,
                    "nested or multi-line values inside `npmRegistries` are not supported: write each setting as `name: value` on one line",
                ));
            }
            if let Some(e) = refuse_node(indent) {
                return Err(e);
            }
            let Some((name, _, after)) = map_key(s, indent) else {
                return Err(syntax(
                    n,
                    indent,
                    "expected a `name: value` setting on one line inside `npmRegistries`",
                ));
            };
            if name == "<<" {
                return Err(syntax(
                    n,
                    indent,
                    "a merge key (`<<`) inside `npmRegistries`: write the values out",
                ));
            }
            let v = skip_blanks(b, after);
            let (value, value_at) = if v >= b.len() || b[v] == b'#' {
                (String::new(), (after, after))
            } else {
                if let Some(e) = refuse_node(v) {
                    return Err(e);
                }
                let parsed = match b[v] {
                    b'"' | b'\'' => line_scalar(s, v).filter(|(_, end)| rest_is_comment(b, *end)),
                    _ => plain_scalar(s, v),
                };
                let Some((value, end)) = parsed else {
                    return Err(syntax(
                        n,
                        v,
                        "a value nexus-token cannot read safely (write it on one line, quoted)",
                    ));
                };
                (value, (v, end))
            };
            let start = self.lines[n].start;
            entry.props.push(Prop {
                name,
                value,
                line: n,
                value_at: (start + value_at.0, start + value_at.1),
            });
            entry.last = n;
        }
        Ok(block)
    }

    /// The value of a top-level key when it is a scalar on its line.
    fn top_scalar(&self, name: &str) -> Option<String> {
        let &(_, n) = self.top.iter().rev().find(|(k, _)| k == name)?;
        let s = self.line(n);
        let (_, _, after) = map_key(s, 0)?;
        let v = skip_blanks(s.as_bytes(), after);
        match s.as_bytes().get(v)? {
            b'"' | b'\'' => line_scalar(s, v).map(|(value, _)| value),
            _ => plain_scalar(s, v).map(|(value, _)| value),
        }
    }

    /// Plans `set_auth` for one registry; returns the entry's key as spelled.
    fn plan_set(&self, registry: &Registry, ident: &str, ops: &mut Ops) -> Result<String, Error> {
        let ident_line = format!("{AUTH_IDENT}: {}", quote(ident));
        let always_line = format!("{ALWAYS_AUTH}: true");
        let Some(block) = &self.block else {
            ops.insert.push((
                None,
                vec![
                    format!("{BLOCK}:"),
                    format!("  {}:", quote(&registry.key)),
                    format!("    {ident_line}"),
                    format!("    {always_line}"),
                ],
            ));
            return Ok(quote(&registry.key));
        };
        let Some(entry) = block.winner(registry) else {
            let indent = block.indent.unwrap_or(2);
            let inner = block
                .entries
                .iter()
                .find_map(|e| e.indent)
                .unwrap_or(indent + 2);
            let pad = |n: usize| " ".repeat(n);
            ops.insert.push((
                Some(block.last),
                vec![
                    format!("{}{}:", pad(indent), quote(&registry.key)),
                    format!("{}{ident_line}", pad(inner)),
                    format!("{}{always_line}", pad(inner)),
                ],
            ));
            return Ok(quote(&registry.key));
        };
        let pad = " ".repeat(
            entry
                .indent
                .or_else(|| block.entries.iter().find_map(|e| e.indent))
                .unwrap_or(block.indent.unwrap_or(2) + 2),
        );
        let mut missing = Vec::new();
        for (name, wanted, text) in [
            (AUTH_IDENT, ident, quote(ident)),
            (ALWAYS_AUTH, "true", "true".to_owned()),
        ] {
            let all: Vec<&Prop> = entry.props.iter().filter(|p| p.name == name).collect();
            match all.split_last() {
                None => missing.push(format!("{pad}{name}: {text}")),
                Some((last, earlier)) => {
                    if last.value != wanted {
                        ops.replace
                            .push((last.line, last.value_at, text_for(last, &text)));
                    }
                    ops.remove.extend(earlier.iter().map(|p| p.line));
                }
            }
        }
        ops.remove.extend(
            entry
                .props
                .iter()
                .filter(|p| p.name == AUTH_TOKEN)
                .map(|p| p.line),
        );
        if !missing.is_empty() {
            ops.insert.push((Some(entry.last), missing));
        }
        Ok(entry.key_raw.clone())
    }

    /// Plans `clear_auth` for one registry; `None` when there is nothing to remove.
    fn plan_clear(&self, registry: &Registry, ops: &mut Ops) -> Option<String> {
        let block = self.block.as_ref()?;
        let entry = block.winner(registry)?;
        let ours: Vec<usize> = entry
            .props
            .iter()
            .filter(|p| p.name == AUTH_IDENT)
            .map(|p| p.line)
            .collect();
        if ours.is_empty() {
            return None;
        }
        ops.remove.extend(&ours);
        if ours.len() == entry.props.len() {
            ops.remove.push(entry.line);
            if block.entries.len() == 1 {
                ops.remove.push(block.line);
            }
        }
        Some(entry.key_raw.clone())
    }

    /// The new bytes: every line as it was except those the plan touches.
    fn apply(&self, ops: &Ops) -> Vec<u8> {
        let bytes = self.text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len() + 128);
        let first = self.lines.first().map_or(bytes.len(), |l| l.start);
        out.extend_from_slice(&bytes[..first]);
        let eol = self.eol.as_bytes();
        let push_lines = |out: &mut Vec<u8>, lines: &[String]| {
            for l in lines {
                out.extend_from_slice(l.as_bytes());
                out.extend_from_slice(eol);
            }
        };
        for (n, line) in self.lines.iter().enumerate() {
            if !ops.remove.contains(&n) {
                let mut at = line.start;
                let mut parts: Vec<&(usize, (usize, usize), String)> =
                    ops.replace.iter().filter(|r| r.0 == n).collect();
                parts.sort_by_key(|r| r.1.0);
                for (_, (from, to), text) in parts {
                    out.extend_from_slice(&bytes[at..*from]);
                    out.extend_from_slice(text.as_bytes());
                    at = *to;
                }
                out.extend_from_slice(&bytes[at..line.next]);
            }
            let after: Vec<&Vec<String>> = ops
                .insert
                .iter()
                .filter(|(a, _)| *a == Some(n))
                .map(|(_, l)| l)
                .collect();
            if !after.is_empty() {
                if line.next == line.end && !ops.remove.contains(&n) {
                    out.extend_from_slice(eol);
                }
                for lines in after {
                    push_lines(&mut out, lines);
                }
            }
        }
        for (_, lines) in ops.insert.iter().filter(|(a, _)| a.is_none()) {
            if !out.is_empty() && !out.ends_with(b"\n") && !out.ends_with(b"\r") {
                out.extend_from_slice(eol);
            }
            push_lines(&mut out, lines);
        }
        out
    }
}

/// The text replacing a setting's value: `text` (a setting without a value gets a space first).
fn text_for(prop: &Prop, text: &str) -> String {
    if prop.value_at.0 == prop.value_at.1 {
        format!(" {text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(url: &str) -> Registry {
        Registry::parse(url).unwrap()
    }

    const URL: &str = "http://127.0.0.1:8081/repository/npm-group/";

    fn set(input: &str) -> String {
        let edit = set_auth(Some(input.as_bytes()), &[reg(URL)], "nc:pc").unwrap();
        String::from_utf8(edit.output).unwrap()
    }

    fn refused(input: &str) -> String {
        match set_auth(Some(input.as_bytes()), &[reg(URL)], "nc:pc") {
            Err(e @ Error::Syntax { .. }) => e.to_string(),
            other => panic!("{input:?} is refused, got {other:?}"),
        }
    }

    #[test]
    fn registry_keys_drop_scheme_default_port_and_trailing_slash() {
        assert_eq!(
            reg("https://Nexus.example:443/repository/npm/"),
            Registry {
                scheme: "https".into(),
                key: "//nexus.example/repository/npm".into()
            }
        );
        assert_eq!(reg(URL).key, "//127.0.0.1:8081/repository/npm-group");
        assert!(Registry::parse("ftp://x/").is_err());
        assert!(Registry::parse("nope").is_err());
        let r = reg(URL);
        assert_eq!(r.rank("http://127.0.0.1:8081/repository/npm-group/"), 2);
        assert_eq!(r.rank("//127.0.0.1:8081/repository/npm-group"), 1);
        assert_eq!(r.rank("https://127.0.0.1:8081/repository/npm-group"), 0);
        assert_eq!(r.rank("//127.0.0.1:8081/repository/npm-group//"), 0);
    }

    #[test]
    fn a_missing_file_gets_a_new_block() {
        let edit = set_auth(None, &[reg(URL)], "nc:pc").unwrap();
        assert_eq!(
            String::from_utf8(edit.output).unwrap(),
            "npmRegistries:\n  \"//127.0.0.1:8081/repository/npm-group\":\n    npmAuthIdent: \"nc:pc\"\n    npmAlwaysAuth: true\n"
        );
        assert_eq!(
            edit.changed,
            vec!["\"//127.0.0.1:8081/repository/npm-group\"".to_owned()]
        );
    }

    #[test]
    fn other_lines_stay_and_a_block_is_appended_with_the_files_line_ending() {
        let input = "# my settings\r\nnodeLinker: 'node-modules'   # keep\r\nyarnPath: .yarn/x.cjs";
        let out = set(input);
        assert!(
            out.starts_with("# my settings\r\nnodeLinker: 'node-modules'   # keep\r\nyarnPath: .yarn/x.cjs\r\nnpmRegistries:\r\n"),
            "{out:?}"
        );
        assert!(out.ends_with("npmAlwaysAuth: true\r\n"), "{out:?}");
        assert_eq!(set(&out), out, "a second run changes nothing");
    }

    #[test]
    fn an_existing_entry_is_edited_in_place_keeping_its_spelling() {
        let input = "npmRegistries:\n    # ours\n    'http://127.0.0.1:8081/repository/npm-group/':   # c\n        npmAuthToken: old\n        npmAlwaysAuth: false  # why\n        npmAuthIdent:   'old:old'   # was\n    \"//other/x\":\n        npmAuthToken: keep\nenableTelemetry: false\n";
        let out = set(input);
        assert_eq!(
            out,
            "npmRegistries:\n    # ours\n    'http://127.0.0.1:8081/repository/npm-group/':   # c\n        npmAlwaysAuth: true  # why\n        npmAuthIdent:   \"nc:pc\"   # was\n    \"//other/x\":\n        npmAuthToken: keep\nenableTelemetry: false\n"
        );
        assert_eq!(
            set_auth(Some(out.as_bytes()), &[reg(URL)], "nc:pc")
                .unwrap()
                .changed,
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_entry_with_the_scheme_wins_over_the_one_without() {
        let input = "npmRegistries:\n  \"//127.0.0.1:8081/repository/npm-group\":\n    npmAuthIdent: \"a:b\"\n  \"http://127.0.0.1:8081/repository/npm-group\":\n    npmAuthToken: t\n";
        let out = set(input);
        assert_eq!(
            out,
            "npmRegistries:\n  \"//127.0.0.1:8081/repository/npm-group\":\n    npmAuthIdent: \"a:b\"\n  \"http://127.0.0.1:8081/repository/npm-group\":\n    npmAuthIdent: \"nc:pc\"\n    npmAlwaysAuth: true\n"
        );
        assert_eq!(
            read_auth(out.as_bytes(), &reg(URL)).unwrap(),
            Some(YarnAuth::Ident("nc:pc".into()))
        );
    }

    #[test]
    fn a_new_entry_follows_the_blocks_indentation() {
        let input = "npmRegistries:\n   \"//other/x\":\n       npmAuthIdent: \"a:b\"\n\n# trailing comment\n";
        assert_eq!(
            set(input),
            "npmRegistries:\n   \"//other/x\":\n       npmAuthIdent: \"a:b\"\n   \"//127.0.0.1:8081/repository/npm-group\":\n       npmAuthIdent: \"nc:pc\"\n       npmAlwaysAuth: true\n\n# trailing comment\n"
        );
        let empty = "npmRegistries:\nx: 1\n";
        assert_eq!(
            set(empty),
            "npmRegistries:\n  \"//127.0.0.1:8081/repository/npm-group\":\n    npmAuthIdent: \"nc:pc\"\n    npmAlwaysAuth: true\nx: 1\n"
        );
        let null_entry = "npmRegistries:\n  \"//127.0.0.1:8081/repository/npm-group\":\n";
        assert_eq!(
            set(null_entry),
            "npmRegistries:\n  \"//127.0.0.1:8081/repository/npm-group\":\n    npmAuthIdent: \"nc:pc\"\n    npmAlwaysAuth: true\n"
        );
    }

    #[test]
    fn multi_line_values_elsewhere_do_not_hide_or_fake_top_level_keys() {
        let input = "a: \"x\nnpmRegistries: y\"\nb: |\n  npmRegistries: {}\n  \"open\nc: [1,\n2]\n";
        let out = set(input);
        assert!(
            out.starts_with(input) && out[input.len()..].starts_with("npmRegistries:\n"),
            "{out}"
        );
    }

    #[test]
    fn unsafe_yaml_is_refused_with_line_and_column() {
        for (input, at, what) in [
            ("npmRegistries: {}\n", "line 1, column 16", "flow style"),
            ("npmAuthIdent:\t{", "line 1, column 16", "still open"),
            ("a: \"x\n", "line 1, column 6", "still open"),
            (
                "a: 1\n---\nb: 2\n",
                "line 2, column 1",
                "second YAML document",
            ),
            ("npmRegistries: &r\n  x: 1\n", "line 1, column 16", "anchor"),
            (
                "npmRegistries:\n  \"//h/p\": *r\n",
                "line 2, column 12",
                "anchor, alias",
            ),
            (
                "npmRegistries:\n  \"//h/p\":\n    <<: x\n",
                "line 3",
                "merge key",
            ),
            (
                "npmRegistries:\n  \"//h/p\":\n    npmAuthIdent: !!str x\n",
                "line 3, column 19",
                "tag",
            ),
            (
                "npmRegistries:\n  \"//h/p\":\n    npmAuthIdent: |\n      x\n",
                "line 3",
                "block scalar",
            ),
            (
                "npmRegistries:\n  \"//h/p\":\n    a: 1\n      b: 2\n",
                "line 4",
                "multi-line",
            ),
            ("npmRegistries:\n  - x\n", "line 2, column 3", "list"),
            ("npmRegistries: []\n", "line 1, column 16", "flow"),
            (
                "npmRegistries:\nnpmRegistries:\n",
                "line 2",
                "second `npmRegistries`",
            ),
            ("- a\n", "line 1, column 1", "top-level"),
            (
                "npmRegistries:\n  \"//h/p\":\n    npmAuthIdent: \"a\n      b\"\n",
                "line 3",
                "cannot read safely",
            ),
            ("npmRegistries:\n    a:\n  b:\n", "line 3", "inconsistent"),
        ] {
            let e = refused(input);
            assert!(e.contains(at) && e.contains(what), "{input:?}: {e}");
        }
        assert!(matches!(
            set_auth(Some(b"x: 1\ny: \xff\n"), &[reg(URL)], "nc:pc"),
            Err(Error::Syntax { line: 2, .. })
        ));
        assert!(refused("npmRegistries:\n  \"//h/p\":\n\t  x: 1\n").contains("line 3"));
    }

    #[test]
    fn values_yarn_would_read_differently_are_refused() {
        for ident in ["a:${X}", ":x", "nc", "a:b\nc"] {
            assert!(
                matches!(
                    set_auth(None, &[reg(URL)], ident),
                    Err(Error::InvalidValue { .. })
                ),
                "{ident:?}"
            );
        }
        let out = set_auth(None, &[reg(URL)], "n\"c:p\\c").unwrap();
        assert_eq!(
            read_auth(&out.output, &reg(URL)).unwrap(),
            Some(YarnAuth::Ident("n\"c:p\\c".into()))
        );
    }

    #[test]
    fn a_reference_to_the_environment_is_written_verbatim() {
        let reference = "${NEXUS_TOKEN_NAMECODE}:${NEXUS_TOKEN_PASSCODE}";
        let out = set_auth_reference(Some(b"x: 1\n"), &[reg(URL)], reference).unwrap();
        assert_eq!(
            read_auth(&out.output, &reg(URL)).unwrap(),
            Some(YarnAuth::Ident(reference.into()))
        );
        assert!(
            String::from_utf8(out.output)
                .unwrap()
                .contains("npmAuthIdent: \"${NEXUS_TOKEN_NAMECODE}:${NEXUS_TOKEN_PASSCODE}\"\n")
        );
        assert!(set_auth_reference(None, &[reg(URL)], "nc:pc").is_err());
    }

    #[test]
    fn clear_removes_our_ident_and_what_it_leaves_empty() {
        let out = set("nodeLinker: pnp\n");
        let cleared = clear_auth(out.as_bytes(), &[reg(URL)]).unwrap();
        assert_eq!(
            String::from_utf8(cleared.output).unwrap(),
            "nodeLinker: pnp\nnpmRegistries:\n  \"//127.0.0.1:8081/repository/npm-group\":\n    npmAlwaysAuth: true\n"
        );
        let only = "npmRegistries:\n  \"//127.0.0.1:8081/repository/npm-group\":\n    npmAuthIdent: \"a:b\"\nx: 1\n";
        let cleared = clear_auth(only.as_bytes(), &[reg(URL)]).unwrap();
        assert_eq!(String::from_utf8(cleared.output).unwrap(), "x: 1\n");
        let none = clear_auth(b"x: 1\n", &[reg(URL)]).unwrap();
        assert!(none.changed.is_empty() && none.output == b"x: 1\n");
    }

    #[test]
    fn read_auth_prefers_a_token() {
        let input = "npmRegistries:\n  \"//127.0.0.1:8081/repository/npm-group/\":\n    npmAuthIdent: \"a:b\"\n    npmAuthToken: t\n";
        assert_eq!(
            read_auth(input.as_bytes(), &reg(URL)).unwrap(),
            Some(YarnAuth::Token)
        );
        assert_eq!(read_auth(b"a: 1\n", &reg(URL)).unwrap(), None);
    }

    #[test]
    fn discovery_finds_the_server_and_registry_keys_under_the_base_url() {
        let input = "npmRegistryServer: \"http://127.0.0.1:8081/repository/npm-group\"\nnpmRegistries:\n  \"//127.0.0.1:8081/repository/npm-hosted\":\n    npmAlwaysAuth: true\n  \"//registry.npmjs.org\":\n    npmAlwaysAuth: true\n";
        assert_eq!(
            discover(input.as_bytes(), "http://127.0.0.1:8081").unwrap(),
            vec![
                "http://127.0.0.1:8081/repository/npm-group".to_owned(),
                "http://127.0.0.1:8081/repository/npm-hosted".to_owned()
            ]
        );
        assert!(
            discover(input.as_bytes(), "http://127.0.0.1:8082")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_bom_and_a_leading_document_marker_are_kept() {
        let input = "\u{feff}---\nx: 1\n";
        let out = set(input);
        assert!(out.starts_with(input), "{out:?}");
        assert_eq!(registries(out.as_bytes()).unwrap().unwrap().len(), 1);
    }
}

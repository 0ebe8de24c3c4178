//! settings.xml editor: pure functions over bytes, no I/O. It finds byte ranges with quick-xml and
//! splices new `<username>`/`<password>` values into a copy of the original bytes, so comments,
//! whitespace, line endings, the BOM, the declaration, entities and CDATA elsewhere stay
//! byte-identical. Only `settings/servers/server` entries are targets; `<proxy>`, `<mirror>` and
//! anything inside a comment are never touched. It must not read or write files, print, or put a
//! credential value into an error or a warning.
//!
//! Malformed input (what Maven itself would reject, plus DTD entity declarations) is refused with
//! a line and column, so the caller writes nothing.

mod discover;
mod strict;

pub use discover::{
    Discovery, KnownSecrets, LeftAlone, LeftAloneReason, Taken, TakenReason, discover_servers,
};
pub use strict::maven_would_reject;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::fmt;

/// The file written when `settings.xml` does not exist yet.
const TEMPLATE: &str = include_str!("../templates/settings.xml");

/// Deeper element nesting is refused: settings.xml needs about six levels.
const MAX_DEPTH: usize = 256;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The credentials to write for each target server id.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The password is Maven's own `{...}` encrypted form, written on purpose: the `{...}` check
    /// is skipped for the password only.
    pub password_is_encrypted: bool,
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("password_is_encrypted", &self.password_is_encrypted)
            .finish()
    }
}

/// The result of [`set_credentials`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The new file content; equal to the input when `changed` is empty.
    pub output: Vec<u8>,
    /// Ids whose username or password changed or were created, in the order given.
    pub changed: Vec<String>,
    /// Things the user should know (duplicate ids, replaced encrypted or interpolated values).
    /// They name ids, never values.
    pub warnings: Vec<String>,
}

/// The credentials of the first server with an id, as Maven reads them: entities and CDATA
/// resolved, surrounding whitespace trimmed.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerEntry {
    pub username: Option<String>,
    pub password: Option<String>,
}

impl fmt::Debug for ServerEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerEntry")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Why settings.xml could not be read or edited. Never contains a credential value.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file is not well-formed XML, or not a settings file Maven would read.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A value cannot be stored so that Maven reads it back unchanged.
    #[error("the {field} cannot be written to settings.xml: {reason}")]
    InvalidValue {
        field: &'static str,
        reason: &'static str,
    },
    /// The file declares (or starts with the mark of) an encoding this editor does not handle.
    #[error("encoding `{encoding}` is not supported: {reason}")]
    UnsupportedEncoding {
        encoding: String,
        reason: &'static str,
    },
}

/// Checks that Maven would read `value` back exactly as written: no surrounding whitespace (Maven
/// trims), no `${` (Maven interpolates), no `{...}` (Maven decrypts), no control characters,
/// not empty.
pub fn validate_value(value: &str) -> Result<(), Error> {
    check_value(value, "value", false)
}

fn check_value(value: &str, field: &'static str, allow_encrypted: bool) -> Result<(), Error> {
    let invalid = |reason| Err(Error::InvalidValue { field, reason });
    if value.is_empty() {
        return invalid("it is empty");
    }
    if value.starts_with(is_java_space) || value.ends_with(is_java_space) {
        return invalid("it has surrounding whitespace, which Maven trims");
    }
    if value.chars().any(|c| !is_xml_char(c) || c.is_control()) {
        return invalid("it contains a control character");
    }
    if value.contains("${") {
        return invalid("it contains `${`, which Maven interpolates");
    }
    if !allow_encrypted && looks_encrypted(value) {
        return invalid("it contains a `{...}` form, which Maven tries to decrypt");
    }
    Ok(())
}

/// Java's `String.trim` removes every char up to U+0020.
fn is_java_space(c: char) -> bool {
    c <= ' '
}

fn maven_trim(s: &str) -> &str {
    s.trim_matches(is_java_space)
}

/// plexus-cipher treats a value holding `{` followed later by `}` as encrypted.
fn looks_encrypted(value: &str) -> bool {
    match value.find('{') {
        Some(open) => value[open..].contains('}'),
        None => false,
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Sets `<username>` and `<password>` of the first `<server>` with each id, creating what is
/// missing. `input` is `None` when the file does not exist: it is then created from the template.
pub fn set_credentials(
    input: Option<&[u8]>,
    ids: &[&str],
    creds: &Credentials,
) -> Result<Edit, Error> {
    check_value(creds.username, "username", false)?;
    check_value(creds.password, "password", creds.password_is_encrypted)?;
    write_credentials(input, ids, creds)
}

/// `login --env-refs`: sets `<username>${env.NEXUS_TOKEN_NAMECODE}</username>` and
/// `<password>${env.NEXUS_TOKEN_PASSCODE}</password>` in the first `<server>` with each id, as
/// [`set_credentials`] does with a token. Maven expands the references from the environment
/// (`nexus-token exec`); these two are the only `${...}` values this editor ever writes.
pub fn set_env_references(input: Option<&[u8]>, ids: &[&str]) -> Result<Edit, Error> {
    let creds = Credentials {
        username: crate::env_refs::MAVEN_USERNAME,
        password: crate::env_refs::MAVEN_PASSWORD,
        password_is_encrypted: false,
    };
    write_credentials(input, ids, &creds)
}

fn write_credentials(
    input: Option<&[u8]>,
    ids: &[&str],
    creds: &Credentials,
) -> Result<Edit, Error> {
    let mut unique: Vec<&str> = Vec::new();
    for id in ids {
        check_value(id, "server id", false)?;
        if !unique.contains(id) {
            unique.push(id);
        }
    }
    let bytes = input.unwrap_or(TEMPLATE.as_bytes());
    let doc = parse(bytes)?;
    let body = &bytes[doc.bom..];
    let esc = |v: &str| escape(v, doc.ascii_only);
    let nl = if doc.crlf { "\r\n" } else { "\n" };
    let unit = doc.indent_unit(body);

    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut changed = Vec::new();
    let mut warnings = Vec::new();
    let mut missing: Vec<&str> = Vec::new();

    for id in &unique {
        let mut matches = doc
            .servers
            .iter()
            .filter(|s| s.id.as_ref().is_some_and(|l| l.value() == *id));
        let Some(server) = matches.next() else {
            missing.push(id);
            continue;
        };
        let others = matches.count();
        if others > 0 {
            warnings.push(format!(
                "server id `{id}` appears {} times in settings.xml; Maven uses the first, which was updated: remove the others",
                others + 1
            ));
        }
        let mut was_changed = false;
        let mut inserts = String::new();
        let prefix = child_prefix(body, &server.cont, &unit, nl);
        for (name, field, new) in [
            ("username", &server.username, creds.username),
            ("password", &server.password, creds.password),
        ] {
            match field {
                Some(leaf) if leaf.value() == new => {}
                Some(leaf) => {
                    let old = leaf.value();
                    let was_encrypted =
                        old.starts_with('{') && old.ends_with('}') && !old.contains("${");
                    if name == "password" && was_encrypted && !creds.password_is_encrypted {
                        warnings.push(format!(
                            "the password of server `{id}` was encrypted with Maven's master password (`{{...}}`); it now holds the token in plain text"
                        ));
                    }
                    if old.contains("${") {
                        warnings.push(format!(
                            "the {name} of server `{id}` came from a `${{...}}` expression; it now holds the value itself"
                        ));
                    }
                    edits.push(replace_leaf(body, leaf, &esc(new)));
                    was_changed = true;
                }
                None => {
                    inserts.push_str(&format!("{prefix}<{name}>{}</{name}>", esc(new)));
                    was_changed = true;
                }
            }
        }
        if !inserts.is_empty() {
            edits.push((server.cont.insert_at, server.cont.insert_at, inserts));
        }
        if was_changed {
            changed.push((*id).to_owned());
        }
    }

    if !missing.is_empty() {
        let server_text = |server_indent: &str| {
            let child = format!("{server_indent}{unit}");
            let mut out = String::new();
            for id in &missing {
                out.push_str(&format!(
                    "{nl}{server_indent}<server>{nl}{child}<id>{}</id>{nl}{child}<username>{}</username>{nl}{child}<password>{}</password>{nl}{server_indent}</server>",
                    esc(id),
                    esc(creds.username),
                    esc(creds.password)
                ));
            }
            out
        };
        let root_indent = line_indent(body, doc.root.elem.start).unwrap_or("");
        if let Some(block) = doc.servers_blocks.first() {
            let servers_indent = line_indent(body, block.elem.start)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{root_indent}{unit}"));
            let server_indent = block
                .last_child_start
                .and_then(|p| line_indent(body, p))
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{servers_indent}{unit}"));
            let servers = server_text(&server_indent);
            edits.push(fill_container(
                body,
                block,
                "servers",
                &servers,
                &servers_indent,
                nl,
            ));
        } else {
            let servers_indent = doc
                .root
                .last_child_start
                .and_then(|p| line_indent(body, p))
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{root_indent}{unit}"));
            let server_indent = format!("{servers_indent}{unit}");
            let servers = format!(
                "{nl}{servers_indent}<servers>{}{nl}{servers_indent}</servers>",
                server_text(&server_indent)
            );
            let name = doc.root_name.as_str();
            edits.push(fill_container(
                body,
                &doc.root,
                name,
                &servers,
                root_indent,
                nl,
            ));
        }
        changed.extend(missing.iter().map(|s| (*s).to_owned()));
    }

    // Keep `changed` in the order the ids were given.
    changed.sort_by_key(|c| unique.iter().position(|u| u == c));
    edits.sort_by_key(|e| e.0);
    let mut output =
        Vec::with_capacity(bytes.len() + edits.iter().map(|e| e.2.len()).sum::<usize>());
    output.extend_from_slice(&bytes[..doc.bom]);
    let mut pos = 0;
    for (start, end, text) in &edits {
        output.extend_from_slice(&body[pos..*start]);
        output.extend_from_slice(text.as_bytes());
        pos = *end;
    }
    output.extend_from_slice(&body[pos..]);
    Ok(Edit {
        output,
        changed,
        warnings,
    })
}

/// What goes before each element appended to a container, so it lines up with its neighbours:
/// a line break and the last child's indent when that child starts its line (or the indent of
/// its line when a comment precedes it there); the container's indent plus one unit when the
/// children sit on the container's first line but the end tag has its own line; nothing (inline)
/// when the whole container is on one line.
fn child_prefix(body: &[u8], cont: &Container, unit: &str, nl: &str) -> String {
    let Some(last) = cont.last_child_start else {
        return String::new();
    };
    if let Some(indent) = line_indent(body, last) {
        return format!("{nl}{indent}");
    }
    if body[cont.elem.tag_end..last].contains(&b'\n') {
        return format!("{nl}{}", leading_ws(body, last));
    }
    if body[cont.insert_at..cont.elem.close_start].contains(&b'\n') {
        return format!("{nl}{}{unit}", leading_ws(body, cont.elem.start));
    }
    String::new()
}

/// The spaces and tabs at the start of the line holding `pos`.
fn leading_ws(body: &[u8], pos: usize) -> &str {
    let line_start = body[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let len = body[line_start..pos]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    std::str::from_utf8(&body[line_start..line_start + len]).unwrap_or_default()
}

/// The edit that puts `content` at the end of a container element, expanding `<name/>`.
fn fill_container(
    body: &[u8],
    cont: &Container,
    name: &str,
    content: &str,
    indent: &str,
    nl: &str,
) -> (usize, usize, String) {
    if cont.elem.empty {
        let open = open_tag_of_empty(body, &cont.elem);
        (
            cont.elem.start,
            cont.elem.end,
            format!("{open}{content}{nl}{indent}</{name}>"),
        )
    } else {
        let tail = &body[cont.insert_at..cont.elem.close_start];
        let closing = if tail.contains(&b'\n') {
            String::new()
        } else {
            format!("{nl}{indent}")
        };
        (
            cont.insert_at,
            cont.insert_at,
            format!("{content}{closing}"),
        )
    }
}

/// `<name attr="x" />` becomes `<name attr="x">`.
fn open_tag_of_empty(body: &[u8], elem: &Elem) -> String {
    let raw = String::from_utf8_lossy(&body[elem.start..elem.end]);
    let inner = raw.trim_end_matches('>').trim_end_matches('/').trim_end();
    format!("{inner}>")
}

fn replace_leaf(body: &[u8], leaf: &Leaf, escaped: &str) -> (usize, usize, String) {
    let e = &leaf.elem;
    if e.empty {
        let open = open_tag_of_empty(body, e);
        let name = open[1..]
            .split(|c: char| c.is_whitespace() || c == '>')
            .next()
            .unwrap_or_default()
            .to_owned();
        (e.start, e.end, format!("{open}{escaped}</{name}>"))
    } else {
        (e.tag_end, e.close_start, escaped.to_owned())
    }
}

fn escape(value: &str, ascii_only: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if ascii_only && !c.is_ascii() => out.push_str(&format!("&#x{:X};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The whitespace between the start of the line and `pos`, if only whitespace precedes `pos`.
fn line_indent(body: &[u8], pos: usize) -> Option<&str> {
    let line_start = body[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let indent = &body[line_start..pos];
    if indent.iter().all(|&b| b == b' ' || b == b'\t') {
        std::str::from_utf8(indent).ok()
    } else {
        None
    }
}

/// The username and password of the first server with `id`, as Maven reads them.
pub fn read_server(input: &[u8], id: &str) -> Result<Option<ServerEntry>, Error> {
    Ok(read_servers(input, &[id])?.pop().flatten())
}

/// [`read_server`] for several ids with one parse: one entry per id, in the order given.
pub fn read_servers(input: &[u8], ids: &[&str]) -> Result<Vec<Option<ServerEntry>>, Error> {
    let doc = parse(input)?;
    Ok(ids
        .iter()
        .map(|id| {
            first_server(&doc, id).map(|s| ServerEntry {
                username: s.username.as_ref().map(|l| l.value().to_owned()),
                password: s.password.as_ref().map(|l| l.value().to_owned()),
            })
        })
        .collect())
}

fn first_server<'d>(doc: &'d Doc, id: &str) -> Option<&'d Server> {
    doc.servers
        .iter()
        .find(|s| s.id.as_ref().is_some_and(|l| l.value() == id))
}

/// Removes the `<username>` and `<password>` elements (with the whitespace before them) from the
/// first server of each id (`logout --remove-credentials`). The `<server>` and its `<id>` stay,
/// so the user's structure survives; everything else is byte-identical. `changed` lists the ids
/// that had something to remove.
pub fn clear_credentials(input: &[u8], ids: &[&str]) -> Result<Edit, Error> {
    let doc = parse(input)?;
    let body = &input[doc.bom..];
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut changed = Vec::new();
    for id in ids {
        let Some(server) = first_server(&doc, id) else {
            continue;
        };
        let mut any = false;
        for leaf in [&server.username, &server.password].into_iter().flatten() {
            let mut start = leaf.elem.start;
            while start > 0 && body[start - 1].is_ascii_whitespace() {
                start -= 1;
            }
            cuts.push((start, leaf.elem.end));
            any = true;
        }
        if any && !changed.iter().any(|c| c == id) {
            changed.push((*id).to_owned());
        }
    }
    cuts.sort_unstable();
    let mut output = Vec::with_capacity(input.len());
    output.extend_from_slice(&input[..doc.bom]);
    let mut pos = 0;
    for (start, end) in cuts {
        // Whitespace before the second element may reach back into the first cut.
        let start = start.max(pos);
        output.extend_from_slice(&body[pos..start]);
        pos = end;
    }
    output.extend_from_slice(&body[pos..]);
    Ok(Edit {
        output,
        changed,
        warnings: Vec::new(),
    })
}

fn url_under(candidate: &str, base: &url::Url) -> bool {
    let Ok(c) = url::Url::parse(candidate) else {
        return false;
    };
    if c.scheme() != base.scheme()
        || c.host_str() != base.host_str()
        || c.port_or_known_default() != base.port_or_known_default()
    {
        return false;
    }
    let mut base_path = base.path().to_owned();
    if !base_path.ends_with('/') {
        base_path.push('/');
    }
    let mut path = c.path().to_owned();
    if !path.ends_with('/') {
        path.push('/');
    }
    path.starts_with(&base_path)
}

/// Ids used by more than one `<server>`, in order of first appearance.
pub fn duplicate_ids(input: &[u8]) -> Result<Vec<String>, Error> {
    let doc = parse(input)?;
    let mut seen: Vec<&str> = Vec::new();
    let mut dups: Vec<String> = Vec::new();
    for s in &doc.servers {
        if let Some(id) = &s.id {
            let v = id.value();
            if seen.contains(&v) {
                if !dups.iter().any(|d| d == v) {
                    dups.push(v.to_owned());
                }
            } else {
                seen.push(v);
            }
        }
    }
    Ok(dups)
}

// ---------------------------------------------------------------------------------------------
// Parsing: one pass over the events, recording byte ranges of what the editor may touch.

/// Byte range of an element in the body (the input without BOM).
#[derive(Debug, Clone, Copy, Default)]
struct Elem {
    /// Offset of `<`.
    start: usize,
    /// Offset just after the start tag's `>`.
    tag_end: usize,
    /// Offset of the end tag's `<` (equal to `end` for `<x/>`).
    close_start: usize,
    /// Offset just after the element.
    end: usize,
    /// Written as `<x/>`.
    empty: bool,
}

/// An element whose children we may append to.
#[derive(Debug, Clone, Default)]
struct Container {
    elem: Elem,
    first_child_start: Option<usize>,
    last_child_start: Option<usize>,
    /// Just after the last non-whitespace content: where new children go.
    insert_at: usize,
}

/// A text-only element (`<id>`, `<username>`, `<password>`, `<url>`).
#[derive(Debug, Clone, Default)]
struct Leaf {
    elem: Elem,
    /// Decoded content (entities and CDATA resolved, comments skipped), untrimmed.
    text: String,
}

impl Leaf {
    fn value(&self) -> &str {
        maven_trim(&self.text)
    }
}

#[derive(Debug, Default)]
struct Server {
    cont: Container,
    id: Option<Leaf>,
    username: Option<Leaf>,
    password: Option<Leaf>,
}

/// A `<mirror>`, `<repository>` or `<pluginRepository>`.
#[derive(Debug, Default)]
struct Holder {
    id: Option<String>,
    url: Option<String>,
}

#[derive(Debug, Default)]
struct Doc {
    bom: usize,
    crlf: bool,
    /// The file declares a non-UTF-8 (ASCII-compatible) encoding and holds only ASCII: write
    /// non-ASCII characters as references.
    ascii_only: bool,
    root: Container,
    root_name: String,
    servers_blocks: Vec<Container>,
    servers: Vec<Server>,
    holders: Vec<Holder>,
}

impl Doc {
    /// One level of indentation: how far the root's first child is indented past the root.
    /// When the root's first child shares the root's line, the first `<servers>` or `<server>`
    /// whose child starts a line tells; else a file indented with tabs gets a tab; else two
    /// spaces.
    fn indent_unit(&self, body: &[u8]) -> String {
        let unit_of = |cont: &Container| -> Option<String> {
            let parent = line_indent(body, cont.elem.start)?;
            cont.first_child_start
                .and_then(|p| line_indent(body, p))
                .and_then(|child| child.strip_prefix(parent))
                .filter(|unit| !unit.is_empty())
                .map(str::to_owned)
        };
        let root = line_indent(body, self.root.elem.start).unwrap_or("");
        let from_root = self
            .root
            .first_child_start
            .and_then(|p| line_indent(body, p))
            .and_then(|child| child.strip_prefix(root))
            .filter(|unit| !unit.is_empty())
            .map(str::to_owned);
        from_root
            .or_else(|| self.servers_blocks.iter().find_map(unit_of))
            .or_else(|| self.servers.iter().find_map(|s| unit_of(&s.cont)))
            .unwrap_or_else(|| {
                if body.windows(2).any(|w| w == b"\n\t") {
                    "\t".to_owned()
                } else {
                    "  ".to_owned()
                }
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LeafKind {
    Id,
    Username,
    Password,
    Url,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    Servers(usize),
    Server(usize),
    ServerLeaf(usize, LeafKind),
    Mirrors,
    Profiles,
    Profile,
    /// `<repositories>` or `<pluginRepositories>` of a profile, with the child name it holds.
    Repositories(&'static str),
    Holder(usize),
    HolderLeaf(usize, LeafKind),
    Other,
}

struct Frame {
    /// Length of the element name, which starts just after `elem.start`.
    name_len: usize,
    role: Role,
    elem: Elem,
}

struct Parser<'a> {
    body: &'a [u8],
    doc: Doc,
    stack: Vec<Frame>,
    leaf_text: String,
    root_done: bool,
}

fn syntax(body: &[u8], offset: usize, message: impl Into<String>) -> Error {
    let offset = offset.min(body.len());
    let line_start = body[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let line = body[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
    // Count characters, not bytes: skip UTF-8 continuation bytes.
    let column = body[line_start..offset]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count()
        + 1;
    Error::Syntax {
        line,
        column,
        message: message.into(),
    }
}

/// The `encoding="..."` of a leading XML declaration, read without a parser (the bytes may not
/// be UTF-8).
fn declared_encoding(body: &[u8]) -> Option<String> {
    if !body.starts_with(b"<?xml") {
        return None;
    }
    let end = body.windows(2).position(|w| w == b"?>")?;
    let decl = String::from_utf8_lossy(&body[..end]).into_owned();
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_owned())
}

fn is_utf8_name(enc: &str) -> bool {
    matches!(enc.to_ascii_lowercase().as_str(), "utf-8" | "utf8")
}

/// Encodings that agree with ASCII on ASCII bytes.
fn is_ascii_compatible(enc: &str) -> bool {
    let e = enc.to_ascii_lowercase();
    e == "us-ascii"
        || e == "ascii"
        || e.starts_with("iso-8859-")
        || e.starts_with("iso8859-")
        || e == "latin1"
        || e == "latin-1"
        || e.starts_with("windows-125")
        || e.starts_with("cp125")
}

fn parse(input: &[u8]) -> Result<Doc, Error> {
    if input.starts_with(b"\xFF\xFE") || input.starts_with(b"\xFE\xFF") {
        return Err(Error::UnsupportedEncoding {
            encoding: "UTF-16".into(),
            reason: "save settings.xml as UTF-8 and run the command again",
        });
    }
    let bom = if input.starts_with(BOM) { BOM.len() } else { 0 };
    let body = &input[bom..];
    if body.starts_with(BOM) {
        // quick-xml would skip this one silently and every offset would be off by three.
        return Err(syntax(body, 0, "a second byte order mark"));
    }
    let mut ascii_only = false;
    if let Some(enc) = declared_encoding(body)
        && !is_utf8_name(&enc)
    {
        if bom > 0 || !is_ascii_compatible(&enc) {
            return Err(Error::UnsupportedEncoding {
                encoding: enc,
                reason: "save settings.xml as UTF-8 and run the command again",
            });
        }
        if !body.is_ascii() {
            return Err(Error::UnsupportedEncoding {
                encoding: enc,
                reason: "only UTF-8 files, or files of plain ASCII, can be edited; save settings.xml as UTF-8 and run the command again",
            });
        }
        ascii_only = true;
    }
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => return Err(syntax(body, e.valid_up_to(), "invalid UTF-8")),
    };
    let mut p = Parser {
        body,
        doc: Doc {
            bom,
            crlf: crlf_style(body),
            ascii_only,
            ..Doc::default()
        },
        stack: Vec::new(),
        leaf_text: String::new(),
        root_done: false,
    };
    p.run(text)?;
    Ok(p.doc)
}

/// The file's line ending: CRLF when its first line break is one.
fn crlf_style(body: &[u8]) -> bool {
    crate::text::line_ending(body, false) == "\r\n"
}

impl Parser<'_> {
    fn run(&mut self, text: &str) -> Result<(), Error> {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_comments = true;
        config.check_end_names = true;
        config.expand_empty_elements = false;
        loop {
            let start = offset(reader.buffer_position());
            let event = match reader.read_event() {
                Ok(e) => e,
                Err(e) => {
                    return Err(syntax(
                        self.body,
                        offset(reader.error_position()),
                        e.to_string(),
                    ));
                }
            };
            let end = offset(reader.buffer_position());
            match event {
                Event::Start(e) => self.open(&e, start, end, false)?,
                Event::Empty(e) => {
                    self.open(&e, start, end, true)?;
                    self.close(end, end)?;
                }
                Event::End(_) => self.close(start, end)?,
                Event::Text(t) => self.text(&t, start)?,
                Event::CData(t) => {
                    self.content(start, end, "CDATA")?;
                    if self.in_leaf() {
                        self.leaf_text.push_str(&t);
                    }
                }
                Event::GeneralRef(r) => {
                    let c = if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) if is_xml_char(c) => c,
                            _ => {
                                return Err(syntax(
                                    self.body,
                                    start,
                                    "invalid character reference",
                                ));
                            }
                        }
                    } else {
                        match &*r {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "apos" => '\'',
                            "quot" => '"',
                            _ => {
                                return Err(syntax(
                                    self.body,
                                    start,
                                    "reference to an undefined entity (only &lt; &gt; &amp; &apos; &quot; and character references are allowed)",
                                ));
                            }
                        }
                    };
                    self.content(start, end, "a reference")?;
                    if self.in_leaf() {
                        self.leaf_text.push(c);
                    }
                }
                Event::Comment(_) | Event::PI(_) => {
                    if !self.stack.is_empty() {
                        self.content(start, end, "")?;
                    }
                }
                Event::Decl(_) => {
                    if start != 0 {
                        return Err(syntax(
                            self.body,
                            start,
                            "the XML declaration must come first",
                        ));
                    }
                }
                Event::DocType(d) => {
                    if d.contains("<!ENTITY") {
                        return Err(syntax(
                            self.body,
                            start,
                            "entity declarations in a DOCTYPE are refused (they can expand without bound or read other files)",
                        ));
                    }
                    if self.root_done || !self.stack.is_empty() {
                        return Err(syntax(self.body, start, "DOCTYPE after the root element"));
                    }
                }
                Event::Eof => break,
            }
        }
        if let Some(frame) = self.stack.last() {
            return Err(syntax(
                self.body,
                frame.elem.start,
                format!(
                    "element `<{}>` is not closed",
                    String::from_utf8_lossy(&self.body[frame.elem.start + 1..][..frame.name_len])
                ),
            ));
        }
        if !self.root_done {
            return Err(syntax(self.body, self.body.len(), "no root element"));
        }
        Ok(())
    }

    fn in_leaf(&self) -> bool {
        matches!(
            self.stack.last().map(|f| f.role),
            Some(Role::ServerLeaf(..) | Role::HolderLeaf(..))
        )
    }

    /// Records non-whitespace content starting at `start` and ending at `end` in the current
    /// element; outside the root it is an error.
    fn content(&mut self, start: usize, end: usize, what: &str) -> Result<(), Error> {
        let Some(frame) = self.stack.last() else {
            return Err(syntax(
                self.body,
                start,
                format!("{what} outside the root element"),
            ));
        };
        let role = frame.role;
        if let Some(c) = self.container_mut(role) {
            c.insert_at = end;
        }
        Ok(())
    }

    fn text(&mut self, t: &str, start: usize) -> Result<(), Error> {
        let trimmed_len = t.trim_end_matches([' ', '\t', '\r', '\n']).len();
        if trimmed_len > 0 {
            let first = start + (t.len() - t.trim_start_matches([' ', '\t', '\r', '\n']).len());
            self.content(first, start + trimmed_len, "text")?;
        }
        if self.in_leaf() {
            // XML normalises line ends to `\n` (allocate only when there is a `\r`).
            if t.contains('\r') {
                self.leaf_text
                    .push_str(&t.replace("\r\n", "\n").replace('\r', "\n"));
            } else {
                self.leaf_text.push_str(t);
            }
        }
        Ok(())
    }

    fn container_mut(&mut self, role: Role) -> Option<&mut Container> {
        match role {
            Role::Root => Some(&mut self.doc.root),
            Role::Servers(i) => self.doc.servers_blocks.get_mut(i),
            Role::Server(i) => self.doc.servers.get_mut(i).map(|s| &mut s.cont),
            _ => None,
        }
    }

    fn open(
        &mut self,
        e: &BytesStart,
        start: usize,
        tag_end: usize,
        empty: bool,
    ) -> Result<(), Error> {
        let qname = e.name();
        let name: &str = qname.as_ref();
        let name_len = name.len();
        for attr in e.attributes() {
            match attr {
                Ok(a) => {
                    if a.value.contains('<') {
                        return Err(syntax(self.body, start, "`<` in an attribute value"));
                    }
                    if let Err(msg) = check_refs(a.value.as_bytes()) {
                        return Err(syntax(self.body, start, msg));
                    }
                }
                Err(err) => return Err(syntax(self.body, start, err.to_string())),
            }
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(syntax(
                self.body,
                start,
                format!("elements nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let elem = Elem {
            start,
            tag_end,
            close_start: tag_end,
            end: tag_end,
            empty,
        };
        let parent = self.stack.last().map(|f| f.role);
        let role = match parent {
            None => {
                if self.root_done {
                    return Err(syntax(
                        self.body,
                        start,
                        format!("a second root element `<{name}>`"),
                    ));
                }
                if name != "settings" {
                    return Err(syntax(
                        self.body,
                        start,
                        format!("the root element is `<{name}>`, Maven expects `<settings>`"),
                    ));
                }
                self.doc.root = Container {
                    elem,
                    insert_at: tag_end,
                    ..Container::default()
                };
                self.doc.root_name = name.to_owned();
                Role::Root
            }
            Some(parent) => {
                if let Some(c) = self.container_mut(parent) {
                    c.first_child_start.get_or_insert(start);
                    c.last_child_start = Some(start);
                }
                self.child_role(parent, name, elem)?
            }
        };
        if matches!(role, Role::ServerLeaf(..) | Role::HolderLeaf(..)) {
            self.leaf_text.clear();
        }
        self.stack.push(Frame {
            name_len,
            role,
            elem,
        });
        Ok(())
    }

    fn child_role(&mut self, parent: Role, name: &str, elem: Elem) -> Result<Role, Error> {
        let leaf_kind = |n: &str| match n {
            "id" => Some(LeafKind::Id),
            "username" => Some(LeafKind::Username),
            "password" => Some(LeafKind::Password),
            "url" => Some(LeafKind::Url),
            _ => None,
        };
        let container = Container {
            elem,
            insert_at: elem.tag_end,
            ..Container::default()
        };
        Ok(match (parent, name) {
            (Role::Root, "servers") => {
                self.doc.servers_blocks.push(container);
                Role::Servers(self.doc.servers_blocks.len() - 1)
            }
            (Role::Root, "mirrors") => Role::Mirrors,
            (Role::Root, "profiles") => Role::Profiles,
            (Role::Servers(_), "server") => {
                self.doc.servers.push(Server {
                    cont: container,
                    ..Server::default()
                });
                Role::Server(self.doc.servers.len() - 1)
            }
            (Role::Server(i), n) => match leaf_kind(n) {
                Some(k) if k != LeafKind::Url => {
                    let s = &self.doc.servers[i];
                    let taken = match k {
                        LeafKind::Id => s.id.is_some(),
                        LeafKind::Username => s.username.is_some(),
                        _ => s.password.is_some(),
                    };
                    if taken {
                        return Err(syntax(
                            self.body,
                            elem.start,
                            format!("a second `<{n}>` in one `<server>`"),
                        ));
                    }
                    Role::ServerLeaf(i, k)
                }
                _ => Role::Other,
            },
            (Role::Mirrors, "mirror") => self.new_holder(),
            (Role::Profiles, "profile") => Role::Profile,
            (Role::Profile, "repositories") => Role::Repositories("repository"),
            (Role::Profile, "pluginRepositories") => Role::Repositories("pluginRepository"),
            (Role::Repositories(child), n) if n == child => self.new_holder(),
            (Role::Holder(i), n) => match leaf_kind(n) {
                Some(k @ (LeafKind::Id | LeafKind::Url)) => Role::HolderLeaf(i, k),
                _ => Role::Other,
            },
            (Role::ServerLeaf(..) | Role::HolderLeaf(..), n) => {
                return Err(syntax(
                    self.body,
                    elem.start,
                    format!("element `<{n}>` where Maven expects text"),
                ));
            }
            _ => Role::Other,
        })
    }

    fn new_holder(&mut self) -> Role {
        self.doc.holders.push(Holder::default());
        Role::Holder(self.doc.holders.len() - 1)
    }

    fn close(&mut self, close_start: usize, end: usize) -> Result<(), Error> {
        let Some(mut frame) = self.stack.pop() else {
            return Err(syntax(
                self.body,
                close_start,
                "end tag without a start tag",
            ));
        };
        frame.elem.close_start = close_start;
        frame.elem.end = end;
        let elem = frame.elem;
        match frame.role {
            Role::Root => {
                self.doc.root.elem = elem;
                self.root_done = true;
            }
            Role::Servers(i) => {
                if let Some(c) = self.doc.servers_blocks.get_mut(i) {
                    c.elem = elem;
                }
            }
            Role::Server(i) => {
                if let Some(s) = self.doc.servers.get_mut(i) {
                    s.cont.elem = elem;
                }
            }
            Role::ServerLeaf(i, kind) => {
                let leaf = Leaf {
                    elem,
                    text: std::mem::take(&mut self.leaf_text),
                };
                if let Some(s) = self.doc.servers.get_mut(i) {
                    match kind {
                        LeafKind::Id => s.id = Some(leaf),
                        LeafKind::Username => s.username = Some(leaf),
                        _ => s.password = Some(leaf),
                    }
                }
            }
            Role::HolderLeaf(i, kind) => {
                let text = std::mem::take(&mut self.leaf_text);
                if let Some(h) = self.doc.holders.get_mut(i) {
                    match kind {
                        LeafKind::Id => h.id = Some(text),
                        _ => h.url = Some(text),
                    }
                }
            }
            _ => {}
        }
        // A closed child counts as content of its parent.
        if let Some(parent) = self.stack.last().map(|f| f.role)
            && let Some(c) = self.container_mut(parent)
        {
            c.insert_at = end;
        }
        Ok(())
    }
}

/// Every `&` in an attribute value starts a known reference.
fn check_refs(value: &[u8]) -> Result<(), &'static str> {
    let mut rest = value;
    while let Some(amp) = rest.iter().position(|&b| b == b'&') {
        rest = &rest[amp + 1..];
        let Some(semi) = rest.iter().position(|&b| b == b';') else {
            return Err("unescaped `&` in an attribute value");
        };
        let name = &rest[..semi];
        let ok = matches!(name, b"lt" | b"gt" | b"amp" | b"apos" | b"quot")
            || (name.len() > 1
                && name[0] == b'#'
                && (name[1..].iter().all(u8::is_ascii_digit)
                    || (name[1] == b'x'
                        && name.len() > 2
                        && name[2..].iter().all(u8::is_ascii_hexdigit))));
        if !ok {
            return Err("unknown reference in an attribute value");
        }
        rest = &rest[semi + 1..];
    }
    Ok(())
}

/// Reader offsets are `u64`; inputs live in memory, so they fit `usize`.
fn offset(pos: u64) -> usize {
    usize::try_from(pos).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREDS: Credentials = Credentials {
        username: "tok-user",
        password: "tok-pass",
        password_is_encrypted: false,
    };

    fn edit(input: &str, ids: &[&str]) -> Edit {
        set_credentials(Some(input.as_bytes()), ids, &CREDS).unwrap()
    }

    #[test]
    fn env_references_are_written_only_through_their_own_function() {
        let out = set_env_references(None, &["nexus"]).unwrap().output;
        let server = read_server(&out, "nexus").unwrap().unwrap();
        assert_eq!(
            server.username.as_deref(),
            Some("${env.NEXUS_TOKEN_NAMECODE}")
        );
        assert_eq!(
            server.password.as_deref(),
            Some("${env.NEXUS_TOKEN_PASSCODE}")
        );
        let creds = Credentials {
            username: "x",
            password: "${env.NEXUS_TOKEN_PASSCODE}",
            password_is_encrypted: false,
        };
        assert!(
            set_credentials(None, &["nexus"], &creds).is_err(),
            "a token value with `${{` is still refused"
        );
    }

    #[test]
    fn replaces_only_the_text_between_the_tags() {
        let input = "<settings>\n  <servers>\n    <server>\n      <id>a</id>\n      <username>old</username>\n      <password>old</password>\n    </server>\n  </servers>\n</settings>";
        let out = edit(input, &["a"]);
        assert_eq!(
            String::from_utf8(out.output).unwrap(),
            input
                .replace("old</username>", "tok-user</username>")
                .replace("old</password>", "tok-pass</password>"),
            "only the two values change"
        );
        assert_eq!(out.changed, vec!["a"]);
    }

    #[test]
    fn clear_credentials_removes_only_the_two_elements() {
        let input = "<settings>\r\n  <servers>\r\n    <server>\r\n      <id>a</id>\r\n      <username>u</username>\r\n      <!-- keep -->\r\n      <password>p</password>\r\n    </server>\r\n    <server><id>b</id><username>x</username></server>\r\n  </servers>\r\n</settings>";
        let edit = clear_credentials(input.as_bytes(), &["a", "zzz"]).unwrap();
        let out = String::from_utf8(edit.output).unwrap();
        assert_eq!(
            out,
            "<settings>\r\n  <servers>\r\n    <server>\r\n      <id>a</id>\r\n      <!-- keep -->\r\n    </server>\r\n    <server><id>b</id><username>x</username></server>\r\n  </servers>\r\n</settings>",
            "only server a's username and password go; comments, other servers and CRLF stay"
        );
        assert_eq!(edit.changed, vec!["a".to_owned()]);
        let again = clear_credentials(out.as_bytes(), &["a"]).unwrap();
        assert!(
            again.changed.is_empty() && again.output == out.as_bytes(),
            "a second run changes nothing"
        );
    }

    #[test]
    fn a_second_run_changes_nothing() {
        let first = edit("<settings/>", &["a", "b"]);
        let second = set_credentials(Some(&first.output), &["a", "b"], &CREDS).unwrap();
        assert!(
            second.changed.is_empty(),
            "the second run reports no change"
        );
        assert_eq!(
            second.output, first.output,
            "the second run writes the same bytes"
        );
    }

    #[test]
    fn validate_value_refuses_what_maven_would_misread() {
        for bad in [" x", "x ", "a${b}", "{abc}", "x{y}z", "", "a\u{1}b"] {
            assert!(validate_value(bad).is_err(), "`{bad:?}` must be refused");
        }
        for good in ["abc", "a&b<c>", "x{y", "$x", "ünïcode"] {
            assert!(validate_value(good).is_ok(), "`{good}` must be accepted");
        }
    }

    #[test]
    fn an_encrypted_password_is_accepted_when_flagged() {
        let creds = Credentials {
            password: "{AAECAwQFBgcHXhTpqF018d/Xrj7AKinI9wAAAAAAAAA=}",
            password_is_encrypted: true,
            ..CREDS
        };
        let out = set_credentials(Some(b"<settings/>"), &["a"], &creds).unwrap();
        let entry = read_server(&out.output, "a").unwrap().unwrap();
        assert_eq!(
            entry.password.as_deref(),
            Some(creds.password),
            "the encrypted form is written as is"
        );
        let unflagged = Credentials {
            password_is_encrypted: false,
            ..creds
        };
        assert!(
            set_credentials(Some(b"<settings/>"), &["a"], &unflagged).is_err(),
            "unflagged, a `{{...}}` password is refused"
        );
    }

    #[test]
    fn errors_never_contain_the_value() {
        let creds = Credentials {
            password: " secret-value",
            ..CREDS
        };
        let err = set_credentials(None, &["a"], &creds)
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("secret-value"),
            "the error names the field, not the value: {err}"
        );
        assert!(err.contains("password"), "the error names the field: {err}");
    }

    #[test]
    fn line_and_column_count_characters() {
        let err = parse("<settings>\n  <ä>&x;</ä></settings>".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("line 2, column 6"),
            "the column counts characters: {err}"
        );
    }

    #[test]
    fn url_under_respects_path_boundaries() {
        let base = url::Url::parse("http://127.0.0.1:8081/repository/maven-public/").unwrap();
        assert!(url_under(
            "http://127.0.0.1:8081/repository/maven-public",
            &base
        ));
        assert!(url_under(
            "http://127.0.0.1:8081/repository/maven-public/x/",
            &base
        ));
        assert!(
            !url_under("http://127.0.0.1:8081/repository/maven-publicity/", &base),
            "a longer segment is not under the base"
        );
        assert!(
            !url_under("http://127.0.0.1:8082/repository/maven-public/", &base),
            "another port is another server"
        );
    }

    const DISCOVERY: &str = r#"<settings>
  <proxies><proxy><id>proxy</id><username>me</username></proxy></proxies>
  <servers>
    <server><id>by-user</id><username> me </username></server>
    <server><id>someone-else</id><username>you</username></server>
    <server><id>by-user</id><username>me</username></server>
  </servers>
  <mirrors>
    <mirror><id>mirror</id><url>http://127.0.0.1:8081/repository/maven-public/</url></mirror>
    <mirror><id>elsewhere</id><url>http://127.0.0.2:8081/repository/maven-public/</url></mirror>
  </mirrors>
  <profiles><profile><id>p</id>
    <repositories><repository><id>repo</id><url>http://127.0.0.1:8081/repository/releases</url></repository></repositories>
    <pluginRepositories><pluginRepository><id>plugins</id><url>http://127.0.0.1:8081/repository/x/</url></pluginRepository></pluginRepositories>
    <!-- <repositories><repository><id>commented</id><url>http://127.0.0.1:8081/repository/y/</url></repository></repositories> -->
  </profile></profiles>
</settings>"#;

    #[test]
    fn duplicate_ids_lists_each_repeated_id_once() {
        assert_eq!(
            duplicate_ids(DISCOVERY.as_bytes()).unwrap(),
            vec!["by-user"]
        );
    }

    #[test]
    fn read_server_reads_the_first_server_as_maven_does() {
        let entry = read_server(DISCOVERY.as_bytes(), "by-user")
            .unwrap()
            .unwrap();
        assert_eq!(
            entry.username.as_deref(),
            Some("me"),
            "the value is trimmed like Maven does"
        );
        assert_eq!(entry.password, None, "a missing password reads as None");
        assert!(
            read_server(DISCOVERY.as_bytes(), "proxy")
                .unwrap()
                .is_none(),
            "a proxy is not a server"
        );
        let debug = format!(
            "{:?}",
            ServerEntry {
                username: None,
                password: Some("hunter2".into())
            }
        );
        assert!(
            !debug.contains("hunter2"),
            "Debug never shows the password: {debug}"
        );
    }

    #[test]
    fn the_template_has_the_current_schema_and_empty_servers() {
        let doc = parse(TEMPLATE.as_bytes()).unwrap();
        assert!(TEMPLATE.contains("http://maven.apache.org/SETTINGS/1.2.0"));
        assert!(TEMPLATE.contains("https://maven.apache.org/xsd/settings-1.2.0.xsd"));
        assert_eq!(
            doc.servers_blocks.len(),
            1,
            "the template has one `<servers>`"
        );
        assert!(doc.servers.is_empty(), "the template has no server");
    }
}

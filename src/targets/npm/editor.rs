//! `.npmrc` editor: pure functions over bytes, no I/O and no environment access.
//!
//! The reader follows what npm 11 (`ini` 5 inside `@npmcli/config`), pnpm and Yarn 1 (older
//! `ini`) do with a file: lines are split at every run of `\r`/`\n`; a line whose first
//! non-whitespace character is `;` or `#` is a comment; `[name]` alone on a line opens a section
//! (keys after it are not top-level config, so npm ignores them for auth); otherwise the key is
//! the text before the first `=` and the value the text after it, both trimmed with JavaScript's
//! notion of whitespace (a UTF-8 BOM included), unquoted when wrapped in `"`/`'`, and cut at the
//! first unescaped `;` or `#` (an inline comment). The last of duplicate keys wins.
//!
//! The writer edits only lines at the exact keys it is given (`//host[:port]/path/:name`, see
//! [`registry_key`]): it replaces the effective (last) value in place keeping the key text and the
//! spacing around `=`, removes duplicates and the credential lines it was asked to remove (one
//! line and its own line ending each), and appends missing lines with the file's line ending
//! (before the first section, if any). Every other byte stays: comments, blank lines, order,
//! CRLF, `${VAR}` values. It refuses what it cannot edit safely (invalid UTF-8, a value npm would
//! read differently). Messages never contain a value (values are tokens).

use std::ops::Range;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

/// Errors of the npmrc reader and editor. Messages never contain values.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file cannot be read the way npm reads it (invalid UTF-8, which npm silently turns
    /// into U+FFFD).
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A registry URL that has no npmrc key (not http/https, no host).
    #[error("invalid npm registry URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: &'static str },
    /// A key we were asked to write cannot be written so that npm reads it back.
    #[error("cannot write npmrc key `{key}`: {reason}")]
    InvalidKey { key: String, reason: &'static str },
    /// A value we were asked to write cannot be written so that npm reads it back verbatim.
    #[error("cannot write the value of npmrc key `{key}`: {reason}")]
    InvalidValue { key: String, reason: &'static str },
    /// Self-check failed: the edited text would not read back as written. Nothing is written.
    #[error("internal error: npmrc key `{key}` would not read back as written")]
    ReadBack { key: String },
}

/// The result of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The new file content; equal to the input when nothing changed.
    pub output: Vec<u8>,
    /// Full keys (`//host/path/:name`) set, replaced or removed, in the order of the request.
    pub changed: Vec<String>,
    /// Things the user should know (duplicates, an environment reference replaced); never values.
    pub warnings: Vec<String>,
}

/// The credential npm sends for a registry key, as [`read_auth`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NpmAuth {
    /// `_auth` (base64 of `user:pass`) or `username` + `_password` (base64 of the password):
    /// npm sends `Authorization: Basic`.
    Basic { username: String, password: String },
    /// An `_authToken` at the key: npm sends it as a Bearer token, before any `_auth`.
    Token,
    /// An `_auth` or `_password` this reader cannot decode (e.g. a `${VAR}` reference).
    Undecodable,
}

/// The credential names npm, pnpm and Yarn 1 read at a registry key.
pub const AUTH_NAMES: [&str; 4] = ["_auth", "_authToken", "username", "_password"];

/// The names [`set_auth`] removes at its keys: each would compete with `_auth`.
pub const CONFLICTING_NAMES: [&str; 3] = ["_authToken", "username", "_password"];

/// The npmrc key of a registry URL: `//host[:port]/path/` (scheme, userinfo, query and fragment
/// dropped, default port dropped, host lowercased, a trailing `/` added when missing so the last
/// path segment stays). This is npm's "nerf dart" of the URL with a trailing slash, the key npm,
/// pnpm and Yarn 1 all look up for requests under the registry.
pub fn registry_key(url: &str) -> Result<String, Error> {
    let (_, mut key) =
        registry_location(url).map_err(|(url, reason)| Error::InvalidUrl { url, reason })?;
    if !key.ends_with('/') {
        key.push('/');
    }
    check_key(&key)?;
    Ok(key)
}

/// The `_auth` value for a token: base64 of `nameCode:passCode` (npm splits at the first `:`).
pub fn auth_value(name_code: &str, pass_code: &str) -> String {
    B64.encode(format!("{name_code}:{pass_code}"))
}

/// Sets `<key>:_auth=<auth_b64>` for every registry key (from [`registry_key`]) and removes
/// `<key>:_authToken`, `<key>:username` and `<key>:_password` at those same keys (an
/// `_authToken` wins over `_auth` in npm, pnpm and Yarn 1; `username`/`_password` is a second,
/// conflicting credential). `current` is `None` when the file does not exist yet.
pub fn set_auth(current: Option<&[u8]>, keys: &[&str], auth_b64: &str) -> Result<Edit, Error> {
    let mut ops = Vec::new();
    for key in keys {
        check_registry_key(key)?;
        ops.push(Op::Set(format!("{key}:_auth"), auth_b64.to_owned()));
        for name in CONFLICTING_NAMES {
            ops.push(Op::Remove(format!("{key}:{name}")));
        }
    }
    apply(current.unwrap_or_default(), &ops)
}

/// `login --env-refs`: sets `<key>:_auth=${NEXUS_TOKEN_AUTH}` for every registry key, removing
/// the same conflicting credentials as [`set_auth`]. npm, pnpm and Yarn 1 expand the reference
/// from the environment (`nexus-token exec`); it is the only `${...}` this editor ever writes.
pub fn set_auth_reference(current: Option<&[u8]>, keys: &[&str]) -> Result<Edit, Error> {
    let mut ops = Vec::new();
    for key in keys {
        check_registry_key(key)?;
        ops.push(Op::SetReference(
            format!("{key}:_auth"),
            crate::env_refs::NPM_AUTH.to_owned(),
        ));
        for name in CONFLICTING_NAMES {
            ops.push(Op::Remove(format!("{key}:{name}")));
        }
    }
    apply(current.unwrap_or_default(), &ops)
}

/// Sets one `<key>:<name>=<value>` line (e.g. pnpm's `tokenHelper`): the last occurrence is
/// edited in place, earlier duplicates removed, or the line appended.
pub fn set_key(current: Option<&[u8]>, key: &str, name: &str, value: &str) -> Result<Edit, Error> {
    check_registry_key(key)?;
    apply(
        current.unwrap_or_default(),
        &[Op::Set(format!("{key}:{name}"), value.to_owned())],
    )
}

/// Removes every `<key>:<name>` line for each name (the line and its own line ending).
pub fn remove_keys(current: &[u8], key: &str, names: &[&str]) -> Result<Edit, Error> {
    check_registry_key(key)?;
    let ops: Vec<Op> = names
        .iter()
        .map(|n| Op::Remove(format!("{key}:{n}")))
        .collect();
    apply(current, &ops)
}

/// `logout --remove-credentials`: removes the `_auth` lines at every key (and pnpm's
/// `tokenHelper` lines when `token_helper` is set); everything else stays.
pub fn clear_auth(current: &[u8], keys: &[&str], token_helper: bool) -> Result<Edit, Error> {
    let mut ops = Vec::new();
    for key in keys {
        check_registry_key(key)?;
        ops.push(Op::Remove(format!("{key}:_auth")));
        if token_helper {
            ops.push(Op::Remove(format!("{key}:tokenHelper")));
        }
    }
    apply(current, &ops)
}

/// The effective (last) value of the top-level key `full` (e.g. `//host/path/:_auth`), decoded
/// as npm decodes it (quotes, escapes, inline comments); `${VAR}` references stay unexpanded.
/// `None` also when a `full[]` line makes the value a list.
pub fn read_value(input: &[u8], full: &str) -> Result<Option<String>, Error> {
    let text = as_text(input)?;
    let found: Vec<Entry> = entries(text)
        .into_iter()
        .filter(|e| e.key == full)
        .collect();
    if found.iter().any(|e| e.array) {
        return Ok(None);
    }
    Ok(found.into_iter().next_back().map(|e| e.value))
}

/// Every top-level `(key, value)` in file order, duplicates included, decoded as npm decodes them
/// (a line without `=` has the value `true`, a `key[]` line is listed under `key`); keys after
/// the first `[section]` are not listed.
pub fn parse(input: &[u8]) -> Result<Vec<(String, String)>, Error> {
    let text = as_text(input)?;
    Ok(entries(text)
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect())
}

/// The credential npm would send for registry key `key` from this file alone: an `_authToken`
/// first, then `_auth`, then `username` + `_password` (npm's order). For `status`/`doctor`.
pub fn read_auth(input: &[u8], key: &str) -> Result<Option<NpmAuth>, Error> {
    let get = |name: &str| read_value(input, &format!("{key}:{name}"));
    if get("_authToken")?.is_some_and(|v| !v.is_empty()) {
        return Ok(Some(NpmAuth::Token));
    }
    let decode = |v: &str| {
        B64.decode(v.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
    };
    if let Some(auth) = get("_auth")?.filter(|v| !v.is_empty()) {
        return Ok(Some(
            decode(&auth)
                .and_then(|pair| {
                    let (u, p) = pair.split_once(':')?;
                    Some(NpmAuth::Basic {
                        username: u.to_owned(),
                        password: p.to_owned(),
                    })
                })
                .unwrap_or(NpmAuth::Undecodable),
        ));
    }
    match (get("username")?, get("_password")?) {
        (Some(u), Some(p)) if !u.is_empty() && !p.is_empty() => Ok(Some(match decode(&p) {
            Some(password) => NpmAuth::Basic {
                username: u,
                password,
            },
            None => NpmAuth::Undecodable,
        })),
        _ => Ok(None),
    }
}

/// Discovery: the `registry=` and `@scope:registry=` URLs of a user npmrc that lie under the
/// Nexus base URL (same scheme, host and port; the base path a prefix on segment boundaries), in
/// file order without duplicates.
pub fn discover(input: &[u8], base_url: &str) -> Result<Vec<String>, Error> {
    let text = as_text(input)?;
    let Ok(base) = url::Url::parse(base_url.trim()) else {
        return Err(Error::InvalidUrl {
            url: redact_url(base_url),
            reason: "not an absolute URL",
        });
    };
    let mut out: Vec<String> = Vec::new();
    for e in entries(text) {
        let is_registry = e.key == "registry"
            || (e.key.starts_with('@')
                && e.key.ends_with(":registry")
                && e.key.matches(':').count() == 1);
        if is_registry && is_under(&e.value, &base) && !out.contains(&e.value) {
            out.push(e.value);
        }
    }
    Ok(out)
}

/// Whether a URL lies under the base URL: same scheme, host and effective port, and the base
/// path is a prefix of the URL's path on segment boundaries.
pub fn is_under(url: &str, base: &url::Url) -> bool {
    let Ok(u) = url::Url::parse(url.trim()) else {
        return false;
    };
    if u.scheme() != base.scheme()
        || u.host_str() != base.host_str()
        || u.port_or_known_default() != base.port_or_known_default()
    {
        return false;
    }
    let prefix = base.path().trim_end_matches('/');
    let path = u.path();
    path == prefix || path.starts_with(&format!("{prefix}/"))
}

/// The credential names (of [`AUTH_NAMES`]) a project `.npmrc` sets at registry key `key`: npm
/// merges the project file over the user file, so any of them shadows what we wrote. Reads the
/// bytes as npm does (invalid UTF-8 replaced), never fails; the file is never edited.
pub fn shadowing_auth(project: &[u8], key: &str) -> Vec<&'static str> {
    let text = String::from_utf8_lossy(project);
    let found = entries(&text);
    AUTH_NAMES
        .into_iter()
        .filter(|name| {
            let full = format!("{key}:{name}");
            found.iter().any(|e| e.key == full)
        })
        .collect()
}

/// Checks a path for pnpm's `tokenHelper`: pnpm (10.x) reads it only from the user npmrc, needs
/// an absolute path to an existing file without arguments, and runs it through `sh` (so a space or
/// a shell metacharacter in the path breaks it: exit 127). Allowed: `/` then ASCII letters, digits
/// and `/._+-@%,:`.
pub fn check_token_helper(path: &str) -> Result<(), Error> {
    if cfg!(windows) {
        check_token_helper_windows(path)
    } else {
        check_token_helper_unix(path)
    }
}

/// [`check_token_helper`] on Unix, where pnpm runs the helper through `sh`.
pub fn check_token_helper_unix(path: &str) -> Result<(), Error> {
    let ok = path.starts_with('/')
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._+-@%,:".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidValue {
            key: "tokenHelper".to_owned(),
            reason: "pnpm runs the token helper through `sh`: the path must be absolute and use \
                     only letters, digits and `/._+-@%,:` (no spaces); use a wrapper in such a \
                     folder",
        })
    }
}

/// [`check_token_helper`] on Windows, where pnpm runs the helper through `cmd.exe /d /s /c`
/// unquoted: a drive path (`C:\\...`) of letters, digits and `\\._+-@:`, without the space,
/// `,` and `;` that split a `cmd.exe` line and the `%` it expands.
pub fn check_token_helper_windows(path: &str) -> Result<(), Error> {
    let bytes = path.as_bytes();
    let drive =
        bytes.len() > 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'\\';
    let ok = drive
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "\\._+-@:".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidValue {
            key: "tokenHelper".to_owned(),
            reason: "pnpm runs the token helper through `cmd.exe`: the path must be a full drive \
                     path and use only letters, digits and `\\._+-@:` (no spaces); use a wrapper \
                     in such a folder",
        })
    }
}

// ---------------------------------------------------------------------------------------------

/// One requested change.
enum Op {
    /// Set the full key to the value.
    Set(String, String),
    /// Set the full key to a `${VAR}` reference, written as it is (`--env-refs`).
    SetReference(String, String),
    /// Remove every line of the full key.
    Remove(String),
}

impl Op {
    fn key(&self) -> &str {
        match self {
            Op::Set(k, _) | Op::SetReference(k, _) | Op::Remove(k) => k,
        }
    }
}

/// One physical line of the file.
#[derive(Debug, Clone)]
struct Line {
    /// The line's text, without its terminator.
    text: Range<usize>,
    /// The line with its own terminator (one `\r\n`, `\n` or `\r`).
    whole: Range<usize>,
}

/// What one line is to npm.
#[derive(Debug, Clone)]
struct Entry {
    /// Decoded key.
    key: String,
    /// Decoded value (`true` when the line has no `=`).
    value: String,
    /// Index into the physical lines.
    line: usize,
    /// Bytes to replace to change the value (absolute offsets); `None` when the line has no `=`.
    value_span: Option<Range<usize>>,
    /// End of the key text (absolute), for a line without `=`.
    key_end: usize,
    /// The key was written `key[]`: ini makes the value a list (and every later plain line of
    /// the key is pushed onto it), which npm cannot use as a string.
    array: bool,
}

fn physical_lines(text: &str) -> Vec<Line> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                out.push(Line {
                    text: start..i,
                    whole: start..i + 1,
                });
                i += 1;
                start = i;
            }
            b'\r' => {
                let end = if b.get(i + 1) == Some(&b'\n') {
                    i + 2
                } else {
                    i + 1
                };
                out.push(Line {
                    text: start..i,
                    whole: start..end,
                });
                i = end;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < b.len() {
        out.push(Line {
            text: start..b.len(),
            whole: start..b.len(),
        });
    }
    out
}

/// JavaScript's `\s` and `String.prototype.trim` set.
fn js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

fn js_trim(s: &str) -> &str {
    s.trim_matches(js_space)
}

fn is_quoted(v: &str) -> bool {
    (v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''))
}

/// `ini`'s `unsafe`: trims, unquotes (JSON), or cuts at the first unescaped `;`/`#` and unescapes
/// `\\`, `\;` and `\#`.
fn unsafe_value(raw: &str) -> String {
    let v = js_trim(raw);
    if is_quoted(v) {
        // JavaScript's `slice(1, -1)`: a lone `'` becomes the empty string.
        let inner = if v.starts_with('\'') {
            v.get(1..v.len().saturating_sub(1)).unwrap_or("")
        } else {
            v
        };
        return match serde_json::from_str::<serde_json::Value>(inner) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(_) => inner.to_owned(),
        };
    }
    let mut out = String::new();
    let mut esc = false;
    for c in v.chars() {
        if esc {
            if !matches!(c, '\\' | ';' | '#') {
                out.push('\\');
            }
            out.push(c);
            esc = false;
        } else if c == ';' || c == '#' {
            break;
        } else if c == '\\' {
            esc = true;
        } else {
            out.push(c);
        }
    }
    if esc {
        out.push('\\');
    }
    js_trim(&out).to_owned()
}

/// Byte length of the value text `ini` reads from `raw` (after leading whitespace): the quoted
/// text, or the text before an inline comment, trailing whitespace excluded.
fn value_extent(raw: &str) -> Range<usize> {
    let lead = raw.len() - raw.trim_start_matches(js_space).len();
    let v = js_trim(raw);
    if is_quoted(v) {
        return lead..lead + v.len();
    }
    let mut esc = false;
    let mut end = v.len();
    for (i, c) in v.char_indices() {
        if esc {
            esc = false;
        } else if c == ';' || c == '#' {
            end = i;
            break;
        } else if c == '\\' {
            esc = true;
        }
    }
    let cut = v[..end].trim_end_matches(js_space);
    lead..lead + cut.len()
}

/// The top-level entries (before the first section) in file order, duplicates included.
fn entries(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    for (n, line) in physical_lines(text).iter().enumerate() {
        let s = &text[line.text.clone()];
        let trimmed = s.trim_start_matches(js_space);
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if is_section(s) {
            break;
        }
        if s.starts_with('=') {
            continue;
        }
        let (key_raw, value) = match s.split_once('=') {
            Some((_, v)) if v.contains(['\u{2028}', '\u{2029}']) => continue,
            Some((k, v)) => {
                let ext = value_extent(v);
                let at = line.text.start + k.len() + 1;
                (k, Some((unsafe_value(v), at + ext.start..at + ext.end)))
            }
            None => (s, None),
        };
        let mut key = unsafe_value(key_raw);
        let array = key.len() > 2 && key.ends_with("[]");
        if array {
            key.truncate(key.len() - 2);
        }
        let key_end = line.text.start + key_raw.trim_end_matches(js_space).len();
        let (value, value_span) = match value {
            Some((v, span)) => (v, Some(span)),
            None => ("true".to_owned(), None),
        };
        out.push(Entry {
            key,
            value,
            line: n,
            value_span,
            key_end,
            array,
        });
    }
    out
}

/// `^\[([^\]]*)\]\s*$`
fn is_section(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('[') else {
        return false;
    };
    match rest.find(']') {
        Some(i) => rest[i + 1..].chars().all(js_space),
        None => false,
    }
}

/// Offset of the first section line, if any.
fn first_section(text: &str) -> Option<usize> {
    physical_lines(text)
        .into_iter()
        .find(|l| is_section(&text[l.text.clone()]))
        .map(|l| l.whole.start)
}

fn as_text(input: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(input).map_err(|e| {
        let at = e.valid_up_to();
        let before = &input[..at];
        let line = 1 + before
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && input.get(i + 1) != Some(&b'\n')))
            .count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n' || b == b'\r')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&input[line_start..at])
            .chars()
            .count()
            + 1;
        Error::Syntax {
            line,
            column,
            message: "the file is not valid UTF-8 (npm would read the bytes as U+FFFD); \
                      save it as UTF-8"
                .to_owned(),
        }
    })
}

/// The file's line ending: its first line terminator, `\n` when it has none.
fn line_ending(data: &[u8]) -> &'static str {
    crate::text::line_ending(data, true)
}

fn check_registry_key(key: &str) -> Result<(), Error> {
    if !key.starts_with("//") || !key.ends_with('/') {
        return Err(Error::InvalidKey {
            key: key.to_owned(),
            reason: "a registry key looks like `//host[:port]/path/` (see registry_key)",
        });
    }
    check_key(key)
}

/// A key we write must read back as exactly itself.
fn check_key(key: &str) -> Result<(), Error> {
    let bad = |reason| {
        Err(Error::InvalidKey {
            key: key.to_owned(),
            reason,
        })
    };
    if key.contains(['=', ';', '#', '\\', '"', '\'']) {
        return bad(
            "it contains `=`, `;`, `#`, a backslash or a quote, which npm reads differently",
        );
    }
    if key.contains("${") {
        return bad("npm would expand the `${...}` in it");
    }
    if key.chars().any(|c| js_space(c) || c.is_control()) {
        return bad("it contains whitespace or a control character");
    }
    if key.starts_with('[') {
        return bad("a line starting with `[` may be read as a section");
    }
    Ok(())
}

/// The text to write for `value` so that npm reads back exactly `value`.
fn encode_value(key: &str, value: &str) -> Result<String, Error> {
    let bad = |reason| {
        Err(Error::InvalidValue {
            key: key.to_owned(),
            reason,
        })
    };
    if value.is_empty() {
        return bad("the value is empty");
    }
    if value
        .chars()
        .any(|c| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}'))
    {
        return bad("the value contains a line break");
    }
    if value.chars().any(char::is_control) {
        return bad("the value contains a control character");
    }
    if js_trim(value) != value {
        return bad("the value starts or ends with whitespace, which npm trims");
    }
    if value.starts_with(['"', '\'']) {
        return bad("the value starts with a quote, which npm would unquote");
    }
    if value.contains("${") {
        return bad("npm would expand the `${...}` in the value");
    }
    // `true`/`false` become booleans, which is what a flag such as `always-auth` wants; `null`
    // would unset the key.
    if value == "null" {
        return bad("npm would read the value as null");
    }
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ';' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(out)
}

/// A registry URL as npm and Yarn key it: its scheme (`http` or `https`) and
/// `//host[:port]/path` (host lowercased, default port, userinfo, query and fragment dropped; the
/// path as given). An error is the URL with any credentials redacted, and why.
pub(crate) fn registry_location(url: &str) -> Result<(String, String), (String, &'static str)> {
    let shown = || redact_url(url);
    let parsed = url::Url::parse(url.trim()).map_err(|_| (shown(), "not an absolute URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err((shown(), "the scheme must be http or https"));
    }
    let Some(host) = parsed.host_str() else {
        return Err((shown(), "the URL has no host"));
    };
    let mut key = format!("//{host}");
    if let Some(port) = parsed.port() {
        key.push_str(&format!(":{port}"));
    }
    key.push_str(parsed.path());
    Ok((parsed.scheme().to_owned(), key))
}

pub(crate) fn redact_url(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) if url.contains('@') => "<the given URL>".to_owned(),
        Err(_) => url.to_owned(),
    }
}

/// 1-based line numbers of physical lines (split at every terminator, so index + 1).
fn line_numbers(idx: &[usize]) -> String {
    idx.iter()
        .map(|i| (i + 1).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn apply(input: &[u8], ops: &[Op]) -> Result<Edit, Error> {
    let text = as_text(input)?;
    let wanted = wanted_ops(ops)?;
    let found = entries(text);
    let plan = plan_edits(text, &found, &wanted)?;
    let Plan {
        cuts,
        appended,
        changed,
        warnings,
    } = plan;
    if changed.is_empty() {
        return Ok(Edit {
            output: input.to_vec(),
            changed,
            warnings,
        });
    }
    let mut out = splice(text, cuts);
    append_top_level(&mut out, &appended, line_ending(input));
    check_read_back(&out, &found, &wanted)?;
    Ok(Edit {
        output: out.into_bytes(),
        changed,
        warnings,
    })
}

/// Validates the request and de-duplicates it by key (a later set wins over a remove; two sets
/// of one key with different values are an error).
fn wanted_ops(ops: &[Op]) -> Result<Vec<&Op>, Error> {
    let mut wanted: Vec<&Op> = Vec::new();
    for op in ops {
        check_key(op.key())?;
        if let Op::Set(key, value) = op {
            encode_value(key, value)?;
        }
        match wanted.iter().position(|w| w.key() == op.key()) {
            Some(i) => {
                if let (
                    Op::Set(_, a) | Op::SetReference(_, a),
                    Op::Set(_, b) | Op::SetReference(_, b),
                ) = (wanted[i], op)
                    && a != b
                {
                    return Err(Error::InvalidValue {
                        key: op.key().to_owned(),
                        reason: "the key is given twice with different values",
                    });
                }
                if matches!(op, Op::Set(..) | Op::SetReference(..)) {
                    wanted[i] = op;
                }
            }
            None => wanted.push(op),
        }
    }
    Ok(wanted)
}

/// What `apply` will do to the text: byte ranges to replace, lines to append, the keys that
/// change and the warnings to show.
#[derive(Default)]
struct Plan {
    cuts: Vec<(Range<usize>, String)>,
    appended: Vec<String>,
    changed: Vec<String>,
    warnings: Vec<String>,
}

/// The byte range that removes physical line `n`.
fn remove_line(lines: &[Line], n: usize) -> Range<usize> {
    let l = &lines[n];
    if l.whole.end > l.text.end || n == 0 || lines[n - 1].text.is_empty() {
        l.whole.clone()
    } else {
        // The last line has no terminator: take the previous line's terminator instead, so
        // a file without a final line ending keeps that shape (unless that line is blank:
        // its terminator is all there is of it).
        lines[n - 1].text.end..l.whole.end
    }
}

fn plan_edits(text: &str, found: &[Entry], wanted: &[&Op]) -> Result<Plan, Error> {
    let lines = physical_lines(text);
    let mut plan = Plan::default();
    for op in wanted {
        let key = op.key();
        let hits: Vec<&Entry> = found.iter().filter(|e| e.key == key).collect();
        match op {
            Op::Remove(_) => {
                for h in &hits {
                    plan.cuts.push((remove_line(&lines, h.line), String::new()));
                }
                if !hits.is_empty() {
                    plan.changed.push(key.to_owned());
                }
            }
            Op::Set(_, value) | Op::SetReference(_, value) => {
                let reference = matches!(op, Op::SetReference(..));
                plan_set(&mut plan, text, &lines, hits, key, value, reference)?;
            }
        }
    }
    Ok(plan)
}

/// Plans setting `key` to `value` given the lines where the key is found (`hits`).
fn plan_set(
    plan: &mut Plan,
    text: &str,
    lines: &[Line],
    hits: Vec<&Entry>,
    key: &str,
    value: &str,
    reference: bool,
) -> Result<(), Error> {
    // A reference is written as it is; a value is encoded (and checked) for npm.
    let encode = |key: &str, value: &str| {
        if reference {
            Ok(value.to_owned())
        } else {
            encode_value(key, value)
        }
    };
    let (arrays, hits): (Vec<&Entry>, Vec<&Entry>) = hits.into_iter().partition(|e| e.array);
    if !arrays.is_empty() {
        let idx: Vec<usize> = arrays.iter().map(|h| h.line).collect();
        plan.warnings.push(format!(
            "`{key}[]` (lines {}) made `{key}` a list, which npm cannot use; those \
             lines were removed",
            line_numbers(&idx)
        ));
        for h in &arrays {
            plan.cuts.push((remove_line(lines, h.line), String::new()));
        }
    }
    let Some(last) = hits.last() else {
        plan.appended.push(format!("{key}={}", encode(key, value)?));
        plan.changed.push(key.to_owned());
        return Ok(());
    };
    let mut did = !arrays.is_empty();
    if hits.len() > 1 {
        let idx: Vec<usize> = hits.iter().map(|h| h.line).collect();
        plan.warnings.push(format!(
            "`{key}` is set {} times (lines {}); npm uses the last one, so only that \
             one is kept",
            hits.len(),
            line_numbers(&idx)
        ));
        for h in &hits[..hits.len() - 1] {
            plan.cuts.push((remove_line(lines, h.line), String::new()));
        }
        did = true;
    }
    if last.value != *value {
        let raw_value = match &last.value_span {
            Some(span) => &text[span.clone()],
            None => "",
        };
        if raw_value.contains("${") && !reference {
            plan.warnings.push(format!(
                "`{key}` referred to an environment variable; it now holds the token"
            ));
        }
        let encoded = encode(key, value)?;
        match &last.value_span {
            Some(span) => plan.cuts.push((span.clone(), encoded)),
            None => plan
                .cuts
                .push((last.key_end..last.key_end, format!("={encoded}"))),
        }
        did = true;
    }
    if did {
        plan.changed.push(key.to_owned());
    }
    Ok(())
}

/// Phase 1: in-place edits and removals (ranges never overlap: one per line, or a value span
/// inside a line that is not removed, or a previous terminator plus a last line).
fn splice(text: &str, mut cuts: Vec<(Range<usize>, String)>) -> String {
    cuts.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(text.len() + 80);
    let mut pos = 0;
    for (range, replacement) in &cuts {
        if range.start < pos {
            // Two removals of the same line (a key listed under two names cannot happen, but a
            // previous-terminator cut may touch a removed line before it): skip the overlap.
            out.push_str(replacement);
            pos = pos.max(range.end);
            continue;
        }
        out.push_str(&text[pos..range.start]);
        out.push_str(replacement);
        pos = range.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Phase 2: missing lines go at the end of the top-level part.
fn append_top_level(out: &mut String, appended: &[String], eol: &str) {
    if appended.is_empty() {
        return;
    }
    let mut block = String::new();
    for line in appended {
        block.push_str(line);
        block.push_str(eol);
    }
    match first_section(out) {
        Some(at) => out.insert_str(at, &block),
        None => {
            if !out.is_empty() && !out.ends_with(['\n', '\r']) {
                out.push_str(eol);
            }
            out.push_str(&block);
        }
    }
}

/// Self-check: what we set reads back, what we removed is gone, every other entry reads as
/// before and in the same order. A failure here is a bug, never a user error.
fn check_read_back(out: &str, found: &[Entry], wanted: &[&Op]) -> Result<(), Error> {
    let after = entries(out);
    for op in wanted {
        let values: Vec<&str> = after
            .iter()
            .filter(|e| e.key == op.key())
            .map(|e| e.value.as_str())
            .collect();
        let ok = match op {
            Op::Set(_, v) | Op::SetReference(_, v) => values == [v.as_str()],
            Op::Remove(_) => values.is_empty(),
        };
        if !ok {
            return Err(Error::ReadBack {
                key: op.key().to_owned(),
            });
        }
    }
    let others = |es: &[Entry]| -> Vec<(String, String)> {
        es.iter()
            .filter(|e| !wanted.iter().any(|w| w.key() == e.key))
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect()
    };
    if others(&after) != others(found) {
        return Err(Error::ReadBack {
            key: "(other keys)".to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: &str = "//nexus.example:8081/repository/npm-group/";

    fn set(input: &str) -> String {
        let edit = set_auth(Some(input.as_bytes()), &[K], "dTpw")
            .unwrap_or_else(|e| panic!("editing {input:?} works: {e}"));
        String::from_utf8(edit.output).unwrap()
    }

    #[test]
    fn the_auth_reference_replaces_the_token_and_conflicting_credentials() {
        let before = format!("; c\r\n{K}:_authToken=x\r\n{K}:_auth=dTpw\r\n");
        let edit = set_auth_reference(Some(before.as_bytes()), &[K]).unwrap();
        assert_eq!(
            String::from_utf8(edit.output.clone()).unwrap(),
            format!("; c\r\n{K}:_auth=${{NEXUS_TOKEN_AUTH}}\r\n")
        );
        assert!(edit.warnings.is_empty(), "{:?}", edit.warnings);
        let again = set_auth_reference(Some(&edit.output), &[K]).unwrap();
        assert!(again.changed.is_empty(), "a reference in place stays");
        assert_eq!(
            read_value(&edit.output, &format!("{K}:_auth"))
                .unwrap()
                .as_deref(),
            Some("${NEXUS_TOKEN_AUTH}")
        );
        assert!(
            set_auth(None, &[K], "${NEXUS_TOKEN_AUTH}").is_err(),
            "a token value with `${{` is still refused"
        );
    }

    #[test]
    fn registry_keys_follow_npm_nerf_dart_with_a_trailing_slash() {
        let cases = [
            (
                "http://nexus.example:8081/repository/npm-group/",
                "//nexus.example:8081/repository/npm-group/",
            ),
            (
                "http://nexus.example:8081/repository/npm-group",
                "//nexus.example:8081/repository/npm-group/",
            ),
            (
                "https://NEXUS.example:443/repository/npm-group",
                "//nexus.example/repository/npm-group/",
            ),
            ("http://nexus.example:80/", "//nexus.example/"),
            ("http://nexus.example", "//nexus.example/"),
            (
                "https://user:pw@nexus.example/nexus/content/groups/npm/?x=1#frag",
                "//nexus.example/nexus/content/groups/npm/",
            ),
            ("http://[::1]:8081/r/npm/", "//[::1]:8081/r/npm/"),
            (
                "http://127.0.0.1:41234/a/./b/../c",
                "//127.0.0.1:41234/a/c/",
            ),
            ("https://h:8443/a%20b", "//h:8443/a%20b/"),
        ];
        for (url, want) in cases {
            assert_eq!(registry_key(url).unwrap(), want, "the key of {url}");
        }
    }

    #[test]
    fn registry_key_refuses_what_has_no_key_and_hides_userinfo() {
        for url in ["not a url", "file:///tmp/x", "ftp://h/x", "http://h/a;b/"] {
            assert!(registry_key(url).is_err(), "{url} has no npmrc key");
        }
        let err = registry_key("ftp://user:secretpw@h/")
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("secretpw"),
            "the error hides the password: {err}"
        );
    }

    #[test]
    fn set_auth_table() {
        let cases: &[(&str, String)] = &[
            ("", format!("{K}:_auth=dTpw\n")),
            ("a=1", format!("a=1\n{K}:_auth=dTpw\n")),
            ("a=1\r\n", format!("a=1\r\n{K}:_auth=dTpw\r\n")),
            (
                &format!("; c\n{K}:_auth = old ; note\n# d\n"),
                format!("; c\n{K}:_auth = dTpw ; note\n# d\n"),
            ),
            (
                &format!("{K}:_authToken=abc\nb=2\n"),
                format!("b=2\n{K}:_auth=dTpw\n"),
            ),
            (
                &format!("a=1\n{K}:username=u\n{K}:_password=cA==\n{K}:_auth=x"),
                format!("a=1\n{K}:_auth=dTpw"),
            ),
            (
                &format!("{K}:_auth=one\n{K}:_auth=two\n"),
                format!("{K}:_auth=dTpw\n"),
            ),
            (
                &format!("x=1\n[section]\n{K}:_auth=ignored\n"),
                format!("x=1\n{K}:_auth=dTpw\n[section]\n{K}:_auth=ignored\n"),
            ),
            (&format!("  {K}:_auth\n"), format!("  {K}:_auth=dTpw\n")),
            (&format!("{K}:_auth=\"old\"\n"), format!("{K}:_auth=dTpw\n")),
            (
                &format!("\u{feff}{K}:_auth=old\n"),
                format!("\u{feff}{K}:_auth=dTpw\n"),
            ),
            (
                &format!("{K}:_auth[]=x\n{K}:_auth=old\n"),
                format!("{K}:_auth=dTpw\n"),
            ),
            (
                "//other/:_authToken=${T}\n",
                format!("//other/:_authToken=${{T}}\n{K}:_auth=dTpw\n"),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                &set(input),
                want,
                "editing {input:?} gives the expected text"
            );
        }
    }

    #[test]
    fn unchanged_input_is_returned_byte_for_byte() {
        let input = format!("# keep\r\n{K}:_auth = dTpw\r\n");
        let edit = set_auth(Some(input.as_bytes()), &[K], "dTpw").unwrap();
        assert_eq!(
            edit.output,
            input.as_bytes(),
            "an equal value leaves the file alone"
        );
        assert!(edit.changed.is_empty(), "nothing is reported changed");
    }

    #[test]
    fn changed_names_keys_and_warnings_never_values() {
        let input = format!("{K}:_auth=${{OLD}}\n{K}:_auth=x\n{K}:_authToken=tok\n");
        let edit = set_auth(Some(input.as_bytes()), &[K], "c2VjcmV0VG9rZW4=").unwrap();
        assert_eq!(
            edit.changed,
            vec![format!("{K}:_auth"), format!("{K}:_authToken")],
            "the changed list names the keys"
        );
        assert_eq!(edit.warnings.len(), 1, "{:?}", edit.warnings);
        assert!(
            edit.warnings[0].contains("lines 1, 2"),
            "{:?}",
            edit.warnings
        );
        for w in &edit.warnings {
            assert!(
                !w.contains("c2VjcmV0VG9rZW4="),
                "warnings never hold the value"
            );
        }
    }

    #[test]
    fn env_reference_at_our_key_is_replaced_with_a_warning() {
        let input = format!("{K}:_auth=${{NPM_AUTH}}\n");
        let edit = set_auth(Some(input.as_bytes()), &[K], "dTpw").unwrap();
        assert_eq!(edit.output, format!("{K}:_auth=dTpw\n").as_bytes());
        assert!(
            edit.warnings[0].contains("environment variable"),
            "{:?}",
            edit.warnings
        );
    }

    #[test]
    fn reader_follows_ini() {
        let cases: &[(&str, Option<&str>)] = &[
            ("k=v", Some("v")),
            ("  k  =  v  ", Some("v")),
            ("k=v ; comment", Some("v")),
            ("k=v\\;x", Some("v;x")),
            ("k=\"a;b\"", Some("a;b")),
            ("k='x'", Some("x")),
            ("k", Some("true")),
            ("k=1\nk=2", Some("2")),
            ("# k=1", None),
            ("  ;k=1", None),
            ("[s]\nk=1", None),
            ("k=1\r\r\n\nk=3\r", Some("3")),
            ("=k", None),
            ("k=a\u{2028}b", None),
            ("\u{feff}k=bom", Some("bom")),
            ("k=a=b", Some("a=b")),
            ("k=c:\\path", Some("c:\\path")),
            ("k[]=1\nk=2", None),
            ("k=2\nk[]=1", None),
            ("\u{feff}[s]\nk=after", Some("after")),
            ("  [s]\nk=after", Some("after")),
            ("[s] \t\nk=after", None),
        ];
        for (text, want) in cases {
            assert_eq!(
                read_value(text.as_bytes(), "k").unwrap().as_deref(),
                *want,
                "{text:?} reads as npm reads it"
            );
        }
    }

    #[test]
    fn invalid_utf8_is_refused_with_its_position() {
        let err = set_auth(Some(b"a=1\nb=\xff\n"), &[K], "dTpw").unwrap_err();
        match err {
            Error::Syntax { line, column, .. } => assert_eq!((line, column), (2, 3)),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn values_that_npm_would_change_are_refused() {
        for value in ["", " x", "x ", "a\nb", "\"q\"", "${HOME}", "null"] {
            assert!(
                set_key(None, K, "tokenHelper", value).is_err(),
                "{value:?} cannot be written verbatim"
            );
        }
        let edit = set_key(None, K, "tokenHelper", "/opt/a b/c;d#e\\f").unwrap();
        assert_eq!(
            String::from_utf8(edit.output.clone()).unwrap(),
            format!("{K}:tokenHelper=/opt/a b/c\\;d\\#e\\\\f\n")
        );
        assert_eq!(
            read_value(&edit.output, &format!("{K}:tokenHelper"))
                .unwrap()
                .as_deref(),
            Some("/opt/a b/c;d#e\\f"),
            "escaped characters read back"
        );
        assert!(
            set_auth(None, &["nexus/"], "dTpw").is_err(),
            "a key needs //"
        );
    }

    #[test]
    fn auth_value_reads_back_as_the_token() {
        let edit = set_auth(None, &[K], &auth_value("nAmE", "p:a/s+s=")).unwrap();
        assert_eq!(
            read_auth(&edit.output, K).unwrap(),
            Some(NpmAuth::Basic {
                username: "nAmE".into(),
                password: "p:a/s+s=".into()
            }),
            "npm decodes the written _auth into the nameCode and passCode"
        );
    }

    #[test]
    fn token_helper_paths_must_survive_sh() {
        for ok in [
            "/usr/local/bin/nexus-token-pnpm",
            "/home/a.b/.local/bin/x_y-1",
        ] {
            assert!(check_token_helper_unix(ok).is_ok(), "{ok} is usable");
        }
        for bad in ["relative/x", "/home/a b/x", "/x;rm", "/x$(y)", "/x'y", "/é"] {
            assert!(check_token_helper_unix(bad).is_err(), "{bad} is refused");
        }
    }

    #[test]
    fn token_helper_paths_must_survive_cmd_on_windows() {
        for ok in [
            r"C:\Users\alice\AppData\Roaming\nexus-token\pnpm-token-helper-work.cmd",
            r"d:\tools\x_y-1.cmd",
        ] {
            assert!(check_token_helper_windows(ok).is_ok(), "{ok} is usable");
        }
        for bad in [
            r"\\server\share\x.cmd",
            r"C:\Users\A B\x.cmd",
            r"C:\x,y.cmd",
            r"C:\x;y.cmd",
            r"C:\100%\x.cmd",
            "/usr/bin/x",
            r"C:x.cmd",
        ] {
            assert!(check_token_helper_windows(bad).is_err(), "{bad} is refused");
        }
    }

    #[test]
    fn read_auth_follows_npm_precedence() {
        let basic = NpmAuth::Basic {
            username: "u".into(),
            password: "p".into(),
        };
        let cases: Vec<(String, Option<NpmAuth>)> = vec![
            (format!("{K}:_auth=dTpw"), Some(basic.clone())),
            (
                format!("{K}:username=u\n{K}:_password=cA=="),
                Some(basic.clone()),
            ),
            (
                format!("{K}:_auth=dTpw\n{K}:_authToken=t"),
                Some(NpmAuth::Token),
            ),
            (format!("{K}:_auth=${{X}}"), Some(NpmAuth::Undecodable)),
            (format!("{K}:username=u"), None),
            ("//other/:_auth=dTpw".to_owned(), None),
        ];
        for (text, want) in cases {
            assert_eq!(read_auth(text.as_bytes(), K).unwrap(), want, "{text:?}");
        }
    }

    #[test]
    fn clear_and_remove() {
        let input = format!("a=1\n{K}:_auth=dTpw\n{K}:tokenHelper=/x\n//o/:_auth=k\n");
        let edit = clear_auth(input.as_bytes(), &[K], false).unwrap();
        assert_eq!(
            String::from_utf8(edit.output).unwrap(),
            format!("a=1\n{K}:tokenHelper=/x\n//o/:_auth=k\n")
        );
        let edit = clear_auth(input.as_bytes(), &[K], true).unwrap();
        assert_eq!(
            String::from_utf8(edit.output).unwrap(),
            "a=1\n//o/:_auth=k\n",
            "the token helper goes on request"
        );
        let edit = remove_keys(b"a=1\n//o/:_auth=k", "//o/", &["_auth"]).unwrap();
        assert_eq!(edit.output, b"a=1", "no final newline stays so");
    }

    #[test]
    fn discover_finds_registries_under_the_base_url() {
        let rc = "registry=http://nx:8081/nexus/repository/npm-group/\n\
                  @acme:registry=http://nx:8081/nexus/repository/npm-acme\n\
                  @other:registry=https://registry.npmjs.org/\n\
                  @x:registry=http://nx:8081/nexusother/r/\n\
                  @y:registry=https://nx:8081/nexus/r/\n\
                  [s]\n@z:registry=http://nx:8081/nexus/z/\n";
        assert_eq!(
            discover(rc.as_bytes(), "http://nx:8081/nexus").unwrap(),
            vec![
                "http://nx:8081/nexus/repository/npm-group/".to_owned(),
                "http://nx:8081/nexus/repository/npm-acme".to_owned()
            ]
        );
        assert_eq!(
            discover(b"registry=http://nx/r/\n", "http://nx:80/").unwrap(),
            vec!["http://nx/r/".to_owned()],
            "default ports compare equal"
        );
    }

    #[test]
    fn shadowing_names_the_project_credentials() {
        let project = format!("{K}:_authToken=x\n{K}:username=u\n//o/:_auth=y\n");
        assert_eq!(
            shadowing_auth(project.as_bytes(), K),
            vec!["_authToken", "username"]
        );
        assert!(shadowing_auth(b"registry=http://x/\n", K).is_empty());
    }
}

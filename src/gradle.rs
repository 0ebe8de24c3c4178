//! gradle.properties editor: pure functions over bytes, no I/O and no environment access.
//!
//! The reader is a port of `java.util.Properties.load(InputStream)` (Java 17): bytes are
//! ISO-8859-1 characters, logical lines join physical lines ending in an odd number of
//! backslashes, `#`/`!` comments are never continued, the key ends at the first unescaped `=`,
//! `:` or whitespace, `\uXXXX` and the other escapes are decoded, and the last duplicate wins.
//! The writer changes only the value of the effective (last) occurrence of each target key,
//! keeping its key text and separator, and appends missing keys as `key=value` lines with the
//! file's line ending. Output equals input byte for byte when nothing changes. This module must
//! not read files, the environment or the terminal, and never puts a value into a message
//! (values are tokens).

use std::ops::Range;

/// Errors of the gradle.properties reader and editor. Messages never contain values.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file cannot be read by `java.util.Properties` (a malformed `\uXXXX` escape), so Gradle
    /// itself would fail on it.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A key we were asked to write cannot be used (empty).
    #[error("invalid gradle property name `{key}`: {reason}")]
    InvalidKey { key: String, reason: &'static str },
    /// The same key was given twice with different values.
    #[error("gradle property `{key}` is given twice with different values")]
    ConflictingValues { key: String },
    /// Self-check failed: the edited text would not read back as written. Nothing is written.
    #[error("internal error: gradle property `{key}` would not read back as written")]
    ReadBack { key: String },
}

/// One property as `java.util.Properties` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The unescaped key.
    pub key: String,
    /// The unescaped value (lone UTF-16 surrogates from `\uXXXX` become U+FFFD).
    pub value: String,
    /// 1-based physical line where the logical line starts.
    pub line: usize,
}

/// The result of [`set_properties`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The new file content (ISO-8859-1 bytes; ASCII only in the parts we wrote).
    pub output: Vec<u8>,
    /// Keys whose value changed or that were added, in the order given.
    pub changed: Vec<String>,
    /// Things the user should know (duplicates, a BOM); never contain values.
    pub warnings: Vec<String>,
}

/// The key pair Gradle's `credentials(PasswordCredentials)` reads for a repository named `prefix`.
pub fn keys_for_prefix(prefix: &str) -> (String, String) {
    (format!("{prefix}Username"), format!("{prefix}Password"))
}

/// The system properties the Gradle wrapper (`gradlew`) sends as basic auth when it downloads
/// its distribution (`--gradle-wrapper`).
pub fn wrapper_keys() -> (String, String) {
    (
        "systemProp.gradle.wrapperUser".to_owned(),
        "systemProp.gradle.wrapperPassword".to_owned(),
    )
}

/// Checks a `--gradle-prefix`: a repository name Gradle derives property names from (letters,
/// digits, `_`, `-`, `.`; not empty).
pub fn validate_prefix(prefix: &str) -> Result<(), &'static str> {
    if prefix.is_empty() {
        return Err("it is empty");
    }
    if !prefix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err("only letters, digits, `_`, `-` and `.` are allowed");
    }
    Ok(())
}

/// Checks a property name given with `--gradle-keys`: not empty, no whitespace or separator
/// (`=`, `:`), and not starting like a comment (`#`, `!`).
pub fn validate_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() {
        return Err("it is empty");
    }
    if key.starts_with(['#', '!']) {
        return Err("it would start a comment line");
    }
    if key
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '=' | ':' | '\\'))
    {
        return Err("whitespace, `=`, `:` and `\\` are not allowed");
    }
    Ok(())
}

/// Keys among `keys` that an `ORG_GRADLE_PROJECT_<key>` variable overrides; `env_overrides` are
/// the property names (as from `Env::gradle_project_overrides`). Gradle matches names exactly.
pub fn overridden_by_env(keys: &[&str], env_overrides: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in keys {
        if env_overrides.iter().any(|o| o == key) && !out.iter().any(|k| k == key) {
            out.push((*key).to_owned());
        }
    }
    out
}

/// All properties in file order, duplicates included, read exactly as `java.util.Properties`.
pub fn parse(input: &[u8]) -> Result<Vec<Property>, Error> {
    let mut props = Vec::new();
    let mut lines = LineCounter::default();
    scan(input, |e| {
        props.push(Property {
            key: String::from_utf16_lossy(e.key),
            value: String::from_utf16_lossy(e.value),
            line: lines.line_at(input, e.start),
        });
    })?;
    Ok(props)
}

/// The effective (last) value of `key`, unescaped; `None` when the key is absent.
pub fn read_property(input: &[u8], key: &str) -> Result<Option<String>, Error> {
    let wanted: Vec<u16> = key.encode_utf16().collect();
    let mut found = None;
    scan(input, |e| {
        if e.key == wanted.as_slice() {
            found = Some(String::from_utf16_lossy(e.value));
        }
    })?;
    Ok(found)
}

/// Sets each `(key, value)` pair: edits the value of the last occurrence of the key in place
/// (key text and separator kept, continuation lines replaced) or appends `key=value` lines.
/// `input` is `None` when the file does not exist yet; the bytes are ISO-8859-1.
pub fn set_properties(input: Option<&[u8]>, pairs: &[(&str, &str)]) -> Result<Edit, Error> {
    let data = input.unwrap_or_default();
    let targets = targets(pairs)?;
    let wanted: Vec<Vec<u16>> = targets
        .iter()
        .map(|(k, _)| k.encode_utf16().collect())
        .collect();

    // Every occurrence of every target key, in file order.
    let mut hits: Vec<Vec<Hit>> = vec![Vec::new(); targets.len()];
    let eof = scan(data, |e| {
        if let Some(i) = wanted.iter().position(|w| w.as_slice() == e.key) {
            hits[i].push(Hit {
                start: e.start,
                value_span: e.value_span.clone(),
                needs_separator: e.needs_separator,
                unchanged: e.value.iter().copied().eq(targets[i].1.encode_utf16()),
            });
        }
    })?;

    let mut warnings = Vec::new();
    if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
        warnings.push(
            "the file starts with a UTF-8 byte order mark, which gradle reads as part of the \
             first key; remove the first three bytes"
                .to_owned(),
        );
    }
    let mut lines = LineCounter::default();
    let mut edits: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
    let mut appended: Vec<usize> = Vec::new();
    let mut changed = Vec::new();
    for (i, (key, value)) in targets.iter().enumerate() {
        let Some(last) = hits[i].last() else {
            appended.push(i);
            changed.push((*key).to_owned());
            continue;
        };
        if hits[i].len() > 1 {
            let at: Vec<String> = hits[i]
                .iter()
                .map(|h| lines.line_at(data, h.start).to_string())
                .collect();
            warnings.push(format!(
                "`{key}` is set {} times (lines {}); gradle uses the last one, so only that one is updated",
                hits[i].len(),
                at.join(", ")
            ));
        }
        if last.unchanged {
            continue;
        }
        let mut text = Vec::new();
        if last.needs_separator {
            text.push(b'=');
        }
        text.extend_from_slice(escape_value(value).as_bytes());
        edits.push((last.value_span.clone(), text));
        changed.push((*key).to_owned());
    }

    if changed.is_empty() {
        return Ok(Edit {
            output: data.to_vec(),
            changed,
            warnings,
        });
    }

    edits.sort_by_key(|(span, _)| span.start);
    let mut output = Vec::with_capacity(data.len() + 64 * appended.len());
    let mut pos = 0;
    for (span, text) in &edits {
        output.extend_from_slice(&data[pos..span.start]);
        output.extend_from_slice(text);
        pos = span.end;
    }
    output.extend_from_slice(&data[pos..]);

    if !appended.is_empty() {
        let eol = line_ending(data);
        output.extend_from_slice(&tail_separator(data, eol, eof));
        for i in appended {
            let (key, value) = targets[i];
            output.extend_from_slice(escape_key(key).as_bytes());
            output.push(b'=');
            output.extend_from_slice(escape_value(value).as_bytes());
            output.extend_from_slice(eol);
        }
    }

    // Self-check: what we wrote must read back; a failure here is a bug, never a user error.
    for (key, value) in &targets {
        if read_property(&output, key)?.as_deref() != Some(*value) {
            return Err(Error::ReadBack {
                key: (*key).to_owned(),
            });
        }
    }
    Ok(Edit {
        output,
        changed,
        warnings,
    })
}

/// Removes every occurrence of each key (the whole logical line, continuations and line
/// terminator included): `logout --remove-credentials`. Everything else stays byte-identical;
/// `changed` lists the keys that were present.
pub fn remove_properties(input: &[u8], keys: &[&str]) -> Result<Edit, Error> {
    let wanted: Vec<Vec<u16>> = keys.iter().map(|k| k.encode_utf16().collect()).collect();
    let mut cuts: Vec<Range<usize>> = Vec::new();
    let mut changed: Vec<String> = Vec::new();
    scan(input, |e| {
        if let Some(i) = wanted.iter().position(|w| w.as_slice() == e.key) {
            let mut end = e.value_span.end;
            if input[end..].starts_with(b"\r\n") {
                end += 2;
            } else if matches!(input.get(end), Some(b'\n' | b'\r')) {
                end += 1;
            }
            cuts.push(e.start..end);
            if !changed.iter().any(|c| c == keys[i]) {
                changed.push(keys[i].to_owned());
            }
        }
    })?;
    let mut output = Vec::with_capacity(input.len());
    let mut pos = 0;
    for cut in &cuts {
        output.extend_from_slice(&input[pos..cut.start.max(pos)]);
        pos = pos.max(cut.end);
    }
    output.extend_from_slice(&input[pos..]);

    // Self-check: the keys are gone and every other property reads as before.
    let others = |data: &[u8]| -> Result<Vec<(String, String)>, Error> {
        Ok(parse(data)?
            .into_iter()
            .filter(|p| !keys.contains(&p.key.as_str()))
            .map(|p| (p.key, p.value))
            .collect())
    };
    for key in keys {
        if read_property(&output, key)?.is_some() {
            return Err(Error::ReadBack {
                key: (*key).to_owned(),
            });
        }
    }
    if others(&output)? != others(input)? {
        return Err(Error::ReadBack {
            key: keys.join(", "),
        });
    }
    Ok(Edit {
        output,
        changed,
        warnings: Vec::new(),
    })
}

/// Escapes a value for a properties file: backslash, a leading space (and a leading `=`/`:`),
/// control characters and everything outside printable ASCII (as `\uXXXX`, UTF-16 units).
pub fn escape_value(value: &str) -> String {
    escape(value, false)
}

/// Escapes a key for a properties file: like [`escape_value`], plus every space, `=` and `:`,
/// and a leading `#` or `!`.
pub fn escape_key(key: &str) -> String {
    escape(key, true)
}

fn escape(text: &str, is_key: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, ch) in text.chars().enumerate() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x0c' => out.push_str("\\f"),
            ' ' | '=' | ':' if is_key || i == 0 => {
                out.push('\\');
                out.push(ch);
            }
            '#' | '!' if is_key && i == 0 => {
                out.push('\\');
                out.push(ch);
            }
            ' '..='~' => out.push(ch),
            _ => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
        }
    }
    out
}

/// The pairs to write, validated and with exact duplicates removed.
fn targets<'a>(pairs: &[(&'a str, &'a str)]) -> Result<Vec<(&'a str, &'a str)>, Error> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for &(key, value) in pairs {
        if key.is_empty() {
            return Err(Error::InvalidKey {
                key: key.to_owned(),
                reason: "the name is empty",
            });
        }
        match out.iter().find(|(k, _)| *k == key) {
            Some((_, v)) if *v == value => {}
            Some(_) => {
                return Err(Error::ConflictingValues {
                    key: key.to_owned(),
                });
            }
            None => out.push((key, value)),
        }
    }
    Ok(out)
}

/// The file's line ending: its first line terminator, `\n` when it has none.
fn line_ending(data: &[u8]) -> &'static [u8] {
    crate::text::line_ending(data, true).as_bytes()
}

/// What goes between the original text and appended lines so that the appended lines start a
/// logical line of their own and everything before reads as it did.
fn tail_separator(data: &[u8], eol: &[u8], eof: EofState) -> Vec<u8> {
    let mut sep = Vec::new();
    let ends_with_terminator = matches!(data.last(), Some(b'\n' | b'\r'));
    if !data.is_empty() && !ends_with_terminator {
        sep.extend_from_slice(eol);
    }
    match eof {
        EofState::Closed => {}
        // Java read an empty logical line (key "" = "") from the dangling continuation: keep it
        // by giving that continuation an explicit empty key.
        EofState::Continued { empty_entry: true } => {
            sep.push(b'=');
            sep.extend_from_slice(eol);
        }
        EofState::Continued { empty_entry: false } => {
            // After a continuation any terminator ends the logical line, except a `\n` right
            // after the continuation's own `\r` (that pair is one terminator).
            let only_whitespace_after = !ends_with_terminator && !data.ends_with(b"\\");
            if !only_whitespace_after {
                if data.last() == Some(&b'\r') && eol.first() == Some(&b'\n') {
                    sep.extend_from_slice(eol);
                }
                sep.extend_from_slice(eol);
            }
        }
    }
    sep
}

#[derive(Debug, Clone)]
struct Hit {
    start: usize,
    value_span: Range<usize>,
    needs_separator: bool,
    unchanged: bool,
}

/// One logical line as the scanner hands it out.
struct RawEntry<'a> {
    key: &'a [u16],
    value: &'a [u16],
    /// Byte offset of the logical line's first character.
    start: usize,
    /// Bytes to replace to change the value: from just after the separator (or the key) to the
    /// end of the logical line, without its terminator or a dangling final continuation.
    value_span: Range<usize>,
    /// The line has no separator at all (`key` alone): a new value needs a `=`.
    needs_separator: bool,
}

/// Whether more text appended to the file would be joined to its last logical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EofState {
    Closed,
    Continued { empty_entry: bool },
}

/// Reads every logical line like `Properties.load0` and calls `f` for each property.
fn scan(data: &[u8], mut f: impl FnMut(&RawEntry<'_>)) -> Result<EofState, Error> {
    let mut reader = LineReader {
        data,
        off: 0,
        buf: Vec::new(),
        offs: Vec::new(),
        eof: EofState::Closed,
    };
    let mut key = Vec::new();
    let mut value = Vec::new();
    while let Some(end) = reader.read_line() {
        let buf = &reader.buf;
        let limit = buf.len();
        let mut key_len = 0;
        let mut value_start = limit;
        let mut has_sep = false;
        let mut preceding_backslash = false;
        while key_len < limit {
            let c = buf[key_len];
            if (c == b'=' || c == b':') && !preceding_backslash {
                value_start = key_len + 1;
                has_sep = true;
                break;
            } else if matches!(c, b' ' | b'\t' | b'\x0c') && !preceding_backslash {
                value_start = key_len + 1;
                break;
            }
            preceding_backslash = c == b'\\' && !preceding_backslash;
            key_len += 1;
        }
        while value_start < limit {
            let c = buf[value_start];
            if !matches!(c, b' ' | b'\t' | b'\x0c') {
                if !has_sep && (c == b'=' || c == b':') {
                    has_sep = true;
                } else {
                    break;
                }
            }
            value_start += 1;
        }
        let bad = |i: usize| syntax_error(data, reader.offs[i]);
        convert(&buf[..key_len], &mut key).map_err(bad)?;
        convert(&buf[value_start..], &mut value).map_err(|i| bad(value_start + i))?;
        let start = reader.offs.first().copied().unwrap_or(end);
        let span_start = match value_start.checked_sub(1) {
            Some(i) => reader.offs[i] + 1,
            None => start,
        };
        f(&RawEntry {
            key: &key,
            value: &value,
            start,
            value_span: span_start..end.max(span_start),
            needs_separator: key_len == limit,
        });
    }
    Ok(reader.eof)
}

/// `Properties.loadConvert`: decodes escapes of one key or value. `Err(i)` is the index of the
/// backslash of a malformed `\uXXXX`.
fn convert(raw: &[u8], out: &mut Vec<u16>) -> Result<(), usize> {
    out.clear();
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        i += 1;
        if c != b'\\' {
            out.push(u16::from(c));
            continue;
        }
        // The reader never leaves an unescaped backslash at the end of a key or value (the key
        // stops before an unescaped separator, the line drops a final odd backslash).
        let Some(&e) = raw.get(i) else {
            return Err(i - 1);
        };
        i += 1;
        let decoded = match e {
            b'u' => {
                let digits = raw.get(i..i + 4).ok_or(i - 2)?;
                let mut v: u16 = 0;
                for &d in digits {
                    let n = (d as char).to_digit(16).ok_or(i - 2)?;
                    // Four hex digits fit in u16: n < 16 and v < 0x1000 before the shift.
                    v = (v << 4) | n as u16;
                }
                i += 4;
                v
            }
            b't' => 0x09,
            b'r' => 0x0d,
            b'n' => 0x0a,
            b'f' => 0x0c,
            other => u16::from(other),
        };
        out.push(decoded);
    }
    Ok(())
}

fn syntax_error(data: &[u8], offset: usize) -> Error {
    let line = LineCounter::default().line_at(data, offset);
    let line_start = data[..offset]
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |p| p + 1);
    Error::Syntax {
        line,
        column: offset - line_start + 1,
        message: "malformed \\uxxxx encoding".to_owned(),
    }
}

/// Turns increasing byte offsets into 1-based line numbers in linear total time.
#[derive(Default)]
struct LineCounter {
    pos: usize,
    line: usize,
}

impl LineCounter {
    fn line_at(&mut self, data: &[u8], offset: usize) -> usize {
        if offset < self.pos {
            *self = LineCounter::default();
        }
        for i in self.pos..offset.min(data.len()) {
            match data[i] {
                b'\n' => self.line += 1,
                b'\r' if data.get(i + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
        }
        self.pos = offset;
        self.line + 1
    }
}

/// Port of `Properties.LineReader.readLine` over ISO-8859-1 bytes.
struct LineReader<'a> {
    data: &'a [u8],
    off: usize,
    /// The logical line's characters (escapes still raw) and the byte offset of each.
    buf: Vec<u8>,
    offs: Vec<usize>,
    /// Set when the reader reaches the end of the data.
    eof: EofState,
}

impl LineReader<'_> {
    /// The next logical line into `buf`/`offs`; returns the end of its value span (see
    /// [`RawEntry::value_span`]), or `None` at the end.
    fn read_line(&mut self) -> Option<usize> {
        let data = self.data;
        self.buf.clear();
        self.offs.clear();
        let mut skip_white_space = true;
        let mut appended_line_begin = false;
        let mut preceding_backslash = false;
        // Offset of the terminator of the last continuation, while nothing but skipped
        // whitespace follows it.
        let mut dangling: Option<usize> = None;
        loop {
            let Some(&c) = data.get(self.off) else {
                let continued = preceding_backslash || dangling.is_some();
                if self.buf.is_empty() {
                    // A line returned at the end already recorded the state; keep it.
                    if continued {
                        self.eof = EofState::Continued { empty_entry: false };
                    }
                    return None;
                }
                if preceding_backslash {
                    self.buf.pop();
                    self.offs.pop();
                }
                self.eof = if continued {
                    EofState::Continued {
                        empty_entry: self.buf.is_empty(),
                    }
                } else {
                    EofState::Closed
                };
                return Some(dangling.unwrap_or(data.len()));
            };
            self.off += 1;
            if skip_white_space {
                if matches!(c, b' ' | b'\t' | b'\x0c') {
                    continue;
                }
                if !appended_line_begin && (c == b'\r' || c == b'\n') {
                    continue;
                }
                skip_white_space = false;
                appended_line_begin = false;
            }
            if self.buf.is_empty() && (c == b'#' || c == b'!') {
                while let Some(&b) = data.get(self.off) {
                    self.off += 1;
                    if b == b'\r' || b == b'\n' {
                        break;
                    }
                }
                skip_white_space = true;
                dangling = None;
                continue;
            }
            if c != b'\n' && c != b'\r' {
                self.buf.push(c);
                self.offs.push(self.off - 1);
                preceding_backslash = c == b'\\' && !preceding_backslash;
                dangling = None;
                continue;
            }
            let term = self.off - 1;
            if self.buf.is_empty() {
                skip_white_space = true;
                dangling = None;
                continue;
            }
            if self.off >= data.len() {
                if preceding_backslash {
                    self.buf.pop();
                    self.offs.pop();
                }
                self.eof = if preceding_backslash {
                    EofState::Continued {
                        empty_entry: self.buf.is_empty(),
                    }
                } else {
                    EofState::Closed
                };
                return Some(dangling.unwrap_or(term));
            }
            if !preceding_backslash {
                return Some(dangling.unwrap_or(term));
            }
            self.buf.pop();
            self.offs.pop();
            skip_white_space = true;
            appended_line_begin = true;
            preceding_backslash = false;
            dangling = Some(term);
            if c == b'\r' {
                match data.get(self.off) {
                    None => {
                        self.eof = EofState::Continued {
                            empty_entry: self.buf.is_empty(),
                        };
                        return Some(term);
                    }
                    Some(b'\n') => self.off += 1,
                    Some(_) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(text: &str) -> Vec<(String, String)> {
        parse(text.as_bytes())
            .unwrap()
            .into_iter()
            .map(|p| (p.key, p.value))
            .collect()
    }

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reader_follows_java_properties() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("a=b\n", &[("a", "b")]),
            ("a = b  \n", &[("a", "b  ")]),
            ("a:b", &[("a", "b")]),
            ("a b", &[("a", "b")]),
            ("a \t= : b", &[("a", ": b")]),
            ("  # c\n\t! d\na", &[("a", "")]),
            ("a\\ b=c", &[("a b", "c")]),
            ("a\\=b=c", &[("a=b", "c")]),
            ("a=b\\\n   c\\\r\n d", &[("a", "bcd")]),
            ("# x \\\na=1", &[("a", "1")]),
            ("a=\\u0041\\t\\q", &[("a", "A\tq")]),
            ("a=1\na=2", &[("a", "1"), ("a", "2")]),
            ("a=b\\", &[("a", "b")]),
            ("\\", &[("", "")]),
            ("\\\n", &[("", "")]),
            ("\\\r\n", &[]),
            ("\\\n\n", &[]),
            ("\\\n#x\nb=1", &[("b", "1")]),
            ("a=\\\n\nb=1", &[("a", ""), ("b", "1")]),
            ("a=\\\\\nb", &[("a", "\\"), ("b", "")]),
            ("a\rb\r\nc\n", &[("a", ""), ("b", ""), ("c", "")]),
        ];
        for (text, want) in cases {
            assert_eq!(props(text), kv(want), "{text:?} reads as Java reads it");
        }
    }

    #[test]
    fn malformed_unicode_is_a_syntax_error_with_position() {
        let err = parse(b"a=1\nkey=x\\u12G4\n").unwrap_err();
        match err {
            Error::Syntax { line, column, .. } => assert_eq!((line, column), (2, 6)),
            other => panic!("expected a syntax error, got {other:?}"),
        }
        assert!(
            parse(b"k\\u12=v").is_err(),
            "a short \\u in the key is an error"
        );
    }

    #[test]
    fn editor_table() {
        let cases: &[(&str, &str, &str)] = &[
            ("", "k", "k=T\n"),
            ("a=1", "k", "a=1\nk=T\n"),
            ("a=1\r\n", "k", "a=1\r\nk=T\r\n"),
            ("k : old  \n", "k", "k : T\n"),
            ("k\n", "k", "k=T\n"),
            ("k \n", "k", "k T\n"),
            ("k=a\\\n  b\\\n  c\nz=1\n", "k", "k=T\nz=1\n"),
            ("k=a\\\n\n", "k", "k=T\n\n"),
            ("a=b\\", "k", "a=b\\\n\nk=T\n"),
            ("a=b\\\n", "k", "a=b\\\n\nk=T\n"),
            ("a=b\\\r", "k", "a=b\\\r\rk=T\r"),
            ("a=b\\\n  ", "k", "a=b\\\n  \nk=T\n"),
            ("\\", "k", "\\\n=\nk=T\n"),
            ("# c \\", "k", "# c \\\nk=T\n"),
        ];
        for (input, key, want) in cases {
            let edit = set_properties(Some(input.as_bytes()), &[(key, "T")])
                .unwrap_or_else(|e| panic!("editing {input:?} works: {e}"));
            assert_eq!(
                String::from_utf8_lossy(&edit.output),
                *want,
                "editing {input:?} gives the expected text"
            );
        }
    }

    #[test]
    fn escapes_values_and_keys() {
        assert_eq!(escape_value(" a\\b=c"), "\\ a\\\\b=c");
        assert_eq!(escape_value("é😀\n"), "\\u00E9\\uD83D\\uDE00\\n");
        assert_eq!(escape_value(":x"), "\\:x");
        assert_eq!(escape_key("#a b=c:d"), "\\#a\\ b\\=c\\:d");
    }

    #[test]
    fn unchanged_input_is_returned_byte_for_byte() {
        let input = b"\xEF\xBB\xBFx=1\r\nk=\\u0054\r\n";
        let edit = set_properties(Some(input), &[("k", "T")]).unwrap();
        assert_eq!(edit.output, input, "an equal value leaves the file alone");
        assert!(edit.changed.is_empty(), "nothing is reported as changed");
        assert_eq!(edit.warnings.len(), 1, "the BOM is warned about");
    }

    #[test]
    fn duplicates_are_warned_and_the_last_is_edited() {
        let edit = set_properties(Some(b"k=1\nk=2\n"), &[("k", "T")]).unwrap();
        assert_eq!(edit.output, b"k=1\nk=T\n");
        assert!(
            edit.warnings[0].contains("lines 1, 2"),
            "{:?}",
            edit.warnings
        );
    }

    #[test]
    fn rejects_bad_pairs() {
        assert!(matches!(
            set_properties(None, &[("", "x")]),
            Err(Error::InvalidKey { .. })
        ));
        assert!(matches!(
            set_properties(None, &[("k", "x"), ("k", "y")]),
            Err(Error::ConflictingValues { .. })
        ));
        let edit = set_properties(None, &[("k", "x"), ("k", "x")]).unwrap();
        assert_eq!(
            edit.output, b"k=x\n",
            "an exact duplicate pair is written once"
        );
    }

    #[test]
    fn env_overrides_are_matched_exactly() {
        let env = vec!["nexusPassword".to_owned(), "other".to_owned()];
        assert_eq!(
            overridden_by_env(&["nexusUsername", "nexusPassword", "nexuspassword"], &env),
            vec!["nexusPassword".to_owned()]
        );
    }

    #[test]
    fn keys_for_prefix_follows_gradle_convention() {
        assert_eq!(
            keys_for_prefix("nexus"),
            ("nexusUsername".to_owned(), "nexusPassword".to_owned())
        );
    }

    #[test]
    fn remove_properties_drops_whole_logical_lines_and_nothing_else() {
        let input = b"# keep\r\nnexusUsername = a\\\r\n   b\r\nother=1\r\nnexusPassword:p\r\nnexusUsername=dup";
        let edit = remove_properties(input, &["nexusUsername", "nexusPassword"]).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&edit.output),
            "# keep\r\nother=1\r\n",
            "both occurrences and the continuation line go; the comment and `other` stay"
        );
        assert_eq!(
            edit.changed,
            vec!["nexusUsername".to_owned(), "nexusPassword".to_owned()]
        );
        let again = remove_properties(&edit.output, &["nexusUsername", "nexusPassword"]).unwrap();
        assert!(
            again.changed.is_empty() && again.output == edit.output,
            "a second run changes nothing"
        );
    }
}

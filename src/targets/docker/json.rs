//! A small JSON reader that keeps byte positions: just enough for the Docker config editor to
//! find the span of a member and splice new text into a copy of the original bytes.
//!
//! It accepts what Go's `encoding/json` accepts (the reader of Docker's config.json): strict
//! RFC 8259, no comments, no BOM, no trailing commas. It must not do any I/O, and it never puts
//! a string value from the document into an error (a config may hold credentials).

/// A syntax error at a 1-based line and column (columns count characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Deeper nesting is refused: a config.json needs about four levels.
const MAX_DEPTH: usize = 128;

/// Objects are kept (members, keys, short strings) down to this depth: the top level and its
/// objects (`auths`, `credHelpers`). Deeper ones are checked and skipped, and read on demand with
/// [`object_at`]: the tree then stays small beside a config of any size (linear memory).
const KEEP_DEPTH: usize = 1;

/// The only top-level objects whose members the tree keeps: what the editor looks into. Others
/// (`plugins`, `proxies`, ...) are checked and skipped, whatever their size.
const KEEP_OBJECTS: &[&str] = &["auths", "credHelpers"];

/// Longer strings are checked and skipped (`as_str` is `None`): no helper name, store name or
/// registry key is that long, and a huge value must not be copied.
const MAX_KEPT_STRING: usize = 4096;

/// A value and its byte span `start..end` in the document.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub start: usize,
    pub end: usize,
    pub value: Value,
}

/// What a node holds. Only strings and objects are looked into.
#[derive(Debug, Clone)]
pub(super) enum Value {
    Object(Box<Object>),
    String(Box<str>),
    Other,
}

/// An object: the positions of its braces and its members in order.
#[derive(Debug, Clone)]
pub(super) struct Object {
    /// Position of `{`.
    pub open: usize,
    /// Position of `}`.
    pub close: usize,
    pub members: Vec<Member>,
}

/// One `"key": value` member.
#[derive(Debug, Clone)]
pub(super) struct Member {
    /// The key, unescaped (empty when longer than the tree keeps).
    pub key: Box<str>,
    /// Position of the key's opening quote.
    pub key_start: usize,
    /// Position just after the key's closing quote.
    pub key_end: usize,
    pub value: Node,
}

impl Object {
    /// The last member with `key` (Go's decoder lets the last duplicate win).
    pub(super) fn get(&self, key: &str) -> Option<&Member> {
        self.members.iter().rev().find(|m| &*m.key == key)
    }
}

impl Node {
    pub(super) fn as_object(&self) -> Option<&Object> {
        match &self.value {
            Value::Object(o) => Some(o.as_ref()),
            _ => None,
        }
    }
    pub(super) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Parses a whole document: one value with optional surrounding whitespace.
pub(super) fn parse(bytes: &[u8]) -> Result<Node, SyntaxError> {
    let mut p = Parser {
        b: bytes,
        pos: 0,
        keep_next_object: true,
        skipped_members: 0,
    };
    p.ws();
    let node = p.value(0, true)?;
    p.ws();
    if p.pos != bytes.len() {
        return Err(p.error("unexpected text after the end of the JSON value"));
    }
    Ok(node)
}

/// The object `node` of a document `bytes` (parsed with [`parse`]) with its members, when it is
/// one: for objects deeper than the tree keeps. Positions are the document's.
pub(super) fn object_at(bytes: &[u8], node: &Node) -> Result<Option<Object>, SyntaxError> {
    if let Some(o) = node.as_object() {
        return Ok(Some(o.clone()));
    }
    if bytes.get(node.start) != Some(&b'{') {
        return Ok(None);
    }
    let mut p = Parser {
        b: &bytes[..node.end],
        pos: node.start,
        keep_next_object: true,
        skipped_members: 0,
    };
    Ok(match p.value(0, true)?.value {
        Value::Object(o) => Some(*o),
        _ => None,
    })
}

/// The 1-based line and column of a byte offset.
pub(super) fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Writes `s` as a JSON string literal (quotes included).
pub(super) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Parser<'a> {
    b: &'a [u8],
    pos: usize,
    /// Whether the next object value may be kept (a top-level member not in [`KEEP_OBJECTS`] is
    /// not).
    keep_next_object: bool,
    /// The member count of the last object checked without keeping it.
    skipped_members: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> SyntaxError {
        let (line, column) = line_column(self.b, self.pos);
        SyntaxError {
            line,
            column,
            message: message.to_owned(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// One value; `keep`: whether its container is kept (else it is only checked).
    fn value(&mut self, depth: usize, keep: bool) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error("the JSON nests too deeply"));
        }
        let start = self.pos;
        let value = match self.peek() {
            Some(b'{') if keep && depth <= KEEP_DEPTH && self.keep_next_object => {
                Value::Object(Box::new(self.object(depth, true)?))
            }
            Some(b'{') => {
                self.object(depth, false)?;
                Value::Other
            }
            Some(b'[') => {
                self.array(depth)?;
                Value::Other
            }
            Some(b'"') => self
                .string(keep)?
                .map_or(Value::Other, |s| Value::String(s.into_boxed_str())),
            Some(b't') => self.literal("true")?,
            Some(b'f') => self.literal("false")?,
            Some(b'n') => self.literal("null")?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("expected a JSON value")),
            None => return Err(self.error("unexpected end of the file, expected a JSON value")),
        };
        Ok(Node {
            start,
            end: self.pos,
            value,
        })
    }

    fn literal(&mut self, word: &str) -> Result<Value, SyntaxError> {
        if self.b[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Value::Other)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number: digits expected after `.`"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number: digits expected in the exponent"));
            }
        }
        Ok(Value::Other)
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self
            .b
            .get(self.pos..self.pos + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok().filter(|_| h.len() == 4));
        match digits {
            Some(v)
                if self.b[self.pos..self.pos + 4]
                    .iter()
                    .all(u8::is_ascii_hexdigit) =>
            {
                self.pos += 4;
                Ok(v)
            }
            _ => Err(self.error("invalid `\\u` escape in a string")),
        }
    }

    /// A string, unescaped when `keep` and not longer than [`MAX_KEPT_STRING`]; else only
    /// checked (`None`).
    fn string(&mut self, mut keep: bool) -> Result<Option<String>, SyntaxError> {
        let from = self.pos;
        self.pos += 1; // the opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error("unexpected end of the file inside a string"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.error("unexpected end of the file inside a string"));
                    };
                    self.pos += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi)
                                && self.b[self.pos..].starts_with(b"\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    self.pos = save;
                                    0xFFFD
                                }
                            } else {
                                hi
                            };
                            char::from_u32(code).unwrap_or('\u{FFFD}')
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.error("invalid escape in a string"));
                        }
                    };
                    if keep {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
                0x00..=0x1F => {
                    return Err(self.error("control character inside a string"));
                }
                _ => {
                    if keep {
                        out.push(b);
                    }
                    self.pos += 1;
                }
            }
            if keep && out.len() > MAX_KEPT_STRING {
                keep = false;
                out = Vec::new();
            }
        }
        if keep {
            return String::from_utf8(out)
                .map(Some)
                .map_err(|_| self.error("a string is not valid UTF-8"));
        }
        // Escapes are ASCII: the raw bytes are valid UTF-8 exactly when the text is.
        match std::str::from_utf8(&self.b[from + 1..self.pos - 1]) {
            Ok(_) => Ok(None),
            Err(_) => Err(self.error("a string is not valid UTF-8")),
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), SyntaxError> {
        self.pos += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.ws();
            self.value(depth + 1, false)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error("expected `,` or `]` in an array")),
            }
        }
    }

    /// An object; its members are kept only when `keep` (else it is only checked).
    fn object(&mut self, depth: usize, keep: bool) -> Result<Object, SyntaxError> {
        let open = self.pos;
        // A kept object is checked once first, for its member count: the members then take
        // exactly their room (no doubling while growing, which would cost up to 3x their size).
        let mut members = if keep {
            self.object(depth, false)?;
            self.pos = open;
            Vec::with_capacity(self.skipped_members)
        } else {
            Vec::new()
        };
        let mut count = 0;
        self.pos += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            let close = self.pos;
            self.pos += 1;
            self.skipped_members = 0;
            return Ok(Object {
                open,
                close,
                members,
            });
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a `\"key\"` in an object"));
            }
            let key_start = self.pos;
            let key = self.string(keep)?.unwrap_or_default().into_boxed_str();
            let key_end = self.pos;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:` after an object key"));
            }
            self.pos += 1;
            self.ws();
            self.keep_next_object = depth > 0 || KEEP_OBJECTS.contains(&&*key);
            let value = self.value(depth + 1, keep)?;
            self.keep_next_object = true;
            count += 1;
            self.ws();
            match self.peek() {
                Some(b',') if !keep => self.pos += 1,
                Some(b',') => {
                    members.push(Member {
                        key,
                        key_start,
                        key_end,
                        value,
                    });
                    self.pos += 1;
                }
                Some(b'}') => {
                    if keep {
                        members.push(Member {
                            key,
                            key_start,
                            key_end,
                            value,
                        });
                    }
                    let close = self.pos;
                    self.pos += 1;
                    self.skipped_members = count;
                    return Ok(Object {
                        open,
                        close,
                        members,
                    });
                }
                _ => return Err(self.error("expected `,` or `}` in an object")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_the_members() {
        let text = b"{\n\t\"a\": 1,\n\t\"auths\": {\"c\": \"d\\u00e9\"}\n}";
        let root = parse(text).unwrap();
        let obj = root.as_object().unwrap();
        assert_eq!(obj.members.len(), 2, "both members are found");
        let b = obj.get("auths").unwrap();
        assert_eq!(&text[b.value.start..b.value.end], b"{\"c\": \"d\\u00e9\"}");
        let c = b.value.as_object().unwrap().get("c").unwrap();
        assert_eq!(c.value.as_str(), Some("d\u{e9}"), "escapes are decoded");
        assert_eq!(
            (obj.members[0].value.start, obj.members[0].value.end),
            (8, 9),
            "the span of `1`"
        );
    }

    #[test]
    fn only_what_the_editor_reads_is_kept_and_the_rest_is_read_on_demand() {
        let long = "x".repeat(MAX_KEPT_STRING + 1);
        let text = format!(
            "{{\"plugins\": {{\"p\": {{\"q\": 1}}}}, \"auths\": {{\"h\": {{\"auth\": \"YTpi\"}}}}, \"big\": \"{long}\", \"credsStore\": \"pass\"}}"
        );
        let root = parse(text.as_bytes()).unwrap();
        let obj = root.as_object().unwrap();
        assert!(
            obj.get("plugins").unwrap().value.as_object().is_none(),
            "an object the editor does not read is skipped"
        );
        assert!(
            obj.get("big").unwrap().value.as_str().is_none(),
            "a huge string is skipped"
        );
        assert_eq!(obj.get("credsStore").unwrap().value.as_str(), Some("pass"));
        let auths = obj.get("auths").unwrap().value.as_object().unwrap();
        let entry = &auths.get("h").unwrap().value;
        assert!(entry.as_object().is_none(), "the third level is not kept");
        let read = object_at(text.as_bytes(), entry).unwrap().unwrap();
        assert_eq!(read.get("auth").unwrap().value.as_str(), Some("YTpi"));
        assert_eq!(
            &text.as_bytes()[read.open..=read.close],
            b"{\"auth\": \"YTpi\"}",
            "read on demand, with the document's positions"
        );
        assert!(
            parse(b"{\"plugins\": {\"p\": [1, \"\xff\"]}}").is_err(),
            "a skipped part is still checked"
        );
    }

    #[test]
    fn malformed_json_is_refused_with_line_and_column() {
        for (text, line, column) in [
            (&b"{\n  \"a\": 1,\n}"[..], 3, 1),
            (b"{\"a\" 1}", 1, 6),
            (b"{\"a\": tru}", 1, 7),
            (b"{} x", 1, 4),
            (b"\xEF\xBB\xBF{}", 1, 1),
            (b"{\"a\": \"x", 1, 9),
            (b"// c\n{}", 1, 1),
            (b"", 1, 1),
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(
                (err.line, err.column),
                (line, column),
                "the error for {:?} points at the offending character: {err}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn quote_escapes_what_json_needs() {
        assert_eq!(quote("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"");
    }
}

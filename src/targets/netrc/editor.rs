//! `.netrc` editor: pure functions over bytes, no I/O and no environment access.
//!
//! The reader splits the file into whitespace-separated tokens with their byte spans, the way
//! both curl (`lib/netrc.c`) and Python's `netrc` module read it: `machine NAME`, `default`,
//! `login`/`user`, `password`, `account`, `macdef NAME` followed by a body that runs to the next
//! empty line, `#` comments, and `"quoted"` tokens with backslash escapes. The writer changes only
//! the login and password values of the first block for a host (curl takes the first, Python the
//! last: duplicates are removed, with a warning), or adds one `machine HOST login L password P`
//! line before a `default` entry (which must stay last) or at the end, in the file's line
//! ending. Other machines, macro bodies, comments, spacing and line endings stay byte-identical.
//!
//! It must not read files, print, or put a login or password value into an error or a warning.

use crate::text::splice;
use std::ops::Range;

/// Why a netrc file could not be read or edited. Never contains a credential value.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file cannot be read as a netrc file (what Python's `netrc` module would refuse).
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
    /// A value cannot be written as a netrc token that curl and Python both read back unchanged.
    #[error("the {field} cannot be written to a netrc file: {reason}")]
    InvalidValue {
        field: &'static str,
        reason: &'static str,
    },
}

/// The result of [`set`] and [`remove`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The new file content; equal to the input when `changed` is false.
    pub output: Vec<u8>,
    /// Whether the bytes differ from the input.
    pub changed: bool,
    /// Things the user should know (duplicate blocks); they name hosts and lines, never values.
    pub warnings: Vec<String>,
}

/// One token: its bytes in the file and its value as the readers see it.
#[derive(Debug, Clone)]
struct Tok {
    span: Range<usize>,
    /// The value with quotes and escapes resolved (Python's reading).
    text: Vec<u8>,
    quoted: bool,
}

impl Tok {
    fn is(&self, word: &str) -> bool {
        !self.quoted && self.text == word.as_bytes()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Login,
    Password,
    Account,
}

/// A `key value` pair inside an entry.
#[derive(Debug, Clone)]
struct Field {
    key: Key,
    key_tok: Tok,
    value: Tok,
}

/// A `machine NAME ...` or `default ...` entry.
#[derive(Debug, Clone)]
struct Entry {
    /// The `machine` or `default` keyword.
    start: Tok,
    /// The machine name; `None` for `default`.
    name: Option<Tok>,
    fields: Vec<Field>,
    /// End of the last token of the entry.
    end: usize,
}

/// A `macdef NAME` with its body.
#[derive(Debug, Clone)]
struct Macro {
    /// Where `macdef` starts.
    start: usize,
    /// Whether the body reaches the end of the file without an empty line.
    unterminated: bool,
}

#[derive(Debug, Clone)]
enum Item {
    Entry(Entry),
    Macro(Macro),
}

/// Start offsets of every item, in order (to cut entries that share a line with the next).
fn item_starts(items: &[Item]) -> Vec<usize> {
    items
        .iter()
        .map(|i| match i {
            Item::Entry(e) => e.start.span.start,
            Item::Macro(m) => m.start,
        })
        .collect()
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn line_of(input: &[u8], pos: usize) -> usize {
    input[..pos.min(input.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Lexer<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.input.len() && is_ws(self.input[self.pos]) {
            self.pos += 1;
        }
    }

    /// The next token, or `None` at the end of the file.
    fn next(&mut self) -> Result<Option<Tok>, Error> {
        self.skip_ws();
        let input = self.input;
        let start = self.pos;
        if start >= input.len() {
            return Ok(None);
        }
        let mut text = Vec::new();
        if input[start] == b'"' {
            let mut i = start + 1;
            loop {
                match input.get(i) {
                    None => {
                        return Err(Error::Syntax {
                            line: line_of(input, start),
                            message: "a quoted token has no closing `\"`".into(),
                        });
                    }
                    Some(b'"') => {
                        self.pos = i + 1;
                        return Ok(Some(Tok {
                            span: start..i + 1,
                            text,
                            quoted: true,
                        }));
                    }
                    Some(b'\\') => {
                        if let Some(&c) = input.get(i + 1) {
                            text.push(c);
                        }
                        i += 2;
                    }
                    Some(&c) => {
                        text.push(c);
                        i += 1;
                    }
                }
            }
        }
        let mut i = start;
        while i < input.len() && !is_ws(input[i]) {
            if input[i] == b'\\' {
                if let Some(&c) = input.get(i + 1) {
                    text.push(c);
                }
                i += 2;
            } else {
                text.push(input[i]);
                i += 1;
            }
        }
        let end = i.min(input.len());
        self.pos = end;
        Ok(Some(Tok {
            span: start..end,
            text,
            quoted: false,
        }))
    }

    fn peek(&mut self) -> Result<Option<Tok>, Error> {
        let saved = self.pos;
        let tok = self.next();
        self.pos = saved;
        tok
    }

    /// Moves past the end of the current line.
    fn skip_line(&mut self) {
        while self.pos < self.input.len() {
            let b = self.input[self.pos];
            self.pos += 1;
            if b == b'\n' {
                break;
            }
        }
    }
}

/// Whether more than blanks follow `pos` on its line.
fn words_follow(input: &[u8], pos: usize) -> bool {
    input[pos..]
        .iter()
        .take_while(|&&b| b != b'\n')
        .any(|&b| !is_ws(b))
}

/// The items, and the lines of comments that Python's netrc (3.11 and later) misreads: it
/// skips the rest of a comment's line only for a lone `#` at the top level, or inside an entry
/// for a comment on the line of the entry's previous token; otherwise it reads the words after
/// the `#` as tokens and refuses the whole file (pip then ignores it without a word).
fn parse_with_notes(input: &[u8]) -> Result<(Vec<Item>, Vec<usize>), Error> {
    let mut lx = Lexer { input, pos: 0 };
    let mut items = Vec::new();
    let mut python_misreads = Vec::new();
    // Where Python's lexer stands after the last top-level item (for its line count).
    let mut top_prev = 0;
    while let Some(tok) = lx.next()? {
        if !tok.quoted && tok.text.first() == Some(&b'#') {
            let crossed = input[top_prev.min(tok.span.start)..tok.span.start].contains(&b'\n');
            if (tok.text.len() > 1 || crossed) && words_follow(input, tok.span.end) {
                python_misreads.push(line_of(input, tok.span.start));
            }
            lx.skip_line();
            top_prev = lx.pos;
            continue;
        }
        if tok.is("macdef") {
            let Some(_name) = lx.next()? else {
                return Err(Error::Syntax {
                    line: line_of(input, tok.span.start),
                    message: "`macdef` has no name".into(),
                });
            };
            // The body starts on the next line and ends with the first empty line.
            lx.skip_line();
            let mut unterminated = true;
            while lx.pos < input.len() {
                let line_start = lx.pos;
                lx.skip_line();
                let line = &input[line_start..lx.pos];
                if line == b"\n" || line == b"\r\n" {
                    unterminated = false;
                    break;
                }
            }
            items.push(Item::Macro(Macro {
                start: tok.span.start,
                unterminated,
            }));
            top_prev = lx.pos;
            continue;
        }
        let name = if tok.is("machine") {
            match lx.next()? {
                Some(name) => Some(name),
                None => {
                    return Err(Error::Syntax {
                        line: line_of(input, tok.span.start),
                        message: "`machine` has no name".into(),
                    });
                }
            }
        } else if tok.is("default") {
            None
        } else {
            return Err(Error::Syntax {
                line: line_of(input, tok.span.start),
                message: "expected `machine`, `default` or `macdef` (Python's netrc refuses \
                          anything else here)"
                    .into(),
            });
        };
        let mut end = name.as_ref().map_or(tok.span.end, |n| n.span.end);
        // Python's lexer consumed the character after a token: it counts lines from there.
        let mut prev_end = end + 1;
        let mut fields = Vec::new();
        while let Some(next) = lx.peek()? {
            if !next.quoted && next.text.first() == Some(&b'#') {
                let from = prev_end.min(next.span.start);
                let own_line = input[from..next.span.start].contains(&b'\n');
                if own_line && words_follow(input, next.span.end) {
                    python_misreads.push(line_of(input, next.span.start));
                }
                lx.next()?;
                lx.skip_line();
                prev_end = lx.pos;
                continue;
            }
            if next.is("machine") || next.is("default") || next.is("macdef") {
                break;
            }
            let key = if next.is("login") || next.is("user") {
                Key::Login
            } else if next.is("password") {
                Key::Password
            } else if next.is("account") {
                Key::Account
            } else {
                return Err(Error::Syntax {
                    line: line_of(input, next.span.start),
                    message: "expected `login`, `password` or `account` in a machine entry \
                              (Python's netrc refuses anything else)"
                        .into(),
                });
            };
            lx.next()?;
            let Some(value) = lx.next()? else {
                return Err(Error::Syntax {
                    line: line_of(input, next.span.start),
                    message: "a key at the end of the file has no value".into(),
                });
            };
            end = value.span.end;
            prev_end = end + 1;
            fields.push(Field {
                key,
                key_tok: next,
                value,
            });
        }
        items.push(Item::Entry(Entry {
            start: tok,
            name,
            fields,
            end,
        }));
    }
    Ok((items, python_misreads))
}

fn parse(input: &[u8]) -> Result<Vec<Item>, Error> {
    Ok(parse_with_notes(input)?.0)
}

/// A warning when Python's netrc would refuse `output` because of a comment.
fn python_comment_warning(output: &[u8]) -> Option<String> {
    let (_, lines) = parse_with_notes(output).ok()?;
    if lines.is_empty() {
        return None;
    }
    let lines: Vec<String> = lines.iter().map(usize::to_string).collect();
    Some(format!(
        "Python's netrc (3.11 and later, used by pip) cannot read the comment on line {}: it \
         reads the words after `#` as tokens and then ignores the whole file; write `#` comments \
         right below a value line, or at the end of one",
        lines.join(", ")
    ))
}

fn host_matches(entry: &Entry, host: &str) -> bool {
    entry
        .name
        .as_ref()
        .is_some_and(|n| n.text.eq_ignore_ascii_case(host.as_bytes()))
}

fn entries_for<'i>(items: &'i [Item], host: &str) -> Vec<&'i Entry> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Entry(e) if host_matches(e, host) => Some(e),
            _ => None,
        })
        .collect()
}

/// Checks that `value` can be written as a bare netrc token that curl and Python's `netrc`
/// both read back unchanged.
pub fn validate_token(field: &'static str, value: &str) -> Result<(), Error> {
    let invalid = |reason| Err(Error::InvalidValue { field, reason });
    if value.is_empty() {
        return invalid("it is empty");
    }
    if value.chars().any(char::is_whitespace) {
        return invalid("it contains whitespace, which separates netrc tokens");
    }
    if value.chars().any(char::is_control) {
        return invalid("it contains a control character");
    }
    if value.contains('"') {
        return invalid("it contains `\"`, which netrc readers take as a quote");
    }
    if value.contains('\\') {
        return invalid(
            "it contains `\\`, which Python's netrc reads as an escape and curl does not",
        );
    }
    if value.starts_with('#') {
        return invalid("it starts with `#`, which curl reads as a comment at the start of a line");
    }
    Ok(())
}

/// The line ending the file uses (that of its first line), `\n` for a new file.
fn line_ending(input: &[u8]) -> &'static str {
    crate::text::line_ending(input, false)
}

fn line_start(input: &[u8], pos: usize) -> usize {
    input[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1)
}

fn only_blanks(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == b' ' || b == b'\t')
}

/// The bytes an entry occupies, for removal: whole lines when it has its lines to itself.
fn entry_cut(input: &[u8], entry: &Entry, next_start: Option<usize>) -> Range<usize> {
    let first = entry.start.span.start;
    let ls = line_start(input, first);
    let start = if only_blanks(&input[ls..first]) {
        ls
    } else {
        first
    };
    // Up to the next item when it shares the line, else through the end of the line.
    let mut end = entry.end;
    let line_end = input[end..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(input.len(), |p| end + p + 1);
    match next_start {
        Some(n) if n < line_end => end = n,
        _ => {
            let rest = &input[end..line_end];
            let rest_trimmed = rest
                .strip_suffix(b"\n")
                .map(|r| r.strip_suffix(b"\r").unwrap_or(r))
                .unwrap_or(rest);
            // A trailing `# comment` belongs to the removed line.
            let first_word = rest_trimmed.iter().find(|&&b| b != b' ' && b != b'\t');
            if first_word.is_none_or(|&b| b == b'#') {
                end = line_end;
            }
        }
    }
    start..end
}

/// Sets the login and password for `host`. `current` is `None` when the file does not exist.
///
/// An existing block for the host (matched ASCII case-insensitively, as curl does) keeps its
/// place and spacing: only the values change (missing keys are added after the machine name or
/// the last value). Further blocks for the host are removed, with a warning. Otherwise
/// `machine HOST login L password P` is added before a `default` entry, else at the end.
pub fn set(current: Option<&[u8]>, host: &str, login: &str, password: &str) -> Result<Edit, Error> {
    validate_token("host", host)?;
    validate_token("login", login)?;
    validate_token("password", password)?;
    let input = current.unwrap_or_default();
    let items = parse(input)?;
    let starts = item_starts(&items);
    let nl = line_ending(input);
    let all = entries_for(&items, host);
    let mut edits: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
    let mut warnings = Vec::new();

    // curl stops at `default`: a block after it is never used by curl, so it goes.
    let default_start = items.iter().find_map(|i| match i {
        Item::Entry(e) if e.name.is_none() => Some(e.start.span.start),
        _ => None,
    });
    let (matching, stranded): (Vec<&Entry>, Vec<&Entry>) = all
        .into_iter()
        .partition(|e| default_start.is_none_or(|d| e.start.span.start < d));
    if !stranded.is_empty() {
        let mut lines = Vec::new();
        for e in &stranded {
            let next = starts.iter().copied().find(|&s| s > e.start.span.start);
            edits.push((entry_cut(input, e, next), Vec::new()));
            lines.push(line_of(input, e.start.span.start).to_string());
        }
        warnings.push(format!(
            "the block for `{host}` on line {} came after the `default` entry, where curl never \
             looks; it was removed and the block before `default` holds the token",
            lines.join(", ")
        ));
    }

    match matching.first() {
        None => {
            let block = format!("machine {host} login {login} password {password}");
            let default = items.iter().find_map(|i| match i {
                Item::Entry(e) if e.name.is_none() => Some(e),
                _ => None,
            });
            match default {
                Some(d) => {
                    let at = d.start.span.start;
                    let ls = line_start(input, at);
                    let text = if only_blanks(&input[ls..at]) {
                        format!("{block}{nl}")
                    } else {
                        format!("{nl}{block}{nl}")
                    };
                    let at = if only_blanks(&input[ls..at]) { ls } else { at };
                    edits.push((at..at, text.into_bytes()));
                }
                None => {
                    let mut text = String::new();
                    if !input.is_empty() && !input.ends_with(b"\n") {
                        text.push_str(nl);
                    }
                    let open_macro = matches!(items.last(), Some(Item::Macro(m)) if m.unterminated);
                    if open_macro {
                        // A macro body runs to the next empty line: end it first.
                        text.push_str(nl);
                    }
                    text.push_str(&block);
                    text.push_str(nl);
                    edits.push((input.len()..input.len(), text.into_bytes()));
                }
            }
        }
        Some(first) => {
            if let Some(name) = &first.name {
                let raw = &input[name.span.clone()];
                if name.quoted || raw != host.as_bytes() {
                    edits.push((name.span.clone(), host.as_bytes().to_vec()));
                    warnings.push(format!(
                        "the machine name on line {} was written as `{host}`: Python's netrc \
                         matches only the exact spelling",
                        line_of(input, name.span.start)
                    ));
                }
            }
            let mut has_login = false;
            let mut has_password = false;
            let mut last_end = first
                .name
                .as_ref()
                .map_or(first.start.span.end, |n| n.span.end);
            for f in &first.fields {
                last_end = f.value.span.end;
                let (value, is_login) = match f.key {
                    Key::Login => (login, true),
                    Key::Password => (password, false),
                    Key::Account => continue,
                };
                if is_login {
                    has_login = true;
                    // Python also reads `user`; curl only `login`.
                    if !f.key_tok.is("login") {
                        edits.push((f.key_tok.span.clone(), b"login".to_vec()));
                    }
                } else {
                    has_password = true;
                }
                let raw = &input[f.value.span.clone()];
                if f.value.quoted || raw != value.as_bytes() {
                    edits.push((f.value.span.clone(), value.as_bytes().to_vec()));
                }
            }
            let name_end = first
                .name
                .as_ref()
                .map_or(first.start.span.end, |n| n.span.end);
            if !has_login {
                edits.push((name_end..name_end, format!(" login {login}").into_bytes()));
            }
            if !has_password {
                let at = if has_login { last_end } else { name_end };
                edits.push((at..at, format!(" password {password}").into_bytes()));
            }
            if matching.len() > 1 {
                let mut lines = Vec::new();
                for dup in &matching[1..] {
                    let next = starts.iter().copied().find(|&s| s > dup.start.span.start);
                    edits.push((entry_cut(input, dup, next), Vec::new()));
                    lines.push(line_of(input, dup.start.span.start).to_string());
                }
                warnings.push(format!(
                    "`{host}` had {} machine blocks (the first on line {}, others on lines {}); \
                     curl reads the first and Python the last, so the first was updated and \
                     the others removed",
                    matching.len(),
                    line_of(input, first.start.span.start),
                    lines.join(", ")
                ));
            }
        }
    }
    let output = splice(input, edits);
    let changed = current != Some(output.as_slice());
    warnings.extend(python_comment_warning(&output));
    Ok(Edit {
        output,
        changed,
        warnings,
    })
}

/// The login and password of the first block for `host` (curl's choice; `set` leaves only one),
/// as the readers see them. `None` when there is no such block; a missing key reads as empty.
pub fn read(input: &[u8], host: &str) -> Result<Option<(String, String)>, Error> {
    let items = parse(input)?;
    let Some(entry) = entries_for(&items, host).into_iter().next() else {
        return Ok(None);
    };
    let mut login = String::new();
    let mut password = String::new();
    for f in &entry.fields {
        let text = String::from_utf8_lossy(&f.value.text).into_owned();
        match f.key {
            Key::Login => login = text,
            Key::Password => password = text,
            Key::Account => {}
        }
    }
    Ok(Some((login, password)))
}

/// Whether the file has a `machine` block for `host` (discovery).
pub fn has_machine(input: &[u8], host: &str) -> Result<bool, Error> {
    Ok(!entries_for(&parse(input)?, host).is_empty())
}

/// Removes every `machine` block for `host` (`logout --remove-credentials`), with the lines it
/// had to itself. Everything else stays byte-identical.
pub fn remove(input: &[u8], host: &str) -> Result<Edit, Error> {
    let items = parse(input)?;
    let starts = item_starts(&items);
    let edits: Vec<(Range<usize>, Vec<u8>)> = entries_for(&items, host)
        .into_iter()
        .map(|e| {
            let next = starts.iter().copied().find(|&s| s > e.start.span.start);
            (entry_cut(input, e, next), Vec::new())
        })
        .collect();
    let output = splice(input, edits);
    let changed = output != input;
    let warnings = python_comment_warning(&output).into_iter().collect();
    Ok(Edit {
        output,
        changed,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "nexus.example.com";

    fn set_ok(input: &str) -> Edit {
        set(Some(input.as_bytes()), H, "NAME", "PASS").expect("the file is accepted")
    }

    fn out(edit: &Edit) -> &str {
        std::str::from_utf8(&edit.output).expect("utf-8")
    }

    #[test]
    fn a_missing_file_gets_one_line() {
        let e = set(None, H, "NAME", "PASS").unwrap();
        assert_eq!(
            out(&e),
            "machine nexus.example.com login NAME password PASS\n"
        );
        assert!(e.changed);
    }

    #[test]
    fn values_are_replaced_in_place_keeping_layout() {
        let cases = [
            (
                "machine nexus.example.com login old password oldpw\n",
                "machine nexus.example.com login NAME password PASS\n",
            ),
            (
                "machine nexus.example.com\n\tlogin old\n\tpassword   \"old pw\"\n\taccount x\n",
                "machine nexus.example.com\n\tlogin NAME\n\tpassword   PASS\n\taccount x\n",
            ),
            (
                "machine nexus.example.com user old password p\n",
                "machine nexus.example.com login NAME password PASS\n",
            ),
            (
                "machine nexus.example.com password p\n",
                "machine nexus.example.com login NAME password PASS\n",
            ),
            (
                "machine nexus.example.com login old\n",
                "machine nexus.example.com login NAME password PASS\n",
            ),
            (
                "machine nexus.example.com\n",
                "machine nexus.example.com login NAME password PASS\n",
            ),
        ];
        for (input, expected) in cases {
            let e = set_ok(input);
            assert_eq!(out(&e), expected, "input:\n{input}");
            assert!(e.warnings.is_empty());
        }
    }

    #[test]
    fn a_machine_name_in_another_spelling_is_rewritten_with_a_warning() {
        let e = set_ok("machine NEXUS.example.com login a password b\n");
        assert_eq!(
            out(&e),
            "machine nexus.example.com login NAME password PASS\n"
        );
        assert_eq!(e.warnings.len(), 1, "one warning about the spelling");
    }

    #[test]
    fn a_block_after_default_moves_before_it_with_a_warning() {
        let e =
            set_ok("default login anon password x\nmachine nexus.example.com login a password b\n");
        assert_eq!(
            out(&e),
            "machine nexus.example.com login NAME password PASS\ndefault login anon password x\n"
        );
        assert_eq!(e.warnings.len(), 1, "{:?}", e.warnings);
        assert!(e.warnings[0].contains("after the `default` entry"));
        let again = set(Some(&e.output), H, "NAME", "PASS").unwrap();
        assert!(!again.changed && again.warnings.is_empty());
    }

    #[test]
    fn a_new_block_goes_before_default_and_in_the_file_line_ending() {
        let e = set_ok("machine a login x password y\r\ndefault login anon password z\r\n");
        assert_eq!(
            out(&e),
            "machine a login x password y\r\nmachine nexus.example.com login NAME password PASS\r\ndefault login anon password z\r\n"
        );
        let e = set_ok("machine a login x password y default login anon");
        assert_eq!(
            out(&e),
            "machine a login x password y \nmachine nexus.example.com login NAME password PASS\ndefault login anon"
        );
    }

    #[test]
    fn a_new_block_is_appended_with_a_line_ending_first_when_missing() {
        let e = set_ok("machine a login x password y");
        assert_eq!(
            out(&e),
            "machine a login x password y\nmachine nexus.example.com login NAME password PASS\n"
        );
    }

    #[test]
    fn an_open_macro_body_is_closed_before_appending() {
        let e = set_ok("macdef init\ncd /pub\n");
        assert_eq!(
            out(&e),
            "macdef init\ncd /pub\n\nmachine nexus.example.com login NAME password PASS\n"
        );
        assert!(has_machine(&e.output, H).unwrap());
    }

    #[test]
    fn macro_bodies_are_not_read_as_tokens() {
        let input = "macdef x\nmachine nexus.example.com login evil password evil\n\nmachine b login c password d\n";
        assert!(
            !has_machine(input.as_bytes(), H).unwrap(),
            "a macro body is not an entry"
        );
        let e = set_ok(input);
        assert!(out(&e).starts_with(input), "the macro body is untouched");
    }

    #[test]
    fn duplicates_keep_the_first_and_warn() {
        let input = "machine nexus.example.com login a password b # keep me\nmachine other login o password p\nmachine nexus.example.com\n  login c\n  password d\n\nmachine z login z password z\n";
        let e = set_ok(input);
        assert_eq!(
            out(&e),
            "machine nexus.example.com login NAME password PASS # keep me\nmachine other login o password p\n\nmachine z login z password z\n"
        );
        assert_eq!(e.warnings.len(), 1);
        assert!(e.warnings[0].contains("curl reads the first and Python the last"));
        assert!(!e.warnings[0].contains("PASS") && !e.warnings[0].contains("NAME"));
    }

    #[test]
    fn a_second_run_changes_nothing() {
        for input in [
            "",
            "machine a login b password c\n",
            "default login x password y",
        ] {
            let first = set_ok(input);
            let second = set(Some(&first.output), H, "NAME", "PASS").unwrap();
            assert!(!second.changed, "second run on {input:?}");
            assert_eq!(second.output, first.output);
        }
    }

    #[test]
    fn comments_python_cannot_read_are_warned_about() {
        let e =
            set_ok("# top ok\nmachine a login b password c\n# ok\n\n# not ok for python\n#fine\n");
        assert_eq!(e.warnings.len(), 1, "{:?}", e.warnings);
        assert!(e.warnings[0].contains("line 5"), "{:?}", e.warnings);
        let e = set_ok("#not ok at the top\nmachine a login b password c # ok\n");
        assert!(e.warnings[0].contains("line 1"), "{:?}", e.warnings);
    }

    #[test]
    fn comments_are_skipped_and_kept() {
        let input = "# machine nexus.example.com login no password no\nmachine nexus.example.com # note\n  login a password b\n";
        let e = set_ok(input);
        assert_eq!(
            out(&e),
            "# machine nexus.example.com login no password no\nmachine nexus.example.com # note\n  login NAME password PASS\n"
        );
    }

    #[test]
    fn read_resolves_quotes_and_takes_the_first_block() {
        let input = br#"machine h login "a b" password "p\"q"
machine h login second password second
"#;
        assert_eq!(
            read(input, "h").unwrap(),
            Some(("a b".to_owned(), "p\"q".to_owned()))
        );
        assert_eq!(read(input, "other").unwrap(), None);
    }

    #[test]
    fn invalid_values_are_refused_without_echoing_them() {
        for (login, password) in [
            ("NAME", "a b"),
            ("NAME", "a\"b"),
            ("NAME", "a\\b"),
            ("NAME", "#ab"),
            ("NAME", ""),
            ("NA\tME", "x"),
            ("NAME", "a\nb"),
        ] {
            let err = set(None, H, login, password).unwrap_err();
            assert!(matches!(err, Error::InvalidValue { .. }), "{err}");
            let msg = err.to_string();
            assert!(password.is_empty() || !msg.contains(password));
        }
        assert!(set(None, "bad host", "a", "b").is_err());
    }

    #[test]
    fn malformed_files_are_refused_with_a_line() {
        for (input, line) in [
            ("machine a login b\nbogus x\n", 2),
            ("machine a login \"b", 1),
            ("machine", 1),
            ("\n\nmachine a login b password", 3),
        ] {
            match set(Some(input.as_bytes()), H, "a", "b") {
                Err(Error::Syntax { line: got, .. }) => assert_eq!(got, line, "{input:?}"),
                other => panic!("{input:?} is refused, got {other:?}"),
            }
        }
    }

    #[test]
    fn remove_takes_out_the_blocks_lines_only() {
        let input = "machine a login x password y\nmachine nexus.example.com\n  login n\n  password p\n# after\ndefault login d\n";
        let e = remove(input.as_bytes(), H).unwrap();
        assert_eq!(
            out(&e),
            "machine a login x password y\n# after\ndefault login d\n"
        );
        assert!(e.changed);
        let again = remove(&e.output, H).unwrap();
        assert!(!again.changed);
        let commented = "machine nexus.example.com login n password p # ours\nmachine b login c\n";
        let e = remove(commented.as_bytes(), H).unwrap();
        assert_eq!(
            out(&e),
            "machine b login c\n",
            "a trailing comment goes with its line"
        );
        let inline = "machine nexus.example.com login n password p machine b login c\n";
        let e = remove(inline.as_bytes(), H).unwrap();
        assert_eq!(out(&e), "machine b login c\n");
    }
}

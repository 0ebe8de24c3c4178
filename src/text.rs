//! Small text helpers shared by the editors and the commands.

/// Single-quotes a word for POSIX `sh` (a `'` inside becomes `'\''`).
pub(crate) fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// A file's line ending, to write new lines the way the file has them: its first line break,
/// `\n` when it has none. `lone_cr_breaks_lines`: a `\r` alone ends a line too (Java
/// properties, npm's ini); otherwise only `\n` and `\r\n` do (XML, netrc, .pypirc).
pub(crate) fn line_ending(data: &[u8], lone_cr_breaks_lines: bool) -> &'static str {
    let first = data
        .iter()
        .position(|&b| b == b'\n' || (lone_cr_breaks_lines && b == b'\r'));
    match first {
        Some(i) if data[i] == b'\r' && data.get(i + 1) == Some(&b'\n') => "\r\n",
        Some(i) if data[i] == b'\r' => "\r",
        Some(i) if i > 0 && data[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Applies non-overlapping `(range, replacement)` edits to `input` (the line editors' one way
/// to change bytes: everything outside the ranges is kept as it was); inserts at one point keep
/// their order.
pub(crate) fn splice(input: &[u8], mut edits: Vec<(std::ops::Range<usize>, Vec<u8>)>) -> Vec<u8> {
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = Vec::with_capacity(input.len() + 128);
    let mut pos = 0;
    for (range, text) in edits {
        let start = range.start.max(pos);
        out.extend_from_slice(&input[pos..start]);
        out.extend_from_slice(&text);
        pos = range.end.max(pos);
    }
    out.extend_from_slice(&input[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ending_is_the_first_line_break() {
        assert_eq!(line_ending(b"a\r\nb\n", false), "\r\n");
        assert_eq!(line_ending(b"a\nb\r\n", false), "\n");
        assert_eq!(line_ending(b"no break", false), "\n");
        assert_eq!(line_ending(b"", true), "\n");
        assert_eq!(line_ending(b"a\rb\r\n", false), "\r\n", "a lone CR is text");
        assert_eq!(line_ending(b"a\rb\r\n", true), "\r", "or a line break");
        assert_eq!(line_ending(b"a\r\nb\r", true), "\r\n");
    }

    #[test]
    fn splice_keeps_everything_outside_the_edits() {
        let out = splice(
            b"abcdef",
            vec![
                (4..5, b"E".to_vec()),
                (1..1, b"+".to_vec()),
                (1..1, b"-".to_vec()),
            ],
        );
        assert_eq!(
            out, b"a+-bcdEf",
            "inserts keep their order, replacements their place"
        );
        assert_eq!(splice(b"abc", Vec::new()), b"abc");
    }

    #[test]
    fn shell_quote_survives_a_single_quote() {
        assert_eq!(shell_quote("plain"), "'plain'");
        assert_eq!(shell_quote("o'k"), r"'o'\''k'");
        assert_eq!(shell_quote("a b$c"), "'a b$c'");
    }
}

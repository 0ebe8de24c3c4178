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
    fn shell_quote_survives_a_single_quote() {
        assert_eq!(shell_quote("plain"), "'plain'");
        assert_eq!(shell_quote("o'k"), r"'o'\''k'");
        assert_eq!(shell_quote("a b$c"), "'a b$c'");
    }
}

//! Small text helpers shared by the editors and the commands.

/// Single-quotes a word for POSIX `sh` (a `'` inside becomes `'\''`).
pub(crate) fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_survives_a_single_quote() {
        assert_eq!(shell_quote("plain"), "'plain'");
        assert_eq!(shell_quote("o'k"), r"'o'\''k'");
        assert_eq!(shell_quote("a b$c"), "'a b$c'");
    }
}

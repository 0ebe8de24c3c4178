//! The only place that talks to the terminal: progress lines, warnings, errors with their
//! `caused by:`/`hint:` lines, data on stdout, prompts and reading the password from stdin.
//!
//! It never formats a secret: the password only passes through here as a [`Secret`] on its way
//! in. Data (`token`, `status --json`) goes to stdout; everything else to stderr.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{self, BufRead, Write};
use std::sync::{Arc, Mutex};

use crate::error::Error;
use crate::secret::Secret;

/// Where output goes. Tests use [`Ui::capture`] to read what a command printed.
#[derive(Clone)]
enum Sink {
    Process,
    Captured(Arc<Mutex<Vec<u8>>>),
}

/// Terminal output settings and writers.
#[derive(Clone)]
pub struct Ui {
    quiet: bool,
    verbose: u8,
    color: bool,
    out: Sink,
    err: Sink,
}

/// What a captured [`Ui`] printed.
#[derive(Clone, Default)]
pub struct Captured {
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

impl Captured {
    /// Everything printed to stdout so far.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
    /// Everything printed to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl std::fmt::Debug for Ui {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ui")
            .field("quiet", &self.quiet)
            .field("verbose", &self.verbose)
            .finish_non_exhaustive()
    }
}

impl Ui {
    /// Output to the process's stdout and stderr.
    pub fn new(quiet: bool, verbose: u8, color: bool) -> Ui {
        Ui {
            quiet,
            verbose,
            color,
            out: Sink::Process,
            err: Sink::Process,
        }
    }

    /// Output captured in memory (tests, and `demo` when it embeds a run).
    pub fn capture(verbose: u8) -> (Ui, Captured) {
        let captured = Captured::default();
        let ui = Ui {
            quiet: false,
            verbose,
            color: false,
            out: Sink::Captured(captured.out.clone()),
            err: Sink::Captured(captured.err.clone()),
        };
        (ui, captured)
    }

    /// Whether `-q` was given.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    fn write(sink: &Sink, text: &str) {
        match sink {
            Sink::Process => {
                // A closed pipe (e.g. `| head`) is not worth a panic: drop the output.
                let _ = io::stderr().write_all(text.as_bytes());
            }
            Sink::Captured(buf) => buf
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(text.as_bytes()),
        }
    }

    fn write_out(&self, text: &str) {
        match &self.out {
            Sink::Process => {
                let mut out = io::stdout().lock();
                let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
            }
            sink => Self::write(sink, text),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Data for scripts, on stdout (printed even with `-q`).
    pub fn data(&self, text: &str) {
        let mut line = text.to_owned();
        if !line.ends_with('\n') {
            line.push('\n');
        }
        self.write_out(&line);
    }

    /// A progress line on stderr (hidden by `-q`).
    pub fn step(&self, text: &str) {
        if !self.quiet {
            Self::write(&self.err, &format!("{text}\n"));
        }
    }

    /// A warning on stderr (hidden by `-q`).
    pub fn warn(&self, text: &str) {
        if !self.quiet {
            let label = self.paint("33", "warning");
            Self::write(&self.err, &format!("{label}: {text}\n"));
        }
    }

    /// A detail shown with `-v` (level 1) or `-vv` (level 2).
    pub fn verbose(&self, level: u8, text: &str) {
        if !self.quiet && self.verbose >= level {
            Self::write(&self.err, &format!("  {text}\n"));
        }
    }

    /// Renders an error: `error: ...`, one `caused by: ...` per source, then `hint: ...`.
    pub fn error(&self, error: &Error) {
        let mut text = format!("{}: {error}\n", self.paint("31", "error"));
        let mut source = std::error::Error::source(error);
        // `#[error(transparent)]` wrappers repeat their inner message: skip exact repeats.
        let mut last = error.to_string();
        while let Some(cause) = source {
            let msg = cause.to_string();
            if msg != last && !msg.is_empty() {
                text.push_str(&format!("  caused by: {msg}\n"));
            }
            last = msg;
            source = cause.source();
        }
        if let Some(hint) = error.hint() {
            text.push_str(&format!("  {}: {hint}\n", self.paint("36", "hint")));
        }
        Self::write(&self.err, &text);
    }

    /// The error on one line (`error: ...: cause (hint: ...)`), for helpers whose stderr a client
    /// shows inside its own message (the Docker credential helper).
    pub fn error_line(&self, error: &Error) {
        let mut text = format!("error: {error}");
        let mut last = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let msg = cause.to_string();
            if msg != last && !msg.is_empty() {
                text.push_str(&format!(": {msg}"));
            }
            last = msg;
            source = cause.source();
        }
        if let Some(hint) = error.hint() {
            text.push_str(&format!(" (hint: {hint})"));
        }
        Self::write(&self.err, &format!("{}\n", one_line(&text)));
    }

    /// Asks for a line on the terminal (e.g. the username). Only call when stdin is a terminal.
    pub fn prompt_line(&self, prompt: &str) -> io::Result<String> {
        Self::write(&self.err, prompt);
        let mut line = String::new();
        io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// Asks for the password on the terminal without echo.
    pub fn prompt_password(&self, prompt: &str) -> io::Result<Secret<String>> {
        rpassword::prompt_password(prompt).map(Secret::new)
    }
}

/// Reads a password from `input` up to the first newline (`--password-stdin`). A trailing
/// `\r` is dropped too; an empty password is refused by the caller.
pub fn read_password(mut input: impl BufRead) -> io::Result<Secret<String>> {
    let mut buf = String::new();
    let read = input.read_line(&mut buf);
    let trimmed_len = buf.trim_end_matches(['\r', '\n']).len();
    buf.truncate(trimmed_len);
    // Move (not copy) the buffer into the Secret so the only copy is wiped on drop.
    let secret = Secret::new(buf);
    read.map(|_| secret)
}

/// A multi-line message on one line: the source snippet of a parse error (`  |`, `3 | text`,
/// `  |   ^`) is dropped, the other lines are joined with `: `.
fn one_line(text: &str) -> String {
    let snippet = |line: &str| {
        let rest = line.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
        rest.starts_with('|')
    };
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !snippet(l))
        .collect::<Vec<_>>()
        .join(": ")
}

/// A count with its noun: `1 value`, `3 values` (plural by adding `s`).
pub fn count<N: std::fmt::Display + Copy + TryInto<i64>>(n: N, noun: &str) -> String {
    if n.try_into().ok() == Some(1) {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_error_on_one_line_keeps_the_words_and_drops_the_snippet() {
        let err = toml::from_str::<toml::Table>("a = 1\nb = = 2\n").unwrap_err();
        let (ui, cap) = Ui::capture(0);
        ui.error_line(&Error::file(std::path::Path::new("/c.toml"), "parse", err));
        let line = cap.stderr();
        assert_eq!(line.lines().count(), 1, "{line}");
        assert!(!line.contains('|'), "no snippet gutter: {line}");
        assert!(
            line.contains("/c.toml") && line.contains("line 2"),
            "the file and the line stay: {line}"
        );
    }

    #[test]
    fn counts_say_one_value_and_several_values() {
        assert_eq!(count(1usize, "value"), "1 value");
        assert_eq!(count(3usize, "value"), "3 values");
        assert_eq!(count(0i64, "day"), "0 days");
    }

    #[test]
    fn password_stops_at_the_first_newline() {
        let p = read_password(&b"pa ss\r\nsecond line\n"[..]).unwrap();
        assert_eq!(p.expose(), "pa ss");
    }

    #[test]
    fn captured_ui_separates_data_from_progress() {
        let (ui, cap) = Ui::capture(0);
        ui.data("{}");
        ui.step("working");
        assert_eq!(cap.stdout(), "{}\n");
        assert_eq!(cap.stderr(), "working\n");
    }
}

//! `doctor` runs each served config's command once, as its client would (Docker's helper with
//! the host on stdin, Cargo's `credential-provider`, pnpm's `tokenHelper` wrapper, the Gradle
//! init script's `token` call), to prove that it answers for the profile that login saved. The
//! answer is checked for its shape and never printed: it holds the token.
//!
//! It must not print or keep the answer; the child's stderr (nexus-token's own one-line errors,
//! which never hold a secret) is quoted in a failing finding.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Finding, Level, Target};

/// How long one served command may take before doctor calls it hung.
const TIMEOUT: Duration = Duration::from_secs(20);

/// What a command must print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// `Basic <base64>` (Cargo, pnpm).
    Basic,
    /// Docker's `{"ServerURL":..,"Username":..,"Secret":..}`.
    DockerJson,
    /// `token --format json` (the Gradle init script).
    TokenJson,
    /// A GOAUTH credential set: a URL line, a blank line, `Authorization: Basic <base64>`.
    GoAuth,
}

/// One served config's command line, as its client runs it; a kind returns its own from
/// [`Target::probes`].
#[derive(Debug)]
pub(crate) struct Probe {
    /// Which client runs it, for the finding (`the Cargo credential-provider of ...`).
    pub what: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub stdin: Vec<u8>,
    pub answer: Answer,
}

/// The served commands of `targets`, one per served config.
pub(crate) fn probes(targets: &[Box<dyn Target>]) -> Vec<Probe> {
    targets.iter().flat_map(|t| t.probes()).collect()
}

/// Whether `stdout` has the shape the client needs (never returned or printed: it is the token).
fn answers(answer: Answer, stdout: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stdout);
    let text = text.trim();
    match answer {
        Answer::Basic => text.strip_prefix("Basic ").is_some_and(|b64| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .is_ok_and(|raw| raw.contains(&b':'))
        }),
        Answer::DockerJson => serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| {
            v["Username"].as_str().is_some_and(|u| !u.is_empty())
                && v["Secret"].as_str().is_some_and(|s| !s.is_empty())
        }),
        Answer::TokenJson => serde_json::from_str::<serde_json::Value>(text)
            .is_ok_and(|v| v["nameCode"].is_string() && v["passCode"].is_string()),
        Answer::GoAuth => text.split_once("\n\n").is_some_and(|(url, header)| {
            url.starts_with("https://")
                && header
                    .strip_prefix("Authorization: ")
                    .is_some_and(|value| answers(Answer::Basic, value.as_bytes()))
        }),
    }
}

/// Runs one probe and says whether it answered, in one doctor finding.
pub(crate) fn run(probe: &Probe, profile: &str) -> Finding {
    let fix = Some(format!(
        "run `nexus-token refresh --profile {profile}` (it rewrites the config), then `nexus-token doctor` again"
    ));
    let failed = |why: String| {
        Finding::new(
            "served-answers",
            Level::Fail,
            format!("{} does not answer: {why}", probe.what),
            fix.clone(),
        )
    };
    let child = Command::new(&probe.program)
        .args(&probe.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return failed(format!("`{}` cannot run ({e})", probe.program.display())),
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that does not read its input is fine: ignore a closed pipe.
        let _ = stdin.write_all(&probe.stdin);
    }
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return failed(format!("no answer within {} s", TIMEOUT.as_secs()));
            }
        }
    }
    let output = match child.wait_with_output() {
        Ok(output) => output,
        Err(e) => return failed(e.to_string()),
    };
    if output.status.success() && answers(probe.answer, &output.stdout) {
        return Finding::new(
            "served-answers",
            Level::Ok,
            format!(
                "{} answers with the token of profile `{profile}`",
                probe.what
            ),
            None,
        );
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let why = stderr.lines().find(|l| !l.trim().is_empty()).map_or_else(
        || match output.status.code() {
            Some(code) => format!("exit {code} without a token"),
            None => "killed by a signal".to_owned(),
        },
        |line| line.trim().to_owned(),
    );
    failed(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_recognised_by_their_shape() {
        assert!(answers(Answer::Basic, b"Basic bmM6cGM=\n"));
        assert!(!answers(Answer::Basic, b"Basic !!!\n"));
        assert!(!answers(Answer::Basic, b"no saved profile named `x`\n"));
        assert!(answers(
            Answer::DockerJson,
            br#"{"ServerURL":"h","Username":"nc","Secret":"pc"}"#
        ));
        assert!(!answers(
            Answer::DockerJson,
            b"credentials not found in native keychain"
        ));
        assert!(answers(
            Answer::TokenJson,
            br#"{"nameCode":"nc","passCode":"pc","created":null}"#
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_command_that_fails_is_quoted_by_its_first_error_line() {
        let probe = Probe {
            what: "the test helper".into(),
            program: PathBuf::from("/bin/sh"),
            args: vec![
                "-c".into(),
                "echo 'no saved profile named `x`' >&2; exit 2".into(),
            ],
            stdin: Vec::new(),
            answer: Answer::Basic,
        };
        let finding = run(&probe, "x");
        assert_eq!(finding.level, Level::Fail);
        assert!(
            finding.message.contains("no saved profile named `x`"),
            "{}",
            finding.message
        );
        let ok = Probe {
            program: PathBuf::from("/bin/sh"),
            args: vec!["-c".into(), "cat >/dev/null; echo 'Basic bmM6cGM='".into()],
            ..probe
        };
        assert_eq!(run(&ok, "x").level, Level::Ok);
    }
}

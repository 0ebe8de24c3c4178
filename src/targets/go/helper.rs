//! The GOAUTH protocol, pure (`go help goauth`, Go 1.24+): what `nexus-token goauth` prints for
//! a call, and the command line login writes into GOAUTH. No I/O; the passCode only leaves it
//! inside a [`Secret`].
//!
//! Go runs each GOAUTH command with no argument before its first https fetch and reads
//! credential sets from its stdout: URL lines (`https://...`), a blank line, header lines, a blank
//! line. It sends the headers to every URL under a listed prefix (matched by host and path). After
//! a 4xx answer Go runs the command again with the URL as its last argument and the response
//! (status line, headers, blank line) on stdin, and retries the request once with what it prints.
//! Go splits GOAUTH at `;` and a command into words at spaces (newer versions accept quotes):
//! a command whose words hold other characters runs through a small wrapper script.

use base64::Engine as _;

use crate::secret::Secret;

/// The hidden subcommand Go runs.
pub const SUBCOMMAND: &str = "goauth";

/// The words of our GOAUTH command: the binary, `goauth`, the profile and, when the profiles file
/// is not the default one, `--config FILE`.
pub fn command_words(exe: &str, profile: &str, config: Option<&str>) -> Vec<String> {
    let mut words = vec![
        exe.to_owned(),
        SUBCOMMAND.to_owned(),
        "--profile".to_owned(),
        profile.to_owned(),
    ];
    if let Some(config) = config {
        words.extend(["--config".to_owned(), config.to_owned()]);
    }
    words
}

/// Whether Go can run these words written plainly into GOAUTH (no space, quote, `;` or
/// control character in any of them, none empty).
pub fn plain(words: &[String]) -> bool {
    words.iter().all(|w| {
        !w.is_empty()
            && w.chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !";'\"`\\".contains(c))
    })
}

/// Whether a GOAUTH command runs `goauth` for `profile` (any binary path, any config): an older
/// command of this profile, which login replaces.
pub fn is_for_profile(command: &str, profile: &str) -> bool {
    let words: Vec<&str> = command.split_whitespace().collect();
    words.len() >= 4 && words[1] == SUBCOMMAND && words[2] == "--profile" && words[3] == profile
}

/// The credential-set URL for a Nexus base URL: `https://<host>[:port]` (Go sends the headers
/// to every https URL of that host and port). No trailing slash: Go 1.24 stores the prefix with
/// it and then never matches a request (golang/go#71889, fixed in later releases), while every
/// version matches the bare origin. `None` when the URL has no host.
pub fn base_prefix(nexus_url: &str) -> Option<String> {
    let url = url::Url::parse(nexus_url).ok()?;
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("https://{host}:{port}"),
        None => format!("https://{host}"),
    })
}

/// The `host[:port]` of an https URL, as Go matches credential prefixes.
fn authority(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    if url.scheme() != "https" {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// The status code of the response Go writes on stdin (`HTTP/1.1 401 Unauthorized`).
pub fn response_status(stdin: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(stdin);
    let line = text.lines().next()?;
    let mut words = line.split_whitespace();
    words.next().filter(|p| p.starts_with("HTTP/"))?;
    words.next()?.parse().ok()
}

/// Where the answer to one call comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The token cache (a request only when the cache is not current): the first call, and a 4xx
    /// that is not about credentials (a module Nexus does not have).
    Cache,
    /// Nexus itself, past the cache: the server refused the credentials (401/403), perhaps
    /// because the token was reset, so a fresh token heals the fetch at once.
    Fresh,
    /// Nothing: the URL is on another host, which this token is not for.
    Nothing,
}

/// Decides one call: `url` is Go's argument (after a 4xx), `stdin` the response it wrote,
/// `prefix` our credential-set URL.
pub fn source(url: Option<&str>, stdin: &[u8], prefix: &str) -> Source {
    let Some(url) = url else {
        return Source::Cache;
    };
    if authority(url).is_none() || authority(url) != authority(prefix) {
        return Source::Nothing;
    }
    match response_status(stdin) {
        Some(401 | 403) => Source::Fresh,
        _ => Source::Cache,
    }
}

/// The answer: our URL line, a blank line, the Authorization header, a blank line.
pub fn render(prefix: &str, name_code: &str, pass_code: &Secret<String>) -> Secret<Vec<u8>> {
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{name_code}:{}", pass_code.expose()));
    Secret::new(format!("{prefix}\n\nAuthorization: Basic {basic}\n\n").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str = "https://nexus.example:8443";

    #[test]
    fn the_answer_is_one_credential_set_go_parses() {
        let out = render(PREFIX, "nc", &Secret::new("p/c+1".to_owned()));
        let text = String::from_utf8(out.expose().clone()).unwrap();
        // base64("nc:p/c+1")
        assert_eq!(
            text,
            "https://nexus.example:8443\n\nAuthorization: Basic bmM6cC9jKzE=\n\n"
        );
    }

    #[test]
    fn the_prefix_is_the_nexus_host_and_port_over_https() {
        assert_eq!(
            base_prefix("https://nexus.example:8443/nexus").as_deref(),
            Some(PREFIX)
        );
        assert_eq!(
            base_prefix("https://Nexus.Example").as_deref(),
            Some("https://nexus.example")
        );
        assert_eq!(base_prefix("not a url"), None);
    }

    #[test]
    fn a_credential_refusal_on_our_host_asks_nexus_and_anything_else_does_not() {
        let refused = b"HTTP/1.1 401 Unauthorized\nContent-Type: text/plain\n\n";
        let forbidden = b"HTTP/2.0 403 Forbidden\n\n";
        let missing = b"HTTP/1.1 404 Not Found\n\n";
        let ours = "https://nexus.example:8443/repository/go-proxy/example.com/m/@v/list";
        assert_eq!(source(None, b"", PREFIX), Source::Cache, "the first call");
        assert_eq!(source(Some(ours), refused, PREFIX), Source::Fresh);
        assert_eq!(source(Some(ours), forbidden, PREFIX), Source::Fresh);
        assert_eq!(
            source(Some(ours), missing, PREFIX),
            Source::Cache,
            "a module Nexus lacks is no reason to ask it for a token"
        );
        assert_eq!(source(Some(ours), b"", PREFIX), Source::Cache);
        assert_eq!(
            source(
                Some("https://proxy.golang.org/example.com/m/@v/list"),
                refused,
                PREFIX
            ),
            Source::Nothing,
            "another host gets nothing"
        );
        assert_eq!(
            source(Some("https://nexus.example/x"), refused, PREFIX),
            Source::Nothing,
            "another port is another host"
        );
        assert_eq!(
            source(Some("http://nexus.example:8443/x"), refused, PREFIX),
            Source::Nothing
        );
    }

    #[test]
    fn command_words_and_when_they_need_a_wrapper() {
        let words = command_words("/opt/bin/nexus-token", "work", None);
        assert_eq!(
            words.join(" "),
            "/opt/bin/nexus-token goauth --profile work"
        );
        assert!(plain(&words));
        let with_config = command_words("/opt/bin/nexus-token", "work", Some("/etc/n t.toml"));
        assert_eq!(with_config[4..], ["--config", "/etc/n t.toml"]);
        assert!(!plain(&with_config), "a space needs the wrapper");
        for bad in ["my profile", "a;b", "o'k", "tab\there", ""] {
            assert!(
                !plain(&command_words("/x", bad, None)),
                "`{bad}` needs the wrapper"
            );
        }
        assert!(is_for_profile(
            "/old/nexus-token goauth --profile work --config /c",
            "work"
        ));
        assert!(!is_for_profile("/x goauth --profile other", "work"));
        assert!(!is_for_profile("netrc", "work"));
    }

    #[test]
    fn the_status_line_is_read_from_stdin() {
        assert_eq!(response_status(b"HTTP/1.1 401 Unauthorized\n"), Some(401));
        assert_eq!(response_status(b"HTTP/1.1 404 Not Found"), Some(404));
        assert_eq!(response_status(b"garbage 401\n"), None);
        assert_eq!(response_status(b""), None);
    }
}

//! Typed errors of the Nexus client, each with its exit status and a next step.
//!
//! Every variant names the cause in its message and the fix in [`Error::hint`]. No variant ever
//! holds a password, a ticket or a response body (bodies may hold a token): URLs are stored
//! without query and userinfo, transport details are the library's own descriptions.

use std::path::PathBuf;

use super::Family;
use crate::error::ExitStatus;

/// What can go wrong while talking to Nexus.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The base URL cannot be used.
    #[error("invalid Nexus URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },

    /// A username that cannot travel in HTTP Basic auth (see [`validate_username`]).
    #[error("the username `{shown}` cannot be used: {reason}")]
    InvalidUsername {
        /// The username with control characters escaped.
        shown: String,
        reason: &'static str,
    },

    /// The `--ca-cert` file cannot be read or holds no certificate.
    #[error("cannot use the CA certificates in `{}`: {reason}", path.display())]
    CaCert { path: PathBuf, reason: String },

    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),

    /// 401: Nexus rejected the username/password pair.
    #[error("Nexus at `{url}` rejected the password of `{username}` (HTTP 401)")]
    WrongPassword { url: String, username: String },

    /// 400 at authenticate: the login name does not match the account.
    #[error("Nexus at `{url}` reports a username mismatch for `{username}` (HTTP 400)")]
    UsernameMismatch { url: String, username: String },

    /// 403 at authenticate: the login was refused.
    #[error("Nexus at `{url}` refused the login of `{username}` (HTTP 403)")]
    LoginRefused { url: String, username: String },

    /// 400/403 at step 2, twice: the ticket expired or was used twice.
    #[error(
        "Nexus at `{url}` rejected the authentication ticket twice (HTTP {status}): it expired or was used twice"
    )]
    TicketRejected { url: String, status: u16 },

    /// 404 (or no Nexus answer) at the given base URL: wrong URL or context path.
    #[error("no Nexus user-token API at `{url}` (HTTP {status}): wrong URL or context path")]
    WrongUrl {
        url: String,
        status: u16,
        /// A base URL where a Nexus was found instead (e.g. with `/nexus` added).
        suggestion: Option<String>,
    },

    /// 404 on the token resource with a forced family that does not match the server.
    #[error(
        "`{url}` has no `{family}` token resource (HTTP 404): the server speaks another API family"
    )]
    WrongFamily {
        url: String,
        family: Family,
        /// The family the server's version maps to, when known.
        server_family: Option<Family>,
    },

    /// The server has no user tokens (non-Pro edition, 404 on the token resource).
    #[error("this server has no user tokens{}", edition_suffix(edition))]
    NoUserTokens {
        url: String,
        edition: Option<String>,
    },

    /// The user-token feature is switched off on the server.
    #[error("user tokens are disabled on the Nexus at `{url}`")]
    FeatureDisabled { url: String },

    /// The token exists but expired (Nexus 3.69+).
    #[error("the user token on `{url}` has expired")]
    TokenExpired { url: String },

    /// An HTML page came back where the API answers JSON.
    #[error(
        "`{url}` answered HTTP {status} with an HTML page instead of the Nexus API ({})",
        html_kind(*status)
    )]
    Html { url: String, status: u16 },

    /// 431 (or a 400 page saying so): the server or a proxy refused the request headers as too
    /// large.
    #[error("`{url}` refused the request headers as too large (HTTP {status})")]
    HeadersTooLarge { url: String, status: u16 },

    /// A redirect to another origin, which we never follow with credentials.
    #[error("`{url}` redirects to another origin `{location}`; credentials are never sent there")]
    Redirected { url: String, location: String },

    /// Redirects that stay within the origin but never end (a loop, or more than 5).
    #[error("`{url}` redirects in a loop within its own origin (last to `{location}`)")]
    RedirectLoop { url: String, location: String },

    /// TLS handshake or certificate failure.
    #[error("TLS failure talking to `{url}`: {}: {detail}", problem.words())]
    Tls {
        url: String,
        /// What the failure means.
        problem: super::TlsProblem,
        /// The TLS library's own description.
        detail: String,
    },

    /// Nobody listens on the port.
    #[error("cannot connect to `{url}`: connection refused")]
    ConnectionRefused { url: String },

    /// Connect or request timeout.
    #[error("`{url}` did not answer within {secs} s")]
    Timeout { url: String, secs: u64 },

    /// Any other transport failure (DNS, reset connection, broken HTTP).
    #[error("cannot talk to `{url}`: {detail}")]
    Network { url: String, detail: String },

    /// 5xx.
    #[error("Nexus at `{url}` failed with HTTP {status}")]
    ServerError { url: String, status: u16 },

    /// A status the flow does not expect.
    #[error("unexpected HTTP {status} from `{url}`")]
    UnexpectedStatus { url: String, status: u16 },

    /// A 2xx answer that is not what the API promises (bad JSON, truncated, too large).
    #[error("unreadable answer from `{url}`: {what}")]
    InvalidResponse { url: String, what: &'static str },

    /// The operation needs a newer server or another family.
    #[error("{what} is not available with the `{family}` API")]
    Unsupported { what: &'static str, family: Family },
}

/// Checks that `username` can travel in HTTP Basic auth (RFC 7617): not empty, no `:` (the
/// server would split there and log in as the part before it), no control characters. Pure.
pub fn validate_username(username: &str) -> Result<(), Error> {
    let reason = if username.is_empty() {
        "it is empty"
    } else if username.contains(':') {
        "it contains `:`, which separates the username from the password in HTTP Basic auth"
    } else if username.chars().any(char::is_control) {
        "it contains control characters"
    } else {
        return Ok(());
    };
    Err(Error::InvalidUsername {
        shown: username.escape_debug().to_string(),
        reason,
    })
}

/// What an HTML answer with this status most likely is.
fn html_kind(status: u16) -> &'static str {
    if (200..300).contains(&status) || matches!(status, 401 | 403) {
        "a single sign-on login page or a proxy page"
    } else {
        "an error page of a proxy or web server in front of Nexus"
    }
}

fn edition_suffix(edition: &Option<String>) -> String {
    match edition {
        Some(e) => format!(" (edition `{e}`; user tokens need Nexus Pro)"),
        None => String::from(" (the token resource answers 404)"),
    }
}

impl Error {
    /// The exit status for this error (docs: cli.md).
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::InvalidUrl { .. } | Error::InvalidUsername { .. } => ExitStatus::Usage,
            Error::CaCert { .. } => ExitStatus::File,
            Error::Setup(_) => ExitStatus::Failure,
            Error::WrongPassword { .. }
            | Error::UsernameMismatch { .. }
            | Error::LoginRefused { .. } => ExitStatus::Rejected,
            Error::TicketRejected { .. }
            | Error::WrongUrl { .. }
            | Error::WrongFamily { .. }
            | Error::NoUserTokens { .. }
            | Error::FeatureDisabled { .. }
            | Error::TokenExpired { .. }
            | Error::Html { .. }
            | Error::HeadersTooLarge { .. }
            | Error::Redirected { .. }
            | Error::RedirectLoop { .. }
            | Error::Tls { .. }
            | Error::ConnectionRefused { .. }
            | Error::Timeout { .. }
            | Error::Network { .. }
            | Error::ServerError { .. }
            | Error::UnexpectedStatus { .. }
            | Error::InvalidResponse { .. }
            | Error::Unsupported { .. } => ExitStatus::Unavailable,
        }
    }

    /// Whether Nexus rejected the login itself (401, or 400/403 at authenticate): the stored
    /// password must not be tried again automatically (account lockout).
    pub fn is_rejected_login(&self) -> bool {
        matches!(
            self,
            Error::WrongPassword { .. }
                | Error::UsernameMismatch { .. }
                | Error::LoginRefused { .. }
        )
    }

    /// The next step for the user.
    pub fn hint(&self) -> Option<String> {
        let hint = match self {
            Error::InvalidUrl { .. } => {
                "give the base URL with scheme and context path, e.g. `--url https://nexus.example.com` or `--url http://host:8081/nexus`".into()
            }
            Error::InvalidUsername { .. } => {
                "give the Nexus login name exactly as it is, e.g. `--username jdoe`; HTTP Basic auth cannot carry an empty name, a `:` or control characters".into()
            }
            Error::CaCert { .. } => {
                "point `--ca-cert` at a readable PEM file holding one or more `BEGIN CERTIFICATE` blocks".into()
            }
            Error::Setup(_) => "report this as a bug with the output of `-v`".into(),
            Error::WrongPassword { .. } => {
                "check the password and run `nexus-token login` again; accounts behind LDAP/AD lock after a few failures, so do not retry blindly".into()
            }
            Error::UsernameMismatch { .. } => {
                "usernames are case-sensitive: give `--username` exactly as Nexus shows it (e.g. `jdoe`, not `JDoe`)".into()
            }
            Error::LoginRefused { .. } => {
                "the password or account was refused (wrong password, disabled or locked account): check it in the Nexus web UI, then run `nexus-token login` again".into()
            }
            Error::TicketRejected { .. } => {
                "retry in a minute; if it persists, check that no proxy replays or delays requests and that the user has the `nx-usertoken-current` privilege".into()
            }
            Error::WrongUrl { suggestion: Some(s), .. } => {
                format!("a Nexus answers at `{s}`: use `--url {s}`")
            }
            Error::WrongUrl { suggestion: None, .. } => {
                "give the base URL including the context path (Nexus 2 defaults to `http://host:8081/nexus`, Nexus 3 to `http://host:8081`); if a proxy hides the server version, force the family with `--api`".into()
            }
            Error::WrongFamily { server_family: Some(f), .. } => {
                format!("this server speaks `{f}`: use `--api {f}` or `--api auto`")
            }
            Error::WrongFamily { server_family: None, .. } => {
                "let nexus-token detect the family with `--api auto`, or pick the one matching the server version (see `--help`)".into()
            }
            Error::NoUserTokens { .. } => {
                "user tokens exist only in Nexus Pro: use your password in settings.xml directly, or ask your administrator for a Pro server; check with `nexus-token doctor`".into()
            }
            Error::FeatureDisabled { .. } => {
                "ask a Nexus administrator to enable user tokens (Security > User Tokens), then run the command again".into()
            }
            Error::TokenExpired { .. } => {
                "run `nexus-token refresh`: it generates a new token when the current one has expired (or `nexus-token rotate` to reset it)".into()
            }
            Error::Html { status, .. } if (200..300).contains(status) || matches!(status, 401 | 403) => {
                "use the direct Nexus URL that bypasses single sign-on, or fix the proxy in front of Nexus; check the URL in a browser".into()
            }
            Error::Html { .. } => {
                "check that `--url` points at Nexus itself, and ask the administrator about the proxy in front of it; run again with `-v` to see the request".into()
            }
            Error::HeadersTooLarge { .. } => {
                "a proxy in front of Nexus limits the size of request headers, and the Basic auth header grows with the username and password: ask the administrator to raise the limit (e.g. nginx `large_client_header_buffers`), or use the direct Nexus URL".into()
            }
            Error::Redirected { location, .. } => format!(
                "if `{location}` is the Nexus itself, pass it as `--url`; a single sign-on redirect means you need the direct Nexus URL"
            ),
            Error::RedirectLoop { .. } => {
                "the server or a proxy in front of it redirects in a loop: check `--url` (scheme, host, context path) and the proxy configuration; `-v` shows each request".into()
            }
            Error::Tls { problem, .. } => problem.hint().into(),
            Error::ConnectionRefused { .. } => {
                "check host and port in `--url` and that Nexus is running".into()
            }
            Error::Timeout { .. } => {
                "retry later, or allow more time with `--timeout SECS` / `--connect-timeout SECS`; check `HTTPS_PROXY`/`NO_PROXY`".into()
            }
            Error::Network { .. } => {
                "check the URL, DNS and proxy settings (`HTTPS_PROXY`/`NO_PROXY`), then retry".into()
            }
            Error::ServerError { .. } => {
                "the server or a proxy in front of it failed: retry later, or ask the Nexus administrator to check the server log".into()
            }
            Error::UnexpectedStatus { .. } | Error::InvalidResponse { .. } => {
                "check that `--url` points at Nexus itself (not a proxy page), run again with `-v`, or force the family with `--api`".into()
            }
            Error::Unsupported { .. } => {
                "generating a token needs Nexus 3.69 or newer (`--api nexus3`); use `nexus-token rotate` (reset) instead".into()
            }
        };
        Some(hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_rejections_exit_3_and_are_flagged_for_the_lockout_guard() {
        let e = Error::UsernameMismatch {
            url: "http://h".into(),
            username: "JDoe".into(),
        };
        assert_eq!(e.exit_status(), ExitStatus::Rejected);
        assert!(e.is_rejected_login());
        assert!(e.hint().unwrap_or_default().contains("case-sensitive"));
        let e = Error::ServerError {
            url: "http://h".into(),
            status: 502,
        };
        assert_eq!(e.exit_status(), ExitStatus::Unavailable);
        assert!(!e.is_rejected_login());
    }

    #[test]
    fn usernames_that_cannot_travel_in_basic_auth_are_usage_errors() {
        for ok in ["jdoe", "j.doe@example.com", "DOMAIN\\jdoe", "jürgen", "a b"] {
            assert!(
                validate_username(ok).is_ok(),
                "`{ok}` can travel in Basic auth"
            );
        }
        for bad in ["", "a:b", ":", "a\nb", "a\u{7f}", "tab\there"] {
            let e = validate_username(bad).unwrap_err();
            assert_eq!(
                e.exit_status(),
                ExitStatus::Usage,
                "`{bad:?}` is refused as a usage error"
            );
            assert!(
                !e.to_string().contains('\n'),
                "the message shows control characters escaped: {e}"
            );
        }
    }

    #[test]
    fn wrong_url_hint_names_the_suggested_url() {
        let e = Error::WrongUrl {
            url: "http://h:8081".into(),
            status: 404,
            suggestion: Some("http://h:8081/nexus".into()),
        };
        assert!(
            e.hint()
                .unwrap_or_default()
                .contains("--url http://h:8081/nexus"),
            "the hint shows the right URL"
        );
    }
}

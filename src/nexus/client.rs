//! The blocking HTTP client and the two-step token flow (docs: nexus-protocol.md sections 2-3).
//!
//! It owns the HTTP settings (pre-emptive Basic auth, JSON headers, our User-Agent, no cookies,
//! timeouts, extra CA roots, same-origin redirects only) and turns answers into typed errors.
//! It must never log or keep a response body beyond parsing it, never put a ticket into a trace
//! line or an error, and never read files other than the `--ca-cert` PEM.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use reqwest::Method;
use reqwest::blocking::{Client as Http, Response};
use url::Url;
use zeroize::Zeroizing;

use super::{Error, Family, TicketCarrier};
use crate::secret::Secret;

/// A callback that receives one line per request (`-v`): method, URL without secrets, status.
pub type Trace = Arc<dyn Fn(&str) + Send + Sync>;

/// Largest answer body we read; anything longer is refused as unreadable.
const MAX_BODY: u64 = 1024 * 1024;

/// How to reach a Nexus server.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL including the context path, e.g. `http://host:8081/nexus`.
    pub base_url: String,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one whole request.
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM file, several allowed).
    pub ca_cert: Option<PathBuf>,
    /// Receives one line per request, for `-v`.
    pub trace: Option<Trace>,
}

impl ClientConfig {
    /// Defaults: 10 s to connect, 30 s per request.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            ca_cert: None,
            trace: None,
        }
    }
}

/// A user token as Nexus returns it.
#[derive(Debug, Clone)]
pub struct UserToken {
    /// The token's user part (`nameCode`).
    pub name_code: String,
    /// The token's password part (`passCode`).
    pub pass_code: Secret<String>,
    /// When the server created the token, as it sent it (opaque ISO-8601 string).
    pub created: Option<String>,
}

/// What detection found out about the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// The API family to use.
    pub family: Family,
    /// The version, when the server told it.
    pub version: Option<String>,
    /// The edition (`PRO`, `OSS`, ...), when the server told it.
    pub edition: Option<String>,
}

impl Detection {
    /// Whether the edition has user tokens: `Some(false)` for OSS, COMMUNITY and CORE,
    /// `None` when the server did not tell its edition.
    pub fn has_user_tokens(&self) -> Option<bool> {
        let edition = self.edition.as_deref()?;
        Some(!matches!(
            edition.to_ascii_uppercase().as_str(),
            "OSS" | "COMMUNITY" | "CORE"
        ))
    }

    /// Fails with [`Error::NoUserTokens`] when the edition is known to lack user tokens.
    pub fn require_user_tokens(&self, base_url: &str) -> Result<(), Error> {
        if self.has_user_tokens() == Some(false) {
            return Err(Error::NoUserTokens {
                url: base_url.to_owned(),
                edition: self.edition.clone(),
            });
        }
        Ok(())
    }
}

/// Token expiry as told by Nexus 3.69+ (`user-token/attributes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenAttributes {
    /// Whether the server expires tokens at all.
    pub expiration_enabled: bool,
    /// Expiry time in milliseconds since the epoch, when enabled.
    pub expires_at_ms: Option<i64>,
}

/// Which request of the flow an answer belongs to (decides what a status means).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Probe,
    Authenticate(Family),
    Token(Family),
    /// `user-token/attributes` (Nexus 3.69+).
    Attributes,
}

/// An answer with its body read (bounded) and wiped on drop.
pub(crate) struct Reply {
    pub status: u16,
    pub server: Option<String>,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Zeroizing<Vec<u8>>,
    /// The request URL without query, for messages.
    pub url: String,
}

impl Reply {
    pub(crate) fn is_html(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|c| c.to_ascii_lowercase().starts_with("text/html"))
    }

    fn body_mentions(&self, needle: &str) -> bool {
        let text = String::from_utf8_lossy(&self.body).to_ascii_lowercase();
        text.contains(&needle.to_ascii_lowercase())
    }
}

/// A Nexus client bound to one base URL.
pub struct Client {
    config: ClientConfig,
    /// The base URL with a trailing slash, so relative paths join under the context path.
    base: Url,
    /// `config.base_url` without trailing slash, for messages.
    display: String,
    http: Http,
}

impl Client {
    /// Builds the client (TLS roots, timeouts, redirect policy).
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let base = parse_base(&config.base_url)?;
        let display = base.as_str().trim_end_matches('/').to_owned();
        // Another thread or an earlier client may have installed it already: that is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static("application/json"),
        );
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_static("application/json"),
        );
        let mut builder = Http::builder()
            .user_agent(concat!("nexus-token/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .referer(false)
            .pool_max_idle_per_host(1)
            .redirect(same_origin_redirects());
        if let Some(path) = &config.ca_cert {
            let pem = std::fs::read(path).map_err(|e| Error::CaCert {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            use rustls::pki_types::pem::PemObject as _;
            let certs = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Error::CaCert {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            if certs.is_empty() {
                return Err(Error::CaCert {
                    path: path.clone(),
                    reason: "no certificate found".into(),
                });
            }
            let tls = super::tls::client_config(certs).map_err(Error::Setup)?;
            builder = builder.tls_backend_preconfigured(tls);
        }
        let http = builder
            .build()
            .map_err(|e| Error::Setup(chain(&e.without_url())))?;
        Ok(Client {
            config,
            base,
            display,
            http,
        })
    }

    /// The base URL, without userinfo and without trailing slash.
    pub fn base_url(&self) -> &str {
        &self.display
    }

    /// A warning when the password would cross the network in clear (plain http to a host that
    /// is not loopback).
    pub fn insecure_warning(&self) -> Option<String> {
        if self.base.scheme() != "http" {
            return None;
        }
        let loopback = match self.base.host()? {
            url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
        };
        (!loopback).then(|| {
            format!(
                "`{}` is plain http: your password would cross the network in clear; use https if the server offers it",
                self.display
            )
        })
    }

    /// Detects the family (and edition) for `--api auto`, without sending any credentials.
    pub fn detect(&self) -> Result<Detection, Error> {
        super::detect::detect(self)
    }

    /// The two-step flow: ticket, then the current token (created on first access).
    pub fn fetch_token(
        &self,
        family: Family,
        username: &str,
        password: &Secret<String>,
    ) -> Result<UserToken, Error> {
        let reply = self.redeem(family, Method::GET, username, password)?;
        parse_token(&reply)
    }

    /// Resets the token (DELETE with a fresh ticket); the next fetch creates a new one.
    pub fn reset_token(
        &self,
        family: Family,
        username: &str,
        password: &Secret<String>,
    ) -> Result<(), Error> {
        self.redeem(family, Method::DELETE, username, password)
            .map(|_| ())
    }

    /// Generates a new token (Nexus 3.69+: POST on the 3.24+ URL with a fresh ticket).
    pub fn generate_token(
        &self,
        family: Family,
        username: &str,
        password: &Secret<String>,
    ) -> Result<UserToken, Error> {
        if family != Family::Nexus3 {
            return Err(Error::Unsupported {
                what: "generating a token",
                family,
            });
        }
        let reply = self.redeem(family, Method::POST, username, password)?;
        parse_token(&reply)
    }

    /// Token expiry (Nexus 3.69+, no ticket). `None` when the server has no such resource.
    pub fn token_attributes(
        &self,
        username: &str,
        password: &Secret<String>,
    ) -> Result<Option<TokenAttributes>, Error> {
        let url = self.url("service/rest/internal/current-user/user-token/attributes")?;
        let reply = self.send(
            Method::GET,
            url,
            Some((username, password)),
            None,
            None,
            None,
        )?;
        if reply.status == 404 && !is_token_expired_answer(&reply) {
            return Ok(None);
        }
        if !(200..300).contains(&reply.status) {
            return Err(self.classify(Step::Attributes, &reply, username));
        }
        if reply.is_html() {
            return Err(Error::Html {
                url: reply.url.clone(),
                status: reply.status,
            });
        }
        #[derive(serde::Deserialize)]
        struct Attrs {
            #[serde(rename = "expirationTimeTimestamp")]
            expires: Option<serde_json::Value>,
            #[serde(rename = "expirationEnabled")]
            enabled: Option<serde_json::Value>,
        }
        let attrs: Attrs =
            serde_json::from_slice(&reply.body).map_err(|_| Error::InvalidResponse {
                url: reply.url.clone(),
                what: "the token attributes are not the expected JSON",
            })?;
        let enabled = match attrs.enabled {
            Some(serde_json::Value::Bool(b)) => b,
            Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        };
        let expires_at_ms = match attrs.expires {
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        Ok(Some(TokenAttributes {
            expiration_enabled: enabled,
            expires_at_ms: if enabled { expires_at_ms } else { None },
        }))
    }

    /// An authenticated GET of `path` (relative to the base URL); returns the status. Used to
    /// check that a token works. Only transport failures are errors.
    pub fn check_access(
        &self,
        path: &str,
        username: &str,
        password: &Secret<String>,
    ) -> Result<u16, Error> {
        let url = self.url(path.trim_start_matches('/'))?;
        let reply = self.send(
            Method::GET,
            url,
            Some((username, password)),
            None,
            None,
            None,
        )?;
        Ok(reply.status)
    }

    /// Step 1 then step 2 with `method`; a ticket rejected at step 2 (400/403) is retried once
    /// with a fresh ticket.
    fn redeem(
        &self,
        family: Family,
        method: Method,
        username: &str,
        password: &Secret<String>,
    ) -> Result<Reply, Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let ticket = self.authenticate(family, username, password)?;
            let mut url = self.url(family.token_path())?;
            let mut header = None;
            match family.ticket_carrier() {
                TicketCarrier::Header(name) => header = Some((name, &ticket)),
                TicketCarrier::AuthTokenQuery => {
                    // `Url` percent-encodes `+`, `/` and `=` in query values.
                    url.query_pairs_mut()
                        .append_pair("authToken", &B64.encode(ticket.expose()));
                }
            }
            let reply = self.send(
                method.clone(),
                url,
                Some((username, password)),
                header,
                None,
                None,
            )?;
            if (200..300).contains(&reply.status) && !reply.is_html() {
                return Ok(reply);
            }
            let ticket_problem = matches!(reply.status, 400 | 403)
                && !reply.is_html()
                && !reply.body_mentions("not enabled")
                && !reply.body_mentions("user token expired");
            if !ticket_problem {
                return Err(self.classify(Step::Token(family), &reply, username));
            }
            if attempt >= 2 {
                return Err(Error::TicketRejected {
                    url: reply.url.clone(),
                    status: reply.status,
                });
            }
            self.trace_line("ticket rejected: retrying once with a fresh ticket");
        }
    }

    /// Step 1: a single-use ticket for the real credentials.
    fn authenticate(
        &self,
        family: Family,
        username: &str,
        password: &Secret<String>,
    ) -> Result<Secret<String>, Error> {
        let url = self.url(family.authenticate_path())?;
        let body = Secret::new(format!(
            r#"{{"u":"{}","p":"{}"}}"#,
            B64.encode(username.as_bytes()),
            B64.encode(password.expose().as_bytes())
        ));
        let reply = self.send(
            Method::POST,
            url,
            Some((username, password)),
            None,
            Some(body),
            None,
        )?;
        if !(200..300).contains(&reply.status) || reply.is_html() {
            return Err(self.classify(Step::Authenticate(family), &reply, username));
        }
        parse_ticket(&reply.body).map_err(|what| Error::InvalidResponse {
            url: reply.url.clone(),
            what,
        })
    }

    /// Maps a non-success answer to an error, by step.
    pub(crate) fn classify(&self, step: Step, reply: &Reply, username: &str) -> Error {
        let url = reply.url.clone();
        let user = username.to_owned();
        // Nexus 3.69+ names an expired token in the body; the status is unconfirmed, so any
        // non-success answer of the token or attributes call with that text means expiry.
        if matches!(step, Step::Token(_) | Step::Attributes) && is_token_expired_answer(reply) {
            return Error::TokenExpired {
                url: self.display.clone(),
            };
        }
        if (300..400).contains(&reply.status) {
            // Same-origin redirects are followed (up to 5); one that comes back here stayed in
            // the origin, so it is a loop, not a redirect elsewhere.
            let target = reply
                .location
                .as_deref()
                .and_then(|l| Url::parse(&reply.url).ok()?.join(l).ok());
            let same_origin = target.as_ref().is_some_and(|t| {
                Url::parse(&reply.url).is_ok_and(|from| from.origin() == t.origin())
            });
            let location = match &target {
                Some(t) => strip_query(t.as_str()),
                None => "(no Location)".into(),
            };
            if same_origin {
                return Error::RedirectLoop { url, location };
            }
            return Error::Redirected { url, location };
        }
        match (step, reply.status) {
            (Step::Authenticate(_) | Step::Token(_) | Step::Attributes, 401)
                if !reply.is_html() =>
            {
                return Error::WrongPassword {
                    url: self.display.clone(),
                    username: user,
                };
            }
            _ => {}
        }
        // 431, or nginx's HTML 400 "Request Header Or Cookie Too Large": not a login page.
        if reply.status == 431
            || (reply.status == 400 && reply.is_html() && reply.body_mentions("too large"))
        {
            return Error::HeadersTooLarge {
                url,
                status: reply.status,
            };
        }
        // A 5xx page is a server (or proxy) failure whatever its format.
        if (500..600).contains(&reply.status) {
            return Error::ServerError {
                url,
                status: reply.status,
            };
        }
        // A 404 page is "not found" whatever its format; other HTML answers (a login page, a
        // proxy error page) are not the API.
        if reply.is_html() && reply.status != 404 {
            return Error::Html {
                url,
                status: reply.status,
            };
        }
        let server = reply.server.as_deref().and_then(parse_server_header);
        match (step, reply.status) {
            (Step::Authenticate(_), 400) => Error::UsernameMismatch {
                url: self.display.clone(),
                username: user,
            },
            (Step::Authenticate(_), 403) => Error::LoginRefused {
                url: self.display.clone(),
                username: user,
            },
            // A Nexus answered, but its version maps to another family than the one used.
            (Step::Authenticate(family), 404)
                if server
                    .as_ref()
                    .is_some_and(|(version, _)| family_of(version) != family) =>
            {
                Error::WrongFamily {
                    url: self.display.clone(),
                    family,
                    server_family: server.as_ref().map(|(version, _)| family_of(version)),
                }
            }
            (Step::Authenticate(_) | Step::Probe, 404) => Error::WrongUrl {
                url: self.display.clone(),
                status: 404,
                suggestion: super::detect::find_nexus_elsewhere(self),
            },
            (Step::Token(_), 400 | 403 | 404) if reply.body_mentions("not enabled") => {
                Error::FeatureDisabled {
                    url: self.display.clone(),
                }
            }
            (Step::Token(family), 404) => match server {
                Some((version, edition)) => {
                    let d = Detection {
                        family: family_of(&version),
                        version: Some(version),
                        edition,
                    };
                    if d.has_user_tokens() == Some(false) {
                        Error::NoUserTokens {
                            url: self.display.clone(),
                            edition: d.edition,
                        }
                    } else {
                        Error::WrongFamily {
                            url: self.display.clone(),
                            family,
                            server_family: Some(d.family),
                        }
                    }
                }
                None => Error::NoUserTokens {
                    url: self.display.clone(),
                    edition: None,
                },
            },
            (_, 500..=599) => Error::ServerError {
                url,
                status: reply.status,
            },
            (_, status) => Error::UnexpectedStatus { url, status },
        }
    }

    /// `path` joined under the base URL.
    pub(crate) fn url(&self, path: &str) -> Result<Url, Error> {
        self.base.join(path).map_err(|e| Error::InvalidUrl {
            url: self.display.clone(),
            reason: e.to_string(),
        })
    }

    /// `path` joined under the origin (scheme, host, port) of the base URL.
    pub(crate) fn origin_url(&self, path: &str) -> Option<Url> {
        let mut u = self.base.clone();
        u.set_path("/");
        u.join(path).ok()
    }

    /// Whether the base URL has a context path.
    pub(crate) fn has_context_path(&self) -> bool {
        self.base.path() != "/"
    }

    pub(crate) fn trace_line(&self, line: &str) {
        if let Some(trace) = &self.config.trace {
            trace(line);
        }
    }

    /// Sends one request and reads the (bounded) answer.
    pub(crate) fn send(
        &self,
        method: Method,
        url: Url,
        auth: Option<(&str, &Secret<String>)>,
        ticket_header: Option<(&'static str, &Secret<String>)>,
        body: Option<Secret<String>>,
        accept: Option<&'static str>,
    ) -> Result<Reply, Error> {
        let shown = strip_query(url.as_str());
        let shown_trace = if url.query().is_some() {
            format!("{shown}?authToken=<redacted>")
        } else {
            shown.clone()
        };
        // A per-request timeout bounds the whole exchange, body included: the client-wide one
        // of reqwest's blocking client only bounds each wait, so a body trickling one byte a
        // second would never time out.
        if let Some((user, _)) = auth {
            super::validate_username(user)?;
        }
        let mut req = self
            .http
            .request(method.clone(), url)
            .timeout(self.config.timeout);
        if let Some((user, password)) = auth {
            req = req.basic_auth(user, Some(password.expose()));
        }
        if let Some((name, ticket)) = ticket_header {
            let mut value =
                reqwest::header::HeaderValue::from_str(ticket.expose()).map_err(|_| {
                    Error::InvalidResponse {
                        url: shown.clone(),
                        what: "the ticket holds characters that cannot go into a header",
                    }
                })?;
            value.set_sensitive(true);
            req = req.header(name, value);
        }
        if let Some(accept) = accept {
            req = req.header(reqwest::header::ACCEPT, accept);
        }
        if let Some(body) = body {
            req = req.body(body.expose().clone());
        }
        let result = req.send();
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                self.trace_line(&format!("{method} {shown_trace} -> failed"));
                return Err(self.transport_error(&e, &shown));
            }
        };
        let reply = self.read_reply(response, &shown)?;
        self.trace_line(&format!("{method} {shown_trace} -> {}", reply.status));
        Ok(reply)
    }

    fn read_reply(&self, response: Response, shown: &str) -> Result<Reply, Error> {
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let status = response.status().as_u16();
        let server = header(reqwest::header::SERVER);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let location = header(reqwest::header::LOCATION);
        if response.content_length().is_some_and(|l| l > MAX_BODY) {
            return Err(Error::InvalidResponse {
                url: shown.to_owned(),
                what: "the answer is larger than 1 MiB",
            });
        }
        let mut body = Zeroizing::new(Vec::new());
        let mut limited = response.take(MAX_BODY + 1);
        if let Err(e) = limited.read_to_end(&mut body) {
            return Err(self.io_error(&e, shown));
        }
        if body.len() as u64 > MAX_BODY {
            return Err(Error::InvalidResponse {
                url: shown.to_owned(),
                what: "the answer is larger than 1 MiB",
            });
        }
        Ok(Reply {
            status,
            server,
            content_type,
            location,
            body,
            url: shown.to_owned(),
        })
    }

    fn io_error(&self, e: &std::io::Error, shown: &str) -> Error {
        if e.kind() == std::io::ErrorKind::TimedOut
            || e.get_ref()
                .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
                .is_some_and(reqwest::Error::is_timeout)
        {
            return Error::Timeout {
                url: shown.to_owned(),
                secs: self.config.timeout.as_secs(),
            };
        }
        Error::Network {
            url: shown.to_owned(),
            detail: format!("the answer was cut off ({})", e.kind()),
        }
    }

    fn transport_error(&self, e: &reqwest::Error, shown: &str) -> Error {
        let detail = chain(e);
        let lower = detail.to_ascii_lowercase();
        let url = shown.to_owned();
        if e.is_timeout() || lower.contains("timed out") {
            let secs = if e.is_connect() {
                self.config.connect_timeout.as_secs()
            } else {
                self.config.timeout.as_secs()
            };
            return Error::Timeout { url, secs };
        }
        if has_io_kind(e, std::io::ErrorKind::ConnectionRefused)
            || lower.contains("connection refused")
        {
            return Error::ConnectionRefused { url };
        }
        if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
            || lower.contains("invalid peer")
        {
            let problem = super::TlsProblem::from_detail(&detail);
            return Error::Tls {
                url,
                problem,
                detail,
            };
        }
        Error::Network { url, detail }
    }
}

/// The messages of an error's source chain, without URLs (they may carry a ticket).
fn chain(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        let msg = s.to_string();
        if !msg.is_empty() && !parts.contains(&msg) && !msg.contains("://") {
            parts.push(msg);
        }
        source = s.source();
    }
    if parts.is_empty() {
        let mut own = e.to_string();
        if let Some(i) = own.find(" for url") {
            own.truncate(i);
        }
        parts.push(own);
    }
    let mut joined = parts.join(": ");
    if joined.len() > 300 {
        let mut cut = 300;
        while !joined.is_char_boundary(cut) {
            cut -= 1;
        }
        joined.truncate(cut);
    }
    joined
}

fn has_io_kind(e: &reqwest::Error, kind: std::io::ErrorKind) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && io.kind() == kind
        {
            return true;
        }
        source = s.source();
    }
    false
}

/// Follows redirects only within the origin of the first request, so credentials never leave it.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if same && attempt.previous().len() < 5 {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Checks the user's base URL (http or https, a host, no userinfo, no query) and returns it
/// without the trailing slash: the form saved in profiles and used in keyring entry names.
pub fn normalize_base_url(raw: &str) -> Result<String, Error> {
    parse_base(raw).map(|url| url.as_str().trim_end_matches('/').to_owned())
}

/// Parses and checks the user's base URL; returns it with a trailing slash.
fn parse_base(raw: &str) -> Result<Url, Error> {
    let invalid = |reason: &str| Error::InvalidUrl {
        url: strip_query(raw),
        reason: reason.to_owned(),
    };
    let mut url = Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be `http` or `https`"));
    }
    if url.host().is_none() {
        return Err(invalid("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::InvalidUrl {
            url: "(URL with credentials, not shown)".into(),
            reason: "credentials in the URL are not accepted: use `--username` and a password prompt or `--password-stdin`".into(),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("the base URL must not have a query or fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// A URL (or URL-like string) without query, fragment and userinfo, for messages.
pub(crate) fn strip_query(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => raw.split(['?', '#']).next().unwrap_or_default().to_owned(),
    }
}

/// `Nexus/3.77.0-08 (PRO)` -> (`3.77.0-08`, `Some("PRO")`); `Nexus/2.15.1-02` -> (.., None).
pub(crate) fn parse_server_header(value: &str) -> Option<(String, Option<String>)> {
    let rest = value.trim().strip_prefix("Nexus/")?;
    let (version, tail) = match rest.split_once(' ') {
        Some((v, t)) => (v, t.trim()),
        None => (rest, ""),
    };
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let edition = tail
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .map(str::to_owned)
        .filter(|e| !e.is_empty());
    Some((version.to_owned(), edition))
}

/// The family for a version; versions newer than 3 use the newest family.
pub(crate) fn family_of(version: &str) -> Family {
    Family::from_version(version).unwrap_or_else(|| {
        if version.starts_with('2') {
            Family::Nexus2
        } else {
            Family::Nexus3
        }
    })
}

/// Whether a non-success answer says the current token expired (`User Token expired`).
fn is_token_expired_answer(reply: &Reply) -> bool {
    !(200..300).contains(&reply.status) && reply.body_mentions("user token expired")
}

fn parse_token(reply: &Reply) -> Result<UserToken, Error> {
    parse_token_json(&reply.body).map_err(|what| Error::InvalidResponse {
        url: reply.url.clone(),
        what,
    })
}

/// Parses a step-1 answer body (`{"t": "..."}`) into the ticket. Pure: no I/O, never panics on
/// any input (fuzzed: fuzz/fuzz_targets/json.rs). The error says what was wrong, never the body.
pub fn parse_ticket(body: &[u8]) -> Result<Secret<String>, &'static str> {
    #[derive(serde::Deserialize)]
    struct Ticket {
        t: String,
    }
    let ticket: Ticket = serde_json::from_slice(body)
        .map_err(|_| "the ticket answer is not the expected JSON `{\"t\": ...}`")?;
    let ticket = Secret::new(ticket.t);
    if ticket.expose().is_empty() {
        return Err("the ticket is empty");
    }
    Ok(ticket)
}

/// Parses a step-2 answer body (`{"nameCode", "passCode", "created"}`, plain or wrapped in
/// `data`) into the token. Pure: no I/O, never panics on any input (fuzzed:
/// fuzz/fuzz_targets/json.rs). The error says what was wrong, never the body.
pub fn parse_token_json(body: &[u8]) -> Result<UserToken, &'static str> {
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(rename = "nameCode")]
        name_code: String,
        #[serde(rename = "passCode")]
        pass_code: String,
        created: Option<serde_json::Value>,
    }
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Wrapped {
        Plain(Raw),
        Data { data: Raw },
    }
    let raw = match serde_json::from_slice::<Wrapped>(body) {
        Ok(Wrapped::Plain(r) | Wrapped::Data { data: r }) => r,
        Err(_) => return Err("the token answer is not the expected JSON"),
    };
    let pass_code = Secret::new(raw.pass_code);
    if raw.name_code.is_empty() || pass_code.expose().is_empty() {
        return Err("the token answer has an empty nameCode or passCode");
    }
    let created = match raw.created {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Ok(UserToken {
        name_code: raw.name_code,
        pass_code,
        created,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pure_parsers_accept_the_documented_shapes_and_refuse_the_rest() {
        assert_eq!(parse_ticket(br#"{"t":"abc"}"#).unwrap().expose(), "abc");
        for bad in [
            &br#"{"t":""}"#[..],
            b"",
            b"<html>",
            br#"{"t": "ab"#,
            b"[[[[",
            br#"{"t":1}"#,
        ] {
            assert!(
                parse_ticket(bad).is_err(),
                "a ticket answer that is not `{{\"t\": <non-empty string>}}` is refused"
            );
        }
        let plain = parse_token_json(br#"{"nameCode":"n","passCode":"p","created":1}"#).unwrap();
        assert_eq!(
            (
                plain.name_code.as_str(),
                plain.pass_code.expose().as_str(),
                plain.created.as_deref()
            ),
            ("n", "p", Some("1"))
        );
        let wrapped = parse_token_json(br#"{"data":{"nameCode":"n","passCode":"p"}}"#).unwrap();
        assert_eq!(
            wrapped.pass_code.expose(),
            "p",
            "the Nexus 2 `data` wrapper is accepted"
        );
        for bad in [
            &br#"{"nameCode":"","passCode":"p"}"#[..],
            br#"{"nameCode":"n"}"#,
            b"<<not json>>",
        ] {
            let e = parse_token_json(bad).err().unwrap_or_default();
            assert!(
                !e.is_empty(),
                "a malformed token answer is refused with a reason"
            );
        }
    }

    #[test]
    fn server_header_gives_version_and_edition() {
        assert_eq!(
            parse_server_header("Nexus/3.77.0-08 (PRO)"),
            Some(("3.77.0-08".into(), Some("PRO".into())))
        );
        assert_eq!(
            parse_server_header("Nexus/2.15.1-02"),
            Some(("2.15.1-02".into(), None))
        );
        assert_eq!(parse_server_header("tiny-http (Rust)"), None);
        assert_eq!(parse_server_header("Nexus/"), None);
    }

    #[test]
    fn base_url_keeps_the_context_path_and_refuses_credentials() {
        let u = parse_base("http://h:8081/nexus").unwrap();
        assert_eq!(
            u.join("service/local/status").unwrap().path(),
            "/nexus/service/local/status"
        );
        let e = parse_base("http://bob:pw@h:8081").unwrap_err();
        assert!(
            !e.to_string().contains("pw"),
            "the URL's password is never echoed"
        );
        assert!(parse_base("ftp://h").is_err());
        assert!(parse_base("not a url").is_err());
    }

    #[test]
    fn insecure_warning_only_for_plain_http_to_other_hosts() {
        let c = |u: &str| Client::new(ClientConfig::new(u)).unwrap();
        assert!(c("http://nexus.example.com").insecure_warning().is_some());
        assert!(c("http://127.0.0.1:8081").insecure_warning().is_none());
        assert!(c("http://localhost:8081").insecure_warning().is_none());
        assert!(c("http://[::1]:8081").insecure_warning().is_none());
        assert!(c("https://nexus.example.com").insecure_warning().is_none());
    }

    fn reply(status: u16, content_type: &str, body: &str) -> Reply {
        Reply {
            status,
            server: Some("Nexus/3.77.0-08 (PRO)".into()),
            content_type: Some(content_type.into()),
            location: None,
            body: Zeroizing::new(body.as_bytes().to_vec()),
            url: "http://127.0.0.1:1/x".into(),
        }
    }

    #[test]
    fn user_token_expired_on_any_failed_token_or_attributes_answer_is_token_expired() {
        let c = Client::new(ClientConfig::new("http://127.0.0.1:1")).unwrap();
        for status in [400, 401, 403, 404, 410, 500] {
            for ct in ["text/plain", "application/json", "text/html"] {
                let r = reply(status, ct, "{\"message\":\"User Token expired\"}");
                for step in [Step::Token(Family::Nexus3), Step::Attributes] {
                    let e = c.classify(step, &r, "alice");
                    assert!(
                        matches!(e, Error::TokenExpired { .. }),
                        "HTTP {status} {ct} naming `User Token expired` at {step:?} means the token expired, got {e:?}"
                    );
                }
            }
        }
        let plain = c.classify(Step::Attributes, &reply(410, "text/plain", "Gone"), "alice");
        assert!(
            !matches!(plain, Error::TokenExpired { .. }),
            "an answer that does not name the expiry is not taken for one"
        );
    }

    #[test]
    fn header_size_refusals_and_server_error_pages_are_not_taken_for_a_login_page() {
        let c = Client::new(ClientConfig::new("http://127.0.0.1:1")).unwrap();
        let page = "<html><body><h1>431 Request Header Fields Too Large</h1></body></html>";
        for step in [
            Step::Probe,
            Step::Authenticate(Family::Nexus3),
            Step::Token(Family::Nexus3),
            Step::Attributes,
        ] {
            for r in [
                reply(431, "text/html", page),
                reply(431, "text/plain", ""),
                reply(
                    400,
                    "text/html",
                    "<html><center><h1>400 Bad Request</h1></center><center>Request Header Or Cookie Too Large</center></html>",
                ),
            ] {
                let e = c.classify(step, &r, "alice");
                assert!(
                    matches!(e, Error::HeadersTooLarge { .. }),
                    "HTTP {} saying the headers are too large is reported as such at {step:?}, got {e:?}",
                    r.status
                );
            }
            let e = c.classify(
                step,
                &reply(502, "text/html", "<html>Bad Gateway</html>"),
                "alice",
            );
            assert!(
                matches!(e, Error::ServerError { status: 502, .. }),
                "an HTML 502 page is a server failure at {step:?}, got {e:?}"
            );
        }
        let e = c.classify(
            Step::Token(Family::Nexus3),
            &reply(200, "text/html", "<html>Sign in</html>"),
            "alice",
        );
        assert!(
            e.to_string().contains("single sign-on"),
            "a 200 HTML page is still taken for a login page: {e}"
        );
    }

    #[test]
    fn detection_knows_editions_without_user_tokens() {
        let d = |e: Option<&str>| Detection {
            family: Family::Nexus3,
            version: None,
            edition: e.map(str::to_owned),
        };
        assert_eq!(d(Some("OSS")).has_user_tokens(), Some(false));
        assert_eq!(d(Some("COMMUNITY")).has_user_tokens(), Some(false));
        assert_eq!(d(Some("CORE")).has_user_tokens(), Some(false));
        assert_eq!(d(Some("PRO")).has_user_tokens(), Some(true));
        assert_eq!(d(None).has_user_tokens(), None);
        assert!(d(Some("OSS")).require_user_tokens("http://h").is_err());
    }
}

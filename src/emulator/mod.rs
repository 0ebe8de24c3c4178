//! The Nexus emulator for tests, benchmarks and `demo`: a real HTTP server (tiny_http) on
//! 127.0.0.1 that behaves as docs/nexus-protocol.md describes, for any of the five families.
//!
//! It owns the emulated server state (users, tickets, tokens), a request log tests assert on,
//! and fault injection. It serves a tiny Maven repository guarded by the tokens. It must never
//! listen on anything but loopback, and its log never holds a password, ticket or passCode.

mod npm;
mod raw;
mod repo;
mod server;
// Served targets (issue 17): the Docker registry at `/v2/` and the Cargo sparse registry.
mod cargo;
mod docker;
// The Go module proxy (issue 25).
mod goproxy;

pub use goproxy::{MODULE as GO_MODULE, VERSION as GO_VERSION};
pub use server::pypi::{
    MODULE as PYPI_MODULE, PROJECT as PYPI_PROJECT, PypiUpload, WHEEL as PYPI_WHEEL,
    WHEEL_NAME as PYPI_WHEEL_NAME,
};

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use crate::nexus::Family;

/// How the emulated server is set up. Build with [`EmulatorConfig::new`] and the setters.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    family: Family,
    context_path: Option<String>,
    version: Option<String>,
    edition: String,
    users: Vec<(String, Option<String>)>,
    ticket_lifetime: Duration,
    anonymous: bool,
    token_feature_enabled: bool,
    require_user_tokens: bool,
    expiry: Option<Duration>,
    latency: Duration,
    strip_server_header: bool,
}

impl EmulatorConfig {
    /// A PRO server of `family` with its default context path and a representative version,
    /// no users, 20 s tickets, anonymous access on, user tokens enabled.
    pub fn new(family: Family) -> Self {
        EmulatorConfig {
            family,
            context_path: None,
            version: None,
            edition: "PRO".into(),
            users: Vec::new(),
            ticket_lifetime: Duration::from_secs(20),
            anonymous: true,
            token_feature_enabled: true,
            require_user_tokens: false,
            expiry: None,
            latency: Duration::ZERO,
            strip_server_header: false,
        }
    }

    /// Adds a user with a real password.
    pub fn user(mut self, name: &str, password: &str) -> Self {
        self.users
            .push((name.to_owned(), Some(password.to_owned())));
        self
    }

    /// Adds a user who signs in through SSO (SAML): no password the API accepts, so the ticket
    /// flow refuses them; their token is minted in the UI ([`Emulator::mint_token`]) and
    /// authenticates REST calls and repository content like any token.
    pub fn sso_user(mut self, name: &str) -> Self {
        self.users.push((name.to_owned(), None));
        self
    }

    /// The context path (`/nexus`, `/repo-manager`, or `""` for the root).
    pub fn context_path(mut self, path: &str) -> Self {
        self.context_path = Some(path.trim_end_matches('/').to_owned());
        self
    }

    /// The version the server reports, e.g. `3.77.0-08`.
    pub fn version(mut self, version: &str) -> Self {
        self.version = Some(version.to_owned());
        self
    }

    /// The edition: `PRO`, `OSS`, `COMMUNITY`, `CORE`.
    pub fn edition(mut self, edition: &str) -> Self {
        self.edition = edition.to_owned();
        self
    }

    /// How long a ticket stays valid (default 20 s; zero makes every ticket stale).
    pub fn ticket_lifetime(mut self, lifetime: Duration) -> Self {
        self.ticket_lifetime = lifetime;
        self
    }

    /// Whether anonymous access is on (Nexus 2 status readable without login).
    pub fn anonymous(mut self, on: bool) -> Self {
        self.anonymous = on;
        self
    }

    /// Whether the user-token feature is enabled.
    pub fn token_feature_enabled(mut self, on: bool) -> Self {
        self.token_feature_enabled = on;
        self
    }

    /// Whether repository content refuses the real password ("require user tokens").
    pub fn require_user_tokens(mut self, on: bool) -> Self {
        self.require_user_tokens = on;
        self
    }

    /// Nexus 3.69+ token expiry: tokens expire this long after creation.
    pub fn expiry(mut self, expiry: Option<Duration>) -> Self {
        self.expiry = expiry;
        self
    }

    /// A delay before every answer.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Drop the `Nexus/...` `Server` header, as some reverse proxies do.
    pub fn strip_server_header(mut self, strip: bool) -> Self {
        self.strip_server_header = strip;
        self
    }

    /// The emulated family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The effective context path (`""` or `/name`).
    pub fn effective_context_path(&self) -> String {
        match &self.context_path {
            Some(p) if p.is_empty() || p.starts_with('/') => p.clone(),
            Some(p) => format!("/{p}"),
            None if self.family.is_nexus2() => "/nexus".into(),
            None => String::new(),
        }
    }

    /// The effective version.
    pub fn effective_version(&self) -> String {
        self.version.clone().unwrap_or_else(|| {
            match self.family {
                Family::Nexus2Legacy => "2.6.4-02",
                Family::Nexus2 => "2.15.1-02",
                Family::Nexus3Siesta => "3.7.1-02",
                Family::Nexus3Rest => "3.23.0-03",
                Family::Nexus3 => "3.77.0-08",
            }
            .to_owned()
        })
    }
}

/// An injected failure, applied to every API call (paths under `service/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status with an empty body.
    Status(u16),
    /// Answer 200 with an HTML login page.
    Html,
    /// Never answer (until the emulator stops).
    Stall,
    /// 200 JSON cut off in the middle.
    TruncatedJson,
    /// 200 `application/json` that is not JSON.
    InvalidJson,
    /// 200 with a 16 MiB chunked body.
    HugeBody,
    /// 302 to this origin (the request path is appended).
    RedirectTo(String),
    /// Answer bytes that are not HTTP, then drop the response (tiny_http cannot send a RST).
    ResetConnection,
    /// Answer this status with a small HTML error page, as a proxy in front of Nexus does.
    HtmlStatus(u16),
    /// 200 JSON whose headers come at once and whose body trickles, one byte per second.
    TrickleBody,
}

/// What a request was, for assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// Step 1.
    Authenticate,
    /// Step 2 (and reset/generate).
    Token,
    /// `user-token/attributes`.
    Attributes,
    /// `service/local/status` or `service/rest/v1/status`.
    Status,
    /// Repository content.
    Repository,
    /// Anything else.
    Other,
}

/// One request the emulator answered. Holds no secret: the `authToken` query value is
/// replaced by `REDACTED`, ticket headers are recorded by name only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// The full path, context path included.
    pub path: String,
    pub query: Option<String>,
    pub kind: RequestKind,
    /// Status answered (0 for a stalled or broken answer).
    pub status: u16,
    /// The Basic auth username, if any (never the password).
    pub username: Option<String>,
    /// The client's port: equal values mean the same TCP connection.
    pub connection: u16,
    /// Name of the ticket header sent, if any.
    pub ticket_header: Option<String>,
    pub user_agent: Option<String>,
    pub accept: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub name_code: String,
    pub pass_code: String,
    pub created: String,
    pub expires_at: Option<SystemTime>,
}

#[derive(Debug)]
pub(crate) struct User {
    /// `None` for an SSO user (no password the API accepts).
    pub password: Option<String>,
    pub token: Option<Token>,
}

#[derive(Debug)]
pub(crate) struct Ticket {
    pub user: String,
    pub issued: Instant,
}

#[derive(Debug, Default)]
pub(crate) struct Inner {
    pub users: BTreeMap<String, User>,
    pub tickets: HashMap<String, Ticket>,
    /// Docker bearer tokens issued by `/v2/token`, and their user.
    pub docker_tokens: HashMap<String, String>,
    pub log: Vec<RequestRecord>,
    pub fault: Option<Fault>,
    pub expire_next_tickets: u32,
    pub npm: npm::NpmState,
    pub pypi_uploads: Vec<PypiUpload>,
}

pub(crate) struct Shared {
    pub config: EmulatorConfig,
    pub context: String,
    pub version: String,
    pub inner: Mutex<Inner>,
    pub stop: AtomicBool,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking handler thread must not take the emulator down with it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running emulator; stops on drop.
pub struct Emulator {
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
    workers: Vec<JoinHandle<()>>,
}

/// Handler threads: enough that a stalled answer does not block the others.
const WORKERS: usize = 6;

impl Emulator {
    /// Binds 127.0.0.1 on a free port and serves on background threads.
    pub fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        Self::start_on(config, 0)
    }

    /// Like [`Emulator::start`] on a given port of 127.0.0.1 (0 picks a free one).
    pub fn start_on(config: EmulatorConfig, port: u16) -> std::io::Result<Emulator> {
        let server = tiny_http::Server::http(("127.0.0.1", port)).map_err(std::io::Error::other)?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| std::io::Error::other("the emulator is not on a TCP socket"))?;
        let mut inner = Inner::default();
        for (name, password) in &config.users {
            inner.users.insert(
                name.clone(),
                User {
                    password: password.clone(),
                    token: None,
                },
            );
        }
        let shared = Arc::new(Shared {
            context: config.effective_context_path(),
            version: config.effective_version(),
            config,
            inner: Mutex::new(inner),
            stop: AtomicBool::new(false),
        });
        let server = Arc::new(server);
        let workers = (0..WORKERS)
            .map(|_| {
                let server = Arc::clone(&server);
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || {
                    while !shared.stop.load(Ordering::SeqCst) {
                        match server.recv_timeout(Duration::from_millis(100)) {
                            Ok(Some(request)) => server::handle(&shared, request),
                            Ok(None) => {}
                            Err(_) => break,
                        }
                    }
                })
            })
            .collect();
        Ok(Emulator {
            shared,
            server,
            addr,
            workers,
        })
    }

    /// The emulated family.
    pub fn family(&self) -> Family {
        self.shared.config.family
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` plus the context path, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, self.shared.context)
    }

    /// `http://127.0.0.1:PORT` without the context path.
    pub fn origin_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The Maven repository URL, with trailing slash.
    pub fn repository_url(&self) -> String {
        format!(
            "{}/{}",
            self.base_url(),
            self.shared.config.family.repository_path()
        )
    }

    /// The Go proxy repository's URL (`.../repository/go-proxy/`), over the emulator's plain
    /// http: Go sends credentials only over https, so tests put a TLS front before it.
    pub fn go_proxy_url(&self) -> String {
        format!("{}/{}", self.base_url(), goproxy::PREFIX)
    }

    /// The Gradle distribution in the protected raw repository `gradle-dists` (what
    /// `gradle wrapper --gradle-distribution-url` takes).
    pub fn gradle_distribution_url(&self) -> String {
        format!(
            "{}/{}{}",
            self.base_url(),
            raw::repository_path(self.shared.config.family),
            raw::DISTRIBUTION
        )
    }

    /// The PyPI group's simple index URL (`.../repository/pypi-group/simple/`).
    pub fn pypi_simple_url(&self) -> String {
        format!("{}/{}simple/", self.base_url(), server::pypi::GROUP)
    }

    /// The hosted PyPI repository's upload URL (`.../repository/pypi-hosted/`).
    pub fn pypi_hosted_url(&self) -> String {
        format!("{}/{}", self.base_url(), server::pypi::HOSTED)
    }

    /// Files uploaded to the hosted PyPI repository, oldest first.
    pub fn pypi_uploads(&self) -> Vec<PypiUpload> {
        self.shared.lock().pypi_uploads.clone()
    }

    /// Every request answered so far, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().log.clone()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.shared.lock().log.clear();
    }

    /// The user's current token (`nameCode`, `passCode`), if one was created.
    pub fn token_of(&self, user: &str) -> Option<(String, String)> {
        let inner = self.shared.lock();
        let token = inner.users.get(user)?.token.as_ref()?;
        Some((token.name_code.clone(), token.pass_code.clone()))
    }

    /// Gives the user this token (tests of values a client file cannot hold).
    pub fn set_token(&self, user: &str, name_code: &str, pass_code: &str) {
        if let Some(u) = self.shared.lock().users.get_mut(user) {
            u.token = Some(Token {
                name_code: name_code.to_owned(),
                pass_code: pass_code.to_owned(),
                created: "2024-01-01T00:00:00.000+00:00".to_owned(),
                expires_at: None,
            });
        }
    }

    /// Resets the user's token (as an administrator would).
    pub fn reset_token(&self, user: &str) {
        if let Some(u) = self.shared.lock().users.get_mut(user) {
            u.token = None;
        }
    }

    /// Changes (or creates) a user's real password.
    pub fn set_password(&self, user: &str, password: &str) {
        let mut inner = self.shared.lock();
        inner
            .users
            .entry(user.to_owned())
            .and_modify(|u| u.password = Some(password.to_owned()))
            .or_insert_with(|| User {
                password: Some(password.to_owned()),
                token: None,
            });
    }

    /// The user's token as the UI's "Access user token" dialog shows it: the current one, or a
    /// new one minted now (expiring after the configured expiry, if any).
    pub fn mint_token(&self, user: &str) -> Option<(String, String)> {
        if let Some(current) = self.token_of(user) {
            return Some(current);
        }
        self.mint_token_at(user, SystemTime::now())
    }

    /// Replaces the user's token with one the UI minted at `created` (in the past, say): its
    /// `created` time and, with expiry on, its expiry (`created` + the configured expiry) follow.
    pub fn mint_token_at(&self, user: &str, created: SystemTime) -> Option<(String, String)> {
        let token = server::token_created_at(&self.shared, created);
        let mut inner = self.shared.lock();
        let account = inner.users.get_mut(user)?;
        account.token = Some(token.clone());
        Some((token.name_code, token.pass_code))
    }

    /// Makes the user's current token expire `after` from now (an administrator changed the
    /// expiry settings).
    pub fn expire_in(&self, user: &str, after: Duration) {
        if let Some(token) = self
            .shared
            .lock()
            .users
            .get_mut(user)
            .and_then(|u| u.token.as_mut())
        {
            token.expires_at = Some(SystemTime::now() + after);
        }
    }

    /// Makes the user's current token expired (3.69+ expiry).
    pub fn expire_token(&self, user: &str) {
        if let Some(token) = self
            .shared
            .lock()
            .users
            .get_mut(user)
            .and_then(|u| u.token.as_mut())
        {
            token.expires_at = Some(SystemTime::UNIX_EPOCH);
        }
    }

    /// Treats the next `n` tickets presented as expired (a ticket outliving its lifetime).
    pub fn expire_next_tickets(&self, n: u32) {
        self.shared.lock().expire_next_tickets = n;
    }

    /// Injects (or clears) a fault on every API call.
    pub fn set_fault(&self, fault: Option<Fault>) {
        self.shared.lock().fault = fault;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for _ in 0..WORKERS {
            self.server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

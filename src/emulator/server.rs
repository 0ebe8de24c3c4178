//! Request handling of the emulator: routing by family, the ticket and token rules in the
//! order of docs/nexus-protocol.md, the Maven repository, and fault injection.
//!
//! It must never record a password, a ticket or a passCode in the request log.

use std::io::{Cursor, Read, Write};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rand::RngCore as _;
use tiny_http::{Header, Method, Request, Response, StatusCode};

use super::{Fault, RequestKind, RequestRecord, Shared, Ticket, Token, npm, raw, repo};

#[path = "pypi.rs"]
pub(super) mod pypi;
use crate::nexus::{Family, TicketCarrier};

/// What to send back.
struct Answer {
    status: u16,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
    /// Add the `Server: Nexus/...` header (false outside the context path).
    nexus: bool,
    special: Special,
}

enum Special {
    None,
    Huge,
    Stall,
    Reset,
    Trickle,
}

impl Answer {
    fn new(status: u16) -> Answer {
        Answer {
            status,
            content_type: None,
            body: Vec::new(),
            headers: Vec::new(),
            nexus: true,
            special: Special::None,
        }
    }
    fn with(mut self, content_type: &'static str, body: impl Into<Vec<u8>>) -> Answer {
        self.content_type = Some(content_type);
        self.body = body.into();
        self
    }
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Answer {
        self.headers.push((name, value.into()));
        self
    }
}

/// The parts of a request the rules look at.
struct Req {
    method: Method,
    rel: String,
    query: Option<String>,
    basic: Option<(String, String)>,
    accept_json: bool,
    browser: bool,
    ticket_header: Option<(String, String)>,
    body: Vec<u8>,
    host: Option<String>,
}

/// Who the Basic credentials belong to.
enum Auth {
    None,
    Invalid,
    Password(String),
    Token(String, bool),
}

pub(crate) fn handle(shared: &Shared, mut request: Request) {
    let latency = shared.config.latency;
    if !latency.is_zero() {
        std::thread::sleep(latency);
    }
    let header = |name: &str| {
        request
            .headers()
            .iter()
            .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str().to_owned())
    };
    let raw_url = request.url().to_owned();
    let (path, query) = match raw_url.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (raw_url.clone(), None),
    };
    let basic = header("Authorization").and_then(|v| parse_basic(&v));
    let accept = header("Accept");
    let user_agent = header("User-Agent");
    let ticket_header = ["X-NX-AuthTicket", "X-NX-UserToken-AuthTicket"]
        .into_iter()
        .find_map(|name| header(name).map(|v| (name.to_owned(), v)));
    let host = header("Host");
    let mut body = Vec::new();
    // A GET has no body; reading one would block on an `Upgrade: h2c` request (cargo sends it
    // over plain http), whose "body" tiny_http leaves open as the rest of the connection.
    if !matches!(request.method(), Method::Get | Method::Head) {
        let _ = request.as_reader().take(64 * 1024).read_to_end(&mut body);
    }
    let connection = request.remote_addr().map_or(0, |a| a.port());

    let context = shared.context.as_str();
    let rel = if context.is_empty() {
        path.strip_prefix('/').map(str::to_owned)
    } else {
        path.strip_prefix(context)
            .and_then(|r| r.strip_prefix('/'))
            .map(str::to_owned)
    };
    let req = rel.map(|rel| Req {
        method: request.method().clone(),
        rel,
        query: query.clone(),
        basic: basic.clone(),
        accept_json: accept
            .as_deref()
            .is_some_and(|a| a.to_ascii_lowercase().contains("json")),
        browser: user_agent
            .as_deref()
            .is_some_and(|u| u.contains("Mozilla/")),
        ticket_header: ticket_header.clone(),
        body,
        host,
    });
    let (kind, answer) = match &req {
        _ if super::docker::owns(&path) => served_docker(shared, &request, &path, &basic),
        Some(req) if super::cargo::owns(&req.rel) => served_cargo(shared, req, &request),
        Some(req) if super::goproxy::owns(&req.rel) => served_go(shared, req),
        Some(req) => route(shared, req),
        None => {
            let mut a = Answer::new(404).with("text/html", "<html><body>Not Found</body></html>");
            a.nexus = false;
            (RequestKind::Other, a)
        }
    };

    let status = match answer.special {
        Special::Stall | Special::Reset | Special::Trickle => 0,
        _ => answer.status,
    };
    shared.lock().log.push(RequestRecord {
        method: request.method().as_str().to_owned(),
        path,
        query: query.map(|q| redact_query(&q)),
        kind,
        status,
        username: basic.map(|(u, _)| u),
        connection,
        ticket_header: ticket_header.map(|(name, _)| name),
        user_agent,
        accept,
    });
    send(shared, request, answer);
}

fn send(shared: &Shared, request: Request, answer: Answer) {
    let mut headers = Vec::new();
    if answer.nexus && !shared.config.strip_server_header {
        let value = if shared.config.family.is_nexus2() {
            format!("Nexus/{}", shared.version)
        } else {
            format!("Nexus/{} ({})", shared.version, shared.config.edition)
        };
        headers.extend(Header::from_bytes("Server", value).ok());
    }
    if let Some(ct) = answer.content_type {
        headers.extend(Header::from_bytes("Content-Type", ct).ok());
    }
    for (name, value) in &answer.headers {
        headers.extend(Header::from_bytes(name.as_bytes(), value.as_bytes()).ok());
    }
    match answer.special {
        Special::Stall => {
            let until = Instant::now() + Duration::from_secs(300);
            while !shared.stop.load(Ordering::SeqCst) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Special::Reset => {
            let mut writer = request.into_writer();
            let _ = writer.write_all(b"XYZZY not http\r\n\r\n");
            let _ = writer.flush();
        }
        Special::Trickle => trickle(shared, request, &answer.body),
        Special::Huge => {
            let reader = std::io::repeat(b' ').take(16 * 1024 * 1024);
            let response = Response::new(StatusCode(answer.status), headers, reader, None, None);
            let _ = request.respond(response);
        }
        Special::None => {
            let len = answer.body.len();
            let response = Response::new(
                StatusCode(answer.status),
                headers,
                Cursor::new(answer.body),
                Some(len),
                None,
            );
            let _ = request.respond(response);
        }
    }
}

/// Sends the headers at once, then the body one byte per second (until the emulator stops or
/// the client goes away).
fn trickle(shared: &Shared, request: Request, body: &[u8]) {
    let mut writer = request.into_writer();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    if writer
        .write_all(head.as_bytes())
        .and_then(|()| writer.flush())
        .is_err()
    {
        return;
    }
    for byte in body {
        for _ in 0..50 {
            if shared.stop.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if writer
            .write_all(&[*byte])
            .and_then(|()| writer.flush())
            .is_err()
        {
            return;
        }
    }
}

fn route(shared: &Shared, req: &Req) -> (RequestKind, Answer) {
    let family = shared.config.family;
    let rel = req.rel.as_str();
    if let Some(answer) = pypi::route(shared, req) {
        return (RequestKind::Repository, answer);
    }
    let kind = if rel == family.authenticate_path() {
        RequestKind::Authenticate
    } else if rel == family.token_path() {
        RequestKind::Token
    } else if rel.ends_with("user-token/attributes") {
        RequestKind::Attributes
    } else if rel == "service/local/status" || rel == "service/rest/v1/status" {
        RequestKind::Status
    } else if rel.starts_with(family.repository_path())
        || npm::is_npm_path(family, rel)
        || raw::is_raw_path(family, rel)
    {
        RequestKind::Repository
    } else {
        RequestKind::Other
    };
    if rel.starts_with("service/") {
        let fault = shared.lock().fault.clone();
        if let Some(fault) = fault {
            return (kind, fault_answer(&fault, req));
        }
    }
    let answer = match kind {
        RequestKind::Status => status(shared, req),
        RequestKind::Authenticate => authenticate(shared, req),
        RequestKind::Token => token(shared, req),
        RequestKind::Attributes => attributes(shared, req),
        RequestKind::Repository => repository(shared, req),
        RequestKind::Other => not_found(shared),
    };
    (kind, answer)
}

fn version_at_least(version: &str, major: u32, minor: u32) -> bool {
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse::<u32>().ok());
    let v = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    v >= (major, minor)
}

fn fault_answer(fault: &Fault, req: &Req) -> Answer {
    match fault {
        Fault::Status(code) => Answer::new(*code),
        Fault::Html => Answer::new(200).with(
            "text/html;charset=UTF-8",
            "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form action=\"/sso/login\"><input name=\"password\" type=\"password\"></form></body></html>",
        ),
        Fault::Stall => {
            let mut a = Answer::new(504);
            a.special = Special::Stall;
            a
        }
        Fault::TruncatedJson => {
            Answer::new(200).with("application/json", r#"{"t": "AbCdEf", "nameCode": "AbC"#)
        }
        Fault::InvalidJson => Answer::new(200).with("application/json", "<<this is not json>>"),
        Fault::HugeBody => {
            let mut a = Answer::new(200).with("application/json", Vec::new());
            a.special = Special::Huge;
            a
        }
        Fault::RedirectTo(target) => Answer::new(302).header(
            "Location",
            format!("{}/{}", target.trim_end_matches('/'), req.rel),
        ),
        Fault::HtmlStatus(code) => Answer::new(*code).with(
            "text/html",
            format!("<html><head><title>{code}</title></head><body><h1>HTTP {code}</h1></body></html>"),
        ),
        Fault::TrickleBody => {
            let mut a = Answer::new(200).with(
                "application/json",
                r#"{"t":"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789","nameCode":"n","passCode":"p"}"#,
            );
            a.special = Special::Trickle;
            a
        }
        Fault::ResetConnection => {
            let mut a = Answer::new(0);
            a.special = Special::Reset;
            a
        }
    }
}

fn not_found(shared: &Shared) -> Answer {
    if shared.config.family.is_nexus2() {
        Answer::new(404).with("text/plain", "Not Found")
    } else {
        Answer::new(404).header("X-Siesta-FaultId", fault_id())
    }
}

/// An error answer in the family's style: Nexus 3 empty with a fault id, Nexus 2 text.
fn fail(shared: &Shared, status: u16, message: &str) -> Answer {
    if shared.config.family.is_nexus2() {
        Answer::new(status).with("text/plain", message)
    } else {
        Answer::new(status).header("X-Siesta-FaultId", fault_id())
    }
}

/// 401 with the Basic challenge; Nexus 2 answers a browser with an HTML page and no challenge.
fn unauthorized(shared: &Shared, req: &Req, reason: &str) -> Answer {
    if shared.config.family.is_nexus2() {
        if req.browser {
            return Answer::new(401).with("text/html", "<html><body>Login required</body></html>");
        }
        return Answer::new(401).with("text/plain", reason).header(
            "WWW-Authenticate",
            "BASIC realm=\"Sonatype Nexus Repository Manager API\"",
        );
    }
    Answer::new(401).with("text/plain", reason).header(
        "WWW-Authenticate",
        "BASIC realm=\"Sonatype Nexus Repository Manager\"",
    )
}

fn fault_id() -> String {
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn random_b64(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    B64.encode(b)
}

fn parse_basic(value: &str) -> Option<(String, String)> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = B64.decode(rest.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_owned(), p.to_owned()))
}

fn check_auth(shared: &Shared, req: &Req) -> Auth {
    auth_of(shared, req.basic.as_ref())
}

fn auth_of(shared: &Shared, basic: Option<&(String, String)>) -> Auth {
    let Some((user, pass)) = basic else {
        return Auth::None;
    };
    let inner = shared.lock();
    if let Some(u) = inner.users.get(user)
        && u.password.as_ref() == Some(pass)
    {
        return Auth::Password(user.clone());
    }
    // Like an LDAP realm, the login name matches case-insensitively and the account's own
    // spelling becomes the principal (step 1 then sees a username mismatch).
    if let Some((name, _)) = inner
        .users
        .iter()
        .find(|(name, u)| name.eq_ignore_ascii_case(user) && u.password.as_ref() == Some(pass))
    {
        return Auth::Password(name.clone());
    }
    for (name, u) in &inner.users {
        if let Some(t) = &u.token
            && t.name_code == *user
            && t.pass_code == *pass
        {
            let expired = t.expires_at.is_some_and(|e| e <= SystemTime::now());
            return Auth::Token(name.clone(), expired);
        }
    }
    Auth::Invalid
}

/// JSON in the family's style (Nexus 2 pretty-prints with ` : `), XML when JSON was not asked.
fn document(shared: &Shared, req: &Req, root: &str, fields: &[(&str, String)]) -> Answer {
    if req.accept_json {
        let map: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
            .collect();
        let value = serde_json::Value::Object(map);
        let text = if shared.config.family.is_nexus2() {
            serde_json::to_string_pretty(&value)
                .unwrap_or_default()
                .replace("\": ", "\" : ")
        } else {
            value.to_string()
        };
        Answer::new(200).with("application/json", text)
    } else {
        let mut xml = format!("<{root}>");
        for (k, v) in fields {
            xml.push_str(&format!("<{k}>{}</{k}>", xml_escape(v)));
        }
        xml.push_str(&format!("</{root}>"));
        Answer::new(200).with("application/xml", xml)
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn status(shared: &Shared, req: &Req) -> Answer {
    let family = shared.config.family;
    // Nexus authenticates Basic credentials before it routes: a bad (or expired) token or
    // password gets 401 even where anonymous access is on.
    match check_auth(shared, req) {
        Auth::Invalid => return unauthorized(shared, req, "Unauthorized"),
        Auth::Token(_, true) => return unauthorized(shared, req, "User Token expired"),
        _ => {}
    }
    if req.rel == "service/rest/v1/status" {
        if family.is_nexus2() || !version_at_least(&shared.version, 3, 15) {
            return not_found(shared);
        }
        return Answer::new(200);
    }
    if !family.is_nexus2() {
        return not_found(shared);
    }
    if !shared.config.anonymous && !matches!(check_auth(shared, req), Auth::Password(_)) {
        return unauthorized(shared, req, "Unauthorized");
    }
    let edition = shared.config.edition.clone();
    if req.accept_json {
        let value = serde_json::json!({"data": {
            "appName": "Sonatype Nexus Professional",
            "formattedAppName": format!("Sonatype Nexus Professional {}", shared.version),
            "version": shared.version,
            "editionLong": if edition == "PRO" { "Professional" } else { "Open Source" },
            "editionShort": edition,
            "state": "STARTED",
        }});
        let text = serde_json::to_string_pretty(&value)
            .unwrap_or_default()
            .replace("\": ", "\" : ");
        return Answer::new(200).with("application/json", text);
    }
    Answer::new(200).with(
        "application/xml",
        format!(
            "<status><data><version>{}</version><editionShort>{}</editionShort></data></status>",
            shared.version, edition
        ),
    )
}

fn csrf_blocked(shared: &Shared, req: &Req) -> bool {
    !shared.config.family.is_nexus2()
        && req.browser
        && matches!(req.method, Method::Post | Method::Delete | Method::Put)
        && version_at_least(&shared.version, 3, 16)
        && !version_at_least(&shared.version, 3, 29)
}

fn authenticate(shared: &Shared, req: &Req) -> Answer {
    if req.method != Method::Post {
        return fail(shared, 405, "Method Not Allowed");
    }
    let basic_user = match check_auth(shared, req) {
        Auth::Invalid => return unauthorized(shared, req, "Unauthorized"),
        Auth::None => return fail(shared, 400, "Username mismatch"),
        Auth::Password(u) | Auth::Token(u, _) => u,
    };
    if csrf_blocked(shared, req) {
        return fail(shared, 403, "CSRF check failed");
    }
    #[derive(serde::Deserialize)]
    struct Body {
        u: String,
        p: String,
    }
    let decode = |s: &str| B64.decode(s).ok().and_then(|b| String::from_utf8(b).ok());
    let Some((u, p)) = serde_json::from_slice::<Body>(&req.body)
        .ok()
        .and_then(|b| Some((decode(&b.u)?, decode(&b.p)?)))
    else {
        return fail(shared, 400, "Invalid request body");
    };
    if u != basic_user {
        return fail(shared, 400, "Username mismatch");
    }
    let mut inner = shared.lock();
    let password_ok = inner
        .users
        .get(&basic_user)
        .is_some_and(|x| x.password.as_ref() == Some(&p));
    if !password_ok {
        drop(inner);
        return fail(shared, 403, "Authentication failed");
    }
    let ticket = random_b64(66);
    inner.tickets.insert(
        ticket.clone(),
        Ticket {
            user: basic_user,
            issued: Instant::now(),
        },
    );
    drop(inner);
    document(shared, req, "authTicket", &[("t", ticket)])
}

fn iso_at(at: SystemTime, nexus2: bool) -> String {
    let now = time::OffsetDateTime::from(at);
    let offset = if nexus2 { "+0000" } else { "+00:00" };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{offset}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    )
}

fn new_token(shared: &Shared) -> Token {
    token_created_at(shared, SystemTime::now())
}

/// A new token as if created at `at` (the expiry counts from creation).
pub(super) fn token_created_at(shared: &Shared, at: SystemTime) -> Token {
    Token {
        name_code: random_b64(6),
        pass_code: random_b64(33),
        created: iso_at(at, shared.config.family.is_nexus2()),
        expires_at: shared.config.expiry.map(|e| at + e),
    }
}

fn token_fields(t: &Token) -> [(&'static str, String); 3] {
    [
        ("nameCode", t.name_code.clone()),
        ("passCode", t.pass_code.clone()),
        ("created", t.created.clone()),
    ]
}

fn token(shared: &Shared, req: &Req) -> Answer {
    let family = shared.config.family;
    let user = match check_auth(shared, req) {
        Auth::None | Auth::Invalid => return unauthorized(shared, req, "Unauthorized"),
        Auth::Password(u) | Auth::Token(u, _) => u,
    };
    if !shared.config.edition.eq_ignore_ascii_case("PRO") {
        return not_found(shared);
    }
    let generate = family == Family::Nexus3 && version_at_least(&shared.version, 3, 69);
    let method_ok = match req.method {
        Method::Get | Method::Delete => true,
        Method::Post => generate,
        _ => false,
    };
    if !method_ok {
        return fail(shared, 405, "Method Not Allowed");
    }
    if csrf_blocked(shared, req) {
        return fail(shared, 403, "CSRF check failed");
    }
    if !shared.config.token_feature_enabled {
        return Answer::new(400).with("text/plain", "User-token feature is not enabled");
    }
    let presented = match family.ticket_carrier() {
        TicketCarrier::Header(name) => req
            .ticket_header
            .as_ref()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone()),
        TicketCarrier::AuthTokenQuery => req.query.as_deref().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "authToken")
                .and_then(|(_, v)| B64.decode(v.as_bytes()).ok())
                .and_then(|b| String::from_utf8(b).ok())
        }),
    };
    let Some(presented) = presented else {
        return fail(shared, 400, "Missing authentication ticket");
    };
    let mut inner = shared.lock();
    let ticket = inner.tickets.remove(&presented);
    let force_expired = inner.expire_next_tickets > 0 && ticket.is_some();
    if force_expired {
        inner.expire_next_tickets -= 1;
    }
    let valid = ticket.is_some_and(|t| {
        t.user == user && t.issued.elapsed() < shared.config.ticket_lifetime && !force_expired
    });
    if !valid {
        drop(inner);
        return fail(shared, 403, "Invalid authentication ticket");
    }
    let fresh = new_token(shared);
    let Some(account) = inner.users.get_mut(&user) else {
        drop(inner);
        return fail(shared, 403, "Invalid authentication ticket");
    };
    match req.method {
        Method::Delete => {
            account.token = None;
            drop(inner);
            Answer::new(204)
        }
        Method::Post => {
            account.token = Some(fresh.clone());
            drop(inner);
            document(shared, req, "userToken", &token_fields(&fresh))
        }
        _ => {
            let t = account.token.get_or_insert(fresh).clone();
            drop(inner);
            if is_expired(&t) {
                return expired_answer();
            }
            document(shared, req, "userToken", &token_fields(&t))
        }
    }
}

fn attributes(shared: &Shared, req: &Req) -> Answer {
    let family = shared.config.family;
    // Authentication comes first, as in Nexus: a bad token gets 401 where the resource is
    // missing too (before 3.69).
    let user = match check_auth(shared, req) {
        Auth::None | Auth::Invalid => return unauthorized(shared, req, "Unauthorized"),
        Auth::Password(u) | Auth::Token(u, _) => u,
    };
    if family != Family::Nexus3 || !version_at_least(&shared.version, 3, 69) {
        return not_found(shared);
    }
    if !shared.config.edition.eq_ignore_ascii_case("PRO") {
        return not_found(shared);
    }
    let Some(expiry) = shared.config.expiry else {
        return Answer::new(200).with("application/json", r#"{"expirationEnabled":"false"}"#);
    };
    let current = shared.lock().users.get(&user).and_then(|u| u.token.clone());
    if current.as_ref().is_some_and(is_expired) {
        return expired_answer();
    }
    let expires_at = current
        .and_then(|t| t.expires_at)
        .unwrap_or_else(|| SystemTime::now() + expiry);
    let ms = expires_at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Answer::new(200).with(
        "application/json",
        format!(r#"{{"expirationTimeTimestamp":"{ms}","expirationEnabled":"true"}}"#),
    )
}

fn is_expired(t: &Token) -> bool {
    t.expires_at.is_some_and(|e| e <= SystemTime::now())
}

/// Nexus 3.69+ when the current token has expired: the token GET and the attributes call fail
/// with a body naming the expiry. The real status is unconfirmed (nexus-protocol.md); 410 here.
fn expired_answer() -> Answer {
    Answer::new(410).with("text/plain", "User Token expired")
}

fn repository(shared: &Shared, req: &Req) -> Answer {
    let is_npm = npm::is_npm_path(shared.config.family, &req.rel);
    if !matches!(req.method, Method::Get | Method::Head) && !is_npm {
        return fail(shared, 405, "Method Not Allowed");
    }
    match check_auth(shared, req) {
        Auth::Token(_, false) => {}
        Auth::Token(_, true) => return unauthorized(shared, req, "User Token expired"),
        Auth::Password(_) if !shared.config.require_user_tokens => {}
        Auth::Password(_) => {
            return unauthorized(shared, req, "Content access is protected by token");
        }
        Auth::None | Auth::Invalid => return unauthorized(shared, req, "Unauthorized"),
    }
    if is_npm {
        let origin = format!("http://{}", req.host.as_deref().unwrap_or("127.0.0.1"));
        let mut inner = shared.lock();
        let r = npm::serve(
            &mut inner.npm,
            shared.config.family,
            &origin,
            &shared.context,
            req.method.as_str(),
            &req.rel,
            &req.body,
        );
        drop(inner);
        return Answer::new(r.status).with(r.content_type, r.body);
    }
    if raw::is_raw_path(shared.config.family, &req.rel) {
        return match raw::file(shared.config.family, &req.rel) {
            Some((content_type, bytes)) => Answer::new(200).with(content_type, bytes),
            None => not_found(shared),
        };
    }
    let file = req
        .rel
        .strip_prefix(shared.config.family.repository_path())
        .unwrap_or_default();
    match repo::artifacts().iter().find(|a| a.path == file) {
        Some(a) => Answer::new(200).with(a.content_type, a.bytes.clone()),
        None => not_found(shared),
    }
}

/// Repository content rules (as `repository()`): the token, or the password unless "require
/// user tokens"; `Err` carries the 401 reason.
fn content_login(
    shared: &Shared,
    basic: Option<&(String, String)>,
) -> Result<String, &'static str> {
    match auth_of(shared, basic) {
        Auth::Token(user, false) => Ok(user),
        Auth::Token(_, true) => Err("User Token expired"),
        Auth::Password(user) if !shared.config.require_user_tokens => Ok(user),
        Auth::Password(_) => Err("Content access is protected by token"),
        Auth::None | Auth::Invalid => Err("Unauthorized"),
    }
}

fn header_of(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_owned())
}

/// The Docker registry API at the root `/v2/` (see `docker.rs`).
fn served_docker(
    shared: &Shared,
    request: &Request,
    path: &str,
    basic: &Option<(String, String)>,
) -> (RequestKind, Answer) {
    let origin = format!(
        "http://{}",
        header_of(request, "Host").unwrap_or_else(|| "127.0.0.1".into())
    );
    let authorization = header_of(request, "Authorization");
    // Judged before taking the lock for the tokens (`auth_of` locks too).
    let judged = content_login(shared, basic.as_ref());
    let login = || match &judged {
        Ok(user) => super::docker::Login::Granted(user.clone()),
        Err(reason) => super::docker::Login::Refused(reason),
    };
    let mut inner = shared.lock();
    let reply = super::docker::serve(
        &mut inner.docker_tokens,
        &origin,
        request.method().as_str(),
        path,
        authorization.as_deref(),
        &login,
    );
    drop(inner);
    let mut answer = Answer::new(reply.status);
    answer.content_type = reply.content_type;
    answer.body = reply.body;
    answer.headers = reply.headers;
    answer.nexus = true;
    (RequestKind::Repository, answer)
}

/// The Cargo sparse registry under `<context>/repository/cargo-group/` (see `cargo.rs`).
fn served_cargo(shared: &Shared, req: &Req, request: &Request) -> (RequestKind, Answer) {
    if let Err(reason) = content_login(shared, req.basic.as_ref()) {
        return (RequestKind::Repository, unauthorized(shared, req, reason));
    }
    let host = header_of(request, "Host").unwrap_or_else(|| "127.0.0.1".into());
    let repo_url = format!("http://{host}{}/{}", shared.context, super::cargo::PREFIX);
    let reply = super::cargo::serve(&repo_url, req.method.as_str(), &req.rel);
    (
        RequestKind::Repository,
        Answer::new(reply.status).with(reply.content_type, reply.body),
    )
}

/// The Go module proxy under `<context>/repository/go-proxy/` (see `goproxy.rs`).
fn served_go(shared: &Shared, req: &Req) -> (RequestKind, Answer) {
    if let Err(reason) = content_login(shared, req.basic.as_ref()) {
        return (RequestKind::Repository, unauthorized(shared, req, reason));
    }
    let reply = super::goproxy::serve(req.method.as_str(), &req.rel);
    (
        RequestKind::Repository,
        Answer::new(reply.status).with(reply.content_type, reply.body),
    )
}

fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("authToken", _)) => "authToken=REDACTED".to_owned(),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_major_and_minor() {
        assert!(version_at_least("3.77.0-08", 3, 69));
        assert!(!version_at_least("3.68.1", 3, 69));
        assert!(version_at_least("3.15.0", 3, 15));
        assert!(!version_at_least("2.15.1-02", 3, 0));
    }

    #[test]
    fn the_log_never_holds_the_ticket() {
        assert_eq!(
            redact_query("a=1&authToken=c2VjcmV0"),
            "a=1&authToken=REDACTED"
        );
    }
}

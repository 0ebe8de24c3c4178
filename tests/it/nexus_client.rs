//! The in-process client against the emulator: request shape (headers, one connection, ticket
//! carriers), reset/generate/attributes, detection details, and the emulator's own fidelity
//! (ticket rules, formats, the guarded Maven repository).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::emulator_util::{PASSWORD, USER, emulator, start};
use base64::Engine as _;
use nexus_token::emulator::{EmulatorConfig, RequestKind};
use nexus_token::nexus::{Client, ClientConfig, Error, Family};
use nexus_token::secret::Secret;

fn client(url: &str) -> Client {
    Client::new(ClientConfig::new(url)).unwrap()
}

fn password() -> Secret<String> {
    Secret::new(PASSWORD.to_owned())
}

fn raw_http() -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

#[test]
fn both_requests_share_one_connection_and_send_basic_preemptively() {
    for family in Family::ALL {
        let emu = emulator(family);
        let token = client(&emu.base_url())
            .fetch_token(family, USER, &password())
            .unwrap();
        assert_eq!(emu.token_of(USER).unwrap().0, token.name_code);
        let log = emu.requests();
        assert_eq!(
            log.len(),
            2,
            "{family}: exactly two requests, no 401 round trip"
        );
        assert_eq!(
            log[0].connection, log[1].connection,
            "{family}: one TCP connection is reused for both requests"
        );
        for r in &log {
            assert_eq!(
                r.username.as_deref(),
                Some(USER),
                "Basic auth is sent pre-emptively"
            );
            assert_eq!(r.accept.as_deref(), Some("application/json"));
            assert!(
                r.user_agent
                    .as_deref()
                    .unwrap_or_default()
                    .starts_with("nexus-token/"),
                "our own User-Agent is sent"
            );
        }
        assert_eq!(log[0].kind, RequestKind::Authenticate);
        assert_eq!(log[1].kind, RequestKind::Token);
        match family {
            Family::Nexus3 => {
                assert_eq!(log[1].ticket_header, None);
                assert_eq!(log[1].query.as_deref(), Some("authToken=REDACTED"));
            }
            Family::Nexus2Legacy => {
                assert_eq!(
                    log[1].ticket_header.as_deref(),
                    Some("X-NX-UserToken-AuthTicket")
                );
            }
            _ => assert_eq!(log[1].ticket_header.as_deref(), Some("X-NX-AuthTicket")),
        }
    }
}

#[test]
fn the_token_is_stable_until_reset_and_reset_gives_a_new_one() {
    for family in Family::ALL {
        let emu = emulator(family);
        let c = client(&emu.base_url());
        let first = c.fetch_token(family, USER, &password()).unwrap();
        let again = c.fetch_token(family, USER, &password()).unwrap();
        assert_eq!(
            first.name_code, again.name_code,
            "{family}: GET returns the same token"
        );
        c.reset_token(family, USER, &password()).unwrap();
        assert_eq!(
            emu.token_of(USER),
            None,
            "{family}: DELETE removes the token"
        );
        let fresh = c.fetch_token(family, USER, &password()).unwrap();
        assert_ne!(
            first.name_code, fresh.name_code,
            "{family}: a new token after reset"
        );
    }
}

#[test]
fn generate_and_attributes_on_nexus_3_69_plus() {
    let emu = start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, PASSWORD)
            .expiry(Some(Duration::from_secs(3600))),
    );
    let c = client(&emu.base_url());
    let first = c.fetch_token(Family::Nexus3, USER, &password()).unwrap();
    let generated = c.generate_token(Family::Nexus3, USER, &password()).unwrap();
    assert_ne!(
        first.name_code, generated.name_code,
        "POST generates a new token"
    );
    assert_eq!(emu.token_of(USER).unwrap().0, generated.name_code);
    let attrs = c.token_attributes(USER, &password()).unwrap().unwrap();
    assert!(attrs.expiration_enabled);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(
        attrs.expires_at_ms.unwrap() > now_ms,
        "the token expires in the future"
    );

    let older = start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, PASSWORD)
            .version("3.60.0-01"),
    );
    let c = client(&older.base_url());
    assert_eq!(
        c.token_attributes(USER, &password()).unwrap(),
        None,
        "before 3.69 there are no attributes"
    );
    let e = client(&older.base_url())
        .generate_token(Family::Nexus2, USER, &password())
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
}

#[test]
fn an_expired_token_is_refused_by_the_repository() {
    let emu = start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, PASSWORD)
            .expiry(Some(Duration::from_secs(3600))),
    );
    let c = client(&emu.base_url());
    let t = c.fetch_token(Family::Nexus3, USER, &password()).unwrap();
    let path = "repository/maven-public/com/example/e2e-ext/1.0/e2e-ext-1.0.jar";
    assert_eq!(
        c.check_access(path, &t.name_code, &t.pass_code).unwrap(),
        200
    );
    emu.expire_token(USER);
    assert_eq!(
        c.check_access(path, &t.name_code, &t.pass_code).unwrap(),
        401,
        "an expired token gets 401"
    );
}

#[test]
fn require_user_tokens_refuses_the_real_password_on_content() {
    let path = "repository/maven-public/com/example/e2e-parent/1.0/e2e-parent-1.0.pom";
    let open = emulator(Family::Nexus3);
    assert_eq!(
        client(&open.base_url())
            .check_access(path, USER, &password())
            .unwrap(),
        200
    );
    let guarded = start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, PASSWORD)
            .require_user_tokens(true),
    );
    let c = client(&guarded.base_url());
    assert_eq!(c.check_access(path, USER, &password()).unwrap(), 401);
    let t = c.fetch_token(Family::Nexus3, USER, &password()).unwrap();
    assert_eq!(
        c.check_access(path, &t.name_code, &t.pass_code).unwrap(),
        200
    );
}

#[test]
fn the_repository_challenges_and_serves_head_and_checksums() {
    let emu = emulator(Family::Nexus2);
    let http = raw_http();
    let pom = format!(
        "{}com/example/e2e-parent/1.0/e2e-parent-1.0.pom",
        emu.repository_url()
    );
    let r = http.get(&pom).send().unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.to_ascii_lowercase().starts_with("basic realm="),
        "{challenge}"
    );

    let t = client(&emu.base_url())
        .fetch_token(Family::Nexus2, USER, &password())
        .unwrap();
    let auth = basic(&t.name_code, t.pass_code.expose());
    let body = http
        .get(&pom)
        .header("Authorization", &auth)
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert!(String::from_utf8_lossy(&body).contains("<packaging>pom</packaging>"));
    let head = http
        .head(&pom)
        .header("Authorization", &auth)
        .send()
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"].to_str().unwrap(),
        body.len().to_string(),
        "HEAD tells the length of the GET body"
    );
    let sha = http
        .get(format!("{pom}.sha1"))
        .header("Authorization", &auth)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(sha.len(), 40, "a hex SHA-1: {sha}");
    let missing = http
        .get(format!(
            "{}com/example/nope/1.0/nope-1.0.pom",
            emu.repository_url()
        ))
        .header("Authorization", &auth)
        .send()
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[test]
fn tickets_are_single_use_and_bound_to_their_user() {
    let emu = start(
        EmulatorConfig::new(Family::Nexus3Rest)
            .user(USER, PASSWORD)
            .user("bob", "bob-password"),
    );
    let http = raw_http();
    let base = emu.base_url();
    let ticket = |user: &str, pass: &str| -> String {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let body = format!(r#"{{"u":"{}","p":"{}"}}"#, b64(user), b64(pass));
        let r = http
            .post(format!("{base}/service/rest/wonderland/authenticate"))
            .header("Authorization", basic(user, pass))
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().unwrap();
        let t = v["t"].as_str().unwrap().to_owned();
        assert_eq!(t.len(), 88, "tickets are 88 characters of Base64");
        t
    };
    let redeem = |user: &str, pass: &str, t: &str| {
        http.get(format!("{base}/service/rest/usertoken/current"))
            .header("Authorization", basic(user, pass))
            .header("Accept", "application/json")
            .header("X-NX-AuthTicket", t)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    let t = ticket(USER, PASSWORD);
    assert_eq!(redeem(USER, PASSWORD, &t), 200);
    assert_eq!(redeem(USER, PASSWORD, &t), 403, "a ticket works once");
    let t = ticket(USER, PASSWORD);
    assert_eq!(
        redeem("bob", "bob-password", &t),
        403,
        "a ticket is bound to its user"
    );
    let missing = http
        .get(format!("{base}/service/rest/usertoken/current"))
        .header("Authorization", basic(USER, PASSWORD))
        .send()
        .unwrap();
    assert_eq!(missing.status(), 400, "a missing ticket is 400");
}

#[test]
fn authenticate_checks_in_the_documented_order_and_formats() {
    let emu = emulator(Family::Nexus2);
    let http = raw_http();
    let url = format!("{}/service/siesta/wonderland/authenticate", emu.base_url());
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let post = |auth: Option<String>, u: &str, p: &str, accept: &str| {
        let mut req = http
            .post(&url)
            .header("Accept", accept)
            .header("Content-Type", "application/json")
            .body(format!(r#"{{"u":"{}","p":"{}"}}"#, b64(u), b64(p)));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let r = req.send().unwrap();
        let status = r.status().as_u16();
        let challenge = r.headers().get("www-authenticate").is_some();
        (status, challenge, r.text().unwrap())
    };
    let (s, challenge, _) = post(
        Some(basic(USER, "wrong")),
        USER,
        PASSWORD,
        "application/json",
    );
    assert_eq!(
        (s, challenge),
        (401, true),
        "a wrong Basic password is 401 with a challenge"
    );
    let (s, _, _) = post(None, USER, PASSWORD, "application/json");
    assert_eq!(s, 400, "no Basic header is 400");
    let (s, _, _) = post(
        Some(basic(USER, PASSWORD)),
        "bob",
        PASSWORD,
        "application/json",
    );
    assert_eq!(s, 400, "a username mismatch is 400");
    let (s, _, _) = post(
        Some(basic(USER, PASSWORD)),
        USER,
        "other",
        "application/json",
    );
    assert_eq!(s, 403, "a wrong body password is 403");
    let (s, _, body) = post(
        Some(basic(USER, PASSWORD)),
        USER,
        PASSWORD,
        "application/json",
    );
    assert_eq!(s, 200);
    assert!(body.contains("\"t\" : \""), "Nexus 2 pretty-prints: {body}");
    let (s, _, body) = post(
        Some(basic(USER, PASSWORD)),
        USER,
        PASSWORD,
        "application/xml",
    );
    assert_eq!(s, 200);
    assert!(
        body.starts_with("<authTicket><t>"),
        "XML without a JSON Accept: {body}"
    );

    let r = http
        .get(format!("{}/service/local/status", emu.base_url()))
        .header("Accept", "application/json")
        .send()
        .unwrap();
    assert_eq!(r.headers()["server"].to_str().unwrap(), "Nexus/2.15.1-02");
    let emu3 = emulator(Family::Nexus3);
    let r = http
        .get(format!("{}/service/rest/v1/status", emu3.base_url()))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["server"].to_str().unwrap(),
        "Nexus/3.77.0-08 (PRO)"
    );
}

#[test]
fn detection_reads_versions_editions_and_falls_back() {
    let cases = [
        (
            EmulatorConfig::new(Family::Nexus2Legacy),
            Family::Nexus2Legacy,
            Some("PRO"),
        ),
        (
            EmulatorConfig::new(Family::Nexus2).anonymous(false),
            Family::Nexus2,
            None,
        ),
        (
            EmulatorConfig::new(Family::Nexus3Siesta),
            Family::Nexus3Siesta,
            Some("PRO"),
        ),
        (
            EmulatorConfig::new(Family::Nexus3Rest).version("3.15.0-01"),
            Family::Nexus3Rest,
            Some("PRO"),
        ),
        (
            EmulatorConfig::new(Family::Nexus3).edition("CORE"),
            Family::Nexus3,
            Some("CORE"),
        ),
    ];
    for (config, family, edition) in cases {
        let emu = start(config.user(USER, PASSWORD));
        let d = client(&emu.base_url()).detect().unwrap();
        assert_eq!(d.family, family);
        assert_eq!(d.edition.as_deref(), edition, "{family}");
        assert!(d.version.is_some());
        assert_eq!(
            emu.requests().len(),
            1,
            "{family}: detection takes one request"
        );
        assert!(
            emu.requests().iter().all(|r| r.username.is_none()),
            "detection is anonymous"
        );
    }
    let emu = start(EmulatorConfig::new(Family::Nexus3).strip_server_header(true));
    let d = client(&emu.base_url()).detect().unwrap();
    assert_eq!((d.family, d.version), (Family::Nexus3, None));
}

#[test]
fn trace_lines_never_hold_secrets() {
    let emu = emulator(Family::Nexus3);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&lines);
    let mut config = ClientConfig::new(emu.base_url());
    config.trace = Some(Arc::new(move |l: &str| {
        sink.lock().unwrap().push(l.to_owned())
    }));
    let t = Client::new(config)
        .unwrap()
        .fetch_token(Family::Nexus3, USER, &password())
        .unwrap();
    let text = lines.lock().unwrap().join("\n");
    assert_eq!(
        lines.lock().unwrap().len(),
        2,
        "one line per request: {text}"
    );
    assert!(text.contains("POST ") && text.contains("-> 200"), "{text}");
    assert!(!text.contains(PASSWORD) && !text.contains(t.pass_code.expose()));
    assert!(text.contains("authToken=<redacted>"), "{text}");
}

#[test]
fn rejected_logins_are_flagged_for_the_lockout_guard() {
    let emu = emulator(Family::Nexus3);
    let e = client(&emu.base_url())
        .fetch_token(Family::Nexus3, USER, &Secret::new("nope".to_owned()))
        .unwrap_err();
    assert!(e.is_rejected_login(), "{e}");
    assert_eq!(e.exit_status().code(), 3);
    let e = client(&emu.base_url())
        .fetch_token(Family::Nexus3, "Alice", &password())
        .unwrap_err();
    assert!(
        e.is_rejected_login() && e.to_string().contains("mismatch"),
        "{e}"
    );
}

#[test]
fn a_missing_ca_file_is_a_file_error() {
    let mut config = ClientConfig::new("https://127.0.0.1:1");
    config.ca_cert = Some("/nonexistent/ca.pem".into());
    let e = Client::new(config).err().unwrap();
    assert_eq!(e.exit_status().code(), 5, "{e}");
    assert!(e.to_string().contains("`/nonexistent/ca.pem`"));
}

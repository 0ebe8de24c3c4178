//! The in-process client against an emulator that behaves badly or unusually (issue 14): an
//! expired token, slow bodies, redirect loops, odd context paths, unusual statuses, awkward
//! usernames and certificates. Each test names the behaviour it protects.

use crate::support::emulator_util;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use emulator_util::{PASSWORD, USER, start};
use nexus_token::emulator::{EmulatorConfig, Fault, RequestKind};
use nexus_token::nexus::{Client, ClientConfig, Error, Family, TlsProblem};
use nexus_token::secret::Secret;

fn client(url: &str) -> Client {
    Client::new(ClientConfig::new(url)).unwrap()
}

fn password() -> Secret<String> {
    Secret::new(PASSWORD.to_owned())
}

#[test]
fn an_expired_token_is_token_expired_at_fetch_and_attributes_and_generate_recovers() {
    let emu = start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, PASSWORD)
            .expiry(Some(Duration::from_secs(3600))),
    );
    let c = client(&emu.base_url());
    c.fetch_token(Family::Nexus3, USER, &password()).unwrap();
    emu.expire_token(USER);

    let e = c
        .fetch_token(Family::Nexus3, USER, &password())
        .unwrap_err();
    assert!(
        matches!(e, Error::TokenExpired { .. }),
        "the token GET of an expired token is reported as an expired token, got: {e:?}"
    );
    let e = c.token_attributes(USER, &password()).unwrap_err();
    assert!(
        matches!(e, Error::TokenExpired { .. }),
        "the attributes call of an expired token is reported as an expired token, got: {e:?}"
    );
    let statuses: Vec<u16> = emu
        .requests()
        .iter()
        .filter(|r| matches!(r.kind, RequestKind::Token | RequestKind::Attributes))
        .map(|r| r.status)
        .collect();
    assert_eq!(
        &statuses[1..],
        &[410, 410],
        "the emulator answers 410 for an expired token"
    );

    let fresh = c.generate_token(Family::Nexus3, USER, &password()).unwrap();
    let again = c.fetch_token(Family::Nexus3, USER, &password()).unwrap();
    assert_eq!(
        fresh.name_code, again.name_code,
        "after generating, the token GET answers the new token"
    );
    let attrs = c.token_attributes(USER, &password()).unwrap().unwrap();
    assert!(
        attrs.expiration_enabled && attrs.expires_at_ms.is_some(),
        "after generating, the attributes answer again"
    );
}

#[test]
fn a_body_trickling_one_byte_a_second_is_cut_off_by_the_timeout() {
    let emu = start(EmulatorConfig::new(Family::Nexus3).user(USER, PASSWORD));
    emu.set_fault(Some(Fault::TrickleBody));
    let mut config = ClientConfig::new(emu.base_url());
    config.timeout = Duration::from_secs(2);
    let c = Client::new(config).unwrap();
    let e = c
        .fetch_token(Family::Nexus3, USER, &password())
        .unwrap_err();
    assert!(
        matches!(e, Error::Timeout { secs: 2, .. }),
        "a body that trickles in slower than `--timeout` allows is a timeout, got: {e:?}"
    );
}

#[test]
fn the_client_never_sends_a_username_basic_auth_cannot_carry() {
    let emu = start(EmulatorConfig::new(Family::Nexus3).user("a", PASSWORD));
    let c = client(&emu.base_url());
    for bad in ["a:b", "", "a\r\nX-Injected: 1"] {
        let e = c.fetch_token(Family::Nexus3, bad, &password()).unwrap_err();
        assert!(
            matches!(e, Error::InvalidUsername { .. }),
            "`{bad:?}` is refused before any request, got: {e:?}"
        );
        let e = c.token_attributes(bad, &password()).unwrap_err();
        assert!(matches!(e, Error::InvalidUsername { .. }), "{e:?}");
    }
    assert!(
        emu.requests().is_empty(),
        "no request left with such a username (`a:b` would log in as `a`): {:?}",
        emu.requests()
    );
}

#[test]
fn an_html_431_is_a_header_size_refusal_not_a_login_page() {
    let emu = start(EmulatorConfig::new(Family::Nexus3).user(USER, PASSWORD));
    emu.set_fault(Some(Fault::HtmlStatus(431)));
    let e = client(&emu.base_url())
        .fetch_token(Family::Nexus3, USER, &password())
        .unwrap_err();
    assert!(
        matches!(e, Error::HeadersTooLarge { status: 431, .. }),
        "an HTML 431 page is reported as headers too large, got: {e:?}"
    );
    assert!(
        !e.to_string().contains("single sign-on")
            && !e.hint().unwrap_or_default().contains("single sign-on"),
        "nothing mentions single sign-on: {e}"
    );
    emu.set_fault(Some(Fault::HtmlStatus(502)));
    let e = client(&emu.base_url())
        .fetch_token(Family::Nexus3, USER, &password())
        .unwrap_err();
    assert!(
        matches!(e, Error::ServerError { status: 502, .. }),
        "an HTML 502 page from a proxy is a server failure, got: {e:?}"
    );
}

#[test]
fn a_redirect_loop_within_the_origin_is_a_loop_not_another_origin() {
    let emu = start(EmulatorConfig::new(Family::Nexus3).user(USER, PASSWORD));
    emu.set_fault(Some(Fault::RedirectTo(emu.base_url())));
    let e = client(&emu.base_url())
        .fetch_token(Family::Nexus3, USER, &password())
        .unwrap_err();
    assert!(
        matches!(e, Error::RedirectLoop { .. }),
        "a server redirecting to itself is reported as a redirect loop, got: {e:?}"
    );
    assert!(
        !e.to_string().contains("another origin"),
        "the message does not claim another origin: {e}"
    );
    let other = start(EmulatorConfig::new(Family::Nexus3));
    emu.set_fault(Some(Fault::RedirectTo(other.base_url())));
    let e = client(&emu.base_url())
        .fetch_token(Family::Nexus3, USER, &password())
        .unwrap_err();
    assert!(
        matches!(e, Error::Redirected { .. }),
        "a redirect to another origin is still reported as such, got: {e:?}"
    );
}

#[test]
fn a_nexus_3_under_nexus_is_suggested_when_the_root_url_is_given() {
    let emu = start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, PASSWORD)
            .context_path("/nexus"),
    );
    let c = client(&emu.origin_url());
    let e = c.detect().unwrap_err();
    let want = format!("{}/nexus", emu.origin_url());
    assert!(
        matches!(&e, Error::WrongUrl { suggestion: Some(s), .. } if *s == want),
        "detection at the root finds the Nexus 3 under `/nexus`, got: {e:?}"
    );
    assert!(
        e.hint()
            .unwrap_or_default()
            .contains(&format!("--url {want}")),
        "the hint names `--url {want}`: {:?}",
        e.hint()
    );

    // A Nexus 3 at the root is not taken for one under `/nexus`.
    let root = start(EmulatorConfig::new(Family::Nexus3).user(USER, PASSWORD));
    let c = client(&format!("{}/nexus", root.origin_url()));
    let e = c.detect();
    assert!(
        !matches!(&e, Err(Error::WrongUrl { suggestion: Some(s), .. }) if s.ends_with("/nexus")),
        "a Nexus 3 at the root never makes `/nexus` the suggestion: {e:?}"
    );
}

/// A self-signed certificate made with OpenSSL's defaults (`CA:TRUE`), for `san`; returns the
/// paths of the certificate and key PEM files.
fn openssl_self_signed(dir: &Path, name: &str, san: &str) -> (PathBuf, PathBuf) {
    let cert = dir.join(format!("{name}.pem"));
    let key = dir.join(format!("{name}.key"));
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost", "-addext"])
        .arg(format!("subjectAltName={san}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs (scripts/install-deps installs it)");
    assert!(out.status.success(), "openssl req -x509 works: {out:?}");
    let text = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("CA:TRUE"),
        "OpenSSL's defaults make a CA certificate"
    );
    (cert, key)
}

/// The shared TLS test server (`emulator_util::tls_server_with`) with a certificate from files.
fn tls_server(cert: &Path, key: &Path) -> u16 {
    emulator_util::tls_server_with(&std::fs::read(cert).unwrap(), &std::fs::read(key).unwrap())
}

fn detect_with(url: &str, ca: Option<&Path>) -> Result<(), Error> {
    let mut config = ClientConfig::new(url);
    config.ca_cert = ca.map(Path::to_path_buf);
    config.timeout = Duration::from_secs(10);
    match Client::new(config).unwrap().detect() {
        Ok(_) | Err(Error::NoUserTokens { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

#[test]
#[ignore = "needs openssl"]
fn an_openssl_default_self_signed_certificate_given_with_ca_cert_is_trusted_for_its_names() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_self_signed(dir.path(), "server", "DNS:localhost,IP:127.0.0.1");
    let port = tls_server(&cert, &key);
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("https://{host}:{port}");
        let got = detect_with(&url, Some(&cert));
        assert!(
            got.is_ok(),
            "a CA:TRUE self-signed server certificate given byte for byte with --ca-cert is trusted at {url}, got: {got:?}"
        );
    }

    let e = detect_with(&format!("https://127.0.0.1:{port}"), None).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Tls {
                problem: TlsProblem::CaAsServerCertificate,
                ..
            }
        ),
        "without --ca-cert it stays untrusted, told as a CA certificate used by the server: {e:?}"
    );
    assert!(
        e.to_string().contains("CA certificate")
            && e.hint().unwrap_or_default().contains("--ca-cert FILE"),
        "the problem is said in words with the flag that fixes it: {e} / {:?}",
        e.hint()
    );

    // Another self-signed certificate is no trust anchor for this server.
    let (other, _) = openssl_self_signed(dir.path(), "other", "DNS:localhost,IP:127.0.0.1");
    let e = detect_with(&format!("https://127.0.0.1:{port}"), Some(&other)).unwrap_err();
    assert!(
        matches!(e, Error::Tls { .. }),
        "a different certificate given with --ca-cert does not make the server trusted: {e:?}"
    );
}

#[test]
#[ignore = "needs openssl"]
fn a_pinned_certificate_still_needs_the_right_host_name() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_self_signed(dir.path(), "elsewhere", "DNS:nexus.example.com");
    let port = tls_server(&cert, &key);
    let e = detect_with(&format!("https://127.0.0.1:{port}"), Some(&cert)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Tls {
                problem: TlsProblem::WrongHost,
                ..
            }
        ),
        "a certificate for another host is refused even when given with --ca-cert, told as a wrong host name: {e:?}"
    );
    assert!(
        e.to_string().contains("not valid for the host name"),
        "the problem is said in words: {e}"
    );
}

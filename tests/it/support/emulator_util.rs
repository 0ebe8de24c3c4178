//! Helpers for the tests that run against the built-in Nexus emulator without a saved profile:
//! starting emulators, running the built binary (in a fresh [`Sandbox`]) with a password on
//! stdin, a tiny TLS server for the `--ca-cert` tests, and an https front for the emulator.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use super::Sandbox;

use nexus_token::emulator::{Emulator, EmulatorConfig};
use nexus_token::nexus::Family;

/// The password every test user has: distinctive, so a leak is easy to find.
pub const PASSWORD: &str = "Sw0rdf1sh-never-printed";
/// The user of the tests' usual server.
pub const USER: &str = "alice";

/// An emulator of `family` with `alice` and [`PASSWORD`].
pub fn emulator(family: Family) -> Emulator {
    start(EmulatorConfig::new(family).user(USER, PASSWORD))
}

/// A Nexus 3 emulator with [`USER`] and the given password (the tests' usual server).
pub fn nexus3(password: &str) -> Emulator {
    start(EmulatorConfig::new(Family::Nexus3).user(USER, password))
}

/// An emulator of `family` with `user` and `password`, for the test files whose user is not
/// [`USER`] (each test file its own user, so that keyring entries never collide).
pub fn for_user(family: Family, user: &str, password: &str) -> Emulator {
    start(EmulatorConfig::new(family).user(user, password))
}

/// As [`for_user`], on a server that refuses the real password where a user token is due.
pub fn for_user_with_tokens(family: Family, user: &str, password: &str) -> Emulator {
    start(
        EmulatorConfig::new(family)
            .user(user, password)
            .require_user_tokens(true),
    )
}

pub fn start(config: EmulatorConfig) -> Emulator {
    Emulator::start(config).expect("the emulator starts on 127.0.0.1")
}

pub use super::Run;

impl Run {
    /// Asserts that [`PASSWORD`] appears nowhere in the output.
    pub fn assert_no_password(&self) {
        assert!(
            !self.stdout.contains(PASSWORD) && !self.stderr.contains(PASSWORD),
            "the password never appears in the output:\n{}\n{}",
            self.stdout,
            self.stderr
        );
    }
}

/// Runs the built binary with `args` and `stdin` in a fresh [`Sandbox`], no proxy for loopback.
pub fn run(args: &[&str], stdin: &str) -> Run {
    run_env(
        args,
        stdin,
        &[
            ("NO_PROXY", "127.0.0.1,localhost"),
            ("no_proxy", "127.0.0.1,localhost"),
        ],
    )
}

/// Like [`run`] with exactly these proxy variables (the sandbox has none of its own).
pub fn run_env(args: &[&str], stdin: &str, vars: &[(&str, &str)]) -> Run {
    let sandbox = Sandbox::new();
    let mut command = sandbox.command(args);
    command.envs(vars.iter().copied());
    sandbox.run_with(command, Some(stdin))
}

/// `token --url URL --username alice --password-stdin` plus `extra`, with the right password.
pub fn token(url: &str, extra: &[&str]) -> Run {
    token_as(url, USER, PASSWORD, extra)
}

pub fn token_as(url: &str, user: &str, password: &str, extra: &[&str]) -> Run {
    Sandbox::new().run_password_stdin("token", url, user, password, extra)
}

/// A test CA (for `--ca-cert`) and a leaf for 127.0.0.1 signed by it; valid until 2126.
pub const CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBozCCAUmgAwIBAgIULg3NvyKH6bOPoz5MUrF8jHuRvcYwCgYIKoZIzj0EAwIw\nHjEcMBoGA1UEAwwTbmV4dXMtdG9rZW4gdGVzdCBDQTAgFw0yNjExMjgyMTMwNTRa\nGA8yMTI2MTEwNDIxMzA1NFowHjEcMBoGA1UEAwwTbmV4dXMtdG9rZW4gdGVzdCBD\nQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABB4zLCZ7ldeQLT5zSGFuIitNzXqy\nfpnBDhsARSegk1ucBtD3cfYVg75Q/InjFFPMHH7h2o0Smh9VxBoi/qyZ+AujYzBh\nMB0GA1UdDgQWBBSrlXS93EYfbwwwKXAUZX/Fg2f4szAfBgNVHSMEGDAWgBSrlXS9\n3EYfbwwwKXAUZX/Fg2f4szAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIB\nBjAKBggqhkjOPQQDAgNIADBFAiEAjL3ESpQRxnNuUUEB2rJiWOLbHG6qC4APM04u\ngVPQSKoCIDIB7Z29wJpOlWgc1upmFNlh5HduQ36Q+ZH8Ol5FAo0K\n-----END CERTIFICATE-----";
const LEAF_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIByTCCAW+gAwIBAgIUO/nEc3trvelNz1XDCQM+pJAhkMYwCgYIKoZIzj0EAwIw\nHjEcMBoGA1UEAwwTbmV4dXMtdG9rZW4gdGVzdCBDQTAgFw0yNjExMjgyMTMwNTRa\nGA8yMTI2MTEwNDIxMzA1NFowFDESMBAGA1UEAwwJMTI3LjAuMC4xMFkwEwYHKoZI\nzj0CAQYIKoZIzj0DAQcDQgAEw3SqQNrI7oDXH2d2A96W17/3Zq6XL8BxsYB5TNjG\nJnm7iwe6a2cpiUFxPzJ5poz5/K0KJ/tJHuITN+zzS5M2yqOBkjCBjzAaBgNVHREE\nEzARhwR/AAABgglsb2NhbGhvc3QwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMC\nB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwEwHQYDVR0OBBYEFEPb0IIASVrRuoVRQigA\n33ybozKGMB8GA1UdIwQYMBaAFKuVdL3cRh9vDDApcBRlf8WDZ/izMAoGCCqGSM49\nBAMCA0gAMEUCIDyUyvcAUCUHcQA+aeRVzlS31Jo5tSm32FX+rj8jYn9yAiEAnkSF\nzCFNIgKknnx9empsFNYRzjS644rsdeWv3Gvj8Pw=\n-----END CERTIFICATE-----";
const LEAF_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgNFuAPyJ9giRupCsn\nf4kzKfrY4EuoIuhI4ZfuzomxGvChRANCAATDdKpA2sjugNcfZ3YD3pbXv/dmrpcv\nwHGxgHlM2MYmebuLB7prZymJQXE/MnmmjPn8rQon+0ke4hM37PNLkzbK\n-----END PRIVATE KEY-----";

/// A TLS server on 127.0.0.1 with the test CA's leaf certificate (see [`tls_server_with`]).
/// Returns its https base URL.
pub fn tls_server() -> String {
    let port = tls_server_with(LEAF_PEM.as_bytes(), LEAF_KEY.as_bytes());
    format!("https://127.0.0.1:{port}")
}

/// A TLS server on 127.0.0.1 with this certificate and key (PEM) that answers every request with
/// a Nexus 3 OSS 404 (so a client that got through the handshake reports "no user tokens").
/// Returns its port.
pub fn tls_server_with(cert_pem: &[u8], key_pem: &[u8]) -> u16 {
    tls_listener(cert_pem, key_pem, |_head| {
        (
            b"HTTP/1.1 404 Not Found\r\nServer: Nexus/3.77.0-08 (OSS)\r\nContent-Length: 0\r\n\r\n"
                .to_vec(),
            false,
        )
    })
}

/// An https front for a plain-http server on 127.0.0.1 (the emulator), with the test CA's leaf:
/// each request (head and `Content-Length` body) is passed on over a new connection
/// with `Connection: close`, the whole answer goes back with `Connection: close`, and the TLS
/// connection closes after it (the client opens a new one). Returns its https base URL (the
/// origin; append the emulator's context path).
pub fn tls_front(target: std::net::SocketAddr) -> String {
    let port = tls_listener(LEAF_PEM.as_bytes(), LEAF_KEY.as_bytes(), move |request| {
        let end = request
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(request.len());
        let text = String::from_utf8_lossy(&request[..end]);
        let mut lines: Vec<&str> = text
            .split("\r\n")
            .filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("connection:"))
            .collect();
        lines.push("Connection: close");
        let mut forward = format!("{}\r\n\r\n", lines.join("\r\n")).into_bytes();
        forward.extend_from_slice(request.get(end + 4..).unwrap_or_default());
        let mut answer = Vec::new();
        match std::net::TcpStream::connect(target) {
            Ok(mut upstream) => {
                let _ = upstream.write_all(&forward);
                let _ = upstream.read_to_end(&mut answer);
            }
            Err(_) => answer = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".to_vec(),
        }
        (close_connection(&answer), true)
    });
    format!("https://127.0.0.1:{port}")
}

/// The answer with `Connection: close` in its head (any other `Connection` header dropped), so
/// that the client does not reuse a connection the front closes.
fn close_connection(answer: &[u8]) -> Vec<u8> {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return answer.to_vec();
    };
    let head = String::from_utf8_lossy(&answer[..end]);
    let mut lines: Vec<&str> = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("Connection: close");
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(&answer[end..]);
    out
}

/// The `Content-Length` of a request head (0 without one).
fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
}

/// The one TLS test server: accepts on 127.0.0.1, and answers each request head (up to the blank
/// line, then the `Content-Length` body) with what `answer` returns: the bytes, and whether to close the connection after them
/// (else it is kept alive for the next request). Returns its port.
fn tls_listener(
    cert_pem: &[u8],
    key_pem: &[u8],
    answer: impl Fn(&[u8]) -> (Vec<u8>, bool) + Send + Sync + 'static,
) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs = vec![CertificateDer::from_pem_slice(cert_pem).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(key_pem).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    );
    let answer = Arc::new(answer);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let config = Arc::clone(&config);
            let answer = Arc::clone(&answer);
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, stream);
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                loop {
                    let Ok(n) = tls.read(&mut buf) else { return };
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        let length = content_length(&seen[..end]);
                        if seen.len() < end + 4 + length {
                            break; // the body is still coming
                        }
                        let request: Vec<u8> = seen.drain(..end + 4 + length).collect();
                        let (bytes, close) = answer(&request);
                        if tls.write_all(&bytes).is_err() || tls.flush().is_err() {
                            return;
                        }
                        if close {
                            tls.conn.send_close_notify();
                            let _ = tls.flush();
                            return;
                        }
                    }
                }
            });
        }
    });
    port
}

/// A port on 127.0.0.1 where nobody listens.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

//! TLS for `--ca-cert`: the platform verifier with the given certificates as extra roots, plus
//! one exception: a server certificate that is byte-identical to one of the `--ca-cert`
//! certificates is trusted even when it is a CA certificate (OpenSSL's defaults for
//! `openssl req -x509` make self-signed certificates with `CA:TRUE`, which WebPKI refuses as a
//! server certificate, while curl accepts them). The host name and validity period are still
//! checked for it. Also turns certificate failures into words and a next step.
//!
//! It must not weaken anything else: every other certificate goes through the platform verifier
//! unchanged, and nothing here reads files or the environment.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

/// A rustls client configuration trusting the system roots plus `certs`, with the exception
/// described in the module docs. HTTP/1.1 only (what the client speaks).
pub(crate) fn client_config(
    certs: Vec<CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inner = rustls_platform_verifier::Verifier::new_with_extra_roots(
        certs.iter().cloned(),
        Arc::clone(&provider),
    )
    .map_err(|e| e.to_string())?;
    let verifier = PinnedCaVerifier {
        inner: Arc::new(inner),
        pinned: certs,
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[derive(Debug)]
struct PinnedCaVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    pinned: Vec<CertificateDer<'static>>,
}

impl ServerCertVerifier for PinnedCaVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(e)
                if is_ca_used_as_end_entity(&e)
                    && self
                        .pinned
                        .iter()
                        .any(|p| p.as_ref() == end_entity.as_ref()) =>
            {
                verify_pinned(end_entity, server_name, now)
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn is_ca_used_as_end_entity(e: &rustls::Error) -> bool {
    matches!(e, rustls::Error::InvalidCertificate(CertificateError::Other(other))
        if format!("{other:?}").contains("CaUsedAsEndEntity"))
}

/// The checks left for a certificate the user gave byte for byte: the host name and the
/// validity period (its signature is its own, and the user vouched for the key).
fn verify_pinned(
    cert: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<ServerCertVerified, rustls::Error> {
    let parsed = rustls::server::ParsedCertificate::try_from(cert)?;
    rustls::client::verify_server_name(&parsed, server_name)?;
    check_validity(cert, now)?;
    Ok(ServerCertVerified::assertion())
}

/// Refuses a certificate outside its validity period at `now`.
fn check_validity(cert: &CertificateDer<'_>, now: UnixTime) -> Result<(), CertificateError> {
    let (not_before, not_after) = validity(cert.as_ref()).ok_or(CertificateError::BadEncoding)?;
    let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    if now < not_before {
        return Err(CertificateError::NotValidYet);
    }
    if now > not_after {
        return Err(CertificateError::Expired);
    }
    Ok(())
}

/// One DER element: (tag, content, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// `notBefore` and `notAfter` of an X.509 certificate, in seconds since the epoch.
fn validity(cert: &[u8]) -> Option<(i64, i64)> {
    let (0x30, cert, _) = der(cert)? else {
        return None;
    };
    let (0x30, mut tbs, _) = der(cert)? else {
        return None;
    };
    // [0] version (optional), serial, signature algorithm, issuer, then validity.
    let (tag, _, rest) = der(tbs)?;
    if tag == 0xa0 {
        tbs = rest;
    }
    for _ in 0..3 {
        tbs = der(tbs)?.2;
    }
    let (0x30, validity, _) = der(tbs)? else {
        return None;
    };
    let (t1, before, rest) = der(validity)?;
    let (t2, after, _) = der(rest)?;
    Some((asn1_time(t1, before)?, asn1_time(t2, after)?))
}

/// UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) to epoch seconds.
fn asn1_time(tag: u8, text: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 if text.len() == 12 => {
            let yy: i32 = text[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        0x18 if text.len() == 14 => (text[..4].parse().ok()?, &text[4..]),
        _ => return None,
    };
    if !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |i: usize| rest[i..i + 2].parse::<u8>().ok();
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(n(0)?).ok()?, n(2)?).ok()?;
    let time = time::Time::from_hms(n(4)?, n(6)?, n(8)?).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, time)
            .assume_utc()
            .unix_timestamp(),
    )
}

/// What a TLS failure means, from the error text of the TLS library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsProblem {
    /// The certificate's validity period has ended.
    Expired,
    /// The certificate's validity period has not begun.
    NotYetValid,
    /// The certificate does not name the host of the URL.
    WrongHost,
    /// No trusted root issued the certificate (a private CA, or a self-signed certificate).
    UnknownIssuer,
    /// The server presents a CA certificate (`CA:TRUE`) as its own certificate.
    CaAsServerCertificate,
    /// Anything else (handshake, protocol, signature).
    Other,
}

impl TlsProblem {
    /// Classifies the text of a TLS error chain.
    pub fn from_detail(detail: &str) -> TlsProblem {
        let d = detail.to_ascii_lowercase();
        if d.contains("causedasendentity") {
            TlsProblem::CaAsServerCertificate
        } else if d.contains("notvalidyet") || d.contains("not valid yet") {
            TlsProblem::NotYetValid
        } else if d.contains("expired") {
            TlsProblem::Expired
        } else if d.contains("notvalidforname") || d.contains("not valid for name") {
            TlsProblem::WrongHost
        } else if d.contains("unknownissuer") || d.contains("unknown issuer") {
            TlsProblem::UnknownIssuer
        } else {
            TlsProblem::Other
        }
    }

    /// The problem in words, for the error message.
    pub fn words(self) -> &'static str {
        match self {
            TlsProblem::Expired => "the server's certificate has expired",
            TlsProblem::NotYetValid => "the server's certificate is not valid yet",
            TlsProblem::WrongHost => {
                "the server's certificate is not valid for the host name in the URL"
            }
            TlsProblem::UnknownIssuer => {
                "the server's certificate was not issued by a trusted certificate authority"
            }
            TlsProblem::CaAsServerCertificate => {
                "the server presents a CA certificate (CA:TRUE) as its own certificate"
            }
            TlsProblem::Other => "the TLS handshake failed",
        }
    }

    /// The next step.
    pub fn hint(self) -> &'static str {
        match self {
            TlsProblem::Expired | TlsProblem::NotYetValid => {
                "the server's certificate must be renewed (ask its administrator); also check this machine's clock"
            }
            TlsProblem::WrongHost => {
                "use the host name the certificate names in `--url` (see `openssl s_client -connect HOST:PORT`), or have the certificate reissued for this name"
            }
            TlsProblem::UnknownIssuer => {
                "if the server uses a private CA or a self-signed certificate, pass that certificate with `--ca-cert FILE` (PEM)"
            }
            TlsProblem::CaAsServerCertificate => {
                "pass exactly the server's certificate with `--ca-cert FILE` (PEM): it is then trusted for this server, or have the server use a certificate issued by that CA"
            }
            TlsProblem::Other => {
                "if the server uses a private CA, pass its certificate with `--ca-cert FILE` (PEM); check the host name in the URL"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asn1_times_parse_in_both_forms() {
        assert_eq!(asn1_time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(asn1_time(0x17, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(asn1_time(0x18, b"21261104213054Z"), Some(4_949_501_454));
        assert_eq!(asn1_time(0x17, b"7001010000Z"), None, "too short");
        assert_eq!(asn1_time(0x17, b"701301000000Z"), None, "month 13");
    }

    /// The test CA of tests/common/emulator_util.rs: 2026-11-28T21:30:54Z to 2126-11-04T21:30:54Z.
    const CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBozCCAUmgAwIBAgIULg3NvyKH6bOPoz5MUrF8jHuRvcYwCgYIKoZIzj0EAwIw\nHjEcMBoGA1UEAwwTbmV4dXMtdG9rZW4gdGVzdCBDQTAgFw0yNjExMjgyMTMwNTRa\nGA8yMTI2MTEwNDIxMzA1NFowHjEcMBoGA1UEAwwTbmV4dXMtdG9rZW4gdGVzdCBD\nQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABB4zLCZ7ldeQLT5zSGFuIitNzXqy\nfpnBDhsARSegk1ucBtD3cfYVg75Q/InjFFPMHH7h2o0Smh9VxBoi/qyZ+AujYzBh\nMB0GA1UdDgQWBBSrlXS93EYfbwwwKXAUZX/Fg2f4szAfBgNVHSMEGDAWgBSrlXS9\n3EYfbwwwKXAUZX/Fg2f4szAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIB\nBjAKBggqhkjOPQQDAgNIADBFAiEAjL3ESpQRxnNuUUEB2rJiWOLbHG6qC4APM04u\ngVPQSKoCIDIB7Z29wJpOlWgc1upmFNlh5HduQ36Q+ZH8Ol5FAo0K\n-----END CERTIFICATE-----";

    #[test]
    fn the_validity_period_of_a_pinned_certificate_is_checked() {
        use rustls::pki_types::pem::PemObject as _;
        let cert = CertificateDer::from_pem_slice(CA_PEM.as_bytes()).unwrap();
        assert_eq!(
            validity(cert.as_ref()),
            Some((1_795_901_454, 4_949_501_454)),
            "notBefore and notAfter are read from the certificate"
        );
        let at = |secs: u64| UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
        assert_eq!(
            check_validity(&cert, at(1_700_000_000)),
            Err(CertificateError::NotValidYet),
            "before notBefore a pinned certificate is refused"
        );
        assert_eq!(
            check_validity(&cert, at(5_000_000_000)),
            Err(CertificateError::Expired),
            "after notAfter a pinned certificate is refused"
        );
        assert_eq!(check_validity(&cert, at(2_000_000_000)), Ok(()));
        let name = ServerName::try_from("nexus.example.com").unwrap();
        assert!(
            verify_pinned(&cert, &name, at(2_000_000_000)).is_err(),
            "a pinned certificate that does not name the host is refused"
        );
    }

    #[test]
    fn tls_errors_are_told_in_words() {
        for (detail, problem) in [
            (
                "invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))",
                TlsProblem::CaAsServerCertificate,
            ),
            (
                "invalid peer certificate: certificate expired: verification time 1, but certificate is not valid after 0",
                TlsProblem::Expired,
            ),
            ("invalid peer certificate: Expired", TlsProblem::Expired),
            (
                "invalid peer certificate: certificate not valid for name \"x\"; certificate is only valid for ...",
                TlsProblem::WrongHost,
            ),
            (
                "invalid peer certificate: NotValidForName",
                TlsProblem::WrongHost,
            ),
            (
                "invalid peer certificate: UnknownIssuer",
                TlsProblem::UnknownIssuer,
            ),
            ("received fatal alert: HandshakeFailure", TlsProblem::Other),
        ] {
            assert_eq!(
                TlsProblem::from_detail(detail),
                problem,
                "`{detail}` is told as {problem:?}"
            );
        }
    }
}

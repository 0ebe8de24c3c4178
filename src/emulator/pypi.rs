//! The emulator's PyPI repositories, as Nexus 3 lays them out: a group with a PEP 503 simple
//! index (`repository/pypi-group/simple/` and `simple/<project>/`, each file linked with
//! `#sha256=`) serving one real wheel, and a hosted repository (`repository/pypi-hosted/`)
//! that accepts `twine upload` (the legacy multipart upload API) and keeps uploads in memory.
//!
//! Both follow the Maven repository's rules: the user token is accepted, the real password is
//! refused under "require user tokens", and anonymous requests get 401 with a Basic challenge
//! (pip sends netrc credentials only after one). It must never record a password or passCode:
//! the request log holds the Basic username only, and uploads keep the form fields and file.
//!
//! The wheel (`assets/nexus_e2e_hello-1.0-py3-none-any.whl`) was built once with `pip wheel`
//! from a one-module project (`nexus_e2e_hello.py`, `GREETING = "hello from the nexus-token
//! emulator"`), pure Python, any Python 3.

use sha2::{Digest, Sha256};
use tiny_http::Method;

use super::{Answer, Auth, Req, check_auth, not_found, unauthorized};
use crate::emulator::Shared;

/// The group repository's path under the context path.
pub(crate) const GROUP: &str = "repository/pypi-group/";
/// The hosted repository's path under the context path.
pub(crate) const HOSTED: &str = "repository/pypi-hosted/";

/// The project the group serves (normalized name, PEP 503).
pub const PROJECT: &str = "nexus-e2e-hello";
/// The wheel's file name.
pub const WHEEL_NAME: &str = "nexus_e2e_hello-1.0-py3-none-any.whl";
/// The module the wheel installs.
pub const MODULE: &str = "nexus_e2e_hello";
/// The wheel's bytes.
pub const WHEEL: &[u8] = include_bytes!("assets/nexus_e2e_hello-1.0-py3-none-any.whl");

/// One file accepted by the hosted repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PypiUpload {
    /// The Basic username that uploaded it (the nameCode when a token was used).
    pub username: String,
    /// The `name` form field.
    pub name: String,
    /// The `version` form field.
    pub version: String,
    /// The uploaded file's name.
    pub filename: String,
    /// The `sha256_digest` form field, when sent.
    pub sha256_digest: Option<String>,
    /// The file's bytes.
    pub content: Vec<u8>,
}

/// PEP 503 name normalization: lowercase, runs of `-`, `_`, `.` become one `-`.
fn normalize(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
        } else {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The answer for a request under one of the PyPI repositories; `None` for other paths.
pub(super) fn route(shared: &Shared, req: &Req) -> Option<Answer> {
    let (hosted, rest) = if let Some(rest) = req.rel.strip_prefix(GROUP) {
        (false, rest)
    } else if let Some(rest) = req.rel.strip_prefix(HOSTED) {
        (true, rest)
    } else if req.rel == GROUP.trim_end_matches('/') || req.rel == HOSTED.trim_end_matches('/') {
        (req.rel.starts_with(HOSTED.trim_end_matches('/')), "")
    } else {
        return None;
    };
    match check_auth(shared, req) {
        Auth::Token(_, false) => {}
        Auth::Token(_, true) => return Some(unauthorized(shared, req, "User Token expired")),
        Auth::Password(_) if !shared.config.require_user_tokens => {}
        Auth::Password(_) => {
            return Some(unauthorized(
                shared,
                req,
                "Content access is protected by token",
            ));
        }
        Auth::None | Auth::Invalid => return Some(unauthorized(shared, req, "Unauthorized")),
    }
    if hosted {
        return Some(upload(shared, req, rest));
    }
    if !matches!(req.method, Method::Get | Method::Head) {
        return Some(Answer::new(405));
    }
    Some(group(shared, rest))
}

fn html(title: &str, links: &[(String, String)]) -> Vec<u8> {
    let mut body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>{title}</title>\
         <meta name=\"api-version\" value=\"2\"/></head>\n<body>\n<h1>{title}</h1>\n"
    );
    for (href, text) in links {
        body.push_str(&format!(
            "<a href=\"{href}\" rel=\"internal\">{text}</a><br/>\n"
        ));
    }
    body.push_str("</body>\n</html>\n");
    body.into_bytes()
}

fn group(shared: &Shared, rest: &str) -> Answer {
    let file_path = format!("packages/{PROJECT}/1.0/{WHEEL_NAME}");
    if rest == "simple/" || rest == "simple" {
        return Answer::new(200).with(
            "text/html",
            html(
                "Simple index",
                &[(format!("{PROJECT}/"), PROJECT.to_owned())],
            ),
        );
    }
    if let Some(project) = rest.strip_prefix("simple/") {
        let project = project.trim_end_matches('/');
        if normalize(project) != PROJECT {
            return not_found(shared);
        }
        if !rest.ends_with('/') {
            // pip and Nexus use the trailing slash; redirect like a web server would.
            return Answer::new(301).header("Location", format!("{project}/"));
        }
        let sha = hex(&Sha256::digest(WHEEL));
        return Answer::new(200).with(
            "text/html",
            html(
                &format!("Links for {PROJECT}"),
                &[(
                    format!("../../{file_path}#sha256={sha}"),
                    WHEEL_NAME.to_owned(),
                )],
            ),
        );
    }
    if rest == file_path {
        return Answer::new(200).with("application/octet-stream", WHEEL.to_vec());
    }
    not_found(shared)
}

/// One part of a `multipart/form-data` body.
struct Part<'a> {
    name: String,
    filename: Option<String>,
    data: &'a [u8],
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Splits a multipart body; the boundary is read from its first line.
fn multipart(body: &[u8]) -> Option<Vec<Part<'_>>> {
    let first_end = find(body, b"\r\n", 0)?;
    let delimiter = &body[..first_end];
    if !delimiter.starts_with(b"--") {
        return None;
    }
    let mut marker = b"\r\n".to_vec();
    marker.extend_from_slice(delimiter);
    let mut parts = Vec::new();
    let mut pos = first_end + 2;
    loop {
        let head_end = find(body, b"\r\n\r\n", pos)?;
        let head = String::from_utf8_lossy(&body[pos..head_end]).into_owned();
        let data_start = head_end + 4;
        let data_end = find(body, &marker, data_start)?;
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?
            .to_owned();
        let param = |key: &str| {
            disposition.split(';').find_map(|p| {
                let (k, v) = p.trim().split_once('=')?;
                (k == key).then(|| v.trim_matches('"').to_owned())
            })
        };
        parts.push(Part {
            name: param("name")?,
            filename: param("filename"),
            data: &body[data_start..data_end],
        });
        pos = data_end + marker.len();
        if body[pos..].starts_with(b"--") {
            return Some(parts);
        }
        pos += 2;
    }
}

fn upload(shared: &Shared, req: &Req, rest: &str) -> Answer {
    if req.method != Method::Post || !rest.is_empty() {
        return Answer::new(405).with("text/plain", "Method Not Allowed");
    }
    let Some(parts) = multipart(&req.body) else {
        return Answer::new(400).with("text/plain", "Bad multipart body");
    };
    let field = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name && p.filename.is_none())
            .map(|p| String::from_utf8_lossy(p.data).into_owned())
    };
    if field(":action").as_deref() != Some("file_upload") {
        return Answer::new(400).with("text/plain", "Unsupported action");
    }
    let Some(file) = parts
        .iter()
        .find(|p| p.name == "content" && p.filename.is_some())
    else {
        return Answer::new(400).with("text/plain", "Missing file content");
    };
    let (Some(name), Some(version)) = (field("name"), field("version")) else {
        return Answer::new(400).with("text/plain", "Missing name or version");
    };
    let sha256_digest = field("sha256_digest");
    if let Some(expected) = &sha256_digest
        && *expected != hex(&Sha256::digest(file.data))
    {
        return Answer::new(400).with("text/plain", "Digest mismatch");
    }
    let username = req
        .basic
        .as_ref()
        .map(|(u, _)| u.clone())
        .unwrap_or_default();
    shared.lock().pypi_uploads.push(PypiUpload {
        username,
        name,
        version,
        filename: file.filename.clone().unwrap_or_default(),
        sha256_digest,
        content: file.data.to_vec(),
    });
    Answer::new(200).with("text/plain", "OK")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalized_as_pep_503_says() {
        assert_eq!(normalize("Nexus_E2E.hello"), "nexus-e2e-hello");
        assert_eq!(normalize("a--_.b"), "a-b");
    }

    #[test]
    fn the_wheel_is_a_zip_with_its_metadata() {
        assert_eq!(&WHEEL[..4], b"PK\x03\x04");
        assert!(WHEEL.windows(8).any(|w| w == b"METADATA"));
    }

    #[test]
    fn multipart_bodies_are_split_into_fields_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\":action\"\r\n\r\nfile_upload\r\n--XyZ\r\nContent-Disposition: form-data; name=\"content\"; filename=\"a.whl\"\r\nContent-Type: application/octet-stream\r\n\r\nPK\r\n\x00data\r\n--XyZ--\r\n";
        let parts = multipart(body).expect("a valid body");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, ":action");
        assert_eq!(parts[0].data, b"file_upload");
        assert_eq!(parts[1].filename.as_deref(), Some("a.whl"));
        assert_eq!(parts[1].data, b"PK\r\n\x00data");
        assert!(multipart(b"not multipart").is_none());
    }
}

#[cfg(test)]
mod http_tests {
    use super::*;
    use crate::emulator::{Emulator, EmulatorConfig};
    use crate::nexus::Family;
    use base64::Engine as _;
    use std::io::{Read, Write};

    /// One raw HTTP/1.1 request to the emulator; the status line, headers and body come back.
    fn request(
        emu: &Emulator,
        method: &str,
        path: &str,
        auth: Option<(&str, &str)>,
        body: &[u8],
    ) -> (u16, String, Vec<u8>) {
        let mut stream = std::net::TcpStream::connect(emu.addr()).expect("the emulator listens");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            emu.addr(),
            body.len()
        );
        if let Some((u, p)) = auth {
            let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
            head.push_str(&format!("Authorization: Basic {b64}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a full answer");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let status = head[9..12].parse().unwrap();
        (status, head, raw[split + 4..].to_vec())
    }

    fn start(require_tokens: bool) -> Emulator {
        Emulator::start(
            EmulatorConfig::new(Family::Nexus3)
                .user("u", "pw")
                .require_user_tokens(require_tokens),
        )
        .expect("the emulator starts")
    }

    #[test]
    fn anonymous_requests_get_a_basic_challenge_and_the_password_is_refused_when_tokens_are_required()
     {
        let emu = start(true);
        let (status, head, _) = request(&emu, "GET", "/repository/pypi-group/simple/", None, b"");
        assert_eq!(status, 401, "anonymous requests are refused");
        assert!(
            head.to_ascii_lowercase()
                .contains("www-authenticate: basic realm="),
            "the 401 carries a Basic challenge (pip answers it from netrc): {head}"
        );
        let (status, _, _) = request(
            &emu,
            "GET",
            "/repository/pypi-group/simple/",
            Some(("u", "pw")),
            b"",
        );
        assert_eq!(
            status, 401,
            "the real password is refused under require user tokens"
        );
    }

    #[test]
    fn the_simple_index_links_the_wheel_with_its_sha256() {
        let emu = start(false);
        let auth = Some(("u", "pw"));
        let (status, _, body) = request(&emu, "GET", "/repository/pypi-group/simple/", auth, b"");
        assert_eq!(status, 200);
        assert!(String::from_utf8_lossy(&body).contains("href=\"nexus-e2e-hello/\""));
        let (status, _, body) = request(
            &emu,
            "GET",
            "/repository/pypi-group/simple/Nexus_E2E.Hello/",
            auth,
            b"",
        );
        assert_eq!(status, 200, "project names are normalized");
        let page = String::from_utf8_lossy(&body).into_owned();
        let sha = hex(&Sha256::digest(WHEEL));
        let href = format!("../../packages/{PROJECT}/1.0/{WHEEL_NAME}#sha256={sha}");
        assert!(
            page.contains(&href),
            "the link carries the wheel's sha256: {page}"
        );
        let (status, _, body) = request(
            &emu,
            "GET",
            &format!("/repository/pypi-group/packages/{PROJECT}/1.0/{WHEEL_NAME}"),
            auth,
            b"",
        );
        assert_eq!(status, 200);
        assert_eq!(body, WHEEL, "the wheel's bytes are served");
    }

    #[test]
    fn the_hosted_repository_keeps_an_upload_and_checks_its_digest() {
        let emu = start(false);
        let sha = hex(&Sha256::digest(b"wheel-bytes"));
        let form = |digest: &str| {
            format!(
                "--B\r\nContent-Disposition: form-data; name=\":action\"\r\n\r\nfile_upload\r\n\
--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nnexus-e2e-hello\r\n\
--B\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n1.0\r\n\
--B\r\nContent-Disposition: form-data; name=\"sha256_digest\"\r\n\r\n{digest}\r\n\
--B\r\nContent-Disposition: form-data; name=\"content\"; filename=\"x.whl\"\r\n\r\nwheel-bytes\r\n--B--\r\n"
            )
        };
        let (status, _, _) = request(
            &emu,
            "POST",
            "/repository/pypi-hosted/",
            Some(("u", "pw")),
            form("00").as_bytes(),
        );
        assert_eq!(status, 400, "a digest that does not match is refused");
        let (status, _, _) = request(
            &emu,
            "POST",
            "/repository/pypi-hosted/",
            Some(("u", "pw")),
            form(&sha).as_bytes(),
        );
        assert_eq!(status, 200, "a well-formed upload is accepted");
        let uploads = emu.pypi_uploads();
        assert_eq!(uploads.len(), 1, "one upload is kept");
        assert_eq!(uploads[0].username, "u");
        assert_eq!(uploads[0].filename, "x.whl");
        assert_eq!(uploads[0].content, b"wheel-bytes");
        let (status, _, _) = request(
            &emu,
            "POST",
            "/repository/pypi-hosted/",
            None,
            form(&sha).as_bytes(),
        );
        assert_eq!(status, 401, "an anonymous upload is refused");
        assert_eq!(emu.pypi_uploads().len(), 1);
    }
}

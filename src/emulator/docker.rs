//! The Docker registry of the emulator, shaped like a Nexus Docker connector: the registry API
//! at the root `/v2/` of the emulator's own port (a real Nexus gives each Docker repository a
//! connector port of its own; the emulator has one repository, so its port plays that part, and
//! `/v2/` clashes with no Nexus path). It serves one tiny image, `nexus/demo:1.0` (an OCI
//! manifest, a config blob, one gzip layer; bytes built once and committed under
//! `assets/docker/`).
//!
//! The flow is the one Docker clients expect: `GET /v2/` answers 401 with a Bearer challenge
//! naming `/v2/token`; `/v2/token` takes Basic credentials (judged by the server with the Maven
//! repository's rules: the token, or the password unless "require user tokens") and answers a
//! random `DockerToken.<hex>`; manifests, blobs and tags need that bearer token. Pure routing:
//! the caller does the HTTP, the login decision and the request log. No secret is logged here.

use std::collections::HashMap;

use rand::RngCore as _;
use sha2::{Digest, Sha256};

pub(crate) const MANIFEST: &[u8] = include_bytes!("assets/docker/manifest.json");
pub(crate) const CONFIG: &[u8] = include_bytes!("assets/docker/config.json");
pub(crate) const LAYER: &[u8] = include_bytes!("assets/docker/layer.tar.gz");

/// The image's repository name and its one tag.
pub(crate) const REPOSITORY: &str = "nexus/demo";
pub(crate) const TAG: &str = "1.0";

const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// An answer: status, content type, body, extra headers.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
}

/// What the Basic credentials of a `/v2/token` request are worth.
pub(crate) enum Login {
    /// Accepted for this user.
    Granted(String),
    /// Refused, with the reason Nexus gives.
    Refused(&'static str),
}

/// Whether a request path (context path not stripped) belongs to the registry API.
pub(crate) fn owns(path: &str) -> bool {
    path == "/v2" || path.starts_with("/v2/")
}

pub(crate) fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn reply(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
    Reply {
        status,
        content_type: Some(content_type),
        body: body.into(),
        headers: vec![("Docker-Distribution-API-Version", "registry/2.0".to_owned())],
    }
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    let body = serde_json::json!({"errors": [{"code": code, "message": message, "detail": null}]});
    reply(status, "application/json", body.to_string())
}

/// 401 with the challenge that sends clients to `/v2/token`.
fn challenge(origin: &str, message: &str) -> Reply {
    let mut r = error(401, "UNAUTHORIZED", message);
    r.headers.push((
        "WWW-Authenticate",
        format!("Bearer realm=\"{origin}/v2/token\",service=\"{origin}/v2/token\""),
    ));
    r
}

fn bearer(authorization: Option<&str>) -> Option<&str> {
    let (scheme, value) = authorization?.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| value.trim())
}

/// Answers one registry request. `origin` is `http://HOST:PORT` as the client addressed us;
/// `tokens` maps issued bearer tokens to their user.
pub(crate) fn serve(
    tokens: &mut HashMap<String, String>,
    origin: &str,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    login: &dyn Fn() -> Login,
) -> Reply {
    if method != "GET" && method != "HEAD" {
        return error(405, "UNSUPPORTED", "the emulator's registry is read-only");
    }
    if path == "/v2/token" {
        return match login() {
            Login::Granted(user) => {
                let mut b = [0u8; 16];
                rand::rng().fill_bytes(&mut b);
                let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                let token = format!("DockerToken.{hex}");
                tokens.insert(token.clone(), user);
                let body = serde_json::json!({"token": token, "access_token": token});
                reply(200, "application/json", body.to_string())
            }
            Login::Refused(reason) => challenge(origin, reason),
        };
    }
    let authorised = bearer(authorization).is_some_and(|t| tokens.contains_key(t));
    if !authorised {
        return challenge(origin, "access to the requested resource is not authorized");
    }
    let rest = path.trim_start_matches("/v2").trim_start_matches('/');
    if rest.is_empty() {
        return reply(200, "application/json", "{}");
    }
    let Some(rest) = rest
        .strip_prefix(REPOSITORY)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return error(404, "NAME_UNKNOWN", "repository name not known to registry");
    };
    let manifest_digest = digest(MANIFEST);
    match rest.split_once('/') {
        Some(("manifests", reference)) if reference == TAG || reference == manifest_digest => {
            let mut r = reply(200, MANIFEST_TYPE, MANIFEST);
            r.headers.push(("Docker-Content-Digest", manifest_digest));
            r
        }
        Some(("manifests", _)) => error(404, "MANIFEST_UNKNOWN", "manifest unknown"),
        Some(("blobs", d)) => match [CONFIG, LAYER].into_iter().find(|b| digest(b) == d) {
            Some(bytes) => {
                let mut r = reply(200, "application/octet-stream", bytes);
                r.headers.push(("Docker-Content-Digest", d.to_owned()));
                r
            }
            None => error(404, "BLOB_UNKNOWN", "blob unknown to registry"),
        },
        Some(("tags", "list")) => {
            let body = serde_json::json!({"name": REPOSITORY, "tags": [TAG]});
            reply(200, "application/json", body.to_string())
        }
        _ => error(404, "NAME_UNKNOWN", "repository name not known to registry"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_names_the_committed_blobs_with_their_digests_and_sizes() {
        let m: serde_json::Value = serde_json::from_slice(MANIFEST).unwrap();
        assert_eq!(
            m["config"]["digest"],
            digest(CONFIG),
            "the config digest is right"
        );
        assert_eq!(
            m["config"]["size"],
            CONFIG.len(),
            "the config size is right"
        );
        assert_eq!(
            m["layers"][0]["digest"],
            digest(LAYER),
            "the layer digest is right"
        );
        assert_eq!(
            m["layers"][0]["size"],
            LAYER.len(),
            "the layer size is right"
        );
    }

    #[test]
    fn content_needs_a_bearer_token_from_the_token_endpoint() {
        let mut tokens = HashMap::new();
        let origin = "http://127.0.0.1:1";
        let granted = || Login::Granted("dave".into());
        let refused = || Login::Refused("Unauthorized");
        let r = serve(&mut tokens, origin, "GET", "/v2/", None, &granted);
        assert_eq!(r.status, 401, "/v2/ without a token is challenged");
        assert!(
            r.headers.iter().any(|(n, v)| *n == "WWW-Authenticate"
                && v == "Bearer realm=\"http://127.0.0.1:1/v2/token\",service=\"http://127.0.0.1:1/v2/token\""),
            "the challenge names the token endpoint"
        );
        assert_eq!(
            serve(&mut tokens, origin, "GET", "/v2/token", None, &refused).status,
            401
        );
        let r = serve(&mut tokens, origin, "GET", "/v2/token", None, &granted);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        let token = v["token"].as_str().unwrap().to_owned();
        assert!(
            token.starts_with("DockerToken."),
            "a Nexus-style token is issued"
        );
        let auth = format!("Bearer {token}");
        let path = format!("/v2/nexus/demo/blobs/{}", digest(LAYER));
        let r = serve(&mut tokens, origin, "GET", &path, Some(&auth), &refused);
        assert_eq!(
            (r.status, r.body.as_slice()),
            (200, LAYER),
            "the layer is served with the token"
        );
        let r = serve(
            &mut tokens,
            origin,
            "GET",
            &path,
            Some("Bearer DockerToken.forged"),
            &granted,
        );
        assert_eq!(
            r.status, 401,
            "a token the registry did not issue is refused"
        );
        let r = serve(
            &mut tokens,
            origin,
            "GET",
            "/v2/nexus/demo/manifests/2.0",
            Some(&auth),
            &granted,
        );
        assert_eq!(r.status, 404, "an unknown tag is not found");
    }
}

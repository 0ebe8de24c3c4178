//! The npm repositories of the emulator: a group (`npm-group`) that serves the checked-in package
//! `nexus-demo-pkg` 1.0.0 plus everything published to the hosted repository, and a hosted
//! repository (`npm-hosted`) that accepts `npm publish` (a PUT of the packument with
//! `_attachments`) into memory. Paths follow Nexus: `<context>/repository/<name>/...` on Nexus 3,
//! `<context>/content/groups|repositories/<name>/...` on Nexus 2.
//!
//! Authentication is checked by the caller (`server::repository`) exactly as for the Maven
//! repository; this module only answers the npm protocol. It never logs a request body.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use sha2::{Digest, Sha512};

use super::{Emulator, repo};
use crate::nexus::Family;

/// The group repository's name.
pub(super) const GROUP: &str = "npm-group";
/// The hosted repository's name.
pub(super) const HOSTED: &str = "npm-hosted";
/// The package the group serves from the start.
pub(super) const DEMO_PACKAGE: &str = "nexus-demo-pkg";
/// Its only version.
pub(super) const DEMO_VERSION: &str = "1.0.0";

/// `npm pack` of a two-file package (`package.json`, `index.js`), checked in.
const DEMO_TARBALL: &[u8] = include_bytes!("assets/nexus-demo-pkg-1.0.0.tgz");

/// Packages published to the hosted repository, by name.
#[derive(Debug, Default)]
pub(crate) struct NpmState {
    packages: BTreeMap<String, Package>,
}

#[derive(Debug, Clone)]
struct Package {
    /// The packument as published, `_attachments` removed; versions merged over publishes.
    packument: Value,
    /// Tarballs by file name.
    tarballs: BTreeMap<String, Vec<u8>>,
}

/// An npm answer: status, content type and body.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Reply {
    fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: value.to_string().into_bytes(),
        }
    }
    fn error(status: u16, message: &str) -> Reply {
        Reply::json(status, &json!({ "error": message }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Group,
    Hosted,
}

/// The repository path (relative to the context, with trailing slash) of an npm repository.
pub(crate) fn repository_path(family: Family, name: &str) -> String {
    if !family.is_nexus2() {
        format!("repository/{name}/")
    } else if name == GROUP {
        format!("content/groups/{name}/")
    } else {
        format!("content/repositories/{name}/")
    }
}

fn which(family: Family, rel: &str) -> Option<(Which, String)> {
    for (w, name) in [(Which::Group, GROUP), (Which::Hosted, HOSTED)] {
        if let Some(rest) = rel.strip_prefix(&repository_path(family, name)) {
            return Some((w, rest.to_owned()));
        }
    }
    None
}

/// Whether a path (relative to the context) belongs to an npm repository.
pub(crate) fn is_npm_path(family: Family, rel: &str) -> bool {
    which(family, rel).is_some()
}

/// `dist.shasum` and `dist.integrity` of tarball bytes.
pub(crate) fn dist_digests(bytes: &[u8]) -> (String, String) {
    let sha512 = Sha512::digest(bytes);
    (
        repo::sha1_hex(bytes),
        format!("sha512-{}", B64.encode(sha512)),
    )
}

/// The last path segment: npm attaches a scoped package as `@scope/name-1.0.0.tgz` but fetches
/// `.../@scope/name/-/name-1.0.0.tgz`.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Splits `name[/-/file]` after percent-decoding (`@scope%2fname` arrives encoded).
fn split_path(rest: &str) -> (String, Option<String>) {
    let decoded = percent_encoding::percent_decode_str(rest)
        .decode_utf8_lossy()
        .into_owned();
    match decoded.split_once("/-/") {
        Some((name, file)) => (name.to_owned(), Some(file.to_owned())),
        None => (decoded.trim_end_matches('/').to_owned(), None),
    }
}

fn demo_packument() -> Value {
    let (shasum, integrity) = dist_digests(DEMO_TARBALL);
    json!({
        "name": DEMO_PACKAGE,
        "description": "A tiny package served by the nexus-token emulator",
        "dist-tags": { "latest": DEMO_VERSION },
        "versions": {
            DEMO_VERSION: {
                "name": DEMO_PACKAGE,
                "version": DEMO_VERSION,
                "main": "index.js",
                "license": "MIT",
                "dist": {
                    "tarball": format!("{DEMO_PACKAGE}-{DEMO_VERSION}.tgz"),
                    "shasum": shasum,
                    "integrity": integrity,
                }
            }
        },
        "time": {
            "created": "2020-01-01T00:00:00.000Z",
            "modified": "2020-01-01T00:00:00.000Z",
            DEMO_VERSION: "2020-01-01T00:00:00.000Z",
        }
    })
}

/// The packument with every `dist.tarball` pointing at this repository (as Nexus rewrites it).
fn with_tarball_urls(mut packument: Value, repo_url: &str, name: &str) -> Value {
    if let Some(versions) = packument.get_mut("versions").and_then(Value::as_object_mut) {
        for version in versions.values_mut() {
            if let Some(dist) = version.get_mut("dist").and_then(Value::as_object_mut) {
                let file = dist
                    .get("tarball")
                    .and_then(Value::as_str)
                    .and_then(|t| t.rsplit('/').next())
                    .unwrap_or_default()
                    .to_owned();
                dist.insert(
                    "tarball".to_owned(),
                    Value::String(format!("{repo_url}{name}/-/{file}")),
                );
            }
        }
    }
    packument
}

/// Answers one authenticated npm request. `origin` is `http://host:port` as the client sees it,
/// `context` the context path.
pub(crate) fn serve(
    state: &mut NpmState,
    family: Family,
    origin: &str,
    context: &str,
    method: &str,
    rel: &str,
    body: &[u8],
) -> Reply {
    let Some((repo, rest)) = which(family, rel) else {
        return Reply::error(404, "not found");
    };
    let repo_name = if repo == Which::Group { GROUP } else { HOSTED };
    let repo_url = format!("{origin}{context}/{}", repository_path(family, repo_name));
    let (name, file) = split_path(&rest);
    match (method, file) {
        ("GET" | "HEAD", Some(file)) => {
            let bytes = if repo == Which::Group
                && name == DEMO_PACKAGE
                && file == format!("{DEMO_PACKAGE}-{DEMO_VERSION}.tgz")
            {
                Some(DEMO_TARBALL.to_vec())
            } else {
                state
                    .packages
                    .get(&name)
                    .and_then(|p| p.tarballs.get(file_name(&file)))
                    .cloned()
            };
            match bytes {
                Some(body) => Reply {
                    status: 200,
                    content_type: "application/octet-stream",
                    body,
                },
                None => Reply::error(404, "not found"),
            }
        }
        ("GET" | "HEAD", None) => {
            let packument = if repo == Which::Group && name == DEMO_PACKAGE {
                Some(demo_packument())
            } else {
                state.packages.get(&name).map(|p| p.packument.clone())
            };
            match packument {
                Some(p) => Reply::json(200, &with_tarball_urls(p, &repo_url, &name)),
                None => Reply::error(404, "not found"),
            }
        }
        ("PUT", None) if repo == Which::Hosted => publish(state, &name, body),
        ("PUT", _) => Reply::error(405, "this repository does not accept uploads"),
        _ => Reply::error(405, "method not allowed"),
    }
}

/// `npm publish`: stores the packument (without `_attachments`) and the attached tarballs.
fn publish(state: &mut NpmState, name: &str, body: &[u8]) -> Reply {
    let Ok(mut doc) = serde_json::from_slice::<Value>(body) else {
        return Reply::error(400, "the body is not a JSON packument");
    };
    if doc.get("name").and_then(Value::as_str) != Some(name) {
        return Reply::error(400, "the packument name does not match the URL");
    }
    let mut tarballs = BTreeMap::new();
    if let Some(attachments) = doc
        .as_object_mut()
        .and_then(|o| o.remove("_attachments"))
        .and_then(|a| a.as_object().cloned())
    {
        for (file, att) in attachments {
            let Some(bytes) = att
                .get("data")
                .and_then(Value::as_str)
                .and_then(|d| B64.decode(d).ok())
            else {
                return Reply::error(400, "an attachment is not base64");
            };
            tarballs.insert(file_name(&file).to_owned(), bytes);
        }
    }
    if tarballs.is_empty() {
        return Reply::error(400, "no tarball attached");
    }
    let entry = state
        .packages
        .entry(name.to_owned())
        .or_insert_with(|| Package {
            packument: json!({ "name": name, "versions": {}, "dist-tags": {} }),
            tarballs: BTreeMap::new(),
        });
    for key in ["versions", "dist-tags"] {
        let new = doc.get(key).and_then(Value::as_object).cloned();
        if let (Some(new), Some(old)) = (
            new,
            entry.packument.get_mut(key).and_then(Value::as_object_mut),
        ) {
            if key == "versions" && new.keys().any(|v| old.contains_key(v)) {
                return Reply::error(400, "this version is already published; bump the version");
            }
            old.extend(new);
        }
    }
    entry.tarballs.extend(tarballs);
    Reply::json(201, &json!({ "ok": true, "id": name }))
}

impl Emulator {
    /// The npm group repository URL, with trailing slash (serves `nexus-demo-pkg`).
    pub fn npm_group_url(&self) -> String {
        format!(
            "{}/{}",
            self.base_url(),
            repository_path(self.family(), GROUP)
        )
    }

    /// The npm hosted repository URL, with trailing slash (accepts `npm publish`).
    pub fn npm_hosted_url(&self) -> String {
        format!(
            "{}/{}",
            self.base_url(),
            repository_path(self.family(), HOSTED)
        )
    }

    /// The versions published to the hosted repository for `name`.
    pub fn npm_published_versions(&self, name: &str) -> Vec<String> {
        self.shared
            .lock()
            .npm
            .packages
            .get(name)
            .and_then(|p| p.packument.get("versions"))
            .and_then(Value::as_object)
            .map(|v| v.keys().cloned().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(state: &mut NpmState, rel: &str) -> Reply {
        serve(state, Family::Nexus3, "http://h:1", "", "GET", rel, b"")
    }

    #[test]
    fn demo_packument_points_at_a_tarball_with_matching_digests() {
        let mut state = NpmState::default();
        let reply = get(&mut state, "repository/npm-group/nexus-demo-pkg");
        assert_eq!(reply.status, 200);
        let doc: Value = serde_json::from_slice(&reply.body).unwrap();
        let dist = &doc["versions"]["1.0.0"]["dist"];
        assert_eq!(
            dist["tarball"],
            "http://h:1/repository/npm-group/nexus-demo-pkg/-/nexus-demo-pkg-1.0.0.tgz",
            "the tarball URL points back at the group"
        );
        let tgz = get(
            &mut state,
            "repository/npm-group/nexus-demo-pkg/-/nexus-demo-pkg-1.0.0.tgz",
        );
        assert_eq!(tgz.status, 200);
        assert_eq!(&tgz.body[..2], &[0x1f, 0x8b], "the tarball is gzip");
        let (shasum, integrity) = dist_digests(&tgz.body);
        assert_eq!(dist["shasum"], shasum.as_str());
        assert_eq!(dist["integrity"], integrity.as_str());
        assert_eq!(shasum, "2a3d8ccd016146535bf3cac4796445cf7bb9fa86");
    }

    #[test]
    fn publish_then_read_through_hosted_and_group() {
        let mut state = NpmState::default();
        let body = json!({
            "name": "@acme/tiny",
            "versions": {"0.1.0": {"name": "@acme/tiny", "version": "0.1.0",
                "dist": {"tarball": "http://x/npm-hosted/@acme/tiny/-/@acme/tiny-0.1.0.tgz"}}},
            "dist-tags": {"latest": "0.1.0"},
            "_attachments": {"tiny-0.1.0.tgz": {"data": B64.encode(b"tgz"), "length": 3}}
        })
        .to_string();
        let put = |state: &mut NpmState| {
            serve(
                state,
                Family::Nexus3,
                "http://h:1",
                "",
                "PUT",
                "repository/npm-hosted/@acme%2ftiny",
                body.as_bytes(),
            )
        };
        assert_eq!(put(&mut state).status, 201, "a publish is accepted");
        assert_eq!(
            put(&mut state).status,
            400,
            "the same version twice is refused"
        );
        for repo in ["npm-hosted", "npm-group"] {
            let reply = get(&mut state, &format!("repository/{repo}/@acme%2ftiny"));
            assert_eq!(reply.status, 200, "{repo} shows the published package");
            let doc: Value = serde_json::from_slice(&reply.body).unwrap();
            assert!(doc.get("_attachments").is_none());
            assert_eq!(
                doc["versions"]["0.1.0"]["dist"]["tarball"],
                format!("http://h:1/repository/{repo}/@acme/tiny/-/tiny-0.1.0.tgz")
            );
        }
        let tgz = get(
            &mut state,
            "repository/npm-group/@acme/tiny/-/tiny-0.1.0.tgz",
        );
        assert_eq!(tgz.body, b"tgz");
        let refused = serve(
            &mut state,
            Family::Nexus3,
            "http://h:1",
            "",
            "PUT",
            "repository/npm-group/x",
            b"{}",
        );
        assert_eq!(refused.status, 405, "the group refuses uploads");
    }

    #[test]
    fn nexus2_paths() {
        assert_eq!(
            repository_path(Family::Nexus2, GROUP),
            "content/groups/npm-group/"
        );
        assert!(is_npm_path(
            Family::Nexus2,
            "content/repositories/npm-hosted/x"
        ));
        assert!(!is_npm_path(Family::Nexus3, "repository/maven-public/x"));
    }
}

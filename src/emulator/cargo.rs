//! The Cargo registry of the emulator: a sparse index at `<context>/repository/cargo-group/`,
//! as a Nexus Cargo repository serves it, with `auth-required` so Cargo sends its
//! `Authorization` header (the provider's output, verbatim) on every request. It holds one tiny
//! crate, `nexus-demo-crate` 0.1.0 (a real `cargo package` output committed under
//! `assets/cargo/`), its index entry and the download.
//!
//! Pure routing after the server checked the credentials with the Maven repository's rules
//! (Basic with the token; the password unless "require user tokens"; 401 otherwise). No I/O,
//! nothing logged here.

use super::docker::digest;

pub(crate) const CRATE: &[u8] = include_bytes!("assets/cargo/nexus-demo-crate-0.1.0.crate");

/// The repository's path under the context path.
pub(crate) const PREFIX: &str = "repository/cargo-group/";

/// The crate's name and version.
pub(crate) const NAME: &str = "nexus-demo-crate";
pub(crate) const VERSION: &str = "0.1.0";

/// An answer: status, content type, body.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// Whether a path relative to the context belongs to the Cargo repository.
pub(crate) fn owns(rel: &str) -> bool {
    rel.starts_with(PREFIX) || rel == PREFIX.trim_end_matches('/')
}

/// Where an index file lives, by Cargo's layout rules (1, 2, 3/a, ab/cd).
pub(crate) fn index_path(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.len() {
        1 => format!("1/{lower}"),
        2 => format!("2/{lower}"),
        3 => format!("3/{}/{lower}", &lower[..1]),
        _ => format!("{}/{}/{lower}", &lower[..2], &lower[2..4]),
    }
}

fn index_line() -> String {
    let cksum = digest(CRATE);
    let cksum = cksum.trim_start_matches("sha256:");
    let entry = serde_json::json!({
        "name": NAME,
        "vers": VERSION,
        "deps": [],
        "cksum": cksum,
        "features": {},
        "yanked": false,
    });
    format!("{entry}\n")
}

/// Answers one request for `rel` (relative to the context path); `repo_url` is the
/// repository's URL with a trailing slash, as the client addressed it.
pub(crate) fn serve(repo_url: &str, method: &str, rel: &str) -> Reply {
    let not_found = || Reply {
        status: 404,
        content_type: "text/plain",
        body: b"Not Found".to_vec(),
    };
    if method != "GET" && method != "HEAD" {
        return Reply {
            status: 405,
            content_type: "text/plain",
            body: b"Method Not Allowed".to_vec(),
        };
    }
    let file = rel.strip_prefix(PREFIX).unwrap_or_default();
    if file == "config.json" {
        let config = serde_json::json!({
            "dl": format!("{repo_url}crates/{{crate}}/{{version}}/download"),
            "api": repo_url.trim_end_matches('/'),
            "auth-required": true,
        });
        return Reply {
            status: 200,
            content_type: "application/json",
            body: config.to_string().into_bytes(),
        };
    }
    if file == index_path(NAME) {
        return Reply {
            status: 200,
            content_type: "text/plain",
            body: index_line().into_bytes(),
        };
    }
    if file == format!("crates/{NAME}/{VERSION}/download") {
        return Reply {
            status: 200,
            content_type: "application/x-tar",
            body: CRATE.to_vec(),
        };
    }
    not_found()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_follow_cargos_layout() {
        assert_eq!(index_path("a"), "1/a");
        assert_eq!(index_path("ab"), "2/ab");
        assert_eq!(index_path("abc"), "3/a/abc");
        assert_eq!(index_path("Nexus-Demo-Crate"), "ne/xu/nexus-demo-crate");
    }

    #[test]
    fn the_index_checksum_is_the_crates_sha256() {
        let r = serve(
            "http://h/repository/cargo-group/",
            "GET",
            "repository/cargo-group/ne/xu/nexus-demo-crate",
        );
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            v["cksum"],
            digest(CRATE).trim_start_matches("sha256:"),
            "cksum matches the bytes served"
        );
        let c = serve(
            "http://h/repository/cargo-group/",
            "GET",
            "repository/cargo-group/config.json",
        );
        let v: serde_json::Value = serde_json::from_slice(&c.body).unwrap();
        assert_eq!(
            v["auth-required"], true,
            "the registry asks for credentials on every request"
        );
        assert_eq!(
            v["dl"],
            "http://h/repository/cargo-group/crates/{crate}/{version}/download"
        );
        let d = serve(
            "http://h/repository/cargo-group/",
            "GET",
            "repository/cargo-group/crates/nexus-demo-crate/0.1.0/download",
        );
        assert_eq!(d.body, CRATE, "the download is the committed crate");
    }
}

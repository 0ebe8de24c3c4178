//! The Go module proxy of the emulator at `<context>/repository/go-proxy/`, as a Nexus Go proxy
//! repository serves it (the GOPROXY protocol of `go help goproxy`): `<module>/@v/list`,
//! `<module>/@v/<version>.info`, `.mod`, `.zip` and `<module>/@latest`. It holds one tiny
//! module, `example.com/nexusdemo` v1.0.0 (its `go.mod` and a zip made once with Python's
//! `zipfile`, committed under `assets/go/`).
//!
//! Pure routing after the server checked the credentials with the Maven repository's rules
//! (Basic with the token; the password unless "require user tokens"; 401 otherwise). No I/O,
//! nothing logged here.

/// The repository's path under the context path.
pub(crate) const PREFIX: &str = "repository/go-proxy/";

/// The module path and its one version.
pub const MODULE: &str = "example.com/nexusdemo";
pub const VERSION: &str = "v1.0.0";

const MOD: &[u8] = include_bytes!("assets/go/nexusdemo-v1.0.0.mod");
const ZIP: &[u8] = include_bytes!("assets/go/nexusdemo-v1.0.0.zip");
/// The version's time, as Nexus passes on the upstream proxy's `.info`.
const TIME: &str = "2026-01-01T00:00:00Z";

/// An answer: status, content type, body.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// Whether a path relative to the context belongs to the Go repository.
pub(crate) fn owns(rel: &str) -> bool {
    rel.starts_with(PREFIX) || rel == PREFIX.trim_end_matches('/')
}

fn info() -> Vec<u8> {
    serde_json::json!({ "Version": VERSION, "Time": TIME })
        .to_string()
        .into_bytes()
}

/// Answers one request for `rel` (relative to the context path).
pub(crate) fn serve(method: &str, rel: &str) -> Reply {
    if method != "GET" && method != "HEAD" {
        return Reply {
            status: 405,
            content_type: "text/plain",
            body: b"Method Not Allowed".to_vec(),
        };
    }
    let file = rel.strip_prefix(PREFIX).unwrap_or_default();
    let reply = |content_type, body: Vec<u8>| Reply {
        status: 200,
        content_type,
        body,
    };
    let Some(rest) = file.strip_prefix(MODULE).and_then(|r| r.strip_prefix('/')) else {
        // Go takes a 404 or 410 as "not here" and tries the next proxy of its list.
        return Reply {
            status: 404,
            content_type: "text/plain",
            body: format!("not found: {file}").into_bytes(),
        };
    };
    match rest {
        "@v/list" => reply("text/plain", format!("{VERSION}\n").into_bytes()),
        "@latest" => reply("application/json", info()),
        _ if rest == format!("@v/{VERSION}.info") => reply("application/json", info()),
        _ if rest == format!("@v/{VERSION}.mod") => reply("text/plain", MOD.to_vec()),
        _ if rest == format!("@v/{VERSION}.zip") => reply("application/zip", ZIP.to_vec()),
        _ => Reply {
            status: 404,
            content_type: "text/plain",
            body: format!("not found: {MODULE}/{rest}").into_bytes(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> Reply {
        serve("GET", &format!("{PREFIX}{path}"))
    }

    #[test]
    fn the_proxy_protocol_answers_for_the_one_module() {
        let list = get("example.com/nexusdemo/@v/list");
        assert_eq!(
            (list.status, list.body),
            (200, b"v1.0.0\n".to_vec()),
            "list names the version"
        );
        for path in [
            "example.com/nexusdemo/@latest",
            "example.com/nexusdemo/@v/v1.0.0.info",
        ] {
            let r = get(path);
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(
                (r.status, v["Version"].as_str()),
                (200, Some(VERSION)),
                "{path}"
            );
        }
        let m = get("example.com/nexusdemo/@v/v1.0.0.mod");
        assert!(m.body.starts_with(b"module example.com/nexusdemo\n"));
        let z = get("example.com/nexusdemo/@v/v1.0.0.zip");
        assert!(z.body.starts_with(b"PK\x03\x04"), "the zip is a zip");
        assert!(
            z.body
                .windows(31)
                .any(|w| w == b"example.com/nexusdemo@v1.0.0/go"),
            "its files sit under module@version/, as Go requires"
        );
    }

    #[test]
    fn other_modules_versions_and_methods_are_refused() {
        assert_eq!(get("example.com/other/@v/list").status, 404);
        assert_eq!(get("example.com/nexusdemo/@v/v9.9.9.info").status, 404);
        assert_eq!(
            serve("PUT", "repository/go-proxy/example.com/nexusdemo/@v/list").status,
            405
        );
        assert!(owns("repository/go-proxy/x") && !owns("repository/cargo-group/x"));
    }
}

//! The Docker credential-helper protocol, pure: what `docker-credential-nexus-token <action>`
//! answers for a given standard input, with the token lookup passed in.
//!
//! The protocol is the one of docker/docker-credential-helpers: `get` reads the server from
//! stdin to its end (Docker sends a URL or `host[:port]`, skopeo the bare `host:port` without a
//! newline) and prints `{"ServerURL":..,"Username":..,"Secret":..}`; an unknown server prints
//! `credentials not found in native keychain` on stdout and exits 1, which Docker and skopeo
//! take as "no credentials" (anonymous access); `list` prints `{"<server>":"<username>"}`;
//! `store` and `erase` succeed without changing anything (the token belongs to nexus-token,
//! not to `docker login`). It must not do I/O, and the secret only leaves it inside the
//! [`Reply`]'s stdout, itself a [`Secret`].

use std::collections::BTreeMap;

use crate::secret::Secret;

/// The message Docker's helpers print when they hold nothing for a server; Docker and
/// containers/image compare stdout with it to tell "not found" from a failure.
pub const NOT_FOUND: &str = "credentials not found in native keychain";

/// The program name Docker runs for `credHelpers` value `nexus-token`.
pub const PROGRAM: &str = "docker-credential-nexus-token";

/// What the lookup yields for a registry: the token as Docker credentials.
pub struct HelperCredentials {
    /// The token's nameCode.
    pub username: String,
    /// The token's passCode.
    pub secret: Secret<String>,
}

impl std::fmt::Debug for HelperCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HelperCredentials")
            .field("username", &self.username)
            .field("secret", &self.secret)
            .finish()
    }
}

/// What the helper prints on stdout and its exit code.
#[derive(Debug)]
pub struct Reply {
    /// Everything for stdout (a `get` answer holds the passCode).
    pub stdout: Secret<Vec<u8>>,
    /// 0 done, 1 not found or a protocol error (as Docker's helpers do).
    pub code: u8,
}

impl Reply {
    fn new(text: impl Into<Vec<u8>>, code: u8) -> Reply {
        Reply {
            stdout: Secret::new(text.into()),
            code,
        }
    }
}

/// The registry key of a server as Docker names it: scheme and path dropped, lowercased
/// (`https://Host:5000/v1/` -> `host:5000`). `None` when nothing is left.
pub fn normalize_server(raw: &str) -> Option<String> {
    let s = raw.trim();
    let s = match s.find("://") {
        Some(i) => &s[i + 3..],
        None => s,
    };
    let host = s.split('/').next().unwrap_or_default().trim();
    if host.is_empty() {
        None
    } else {
        Some(host.to_ascii_lowercase())
    }
}

/// The usage line, printed for a missing action (exit 1, as Docker's helpers do).
pub fn usage() -> String {
    format!("Usage: {PROGRAM} <store|get|erase|list|version>\n")
}

/// Whether `action` reads standard input (the caller reads it to its end only then, so `list`
/// or `version` on a terminal does not wait for input it does not need).
pub fn reads_stdin(action: &str) -> bool {
    matches!(action, "get" | "store" | "erase")
}

/// Answers one helper call.
///
/// - `action`: the first argument (`get`, `list`, `store`, `erase`, `version`).
/// - `stdin`: standard input read to its end (empty for the actions that do not read it).
/// - `hosts`: the registries nexus-token serves, each with the username to list (for `list`,
///   which never asks `lookup`: listing needs no token, and one profile that cannot answer must
///   not hide the others).
/// - `lookup`: the token for a normalised registry key, `Ok(None)` when nexus-token serves
///   nothing there. Its error (keyring locked, profile paused) is returned as is: the caller
///   prints it on stderr and exits with its code.
pub fn answer<E>(
    action: &str,
    stdin: &[u8],
    hosts: &[(String, String)],
    lookup: &dyn Fn(&str) -> Result<Option<HelperCredentials>, E>,
) -> Result<Reply, E> {
    match action {
        "get" => {
            // Like Docker's helpers: lines joined, surrounding whitespace dropped.
            let server: String = String::from_utf8_lossy(stdin)
                .lines()
                .collect::<Vec<_>>()
                .concat()
                .trim()
                .to_owned();
            if server.is_empty() {
                return Ok(Reply::new("no credentials server URL\n", 1));
            }
            let Some(key) = normalize_server(&server) else {
                return Ok(Reply::new(format!("{NOT_FOUND}\n"), 1));
            };
            match lookup(&key)? {
                Some(creds) => Ok(Reply {
                    stdout: get_json(&server, &creds),
                    code: 0,
                }),
                None => Ok(Reply::new(format!("{NOT_FOUND}\n"), 1)),
            }
        }
        "list" => {
            let mut map = BTreeMap::new();
            for (host, username) in hosts {
                if let Some(key) = normalize_server(host) {
                    map.entry(key).or_insert_with(|| username.clone());
                }
            }
            let mut text = serde_json::to_vec(&map).unwrap_or_else(|_| b"{}".to_vec());
            text.push(b'\n');
            Ok(Reply::new(text, 0))
        }
        "store" | "erase" => Ok(Reply::new(Vec::new(), 0)),
        "version" | "--version" | "-v" => Ok(Reply::new(
            format!("{PROGRAM} (nexus-token) {}\n", env!("CARGO_PKG_VERSION")),
            0,
        )),
        "--help" | "-h" => Ok(Reply::new(usage(), 0)),
        other => Ok(Reply::new(
            format!("{PROGRAM}: unknown action: {other}\n"),
            1,
        )),
    }
}

fn get_json(server: &str, creds: &HelperCredentials) -> Secret<Vec<u8>> {
    #[derive(serde::Serialize)]
    struct Get<'a> {
        #[serde(rename = "ServerURL")]
        server_url: &'a str,
        #[serde(rename = "Username")]
        username: &'a str,
        #[serde(rename = "Secret")]
        secret: &'a str,
    }
    let value = Get {
        server_url: server,
        username: &creds.username,
        secret: creds.secret.expose(),
    };
    // Serialising three strings cannot fail; an empty answer would read as malformed JSON.
    let mut text = serde_json::to_vec(&value).unwrap_or_default();
    text.push(b'\n');
    Secret::new(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(host: &str) -> Result<Option<HelperCredentials>, String> {
        match host {
            "nexus.example:8443" => Ok(Some(HelperCredentials {
                username: "nameCode1".into(),
                secret: Secret::new("pass/Code+1".into()),
            })),
            "locked.example" => Err("keyring locked".into()),
            _ => Ok(None),
        }
    }

    fn run(action: &str, stdin: &str) -> (String, u8) {
        let hosts = vec![
            ("nexus.example:8443".to_owned(), "nameCode1".to_owned()),
            ("locked.example".to_owned(), "alice".to_owned()),
        ];
        let reply = answer(action, stdin.as_bytes(), &hosts, &lookup).unwrap();
        (
            String::from_utf8(reply.stdout.expose().clone()).unwrap(),
            reply.code,
        )
    }

    #[test]
    fn get_accepts_every_way_clients_name_the_server() {
        for input in [
            "nexus.example:8443",
            "nexus.example:8443\n",
            "https://nexus.example:8443",
            "https://nexus.example:8443/v1/\n",
            "http://NEXUS.example:8443/v2/",
            "  nexus.example:8443  ",
        ] {
            let (out, code) = run("get", input);
            assert_eq!(code, 0, "`{input}` is found");
            let value: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(
                value["ServerURL"],
                input.trim(),
                "ServerURL echoes the request"
            );
            assert_eq!(value["Username"], "nameCode1");
            assert_eq!(value["Secret"], "pass/Code+1");
            assert!(out.ends_with("}\n"), "the answer is one JSON line");
        }
        let (out, _) = run("get", "nexus.example:8443");
        assert!(
            out.starts_with("{\"ServerURL\":"),
            "the keys come in Docker's order: {out}"
        );
    }

    #[test]
    fn unknown_hosts_get_dockers_not_found_answer() {
        for input in [
            "other.example",
            "nexus.example:9999",
            "https://",
            "nexus.example",
        ] {
            assert_eq!(
                run("get", input),
                (format!("{NOT_FOUND}\n"), 1),
                "`{input}` is not found"
            );
        }
        assert_eq!(
            run("get", "  \n"),
            ("no credentials server URL\n".into(), 1)
        );
    }

    #[test]
    fn list_store_erase_and_others() {
        assert_eq!(
            run("list", "unused"),
            (
                "{\"locked.example\":\"alice\",\"nexus.example:8443\":\"nameCode1\"}\n".into(),
                0
            ),
            "list asks no lookup: a profile that cannot answer does not fail it"
        );
        assert_eq!(
            run(
                "store",
                "{\"ServerURL\":\"x\",\"Username\":\"u\",\"Secret\":\"s\"}"
            ),
            (String::new(), 0)
        );
        assert_eq!(run("erase", "nexus.example:8443"), (String::new(), 0));
        let (out, code) = run("version", "");
        assert!(
            code == 0 && out.starts_with(PROGRAM),
            "version names the program: {out}"
        );
        let (out, code) = run("frobnicate", "");
        assert_eq!(code, 1, "an unknown action fails");
        assert!(
            out.contains("unknown action: frobnicate"),
            "and says so: {out}"
        );
    }

    #[test]
    fn a_failing_lookup_is_returned_to_the_caller() {
        let err = answer("get", b"locked.example", &[], &lookup).unwrap_err();
        assert_eq!(err, "keyring locked", "the lookup error is passed through");
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize_server("https://Host:5000/v1/").as_deref(),
            Some("host:5000")
        );
        assert_eq!(normalize_server("host").as_deref(), Some("host"));
        assert_eq!(normalize_server("http:///x"), None);
        assert_eq!(normalize_server(""), None);
    }
}

//! Docker `config.json` editor: pure functions over bytes, no I/O. It names nexus-token as the
//! credential helper of one registry (`credHelpers["HOST[:PORT]"]`), removes a stale stored
//! credential for that registry (`auths[...]`), and reads what doctor and logout need.
//!
//! Edits are splices into a copy of the original bytes at spans found by a small JSON reader
//! (`super::json`): every other key keeps its bytes, its order and its indentation. New
//! members copy the indentation of their siblings (the file's unit, tabs as Docker writes them,
//! when there is nothing to copy). It must not read or write files, print, or put a value of the
//! file into an error or a warning (an `auths` entry holds a password).
//!
//! Malformed JSON (what Docker's Go decoder refuses) is an error with a line and column, so the
//! caller writes nothing.

use super::helper::normalize_server;
use super::json::{self, Node, Object, SyntaxError};

/// The helper name written into `credHelpers`: Docker runs `docker-credential-<name>`.
pub const HELPER_NAME: &str = "nexus-token";

/// Whether a `credHelpers` value names nexus-token: [`HELPER_NAME`], or its per-profiles-file
/// name `nexus-token@<hash>` (a profile saved with `--config FILE`).
pub fn is_our_helper(name: &str) -> bool {
    name == HELPER_NAME
        || name
            .strip_prefix(HELPER_NAME)
            .and_then(|rest| rest.strip_prefix('@'))
            .is_some_and(|hash| !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Keys of an `auths` entry that hold a credential (Docker's `AuthConfig`).
const CREDENTIAL_KEYS: [&str; 5] = [
    "auth",
    "username",
    "password",
    "identitytoken",
    "registrytoken",
];

/// The result of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The new file content; equal to the input when `changed` is empty.
    pub output: Vec<u8>,
    /// What changed, by name: `credHelpers["host"]`, `auths["host"]`.
    pub changed: Vec<String>,
    /// Things the user should know; they name keys and helpers, never credential values.
    pub warnings: Vec<String>,
}

/// Why config.json could not be read or edited. Never contains a credential value.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not JSON that Docker would read.
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    /// JSON, but a key Docker reads has the wrong shape.
    #[error("{what} is not a JSON object")]
    NotAnObject { what: String },
    /// The registry name cannot be a `credHelpers` key.
    #[error("`{host}` is not a registry host: {reason}")]
    InvalidHost { host: String, reason: &'static str },
}

/// The style of the file, for new members.
struct Style {
    newline: &'static str,
    indent: String,
    colon: String,
    compact: bool,
}

fn style(bytes: &[u8], root: &Object) -> Style {
    let newline = if bytes.windows(2).any(|w| w == b"\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut indent = "\t".to_owned();
    let mut colon = ": ".to_owned();
    let mut compact = false;
    if let Some(first) = root.members.first() {
        let before = &bytes[root.open + 1..first.key_start];
        match before.iter().rposition(|&b| b == b'\n') {
            Some(nl) => {
                let unit = &before[nl + 1..];
                if !unit.is_empty() && unit.iter().all(|&b| b == b' ' || b == b'\t') {
                    indent = String::from_utf8_lossy(unit).into_owned();
                }
            }
            None => compact = true,
        }
        colon = String::from_utf8_lossy(&bytes[first.key_end..first.value.start]).into_owned();
    }
    Style {
        newline,
        indent,
        colon,
        compact,
    }
}

/// The leading whitespace of the line holding `pos`.
fn line_indent(bytes: &[u8], pos: usize) -> String {
    let start = bytes[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = bytes[start..]
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .map_or(bytes.len(), |i| start + i);
    String::from_utf8_lossy(&bytes[start..end]).into_owned()
}

/// Replaces `from..to` with `text`, in place (no second copy of a big file).
fn splice(bytes: &mut Vec<u8>, from: usize, to: usize, text: &str) {
    bytes.splice(from..to, text.bytes());
}

/// Adds `"key": value_text` as the last member of `obj`, formatted like its siblings.
fn insert_member(bytes: &mut Vec<u8>, obj: &Object, st: &Style, key: &str, value_text: &str) {
    let key = json::quote(key);
    match obj.members.last() {
        Some(last) => {
            let n = obj.members.len();
            let boundary = if n >= 2 {
                // Just after the comma that follows the member before the last.
                let after = obj.members[n - 2].value.end;
                bytes[after..]
                    .iter()
                    .position(|&b| b == b',')
                    .map_or(obj.open + 1, |i| after + i + 1)
            } else {
                obj.open + 1
            };
            let mut sep = String::from_utf8_lossy(&bytes[boundary..last.key_start]).into_owned();
            if n == 1 && !sep.contains('\n') && st.colon.ends_with(' ') {
                // One member on one line: no separator to copy; follow the `": "` spacing.
                sep = " ".into();
            }
            let colon =
                String::from_utf8_lossy(&bytes[last.key_end..last.value.start]).into_owned();
            let text = format!(",{sep}{key}{colon}{value_text}");
            splice(bytes, last.value.end, last.value.end, &text)
        }
        None if st.compact => {
            let text = format!("{{{key}{}{value_text}}}", st.colon);
            splice(bytes, obj.open, obj.close + 1, &text)
        }
        None => {
            let outer = line_indent(bytes, obj.open);
            let text = format!(
                "{nl}{outer}{unit}{key}{colon}{value_text}{nl}{outer}",
                nl = st.newline,
                unit = st.indent,
                colon = st.colon
            );
            splice(bytes, obj.open + 1, obj.close, &text)
        }
    }
}

/// Removes member `idx` of `obj` with its separator, leaving the others' bytes alone.
fn remove_member(bytes: &mut Vec<u8>, obj: &Object, idx: usize) {
    let n = obj.members.len();
    let m = &obj.members[idx];
    if n == 1 {
        return splice(bytes, obj.open + 1, obj.close, "");
    }
    if idx + 1 < n {
        // From this key to the next key: the whitespace before this key now leads the next.
        return splice(bytes, m.key_start, obj.members[idx + 1].key_start, "");
    }
    splice(bytes, obj.members[idx - 1].value.end, m.value.end, "")
}

fn root_object(root: &Node) -> Result<&Object, Error> {
    root.as_object().ok_or_else(|| Error::NotAnObject {
        what: "the top level of the file".into(),
    })
}

fn child_object<'a>(obj: &'a Object, key: &str) -> Result<Option<&'a Object>, Error> {
    match obj.get(key) {
        None => Ok(None),
        Some(m) => m
            .value
            .as_object()
            .map(Some)
            .ok_or_else(|| Error::NotAnObject {
                what: format!("`{key}`"),
            }),
    }
}

/// Checks and normalises a registry name given by the user (`host[:port]`, or a URL).
pub fn registry_key(host: &str) -> Result<String, Error> {
    let invalid = |reason| Error::InvalidHost {
        host: host.to_owned(),
        reason,
    };
    let key = normalize_server(host).ok_or_else(|| invalid("it is empty"))?;
    if key
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\\' | '@'))
    {
        return Err(invalid("it holds a space, a quote, a backslash or `@`"));
    }
    Ok(key)
}

/// Checks a `--docker-registry` argument as the user typed it: `HOST[:PORT]` (a scheme and a
/// trailing `/` are tolerated), a port of 1 to 65535, an IPv6 address in brackets, no path
/// (Docker keys credentials by host, so a path would be dropped silently) and not Docker Hub
/// (not a Nexus registry). Then [`registry_key`].
pub fn registry_arg(arg: &str) -> Result<String, Error> {
    let invalid = |reason: &'static str| Error::InvalidHost {
        host: arg.to_owned(),
        reason,
    };
    let rest = arg.trim();
    let rest = rest.split_once("://").map_or(rest, |(_, r)| r);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if !path.trim_matches('/').is_empty() {
        return Err(invalid(
            "Docker keys credentials by `host[:port]` only: a path would be dropped",
        ));
    }
    let port = if let Some(v6) = host.strip_prefix('[') {
        let (_, after) = v6
            .split_once(']')
            .ok_or(invalid("an IPv6 address needs its closing `]`"))?;
        after.strip_prefix(':')
    } else if host.matches(':').count() > 1 {
        return Err(invalid(
            "an IPv6 address goes in brackets, e.g. `[::1]:5000`",
        ));
    } else {
        host.split_once(':').map(|(_, p)| p)
    };
    if let Some(port) = port
        && !(port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p)))
    {
        return Err(invalid("the port must be a number from 1 to 65535"));
    }
    let key = registry_key(arg)?;
    let name = key.split(':').next().unwrap_or_default();
    if matches!(
        name,
        "docker.io" | "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com"
    ) {
        return Err(invalid(
            "that is Docker Hub, not a Nexus registry: give the host (and port) of your Nexus Docker connector",
        ));
    }
    Ok(key)
}

/// The index of the `auths` entry for `host` that holds a credential key, that entry (read from
/// `bytes` on demand: the tree keeps only two levels) and the key's index.
fn stale_credential(
    bytes: &[u8],
    auths: &Object,
    host: &str,
) -> Result<Option<(usize, Object, usize)>, Error> {
    for (i, m) in auths.members.iter().enumerate() {
        if normalize_server(&m.key).as_deref() != Some(host) {
            continue;
        }
        let Some(entry) = json::object_at(bytes, &m.value)? else {
            continue;
        };
        if let Some(j) = entry
            .members
            .iter()
            .position(|e| CREDENTIAL_KEYS.contains(&&*e.key))
        {
            return Ok(Some((i, entry, j)));
        }
    }
    Ok(None)
}

/// Sets `credHelpers[host] = helper`, removing a stale `auths[host]` credential.
///
/// `current` is the file's content (`None` or only whitespace: the file is created as Docker
/// writes it). Every other byte stays; a second run changes nothing.
pub fn set_cred_helper(current: Option<&[u8]>, host: &str, helper: &str) -> Result<Edit, Error> {
    let host = registry_key(host)?;
    let input = current.unwrap_or_default();
    let blank = input.iter().all(u8::is_ascii_whitespace);
    // One copy, edited in place, with room for what is added: memory stays linear in the size.
    let mut out: Vec<u8> = Vec::with_capacity(input.len() + 256);
    out.extend_from_slice(if blank { b"{}" } else { input });
    let mut changed = Vec::new();
    let mut warnings = Vec::new();

    // 1. Stale credentials in `auths`, one key at a time (spans move after each splice). The
    // entries of `auths` keep their places meanwhile, so the ones emptied are known by index.
    let mut emptied: Vec<usize> = Vec::new();
    loop {
        let root = json::parse(&out)?;
        let obj = root_object(&root)?;
        let Some(auths) = child_object(obj, "auths")? else {
            break;
        };
        let Some((i, entry, j)) = stale_credential(&out, auths, &host)? else {
            break;
        };
        if entry.members.len() == 1 {
            emptied.push(i);
        }
        remove_member(&mut out, &entry, j);
        let name = format!("auths[\"{host}\"]");
        if !changed.contains(&name) {
            changed.push(name);
        }
    }

    // Every entry we emptied goes too (one Docker left empty on purpose stays), last first.
    emptied.sort_unstable();
    emptied.dedup();
    for &i in emptied.iter().rev() {
        let root = json::parse(&out)?;
        if let Some(auths) = child_object(root_object(&root)?, "auths")? {
            remove_member(&mut out, auths, i);
        }
    }

    // 2. `credHelpers[host]`.
    {
        // One tree at a time: each is dropped before the next parse.
        let root = json::parse(&out)?;
        let obj = root_object(&root)?;
        let st = style(&out, obj);
        if obj.get("credHelpers").is_none() {
            insert_member(&mut out, obj, &st, "credHelpers", "{}");
        }
    }
    let root = json::parse(&out)?;
    let obj = root_object(&root)?;
    let st = style(&out, obj);
    let helpers = child_object(obj, "credHelpers")?.ok_or_else(|| Error::NotAnObject {
        what: "`credHelpers`".into(),
    })?;
    match helpers.get(&host) {
        Some(m) if m.value.as_str() == Some(helper) => {}
        Some(m) => {
            if let Some(other) = m.value.as_str() {
                warnings.push(format!(
                    "`credHelpers` named `{other}` for `{host}`; it now names `{helper}`"
                ));
            }
            splice(&mut out, m.value.start, m.value.end, &json::quote(helper));
            changed.push(format!("credHelpers[\"{host}\"]"));
        }
        None => {
            insert_member(&mut out, helpers, &st, &host, &json::quote(helper));
            changed.push(format!("credHelpers[\"{host}\"]"));
        }
    }
    if changed.is_empty() {
        out.clear();
        out.extend_from_slice(input);
    }
    Ok(Edit {
        output: out,
        changed,
        warnings,
    })
}

/// The helper named for `host` in `credHelpers`, if any.
pub fn read_cred_helper(bytes: &[u8], host: &str) -> Result<Option<String>, Error> {
    let host = registry_key(host)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let root = json::parse(bytes)?;
    let obj = root_object(&root)?;
    Ok(child_object(obj, "credHelpers")?
        .and_then(|h| h.get(&host))
        .and_then(|m| m.value.as_str())
        .map(str::to_owned))
}

/// Whether `auths` still holds a credential for `host` (doctor: a stale login).
pub fn has_stored_credential(bytes: &[u8], host: &str) -> Result<bool, Error> {
    let host = registry_key(host)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(false);
    }
    let root = json::parse(bytes)?;
    let obj = root_object(&root)?;
    Ok(match child_object(obj, "auths")? {
        Some(a) => stale_credential(bytes, a, &host)?.is_some(),
        None => false,
    })
}

/// Removes `credHelpers[host]` when it names nexus-token (logout); another helper stays.
pub fn remove_cred_helper(bytes: &[u8], host: &str) -> Result<Edit, Error> {
    let host = registry_key(host)?;
    let unchanged = || Edit {
        output: bytes.to_vec(),
        changed: Vec::new(),
        warnings: Vec::new(),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(unchanged());
    }
    let root = json::parse(bytes)?;
    let obj = root_object(&root)?;
    let Some(helpers) = child_object(obj, "credHelpers")? else {
        return Ok(unchanged());
    };
    let mut out = bytes.to_vec();
    let mut changed = Vec::new();
    let mut warnings = Vec::new();
    // Duplicate keys: remove every one that names us, last first so spans stay valid.
    for (i, m) in helpers.members.iter().enumerate().rev() {
        if *m.key != *host {
            continue;
        }
        match m.value.as_str() {
            Some(name) if is_our_helper(name) => {
                let root = json::parse(&out)?;
                let obj = root_object(&root)?;
                if let Some(h) = child_object(obj, "credHelpers")? {
                    remove_member(&mut out, h, i);
                }
                if changed.is_empty() {
                    changed.push(format!("credHelpers[\"{host}\"]"));
                }
            }
            Some(other) => warnings.push(format!(
                "`credHelpers` names `{other}` for `{host}`, not `{HELPER_NAME}`: left alone"
            )),
            None => {}
        }
    }
    Ok(Edit {
        output: out,
        changed,
        warnings,
    })
}

/// The global `credsStore` (e.g. `desktop`, `pass`), for doctor: `credHelpers` wins over it for
/// our host, but the user may wonder where other logins went.
pub fn creds_store(bytes: &[u8]) -> Result<Option<String>, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let root = json::parse(bytes)?;
    let obj = root_object(&root)?;
    Ok(obj
        .get("credsStore")
        .and_then(|m| m.value.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_owned))
}

/// Whether a Podman/containers `auth.json` (`$XDG_RUNTIME_DIR/containers/auth.json`, then
/// `~/.config/containers/auth.json`, both read before `~/.docker/config.json`) has an entry for
/// `host` that wins over Docker's `credHelpers`: an `auths` entry for the host or a repository
/// under it (`host/ns`), or a `credHelpers` entry naming another helper.
pub fn podman_auth_shadows(auth_json: &[u8], host: &str) -> Result<bool, Error> {
    let host = registry_key(host)?;
    if auth_json.iter().all(u8::is_ascii_whitespace) {
        return Ok(false);
    }
    let root = json::parse(auth_json)?;
    let obj = root_object(&root)?;
    let in_auths = child_object(obj, "auths")?.is_some_and(|a| {
        a.members.iter().any(|m| {
            let key = m.key.trim();
            let key = key.split_once("://").map_or(key, |(_, rest)| rest);
            let registry = key.split('/').next().unwrap_or_default();
            registry.eq_ignore_ascii_case(&host)
        })
    });
    let other_helper = child_object(obj, "credHelpers")?
        .and_then(|h| h.get(&host))
        .and_then(|m| m.value.as_str())
        .is_some_and(|s| !is_our_helper(s));
    Ok(in_auths || other_helper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_auths_entry_for_the_host_goes_and_none_is_left_empty() {
        let input = "{\n  \"auths\": {\n    \"h:5000\": {\"auth\": \"YTpi\"},\n    \"other\": {\"auth\": \"keep\"},\n    \"https://h:5000\": {\"auth\": \"YzpkCg==\"},\n    \"http://h:5000/v2/\": {\"auth\": \"ZTpm\"}\n  }\n}\n";
        let edit = set_cred_helper(Some(input.as_bytes()), "h:5000", HELPER_NAME).unwrap();
        let text = String::from_utf8(edit.output).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["auths"],
            serde_json::json!({"other": {"auth": "keep"}}),
            "all three entries for the host are gone, the other stays:\n{text}"
        );
        assert_eq!(v["credHelpers"]["h:5000"], HELPER_NAME);
    }

    #[test]
    fn registry_arguments_that_docker_cannot_key_are_refused() {
        for bad in [
            "h:99999",
            "h:abc",
            "h:0",
            "::1",
            "docker.io",
            "index.docker.io",
            "h:5000/team",
            "https://h:5000/v2/team",
            "[::1",
        ] {
            assert!(registry_arg(bad).is_err(), "`{bad}` is refused");
        }
        for (good, key) in [
            ("h:5000", "h:5000"),
            ("https://h:5000/", "h:5000"),
            ("[::1]:5000", "[::1]:5000"),
            ("Nexus.Example.com", "nexus.example.com"),
        ] {
            assert_eq!(registry_arg(good).unwrap(), key, "`{good}`");
        }
    }

    fn set(input: &str, host: &str) -> Edit {
        set_cred_helper(Some(input.as_bytes()), host, HELPER_NAME).unwrap()
    }

    fn text(edit: &Edit) -> &str {
        std::str::from_utf8(&edit.output).unwrap()
    }

    #[test]
    fn edits_keep_every_other_byte() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "missing file gets docker's own layout",
                "",
                "{\n\t\"credHelpers\": {\n\t\t\"nexus.example:8443\": \"nexus-token\"\n\t}\n}",
            ),
            (
                "an empty object is filled with tabs",
                "{}\n",
                "{\n\t\"credHelpers\": {\n\t\t\"nexus.example:8443\": \"nexus-token\"\n\t}\n}\n",
            ),
            (
                "two-space files stay two-space",
                "{\n  \"auths\": {},\n  \"psFormat\": \"x\"\n}\n",
                "{\n  \"auths\": {},\n  \"psFormat\": \"x\",\n  \"credHelpers\": {\n    \"nexus.example:8443\": \"nexus-token\"\n  }\n}\n",
            ),
            (
                "an existing credHelpers gets one more member",
                "{\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcloud\"\n\t},\n\t\"x\": 1\n}",
                "{\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcloud\",\n\t\t\"nexus.example:8443\": \"nexus-token\"\n\t},\n\t\"x\": 1\n}",
            ),
            (
                "a compact file stays compact",
                "{\"auths\":{}}",
                "{\"auths\":{},\"credHelpers\":{\"nexus.example:8443\":\"nexus-token\"}}",
            ),
            (
                "crlf is kept",
                "{\r\n\t\"auths\": {}\r\n}\r\n",
                "{\r\n\t\"auths\": {},\r\n\t\"credHelpers\": {\r\n\t\t\"nexus.example:8443\": \"nexus-token\"\r\n\t}\r\n}\r\n",
            ),
            (
                "a stale auth entry is dropped, others stay",
                "{\n\t\"auths\": {\n\t\t\"docker.io\": {\n\t\t\t\"auth\": \"eA==\"\n\t\t},\n\t\t\"nexus.example:8443\": {\n\t\t\t\"auth\": \"c2VjcmV0\"\n\t\t}\n\t}\n}",
                "{\n\t\"auths\": {\n\t\t\"docker.io\": {\n\t\t\t\"auth\": \"eA==\"\n\t\t}\n\t},\n\t\"credHelpers\": {\n\t\t\"nexus.example:8443\": \"nexus-token\"\n\t}\n}",
            ),
            (
                "an entry keeps what is not a credential",
                "{\"auths\": {\"https://nexus.example:8443/v1/\": {\"username\": \"u\", \"password\": \"p\", \"email\": \"e@x\"}}}",
                "{\"auths\": {\"https://nexus.example:8443/v1/\": {\"email\": \"e@x\"}}, \"credHelpers\": {\"nexus.example:8443\": \"nexus-token\"}}",
            ),
        ];
        for (name, input, expected) in cases {
            let edit = set(input, "nexus.example:8443");
            assert_eq!(
                text(&edit),
                *expected,
                "{name}: the output is exactly as expected"
            );
            assert!(!edit.changed.is_empty(), "{name}: the change is reported");
            let again = set(text(&edit), "nexus.example:8443");
            assert!(
                again.changed.is_empty() && again.output == edit.output,
                "{name}: a second run changes nothing"
            );
        }
    }

    #[test]
    fn another_helper_is_replaced_with_a_warning_naming_it() {
        let edit = set("{\"credHelpers\": {\"h:1\": \"pass\"}}", "h:1");
        assert_eq!(text(&edit), "{\"credHelpers\": {\"h:1\": \"nexus-token\"}}");
        assert!(
            edit.warnings[0].contains("`pass`"),
            "the warning names the replaced helper: {:?}",
            edit.warnings
        );
    }

    #[test]
    fn urls_and_case_are_normalised_to_the_host_key() {
        let edit = set("{}", "HTTPS://Nexus.Example:8443/v2/");
        assert!(text(&edit).contains("\"nexus.example:8443\": \"nexus-token\""));
        assert!(
            set_cred_helper(Some(b"{}"), "a b", HELPER_NAME).is_err(),
            "a host with a space is refused"
        );
    }

    #[test]
    fn malformed_or_misshapen_files_are_refused() {
        let err = set_cred_helper(Some(b"{\n\t\"auths\": {,\n}"), "h", HELPER_NAME).unwrap_err();
        assert!(
            err.to_string().starts_with("line 2, column 12"),
            "the error names line and column: {err}"
        );
        for bad in ["[]", "{\"credHelpers\": []}", "{\"auths\": 1}"] {
            assert!(
                set_cred_helper(Some(bad.as_bytes()), "h", HELPER_NAME).is_err(),
                "{bad} is refused"
            );
        }
    }

    #[test]
    fn errors_never_hold_a_value_of_the_file() {
        let err = set_cred_helper(
            Some(b"{\"auths\": {\"h\": {\"auth\": \"c2VjcmV0\"}} x"),
            "h",
            HELPER_NAME,
        )
        .unwrap_err();
        assert!(
            !err.to_string().contains("c2VjcmV0"),
            "the error holds no value: {err}"
        );
    }

    #[test]
    fn readers_and_remove() {
        let file = b"{\n\t\"credsStore\": \"desktop\",\n\t\"credHelpers\": {\n\t\t\"a:1\": \"nexus-token\",\n\t\t\"b\": \"gcloud\"\n\t}\n}";
        assert_eq!(
            read_cred_helper(file, "a:1").unwrap().as_deref(),
            Some("nexus-token")
        );
        assert_eq!(read_cred_helper(file, "c").unwrap(), None);
        assert_eq!(creds_store(file).unwrap().as_deref(), Some("desktop"));
        assert_eq!(creds_store(b"").unwrap(), None);
        let removed = remove_cred_helper(file, "a:1").unwrap();
        assert_eq!(
            std::str::from_utf8(&removed.output).unwrap(),
            "{\n\t\"credsStore\": \"desktop\",\n\t\"credHelpers\": {\n\t\t\"b\": \"gcloud\"\n\t}\n}",
            "logout removes only our member"
        );
        let kept = remove_cred_helper(file, "b").unwrap();
        assert!(
            kept.changed.is_empty() && kept.output == file,
            "another helper is left alone"
        );
        assert_eq!(kept.warnings.len(), 1, "and logout says so");
        let last = remove_cred_helper(
            b"{\"credHelpers\": {\"b\": \"x\", \"a:1\": \"nexus-token\"}}",
            "a:1",
        )
        .unwrap();
        assert_eq!(
            last.output, b"{\"credHelpers\": {\"b\": \"x\"}}",
            "the last member goes with its comma"
        );
    }

    #[test]
    fn stored_credentials_are_detected() {
        assert!(
            has_stored_credential(b"{\"auths\": {\"http://h:1\": {\"auth\": \"x\"}}}", "h:1")
                .unwrap()
        );
        assert!(!has_stored_credential(b"{\"auths\": {\"h:1\": {}}}", "h:1").unwrap());
    }

    #[test]
    fn podman_entries_for_the_host_shadow_the_helper() {
        let auth = b"{\"auths\": {\"nexus.example:8443/team\": {\"auth\": \"x\"}}}";
        assert!(
            podman_auth_shadows(auth, "nexus.example:8443").unwrap(),
            "a repository-scoped entry shadows"
        );
        assert!(
            !podman_auth_shadows(auth, "nexus.example").unwrap(),
            "another port does not"
        );
        assert!(
            podman_auth_shadows(b"{\"credHelpers\": {\"h\": \"secretservice\"}}", "h").unwrap(),
            "another helper shadows"
        );
        assert!(!podman_auth_shadows(b"{\"credHelpers\": {\"h\": \"nexus-token\"}}", "h").unwrap());
        assert!(
            !podman_auth_shadows(b"", "h").unwrap(),
            "an empty file shadows nothing"
        );
    }
}

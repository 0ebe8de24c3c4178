//! A pure editor for Go's env file (the file `go env -w` writes: `GOENV`, else
//! `<user config dir>/go/env`). Text in, text out, no I/O.
//!
//! The format is Go's own (`cmd/go/internal/cfg.readEnvFile`): one `KEY=VALUE` a line, read only
//! when the line has a `=` and starts with an upper-case ASCII letter (anything else, comments
//! included, is ignored), the value taken verbatim up to the newline, and the **last** line of a
//! key wins. The editor replaces the value of that last line or appends `KEY=VALUE`; every other
//! line stays byte for byte (an earlier duplicate too: Go ignores it, as it did before).
//!
//! On top of the lines, the two list values login edits:
//! - `GOPROXY`: proxies separated by `,` (next on 404/410) or `|` (next on any error). Ours go
//!   first, each followed by `,`; every other entry keeps its place and separator after ours.
//! - `GOAUTH`: commands separated by `;`. Ours goes first; the others stay after it, except `off`
//!   (which Go refuses beside another command) and an older command of this same profile.

/// One edit's result, in the seam's shape: new bytes, changed names, warnings.
#[derive(Debug, Default, PartialEq)]
pub struct Edit {
    pub output: Vec<u8>,
    pub changed: Vec<String>,
    pub warnings: Vec<String>,
}

/// The `(key, value)` of a line (without its newline) as Go reads it, or `None` for a line Go
/// ignores.
fn setting(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let eq = line.iter().position(|&b| b == b'=')?;
    if !line[0].is_ascii_uppercase() {
        return None;
    }
    Some((&line[..eq], &line[eq + 1..]))
}

/// The file's lines with their newlines (the last may lack one).
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

fn content(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}

/// The index of the line that sets `key` for Go (the last one).
fn last_line_of(lines: &[&[u8]], key: &str) -> Option<usize> {
    lines
        .iter()
        .rposition(|l| setting(content(l)).is_some_and(|(k, _)| k == key.as_bytes()))
}

/// The value Go reads for `key` from this file (its last line), or `None`.
pub fn get(bytes: &[u8], key: &str) -> Option<String> {
    let lines = lines(bytes);
    let i = last_line_of(&lines, key)?;
    let (_, value) = setting(content(lines[i]))?;
    Some(String::from_utf8_lossy(value).into_owned())
}

/// The file with `key` set to `value`: the line Go reads is replaced (its newline kept), else
/// `KEY=VALUE` is appended (after a newline added to an unterminated last line).
pub fn set(bytes: &[u8], key: &str, value: &str) -> Vec<u8> {
    let lines = lines(bytes);
    let mut out = Vec::with_capacity(bytes.len() + key.len() + value.len() + 2);
    match last_line_of(&lines, key) {
        Some(i) => {
            for (n, line) in lines.iter().enumerate() {
                if n == i {
                    out.extend_from_slice(format!("{key}={value}").as_bytes());
                    if line.ends_with(b"\n") {
                        out.push(b'\n');
                    }
                } else {
                    out.extend_from_slice(line);
                }
            }
        }
        None => {
            out.extend_from_slice(bytes);
            if !out.is_empty() && !out.ends_with(b"\n") {
                out.push(b'\n');
            }
            out.extend_from_slice(format!("{key}={value}\n").as_bytes());
        }
    }
    out
}

/// The file without the line Go reads for `key` (an earlier duplicate, ignored by Go until
/// now, stays).
pub fn remove(bytes: &[u8], key: &str) -> Vec<u8> {
    let lines = lines(bytes);
    let Some(i) = last_line_of(&lines, key) else {
        return bytes.to_vec();
    };
    lines
        .iter()
        .enumerate()
        .filter(|(n, _)| *n != i)
        .flat_map(|(_, l)| l.iter().copied())
        .collect()
}

/// A GOPROXY entry and the separator after it (`None` for the last).
fn proxy_entries(value: &str) -> Vec<(&str, Option<char>)> {
    let mut entries = Vec::new();
    let mut start = 0;
    for (i, c) in value.char_indices() {
        if c == ',' || c == '|' {
            entries.push((&value[start..i], Some(c)));
            start = i + 1;
        }
    }
    entries.push((&value[start..], None));
    entries
        .into_iter()
        .filter(|(e, _)| !e.trim().is_empty())
        .collect()
}

/// Whether two proxy URLs are the same (Go ignores a trailing slash).
pub fn same_proxy(a: &str, b: &str) -> bool {
    a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/')
}

/// The proxy URLs of a GOPROXY value (`direct` and `off` left out).
pub fn proxies(value: &str) -> Vec<String> {
    proxy_entries(value)
        .into_iter()
        .map(|(e, _)| e.trim())
        .filter(|e| !matches!(*e, "direct" | "off"))
        .map(str::to_owned)
        .collect()
}

fn join_proxies(entries: &[(&str, Option<char>)]) -> String {
    let mut out = String::new();
    for (n, (entry, sep)) in entries.iter().enumerate() {
        out.push_str(entry);
        if n + 1 < entries.len() {
            out.push(sep.unwrap_or(','));
        }
    }
    out
}

/// GOPROXY with `ours` first (each followed by `,`), the other entries after them in their
/// order with their separators.
pub fn proxy_with(existing: Option<&str>, ours: &[String]) -> String {
    let rest = existing.map(|v| proxy_without(v, ours)).unwrap_or_default();
    let mut entries: Vec<(&str, Option<char>)> =
        ours.iter().map(|u| (u.as_str(), Some(','))).collect();
    entries.extend(proxy_entries(&rest));
    join_proxies(&entries)
}

/// GOPROXY without `ours` (empty when nothing else is left).
pub fn proxy_without(existing: &str, ours: &[String]) -> String {
    let kept: Vec<_> = proxy_entries(existing)
        .into_iter()
        .filter(|(e, _)| !ours.iter().any(|o| same_proxy(e, o)))
        .collect();
    join_proxies(&kept)
}

/// The commands of a GOAUTH value, trimmed, empty ones left out.
pub fn auth_commands(value: &str) -> Vec<&str> {
    value
        .split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// GOAUTH with `ours` first and the other commands after it; `replaces` tells an older command
/// of this profile (another path of the binary), which goes. `off` goes too, with a warning.
pub fn auth_with(
    existing: Option<&str>,
    ours: &str,
    replaces: &dyn Fn(&str) -> bool,
) -> (String, Vec<String>) {
    let mut warnings = Vec::new();
    let mut commands = vec![ours];
    for command in existing.map(auth_commands).unwrap_or_default() {
        if command == "off" {
            warnings.push(
                "GOAUTH was `off` (no credentials for any host): it now runs nexus-token".into(),
            );
        } else if command != ours && !replaces(command) {
            commands.push(command);
        }
    }
    (commands.join(";"), warnings)
}

/// GOAUTH without the commands `ours` accepts (empty when nothing else is left).
pub fn auth_without(existing: &str, ours: &dyn Fn(&str) -> bool) -> String {
    auth_commands(existing)
        .into_iter()
        .filter(|c| !ours(c))
        .collect::<Vec<_>>()
        .join(";")
}

/// Discovery: the https proxies of the file's GOPROXY that lie under the Nexus base URL.
pub fn discover(bytes: &[u8], base_url: &str) -> Vec<String> {
    get(bytes, "GOPROXY")
        .map(|v| proxies(&v))
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.starts_with("https://"))
        .filter(|p| crate::targets::netrc::discover::url_under(p, base_url))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://nexus.example/repository/go-proxy/";

    #[test]
    fn get_reads_as_go_does() {
        let file = b"# comment=not read\nGOPROXY=first\ngoproxy=lower\nGOFLAGS=-mod=mod\nGOPROXY=last\n=x\n\nGOAUTH=a b;c";
        assert_eq!(
            get(file, "GOPROXY").as_deref(),
            Some("last"),
            "the last line wins"
        );
        assert_eq!(get(file, "GOFLAGS").as_deref(), Some("-mod=mod"));
        assert_eq!(
            get(file, "GOAUTH").as_deref(),
            Some("a b;c"),
            "an unterminated last line"
        );
        assert_eq!(get(file, "GONOPROXY"), None);
        assert_eq!(get(b"", "GOPROXY"), None);
    }

    #[test]
    fn set_and_remove_keep_every_other_line() {
        let cases: &[(&str, &str, &str)] = &[
            ("empty file", "", "GOPROXY=v\n"),
            (
                "appended after an unterminated line",
                "GOFLAGS=-x",
                "GOFLAGS=-x\nGOPROXY=v\n",
            ),
            (
                "the last of duplicates is replaced, the earlier stays",
                "GOPROXY=a\n# note\nGOPROXY=b\r\nGOPRIVATE=x\n",
                "GOPROXY=a\n# note\nGOPROXY=v\nGOPRIVATE=x\n",
            ),
            (
                "replaced in place without a final newline",
                "A=1\nGOPROXY=old",
                "A=1\nGOPROXY=v",
            ),
            (
                "a comment naming the key is not the key",
                "#GOPROXY=c\n",
                "#GOPROXY=c\nGOPROXY=v\n",
            ),
        ];
        for (name, before, after) in cases {
            let out = set(before.as_bytes(), "GOPROXY", "v");
            assert_eq!(String::from_utf8(out.clone()).unwrap(), *after, "{name}");
            assert_eq!(get(&out, "GOPROXY").as_deref(), Some("v"), "{name}");
        }
        assert_eq!(
            remove(b"A=1\nGOPROXY=a\nB=2\nGOPROXY=b\nC=3", "GOPROXY"),
            b"A=1\nGOPROXY=a\nB=2\nC=3".to_vec(),
            "only the line Go reads goes"
        );
        assert_eq!(remove(b"A=1\n", "GOPROXY"), b"A=1\n".to_vec());
    }

    #[test]
    fn goproxy_lists_keep_other_entries_after_ours() {
        let ours = vec![URL.to_owned()];
        let cases: &[(Option<&str>, &str)] = &[
            (None, URL),
            (
                Some("https://proxy.golang.org,direct"),
                "https://nexus.example/repository/go-proxy/,https://proxy.golang.org,direct",
            ),
            (
                Some("off"),
                "https://nexus.example/repository/go-proxy/,off",
            ),
            (
                Some("https://a|https://nexus.example/repository/go-proxy|direct"),
                "https://nexus.example/repository/go-proxy/,https://a|direct",
            ),
            (Some("https://nexus.example/repository/go-proxy/"), URL),
            (Some(""), URL),
        ];
        for (before, after) in cases {
            assert_eq!(proxy_with(*before, &ours), *after, "{before:?}");
        }
        assert_eq!(
            proxy_without(
                "https://nexus.example/repository/go-proxy/,https://a|direct",
                &ours
            ),
            "https://a|direct"
        );
        assert_eq!(proxy_without(URL, &ours), "");
        assert_eq!(proxies("https://a, direct|off"), vec!["https://a"]);
    }

    #[test]
    fn goauth_lists_put_ours_first_and_drop_off_and_our_older_command() {
        let ours = "/opt/nexus-token goauth --profile work";
        let older = |c: &str| c.ends_with(" goauth --profile work");
        assert_eq!(auth_with(None, ours, &older), (ours.to_owned(), vec![]));
        assert_eq!(
            auth_with(Some("netrc; git /src"), ours, &older).0,
            format!("{ours};netrc;git /src"),
            "other commands stay after ours"
        );
        assert_eq!(
            auth_with(
                Some("/old/nexus-token goauth --profile work;netrc"),
                ours,
                &older
            )
            .0,
            format!("{ours};netrc"),
            "our older command is replaced"
        );
        let (value, warnings) = auth_with(Some("off"), ours, &older);
        assert_eq!(value, ours);
        assert_eq!(warnings.len(), 1, "dropping `off` is said");
        assert_eq!(
            auth_without(&format!("netrc;{ours}"), &|c| c == ours),
            "netrc"
        );
        assert_eq!(auth_without(ours, &|c| c == ours), "");
    }

    #[test]
    fn discovery_takes_https_proxies_under_the_base_url() {
        let file = b"GOPROXY=http://nexus.example/repository/go-http/,https://nexus.example/repository/go-proxy/,https://proxy.golang.org,direct\n";
        assert_eq!(discover(file, "https://nexus.example"), vec![URL]);
        assert!(discover(b"GOFLAGS=-x\n", "https://nexus.example").is_empty());
    }
}

//! Discovery for the netrc target: which of pip's and uv's configured indexes lie under the
//! Nexus base URL (then `login` offers `--netrc`), and which pip configuration carries
//! credentials inside a URL (that shadows netrc: `login` and `doctor` report it, never edit it).
//!
//! Pure functions over the files' bytes: no I/O, and a URL with credentials is never returned or
//! put into a message (only where it was found).

use crate::targets::pypirc::editor as ini;

/// Whether `candidate` lies under `base` (same scheme, host and port; path below the base path).
pub fn url_under(candidate: &str, base: &str) -> bool {
    let (Ok(c), Ok(b)) = (
        url::Url::parse(candidate.trim()),
        url::Url::parse(base.trim()),
    ) else {
        return false;
    };
    if c.scheme() != b.scheme()
        || c.host_str() != b.host_str()
        || c.port_or_known_default() != b.port_or_known_default()
    {
        return false;
    }
    let slash = |p: &str| {
        if p.ends_with('/') {
            p.to_owned()
        } else {
            format!("{p}/")
        }
    };
    slash(c.path()).starts_with(&slash(b.path()))
}

/// pip's index keys: `index-url` and `extra-index-url` (pip also accepts `_` for `-`).
fn pip_index_key(key: &str) -> bool {
    matches!(
        key.replace('_', "-").as_str(),
        "index-url" | "extra-index-url"
    )
}

/// Every index URL in a pip configuration file (`index-url`, `extra-index-url`, in any section;
/// `extra-index-url` may list several, separated by whitespace), with `section.key`.
fn pip_urls(pip_conf: &[u8]) -> Result<Vec<(String, String)>, ini::Error> {
    let mut out = Vec::new();
    for (section, key, value) in ini::options(pip_conf)? {
        if pip_index_key(&key) {
            for url in value.split_whitespace() {
                out.push((format!("{section}.{key}"), url.to_owned()));
            }
        }
    }
    Ok(out)
}

/// Index URLs of a pip configuration (`pip.conf`, INI as pip's configparser reads it) that lie
/// under `base_url`, in file order, without repeats. URLs with credentials are left out (they
/// are reported by [`pip_url_credentials`] instead, never returned).
pub fn pip_indexes_under(pip_conf: &[u8], base_url: &str) -> Result<Vec<String>, ini::Error> {
    let mut out: Vec<String> = Vec::new();
    for (_, url) in pip_urls(pip_conf)? {
        if url_under(&url, base_url) && !has_userinfo(&url) && !out.contains(&url) {
            out.push(url);
        }
    }
    Ok(out)
}

/// The `section.key` names of pip index URLs that carry credentials (`https://user:pw@host/`):
/// pip then ignores netrc for that index. The URLs themselves are never returned.
pub fn pip_url_credentials(pip_conf: &[u8]) -> Result<Vec<String>, ini::Error> {
    let mut out: Vec<String> = Vec::new();
    for (where_, url) in pip_urls(pip_conf)? {
        if has_userinfo(&url) && !out.contains(&where_) {
            out.push(where_);
        }
    }
    Ok(out)
}

/// Whether a pip configuration has an index URL with credentials inside.
pub fn url_has_credentials(pip_conf: &[u8]) -> Result<bool, ini::Error> {
    Ok(!pip_url_credentials(pip_conf)?.is_empty())
}

fn has_userinfo(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| !u.username().is_empty() || u.password().is_some())
}

/// Why uv.toml could not be read. Never contains a value of the file.
#[derive(Debug, thiserror::Error)]
#[error("uv.toml is not valid TOML{}", line.map(|l| format!(" (line {l})")).unwrap_or_default())]
pub struct UvError {
    pub line: Option<usize>,
}

/// Index URLs of a uv configuration (`uv.toml`: `[[index]] url`, and the older `index-url`,
/// `extra-index-url` at the top or under `[pip]`) that lie under `base_url`, in file order,
/// without repeats and without URLs that carry credentials.
pub fn uv_indexes_under(uv_toml: &str, base_url: &str) -> Result<Vec<String>, UvError> {
    let doc: toml::Table = uv_toml.parse().map_err(|e: toml::de::Error| UvError {
        line: e
            .span()
            .map(|s| uv_toml[..s.start.min(uv_toml.len())].matches('\n').count() + 1),
    })?;
    let mut urls: Vec<String> = Vec::new();
    if let Some(indexes) = doc.get("index").and_then(toml::Value::as_array) {
        for index in indexes {
            if let Some(url) = index.get("url").and_then(toml::Value::as_str) {
                urls.push(url.to_owned());
            }
        }
    }
    let mut legacy = |table: &toml::Table| {
        for key in ["index-url", "extra-index-url"] {
            match table.get(key) {
                Some(toml::Value::String(s)) => urls.push(s.clone()),
                Some(toml::Value::Array(a)) => {
                    urls.extend(a.iter().filter_map(|v| v.as_str().map(str::to_owned)))
                }
                _ => {}
            }
        }
    };
    legacy(&doc);
    if let Some(pip) = doc.get("pip").and_then(toml::Value::as_table) {
        legacy(pip);
    }
    let mut out: Vec<String> = Vec::new();
    for url in urls {
        if url_under(&url, base_url) && !has_userinfo(&url) && !out.contains(&url) {
            out.push(url);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://127.0.0.1:8081/nexus";

    #[test]
    fn urls_under_the_base_need_the_same_origin_and_a_path_below() {
        assert!(url_under(
            "http://127.0.0.1:8081/nexus/repository/pypi/simple",
            BASE
        ));
        assert!(url_under("http://127.0.0.1:8081/nexus", BASE));
        assert!(!url_under("http://127.0.0.1:8081/nexus2/x", BASE));
        assert!(!url_under("https://127.0.0.1:8081/nexus/x", BASE));
        assert!(!url_under("http://127.0.0.1:8082/nexus/x", BASE));
        assert!(!url_under("not a url", BASE));
    }

    #[test]
    fn pip_indexes_under_the_base_are_found_in_any_section() {
        let conf = b"[global]\nindex-url = http://127.0.0.1:8081/nexus/repository/pypi-group/simple/\n\
extra-index-url =\n    https://pypi.org/simple\n    http://127.0.0.1:8081/nexus/repository/other/simple\n\
[install]\nextra_index_url=http://127.0.0.1:8081/nexus/repository/pypi-group/simple/\n";
        assert_eq!(
            pip_indexes_under(conf, BASE).unwrap(),
            vec![
                "http://127.0.0.1:8081/nexus/repository/pypi-group/simple/".to_owned(),
                "http://127.0.0.1:8081/nexus/repository/other/simple".to_owned()
            ],
            "both keys, continuation lists and `_` spellings are read, repeats dropped"
        );
    }

    #[test]
    fn pip_urls_with_credentials_are_reported_by_place_never_by_value() {
        let conf = b"[global]\nindex-url = http://bob:s3cret@127.0.0.1:8081/nexus/repository/pypi/simple\n";
        assert!(
            url_has_credentials(conf).unwrap(),
            "userinfo in a URL is detected"
        );
        let places = pip_url_credentials(conf).unwrap();
        assert_eq!(places, vec!["global.index-url".to_owned()]);
        assert!(
            pip_indexes_under(conf, BASE).unwrap().is_empty(),
            "a URL with credentials is never returned"
        );
        assert!(!url_has_credentials(b"[global]\nindex-url = https://pypi.org/simple\n").unwrap());
    }

    #[test]
    fn a_malformed_pip_conf_is_an_error() {
        assert!(pip_indexes_under(b"index-url = x\n", BASE).is_err());
    }

    #[test]
    fn uv_indexes_under_the_base_are_found() {
        let toml = r#"
index-url = "http://127.0.0.1:8081/nexus/repository/a/simple"
[[index]]
name = "nexus"
url = "http://127.0.0.1:8081/nexus/repository/pypi-group/simple/"
[[index]]
name = "pypi"
url = "https://pypi.org/simple"
[pip]
extra-index-url = ["http://127.0.0.1:8081/nexus/repository/b/simple"]
"#;
        assert_eq!(
            uv_indexes_under(toml, BASE).unwrap(),
            vec![
                "http://127.0.0.1:8081/nexus/repository/pypi-group/simple/".to_owned(),
                "http://127.0.0.1:8081/nexus/repository/a/simple".to_owned(),
                "http://127.0.0.1:8081/nexus/repository/b/simple".to_owned(),
            ]
        );
        assert!(
            uv_indexes_under("[[index]\n", BASE).is_err(),
            "bad TOML is an error"
        );
    }
}

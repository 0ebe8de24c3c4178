//! Discovery of the `<server>` entries of settings.xml that belong to a Nexus (login without
//! targets). Pure: bytes and caller-computed facts in, a verdict per id out; no I/O.
//!
//! A server is ours only on evidence that cannot belong to another service: a mirror or
//! repository with its id points under the Nexus base URL, or its password is one we know (the
//! login password, plain or Maven-encrypted, or a token nexus-token wrote before, by
//! fingerprint). A username alone is never enough (the same account name is common on GitHub,
//! Artifactory, ...), and an id that a mirror or repository maps to another place is never taken,
//! whatever its password. It must not put a credential value into its result.

use super::{Doc, Error, maven_trim, parse, url_under};
use crate::secret::Secret;

/// What the caller knows about its own secrets, to recognise servers that already hold them.
pub struct KnownSecrets<'a> {
    /// Clear passwords that are ours (the login password).
    pub passwords: &'a [&'a Secret<String>],
    /// Fingerprints of tokens nexus-token wrote before (`fingerprint::fingerprint(nameCode,
    /// passCode)`), compared with `fingerprint(<username>, <password>)` of each server.
    pub token_fingerprints: &'a [String],
    /// The fingerprint function (`fingerprint::fingerprint`).
    pub fingerprint: &'a dyn Fn(&str, &str) -> String,
    /// The Maven master password, to decrypt `{...}` values; `None` leaves them unrecognised.
    pub master_password: Option<&'a Secret<String>>,
}

/// Why a server id is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakenReason {
    /// A mirror or repository with this id points under the Nexus base URL.
    MapsToNexus,
    /// The server's password is the login password (plain or Maven-decrypted).
    KnownPassword,
    /// The server holds a token nexus-token wrote before (by fingerprint).
    KnownToken,
}

/// Why a server id is left alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeftAloneReason {
    /// A mirror or repository with this id points elsewhere: the value is its host (with port),
    /// plus the path when it is the Nexus host. Never a userinfo or query.
    MapsToOtherHost(String),
    /// Only the `<username>` equals the login username: not evidence enough.
    OnlyUsernameMatches,
    /// Nothing links the server to this Nexus.
    NoLink,
}

/// A server id that discovery takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub id: String,
    pub reason: TakenReason,
}

/// A server id that discovery leaves alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftAlone {
    pub id: String,
    pub reason: LeftAloneReason,
}

/// The verdict for every id of the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// Ids to update: servers in document order, then ids that only a mirror or repository
    /// under the base URL names (their `<server>` gets created).
    pub taken: Vec<Taken>,
    /// Every other `<server>` id, in document order.
    pub left_alone: Vec<LeftAlone>,
}

impl Discovery {
    /// The taken ids, in order.
    pub fn taken_ids(&self) -> Vec<String> {
        self.taken.iter().map(|t| t.id.clone()).collect()
    }
}

impl std::fmt::Display for LeftAloneReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LeftAloneReason::MapsToOtherHost(host) => {
                write!(f, "a mirror or repository with this id points at `{host}`")
            }
            LeftAloneReason::OnlyUsernameMatches => f.write_str(
                "only the username matches; pass `--maven-server ID` if it is this Nexus",
            ),
            LeftAloneReason::NoLink => f.write_str("nothing links it to this Nexus"),
        }
    }
}

/// Where the mirrors and repositories with one id point, relative to the base URL.
#[derive(Default)]
struct Links {
    to_nexus: bool,
    elsewhere: Option<String>,
}

fn links(doc: &Doc, id: &str, base: Option<&url::Url>) -> Links {
    let mut links = Links::default();
    for h in &doc.holders {
        let (Some(hid), Some(raw)) = (&h.id, &h.url) else {
            continue;
        };
        if maven_trim(hid) != id {
            continue;
        }
        // An interpolated or broken URL tells nothing either way.
        let Ok(url) = url::Url::parse(maven_trim(raw)) else {
            continue;
        };
        if base.is_some_and(|b| url_under(url.as_str(), b)) {
            links.to_nexus = true;
        } else if links.elsewhere.is_none() {
            links.elsewhere = Some(place(&url, base));
        }
    }
    links
}

/// `host[:port]`, plus the path when the host is the Nexus host.
fn place(url: &url::Url, base: Option<&url::Url>) -> String {
    let mut s = url.host_str().unwrap_or_default().to_owned();
    if let Some(port) = url.port() {
        s.push_str(&format!(":{port}"));
    }
    if base.is_some_and(|b| b.host_str() == url.host_str()) {
        s.push_str(url.path());
    }
    s
}

/// Decides, for every server id of `input` (and every id a mirror or repository under
/// `base_url` names), whether it belongs to the Nexus at `base_url`; see the module docs.
/// `username` is the login username (only used to explain why a look-alike is left alone).
pub fn discover_servers(
    input: &[u8],
    base_url: &str,
    username: &str,
    known: &KnownSecrets<'_>,
) -> Result<Discovery, Error> {
    let doc = parse(input)?;
    let base = url::Url::parse(base_url.trim()).ok();
    let mut out = Discovery::default();
    let mut seen: Vec<String> = Vec::new();
    for server in &doc.servers {
        let Some(id) = server.id.as_ref().map(|l| l.value()) else {
            continue;
        };
        if id.is_empty() || seen.iter().any(|s| s == id) {
            continue;
        }
        seen.push(id.to_owned());
        // Maven uses the first server with an id; so does the editor.
        let user = server.username.as_ref().map(|l| l.value());
        let pass = server.password.as_ref().map(|l| l.value());
        let links = links(&doc, id, base.as_ref());
        let verdict = if let Some(host) = links.elsewhere {
            Err(LeftAloneReason::MapsToOtherHost(host))
        } else if links.to_nexus {
            Ok(TakenReason::MapsToNexus)
        } else if let Some(reason) = pass.and_then(|p| password_verdict(user, p, known)) {
            Ok(reason)
        } else if user == Some(username) && !username.is_empty() {
            Err(LeftAloneReason::OnlyUsernameMatches)
        } else {
            Err(LeftAloneReason::NoLink)
        };
        let id = id.to_owned();
        match verdict {
            Ok(reason) => out.taken.push(Taken { id, reason }),
            Err(reason) => out.left_alone.push(LeftAlone { id, reason }),
        }
    }
    // Ids that only a mirror or repository under the base URL names: their server is created.
    for h in &doc.holders {
        let Some(id) = h.id.as_deref().map(maven_trim) else {
            continue;
        };
        if id.is_empty() || seen.iter().any(|s| s == id) {
            continue;
        }
        seen.push(id.to_owned());
        let links = links(&doc, id, base.as_ref());
        if links.to_nexus && links.elsewhere.is_none() {
            out.taken.push(Taken {
                id: id.to_owned(),
                reason: TakenReason::MapsToNexus,
            });
        }
    }
    Ok(out)
}

/// Whether the server's password (as Maven reads it, decrypted when it can be) is ours.
fn password_verdict(
    user: Option<&str>,
    pass: &str,
    known: &KnownSecrets<'_>,
) -> Option<TakenReason> {
    let decrypted;
    let clear: &str = if crate::maven_security::is_encrypted(pass) {
        let master = known.master_password?;
        decrypted = crate::maven_security::decrypt(pass, master.expose()).ok()?;
        decrypted.expose()
    } else {
        pass
    };
    if clear.is_empty() {
        return None;
    }
    if known.passwords.iter().any(|p| p.expose() == clear) {
        return Some(TakenReason::KnownPassword);
    }
    let user = user?;
    let print = (known.fingerprint)(user, clear);
    known
        .token_fingerprints
        .contains(&print)
        .then_some(TakenReason::KnownToken)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(user: &str, pass: &str) -> String {
        format!("{user}/{}", pass.len())
    }

    const NEXUS: &str = "https://nexus.example.com/repository/";

    #[test]
    fn a_github_server_with_the_same_username_is_left_alone_with_its_host() {
        let input = br#"<settings>
  <servers>
    <server><id>nexus</id><username>jdoe</username><password>old-token</password></server>
    <server><id>github</id><username>jdoe</username><password>ghp_secret</password></server>
  </servers>
  <mirrors>
    <mirror><id>nexus</id><mirrorOf>*</mirrorOf><url>https://nexus.example.com/repository/maven-public/</url></mirror>
  </mirrors>
  <profiles><profile><id>gh</id><repositories>
    <repository><id>github</id><url>https://maven.pkg.github.com/acme/*</url></repository>
  </repositories></profile></profiles>
</settings>"#;
        let login = Secret::new("hunter2".to_owned());
        let known = KnownSecrets {
            passwords: &[&login],
            token_fingerprints: &[],
            fingerprint: &fp,
            master_password: None,
        };
        let d = discover_servers(input, NEXUS, "jdoe", &known).unwrap();
        assert_eq!(
            d.taken_ids(),
            vec!["nexus"],
            "only the server a Nexus mirror uses is taken"
        );
        assert_eq!(
            d.left_alone,
            vec![LeftAlone {
                id: "github".into(),
                reason: LeftAloneReason::MapsToOtherHost("maven.pkg.github.com".into())
            }],
            "the GitHub server is left alone, with the host it maps to"
        );
    }

    #[test]
    fn passwords_and_tokens_we_know_are_evidence_a_username_is_not() {
        let master = Secret::new("master-pw".to_owned());
        let encrypted = crate::maven_security::encrypt("hunter2", master.expose());
        let input = format!(
            r#"<settings><servers>
  <server><id>plain</id><username>other</username><password>hunter2</password></server>
  <server><id>enc</id><username>jdoe</username><password>{encrypted}</password></server>
  <server><id>token</id><username>tokuser</username><password>tokpass</password></server>
  <server><id>same-user</id><username>jdoe</username><password>x</password></server>
  <server><id>unrelated</id><username>bob</username><password>y</password></server>
  <server><id>mapped-away</id><username>jdoe</username><password>hunter2</password></server>
</servers>
<mirrors><mirror><id>mapped-away</id><url>https://nexus.example.com/other/</url></mirror>
<mirror><id>only-mirror</id><url>https://nexus.example.com/repository/x/</url></mirror></mirrors>
</settings>"#
        );
        let login = Secret::new("hunter2".to_owned());
        let prints = vec![fp("tokuser", "tokpass")];
        let known = KnownSecrets {
            passwords: &[&login],
            token_fingerprints: &prints,
            fingerprint: &fp,
            master_password: Some(&master),
        };
        let d = discover_servers(input.as_bytes(), NEXUS, "jdoe", &known).unwrap();
        assert_eq!(
            d.taken,
            vec![
                Taken {
                    id: "plain".into(),
                    reason: TakenReason::KnownPassword
                },
                Taken {
                    id: "enc".into(),
                    reason: TakenReason::KnownPassword
                },
                Taken {
                    id: "token".into(),
                    reason: TakenReason::KnownToken
                },
                Taken {
                    id: "only-mirror".into(),
                    reason: TakenReason::MapsToNexus
                },
            ],
            "the login password (plain or decrypted), a token we wrote, and a Nexus mirror are evidence"
        );
        let left: Vec<(&str, &LeftAloneReason)> = d
            .left_alone
            .iter()
            .map(|l| (l.id.as_str(), &l.reason))
            .collect();
        assert_eq!(
            left,
            vec![
                ("same-user", &LeftAloneReason::OnlyUsernameMatches),
                ("unrelated", &LeftAloneReason::NoLink),
                (
                    "mapped-away",
                    &LeftAloneReason::MapsToOtherHost("nexus.example.com/other/".into())
                ),
            ],
            "a username alone is not enough, and an id mapped elsewhere is never taken even with our password"
        );

        let no_master = KnownSecrets {
            master_password: None,
            ..known
        };
        let d = discover_servers(input.as_bytes(), NEXUS, "jdoe", &no_master).unwrap();
        assert!(
            !d.taken_ids().contains(&"enc".to_owned()),
            "an encrypted password without the master password is not evidence"
        );
        assert!(
            !format!("{d:?}").contains("hunter2"),
            "the verdict never holds a password"
        );
    }
}

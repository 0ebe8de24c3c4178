//! The Maven target: `<server>` entries of one settings.xml. Glue between the pure editor
//! ([`crate::maven`]), Maven's password encryption ([`crate::maven_security`]) and the seam: it
//! decides which ids get the token and whether the passCode is written encrypted. No I/O except
//! reading settings-security.xml once, the first time a token is planned or inspected (resolving
//! the target reads nothing, so `status` decrypts nothing it does not inspect).

mod saved;

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

pub(crate) use saved::KIND;
pub use saved::{Flags, Saved};

use crate::error::{Error, ExitStatus, Result};
use crate::maven_security::MavenEncrypt;
use crate::secret::Secret;
use crate::{maven, maven_security};

use super::{
    DoctorCx, Entry, Finding, Kind, Level, Planned, Target, TargetState, TokenValues, Verdict,
};

/// `<server>` ids in one settings.xml.
#[derive(Debug)]
pub(crate) struct MavenTarget {
    pub path: PathBuf,
    pub servers: Vec<String>,
    /// The master password to encrypt with, per `--maven-encrypt`, or why it cannot be had
    /// (read the first time it is needed).
    master: OnceCell<std::result::Result<Option<Secret<String>>, String>>,
    /// Kept to rebuild the error of `master` with its hint.
    security_path: PathBuf,
    encrypt: MavenEncrypt,
    /// `login --env-refs`: the servers get `${env.NEXUS_TOKEN_NAMECODE}` and
    /// `${env.NEXUS_TOKEN_PASSCODE}` (never encrypted) instead of the token.
    env_refs: bool,
}

impl MavenTarget {
    /// Resolves the target; reads nothing.
    pub(crate) fn new(
        path: PathBuf,
        servers: Vec<String>,
        encrypt: MavenEncrypt,
        security_path: PathBuf,
        env_refs: bool,
    ) -> MavenTarget {
        MavenTarget {
            path,
            servers,
            master: OnceCell::new(),
            security_path,
            encrypt,
            env_refs,
        }
    }

    /// The master password to encrypt with, following `--maven-encrypt` (settings-security.xml
    /// is read once, unless encryption is off).
    fn master(&self) -> Result<Option<&Secret<String>>> {
        let master = self.master.get_or_init(|| match self.encrypt {
            MavenEncrypt::Never => Ok(None),
            MavenEncrypt::Auto | MavenEncrypt::Always => {
                maven_security::master_password(&self.security_path).map_err(|e| e.to_string())
            }
        });
        match (master, self.encrypt) {
            (Err(e), _) => Err(Error::file(&self.security_path, "read", e.clone())),
            (Ok(None), MavenEncrypt::Always) => Err(Error::other(
                ExitStatus::File,
                format!(
                    "`--maven-encrypt always` needs a master password in `{}`",
                    self.security_path.display()
                ),
                Some("create one with `mvn --encrypt-master-password` (see docs/maven-encryption.md), or use `--maven-encrypt auto`".into()),
            )),
            (Ok(master), _) => Ok(master.as_ref()),
        }
    }

    fn ids(&self) -> Vec<&str> {
        self.servers.iter().map(String::as_str).collect()
    }

    /// `--env-refs`: the references in every server that does not hold them yet.
    fn plan_references(&self, current: Option<&[u8]>) -> Result<Option<Planned>> {
        let path = &self.path;
        let ids = self.ids();
        let entries = match current {
            Some(bytes) => {
                maven::read_servers(bytes, &ids).map_err(|e| Error::file(path, "parse", e))?
            }
            None => Vec::new(),
        };
        let todo: Vec<&str> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| !entries.get(*i).and_then(Option::as_ref).is_some_and(refers))
            .map(|(_, id)| *id)
            .collect();
        if todo.is_empty() {
            return Ok(None);
        }
        let edit =
            maven::set_env_references(current, &todo).map_err(|e| value_or_file_error(path, e))?;
        Ok(Some(edit.into()))
    }
}

impl Target for MavenTarget {
    fn kind(&self) -> Kind {
        KIND
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn names(&self) -> Vec<String> {
        self.servers.clone()
    }

    fn plan(&self, current: Option<&[u8]>, token: &TokenValues<'_>) -> Result<Option<Planned>> {
        if self.env_refs {
            return self.plan_references(current);
        }
        let master = self.master()?;
        let path = &self.path;
        let ids = self.ids();
        // Ids that already hold the token keep their bytes (an encrypted value differs on every
        // encryption, so comparing decrypted values keeps refresh idempotent).
        let entries = match current {
            Some(bytes) => {
                maven::read_servers(bytes, &ids).map_err(|e| Error::file(path, "parse", e))?
            }
            None => Vec::new(),
        };
        let todo: Vec<&str> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                !entries
                    .get(*i)
                    .and_then(Option::as_ref)
                    .is_some_and(|entry| entry_holds(entry, token, master))
            })
            .map(|(_, id)| *id)
            .collect();
        if todo.is_empty() {
            return Ok(None);
        }
        let encrypted;
        let (password, password_is_encrypted) = match master {
            Some(master) => {
                encrypted = maven_security::encrypt(token.pass_code.expose(), master.expose());
                (encrypted.as_str(), true)
            }
            None => (token.pass_code.expose().as_str(), false),
        };
        let creds = maven::Credentials {
            username: token.name_code,
            password,
            password_is_encrypted,
        };
        let edit = maven::set_credentials(current, &todo, &creds)
            .map_err(|e| value_or_file_error(path, e))?;
        Ok(Some(edit.into()))
    }

    fn clear(&self, current: &[u8], _expected: Option<&str>) -> Result<Planned> {
        let edit = maven::clear_credentials(current, &self.ids())
            .map_err(|e| Error::file(&self.path, "update", e))?;
        Ok(edit.into())
    }

    fn inspect(&self, current: &[u8], verdict: &Verdict<'_>) -> Vec<Entry> {
        let master = if self.env_refs {
            None
        } else {
            self.master().ok().flatten()
        };
        self.servers
            .iter()
            .map(|id| match maven::read_server(current, id) {
                Err(e) => (id.clone(), TargetState::Unreadable, Some(e.to_string())),
                Ok(None) => (id.clone(), TargetState::Missing, None),
                Ok(Some(entry)) if refers(&entry) => (
                    id.clone(),
                    if self.env_refs {
                        TargetState::Referenced
                    } else {
                        TargetState::Stale
                    },
                    (!self.env_refs).then(|| {
                        "refers to the environment, but the profile was saved without `--env-refs`"
                            .to_owned()
                    }),
                ),
                Ok(Some(entry)) if self.env_refs && entry.password.is_some() => (
                    id.clone(),
                    TargetState::Stale,
                    Some(
                        "holds a literal value instead of `${env.NEXUS_TOKEN_PASSCODE}` (the profile refers to the environment)"
                            .to_owned(),
                    ),
                ),
                Ok(Some(entry)) => {
                    let pass = match (&entry.password, master) {
                        (Some(p), Some(m)) if maven_security::is_encrypted(p) => {
                            maven_security::decrypt(p, m.expose()).ok()
                        }
                        (Some(p), _) => Some(Secret::new(p.clone())),
                        (None, _) => None,
                    };
                    let state = verdict(
                        entry.username.as_deref(),
                        pass.as_ref().map(|p| p.expose().as_str()),
                    );
                    (id.clone(), state, None)
                }
            })
            .collect()
    }

    fn doctor(&self, cx: &DoctorCx<'_>) -> Vec<Finding> {
        let Some(bytes) = cx.current else {
            return Vec::new();
        };
        let path = self.path.display();
        if let Some(e) = maven::maven_would_reject(bytes) {
            return vec![Finding::new(
                "files-parse",
                Level::Fail,
                format!("`{path}`: Maven would refuse this file: {e}"),
                Some("fix the file at that line and column".into()),
            )];
        }
        let dups = match maven::duplicate_ids(bytes) {
            Ok(dups) => dups,
            Err(e) => {
                return vec![Finding::new(
                    "files-parse",
                    Level::Fail,
                    format!("`{path}`: {e}"),
                    Some("fix the file at that line and column".into()),
                )];
            }
        };
        let mut findings = vec![Finding::new(
            "files-parse",
            Level::Ok,
            format!("`{path}` parses"),
            None,
        )];
        if !dups.is_empty() {
            let ours = dups.iter().any(|d| self.servers.contains(d));
            findings.push(Finding::new(
                "duplicate-ids",
                if ours { Level::Warn } else { Level::Info },
                format!(
                    "`{path}` has several `<server>` entries with the id(s) {}: Maven uses the first",
                    dups.join(", ")
                ),
                Some(format!(
                    "delete the later `<server>` entries with the id(s) {} from `{path}` by hand (nexus-token edits only the first)",
                    dups.join(", ")
                )),
            ));
        }
        findings
    }
}

/// A value the file cannot hold comes from the server's answer (exit 4); anything else is the
/// file's problem (exit 5).
fn value_or_file_error(path: &Path, e: maven::Error) -> Error {
    match e {
        maven::Error::InvalidValue { field, reason } => {
            super::unwritable_token(path, format!("its {field}: {reason}"))
        }
        other => Error::file(path, "update", other),
    }
}

/// Whether the server entry holds the references to the environment (`--env-refs`).
fn refers(entry: &maven::ServerEntry) -> bool {
    entry.username.as_deref() == Some(crate::env_refs::MAVEN_USERNAME)
        && entry.password.as_deref() == Some(crate::env_refs::MAVEN_PASSWORD)
}

/// Whether the server entry already holds this token (decrypting with `master` when needed).
fn entry_holds(
    entry: &maven::ServerEntry,
    token: &TokenValues<'_>,
    master: Option<&Secret<String>>,
) -> bool {
    let (Some(user), Some(pass)) = (&entry.username, &entry.password) else {
        return false;
    };
    if user != token.name_code {
        return false;
    }
    if pass == token.pass_code.expose() {
        return true;
    }
    match master {
        Some(master) if maven_security::is_encrypted(pass) => {
            maven_security::decrypt(pass, master.expose())
                .map(|clear| clear.expose() == token.pass_code.expose())
                .unwrap_or(false)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(env_refs: bool) -> MavenTarget {
        MavenTarget::new(
            PathBuf::from("/h/.m2/settings.xml"),
            vec!["nexus".into()],
            MavenEncrypt::Auto,
            PathBuf::from("/nonexistent/settings-security.xml"),
            env_refs,
        )
    }

    fn verdict(user: Option<&str>, pass: Option<&str>) -> TargetState {
        match (user, pass) {
            (Some("nc"), Some("pc")) => TargetState::Current,
            (Some(_), Some(_)) => TargetState::Stale,
            _ => TargetState::Missing,
        }
    }

    fn plan(t: &MavenTarget, current: Option<&[u8]>) -> Option<Planned> {
        let pass = Secret::new("pc".to_owned());
        let token = TokenValues {
            name_code: "nc",
            pass_code: &pass,
        };
        t.plan(current, &token).unwrap()
    }

    const LITERAL: &str = "<settings>\n  <servers>\n    <server>\n      <id>nexus</id>\n      <username>nc</username>\n      <password>pc</password>\n    </server>\n  </servers>\n</settings>\n";

    #[test]
    fn env_refs_replace_a_literal_token_and_are_left_alone_afterwards() {
        let t = target(true);
        let planned = plan(&t, Some(LITERAL.as_bytes())).expect("the literal token goes");
        let text = String::from_utf8(planned.bytes.clone()).unwrap();
        assert_eq!(
            text,
            LITERAL
                .replace(">nc<", ">${env.NEXUS_TOKEN_NAMECODE}<")
                .replace(">pc<", ">${env.NEXUS_TOKEN_PASSCODE}<"),
            "only the two values change"
        );
        assert!(!text.contains("pc<"), "no passCode left: {text}");
        assert!(
            plan(&t, Some(&planned.bytes)).is_none(),
            "references in place: nothing to write"
        );
        assert_eq!(
            t.inspect(&planned.bytes, &verdict)[0].1,
            TargetState::Referenced
        );
        let stale = t.inspect(LITERAL.as_bytes(), &verdict);
        assert_eq!(
            stale[0].1,
            TargetState::Stale,
            "a literal token, even the current one, is stale for a profile that refers to the environment"
        );
        assert!(stale[0].2.as_deref().is_some_and(|d| d.contains("literal")));
    }

    #[test]
    fn without_env_refs_a_reference_is_stale_and_replaced_by_the_token() {
        let refs = plan(&target(true), None).unwrap().bytes;
        let t = target(false);
        assert_eq!(t.inspect(&refs, &verdict)[0].1, TargetState::Stale);
        let planned = plan(&t, Some(&refs)).expect("the token goes back in");
        let text = String::from_utf8(planned.bytes).unwrap();
        assert!(text.contains("<password>pc</password>") && !text.contains("${env."));
    }
}

//! The Docker target kind in the seam: `config.json` names nexus-token in `credHelpers` for each
//! registry (pure edits by `editor`), and the `docker-credential-nexus-token` link is its side
//! file. It holds no token: `inspect` says `current` when the config names nexus-token, doctor
//! checks the link on the PATH, stale `auths` logins, `credsStore` and Podman's `auth.json`.
//!
//! It must not read the keyring or write files itself (the seam and `served` do).

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{Error, Result};
use crate::fs;
use crate::targets::probe::{Answer, Probe};
use crate::targets::served::{SideFile, links_to};
use crate::targets::{
    DoctorCx, Entry, Finding, Kind, Level, Planned, Target, TargetState, TokenValues, Verdict,
};

use super::editor::{self, HELPER_NAME};
use super::link;

/// Registries served through one Docker `config.json`.
#[derive(Debug)]
pub(crate) struct DockerTarget {
    pub path: PathBuf,
    /// Registry keys (`host[:port]`).
    pub hosts: Vec<String>,
    /// The binary the link points at.
    pub exe: PathBuf,
    /// Where the link goes, and whether the PATH holds its folder.
    pub link: link::LinkPlan,
    /// Podman's `auth.json` files, read before Docker's config.
    pub podman: Vec<PathBuf>,
    path_var: Option<String>,
    /// The profiles file, when it is not the default one: `credHelpers` then names a helper of
    /// its own (see [`DockerTarget::helper_name`]).
    pub config: Option<PathBuf>,
}

impl DockerTarget {
    pub(crate) fn new(
        env: &Env,
        hosts: Vec<String>,
        exe: PathBuf,
        config: Option<PathBuf>,
    ) -> DockerTarget {
        let path_var = env.var("PATH").map(str::to_owned);
        let writable = |dir: &Path| fs::dir_writable(dir);
        let link = link::plan_link(
            &exe,
            path_var.as_deref().map(std::ffi::OsStr::new),
            &env.home,
            &writable,
        );
        DockerTarget {
            path: env.docker_config(),
            hosts,
            exe,
            link,
            podman: env.podman_auth_files(),
            path_var,
            config,
        }
    }

    /// The `credHelpers` value: `nexus-token` (Docker runs the shared
    /// `docker-credential-nexus-token` link), or for a profiles file that is not the default one
    /// `nexus-token@<hash>`, whose `docker-credential-nexus-token@<hash>` wrapper beside the link
    /// passes the file on (`credHelpers` cannot carry arguments).
    pub(crate) fn helper_name(&self) -> String {
        format!(
            "{HELPER_NAME}{}",
            crate::targets::served::config_suffix(self.config.as_deref())
        )
    }

    /// The per-profiles-file wrapper, when the profiles file is not the default one.
    pub(crate) fn wrapper(&self) -> Option<(PathBuf, &Path)> {
        let config = self.config.as_deref()?;
        let dir = self.link.link.parent()?;
        Some((
            dir.join(format!("docker-credential-{}", self.helper_name())),
            config,
        ))
    }

    fn edit_error(&self, e: editor::Error) -> Error {
        match e {
            editor::Error::InvalidHost { .. } => Error::usage(
                format!("the saved Docker registry cannot be used: {e}"),
                Some("log in again with `--docker-registry HOST[:PORT]`".into()),
            ),
            e => Error::file(&self.path, "parse", e),
        }
    }

    /// The hosts a Podman `auth.json` shadows, with that file.
    fn shadowed(&self) -> Vec<(PathBuf, String)> {
        let mut found = Vec::new();
        for file in &self.podman {
            let Ok(Some(bytes)) = fs::read_optional(file) else {
                continue;
            };
            for host in &self.hosts {
                if editor::podman_auth_shadows(&bytes, host).unwrap_or(false) {
                    found.push((file.clone(), host.clone()));
                }
            }
        }
        found
    }
}

impl Target for DockerTarget {
    fn kind(&self) -> Kind {
        super::KIND
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn names(&self) -> Vec<String> {
        self.hosts.clone()
    }

    fn plan(&self, current: Option<&[u8]>, _token: &TokenValues<'_>) -> Result<Option<Planned>> {
        // No copy of the file until an edit makes one (a config.json may be big).
        let mut bytes: Option<Vec<u8>> = None;
        let mut planned = Planned::default();
        let helper = self.helper_name();
        for host in &self.hosts {
            let now = bytes.as_deref().or(current);
            if let Some(now) = now
                && editor::read_cred_helper(now, host)
                    .ok()
                    .flatten()
                    .as_deref()
                    == Some(&helper)
                && editor::has_stored_credential(now, host).is_ok_and(|stale| !stale)
            {
                continue; // already served, nothing stale: no copy of the file at all
            }
            let edit =
                editor::set_cred_helper(now, host, &helper).map_err(|e| self.edit_error(e))?;
            planned.changed.extend(edit.changed);
            planned.warnings.extend(edit.warnings);
            bytes = Some(edit.output);
        }
        if planned.changed.is_empty() {
            return Ok(None);
        }
        planned.bytes = bytes.unwrap_or_default();
        Ok(Some(planned))
    }

    fn clear(&self, current: &[u8], _expected: Option<&str>) -> Result<Planned> {
        let mut planned = Planned {
            bytes: current.to_vec(),
            ..Planned::default()
        };
        for host in &self.hosts {
            let edit =
                editor::remove_cred_helper(&planned.bytes, host).map_err(|e| self.edit_error(e))?;
            planned.bytes = edit.output;
            planned.changed.extend(edit.changed);
            planned.warnings.extend(edit.warnings);
        }
        Ok(planned)
    }

    /// `current` when `credHelpers` names nexus-token for the host (the token is served, so the
    /// fingerprint does not apply), `stale` when it names another helper.
    fn inspect(&self, current: &[u8], _verdict: &Verdict<'_>) -> Vec<Entry> {
        let ours = self.helper_name();
        self.hosts
            .iter()
            .map(|host| match editor::read_cred_helper(current, host) {
                Err(e) => (host.clone(), TargetState::Unreadable, Some(e.to_string())),
                Ok(None) => (host.clone(), TargetState::Missing, None),
                Ok(Some(h)) if h == ours => (host.clone(), TargetState::Current, None),
                Ok(Some(h)) => (
                    host.clone(),
                    TargetState::Stale,
                    Some(format!("`credHelpers` names `{h}`")),
                ),
            })
            .collect()
    }

    fn notes(&self, _env: &Env) -> Vec<String> {
        let mut notes: Vec<String> = self
            .shadowed()
            .into_iter()
            .map(|(file, host)| {
                format!(
                    "`{}` has its own entry for `{host}`, which Podman and skopeo use instead of Docker's `credHelpers`",
                    file.display()
                )
            })
            .collect();
        if !self.link.on_path {
            notes.push(format!(
                "`{}` is not on the PATH: add its folder to the PATH so that Docker finds the helper",
                self.link.link.display()
            ));
        }
        notes
    }

    fn side_files(&self) -> Vec<SideFile> {
        let mut files = vec![SideFile::Link {
            path: self.link.link.clone(),
            to: self.exe.clone(),
        }];
        if let Some((path, config)) = self.wrapper() {
            files.push(SideFile::Script {
                bytes: crate::targets::served::docker_wrapper(&self.link.link, config),
                path,
            });
        }
        files
    }

    /// The helper as Docker runs it (the per-file wrapper, else the link), the registry on stdin.
    fn probes(&self) -> Vec<Probe> {
        let Some(host) = self.hosts.first() else {
            return Vec::new();
        };
        let program = self
            .wrapper()
            .map_or_else(|| self.link.link.clone(), |(w, _)| w);
        vec![Probe {
            what: format!("the Docker helper `{}`", program.display()),
            program,
            args: vec!["get".into()],
            stdin: host.clone().into_bytes(),
            answer: Answer::DockerJson,
        }]
    }

    fn doctor(&self, cx: &DoctorCx<'_>) -> Vec<Finding> {
        let (current, profile) = (cx.current, cx.profile);
        let path = self.path.display();
        let refresh = format!("run `nexus-token refresh --profile {profile}`");
        let mut findings = Vec::new();
        let found = link::found_on_path(
            self.path_var.as_deref().map(std::ffi::OsStr::new),
            &|p: &Path| p.is_file(),
        );
        match found {
            Some(p) if crate::targets::served::same_file(&p, &self.exe) => {
                findings.push(Finding::new(
                    "docker-helper",
                    Level::Ok,
                    format!("the PATH finds the Docker helper at `{}`", p.display()),
                    None,
                ));
            }
            Some(p) => findings.push(Finding::new(
                "docker-helper",
                Level::Warn,
                format!(
                    "the PATH finds `{}` first, which is not this nexus-token (`{}`)",
                    p.display(),
                    self.exe.display()
                ),
                Some(format!("remove it, then {refresh}")),
            )),
            None => findings.push(Finding::new(
                "docker-helper",
                Level::Fail,
                if links_to(&self.link.link, &self.exe) {
                    format!(
                        "the Docker helper `{}` exists, but its folder is not on the PATH",
                        self.link.link.display()
                    )
                } else {
                    format!("no `{}` on the PATH", link::link_name())
                },
                Some(format!(
                    "{refresh} (it creates `{}`) and put its folder on the PATH",
                    self.link.link.display()
                )),
            )),
        }
        let Some(bytes) = current else {
            return findings;
        };
        let ours = self.helper_name();
        for host in &self.hosts {
            match editor::read_cred_helper(bytes, host) {
                Err(e) => {
                    findings.push(Finding::new(
                        "files-parse",
                        Level::Fail,
                        format!("`{path}`: {e}"),
                        Some("fix the file at that line and column".into()),
                    ));
                    return findings;
                }
                Ok(Some(h)) if h == ours => findings.push(Finding::new(
                    "docker-config",
                    Level::Ok,
                    format!("`{path}` names `{ours}` for `{host}`"),
                    None,
                )),
                Ok(_) => findings.push(Finding::new(
                    "docker-config",
                    Level::Fail,
                    format!("`{path}` does not name nexus-token in `credHelpers` for `{host}`"),
                    Some(refresh.clone()),
                )),
            }
            if editor::has_stored_credential(bytes, host).unwrap_or(false) {
                findings.push(Finding::new(
                    "docker-auths",
                    Level::Warn,
                    format!("`{path}` still stores a login for `{host}` in `auths`"),
                    Some(refresh.clone()),
                ));
            }
        }
        if let Ok(Some(store)) = editor::creds_store(bytes) {
            findings.push(Finding::new(
                "docker-creds-store",
                Level::Info,
                format!(
                    "`{path}` sets `credsStore` `{store}`: fine, `credHelpers` wins for the served registries"
                ),
                None,
            ));
        }
        for (file, host) in self.shadowed() {
            findings.push(Finding::new(
                "docker-podman-shadow",
                Level::Warn,
                format!(
                    "`{}` has an entry for `{host}`: Podman and skopeo use it instead of Docker's `credHelpers`",
                    file.display()
                ),
                Some(format!(
                    "remove `{host}` from `{}` (`podman logout {host}`)",
                    file.display()
                )),
            ));
        }
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn target() -> DockerTarget {
        DockerTarget {
            path: PathBuf::from("/h/.docker/config.json"),
            hosts: vec!["127.0.0.1:5000".into()],
            exe: PathBuf::from("/opt/bin/nexus-token"),
            link: link::LinkPlan {
                link: PathBuf::from("/h/.local/bin/docker-credential-nexus-token"),
                on_path: false,
            },
            podman: Vec::new(),
            path_var: None,
            config: None,
        }
    }

    #[test]
    fn plan_sets_cred_helpers_once_and_clear_removes_it() {
        let t = target();
        let pass = Secret::new("pc".to_owned());
        let token = TokenValues {
            name_code: "nc",
            pass_code: &pass,
        };
        let before = b"{\n  \"credsStore\": \"pass\"\n}\n";
        let planned = t.plan(Some(before), &token).unwrap().unwrap();
        let text = String::from_utf8(planned.bytes.clone()).unwrap();
        assert!(
            text.contains("\"127.0.0.1:5000\": \"nexus-token\"") && !text.contains("pc"),
            "credHelpers names nexus-token and no token is written: {text}"
        );
        assert!(
            t.plan(Some(&planned.bytes), &token).unwrap().is_none(),
            "a second plan changes nothing"
        );
        assert_eq!(
            t.inspect(&planned.bytes, &|_, _| TargetState::Missing)[0].1,
            TargetState::Current
        );
        let cleared = t.clear(&planned.bytes, None).unwrap();
        assert!(
            !String::from_utf8_lossy(&cleared.bytes).contains("nexus-token")
                && String::from_utf8_lossy(&cleared.bytes).contains("credsStore"),
            "logout removes our entry and keeps the rest"
        );
        assert!(
            t.notes(&Env::sandboxed(Path::new("/h")))
                .iter()
                .any(|n| n.contains("not on the PATH")),
            "a link folder off the PATH is told"
        );
    }
}

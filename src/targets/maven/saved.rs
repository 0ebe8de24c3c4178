//! The Maven kind as the user configures it: `--maven-server ID` (repeatable), `--maven-settings`,
//! `--maven-encrypt`, `--maven-settings-security`; the saved `[targets.maven]` section; discovery
//! of the `<server>`s that are ours on evidence (cli.md).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::maven_security::MavenEncrypt;
use crate::targets::{DiscoverCx, FlagCx, Kind, ResolveCx, TARGETS_HEADING, Target, TargetKind};
use crate::{fs, maven};

use super::MavenTarget;

/// The kind.
pub(crate) const KIND: Kind = Kind {
    name: "maven",
    entry_word: "server",
    served: None,
};

/// The Maven flags of `login`.
#[derive(Debug, Clone, Default, clap::Args)]
#[group(skip)]
pub struct Flags {
    /// A `<server>` id in settings.xml that gets the token. Repeatable.
    #[arg(long = "maven-server", value_name = "ID", help_heading = TARGETS_HEADING)]
    pub maven_servers: Vec<String>,

    /// Maven settings file [default: ~/.m2/settings.xml].
    #[arg(long, value_name = "FILE")]
    pub maven_settings: Option<PathBuf>,

    /// Write the passCode in Maven's encrypted `{...}` form: `auto` does so when
    /// settings-security.xml holds a master password.
    #[arg(long, value_enum, value_name = "WHEN")]
    pub maven_encrypt: Option<MavenEncrypt>,

    /// Maven's settings-security.xml [default: ~/.m2/settings-security.xml].
    #[arg(long, value_name = "FILE")]
    pub maven_settings_security: Option<PathBuf>,
}

/// `<server>` ids in one settings.xml (`[profiles.NAME.targets.maven]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
    /// The settings file (absolute, resolved at login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<PathBuf>,
    /// Server ids that get the token.
    #[serde(default)]
    pub servers: Vec<String>,
    /// Whether to write the passCode in Maven's encrypted form.
    #[serde(default)]
    pub encrypt: MavenEncrypt,
    /// settings-security.xml, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings_security: Option<PathBuf>,
}

impl TargetKind for Saved {
    const KIND: Kind = KIND;
    type Flags = Flags;

    fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }

    fn from_flags(cx: &FlagCx<'_>, f: &Flags, previous: Option<&Saved>) -> Result<Saved> {
        for id in &f.maven_servers {
            maven::validate_value(id).map_err(|e| {
                Error::usage(
                    format!("`--maven-server {id}` cannot be used as a server id: {e}"),
                    Some("give the `<id>` of a `<server>` in settings.xml".into()),
                )
            })?;
        }
        let settings = f
            .maven_settings
            .clone()
            .or_else(|| previous.and_then(|p| p.settings.clone()))
            .unwrap_or_else(|| cx.env.maven_settings());
        Ok(Saved {
            settings: Some(fs::absolute(settings)),
            servers: crate::targets::dedup(f.maven_servers.clone()),
            encrypt: f
                .maven_encrypt
                .or_else(|| previous.map(|p| p.encrypt))
                .unwrap_or_default(),
            settings_security: f
                .maven_settings_security
                .clone()
                .or_else(|| previous.and_then(|p| p.settings_security.clone()))
                .map(fs::absolute),
        })
    }

    fn reuse(&mut self, previous: &Saved) {
        self.servers = previous.servers.clone();
    }

    /// The servers that are ours on evidence (cli.md): an id that a mirror or repository under
    /// this Nexus uses, or a password that is the login password or a token we wrote before. A
    /// matching username alone is not enough; another profile's server is left alone.
    fn discover(&mut self, cx: &DiscoverCx<'_>) -> Result<bool> {
        let path = self
            .settings
            .clone()
            .unwrap_or_else(|| cx.env.maven_settings());
        let Some(bytes) = fs::read_optional(&path)? else {
            return Ok(false);
        };
        let security = self
            .settings_security
            .clone()
            .unwrap_or_else(|| cx.env.maven_settings_security());
        let master = crate::maven_security::master_password(&security)
            .ok()
            .flatten();
        let known = maven::KnownSecrets {
            passwords: &[cx.password],
            token_fingerprints: cx.fingerprints,
            fingerprint: &crate::fingerprint::fingerprint,
            master_password: master.as_ref(),
        };
        let discovery = maven::discover_servers(&bytes, cx.url, cx.username, &known)
            .map_err(|e| Error::file(&path, "parse", e))?;
        for left in &discovery.left_alone {
            cx.ui.step(&format!(
                "left `<server>` `{}` alone: {}",
                left.id, left.reason
            ));
        }
        let found: Vec<String> = discovery
            .taken_ids()
            .into_iter()
            .filter(|id| !cx.taken(&path, id, &format!("`<server>` `{id}`")))
            .collect();
        if found.is_empty() {
            return Ok(false);
        }
        cx.ui.step(&format!(
            "found Maven servers for this Nexus in `{}`: {}",
            path.display(),
            found.join(", ")
        ));
        self.servers = found;
        Ok(true)
    }

    fn looked_in(&self, env: &crate::env::Env) -> Vec<PathBuf> {
        vec![
            self.settings
                .clone()
                .unwrap_or_else(|| env.maven_settings()),
        ]
    }

    fn retain(&mut self, _cx: &ResolveCx<'_>, keep: &dyn Fn(&str) -> bool) {
        self.servers.retain(|s| keep(s));
    }

    fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>> {
        vec![Box::new(MavenTarget::new(
            self.settings
                .clone()
                .unwrap_or_else(|| cx.env.maven_settings()),
            self.servers.clone(),
            self.encrypt,
            self.settings_security
                .clone()
                .unwrap_or_else(|| cx.env.maven_settings_security()),
            cx.env_refs,
        ))]
    }
}

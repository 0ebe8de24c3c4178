//! The profiles file as it is read: the current layout (every kind's section under
//! `[profiles.NAME.targets]`) and the layout before it, with the sections directly under the
//! profile (`maven`, `gradle`, `gradle_init`, `npm`, `netrc`, `pypirc`) and the served registries
//! in one `served` table. Files in the old layout load; the next `login` saves the new one. This
//! list is frozen: a new kind exists only in the new layout and never appears here.

use std::path::PathBuf;

use serde::Deserialize;

use crate::nexus::Family;
use crate::profile::Profile;

use super::{Targets, cargo, docker, gradle, gradle_init, maven, netrc, npm, pnpm, pypirc};

/// A profile as the file holds it, in either layout.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileFile {
    url: String,
    username: String,
    #[serde(default)]
    api: Option<Family>,
    #[serde(default = "crate::profile::yes")]
    keyring: bool,
    #[serde(default)]
    imported: bool,
    #[serde(default)]
    env_refs: bool,
    #[serde(default)]
    ca_cert: Option<PathBuf>,
    #[serde(default)]
    connect_timeout: Option<u64>,
    #[serde(default)]
    timeout: Option<u64>,
    #[serde(default)]
    targets: Targets,
    // The old layout.
    #[serde(default)]
    gradle_init: Option<gradle_init::Saved>,
    #[serde(default)]
    maven: Option<maven::Saved>,
    #[serde(default)]
    gradle: Option<gradle::Saved>,
    #[serde(default)]
    npm: Option<npm::Saved>,
    #[serde(default)]
    netrc: Option<netrc::Saved>,
    #[serde(default)]
    pypirc: Option<pypirc::Saved>,
    #[serde(default)]
    served: Option<Served>,
}

/// The old `served` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Served {
    #[serde(default)]
    docker: Vec<String>,
    #[serde(default)]
    cargo: Vec<cargo::CargoRegistry>,
    #[serde(default)]
    pnpm: Vec<String>,
}

/// Fills an empty section of the new layout from the old one.
fn fill<T: super::TargetKind>(new: &mut T, old: Option<T>) {
    if let Some(old) = old
        && new.is_empty()
    {
        *new = old;
    }
}

impl From<ProfileFile> for Profile {
    fn from(f: ProfileFile) -> Profile {
        let mut targets = f.targets;
        let npmrc = f.npm.as_ref().and_then(|n| n.npmrc.clone());
        fill(&mut targets.gradle_init, f.gradle_init);
        fill(&mut targets.maven, f.maven);
        fill(&mut targets.gradle, f.gradle);
        fill(&mut targets.npm, f.npm);
        fill(&mut targets.netrc, f.netrc);
        fill(&mut targets.pypirc, f.pypirc);
        if let Some(served) = f.served {
            fill(
                &mut targets.docker,
                Some(docker::Saved {
                    registries: served.docker,
                }),
            );
            fill(
                &mut targets.cargo,
                Some(cargo::Saved {
                    registries: served.cargo,
                }),
            );
            fill(
                &mut targets.pnpm,
                Some(pnpm::Saved {
                    npmrc,
                    registries: served.pnpm,
                }),
            );
        }
        Profile {
            url: f.url,
            username: f.username,
            api: f.api,
            keyring: f.keyring,
            imported: f.imported,
            ca_cert: f.ca_cert,
            connect_timeout: f.connect_timeout,
            timeout: f.timeout,
            targets,
            profiles_file: None,
            env_refs: f.env_refs,
        }
    }
}

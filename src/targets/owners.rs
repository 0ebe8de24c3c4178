//! One owner per target (cli.md "One owner per target"): a target is a key in a file (a
//! `<server>` id in one settings.xml, a machine in one netrc, ...), files compared after
//! resolving symbolic links. It belongs to one profile. When a profiles file edited by hand gives
//! one target to two profiles, the first profile in the file keeps it: the others leave it alone
//! (refresh, rotate, logout), with a warning on every run naming the target and both profiles,
//! and doctor fails with the same words. Pure bookkeeping over resolved targets: reads no file
//! but the link resolution of paths.

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{Error, Result};
use crate::profile::{Config, Profile};

use super::Target;

/// A file after symbolic links: the file itself when it exists, else its folder resolved (a
/// file not created yet), else the path as given.
pub(crate) fn resolved_path(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => match std::fs::canonicalize(dir) {
            Ok(dir) => dir.join(name),
            Err(_) => path.to_path_buf(),
        },
        _ => path.to_path_buf(),
    }
}

/// One claim: a key in a file, by a profile.
#[derive(Debug, Clone)]
struct Claim {
    path: PathBuf,
    key: String,
    /// How messages name it: "server `corp` in `~/.m2/settings.xml`".
    what: String,
    profile: String,
}

/// Every profile's claims, in the order of the profiles file.
#[derive(Debug, Default)]
pub(crate) struct Owners {
    claims: Vec<Claim>,
}

/// A target that two or more profiles list (a hand-edited profiles file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conflict {
    /// "server `corp` in `/home/a/.m2/settings.xml`".
    pub what: String,
    /// The profile that keeps it (first in the file).
    pub owner: String,
    /// The profile that leaves it alone.
    pub other: String,
}

impl Conflict {
    /// The warning every run prints, and doctor's failure.
    pub(crate) fn message(&self) -> String {
        format!(
            "{} is in profiles `{}` and `{}`: only `{}` (the first in the profiles file) writes it",
            self.what, self.owner, self.other, self.owner
        )
    }

    /// How to end it.
    pub(crate) fn fix(&self) -> String {
        format!(
            "give the target to one profile: `nexus-token login --profile {}` with the target flags it should keep, or remove it from one profile in the profiles file",
            self.other
        )
    }
}

fn describe(target: &dyn Target, key: &str) -> String {
    format!(
        "{} `{key}` in `{}`",
        target.kind().entry_word,
        target.path().display()
    )
}

fn claims_of(profile: &str, targets: &[Box<dyn Target>]) -> Vec<Claim> {
    let mut out = Vec::new();
    for target in targets {
        let path = resolved_path(target.path());
        for key in target.claims() {
            out.push(Claim {
                what: describe(target.as_ref(), &key),
                path: path.clone(),
                key,
                profile: profile.to_owned(),
            });
        }
    }
    out
}

impl Owners {
    /// Every saved profile's claims, in file order. `except` leaves one profile out (the one
    /// being logged in, whose targets are about to change).
    pub(crate) fn of(config: &Config, env: &Env, except: Option<&str>) -> Owners {
        let mut claims = Vec::new();
        for (name, profile) in config.in_file_order() {
            if Some(name) == except {
                continue;
            }
            claims.extend(claims_of(name, &super::resolve(name, profile, env)));
        }
        Owners { claims }
    }

    /// The first profile other than `me` that claims `key` in `path`.
    pub(crate) fn owner(&self, path: &Path, key: &str, me: &str) -> Option<&str> {
        let path = resolved_path(path);
        self.claims
            .iter()
            .find(|c| c.profile != me && c.key == key && c.path == path)
            .map(|c| c.profile.as_str())
    }

    /// The profiles that claim `(path, key)`, in file order, each once.
    fn claimants(&self, path: &Path, key: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in self
            .claims
            .iter()
            .filter(|c| c.key == key && c.path == path)
        {
            if !out.contains(&c.profile.as_str()) {
                out.push(&c.profile);
            }
        }
        out
    }
}

/// `login`: refuses targets that another profile has, before any request (exit 2). A target
/// that a hand-edited profiles file gives to this profile first stays this profile's (refresh
/// writes it for this profile; the other one is warned about).
pub(crate) fn refuse_taken(
    config: &Config,
    env: &Env,
    name: &str,
    profile: &Profile,
) -> Result<()> {
    let owners = Owners::of(config, env, None);
    let mine = claims_of(name, &super::resolve(name, profile, env));
    let taken: Vec<(&Claim, &str)> = mine
        .iter()
        .filter_map(|c| match owners.claimants(&c.path, &c.key).first() {
            Some(first) if *first != name => Some((c, *first)),
            _ => None,
        })
        .collect();
    let Some((first, other)) = taken.first() else {
        return Ok(());
    };
    let list = taken
        .iter()
        .map(|(c, o)| format!("{} (profile `{o}`)", c.what))
        .collect::<Vec<_>>()
        .join(", ");
    Err(Error::usage(
        format!(
            "{list} belongs to another profile: a target has one owner, so profile `{name}` cannot have it; nothing was sent or written"
        ),
        Some(format!(
            "move it: `nexus-token logout --profile {other} --remove-credentials` (or log in to `{other}` again without the target), then run this login again; or leave {} out of this login",
            first.what
        )),
    ))
}

/// The targets of profile `name` that it owns, and every conflict it is part of: a target
/// listed by an earlier profile in the profiles file is left to that profile; a target this
/// profile lists first stays, and the conflict is still reported (both sides warn).
pub(crate) fn owned(
    config: &Config,
    env: &Env,
    name: &str,
    profile: &Profile,
) -> (Vec<Box<dyn Target>>, Vec<Conflict>) {
    let owners = Owners::of(config, env, None);
    let mut conflicts: Vec<Conflict> = Vec::new();
    let mut lost: Vec<(&'static str, String)> = Vec::new();
    let targets = super::resolve(name, profile, env);
    for target in &targets {
        let path = resolved_path(target.path());
        for key in target.claims() {
            let claimants = owners.claimants(&path, &key);
            let Some(first) = claimants.first() else {
                continue; // not saved (yet)
            };
            let what = describe(target.as_ref(), &key);
            if *first != name {
                conflicts.push(Conflict {
                    what,
                    owner: (*first).to_owned(),
                    other: name.to_owned(),
                });
                lost.push((target.kind().name, key));
            } else {
                conflicts.extend(claimants.iter().skip(1).map(|other| Conflict {
                    what: what.clone(),
                    owner: name.to_owned(),
                    other: (*other).to_owned(),
                }));
            }
        }
    }
    if lost.is_empty() {
        return (targets, conflicts);
    }
    let cx = super::ResolveCx::of(env, name, profile);
    let mut mine = profile.targets.clone();
    mine.retain(&cx, &|kind: &str, key: &str| {
        !lost.iter().any(|(n, k)| *n == kind && k == key)
    });
    (mine.resolve(&cx), conflicts)
}

/// The targets `refresh`, `rotate` and `logout` may touch for profile `name`: those it owns,
/// with one warning per conflict (on every run, naming the target and both profiles).
pub(crate) fn writable(
    config: &Config,
    env: &Env,
    ui: &crate::ui::Ui,
    name: &str,
    profile: &Profile,
) -> Vec<Box<dyn Target>> {
    let (targets, conflicts) = owned(config, env, name, profile);
    for c in &conflicts {
        ui.warn(&format!("{}; {}", c.message(), c.fix()));
    }
    targets
}

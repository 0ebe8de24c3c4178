//! The target seam: every place a token goes is one `Target`, resolved from the saved profile
//! by `resolve`. Commands never look at target kinds: they call `write_token`, `remove_token`,
//! `check` and `doctor`, which loop over targets.
//!
//! Each kind lives in its own folder and implements two traits (`kind`): `TargetKind` (its
//! flags, saved section, validation, reuse, discovery and defaults) and `Target` (its file, a
//! pure `plan` of the new bytes with the token in, `clear`, `inspect`, notes, doctor findings,
//! side files, claims). Writing is two-phase: every file is planned in memory first (a malformed
//! file stops the run before anything is written), then written one by one through `fs`; when a
//! later write fails, the error names the files that already hold the new token and those that do
//! not. Several targets may share one file: their plans are applied in order to the same bytes and
//! the file is written once.
//!
//! Adding a kind: a folder here and one line in `kinds!` below (docs/architecture.md).

pub(crate) mod kind;
pub(crate) mod legacy;
pub(crate) mod owners;

pub mod gradle;
pub mod gradle_init;
pub use gradle_init::render as render_gradle_init;
pub mod maven;

pub mod npm;
pub mod yarn;

pub mod netrc;
pub mod pypirc;

pub mod cargo;
pub mod docker;

pub(crate) mod helper_files;
pub mod pnpm;
pub(crate) mod probe;
pub(crate) mod served;

pub mod go;

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{Error, Result};
use crate::fingerprint::fingerprint;
use crate::fs::{self, Outcome};
use crate::profile::Profile;
use crate::secret::Secret;

pub use kind::Kind;
pub(crate) use kind::{
    DiscoverCx, DoctorCx, Entry, FlagCx, ResolveCx, Target, TargetKind, Verdict,
};

/// The `--help` heading of the flags that name a target; the "name a target" hints list them.
pub const TARGETS_HEADING: &str = "Targets";

/// The list of kinds, by module: each module `m` has `m::Flags` (clap `Args`) and `m::Saved`
/// (its section, implementing [`TargetKind`]). The module name is the flags struct's field and
/// the table under `[profiles.NAME.targets]`; the order is the order in which targets are
/// resolved, written and discovered. The only place that names every kind.
macro_rules! kinds {
    ($($field:ident),* $(,)?) => {
        /// Every kind's `login` flags, each kind's `Args` flattened.
        #[derive(Debug, Clone, Default, clap::Args)]
        pub struct TargetArgs {
            $(
                #[command(flatten)]
                pub $field: $field::Flags,
            )*
        }

        /// A profile's targets: one section per kind, saved under `[profiles.NAME.targets]`.
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Targets {
            $(
                #[serde(default, skip_serializing_if = "TargetKind::is_empty")]
                pub $field: $field::Saved,
            )*
        }

        impl Targets {
            /// No target of any kind.
            pub fn is_empty(&self) -> bool {
                true $(&& self.$field.is_empty())*
            }

            /// The sections from the flags (validated; usage errors before any request).
            pub(crate) fn from_flags(
                cx: &FlagCx<'_>,
                flags: &TargetArgs,
                previous: Option<&Targets>,
            ) -> Result<Targets> {
                Ok(Targets {
                    $($field: <$field::Saved as TargetKind>::from_flags(
                        cx,
                        &flags.$field,
                        previous.map(|p| &p.$field),
                    )?,)*
                })
            }

            /// Takes the saved entries of `previous` (login without target flags).
            pub(crate) fn reuse(&mut self, previous: &Targets) {
                $(self.$field.reuse(&previous.$field);)*
            }

            /// Discovery, kind by kind; whether any kind found a target.
            pub(crate) fn discover(&mut self, cx: &DiscoverCx<'_>) -> Result<bool> {
                let mut found = false;
                $(found |= self.$field.discover(cx)?;)*
                Ok(found)
            }

            /// Every file discovery looks at.
            pub(crate) fn looked_in(&self, env: &Env) -> Vec<PathBuf> {
                let mut out = Vec::new();
                $(out.extend(self.$field.looked_in(env));)*
                out
            }

            /// Keeps the entries for which `keep(kind name, claim key)` holds.
            pub(crate) fn retain(&mut self, cx: &ResolveCx<'_>, keep: &dyn Fn(&str, &str) -> bool) {
                $({
                    let name = <$field::Saved as TargetKind>::KIND.name;
                    self.$field.retain(cx, &|key: &str| keep(name, key));
                })*
            }

            /// Every target, in the order of the list of kinds.
            pub(crate) fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>> {
                let mut out = Vec::new();
                $(if !self.$field.is_empty() {
                    out.extend(self.$field.resolve(cx));
                })*
                out
            }
        }
    };
}

kinds! {
    gradle_init,
    maven,
    gradle,
    npm,
    yarn,
    netrc,
    pypirc,
    docker,
    cargo,
    pnpm,
    go,
}

/// The one mapping from a saved profile to its targets, every default path resolved. Pure: reads
/// no file (a kind that needs one, like Maven's settings-security.xml, reads it when planning).
pub(crate) fn resolve(name: &str, profile: &Profile, env: &Env) -> Vec<Box<dyn Target>> {
    profile.targets.resolve(&ResolveCx::of(env, name, profile))
}

/// The items without repeats, in their first order.
pub(crate) fn dedup(mut items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.clone()));
    items
}

/// The flags that name a target, as `--help` lists them under "Targets": `--maven-server ID`,
/// `--netrc`, ... The hints that ask for a target are made from this, so they name every kind.
pub(crate) fn target_flags() -> String {
    let cmd = <TargetArgs as clap::Args>::augment_args(clap::Command::new("login"));
    let flags: Vec<String> = cmd
        .get_arguments()
        .filter(|a| a.get_help_heading() == Some(TARGETS_HEADING))
        .filter_map(|a| {
            let long = a.get_long()?;
            let takes_value = a.get_action().takes_values();
            Some(match a.get_value_names() {
                Some(names) if takes_value => format!("`--{long} {}`", names.join(" ")),
                _ => format!("`--{long}`"),
            })
        })
        .collect();
    match flags.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and/or {last}", rest.join(", ")),
        _ => flags.join(""),
    }
}

/// The token values to write.
#[derive(Debug)]
pub struct TokenValues<'a> {
    /// The token's user part.
    pub name_code: &'a str,
    /// The token's password part.
    pub pass_code: &'a Secret<String>,
}

/// How to write.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Compute only; write nothing.
    pub dry_run: bool,
    /// Rewrite files even when their bytes would not change.
    pub force: bool,
}

/// A pure edit's result: the new bytes, the entries whose values changed (names, never values)
/// and warnings.
#[derive(Debug, Default)]
pub(crate) struct Planned {
    pub bytes: Vec<u8>,
    pub changed: Vec<String>,
    pub warnings: Vec<String>,
}

/// Every editor returns the same three things; this puts them into the seam's shape.
macro_rules! planned_from_edit {
    ($($edit:ty),* $(,)?) => {$(
        impl From<$edit> for Planned {
            fn from(edit: $edit) -> Planned {
                Planned {
                    bytes: edit.output,
                    changed: edit.changed,
                    warnings: edit.warnings,
                }
            }
        }
    )*};
}
planned_from_edit!(
    crate::maven::Edit,
    crate::gradle::Edit,
    npm::editor::Edit,
    yarn::editor::Edit,
);

/// A token value that a file cannot hold: the server's answer is the problem (exit 4), not the
/// file, so the hint points at the token.
pub(crate) fn unwritable_token(path: &Path, reason: impl std::fmt::Display) -> Error {
    Error::other(
        crate::error::ExitStatus::Unavailable,
        format!(
            "Nexus sent a token that `{}` cannot hold: {reason}",
            path.display()
        ),
        Some("this is a server-side problem: reset the token (`nexus-token rotate`) or ask your Nexus administrator".into()),
    )
}

/// Creates or updates every target's side files (after the config files were written), or
/// reports what would change in a dry run.
fn apply_side_files(targets: &[Box<dyn Target>], dry_run: bool) -> Result<Vec<FileReport>> {
    let mut reports = Vec::new();
    for target in targets {
        for side in target.side_files() {
            if let Some(report) = served::apply(target.kind(), &side, dry_run)? {
                reports.push(report);
            }
        }
    }
    Ok(reports)
}

/// What happened (or would happen) to one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The kind of the file's first target.
    pub kind: Kind,
    /// The file.
    pub path: PathBuf,
    /// Server ids or property keys whose values changed (or would).
    pub changed: Vec<String>,
    /// What the write did; `None` in a dry run.
    pub outcome: Option<Outcome>,
    /// Warnings from the editor and the file checks.
    pub warnings: Vec<String>,
}

/// The targets grouped by file, in the order of first appearance.
fn by_file(targets: &[Box<dyn Target>]) -> Vec<(PathBuf, Vec<&dyn Target>)> {
    let mut files: Vec<(PathBuf, Vec<&dyn Target>)> = Vec::new();
    for target in targets {
        match files.iter_mut().find(|(p, _)| p == target.path()) {
            Some((_, list)) => list.push(target.as_ref()),
            None => files.push((target.path().to_path_buf(), vec![target.as_ref()])),
        }
    }
    files
}

/// Applies every target's plan for one file in order: `None` when nothing would change.
fn plan_file(
    targets: &[&dyn Target],
    current: Option<&[u8]>,
    token: &TokenValues<'_>,
) -> Result<Option<Planned>> {
    let mut acc: Option<Planned> = None;
    for target in targets {
        let bytes = acc.as_ref().map(|p| p.bytes.as_slice()).or(current);
        if let Some(next) = target.plan(bytes, token)? {
            let mut merged = acc.take().unwrap_or_default();
            merged.bytes = next.bytes;
            merged.changed.extend(next.changed);
            merged.warnings.extend(next.warnings);
            acc = Some(merged);
        }
    }
    Ok(acc)
}

/// Checks before anything is sent to Nexus that every target file can be read and edited: plans
/// each file with a placeholder token, in memory. Writes nothing.
pub(crate) fn preflight(targets: &[Box<dyn Target>]) -> Result<()> {
    if targets.is_empty() {
        return Err(Error::usage(
            "no targets: nothing would receive the token",
            Some(format!("name the targets: {}", target_flags())),
        ));
    }
    let placeholder = Secret::new("nexus-token-preflight".to_owned());
    let token = TokenValues {
        name_code: "nexus-token-preflight",
        pass_code: &placeholder,
    };
    for (path, list) in by_file(targets) {
        let current = fs::read_optional(&path)?;
        if let Some(reason) = fs::not_writable(&path) {
            return Err(Error::file(&path, "write", reason));
        }
        plan_file(&list, current.as_deref(), &token)?;
    }
    Ok(())
}

/// Writes the token into every target: plans every file in memory first (nothing is written when
/// one of them cannot be edited), then writes them one by one. A write that fails after others
/// succeeded is reported as [`Error::Partial`], naming both sides.
pub(crate) fn write_token(
    targets: &[Box<dyn Target>],
    env: &Env,
    token: &TokenValues<'_>,
    options: WriteOptions,
) -> Result<Vec<FileReport>> {
    let files = by_file(targets);
    // Phase 1: plan everything (kept for a dry run's report only: a big file is not held twice).
    let mut planned = Vec::with_capacity(files.len());
    for (path, list) in &files {
        let current = fs::read_optional(path)?;
        let plan = plan_file(list, current.as_deref(), token)?;
        if options.dry_run {
            planned.push(plan);
        }
    }
    let notes = |list: &[&dyn Target]| -> Vec<String> {
        let mut notes: Vec<String> = list.iter().flat_map(|t| t.notes(env)).collect();
        notes.dedup();
        notes
    };
    if options.dry_run {
        let side = apply_side_files(targets, true)?;
        return Ok(files
            .iter()
            .zip(planned)
            .map(|((path, list), plan)| {
                let plan = plan.unwrap_or_default();
                let mut warnings = plan.warnings;
                warnings.extend(fs::safety_warnings(path));
                warnings.extend(notes(list));
                FileReport {
                    kind: list[0].kind(),
                    path: path.clone(),
                    changed: plan.changed,
                    outcome: None,
                    warnings,
                }
            })
            .chain(side)
            .collect());
    }
    // Phase 2: write, re-planning under the lock in case a file changed since phase 1.
    let mut reports: Vec<FileReport> = Vec::with_capacity(files.len());
    for (path, list) in &files {
        let mut changed = Vec::new();
        let mut warnings = Vec::new();
        let mut edit = |current: Option<&[u8]>| -> Result<Option<Vec<u8>>> {
            Ok(plan_file(list, current, token)?.map(|plan| {
                changed = plan.changed;
                warnings = plan.warnings;
                plan.bytes
            }))
        };
        let result = if options.force {
            fs::update_file_forced(path, &mut edit)
        } else {
            fs::update_file(path, &mut edit)
        };
        let update = match result {
            Ok(update) => update,
            Err(error) => {
                return Err(Error::Partial {
                    updated: reports
                        .iter()
                        .filter(|r| r.outcome != Some(Outcome::Unchanged))
                        .map(|r| r.path.clone())
                        .collect(),
                    not_updated: files
                        .iter()
                        .skip(reports.len())
                        .map(|(p, _)| p.clone())
                        .collect(),
                    source: Box::new(error),
                });
            }
        };
        warnings.extend(update.warnings);
        warnings.extend(notes(list));
        reports.push(FileReport {
            kind: list[0].kind(),
            path: path.clone(),
            changed,
            outcome: Some(update.outcome),
            warnings,
        });
    }
    reports.extend(apply_side_files(targets, false)?);
    Ok(reports)
}

/// The side files (helper links, wrappers) of targets: what `logout` of another profile must
/// keep (see [`remove_token`]).
pub(crate) fn side_file_paths(targets: &[Box<dyn Target>]) -> Vec<PathBuf> {
    targets
        .iter()
        .flat_map(|t| t.side_files())
        .filter_map(|side| match side {
            served::SideFile::Link { path, .. } | served::SideFile::Script { path, .. } => {
                Some(path)
            }
            served::SideFile::Scrub { .. } => None,
        })
        .collect()
}

/// Removes our credentials from every target (`logout --remove-credentials`). Missing files are
/// left missing; a file nexus-token owns whole (an init script) is deleted. `expected` is the
/// token fingerprint recorded in the state. A side file that another profile still uses
/// (`in_use`, from [`side_file_paths`] of the others) stays.
pub(crate) fn remove_token(
    targets: &[Box<dyn Target>],
    expected: Option<&str>,
    in_use: &[PathBuf],
) -> Result<Vec<FileReport>> {
    let mut reports = remove_entries(targets, expected)?;
    for target in targets {
        // Wrappers before the link they exec, which stays while a wrapper uses it.
        for side in target.side_files().iter().rev() {
            reports.extend(served::remove(target.kind(), side, in_use)?);
        }
    }
    Ok(reports)
}

/// Removes our credentials from the targets' files, leaving their side files (a target that a
/// profile dropped, whose other targets may still use the link or wrapper).
pub(crate) fn remove_entries(
    targets: &[Box<dyn Target>],
    expected: Option<&str>,
) -> Result<Vec<FileReport>> {
    let mut reports = Vec::new();
    for (path, list) in by_file(targets) {
        if list.iter().all(|t| t.owns_whole_file()) {
            let outcome = fs::remove_file(&path)?;
            reports.push(FileReport {
                kind: list[0].kind(),
                changed: match outcome {
                    Outcome::Unchanged => Vec::new(),
                    _ => list.iter().flat_map(|t| t.names()).collect(),
                },
                path,
                outcome: Some(outcome),
                warnings: Vec::new(),
            });
            continue;
        }
        let mut changed = Vec::new();
        let mut warnings = Vec::new();
        let update = fs::update_file(&path, &mut |current| {
            let Some(current) = current else {
                return Ok(None);
            };
            changed.clear();
            warnings.clear();
            let mut bytes = current.to_vec();
            for target in &list {
                let plan = target.clear(&bytes, expected)?;
                changed.extend(plan.changed);
                warnings.extend(plan.warnings);
                bytes = plan.bytes;
            }
            Ok(Some(bytes))
        })?;
        warnings.extend(update.warnings);
        reports.push(FileReport {
            kind: list[0].kind(),
            path,
            changed,
            outcome: Some(update.outcome),
            warnings,
        });
    }
    Ok(reports)
}

/// Whether one target entry holds the current token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetState {
    /// Holds the token with the recorded fingerprint.
    Current,
    /// Refers to the environment that `nexus-token exec` sets (`login --env-refs`): no token in
    /// the file, as the profile wants.
    Referenced,
    /// Holds other credentials.
    Stale,
    /// No entry, no credentials or no file.
    Missing,
    /// The file cannot be read or parsed.
    Unreadable,
}

/// Whether one target entry holds the token with the fingerprint recorded in the state.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetCheck {
    /// Which kind.
    pub kind: Kind,
    /// The file.
    pub path: PathBuf,
    /// The server id or the username key.
    pub name: String,
    /// `current`, `referenced` (refers to the environment, `--env-refs`), `stale`, `missing` (no
    /// entry or file) or `unreadable`.
    pub state: TargetState,
    /// Why, when unreadable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Checks every target against the token fingerprint recorded in the state. Reads files only.
pub(crate) fn check(
    targets: &[Box<dyn Target>],
    expected_fingerprint: Option<&str>,
) -> Vec<TargetCheck> {
    let verdict = |user: Option<&str>, pass: Option<&str>| -> TargetState {
        match (user, pass, expected_fingerprint) {
            (Some(u), Some(p), Some(fp)) if fingerprint(u, p) == fp => TargetState::Current,
            (Some(_), Some(_), _) => TargetState::Stale,
            _ => TargetState::Missing,
        }
    };
    let mut checks = Vec::new();
    for target in targets {
        let path = target.path().to_path_buf();
        let entries = match fs::read_optional(&path) {
            Err(e) => target
                .names()
                .into_iter()
                .map(|n| (n, TargetState::Unreadable, Some(e.to_string())))
                .collect(),
            Ok(None) => target
                .names()
                .into_iter()
                .map(|n| (n, TargetState::Missing, None))
                .collect(),
            Ok(Some(bytes)) => target.inspect(&bytes, &verdict),
        };
        checks.extend(
            entries
                .into_iter()
                .map(|(name, state, detail)| TargetCheck {
                    kind: target.kind(),
                    path: path.clone(),
                    name,
                    state,
                    detail,
                }),
        );
    }
    checks
}

/// The outcome of one doctor finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Info,
    Warn,
    Fail,
}

/// One doctor line contributed by a target kind.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub check: &'static str,
    pub level: Level,
    pub message: String,
    pub fix: Option<String>,
}

impl Finding {
    pub(crate) fn new(
        check: &'static str,
        level: Level,
        message: impl Into<String>,
        fix: Option<String>,
    ) -> Finding {
        Finding {
            check,
            level,
            message: message.into(),
            fix,
        }
    }
}

/// The `file-mode` line of a file [`fs::safety_warnings`] found nothing wrong with. On Unix it
/// checked the mode and the owner; on Windows, where access is an ACL and there is no mode, it
/// checked nothing, and says so.
fn privacy_finding(path: &Path) -> Finding {
    if cfg!(unix) {
        Finding::new(
            "file-mode",
            Level::Ok,
            format!("`{}` is private to you", path.display()),
            None,
        )
    } else {
        Finding::new(
            "file-mode",
            Level::Info,
            format!(
                "`{}`: who may read it is not checked on Windows (its folder's access list applies; your profile folder is private by default)",
                path.display()
            ),
            None,
        )
    }
}

/// Every target's own doctor findings, then one `file-mode` line per file.
pub(crate) fn doctor(targets: &[Box<dyn Target>], env: &Env, profile: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (path, list) in by_file(targets) {
        let current = match fs::read_optional(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                findings.push(Finding::new(
                    "files-parse",
                    Level::Fail,
                    e.to_string(),
                    e.hint(),
                ));
                continue;
            }
        };
        if current.is_none() {
            findings.push(Finding::new(
                "files-parse",
                Level::Fail,
                format!("`{}` does not exist", path.display()),
                Some(format!(
                    "run `nexus-token refresh --profile {profile}` to create it"
                )),
            ));
        }
        for target in list {
            findings.extend(target.doctor(&DoctorCx {
                env,
                current: current.as_deref(),
                profile,
            }));
        }
        let warnings = fs::safety_warnings(&path);
        if warnings.is_empty() {
            if current.is_some() {
                findings.push(privacy_finding(&path));
            }
        } else {
            for w in warnings {
                findings.push(Finding::new(
                    "file-mode",
                    Level::Warn,
                    w,
                    Some(format!("chmod 600 '{}'", path.display())),
                ));
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_names_every_flag_that_names_a_target_and_no_other() {
        let hint = target_flags();
        for flag in [
            "`--gradle-init`",
            "`--maven-server ID`",
            "`--gradle-prefix P`",
            "`--gradle-keys USER_KEY,PASSWORD_KEY`",
            "`--gradle-wrapper`",
            "`--npm-registry URL`",
            "`--yarn-registry URL`",
            "`--netrc`",
            "`--pypirc NAME[=URL]`",
            "`--docker-registry HOST[:PORT]`",
            "`--cargo-registry NAME[=INDEX_URL]`",
            "`--pnpm-registry URL`",
        ] {
            assert!(hint.contains(flag), "the hint names {flag}: {hint}");
        }
        assert!(
            hint.ends_with("and/or `--go-proxy URL`"),
            "the last one after `and/or`: {hint}"
        );
        for option in [
            "--maven-settings",
            "--npmrc",
            "--netrc-file",
            "--npm-always-auth",
        ] {
            assert!(
                !hint.contains(&format!("`{option}")),
                "{option} names no target: {hint}"
            );
        }
    }

    #[test]
    fn every_kind_resolves_and_claims_its_keys() {
        let env = Env::sandboxed(Path::new("/h"));
        let mut profile: Profile = toml::from_str(
            "url = \"https://nexus.example.com/nexus\"\nusername = \"u\"\n\
             [targets.maven]\nservers = [\"corp\"]\n\
             [targets.gradle]\nkeys = [[\"corpUsername\", \"corpPassword\"]]\n\
             [targets.npm]\nregistries = [\"https://nexus.example.com/nexus/repository/npm/\"]\n\
             [targets.yarn]\nregistries = [\"https://nexus.example.com/nexus/repository/npm/\"]\n\
             [targets.netrc]\nenabled = true\n\
             [targets.pypirc]\nsections = [{ name = \"corp\" }]\n\
             [targets.docker]\nregistries = [\"nexus.example.com:8443\"]\n\
             [targets.cargo]\nregistries = [{ name = \"corp\" }]\n\
             [targets.pnpm]\nregistries = [\"https://nexus.example.com/nexus/repository/js/\"]\n\
             [targets.go]\nproxies = [\"https://nexus.example.com/nexus/repository/go/\"]\n",
        )
        .unwrap();
        let claims = |profile: &Profile| -> Vec<(&'static str, Vec<String>)> {
            resolve("p", profile, &env)
                .iter()
                .map(|t| (t.kind().name, t.claims()))
                .collect()
        };
        let npm_key = "//nexus.example.com/nexus/repository/npm/".to_owned();
        assert_eq!(
            claims(&profile),
            vec![
                ("maven", vec!["corp".to_owned()]),
                (
                    "gradle",
                    vec!["corpUsername".to_owned(), "corpPassword".to_owned()]
                ),
                ("npm", vec![npm_key.clone()]),
                (
                    "yarn",
                    vec!["//nexus.example.com/nexus/repository/npm".to_owned()]
                ),
                ("netrc", vec!["nexus.example.com".to_owned()]),
                ("pypirc", vec!["corp".to_owned()]),
                ("docker", vec!["nexus.example.com:8443".to_owned()]),
                ("cargo", vec!["corp".to_owned()]),
                (
                    "pnpm",
                    vec!["//nexus.example.com/nexus/repository/js/".to_owned()]
                ),
                (
                    "go",
                    vec!["https://nexus.example.com/nexus/repository/go".to_owned()]
                ),
            ],
            "every kind claims the keys it writes, in the order of the list of kinds"
        );
        let cx = ResolveCx {
            env: &env,
            profile: "p",
            url: &profile.url.clone(),
            config: None,
            env_refs: false,
        };
        profile.targets.retain(&cx, &|kind, key| {
            !(kind == "npm" && key == npm_key
                || kind == "yarn"
                || kind == "netrc"
                || key == "corp"
                || kind == "go")
        });
        assert_eq!(
            claims(&profile),
            vec![
                (
                    "gradle",
                    vec!["corpUsername".to_owned(), "corpPassword".to_owned()]
                ),
                ("docker", vec!["nexus.example.com:8443".to_owned()]),
                (
                    "pnpm",
                    vec!["//nexus.example.com/nexus/repository/js/".to_owned()]
                ),
            ],
            "retain drops exactly the entries it is told to, kind by kind"
        );
    }
}

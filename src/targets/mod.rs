//! The target seam: every place a token goes (a settings.xml server, gradle.properties keys, and
//! the client files to come) is one `Target`, resolved from the saved profile by
//! `Profile::targets`. Commands never look at target kinds:
//! they call `write_token`, `remove_token`, `check` and `doctor`, which loop over targets.
//!
//! Each kind lives in its own module and supplies the same four things: where its file is, a pure
//! `plan` of the new bytes with the token in, `inspect` (does the file hold the current token),
//! `clear` (logout) and its own doctor findings. Writing is two-phase: every file is planned in
//! memory first (a malformed file stops the run before anything is written), then written one by
//! one through `fs`; when a later write fails, the error names the files that already hold the
//! new token and those that do not. Several targets may share one file: their plans are applied
//! in order to the same bytes and the file is written once.
//!
//! Adding a kind: one module here, one `Target` arm, its flags in `cli.rs` and its fields in
//! `profile.rs` (docs/architecture.md has the recipe).

pub(crate) mod gradle;
pub(crate) mod gradle_init;
pub use gradle_init::render as render_gradle_init;
pub(crate) mod maven;

pub mod npm;

pub mod netrc;
pub mod pypirc;

pub mod cargo;
pub mod docker;
pub mod go;

// Served target kinds (issue 17): the config names nexus-token as a helper; side files in `served`.
pub(crate) mod pnpm;
pub(crate) mod served;

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{Error, Result};
use crate::fs::{self, Outcome};
use crate::profile::fingerprint;
use crate::secret::Secret;

/// Which kind of target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A Gradle init script that asks nexus-token at build time.
    #[serde(rename = "gradle-init")]
    GradleInit,
    /// A `<server>` of settings.xml.
    Maven,
    /// A key pair of gradle.properties.
    Gradle,
    /// A registry key of the user npmrc.
    Npm,
    /// A `machine` block of a netrc file.
    Netrc,
    /// A section of a .pypirc.
    Pypirc,
    /// A Docker registry served by the credential helper.
    Docker,
    /// A Cargo registry served by `credential-provider`.
    Cargo,
    /// A pnpm registry served by `tokenHelper`.
    Pnpm,
    /// A Go proxy served by `GOAUTH`.
    Go,
}

impl Kind {
    /// Whether the client asks nexus-token for the token (no token in its file).
    pub fn is_served(self) -> bool {
        matches!(self, Kind::Docker | Kind::Cargo | Kind::Pnpm | Kind::Go)
    }

    /// What one named entry of this kind is called in messages (`server`, `key`).
    pub fn entry_word(self) -> &'static str {
        match self {
            Kind::GradleInit => "script",
            Kind::Maven => "server",
            Kind::Gradle => "key",
            Kind::Npm => "registry",
            Kind::Netrc => "machine",
            Kind::Pypirc => "section",
            Kind::Docker | Kind::Cargo | Kind::Pnpm => "registry",
            Kind::Go => "proxy",
        }
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

/// One place a token goes.
#[derive(Debug)]
pub(crate) enum Target {
    GradleInit(gradle_init::GradleInitTarget),
    Maven(maven::MavenTarget),
    Gradle(gradle::GradleTarget),
    Npm(npm::NpmTarget),
    Netrc(netrc::NetrcTarget),
    Pypirc(pypirc::PypircTarget),
    Docker(docker::target::DockerTarget),
    Cargo(cargo::target::CargoTarget),
    Pnpm(pnpm::PnpmTarget),
    Go(go::target::GoTarget),
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
planned_from_edit!(crate::maven::Edit, crate::gradle::Edit, npm::editor::Edit);

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

impl Target {
    /// The kind.
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Target::GradleInit(_) => Kind::GradleInit,
            Target::Maven(_) => Kind::Maven,
            Target::Gradle(_) => Kind::Gradle,
            Target::Npm(_) => Kind::Npm,
            Target::Netrc(_) => Kind::Netrc,
            Target::Pypirc(_) => Kind::Pypirc,
            Target::Docker(_) => Kind::Docker,
            Target::Cargo(_) => Kind::Cargo,
            Target::Pnpm(_) => Kind::Pnpm,
            Target::Go(_) => Kind::Go,
        }
    }

    /// The file this target edits.
    pub(crate) fn path(&self) -> &Path {
        match self {
            Target::GradleInit(t) => &t.path,
            Target::Maven(t) => &t.path,
            Target::Gradle(t) => &t.path,
            Target::Npm(t) => &t.path,
            Target::Netrc(t) => &t.path,
            Target::Pypirc(t) => &t.path,
            Target::Docker(t) => &t.path,
            Target::Cargo(t) => &t.path,
            Target::Pnpm(t) => &t.path,
            Target::Go(t) => &t.path,
        }
    }

    /// Pure: the file's new bytes with the token in (`None`: leave the file as it is).
    fn plan(&self, current: Option<&[u8]>, token: &TokenValues<'_>) -> Result<Option<Planned>> {
        match self {
            Target::GradleInit(t) => t.plan(current, token),
            Target::Maven(t) => t.plan(current, token),
            Target::Gradle(t) => t.plan(current, token),
            Target::Npm(t) => t.plan(current, token),
            Target::Netrc(t) => t.plan(current, token),
            Target::Pypirc(t) => t.plan(current, token),
            Target::Docker(t) => t.plan(current, token),
            Target::Cargo(t) => t.plan(current, token),
            Target::Pnpm(t) => t.plan(current, token),
            Target::Go(t) => t.plan(current, token),
        }
    }

    /// Pure: the file's new bytes without our credentials (`logout --remove-credentials`).
    /// `expected` is the recorded token fingerprint (netrc removes only a block holding it).
    fn clear(&self, current: &[u8], expected: Option<&str>) -> Result<Planned> {
        match self {
            Target::GradleInit(t) => t.clear(current),
            Target::Maven(t) => t.clear(current),
            Target::Gradle(t) => t.clear(current),
            Target::Npm(t) => t.clear(current),
            Target::Netrc(t) => t.clear(current, expected),
            Target::Pypirc(t) => t.clear(current),
            Target::Docker(t) => t.clear(current),
            Target::Cargo(t) => t.clear(current),
            Target::Pnpm(t) => t.clear(current),
            Target::Go(t) => t.clear(current),
        }
    }

    /// Whether each entry holds the token with the given fingerprint.
    fn inspect(
        &self,
        current: &[u8],
        verdict: &dyn Fn(Option<&str>, Option<&str>) -> State,
    ) -> Vec<(String, State, Option<String>)> {
        match self {
            Target::GradleInit(t) => t.inspect(current),
            Target::Maven(t) => t.inspect(current, verdict),
            Target::Gradle(t) => t.inspect(current, verdict),
            Target::Npm(t) => t.inspect(current, verdict),
            Target::Netrc(t) => t.inspect(current, verdict),
            Target::Pypirc(t) => t.inspect(current, verdict),
            // Served kinds hold no token: `current` means the config runs this binary.
            Target::Docker(t) => t.inspect(current),
            Target::Cargo(t) => t.inspect(current),
            Target::Pnpm(t) => t.inspect(current),
            Target::Go(t) => t.inspect(current),
        }
    }

    /// The entry names, for messages about a file that cannot be read.
    fn names(&self) -> Vec<String> {
        match self {
            Target::GradleInit(t) => vec![t.name()],
            Target::Maven(t) => t.servers.clone(),
            Target::Gradle(t) => t.keys.iter().map(|(u, _)| u.clone()).collect(),
            Target::Npm(t) => t.registries.clone(),
            Target::Netrc(t) => t.names(),
            Target::Pypirc(t) => t.names(),
            Target::Docker(t) => t.hosts.clone(),
            Target::Cargo(t) => t.names(),
            Target::Pnpm(t) => t.registries.clone(),
            Target::Go(t) => t.names(),
        }
    }

    /// Warnings that do not depend on the file's bytes (environment overrides, shadowing files).
    fn notes(&self, env: &Env) -> Vec<String> {
        match self {
            Target::GradleInit(_) => Vec::new(),
            Target::Maven(_) => Vec::new(),
            Target::Gradle(t) => t.notes(env),
            Target::Npm(t) => t.notes(env),
            Target::Netrc(t) => t.notes(env),
            Target::Pypirc(_) => Vec::new(),
            Target::Docker(t) => t.notes(env),
            Target::Cargo(_) | Target::Pnpm(_) => Vec::new(),
            Target::Go(t) => t.notes(env),
        }
    }

    /// This kind's own doctor findings (parse problems Maven would reject, overrides, ...).
    fn doctor(&self, env: &Env, current: Option<&[u8]>, profile: &str) -> Vec<Finding> {
        match self {
            Target::GradleInit(t) => t.doctor(env, current, profile),
            Target::Maven(t) => t.doctor(current, profile),
            Target::Gradle(t) => t.doctor(env, current, profile),
            Target::Npm(t) => t.doctor(env, current, profile),
            Target::Netrc(t) => t.doctor(env, current),
            Target::Pypirc(t) => t.doctor(current, profile),
            Target::Docker(t) => t.doctor(current, profile),
            Target::Cargo(t) => t.doctor(current, profile),
            Target::Pnpm(t) => t.doctor(current, profile),
            Target::Go(t) => t.doctor(env, current, profile),
        }
    }

    /// Whether nexus-token owns the whole file, so that logout deletes it instead of writing
    /// what `clear` leaves.
    fn owns_file(&self) -> bool {
        matches!(self, Target::GradleInit(_))
    }

    /// Files a served kind needs beside its config edit (the helper link, the pnpm wrapper, a
    /// cleaned `credentials.toml`), with the binary they must point at; see [`served`].
    fn side_files(&self) -> Option<(Vec<served::SideFile>, &Path)> {
        match self {
            Target::Maven(_)
            | Target::Gradle(_)
            | Target::GradleInit(_)
            | Target::Npm(_)
            | Target::Netrc(_)
            | Target::Pypirc(_) => None,
            Target::Docker(t) => Some((t.side_files(), &t.exe)),
            Target::Cargo(t) => Some((t.side_files(), &t.exe)),
            Target::Pnpm(t) => Some((t.side_files(), &t.exe)),
            Target::Go(t) => Some((t.side_files(), &t.exe)),
        }
    }
}

/// Creates or updates every target's side files (after the config files were written), or
/// reports what would change in a dry run.
fn apply_side_files(targets: &[Target], dry_run: bool) -> Result<Vec<FileReport>> {
    let mut reports = Vec::new();
    for target in targets {
        for side in target.side_files().map(|(s, _)| s).unwrap_or_default() {
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
fn by_file(targets: &[Target]) -> Vec<(PathBuf, Vec<&Target>)> {
    let mut files: Vec<(PathBuf, Vec<&Target>)> = Vec::new();
    for target in targets {
        match files.iter_mut().find(|(p, _)| p == target.path()) {
            Some((_, list)) => list.push(target),
            None => files.push((target.path().to_path_buf(), vec![target])),
        }
    }
    files
}

/// Applies every target's plan for one file in order: `None` when nothing would change.
fn plan_file(
    targets: &[&Target],
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
pub(crate) fn preflight(targets: &[Target]) -> Result<()> {
    if targets.is_empty() {
        return Err(Error::usage(
            "no targets: nothing would receive the token",
            Some("name the targets: `--maven-server ID`, `--gradle-prefix NAME`, `--gradle-init`, `--npm-registry URL`, `--netrc`, `--pypirc NAME=URL`, `--docker-registry HOST`, `--cargo-registry NAME`, `--pnpm-registry URL` and/or `--go-proxy URL`".into()),
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
    targets: &[Target],
    env: &Env,
    token: &TokenValues<'_>,
    options: WriteOptions,
) -> Result<Vec<FileReport>> {
    let files = by_file(targets);
    // Phase 1: plan everything.
    let mut planned = Vec::with_capacity(files.len());
    for (path, list) in &files {
        let current = fs::read_optional(path)?;
        planned.push(plan_file(list, current.as_deref(), token)?);
    }
    let notes = |list: &[&Target]| -> Vec<String> {
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

/// Removes our credentials from every target (`logout --remove-credentials`). Missing files are
/// left missing; a file nexus-token owns whole (an init script) is deleted. `expected` is the
/// token fingerprint recorded in the state.
pub(crate) fn remove_token(targets: &[Target], expected: Option<&str>) -> Result<Vec<FileReport>> {
    let mut reports = Vec::new();
    for (path, list) in by_file(targets) {
        if list.iter().all(|t| t.owns_file()) {
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
    for target in targets {
        let Some((sides, exe)) = target.side_files() else {
            continue;
        };
        for side in &sides {
            reports.extend(served::remove(target.kind(), side, exe)?);
        }
    }
    Ok(reports)
}

/// Whether one target entry holds the current token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Holds the token with the recorded fingerprint.
    Current,
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
    /// `current`, `stale`, `missing` (no entry or file) or `unreadable`.
    pub state: State,
    /// Why, when unreadable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Checks every target against the token fingerprint recorded in the state. Reads files only.
pub(crate) fn check(targets: &[Target], expected_fingerprint: Option<&str>) -> Vec<TargetCheck> {
    let verdict = |user: Option<&str>, pass: Option<&str>| -> State {
        match (user, pass, expected_fingerprint) {
            (Some(u), Some(p), Some(fp)) if fingerprint(u, p) == fp => State::Current,
            (Some(_), Some(_), _) => State::Stale,
            _ => State::Missing,
        }
    };
    let mut checks = Vec::new();
    for target in targets {
        let path = target.path().to_path_buf();
        let entries = match fs::read_optional(&path) {
            Err(e) => target
                .names()
                .into_iter()
                .map(|n| (n, State::Unreadable, Some(e.to_string())))
                .collect(),
            Ok(None) => target
                .names()
                .into_iter()
                .map(|n| (n, State::Missing, None))
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

/// Every target's own doctor findings, then one `file-mode` line per file.
pub(crate) fn doctor(targets: &[Target], env: &Env, profile: &str) -> Vec<Finding> {
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
            findings.extend(target.doctor(env, current.as_deref(), profile));
        }
        let warnings = fs::safety_warnings(&path);
        if warnings.is_empty() {
            if current.is_some() {
                findings.push(Finding::new(
                    "file-mode",
                    Level::Ok,
                    format!("`{}` is private to you", path.display()),
                    None,
                ));
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

//! `doctor`: one line per check, with the fix when it fails. Server reachable, family and
//! edition, keyring and stored password, login accepted and user tokens available, files parse,
//! token expiry, files parse, files hold the current token, file modes, duplicate server ids,
//! Gradle overrides, schedule. Exits 1 when a check fails; warnings and a missing schedule are not
//! failures. It never changes a file or the server's token; the one thing it records is a
//! rejected password (the profile is paused, as `refresh` would), so repeated runs cannot lock
//! the account.

use serde::Serialize;

use crate::cli::DoctorArgs;
use crate::error::{Error, ExitStatus, Result};
use crate::nexus::Family;
use crate::profile::{Config, Profile, ProfileState, State, fingerprint};
use crate::secret::Secret;
use crate::store::service_name;
use crate::targets;
use crate::{fs, gradle, maven, schedule};

use super::refresh::{ExpiryPolicy, days_left, margin_ms, now_ms};
use super::status::format_ms;
use super::{Context, client_for};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Info,
    Warn,
    Fail,
}

/// One line of `doctor`.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The profile it concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Short check name, stable for scripts (e.g. `server`, `keyring`, `files-current`).
    pub check: &'static str,
    pub level: Level,
    pub message: String,
    /// What to do, when not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

struct Checks {
    profile: Option<String>,
    items: Vec<Check>,
}

impl Checks {
    fn add(
        &mut self,
        check: &'static str,
        level: Level,
        message: impl Into<String>,
        fix: Option<String>,
    ) {
        self.items.push(Check {
            profile: self.profile.clone(),
            check,
            level,
            message: message.into(),
            fix,
        });
    }
}

pub(super) fn run(ctx: &Context<'_>, args: &DoctorArgs) -> Result<ExitStatus> {
    let mut checks = Checks {
        profile: None,
        items: Vec::new(),
    };
    let config = match Config::load(&ctx.config_path) {
        Ok(c) => c,
        Err(e) => {
            checks.add("config", Level::Fail, e.to_string(), e.hint());
            return finish(ctx, args, checks.items);
        }
    };
    let state = State::load(&ctx.state_path).unwrap_or_default();
    if config.profiles.is_empty() {
        checks.add(
            "config",
            Level::Fail,
            format!("no saved profile in `{}`", ctx.config_path.display()),
            Some("run `nexus-token login --url URL --username USER`".into()),
        );
    } else {
        checks.add(
            "config",
            Level::Ok,
            format!("profiles file `{}` parses", ctx.config_path.display()),
            None,
        );
    }
    if let Some(only) = &args.profile
        && !config.profiles.contains_key(only)
    {
        return Err(Error::usage(
            format!("no saved profile named `{only}`"),
            None,
        ));
    }
    for (name, profile) in &config.profiles {
        if args.profile.as_ref().is_some_and(|only| only != name) {
            continue;
        }
        checks.profile = Some(name.clone());
        let ps = state.profiles.get(name).cloned().unwrap_or_default();
        check_profile(ctx, name, profile, &ps, &mut checks);
    }
    checks.profile = None;
    check_schedule(ctx, &state, &mut checks);
    finish(ctx, args, checks.items)
}

fn check_profile(
    ctx: &Context<'_>,
    name: &str,
    profile: &Profile,
    ps: &ProfileState,
    checks: &mut Checks,
) {
    // Server, family, edition.
    let client = match client_for(ctx, profile) {
        Ok(c) => Some(c),
        Err(e) => {
            checks.add("server", Level::Fail, e.to_string(), e.hint());
            None
        }
    };
    let mut family = profile.api.or(ps.family);
    let mut server_ok = false;
    if let Some(client) = &client {
        match client.detect() {
            Ok(d) => {
                let what = format!(
                    "{} answers: Nexus {} {}, API `{}`",
                    profile.url,
                    d.version.as_deref().unwrap_or("(version hidden)"),
                    d.edition.as_deref().unwrap_or(""),
                    d.family
                );
                checks.add("server", Level::Ok, what.replace("  ", " "), None);
                server_ok = true;
                if let Some(forced) = profile.api.filter(|f| *f != d.family) {
                    checks.add(
                        "family",
                        Level::Warn,
                        format!(
                            "the profile forces `--api {forced}` but the server looks like `{}`",
                            d.family
                        ),
                        Some(format!(
                            "run `nexus-token login --profile {name} --api auto`"
                        )),
                    );
                }
                match d.has_user_tokens() {
                    Some(false) => {
                        server_ok = false;
                        checks.add(
                            "edition",
                            Level::Fail,
                            format!(
                                "the {} edition has no user tokens",
                                d.edition.as_deref().unwrap_or("unknown")
                            ),
                            Some(format!(
                                "user tokens need Nexus Pro: ask your administrator, or point the profile at a Pro server with `nexus-token login --profile {name} --url URL`"
                            )),
                        );
                    }
                    Some(true) => checks.add(
                        "edition",
                        Level::Ok,
                        format!("the {} edition has user tokens", d.edition.as_deref().unwrap_or("")),
                        None,
                    ),
                    None => checks.add(
                        "edition",
                        Level::Info,
                        "the server does not tell its edition; the token check below shows whether it has user tokens",
                        None,
                    ),
                }
                family = family.or(Some(d.family));
            }
            Err(e) => checks.add("server", Level::Fail, e.to_string(), e.hint()),
        }
    }

    // Keyring and stored password.
    let mut password = None;
    if profile.keyring {
        let service = service_name(&profile.url);
        match ctx
            .store()
            .and_then(|s| s.get(&service, &profile.username).map_err(Error::from))
        {
            Ok(Some(p)) => {
                checks.add(
                    "keyring",
                    Level::Ok,
                    format!("the password of `{}` is in the keyring", profile.username),
                    None,
                );
                password = Some(p);
            }
            Ok(None) => checks.add(
                "keyring",
                Level::Fail,
                format!(
                    "no stored password for `{}` at {}",
                    profile.username, profile.url
                ),
                Some(format!(
                    "run `nexus-token login --profile {name}` to store it"
                )),
            ),
            Err(e) => checks.add("keyring", Level::Fail, e.to_string(), e.hint()),
        }
    } else {
        checks.add(
            "keyring",
            Level::Info,
            "saved with `--no-keyring`: the token is checked only by `refresh --password-stdin`",
            None,
        );
    }

    // Login accepted, user tokens available, expiry.
    let mut current_fp = ps.token_fingerprint.clone();
    if let Some(rejected) = &ps.rejected {
        checks.add(
            "login",
            Level::Fail,
            format!(
                "refresh is paused: Nexus rejected the stored password at {} ({}); nexus-token does not contact Nexus for this profile",
                rejected.at, rejected.reason
            ),
            Some(format!("run `nexus-token login --profile {name}` with your current password")),
        );
    } else if let (Some(client), Some(family), Some(password), true) =
        (&client, family, &password, server_ok)
    {
        match client.fetch_token(family, &profile.username, password) {
            Ok(token) => {
                checks.add(
                    "token",
                    Level::Ok,
                    "Nexus accepts the stored password and issues a user token",
                    None,
                );
                current_fp = Some(fingerprint(&token.name_code, token.pass_code.expose()));
                check_expiry(
                    name,
                    client,
                    family,
                    &profile.username,
                    password,
                    token.created.as_deref(),
                    checks,
                );
            }
            Err(e) if e.is_rejected_login() => {
                // Like `refresh`: one rejection pauses the profile, so that neither a scheduled
                // refresh nor another doctor run can lock the account.
                let mut paused = ps.clone();
                paused.note_rejection(&e);
                let recorded = State::update_profile(&ctx.state_path, name, &paused).is_ok();
                checks.add(
                    "login",
                    Level::Fail,
                    format!(
                        "{e}{}",
                        if recorded {
                            "; refresh of this profile is paused until `login` succeeds"
                        } else {
                            ""
                        }
                    ),
                    Some(format!(
                        "run `nexus-token login --profile {name}` with your current password"
                    )),
                );
            }
            Err(e) => checks.add("token", Level::Fail, e.to_string(), e.hint()),
        }
    }

    // Files: parse, duplicates, modes, current token.
    if !profile.maven.is_empty() {
        let path = targets::maven_settings(profile, ctx.env);
        if let Some(bytes) = read_target(checks, name, &path) {
            match maven::duplicate_ids(&bytes) {
                Ok(dups) => {
                    checks.add(
                        "files-parse",
                        Level::Ok,
                        format!("`{}` parses", path.display()),
                        None,
                    );
                    let ours: Vec<&String> = dups
                        .iter()
                        .filter(|d| profile.maven.servers.contains(d))
                        .collect();
                    if !dups.is_empty() {
                        checks.add(
                            "duplicate-ids",
                            if ours.is_empty() { Level::Info } else { Level::Warn },
                            format!("`{}` has several `<server>` entries with the id(s) {}: Maven uses the first", path.display(), dups.join(", ")),
                            Some(format!(
                                "delete the later `<server>` entries with the id(s) {} from `{}` by hand (nexus-token edits only the first)",
                                dups.join(", "),
                                path.display()
                            )),
                        );
                    }
                }
                Err(e) => checks.add(
                    "files-parse",
                    Level::Fail,
                    format!("`{}`: {e}", path.display()),
                    Some("fix the file at that line and column".into()),
                ),
            }
        }
    }
    if !profile.gradle.is_empty() {
        let path = targets::gradle_properties(profile, ctx.env);
        if let Some(bytes) = read_target(checks, name, &path) {
            match gradle::parse(&bytes) {
                Ok(_) => checks.add(
                    "files-parse",
                    Level::Ok,
                    format!("`{}` parses", path.display()),
                    None,
                ),
                Err(e) => checks.add(
                    "files-parse",
                    Level::Fail,
                    format!("`{}`: {e}", path.display()),
                    Some("fix the file at that line".into()),
                ),
            }
        }
        let keys: Vec<&str> = profile
            .gradle
            .keys
            .iter()
            .flat_map(|(u, p)| [u.as_str(), p.as_str()])
            .collect();
        for key in gradle::overridden_by_env(&keys, &ctx.env.gradle_project_overrides()) {
            checks.add(
                "gradle-override",
                Level::Warn,
                format!(
                    "`ORG_GRADLE_PROJECT_{key}` is set and overrides `{key}` from `{}`",
                    path.display()
                ),
                Some(format!(
                    "unset `ORG_GRADLE_PROJECT_{key}` (check your shell profile and CI variables)"
                )),
            );
        }
        // A target elsewhere than the user-home file loses to it.
        let home_file = ctx.env.gradle_properties();
        if home_file != path {
            for key in keys_set_in(&home_file, &keys) {
                checks.add(
                    "gradle-override",
                    Level::Warn,
                    format!(
                        "`{}` also sets `{key}` and Gradle prefers it over `{}`",
                        home_file.display(),
                        path.display()
                    ),
                    Some(format!("remove `{key}` from `{}`", home_file.display())),
                );
            }
        }
        // The project's own file (doctor run in the project directory).
        let project = std::env::current_dir().map(|cwd| cwd.join("gradle.properties"));
        if let Ok(project) = project
            && project != path
            && project != home_file
        {
            for key in keys_set_in(&project, &keys) {
                checks.add(
                    "gradle-override",
                    Level::Warn,
                    format!(
                        "the project's `{}` also sets `{key}`: Gradle prefers the user-home file, but a build with another `GRADLE_USER_HOME` (CI, containers) reads this one",
                        project.display()
                    ),
                    Some(format!("remove `{key}` from `{}`", project.display())),
                );
            }
        }
    }
    for t in targets::check(profile, ctx.env, current_fp.as_deref()) {
        let (level, message, fix) = match t.state {
            "current" => (
                Level::Ok,
                format!("`{}` {} holds the current token", t.path.display(), t.name),
                None,
            ),
            "stale" => (
                Level::Fail,
                format!(
                    "`{}` {} holds another value than the current token",
                    t.path.display(),
                    t.name
                ),
                Some(format!("run `nexus-token refresh --profile {name}`")),
            ),
            "missing" => (
                Level::Fail,
                format!("`{}` has no credentials for {}", t.path.display(), t.name),
                Some(format!("run `nexus-token refresh --profile {name}`")),
            ),
            _ => (
                Level::Fail,
                format!(
                    "`{}`: {}",
                    t.path.display(),
                    t.detail.clone().unwrap_or_default()
                ),
                Some("fix the file".into()),
            ),
        };
        checks.add("files-current", level, message, fix);
    }
    let mut paths = Vec::new();
    if !profile.maven.is_empty() {
        paths.push(targets::maven_settings(profile, ctx.env));
    }
    if !profile.gradle.is_empty() {
        paths.push(targets::gradle_properties(profile, ctx.env));
    }
    for path in paths {
        let warnings = fs::safety_warnings(&path);
        if warnings.is_empty() {
            if path.exists() {
                checks.add(
                    "file-mode",
                    Level::Ok,
                    format!("`{}` is private to you", path.display()),
                    None,
                );
            }
        } else {
            for w in warnings {
                checks.add(
                    "file-mode",
                    Level::Warn,
                    w,
                    Some(format!("chmod 600 '{}'", path.display())),
                );
            }
        }
    }
}

/// The keys among `keys` that the file at `path` sets (none when it is missing or unreadable).
fn keys_set_in<'k>(path: &std::path::Path, keys: &[&'k str]) -> Vec<&'k str> {
    let Ok(Some(bytes)) = fs::read_optional(path) else {
        return Vec::new();
    };
    keys.iter()
        .copied()
        .filter(|key| matches!(gradle::read_property(&bytes, key), Ok(Some(_))))
        .collect()
}

fn check_expiry(
    name: &str,
    client: &crate::nexus::Client,
    family: Family,
    username: &str,
    password: &Secret<String>,
    created: Option<&str>,
    checks: &mut Checks,
) {
    if family != Family::Nexus3 {
        checks.add(
            "token-expiry",
            Level::Ok,
            format!("the `{family}` API has no token expiry"),
            None,
        );
        return;
    }
    let refresh = Some(format!(
        "run `nexus-token refresh --profile {name}` (it generates a new token)"
    ));
    match client.token_attributes(username, password) {
        Ok(Some(attrs)) if attrs.expiration_enabled => {
            let Some(at) = attrs.expires_at_ms else {
                checks.add(
                    "token-expiry",
                    Level::Info,
                    "the server expires tokens but does not say when this one does",
                    None,
                );
                return;
            };
            let now = now_ms();
            let days = days_left(at, now);
            let when = format_ms(at).unwrap_or_else(|| at.to_string());
            if at <= now {
                checks.add(
                    "token-expiry",
                    Level::Fail,
                    format!("the token expired at {when}"),
                    refresh,
                );
            } else if at - now <= margin_ms(ExpiryPolicy::from_flag(None, false), created, at) {
                checks.add(
                    "token-expiry",
                    Level::Warn,
                    format!("the token expires at {when} ({days} day(s) left)"),
                    refresh,
                );
            } else {
                checks.add(
                    "token-expiry",
                    Level::Ok,
                    format!("the token expires at {when} ({days} day(s) left)"),
                    None,
                );
            }
        }
        Ok(_) => checks.add(
            "token-expiry",
            Level::Ok,
            "the server does not expire tokens",
            None,
        ),
        Err(e) => checks.add(
            "token-expiry",
            Level::Warn,
            format!("could not read the token expiry: {e}"),
            e.hint(),
        ),
    }
}

/// A target file's bytes; a missing or unreadable file becomes a failing `files-parse` line.
fn read_target(checks: &mut Checks, name: &str, path: &std::path::Path) -> Option<Vec<u8>> {
    match fs::read_optional(path) {
        Ok(Some(bytes)) => Some(bytes),
        Ok(None) => {
            checks.add(
                "files-parse",
                Level::Fail,
                format!("`{}` does not exist", path.display()),
                Some(format!(
                    "run `nexus-token refresh --profile {name}` to create it"
                )),
            );
            None
        }
        Err(e) => {
            checks.add("files-parse", Level::Fail, e.to_string(), e.hint());
            None
        }
    }
}

fn check_schedule(ctx: &Context<'_>, state: &State, checks: &mut Checks) {
    let last = state
        .profiles
        .values()
        .filter_map(|p| p.last_success.clone())
        .max();
    match schedule::installed(ctx.env) {
        Some(installed) => {
            let message = format!(
                "a periodic refresh is installed: {installed}; last successful refresh: {}",
                last.as_deref().unwrap_or("never")
            );
            let failing: Vec<&str> = state
                .profiles
                .iter()
                .filter(|(_, p)| p.last_error.is_some() || p.rejected.is_some())
                .map(|(n, _)| n.as_str())
                .collect();
            if failing.is_empty() {
                checks.add("schedule", Level::Ok, message, None);
            } else {
                checks.add(
                    "schedule",
                    Level::Warn,
                    format!("{message}; the last refresh of {} failed", failing.join(", ")),
                    Some("run `nexus-token refresh -v` to see why (and `nexus-token status` for the last error)".into()),
                );
            }
        }
        None => checks.add(
            "schedule",
            Level::Info,
            format!(
                "no periodic refresh is installed; last successful refresh: {}",
                last.as_deref().unwrap_or("never")
            ),
            Some("run `nexus-token schedule` to refresh every 12 hours".into()),
        ),
    }
}

fn finish(ctx: &Context<'_>, args: &DoctorArgs, items: Vec<Check>) -> Result<ExitStatus> {
    let failed = items.iter().any(|c| c.level == Level::Fail);
    if args.json {
        let text = serde_json::to_string_pretty(
            &serde_json::json!({ "schema": 1, "ok": !failed, "checks": items }),
        )
        .map_err(|e| {
            Error::other(
                ExitStatus::Failure,
                format!("cannot render the checks: {e}"),
                None,
            )
        })?;
        ctx.ui.data(&text);
    } else {
        let mut out = String::new();
        for c in &items {
            let mark = match c.level {
                Level::Ok => "ok  ",
                Level::Info => "info",
                Level::Warn => "warn",
                Level::Fail => "FAIL",
            };
            let prefix = c
                .profile
                .as_deref()
                .map(|p| format!("[{p}] "))
                .unwrap_or_default();
            out.push_str(&format!("{mark} {prefix}{}\n", c.message));
            if let Some(fix) = &c.fix {
                out.push_str(&format!("       fix: {fix}\n"));
            }
        }
        ctx.ui.data(out.trim_end());
    }
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

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
use crate::expiry::{ExpiryPolicy, days_left, margin_ms, now_ms};
use crate::fingerprint::fingerprint;
use crate::nexus::{Family, UserToken};
use crate::profile::{Config, Profile, ProfileState, State, rfc3339};
use crate::schedule;
use crate::secret::Secret;
use crate::session::Session;
use crate::targets::{self, TargetState};

pub(super) use crate::targets::Level;

use super::status::format_ms;
use super::{Context, read_keyring_password};

/// One line of `doctor`.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Check {
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
    let session = check_server(ctx, name, profile, ps, checks);
    if profile.imported {
        // A pasted token: checked with one request, never fetched; expiry warned 14 days ahead.
        let (findings, current_fp) = crate::imported::doctor(
            ctx,
            name,
            profile,
            ps,
            session.as_ref().map(|s| (s.client(), s.family())),
        );
        for f in findings {
            checks.add(f.check, f.level, f.message, f.fix);
        }
        check_files(ctx, name, profile, current_fp.as_deref(), checks);
        if profile.keyring {
            check_served_commands(ctx, name, profile, checks);
        }
        return;
    }
    let password = check_keyring(ctx, name, profile, checks);
    let keyring_answered = password.is_some();
    let mut current_fp = ps.token_fingerprint.clone();
    let mut live_fp = None;
    if let Some(rejected) = &ps.rejected {
        checks.add(
            "login",
            Level::Fail,
            format!(
                "refresh is paused: Nexus rejected the stored password at {} ({}); nexus-token does not contact Nexus for this profile",
                rfc3339(rejected.at),
                rejected.reason
            ),
            Some(format!("run `nexus-token login --profile {name}` with your current password")),
        );
    } else if let (Some(mut session), Some(password)) = (session, password) {
        session.use_password(password);
        if let Some(token) = check_token(name, &mut session, checks) {
            current_fp = Some(fingerprint(&token.name_code, token.pass_code.expose()));
            live_fp.clone_from(&current_fp);
        }
    }
    check_files(ctx, name, profile, current_fp.as_deref(), checks);
    if keyring_answered || !profile.keyring {
        // A keyring that failed was reported once, by the `keyring` line.
        check_token_cache(ctx, name, profile, ps, live_fp.as_deref(), checks);
    }
    if keyring_answered {
        check_served_commands(ctx, name, profile, checks);
    }
}

/// Runs each served config's command once, as its client would, to prove that it answers for
/// this profile (the answer is checked, never shown). Skipped with an in-memory keyring (tests,
/// the demo): a child process could not see it.
fn check_served_commands(ctx: &Context<'_>, name: &str, profile: &Profile, checks: &mut Checks) {
    if ctx.store().is_ok_and(|s| s.name() == "memory") {
        return;
    }
    for probe in targets::probe::probes(&targets::resolve(name, profile, ctx.env)) {
        let finding = targets::probe::run(&probe, name);
        checks.add(finding.check, finding.level, finding.message, finding.fix);
    }
}

/// Served targets: whether the token cache in the keyring holds the live token Nexus just
/// answered (`live_fp`), else the one the state recorded. A cache that holds another token than
/// Nexus fails: served clients would get a token the server no longer has until the cache's max
/// age sends them to Nexus. Reads the keyring only.
fn check_token_cache(
    ctx: &Context<'_>,
    name: &str,
    profile: &Profile,
    ps: &ProfileState,
    live_fp: Option<&str>,
    checks: &mut Checks,
) {
    let served = targets::resolve(name, profile, ctx.env)
        .iter()
        .any(|t| t.kind().is_served());
    if !served {
        return;
    }
    if !profile.keyring {
        checks.add(
            "token-cache",
            Level::Fail,
            "the profile was saved with --no-keyring: Docker, Cargo and pnpm cannot be served its token",
            Some(format!(
                "run `nexus-token login --profile {name}` without `--no-keyring`"
            )),
        );
        return;
    }
    let refresh = Some(format!("run `nexus-token refresh --profile {name}`"));
    let cached = match crate::session::peek_cached(ctx, profile) {
        Ok(cached) => cached,
        Err(e) => return checks.add("token-cache", Level::Fail, e.to_string(), e.hint()),
    };
    let Some((token, _)) = cached else {
        return checks.add(
            "token-cache",
            Level::Warn,
            "the token cache in the keyring is empty: the next served call asks Nexus",
            refresh,
        );
    };
    let cached_fp = fingerprint(&token.name_code, token.pass_code.expose());
    match live_fp {
        Some(live) if live == cached_fp => checks.add(
            "token-cache",
            Level::Ok,
            "the token cache in the keyring holds the token Nexus answers now",
            None,
        ),
        Some(_) => checks.add(
            "token-cache",
            Level::Fail,
            "the token cache in the keyring holds another token than Nexus answers now (reset on the server?): Docker, Cargo and pnpm get 401 until it is replaced",
            refresh,
        ),
        None if ps.token_fingerprint.as_deref() == Some(cached_fp.as_str()) => checks.add(
            "token-cache",
            Level::Info,
            "the token cache in the keyring holds the token last fetched (Nexus was not asked)",
            None,
        ),
        None => checks.add(
            "token-cache",
            Level::Warn,
            "the token cache in the keyring does not hold the token last fetched: the next served call asks Nexus",
            refresh,
        ),
    }
}

/// Server reachable, family and edition. Returns the session (the family chosen by `session`)
/// when the server can issue user tokens.
fn check_server<'c, 'a>(
    ctx: &'c Context<'a>,
    name: &str,
    profile: &Profile,
    ps: &ProfileState,
    checks: &mut Checks,
) -> Option<Session<'c, 'a>> {
    let session = match Session::probed(ctx, name, profile.clone(), ps.clone()) {
        Ok(s) => s,
        Err(e) => {
            checks.add("server", Level::Fail, e.to_string(), e.hint());
            return None;
        }
    };
    let d = session.detection.clone()?;
    let what = format!(
        "{} answers: Nexus {} {}, API `{}`",
        profile.url,
        d.version.as_deref().unwrap_or("(version hidden)"),
        d.edition.as_deref().unwrap_or(""),
        d.family
    );
    checks.add("server", Level::Ok, what.replace("  ", " "), None);
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
            return None;
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
    Some(session)
}

/// The keyring answers and holds the password.
fn check_keyring(
    ctx: &Context<'_>,
    name: &str,
    profile: &Profile,
    checks: &mut Checks,
) -> Option<Secret<String>> {
    if !profile.keyring {
        checks.add(
            "keyring",
            Level::Info,
            "saved with `--no-keyring`: the token is checked only by `refresh --password-stdin`",
            None,
        );
        return None;
    }
    match read_keyring_password(ctx, name, profile) {
        Ok(p) => {
            checks.add(
                "keyring",
                Level::Ok,
                format!("the password of `{}` is in the keyring", profile.username),
                None,
            );
            Some(p)
        }
        Err(e) => {
            checks.add("keyring", Level::Fail, e.to_string(), e.hint());
            None
        }
    }
}

/// Nexus accepts the password and issues a token (and whether it expired). A rejection pauses
/// the profile, as `refresh` would (the session records it).
fn check_token(
    name: &str,
    session: &mut Session<'_, '_>,
    checks: &mut Checks,
) -> Option<UserToken> {
    match session.fetch_token() {
        Ok(token) => {
            checks.add(
                "token",
                Level::Ok,
                "Nexus accepts the stored password and issues a user token",
                None,
            );
            check_expiry(name, session, token.created.as_deref(), checks);
            Some(token)
        }
        Err(Error::Nexus(crate::nexus::Error::TokenExpired { .. })) => {
            checks.add(
                "token-expiry",
                Level::Fail,
                "Nexus says the user token has expired: builds get 401",
                Some(format!(
                    "run `nexus-token refresh --profile {name}` (it generates a new token)"
                )),
            );
            None
        }
        Err(Error::Nexus(e)) if e.is_rejected_login() => {
            // Like `refresh`: one rejection pauses the profile (the session saved the state
            // before returning the rejection), so that neither a scheduled refresh nor another
            // doctor run can lock the account.
            checks.add(
                "login",
                Level::Fail,
                format!("{e}; refresh of this profile is paused until `login` succeeds"),
                Some(format!(
                    "run `nexus-token login --profile {name}` with your current password"
                )),
            );
            None
        }
        Err(e) => {
            checks.add("token", Level::Fail, e.to_string(), e.hint());
            None
        }
    }
}

/// Every target's own findings, and whether each holds the current token.
fn check_files(
    ctx: &Context<'_>,
    name: &str,
    profile: &Profile,
    current_fp: Option<&str>,
    checks: &mut Checks,
) {
    // One owner per target: a conflict from a hand-edited profiles file fails, in the words
    // refresh warns with; the profile is checked on the targets it owns.
    let config = crate::profile::Config::load(&ctx.config_path).unwrap_or_default();
    let (targets, conflicts) = targets::owners::owned(&config, ctx.env, name, profile);
    for c in conflicts {
        checks.add("one-owner", Level::Fail, c.message(), Some(c.fix()));
    }
    for finding in targets::doctor(&targets, ctx.env, name) {
        checks.add(finding.check, finding.level, finding.message, finding.fix);
    }
    for t in targets::check(&targets, current_fp) {
        let (level, message, fix) = match (t.state, t.kind.served) {
            (TargetState::Current, Some(means)) => (
                Level::Ok,
                format!("`{}` {} is {means}", t.path.display(), t.name),
                None,
            ),
            (TargetState::Current, None) => (
                Level::Ok,
                format!("`{}` {} holds the current token", t.path.display(), t.name),
                None,
            ),
            (TargetState::Referenced, _) => (
                Level::Ok,
                format!(
                    "`{}` {} refers to the environment (builds run through `nexus-token exec`)",
                    t.path.display(),
                    t.name
                ),
                None,
            ),
            (TargetState::Stale, _) => (
                Level::Fail,
                match &t.detail {
                    Some(detail) => format!("`{}` {}: {detail}", t.path.display(), t.name),
                    None => format!(
                        "`{}` {} holds another value than the current token",
                        t.path.display(),
                        t.name
                    ),
                },
                Some(format!("run `nexus-token refresh --profile {name}`")),
            ),
            (TargetState::Missing, _) => (
                Level::Fail,
                format!("`{}` has no credentials for {}", t.path.display(), t.name),
                Some(format!("run `nexus-token refresh --profile {name}`")),
            ),
            (TargetState::Unreadable, _) => (
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
}

fn check_expiry(name: &str, session: &Session<'_, '_>, created: Option<&str>, checks: &mut Checks) {
    let family = session.family();
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
    match session.token_attributes() {
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
                    format!(
                        "the token expires at {when} ({} left)",
                        crate::ui::count(days, "day")
                    ),
                    refresh,
                );
            } else {
                checks.add(
                    "token-expiry",
                    Level::Ok,
                    format!(
                        "the token expires at {when} ({} left)",
                        crate::ui::count(days, "day")
                    ),
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
        Err(Error::Nexus(crate::nexus::Error::TokenExpired { .. })) => checks.add(
            "token-expiry",
            Level::Fail,
            "Nexus says the user token has expired: builds get 401",
            refresh,
        ),
        Err(e) => checks.add(
            "token-expiry",
            Level::Warn,
            format!("could not read the token expiry: {e}"),
            e.hint(),
        ),
    }
}

fn check_schedule(ctx: &Context<'_>, state: &State, checks: &mut Checks) {
    let last = state
        .profiles
        .values()
        .filter_map(|p| p.last_success)
        .max()
        .map(rfc3339);
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

//! `status`: profiles, targets, when the token was fetched, its `created` time and expiry, and
//! whether the files still hold it. Reads only local files: no request, no keyring, no secret.
//! The `--json` schema is documented in docs/usage.md; change it only by adding fields.

use serde::Serialize;

use crate::cli::StatusArgs;
use crate::error::{Error, ExitStatus, Result};
use crate::expiry::{days_left, now_ms};
use crate::profile::rfc3339;
use crate::profile::{Config, State};
use crate::targets::{self, TargetCheck, TargetState};

use super::Context;

/// `status --json` output, schema version 1.
#[derive(Debug, Serialize)]
pub(super) struct StatusReport {
    /// Schema version.
    pub schema: u32,
    /// The profiles file.
    pub config: String,
    /// One entry per profile.
    pub profiles: Vec<ProfileStatus>,
}

/// One profile in `status --json`.
#[derive(Debug, Serialize)]
pub(super) struct ProfileStatus {
    pub name: String,
    pub url: String,
    pub username: String,
    /// The family in use: forced, or detected at login.
    pub family: Option<String>,
    pub server_version: Option<String>,
    pub edition: Option<String>,
    /// Whether the password is kept in the OS keyring.
    pub keyring: bool,
    /// Whether the keyring holds a user token pasted with `login --token-stdin` instead of a
    /// password (an SSO user): renewed in the Nexus UI, never by nexus-token.
    pub imported: bool,
    pub last_attempt: Option<String>,
    pub last_success: Option<String>,
    pub token_created: Option<String>,
    /// `true`/`false` when the server told; `null` when unknown.
    pub expiration_enabled: Option<bool>,
    /// RFC 3339 expiry, when the server expires tokens.
    pub expires_at: Option<String>,
    pub days_left: Option<i64>,
    /// Set when Nexus rejected the stored password: refresh is paused until `login`.
    pub rejected: Option<RejectedStatus>,
    pub last_error: Option<String>,
    pub targets: Vec<TargetCheck>,
}

/// A rejected password in `status --json`.
#[derive(Debug, Serialize)]
pub(super) struct RejectedStatus {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// What Nexus said, in our words.
    pub reason: String,
}

/// Builds the status of the saved profiles (all, or one).
pub(super) fn collect(ctx: &Context<'_>, only: Option<&str>) -> Result<StatusReport> {
    let config = Config::load(&ctx.config_path)?;
    let state = State::load(&ctx.state_path)?;
    if let Some(name) = only
        && !config.profiles.contains_key(name)
    {
        return Err(crate::session::no_profile(
            name,
            "see `nexus-token status` for the saved profiles",
        ));
    }
    let now_ms = now_ms();
    let profiles = config
        .profiles
        .iter()
        .filter(|(name, _)| only.is_none_or(|o| o == name.as_str()))
        .map(|(name, profile)| {
            let s = state.profiles.get(name).cloned().unwrap_or_default();
            let expires = s
                .expires_at_ms
                .filter(|_| s.expiration_enabled == Some(true));
            ProfileStatus {
                name: name.clone(),
                url: profile.url.clone(),
                username: profile.username.clone(),
                family: profile.api.or(s.family).map(|f| f.to_string()),
                server_version: s.version.clone(),
                edition: s.edition.clone(),
                keyring: profile.keyring,
                imported: profile.imported,
                last_attempt: s.last_attempt.map(rfc3339),
                last_success: s.last_success.map(rfc3339),
                token_created: s.token_created.clone(),
                expiration_enabled: s.expiration_enabled,
                expires_at: expires.and_then(format_ms),
                days_left: expires.map(|e| days_left(e, now_ms)),
                rejected: s.rejected.as_ref().map(|r| RejectedStatus {
                    at: rfc3339(r.at),
                    reason: r.reason.clone(),
                }),
                last_error: s.last_error.clone(),
                targets: targets::check(
                    &targets::resolve(name, profile, ctx.env),
                    s.token_fingerprint.as_deref(),
                ),
            }
        })
        .collect();
    Ok(StatusReport {
        schema: 1,
        config: ctx.config_path.display().to_string(),
        profiles,
    })
}

/// Milliseconds since the epoch as RFC 3339 (UTC).
pub(super) fn format_ms(ms: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).ok()?;
    Some(rfc3339(t))
}

pub(super) fn run(ctx: &Context<'_>, args: &StatusArgs) -> Result<ExitStatus> {
    let report = collect(ctx, args.profile.as_deref())?;
    let ui = ctx.ui;
    if args.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| {
            Error::other(
                ExitStatus::Failure,
                format!("cannot render the status: {e}"),
                None,
            )
        })?;
        ui.data(&text);
        return Ok(ExitStatus::Success);
    }
    if report.profiles.is_empty() {
        ui.data(&format!(
            "no saved profile in `{}`; run `nexus-token login`",
            report.config
        ));
        return Ok(ExitStatus::Success);
    }
    let mut out = String::new();
    for p in &report.profiles {
        out.push_str(&format!("profile {}\n", p.name));
        out.push_str(&format!("  server:        {} as {}\n", p.url, p.username));
        let family = p.family.as_deref().unwrap_or("not detected yet");
        let version = match (&p.server_version, &p.edition) {
            (Some(v), Some(e)) => format!(" (Nexus {v} {e})"),
            (Some(v), None) => format!(" (Nexus {v})"),
            _ => String::new(),
        };
        out.push_str(&format!("  API:           {family}{version}\n"));
        if p.imported {
            out.push_str(&format!(
                "  token:         imported (--token-stdin), {}; renewed in the Nexus UI\n",
                if p.keyring {
                    "in the keyring"
                } else {
                    "not stored (--no-keyring)"
                }
            ));
        } else {
            out.push_str(&format!(
                "  password:      {}\n",
                if p.keyring {
                    "in the keyring"
                } else {
                    "not stored (--no-keyring)"
                }
            ));
        }
        out.push_str(&format!(
            "  last refresh:  {}\n",
            p.last_success.as_deref().unwrap_or("never")
        ));
        if p.last_attempt != p.last_success
            && let Some(attempt) = &p.last_attempt
        {
            out.push_str(&format!("  last attempt:  {attempt}\n"));
        }
        out.push_str(&format!(
            "  token created: {}\n",
            p.token_created.as_deref().unwrap_or("unknown")
        ));
        let expiry = match (p.expiration_enabled, &p.expires_at, p.days_left) {
            (Some(true), Some(at), Some(days)) if days < 0 => format!("expired at {at}"),
            (Some(true), Some(at), Some(days)) => {
                format!("{at} ({} left)", crate::ui::count(days, "day"))
            }
            (Some(true), _, _) => "enabled, time unknown".into(),
            (Some(false), _, _) => "the server does not expire tokens".into(),
            (None, _, _) => {
                "unknown (not read from the server yet; `nexus-token refresh` reads it)".into()
            }
        };
        out.push_str(&format!("  token expiry:  {expiry}\n"));
        if let Some(r) = &p.rejected
            && p.imported
        {
            out.push_str(&format!(
                "  TOKEN REFUSED at {} ({}): {}\n",
                r.at,
                r.reason,
                crate::imported::renew_advice(
                    &p.name,
                    &p.url,
                    p.family.as_deref().and_then(|f| f.parse().ok())
                )
            ));
        } else if let Some(r) = &p.rejected {
            out.push_str(&format!(
                "  REFRESH PAUSED: Nexus rejected the stored password at {} ({}); run `nexus-token login --profile {}`\n",
                r.at, r.reason, p.name
            ));
        }
        if let Some(e) = &p.last_error {
            out.push_str(&format!("  last error:    {e}\n"));
        }
        for t in &p.targets {
            let kind = t.kind.entry_word();
            let state = match t.state {
                TargetState::Current => t.kind.served.unwrap_or("holds the current token"),
                TargetState::Referenced => {
                    "refers to the environment (run the build through `nexus-token exec`)"
                }
                TargetState::Stale => "holds another value (run `nexus-token refresh`)",
                TargetState::Missing => "missing (run `nexus-token refresh`)",
                TargetState::Unreadable => "unreadable",
            };
            out.push_str(&format!(
                "  {} {kind} `{}`: {state}\n",
                t.path.display(),
                t.name
            ));
            if let Some(d) = &t.detail {
                out.push_str(&format!("      {d}\n"));
            }
        }
    }
    ui.data(out.trim_end());
    Ok(ExitStatus::Success)
}

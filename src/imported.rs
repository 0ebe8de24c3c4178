//! Profiles whose user token was pasted with `login --token-stdin`: users who sign in through
//! SSO and have no password the API accepts. The token is kept in the keyring entry where a
//! password profile keeps its password (the profile says `imported = true`), written and served
//! like a fetched token, but never fetched: nexus-token cannot renew it. What it can do is check
//! it (one request authenticated by the token itself, [`crate::nexus::Client::check_token`]),
//! record its expiry where the server tells it, warn before it expires, and say how to replace
//! it once Nexus rejects it.
//!
//! Never prints a token value; the ticket flow (the authenticate resource) is never used here.

use std::io::Read as _;
use std::time::{Duration, Instant};

use crate::error::{Error, ExitStatus, Result};
use crate::expiry::{DAY_MS, days_left, now_ms};
use crate::nexus::{self, Client, Family, UserToken};
use crate::profile::{Profile, ProfileState, Rejected, now, rfc3339};
use crate::session::context::Context;
use crate::session::{self, Session};
use crate::store;
use crate::targets::{Finding, Level};
use crate::token_input;
use crate::ui::{Ui, count};

/// `doctor` and `refresh` warn when an imported token expires within this many days.
pub(crate) const WARN_DAYS: i64 = 14;

/// A scheduled `refresh` also shows a desktop notification (`notify-send`) within this many days.
pub(crate) const NOTIFY_DAYS: i64 = 3;

/// Reads the pasted token from standard input (to its end; a terminal ends it with Ctrl-D).
pub(crate) fn read_stdin(ctx: &Context<'_>) -> Result<UserToken> {
    if ctx.env.stdin_is_terminal {
        ctx.ui.step(
            "paste the user token from the Nexus UI (\"Access user token\"), then press Ctrl-D on an empty line",
        );
    }
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    std::io::stdin()
        .lock()
        .take(token_input::MAX_INPUT as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Error::other(
                ExitStatus::Failure,
                format!("cannot read the token from standard input: {e}"),
                None,
            )
        })?;
    parse(&bytes)
}

/// The token in `bytes`, or a usage error (exit 2) with an example of each accepted form.
pub(crate) fn parse(bytes: &[u8]) -> Result<UserToken> {
    let pasted = token_input::parse(bytes).map_err(|e| {
        Error::usage(
            format!("standard input does not hold a user token: {e}"),
            Some(token_input::EXAMPLES.to_owned()),
        )
    })?;
    nexus::validate_username(&pasted.name_code).map_err(|e| Error::usage(e.to_string(), None))?;
    Ok(UserToken {
        name_code: pasted.name_code,
        pass_code: pasted.pass_code,
        created: None,
    })
}

/// Where the Nexus UI shows the user token: `<base URL>/#user/usertoken` on Nexus 3; the
/// "User Token" tab of the profile page on Nexus 2.
pub(crate) fn ui_page(url: &str, family: Option<Family>) -> String {
    if family.is_some_and(Family::is_nexus2) {
        format!("the \"User Token\" tab of your profile in the Nexus UI ({url}/#profile)")
    } else {
        format!("{url}/#user/usertoken")
    }
}

/// The one way out for an imported token: a new one from the UI, pasted again.
pub(crate) fn renew_advice(name: &str, url: &str, family: Option<Family>) -> String {
    format!(
        "copy a new one from {} (\"Access user token\") and run `nexus-token login --token-stdin{}`",
        ui_page(url, family),
        profile_flag(name)
    )
}

/// ` --profile NAME`, or nothing for the default profile.
fn profile_flag(name: &str) -> String {
    if name == "default" {
        String::new()
    } else {
        format!(" --profile {name}")
    }
}

/// The error when an imported token no longer works (exit 3): one message naming the UI page
/// and `login --token-stdin`.
pub(crate) fn renew_error(
    name: &str,
    profile: &Profile,
    family: Option<Family>,
    what: &str,
) -> Error {
    Error::other(
        ExitStatus::Rejected,
        format!(
            "the user token of profile `{name}` {what}; nexus-token cannot renew a token imported with --token-stdin: {}",
            renew_advice(name, &profile.url, family)
        ),
        None,
    )
}

/// The error of a profile whose imported token was recorded as rejected or expired (no request).
pub(crate) fn paused_error(name: &str, profile: &Profile, state: &ProfileState) -> Error {
    let what = match &state.rejected {
        Some(r) => format!("was refused at {} ({})", rfc3339(r.at), r.reason),
        None => "was refused".to_owned(),
    };
    renew_error(name, profile, state.family.or(profile.api), &what)
}

/// The expiry recorded in the state, when the server expires tokens and told when.
fn recorded_expiry(state: &ProfileState) -> Option<i64> {
    state
        .expires_at_ms
        .filter(|_| state.expiration_enabled == Some(true))
}

/// An expiry time as `status` shows it (RFC 3339, UTC, whole seconds).
fn date(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .map_or_else(|_| ms.to_string(), rfc3339)
}

/// The imported token kept in the keyring (in the password's entry).
pub(crate) fn stored_token(ctx: &Context<'_>, name: &str, profile: &Profile) -> Result<UserToken> {
    let again = format!(
        "paste it again: `nexus-token login --token-stdin{}` (the token is in the Nexus UI, {})",
        profile_flag(name),
        ui_page(&profile.url, profile.api)
    );
    if !profile.keyring {
        return Err(Error::other(
            ExitStatus::Keyring,
            format!(
                "profile `{name}` holds a user token imported with --token-stdin and was saved with --no-keyring: nexus-token kept no copy of it"
            ),
            Some(again),
        ));
    }
    let service = store::service_name(&profile.url);
    let Some(stored) = ctx.store()?.get(&service, &profile.username)? else {
        return Err(Error::other(
            ExitStatus::Keyring,
            format!(
                "no user token stored for `{}` at {} in the keyring",
                profile.username, profile.url
            ),
            Some(again),
        ));
    };
    session::decode_cached(stored.expose()).map_err(|_| {
        Error::other(
            ExitStatus::Keyring,
            format!(
                "the keyring entry of `{}` at {} does not hold a user token",
                profile.username, profile.url
            ),
            Some(again),
        )
    })
}

/// The keyring value of an imported token (the token cache's format).
pub(crate) fn keyring_value(token: &UserToken) -> crate::secret::Secret<String> {
    session::encode_cached(token, now_ms())
}

/// Checks the token with one request authenticated by it and records what the server told:
/// the expiry (Nexus 3.69+), or a rejection (then `Err` with the message naming the UI page,
/// and `state.rejected` set so that no later run sends it again).
pub(crate) fn check(
    client: &Client,
    family: Family,
    name: &str,
    profile: &Profile,
    token: &UserToken,
    state: &mut ProfileState,
) -> Result<()> {
    let refused = |state: &mut ProfileState, reason: String, what: String| {
        state.rejected = Some(Rejected { at: now(), reason });
        renew_error(name, profile, Some(family), &what)
    };
    match client.check_token(family, &token.name_code, &token.pass_code) {
        Ok(attrs) => {
            state.expiration_enabled = Some(attrs.is_some_and(|a| a.expiration_enabled));
            state.expires_at_ms = attrs.and_then(|a| a.expires_at_ms);
            state.expiry_checked_at = Some(now());
            match recorded_expiry(state) {
                Some(at) if at <= now_ms() => {
                    let when = date(at);
                    Err(refused(
                        state,
                        format!("the user token expired at {when}"),
                        format!("expired at {when}"),
                    ))
                }
                _ => Ok(()),
            }
        }
        Err(nexus::Error::TokenExpired { .. }) => {
            state.expiration_enabled = Some(true);
            Err(refused(
                state,
                "Nexus says the user token has expired".into(),
                format!("has expired (Nexus at {} says so)", profile.url),
            ))
        }
        Err(e) if e.is_rejected_login() => Err(refused(
            state,
            "Nexus rejected the user token (HTTP 401)".into(),
            format!(
                "was rejected by Nexus at {} (HTTP 401: it was reset, or has expired)",
                profile.url
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The token of an imported profile for `token` and the served clients: from the keyring,
/// without a request while the last check is younger than the cache's max age
/// (`NEXUS_TOKEN_CACHE_MAX_AGE`, as for a fetched token); after that, or with `no_cache`, after
/// one check request, so that a token reset on the server is noticed. A token the state records
/// as expired or refused fails with exit 3 and the message naming the UI page.
pub(crate) fn serve(
    ctx: &Context<'_>,
    name: &str,
    profile: Profile,
    state: ProfileState,
    no_cache: bool,
    password_given: bool,
) -> Result<UserToken> {
    if password_given {
        return Err(Error::usage(
            format!(
                "profile `{name}` holds a user token imported with --token-stdin: it has no password, so `--password-stdin` has nothing to read"
            ),
            Some("drop `--password-stdin`".into()),
        ));
    }
    if let Some(at) = recorded_expiry(&state).filter(|at| *at <= now_ms()) {
        return Err(renew_error(
            name,
            &profile,
            state.family.or(profile.api),
            &format!("expired at {}", date(at)),
        ));
    }
    let max_age = session::cache_max_age_ms(ctx)?;
    let token = stored_token(ctx, name, &profile)?;
    let checked_ago = state
        .expiry_checked_at
        .map(|at| now_ms() - crate::expiry::to_ms(at));
    let stale = !checked_ago.is_some_and(|ago| (0..max_age).contains(&ago));
    if no_cache || stale {
        if stale {
            ctx.ui.verbose(
                1,
                "the imported token was last checked longer ago than the cache's max age: checking it with Nexus",
            );
        }
        let mut session = Session::loaded(ctx, name, profile, state)?;
        let checked = session.check_imported(&token);
        if checked.is_ok() {
            session.record(&token);
        }
        session.save()?;
        checked?;
    }
    Ok(token)
}

/// `refresh` of an imported profile: the token from the keyring, checked with one request (which
/// re-reads the expiry), a warning when it expires within [`WARN_DAYS`] (and a desktop
/// notification within [`NOTIFY_DAYS`]). The caller rewrites the targets that drifted.
pub(crate) fn refresh_token(
    ctx: &Context<'_>,
    session: &mut Session<'_, '_>,
    password_given: bool,
) -> Result<UserToken> {
    let name = session.name.clone();
    if password_given {
        ctx.ui.warn(&format!(
            "profile `{name}` holds a user token imported with --token-stdin: the password from standard input is not used for it"
        ));
    }
    let token = stored_token(ctx, &name, &session.profile)?;
    session.check_imported(&token)?;
    ctx.ui.step(&format!(
        "profile `{name}`: Nexus accepts the imported user token"
    ));
    announce_expiry(ctx, session, true);
    Ok(token)
}

/// Says when a checked token expires: a warning within [`WARN_DAYS`] with the date and how to
/// renew, and (with `desktop`) a `notify-send` notification within [`NOTIFY_DAYS`].
pub(crate) fn announce_expiry(ctx: &Context<'_>, session: &Session<'_, '_>, desktop: bool) {
    let Some(at) = recorded_expiry(&session.state) else {
        return;
    };
    let name = &session.name;
    let now = now_ms();
    let days = days_left(at, now);
    if at - now > WARN_DAYS * DAY_MS {
        ctx.ui.step(&format!(
            "the token expires at {} ({} left)",
            date(at),
            count(days, "day")
        ));
        return;
    }
    let advice = renew_advice(name, &session.profile.url, Some(session.family()));
    ctx.ui.warn(&format!(
        "the user token of profile `{name}` expires at {} ({} left); to renew it, {advice}",
        date(at),
        count(days, "day")
    ));
    if desktop && at - now <= NOTIFY_DAYS * DAY_MS {
        notify(
            ctx.ui,
            &format!("Nexus user token expires in {}", count(days, "day")),
            &format!(
                "The token of nexus-token profile `{name}` expires at {}. {}",
                date(at),
                capitalize(&advice)
            ),
        );
    }
}

/// The username of a `--token-stdin` login: `--username`, else the saved one (same server),
/// else empty (the caller takes the token's nameCode once it is read). It only names the
/// profile's keyring entry: the token authenticates by itself.
pub(crate) fn username(
    given: Option<&str>,
    previous: Option<&Profile>,
    url: &str,
) -> Result<String> {
    let saved = previous
        .filter(|p| p.url == url)
        .map(|p| p.username.as_str());
    match given.or(saved) {
        Some(name) => {
            nexus::validate_username(name)?;
            Ok(name.to_owned())
        }
        None => Ok(String::new()),
    }
}

/// `rotate` of an imported profile: nexus-token cannot reset the token (that takes the password
/// the API accepts, which SSO users do not have); the UI does (exit 2).
pub(crate) fn refuse_rotate(ctx: &Context<'_>, name: &str) -> Result<()> {
    let config = crate::profile::Config::load(&ctx.config_path)?;
    let Some(profile) = config.profiles.get(name).filter(|p| p.imported) else {
        return Ok(());
    };
    let state = crate::profile::State::load(&ctx.state_path)?;
    let family = state
        .profiles
        .get(name)
        .and_then(|s| s.family)
        .or(profile.api);
    Err(Error::usage(
        format!(
            "profile `{name}` holds a user token imported with --token-stdin: nexus-token cannot reset it, since resetting takes the password the Nexus API accepts; the Nexus UI resets it"
        ),
        Some(format!(
            "reset it at {} (\"Access user token\", then \"Reset user token\"), then paste the new one: `nexus-token login --token-stdin{}`",
            ui_page(&profile.url, family),
            profile_flag(name)
        )),
    ))
}

/// A keyring entry (URL and user) holds either a password or an imported token: refuses a login
/// that would put one where another profile keeps the other kind.
pub(crate) fn refuse_shared_entry(
    config: &crate::profile::Config,
    name: &str,
    profile: &Profile,
) -> Result<()> {
    if !profile.keyring {
        return Ok(());
    }
    let other = config.profiles.iter().find(|(other, p)| {
        other.as_str() != name
            && p.keyring
            && p.url == profile.url
            && p.username == profile.username
            && p.imported != profile.imported
    });
    let Some((other, p)) = other else {
        return Ok(());
    };
    let (theirs, ours) = if p.imported {
        ("a user token imported with --token-stdin", "a password")
    } else {
        ("the password", "an imported token")
    };
    Err(Error::usage(
        format!(
            "profile `{other}` keeps {theirs} of `{}` at {} in the keyring; this login would replace it with {ours}",
            profile.username, profile.url
        ),
        Some(
            "give this profile another `--username` (with --token-stdin it only names the keyring entry), or log the other profile out first".into(),
        ),
    ))
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A desktop notification through `notify-send`, where it is installed (skipped silently
/// otherwise). Bounded: a notification daemon that does not answer is given 5 s.
pub(crate) fn notify(ui: &Ui, title: &str, body: &str) {
    let child = std::process::Command::new("notify-send")
        .args(["--app-name=nexus-token", "--urgency=critical", title, body])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            ui.verbose(1, &format!("no desktop notification (notify-send: {e})"));
            return;
        }
    };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                ui.verbose(1, &format!("notify-send: {status}"));
                return;
            }
            Ok(None) if start.elapsed() < Duration::from_secs(5) => {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                ui.verbose(1, "notify-send did not finish within 5 s; stopped it");
                return;
            }
        }
    }
}

/// `doctor`'s lines for an imported profile: the token in the keyring, Nexus accepts it (one
/// request, when the server answered), its expiry (a warning within [`WARN_DAYS`], with the date
/// and how to renew). Returns the findings and the fingerprint of the stored token.
pub(crate) fn doctor(
    ctx: &Context<'_>,
    name: &str,
    profile: &Profile,
    state: &ProfileState,
    server: Option<(&Client, Family)>,
) -> (Vec<Finding>, Option<String>) {
    let mut findings = Vec::new();
    let mut add = |check: &'static str, level: Level, message: String, fix: Option<String>| {
        findings.push(Finding {
            check,
            level,
            message,
            fix,
        });
    };
    let family = server.map(|(_, f)| f).or(state.family).or(profile.api);
    let advice = renew_advice(name, &profile.url, family);
    let token = if profile.keyring {
        match stored_token(ctx, name, profile) {
            Ok(token) => {
                add(
                    "keyring",
                    Level::Ok,
                    format!(
                        "the user token of `{}` imported with --token-stdin is in the keyring",
                        profile.username
                    ),
                    None,
                );
                Some(token)
            }
            Err(e) => {
                add("keyring", Level::Fail, e.to_string(), e.hint());
                return (findings, state.token_fingerprint.clone());
            }
        }
    } else {
        add(
            "keyring",
            Level::Info,
            "saved with `--no-keyring`: nexus-token kept no copy of the imported token, so the files are compared with the token last pasted, and the expiry is the one last read".into(),
            None,
        );
        None
    };
    let fp = token
        .as_ref()
        .map(|t| crate::fingerprint::fingerprint(&t.name_code, t.pass_code.expose()))
        .or_else(|| state.token_fingerprint.clone());
    let mut state = state.clone();
    if state.rejected.is_some() {
        add(
            "login",
            Level::Fail,
            paused_error(name, profile, &state).to_string(),
            None,
        );
        return (findings, fp);
    }
    if let (Some((client, family)), Some(token)) = (server, &token) {
        match check(client, family, name, profile, token, &mut state) {
            Ok(()) => add(
                "token",
                Level::Ok,
                "Nexus accepts the imported user token".into(),
                None,
            ),
            Err(e) => {
                if state.rejected.is_some() {
                    // Like `refresh`: a refused token is not sent again until `login`.
                    let _ = crate::profile::State::update_profile(&ctx.state_path, name, &state);
                    add("login", Level::Fail, e.to_string(), None);
                } else {
                    add("token", Level::Fail, e.to_string(), e.hint());
                }
                return (findings, fp);
            }
        }
    }
    let now = now_ms();
    match (state.expiration_enabled, recorded_expiry(&state)) {
        (_, Some(at)) if at <= now => add(
            "token-expiry",
            Level::Fail,
            format!("the imported user token expired at {}", date(at)),
            Some(advice),
        ),
        (_, Some(at)) if at - now <= WARN_DAYS * DAY_MS => add(
            "token-expiry",
            Level::Warn,
            format!(
                "the imported user token expires at {} ({} left); nexus-token cannot renew it",
                date(at),
                count(days_left(at, now), "day")
            ),
            Some(advice),
        ),
        (_, Some(at)) => add(
            "token-expiry",
            Level::Ok,
            format!(
                "the imported user token expires at {} ({} left)",
                date(at),
                count(days_left(at, now), "day")
            ),
            None,
        ),
        (Some(true), None) => add(
            "token-expiry",
            Level::Info,
            "the server expires tokens but does not say when this one does".into(),
            None,
        ),
        (Some(false), None) => add(
            "token-expiry",
            Level::Ok,
            "the server does not expire tokens".into(),
            None,
        ),
        (None, None) => add(
            "token-expiry",
            Level::Info,
            "the token's expiry is not known yet (`nexus-token refresh` reads it)".into(),
            None,
        ),
    }
    (findings, fp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ui_page_is_the_user_token_route_on_nexus_3() {
        assert_eq!(
            ui_page("https://n.example.com/x", Some(Family::Nexus3)),
            "https://n.example.com/x/#user/usertoken"
        );
        assert_eq!(
            ui_page("https://n.example.com", None),
            "https://n.example.com/#user/usertoken"
        );
        assert!(
            ui_page("http://h/nexus", Some(Family::Nexus2)).contains("http://h/nexus/#profile")
        );
    }

    #[test]
    fn the_advice_names_the_page_and_the_command_with_the_profile() {
        let advice = renew_advice("default", "https://n", Some(Family::Nexus3));
        assert!(advice.contains("https://n/#user/usertoken"), "{advice}");
        assert!(
            advice.contains("`nexus-token login --token-stdin`"),
            "{advice}"
        );
        let advice = renew_advice("work", "https://n", Some(Family::Nexus3));
        assert!(
            advice.contains("`nexus-token login --token-stdin --profile work`"),
            "{advice}"
        );
    }

    #[test]
    fn a_bad_input_is_a_usage_error_with_the_examples() {
        let e = parse(b"not a token").unwrap_err();
        assert_eq!(e.exit_status(), ExitStatus::Usage);
        let hint = e.hint().unwrap_or_default();
        assert!(hint.contains("<server>"), "{hint}");
        assert!(hint.contains("nameCode:passCode"), "{hint}");
        let t = parse(b"  abc:def\n").unwrap();
        assert_eq!(
            (t.name_code.as_str(), t.pass_code.expose().as_str()),
            ("abc", "def")
        );
        assert!(t.created.is_none());
    }

    #[test]
    fn the_keyring_value_reads_back() {
        let t = parse(b"abc:d+/=ef").unwrap();
        let back = session::decode_cached(keyring_value(&t).expose()).unwrap();
        assert_eq!(back.name_code, "abc");
        assert_eq!(back.pass_code.expose(), "d+/=ef");
    }
}

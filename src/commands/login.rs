//! `login`: takes the real password once, fetches the token, writes the targets, stores the
//! password in the keyring and saves the profile. The only command that may prompt.
//!
//! Order matters, so that a failure leaves nothing half done:
//! 1. flags are validated and the family detected (a server without user tokens is told before
//!    anything secret is read or sent);
//! 2. the password is read (locally), the targets resolved (flags, the saved profile, or
//!    discovery) and every target file planned in memory: a malformed file or an empty target
//!    list stops here, before the password goes to Nexus;
//! 3. the keyring is opened (not written), the token fetched, the files written;
//! 4. only then the password is stored and the profile and state saved. When a late step fails,
//!    the error says exactly what is left.

mod env_refs;

use std::path::PathBuf;

use crate::cli::LoginArgs;
use crate::error::{Error, ExitStatus, Result};
use crate::expiry::ExpiryPolicy;
use crate::fs::absolute;
use crate::nexus;
use crate::profile::{Config, Profile};
use crate::secret::Secret;
use crate::session::Session;
use crate::store::service_name;
use crate::targets::owners::{self, Owners};
use crate::targets::{self, DiscoverCx, FlagCx, Targets, TokenValues, WriteOptions};

use super::{Context, keyring_entry_shared, normalize_url, read_password, report_files};

pub(super) fn run(ctx: &Context<'_>, args: &LoginArgs) -> Result<ExitStatus> {
    let ui = ctx.ui;
    let config = Config::load(&ctx.config_path)?;
    let previous = config.profiles.get(&args.profile).cloned();

    let url = match (&args.server.url, &previous) {
        (Some(url), _) => normalize_url(url)?,
        (None, Some(p)) => p.url.clone(),
        (None, None) => {
            return Err(Error::usage(
                "no Nexus URL given",
                Some("add `--url https://nexus.example.com` (with the context path, e.g. `/nexus` on Nexus 2) or set `NEXUS_URL`".into()),
            ));
        }
    };
    // A token pasted with `--token-stdin` is read after detection; without `--username` its
    // nameCode names the user then.
    let username = if args.token_stdin {
        crate::imported::username(args.server.username.as_deref(), previous.as_ref(), &url)?
    } else {
        resolve_username(ctx, args, previous.as_ref(), &url)?
    };
    let mut profile = Profile {
        url,
        username,
        api: args.server.api.and_then(|a| a.family()),
        keyring: !args.no_keyring,
        imported: args.token_stdin,
        ca_cert: args
            .server
            .ca_cert
            .clone()
            .map(absolute)
            .or_else(|| previous.as_ref().and_then(|p| p.ca_cert.clone())),
        connect_timeout: args
            .server
            .connect_timeout
            .or_else(|| previous.as_ref().and_then(|p| p.connect_timeout)),
        timeout: args
            .server
            .timeout
            .or_else(|| previous.as_ref().and_then(|p| p.timeout)),
        targets: Targets::default(),
        profiles_file: Some(ctx.config_path.clone()),
        env_refs: false,
    };
    // Flags are checked before anything touches the network, and so is whether another
    // profile has one of the targets (one owner per target).
    let settled = flagged_or_saved(ctx, args, &mut profile, previous.as_ref())?;
    profile.env_refs = env_refs::mode(args, previous.as_ref());
    if settled {
        env_refs::refuse_unreferable(&profile)?;
        refuse_served_without_keyring(ctx, &args.profile, &profile)?;
        owners::refuse_taken(&config, ctx.env, &args.profile, &profile)?;
    }
    let written_before = crate::profile::State::load(&ctx.state_path)
        .ok()
        .and_then(|s| s.profiles.get(&args.profile)?.token_fingerprint.clone());

    // 1. Family and edition, before any password is asked for or sent.
    let mut session = Session::transient(ctx, &args.profile, profile)?;
    ui.step(&format!(
        "Nexus at {} uses the `{}` user-token API",
        session.profile.url,
        session.family()
    ));

    // 2. The password or the pasted token (read, not sent), the targets, and a plan of every
    //    file.
    let credential = if args.token_stdin {
        let token = crate::imported::read_stdin(ctx)?;
        if session.profile.username.is_empty() {
            session.profile.username = token.name_code.clone();
        }
        Credential::Token(token)
    } else {
        Credential::Password(read_password(
            ctx,
            args.password_stdin,
            true,
            &session.profile.username,
        )?)
    };
    crate::imported::refuse_shared_entry(&config, &args.profile, &session.profile)?;
    if !settled {
        discover(
            ctx,
            &config,
            &args.profile,
            &mut session.profile,
            &credential,
        )?;
        env_refs::drop_discovered(ui, &mut session.profile);
        refuse_served_without_keyring(ctx, &args.profile, &session.profile)?;
    }
    let targets = targets::resolve(&session.name, &session.profile, ctx.env);
    targets::preflight(&targets)?;
    if session.profile.keyring && !args.dry_run {
        // Ask the keyring now (a read): a missing or locked one is told before the password is
        // sent, not after the files were written.
        let service = service_name(&session.profile.url);
        ctx.store()?.get(&service, &session.profile.username)?;
    }

    // 3. The token (a new one if the current one expired or expires soon; a pasted one is
    //    checked with one request) and the files.
    let token = match credential {
        Credential::Password(password) => {
            session.use_password(password);
            let policy = ExpiryPolicy::from_flag(None, args.dry_run);
            let token = session.current_token(policy)?;
            ui.step(&format!(
                "fetched the user token of `{}`",
                session.profile.username
            ));
            token
        }
        Credential::Token(token) => {
            session.check_imported(&token)?;
            ui.step("Nexus accepts the pasted user token");
            crate::imported::announce_expiry(ctx, &session, false);
            token
        }
    };
    let values = TokenValues {
        name_code: &token.name_code,
        pass_code: &token.pass_code,
    };
    if args.dry_run {
        let reports = targets::write_token(
            &targets,
            ctx.env,
            &values,
            WriteOptions {
                dry_run: true,
                force: false,
            },
        )?;
        report_files(ui, &reports, true);
        drop_orphans(
            ctx,
            &args.profile,
            previous.as_ref(),
            &session.profile,
            written_before.as_deref(),
            true,
        )?;
        ui.step("dry run: nothing was written, no password was stored");
        return Ok(ExitStatus::Success);
    }
    let reports = targets::write_token(&targets, ctx.env, &values, WriteOptions::default())?;
    report_files(ui, &reports, false);

    // 4. The password, the profile and the state, now that the files hold the token.
    let written: Vec<PathBuf> = reports.iter().map(|r| r.path.clone()).collect();
    let left = |what: &str| {
        format!(
            "{what}; the token was written to {}, but the profile was not saved, so `refresh` will not update it",
            written
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let profile = session.profile.clone();
    let service = service_name(&profile.url);
    let what = if profile.imported {
        "token"
    } else {
        "password"
    };
    if profile.keyring {
        let stored = ctx.store().and_then(|s| {
            let secret = if profile.imported {
                crate::imported::keyring_value(&token)
            } else {
                session.password()?.clone()
            };
            Ok(s.set(&service, &profile.username, &secret)?)
        });
        if let Err(e) = stored {
            return Err(Error::other(
                e.exit_status(),
                left(&format!("cannot store the {what} in the keyring: {e}")),
                e.hint(),
            ));
        }
        ui.verbose(1, &format!("stored the {what} in the keyring ({service})"));
    }
    session.record(&token);
    session.cache(&token);
    session.persist();
    let saved = Config::update_profile(&ctx.config_path, &args.profile, Some(&profile))
        .and_then(|()| session.save());
    if let Err(e) = saved {
        return Err(Error::other(
            e.exit_status(),
            left(&e.to_string()),
            e.hint(),
        ));
    }
    forget_old_password(ctx, &config, &args.profile, previous.as_ref(), &profile);
    if let Err(e) = drop_orphans(
        ctx,
        &args.profile,
        previous.as_ref(),
        &profile,
        written_before.as_deref(),
        false,
    ) {
        ui.warn(&format!(
            "could not remove the token from the targets profile `{}` no longer has (nothing refreshes them now; remove it by hand): {e}",
            args.profile
        ));
    }
    if !profile.keyring && profile.imported {
        ui.warn(
            "--no-keyring: the token was not stored; `refresh` and `token` cannot use it (paste it again with `--token-stdin` to update the files)",
        );
    } else if !profile.keyring {
        ui.warn(
            "--no-keyring: the password was not stored; `refresh` will need `--password-stdin`",
        );
    }
    ui.step(&format!(
        "saved profile `{}` in `{}`",
        args.profile,
        ctx.config_path.display()
    ));
    if profile.env_refs {
        ui.step(&format!(
            "the files refer to the environment: run builds as `nexus-token exec{} -- CMD`",
            if args.profile == "default" {
                String::new()
            } else {
                format!(" --profile {}", args.profile)
            }
        ));
    }
    Ok(ExitStatus::Success)
}

/// The username: the flag, else the saved one (for the same server), else a prompt on a terminal.
fn resolve_username(
    ctx: &Context<'_>,
    args: &LoginArgs,
    previous: Option<&Profile>,
    url: &str,
) -> Result<String> {
    let saved = previous
        .filter(|p| p.url == url)
        .map(|p| p.username.clone());
    let username = match args.server.username.clone().or(saved) {
        Some(u) => u,
        None if ctx.env.stdin_is_terminal
            && !args.password_stdin
            && ctx.given_password.is_none() =>
        {
            ctx.ui.prompt_line("Nexus username: ").map_err(|e| {
                Error::other(
                    ExitStatus::Failure,
                    format!("cannot read the username: {e}"),
                    None,
                )
            })?
        }
        _ => {
            return Err(Error::usage(
                "no username given",
                Some("add `--username USER` or set `NEXUS_USERNAME`".into()),
            ));
        }
    };
    nexus::validate_username(&username)?;
    Ok(username)
}

/// A password stored for this profile's previous URL or user is out of reach once the profile
/// moved: delete it, unless another profile still uses it. A `--no-keyring` login deletes the
/// one this profile stored before, for the same reason.
fn forget_old_password(
    ctx: &Context<'_>,
    config: &Config,
    name: &str,
    previous: Option<&Profile>,
    profile: &Profile,
) {
    let Some(previous) = previous.filter(|p| p.keyring) else {
        return;
    };
    let same_entry = previous.url == profile.url && previous.username == profile.username;
    if same_entry && profile.keyring {
        return;
    }
    if keyring_entry_shared(config, name, &previous.url, &previous.username) {
        ctx.ui.verbose(
            1,
            "the previous password stays in the keyring: another profile uses it",
        );
        return;
    }
    let Ok(store) = ctx.store() else {
        return;
    };
    if let Ok(true) = store.delete(&service_name(&previous.url), &previous.username) {
        ctx.ui.step(&format!(
            "deleted the password stored for `{}` at {} (no profile uses it any more)",
            previous.username, previous.url
        ));
    }
    // The token cached beside it would otherwise stay in the keyring with nothing to refresh it.
    if let Ok(true) = crate::session::forget_cached_token(ctx, previous) {
        ctx.ui.verbose(
            1,
            "deleted the token cached for the previous server or user",
        );
    }
}

/// Served targets answer from the keyring: a `--no-keyring` profile could never serve them
/// (refused before any request, nothing written).
fn refuse_served_without_keyring(ctx: &Context<'_>, name: &str, profile: &Profile) -> Result<()> {
    if profile.keyring {
        return Ok(());
    }
    let served: Vec<&str> = targets::resolve(name, profile, ctx.env)
        .iter()
        .filter(|t| t.kind().is_served())
        .map(|t| t.kind().name)
        .collect();
    if served.is_empty() {
        return Ok(());
    }
    Err(Error::usage(
        format!(
            "`--no-keyring` does not go together with served targets ({}): the clients ask nexus-token at run time, which answers from the keyring",
            crate::targets::dedup(served.iter().map(|s| (*s).to_owned()).collect()).join(", ")
        ),
        Some(
            "drop `--no-keyring`, or use a written target (`--npm-registry URL`, `--netrc`)".into(),
        ),
    ))
}

/// The targets from the flags (validated here, before any request), else the ones saved in the
/// profile for the same server. Returns whether the targets are settled; when not, discovery
/// runs once the password is read.
fn flagged_or_saved(
    ctx: &Context<'_>,
    args: &LoginArgs,
    profile: &mut Profile,
    previous: Option<&Profile>,
) -> Result<bool> {
    let url = profile.url.clone();
    let cx = FlagCx {
        env: ctx.env,
        ui: ctx.ui,
        profile: &args.profile,
        url: &url,
        no_keyring: args.no_keyring,
        all: &args.targets,
        config: crate::profile::served_config(&ctx.config_path, ctx.env),
    };
    profile.targets = Targets::from_flags(&cx, &args.targets, previous.map(|p| &p.targets))?;
    if !profile.targets.is_empty() {
        return Ok(true);
    }
    if let Some(previous) = previous.filter(|p| p.url == profile.url && !p.targets.is_empty()) {
        profile.targets.reuse(&previous.targets);
        ctx.ui.verbose(1, "using the targets saved in the profile");
        return Ok(true);
    }
    Ok(false)
}

/// What the user gave `login`: the real password, or a token pasted with `--token-stdin`.
enum Credential {
    Password(Secret<String>),
    Token(crate::nexus::UserToken),
}

/// Discovery (no target flags, nothing saved): every kind looks for its targets in the client's
/// files, leaving other profiles' targets alone. Finding nothing is a usage error, before any
/// password is sent.
fn discover(
    ctx: &Context<'_>,
    config: &Config,
    name: &str,
    profile: &mut Profile,
    credential: &Credential,
) -> Result<()> {
    let mut fingerprints: Vec<String> = crate::profile::State::load(&ctx.state_path)
        .map(|s| {
            s.profiles
                .into_values()
                .filter_map(|p| p.token_fingerprint)
                .collect()
        })
        .unwrap_or_default();
    // A pasted token is evidence itself where a client file holds it already.
    let password = match credential {
        Credential::Password(password) => password,
        Credential::Token(token) => {
            fingerprints.push(crate::fingerprint::fingerprint(
                &token.name_code,
                token.pass_code.expose(),
            ));
            &token.pass_code
        }
    };
    let owners = Owners::of(config, ctx.env, Some(name));
    let cx = DiscoverCx {
        env: ctx.env,
        ui: ctx.ui,
        profile: name,
        url: &profile.url,
        username: &profile.username,
        password,
        fingerprints: &fingerprints,
        owners: &owners,
    };
    let mut found = profile.targets.clone();
    if !found.discover(&cx)? {
        let looked = found
            .looked_in(ctx.env)
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Error::usage(
            format!("found no target that points at {} in {looked}", profile.url),
            Some(format!(
                "name the targets: {} (the named ones repeatable); nothing was sent to Nexus",
                targets::target_flags()
            )),
        ));
    }
    profile.targets = found;
    Ok(())
}

/// Logging in again with fewer targets leaves no orphan (cli.md): the token nexus-token wrote
/// is removed from every target the profile no longer has (the side files stay: the profile's
/// other targets may use them). `expected` is the fingerprint of the token it wrote there.
fn drop_orphans(
    ctx: &Context<'_>,
    name: &str,
    previous: Option<&Profile>,
    profile: &Profile,
    expected: Option<&str>,
    dry_run: bool,
) -> Result<()> {
    let Some(previous) = previous else {
        return Ok(());
    };
    let kept: Vec<(&'static str, PathBuf, String)> = targets::resolve(name, profile, ctx.env)
        .iter()
        .flat_map(|t| {
            let path = owners::resolved_path(t.path());
            let kind = t.kind().name;
            t.claims().into_iter().map(move |k| (kind, path.clone(), k))
        })
        .collect();
    let mut dropped = previous.targets.clone();
    let cx = targets::ResolveCx::of(ctx.env, name, previous);
    let old = targets::resolve(name, previous, ctx.env);
    let gone: Vec<(&'static str, String)> = old
        .iter()
        .flat_map(|t| {
            let path = owners::resolved_path(t.path());
            let kind = t.kind().name;
            t.claims()
                .into_iter()
                .filter(|k| {
                    !kept
                        .iter()
                        .any(|(n, p, c)| *n == kind && *p == path && c == k)
                })
                .map(move |k| (kind, k))
                .collect::<Vec<_>>()
        })
        .collect();
    if gone.is_empty() {
        return Ok(());
    }
    dropped.retain(&cx, &|kind: &str, key: &str| {
        gone.iter().any(|(n, k)| *n == kind && k == key)
    });
    let orphans = dropped.resolve(&cx);
    if dry_run {
        for t in &orphans {
            ctx.ui.step(&format!(
                "dry run: would remove the token from `{}` ({} {}): profile `{name}` no longer has it",
                t.path().display(),
                t.kind().entry_word,
                t.names().join(", ")
            ));
        }
        return Ok(());
    }
    let reports = targets::remove_entries(&orphans, expected)?;
    for report in reports.iter().filter(|r| !r.changed.is_empty()) {
        ctx.ui.step(&format!(
            "removed the token from `{}` ({}): profile `{name}` no longer has it",
            report.path.display(),
            report.changed.join(", ")
        ));
    }
    for w in reports.iter().flat_map(|r| &r.warnings) {
        ctx.ui.warn(w);
    }
    Ok(())
}

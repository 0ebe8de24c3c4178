//! `login`: takes the real password once, fetches the token, writes the targets, stores the
//! password in the keyring and saves the profile. The only command that may prompt.
//!
//! Order matters: detection comes before the password (a server without user tokens is told
//! before anything secret is sent), the keyring is written before the files (a keyring failure
//! leaves the files alone), and the profile is saved last.

use crate::cli::LoginArgs;
use crate::error::{Error, ExitStatus, Result};
use crate::profile::{
    Config, GradleTargets, MavenTargets, Profile, ProfileState, State, fingerprint, now_rfc3339,
};
use crate::store::service_name;
use crate::targets::{self, TokenValues, WriteOptions};
use crate::{fs, gradle, maven};

use super::refresh::{ExpiryPolicy, fetch_current};
use super::{Context, client_for, family_for, normalize_url, read_password, report_files};

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
    // The saved username counts only for the same server.
    let saved_username = previous
        .as_ref()
        .filter(|p| p.url == url)
        .map(|p| p.username.clone());
    let username = match args.server.username.clone().or(saved_username) {
        Some(u) => u,
        None if ctx.env.stdin_is_terminal
            && !args.password_stdin
            && ctx.given_password.is_none() =>
        {
            let name = ui.prompt_line("Nexus username: ").map_err(|e| {
                Error::other(
                    ExitStatus::Failure,
                    format!("cannot read the username: {e}"),
                    None,
                )
            })?;
            if name.is_empty() {
                return Err(Error::usage("the username is empty", None));
            }
            name
        }
        _ => {
            return Err(Error::usage(
                "no username given",
                Some("add `--username USER` or set `NEXUS_USERNAME`".into()),
            ));
        }
    };

    let mut profile = Profile {
        url,
        username,
        api: args.server.api.and_then(|a| a.family()),
        keyring: !args.no_keyring,
        ca_cert: args
            .server
            .ca_cert
            .clone()
            .or_else(|| previous.as_ref().and_then(|p| p.ca_cert.clone())),
        connect_timeout: args
            .server
            .connect_timeout
            .or_else(|| previous.as_ref().and_then(|p| p.connect_timeout)),
        timeout: args
            .server
            .timeout
            .or_else(|| previous.as_ref().and_then(|p| p.timeout)),
        maven: MavenTargets::default(),
        gradle: GradleTargets::default(),
    };

    // 1. Family and edition, before any password is asked for or sent.
    let client = client_for(ctx, &profile)?;
    let (family, detection) = family_for(ctx, &client, profile.api, None)?;
    ui.step(&format!(
        "Nexus at {} uses the `{family}` user-token API",
        profile.url
    ));

    // 2. The password and the token.
    let password = read_password(ctx, args.password_stdin, true, &profile.username)?;
    // On Nexus 3.69+ with expiry, an expired (or nearly expired) token is replaced first: a
    // login must not write a token that stops working within days.
    let mut expiry = ProfileState::default();
    let policy = ExpiryPolicy::from_flag(None, args.dry_run);
    let token = fetch_current(
        ctx,
        &client,
        family,
        &profile.username,
        &password,
        &mut expiry,
        policy,
    )?;
    ui.step(&format!("fetched the user token of `{}`", profile.username));

    // 3. Targets: flags, else what the profile had, else discovery.
    resolve_targets(ctx, args, &mut profile, previous.as_ref())?;

    let values = TokenValues {
        name_code: &token.name_code,
        pass_code: &token.pass_code,
    };
    if args.dry_run {
        let reports = targets::write_token(
            &profile,
            ctx.env,
            &values,
            WriteOptions {
                dry_run: true,
                force: false,
            },
        )?;
        report_files(ui, &reports, true);
        ui.step("dry run: nothing was written, no password was stored");
        return Ok(ExitStatus::Success);
    }

    // 4. The keyring before the files: if it fails, nothing was changed.
    let service = service_name(&profile.url);
    if profile.keyring {
        ctx.store()?.set(&service, &profile.username, &password)?;
        ui.verbose(
            1,
            &format!("stored the password in the keyring ({service})"),
        );
    } else {
        // A password this profile stored earlier would go stale silently: delete it, unless
        // another profile for the same server and user still relies on it. The keyring is not
        // touched at all otherwise (containers often have none).
        let stored_before = previous
            .as_ref()
            .is_some_and(|p| p.keyring && p.url == profile.url && p.username == profile.username);
        let shared = config.profiles.iter().any(|(name, p)| {
            name != &args.profile
                && p.keyring
                && p.url == profile.url
                && p.username == profile.username
        });
        if stored_before
            && !shared
            && let Ok(store) = ctx.store()
        {
            let _ = store.delete(&service, &profile.username);
        }
        ui.warn(
            "--no-keyring: the password was not stored; `refresh` will need `--password-stdin`",
        );
    }

    // 5. The files.
    let reports = targets::write_token(&profile, ctx.env, &values, WriteOptions::default())?;
    report_files(ui, &reports, false);

    // 6. The state: family, token fingerprint, and the expiry read in step 2.
    let profile_state = ProfileState {
        family: Some(family),
        version: detection.as_ref().and_then(|d| d.version.clone()),
        edition: detection.as_ref().and_then(|d| d.edition.clone()),
        last_attempt: Some(now_rfc3339()),
        last_success: Some(now_rfc3339()),
        token_created: token.created.clone(),
        token_fingerprint: Some(fingerprint(&token.name_code, token.pass_code.expose())),
        expiration_enabled: expiry.expiration_enabled,
        expires_at_ms: expiry.expires_at_ms,
        expiry_checked_at: expiry.expiry_checked_at,
        ..ProfileState::default()
    };

    // 7. Profile and state (clears a rejected-password flag).
    Config::update_profile(&ctx.config_path, &args.profile, Some(&profile))?;
    State::update_profile(&ctx.state_path, &args.profile, &profile_state)?;
    ui.step(&format!(
        "saved profile `{}` in `{}`",
        args.profile,
        ctx.config_path.display()
    ));
    Ok(ExitStatus::Success)
}

/// Fills the profile's targets from the flags, the previous profile, or discovery.
fn resolve_targets(
    ctx: &Context<'_>,
    args: &LoginArgs,
    profile: &mut Profile,
    previous: Option<&Profile>,
) -> Result<()> {
    let t = &args.targets;
    let settings = t
        .maven_settings
        .clone()
        .or_else(|| previous.and_then(|p| p.maven.settings.clone()))
        .unwrap_or_else(|| ctx.env.maven_settings());
    let properties = t
        .gradle_properties
        .clone()
        .or_else(|| previous.and_then(|p| p.gradle.properties.clone()))
        .unwrap_or_else(|| ctx.env.gradle_properties());
    profile.maven = MavenTargets {
        settings: Some(absolute(settings)),
        servers: dedup(t.maven_servers.clone()),
        encrypt: t
            .maven_encrypt
            .or_else(|| previous.map(|p| p.maven.encrypt))
            .unwrap_or_default(),
        settings_security: t
            .maven_settings_security
            .clone()
            .or_else(|| previous.and_then(|p| p.maven.settings_security.clone()))
            .map(absolute),
    };
    let mut keys: Vec<(String, String)> = t
        .gradle_prefixes
        .iter()
        .map(|p| gradle::keys_for_prefix(p))
        .collect();
    for pair in &t.gradle_keys {
        match pair.split_once(',') {
            Some((u, p)) if !u.trim().is_empty() && !p.trim().is_empty() => {
                keys.push((u.trim().to_owned(), p.trim().to_owned()))
            }
            _ => {
                return Err(Error::usage(
                    format!("`--gradle-keys {pair}` is not a `USER_KEY,PASSWORD_KEY` pair"),
                    Some("e.g. `--gradle-keys mavenUser,mavenPassword`".into()),
                ));
            }
        }
    }
    keys.dedup();
    profile.gradle = GradleTargets {
        properties: Some(absolute(properties)),
        keys,
    };
    if !profile.maven.is_empty() || !profile.gradle.is_empty() {
        return Ok(());
    }
    if let Some(previous) =
        previous.filter(|p| p.url == profile.url && (!p.maven.is_empty() || !p.gradle.is_empty()))
    {
        profile.maven.servers = previous.maven.servers.clone();
        profile.gradle.keys = previous.gradle.keys.clone();
        ctx.ui.verbose(1, "using the targets saved in the profile");
        return Ok(());
    }
    // Discovery: the servers that already point at this Nexus.
    let path = profile.maven.settings.clone().unwrap_or_default();
    let found = match fs::read_optional(&path)? {
        Some(bytes) => maven::discover(&bytes, &profile.username, &profile.url)
            .map_err(|e| Error::file(&path, "parse", e))?,
        None => Vec::new(),
    };
    if found.is_empty() {
        return Err(Error::usage(
            format!(
                "found no `<server>` in `{}` that points at {} or belongs to `{}`",
                path.display(),
                profile.url,
                profile.username
            ),
            Some("name the targets: `--maven-server ID` (repeatable) and/or `--gradle-prefix NAME` (repeatable)".into()),
        ));
    }
    ctx.ui.step(&format!(
        "found Maven servers for this Nexus in `{}`: {}",
        path.display(),
        found.join(", ")
    ));
    profile.maven.servers = found;
    Ok(())
}

fn dedup(mut items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.clone()));
    items
}

fn absolute(path: std::path::PathBuf) -> std::path::PathBuf {
    if path.is_absolute() {
        path
    } else {
        std::env::current_dir()
            .map(|d| d.join(&path))
            .unwrap_or(path)
    }
}

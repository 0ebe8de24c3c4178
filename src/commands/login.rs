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

mod python;

use std::path::PathBuf;

use crate::cli::LoginArgs;
use crate::error::{Error, ExitStatus, Result};
use crate::expiry::ExpiryPolicy;
use crate::profile::{
    CargoRegistry, Config, GradleTargets, MavenTargets, NpmTargets, Profile, ServedTargets,
};
use crate::session::Session;
use crate::store::service_name;
use crate::targets::npm::editor as npmrc;
use crate::targets::{self, TokenValues, WriteOptions};
use crate::{fs, gradle, maven, nexus};

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
    let username = resolve_username(ctx, args, previous.as_ref(), &url)?;
    let mut profile = Profile {
        url,
        username,
        api: args.server.api.and_then(|a| a.family()),
        keyring: !args.no_keyring,
        gradle_init: crate::profile::GradleInitTargets::default(),
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
        maven: MavenTargets::default(),
        gradle: GradleTargets::default(),
        npm: Default::default(),
        netrc: Default::default(),
        pypirc: Default::default(),
        served: Default::default(),
    };
    // Flags are checked before anything touches the network.
    let explicit = explicit_targets(ctx, args, &mut profile, previous.as_ref())?;

    // 1. Family and edition, before any password is asked for or sent.
    let mut session = Session::transient(ctx, &args.profile, profile)?;
    ui.step(&format!(
        "Nexus at {} uses the `{}` user-token API",
        session.profile.url,
        session.family()
    ));

    // 2. The password (read, not sent), the targets, and a plan of every file.
    let password = read_password(ctx, args.password_stdin, true, &session.profile.username)?;
    if !explicit {
        reuse_or_discover(ctx, &mut session.profile, previous.as_ref(), &password)?;
    }
    let targets = session.profile.targets(&session.name, ctx.env);
    targets::preflight(&targets)?;
    if session.profile.keyring && !args.dry_run {
        // Ask the keyring now (a read): a missing or locked one is told before the password is
        // sent, not after the files were written.
        let service = service_name(&session.profile.url);
        ctx.store()?.get(&service, &session.profile.username)?;
    }

    // 3. The token (a new one if the current one expired or expires soon) and the files.
    session.use_password(password);
    let policy = ExpiryPolicy::from_flag(None, args.dry_run);
    let token = session.current_token(policy)?;
    ui.step(&format!(
        "fetched the user token of `{}`",
        session.profile.username
    ));
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
    if profile.keyring {
        if let Err(e) = ctx
            .store()
            .and_then(|s| Ok(s.set(&service, &profile.username, session.password()?)?))
        {
            return Err(Error::other(
                e.exit_status(),
                left(&format!("cannot store the password in the keyring: {e}")),
                e.hint(),
            ));
        }
        ui.verbose(
            1,
            &format!("stored the password in the keyring ({service})"),
        );
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
    if !profile.keyring {
        ui.warn(
            "--no-keyring: the password was not stored; `refresh` will need `--password-stdin`",
        );
    }
    ui.step(&format!(
        "saved profile `{}` in `{}`",
        args.profile,
        ctx.config_path.display()
    ));
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
}

/// Fills the profile's targets from the flags (validated here, before any request). Returns
/// whether the flags named any target.
fn explicit_targets(
    ctx: &Context<'_>,
    args: &LoginArgs,
    profile: &mut Profile,
    previous: Option<&Profile>,
) -> Result<bool> {
    let t = &args.targets;
    if t.gradle_init {
        if args.no_keyring {
            return Err(Error::usage(
                "`--gradle-init` and `--no-keyring` do not go together: the init script asks nexus-token at build time, which answers from the keyring",
                Some("drop `--no-keyring`, or use `--gradle-prefix NAME` to write the token into gradle.properties".into()),
            ));
        }
        profile.gradle_init = gradle_init_targets(ctx, &args.profile)?;
    }
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
    for id in &t.maven_servers {
        maven::validate_value(id).map_err(|e| {
            Error::usage(
                format!("`--maven-server {id}` cannot be used as a server id: {e}"),
                Some("give the `<id>` of a `<server>` in settings.xml".into()),
            )
        })?;
    }
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
    let mut keys: Vec<(String, String)> = Vec::new();
    for prefix in &t.gradle_prefixes {
        gradle::validate_prefix(prefix).map_err(|reason| {
            Error::usage(
                format!("`--gradle-prefix {prefix}` is not a usable repository name: {reason}"),
                Some("use the name of the repository in build.gradle, e.g. `--gradle-prefix nexus` for `nexusUsername`/`nexusPassword`".into()),
            )
        })?;
        keys.push(gradle::keys_for_prefix(prefix));
    }
    for pair in &t.gradle_keys {
        let parsed = pair
            .split_once(',')
            .map(|(u, p)| (u.trim(), p.trim()))
            .filter(|(u, p)| gradle::validate_key(u).is_ok() && gradle::validate_key(p).is_ok());
        match parsed {
            Some((u, p)) => keys.push((u.to_owned(), p.to_owned())),
            None => {
                return Err(Error::usage(
                    format!(
                        "`--gradle-keys {pair}` is not a `USER_KEY,PASSWORD_KEY` pair of property names"
                    ),
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
    profile.npm = npm_targets(ctx, t, previous)?;
    python::explicit(ctx, t, profile, previous)?;
    profile.served = served_targets(t)?;
    profile.served.go = go_proxies(ctx, t, &profile.url)?;
    Ok(profile.has_targets())
}

/// The npm part of the flags: registry URLs validated (they must have an npmrc key).
fn npm_targets(
    ctx: &Context<'_>,
    t: &crate::cli::TargetArgs,
    previous: Option<&Profile>,
) -> Result<NpmTargets> {
    for url in &t.npm_registries {
        npmrc::registry_key(url).map_err(|e| {
            Error::usage(
                format!("`--npm-registry` cannot be used: {e}"),
                Some("give the http(s) URL of a Nexus npm repository or group, e.g. `--npm-registry https://nexus.example.com/repository/npm-group/`".into()),
            )
        })?;
    }
    let npmrc = t
        .npmrc
        .clone()
        .or_else(|| previous.and_then(|p| p.npm.npmrc.clone()))
        .unwrap_or_else(|| ctx.env.user_npmrc());
    Ok(NpmTargets {
        npmrc: Some(absolute(npmrc)),
        registries: dedup(t.npm_registries.clone()),
        always_auth: t.npm_always_auth,
    })
}

/// The served part of the flags (`--docker-registry`, `--cargo-registry`, `--pnpm-registry`),
/// validated before any request.
fn served_targets(t: &crate::cli::TargetArgs) -> Result<ServedTargets> {
    let mut served = ServedTargets::default();
    for host in &t.docker_registries {
        let key = crate::targets::docker::editor::registry_key(host).map_err(|e| {
            Error::usage(
                format!("`--docker-registry {host}` cannot be used: {e}"),
                Some("give the registry as Docker names it, e.g. `--docker-registry nexus.example.com:8443`".into()),
            )
        })?;
        served.docker.push(key);
    }
    for spec in &t.cargo_registries {
        let (name, index) = match spec.split_once('=') {
            Some((name, url)) => (name.trim(), Some(url.trim().to_owned())),
            None => (spec.trim(), None),
        };
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && index.as_deref().is_none_or(|u| {
                url::Url::parse(u.strip_prefix("sparse+").unwrap_or(u))
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            });
        if !valid {
            return Err(Error::usage(
                format!("`--cargo-registry {spec}` is not `NAME` or `NAME=INDEX_URL`"),
                Some("e.g. `--cargo-registry nexus=https://nexus.example.com/repository/cargo-group/` (NAME: letters, digits, `-`, `_`)".into()),
            ));
        }
        served.cargo.push(CargoRegistry {
            name: name.to_owned(),
            index,
        });
    }
    for url in &t.pnpm_registries {
        npmrc::registry_key(url).map_err(|e| {
            Error::usage(
                format!("`--pnpm-registry` cannot be used: {e}"),
                Some("give the http(s) URL of a Nexus npm repository or group".into()),
            )
        })?;
    }
    served.docker = dedup(served.docker);
    served.cargo.dedup_by(|a, b| a.name == b.name);
    served.pnpm = dedup(t.pnpm_registries.clone());
    Ok(served)
}

/// `--go-proxy URL`s: https only (exit 2 otherwise), and Go must have an env file.
fn go_proxies(ctx: &Context<'_>, t: &crate::cli::TargetArgs, base: &str) -> Result<Vec<String>> {
    use crate::targets::go;
    let proxies = t
        .go_proxies
        .iter()
        .map(|url| go::target::proxy_flag(url))
        .collect::<Result<Vec<_>>>()?;
    if !proxies.is_empty() && go::env_file(ctx.env).is_none() {
        return Err(Error::usage(
            "`--go-proxy`: `GOENV=off`, so Go reads no env file that could name the proxy",
            Some("unset `GOENV` (or point it at a file), then log in again".into()),
        ));
    }
    for url in &proxies {
        if go::helper::base_prefix(url) != go::helper::base_prefix(base) {
            ctx.ui.warn(&format!(
                "`--go-proxy {url}` is not on the host of {base}: Go gets the token only for that host"
            ));
        }
    }
    Ok(dedup(proxies))
}

/// Discovery in the user npmrc: `registry=` and `@scope:registry=` URLs under the Nexus URL. A
/// file that cannot be read only costs a warning: Maven discovery may still find targets.
fn discover_npm(ctx: &Context<'_>, profile: &Profile) -> (PathBuf, Vec<String>) {
    let path = profile.npm.npmrc.clone().unwrap_or_default();
    let found = fs::read_optional(&path).and_then(|bytes| match bytes {
        Some(bytes) => {
            npmrc::discover(&bytes, &profile.url).map_err(|e| Error::file(&path, "parse", e))
        }
        None => Ok(Vec::new()),
    });
    match found {
        Ok(found) => (path, found),
        Err(e) => {
            let cause = std::error::Error::source(&e)
                .map(|c| format!(": {c}"))
                .unwrap_or_default();
            ctx.ui
                .warn(&format!("npm registries not discovered: {e}{cause}"));
            (path, Vec::new())
        }
    }
}

/// Without target flags: the targets saved in the profile (same server), else discovery.
fn reuse_or_discover(
    ctx: &Context<'_>,
    profile: &mut Profile,
    previous: Option<&Profile>,
    password: &crate::secret::Secret<String>,
) -> Result<()> {
    if let Some(previous) = previous.filter(|p| p.url == profile.url && p.has_targets()) {
        profile.gradle_init = previous.gradle_init.clone();
        profile.maven.servers = previous.maven.servers.clone();
        profile.gradle.keys = previous.gradle.keys.clone();
        profile.npm.registries = previous.npm.registries.clone();
        profile.npm.always_auth |= previous.npm.always_auth;
        python::reuse(profile, previous);
        profile.served = previous.served.clone();
        ctx.ui.verbose(1, "using the targets saved in the profile");
        return Ok(());
    }
    // Discovery: the servers that are ours on evidence (cli.md): an id that a mirror or
    // repository under this Nexus uses, or a password that is the login password or a token we
    // wrote before. A matching username alone is not enough.
    let path = profile.maven.settings.clone().unwrap_or_default();
    let found = match fs::read_optional(&path)? {
        Some(bytes) => {
            let security = profile
                .maven
                .settings_security
                .clone()
                .unwrap_or_else(|| ctx.env.maven_settings_security());
            let master = crate::maven_security::master_password(&security)
                .ok()
                .flatten();
            let fingerprints: Vec<String> = crate::profile::State::load(&ctx.state_path)
                .map(|s| {
                    s.profiles
                        .into_values()
                        .filter_map(|p| p.token_fingerprint)
                        .collect()
                })
                .unwrap_or_default();
            let known = maven::KnownSecrets {
                passwords: &[password],
                token_fingerprints: &fingerprints,
                fingerprint: &crate::profile::fingerprint,
                master_password: master.as_ref(),
            };
            let discovery =
                maven::discover_servers(&bytes, &profile.url, &profile.username, &known)
                    .map_err(|e| Error::file(&path, "parse", e))?;
            for left in &discovery.left_alone {
                ctx.ui.step(&format!(
                    "left `<server>` `{}` alone: {}",
                    left.id, left.reason
                ));
            }
            discovery.taken_ids()
        }
        None => Vec::new(),
    };
    let (npmrc_path, npm_found) = discover_npm(ctx, profile);
    let python_found = python::discover(ctx, profile)?;
    let (go_path, go_found) = match crate::targets::go::target::discover(ctx.env, &profile.url) {
        Ok(found) => found,
        Err(e) => {
            ctx.ui.warn(&format!("Go proxies not discovered: {e}"));
            (PathBuf::new(), Vec::new())
        }
    };
    if !go_found.is_empty() {
        ctx.ui.step(&format!(
            "found Go proxies for this Nexus in `{}`: {}",
            go_path.display(),
            go_found.join(", ")
        ));
        profile.served.go = go_found.clone();
    }
    if found.is_empty() && npm_found.is_empty() && !python_found && go_found.is_empty() {
        return Err(Error::usage(
            format!(
                "found no `<server>` in `{}` and no npm registry in `{}` that points at {}",
                path.display(),
                npmrc_path.display(),
                profile.url,
            ),
            Some("name the targets: `--maven-server ID`, `--gradle-prefix NAME`, `--gradle-init`, `--npm-registry URL`, `--netrc`, `--pypirc NAME=URL`, `--docker-registry HOST`, `--cargo-registry NAME`, `--pnpm-registry URL` and/or `--go-proxy URL` (the named ones repeatable); nothing was sent to Nexus".into()),
        ));
    }
    if !found.is_empty() {
        ctx.ui.step(&format!(
            "found Maven servers for this Nexus in `{}`: {}",
            path.display(),
            found.join(", ")
        ));
        profile.maven.servers = found;
    }
    if !npm_found.is_empty() {
        ctx.ui.step(&format!(
            "found npm registries for this Nexus in `{}`: {}",
            npmrc_path.display(),
            npm_found.join(", ")
        ));
        profile.npm.registries = npm_found;
    }
    Ok(())
}

/// `--gradle-init`: the profile's script in Gradle's `init.d` (the profile name must make a
/// file name).
fn gradle_init_targets(ctx: &Context<'_>, name: &str) -> Result<crate::profile::GradleInitTargets> {
    crate::targets::gradle_init::validate_profile(name).map_err(|reason| {
        Error::usage(
            format!("`--gradle-init` names its script after the profile, but `{name}` cannot be part of a file name: {reason}"),
            Some("use a profile name of letters, digits, `-`, `_` and `.`, e.g. `--profile work`".into()),
        )
    })?;
    Ok(crate::profile::GradleInitTargets {
        script: Some(absolute(
            ctx.env
                .gradle_init_dir()
                .join(crate::targets::gradle_init::file_name(name)),
        )),
        profile: name.to_owned(),
    })
}

fn dedup(mut items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.clone()));
    items
}

/// A path as given, made absolute against the working directory (a schedule runs elsewhere),
/// with `.` and `..` resolved lexically (a symbolic link stays a link).
fn absolute(path: PathBuf) -> PathBuf {
    use std::path::Component;
    let joined = if path.is_absolute() {
        path
    } else {
        match std::env::current_dir() {
            Ok(dir) => dir.join(&path),
            Err(_) => return path,
        }
    };
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

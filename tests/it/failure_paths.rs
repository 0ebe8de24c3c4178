//! Issue 23, failure paths: no dead token served, every profile found, nothing orphaned. Each
//! test failed before its fix; the item number of the issue is in the test's comment. In process
//! (the in-memory keyring of `in_process::Harness`) against the emulator.

use base64::Engine as _;

use crate::in_process::{Harness, requests_to_nexus};
use crate::support::emulator_util::{USER, nexus3 as emulator};

/// `Basic <base64(nameCode:passCode)>` plus the newline `token --format basic` prints.
fn basic(name: &str, pass: &str) -> String {
    format!(
        "Basic {}\n",
        base64::engine::general_purpose::STANDARD.encode(format!("{name}:{pass}"))
    )
}

/// The token the emulator holds for the user, as `token --format basic` prints it.
fn server_basic(emu: &nexus_token::emulator::Emulator) -> String {
    let (name, pass) = emu.token_of(USER).unwrap();
    basic(&name, &pass)
}

// ---- item 1: a failed refresh never poisons the token cache ---------------------------------

#[test]
fn refresh_checks_every_file_before_asking_nexus() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus"]);
    std::fs::write(h.settings(), "<settings><servers><server>\n").unwrap();
    emu.clear_requests();
    let out = h.run(&["refresh"], None);
    assert_eq!(out.code, 5, "a malformed file is exit 5: {}", out.stderr);
    assert_eq!(
        requests_to_nexus(&emu),
        0,
        "the preflight stopped refresh before the password went to Nexus: {}",
        out.stderr
    );
}

#[test]
fn a_refresh_that_fetched_a_token_but_could_not_write_still_caches_it() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus"]);
    // The token is reset on the server to a value settings.xml cannot hold: refresh fetches it,
    // then fails to write it (after the preflight, which plans with a placeholder).
    emu.set_token(USER, "nameCode1", "pass${env.HOME}word");
    let out = h.run(&["refresh"], None);
    assert_eq!(out.code, 4, "the write fails: {}", out.stderr);

    emu.clear_requests();
    let served = h.run(&["token", "--format", "basic"], None);
    assert_eq!(served.code, 0, "token answers: {}", served.stderr);
    assert_eq!(
        served.stdout,
        basic("nameCode1", "pass${env.HOME}word"),
        "the cache serves the token refresh fetched, not the one the server reset"
    );
    assert_eq!(
        requests_to_nexus(&emu),
        0,
        "the state's fingerprint matches the cached token: answered from the cache"
    );
    let status = h.run(&["status", "--json"], None);
    assert!(
        status.stdout.contains("\"state\": \"stale\""),
        "status shows that settings.xml does not hold the current token: {}",
        status.stdout
    );
}

// ---- item 2: a token reset on the server is noticed within the cache's max age --------------

/// Rewrites the cached token's time as if it had been cached `secs` seconds ago.
fn age_the_cache(h: &Harness, emu: &nexus_token::emulator::Emulator, secs: i64) {
    use nexus_token::store::SecretStore as _;
    let service = nexus_token::store::cache_service_name(&emu.base_url());
    let cached = h
        .store
        .get(&service, USER)
        .unwrap()
        .expect("a cached token");
    let mut json: serde_json::Value = serde_json::from_str(cached.expose()).unwrap();
    let at = json["cachedAt"]
        .as_i64()
        .expect("the cache entry says when it was written");
    json["cachedAt"] = serde_json::json!(at - secs * 1000);
    h.store
        .set(&service, USER, &nexus_token::Secret::new(json.to_string()))
        .unwrap();
}

#[test]
fn a_cached_token_older_than_the_max_age_is_confirmed_with_nexus() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus"]);
    let before = server_basic(&emu);
    emu.reset_token(USER);
    emu.clear_requests();

    // A young cache answers without a request (the served fast path).
    let young = h.run(&["token", "--format", "basic"], None);
    assert_eq!(
        young.stdout, before,
        "a young cache answers: {}",
        young.stderr
    );
    assert_eq!(
        requests_to_nexus(&emu),
        0,
        "no request while the cache is young"
    );

    // Older than the default max age (10 minutes): confirmed with Nexus, the new token served.
    age_the_cache(&h, &emu, 601);
    let old = h.run(&["token", "--format", "basic"], None);
    assert_eq!(old.code, 0, "{}", old.stderr);
    assert_eq!(
        old.stdout,
        server_basic(&emu),
        "the token reset on the server is noticed"
    );
    assert!(requests_to_nexus(&emu) > 0, "Nexus was asked");

    // The confirmed token is cached again: the next call makes no request.
    emu.clear_requests();
    let again = h.run(&["token", "--format", "basic"], None);
    assert_eq!(again.stdout, server_basic(&emu));
    assert_eq!(
        requests_to_nexus(&emu),
        0,
        "the confirmed token is cached anew"
    );

    // `NEXUS_TOKEN_CACHE_MAX_AGE=0` always confirms; a shorter max age ages the cache sooner.
    emu.reset_token(USER);
    let zero = h.env().with_var("NEXUS_TOKEN_CACHE_MAX_AGE", "0");
    let out = h.run_env(&zero, &["token", "--format", "basic"], None);
    assert_eq!(
        out.stdout,
        server_basic(&emu),
        "0 = always ask: {}",
        out.stderr
    );
    emu.reset_token(USER);
    age_the_cache(&h, &emu, 31);
    let short = h.env().with_var("NEXUS_TOKEN_CACHE_MAX_AGE", "30");
    let out = h.run_env(&short, &["token", "--format", "basic"], None);
    assert_eq!(
        out.stdout,
        server_basic(&emu),
        "31 s > 30 s: {}",
        out.stderr
    );
}

#[test]
fn a_nonsense_cache_max_age_is_a_usage_error() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus"]);
    for bad in ["ten", "-5", "1.5"] {
        let env = h.env().with_var("NEXUS_TOKEN_CACHE_MAX_AGE", bad);
        let out = h.run_env(&env, &["token"], None);
        assert_eq!(out.code, 2, "`{bad}` is exit 2: {}", out.stderr);
        assert!(
            out.stderr.contains("NEXUS_TOKEN_CACHE_MAX_AGE") && out.stdout.is_empty(),
            "the message names the variable: {}",
            out.stderr
        );
    }
}

#[test]
fn token_no_cache_always_asks_nexus() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--maven-server", "nexus"]);
    emu.reset_token(USER);
    emu.clear_requests();
    let out = h.run(&["token", "--no-cache", "--format", "basic"], None);
    assert_eq!(out.stdout, server_basic(&emu), "{}", out.stderr);
    assert!(requests_to_nexus(&emu) > 0, "Nexus was asked");
}

#[test]
fn doctor_fails_when_the_cache_holds_another_token_than_nexus() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--cargo-registry", "nexus"]);
    let ok = h.run(&["doctor"], None);
    assert!(
        ok.all()
            .contains("the token cache in the keyring holds the token Nexus answers now"),
        "a current cache is ok:\n{}",
        ok.all()
    );
    emu.reset_token(USER);
    let out = h.run(&["doctor"], None);
    assert_ne!(out.code, 0, "doctor fails:\n{}", out.all());
    assert!(
        out.all()
            .contains("holds another token than Nexus answers now"),
        "doctor names the stale cache:\n{}",
        out.all()
    );
}

// ---- item 15: a locked keyring is reported once by doctor -----------------------------------

#[test]
fn doctor_reports_a_locked_keyring_once() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(&emu, "pw", &["--cargo-registry", "nexus"]);
    h.store
        .set_failure(Some(nexus_token::store::Failure::Locked));
    let out = h.run(&["doctor"], None);
    assert_ne!(out.code, 0, "a locked keyring fails doctor:\n{}", out.all());
    assert_eq!(
        out.all().matches("the keyring is locked").count(),
        1,
        "one line says so:\n{}",
        out.all()
    );
}

// ---- item 3: a profile saved with `--config FILE` is served from that file ------------------

#[test]
fn every_served_config_names_a_profiles_file_that_is_not_the_default() {
    let emu = emulator("pw");
    let h = Harness::new();
    let file = h.home().join("team/profiles.toml");
    let file_s = file.display().to_string();
    let host = emu.addr().to_string();
    let group = emu.npm_group_url();
    h.login(
        &emu,
        "pw",
        &[
            "--config",
            &file_s,
            "--profile",
            "work",
            "--cargo-registry",
            "nexus",
            "--pnpm-registry",
            &group,
            "--docker-registry",
            &host,
            "--gradle-init",
        ],
    );
    let cargo = std::fs::read_to_string(h.home().join(".cargo/config.toml")).unwrap();
    assert!(
        cargo.contains(&format!(
            "\"--config\", \"{file_s}\", \"token\", \"--profile\", \"work\""
        )),
        "Cargo's provider names the profiles file:\n{cargo}"
    );
    let wrappers: Vec<_> = std::fs::read_dir(h.home().join(".config/nexus-token"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("pnpm-token-helper-work@")
        })
        .collect();
    assert_eq!(
        wrappers.len(),
        1,
        "one pnpm wrapper for this file's profile"
    );
    let wrapper = std::fs::read_to_string(wrappers[0].path()).unwrap();
    assert!(
        wrapper.contains(&format!("--config '{file_s}' token --profile 'work'")),
        "the pnpm wrapper names the profiles file:\n{wrapper}"
    );
    let docker: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(h.home().join(".docker/config.json")).unwrap(),
    )
    .unwrap();
    let helper = docker["credHelpers"][&host].as_str().unwrap().to_owned();
    assert!(
        helper.starts_with("nexus-token@"),
        "Docker gets a helper name of its own for this profiles file: {helper}"
    );
    let docker_wrapper = h
        .home()
        .join(format!(".local/bin/docker-credential-{helper}"));
    let text = std::fs::read_to_string(&docker_wrapper).unwrap();
    assert!(
        text.contains(&format!("NEXUS_TOKEN_CONFIG='{file_s}' exec "))
            && text.contains("docker-credential-nexus-token'"),
        "the wrapper passes the profiles file to the shared helper:\n{text}"
    );
    let init_dir = h.home().join(".gradle/init.d");
    let scripts: Vec<_> = std::fs::read_dir(&init_dir).unwrap().flatten().collect();
    assert_eq!(scripts.len(), 1);
    let script = std::fs::read_to_string(scripts[0].path()).unwrap();
    assert!(
        script.contains(&format!("def nexusTokenConfig = '{file_s}'")),
        "the Gradle init script names the profiles file:\n{script}"
    );

    // The default profiles file: nothing names it.
    let h2 = Harness::new();
    h2.login(&emu, "pw", &["--cargo-registry", "nexus", "--gradle-init"]);
    let cargo = std::fs::read_to_string(h2.home().join(".cargo/config.toml")).unwrap();
    assert!(!cargo.contains("--config"), "{cargo}");
}

// ---- item 4: two profiles never share a pnpm wrapper ----------------------------------------

#[test]
fn profiles_whose_names_differ_only_in_odd_characters_get_their_own_wrappers() {
    let (a, b) = (emulator("pw"), emulator("pw"));
    let h = Harness::new();
    let (group_a, group_b) = (a.npm_group_url(), b.npm_group_url());
    h.login(
        &a,
        "pw",
        &["--profile", "dev team", "--pnpm-registry", &group_a],
    );
    h.login(
        &b,
        "pw",
        &["--profile", "dev_team", "--pnpm-registry", &group_b],
    );
    let npmrc = std::fs::read_to_string(h.home().join(".npmrc")).unwrap();
    let helpers: Vec<&str> = npmrc
        .lines()
        .filter_map(|l| l.split_once(":tokenHelper=").map(|(_, v)| v))
        .collect();
    assert_eq!(helpers.len(), 2, "{npmrc}");
    assert_ne!(helpers[0], helpers[1], "two wrappers:\n{npmrc}");
    let alice = std::path::PathBuf::from(
        helpers
            .iter()
            .find(|h| h.contains("dev%20team"))
            .expect("the space is encoded"),
    );
    let out = h.run(
        &["logout", "--profile", "dev_team", "--remove-credentials"],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(&alice).unwrap();
    assert!(
        text.contains("--profile 'dev team'"),
        "the other profile's wrapper stays and still names its profile:\n{text}"
    );
}

// ---- item 5: the shared Docker helper link stays while a profile uses it --------------------

#[test]
fn logout_keeps_the_docker_helper_link_another_profile_uses() {
    let emu = emulator("pw");
    let h = Harness::new();
    let other = emulator("pw");
    let (host_a, host_b) = (emu.addr().to_string(), other.addr().to_string());
    h.login(
        &emu,
        "pw",
        &["--profile", "a", "--docker-registry", &host_a],
    );
    h.login(
        &other,
        "pw",
        &["--profile", "b", "--docker-registry", &host_b],
    );
    let link = h.home().join(".local/bin/docker-credential-nexus-token");
    assert!(link.symlink_metadata().is_ok(), "login made the link");
    let out = h.run(&["logout", "--profile", "b", "--remove-credentials"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        link.symlink_metadata().is_ok(),
        "profile a still uses the link: {}",
        out.stderr
    );
    let out = h.run(&["logout", "--profile", "a", "--remove-credentials"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        link.symlink_metadata().is_err(),
        "the last Docker profile's logout removes it: {}",
        out.stderr
    );
}

#[test]
fn logout_keeps_the_link_a_wrapper_of_another_profiles_file_execs() {
    let emu = emulator("pw");
    let h = Harness::new();
    let other = emulator("pw");
    let file = h.home().join("team.toml").display().to_string();
    let (host_a, host_b) = (emu.addr().to_string(), other.addr().to_string());
    h.login(&emu, "pw", &["--docker-registry", &host_a]);
    h.login(
        &other,
        "pw",
        &["--config", &file, "--docker-registry", &host_b],
    );
    let link = h.home().join(".local/bin/docker-credential-nexus-token");
    let out = h.run(&["logout", "--remove-credentials"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        link.symlink_metadata().is_ok(),
        "the other file's wrapper still execs the link: {}",
        out.stderr
    );
    let out = h.run(&["--config", &file, "logout", "--remove-credentials"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let left: Vec<_> = std::fs::read_dir(h.home().join(".local/bin"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.is_empty(),
        "the wrapper and then the link are gone: {left:?}"
    );
}

// ---- item 6: `--no-keyring` with a served target is refused at login ------------------------

#[test]
fn no_keyring_with_a_served_target_is_refused_before_anything_is_written() {
    let emu = emulator("pw");
    let host = emu.addr().to_string();
    let group = emu.npm_group_url();
    for flags in [
        vec!["--docker-registry", host.as_str()],
        vec!["--cargo-registry", "nexus"],
        vec!["--pnpm-registry", group.as_str()],
    ] {
        let h = Harness::new();
        emu.clear_requests();
        let url = emu.base_url();
        let mut args = vec![
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--password-stdin",
            "--no-keyring",
        ];
        args.extend_from_slice(&flags);
        let out = h.run(&args, Some("pw"));
        assert_eq!(out.code, 2, "{flags:?} with --no-keyring: {}", out.stderr);
        assert!(
            out.stderr.contains("--no-keyring"),
            "the message names the conflict: {}",
            out.stderr
        );
        assert_eq!(requests_to_nexus(&emu), 0, "nothing was asked of Nexus");
        let written: Vec<_> = walk(h.home());
        assert!(written.is_empty(), "nothing was written: {written:?}");
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

// ---- item 10: a repeated name is saved once ---------------------------------------------------

#[test]
fn repeated_target_flags_are_saved_once() {
    let emu = emulator("pw");
    let h = Harness::new();
    h.login(
        &emu,
        "pw",
        &[
            "--cargo-registry",
            "a",
            "--cargo-registry",
            "b",
            "--cargo-registry",
            "a",
            "--gradle-prefix",
            "x",
            "--gradle-prefix",
            "y",
            "--gradle-prefix",
            "x",
            "--maven-server",
            "m",
            "--maven-server",
            "n",
            "--maven-server",
            "m",
        ],
    );
    let config = std::fs::read_to_string(h.home().join(".config/nexus-token/config.toml")).unwrap();
    assert_eq!(config.matches("name = \"a\"").count(), 1, "{config}");
    assert_eq!(config.matches("\"xUsername\"").count(), 1, "{config}");
    assert_eq!(config.matches("\"m\"").count(), 1, "{config}");
}

// ---- item 7: no cached token outlives the profile's URL or its keyring ----------------------

#[test]
fn the_cached_token_goes_with_the_old_url_and_with_a_no_keyring_login() {
    use nexus_token::store::{SecretStore as _, cache_service_name};
    let (old, new) = (emulator("pw"), emulator("pw"));
    let h = Harness::new();
    h.login(&old, "pw", &["--maven-server", "nexus"]);
    let old_cache = cache_service_name(&old.base_url());
    assert!(
        h.store.get(&old_cache, USER).unwrap().is_some(),
        "login cached the token"
    );
    h.login(&new, "pw", &["--maven-server", "nexus"]);
    assert!(
        h.store.get(&old_cache, USER).unwrap().is_none(),
        "the token cached for the old URL is gone"
    );
    let new_cache = cache_service_name(&new.base_url());
    assert!(h.store.get(&new_cache, USER).unwrap().is_some());
    h.login(&new, "pw", &["--maven-server", "nexus", "--no-keyring"]);
    assert!(
        h.store.get(&new_cache, USER).unwrap().is_none(),
        "a --no-keyring login leaves no cached token behind"
    );
}

// ---- item 14: a dry run says "would create" for a file that does not exist ------------------

#[test]
fn a_dry_run_says_it_would_create_a_missing_file() {
    let emu = emulator("pw");
    let h = Harness::new();
    let out = h.login(
        &emu,
        "pw",
        &[
            "--maven-server",
            "nexus",
            "--gradle-prefix",
            "nexus",
            "--dry-run",
        ],
    );
    let settings = h.settings().display().to_string();
    assert!(
        out.stderr.contains(&format!("would create `{settings}`")),
        "{}",
        out.stderr
    );
    std::fs::create_dir_all(h.properties().parent().unwrap()).unwrap();
    std::fs::write(h.properties(), "org.gradle.daemon=false\n").unwrap();
    let out = h.login(
        &emu,
        "pw",
        &[
            "--maven-server",
            "nexus",
            "--gradle-prefix",
            "nexus",
            "--dry-run",
        ],
    );
    let properties = h.properties().display().to_string();
    assert!(
        out.stderr.contains(&format!("would update `{properties}`"))
            && out.stderr.contains(&format!("would create `{settings}`")),
        "{}",
        out.stderr
    );
}

// ---- item 11: a Cargo home with the legacy `config` file gets the provider there -------------

#[test]
fn a_legacy_cargo_config_file_is_the_one_written() {
    let emu = emulator("pw");
    let h = Harness::new();
    let legacy = h.home().join(".cargo/config");
    std::fs::create_dir_all(legacy.parent().unwrap()).unwrap();
    std::fs::write(&legacy, "[net]\nretry = 3\n").unwrap();
    h.login(&emu, "pw", &["--cargo-registry", "nexus"]);
    let text = std::fs::read_to_string(&legacy).unwrap();
    assert!(
        text.starts_with("[net]\nretry = 3\n") && text.contains("credential-provider"),
        "cargo reads `config` while it exists: the provider goes there:\n{text}"
    );
    assert!(
        !h.home().join(".cargo/config.toml").exists(),
        "no config.toml that cargo would ignore"
    );
    let status = h.run(&["status", "--json"], None);
    assert!(
        status.stdout.contains("\"state\": \"current\""),
        "{}",
        status.stdout
    );
}

// ---- item 13: a Docker registry Docker cannot key is refused at login ------------------------

#[test]
fn a_docker_registry_with_a_bad_port_a_path_or_docker_hub_is_exit_2() {
    let emu = emulator("pw");
    let h = Harness::new();
    let url = emu.base_url();
    for bad in ["h:99999", "h:abc", "::1", "docker.io", "h:5000/team"] {
        emu.clear_requests();
        let out = h.run(
            &[
                "login",
                "--url",
                &url,
                "--username",
                USER,
                "--password-stdin",
                "--docker-registry",
                bad,
            ],
            Some("pw"),
        );
        assert_eq!(out.code, 2, "`{bad}`: {}", out.stderr);
        assert_eq!(requests_to_nexus(&emu), 0, "`{bad}`: no request");
    }
}

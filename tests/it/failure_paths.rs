//! Issue 23, failure paths: no dead token served, every profile found, nothing orphaned. Each
//! test failed before its fix; the item number of the issue is in the test's comment. In process
//! (the in-memory keyring of `in_process::Harness`) against the emulator.

use base64::Engine as _;

use crate::in_process::{Harness, USER, emulator, requests_to_nexus};

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
    let cached = h.store.get(&service, USER).unwrap().expect("a cached token");
    let mut json: serde_json::Value = serde_json::from_str(cached.expose()).unwrap();
    let at = json["cachedAt"].as_i64().expect("the cache entry says when it was written");
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
    assert_eq!(young.stdout, before, "a young cache answers: {}", young.stderr);
    assert_eq!(requests_to_nexus(&emu), 0, "no request while the cache is young");

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
    assert_eq!(requests_to_nexus(&emu), 0, "the confirmed token is cached anew");

    // `NEXUS_TOKEN_CACHE_MAX_AGE=0` always confirms; a shorter max age ages the cache sooner.
    emu.reset_token(USER);
    let zero = h.env().with_var("NEXUS_TOKEN_CACHE_MAX_AGE", "0");
    let out = h.run_env(&zero, &["token", "--format", "basic"], None);
    assert_eq!(out.stdout, server_basic(&emu), "0 = always ask: {}", out.stderr);
    emu.reset_token(USER);
    age_the_cache(&h, &emu, 31);
    let short = h.env().with_var("NEXUS_TOKEN_CACHE_MAX_AGE", "30");
    let out = h.run_env(&short, &["token", "--format", "basic"], None);
    assert_eq!(out.stdout, server_basic(&emu), "31 s > 30 s: {}", out.stderr);
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

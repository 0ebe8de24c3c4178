//! Token expiry (Nexus 3.69+) end to end: the built binary against the emulator with expiry on.
//! `login` records the expiry, `status` shows it, `refresh` generates a new token (POST) when the
//! token has expired or will within the margin, and leaves it alone otherwise. Servers without
//! expiry keep the plain two requests per refresh. Profiles use `--no-keyring`, so no Secret
//! Service is needed.

use crate::support;

use std::time::Duration;

use crate::support::emulator_util::USER;
use crate::support::{Sandbox, assert_no_secret, unique_password};
use nexus_token::emulator::{Emulator, EmulatorConfig, RequestKind};
use nexus_token::nexus::Family;

const DAY: Duration = Duration::from_secs(86_400);

fn emulator(password: &str, expiry: Option<Duration>) -> Emulator {
    Emulator::start(
        EmulatorConfig::new(Family::Nexus3)
            .user(USER, password)
            .expiry(expiry),
    )
    .unwrap()
}

fn login(sb: &Sandbox, emu: &Emulator, password: &str) -> support::Run {
    let extra = [
        "--no-keyring",
        "--maven-server",
        "nexus",
        "--gradle-prefix",
        "nexus",
    ];
    sb.login_ok(&emu.base_url(), USER, password, &extra)
}

fn refresh(sb: &Sandbox, password: &str, extra: &[&str]) -> support::Run {
    let mut args = vec!["refresh", "--password-stdin"];
    args.extend_from_slice(extra);
    sb.run(&args, Some(&format!("{password}\n")))
}

fn count(emu: &Emulator, method: &str, kind: RequestKind) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.method == method && r.kind == kind)
        .count()
}

fn state(sb: &Sandbox) -> toml::Table {
    let path = sb.home().join(".local/state/nexus-token/state.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the state file `{}` exists: {e}", path.display()));
    let table: toml::Table = toml::from_str(&text).unwrap();
    table["profiles"]["default"].as_table().unwrap().clone()
}

fn status_json(sb: &Sandbox) -> serde_json::Value {
    let run = sb.run(&["status", "--json"], None);
    assert_eq!(run.code, 0, "status --json succeeds: {}", run.all());
    let json: serde_json::Value =
        serde_json::from_str(&run.stdout).expect("status --json prints JSON");
    json["profiles"][0].clone()
}

fn files_hold(sb: &Sandbox, name: &str, pass: &str) -> bool {
    let settings = std::fs::read_to_string(sb.settings()).unwrap();
    let props = std::fs::read_to_string(sb.properties()).unwrap();
    settings.contains(&format!("<username>{name}</username>"))
        && settings.contains(&format!("<password>{pass}</password>"))
        && props.contains(&format!("nexusUsername={name}"))
        && props.contains(&format!("nexusPassword={pass}"))
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

#[test]
fn login_records_the_expiry_and_status_shows_it() {
    let pw = unique_password();
    let emu = emulator(&pw, Some(30 * DAY));
    let sb = Sandbox::new();
    let run = login(&sb, &emu, &pw);
    assert_no_secret(&run.all(), &pw, "login output");
    assert_eq!(
        count(&emu, "POST", RequestKind::Token),
        0,
        "a login with a fresh 30-day token generates no new one"
    );

    let st = state(&sb);
    assert_eq!(
        st.get("expiration_enabled").and_then(toml::Value::as_bool),
        Some(true),
        "the state records that the server expires tokens: {st:?}"
    );
    let at = st
        .get("expires_at_ms")
        .and_then(toml::Value::as_integer)
        .expect("the state records the expiry time");
    let expected = now_ms() + 30 * 86_400_000;
    assert!(
        (expected - at).abs() < 3_600_000,
        "the recorded expiry is 30 days from now (got {at}, expected about {expected})"
    );

    let p = status_json(&sb);
    assert_eq!(
        p["expiration_enabled"],
        serde_json::json!(true),
        "status --json says the server expires tokens: {p}"
    );
    assert_eq!(
        p["days_left"],
        serde_json::json!(29),
        "status --json shows 29 whole days left of a 30-day token: {p}"
    );
    let expires_at = p["expires_at"]
        .as_str()
        .expect("status --json has an RFC 3339 `expires_at`");
    let parsed =
        time::OffsetDateTime::parse(expires_at, &time::format_description::well_known::Rfc3339)
            .expect("`expires_at` is RFC 3339");
    assert!(
        (parsed.unix_timestamp() * 1000 - at).abs() < 1000,
        "`expires_at` is the recorded expiry"
    );

    let run = sb.run(&["status"], None);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains(&format!("token expiry:  {expires_at} (29 days left)")),
        "status shows the expiry time and the days left:\n{}",
        run.stdout
    );
}

#[test]
fn an_expired_token_is_regenerated_by_refresh() {
    let pw = unique_password();
    let emu = emulator(&pw, Some(30 * DAY));
    let sb = Sandbox::new();
    login(&sb, &emu, &pw);
    let (old_name, old_pass) = emu.token_of(USER).unwrap();
    assert!(
        files_hold(&sb, &old_name, &old_pass),
        "login wrote the first token"
    );

    emu.expire_token(USER);
    assert!(
        status_json(&sb)["days_left"].as_i64().unwrap() >= 29,
        "status reads only local state: it still shows the old expiry"
    );
    emu.clear_requests();
    let run = refresh(&sb, &pw, &[]);
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    assert_no_secret(&run.all(), &pw, "refresh output");
    assert_no_secret(&run.all(), &old_pass, "refresh output");
    assert!(
        run.stderr
            .contains("the token has expired: generating a new one"),
        "refresh says why it generates a token:\n{}",
        run.stderr
    );
    assert_eq!(
        count(&emu, "POST", RequestKind::Token),
        1,
        "exactly one POST generated the new token: {:?}",
        emu.requests()
    );

    let (name, pass) = emu.token_of(USER).unwrap();
    assert_ne!(pass, old_pass, "the server now holds a new token");
    assert!(
        files_hold(&sb, &name, &pass),
        "every target holds the generated token"
    );
    let p = status_json(&sb);
    assert_eq!(
        p["days_left"],
        serde_json::json!(29),
        "status shows the new token's expiry: {p}"
    );
    assert!(
        p["targets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["state"] == "current"),
        "status says the files hold the current token: {p}"
    );

    // The next refresh finds a fresh token: no POST, and it says how long it lasts.
    emu.clear_requests();
    let run = refresh(&sb, &pw, &[]);
    assert_eq!(run.code, 0, "second refresh succeeds: {}", run.all());
    assert_eq!(
        count(&emu, "POST", RequestKind::Token),
        0,
        "a fresh token is not regenerated"
    );
    assert!(
        run.stderr.contains("the token expires in 29 days"),
        "refresh says how many days are left:\n{}",
        run.stderr
    );
}

#[test]
fn a_token_within_the_margin_is_regenerated_and_one_outside_is_not() {
    let pw = unique_password();
    // A 5-day token: the default 7-day margin is capped at half the lifetime (2.5 days), so
    // short-lived tokens are not regenerated on every run.
    let emu = emulator(&pw, Some(5 * DAY));
    let sb = Sandbox::new();
    let run = login(&sb, &emu, &pw);
    assert_eq!(
        count(&emu, "POST", RequestKind::Token),
        0,
        "login keeps a fresh 5-day token: {}",
        run.all()
    );
    let (_, first_pass) = emu.token_of(USER).unwrap();

    emu.clear_requests();
    let run = refresh(&sb, &pw, &[]);
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    assert_eq!(
        count(&emu, "POST", RequestKind::Token),
        0,
        "4 days left is outside the capped default margin: no POST"
    );
    assert!(
        run.stderr.contains("the token expires in 4 days"),
        "refresh says how many days are left:\n{}",
        run.stderr
    );
    assert_eq!(
        emu.token_of(USER).unwrap().1,
        first_pass,
        "the token is unchanged"
    );

    // --dry-run says what it would do and changes nothing on the server.
    emu.clear_requests();
    let run = refresh(&sb, &pw, &["--expiry-margin", "6", "--dry-run"]);
    assert_eq!(run.code, 0, "dry run succeeds: {}", run.all());
    assert!(
        run.stderr.contains("a new one would be generated"),
        "the dry run says a token would be generated:\n{}",
        run.stderr
    );
    assert_eq!(
        count(&emu, "POST", RequestKind::Token),
        0,
        "a dry run never POSTs"
    );
    assert_eq!(
        emu.token_of(USER).unwrap().1,
        first_pass,
        "a dry run leaves the server's token alone"
    );

    emu.clear_requests();
    let run = refresh(&sb, &pw, &["--expiry-margin", "6"]);
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    assert!(
        run.stderr
            .contains("within the 6-day margin: generating a new one"),
        "refresh says the token is within the margin:\n{}",
        run.stderr
    );
    assert_eq!(
        count(&emu, "POST", RequestKind::Token),
        1,
        "one POST generated the new token"
    );
    let (name, pass) = emu.token_of(USER).unwrap();
    assert_ne!(pass, first_pass, "the server holds a new token");
    assert!(
        files_hold(&sb, &name, &pass),
        "every target holds the new token"
    );
}

#[test]
fn a_server_without_expiry_is_said_so_and_refresh_makes_two_requests() {
    let pw = unique_password();
    let emu = emulator(&pw, None);
    let sb = Sandbox::new();
    login(&sb, &emu, &pw);
    assert_eq!(
        state(&sb)
            .get("expiration_enabled")
            .and_then(toml::Value::as_bool),
        Some(false),
        "the state records that the server does not expire tokens"
    );
    let p = status_json(&sb);
    assert_eq!(
        p["expiration_enabled"],
        serde_json::json!(false),
        "status --json says the server does not expire tokens: {p}"
    );
    assert!(
        p["expires_at"].is_null() && p["days_left"].is_null(),
        "no expiry time without expiry: {p}"
    );
    let run = sb.run(&["status"], None);
    assert!(
        run.stdout
            .contains("token expiry:  the server does not expire tokens"),
        "status says so:\n{}",
        run.stdout
    );

    emu.clear_requests();
    let run = refresh(&sb, &pw, &[]);
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    let requests = emu.requests();
    assert_eq!(
        requests.len(),
        2,
        "a server without expiry costs exactly two requests per refresh: {requests:?}"
    );
    assert!(
        requests.iter().all(|r| r.kind != RequestKind::Attributes),
        "the attributes are not read again"
    );
}

#[test]
fn an_older_nexus_3_is_recorded_as_not_expiring() {
    let pw = unique_password();
    let emu = Emulator::start(
        EmulatorConfig::new(Family::Nexus3)
            .version("3.45.0-01")
            .user(USER, &pw),
    )
    .unwrap();
    let sb = Sandbox::new();
    login(&sb, &emu, &pw);
    let run = sb.run(&["status"], None);
    assert!(
        run.stdout
            .contains("token expiry:  the server does not expire tokens"),
        "a 3.45 server (no attributes resource) does not expire tokens:\n{}",
        run.stdout
    );
    emu.clear_requests();
    assert_eq!(refresh(&sb, &pw, &[]).code, 0);
    assert_eq!(
        emu.requests().len(),
        2,
        "two requests per refresh on a server older than 3.69: {:?}",
        emu.requests()
    );
}

#[test]
fn a_nexus_2_profile_is_recorded_as_not_expiring() {
    let pw = unique_password();
    let emu = Emulator::start(EmulatorConfig::new(Family::Nexus2).user(USER, &pw)).unwrap();
    let sb = Sandbox::new();
    login(&sb, &emu, &pw);
    let p = status_json(&sb);
    assert_eq!(
        p["expiration_enabled"],
        serde_json::json!(false),
        "Nexus 2 has no token expiry: {p}"
    );
    assert_eq!(
        count(&emu, "GET", RequestKind::Attributes),
        0,
        "no attributes request is sent to Nexus 2"
    );
}

/// Rewrites the profile's state as if an earlier look had found no expiry, `checked_days_ago`.
fn pretend_no_expiry_was_seen(sb: &Sandbox, checked_days_ago: i64) {
    let path = sb.home().join(".local/state/nexus-token/state.toml");
    let mut table: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let profile = table["profiles"]["default"].as_table_mut().unwrap();
    profile.insert("expiration_enabled".into(), toml::Value::Boolean(false));
    profile.remove("expires_at_ms");
    let checked = time::OffsetDateTime::now_utc() - time::Duration::days(checked_days_ago);
    let checked = checked
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    profile.insert("expiry_checked_at".into(), toml::Value::String(checked));
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
}

#[test]
fn expiry_switched_on_later_is_noticed_within_a_week() {
    let pw = unique_password();
    let emu = emulator(&pw, Some(30 * DAY));
    let sb = Sandbox::new();
    login(&sb, &emu, &pw);

    // Looked 2 days ago and saw no expiry: the plain two requests, no attributes.
    pretend_no_expiry_was_seen(&sb, 2);
    emu.clear_requests();
    assert_eq!(refresh(&sb, &pw, &[]).code, 0);
    assert_eq!(
        emu.requests().len(),
        2,
        "a recent look without expiry keeps refresh at two requests: {:?}",
        emu.requests()
    );

    // Looked 8 days ago: the attributes are read again, expiry is found and the expired token
    // replaced. (Nexus 3.69+ answers `User Token expired` to the token GET of an expired token.)
    emu.expire_token(USER);
    pretend_no_expiry_was_seen(&sb, 8);
    emu.clear_requests();
    let run = refresh(&sb, &pw, &[]);
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    let kinds: Vec<RequestKind> = emu.requests().iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds.get(..3),
        Some(
            &[
                RequestKind::Authenticate,
                RequestKind::Token,
                RequestKind::Attributes
            ][..]
        ),
        "a week-old look is renewed right after the token: {kinds:?}"
    );
    assert_eq!(
        count(&emu, "POST", RequestKind::Token),
        1,
        "the expired token is regenerated"
    );
    let (name, pass) = emu.token_of(USER).unwrap();
    assert!(
        files_hold(&sb, &name, &pass),
        "every target holds the new token"
    );
    assert_eq!(
        state(&sb)
            .get("expiration_enabled")
            .and_then(toml::Value::as_bool),
        Some(true),
        "the state now says the server expires tokens"
    );
}

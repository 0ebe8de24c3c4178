//! Users who sign in through SSO (issue 24): `login --token-stdin` with a token minted by the
//! emulator as the Nexus UI would, for an SSO user the ticket flow refuses. Each input form is
//! written to settings.xml, gradle.properties and netrc and served to `token`; a wrong token is
//! refused with nothing written or stored; `refresh` checks the token with one request and never
//! touches the authenticate resource; `doctor` warns before expiry and the scheduled refresh (the
//! command `schedule` installs) notifies the desktop; after a reset on the server,
//! `refresh`, `token`, `exec` and the Docker helper fail with exit 3 and name the UI page.
//!
//! The tests that store the token use the real Secret Service (`scripts/with-keyring`); the
//! others use `--no-keyring` or stop before the keyring.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::support::{self, Run, Sandbox, assert_no_secret, require_tool, secret_tool_lookup};
use nexus_token::emulator::{Emulator, EmulatorConfig, RequestKind};
use nexus_token::nexus::Family;

const USER: &str = "sso.jane";
const DAY: Duration = Duration::from_secs(86_400);

fn emulator(expiry: Option<Duration>) -> Emulator {
    Emulator::start(
        EmulatorConfig::new(Family::Nexus3)
            .sso_user(USER)
            .expiry(expiry),
    )
    .unwrap()
}

/// `login --url URL --token-stdin EXTRA...` with `input` on standard input.
fn login(sb: &Sandbox, emu: &Emulator, input: &str, extra: &[&str]) -> Run {
    let url = emu.base_url();
    let mut args = vec!["login", "--url", url.as_str(), "--token-stdin"];
    args.extend_from_slice(extra);
    sb.run(&args, Some(input))
}

const TARGETS: [&str; 5] = [
    "--maven-server",
    "nexus",
    "--gradle-prefix",
    "nexus",
    "--netrc",
];

fn count(emu: &Emulator, kind: RequestKind) -> usize {
    emu.requests().iter().filter(|r| r.kind == kind).count()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn netrc(sb: &Sandbox) -> PathBuf {
    sb.home().join(".netrc")
}

/// The three forms the UI offers, with surrounding whitespace.
fn forms(name: &str, pass: &str) -> [(&'static str, String); 3] {
    [
        ("nameCode:passCode", format!("  {name}:{pass}\n\n")),
        ("two lines", format!("\n{name}\r\n{pass}\r\n")),
        (
            "the <server> snippet",
            format!(
                "<server>\n  <id>${{server}}</id>\n  <username>{name}</username>\n  <password>{pass}</password>\n</server>\n"
            ),
        ),
    ]
}

/// Every file in the sandbox holds neither value of the token.
fn assert_nothing_holds(sb: &Sandbox, pass: &str, after: &str) {
    for (path, bytes) in sb.files_except(&[]) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(pass),
            "after {after}, `{}` holds the passCode",
            path.display()
        );
    }
}

#[test]
fn the_sso_user_has_no_password_the_api_accepts() {
    let emu = emulator(None);
    let sb = Sandbox::new();
    let run = sb.login(
        &emu.base_url(),
        USER,
        "any-password",
        &["--no-keyring", "--maven-server", "nexus"],
    );
    assert_eq!(
        run.code,
        3,
        "the ticket flow refuses an SSO user: {}",
        run.all()
    );
    let (name, pass) = emu.mint_token(USER).unwrap();
    assert_eq!(
        emu.mint_token(USER).unwrap(),
        (name.clone(), pass),
        "the UI shows the same token until it is reset"
    );
    assert_eq!(name.len(), 8, "a nameCode of 8 characters");
}

#[test]
fn a_malformed_paste_is_exit_2_with_an_example_of_each_form_and_nothing_written() {
    let emu = emulator(None);
    let (name, pass) = emu.mint_token(USER).unwrap();
    let sb = Sandbox::new();
    let inputs = [
        String::new(),
        pass.clone(),
        format!("{name} {pass}"),
        format!("{name}\n{pass}\nextra"),
        format!("<server><username>{name}</username></server>"),
        format!("<server><username>{name}</username><password>{pass}</password>"),
    ];
    for input in &inputs {
        emu.clear_requests();
        let run = login(&sb, &emu, input, &TARGETS);
        assert_eq!(run.code, 2, "{input:?} is a usage error: {}", run.all());
        for example in [
            "nameCode:passCode",
            "two lines",
            "<server><id>${server}</id>",
        ] {
            assert!(
                run.stderr.contains(example),
                "the message shows the form `{example}`: {}",
                run.stderr
            );
        }
        assert_no_secret(&run.all(), &pass, "the message about a bad paste");
        assert_eq!(
            count(&emu, RequestKind::Attributes) + count(&emu, RequestKind::Authenticate),
            0,
            "no credential is sent for a malformed paste"
        );
    }
    assert!(
        !sb.settings().exists() && !sb.config().exists() && !netrc(&sb).exists(),
        "nothing is written"
    );
}

#[test]
fn token_stdin_and_password_stdin_do_not_go_together() {
    let sb = Sandbox::new();
    let run = sb.run(
        &[
            "login",
            "--url",
            "http://127.0.0.1:9",
            "--token-stdin",
            "--password-stdin",
        ],
        Some("a:b\n"),
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("--password-stdin"), "{}", run.stderr);
    let help = sb.run(&["login", "--help"], None);
    assert!(
        help.stdout.contains("--token-stdin") && help.stdout.contains("Access user token"),
        "--help describes --token-stdin: {}",
        help.stdout
    );
}

#[test]
fn a_wrong_token_without_the_keyring_is_refused_and_nothing_is_written() {
    let emu = emulator(None);
    let (name, _) = emu.mint_token(USER).unwrap();
    let sb = Sandbox::new();
    let run = login(
        &sb,
        &emu,
        &format!("{name}:not-the-passcode"),
        &[&TARGETS[..], &["--no-keyring"]].concat(),
    );
    assert_eq!(run.code, 3, "a rejected token exits 3: {}", run.all());
    assert!(
        run.stderr
            .contains(&format!("{}/#user/usertoken", emu.base_url()))
            && run.stderr.contains("nexus-token login --token-stdin"),
        "the message names the UI page and the command: {}",
        run.stderr
    );
    assert!(
        !sb.settings().exists() && !sb.config().exists() && !netrc(&sb).exists(),
        "nothing is written"
    );
    assert_eq!(count(&emu, RequestKind::Authenticate), 0);
}

#[test]
fn rotate_of_an_imported_token_says_the_ui_resets_it() {
    let emu = emulator(None);
    let (name, pass) = emu.mint_token(USER).unwrap();
    let sb = Sandbox::new();
    let run = login(
        &sb,
        &emu,
        &format!("{name}:{pass}"),
        &["--no-keyring", "--maven-server", "nexus"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        read(&sb.config()).contains("imported = true"),
        "the profile records the imported token:\n{}",
        read(&sb.config())
    );
    emu.clear_requests();
    let run = sb.run(&["rotate"], None);
    assert_eq!(run.code, 2, "rotate is a usage error: {}", run.all());
    assert!(
        run.stderr.contains("UI resets it")
            && run
                .stderr
                .contains(&format!("{}/#user/usertoken", emu.base_url())),
        "it says the UI resets the token, and where: {}",
        run.stderr
    );
    assert!(emu.requests().is_empty(), "rotate sends nothing");
    assert_eq!(
        emu.token_of(USER).unwrap().1,
        pass,
        "the token is unchanged"
    );
}

#[test]
fn token_of_an_imported_profile_takes_no_password_and_without_the_keyring_has_none() {
    let emu = emulator(None);
    let (name, pass) = emu.mint_token(USER).unwrap();
    let sb = Sandbox::new();
    let flags = ["--no-keyring", "--maven-server", "nexus"];
    let run = login(&sb, &emu, &format!("{name}:{pass}"), &flags);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = sb.run(&["token", "--password-stdin"], Some("a-password\n"));
    assert_eq!(
        run.code,
        2,
        "an imported profile has no password: {}",
        run.all()
    );
    let run = sb.run(&["token"], None);
    assert_eq!(
        run.code,
        6,
        "a --no-keyring profile kept no copy of the token: {}",
        run.all()
    );
    assert!(
        run.stderr.contains("--token-stdin"),
        "the way out is to paste it again: {}",
        run.stderr
    );
}

#[test]
fn every_family_checks_the_token_with_one_request_and_no_ticket() {
    // Nexus 3.50 has the 3.24+ API but no attributes resource yet: its 404 comes after the
    // credentials were checked.
    for (family, version) in [
        (Family::Nexus2Legacy, None),
        (Family::Nexus2, None),
        (Family::Nexus3Siesta, None),
        (Family::Nexus3Rest, None),
        (Family::Nexus3, Some("3.50.1-01")),
        (Family::Nexus3, None),
    ] {
        let mut config = EmulatorConfig::new(family).sso_user(USER);
        if let Some(version) = version {
            config = config.version(version);
        }
        let emu = Emulator::start(config).unwrap();
        let (name, pass) = emu.mint_token(USER).unwrap();
        let with_token = |emu: &Emulator| {
            emu.requests()
                .iter()
                .filter(|r| r.username.as_deref() == Some(name.as_str()))
                .count()
        };
        let sb = Sandbox::new();
        let flags = ["--no-keyring", "--maven-server", "nexus"];
        let run = login(&sb, &emu, &format!("{name}:{pass}"), &flags);
        assert_eq!(run.code, 0, "{family}: {}", run.all());
        assert_eq!(with_token(&emu), 1, "{family}: one request with the token");
        assert_eq!(count(&emu, RequestKind::Authenticate), 0, "{family}");
        assert!(read(&sb.settings()).contains(&pass), "{family}");

        emu.clear_requests();
        let sb = Sandbox::new();
        let run = login(&sb, &emu, &format!("{name}:wrong{pass}"), &flags);
        assert_eq!(run.code, 3, "{family}: a wrong token: {}", run.all());
        let page = if family.is_nexus2() {
            format!("{}/#profile", emu.base_url())
        } else {
            format!("{}/#user/usertoken", emu.base_url())
        };
        assert!(run.stderr.contains(&page), "{family}: {}", run.stderr);
        assert!(!sb.settings().exists(), "{family}: nothing written");
    }
}

#[test]
fn a_keyring_entry_holds_a_password_or_a_token_never_both() {
    let emu = emulator(None);
    let (name, pass) = emu.mint_token(USER).unwrap();
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.config().parent().unwrap()).unwrap();
    std::fs::write(
        sb.config(),
        format!(
            "[profiles.work]\nurl = \"{}\"\nusername = \"{USER}\"\n\n[profiles.work.maven]\nservers = [\"work\"]\n",
            emu.base_url()
        ),
    )
    .unwrap();
    let run = login(
        &sb,
        &emu,
        &format!("{name}:{pass}"),
        &["--username", USER, "--maven-server", "nexus"],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("profile `work` keeps the password"),
        "the message names the other profile: {}",
        run.stderr
    );
    assert!(!sb.settings().exists(), "nothing written");
    assert_eq!(count(&emu, RequestKind::Attributes), 0, "nothing sent");
}

#[test]
fn doctor_of_a_no_keyring_profile_warns_from_the_expiry_login_read() {
    let emu = emulator(Some(30 * DAY));
    let (name, pass) = emu
        .mint_token_at(USER, SystemTime::now() - 20 * DAY)
        .unwrap();
    let sb = Sandbox::new();
    let flags = ["--no-keyring", "--maven-server", "nexus"];
    let run = login(&sb, &emu, &format!("{name}:{pass}"), &flags);
    assert_eq!(run.code, 0, "{}", run.all());
    let doctor = sb.run(&["doctor"], None);
    assert_eq!(doctor.code, 0, "warnings only: {}", doctor.all());
    assert!(
        doctor
            .stdout
            .lines()
            .any(|l| l.starts_with("warn") && l.contains("9 days left")),
        "{}",
        doctor.stdout
    );
    assert!(
        doctor
            .stdout
            .lines()
            .any(|l| l.starts_with("ok") && l.contains("holds the current token")),
        "the file is compared with the pasted token: {}",
        doctor.stdout
    );
}

#[test]
fn discovery_takes_the_server_that_holds_the_pasted_token_already() {
    let emu = emulator(None);
    let (name, pass) = emu.mint_token(USER).unwrap();
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.settings().parent().unwrap()).unwrap();
    let settings = format!(
        "<settings>\n  <servers>\n    <server>\n      <id>github</id>\n      <username>octo</username>\n      <password>ghp_other</password>\n    </server>\n    <server>\n      <id>corp</id>\n      <username>{name}</username>\n      <password>{pass}</password>\n    </server>\n  </servers>\n</settings>\n"
    );
    std::fs::write(sb.settings(), &settings).unwrap();
    let run = login(&sb, &emu, &format!("{name}:{pass}"), &["--no-keyring"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr.contains("found Maven servers") && run.stderr.contains("corp"),
        "the server holding the pasted token is found: {}",
        run.stderr
    );
    let config = read(&sb.config());
    assert!(
        config.contains("\"corp\"") && !config.contains("github"),
        "only `corp` is the profile's:\n{config}"
    );
    assert_eq!(read(&sb.settings()), settings, "the file already holds it");
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn each_form_is_written_to_settings_gradle_and_netrc_and_served_to_token() {
    let curl = require_tool("curl");
    for (form, _) in forms("n", "p") {
        let emu = emulator(None);
        let (name, pass) = emu.mint_token(USER).unwrap();
        let input = forms(&name, &pass)
            .into_iter()
            .find(|(f, _)| *f == form)
            .unwrap()
            .1;
        let sb = Sandbox::with_keyring();
        let run = login(&sb, &emu, &input, &TARGETS);
        assert_eq!(run.code, 0, "{form}: login succeeds: {}", run.all());
        assert_no_secret(&run.all(), &pass, "login output");

        let settings = read(&sb.settings());
        assert!(
            settings.contains(&format!("<username>{name}</username>"))
                && settings.contains(&format!("<password>{pass}</password>")),
            "{form}: settings.xml holds the token:\n{settings}"
        );
        let props = read(&sb.properties());
        assert!(
            props.contains(&format!("nexusUsername={name}"))
                && props.contains(&format!("nexusPassword={pass}")),
            "{form}: gradle.properties holds the token:\n{props}"
        );
        let netrc_text = read(&netrc(&sb));
        assert!(
            netrc_text.contains(&format!("login {name}"))
                && netrc_text.contains(&format!("password {pass}")),
            "{form}: netrc holds the token:\n{netrc_text}"
        );
        // curl, with the netrc login wrote, gets a file the token guards.
        let url = format!(
            "{}com/example/e2e-parent/1.0/e2e-parent-1.0.pom",
            emu.repository_url()
        );
        let out = sb
            .program(&curl, &["-sS", "-o", "/dev/null", "-w", "%{http_code}"])
            .args(["--noproxy", "*", "--netrc-file"])
            .arg(netrc(&sb))
            .arg(&url)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "200",
            "{form}: curl gets a guarded file with the netrc"
        );

        emu.clear_requests();
        let token = sb.run(&["token", "--format", "plain"], None);
        assert_eq!(token.code, 0, "{form}: token answers: {}", token.all());
        assert_eq!(token.stdout.trim(), format!("{name}:{pass}"));
        assert!(
            emu.requests().is_empty(),
            "{form}: `token` answers from the keyring without a request"
        );

        let status = sb.run(&["status"], None);
        assert!(
            status.stdout.contains("imported") && status.stdout.contains(&name),
            "{form}: status says imported, and the nameCode names the user: {}",
            status.stdout
        );
        let service = format!("nexus-token:{}", emu.base_url());
        let stored = secret_tool_lookup(&service, &name).unwrap_or_default();
        assert!(
            stored.contains(&pass),
            "{form}: the keyring entry holds the token"
        );
        assert!(
            !read(&sb.config()).contains(&pass),
            "{form}: the profile holds no secret"
        );
    }
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn a_wrong_token_is_refused_and_nothing_is_written_stored_or_saved() {
    let emu = emulator(None);
    let (name, pass) = emu.mint_token(USER).unwrap();
    let sb = Sandbox::with_keyring();
    std::fs::create_dir_all(sb.settings().parent().unwrap()).unwrap();
    let before = "<settings><servers><server><id>nexus</id><username>old</username><password>old</password></server></servers></settings>\n";
    std::fs::write(sb.settings(), before).unwrap();
    let wrong = format!("{name}:{}", pass.to_lowercase() + "x");
    let run = login(&sb, &emu, &wrong, &TARGETS);
    assert_eq!(run.code, 3, "a rejected token exits 3: {}", run.all());
    assert!(
        run.stderr
            .contains(&format!("{}/#user/usertoken", emu.base_url()))
            && run.stderr.contains("nexus-token login --token-stdin"),
        "the message names the UI page and the command: {}",
        run.stderr
    );
    assert_eq!(read(&sb.settings()), before, "settings.xml is untouched");
    assert!(
        !sb.properties().exists() && !netrc(&sb).exists() && !sb.config().exists(),
        "nothing else is written, no profile saved"
    );
    let service = format!("nexus-token:{}", emu.base_url());
    assert_eq!(
        secret_tool_lookup(&service, &name),
        None,
        "nothing is stored in the keyring"
    );
    assert_eq!(count(&emu, RequestKind::Authenticate), 0);
    assert_eq!(
        count(&emu, RequestKind::Attributes),
        1,
        "one request checked it"
    );
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn refresh_checks_the_token_without_any_password_or_authenticate_request() {
    let emu = emulator(Some(90 * DAY));
    let (name, pass) = emu.mint_token(USER).unwrap();
    let sb = Sandbox::with_keyring();
    let run = login(&sb, &emu, &format!("{name}:{pass}"), &TARGETS);
    assert_eq!(run.code, 0, "{}", run.all());
    let settings = read(&sb.settings());

    emu.clear_requests();
    let run = sb.run(&["refresh"], None);
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    assert!(
        run.stderr.contains("files already up to date"),
        "nothing drifted, nothing written: {}",
        run.stderr
    );
    let kinds: Vec<RequestKind> = emu.requests().iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![RequestKind::Attributes],
        "one request, authenticated by the token: no ticket, no token fetch"
    );
    assert_eq!(read(&sb.settings()), settings, "settings.xml is unchanged");
    let status: serde_json::Value =
        serde_json::from_str(&sb.run(&["status", "--json"], None).stdout).unwrap();
    let p = &status["profiles"][0];
    assert_eq!(p["imported"], true);
    assert!(
        p["days_left"]
            .as_i64()
            .is_some_and(|d| (88..=90).contains(&d)),
        "the expiry the server told is recorded: {p}"
    );

    // A target that drifted is rewritten, still without the ticket flow.
    std::fs::write(
        sb.properties(),
        "nexusUsername=someone\nnexusPassword=else\n",
    )
    .unwrap();
    emu.clear_requests();
    let run = sb.run(&["refresh"], None);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        read(&sb.properties()).contains(&format!("nexusPassword={pass}")),
        "the drifted file holds the token again"
    );
    assert_eq!(count(&emu, RequestKind::Authenticate), 0);
    assert_eq!(count(&emu, RequestKind::Token), 0);
    assert_no_secret(&run.all(), &pass, "refresh output");
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn doctor_warns_before_expiry_and_the_scheduled_refresh_notifies_the_desktop() {
    let emu = emulator(Some(30 * DAY));
    // Minted in the UI 20 days ago: 10 days left.
    let (name, pass) = emu
        .mint_token_at(USER, SystemTime::now() - 20 * DAY)
        .unwrap();
    let sb = Sandbox::with_keyring();
    let run = login(&sb, &emu, &format!("{name}:{pass}"), &TARGETS);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr.contains("expires at") && run.stderr.contains("9 days left"),
        "login warns about the coming expiry: {}",
        run.stderr
    );

    let doctor = sb.run(&["doctor"], None);
    assert_eq!(
        doctor.code,
        0,
        "a warning is not a failure: {}",
        doctor.all()
    );
    let lines: Vec<&str> = doctor.stdout.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.starts_with("warn") && l.contains("expires at"))
        .unwrap_or_else(|| panic!("doctor warns about the expiry:\n{}", doctor.stdout));
    let year = time::OffsetDateTime::now_utc().year().to_string();
    assert!(
        lines[i].contains("9 days left") && lines[i].contains(&year),
        "the warning has the date: {}",
        lines[i]
    );
    let fix = lines.get(i + 1).copied().unwrap_or_default();
    assert!(
        fix.contains(&format!("{}/#user/usertoken", emu.base_url()))
            && fix.contains("nexus-token login --token-stdin"),
        "the fix says how to renew: {fix}"
    );

    // No desktop notification yet (more than 3 days left); then 2 days left.
    let bin = sb.dir.path().join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = sb.dir.path().join("notify-send.args");
    let script = bin.join("notify-send");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '{}'\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The command the schedule runs (the crontab line without its time fields, the bus address
    // the line sets for cron, and the marker comment).
    let mut print = sb.command(&["schedule", "--kind", "cron", "--print"]);
    print.env("NEXUS_TOKEN_CRONTAB", sb.dir.path().join("crontab.txt"));
    let line = sb.run_with(print, None);
    assert_eq!(line.code, 0, "{}", line.all());
    let scheduled: String = line
        .stdout
        .split_whitespace()
        .skip(5)
        .skip_while(|w| w.contains('='))
        .take_while(|w| !w.starts_with('#'))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        scheduled.ends_with("nexus-token refresh -q"),
        "the schedule runs `refresh -q`: {scheduled}"
    );
    let refresh = |sb: &Sandbox| {
        let mut cmd = sb.program("sh", &["-c", &scheduled]);
        cmd.env("PATH", &path);
        sb.run_with(cmd, None)
    };
    let run = refresh(&sb);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        !record.exists(),
        "no notification with 9 days left: {}",
        read(&record)
    );

    // An administrator shortens the lifetime: the same token now expires in 2 days.
    emu.expire_in(USER, 2 * DAY + Duration::from_secs(3600));
    let run = refresh(&sb);
    assert_eq!(run.code, 0, "{}", run.all());
    let args = read(&record);
    assert!(
        args.contains("expires in 2 days")
            && args.contains("nexus-token login --token-stdin")
            && args.contains(&format!("{}/#user/usertoken", emu.base_url())),
        "notify-send got the title and how to renew:\n{args}"
    );
    assert_no_secret(&args, &pass, "the notification");
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn after_a_reset_on_the_server_refresh_token_and_the_docker_helper_name_the_ui_page() {
    let emu = emulator(Some(90 * DAY));
    let (name, pass) = emu.mint_token(USER).unwrap();
    let sb = Sandbox::with_keyring();
    let registry = emu.addr().to_string();
    let extra = [&TARGETS[..], &["--docker-registry", &registry]].concat();
    let run = login(&sb, &emu, &format!("{name}:{pass}"), &extra);
    assert_eq!(run.code, 0, "{}", run.all());
    let settings = read(&sb.settings());
    let helper = sb.dir.path().join("docker-credential-nexus-token");
    std::os::unix::fs::symlink(support::BIN, &helper).unwrap();
    let get = |sb: &Sandbox| sb.run_with(sb.program(&helper, &["get"]), Some(&registry));
    let ok = get(&sb);
    assert_eq!(ok.code, 0, "the helper serves the token: {}", ok.all());
    assert!(ok.stdout.contains(&name), "{}", ok.stdout);

    emu.reset_token(USER);
    let page = format!("{}/#user/usertoken", emu.base_url());
    let expect_renew = |run: &Run, what: &str| {
        assert_eq!(run.code, 3, "{what} exits 3: {}", run.all());
        let errors: Vec<&str> = run.stderr.lines().filter(|l| l.contains("error")).collect();
        assert!(
            errors.len() == 1
                && errors[0].contains(&page)
                && errors[0].contains("nexus-token login --token-stdin"),
            "{what}: one message names the UI page and the command: {}",
            run.stderr
        );
        assert_no_secret(&run.all(), &pass, what);
    };
    emu.clear_requests();
    expect_renew(&sb.run(&["refresh"], None), "refresh");
    assert_eq!(count(&emu, RequestKind::Authenticate), 0);
    assert_eq!(
        read(&sb.settings()),
        settings,
        "the files are left as they are"
    );
    emu.clear_requests();
    expect_renew(&sb.run(&["token"], None), "token");
    expect_renew(&get(&sb), "the Docker helper");
    expect_renew(&sb.run(&["refresh"], None), "a second refresh");
    assert!(
        emu.requests().is_empty(),
        "a refused token is not sent again: {:?}",
        emu.requests()
    );
    let status = sb.run(&["status"], None);
    assert!(
        status.stdout.contains("TOKEN REFUSED") && status.stdout.contains(&page),
        "{}",
        status.stdout
    );

    // The way out: a new token from the UI, pasted again.
    let (name2, pass2) = emu.mint_token(USER).unwrap();
    let run = login(
        &sb,
        &emu,
        &format!(
            "<server><id>x</id><username>{name2}</username><password>{pass2}</password></server>"
        ),
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(read(&sb.settings()).contains(&pass2));
    let token = sb.run(&["token", "--format", "plain"], None);
    assert_eq!(token.stdout.trim(), format!("{name2}:{pass2}"));
    assert_nothing_holds(&sb, &pass, "the new login");

    // An expired token gets the same way out; a served call notices it by itself once the
    // last check is older than the cache's max age.
    emu.expire_token(USER);
    emu.clear_requests();
    let mut cmd = sb.command(&["token"]);
    cmd.env("NEXUS_TOKEN_CACHE_MAX_AGE", "0");
    let run = sb.run_with(cmd, None);
    expect_renew(&run, "token past the cache's max age");
    assert!(run.stderr.contains("expired"), "{}", run.stderr);
    assert_eq!(
        count(&emu, RequestKind::Attributes),
        1,
        "one check request, no ticket"
    );
    let run = sb.run(&["refresh"], None);
    expect_renew(&run, "refresh of an expired token");
    assert!(run.stderr.contains("expired"), "{}", run.stderr);
}

#[test]
#[ignore = "needs gnome-keyring (scripts/with-keyring)"]
fn exec_hands_the_pasted_token_over_and_names_the_ui_page_once_it_was_reset() {
    let emu = emulator(None);
    let (name, pass) = emu.mint_token(USER).unwrap();
    let sb = Sandbox::with_keyring();
    let run = login(
        &sb,
        &emu,
        &format!("{name}:{pass}"),
        &["--env-refs", "--maven-server", "nexus"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        !read(&sb.settings()).contains(&pass),
        "--env-refs writes a reference, not the token"
    );
    emu.clear_requests();
    let run = sb.run(
        &[
            "exec",
            "--",
            "sh",
            "-c",
            "printf '%s:%s' \"$NEXUS_TOKEN_NAMECODE\" \"$NEXUS_TOKEN_PASSCODE\"",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout,
        format!("{name}:{pass}"),
        "the command gets the pasted token"
    );
    assert!(emu.requests().is_empty(), "from the keyring, no request");

    emu.reset_token(USER);
    let refresh = sb.run(&["refresh"], None);
    assert_eq!(refresh.code, 3, "{}", refresh.all());
    let marker = sb.dir.path().join("ran");
    let run = sb.run(&["exec", "--", "touch", marker.to_str().unwrap()], None);
    assert_eq!(run.code, 3, "exec exits 3: {}", run.all());
    assert!(
        run.stderr
            .contains(&format!("{}/#user/usertoken", emu.base_url()))
            && run.stderr.contains("nexus-token login --token-stdin"),
        "one message names the UI page and the command: {}",
        run.stderr
    );
    assert!(!marker.exists(), "the command did not run without a token");
}

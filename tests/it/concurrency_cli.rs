//! Concurrency end to end: many `nexus-token refresh` processes at once on one profile, and
//! several profiles (each its own server) writing their own ids into the same settings.xml and
//! gradle.properties. The files stay valid, each id appears exactly once, and each holds its
//! profile's current token: no lost update.

use std::process::Child;

use crate::support::reliability::{USER, emulator, figure, login_no_keyring, spawn_refresh};
use crate::support::{Sandbox, unique_password};

fn wait_all(children: Vec<Child>) -> Vec<(i32, String)> {
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .collect()
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn twenty_parallel_refreshes_of_one_profile_lose_nothing() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login_no_keyring(
        &sb,
        &emu,
        &pw,
        &[
            "--maven-server",
            "a",
            "--maven-server",
            "b",
            "--gradle-prefix",
            "p",
        ],
    );
    let rounds = 3;
    let mut runs = 0;
    for round in 0..rounds {
        emu.reset_token(USER);
        let children: Vec<Child> = (0..20).map(|_| spawn_refresh(&sb, &pw, &[])).collect();
        let results = wait_all(children);
        runs += results.len();
        for (code, stderr) in &results {
            assert_eq!(
                *code, 0,
                "round {round}: every parallel refresh succeeds: {stderr}"
            );
        }
        let (name, pass) = emu.token_of(USER).unwrap();
        let settings = read(&sb.settings());
        for id in ["a", "b"] {
            assert_eq!(
                settings.matches(&format!("<id>{id}</id>")).count(),
                1,
                "round {round}: id `{id}` exactly once:\n{settings}"
            );
            let entry = nexus_token::maven::read_server(settings.as_bytes(), id)
                .expect("settings.xml parses")
                .unwrap();
            assert_eq!(
                entry.username.as_deref(),
                Some(name.as_str()),
                "round {round}: `{id}` holds the current nameCode"
            );
            assert_eq!(
                entry.password.as_deref(),
                Some(pass.as_str()),
                "round {round}: `{id}` holds the current passCode"
            );
        }
        let props = read(&sb.properties());
        assert_eq!(
            props.matches("pUsername=").count(),
            1,
            "round {round}: one username key:\n{props}"
        );
        assert_eq!(
            props.matches("pPassword=").count(),
            1,
            "round {round}: one password key:\n{props}"
        );
        assert_eq!(
            nexus_token::gradle::read_property(props.as_bytes(), "pPassword")
                .unwrap()
                .as_deref(),
            Some(pass.as_str()),
            "round {round}: gradle.properties holds the current passCode"
        );
    }
    figure(
        "concurrency: parallel refreshes of one profile (20 x rounds)",
        runs,
    );
    figure("concurrency: lost updates (one profile)", 0);
}

#[test]
fn five_profiles_write_their_own_ids_into_one_settings_xml_in_parallel() {
    let pw = unique_password();
    let sb = Sandbox::new();
    let servers: Vec<_> = (0..5).map(|_| emulator(&pw)).collect();
    for (i, emu) in servers.iter().enumerate() {
        let (profile, id, prefix) = (format!("p{i}"), format!("id{i}"), format!("g{i}"));
        login_no_keyring(
            &sb,
            emu,
            &pw,
            &[
                "--profile",
                &profile,
                "--maven-server",
                &id,
                "--gradle-prefix",
                &prefix,
            ],
        );
    }
    let rounds = 4;
    let per_profile = 4;
    let mut runs = 0;
    for round in 0..rounds {
        for emu in &servers {
            emu.reset_token(USER);
        }
        let mut children = Vec::new();
        for _ in 0..per_profile {
            for i in 0..servers.len() {
                children.push(spawn_refresh(&sb, &pw, &["--profile", &format!("p{i}")]));
            }
        }
        let results = wait_all(children);
        runs += results.len();
        for (code, stderr) in &results {
            assert_eq!(
                *code, 0,
                "round {round}: every parallel refresh succeeds: {stderr}"
            );
        }
        let settings = read(&sb.settings());
        let props = read(&sb.properties());
        assert!(
            nexus_token::gradle::parse(props.as_bytes()).is_ok(),
            "gradle.properties parses"
        );
        for (i, emu) in servers.iter().enumerate() {
            let (name, pass) = emu.token_of(USER).unwrap();
            let id = format!("id{i}");
            assert_eq!(
                settings.matches(&format!("<id>{id}</id>")).count(),
                1,
                "round {round}: id `{id}` exactly once:\n{settings}"
            );
            let entry = nexus_token::maven::read_server(settings.as_bytes(), &id)
                .expect("settings.xml parses")
                .unwrap();
            assert_eq!(
                entry.username.as_deref(),
                Some(name.as_str()),
                "round {round}: `{id}` holds its own server's nameCode"
            );
            assert_eq!(
                entry.password.as_deref(),
                Some(pass.as_str()),
                "round {round}: `{id}` holds its own server's passCode"
            );
            assert_eq!(
                props.matches(&format!("g{i}Password=")).count(),
                1,
                "round {round}: `g{i}Password` exactly once"
            );
            assert_eq!(
                nexus_token::gradle::read_property(props.as_bytes(), &format!("g{i}Password"))
                    .unwrap()
                    .as_deref(),
                Some(pass.as_str()),
                "round {round}: `g{i}Password` holds its own server's passCode"
            );
        }
    }
    // The run-state file, updated by every run, kept every profile's entry.
    let status = sb.run(&["status", "--json"], None);
    let json: serde_json::Value =
        serde_json::from_str(&status.stdout).expect("status --json prints JSON");
    let profiles = json["profiles"].as_array().unwrap();
    assert_eq!(
        profiles.len(),
        5,
        "all five profiles are still saved: {}",
        status.stdout
    );
    assert!(
        profiles.iter().all(|p| p["last_success"].is_string()),
        "every profile's last success was recorded: {}",
        status.stdout
    );
    figure(
        "concurrency: parallel refreshes across 5 profiles of one file (5 x 4 x rounds)",
        runs,
    );
    figure("concurrency: lost updates (5 profiles)", 0);
}

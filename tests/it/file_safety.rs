//! File safety end to end: files the tool creates are 0600; an existing world-readable target
//! keeps its mode and gets a warning (and a `file-mode` line in `doctor`); a target owned by
//! another user is refused and left alone; a symlinked target keeps its link.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::support::reliability::{USER, bytes, emulator, figure, login_no_keyring, refresh};
use crate::support::{Sandbox, unique_password};

const TARGETS: &[&str] = &["--maven-server", "nexus", "--gradle-prefix", "nexus"];

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn every_file_the_tool_creates_is_0600() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login_no_keyring(&sb, &emu, &pw, TARGETS);
    emu.reset_token(USER);
    assert_eq!(refresh(&sb, &pw, &[]).code, 0, "a refresh succeeds");
    let created = files_under(&sb.home());
    for expected in [sb.settings(), sb.properties(), sb.config()] {
        assert!(
            created.contains(&expected),
            "`{}` was created",
            expected.display()
        );
    }
    assert!(
        created
            .iter()
            .any(|p| p.to_string_lossy().contains(".local/state")),
        "the run-state file was created: {created:?}"
    );
    for path in &created {
        assert_eq!(
            mode(path),
            0o600,
            "`{}` is created private to the user (0600)",
            path.display()
        );
    }
    figure("file safety: created files checked for 0600", created.len());
}

#[test]
fn a_world_readable_target_keeps_its_mode_and_gets_a_warning_and_a_doctor_line() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.settings().parent().unwrap()).unwrap();
    std::fs::write(sb.settings(), "<settings>\n</settings>\n").unwrap();
    std::fs::set_permissions(sb.settings(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = login_no_keyring(&sb, &emu, &pw, &["--maven-server", "nexus"]);
    assert!(
        run.stderr.contains("readable by every user"),
        "login warns about the world-readable file: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("chmod 600"),
        "the warning names the fix: {}",
        run.stderr
    );
    assert_eq!(
        mode(&sb.settings()),
        0o644,
        "the existing mode is kept (the user chose it)"
    );
    emu.reset_token(USER);
    let run = refresh(&sb, &pw, &[]);
    assert_eq!(run.code, 0, "refresh succeeds: {}", run.all());
    assert!(
        run.stderr.contains("readable by every user"),
        "refresh warns too: {}",
        run.stderr
    );
    assert_eq!(
        mode(&sb.settings()),
        0o644,
        "the mode is still kept after a rewrite"
    );

    let doctor = sb.run(&["doctor", "--json"], None);
    let json: serde_json::Value = serde_json::from_str(&doctor.stdout)
        .unwrap_or_else(|e| panic!("doctor --json prints JSON ({e}): {}", doctor.stdout));
    let text = json.to_string();
    let line = find_check(&json, "file-mode")
        .unwrap_or_else(|| panic!("doctor has a `file-mode` check: {text}"));
    let line = line.to_string();
    assert!(
        line.contains("readable by every user") && line.contains("warn"),
        "doctor's `file-mode` line warns about the mode: {line}"
    );
    let plain = sb.run(&["doctor"], None);
    assert!(
        plain.stdout.contains("readable by every user")
            || plain.stderr.contains("readable by every user"),
        "plain doctor shows the warning: {}",
        plain.all()
    );
}

/// The first JSON object whose `check` field is `name`.
fn find_check<'a>(v: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    match v {
        serde_json::Value::Object(map) => {
            if map.values().any(|x| x == name)
                && map
                    .values()
                    .any(|x| x.as_str().is_some_and(|s| s.contains("readable")))
            {
                return Some(v);
            }
            map.values().find_map(|x| find_check(x, name))
        }
        serde_json::Value::Array(items) => items.iter().find_map(|x| find_check(x, name)),
        _ => None,
    }
}

#[test]
#[ignore = "needs root (to chown)"]
fn a_target_owned_by_another_user_is_refused_and_left_alone() {
    assert_eq!(
        rustix::process::geteuid().as_raw(),
        0,
        "this test needs root to chown a file to another user (CI runs the tests as root)"
    );
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login_no_keyring(&sb, &emu, &pw, TARGETS);
    let before = bytes(&sb.settings()).unwrap();
    std::os::unix::fs::chown(sb.settings(), Some(65534), Some(65534)).unwrap();
    emu.reset_token(USER);
    let run = refresh(&sb, &pw, &[]);
    assert_eq!(
        run.code,
        5,
        "a target owned by another user is refused with exit 5: {}",
        run.all()
    );
    assert!(
        run.stderr.contains("belongs to another user"),
        "the message says why: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("settings.xml"),
        "the message names the file: {}",
        run.stderr
    );
    assert_eq!(
        bytes(&sb.settings()).unwrap(),
        before,
        "the refused file stays byte-identical"
    );
    assert_eq!(
        std::fs::metadata(sb.settings()).unwrap().uid(),
        65534,
        "its owner is unchanged"
    );
    let doctor = sb.run(&["doctor"], None);
    assert!(
        doctor.all().contains("belongs to another user"),
        "doctor reports the foreign owner: {}",
        doctor.all()
    );
    figure("file safety: foreign-owned target refused (exit)", run.code);
}

#[test]
fn a_symlinked_target_keeps_its_link_and_the_real_file_is_updated() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    let real_dir = sb.dir.path().join("dotfiles");
    std::fs::create_dir_all(&real_dir).unwrap();
    let real = real_dir.join("settings.xml");
    std::fs::write(&real, "<settings>\n</settings>\n").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::create_dir_all(sb.settings().parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&real, sb.settings()).unwrap();
    login_no_keyring(&sb, &emu, &pw, &["--maven-server", "nexus"]);
    emu.reset_token(USER);
    let run = refresh(&sb, &pw, &[]);
    assert_eq!(
        run.code,
        0,
        "refresh through the symlink succeeds: {}",
        run.all()
    );
    let link = std::fs::symlink_metadata(sb.settings()).unwrap();
    assert!(
        link.file_type().is_symlink(),
        "settings.xml is still a symbolic link"
    );
    assert_eq!(
        std::fs::read_link(sb.settings()).unwrap(),
        real,
        "the link still points at the same file"
    );
    let (_, pass) = emu.token_of(USER).unwrap();
    assert!(
        std::fs::read_to_string(&real).unwrap().contains(&pass),
        "the real file behind the link holds the new token"
    );
    assert_eq!(mode(&real), 0o600, "the real file keeps its mode");
    assert!(
        crate::support::reliability::temp_files(&real_dir).is_empty(),
        "no temp file is left beside the real file"
    );
}

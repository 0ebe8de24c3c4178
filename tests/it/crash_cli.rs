//! Crash safety end to end: `kill -9` of `nexus-token refresh` at random moments while it
//! writes a new token into a settings.xml of several MB. After every kill the file is exactly
//! the old or the new version (never torn), and the next successful run leaves no temp file.

use std::time::Instant;

use crate::support::reliability::{
    USER, bytes, emulator, figure, login_no_keyring, refresh, spawn_refresh, temp_files,
};
use crate::support::{Sandbox, unique_password};
use rand::Rng;

/// Kill runs; the whole test stays well under a minute on a slow debug build.
const RUNS: usize = 50;

/// A settings.xml of about 2 MiB: many unrelated servers, the target last.
fn big_settings() -> String {
    let mut s =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<settings>\n  <servers>\n");
    let mut i = 0;
    while s.len() < 2 * 1024 * 1024 {
        s.push_str(&format!(
            "    <server>\n      <id>other-{i}</id>\n      <username>user-{i}</username>\n      <password>keep-{i}</password>\n    </server>\n"
        ));
        i += 1;
    }
    s.push_str("    <server>\n      <id>nexus</id>\n      <username>old</username>\n      <password>old</password>\n    </server>\n");
    s.push_str("  </servers>\n</settings>\n");
    s
}

/// The username and password of the last server (the target), by plain search: the debug-build
/// parser is too slow to run twice per kill on a file this size. Every file checked is compared
/// byte for byte with a version that parses, and the final file is parsed.
fn target_values(file: &[u8]) -> (String, String) {
    let text = std::str::from_utf8(file).unwrap();
    let tail = &text[text
        .rfind("<id>nexus</id>")
        .expect("the target server is in the file")..];
    let between = |open: &str, close: &str| {
        let start = tail.find(open).unwrap() + open.len();
        tail[start..start + tail[start..].find(close).unwrap()].to_owned()
    };
    (
        between("<username>", "</username>"),
        between("<password>", "</password>"),
    )
}

#[test]
fn kill_9_during_refresh_never_leaves_a_torn_settings_xml() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    let dir = sb.settings().parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(sb.settings(), big_settings()).unwrap();
    login_no_keyring(&sb, &emu, &pw, &["--maven-server", "nexus"]);

    // Calibrate: how long a writing refresh takes here, so the kills spread over the write.
    let mut durations = Vec::new();
    for _ in 0..3 {
        emu.reset_token(USER);
        let run = refresh(&sb, &pw, &[]);
        assert_eq!(run.code, 0, "a calibration refresh succeeds: {}", run.all());
        durations.push(run.elapsed);
    }
    durations.sort();
    let median = durations[1];
    figure(
        "crash: settings.xml size bytes",
        std::fs::metadata(sb.settings()).unwrap().len(),
    );
    figure(
        "crash: median writing refresh",
        format!("{:?}", durations[1]),
    );

    let mut rng = rand::rng();
    let (mut old_after, mut new_after, mut temp_left) = (0, 0, 0);
    let start = Instant::now();
    for run in 0..RUNS {
        let old = bytes(&sb.settings()).unwrap();
        let (old_user, old_pass) = target_values(&old);
        emu.reset_token(USER);
        let mut child = spawn_refresh(&sb, &pw, &[]);
        // Half the kills anywhere in the run, half near its end, where the write happens.
        let (from, to) = if run % 2 == 0 { (0.0, 1.2) } else { (0.8, 1.6) };
        let delay = median.mul_f64(rng.random_range(from..to));
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; it may have finished already
        let _ = child.wait_with_output().unwrap();

        let now = bytes(&sb.settings()).expect("settings.xml still exists after kill -9");
        if now == old {
            old_after += 1;
        } else {
            let (name, pass) = emu
                .token_of(USER)
                .expect("a changed file means the server issued a token");
            let expected = String::from_utf8(old.clone())
                .unwrap()
                .replace(
                    &format!("<username>{old_user}</username>"),
                    &format!("<username>{name}</username>"),
                )
                .replace(
                    &format!("<password>{old_pass}</password>"),
                    &format!("<password>{pass}</password>"),
                );
            assert!(
                now == expected.as_bytes(),
                "run {run}: after kill -9 the file is exactly the old or the new version"
            );
            new_after += 1;
        }
        if !temp_files(&dir).is_empty() {
            temp_left += 1;
        }
    }
    let elapsed = start.elapsed();

    // A later successful run cleans up whatever temp files the kills left behind.
    emu.reset_token(USER);
    let run = refresh(&sb, &pw, &[]);
    assert_eq!(
        run.code,
        0,
        "a refresh after the kills succeeds: {}",
        run.all()
    );
    assert_eq!(
        temp_files(&dir),
        Vec::<String>::new(),
        "no `.nexus-token-tmp.` file remains after a successful refresh"
    );
    let (_, pass) = emu.token_of(USER).unwrap();
    assert!(
        String::from_utf8_lossy(&bytes(&sb.settings()).unwrap()).contains(&pass),
        "the file holds the current token"
    );
    let final_bytes = bytes(&sb.settings()).unwrap();
    let entry = nexus_token::maven::read_server(&final_bytes, "nexus")
        .expect("the file parses after the kills");
    assert_eq!(
        entry.and_then(|e| e.password),
        Some(pass),
        "the target server holds the current passCode"
    );
    let status = sb.run(&["status", "--json"], None);
    assert_eq!(
        status.code,
        0,
        "the config and state files still load after the kills: {}",
        status.all()
    );

    figure("crash: kill -9 runs", RUNS);
    figure("crash: runs without a torn file", old_after + new_after);
    figure(
        "crash: file was the old version / the new version",
        format!("{old_after} / {new_after}"),
    );
    figure(
        "crash: kills that left a temp file (cleaned up by the next run)",
        temp_left,
    );
    figure("crash: kill loop elapsed", format!("{elapsed:?}"));
}

#[test]
fn a_temp_file_left_by_a_crash_is_removed_by_the_next_run() {
    let pw = unique_password();
    let emu = emulator(&pw);
    let sb = Sandbox::new();
    login_no_keyring(&sb, &emu, &pw, &["--maven-server", "nexus"]);
    let dir = sb.settings().parent().unwrap().to_path_buf();
    // What a writer killed between creating and renaming its temp file leaves behind.
    let leftover = dir.join(".settings.xml.nexus-token-tmp.4242.deadbeef");
    std::fs::write(&leftover, "<settings><!-- half writ").unwrap();
    emu.reset_token(USER);
    let run = refresh(&sb, &pw, &[]);
    assert_eq!(run.code, 0, "the next refresh succeeds: {}", run.all());
    assert!(
        !leftover.exists(),
        "the next writing run removes the crash leftover"
    );
    assert_eq!(
        temp_files(&dir),
        Vec::<String>::new(),
        "no temp file remains"
    );
}

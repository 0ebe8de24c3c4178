//! Crash safety of `fs::write_atomic`: a child process rewrites a large file in a loop,
//! alternating two versions; the test kills it with SIGKILL at random moments, many times. After
//! every kill the file must be exactly one of the two versions (never partial), and after the next
//! write no temp file may remain. The child is this test executable re-run with
//! `NEXUS_TOKEN_TEST_CRASH_CHILD` set.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use nexus_token::fs::write_atomic;

use crate::support::Sandbox;

const CHILD_VAR: &str = "NEXUS_TOKEN_TEST_CRASH_CHILD";
const KILLS: usize = 40;

fn version(which: u8) -> Vec<u8> {
    // Different lengths too, so a mix of both would show.
    let len = 4 * 1024 * 1024 + usize::from(which) * 4099;
    let mut bytes = format!("version {which}\n").into_bytes();
    bytes.resize(len, b'a' + which);
    bytes.extend_from_slice(format!("\nend of version {which}\n").as_bytes());
    bytes
}

fn temps(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("nexus-token-tmp"))
        .count()
}

/// Child mode: rewrite the file forever, alternating the two versions.
#[test]
fn child_entry() {
    let Ok(path) = std::env::var(CHILD_VAR) else {
        return;
    };
    let versions = [version(0), version(1)];
    for i in 0.. {
        write_atomic(Path::new(&path), &versions[i % 2]).unwrap();
    }
}

#[test]
fn kill_9_leaves_the_old_or_the_new_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.xml");
    let versions = [version(0), version(1)];
    write_atomic(&path, &versions[0]).unwrap();
    let sb = Sandbox::new();
    let (mut seen, mut leftovers) = ([0usize; 2], 0usize);
    for round in 0..KILLS {
        let mut child = sb
            .rerun_test("fs_crash::child_entry")
            .env(CHILD_VAR, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(30 + rand::random::<u64>() % 300));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();

        let bytes = std::fs::read(&path).unwrap();
        let which = versions.iter().position(|v| *v == bytes);
        assert!(
            which.is_some(),
            "round {round}: after kill -9 the file is exactly the old or the new version ({} bytes)",
            bytes.len()
        );
        seen[which.unwrap()] += 1;
        if temps(dir.path()) > 0 {
            leftovers += 1;
            // The next run cleans the leftover up.
            write_atomic(&path, &versions[round % 2]).unwrap();
            assert_eq!(
                temps(dir.path()),
                0,
                "round {round}: the next write removes the leftover temp file"
            );
        }
    }
    write_atomic(&path, b"final").unwrap();
    assert_eq!(temps(dir.path()), 0, "no temp file remains after a write");
    eprintln!(
        "fs_crash: {KILLS} kills; file was version 0 {} times, version 1 {} times, never partial; \
         {leftovers} kills left a temp file, each removed by the next write",
        seen[0], seen[1]
    );
}

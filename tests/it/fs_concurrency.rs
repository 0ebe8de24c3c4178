//! Many writers at once, threads and processes, each doing a read-modify-write that appends its
//! own marker to one file through `fs::update_file`: the lock must make every update survive.
//! The process test re-runs this test executable as children (`NEXUS_TOKEN_TEST_FS_CHILD`).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;

use nexus_token::fs::{Outcome, update_file};

use crate::support::Sandbox;

const CHILD_VAR: &str = "NEXUS_TOKEN_TEST_FS_CHILD";

fn append_marker(path: &Path, marker: &str) {
    let update = update_file(path, &mut |old| {
        let mut bytes = old.unwrap_or_default().to_vec();
        bytes.extend_from_slice(marker.as_bytes());
        bytes.push(b'\n');
        Ok(Some(bytes))
    })
    .unwrap();
    assert_ne!(update.outcome, Outcome::Unchanged);
}

fn assert_all_markers(path: &Path, expected: &BTreeSet<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let found: BTreeSet<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    assert_eq!(lines.len(), found.len(), "no marker is written twice");
    assert_eq!(&found, expected, "no update is lost");
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("nexus-token-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temp file remains: {leftovers:?}");
}

#[test]
fn threads_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.xml");
    let (threads, each) = (16, 25);
    std::thread::scope(|s| {
        for t in 0..threads {
            let path = &path;
            s.spawn(move || {
                for i in 0..each {
                    append_marker(path, &format!("thread-{t}-{i}"));
                }
            });
        }
    });
    let expected = (0..threads)
        .flat_map(|t| (0..each).map(move |i| format!("thread-{t}-{i}")))
        .collect();
    assert_all_markers(&path, &expected);
}

/// Child mode: append `count` markers to the file named by the environment, then exit.
#[test]
fn child_entry() {
    let Ok(spec) = std::env::var(CHILD_VAR) else {
        return;
    };
    let mut parts = spec.splitn(3, '|');
    let (Some(path), Some(id), Some(count)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("bad child spec {spec}");
    };
    for i in 0..count.parse::<usize>().unwrap() {
        append_marker(Path::new(path), &format!("proc-{id}-{i}"));
    }
}

#[test]
fn twenty_processes_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gradle.properties");
    let (procs, each) = (20, 10);
    let sb = Sandbox::new();
    let children: Vec<_> = (0..procs)
        .map(|p| {
            sb.rerun_test("fs_concurrency::child_entry")
                .env(CHILD_VAR, format!("{}|{p}|{each}", path.display()))
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(
            child.wait().unwrap().success(),
            "every writer process succeeds"
        );
    }
    let expected = (0..procs)
        .flat_map(|p| (0..each).map(move |i| format!("proc-{p}-{i}")))
        .collect();
    assert_all_markers(&path, &expected);
}

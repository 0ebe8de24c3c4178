//! The one walker over editor fixture folders (`tests/fixtures/<format>/<case>/`): every runner
//! lists its cases here and reports all failing cases at once. New cases need no code.

use std::path::{Path, PathBuf};

/// The case folders of one format, sorted; asserts there are at least `min` of them.
pub fn cases(format: &str, min: usize) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("the fixture folder `{}` exists: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= min,
        "there are at least {min} {format} fixture cases, found {}",
        dirs.len()
    );
    dirs
}

/// Runs `run_case` on every case of `format` and fails with every failure listed.
pub fn check_all(format: &str, min: usize, run_case: impl Fn(&Path) -> Result<(), String>) {
    let dirs = cases(format, min);
    let failures: Vec<String> = dirs.iter().filter_map(|d| run_case(d).err()).collect();
    assert!(
        failures.is_empty(),
        "every {format} fixture case passes; {} of {} failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n\n")
    );
}

//! A protected raw repository of the emulator, `gradle-dists`, holding one small but valid Gradle
//! distribution for the Gradle wrapper tests (`login --gradle-wrapper`): the wrapper downloads
//! `gradle-4.4.1-nexus-bin.zip`, unzips it and calls `org.gradle.launcher.GradleMain` from its
//! `lib/gradle-launcher-*.jar`, which only prints that it ran (source beside the zip in
//! `assets/gradle/`, compiled with `javac --release 8`, zipped once with Python's `zipfile`).
//! Content rules as every repository of the emulator (the token; 401 without it). No I/O here.

use crate::nexus::Family;

/// The raw repository's name.
pub(crate) const REPO: &str = "gradle-dists";

/// The distribution's file name.
pub(crate) const DISTRIBUTION: &str = "gradle-4.4.1-nexus-bin.zip";

const ZIP: &[u8] = include_bytes!("assets/gradle/gradle-4.4.1-nexus-bin.zip");

/// The repository's path under the context: `repository/gradle-dists/` (Nexus 3) or
/// `content/repositories/gradle-dists/` (Nexus 2).
pub(crate) fn repository_path(family: Family) -> String {
    if family.is_nexus2() {
        format!("content/repositories/{REPO}/")
    } else {
        format!("repository/{REPO}/")
    }
}

/// Whether a request path is under the raw repository.
pub(crate) fn is_raw_path(family: Family, rel: &str) -> bool {
    rel.starts_with(&repository_path(family))
}

/// The file at a request path: `(content type, bytes)`.
pub(crate) fn file(family: Family, rel: &str) -> Option<(&'static str, Vec<u8>)> {
    let name = rel.strip_prefix(&repository_path(family))?;
    (name == DISTRIBUTION).then(|| ("application/zip", ZIP.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_distribution_is_a_zip_with_one_top_folder_and_a_launcher_jar() {
        assert!(ZIP.starts_with(b"PK\x03\x04"), "a zip file");
        let text = String::from_utf8_lossy(ZIP);
        assert!(
            text.contains("gradle-4.4.1-nexus/lib/gradle-launcher-4.4.1.jar")
                && text.contains("gradle-4.4.1-nexus/bin/gradle"),
            "the wrapper finds lib/gradle-launcher-*.jar under the one top-level folder"
        );
        let rel = format!("repository/{REPO}/{DISTRIBUTION}");
        assert!(file(Family::Nexus3, &rel).is_some());
        assert!(file(Family::Nexus3, "repository/gradle-dists/other.zip").is_none());
        assert!(is_raw_path(
            Family::Nexus2,
            "content/repositories/gradle-dists/x"
        ));
    }
}

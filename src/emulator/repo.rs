//! The tiny Maven repository the emulator serves: two POMs and a jar (checked-in bytes under
//! `assets/maven/`, made once with Python's `zipfile`), each with its `.sha1` file. No I/O here.

use std::sync::OnceLock;

use sha1::{Digest, Sha1};

/// One file of the repository.
pub(crate) struct Artifact {
    /// Path relative to the repository root.
    pub path: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The files served, as `(path, content type, bytes)`.
const FILES: [(&str, &str, &[u8]); 3] = [
    (
        "com/example/e2e-parent/1.0/e2e-parent-1.0.pom",
        "application/xml",
        include_bytes!("assets/maven/e2e-parent-1.0.pom"),
    ),
    (
        "com/example/e2e-ext/1.0/e2e-ext-1.0.pom",
        "application/xml",
        include_bytes!("assets/maven/e2e-ext-1.0.pom"),
    ),
    (
        "com/example/e2e-ext/1.0/e2e-ext-1.0.jar",
        "application/java-archive",
        include_bytes!("assets/maven/e2e-ext-1.0.jar"),
    ),
];

/// All files with their `.sha1` companions, built on first use.
pub(crate) fn artifacts() -> &'static [Artifact] {
    static ARTIFACTS: OnceLock<Vec<Artifact>> = OnceLock::new();
    ARTIFACTS.get_or_init(|| {
        let mut files = Vec::new();
        for (path, content_type, bytes) in FILES {
            files.push(Artifact {
                path: format!("{path}.sha1"),
                content_type: "text/plain",
                bytes: sha1_hex(bytes).into_bytes(),
            });
            files.push(Artifact {
                path: path.to_owned(),
                content_type,
                bytes: bytes.to_vec(),
            });
        }
        files
    })
}

/// The lowercase hex SHA-1 of `data`, as Maven's `.sha1` files and npm's `shasum` hold it.
pub(crate) fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_matches_the_standard_vector() {
        assert_eq!(
            sha1_hex(b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d",
            "SHA-1 of `abc` is the FIPS 180 test vector"
        );
    }

    #[test]
    fn every_file_has_a_checksum_of_its_exact_bytes() {
        let files = artifacts();
        for f in files.iter().filter(|f| !f.path.ends_with(".sha1")) {
            let sum = files
                .iter()
                .find(|s| s.path == format!("{}.sha1", f.path))
                .expect("every file has a .sha1 beside it");
            assert_eq!(sum.bytes, sha1_hex(&f.bytes).into_bytes());
        }
    }

    #[test]
    fn the_jar_is_a_zip_with_a_manifest() {
        let (_, _, jar) = FILES[2];
        assert!(
            jar.starts_with(b"PK\x03\x04"),
            "a zip local file header first"
        );
        assert!(
            jar.windows(20).any(|w| w == b"META-INF/MANIFEST.MF"),
            "the jar holds a manifest"
        );
        assert!(
            jar.windows(4).any(|w| w == b"PK\x05\x06"),
            "the zip has an end-of-central-directory record"
        );
    }
}

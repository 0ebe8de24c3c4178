//! The token fingerprint: a short one-way digest of a token that the state records, so that
//! `status`, `doctor`, discovery and logout can tell whether a file holds the token nexus-token
//! wrote without storing the token anywhere.

use sha2::{Digest, Sha256};

/// A short fingerprint of a token, to tell whether a file still holds it without storing it.
pub fn fingerprint(name_code: &str, pass_code: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"nexus-token fingerprint v1\0");
    hasher.update(name_code.as_bytes());
    hasher.update(b"\0");
    hasher.update(pass_code.as_bytes());
    let digest = hasher.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_tells_tokens_apart_and_hides_them() {
        let a = fingerprint("nameCode", "passCode1");
        assert_eq!(a, fingerprint("nameCode", "passCode1"));
        assert_ne!(a, fingerprint("nameCode", "passCode2"));
        assert_ne!(
            a,
            fingerprint("nameCod", "epassCode1"),
            "the separator keeps the parts apart"
        );
        assert_eq!(a.len(), 16);
        assert!(!a.contains("passCode"));
    }
}

//! The tiny Maven repository the emulator serves: two POMs and a jar with their `.sha1` files.
//!
//! Pure data built once: a stored (uncompressed) zip written by hand, and SHA-1 (which the
//! crate has no dependency for) so the checksums match the exact bytes served. No I/O here.

use std::sync::OnceLock;

/// One file of the repository.
pub(crate) struct Artifact {
    /// Path relative to the repository root.
    pub path: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

const PARENT_POM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>e2e-parent</artifactId>
  <version>1.0</version>
  <packaging>pom</packaging>
</project>
"#;

const EXT_POM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>e2e-ext</artifactId>
  <version>1.0</version>
  <packaging>jar</packaging>
</project>
"#;

/// All files, built on first use.
pub(crate) fn artifacts() -> &'static [Artifact] {
    static FILES: OnceLock<Vec<Artifact>> = OnceLock::new();
    FILES.get_or_init(|| {
        let base = [
            (
                "com/example/e2e-parent/1.0/e2e-parent-1.0.pom",
                "application/xml",
                PARENT_POM.as_bytes().to_vec(),
            ),
            (
                "com/example/e2e-ext/1.0/e2e-ext-1.0.pom",
                "application/xml",
                EXT_POM.as_bytes().to_vec(),
            ),
            (
                "com/example/e2e-ext/1.0/e2e-ext-1.0.jar",
                "application/java-archive",
                manifest_jar(),
            ),
        ];
        let mut files = Vec::new();
        for (path, content_type, bytes) in base {
            files.push(Artifact {
                path: format!("{path}.sha1"),
                content_type: "text/plain",
                bytes: hex(&sha1(&bytes)).into_bytes(),
            });
            files.push(Artifact {
                path: path.to_owned(),
                content_type,
                bytes,
            });
        }
        files
    })
}

/// A jar holding only `META-INF/MANIFEST.MF`, stored without compression.
pub(crate) fn manifest_jar() -> Vec<u8> {
    let name = b"META-INF/MANIFEST.MF";
    let data = b"Manifest-Version: 1.0\r\nCreated-By: nexus-token emulator\r\n\r\n";
    let crc = crc32(data);
    // DOS time 00:00:00, date 2020-01-01.
    let (time, date) = (0u16, ((2020 - 1980) << 9 | 1 << 5 | 1) as u16);
    let size = data.len() as u32;
    let mut out = Vec::new();
    let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    // Local file header.
    le32(&mut out, 0x0403_4b50);
    le16(&mut out, 10); // version needed
    le16(&mut out, 0); // flags
    le16(&mut out, 0); // stored
    le16(&mut out, time);
    le16(&mut out, date);
    le32(&mut out, crc);
    le32(&mut out, size);
    le32(&mut out, size);
    le16(&mut out, name.len() as u16);
    le16(&mut out, 0);
    out.extend_from_slice(name);
    out.extend_from_slice(data);
    let central_start = out.len() as u32;
    // Central directory header.
    le32(&mut out, 0x0201_4b50);
    le16(&mut out, 20); // version made by
    le16(&mut out, 10);
    le16(&mut out, 0);
    le16(&mut out, 0);
    le16(&mut out, time);
    le16(&mut out, date);
    le32(&mut out, crc);
    le32(&mut out, size);
    le32(&mut out, size);
    le16(&mut out, name.len() as u16);
    le16(&mut out, 0); // extra
    le16(&mut out, 0); // comment
    le16(&mut out, 0); // disk
    le16(&mut out, 0); // internal attrs
    le32(&mut out, 0); // external attrs
    le32(&mut out, 0); // local header offset
    out.extend_from_slice(name);
    let central_size = out.len() as u32 - central_start;
    // End of central directory.
    le32(&mut out, 0x0605_4b50);
    le16(&mut out, 0);
    le16(&mut out, 0);
    le16(&mut out, 1);
    le16(&mut out, 1);
    le32(&mut out, central_size);
    le32(&mut out, central_start);
    le16(&mut out, 0);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// SHA-1 (FIPS 180-4). Only for Maven checksums of public test files, never for security.
pub(crate) fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for chunk in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in chunk.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_matches_the_standard_vectors() {
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(&sha1(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }

    #[test]
    fn crc32_matches_the_standard_vector() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn every_file_has_a_checksum_of_its_exact_bytes() {
        let files = artifacts();
        for f in files.iter().filter(|f| !f.path.ends_with(".sha1")) {
            let sum = files
                .iter()
                .find(|s| s.path == format!("{}.sha1", f.path))
                .expect("a .sha1 beside each file");
            assert_eq!(sum.bytes, hex(&sha1(&f.bytes)).into_bytes());
        }
        assert_eq!(files.len(), 6);
    }

    #[test]
    fn the_jar_is_a_zip_with_a_manifest() {
        let jar = manifest_jar();
        assert_eq!(&jar[..4], b"PK\x03\x04");
        assert!(jar.windows(20).any(|w| w == b"META-INF/MANIFEST.MF"));
        assert_eq!(&jar[jar.len() - 22..jar.len() - 18], b"PK\x05\x06");
    }
}

//! Maven's own password encryption: the `{...}` values of `settings.xml` and the master password
//! in `settings-security.xml`, byte-compatible with plexus-cipher and plexus-sec-dispatcher as
//! shipped with Maven 3 (checked against the jars of Maven 3.8.7).
//!
//! Format: `{` base64( salt\[8\] || n || AES-128-CBC-PKCS7(utf8(clear)) || n random bytes ) `}` with
//! key = SHA-256(utf8(passphrase) || salt)[0..16] and iv = the same digest[16..32]; Maven always
//! writes n = 7. The `<master>` value is itself encrypted with the literal passphrase
//! `settings.security`. This module only encrypts, decrypts and reads `settings-security.xml`; it
//! never writes files, prints, or puts a clear text (or an encrypted master, which anyone can
//! decrypt) into an error or a `Debug` output. Decrypted values come back as [`Secret`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use aes::Aes128;
use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::secret::Secret;

/// The passphrase Maven uses for the `<master>` value (plexus-sec-dispatcher's system property
/// name, used literally).
pub const MASTER_PASSPHRASE: &str = "settings.security";

/// Bytes of salt at the start of the decoded value.
const SALT_LEN: usize = 8;
/// Random trailing bytes Maven appends (16 - (8 + 1 + ciphertext) % 16, always 7).
const MAVEN_TRAILING_LEN: usize = 7;
/// Java reads the trailing-length byte as a signed byte: more than this breaks Maven.
const MAX_TRAILING_LEN: usize = 127;
/// How many `<relocation>` hops we follow before giving up (Maven has no limit and overflows
/// its stack on a loop).
const MAX_RELOCATIONS: usize = 16;

/// Decoding as lenient as plexus-cipher's commons-codec copy about padding; characters outside
/// the alphabet are dropped before decoding (see `decode_lenient`).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

type Encryptor = cbc::Encryptor<Aes128>;
type Decryptor = cbc::Decryptor<Aes128>;

/// Why a value or a `settings-security.xml` could not be used. Messages never contain a clear
/// text, an encrypted value or a passphrase.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The value has no `{...}` part.
    #[error("the value is not a Maven-encrypted password (no `{{...}}` part)")]
    NotEncrypted,
    /// The part between the braces is not base64.
    #[error("the encrypted value is not valid base64")]
    Base64,
    /// The decoded bytes are too short or their lengths do not add up.
    #[error("the encrypted value is damaged (wrong length or layout)")]
    Malformed,
    /// AES-CBC padding check failed: almost always the wrong passphrase.
    #[error("cannot decrypt the value: wrong master password, or the value is damaged")]
    WrongPassphrase,
    /// Decrypted bytes are not UTF-8: almost always the wrong passphrase.
    #[error("the decrypted value is not UTF-8: wrong master password, or the value is damaged")]
    NotUtf8,
    /// `settings-security.xml` is not the XML Maven expects.
    #[error("not a valid settings-security file: {message}")]
    Syntax { message: String },
    /// A file could not be read.
    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file (named here) has a problem described by the source.
    #[error("cannot use `{}`", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: Box<Error>,
    },
    /// The `<relocation>` target does not exist.
    #[error("`{}` relocates to `{}`, which does not exist", from.display(), to.display())]
    MissingRelocation { from: PathBuf, to: PathBuf },
    /// `<relocation>` names a remote URL; Maven may fetch it, nexus-token does not.
    #[error("`{}` relocates to a URL, which nexus-token does not fetch; use a local path", path.display())]
    RemoteRelocation { path: PathBuf },
    /// `<relocation>` leads back to a file already visited.
    #[error("`{}` relocates in a loop (back to `{}`)", from.display(), to.display())]
    RelocationLoop { from: PathBuf, to: PathBuf },
    /// More than `MAX_RELOCATIONS` (16) hops.
    #[error("too many relocations starting at `{}`", path.display())]
    TooManyRelocations { path: PathBuf },
}

/// Encrypts `clear` the way `mvn --encrypt-password` does, with a random salt and random
/// trailing bytes. The result includes the braces.
pub fn encrypt(clear: &str, passphrase: &str) -> String {
    let mut salt = [0u8; SALT_LEN];
    let mut trailing = [0u8; MAVEN_TRAILING_LEN];
    let mut rng = rand::rng();
    rand::Rng::fill(&mut rng, &mut salt);
    rand::Rng::fill(&mut rng, &mut trailing);
    encrypt_with(clear, passphrase, salt, &trailing)
}

/// Deterministic [`encrypt`] for tests: the given salt and trailing bytes. Maven writes 7
/// trailing bytes; at most 127 are used (Java reads the count as a signed byte), the rest are
/// dropped.
pub fn encrypt_with(clear: &str, passphrase: &str, salt: [u8; 8], trailing: &[u8]) -> String {
    let trailing = &trailing[..trailing.len().min(MAX_TRAILING_LEN)];
    let (mut key, mut iv) = derive(passphrase, &salt);
    let ciphertext =
        Encryptor::new(&key.into(), &iv.into()).encrypt_padded_vec_mut::<Pkcs7>(clear.as_bytes());
    key.zeroize();
    iv.zeroize();
    let mut all = Vec::with_capacity(SALT_LEN + 1 + ciphertext.len() + trailing.len());
    all.extend_from_slice(&salt);
    // `trailing.len()` <= 127 by the slice above, so the cast is exact.
    all.push(trailing.len() as u8);
    all.extend_from_slice(&ciphertext);
    all.extend_from_slice(trailing);
    format!("{{{}}}", STANDARD.encode(&all))
}

/// Decrypts a Maven-encrypted value: the `{...}` part of `value` (text around it is allowed,
/// chosen exactly as plexus-cipher does, see [`undecorate`]) with `passphrase`.
pub fn decrypt(value: &str, passphrase: &str) -> Result<Secret<String>, Error> {
    let inner = undecorate(value).ok_or(Error::NotEncrypted)?;
    decrypt_bare(inner, passphrase)
}

/// Whether Maven would treat `value` as encrypted (it has a `{...}` part).
pub fn is_encrypted(value: &str) -> bool {
    undecorate(value).is_some()
}

/// The part of `value` that plexus-cipher takes as the encrypted payload, or `None` when it sees
/// no `{...}`. Emulates `DefaultPlexusCipher.unDecorate`: the Java pattern
/// `.*?[^\\]?\{(.*?[^\\])\}.*` (`.` stops at line ends) tried with `matches()`, then `find()`
/// on the same matcher, which resumes where the failed `matches()` left it (see
/// `find_resumes_at`).
/// For a one-line value this is the text from the first `{` to the first following `}` that is
/// not preceded by `\`, with at least one character between them.
/// `tests/maven_security_real.rs` checks this against the JDK's own regex engine.
pub fn undecorate(value: &str) -> Option<&str> {
    let chars: Vec<(usize, char)> = value.char_indices().collect();
    let found = Pattern::new(&chars)
        .search(true)
        .map(|(open, close)| (&chars[..], open, close));
    let (chars, open, close) = match found {
        Some(found) => found,
        None => {
            let rest = &chars[find_resumes_at(&chars)?..];
            let (open, close) = Pattern::new(rest).search(false)?;
            (rest, open, close)
        }
    };
    Some(&value[chars[open + 1].0..chars[close].0])
}

/// Where `Matcher.find()` starts after a failed `matches()`: the matcher's `last` field, which
/// every successful `.` of a lazy `.*?` and every successful `[^\\]` of `[^\\]?` moves just past
/// the character. The last such step of the failed attempt happens at the first line terminator
/// `t`: `[^\\]?` takes it (last = t + 1), and when a `{` follows, the group's `.*?` runs on to
/// the next terminator. Without a terminator `find()` cannot succeed where `matches()` failed.
fn find_resumes_at(chars: &[(usize, char)]) -> Option<usize> {
    let t = chars.iter().position(|c| is_terminator(c.1))?;
    let g0 = t + 2;
    if chars.get(t + 1).is_some_and(|c| c.1 == '{')
        && chars.get(g0).is_some_and(|c| !is_terminator(c.1))
    {
        let run = chars[g0..].iter().position(|c| is_terminator(c.1));
        return Some(run.map_or(chars.len(), |r| g0 + r));
    }
    Some(t + 1)
}

/// What `settings-security.xml` says.
#[derive(PartialEq, Eq)]
pub enum SecurityFile {
    /// The `<master>` value, still encrypted (with [`MASTER_PASSPHRASE`]).
    Master(String),
    /// `<relocation>`: the real file is elsewhere (Maven prefers it over `<master>`).
    Relocation(PathBuf),
    /// Neither (or both empty).
    Empty,
}

impl std::fmt::Debug for SecurityFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Anyone can decrypt the master with the public passphrase: never print it.
            SecurityFile::Master(_) => f.write_str("Master([redacted])"),
            SecurityFile::Relocation(p) => f.debug_tuple("Relocation").field(p).finish(),
            SecurityFile::Empty => f.write_str("Empty"),
        }
    }
}

/// Parses `settings-security.xml` text: `<settingsSecurity>` with `<master>` and/or
/// `<relocation>` (trimmed, as Maven's reader does). Other elements are ignored.
pub fn parse_security(text: &[u8]) -> Result<SecurityFile, Error> {
    use quick_xml::events::Event;

    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let text = std::str::from_utf8(text).map_err(|e| Error::Syntax {
        message: format!("not UTF-8 at byte {}", e.valid_up_to()),
    })?;
    let mut reader = quick_xml::Reader::from_str(text);
    let syntax = |reader: &quick_xml::Reader<&[u8]>, e: &dyn std::fmt::Display| Error::Syntax {
        message: format!("{e} (at byte {})", reader.error_position()),
    };

    let mut depth = 0usize;
    let mut field: Option<&'static str> = None;
    let mut value = String::new();
    let mut master: Option<String> = None;
    let mut relocation: Option<String> = None;
    let mut saw_root = false;
    loop {
        let event = reader.read_event().map_err(|e| syntax(&reader, &e))?;
        match event {
            Event::Start(start) => {
                depth += 1;
                let qname = start.name();
                let name: &str = qname.as_ref();
                if depth == 1 {
                    if name != "settingsSecurity" {
                        return Err(Error::Syntax {
                            message: format!(
                                "the root element is `{name}`, expected `settingsSecurity`"
                            ),
                        });
                    }
                    saw_root = true;
                } else if depth == 2 {
                    field = match name {
                        "master" => Some("master"),
                        "relocation" => Some("relocation"),
                        _ => None,
                    };
                    value.clear();
                }
            }
            Event::Empty(start) => {
                let qname = start.name();
                let name: &str = qname.as_ref();
                if depth == 0 {
                    if name != "settingsSecurity" {
                        return Err(Error::Syntax {
                            message: format!(
                                "the root element is `{name}`, expected `settingsSecurity`"
                            ),
                        });
                    }
                    saw_root = true;
                } else if depth == 1 {
                    let slot = match name {
                        "master" => &mut master,
                        "relocation" => &mut relocation,
                        _ => continue,
                    };
                    if slot.replace(String::new()).is_some() {
                        return Err(duplicated(name));
                    }
                }
            }
            Event::End(_) => {
                if depth == 2
                    && let Some(name) = field.take()
                {
                    let slot = if name == "master" {
                        &mut master
                    } else {
                        &mut relocation
                    };
                    if slot.replace(value.trim().to_owned()).is_some() {
                        value.zeroize();
                        return Err(duplicated(name));
                    }
                    value.zeroize();
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if depth == 2 && field.is_some() => value.push_str(&t.xml10_content()),
            Event::CData(t) if depth == 2 && field.is_some() => value.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if depth == 2 && field.is_some() => {
                match r.resolve_char_ref().map_err(|e| syntax(&reader, &e))? {
                    Some(c) => value.push(c),
                    None => match quick_xml::escape::resolve_predefined_entity(&r) {
                        Some(s) => value.push_str(s),
                        None => {
                            value.zeroize();
                            return Err(Error::Syntax {
                                message: format!("unknown entity `&{};`", &*r),
                            });
                        }
                    },
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(Error::Syntax {
            message: "no `settingsSecurity` element".into(),
        });
    }
    Ok(match (relocation, master) {
        (Some(r), _) if !r.is_empty() => SecurityFile::Relocation(PathBuf::from(r)),
        (_, Some(m)) if !m.is_empty() => SecurityFile::Master(m),
        (_, mut m) => {
            if let Some(m) = m.as_mut() {
                m.zeroize();
            }
            SecurityFile::Empty
        }
    })
}

fn duplicated(name: &str) -> Error {
    Error::Syntax {
        message: format!("`<{name}>` appears twice"),
    }
}

/// Reads Maven's master password from `settings-security.xml` at `path` (the caller resolves
/// `~/.m2/settings-security.xml` or `-Dsettings.security`). Follows `<relocation>` like Maven:
/// the location is taken as written (a relative path is relative to the current directory, `~`
/// is not expanded, `file://` URLs are accepted), at most 16 hops, loops refused. Decrypts
/// `<master>` with [`MASTER_PASSPHRASE`] (with or without braces, as Maven accepts both).
///
/// `Ok(None)` when `path` does not exist or names no master password.
pub fn master_password(path: &Path) -> Result<Option<Secret<String>>, Error> {
    let mut current = path.to_path_buf();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    for hop in 0..=MAX_RELOCATIONS {
        // Never blocks on a FIFO or device at the path.
        let found = crate::fs::read_regular_file(&current)
            .and_then(|t| t.ok_or_else(|| std::io::ErrorKind::NotFound.into()));
        let text = match found {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && hop == 0 => return Ok(None),
            Err(e) => {
                return Err(Error::Read {
                    path: current,
                    source: e,
                });
            }
        };
        seen.insert(identity(&current));
        let parsed = parse_security(&text).map_err(|e| Error::File {
            path: current.clone(),
            source: Box::new(e),
        });
        let mut text = text;
        text.zeroize();
        match parsed? {
            SecurityFile::Empty => return Ok(None),
            SecurityFile::Master(mut master) => {
                let result = match undecorate(&master) {
                    Some(inner) => decrypt_bare(inner, MASTER_PASSPHRASE),
                    None => decrypt_bare(&master, MASTER_PASSPHRASE),
                };
                master.zeroize();
                return result.map(Some).map_err(|e| Error::File {
                    path: current,
                    source: Box::new(e),
                });
            }
            SecurityFile::Relocation(location) => {
                let next = relocation_path(&current, &location)?;
                if seen.contains(&identity(&next)) {
                    return Err(Error::RelocationLoop {
                        from: current,
                        to: next,
                    });
                }
                if !next.exists() {
                    return Err(Error::MissingRelocation {
                        from: current,
                        to: next,
                    });
                }
                current = next;
            }
        }
    }
    Err(Error::TooManyRelocations {
        path: path.to_path_buf(),
    })
}

/// Where a `<relocation>` points, as plexus-sec-dispatcher reads it: `file://` URLs become paths,
/// other URLs are refused, anything else is a path used as written.
fn relocation_path(from: &Path, location: &Path) -> Result<PathBuf, Error> {
    let text = location.to_string_lossy();
    if let Some(rest) = text.strip_prefix("file://") {
        let decoded = percent_encoding::percent_decode_str(rest).decode_utf8_lossy();
        return Ok(PathBuf::from(decoded.into_owned()));
    }
    if text.contains("://") {
        return Err(Error::RemoteRelocation {
            path: from.to_path_buf(),
        });
    }
    Ok(location.to_path_buf())
}

/// A path's identity for loop detection: canonical when it exists.
fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Decrypts the base64 payload (without braces).
fn decrypt_bare(payload: &str, passphrase: &str) -> Result<Secret<String>, Error> {
    let mut bytes = decode_lenient(payload)?;
    let result = decrypt_bytes(&bytes, passphrase);
    bytes.zeroize();
    result
}

/// plexus-cipher's Base64 drops every character outside the alphabet (whitespace, line breaks)
/// before decoding; so do we.
fn decode_lenient(payload: &str) -> Result<Vec<u8>, Error> {
    let filtered: String = payload
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    LENIENT
        .decode(filtered.as_bytes())
        .map_err(|_| Error::Base64)
}

fn decrypt_bytes(bytes: &[u8], passphrase: &str) -> Result<Secret<String>, Error> {
    if bytes.len() < SALT_LEN + 1 {
        return Err(Error::Malformed);
    }
    let (salt, rest) = bytes.split_at(SALT_LEN);
    let trailing = usize::from(rest[0]);
    // Java reads the count as a signed byte; a negative count makes Maven fail too.
    if trailing > MAX_TRAILING_LEN || rest.len() < 1 + trailing {
        return Err(Error::Malformed);
    }
    let ciphertext = &rest[1..rest.len() - trailing];
    if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
        return Err(Error::Malformed);
    }
    let (mut key, mut iv) = derive(passphrase, salt);
    let plain = Decryptor::new(&key.into(), &iv.into()).decrypt_padded_vec_mut::<Pkcs7>(ciphertext);
    key.zeroize();
    iv.zeroize();
    let plain = plain.map_err(|_| Error::WrongPassphrase)?;
    match String::from_utf8(plain) {
        Ok(clear) => Ok(Secret::new(clear)),
        Err(e) => {
            e.into_bytes().zeroize();
            Err(Error::NotUtf8)
        }
    }
}

/// key = SHA-256(passphrase || salt)[0..16], iv = [16..32] (plexus-cipher's one-round "PBE").
fn derive(passphrase: &str, salt: &[u8]) -> ([u8; 16], [u8; 16]) {
    let mut hasher = Sha256::new();
    hasher.update(passphrase.as_bytes());
    hasher.update(salt);
    let mut digest: [u8; 32] = hasher.finalize().into();
    let mut key = [0u8; 16];
    let mut iv = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    iv.copy_from_slice(&digest[16..]);
    digest.zeroize();
    (key, iv)
}

/// A matcher for plexus-cipher's `.*?[^\\]?\{(.*?[^\\])\}.*`, in linear time.
///
/// Java's `.` matches anything but a line terminator (`\n`, `\r`, U+0085, U+2028, U+2029);
/// `[^\\]` matches anything but a backslash, line terminators included.
struct Pattern<'a> {
    chars: &'a [(usize, char)],
    /// `next_close[i]`: the smallest `q >= i` with `chars[q] != '\\'` and `chars[q + 1] == '}'`.
    next_close: Vec<usize>,
    /// `next_term[i]`: the smallest index `>= i` holding a line terminator.
    next_term: Vec<usize>,
    /// The index of the last line terminator.
    last_term: Option<usize>,
}

fn is_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

impl<'a> Pattern<'a> {
    fn new(chars: &'a [(usize, char)]) -> Self {
        let n = chars.len();
        let mut next_close = vec![n; n + 1];
        let mut next_term = vec![n; n + 1];
        for i in (0..n).rev() {
            next_close[i] = if chars[i].1 != '\\' && chars.get(i + 1).is_some_and(|c| c.1 == '}') {
                i
            } else {
                next_close[i + 1]
            };
            next_term[i] = if is_terminator(chars[i].1) {
                i
            } else {
                next_term[i + 1]
            };
        }
        let last_term = chars.iter().rposition(|c| is_terminator(c.1));
        Pattern {
            chars,
            next_close,
            next_term,
            last_term,
        }
    }

    /// `(index of '{', index of '}')` of the first match, in Java's backtracking order.
    /// `whole`: `Matcher.matches()` (anchored at both ends); else `Matcher.find()`.
    fn search(&self, whole: bool) -> Option<(usize, usize)> {
        let n = self.chars.len();
        let mut start = 0;
        while start <= n {
            // `.*?`: the prefix grows one character at a time, never over a line terminator.
            let mut p = start;
            loop {
                // `[^\\]?` is greedy: first try consuming one character, then none.
                for take in [true, false] {
                    let open = if take {
                        if p < n && self.chars[p].1 != '\\' {
                            p + 1
                        } else {
                            continue;
                        }
                    } else {
                        p
                    };
                    if open < n
                        && self.chars[open].1 == '{'
                        && let Some(close) = self.group(open + 1, whole)
                    {
                        return Some((open, close));
                    }
                }
                if p >= n || is_terminator(self.chars[p].1) {
                    break;
                }
                p += 1;
            }
            if whole {
                return None;
            }
            // Every start up to the terminator that stopped the prefix explores a subset of
            // the positions already tried.
            start = p + 1;
        }
        None
    }

    /// `(.*?[^\\])\}` from `g0`, then `.*` (to the end when `whole`): the index of the `}`.
    fn group(&self, g0: usize, whole: bool) -> Option<usize> {
        let n = self.chars.len();
        if g0 >= n {
            return None;
        }
        match (whole, self.last_term) {
            // `.*` after the brace cannot cross a line terminator, and `.*?` inside cannot
            // either: the only possible last group character is the last terminator itself.
            (true, Some(last)) if last >= g0 => (self.next_term[g0] == last
                && self.chars.get(last + 1).is_some_and(|c| c.1 == '}'))
            .then_some(last + 1),
            _ => {
                let q = self.next_close[g0];
                // `.*?` covers g0..q and must not contain a terminator; chars[q] may be one.
                (q < n && self.next_term[g0] >= q).then_some(q + 1)
            }
        }
    }
}

/// `--maven-encrypt` values.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    clap::ValueEnum,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum MavenEncrypt {
    /// Encrypt when settings-security.xml holds a master password.
    #[default]
    Auto,
    /// Always encrypt; fail when there is no master password.
    Always,
    /// Never encrypt.
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SALT_A: [u8; 8] = [0, 1, 2, 3, 4, 5, 6, 7];
    const SALT_B: [u8; 8] = [8, 9, 10, 11, 12, 13, 14, 15];
    const VECTOR_MASTER: &str = "{AAECAwQFBgcHXhTpqF018d/Xrj7AKinI9wAAAAAAAAA=}";
    const VECTOR_SERVER: &str = "{CAkKCwwNDg8HKa2LzvhjNN/f9P45SfqRcgAAAAAAAAA=}";
    const SERVER_CLEAR: &str = "a&b<c>d\"e'f g";

    #[test]
    fn known_vectors_encrypt_exactly() {
        assert_eq!(
            encrypt_with("master-Secret1", MASTER_PASSPHRASE, SALT_A, &[0; 7]),
            VECTOR_MASTER,
            "the master vector accepted by real Maven must be reproduced byte for byte"
        );
        assert_eq!(
            encrypt_with(SERVER_CLEAR, "master-Secret1", SALT_B, &[0; 7]),
            VECTOR_SERVER,
            "the server-password vector accepted by real Maven must be reproduced byte for byte"
        );
    }

    #[test]
    fn known_vectors_decrypt() {
        let master = decrypt(VECTOR_MASTER, MASTER_PASSPHRASE).unwrap();
        assert_eq!(
            master.expose(),
            "master-Secret1",
            "the master vector decrypts"
        );
        let server = decrypt(VECTOR_SERVER, master.expose()).unwrap();
        assert_eq!(server.expose(), SERVER_CLEAR, "the server vector decrypts");
    }

    #[test]
    fn random_encryption_looks_like_mavens_and_differs_each_time() {
        let a = encrypt("same", "pass");
        let b = encrypt("same", "pass");
        assert_ne!(
            a, b,
            "a random salt makes two encryptions of one value differ"
        );
        for v in [&a, &b] {
            assert!(v.starts_with('{') && v.ends_with('}'), "braces around: {v}");
            let bytes = STANDARD.decode(&v[1..v.len() - 1]).unwrap();
            assert_eq!(bytes[8], 7, "Maven's layout has 7 trailing bytes");
            assert_eq!(
                bytes.len(),
                8 + 1 + 16 + 7,
                "a short value is one AES block"
            );
        }
    }

    #[test]
    fn wrong_passphrase_is_an_error() {
        let err = decrypt(VECTOR_SERVER, "not-the-master").unwrap_err();
        assert!(
            matches!(err, Error::WrongPassphrase | Error::NotUtf8),
            "a wrong passphrase fails the padding or UTF-8 check, got {err:?}"
        );
        let err = decrypt(VECTOR_MASTER, "settings.security2").unwrap_err();
        assert!(
            matches!(err, Error::WrongPassphrase | Error::NotUtf8),
            "a wrong passphrase fails the padding or UTF-8 check, got {err:?}"
        );
    }

    #[test]
    fn malformed_values_are_errors() {
        type Expect = fn(&Error) -> bool;
        let cases: &[(&str, Expect)] = &[
            ("no braces", |e| matches!(e, Error::NotEncrypted)),
            ("{}", |e| matches!(e, Error::NotEncrypted)),
            ("{A}", |e| matches!(e, Error::Base64)),
            ("{AAAA}", |e| matches!(e, Error::Malformed)),
            // salt + count 0 + no ciphertext
            ("{AAECAwQFBgcA}", |e| matches!(e, Error::Malformed)),
            // trailing count 7 but only 3 bytes follow
            ("{AAECAwQFBgcHAAAA}", |e| matches!(e, Error::Malformed)),
            // ciphertext not a whole number of blocks
            ("{AAECAwQFBgcAAAAAAAAA}", |e| matches!(e, Error::Malformed)),
            // trailing count 0xff: negative in Java
            ("{AAECAwQFBgf/AAAAAAAAAAAAAAAAAAAAAA==}", |e| {
                matches!(e, Error::Malformed)
            }),
        ];
        for (value, expected) in cases {
            let err = decrypt(value, "p").unwrap_err();
            assert!(expected(&err), "`{value}` must be refused, got {err:?}");
        }
    }

    #[test]
    fn errors_never_show_values() {
        let err = decrypt(VECTOR_SERVER, "wrong-passphrase-xyz").unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains("wrong-passphrase-xyz"),
            "no passphrase in {shown}"
        );
        assert!(!shown.contains("CAkKCwwN"), "no encrypted value in {shown}");
        let parsed = parse_security(b"<settingsSecurity><master>{abc}</master></settingsSecurity>");
        let shown = format!("{parsed:?}");
        assert!(!shown.contains("abc"), "Debug hides the master: {shown}");
    }

    #[test]
    fn spaces_inside_the_braces_are_ignored_like_plexus_base64() {
        let spaced = "{AAECAwQFBgcHXhTpqF018d/X \t rj7AKinI9wAAAAAAAAA=}";
        let clear = decrypt(spaced, MASTER_PASSPHRASE).unwrap();
        assert_eq!(
            clear.expose(),
            "master-Secret1",
            "spaces and tabs are dropped"
        );
        // A line break inside the braces hides the value from plexus-cipher's pattern.
        let broken = "{AAECAwQFBgcHXhTpqF018d/X\nrj7AKinI9wAAAAAAAAA=}";
        assert!(
            !is_encrypted(broken),
            "Maven sees no encrypted value across lines"
        );
    }

    #[test]
    fn undecorate_follows_plexus_cipher() {
        let cases: &[(&str, Option<&str>)] = &[
            ("{abc}", Some("abc")),
            ("comment {abc} more", Some("abc")),
            ("{abc}{def}", Some("abc")),
            ("{a}b}", Some("a")),
            ("{}", None),
            ("{}x}", Some("}x")),
            ("{{x}", Some("x")),
            ("{{}", Some("{")),
            ("{a\\}b}", Some("a\\}b")),
            ("\\{abc}", Some("abc")),
            ("plain", None),
            ("{abc", None),
            ("abc}", None),
            ("line\n{abc}", Some("abc")),
            ("{ab\ncd}", None),
            ("{ab\n}", Some("ab\n")),
            // Java's `matches()` succeeds here with `[^\\]?` taking the line break.
            ("{ab}\n{cd}", Some("cd")),
            // `matches()` fails; `find()` resumes after `\n` and finds nothing.
            ("{a}\n", None),
            ("\n{a}\n", None),
            ("ab\ncd\nef{a}\n", Some("a")),
            ("{\u{e9}t\u{e9}}", Some("\u{e9}t\u{e9}")),
        ];
        for (value, expected) in cases {
            assert_eq!(
                undecorate(value),
                *expected,
                "`{value:?}` is read as plexus-cipher reads it"
            );
            assert_eq!(is_encrypted(value), expected.is_some(), "{value:?}");
        }
    }

    #[test]
    fn parse_security_reads_master_and_relocation() {
        let cases: &[(&str, SecurityFile)] = &[
            (
                "<settingsSecurity>\n  <master> {x&amp;y} </master>\n</settingsSecurity>",
                SecurityFile::Master("{x&y}".into()),
            ),
            (
                "\u{feff}<?xml version=\"1.0\"?><!-- c --><settingsSecurity><master><![CDATA[{a<b}]]></master></settingsSecurity>",
                SecurityFile::Master("{a<b}".into()),
            ),
            (
                "<settingsSecurity><relocation>/x/y.xml</relocation><master>{m}</master></settingsSecurity>",
                SecurityFile::Relocation("/x/y.xml".into()),
            ),
            ("<settingsSecurity/>", SecurityFile::Empty),
            (
                "<settingsSecurity><master/><other>z</other></settingsSecurity>",
                SecurityFile::Empty,
            ),
            (
                "<settingsSecurity><master>  </master></settingsSecurity>",
                SecurityFile::Empty,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                &parse_security(text.as_bytes()).unwrap(),
                expected,
                "`{text}` parses"
            );
        }
    }

    #[test]
    fn parse_security_refuses_broken_files() {
        for text in [
            "<settings><master>{m}</master></settings>",
            "<settingsSecurity><master>{m}</master><master>{n}</master></settingsSecurity>",
            "<settingsSecurity><master>{m}</mister></settingsSecurity>",
            "<settingsSecurity><master>&nope;</master></settingsSecurity>",
            "",
        ] {
            let err = parse_security(text.as_bytes()).unwrap_err();
            assert!(
                matches!(err, Error::Syntax { .. }),
                "`{text}` is refused, got {err:?}"
            );
        }
    }

    fn security_xml(body: &str) -> String {
        format!("<settingsSecurity>{body}</settingsSecurity>")
    }

    fn write(path: &Path, text: &str) {
        #[allow(clippy::disallowed_methods)]
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn master_password_reads_and_decrypts() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("settings-security.xml");
        assert!(
            master_password(&file).unwrap().is_none(),
            "a missing file means no master password"
        );
        write(
            &file,
            &security_xml(&format!("<master>{VECTOR_MASTER}</master>")),
        );
        let master = master_password(&file).unwrap().unwrap();
        assert_eq!(master.expose(), "master-Secret1", "the master is decrypted");

        let bare = &VECTOR_MASTER[1..VECTOR_MASTER.len() - 1];
        write(&file, &security_xml(&format!("<master>{bare}</master>")));
        let master = master_password(&file).unwrap().unwrap();
        assert_eq!(
            master.expose(),
            "master-Secret1",
            "Maven accepts a bare master"
        );

        write(&file, &security_xml(""));
        assert!(
            master_password(&file).unwrap().is_none(),
            "no <master>, no password"
        );
    }

    #[test]
    fn master_password_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("settings-security.xml");
        write(&file, &security_xml("<master>{AAAA}</master>"));
        let err = master_password(&file).unwrap_err();
        assert!(
            err.to_string().contains(&file.display().to_string()),
            "the error names the file: {err}"
        );
        assert!(matches!(err, Error::File { .. }), "{err:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_as_settings_security_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("settings-security.xml");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &file,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let path = file.clone();
        std::thread::spawn(move || {
            let _ = tx.send(
                master_password(&path)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            );
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("a FIFO as settings-security.xml must not block");
        let err = got.unwrap_err();
        assert!(
            err.contains(&file.display().to_string()),
            "the error names the file: {err}"
        );
    }

    #[test]
    fn relocation_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("settings-security.xml");
        let second = dir.path().join("real.xml");
        let third = dir.path().join("really-real.xml");
        write(
            &first,
            &security_xml(&format!("<relocation>{}</relocation>", second.display())),
        );
        write(
            &second,
            &security_xml(&format!(
                "<relocation>file://{}</relocation>",
                third.display()
            )),
        );
        write(
            &third,
            &security_xml(&format!("<master>{VECTOR_MASTER}</master>")),
        );
        let master = master_password(&first).unwrap().unwrap();
        assert_eq!(
            master.expose(),
            "master-Secret1",
            "two relocations are followed"
        );
    }

    #[test]
    fn relocation_problems_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.xml");
        let b = dir.path().join("b.xml");
        write(
            &a,
            &security_xml(&format!("<relocation>{}</relocation>", b.display())),
        );
        write(
            &b,
            &security_xml(&format!("<relocation>{}</relocation>", a.display())),
        );
        let err = master_password(&a).unwrap_err();
        assert!(
            matches!(err, Error::RelocationLoop { .. }),
            "a loop is refused: {err:?}"
        );

        write(
            &a,
            &security_xml(&format!("<relocation>{}</relocation>", a.display())),
        );
        let err = master_password(&a).unwrap_err();
        assert!(
            matches!(err, Error::RelocationLoop { .. }),
            "a self-loop is refused: {err:?}"
        );

        let missing = dir.path().join("missing.xml");
        write(
            &a,
            &security_xml(&format!("<relocation>{}</relocation>", missing.display())),
        );
        let err = master_password(&a).unwrap_err();
        assert!(
            matches!(err, Error::MissingRelocation { .. }),
            "a dangling relocation is an error, not \"no master\": {err:?}"
        );

        write(
            &a,
            &security_xml("<relocation>https://example.invalid/s.xml</relocation>"),
        );
        let err = master_password(&a).unwrap_err();
        assert!(
            matches!(err, Error::RemoteRelocation { .. }),
            "URLs are refused: {err:?}"
        );
    }

    #[test]
    fn long_relocation_chains_stop() {
        let dir = tempfile::tempdir().unwrap();
        let path = |i: usize| dir.path().join(format!("s{i}.xml"));
        for i in 0..=MAX_RELOCATIONS + 1 {
            write(
                &path(i),
                &security_xml(&format!(
                    "<relocation>{}</relocation>",
                    path(i + 1).display()
                )),
            );
        }
        write(&path(MAX_RELOCATIONS + 2), &security_xml(""));
        let err = master_password(&path(0)).unwrap_err();
        assert!(
            matches!(err, Error::TooManyRelocations { .. }),
            "more than {MAX_RELOCATIONS} hops are refused: {err:?}"
        );
    }

    proptest! {
        #[test]
        fn random_round_trip(clear in "\\PC{0,80}", pass in "\\PC{0,30}") {
            let encrypted = encrypt(&clear, &pass);
            prop_assert!(is_encrypted(&encrypted), "our output is recognised as encrypted");
            let back = decrypt(&encrypted, &pass).unwrap();
            prop_assert_eq!(back.expose(), &clear, "decrypt(encrypt(x)) == x");
        }

        #[test]
        fn deterministic_round_trip(
            clear in any::<String>(),
            salt in any::<[u8; 8]>(),
            trailing in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let encrypted = encrypt_with(&clear, "p\u{e9}ss", salt, &trailing);
            let back = decrypt(&format!("note: {encrypted} "), "p\u{e9}ss").unwrap();
            prop_assert_eq!(back.expose(), &clear, "any salt and trailing bytes round-trip");
        }

        #[test]
        fn decrypt_never_panics(value in "\\PC{0,120}", pass in "\\PC{0,10}") {
            let _ = decrypt(&value, &pass);
            let _ = decrypt(&format!("{{{value}}}"), &pass);
        }
    }
}

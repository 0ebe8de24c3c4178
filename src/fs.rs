//! File writes that lose nothing. (Temporary minimal version; replaced by the full module.)

use std::path::Path;

use crate::error::{Error, Result};

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Unchanged,
    Written,
    Created,
}

/// Result of [`update_file`].
#[derive(Debug)]
pub struct Update {
    pub outcome: Outcome,
    pub warnings: Vec<String>,
}

/// Reads a file, `None` when missing.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::file(path, "read", e)),
    }
}

/// Atomic write.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<Outcome> {
    let existed = path.exists();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::file(path, "write", e))?;
    }
    let tmp = path.with_extension("tmp-nexus-token");
    std::fs::File::create(&tmp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, bytes))
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| Error::file(path, "write", e))?;
    Ok(if existed { Outcome::Written } else { Outcome::Created })
}

/// Read-modify-write.
pub fn update_file(
    path: &Path,
    edit: &mut dyn FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>>,
) -> Result<Update> {
    let old = read_optional(path)?;
    let new = edit(old.as_deref())?;
    match new {
        Some(bytes) if Some(&bytes) != old.as_ref() => Ok(Update {
            outcome: write_atomic(path, &bytes)?,
            warnings: Vec::new(),
        }),
        _ => Ok(Update {
            outcome: Outcome::Unchanged,
            warnings: Vec::new(),
        }),
    }
}

/// Warnings about a target's permissions.
pub fn safety_warnings(_path: &Path) -> Vec<String> {
    Vec::new()
}

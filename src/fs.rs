//! File writes that lose nothing: atomic replace (temp file in the same folder, fsync, rename),
//! modes (new files 0600, existing modes kept), symlinks followed (the link stays, its target is
//! written), an advisory lock so that concurrent runs serialise, and a re-read before the rename
//! so that a change made by someone else meanwhile is never overwritten blindly.
//!
//! Lock design: on Unix the lock is an exclusive `flock` on the target's directory itself (std
//! `File::lock` on the opened directory). Locking the file would not work, since the rename
//! replaces its inode; a lock file beside it would litter `~/.m2` with files that outlive us. A
//! `flock` is released by the kernel when the process dies (kill -9 included), so a crash never
//! leaves a stale lock. Elsewhere a `.<name>.nexus-token.lock` file beside the target is locked.
//! Every writer holds the lock while its temp file exists, so a temp file found under the lock
//! is a crash leftover and is removed.
//!
//! This module knows nothing about file formats and never prints: warnings are returned.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// How many times an edit is redone when the file changes under us.
const MAX_ATTEMPTS: usize = 5;
/// Marker in temp file names: `.<name>.nexus-token-tmp.<pid>.<random>`.
const TMP_MARK: &str = ".nexus-token-tmp.";
/// Symbolic links followed before giving up (the kernel's own limit is 40).
const MAX_LINKS: usize = 40;

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The file already held these bytes (or the edit left it as is): nothing was written.
    Unchanged,
    /// The existing file was replaced.
    Written,
    /// The file did not exist and was created.
    Created,
    /// The file was deleted ([`remove_file`]: a file nexus-token owns whole).
    Removed,
}

/// The result of [`update_file`]: what happened, and warnings for the user (e.g. file modes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub outcome: Outcome,
    pub warnings: Vec<String>,
}

/// Locks, reads (None when missing), calls `edit` with the current bytes; `edit` returns the new
/// bytes (or None for "leave as is"). Writes atomically only when the bytes differ; re-reads
/// before the rename and retries the edit (bounded) if someone else changed the file meanwhile.
/// Errors map to [`Error::File`] (exit 5) naming the path; nothing is changed on error.
///
/// The directory lock is held while `edit` runs: `edit` must not write files in the same
/// directory through this module (it would wait for itself).
#[allow(clippy::type_complexity)] // the signature other modules were promised
pub fn update_file(
    path: &Path,
    edit: &mut dyn FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>>,
) -> Result<Update> {
    update(path, edit, false)
}

/// Like [`update_file`], but replaces the file even when the edit leaves its bytes as they are
/// (`refresh --force`). Missing files are left missing when the edit returns `None`.
#[allow(clippy::type_complexity)]
pub fn update_file_forced(
    path: &Path,
    edit: &mut dyn FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>>,
) -> Result<Update> {
    update(path, edit, true)
}

#[allow(clippy::type_complexity)]
fn update(
    path: &Path,
    edit: &mut dyn FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>>,
    force: bool,
) -> Result<Update> {
    let target = resolve_symlinks(path).map_err(|e| Error::file(path, "resolve", e))?;
    let dir = parent_dir(&target);
    create_dir_all_private(&dir).map_err(|e| Error::file(&dir, "create the directory", e))?;
    let _lock = DirLock::acquire(&dir, &target).map_err(|e| Error::file(path, "lock", e))?;
    remove_stale_temps(&dir, &target);

    let mut warnings = Vec::new();
    for attempt in 0..MAX_ATTEMPTS {
        let current = read_with_meta(&target).map_err(|e| Error::file(path, "read", e))?;
        let meta = current.as_ref().map(|(_, meta)| meta);
        if let Some(meta) = meta {
            check_owner(path, meta)?;
            if attempt == 0 {
                warnings.extend(mode_warnings(path, meta));
            }
        }
        let old = current.as_ref().map(|(bytes, _)| bytes.as_slice());
        let Some(new) = edit(old)? else {
            return Ok(Update {
                outcome: Outcome::Unchanged,
                warnings,
            });
        };
        if old == Some(new.as_slice()) && !force {
            return Ok(Update {
                outcome: Outcome::Unchanged,
                warnings,
            });
        }
        let temp = TempFile::write(&dir, &target, &new, meta)
            .map_err(|e| Error::file(path, "write", e))?;
        // Someone outside our lock (an editor, another tool) may have changed the file while we
        // edited: compare again right before the rename, and redo the edit on the new bytes.
        let now = read_optional(&target)?;
        if now.as_deref() != old {
            drop(temp);
            continue;
        }
        temp.commit(&target)
            .map_err(|e| Error::file(path, "replace", e))?;
        if let Some(meta) = meta {
            warnings.extend(read_only_warning(path, meta));
        }
        return Ok(Update {
            outcome: if old.is_some() {
                Outcome::Written
            } else {
                Outcome::Created
            },
            warnings,
        });
    }
    Err(Error::file(
        path,
        "write",
        format!("the file kept changing while being updated ({MAX_ATTEMPTS} attempts)"),
    ))
}

/// Why `path` cannot be written, when that is known before trying: a non-regular file (a FIFO
/// would block the run), or a folder that does not allow writing.
pub fn not_writable(path: &Path) -> Option<String> {
    let target = resolve_symlinks(path).ok()?;
    if let Ok(meta) = fs::metadata(&target)
        && !meta.is_file()
    {
        return Some("it is not a regular file".into());
    }
    #[cfg(unix)]
    {
        let mut dir = parent_dir(&target);
        // The nearest existing folder decides (missing ones are created 0700).
        while !dir.exists() {
            match dir.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => dir = parent.to_path_buf(),
                _ => return None,
            }
        }
        if rustix::fs::access(&dir, rustix::fs::Access::WRITE_OK).is_err() {
            return Some(format!("the folder `{}` is not writable", dir.display()));
        }
    }
    None
}

/// Whether this user may create files in `dir`: `access(W_OK)` on Unix; on Windows, where
/// permissions are ACLs, whether a probe file can be created there (and it is removed again).
pub fn dir_writable(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        rustix::fs::access(dir, rustix::fs::Access::WRITE_OK).is_ok()
    }
    #[cfg(not(unix))]
    {
        let probe = dir.join(format!(".nexus-token-probe.{}", std::process::id()));
        let created = OpenOptions::new().write(true).create_new(true).open(&probe);
        let ok = created.is_ok();
        drop(created);
        if ok {
            let _ = fs::remove_file(&probe);
        }
        ok
    }
}

/// The file's bytes, or `None` when it does not exist. Follows symlinks. A path that is not a
/// regular file (a FIFO, a socket, a device, a directory) is refused at once, without blocking.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    read_with_meta(path)
        .map(|found| found.map(|(bytes, _)| bytes))
        .map_err(|e| Error::file(path, "read", e))
}

/// Like [`read_optional`] with the plain I/O error, for modules with error types of their own
/// (e.g. `settings-security.xml`): a FIFO, socket, device or directory is refused at once.
pub fn read_regular_file(path: &Path) -> io::Result<Option<Vec<u8>>> {
    read_with_meta(path).map(|found| found.map(|(bytes, _)| bytes))
}

/// Replaces the file with `bytes` atomically (0600 when new). For the tool's own config and
/// state files; takes the same lock as [`update_file`], so crash leftovers are cleaned too.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<Outcome> {
    update_file(path, &mut |_| Ok(Some(bytes.to_vec()))).map(|update| update.outcome)
}

/// Deletes a file nexus-token owns whole (a symlink itself, not its target), under the same
/// lock as [`update_file`]. A missing file is [`Outcome::Unchanged`].
pub fn remove_file(path: &Path) -> Result<Outcome> {
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Ok(Outcome::Unchanged);
    }
    let _lock = DirLock::acquire(&dir, path).map_err(|e| Error::file(path, "lock", e))?;
    match fs::remove_file(path) {
        Ok(()) => Ok(Outcome::Removed),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Outcome::Unchanged),
        Err(e) => Err(Error::file(path, "delete", e)),
    }
}

/// Safety findings about an existing file, for `doctor`: readable or writable by others, owned
/// by another user. Empty when the file is missing or fine.
pub fn safety_warnings(path: &Path) -> Vec<String> {
    let Ok(meta) = fs::metadata(path) else {
        return Vec::new();
    };
    let mut warnings = mode_warnings(path, &meta);
    if let Err(e) = check_owner(path, &meta) {
        let detail = std::error::Error::source(&e).map(ToString::to_string);
        warnings.push(detail.unwrap_or_else(|| e.to_string()));
    }
    warnings
}

// ---------------------------------------------------------------------------------------------

/// Follows symbolic links to the file that is really written (the links stay as they are). A
/// dangling link yields the missing target, which is then created.
fn resolve_symlinks(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = if link.is_absolute() {
                    link
                } else {
                    parent_dir(&current).join(link)
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links"
    )))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(target: &Path) -> String {
    target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(unix)]
fn create_dir_all_private(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_dir_all_private(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

/// An exclusive advisory lock, released on drop (and by the kernel when the process dies).
struct DirLock {
    _file: File,
}

impl DirLock {
    #[cfg(unix)]
    fn acquire(dir: &Path, _target: &Path) -> io::Result<DirLock> {
        let file = File::open(dir)?;
        wait_for_lock(&file, dir)?;
        Ok(DirLock { _file: file })
    }

    #[cfg(not(unix))]
    fn acquire(dir: &Path, target: &Path) -> io::Result<DirLock> {
        let path = dir.join(format!(".{}.nexus-token.lock", file_name(target)));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        wait_for_lock(&file, dir)?;
        Ok(DirLock { _file: file })
    }
}

/// How long a run waits for another run's lock before giving up (a wedged run must not hang
/// every later cron run). Set once at start-up from `NEXUS_TOKEN_LOCK_TIMEOUT` (seconds).
static LOCK_TIMEOUT_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(30_000);

/// Sets the lock timeout (start-up, tests).
pub fn set_lock_timeout(timeout: std::time::Duration) {
    let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    LOCK_TIMEOUT_MS.store(ms, std::sync::atomic::Ordering::Relaxed);
}

fn wait_for_lock(file: &File, dir: &Path) -> io::Result<()> {
    let timeout = std::time::Duration::from_millis(
        LOCK_TIMEOUT_MS.load(std::sync::atomic::Ordering::Relaxed),
    );
    let start = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(fs::TryLockError::WouldBlock) if start.elapsed() < timeout => {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "another nexus-token run has held the lock on `{}` for {} s; if none is running, a process is stuck: find it with `fuser -v '{}'`",
                        dir.display(),
                        timeout.as_secs(),
                        dir.display()
                    ),
                ));
            }
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

fn temp_prefix(target: &Path) -> String {
    format!(".{}{TMP_MARK}", file_name(target))
}

/// Removes temp files a killed run left beside `target`. Called under the lock, when no live
/// writer can own one. Failures are ignored: a leftover is harmless, only untidy.
fn remove_stale_temps(dir: &Path, target: &Path) {
    let prefix = temp_prefix(target);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Opens `path` for reading without blocking on a FIFO (or a device) and refuses anything that
/// is not a regular file: opening a FIFO for reading would wait for a writer forever.
fn open_regular(path: &Path) -> io::Result<Option<(File, fs::Metadata)>> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The flag bits fit in an i32 (they are C `int` flags).
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other(format!(
            "`{}` is {}, not a regular file; nexus-token only reads and replaces regular files",
            path.display(),
            kind_of(&meta)
        )));
    }
    Ok(Some((file, meta)))
}

/// "a FIFO (named pipe)", "a directory", ...: what a non-regular file is, for messages.
fn kind_of(meta: &fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    "a special file"
}

fn read_with_meta(path: &Path) -> io::Result<Option<(Vec<u8>, fs::Metadata)>> {
    let Some((mut file, meta)) = open_regular(path)? else {
        return Ok(None);
    };
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(Some((bytes, meta)))
}

#[cfg(unix)]
fn check_owner(path: &Path, meta: &fs::Metadata) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(Error::file(
            path,
            "write",
            format!(
                "`{}` belongs to another user (uid {}, we are uid {me}); refusing to replace it",
                path.display(),
                meta.uid()
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner(_path: &Path, _meta: &fs::Metadata) -> Result<()> {
    Ok(())
}

#[cfg(unix)]
fn mode_warnings(path: &Path, meta: &fs::Metadata) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    let mut warnings = Vec::new();
    if mode & 0o004 != 0 {
        warnings.push(format!(
            "`{}` is readable by every user (mode {mode:04o}); run `chmod 600 {}`",
            path.display(),
            path.display()
        ));
    }
    if mode & 0o022 != 0 {
        warnings.push(format!(
            "`{}` is writable by other users (mode {mode:04o}); run `chmod 600 {}`",
            path.display(),
            path.display()
        ));
    }
    warnings
}

#[cfg(not(unix))]
fn mode_warnings(_path: &Path, _meta: &fs::Metadata) -> Vec<String> {
    Vec::new()
}

/// Said after replacing a file its owner cannot write (e.g. 0400): the replacement keeps that
/// mode, but the user marked the file read-only and should know it was changed.
#[cfg(unix)]
fn read_only_warning(path: &Path, meta: &fs::Metadata) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    (mode & 0o200 == 0).then(|| {
        format!(
            "`{}` is read-only (mode {mode:04o}): it was replaced anyway and keeps mode {mode:04o}; remove it from the targets if it must not change",
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn read_only_warning(path: &Path, meta: &fs::Metadata) -> Option<String> {
    meta.permissions().readonly().then(|| {
        format!(
            "`{}` is read-only: it was replaced anyway and stays read-only; remove it from the targets if it must not change",
            path.display()
        )
    })
}

/// A fully written and synced temp file beside the target; removed on drop unless committed.
struct TempFile {
    path: Option<PathBuf>,
}

impl TempFile {
    fn write(
        dir: &Path,
        target: &Path,
        bytes: &[u8],
        existing: Option<&fs::Metadata>,
    ) -> io::Result<TempFile> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let (path, mut file) = loop {
            let path = dir.join(format!(
                "{}{}.{:016x}",
                temp_prefix(target),
                std::process::id(),
                rand::random::<u64>()
            ));
            match options.open(&path) {
                Ok(file) => break (path, file),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        };
        let temp = TempFile { path: Some(path) };
        file.write_all(bytes)?;
        if let Some(meta) = existing {
            keep_mode_and_group(&file, meta)?;
        }
        file.sync_all()?;
        Ok(temp)
    }

    fn commit(mut self, target: &Path) -> io::Result<()> {
        let Some(path) = self.path.take() else {
            return Ok(());
        };
        if let Err(e) = fs::rename(&path, target) {
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        sync_dir(&parent_dir(target));
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = fs::remove_file(path);
        }
    }
}

#[cfg(unix)]
fn keep_mode_and_group(file: &File, meta: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let created = file.metadata()?;
    if created.gid() != meta.gid() {
        // Best effort: only possible when we are a member of that group.
        let _ = std::os::unix::fs::fchown(file, None, Some(meta.gid()));
    }
    file.set_permissions(fs::Permissions::from_mode(
        meta.permissions().mode() & 0o7777,
    ))
}

#[cfg(not(unix))]
fn keep_mode_and_group(file: &File, meta: &fs::Metadata) -> io::Result<()> {
    file.set_permissions(meta.permissions())
}

/// Makes the rename durable. Best effort: some file systems do not sync directories.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// A path as given, made absolute against the working directory (a schedule runs elsewhere),
/// with `.` and `..` resolved lexically (a symbolic link stays a link).
pub fn absolute(path: PathBuf) -> PathBuf {
    use std::path::Component;
    let joined = if path.is_absolute() {
        path
    } else {
        match std::env::current_dir() {
            Ok(dir) => dir.join(&path),
            Err(_) => return path,
        }
    };
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set up files with `std::fs::write`
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};

    fn append(marker: &'static str) -> impl FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>> {
        move |old| {
            let mut bytes = old.unwrap_or_default().to_vec();
            bytes.extend_from_slice(marker.as_bytes());
            Ok(Some(bytes))
        }
    }

    fn temps_in(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(TMP_MARK))
            .collect()
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_at_the_target_is_refused_at_once_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.xml");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let p = path.clone();
        std::thread::spawn(move || {
            let update = update_file(&p, &mut append("x")).map_err(|e| {
                let source = std::error::Error::source(&e).map(ToString::to_string);
                (e.exit_status(), e.to_string(), source.unwrap_or_default())
            });
            let read = read_optional(&p).map_err(|e| e.exit_status());
            let _ = tx.send((update, read));
        });
        let (update, read) = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("a FIFO at the target path must not block the run");
        let (status, message, source) = update.unwrap_err();
        assert_eq!(status.code(), 5, "a FIFO target is a file error (exit 5)");
        assert!(
            message.contains(&path.display().to_string()) && source.contains("FIFO"),
            "the error names the path and says it is a FIFO: {message}: {source}"
        );
        assert_eq!(
            read.unwrap_err().code(),
            5,
            "read_optional refuses a FIFO too"
        );
        assert!(
            fs::symlink_metadata(&path).unwrap().file_type().is_fifo(),
            "the FIFO is left as it was"
        );
    }

    #[test]
    fn a_directory_at_the_target_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = update_file(dir.path(), &mut append("x")).unwrap_err();
        assert_eq!(e.exit_status().code(), 5);
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_target_keeps_its_mode_and_is_named_in_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gradle.properties");
        fs::write(&path, "a=1\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        let u = update_file(&path, &mut append("b=2\n")).unwrap();
        assert_eq!(u.outcome, Outcome::Written);
        assert_eq!(mode(&path), 0o400, "the read-only mode is kept");
        assert!(
            u.warnings
                .iter()
                .any(|w| w.contains(&path.display().to_string())
                    && w.contains("0400")
                    && w.contains("read-only")),
            "a warning names the read-only file and its mode: {:?}",
            u.warnings
        );
        let u = update_file(&path, &mut |old| Ok(old.map(<[u8]>::to_vec))).unwrap();
        assert!(
            u.warnings.iter().all(|w| !w.contains("read-only")),
            "no read-only warning when nothing was written: {:?}",
            u.warnings
        );
    }

    #[test]
    fn creates_then_writes_then_leaves_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        let u = update_file(&path, &mut append("one\n")).unwrap();
        assert_eq!(u.outcome, Outcome::Created);
        assert!(u.warnings.is_empty());
        let u = update_file(&path, &mut append("two\n")).unwrap();
        assert_eq!(u.outcome, Outcome::Written);
        assert_eq!(fs::read(&path).unwrap(), b"one\ntwo\n");
        let u = update_file(&path, &mut |old| Ok(old.map(<[u8]>::to_vec))).unwrap();
        assert_eq!(u.outcome, Outcome::Unchanged, "same bytes means no write");
        let u = update_file(&path, &mut |_| Ok(None)).unwrap();
        assert_eq!(u.outcome, Outcome::Unchanged, "None means leave as is");
        assert_eq!(write_atomic(&path, b"x").unwrap(), Outcome::Written);
        assert_eq!(write_atomic(&path, b"x").unwrap(), Outcome::Unchanged);
        assert!(temps_in(dir.path()).is_empty(), "no temp file remains");
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_0600_and_missing_parents_0700() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x/y/settings.xml");
        assert_eq!(
            write_atomic(&path, b"<settings/>").unwrap(),
            Outcome::Created
        );
        assert_eq!(mode(&path), 0o600, "new files are private");
        assert_eq!(mode(&dir.path().join("x")), 0o700);
        assert_eq!(mode(&dir.path().join("x/y")), 0o700);
    }

    #[cfg(unix)]
    #[test]
    fn existing_mode_is_kept_and_world_readable_warns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gradle.properties");
        fs::File::create(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let u = update_file(&path, &mut append("a=b\n")).unwrap();
        assert_eq!(u.outcome, Outcome::Written);
        assert_eq!(mode(&path), 0o644, "an existing file keeps its mode");
        assert_eq!(u.warnings.len(), 1, "{:?}", u.warnings);
        assert!(u.warnings[0].contains("readable by every user"));
        assert!(u.warnings[0].contains("chmod 600"));
        assert_eq!(safety_warnings(&path), u.warnings);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let u = update_file(&path, &mut append("c=d\n")).unwrap();
        assert_eq!(mode(&path), 0o640);
        assert!(u.warnings.is_empty(), "group-readable is not warned about");
        assert!(safety_warnings(&dir.path().join("missing")).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().join("dotfiles");
        fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join("settings.xml");
        fs::write(&real, b"old").unwrap();
        let link = dir.path().join("settings.xml");
        std::os::unix::fs::symlink("dotfiles/settings.xml", &link).unwrap();
        let link2 = dir.path().join("link2");
        std::os::unix::fs::symlink(&link, &link2).unwrap();

        assert_eq!(write_atomic(&link2, b"new").unwrap(), Outcome::Written);
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "the link stays a link"
        );
        assert!(
            fs::symlink_metadata(&link2)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            fs::read(&real).unwrap(),
            b"new",
            "the link's target is written"
        );
        assert!(temps_in(&real_dir).is_empty() && temps_in(dir.path()).is_empty());

        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("dotfiles/new.properties", &dangling).unwrap();
        assert_eq!(write_atomic(&dangling, b"k=v").unwrap(), Outcome::Created);
        assert_eq!(fs::read(real_dir.join("new.properties")).unwrap(), b"k=v");
        assert!(
            fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[cfg(unix)]
    #[test]
    fn file_of_another_user_is_refused() {
        if rustix::process::geteuid().as_raw() != 0 {
            eprintln!("skipped: needs root to give a file to another user");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.xml");
        fs::write(&path, b"theirs").unwrap();
        std::os::unix::fs::chown(&path, Some(4242), Some(4242)).unwrap();
        let e = update_file(&path, &mut append("x")).unwrap_err();
        assert_eq!(e.exit_status().code(), 5, "refusal is a file error");
        let chain = format!("{e} {:?}", std::error::Error::source(&e));
        assert!(chain.contains("another user"), "{chain}");
        assert_eq!(fs::read(&path).unwrap(), b"theirs", "nothing changed");
        assert_eq!(fs::metadata(&path).unwrap().uid(), 4242);
        assert!(
            safety_warnings(&path)
                .iter()
                .any(|w| w.contains("another user"))
        );
    }

    #[test]
    fn edit_error_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.xml");
        fs::write(&path, b"keep").unwrap();
        let e = update_file(&path, &mut |_| {
            Err(Error::file(Path::new("s.xml"), "parse", "line 1: bad"))
        })
        .unwrap_err();
        assert_eq!(e.exit_status().code(), 5);
        assert_eq!(fs::read(&path).unwrap(), b"keep");
        assert!(temps_in(dir.path()).is_empty());
    }

    #[test]
    fn change_between_read_and_write_redoes_the_edit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        fs::write(&path, b"A").unwrap();
        let mut calls = 0;
        let p = path.clone();
        let u = update_file(&path, &mut |old| {
            calls += 1;
            if calls == 1 {
                // Another program (outside our lock) writes while we edit.
                fs::write(&p, b"B").unwrap();
            }
            let mut bytes = old.unwrap_or_default().to_vec();
            bytes.push(b'+');
            Ok(Some(bytes))
        })
        .unwrap();
        assert_eq!(u.outcome, Outcome::Written);
        assert_eq!(calls, 2, "the edit is redone on the new content");
        assert_eq!(
            fs::read(&path).unwrap(),
            b"B+",
            "the other program's change is kept"
        );
        assert!(temps_in(dir.path()).is_empty());
    }

    #[test]
    fn a_file_that_never_settles_fails_without_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        fs::write(&path, b"0").unwrap();
        let p = path.clone();
        let mut n = 0u32;
        let e = update_file(&path, &mut |_| {
            n += 1;
            fs::write(&p, n.to_string()).unwrap();
            Ok(Some(b"mine".to_vec()))
        })
        .unwrap_err();
        assert_eq!(e.exit_status().code(), 5);
        assert_eq!(n as usize, MAX_ATTEMPTS);
        assert_ne!(fs::read(&path).unwrap(), b"mine");
    }

    #[test]
    fn leftover_temp_files_are_removed_on_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.xml");
        fs::write(&path, b"old").unwrap();
        let stale = dir.path().join(format!(".settings.xml{TMP_MARK}999.dead"));
        fs::write(&stale, b"partial").unwrap();
        let other = dir.path().join(format!(".other.xml{TMP_MARK}1.x"));
        fs::write(&other, b"not ours").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert!(!stale.exists(), "a crash leftover is cleaned up");
        assert!(other.exists(), "temp files of other targets are left alone");
    }

    #[test]
    fn read_optional_reports_missing_as_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_optional(&dir.path().join("nope")).unwrap(), None);
        let e = read_optional(dir.path()).unwrap_err();
        assert_eq!(
            e.exit_status().code(),
            5,
            "reading a directory is a file error"
        );
    }
}

//! The output folder of a headless run, replaced as a whole.
//!
//! [`OutputFolder::reserve`] runs before training: it resolves the path, takes a lock so a
//! second run on the same folder is refused, removes what a killed run left behind, refuses a
//! folder that holds other files than a flowlab run, and creates the staging folder — so an
//! unwritable `--out` (its parent a file, a read-only file system, a dangling symbolic link,
//! a name too long) fails at once, not after minutes of training.
//!
//! [`OutputFolder::replace_with`] writes every file into the hidden staging folder
//! `.<name>.partial-<pid>` beside the folder, then swaps it in: on Linux with one atomic
//! `renameat2(RENAME_EXCHANGE)`, so at every instant the folder is entirely the old run or
//! entirely the new one; elsewhere (or on a file system without it) with two renames, the old
//! folder first moved to `.<name>.old-<pid>`, which the next run on the folder moves back if a
//! kill fell between the two. No file of the old run survives beside the new one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Why an output folder cannot be used or written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The folder cannot be used as asked (busy, not a folder, holds other files).
    #[error("out: {0}")]
    Refused(String),
    /// A file system operation failed.
    #[error("out: {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// The write was cancelled before the new files were swapped in.
    #[error("cancelled")]
    Cancelled,
}

/// An output folder reserved for one run: locked, cleaned of a killed run's leftovers, checked
/// writable, with its staging folder created. Dropping it removes the staging folder and
/// releases the lock.
#[derive(Debug)]
pub struct OutputFolder {
    dir: PathBuf,
    parent: PathBuf,
    base: String,
    staging: PathBuf,
    /// Held open for its advisory lock; the OS releases it when the process ends, even when
    /// it is killed.
    _lock: File,
}

/// The name of the file whose lock marks a run writing into the folder named `base`.
fn lock_name(base: &str) -> String {
    format!(".{base}.lock")
}

impl OutputFolder {
    /// Reserves `dir` for this run (see the module docs).
    pub fn reserve(dir: &Path) -> Result<Self, OutputError> {
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| OutputError::Io { path, source }
        };
        let (parent, base) = resolve(dir)?;
        let lock_path = parent.join(lock_name(&base));
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(OutputError::Refused(format!(
                    "{}: another flowlab run is writing to this folder; wait for it to \
                     finish or choose another --out",
                    parent.join(&base).display()
                )));
            }
            Err(fs::TryLockError::Error(source)) => {
                return Err(OutputError::Io {
                    path: lock_path,
                    source,
                });
            }
        }
        let dir = parent.join(&base);
        clean_leftovers(&parent, &base, &dir).map_err(io_err(&parent))?;
        if dir.is_dir() {
            let mut entries = fs::read_dir(&dir).map_err(io_err(&dir))?;
            if entries.next().is_some() && !dir.join("metrics.json").is_file() {
                return Err(OutputError::Refused(format!(
                    "{}: the folder holds files but no metrics.json, so it is not a flowlab \
                     run; a run replaces its folder as a whole: choose a new or empty folder",
                    dir.display()
                )));
            }
        }
        let staging = parent.join(format!(".{base}.partial-{}", std::process::id()));
        fs::create_dir(&staging).map_err(io_err(&staging))?;
        Ok(Self {
            dir,
            parent,
            base,
            staging,
            _lock: lock,
        })
    }

    /// The folder, as an absolute path.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `files` (name, contents) into the staging folder, then swaps it in for the
    /// folder. `cancel` is checked before each file; once set, nothing is swapped in and the
    /// old folder stays as it was.
    pub fn replace_with<C: AsRef<[u8]>>(
        &self,
        files: &[(String, C)],
        cancel: &AtomicBool,
    ) -> Result<Vec<PathBuf>, OutputError> {
        let io_err = |path: PathBuf| move |source| OutputError::Io { path, source };
        for (name, contents) in files {
            if cancel.load(Ordering::Relaxed) {
                return Err(OutputError::Cancelled);
            }
            let path = self.staging.join(name);
            let mut file = File::create(&path).map_err(io_err(path.clone()))?;
            file.write_all(contents.as_ref())
                .and_then(|()| file.sync_all())
                .map_err(io_err(path.clone()))?;
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(OutputError::Cancelled);
        }
        self.swap_in().map_err(io_err(self.dir.clone()))?;
        Ok(files.iter().map(|(name, _)| self.dir.join(name)).collect())
    }

    /// Puts the staging folder in the folder's place; the old folder ends up at the staging
    /// path (and is removed) or, without an atomic exchange, at `.<name>.old-<pid>`.
    fn swap_in(&self) -> io::Result<()> {
        if !self.dir.exists() {
            return fs::rename(&self.staging, &self.dir);
        }
        if exchange(&self.staging, &self.dir)? {
            // The staging path now holds the old run: drop it.
            let _best_effort: std::io::Result<()> = fs::remove_dir_all(&self.staging);
            return Ok(());
        }
        let old = self
            .parent
            .join(format!(".{}.old-{}", self.base, std::process::id()));
        fs::rename(&self.dir, &old)?;
        if let Err(err) = fs::rename(&self.staging, &self.dir) {
            let _best_effort: std::io::Result<()> = fs::rename(&old, &self.dir);
            return Err(err);
        }
        let _best_effort: std::io::Result<()> = fs::remove_dir_all(&old);
        Ok(())
    }
}

impl Drop for OutputFolder {
    fn drop(&mut self) {
        if self.staging.exists() {
            let _best_effort: std::io::Result<()> = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Swaps two paths atomically; `Ok(false)` where the platform or file system cannot.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use nix::fcntl::{AT_FDCWD, RenameFlags, renameat2};
    match renameat2(AT_FDCWD, a, AT_FDCWD, b, RenameFlags::RENAME_EXCHANGE) {
        Ok(()) => Ok(true),
        Err(nix::errno::Errno::EINVAL | nix::errno::Errno::ENOSYS) => Ok(false),
        Err(errno) => Err(io::Error::from(errno)),
    }
}

/// Swaps two paths atomically; `Ok(false)` where the platform or file system cannot.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
    Ok(false)
}

/// The absolute parent folder and the name of `dir`, following a symbolic link to a folder;
/// the parent is created if missing.
fn resolve(dir: &Path) -> Result<(PathBuf, String), OutputError> {
    let shown = dir.display();
    if let Ok(meta) = fs::symlink_metadata(dir) {
        let followed = fs::metadata(dir);
        if meta.file_type().is_symlink() && followed.is_err() {
            return Err(OutputError::Refused(format!(
                "{shown} is a symbolic link to something that does not exist"
            )));
        }
        if !followed.is_ok_and(|m| m.is_dir()) {
            return Err(OutputError::Refused(format!(
                "{shown} exists and is not a folder"
            )));
        }
        let real = fs::canonicalize(dir).map_err(|source| OutputError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        return split(&real, dir);
    }
    let name = dir
        .file_name()
        .ok_or_else(|| OutputError::Refused(format!("{shown} does not name a folder")))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|source| OutputError::Io {
        path: parent.clone(),
        source,
    })?;
    let parent = fs::canonicalize(&parent).map_err(|source| OutputError::Io {
        path: parent.clone(),
        source,
    })?;
    split(&parent.join(name), dir)
}

fn split(real: &Path, asked: &Path) -> Result<(PathBuf, String), OutputError> {
    match (real.parent(), real.file_name()) {
        (Some(parent), Some(name)) => {
            Ok((parent.to_path_buf(), name.to_string_lossy().into_owned()))
        }
        _ => Err(OutputError::Refused(format!(
            "{} is the root of the file system; choose a folder inside it",
            asked.display()
        ))),
    }
}

/// Removes the staging folders a killed run left beside `dir` (`.<base>.partial-*`) and moves
/// back an old folder a kill left aside (`.<base>.old-*`) when `dir` is missing. The caller
/// holds the lock, so no live run owns them.
fn clean_leftovers(parent: &Path, base: &str, dir: &Path) -> io::Result<()> {
    let partial = format!(".{base}.partial-");
    let old = format!(".{base}.old-");
    for entry in fs::read_dir(parent)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid_after = |prefix: &str| {
            name.strip_prefix(prefix)
                .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        };
        if pid_after(&old) {
            if dir.exists() {
                fs::remove_dir_all(entry.path())?;
            } else {
                fs::rename(entry.path(), dir)?;
            }
        } else if pid_after(&partial) {
            fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

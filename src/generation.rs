//! Generations on disk and the `CURRENT` pointer.
//!
//! ```text
//! ROOT/
//!   CURRENT                 name of the served generation (write-then-rename)
//!   .build.lock             held (flock) by the one build that may run
//!   staging/<id>/           a build in progress; removed by the next build if left
//!   failed/<id>/            rejects and report of a build that published nothing
//!   generations/<id>/       complete generations: index/, manifest.json, rejects.jsonl, ...
//! ```
//!
//! A generation is written in `staging/`, synced, renamed into
//! `generations/` (same file system, so atomic), and only then named by
//! `CURRENT`. A build killed at any moment therefore leaves `CURRENT` naming
//! a complete generation.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalog::FileReport;
use crate::error::{Error, Result};

pub const MANIFEST_FILE: &str = "manifest.json";
pub const REJECTS_FILE: &str = "rejects.jsonl";
pub const INDEX_DIR: &str = "index";
pub const MANIFEST_FORMAT_VERSION: u32 = 1;

/// What a generation holds and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format_version: u32,
    pub generation: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub analyzer_version: String,
    pub schema_version: u32,
    pub dictionary_checksum: String,
    pub blocklist_checksum: String,
    /// Indexed documents by type (`product`, `video`, `live`, `anchor`).
    pub documents: BTreeMap<String, u64>,
    pub rejects: usize,
    pub inputs: Vec<FileReport>,
    /// Wall time of each build phase in milliseconds.
    pub timings_ms: BTreeMap<String, u64>,
    /// Suggestion candidates written, when the generation has them.
    #[serde(default)]
    pub suggestion_candidates: u64,
    /// Every file of the generation but the manifest, with its size, so a
    /// truncated or missing file is caught before the generation is served.
    pub files: BTreeMap<String, u64>,
}

impl Manifest {
    pub fn total_documents(&self) -> u64 {
        self.documents.values().sum()
    }

    /// Checks that every listed file exists with its recorded size.
    pub fn verify_files(&self, generation_dir: &Path) -> Result<()> {
        for (relative, expected) in &self.files {
            let path = generation_dir.join(relative);
            let actual = std::fs::metadata(&path)
                .map_err(|error| self.unusable(format!("file {relative}: {error}")))?
                .len();
            if actual != *expected {
                return Err(self.unusable(format!(
                    "file {relative} has {actual} bytes, the manifest says {expected}"
                )));
            }
        }
        Ok(())
    }

    fn unusable(&self, reason: String) -> Error {
        Error::Generation {
            generation: self.generation.clone(),
            reason,
        }
    }
}

/// The folder that holds every generation of one index.
#[derive(Debug, Clone)]
pub struct IndexRoot {
    root: PathBuf,
}

/// Held while a build runs; the OS releases it when the process dies, so a
/// killed build never blocks the next one.
#[derive(Debug)]
pub struct BuildLock {
    _file: File,
}

impl IndexRoot {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        IndexRoot { root: root.into() }
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    pub fn current_file(&self) -> PathBuf {
        self.root.join("CURRENT")
    }

    pub fn generations_dir(&self) -> PathBuf {
        self.root.join("generations")
    }

    pub fn staging_dir(&self) -> PathBuf {
        self.root.join("staging")
    }

    pub fn failed_dir(&self) -> PathBuf {
        self.root.join("failed")
    }

    pub fn generation_dir(&self, generation: &str) -> PathBuf {
        self.generations_dir().join(generation)
    }

    /// Creates the folders a build writes to.
    pub fn create_dirs(&self) -> Result<()> {
        for dir in [
            self.generations_dir(),
            self.staging_dir(),
            self.failed_dir(),
        ] {
            std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
        }
        Ok(())
    }

    /// Takes the build lock, failing at once if another build holds it.
    pub fn lock(&self) -> Result<BuildLock> {
        std::fs::create_dir_all(&self.root).map_err(Error::io(&self.root))?;
        let path = self.root.join(".build.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(Error::io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(BuildLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::BuildLocked { path }),
            Err(std::fs::TryLockError::Error(source)) => Err(Error::Io { path, source }),
        }
    }

    /// Removes what builds that died left in `staging/`. Call with the lock held.
    pub fn clean_staging(&self, _lock: &BuildLock) -> Result<Vec<String>> {
        let staging = self.staging_dir();
        let mut removed = Vec::new();
        for name in list_dir_names(&staging)? {
            let path = staging.join(&name);
            remove_path(&path)?;
            removed.push(name);
        }
        Ok(removed)
    }

    /// The generation `CURRENT` names, if any.
    pub fn current(&self) -> Result<Option<String>> {
        let path = self.current_file();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let name = text.trim();
                if name.is_empty() {
                    return Ok(None);
                }
                Ok(Some(name.to_string()))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io { path, source }),
        }
    }

    /// Complete generations (those with a manifest), oldest first. Ids sort
    /// by creation time.
    pub fn complete_generations(&self) -> Result<Vec<String>> {
        let generations = self.generations_dir();
        let mut names: Vec<String> = list_dir_names(&generations)?
            .into_iter()
            .filter(|name| generations.join(name).join(MANIFEST_FILE).is_file())
            .collect();
        names.sort();
        Ok(names)
    }

    pub fn read_manifest(&self, generation: &str) -> Result<Manifest> {
        let path = self.generation_dir(generation).join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|error| Error::Generation {
            generation: generation.to_string(),
            reason: format!("cannot read {}: {error}", path.display()),
        })?;
        serde_json::from_str(&text).map_err(|error| Error::Generation {
            generation: generation.to_string(),
            reason: format!("bad manifest {}: {error}", path.display()),
        })
    }

    /// Moves a finished, synced generation from staging into `generations/`
    /// and points `CURRENT` at it.
    pub fn publish(&self, generation: &str, _lock: &BuildLock) -> Result<()> {
        let staged = self.staging_dir().join(generation);
        let target = self.generation_dir(generation);
        std::fs::rename(&staged, &target).map_err(Error::io(&target))?;
        sync_dir(&self.generations_dir())?;
        sync_dir(&self.staging_dir())?;
        fail_point("before_current_switch");
        self.set_current(generation)
    }

    /// Points `CURRENT` at `generation` by writing a temporary file, syncing
    /// it and renaming it over `CURRENT`.
    pub fn set_current(&self, generation: &str) -> Result<()> {
        let temporary = self.root.join("CURRENT.tmp");
        {
            let mut file = File::create(&temporary).map_err(Error::io(&temporary))?;
            writeln!(file, "{generation}").map_err(Error::io(&temporary))?;
            file.sync_all().map_err(Error::io(&temporary))?;
        }
        std::fs::rename(&temporary, self.current_file()).map_err(Error::io(self.current_file()))?;
        sync_dir(&self.root)
    }

    /// Removes complete generations beyond the newest `keep`, never the one
    /// `CURRENT` names. Returns the removed ids.
    pub fn retain(&self, keep: usize, _lock: &BuildLock) -> Result<Vec<String>> {
        let current = self.current()?;
        let generations = self.complete_generations()?;
        let excess = generations.len().saturating_sub(keep);
        let mut removed = Vec::new();
        for generation in generations.into_iter().take(excess) {
            if Some(&generation) == current.as_ref() {
                continue;
            }
            remove_path(&self.generation_dir(&generation))?;
            removed.push(generation);
        }
        // Folders without a manifest in generations/ cannot be served; they
        // only appear if someone copied a partial one in.
        Ok(removed)
    }

    /// Keeps the reports of the newest `keep` failed builds.
    pub fn retain_failed(&self, keep: usize) -> Result<()> {
        let failed = self.failed_dir();
        let mut names = list_dir_names(&failed)?;
        names.sort();
        let excess = names.len().saturating_sub(keep);
        for name in names.into_iter().take(excess) {
            remove_path(&failed.join(name))?;
        }
        Ok(())
    }

    /// Points `CURRENT` at the newest complete generation older than the
    /// current one. Returns `(from, to)`.
    pub fn rollback(&self, _lock: &BuildLock) -> Result<(String, String)> {
        let current = self.current()?.ok_or_else(|| Error::NoCurrentGeneration {
            root: self.root.clone(),
        })?;
        let previous = self
            .complete_generations()?
            .into_iter()
            .rfind(|generation| generation.as_str() < current.as_str())
            .ok_or_else(|| Error::Generation {
                generation: current.clone(),
                reason: "no older complete generation to roll back to".to_string(),
            })?;
        self.set_current(&previous)?;
        Ok((current, previous))
    }
}

/// A new generation id: UTC time to the millisecond (so ids sort by age)
/// and a few hex digits against two builds in the same millisecond.
pub fn new_generation_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!(
        "[year][month][day]T[hour][minute][second].[subsecond digits:3]Z"
    );
    let stamp = now
        .format(&format)
        .unwrap_or_else(|_| now.unix_timestamp().to_string());
    let salt = (now.nanosecond() ^ std::process::id().rotate_left(16)) & 0xffff;
    format!("{stamp}-{salt:04x}")
}

/// The current time as RFC 3339.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn list_dir_names(dir: &Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(Error::io(dir))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    Ok(names)
}

fn remove_path(path: &Path) -> Result<()> {
    let result = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match result {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Syncs a directory entry list to disk.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(Error::io(dir))
}

/// Syncs every file and folder below `dir`, and lists files with their sizes
/// relative to `dir` for the manifest.
pub fn sync_tree(dir: &Path) -> Result<BTreeMap<String, u64>> {
    let mut sizes = BTreeMap::new();
    sync_tree_into(dir, dir, &mut sizes)?;
    Ok(sizes)
}

fn sync_tree_into(base: &Path, dir: &Path, sizes: &mut BTreeMap<String, u64>) -> Result<()> {
    for name in list_dir_names(dir)? {
        let path = dir.join(&name);
        let metadata = std::fs::symlink_metadata(&path).map_err(Error::io(&path))?;
        if metadata.is_dir() {
            sync_tree_into(base, &path, sizes)?;
            continue;
        }
        File::open(&path)
            .and_then(|file| file.sync_all())
            .map_err(Error::io(&path))?;
        let relative = path
            .strip_prefix(base)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        sizes.insert(relative, metadata.len());
    }
    sync_dir(dir)
}

/// Test hook for crash tests: when the environment variable
/// `LIVESEARCH_FAIL_POINT` equals `name`, the process announces it on stderr
/// and stops here until it is killed (the tests send SIGKILL, a real
/// kill -9). It aborts by itself after ten minutes so a forgotten process
/// does not linger.
pub fn fail_point(name: &str) {
    if !std::env::var("LIVESEARCH_FAIL_POINT").is_ok_and(|value| value == name) {
        return;
    }
    use std::io::Write;
    let mut stderr = std::io::stderr();
    let _ = writeln!(stderr, "fail point {name} reached: waiting to be killed");
    let _ = stderr.flush();
    std::thread::sleep(std::time::Duration::from_secs(600));
    std::process::abort();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time() {
        let first = new_generation_id();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let second = new_generation_id();
        assert!(first < second, "{first} !< {second}");
    }

    #[test]
    fn second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let root = IndexRoot::new(dir.path());
        let lock = root.lock().unwrap();
        assert!(matches!(root.lock(), Err(Error::BuildLocked { .. })));
        drop(lock);
        root.lock().unwrap();
    }

    #[test]
    fn current_is_replaced_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let root = IndexRoot::new(dir.path());
        assert_eq!(root.current().unwrap(), None);
        root.set_current("g1").unwrap();
        root.set_current("g2").unwrap();
        assert_eq!(root.current().unwrap().as_deref(), Some("g2"));
        assert!(!dir.path().join("CURRENT.tmp").exists());
    }
}

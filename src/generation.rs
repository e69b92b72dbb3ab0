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
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalog::FileReport;
use crate::error::{Error, Result};

/// The manifest of a generation.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The CRC-32 of `manifest.json` in hex: the manifest holds every other
/// file's checksum, this file holds the manifest's.
pub const MANIFEST_CHECKSUM_FILE: &str = "manifest.crc32";
/// The rejects of a build, one JSON object a line.
pub const REJECTS_FILE: &str = "rejects.jsonl";
/// The tantivy index of a generation.
pub const INDEX_DIR: &str = "index";
/// 2: every file carries a CRC-32 of its bytes besides its size.
pub const MANIFEST_FORMAT_VERSION: u32 = 2;
/// `CURRENT` holds one generation name; anything longer is not one.
pub const MAX_CURRENT_BYTES: u64 = 256;
/// A manifest lists a few dozen files; a bigger one is not ours.
pub const MAX_MANIFEST_BYTES: u64 = 16 << 20;
/// Longest generation name accepted (ours are 25 characters).
const MAX_GENERATION_NAME_CHARS: usize = 64;

/// What a generation holds and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT_VERSION`] of the indexer that wrote it.
    pub format_version: u32,
    /// The generation's id, its folder name.
    pub generation: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// [`crate::analysis::ANALYZER_VERSION`] at build time.
    pub analyzer_version: String,
    /// [`crate::schema::SCHEMA_VERSION`] at build time.
    pub schema_version: u32,
    /// Checksum of the dictionaries analysed with.
    pub dictionary_checksum: String,
    /// Checksum of the suggestion blocklist.
    pub blocklist_checksum: String,
    /// Indexed documents by type (`product`, `video`, `live`, `anchor`).
    pub documents: BTreeMap<String, u64>,
    /// Records rejected over all files.
    pub rejects: usize,
    /// What reading each catalog file found.
    pub inputs: Vec<FileReport>,
    /// Wall time of each build phase in milliseconds.
    pub timings_ms: BTreeMap<String, u64>,
    /// Suggestion candidates written, when the generation has them.
    #[serde(default)]
    pub suggestion_candidates: u64,
    /// Every file of the generation but the manifest, with its size and
    /// checksum, so a truncated, missing or changed file is caught before
    /// the generation is served.
    pub files: BTreeMap<String, FileEntry>,
}

/// One file of a generation as the build wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Size in bytes.
    pub bytes: u64,
    /// CRC-32 (IEEE) of the whole file.
    pub crc32: u32,
}

impl Manifest {
    /// Documents of every type.
    pub fn total_documents(&self) -> u64 {
        self.documents.values().sum()
    }

    /// Checks that every listed file stays inside the generation, is a
    /// regular file, and has its recorded size and checksum. The first
    /// file that fails is named in the error.
    pub fn verify_files(&self, generation_dir: &Path) -> Result<()> {
        for (relative, expected) in &self.files {
            self.verify_file(generation_dir, relative, expected)?;
        }
        Ok(())
    }

    fn verify_file(
        &self,
        generation_dir: &Path,
        relative: &str,
        expected: &FileEntry,
    ) -> Result<()> {
        let unusable = Error::generation_file(&self.generation, relative);
        self.check_file(generation_dir, relative, expected)
            .map_err(&unusable)?;
        let path = generation_dir.join(relative);
        let found = file_crc32(&path).map_err(|error| unusable(describe_io(&error)))?;
        if found != expected.crc32 {
            return Err(Error::ChecksumMismatch {
                generation: self.generation.clone(),
                file: relative.to_string(),
                recorded_in: MANIFEST_FILE,
                expected: expected.crc32,
                found,
            });
        }
        Ok(())
    }

    /// A listed file is a plain relative path to a regular file of its size.
    fn check_file(
        &self,
        generation_dir: &Path,
        relative: &str,
        expected: &FileEntry,
    ) -> std::result::Result<(), String> {
        check_relative_path(relative)?;
        let metadata = regular_file_metadata(&generation_dir.join(relative))?;
        if metadata.len() != expected.bytes {
            return Err(format!(
                "has {} bytes, the manifest says {}",
                metadata.len(),
                expected.bytes
            ));
        }
        Ok(())
    }
}

/// The CRC-32 of a whole file, read in large blocks.
pub fn file_crc32(path: &Path) -> std::io::Result<u32> {
    let mut file = File::open(path)?;
    let mut hasher = crc32fast::Hasher::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(hasher.finalize());
        }
        hasher.update(&buffer[..read]);
    }
}

/// The metadata of the file at `path`, which must be a regular file. A link
/// is not followed: it could lead out of the index root.
fn regular_file_metadata(path: &Path) -> std::result::Result<std::fs::Metadata, String> {
    let metadata = std::fs::symlink_metadata(path).map_err(|error| describe_io(&error))?;
    if !metadata.is_file() {
        return Err("is not a regular file".to_string());
    }
    Ok(metadata)
}

/// An I/O error as shown to operators: the system's text, lowercase,
/// never a path (the caller names the file relative to the index root).
pub fn describe_io(error: &std::io::Error) -> String {
    format!("cannot be read: {}", error.to_string().to_lowercase())
}

/// A path from a manifest must name a file inside the generation: relative,
/// with plain components only (no `..`, no root, no `.`).
pub fn check_relative_path(relative: &str) -> std::result::Result<(), String> {
    let path = Path::new(relative);
    if relative.is_empty() || relative.contains('\0') {
        return Err("is not a file name".to_string());
    }
    if path
        .components()
        .all(|component| matches!(component, Component::Normal(_)))
    {
        return Ok(());
    }
    Err("leaves the generation folder (only plain relative paths are allowed)".to_string())
}

/// A generation name must be one plain folder name of ours: ASCII letters,
/// digits, `.`, `-` and `_`, not starting with `.`, at most 64 characters.
/// This keeps `CURRENT` from pointing outside `generations/`.
pub fn check_generation_name(name: &str) -> std::result::Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if name.is_empty()
        || name.len() > MAX_GENERATION_NAME_CHARS
        || name.starts_with('.')
        || !name.chars().all(allowed)
    {
        let shown: String = name.chars().take(MAX_GENERATION_NAME_CHARS).collect();
        return Err(format!(
            "`{}` is not a generation name (letters, digits, `.`, `-`, `_`, at most {MAX_GENERATION_NAME_CHARS})",
            shown.escape_default()
        ));
    }
    Ok(())
}

/// Only the `format_version` of a manifest, read before the rest so a
/// manifest from a newer indexer is refused with that reason.
#[derive(Deserialize)]
struct ManifestVersion {
    format_version: u32,
}

/// Parses a manifest's text: the format version first, then the fields.
pub fn parse_manifest(text: &str) -> std::result::Result<Manifest, String> {
    let version: ManifestVersion =
        serde_json::from_str(text).map_err(|error| format!("is not a manifest: {error}"))?;
    if version.format_version > MANIFEST_FORMAT_VERSION {
        return Err(format!(
            "has format_version {}, newer than this binary's {MANIFEST_FORMAT_VERSION}; upgrade the server",
            version.format_version
        ));
    }
    if version.format_version < MANIFEST_FORMAT_VERSION {
        return Err(format!(
            "has format_version {}, without file checksums; rebuild the generation with this indexer",
            version.format_version
        ));
    }
    let manifest: Manifest =
        serde_json::from_str(text).map_err(|error| format!("is not a manifest: {error}"))?;
    for relative in manifest.files.keys() {
        check_relative_path(relative)
            .map_err(|reason| format!("lists `{}`, which {reason}", relative.escape_default()))?;
    }
    Ok(manifest)
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
    /// The index root at `root` (nothing is created yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        IndexRoot { root: root.into() }
    }

    /// The root folder.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// `ROOT/CURRENT`, naming the served generation.
    pub fn current_file(&self) -> PathBuf {
        self.root.join("CURRENT")
    }

    /// `ROOT/generations/`, complete generations.
    pub fn generations_dir(&self) -> PathBuf {
        self.root.join("generations")
    }

    /// `ROOT/staging/`, builds under way.
    pub fn staging_dir(&self) -> PathBuf {
        self.root.join("staging")
    }

    /// `ROOT/failed/`, reports of refused builds.
    pub fn failed_dir(&self) -> PathBuf {
        self.root.join("failed")
    }

    /// The folder of `generation`.
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

    /// The generation `CURRENT` names, if any. `CURRENT` must be a small
    /// regular file holding a plain generation name: a FIFO, a device or a
    /// huge file is refused without being read (a FIFO would block the
    /// reader until a writer came).
    pub fn current(&self) -> Result<Option<String>> {
        let path = self.current_file();
        let bad = |reason: String| Error::BadCurrent { reason };
        let metadata = match std::fs::metadata(&path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(bad(describe_io(&error))),
        };
        if !metadata.is_file() {
            return Err(bad("is not a regular file".to_string()));
        }
        if metadata.len() > MAX_CURRENT_BYTES {
            return Err(bad(format!(
                "has {} bytes, more than a generation name ({MAX_CURRENT_BYTES} at most)",
                metadata.len()
            )));
        }
        let mut file = open_without_blocking(&path).map_err(|error| bad(describe_io(&error)))?;
        // Checked again on the open file: CURRENT may have been replaced since.
        let opened_is_file = file.metadata().is_ok_and(|metadata| metadata.is_file());
        if !opened_is_file {
            return Err(bad("is not a regular file".to_string()));
        }
        let mut bytes = Vec::new();
        (&mut file)
            .take(MAX_CURRENT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| bad(describe_io(&error)))?;
        if bytes.len() as u64 > MAX_CURRENT_BYTES {
            return Err(bad(format!("has more than {MAX_CURRENT_BYTES} bytes")));
        }
        current_name(bytes, bad)
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

    /// Reads and parses a generation's manifest: a regular file of bounded
    /// size, a known format version, and plain relative file paths. Reasons
    /// name the file relative to the generation, never an absolute path.
    pub fn read_manifest(&self, generation: &str) -> Result<Manifest> {
        let unusable = Error::generation_file(generation, MANIFEST_FILE);
        check_generation_name(generation).map_err(|reason| Error::Generation {
            generation: generation.escape_default().to_string(),
            reason,
        })?;
        let path = self.generation_dir(generation).join(MANIFEST_FILE);
        let metadata = regular_file_metadata(&path).map_err(&unusable)?;
        if metadata.len() > MAX_MANIFEST_BYTES {
            return Err(unusable(format!(
                "has {} bytes, over the limit of {MAX_MANIFEST_BYTES}",
                metadata.len()
            )));
        }
        let mut bytes = Vec::new();
        open_without_blocking(&path)
            .and_then(|file| file.take(MAX_MANIFEST_BYTES).read_to_end(&mut bytes))
            .map_err(|error| unusable(describe_io(&error)))?;
        let recorded = self.read_manifest_checksum(generation)?;
        check_manifest_checksum(generation, &bytes, recorded)?;
        let text = String::from_utf8(bytes).map_err(|_| unusable("is not UTF-8".to_string()))?;
        parse_manifest(&text).map_err(unusable)
    }

    /// The manifest's CRC-32 as `manifest.crc32` records it.
    fn read_manifest_checksum(&self, generation: &str) -> Result<u32> {
        let unusable = Error::generation_file(generation, MANIFEST_CHECKSUM_FILE);
        let path = self.generation_dir(generation).join(MANIFEST_CHECKSUM_FILE);
        regular_file_metadata(&path).map_err(&unusable)?;
        let mut text = String::new();
        open_without_blocking(&path)
            .and_then(|file| file.take(64).read_to_string(&mut text))
            .map_err(|error| unusable(describe_io(&error)))?;
        u32::from_str_radix(text.trim(), 16)
            .map_err(|_| unusable("does not hold a hexadecimal CRC-32".to_string()))
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
            .ok_or_else(|| Error::NoOlderGeneration {
                current: current.clone(),
            })?;
        self.set_current(&previous)?;
        Ok((current, previous))
    }
}

/// Writes `manifest.json` and its checksum file into `generation_dir`,
/// each synced. (Tests that edit a manifest use it too.)
pub fn write_manifest_bytes(generation_dir: &Path, manifest_json: &[u8]) -> Result<()> {
    let checksum = format!("{:08x}\n", crc32fast::hash(manifest_json));
    for (name, bytes) in [
        (MANIFEST_FILE, manifest_json),
        (MANIFEST_CHECKSUM_FILE, checksum.as_bytes()),
    ] {
        let path = generation_dir.join(name);
        let mut file = File::create(&path).map_err(Error::io(&path))?;
        file.write_all(bytes).map_err(Error::io(&path))?;
        file.sync_all().map_err(Error::io(&path))?;
    }
    Ok(())
}

/// Opens a file for reading without waiting on a FIFO's writer.
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    let mut options = File::options();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
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
    rfc3339(std::time::SystemTime::now())
}

/// `at` in RFC 3339, UTC: the one time format of manifests and `/readyz`.
pub fn rfc3339(at: std::time::SystemTime) -> String {
    time::OffsetDateTime::from(at)
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
/// and checksums relative to `dir` for the manifest.
pub fn sync_tree(dir: &Path) -> Result<BTreeMap<String, FileEntry>> {
    let mut entries = BTreeMap::new();
    sync_tree_into(dir, dir, &mut entries)?;
    Ok(entries)
}

fn sync_tree_into(base: &Path, dir: &Path, sizes: &mut BTreeMap<String, FileEntry>) -> Result<()> {
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
        let crc32 = file_crc32(&path).map_err(Error::io(&path))?;
        sizes.insert(
            relative,
            FileEntry {
                bytes: metadata.len(),
                crc32,
            },
        );
    }
    sync_dir(dir)
}

/// Test hook for crash tests: when the environment variable
/// `LIVESEARCH_FAIL_POINT` equals `name`, the process announces it on stderr
/// and stops here until it is killed (the tests send SIGKILL, a real
/// kill -9). It aborts by itself after ten minutes so a forgotten process
/// does not linger.
///
/// Only with the `fail-points` feature, which the indexer's tests enable;
/// otherwise it does nothing.
#[cfg(feature = "fail-points")]
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

/// Without the `fail-points` feature, fail points do nothing.
#[cfg(not(feature = "fail-points"))]
#[inline(always)]
pub fn fail_point(_name: &str) {}

/// The generation a `CURRENT` file or object names: `None` when blank; `bad`
/// shapes the refusal of bytes that are not a plain generation name.
pub(crate) fn current_name(
    bytes: Vec<u8>,
    bad: impl Fn(String) -> Error,
) -> Result<Option<String>> {
    let text = String::from_utf8(bytes).map_err(|_| bad("is not UTF-8".to_string()))?;
    let name = text.trim();
    if name.is_empty() {
        return Ok(None);
    }
    check_generation_name(name).map_err(bad)?;
    Ok(Some(name.to_string()))
}

/// Refuses manifest bytes whose CRC-32 is not the one `manifest.crc32` records.
pub(crate) fn check_manifest_checksum(generation: &str, bytes: &[u8], recorded: u32) -> Result<()> {
    let found = crc32fast::hash(bytes);
    if found != recorded {
        return Err(Error::ChecksumMismatch {
            generation: generation.to_string(),
            file: MANIFEST_FILE.to_string(),
            recorded_in: MANIFEST_CHECKSUM_FILE,
            expected: recorded,
            found,
        });
    }
    Ok(())
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

//! A replica's side: the generation the store's `CURRENT` names, downloaded
//! into a local cache folder, verified, opened.
//!
//! The cache folder is an [`IndexRoot`]: downloads go to `staging/<id>/`,
//! a verified generation is renamed into `generations/<id>/` and opened
//! with every check of [`LoadedGeneration::open`], and only then does the
//! cache's `CURRENT` name it. A replica restarted while the store is
//! unreachable serves what the cache's `CURRENT` names.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use object_store::ObjectStoreExt;
use tokio::io::AsyncWriteExt;

use super::{crc32_hex, RemoteStore};
use crate::analysis::Analyzer;
use crate::error::{Error, Result};
use crate::generation::{
    check_generation_name, parse_manifest, sync_dir, write_manifest_bytes, BuildLock, FileEntry,
    IndexRoot, Manifest, MANIFEST_CHECKSUM_FILE, MANIFEST_FILE, MAX_MANIFEST_BYTES,
};
use crate::serving::{check_versions, LoadedGeneration};

/// Generations kept in a replica's cache, the served one included: the
/// served one and the one before it (to serve if the next is refused).
pub const DEFAULT_CACHE_KEEP: usize = 2;
/// Files downloaded at once.
pub const DEFAULT_PARALLEL_DOWNLOADS: usize = 8;
/// Files a manifest may list; ours list a few dozen.
pub const MAX_MANIFEST_FILES: usize = 100_000;

/// How to pull.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Generations kept in the cache, the served one included; at least 1.
    pub keep: usize,
    /// Files downloaded at once; at least 1.
    pub parallel: usize,
    /// Largest generation (all its files) a replica downloads; a manifest
    /// listing more is refused before anything is downloaded.
    pub max_generation_bytes: u64,
}

impl Default for PullOptions {
    fn default() -> Self {
        PullOptions {
            keep: DEFAULT_CACHE_KEEP,
            parallel: DEFAULT_PARALLEL_DOWNLOADS,
            max_generation_bytes: 256 << 30,
        }
    }
}

/// What a pull did.
#[derive(Debug)]
pub enum PullOutcome {
    /// The store has no `CURRENT` yet.
    NoCurrent,
    /// The store's `CURRENT` names the generation already served.
    UpToDate {
        /// The generation.
        generation: String,
    },
    /// A generation was downloaded (or found complete in the cache),
    /// verified and opened; the cache's `CURRENT` names it.
    Pulled {
        /// The opened generation, to be swapped in.
        generation: Box<LoadedGeneration>,
        /// What the download took.
        report: PullReport,
    },
}

/// Figures of one download.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullReport {
    /// Files downloaded.
    pub downloaded_files: usize,
    /// Bytes downloaded.
    pub downloaded_bytes: u64,
    /// Files already in the staging folder whole (an interrupted download).
    pub reused_files: usize,
    /// From reading the store's `CURRENT` to the last byte on disk.
    pub download_duration: Duration,
    /// Opening with every check (CRC-32 of every file again, versions, decoding).
    pub open_duration: Duration,
    /// Generations removed from the cache.
    pub removed: Vec<String>,
}

/// Pulls the generation the store's `CURRENT` names into `cache` unless it
/// is `serving`. Refuses (an error naming the file) a generation whose
/// manifest is missing or fails its checksum, built with another analyzer,
/// schema or dictionaries (checked before downloading anything), with a file
/// of another size or CRC-32 than the manifest records, or that does not
/// open. A refused download is removed; the cache's `CURRENT` still names
/// the last good generation.
pub async fn pull(
    store: &RemoteStore,
    cache: &IndexRoot,
    lock: &BuildLock,
    serving: Option<&str>,
    analyzer: &Analyzer,
    options: &PullOptions,
) -> Result<PullOutcome> {
    let Some(generation) = store.current().await? else {
        return Ok(PullOutcome::NoCurrent);
    };
    if serving == Some(generation.as_str()) {
        return Ok(PullOutcome::UpToDate { generation });
    }
    let (loaded, report) =
        pull_generation(store, cache, lock, &generation, analyzer, options).await?;
    Ok(PullOutcome::Pulled {
        generation: loaded,
        report,
    })
}

/// Pulls `generation` (a name read from the store's `CURRENT`) into `cache`
/// as [`pull`] does, whatever is served: a generation already complete in
/// the cache (a restart) is opened without downloading.
pub async fn pull_generation(
    store: &RemoteStore,
    cache: &IndexRoot,
    lock: &BuildLock,
    generation: &str,
    analyzer: &Analyzer,
    options: &PullOptions,
) -> Result<(Box<LoadedGeneration>, PullReport)> {
    let started = Instant::now();
    check_generation_name(generation).map_err(|reason| Error::BadCurrent { reason })?;
    cache.create_dirs()?;
    let mut report = PullReport::default();
    let cached = cache.generation_dir(generation);
    if !cached.join(MANIFEST_FILE).is_file() {
        download(
            store,
            cache,
            lock,
            generation,
            analyzer,
            options,
            &mut report,
        )
        .await?;
    }
    report.download_duration = started.elapsed();
    let opening = Instant::now();
    let (root, name, analyzer_copy) = (cache.clone(), generation.to_string(), analyzer.clone());
    let opened =
        tokio::task::spawn_blocking(move || LoadedGeneration::open(&root, &name, &analyzer_copy))
            .await
            .map_err(|_| Error::Generation {
                generation: generation.to_string(),
                reason: "opening failed unexpectedly".to_string(),
            })?;
    let loaded = match opened {
        Ok(loaded) => loaded,
        Err(error) => {
            // Not kept: a refused generation would be found "complete" in
            // the cache next time and never downloaded again.
            remove_dir(&cached)?;
            return Err(error);
        }
    };
    report.open_duration = opening.elapsed();
    cache.set_current(generation)?;
    report.removed = cache.retain(options.keep, lock)?;
    Ok((Box::new(loaded), report))
}

/// Downloads `generation` into `staging/<generation>/` (keeping files an
/// interrupted download left whole), then renames it into `generations/`.
async fn download(
    store: &RemoteStore,
    cache: &IndexRoot,
    _lock: &BuildLock,
    generation: &str,
    analyzer: &Analyzer,
    options: &PullOptions,
    report: &mut PullReport,
) -> Result<()> {
    let (manifest_bytes, manifest) = read_manifest(store, generation).await?;
    check_versions(&manifest, analyzer)?;
    let listed: u64 = manifest.files.values().map(|entry| entry.bytes).sum();
    if listed > options.max_generation_bytes {
        return Err(Error::GenerationFile {
            generation: generation.to_string(),
            file: MANIFEST_FILE.to_string(),
            reason: format!(
                "lists {listed} bytes, over the limit of {} a replica downloads",
                options.max_generation_bytes
            ),
        });
    }
    // Other generations' leftovers in staging are of no more use.
    for name in list_names(&cache.staging_dir())? {
        if name != generation {
            remove_dir(&cache.staging_dir().join(name))?;
        }
    }
    let staging = cache.staging_dir().join(generation);
    tokio::fs::create_dir_all(&staging)
        .await
        .map_err(Error::io(&staging))?;
    // Collected first: a lazy `map` inside the stream makes this future
    // not `Send` (rustc cannot prove the closure general enough).
    let downloads: Vec<_> = manifest
        .files
        .iter()
        .map(|(relative, entry)| {
            let target = staging.join(relative);
            download_file(store, generation, relative, *entry, target)
        })
        .collect();
    let mut downloads = futures::stream::iter(downloads).buffer_unordered(options.parallel);
    while let Some(downloaded) = downloads.try_next().await? {
        match downloaded {
            Some(bytes) => {
                report.downloaded_files += 1;
                report.downloaded_bytes += bytes;
            }
            None => report.reused_files += 1,
        }
    }
    drop(downloads);
    write_manifest_bytes(&staging, &manifest_bytes)?;
    sync_dirs_below(&staging)?;
    let target = cache.generation_dir(generation);
    // A folder left without a manifest (a removal cut short) is replaced.
    remove_dir(&target)?;
    std::fs::rename(&staging, &target).map_err(Error::io(&target))?;
    sync_dir(&cache.generations_dir())?;
    sync_dir(&cache.staging_dir())
}

/// The store's manifest of `generation`, checked against its
/// `manifest.crc32`, parsed (format version, plain relative paths), and
/// naming `generation`.
async fn read_manifest(store: &RemoteStore, generation: &str) -> Result<(Vec<u8>, Manifest)> {
    let unusable = |file: &str, reason: String| Error::GenerationFile {
        generation: generation.to_string(),
        file: file.to_string(),
        reason,
    };
    let missing = |file: &str| unusable(file, "is missing from the store".to_string());
    let manifest_object = store.file_object(generation, MANIFEST_FILE);
    let bytes = store
        .read_bounded(&manifest_object, MAX_MANIFEST_BYTES, MANIFEST_FILE)
        .await?
        .ok_or_else(|| missing(MANIFEST_FILE))?;
    let checksum_object = store.file_object(generation, MANIFEST_CHECKSUM_FILE);
    let checksum = store
        .read_bounded(&checksum_object, 64, MANIFEST_CHECKSUM_FILE)
        .await?
        .ok_or_else(|| missing(MANIFEST_CHECKSUM_FILE))?;
    let recorded = std::str::from_utf8(&checksum)
        .ok()
        .and_then(|text| u32::from_str_radix(text.trim(), 16).ok())
        .ok_or_else(|| {
            unusable(
                MANIFEST_CHECKSUM_FILE,
                "does not hold a hexadecimal CRC-32".to_string(),
            )
        })?;
    crate::generation::check_manifest_checksum(generation, &bytes, recorded)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| unusable(MANIFEST_FILE, "is not UTF-8".to_string()))?;
    let manifest = parse_manifest(text).map_err(|reason| unusable(MANIFEST_FILE, reason))?;
    if manifest.generation != generation {
        return Err(unusable(
            MANIFEST_FILE,
            format!("names generation {}", manifest.generation.escape_default()),
        ));
    }
    if manifest.files.len() > MAX_MANIFEST_FILES {
        return Err(unusable(
            MANIFEST_FILE,
            format!(
                "lists {} files, over the limit of {MAX_MANIFEST_FILES}",
                manifest.files.len()
            ),
        ));
    }
    for relative in manifest.files.keys() {
        if relative == MANIFEST_FILE || relative == MANIFEST_CHECKSUM_FILE {
            return Err(unusable(
                MANIFEST_FILE,
                format!("lists itself ({relative})"),
            ));
        }
    }
    Ok((bytes, manifest))
}

/// Downloads one file to `target`, refusing it as soon as it grows past the
/// manifest's size, and at the end unless its size and CRC-32 match.
/// Returns the bytes downloaded, `None` when `target` was already whole.
async fn download_file(
    store: &RemoteStore,
    generation: &str,
    relative: &str,
    entry: FileEntry,
    target: PathBuf,
) -> Result<Option<u64>> {
    let unusable = |reason: String| Error::GenerationFile {
        generation: generation.to_string(),
        file: relative.to_string(),
        reason,
    };
    if already_whole(&target, entry).await {
        return Ok(None);
    }
    if let Some(parent) = target.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(Error::io(parent))?;
    }
    let location = store.file_object(generation, relative);
    let result = match store.object_store().get(&location).await {
        Ok(result) => result,
        Err(object_store::Error::NotFound { .. }) => {
            return Err(unusable("is missing from the store".to_string()))
        }
        Err(error) => return Err(store.error("read", &location, &error)),
    };
    if result.meta.size != entry.bytes {
        return Err(unusable(format!(
            "has {} bytes in the store, the manifest says {}",
            result.meta.size, entry.bytes
        )));
    }
    let mut file = tokio::fs::File::create(&target)
        .await
        .map_err(Error::io(&target))?;
    let mut hasher = crc32fast::Hasher::new();
    let mut written = 0u64;
    let mut stream = result.into_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|error| store.error("read", &location, &error))?;
        written += chunk.len() as u64;
        if written > entry.bytes {
            return Err(unusable(format!(
                "sent more than the {} bytes the manifest says",
                entry.bytes
            )));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(Error::io(&target))?;
    }
    if written != entry.bytes {
        return Err(unusable(format!(
            "ended after {written} bytes, the manifest says {}",
            entry.bytes
        )));
    }
    let found = hasher.finalize();
    if found != entry.crc32 {
        drop(file);
        let _ = tokio::fs::remove_file(&target).await;
        return Err(Error::ChecksumMismatch {
            generation: generation.to_string(),
            file: relative.to_string(),
            recorded_in: MANIFEST_FILE,
            expected: entry.crc32,
            found,
        });
    }
    file.sync_all().await.map_err(Error::io(&target))?;
    tracing::debug!(file = relative, crc32 = %crc32_hex(found), "downloaded");
    Ok(Some(entry.bytes))
}

/// Whether a file of an interrupted download is already there whole.
async fn already_whole(target: &Path, entry: FileEntry) -> bool {
    let Ok(metadata) = tokio::fs::symlink_metadata(target).await else {
        return false;
    };
    if !metadata.is_file() || metadata.len() != entry.bytes {
        return false;
    }
    let path = target.to_path_buf();
    let crc32 = tokio::task::spawn_blocking(move || crate::generation::file_crc32(&path)).await;
    matches!(crc32, Ok(Ok(found)) if found == entry.crc32)
}

fn sync_dirs_below(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(Error::io(dir))? {
        let entry = entry.map_err(Error::io(dir))?;
        let is_dir = entry.file_type().map_err(Error::io(dir))?.is_dir();
        if is_dir {
            sync_dirs_below(&entry.path())?;
        }
    }
    sync_dir(dir)
}

fn list_names(dir: &Path) -> Result<Vec<String>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|entry| {
                entry
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .map_err(Error::io(dir))
            })
            .collect(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(Error::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

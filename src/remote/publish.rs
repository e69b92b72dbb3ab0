//! Uploading the current local generation to a store, then naming it in the
//! store's `CURRENT`.
//!
//! Order: every file the manifest lists (in parallel; multipart above
//! [`PublishOptions::multipart_threshold`]), then `manifest.crc32`, then
//! `manifest.json`, then `CURRENT`. A publish killed at any point leaves
//! the store's `CURRENT` naming a complete generation, and a rerun skips the
//! objects already there with the right size and CRC-32.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, AttributeValue, Attributes, GetOptions, ObjectStoreExt, PutMultipartOptions,
    PutOptions, PutPayload, WriteMultipart,
};
use tokio::io::AsyncReadExt;

use super::{crc32_hex, RemoteStore, CRC32_METADATA};
use crate::error::{Error, Result};
use crate::generation::{fail_point, FileEntry, IndexRoot, MANIFEST_CHECKSUM_FILE, MANIFEST_FILE};

/// Files above this size go up in parts (S3 takes parts of 5 MiB at least).
pub const DEFAULT_MULTIPART_THRESHOLD: u64 = 16 << 20;
/// Size of one part of a multipart upload.
const PART_BYTES: usize = 8 << 20;
/// Parts of one file in flight at once.
const PARTS_IN_FLIGHT: usize = 4;
/// Files uploaded at once.
pub const DEFAULT_PARALLEL_UPLOADS: usize = 8;
/// Complete generations kept in the store, the current one included.
pub const DEFAULT_STORE_KEEP: usize = 3;

/// How to publish.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// Complete generations kept in the store, the current one included; at least 1.
    pub keep: usize,
    /// Files uploaded at once; at least 1.
    pub parallel: usize,
    /// Files of more bytes than this are uploaded in parts.
    pub multipart_threshold: u64,
    /// Replace the store's `CURRENT` even when it names a newer generation
    /// (a deliberate rollback).
    pub allow_older: bool,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            keep: DEFAULT_STORE_KEEP,
            parallel: DEFAULT_PARALLEL_UPLOADS,
            multipart_threshold: DEFAULT_MULTIPART_THRESHOLD,
            allow_older: false,
        }
    }
}

impl PublishOptions {
    /// Refuses values out of range, naming the flag.
    pub fn validate(&self) -> Result<()> {
        if self.keep == 0 {
            return Err(Error::invalid_option("--keep", "must be at least 1"));
        }
        if self.parallel == 0 {
            return Err(Error::invalid_option("--parallel", "must be at least 1"));
        }
        Ok(())
    }
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishReport {
    /// The generation published.
    pub generation: String,
    /// What the store's `CURRENT` named before (`None`: nothing).
    pub previous: Option<String>,
    /// Files uploaded by this run (the manifest's two files included).
    pub uploaded_files: usize,
    /// Bytes uploaded by this run.
    pub uploaded_bytes: u64,
    /// Files already in the store with their size and CRC-32 (an earlier,
    /// interrupted run put them there).
    pub skipped_files: usize,
    /// Generations removed from the store by retention.
    pub removed: Vec<String>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Uploads the generation `root`'s `CURRENT` names to `store` and points the
/// store's `CURRENT` at it; then keeps the newest [`PublishOptions::keep`]
/// complete generations in the store. Every local file is checked against
/// the manifest's CRC-32 while it is read for upload.
pub async fn publish(
    store: &RemoteStore,
    root: &IndexRoot,
    options: &PublishOptions,
) -> Result<PublishReport> {
    options.validate()?;
    let started = Instant::now();
    let generation = root.current()?.ok_or_else(|| Error::NoCurrentGeneration {
        root: root.path().to_path_buf(),
    })?;
    // Read through the checks of `read_manifest`: a manifest that fails its
    // own checksum is never uploaded.
    let manifest = root.read_manifest(&generation)?;
    let previous = store.current().await?;
    if let Some(store_current) = &previous {
        if store_current.as_str() > generation.as_str() && !options.allow_older {
            return Err(Error::StoreAhead {
                store_current: store_current.clone(),
                generation,
            });
        }
    }
    let dir = root.generation_dir(&generation);
    let mut report = PublishReport {
        generation: generation.clone(),
        previous,
        uploaded_files: 0,
        uploaded_bytes: 0,
        skipped_files: 0,
        removed: Vec::new(),
        elapsed: Duration::ZERO,
    };
    // Collected first: a lazy `map` inside the stream makes this future
    // not `Send` (rustc cannot prove the closure general enough).
    let uploads: Vec<_> = manifest
        .files
        .iter()
        .map(|(relative, entry)| {
            let file = LocalFile {
                generation: &generation,
                relative,
                path: dir.join(relative),
                entry: *entry,
            };
            upload_if_missing(store, file, options)
        })
        .collect();
    let mut uploads = futures::stream::iter(uploads).buffer_unordered(options.parallel);
    while let Some(uploaded) = uploads.try_next().await? {
        count(&mut report, uploaded);
        // Crash tests stop here, some files up and the manifest not.
        fail_point("during_upload");
    }
    drop(uploads);
    // The manifest's files last: their presence is what makes the
    // generation complete in the store.
    for name in [MANIFEST_CHECKSUM_FILE, MANIFEST_FILE] {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).map_err(Error::io(&path))?;
        let entry = FileEntry {
            bytes: bytes.len() as u64,
            crc32: crc32fast::hash(&bytes),
        };
        let file = LocalFile {
            generation: &generation,
            relative: name,
            path,
            entry,
        };
        let uploaded = upload_if_missing(store, file, options).await?;
        count(&mut report, uploaded);
    }
    let current = store.current_object();
    store
        .object_store()
        .put(&current, PutPayload::from(format!("{generation}\n")))
        .await
        .map_err(|error| store.error("upload", &current, &error))?;
    report.removed = retain(store, options.keep).await?;
    report.elapsed = started.elapsed();
    Ok(report)
}

fn count(report: &mut PublishReport, uploaded: Option<u64>) {
    match uploaded {
        Some(bytes) => {
            report.uploaded_files += 1;
            report.uploaded_bytes += bytes;
        }
        None => report.skipped_files += 1,
    }
}

/// One local file of the generation being published.
struct LocalFile<'a> {
    generation: &'a str,
    relative: &'a str,
    path: PathBuf,
    entry: FileEntry,
}

impl LocalFile<'_> {
    fn mismatch(&self, found: u32) -> Error {
        Error::ChecksumMismatch {
            generation: self.generation.to_string(),
            file: self.relative.to_string(),
            recorded_in: MANIFEST_FILE,
            expected: self.entry.crc32,
            found,
        }
    }

    fn wrong_size(&self, found: u64) -> Error {
        Error::GenerationFile {
            generation: self.generation.to_string(),
            file: self.relative.to_string(),
            reason: format!("has {found} bytes, the manifest says {}", self.entry.bytes),
        }
    }
}

/// Uploads one file unless the store holds it already with its size and
/// CRC-32. Returns the bytes uploaded, `None` when skipped.
async fn upload_if_missing(
    store: &RemoteStore,
    file: LocalFile<'_>,
    options: &PublishOptions,
) -> Result<Option<u64>> {
    let location = store.file_object(file.generation, file.relative);
    if holds(store, &location, &file.entry).await? {
        return Ok(None);
    }
    let mut attributes = Attributes::new();
    attributes.insert(
        Attribute::Metadata(CRC32_METADATA.into()),
        AttributeValue::from(crc32_hex(file.entry.crc32)),
    );
    if file.entry.bytes > options.multipart_threshold {
        upload_in_parts(store, &file, &location, attributes).await?;
    } else {
        let bytes = tokio::fs::read(&file.path)
            .await
            .map_err(Error::io(&file.path))?;
        if bytes.len() as u64 != file.entry.bytes {
            return Err(file.wrong_size(bytes.len() as u64));
        }
        let found = crc32fast::hash(&bytes);
        if found != file.entry.crc32 {
            return Err(file.mismatch(found));
        }
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        store
            .object_store()
            .put_opts(&location, PutPayload::from(bytes), options)
            .await
            .map_err(|error| store.error("upload", &location, &error))?;
    }
    Ok(Some(file.entry.bytes))
}

/// Whether the object exists with the size and the CRC-32 metadata of `entry`.
async fn holds(store: &RemoteStore, location: &ObjectPath, entry: &FileEntry) -> Result<bool> {
    let head = GetOptions::new().with_head(true);
    match store.object_store().get_opts(location, head).await {
        Ok(found) => {
            let crc32 = found
                .attributes
                .get(&Attribute::Metadata(CRC32_METADATA.into()))
                .map(|value| value.as_ref().to_string());
            Ok(found.meta.size == entry.bytes && crc32 == Some(crc32_hex(entry.crc32)))
        }
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(error) => Err(store.error("inspect", location, &error)),
    }
}

/// A multipart upload, read in parts and CRC-checked on the way; aborted
/// (nothing becomes visible) when the file is not the one the manifest lists.
async fn upload_in_parts(
    store: &RemoteStore,
    file: &LocalFile<'_>,
    location: &ObjectPath,
    attributes: Attributes,
) -> Result<()> {
    let failed = |error: object_store::Error| store.error("upload", location, &error);
    let options = PutMultipartOptions {
        attributes,
        ..PutMultipartOptions::default()
    };
    let upload = store
        .object_store()
        .put_multipart_opts(location, options)
        .await
        .map_err(failed)?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
    let mut local = tokio::fs::File::open(&file.path)
        .await
        .map_err(Error::io(&file.path))?;
    let mut hasher = crc32fast::Hasher::new();
    let mut read_total = 0u64;
    let mut buffer = vec![0u8; PART_BYTES];
    let outcome: Result<()> = async {
        loop {
            let read = local
                .read(&mut buffer)
                .await
                .map_err(Error::io(&file.path))?;
            if read == 0 {
                break;
            }
            read_total += read as u64;
            if read_total > file.entry.bytes {
                return Err(file.wrong_size(read_total));
            }
            hasher.update(&buffer[..read]);
            writer
                .wait_for_capacity(PARTS_IN_FLIGHT)
                .await
                .map_err(failed)?;
            writer.write(&buffer[..read]);
        }
        if read_total != file.entry.bytes {
            return Err(file.wrong_size(read_total));
        }
        let found = hasher.clone().finalize();
        if found != file.entry.crc32 {
            return Err(file.mismatch(found));
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => {
            writer.finish().await.map_err(failed)?;
            Ok(())
        }
        Err(error) => {
            // Best effort: an upload left open costs storage until the
            // bucket's lifecycle rule removes it, and is never visible.
            let _ = writer.abort().await;
            Err(error)
        }
    }
}

/// Keeps the newest `keep` complete generations and the one `CURRENT`
/// names; removes every older generation folder, complete or not. Folders
/// newer than the oldest kept one are left alone: one may be a publish
/// under way. A generation's manifest is deleted first, so a removal cut
/// short leaves an incomplete generation, never a complete one with files
/// missing.
pub async fn retain(store: &RemoteStore, keep: usize) -> Result<Vec<String>> {
    let current = store.current().await?;
    let mut complete = Vec::new();
    let all = store.generations().await?;
    for generation in &all {
        if store.is_complete(generation).await? {
            complete.push(generation.clone());
        }
    }
    let Some(oldest_kept) = complete.get(complete.len().saturating_sub(keep)).cloned() else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for generation in all {
        if generation >= oldest_kept || Some(&generation) == current.as_ref() {
            continue;
        }
        remove_generation(store, &generation).await?;
        removed.push(generation);
    }
    Ok(removed)
}

async fn remove_generation(store: &RemoteStore, generation: &str) -> Result<()> {
    let objects = store.object_store();
    for name in [MANIFEST_FILE, MANIFEST_CHECKSUM_FILE] {
        let location = store.file_object(generation, name);
        match objects.delete(&location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(store.error("delete", &location, &error)),
        }
    }
    let prefix = store.generation_prefix(generation);
    let locations = objects
        .list(Some(&prefix))
        .map_ok(|meta| meta.location)
        .boxed();
    objects
        .delete_stream(locations)
        .try_collect::<Vec<_>>()
        .await
        .map_err(|error| store.error("delete", &prefix, &error))?;
    Ok(())
}

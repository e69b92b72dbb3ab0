//! Publish and pull against `object_store`'s in-memory store.

use std::sync::Arc;

use object_store::memory::InMemory;
use object_store::{ObjectStoreExt, PutPayload};

use super::*;
use crate::analysis::Analyzer;
use crate::build::{build, BuildOptions, NoProgress};
use crate::dictionaries::Dictionaries;
use crate::generation::{IndexRoot, MANIFEST_CHECKSUM_FILE, MANIFEST_FILE};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

struct Setup {
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    local: IndexRoot,
    cache: IndexRoot,
    store: RemoteStore,
    analyzer: Analyzer,
}

/// A local index root with one fixture generation, an empty cache and an
/// empty in-memory store.
fn setup() -> Setup {
    let local_dir = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    build_generation(local_dir.path());
    let store =
        RemoteStore::new(Arc::new(InMemory::new()), "catalog/prod", "memory://test").unwrap();
    Setup {
        local: IndexRoot::new(local_dir.path()),
        cache: IndexRoot::new(cache_dir.path()),
        _dirs: (local_dir, cache_dir),
        store,
        analyzer: Analyzer::new(&Dictionaries::embedded()),
    }
}

fn build_generation(root: &std::path::Path) -> String {
    let options = BuildOptions::new(FIXTURES, root).threads(2).keep(10);
    build(&options, &NoProgress).unwrap().manifest.generation
}

impl Setup {
    async fn publish(&self) -> Result<PublishReport> {
        publish(&self.store, &self.local, &PublishOptions::default()).await
    }

    async fn pull(&self, serving: Option<&str>) -> Result<PullOutcome> {
        let lock = self.cache.lock().unwrap();
        pull(
            &self.store,
            &self.cache,
            &lock,
            serving,
            &self.analyzer,
            &PullOptions::default(),
        )
        .await
    }

    fn generation(&self) -> String {
        self.local.current().unwrap().unwrap()
    }

    fn listed_files(&self) -> Vec<String> {
        let manifest = self.local.read_manifest(&self.generation()).unwrap();
        manifest.files.keys().cloned().collect()
    }
}

#[tokio::test]
async fn publish_then_pull_serves_the_same_generation_and_a_rerun_uploads_nothing() {
    let setup = setup();
    let report = setup.publish().await.unwrap();
    let generation = setup.generation();
    let files = setup.listed_files();
    assert_eq!(report.generation, generation);
    assert_eq!(report.previous, None);
    // Every listed file, then manifest.crc32 and manifest.json.
    assert_eq!(report.uploaded_files, files.len() + 2);
    assert_eq!(
        setup.store.current().await.unwrap(),
        Some(generation.clone())
    );

    let again = setup.publish().await.unwrap();
    assert_eq!(again.uploaded_files, 0);
    assert_eq!(again.skipped_files, files.len() + 2);

    let PullOutcome::Pulled {
        generation: loaded,
        report,
    } = setup.pull(None).await.unwrap()
    else {
        panic!("nothing pulled");
    };
    assert_eq!(loaded.id(), generation);
    assert_eq!(report.downloaded_files, files.len());
    assert_eq!(setup.cache.current().unwrap(), Some(generation.clone()));
    for relative in &files {
        let local = std::fs::read(setup.local.generation_dir(&generation).join(relative));
        let cached = std::fs::read(setup.cache.generation_dir(&generation).join(relative));
        assert_eq!(local.unwrap(), cached.unwrap(), "{relative}");
    }
    let outcome = setup.pull(Some(&generation)).await.unwrap();
    assert!(matches!(outcome, PullOutcome::UpToDate { generation: g } if g == generation));
}

#[tokio::test]
async fn an_interrupted_publish_is_not_pulled_and_its_rerun_uploads_only_what_is_missing() {
    let setup = setup();
    setup.publish().await.unwrap();
    let generation = setup.generation();
    let objects = setup.store.object_store();
    // What a publish killed after some files leaves: no manifest, no CURRENT.
    let dropped = &setup.listed_files()[0];
    for object in [
        setup.store.file_object(&generation, dropped),
        setup.store.file_object(&generation, MANIFEST_FILE),
        setup.store.current_object(),
    ] {
        objects.delete(&object).await.unwrap();
    }
    assert!(matches!(
        setup.pull(None).await.unwrap(),
        PullOutcome::NoCurrent
    ));
    assert!(!setup.store.is_complete(&generation).await.unwrap());

    let rerun = setup.publish().await.unwrap();
    assert_eq!(
        rerun.uploaded_files, 2,
        "the dropped file and manifest.json"
    );
    assert!(matches!(
        setup.pull(None).await.unwrap(),
        PullOutcome::Pulled { .. }
    ));
}

#[tokio::test]
async fn a_changed_byte_in_the_store_is_refused_naming_the_file_and_the_cache_keeps_its_generation()
{
    let setup = setup();
    setup.publish().await.unwrap();
    let first = setup.generation();
    setup.pull(None).await.unwrap();

    build_generation(setup.local.path());
    let second = setup.generation();
    setup.publish().await.unwrap();
    let victim = setup
        .listed_files()
        .into_iter()
        .find(|file| file.starts_with("suggest/"))
        .unwrap();
    let object = setup.store.file_object(&second, &victim);
    let objects = setup.store.object_store();
    let mut bytes = objects
        .get(&object)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    bytes[0] ^= 0x01;
    objects.put(&object, PutPayload::from(bytes)).await.unwrap();

    let error = setup.pull(Some(&first)).await.unwrap_err();
    match &error {
        Error::ChecksumMismatch {
            generation, file, ..
        } => {
            assert_eq!(generation, &second);
            assert_eq!(file, &victim);
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(error.to_string().contains(&victim), "{error}");
    assert_eq!(setup.cache.current().unwrap(), Some(first));
    assert!(!setup.cache.generation_dir(&second).exists());
}

#[tokio::test]
async fn a_generation_without_its_manifest_is_refused_with_the_manifest_named() {
    let setup = setup();
    setup.publish().await.unwrap();
    let generation = setup.generation();
    let manifest = setup.store.file_object(&generation, MANIFEST_FILE);
    setup.store.object_store().delete(&manifest).await.unwrap();
    let error = setup.pull(None).await.unwrap_err();
    assert!(
        matches!(&error, Error::GenerationFile { file, .. } if file == MANIFEST_FILE),
        "{error}"
    );
    assert_eq!(setup.cache.current().unwrap(), None);
}

#[tokio::test]
async fn other_dictionaries_are_refused_before_anything_is_downloaded() {
    let mut setup = setup();
    setup.analyzer = Analyzer::new(&Dictionaries::none());
    setup.publish().await.unwrap();
    // With a data file gone from the store, a download would fail on it:
    // the versions must be refused from the manifest alone.
    let generation = setup.generation();
    let data_file = setup
        .store
        .file_object(&generation, &setup.listed_files()[0]);
    setup.store.object_store().delete(&data_file).await.unwrap();
    let error = setup.pull(None).await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::VersionMismatch {
                what: "dictionaries",
                ..
            }
        ),
        "{error}"
    );
}

#[tokio::test]
async fn a_manifest_naming_a_file_outside_the_generation_is_refused() {
    let setup = setup();
    setup.publish().await.unwrap();
    let generation = setup.generation();
    let manifest_path = setup.local.generation_dir(&generation).join(MANIFEST_FILE);
    let text = std::fs::read_to_string(manifest_path).unwrap();
    let first = &setup.listed_files()[0];
    let hostile = text.replacen(&format!("\"{first}\""), "\"../../escaped\"", 1);
    let objects = setup.store.object_store();
    let checksum = format!("{:08x}\n", crc32fast::hash(hostile.as_bytes()));
    let manifest_object = setup.store.file_object(&generation, MANIFEST_FILE);
    let checksum_object = setup.store.file_object(&generation, MANIFEST_CHECKSUM_FILE);
    objects
        .put(&manifest_object, PutPayload::from(hostile))
        .await
        .unwrap();
    objects
        .put(&checksum_object, PutPayload::from(checksum))
        .await
        .unwrap();
    let error = setup.pull(None).await.unwrap_err().to_string();
    assert!(error.contains("leaves the generation folder"), "{error}");
    assert!(!setup
        .cache
        .path()
        .parent()
        .unwrap()
        .join("escaped")
        .exists());
}

#[tokio::test]
async fn a_current_object_that_is_not_a_generation_name_is_refused() {
    let setup = setup();
    let objects = setup.store.object_store();
    let current = setup.store.current_object();
    objects
        .put(&current, PutPayload::from("../../etc\n"))
        .await
        .unwrap();
    let error = setup.store.current().await.unwrap_err().to_string();
    assert!(error.contains("is not a generation name"), "{error}");
    objects
        .put(&current, PutPayload::from(vec![b'a'; 300]))
        .await
        .unwrap();
    let error = setup.store.current().await.unwrap_err().to_string();
    assert!(error.contains("over the limit of 256"), "{error}");
}

#[tokio::test]
async fn retention_keeps_the_newest_complete_generations_and_publish_does_not_go_back() {
    let setup = setup();
    let options = PublishOptions {
        keep: 2,
        ..PublishOptions::default()
    };
    let mut published = Vec::new();
    for _ in 0..3 {
        if !published.is_empty() {
            build_generation(setup.local.path());
        }
        publish(&setup.store, &setup.local, &options).await.unwrap();
        published.push(setup.generation());
    }
    assert_eq!(setup.store.generations().await.unwrap(), published[1..]);
    let listed = setup
        .store
        .object_store()
        .list(Some(&setup.store.generation_prefix(&published[0])))
        .count()
        .await;
    assert_eq!(listed, 0, "every object of the removed generation is gone");

    setup.local.set_current(&published[1]).unwrap();
    let error = publish(&setup.store, &setup.local, &options)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::StoreAhead { .. }), "{error}");
    let back = PublishOptions {
        allow_older: true,
        ..options
    };
    publish(&setup.store, &setup.local, &back).await.unwrap();
    assert_eq!(
        setup.store.current().await.unwrap().as_ref(),
        Some(&published[1])
    );
}

#[test]
fn store_urls_other_than_s3_or_with_credentials_are_refused() {
    for (url, expected) in [
        ("gs://bucket/prefix", "scheme `gs` is not supported"),
        ("s3://key:secret@bucket/prefix", "holds credentials"),
        ("s3:///prefix", "names no bucket"),
        ("not a url", "relative URL without a base"),
    ] {
        let error = RemoteStore::from_url(url).unwrap_err().to_string();
        assert!(error.contains(expected), "{url}: {error}");
        assert!(!error.contains("secret"), "{error}");
    }
    let store = RemoteStore::from_url("s3://bucket/nightly/catalog/").unwrap();
    assert_eq!(store.url(), "s3://bucket/nightly/catalog");
    assert_eq!(
        store.current_object().to_string(),
        "nightly/catalog/CURRENT"
    );
}

#[tokio::test]
async fn files_uploaded_in_parts_arrive_whole() {
    let setup = setup();
    let in_parts = PublishOptions {
        multipart_threshold: 0,
        ..PublishOptions::default()
    };
    publish(&setup.store, &setup.local, &in_parts)
        .await
        .unwrap();
    let outcome = setup.pull(None).await.unwrap();
    assert!(matches!(outcome, PullOutcome::Pulled { .. }));
    // The metadata went up with the parts: a rerun finds every file.
    let again = publish(&setup.store, &setup.local, &in_parts)
        .await
        .unwrap();
    assert_eq!(again.uploaded_files, 0);
}

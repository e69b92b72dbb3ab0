//! Generations on disk that must be refused: changed bytes, paths leaving
//! the index root, manifests from the future, a CURRENT that is no file.

use std::path::Path;

use livesearch::analysis::Analyzer;
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::{
    write_manifest_bytes, IndexRoot, MANIFEST_CHECKSUM_FILE, MANIFEST_FILE,
};
use livesearch::serving::LoadedGeneration;
use livesearch::Error;

use crate::support::build_fixtures;

fn open(root: &Path, generation: &str) -> Result<LoadedGeneration, String> {
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    LoadedGeneration::open(&IndexRoot::new(root), generation, &analyzer)
        .map_err(|error| error.to_string())
}

fn edit_manifest(root: &Path, generation: &str, edit: impl Fn(&mut serde_json::Value)) {
    let dir = root.join("generations").join(generation);
    let text = std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut manifest);
    write_manifest_bytes(&dir, &serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

#[test]
fn a_changed_byte_of_the_same_size_is_refused_with_the_file_named() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    let generation = build_fixtures(root);
    let files: Vec<String> = IndexRoot::new(root)
        .read_manifest(&generation)
        .unwrap()
        .files
        .into_keys()
        .collect();
    assert!(files.iter().any(|file| file.ends_with(".store")));
    assert!(files.iter().any(|file| file == "suggest/candidates.bin"));
    for file in &files {
        let path = root.join("generations").join(&generation).join(file);
        let original = std::fs::read(&path).unwrap();
        if original.is_empty() {
            continue;
        }
        let mut changed = original.clone();
        changed[original.len() / 2] ^= 0x20;
        std::fs::write(&path, &changed).unwrap();
        let reason = open(root, &generation)
            .err()
            .unwrap_or_else(|| panic!("{file} changed yet served"));
        assert!(
            reason.contains(&format!("file {file} checksum")),
            "{file}: {reason}"
        );
        assert!(
            !reason.contains(&root.display().to_string()),
            "absolute path: {reason}"
        );
        std::fs::write(&path, &original).unwrap();
    }
    open(root, &generation).unwrap();
}

#[test]
fn manifests_from_the_future_or_with_paths_outside_are_refused() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    let generation = build_fixtures(root);
    let original = std::fs::read(
        root.join("generations")
            .join(&generation)
            .join(MANIFEST_FILE),
    )
    .unwrap();
    let dir = root.join("generations").join(&generation);
    let restore = || write_manifest_bytes(&dir, &original).unwrap();

    edit_manifest(root, &generation, |manifest| {
        manifest["format_version"] = 99.into()
    });
    let reason = open(root, &generation).unwrap_err();
    assert!(
        reason.contains("file manifest.json has format_version 99, newer"),
        "{reason}"
    );
    restore();

    for outside in ["../../CURRENT", "/etc/hostname", "index/../../CURRENT"] {
        edit_manifest(root, &generation, |manifest| {
            manifest["files"][outside] = serde_json::json!({"bytes": 1, "crc32": 0});
        });
        let reason = open(root, &generation).unwrap_err();
        assert!(
            reason.contains("leaves the generation folder"),
            "{outside}: {reason}"
        );
        restore();
    }

    // A changed byte in the manifest or in its checksum file is refused too.
    for file in [MANIFEST_FILE, MANIFEST_CHECKSUM_FILE] {
        let path = dir.join(file);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[2] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        let reason = open(root, &generation).unwrap_err();
        assert!(reason.contains(file), "{file}: {reason}");
        restore();
    }
    open(root, &generation).unwrap();

    // A listed file replaced by a link to a file outside is not followed.
    let rejects = root
        .join("generations")
        .join(&generation)
        .join("rejects.jsonl");
    std::fs::remove_file(&rejects).unwrap();
    std::os::unix::fs::symlink(root.join("CURRENT"), &rejects).unwrap();
    let reason = open(root, &generation).unwrap_err();
    assert!(
        reason.contains("rejects.jsonl is not a regular file"),
        "{reason}"
    );
}

#[test]
fn current_must_be_a_small_regular_file_naming_a_generation_inside_the_root() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = IndexRoot::new(root_dir.path());
    let current = root_dir.path().join("CURRENT");
    for (content, expected) in [
        ("../../etc\n".to_string(), "not a generation name"),
        ("/tmp/elsewhere".to_string(), "not a generation name"),
        ("x".repeat(300), "more than a generation name"),
    ] {
        std::fs::write(&current, content).unwrap();
        let error = root.current().unwrap_err().to_string();
        assert!(error.contains(expected), "{error}");
    }
    let not_a_regular_file = || {
        let error = root.current().unwrap_err().to_string();
        assert!(error.contains("not a regular file"), "{error}");
    };
    std::fs::remove_file(&current).unwrap();
    std::fs::create_dir(&current).unwrap();
    not_a_regular_file();
    std::fs::remove_dir(&current).unwrap();
    // A FIFO is refused without being opened, so nothing blocks on it.
    let status = std::process::Command::new("mkfifo")
        .arg(&current)
        .status()
        .unwrap();
    assert!(status.success());
    not_a_regular_file();
    std::fs::remove_file(&current).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &current).unwrap();
    not_a_regular_file();
}

#[test]
fn refusals_on_disk_are_typed() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    let generation = build_fixtures(root);
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let open_typed = || LoadedGeneration::open(&IndexRoot::new(root), &generation, &analyzer);

    edit_manifest(root, &generation, |manifest| {
        manifest["schema_version"] = 999.into()
    });
    match open_typed() {
        Err(Error::VersionMismatch { what, found, .. }) => {
            assert_eq!((what, found.as_str()), ("schema", "999"))
        }
        other => panic!("expected a version mismatch, got {other:?}"),
    }

    let dir = root.join("generations").join(&generation);
    let mut text = std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap();
    text.push(' ');
    std::fs::write(dir.join(MANIFEST_FILE), text).unwrap();
    match open_typed() {
        Err(Error::ChecksumMismatch {
            file, recorded_in, ..
        }) => assert_eq!(
            (file.as_str(), recorded_in),
            (MANIFEST_FILE, MANIFEST_CHECKSUM_FILE)
        ),
        other => panic!("expected a checksum mismatch, got {other:?}"),
    }
}

#[test]
fn facet_counts_are_cached_per_generation_and_never_outlive_it() {
    use livesearch::search::{FacetRequest, RankingConfig, SearchRequest};

    use crate::support::{build_into, ScratchCatalog};

    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let config = RankingConfig::default();
    let request = SearchRequest {
        query: "卫衣".into(),
        limit: 10,
        facets: FacetRequest {
            category: true,
            brand: true,
            price: true,
        },
        ..SearchRequest::default()
    };
    let first = build_fixtures(root);
    let old = LoadedGeneration::open(&IndexRoot::new(root), &first, &analyzer).unwrap();
    let counted = old.search(&analyzer, &config, &request).unwrap();
    let cached = old.search(&analyzer, &config, &request).unwrap();
    assert_eq!(counted, cached);
    assert_eq!(old.prepared.facet_cache_stats().hits, 1);

    // The next generation sells three more hoodies of a new brand: its
    // counts are its own, not the old generation's cached ones.
    let catalog = ScratchCatalog::from_fixtures();
    for number in 0..3 {
        catalog.append(
            "products.jsonl",
            format!(
                "{{\"product_id\": \"new{number}\", \"title\": \"新款连帽卫衣\", \"brand\": \"新品牌\", \"category\": \"女装\", \"price_cents\": 9900, \"sales\": 1, \"anchor_ids\": []}}\n"
            ),
        );
    }
    let second = build_into(catalog.path(), root)
        .unwrap()
        .manifest
        .generation;
    assert_ne!(first, second);
    let new = LoadedGeneration::open(&IndexRoot::new(root), &second, &analyzer).unwrap();
    let recounted = new.search(&analyzer, &config, &request).unwrap();
    let stats = new.prepared.facet_cache_stats();
    assert_eq!((stats.hits, stats.misses), (0, 1), "{stats:?}");
    assert_eq!(recounted.total, counted.total + 3);
    let brands = recounted.facets.unwrap().brand.unwrap();
    assert!(
        brands
            .iter()
            .any(|brand| brand.value == "新品牌" && brand.count == 3),
        "{brands:?}"
    );
}

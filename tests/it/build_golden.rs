//! The fixture build's output, pinned: document counts, the indexed terms
//! of every text field (how many, their document frequencies, a digest),
//! the suggestion files' checksums and the drop-down for a set of prefixes.
//! A speed change to the build must leave all of it as it was; a deliberate
//! change of output regenerates the file with
//! `LIVESEARCH_UPDATE_GOLDEN=1 cargo test --test it build_golden` and says so
//! in its commit.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use livesearch::analysis::Analyzer;
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::IndexRoot;
use livesearch::schema::CatalogSchema;
use livesearch::serving::LoadedGeneration;
use livesearch::suggest::SuggestIndex;

use livesearch::build::{build, BuildOptions, NoProgress};

use crate::support::{build_fixtures, fixtures_dir};

const GOLDEN: &str = "tests/golden/fixture_build.txt";

/// Prefixes a buyer types: hanzi, full pinyin, initials, mixed, Latin.
const PREFIXES: &[&str] = &[
    "连",
    "连衣",
    "手机",
    "口红",
    "面",
    "零食",
    "华为",
    "lian",
    "lianyi",
    "lyq",
    "sj",
    "kh",
    "shouji",
    "手j",
    "iph",
    "xiaomi",
    "美",
    "羽绒",
    "nvz",
    "zhibo",
    "红色连",
    "iphone手",
    "美特斯邦威男",
    "hongselianyi",
];

fn fingerprint(root: &Path, generation: &str) -> String {
    let index_root = IndexRoot::new(root);
    let manifest = index_root.read_manifest(generation).unwrap();
    let mut out = String::new();
    writeln!(out, "documents: {:?}", manifest.documents).unwrap();
    writeln!(out, "rejects: {}", manifest.rejects).unwrap();
    writeln!(
        out,
        "suggestion candidates: {}",
        manifest.suggestion_candidates
    )
    .unwrap();
    for (file, entry) in &manifest.files {
        if file.starts_with("suggest/") {
            writeln!(
                out,
                "{file}: {} bytes, crc32 {:08x}",
                entry.bytes, entry.crc32
            )
            .unwrap();
        }
    }

    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let loaded = LoadedGeneration::open(&index_root, generation, &analyzer).unwrap();
    let searcher = loaded.searcher();
    let fields = CatalogSchema::new();
    let text_fields = [
        ("title", fields.title),
        ("title_words", fields.title_words),
        ("title_heads", fields.title_heads),
        ("brand", fields.brand),
        ("category", fields.category),
        ("anchor_name", fields.anchor_name),
        ("anchor_ids", fields.anchor_ids),
        ("brand_text", fields.brand_text),
        ("category_text", fields.category_text),
    ];
    for (name, field) in text_fields {
        // Segments differ with threads and merges; terms summed over them do not.
        let mut terms: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        let mut tokens = 0u64;
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field).unwrap();
            tokens += inverted.total_num_tokens();
            let mut stream = inverted.terms().stream().unwrap();
            while stream.advance() {
                *terms.entry(stream.key().to_vec()).or_default() +=
                    u64::from(stream.value().doc_freq);
            }
        }
        let mut digest = crc32fast::Hasher::new();
        for (term, doc_freq) in &terms {
            digest.update(term);
            digest.update(&doc_freq.to_le_bytes());
        }
        writeln!(
            out,
            "field {name}: {} terms, {tokens} tokens, digest {:08x}",
            terms.len(),
            digest.finalize()
        )
        .unwrap();
    }

    // As served: rare prefixes completed.
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let suggest = SuggestIndex::open(&index_root.generation_dir(generation))
        .unwrap()
        .with_completions(&analyzer);
    for prefix in PREFIXES {
        let texts: Vec<String> = suggest
            .suggest(prefix, 10)
            .into_iter()
            .map(|suggestion| suggestion.text)
            .collect();
        writeln!(out, "suggest {prefix}: {}", texts.join(" | ")).unwrap();
    }
    out
}

#[test]
fn the_fixture_build_writes_what_it_wrote_before() {
    let scratch = tempfile::tempdir().unwrap();
    let generation = build_fixtures(scratch.path());
    let found = fingerprint(scratch.path(), &generation);
    let golden_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("LIVESEARCH_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden_path.parent().unwrap()).unwrap();
        std::fs::write(&golden_path, &found).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&golden_path).unwrap_or_else(|error| {
        panic!(
            "{GOLDEN}: {error}; write it with LIVESEARCH_UPDATE_GOLDEN=1 cargo test --test it build_golden"
        )
    });
    for (line, (found, expected)) in found.lines().zip(expected.lines()).enumerate() {
        assert_eq!(found, expected, "{GOLDEN} line {}", line + 1);
    }
    assert_eq!(
        found.lines().count(),
        expected.lines().count(),
        "{GOLDEN}: line count"
    );
}

#[test]
fn builds_on_one_and_on_three_threads_write_the_same_fingerprint() {
    // What the golden file pins must not depend on the machine's cores or
    // on timing (CI has two, a developer's laptop more).
    let build_with = |threads: usize| {
        let root = tempfile::tempdir().unwrap();
        let options = BuildOptions::new(fixtures_dir(), root.path())
            .threads(threads)
            .writer_memory_bytes(64 << 20);
        let generation = build(&options, &NoProgress).unwrap().manifest.generation;
        fingerprint(root.path(), &generation)
    };
    assert_eq!(build_with(1), build_with(3));
}

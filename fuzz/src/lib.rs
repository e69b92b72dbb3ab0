//! The bodies of the fuzz targets, as plain functions: the libFuzzer
//! binaries in `fuzz_targets/` call them, and so do the regression tests
//! below, which replay every file of `corpus/` and `regressions/` on stable
//! Rust with `cargo test`. Each function panics only on a broken invariant.

use std::sync::OnceLock;

use livesearch::analysis::{Analyzer, AnalyzerMode};
use livesearch::catalog::{
    parse_catalog_line, parse_logged_query, ANCHORS_FILE, PRODUCTS_FILE, QUERIES_FILE, VIDEOS_FILE,
};
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::{check_relative_path, parse_manifest, MANIFEST_FORMAT_VERSION};
use livesearch::search::decode_cursor;
use livesearch::suggest::index::{write_suggest_index, SuggestIndex};
use livesearch::suggest::keys::{
    classify, compact_pinyin, initials_prefixes, mixed_keys, pinyin_keys, syllable_prefixes,
};
use livesearch::suggest::{Candidate, Components};
use query_server::config::Limits;
use query_server::error::ErrorCode;
use query_server::params::Params;
use query_server::routes::{parse_search_query, MAX_LIST_VALUES};

fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(|| Analyzer::new(&Dictionaries::embedded()))
}

/// The first byte picks the file kind; the rest is the line.
pub fn catalog_line(data: &[u8]) {
    let Some((&selector, line)) = data.split_first() else {
        return;
    };
    let files = [ANCHORS_FILE, PRODUCTS_FILE, VIDEOS_FILE, QUERIES_FILE];
    let file = files[usize::from(selector) % files.len()];
    if let Err(reason) = parse_catalog_line(file, line) {
        assert!(!reason.is_empty(), "{file}: a reject without a reason");
    }
}

pub fn queries_tsv(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        match parse_logged_query(line) {
            Ok(query) => {
                assert!(query.count > 0, "{line:?}: a zero count accepted");
                assert!(
                    !query.query.trim().is_empty(),
                    "{line:?}: a blank query accepted"
                );
            }
            Err(reason) => assert!(!reason.is_empty()),
        }
    }
}

/// Both analyzer modes: offsets on character boundaries inside the text.
pub fn analyze(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut tokens = Vec::new();
    for mode in [AnalyzerMode::Index, AnalyzerMode::Query] {
        tokens.clear();
        analyzer().analyze_into(&text, mode, &mut tokens);
        for token in &tokens {
            assert!(token.offset_from <= token.offset_to && token.offset_to <= text.len());
            assert!(
                text.is_char_boundary(token.offset_from),
                "{text:?}: {token:?}"
            );
            assert!(
                text.is_char_boundary(token.offset_to),
                "{text:?}: {token:?}"
            );
        }
    }
}

/// A small suggestion index, built once per process, to run lookups on.
fn suggest_index() -> &'static SuggestIndex {
    static INDEX: OnceLock<(tempfile::TempDir, SuggestIndex)> = OnceLock::new();
    let (_, index) = INDEX.get_or_init(|| {
        let texts = [
            "连衣裙",
            "连衣裙夏",
            "长裙",
            "银行卡套",
            "李宁运动鞋",
            "iphone 15",
            "女装",
            "绿色",
            "重庆火锅",
            "行李箱",
        ];
        let candidates = texts
            .iter()
            .enumerate()
            .map(|(rank, text)| Candidate {
                text: text.to_string(),
                score: 1.0 - rank as f32 / 100.0,
                components: Components::default(),
            })
            .collect();
        let dir = tempfile::tempdir().expect("temporary folder");
        write_suggest_index(dir.path(), candidates).expect("index written");
        let analyzer = Analyzer::new(&Dictionaries::embedded());
        let index = SuggestIndex::open(dir.path())
            .expect("index opened")
            .with_completions(&analyzer);
        (dir, index)
    });
    index
}

/// Prefix normalisation, pinyin keys, and a lookup with its invariants.
pub fn suggest_keys(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = classify(&text);
    let _ = compact_pinyin(&text);
    let (full, initials) = pinyin_keys(&text);
    assert!(
        full.len() <= 4 && initials.len() <= 4,
        "{text:?}: too many readings"
    );
    let _ = syllable_prefixes(&text);
    let _ = initials_prefixes(&text);
    let _ = mixed_keys(&text);
    let limit = data.first().map_or(10, |byte| usize::from(*byte % 20) + 1);
    let suggestions = suggest_index().suggest(&text, limit);
    assert!(suggestions.len() <= limit);
    for (index, suggestion) in suggestions.iter().enumerate() {
        let repeated = suggestions[..index]
            .iter()
            .any(|s| s.text == suggestion.text);
        assert!(!repeated, "{text:?}: {} repeated", suggestion.text);
    }
}

/// The suggestion files of a generation as the server decodes them: the
/// first two bytes (little-endian) give the length of `keys.fst`, the rest
/// after it is `candidates.bin`. Whatever the bytes, decoding returns an
/// error or an index whose lookups stay in range (no panic, no abort on a
/// huge allocation).
pub fn suggest_table(data: &[u8]) {
    let Some((length, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let keys_length = usize::from(u16::from_le_bytes(*length)).min(rest.len());
    let (keys, table) = rest.split_at(keys_length);
    let index = match SuggestIndex::from_bytes(keys.to_vec(), table) {
        Ok(index) => index.with_completions(analyzer()),
        Err(error) => {
            assert!(error.file.starts_with("suggest/"), "{error}");
            assert!(!error.reason.is_empty());
            return;
        }
    };
    for typed in [
        "",
        "l",
        "lian",
        "连",
        "连y",
        "i",
        "zhang",
        "lainyi",
        "zanqun",
        "连衣q",
        "红色连",
        "女装lianyiqun",
        "lianyiqunxia",
    ] {
        let suggestions = index.suggest(typed, 20);
        assert!(suggestions.len() <= 20);
        assert!(suggestions.iter().all(|s| s.score.is_finite()), "{typed:?}");
    }
    let _ = index.probe("连衣裙");
    assert!(index.related("连衣裙", 10).len() <= 10);
}

/// A generation's manifest as the server reads it: accepted only in this
/// binary's format, with every listed path inside the generation.
pub fn manifest(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return; // read_manifest refuses invalid UTF-8 before parsing
    };
    match parse_manifest(text) {
        Ok(manifest) => {
            assert_eq!(manifest.format_version, MANIFEST_FORMAT_VERSION);
            for file in manifest.files.keys() {
                assert!(check_relative_path(file).is_ok(), "{file:?} accepted");
            }
        }
        Err(reason) => assert!(!reason.is_empty()),
    }
}

/// The query strings of `/v1/search` and `/v1/suggest`, parsed as the
/// handlers do: every failure is a 400 that names a parameter.
pub fn query_string(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return; // the HTTP layer hands over a &str
    };
    search_query_string(raw);
    let params = match Params::parse(Some(raw), &["q", "limit"]) {
        Ok(params) => params,
        Err(error) => return assert_names_a_parameter(raw, &error),
    };
    if let Err(error) = params.integer("limit", 1, 1..=100) {
        assert_names_a_parameter(raw, &error);
    }
}

/// `/v1/search` exactly as its handler parses it (filters, sort, facets,
/// cursor included); a cursor that decodes is checked against a generation.
fn search_query_string(raw: &str) {
    let limits = Limits::default();
    let (request, cursor) = match parse_search_query(Some(raw), &limits) {
        Ok(parsed) => parsed,
        Err(error) => return assert_names_a_parameter(raw, &error),
    };
    assert!(
        !request.query.trim().is_empty(),
        "{raw:?}: a blank q accepted"
    );
    assert!((1..=limits.max_limit).contains(&request.limit), "{raw:?}");
    assert!(request.offset <= limits.max_offset, "{raw:?}");
    let filters = &request.filters;
    for values in [&filters.brands, &filters.categories] {
        assert!(values.len() <= MAX_LIST_VALUES, "{raw:?}");
        assert!(values
            .iter()
            .all(|value| !value.trim().is_empty() && !value.contains(',')));
    }
    if let Some(cursor) = cursor {
        // Whatever was sent, decoding answers without panicking.
        let _ = decode_cursor(&cursor, "generation", request.fingerprint());
    }
}

fn assert_names_a_parameter(raw: &str, error: &query_server::error::ApiError) {
    assert_eq!(error.code, ErrorCode::InvalidParameter, "{raw:?}");
    assert!(error.parameter.is_some(), "{raw:?}: no parameter named");
}

#[cfg(test)]
mod regressions {
    use std::path::Path;

    /// Replays every saved input of `target` (seed corpus and past crashes).
    fn replay(target: &str, run: fn(&[u8])) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut replayed = 0;
        for folder in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(folder).join(target)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                run(&std::fs::read(&path).unwrap());
                replayed += 1;
            }
        }
        assert!(replayed > 0, "{target}: no saved inputs to replay");
    }

    /// One test per fuzz target, named after it, replaying its saved inputs
    /// through `run` (a function cannot declare tests).
    macro_rules! replay_tests {
        ($($target:ident => $run:path,)*) => {
            $(
                #[test]
                fn $target() {
                    replay(stringify!($target), $run);
                }
            )*
        };
    }

    replay_tests! {
        catalog_line => super::catalog_line,
        queries_tsv => super::queries_tsv,
        analyzer => super::analyze,
        suggest_keys => super::suggest_keys,
        query_string => super::query_string,
        suggest_table => super::suggest_table,
        manifest => super::manifest,
    }

    /// Writes seeds for `suggest_table` from the index the lookups use; run
    /// by hand (`cargo test -- --ignored write_suggest_table_seeds`).
    #[test]
    #[ignore]
    fn write_suggest_table_seeds() {
        let _ = super::suggest_index();
        let dir = tempfile::tempdir().unwrap();
        let texts = [
            "连衣裙",
            "连衣裙夏",
            "长裙",
            "李宁运动鞋",
            "iphone 15",
            "红色 连衣裙",
        ];
        let candidates: Vec<super::Candidate> = texts
            .iter()
            .enumerate()
            .map(|(rank, text)| super::Candidate {
                text: text.to_string(),
                score: 1.0 - rank as f32 / 10.0,
                components: super::Components {
                    documents: 1,
                    ..super::Components::default()
                },
            })
            .collect();
        // With next words and a blocklist, so the completion path reads
        // corrupted bytes too.
        let extras = livesearch::suggest::index::SuggestExtras {
            next_words: livesearch::suggest::next_words::next_words(&candidates, super::analyzer()),
            blocklist: vec!["高仿".to_string()],
            ..Default::default()
        };
        livesearch::suggest::index::write_suggest_index_with(dir.path(), candidates, extras)
            .unwrap();
        let keys = std::fs::read(dir.path().join("suggest/keys.fst")).unwrap();
        let table = std::fs::read(dir.path().join("suggest/candidates.bin")).unwrap();
        let mut seed = (keys.len() as u16).to_le_bytes().to_vec();
        seed.extend_from_slice(&keys);
        seed.extend_from_slice(&table);
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/suggest_table");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("seed-0"), &seed).unwrap();
        // The same table with a huge length prefix for the candidates.
        let mut huge = (keys.len() as u16).to_le_bytes().to_vec();
        huge.extend_from_slice(&keys);
        huge.extend_from_slice(&table[..1]);
        huge.extend_from_slice(&[0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x6f]);
        std::fs::write(out.join("seed-1"), &huge).unwrap();
    }
}

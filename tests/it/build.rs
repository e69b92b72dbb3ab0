//! Builds from the fixtures: manifest, counts, searchability, generations.

use livesearch::analysis::{register_analyzers, Analyzer};
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::{IndexRoot, INDEX_DIR};
use livesearch::schema::CatalogSchema;
use livesearch::Error;
use tantivy::collector::Count;
use tantivy::query::{PhraseQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use crate::support::{build_fixtures, build_into, fixtures_dir, ScratchCatalog};

#[test]
fn fixtures_build_into_a_complete_published_generation() {
    let root_dir = tempfile::tempdir().unwrap();
    let summary = build_into(&fixtures_dir(), root_dir.path()).unwrap();
    let manifest = &summary.manifest;

    let root = IndexRoot::new(root_dir.path());
    assert_eq!(
        root.current().unwrap().as_deref(),
        Some(manifest.generation.as_str())
    );
    assert_eq!(manifest.documents["product"], 360);
    assert_eq!(manifest.documents["anchor"], 30);
    assert_eq!(manifest.documents["live"], 24);
    assert_eq!(manifest.documents["video"], 170);
    assert_eq!(manifest.rejects, 0);
    assert_eq!(
        manifest.dictionary_checksum,
        Dictionaries::embedded().checksum()
    );
    assert_eq!(manifest.inputs.len(), 4);
    assert!(manifest.inputs.iter().all(|input| input.sha256.len() == 64));
    assert!(manifest.files.keys().any(|file| file.starts_with("index/")));
    manifest.verify_files(&summary.generation_dir).unwrap();
    assert_eq!(root.read_manifest(&manifest.generation).unwrap(), *manifest);
}

#[test]
fn the_index_finds_short_words_inside_long_ones_and_phrases() {
    let root_dir = tempfile::tempdir().unwrap();
    let summary = build_into(&fixtures_dir(), root_dir.path()).unwrap();
    let index = tantivy::Index::open_in_dir(summary.generation_dir.join(INDEX_DIR)).unwrap();
    register_analyzers(&index, &Analyzer::new(&Dictionaries::embedded()));
    let fields = CatalogSchema::from_schema(&index.schema()).unwrap();
    let searcher = index.reader().unwrap().searcher();
    let count_term = |field, word: &str| {
        let query = TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::Basic);
        searcher.search(&query, &Count).unwrap()
    };
    // 卫衣 alone finds the 连帽卫衣 titles too; in the precise field it does not.
    let whole_or_inside = count_term(fields.title, "卫衣");
    let hooded = count_term(fields.title_words, "连帽卫衣");
    let whole_only = count_term(fields.title_words, "卫衣");
    assert!(hooded > 0);
    assert!(
        whole_or_inside >= whole_only + hooded,
        "{whole_or_inside} {whole_only} {hooded}"
    );
    assert!(count_term(fields.title, "美特斯邦威") > 0);

    let phrase = PhraseQuery::new(vec![
        Term::from_field_text(fields.title, "直播间"),
        Term::from_field_text(fields.title, "卫衣"),
    ]);
    assert!(
        searcher.search(&phrase, &Count).unwrap() > 0,
        "phrase 直播间 卫衣 in a live caption"
    );
}

#[test]
fn old_generations_beyond_keep_are_removed_and_rollback_goes_back_one() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = IndexRoot::new(root_dir.path());
    let mut built = Vec::new();
    for _ in 0..4 {
        built.push(build_fixtures(root_dir.path()));
    }
    assert_eq!(root.complete_generations().unwrap(), built[1..].to_vec());

    let lock = root.lock().unwrap();
    let (from, to) = root.rollback(&lock).unwrap();
    assert_eq!(
        (from.as_str(), to.as_str()),
        (built[3].as_str(), built[2].as_str())
    );
    assert_eq!(root.current().unwrap().as_deref(), Some(built[2].as_str()));
    root.rollback(&lock).unwrap();
    assert!(
        matches!(root.rollback(&lock), Err(Error::NoOlderGeneration { .. })),
        "nothing older than the oldest"
    );
}

#[test]
fn a_partial_build_left_in_staging_is_cleaned_by_the_next_build() {
    let root_dir = tempfile::tempdir().unwrap();
    let partial = root_dir
        .path()
        .join("staging")
        .join("20260101T000000.000Z-dead");
    std::fs::create_dir_all(partial.join("index")).unwrap();
    std::fs::write(partial.join("index").join("half.idx"), b"partial").unwrap();
    let summary = build_into(&fixtures_dir(), root_dir.path()).unwrap();
    assert_eq!(
        summary.cleaned_partial_builds,
        ["20260101T000000.000Z-dead"]
    );
    assert!(!partial.exists());
}

#[test]
fn a_feed_over_the_reject_ratio_publishes_nothing() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = IndexRoot::new(root_dir.path());
    let good = build_fixtures(root_dir.path());

    let catalog = ScratchCatalog::from_fixtures();
    // 10 bad lines out of 370 products: 2.7%, over the default 1%.
    for _ in 0..10 {
        catalog.append("products.jsonl", "{not json\n");
    }
    let error = build_into(catalog.path(), root_dir.path()).unwrap_err();
    let Error::RejectRatioExceeded {
        file,
        rejected,
        rejects_path,
        ..
    } = &error
    else {
        panic!("unexpected error {error}");
    };
    assert_eq!(file, "products.jsonl");
    assert_eq!(*rejected, 10);
    assert_eq!(
        std::fs::read_to_string(rejects_path)
            .unwrap()
            .lines()
            .count(),
        10
    );
    assert!(error.to_string().contains("nothing was published"));
    assert_eq!(root.current().unwrap(), Some(good.clone()));
    assert_eq!(root.complete_generations().unwrap(), [good]);
}

#[test]
fn a_missing_catalog_publishes_nothing() {
    let root_dir = tempfile::tempdir().unwrap();
    let empty = ScratchCatalog::new();
    let error = build_into(empty.path(), root_dir.path()).unwrap_err();
    assert!(error.to_string().contains("products.jsonl"), "{error}");
    assert_eq!(IndexRoot::new(root_dir.path()).current().unwrap(), None);
}

#[test]
fn fixture_search_ranks_matching_documents_and_filters_by_type() {
    use livesearch::schema::DocType;
    use livesearch::search::{search, RankingConfig, SearchContext, SearchRequest};
    use livesearch::serving::open_index;

    let root_dir = tempfile::tempdir().unwrap();
    let summary = build_into(&fixtures_dir(), root_dir.path()).unwrap();
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let (index, fields) = open_index(&summary.generation_dir.join(INDEX_DIR), &analyzer).unwrap();
    let searcher = index.reader().unwrap().searcher();
    let request = |query: &str, doc_type| SearchRequest {
        query: query.to_string(),
        doc_type,
        limit: 10,
        offset: 0,
        explain: false,
        ..SearchRequest::default()
    };
    let config = RankingConfig::default();
    let context = SearchContext {
        searcher: &searcher,
        fields: &fields,
        analyzer: &analyzer,
        config: &config,
        suggest: None,
    };
    let results = search(&context, &request("美特斯邦威 卫衣", None)).unwrap();
    assert_eq!(results.tokens, ["美特斯邦威", "卫衣"]);
    assert!(!results.hits.is_empty());
    // The first hit has both words; relaxation never drops the product word.
    assert!(results.hits[0].title.contains("美特斯邦威"), "{results:?}");
    assert!(!results.dropped_words.contains(&"卫衣".to_string()));
    for hit in &results.hits {
        assert!(hit.title.contains("卫衣"), "{hit:?}");
    }

    let lives = search(&context, &request("直播间", Some(DocType::Live))).unwrap();
    assert!(!lives.hits.is_empty());
    assert!(lives.hits.iter().all(|hit| hit.doc_type == "live"));
    assert!(lives.total <= 24);
}

#[test]
fn suggestion_candidates_falling_past_the_shrink_limit_are_refused() {
    let root_dir = tempfile::tempdir().unwrap();
    let first = build_into(&fixtures_dir(), root_dir.path())
        .unwrap()
        .manifest;
    // With half the search log the documents stay, the candidates fall.
    // (Not with no log at all: the query shape learned from the log then
    // falls back to the configured limits, and more title phrases pass.)
    let catalog = ScratchCatalog::from_fixtures();
    let log = std::fs::read_to_string(fixtures_dir().join("queries.tsv")).unwrap();
    let half: String = log
        .lines()
        .take(log.lines().count() / 2)
        .map(|line| format!("{line}\n"))
        .collect();
    catalog.write("queries.tsv", &half);
    let options = |max_shrink: f64| {
        livesearch::build::BuildOptions::new(catalog.path(), root_dir.path())
            .threads(2)
            .writer_memory_bytes(64 << 20)
            .max_shrink(max_shrink)
    };
    let error =
        livesearch::build::build(&options(0.0), &livesearch::build::NoProgress).unwrap_err();
    let Error::ShrinkRefused {
        what,
        previous,
        now,
        ..
    } = &error
    else {
        panic!("not a shrink refusal: {error}");
    };
    assert_eq!(what, "suggestion candidates");
    assert_eq!(*previous, first.suggestion_candidates);
    assert!(*now < *previous, "{error}");
    assert_eq!(
        IndexRoot::new(root_dir.path())
            .current()
            .unwrap()
            .as_deref(),
        Some(first.generation.as_str())
    );
    assert!(
        root_dir
            .path()
            .join("staging")
            .read_dir()
            .unwrap()
            .next()
            .is_none(),
        "the refused build left its staging folder"
    );
    // Within the limit, it publishes.
    livesearch::build::build(&options(1.0), &livesearch::build::NoProgress).unwrap();
}

#[test]
fn options_are_checked_together_and_name_the_key_at_fault() {
    use livesearch::build::BuildOptions;
    use livesearch::search::RankingConfig;
    use livesearch::suggest::SuggestConfig;
    let option_of = |result: livesearch::Result<()>| match result {
        Err(Error::InvalidOption { option, .. }) => option,
        other => panic!("expected an invalid option, got {other:?}"),
    };
    // The writer indexes with at most 8 threads: the default memory suffices
    // on any number of cores.
    BuildOptions::new("in", "out")
        .threads(64)
        .validate()
        .unwrap();
    assert_eq!(
        option_of(
            BuildOptions::new("in", "out")
                .threads(2)
                .writer_memory_bytes(16 << 20)
                .validate()
        ),
        "--writer-memory-mib"
    );
    assert_eq!(
        option_of(BuildOptions::new("in", "out").max_shrink(1.5).validate()),
        "--max-shrink"
    );
    RankingConfig::default().validate().unwrap();
    let ranking = RankingConfig {
        sales_pivot: 0.0,
        ..RankingConfig::default()
    };
    assert_eq!(option_of(ranking.validate()), "ranking.sales_pivot");
    let ranking = RankingConfig {
        brand_boost: f32::NAN,
        ..RankingConfig::default()
    };
    assert_eq!(option_of(ranking.validate()), "ranking.brand_boost");
    SuggestConfig::default().validate().unwrap();
    let suggest = SuggestConfig {
        followers_weight: -1.0,
        ..SuggestConfig::default()
    };
    assert_eq!(option_of(suggest.validate()), "suggest.followers_weight");
}

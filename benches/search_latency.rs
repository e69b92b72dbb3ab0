//! Search at limit 10 and generation load time, in-process, on a generated
//! catalog of BENCH_PRODUCTS products (default 1,000,000). The generation is
//! built once and kept in `target/bench-search/<N>/` for later runs.
//!
//! Queries: the first jieba word of real Taobao queries (the vocabulary of
//! ../shared/data when present, the fixtures' otherwise), kept only when the
//! untimed warm-up finds hits for them, so every timed search asserts a hit.
//!
//! The same one-word queries are also timed with every facet (category,
//! brand, price buckets over all matches) and with two filters (the commonest
//! category and a price range) plus every facet: what a result page costs
//! beside a plain search. Those two run on a generation whose facet cache is
//! off (the 1,000 queries cycle, so a cache would answer all but the first
//! round); `limit_10_two_filters_facets_cached` is the same page with the
//! cache on, as the server runs it. The `_unprepared` rows run the same
//! searches through `search::search`, which opens every column and names
//! facet values from the term dictionaries on each search (what every
//! search did before `PreparedSearch`): the baseline of the same run.
//!
//! `cargo bench --bench search_latency` (BENCH_PRODUCTS=100000 for a quick run;
//! `-- generation_` for the load, verification and preparation figures only)

#[path = "support/catalog.rs"]
mod catalog;
#[path = "support/inputs.rs"]
mod inputs;

use std::path::PathBuf;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use livesearch::analysis::{Analyzer, AnalyzerMode};
use livesearch::build::{build, BuildOptions, NoProgress};
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::IndexRoot;
use livesearch::search::{
    search, FacetCacheLimits, FacetRequest, Filters, PreparedSearch, RankingConfig, SearchContext,
    SearchRequest,
};
use livesearch::serving::LoadedGeneration;

fn generation_root(products: usize) -> PathBuf {
    let base =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-search/{products}"));
    let root = base.join("root");
    let index_root = IndexRoot::new(&root);
    if let Ok(Some(current)) = index_root.current() {
        // A generation of an older manifest format is rebuilt.
        if index_root.read_manifest(&current).is_ok() {
            return root;
        }
        std::fs::remove_dir_all(&root).expect("old bench generation removed");
    }
    let vocabulary = catalog::Vocabulary::load();
    let catalog_dir = base.join("catalog");
    catalog::write_catalog(
        &catalog_dir,
        catalog::CatalogSize::for_products(products),
        42,
        &vocabulary,
    )
    .expect("catalog written");
    let options = BuildOptions::new(&catalog_dir, &root);
    build(&options, &NoProgress).expect("build succeeds");
    root
}

fn request(query: &str) -> SearchRequest {
    SearchRequest {
        query: query.to_string(),
        limit: 10,
        ..SearchRequest::default()
    }
}

/// Times `search` as `name`, each iteration on the next of `queries` in turn.
/// Queries a bench runs at the most, to keep a run short.
const MAX_QUERIES: usize = 1000;
/// Fewer queries than this make a bench too noisy to read.
const MIN_QUERIES: usize = 100;

/// Collects the queries of a bench, refusing to run on too few.
fn enough<Q>(queries: impl Iterator<Item = Q>, what: &str) -> Vec<Q> {
    let queries: Vec<Q> = queries.collect();
    assert!(
        queries.len() >= MIN_QUERIES,
        "only {} {what}",
        queries.len()
    );
    queries
}

fn bench_each_query<Q: AsRef<str>>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    queries: &[Q],
    mut search: impl FnMut(&str) -> usize,
) {
    let mut next = 0;
    group.bench_function(name, |b| {
        b.iter(|| {
            let query = queries[next % queries.len()].as_ref();
            next += 1;
            search(query)
        })
    });
}

fn bench(c: &mut Criterion) {
    let products: usize = inputs::env_usize("BENCH_PRODUCTS").unwrap_or(1_000_000);
    let root = generation_root(products);
    let index_root = IndexRoot::new(&root);
    let current = index_root.current().unwrap().unwrap();
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let ranking = RankingConfig::default();

    let mut group = c.benchmark_group(format!("generation_{products}"));
    group.sample_size(10);
    group.bench_function("load", |b| {
        b.iter(|| {
            let loaded = LoadedGeneration::open(&index_root, &current, &analyzer).unwrap();
            assert!(loaded.searcher().num_docs() as usize >= products);
            loaded
        })
    });
    // What `load` spends on checking every file against its manifest CRC-32,
    // beside tantivy's own footer checksums (`Index::validate_checksum`),
    // which cover the segment files only. Warm page cache: the files were
    // just read.
    let manifest = index_root.read_manifest(&current).unwrap();
    let generation_dir = index_root.generation_dir(&current);
    let bytes: u64 = manifest.files.values().map(|file| file.bytes).sum();
    println!(
        "generation of {products} products: {} files, {:.1} MiB",
        manifest.files.len(),
        bytes as f64 / (1 << 20) as f64
    );
    group.bench_function("verify_files_crc32", |b| {
        b.iter(|| manifest.verify_files(&generation_dir).unwrap())
    });
    let opened = LoadedGeneration::open(&index_root, &current, &analyzer).unwrap();
    group.bench_function("tantivy_validate_checksum", |b| {
        b.iter(|| {
            let failed = opened
                .reader
                .searcher()
                .index()
                .validate_checksum()
                .unwrap();
            assert!(failed.is_empty(), "{failed:?}");
        })
    });
    // What `load` spends on `PreparedSearch` (columns opened, category and
    // brand values of every segment read into one table).
    let searcher = opened.searcher();
    group.bench_function("prepare_search", |b| {
        b.iter(|| PreparedSearch::new(&searcher, FacetCacheLimits::default()).unwrap())
    });
    drop(opened);
    group.finish();

    let generation = LoadedGeneration::open(&index_root, &current, &analyzer).unwrap();
    let vocabulary = catalog::Vocabulary::load();
    let queries = vocabulary
        .queries
        .iter()
        .filter_map(|query| {
            analyzer
                .token_texts(query, AnalyzerMode::Query)
                .into_iter()
                .next()
        })
        .filter(|word| {
            let found = generation
                .search(&analyzer, &ranking, &request(word))
                .unwrap();
            !found.hits.is_empty()
        })
        .take(MAX_QUERIES);
    let queries = enough(queries, "one-word queries that find anything");
    println!("{} one-word real queries with hits", queries.len());
    let mut uncached = LoadedGeneration::open(&index_root, &current, &analyzer).unwrap();
    uncached.prepared = PreparedSearch::new(
        &uncached.searcher(),
        FacetCacheLimits {
            max_entries: 0,
            ..FacetCacheLimits::default()
        },
    )
    .unwrap();

    let mut group = c.benchmark_group(format!("search_{products}"));
    bench_each_query(&mut group, "limit_10", &queries, |query| {
        let found = generation
            .search(&analyzer, &ranking, &request(query))
            .unwrap();
        assert!(!found.hits.is_empty(), "{query}");
        found.total
    });
    let every_facet = FacetRequest {
        category: true,
        brand: true,
        price: true,
    };
    bench_each_query(&mut group, "limit_10_facets", &queries, |query| {
        let page = SearchRequest {
            facets: every_facet,
            ..request(query)
        };
        let found = uncached.search(&analyzer, &ranking, &page).unwrap();
        assert!(found.facets.is_some(), "{query}");
        found.total
    });
    let two_filters = Filters {
        categories: vec![catalog::CATEGORIES[0].to_string()],
        price_min_cents: Some(5_000),
        price_max_cents: Some(100_000),
        ..Filters::default()
    };
    for (name, searched) in [
        ("limit_10_two_filters_facets", &uncached),
        ("limit_10_two_filters_facets_cached", &generation),
    ] {
        bench_each_query(&mut group, name, &queries, |query| {
            let page = SearchRequest {
                facets: every_facet,
                filters: two_filters.clone(),
                ..request(query)
            };
            searched.search(&analyzer, &ranking, &page).unwrap().total
        });
    }
    let stats = generation.prepared.facet_cache_stats();
    println!("facet cache of the cached runs: {stats:?}");
    let searcher = generation.searcher();
    let context = SearchContext {
        searcher: &searcher,
        fields: &generation.fields,
        analyzer: &analyzer,
        config: &ranking,
        suggest: Some(&generation.suggest),
    };
    let pages = [
        (
            "limit_10_unprepared",
            FacetRequest::default(),
            Filters::default(),
        ),
        (
            "limit_10_facets_unprepared",
            every_facet,
            Filters::default(),
        ),
        (
            "limit_10_two_filters_facets_unprepared",
            every_facet,
            two_filters.clone(),
        ),
    ];
    for (name, facets, filters) in pages {
        bench_each_query(&mut group, name, &queries, |query| {
            let page = SearchRequest {
                facets,
                filters: filters.clone(),
                ..request(query)
            };
            search(&context, &page).unwrap().total
        });
    }
    // Whole real queries as typed: several words, most of them relaxed.
    let whole_queries = vocabulary
        .queries
        .iter()
        .filter(|query| analyzer.token_texts(query, AnalyzerMode::Query).len() >= 2)
        .take(MAX_QUERIES);
    let whole_queries = enough(whole_queries, "multi-word queries");
    bench_each_query(
        &mut group,
        "whole_queries_limit_10",
        &whole_queries,
        |query| {
            let found = generation
                .search(&analyzer, &ranking, &request(query))
                .unwrap();
            found.total
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

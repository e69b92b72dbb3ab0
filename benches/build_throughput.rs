//! Indexing throughput against the jieba-rs floor, in one run.
//!
//! Generates a catalog (BENCH_PRODUCTS products, default 1,000,000), then
//! times on the same titles and the same number of threads:
//! - the floor: jieba-rs `cut_for_search` alone over every product title;
//! - our analyzer alone (index mode) over the same titles;
//! - the whole build: read and validate, analyse, index, commit, sync, publish.
//!
//! `cargo bench --bench build_throughput` (BENCH_PRODUCTS=100000 for a quick run)

#[path = "support/catalog.rs"]
mod catalog;
#[path = "support/inputs.rs"]
mod inputs;

use std::time::Instant;

use livesearch::analysis::{Analyzer, AnalyzerMode};
use livesearch::build::{build, BuildOptions, NoProgress};
use livesearch::dictionaries::Dictionaries;
use rayon::prelude::*;

fn main() {
    if std::env::args().any(|arg| arg == "--help") {
        println!("build_throughput: set BENCH_PRODUCTS (default 1000000) and BENCH_THREADS (default all cores)");
        return;
    }
    let products: usize = inputs::env_usize("BENCH_PRODUCTS").unwrap_or(1_000_000);
    let threads: usize = inputs::env_usize("BENCH_THREADS")
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let work = tempfile::tempdir().expect("scratch directory");
    let vocabulary = catalog::Vocabulary::load();
    let size = catalog::CatalogSize::for_products(products);
    let titles = catalog::write_catalog(&work.path().join("catalog"), size, 42, &vocabulary)
        .expect("catalog written");
    let title_bytes: usize = titles.iter().map(String::len).sum();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();

    let jieba = jieba_rs::Jieba::new();
    let started = Instant::now();
    let floor_tokens: usize = pool.install(|| {
        titles
            .par_iter()
            .map(|title| jieba.cut_for_search(title, true).len())
            .sum()
    });
    let floor = started.elapsed();
    assert!(floor_tokens > titles.len(), "jieba produced too few tokens");

    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let started = Instant::now();
    let our_tokens: usize = pool.install(|| {
        titles
            .par_iter()
            .map(|title| {
                let mut tokens = Vec::new();
                analyzer.analyze_into(title, AnalyzerMode::Index, &mut tokens);
                tokens.len()
            })
            .sum()
    });
    let analysis = started.elapsed();
    assert!(
        our_tokens > titles.len(),
        "analyzer produced too few tokens"
    );

    let options =
        BuildOptions::new(work.path().join("catalog"), work.path().join("root")).threads(threads);
    let started = Instant::now();
    let summary = build(&options, &NoProgress).expect("build succeeds");
    let whole = started.elapsed();
    assert_eq!(summary.manifest.documents["product"], products as u64);

    let documents = summary.manifest.total_documents();
    let mb = title_bytes as f64 / 1e6;
    println!("catalog: {size:?}, vocabulary from {}", vocabulary.source);
    println!(
        "threads: {threads}; product titles: {} ({mb:.1} MB)",
        titles.len()
    );
    println!("| measure | time (s) | products/s | MB/s of titles | ratio to floor |");
    println!("|---|---|---|---|---|");
    let row = |name: &str, seconds: f64| {
        println!(
            "| {name} | {seconds:.2} | {:.0} | {:.1} | {:.2}x |",
            products as f64 / seconds,
            mb / seconds,
            seconds / floor.as_secs_f64()
        );
    };
    row(
        "floor: jieba-rs cut_for_search (titles only)",
        floor.as_secs_f64(),
    );
    row(
        "our analyzer, index mode (titles only)",
        analysis.as_secs_f64(),
    );
    row(
        "whole build (all documents, published)",
        whole.as_secs_f64(),
    );
    println!(
        "documents in the generation: {documents}; suggestion candidates: {}; build phases (ms): {:?}",
        summary.manifest.suggestion_candidates, summary.manifest.timings_ms
    );
}

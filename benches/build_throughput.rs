//! Indexing throughput against the jieba-rs floor, in one run.
//!
//! Generates a catalog (BENCH_PRODUCTS products, default 1,000,000), then
//! times on the same texts and the same number of threads:
//! - the floor: jieba-rs `cut_for_search` alone over every product title
//!   and video caption;
//! - our analyzer alone (index mode) over the same texts;
//! - the whole build: read and validate, analyse, index, mine and write
//!   suggestions, sync, publish; with its peak resident memory (Linux).
//!
//! `BENCH_CATALOG=real` takes the videos from the real captions of
//! ../shared/data (KuaiRec, Bilibili) and adds its dated hot-search log;
//! the default generates videos from the titles.
//!
//! `cargo bench --bench build_throughput` (BENCH_PRODUCTS=100000 for a quick run)

#[path = "support/catalog.rs"]
mod catalog;
#[path = "support/inputs.rs"]
mod inputs;

use std::time::Instant;

/// The indexer binary's allocator and its option (freed memory purged at
/// once, `mi_option_purge_delay` = 15), so the build is timed as it runs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const _: () = assert!(libmimalloc_sys::mi_option_use_numa_nodes == MI_OPTION_PURGE_DELAY + 1);

use livesearch::analysis::{Analyzer, AnalyzerMode};
use livesearch::build::{build, BuildOptions, NoProgress};
use livesearch::dictionaries::Dictionaries;
use livesearch::process;
use rayon::prelude::*;

fn main() {
    if std::env::args().any(|arg| arg == "--help") {
        println!("build_throughput: set BENCH_PRODUCTS (default 1000000), BENCH_THREADS (default all cores) and BENCH_CATALOG (generated or real)");
        return;
    }
    // SAFETY: sets one integer option of the allocator.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    let products: usize = inputs::env_usize("BENCH_PRODUCTS").unwrap_or(1_000_000);
    let threads: usize = inputs::env_usize("BENCH_THREADS")
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let work = tempfile::tempdir().expect("scratch directory");
    let vocabulary = catalog::Vocabulary::load();
    let real = std::env::var("BENCH_CATALOG").is_ok_and(|kind| kind == "real");
    let size = if real {
        catalog::CatalogSize::real_media(products)
    } else {
        catalog::CatalogSize::for_products(products)
    };
    let texts = catalog::write_catalog_texts(&work.path().join("catalog"), size, 42, &vocabulary)
        .expect("catalog written");
    let input_bytes = directory_bytes(&work.path().join("catalog"));
    let titles: Vec<&str> = texts
        .titles
        .iter()
        .chain(&texts.captions)
        .map(String::as_str)
        .collect();
    let title_bytes: usize = titles.iter().map(|text| text.len()).sum();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();

    let jieba = jieba_rs::Jieba::new();
    let floor_cpu_before = process::cpu_seconds();
    let started = Instant::now();
    let floor_tokens: usize = pool.install(|| {
        titles
            .par_iter()
            .map(|title| jieba.cut_for_search(title, true).len())
            .sum()
    });
    let floor = started.elapsed();
    let floor_cpu = process::cpu_seconds()
        .zip(floor_cpu_before)
        .map(|(after, before)| after - before);
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
    process::reset_peak_resident();
    let rss_before = process::resident_bytes();
    let cpu_before = process::cpu_seconds();
    let started = Instant::now();
    let summary = build(&options, &NoProgress).expect("build succeeds");
    let whole = started.elapsed();
    let build_cpu = process::cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let peak_rss = process::peak_resident_bytes();
    assert_eq!(summary.manifest.documents["product"], products as u64);

    let documents = summary.manifest.total_documents();
    let mb = title_bytes as f64 / 1e6;
    println!("catalog: {size:?}, vocabulary from {}", vocabulary.source);
    println!(
        "threads: {threads}; product titles and captions: {} + {} ({mb:.1} MB); catalog files {:.1} MB",
        texts.titles.len(),
        texts.captions.len(),
        input_bytes as f64 / 1e6
    );
    println!("| measure | time (s) | products/s | MB/s of text | ratio to floor |");
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
        "floor: jieba-rs cut_for_search (titles and captions)",
        floor.as_secs_f64(),
    );
    row(
        "our analyzer, index mode (titles and captions)",
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
    if let (Some(cpu), Some(floor_cpu)) = (build_cpu, floor_cpu) {
        println!(
            "CPU time (user + system, all threads): floor {floor_cpu:.2} s, whole build {cpu:.2} s = {:.1}x the floor",
            cpu / floor_cpu
        );
    }
    match (peak_rss, rss_before) {
        (Some(peak), Some(before)) => println!(
            "peak resident memory of the build: {:.0} MB (resident before it: {:.0} MB; catalog files {:.0} MB, writer budget {} MB)",
            peak as f64 / 1e6,
            before as f64 / 1e6,
            input_bytes as f64 / 1e6,
            livesearch::build::DEFAULT_WRITER_MEMORY_MIB
        ),
        _ => println!("peak resident memory: not available on this system"),
    }
}

fn directory_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("catalog directory")
        .filter_map(|entry| entry.ok()?.metadata().ok())
        .map(|metadata| metadata.len())
        .sum()
}

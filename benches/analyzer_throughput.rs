//! Analyzer throughput in MB/s against its floor, raw jieba-rs
//! `cut_for_search`, on the same generated product titles (BENCH_TITLES,
//! default 20,000), one thread. Each timed pass asserts the token count it
//! produced, so a broken analyzer cannot look fast.
//!
//! `cargo bench --bench analyzer_throughput`

#[path = "support/catalog.rs"]
mod catalog;
#[path = "support/inputs.rs"]
mod inputs;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use livesearch::analysis::{Analyzer, AnalyzerMode};
use livesearch::dictionaries::Dictionaries;

fn bench(c: &mut Criterion) {
    let count: usize = inputs::env_usize("BENCH_TITLES").unwrap_or(20_000);
    let vocabulary = catalog::Vocabulary::load();
    let mut rng = catalog::Rng::new(42);
    let titles: Vec<String> = (0..count).map(|_| vocabulary.title(&mut rng)).collect();
    let bytes: usize = titles.iter().map(String::len).sum();

    let jieba = jieba_rs::Jieba::new();
    let floor_tokens: usize = titles
        .iter()
        .map(|t| jieba.cut_for_search(t, true).len())
        .sum();
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let mut buffer = Vec::new();
    let analyze_all = |buffer: &mut Vec<_>| -> usize {
        titles
            .iter()
            .map(|title| {
                buffer.clear();
                analyzer.analyze_into(title, AnalyzerMode::Index, buffer);
                buffer.len()
            })
            .sum()
    };
    let our_tokens = analyze_all(&mut buffer);
    assert!(floor_tokens >= count && our_tokens >= count);

    let mut group = c.benchmark_group(format!("analyze_{count}_titles"));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.bench_function("floor_jieba_rs_cut_for_search", |b| {
        b.iter(|| {
            let tokens: usize = titles
                .iter()
                .map(|t| jieba.cut_for_search(t, true).len())
                .sum();
            assert_eq!(tokens, floor_tokens);
        })
    });
    group.bench_function("ours_index_mode", |b| {
        b.iter(|| assert_eq!(analyze_all(&mut buffer), our_tokens))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Suggestion lookup in-process at 1,000,000 candidates (BENCH_CANDIDATES):
//! hanzi, full-pinyin, initials, mixed, mistyped pinyin and rare prefixes
//! answered by completion, plus the structures' build time, size on disk
//! and load time.
//!
//! Candidates: the real queries of ../shared/data (Taobao, Youku, Douyin hot
//! lists) plus brand + title-fragment phrases until the count is reached,
//! with heavy-tailed popularity. Prefixes are those users type on the way to
//! real Taobao queries. Every timed lookup asserts it found something.
//!
//! `cargo bench --bench suggest_lookup`

#[path = "support/catalog.rs"]
mod catalog;
#[path = "support/inputs.rs"]
mod inputs;

use std::collections::HashSet;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use livesearch::analysis::Analyzer;
use livesearch::dictionaries::Dictionaries;
use livesearch::suggest::index::{write_suggest_index_with, SuggestExtras};
use livesearch::suggest::keys::{initials_prefixes, syllable_prefixes};
use livesearch::suggest::next_words::next_words;
use livesearch::suggest::{Candidate, Components, MatchKind, SuggestIndex};
use livesearch::text::normalize;

fn candidates(count: usize, vocabulary: &catalog::Vocabulary) -> Vec<Candidate> {
    let mut rng = catalog::Rng::new(7);
    let mut seen = HashSet::with_capacity(count);
    let mut texts = Vec::with_capacity(count);
    let mut push = |text: String, texts: &mut Vec<String>| {
        let text = normalize(&text);
        if (2..=24).contains(&text.chars().count()) && seen.insert(text.clone()) {
            texts.push(text);
        }
    };
    if let Some(dir) = catalog::shared_data_dir() {
        for file in ["queries/taobao_queries.txt", "queries/youku_queries.txt"] {
            for line in std::fs::read_to_string(dir.join(file))
                .unwrap_or_default()
                .lines()
            {
                push(line.to_string(), &mut texts);
            }
        }
    }
    for query in &vocabulary.queries {
        push(query.clone(), &mut texts);
    }
    let mut attempts = 0;
    while texts.len() < count && attempts < count * 20 {
        attempts += 1;
        let brand = &vocabulary.brands[rng.skewed(vocabulary.brands.len())];
        let fragment = &vocabulary.fragments[rng.below(vocabulary.fragments.len())];
        let fragment: String = fragment.chars().take(8).collect();
        push(format!("{brand}{fragment}"), &mut texts);
    }
    texts.truncate(count);
    // Heavy-tailed popularity by a random rank, most popular first.
    let mut scored: Vec<Candidate> = texts
        .into_iter()
        .map(|text| Candidate {
            text,
            score: (1.0 / (1.0 + rng.below(1_000_000) as f64).sqrt()) as f32,
            components: Components::default(),
        })
        .collect();
    scored.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.text.cmp(&b.text))
    });
    scored
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// The first `count` characters of `text` (a syllable may hold a
/// non-ASCII letter such as ⅹ).
fn prefix_chars(text: &str, count: usize) -> &str {
    let end = text
        .char_indices()
        .nth(count)
        .map_or(text.len(), |(at, _)| at);
    &text[..end]
}

fn bench(c: &mut Criterion) {
    let count: usize = inputs::env_usize("BENCH_CANDIDATES").unwrap_or(1_000_000);
    let vocabulary = catalog::Vocabulary::load();
    let candidates = candidates(count, &vocabulary);
    let made = candidates.len();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let extras = SuggestExtras {
        next_words: next_words(&candidates, &analyzer),
        ..SuggestExtras::default()
    };
    write_suggest_index_with(dir.path(), candidates, extras).unwrap();
    let build = started.elapsed();
    let started = Instant::now();
    let index = SuggestIndex::open(dir.path())
        .unwrap()
        .with_completions(&analyzer);
    let load = started.elapsed();
    let size = dir_size(&dir.path().join("suggest"));
    println!(
        "candidates: {made}; structures built in {:.2} s; on disk {:.1} MB; loaded in {:.0} ms",
        build.as_secs_f64(),
        size as f64 / 1e6,
        load.as_secs_f64() * 1e3
    );

    // Prefixes users type on the way to real queries (not necessarily candidates).
    let mut rng = catalog::Rng::new(11);
    let targets: Vec<String> = (0..4000)
        .map(|_| normalize(&vocabulary.queries[rng.below(vocabulary.queries.len())]))
        .filter(|query| query.chars().any(livesearch::text::is_han))
        .collect();
    // The same index without completions tells which prefixes are rare.
    let whole_prefix_only = SuggestIndex::open(dir.path()).unwrap();
    let mut rare_rng = catalog::Rng::new(13);
    let mut kinds: Vec<(&str, Vec<String>)> = vec![
        ("hanzi", vec![]),
        ("pinyin", vec![]),
        ("initials", vec![]),
        ("mixed", vec![]),
        // Full pinyin of 4+ letters with one typo (two letters swapped, or
        // zh/ch/sh written z/c/s): the fuzzy and typo tiers at work.
        ("pinyin_fuzzy_or_typo", vec![]),
        // The start of one query then the first character of another
        // (宠物狗 + 牵): a prefix few candidates begin with, completed.
        ("rare_hanzi_completed", vec![]),
    ];
    for target in &targets {
        let chars: Vec<char> = target.chars().collect();
        let hanzi_len = 1 + rng.below(chars.len().min(3));
        kinds[0].1.push(chars[..hanzi_len].iter().collect());
        let syllables = syllable_prefixes(target);
        let pinyin = &syllables[rng.below(syllables.len().min(3))];
        let cut = 1 + rng.below(pinyin.chars().count());
        kinds[1].1.push(prefix_chars(pinyin, cut).to_string());
        let initials = initials_prefixes(target);
        kinds[2]
            .1
            .push(initials[rng.below(initials.len().min(4))].clone());
        if chars.len() >= 2 {
            let next = syllables[1]
                .strip_prefix(&syllables[0])
                .unwrap_or("")
                .to_string();
            let letters = 1 + rng.below(next.len().max(1));
            kinds[3]
                .1
                .push(format!("{}{}", chars[0], prefix_chars(&next, letters)));
        }
        let spelled = &syllables[syllables.len().min(2) - 1];
        if spelled.len() >= 4 && spelled.is_ascii() {
            let confused = spelled.replacen("zh", "z", 1).replacen("sh", "s", 1);
            let mistyped = if confused != *spelled {
                confused
            } else {
                let mut bytes = spelled.clone().into_bytes();
                let at = 1 + rng.below(bytes.len() - 2);
                bytes.swap(at, at + 1);
                String::from_utf8(bytes).unwrap_or_default()
            };
            kinds[4].1.push(mistyped);
        }
        // Its own generator, so the other kinds' prefixes stay those of
        // earlier runs.
        let other: Vec<char> = targets[rare_rng.below(targets.len())].chars().collect();
        let kept = 2 + rare_rng.below(chars.len().clamp(1, 3));
        let rare: String = chars.iter().take(kept).chain(&other[..1]).collect();
        if whole_prefix_only.suggest(&rare, 10).len() < 10 {
            kinds[5].1.push(rare);
        }
    }
    let mut group = c.benchmark_group("suggest");
    for (kind, prefixes) in kinds {
        let answered: Vec<String> = prefixes
            .into_iter()
            .filter(|p| !index.suggest(p, 10).is_empty())
            .take(1000)
            .collect();
        assert!(!answered.is_empty(), "no {kind} prefix found anything");
        if kind == "rare_hanzi_completed" {
            let completed = answered
                .iter()
                .filter(|p| {
                    index
                        .suggest(p, 10)
                        .iter()
                        .any(|s| s.match_kind == MatchKind::Completion)
                })
                .count();
            println!(
                "rare prefixes: {} answered, {completed} with a completion shown",
                answered.len()
            );
            assert!(completed * 2 >= answered.len(), "completions missing");
        }
        let mut next = 0;
        group.bench_function(BenchmarkId::new(kind, made), |b| {
            b.iter(|| {
                let prefix = &answered[next % answered.len()];
                next += 1;
                let shown = index.suggest(std::hint::black_box(prefix), 10);
                assert!(!shown.is_empty() && shown.len() <= 10);
                shown
            })
        });
    }
    // Long and odd input a client may send on any keystroke: the rest
    // completed is bounded, so these cost no more than a short prefix.
    let worst: Vec<String> = vec![
        format!("连衣裙{}", "q".repeat(56)),
        format!("女装{}", "qian".repeat(15)),
        "宠物狗牵引绳大型犬中型犬小型犬泰迪金毛".to_string(),
        "zhongjijingjishitikuzhongjijingjishitiku".to_string(),
        // Letters after hanzi read as several words, then completed.
        "宠物狗qianyinshengdaxingq".to_string(),
        format!("宠物{}", "牵".repeat(60)),
    ];
    let mut next = 0;
    group.bench_function(BenchmarkId::new("long_or_odd_input", made), |b| {
        b.iter(|| {
            let typed = &worst[next % worst.len()];
            next += 1;
            let shown = index.suggest(std::hint::black_box(typed), 10);
            assert!(shown.len() <= 10);
            shown
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = bench
}
criterion_main!(benches);

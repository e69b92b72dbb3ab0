//! Our side of the in-process peer comparison: opens the current generation
//! of an index root (timed: the generation load), then on one thread times
//! every query (`search` at limit 10) and every prefix (suggestion lookup,
//! limit 10). Prints JSON lines shaped like `search_peers.py`'s.
//!
//! `cargo run --release --example ours_inprocess -- --index-root ROOT --queries q.txt --prefixes p.txt`

#[path = "../support/inputs.rs"]
mod inputs;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use inputs::non_blank_lines;
use livesearch::analysis::Analyzer;
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::IndexRoot;
use livesearch::search::{RankingConfig, SearchRequest};
use livesearch::serving::LoadedGeneration;

#[derive(Parser)]
#[command(about = "Times generation load, search and suggestion lookups in-process, one thread")]
struct Args {
    #[arg(long)]
    index_root: PathBuf,
    /// Raw queries, one per line.
    #[arg(long)]
    queries: PathBuf,
    /// Typed prefixes, one per line.
    #[arg(long)]
    prefixes: PathBuf,
}

fn timed(items: &[String], mut run: impl FnMut(&str) -> bool) -> serde_json::Value {
    let mut latencies = Vec::with_capacity(items.len());
    let mut nonempty = 0;
    let started = Instant::now();
    for item in items {
        let begin = Instant::now();
        if run(item) {
            nonempty += 1;
        }
        latencies.push(begin.elapsed().as_secs_f64());
    }
    let total = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize] * 1000.0;
    serde_json::json!({
        "count": items.len(), "seconds": total, "per_s": items.len() as f64 / total,
        "p50_ms": pick(0.5), "p99_ms": pick(0.99),
        "mean_ms": latencies.iter().sum::<f64>() / latencies.len() as f64 * 1000.0,
        "nonempty_share": nonempty as f64 / items.len() as f64,
    })
}

fn emit(measure: &str, mut values: serde_json::Value) {
    values["peer"] = "ours".into();
    values["version"] = env!("CARGO_PKG_VERSION").into();
    values["measure"] = measure.into();
    println!("{values}");
}

fn main() {
    let args = Args::parse();
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let root = IndexRoot::new(&args.index_root);
    let current = root
        .current()
        .expect("CURRENT readable")
        .expect("a generation is published");
    let started = Instant::now();
    let generation = LoadedGeneration::open(&root, &current, &analyzer).expect("generation opens");
    emit(
        "load",
        serde_json::json!({ "seconds": started.elapsed().as_secs_f64() }),
    );
    let queries = non_blank_lines(&args.queries);
    let prefixes = non_blank_lines(&args.prefixes);
    assert!(!queries.is_empty() && !prefixes.is_empty());
    let ranking = RankingConfig::default();
    emit(
        "query",
        timed(&queries, |query| {
            let request = SearchRequest {
                query: query.to_string(),
                limit: 10,
                ..SearchRequest::default()
            };
            let results = generation
                .search(&analyzer, &ranking, &request)
                .expect("search runs");
            !results.hits.is_empty()
        }),
    );
    emit(
        "prefix",
        timed(&prefixes, |prefix| {
            !generation.suggest.suggest(prefix, 10).is_empty()
        }),
    );
}

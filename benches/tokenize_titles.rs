//! Times tokenization of a titles file (one title per line) on one thread:
//! raw jieba-rs `cut_for_search` (the floor) and our index analyzer. Prints
//! one JSON line per measure, for `benches/peers/tokenize.sh`.
//!
//! `cargo run --release --example tokenize_titles -- --titles titles.txt`

use std::time::Instant;

use clap::Parser;
use livesearch::analysis::{Analyzer, AnalyzerMode};
use livesearch::dictionaries::Dictionaries;

#[derive(Parser)]
#[command(about = "Times jieba-rs and our analyzer over a titles file, one thread")]
struct Args {
    /// One title per line.
    #[arg(long)]
    titles: std::path::PathBuf,
    /// Timed passes; the fastest is reported.
    #[arg(long, default_value_t = 3)]
    passes: usize,
    /// Instead of timing, write `line<TAB>tokens` (jieba-rs `cut_for_search`,
    /// lowercased, space-separated) here: the text fed to the search peers.
    #[arg(long)]
    write_tokens: Option<std::path::PathBuf>,
}

fn report(name: &str, titles: &[&str], tokens: usize, seconds: f64) {
    let bytes: usize = titles.iter().map(|title| title.len()).sum();
    let line = serde_json::json!({
        "name": name, "titles": titles.len(), "tokens": tokens, "seconds": seconds,
        "mb_per_s": bytes as f64 / 1e6 / seconds,
    });
    println!("{line}");
}

fn fastest(passes: usize, mut run: impl FnMut() -> usize) -> (usize, f64) {
    let mut best = f64::INFINITY;
    let mut tokens = 0;
    for _ in 0..passes.max(1) {
        let started = Instant::now();
        tokens = run();
        best = best.min(started.elapsed().as_secs_f64());
    }
    (tokens, best)
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let text = std::fs::read_to_string(&args.titles)?;
    let titles: Vec<&str> = text.lines().filter(|line| !line.is_empty()).collect();

    let jieba = jieba_rs::Jieba::new();
    if let Some(path) = &args.write_tokens {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        for (line, title) in titles.iter().enumerate() {
            let words: Vec<String> = jieba
                .cut_for_search(title, true)
                .into_iter()
                .map(|token| token.word.trim().to_lowercase())
                .filter(|word| !word.is_empty() && word.chars().any(char::is_alphanumeric))
                .collect();
            writeln!(out, "{}\t{}", line + 1, words.join(" "))?;
        }
        return out.flush();
    }
    let (tokens, seconds) = fastest(args.passes, || {
        titles
            .iter()
            .map(|t| jieba.cut_for_search(t, true).len())
            .sum()
    });
    assert!(tokens >= titles.len());
    report("jieba-rs cut_for_search (floor)", &titles, tokens, seconds);

    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let mut buffer = Vec::new();
    let (tokens, seconds) = fastest(args.passes, || {
        titles
            .iter()
            .map(|title| {
                buffer.clear();
                analyzer.analyze_into(title, AnalyzerMode::Index, &mut buffer);
                buffer.len()
            })
            .sum()
    });
    assert!(tokens >= titles.len());
    report("ours: index analyzer", &titles, tokens, seconds);
    Ok(())
}

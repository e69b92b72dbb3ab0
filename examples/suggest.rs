//! Builds the fixtures into a temporary root and prints suggestions for each argument.
//! `cargo run --release --example suggest -- lyq 连衣 连yi iph`

use livesearch::analysis::Analyzer;
use livesearch::build::{build, BuildOptions, NoProgress};
use livesearch::dictionaries::Dictionaries;
use livesearch::suggest::SuggestIndex;

fn main() {
    let root = tempfile::tempdir().unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let summary = build(&BuildOptions::new(fixtures, root.path()), &NoProgress).unwrap();
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let index = SuggestIndex::open(&summary.generation_dir)
        .unwrap()
        .with_completions(&analyzer);
    println!("{} candidates", index.len());
    for typed in std::env::args().skip(1) {
        let shown: Vec<String> = index
            .suggest(&typed, 10)
            .into_iter()
            .map(|s| format!("{}({:?} {:.3})", s.text, s.match_kind, s.score))
            .collect();
        println!("{typed:>8}: {}", shown.join("  "));
    }
}

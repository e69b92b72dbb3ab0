//! Prints the query-mode and index-mode tokens of each argument.
//! `cargo run --release --example tokens -- 美特斯邦威卫衣男连帽加绒`

use livesearch::analysis::{Analyzer, AnalyzerMode};
use livesearch::dictionaries::Dictionaries;

fn main() {
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    for text in std::env::args().skip(1) {
        println!("{text}");
        println!(
            "  query: {}",
            analyzer.token_texts(&text, AnalyzerMode::Query).join(" | ")
        );
        println!(
            "  index: {}",
            analyzer.token_texts(&text, AnalyzerMode::Index).join(" | ")
        );
    }
}

//! Prints the labelled entities the index analyzer most often fails to keep
//! whole, with how it split them: a guide for dictionary work.
//! `cargo run --release --example entity_misses -- ../shared/data/products/taobao_titles_labeled.tsv HPPX`

use std::collections::{HashMap, HashSet};

use livesearch::analysis::{Analyzer, AnalyzerMode};
use livesearch::dictionaries::Dictionaries;
use livesearch::text::normalize;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: entity_misses FILE TYPE [TOP]");
    let wanted = args.next().unwrap_or_else(|| "HPPX".to_string());
    let top: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(40);
    let text = std::fs::read_to_string(&path).expect("readable file");
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let mut misses: HashMap<String, (usize, String)> = HashMap::new();
    for line in text.lines() {
        let Some((title, labels)) = line.split_once('\t') else {
            continue;
        };
        let tokens: HashSet<String> = analyzer
            .token_texts(title, AnalyzerMode::Index)
            .into_iter()
            .collect();
        let normalized_title = normalize(title);
        for label in labels.split(' ') {
            let Some((entity, entity_type)) = label.rsplit_once('/') else {
                continue;
            };
            let entity = normalize(entity);
            if entity_type != wanted
                || entity.is_empty()
                || !normalized_title.contains(&entity)
                || tokens.contains(&entity)
            {
                continue;
            }
            let split = analyzer.token_texts(&entity, AnalyzerMode::Query).join("|");
            misses.entry(entity).or_insert((0, split)).0 += 1;
        }
    }
    let mut misses: Vec<_> = misses.into_iter().collect();
    misses.sort_by_key(|(_, (count, _))| std::cmp::Reverse(*count));
    for (entity, (count, split)) in misses.into_iter().take(top) {
        println!("{count:>4} {entity} -> {split}");
    }
}

//! The words that follow a word in the candidates (宠物狗 → 牵引绳, 衣服,
//! 狗粮), for completing a prefix no candidate begins with: after
//! 宠物狗牵, the words logged or titled after 狗 that begin with 牵 are
//! likelier than whatever 牵 begins most often.
//!
//! Built with the candidates: every pair of adjacent words of a candidate
//! (a logged query or a kept phrase of the titles) is counted once per
//! candidate; each word keeps its most frequent next words.

use rustc_hash::FxHashMap;

use super::mine::Candidate;
use crate::analysis::Analyzer;

/// Next words kept per word, the most frequent first.
pub const NEXT_WORDS_PER_WORD: usize = 32;

/// A word and the words that follow it.
#[derive(Debug, Clone, PartialEq, bincode::Encode, bincode::Decode)]
pub struct NextWords {
    /// The word (normalised).
    pub word: String,
    /// The words seen right after it, the most frequent first (ties: the
    /// more popular candidate first).
    pub next: Vec<String>,
}

/// The next words of every word of `candidates` (most popular first),
/// sorted by word.
pub fn next_words(candidates: &[Candidate], analyzer: &Analyzer) -> Vec<NextWords> {
    next_words_of(&candidate_words(candidates, analyzer))
}

/// The words of each candidate (`Analyzer::words`), in candidate order:
/// segmented once for the next words and the related searches.
pub fn candidate_words(candidates: &[Candidate], analyzer: &Analyzer) -> Vec<Vec<String>> {
    use rayon::prelude::*;
    candidates
        .par_iter()
        .map(|candidate| analyzer.words(&candidate.text))
        .collect()
}

/// [`next_words`] from the words of each candidate (most popular first).
pub fn next_words_of(words_of: &[Vec<String>]) -> Vec<NextWords> {
    // (word, next word) → (candidates holding the pair, first candidate id)
    let mut pairs: FxHashMap<(&str, &str), (u32, u32)> = FxHashMap::default();
    for (id, words) in words_of.iter().enumerate() {
        let mut seen_here: Vec<(&str, &str)> = Vec::new();
        for pair in words.windows(2) {
            let key = (pair[0].as_str(), pair[1].as_str());
            if key.0 == key.1 || seen_here.contains(&key) {
                continue;
            }
            seen_here.push(key);
            let entry = pairs.entry(key).or_insert((0, id as u32));
            entry.0 += 1;
        }
    }
    let mut by_word: FxHashMap<&str, Vec<(u32, u32, &str)>> = FxHashMap::default();
    for ((word, next), (count, first)) in pairs {
        by_word.entry(word).or_default().push((count, first, next));
    }
    let mut table: Vec<NextWords> = by_word
        .into_iter()
        .map(|(word, mut next)| {
            next.sort_unstable_by(|left, right| {
                right
                    .0
                    .cmp(&left.0)
                    .then(left.1.cmp(&right.1))
                    .then(left.2.cmp(right.2))
            });
            NextWords {
                word: word.to_string(),
                next: next
                    .into_iter()
                    .take(NEXT_WORDS_PER_WORD)
                    .map(|(_, _, next)| next.to_string())
                    .collect(),
            }
        })
        .collect();
    table.sort_unstable_by(|left, right| left.word.cmp(&right.word));
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dictionaries::Dictionaries;
    use crate::suggest::mine::Components;

    fn candidate(text: &str) -> Candidate {
        Candidate {
            text: text.to_string(),
            score: 0.5,
            components: Components::default(),
        }
    }

    #[test]
    fn counts_each_pair_once_per_candidate_most_frequent_first() {
        let analyzer = Analyzer::new(&Dictionaries::embedded());
        let candidates: Vec<Candidate> = [
            "宠物狗 衣服",
            "宠物狗 牵引绳",
            "宠物狗 牵引绳 宠物狗 牵引绳",
            "宠物狗 牵引绳 大型犬",
        ]
        .into_iter()
        .map(candidate)
        .collect();
        let table = next_words(&candidates, &analyzer);
        let after = |word: &str| {
            table
                .iter()
                .find(|entry| entry.word == word)
                .map(|entry| entry.next.clone())
                .unwrap_or_default()
        };
        assert_eq!(after("宠物狗"), vec!["牵引绳", "衣服"]);
        assert_eq!(after("牵引绳"), vec!["宠物狗", "大型犬"]);
        assert!(after("大型犬").is_empty());
        assert!(table.windows(2).all(|pair| pair[0].word < pair[1].word));
    }
}

//! Related searches (相关搜索): logged queries that share the product word
//! of what was searched (连衣裙 → 碎花连衣裙, 连衣裙夏), or whose product
//! word is searched together with it in the log (连衣裙 → 半身裙, when
//! queries such as 连衣裙半身裙套装 are logged).
//!
//! Built with the candidates: for every product word of the logged queries,
//! its most popular queries and the product words it co-occurs with. Only
//! candidates are listed, so nothing blocklisted can be.

use rustc_hash::FxHashMap;

use super::mine::Candidate;
use crate::analysis::Analyzer;

/// Queries kept per product word, the most popular first.
pub const QUERIES_PER_WORD: usize = 16;
/// Co-occurring product words kept per product word, the most frequent first.
pub const NEIGHBOURS_PER_WORD: usize = 8;
/// Most related searches a request may ask for.
pub const MAX_RELATED: usize = 10;

/// A product word of the logged queries.
#[derive(Debug, Clone, PartialEq, bincode::Encode, bincode::Decode)]
pub struct RelatedWord {
    /// The product word (normalised).
    pub word: String,
    /// Candidate ids of the logged queries containing it, best first.
    pub queries: Vec<u32>,
    /// Indexes (in the word list) of the product words logged with it in
    /// one query, the most frequent first.
    pub neighbours: Vec<u32>,
}

/// The product words of the logged queries among `candidates` (ids are
/// positions, most popular first), sorted by word.
///
/// `candidate_words` holds each candidate's words (`Analyzer::words`), in
/// candidate order.
pub fn related_words(
    candidates: &[Candidate],
    candidate_words: &[Vec<String>],
    analyzer: &Analyzer,
) -> Vec<RelatedWord> {
    use rayon::prelude::*;
    let words_of: Vec<(u32, Vec<String>)> = candidates
        .par_iter()
        .zip(candidate_words)
        .enumerate()
        .filter(|(_, (candidate, _))| candidate.components.queried)
        .map(|(id, (_, words))| {
            let mut words: Vec<String> = words
                .iter()
                .filter(|word| word.chars().count() >= 2 && analyzer.is_product_word(word))
                .cloned()
                .collect();
            words.sort_unstable();
            words.dedup();
            (id as u32, words)
        })
        .filter(|(_, words)| !words.is_empty())
        .collect();
    let mut queries: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
    let mut pairs: FxHashMap<(&str, &str), u32> = FxHashMap::default();
    for (id, words) in &words_of {
        for word in words {
            queries.entry(word.as_str()).or_default().push(*id);
        }
        for (index, left) in words.iter().enumerate() {
            for right in &words[index + 1..] {
                *pairs.entry((left.as_str(), right.as_str())).or_default() += 1;
                *pairs.entry((right.as_str(), left.as_str())).or_default() += 1;
            }
        }
    }
    let mut words: Vec<&str> = queries.keys().copied().collect();
    words.sort_unstable();
    let index_of: FxHashMap<&str, u32> = words
        .iter()
        .enumerate()
        .map(|(index, word)| (*word, index as u32))
        .collect();
    let mut neighbours: FxHashMap<&str, Vec<(u32, u32)>> = FxHashMap::default();
    for ((word, other), count) in pairs {
        neighbours
            .entry(word)
            .or_default()
            .push((count, index_of[other]));
    }
    words
        .iter()
        .map(|word| {
            let mut ids = queries[word].clone();
            ids.sort_unstable();
            ids.truncate(QUERIES_PER_WORD);
            let mut near = neighbours.remove(word).unwrap_or_default();
            near.sort_by(|left, right| right.0.cmp(&left.0).then(left.1.cmp(&right.1)));
            RelatedWord {
                word: word.to_string(),
                queries: ids,
                neighbours: near
                    .into_iter()
                    .map(|(_, index)| index)
                    .take(NEIGHBOURS_PER_WORD)
                    .collect(),
            }
        })
        .collect()
}

/// The product words inside `text`: every substring that is one, except
/// those inside a longer one found (连衣裙 rather than 衣裙), longest first.
pub fn words_inside(text: &str, is_word: impl Fn(&str) -> Option<u32>) -> Vec<u32> {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(offset, _)| offset)
        .chain([text.len()])
        .collect();
    // (start, end, word index) of every match
    let mut found: Vec<(usize, usize, u32)> = Vec::new();
    for (start_index, &start) in bounds.iter().enumerate() {
        for &end in bounds[start_index + 1..].iter().take(24) {
            if let Some(word) = is_word(&text[start..end]) {
                found.push((start, end, word));
            }
        }
    }
    found.sort_by(|left, right| {
        (right.1 - right.0)
            .cmp(&(left.1 - left.0))
            .then(left.0.cmp(&right.0))
    });
    let mut kept: Vec<(usize, usize, u32)> = Vec::new();
    for (start, end, word) in found {
        let inside_longer = kept
            .iter()
            .any(|&(kept_start, kept_end, _)| kept_start <= start && end <= kept_end);
        if !inside_longer && !kept.iter().any(|&(_, _, kept_word)| kept_word == word) {
            kept.push((start, end, word));
        }
    }
    kept.into_iter().map(|(_, _, word)| word).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, LoggedQuery};
    use crate::dictionaries::Dictionaries;
    use crate::suggest::index::{write_suggest_index_with, SuggestIndex};
    use crate::suggest::{mine_candidates, SuggestConfig};

    fn index_of_log(
        log: &[(&str, u64)],
        blocklist: &[String],
    ) -> (tempfile::TempDir, SuggestIndex) {
        let catalog = Catalog {
            queries: log
                .iter()
                .map(|(query, count)| LoggedQuery {
                    query: query.to_string(),
                    count: *count,
                    date: None,
                })
                .collect(),
            ..Catalog::default()
        };
        let analyzer = Analyzer::new(&Dictionaries::embedded());
        let config = SuggestConfig::default();
        let mined = mine_candidates(&catalog, &analyzer, blocklist, &config, None);
        let dir = tempfile::tempdir().unwrap();
        let (candidates, extras) = mined.into_index_parts(config.fuzzy, blocklist);
        write_suggest_index_with(dir.path(), candidates, extras).unwrap();
        let index = SuggestIndex::open(dir.path()).unwrap();
        (dir, index)
    }

    #[test]
    fn related_searches_share_the_product_word_or_are_logged_with_it() {
        let blocked = Dictionaries::embedded().blocklist()[0].clone();
        let blocked_query = format!("{blocked}连衣裙");
        let mut log: Vec<(String, u64)> = vec![
            ("连衣裙".into(), 900),
            ("连衣裙夏".into(), 500),
            ("碎花连衣裙".into(), 300),
            ("半身裙".into(), 400),
            ("连衣裙半身裙套装".into(), 20),
            ("手机壳".into(), 800),
            (blocked_query.clone(), 5_000),
        ];
        log.extend((0..30).map(|index| (format!("连衣裙款{index:02}"), 1)));
        let log: Vec<(&str, u64)> = log.iter().map(|(q, c)| (q.as_str(), *c)).collect();
        let (_dir, index) = index_of_log(&log, std::slice::from_ref(&blocked));
        let related: Vec<String> = index
            .related("连衣裙", 10)
            .into_iter()
            .map(|s| s.text)
            .collect();
        for expected in ["连衣裙夏", "碎花连衣裙", "半身裙"] {
            assert!(
                related.contains(&expected.to_string()),
                "{expected}: {related:?}"
            );
        }
        assert!(related.len() <= 10, "bounded: {related:?}");
        let mut unique = related.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), related.len(), "unique: {related:?}");
        assert!(
            !related.contains(&"连衣裙".to_string()),
            "never the query itself"
        );
        assert!(!related.contains(&"手机壳".to_string()), "unrelated");
        assert!(related.iter().all(|text| !text.contains(blocked.as_str())));
        // Ranked by popularity: candidate ids are ranks.
        let ids: Vec<u32> = index
            .related("连衣裙", 10)
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
        // A query that is no candidate still finds its product word.
        assert!(!index.related("红色连衣裙", 10).is_empty());
        assert!(index.related("", 10).is_empty());
        assert_eq!(index.related("连衣裙", 1).len(), 1);
    }

    #[test]
    fn the_longest_words_inside_are_found() {
        let words = ["连衣裙", "衣裙", "半身裙"];
        let lookup = |text: &str| words.iter().position(|w| *w == text).map(|i| i as u32);
        assert_eq!(words_inside("碎花连衣裙夏", lookup), [0]);
        assert_eq!(words_inside("连衣裙半身裙", lookup), [0, 2]);
        assert!(words_inside("手机", lookup).is_empty());
    }
}

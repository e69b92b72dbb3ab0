//! Completing the end of a prefix that few candidates begin with.
//!
//! Most queries a buyer types were never searched before (宠物狗牵引器):
//! past the point where no candidate begins with the prefix, the drop-down
//! would go blank. As query auto-completion for rare prefixes does, the
//! typed text is kept up to some character and its end is completed by the
//! candidates that begin with the rest: 宠物狗牵 → 宠物 + 狗牵引绳,
//! 宠物狗 + 牵引器; 宠物狗qian → 宠物狗 + 牵引器. The longest rest that
//! candidates begin with comes first: it keeps the most of what was typed
//! as context.

use super::{MatchKind, SuggestIndex, Suggestion, MAX_LIMIT};
use crate::analysis::AnalyzerMode;
use crate::suggest::keys::{classify, compact_pinyin, pinyin_keys, TypedPrefix};

/// Longest typed end, in characters, looked up as the start of a
/// candidate: a longer one is itself a rare prefix.
const MAX_REST_CHARS: usize = 6;
/// Longest candidate that completes a typed end, in characters.
const MAX_COMPLETING_CHARS: usize = 8;
/// Fewest typed letters completed, with no hanzi of their word typed,
/// by candidates that do not follow the word before.
const MIN_LETTERS_ALONE: usize = 4;
/// Longest suggestion a completion may make, in characters.
const MAX_COMPLETED_CHARS: usize = 24;

impl SuggestIndex {
    /// Whether candidate `id` may complete a typed end: it occurs in the
    /// catalog (so the completion names goods, not a news headline of the
    /// log) and is short, as a word or two are.
    fn completes_as_goods(&self, id: u32) -> bool {
        let candidate = &self.candidates[id as usize];
        candidate.components.documents > 0 && candidate.text.chars().count() <= MAX_COMPLETING_CHARS
    }

    /// Fills `shown` up to `limit` with completions of the end of `typed`
    /// (hanzi, or hanzi then letters), after what it already holds. At each
    /// word start of the typed text, the longest rest first: the words that
    /// follow the word before it, then (when the rest holds hanzi) the
    /// candidates that begin with it.
    pub(super) fn complete_tail(
        &self,
        typed: &TypedPrefix,
        limit: usize,
        shown: &mut Vec<Suggestion>,
    ) {
        let (hanzi, latin) = match typed {
            TypedPrefix::Hanzi(hanzi) => (hanzi.as_str(), ""),
            TypedPrefix::Mixed { hanzi, latin } => (hanzi.as_str(), latin.as_str()),
            TypedPrefix::Empty | TypedPrefix::Latin(_) => return,
        };
        let Some(segmenter) = &self.segmenter else {
            return;
        };
        let mut words = Vec::new();
        segmenter.analyze_into(hanzi, AnalyzerMode::Query, &mut words);
        let word_starts: Vec<usize> = words.iter().map(|word| word.offset_from).collect();
        let mut offer = |text: String, score: f32, id: u32| {
            let too_long = text.chars().count() > MAX_COMPLETED_CHARS;
            if too_long || shown.iter().any(|already| already.text == text) {
                return false;
            }
            shown.push(Suggestion {
                text,
                score: score * MatchKind::Completion.factor(),
                match_kind: MatchKind::Completion,
                id,
            });
            shown.len() >= limit
        };
        for start in rest_starts(hanzi, word_starts.iter().copied(), !latin.is_empty()) {
            let (kept, rest_hanzi) = hanzi.split_at(start);
            let word_before = words
                .iter()
                .rev()
                .find(|word| word.offset_to <= start)
                .map(|word| word.text.as_str());
            for next in word_before
                .and_then(|word| self.next_words.get(word))
                .into_iter()
                .flatten()
            {
                if !begins_as_typed(next, rest_hanzi, latin) {
                    continue;
                }
                let (id, score) = self
                    .find(next)
                    .map_or((u32::MAX, 0.0), |(id, candidate)| (id, candidate.score));
                if offer(format!("{kept}{next}"), score, id) {
                    return;
                }
            }
            // A few letters alone say too little to complete without the
            // word before: 宠物狗q would offer whatever q begins most often.
            if rest_hanzi.is_empty() && latin.len() < MIN_LETTERS_ALONE {
                continue;
            }
            let rest = classify(&format!("{rest_hanzi}{latin}"));
            // Drawn from the most the index ranks, as some are not goods.
            let completing = self.rank(self.matches(&rest, MAX_LIMIT), MAX_LIMIT);
            for completion in completing {
                // A fuzzy or mistyped reading of a rest is too far a guess.
                let exact = completion.match_kind.tier() == 0;
                if !exact || !self.completes_as_goods(completion.id) {
                    continue;
                }
                if offer(
                    format!("{kept}{}", completion.text),
                    completion.score,
                    completion.id,
                ) {
                    return;
                }
            }
        }
    }
}

/// Whether `word` begins with the typed `hanzi` and then, in pinyin (full
/// or initials, any reading), with the typed `latin` letters.
fn begins_as_typed(word: &str, hanzi: &str, latin: &str) -> bool {
    let Some(after) = word.strip_prefix(hanzi) else {
        return false;
    };
    if latin.is_empty() {
        return !after.is_empty();
    }
    let letters = compact_pinyin(latin);
    if after.starts_with(&letters) {
        return true;
    }
    let (full, initials) = pinyin_keys(after);
    full.iter()
        .chain(&initials)
        .any(|key| key.starts_with(&letters))
}

/// Byte offsets where the completed rest of `hanzi` may start, the longest
/// rest first: the starts of its words but the first, up to
/// [`MAX_REST_CHARS`] from its end (a rest never starts inside a word: 儿童滑板
/// is completed after 儿童, never after 儿童滑); with letters typed after
/// it, also at its end (the letters alone are the rest).
fn rest_starts(
    hanzi: &str,
    word_starts: impl IntoIterator<Item = usize>,
    letters_follow: bool,
) -> Vec<usize> {
    let chars = hanzi.chars().count();
    let rest_chars = |start: usize| chars - hanzi[..start].chars().count();
    let mut starts: Vec<usize> = word_starts
        .into_iter()
        .filter(|&start| start > 0 && start < hanzi.len() && hanzi.is_char_boundary(start))
        .filter(|&start| rest_chars(start) <= MAX_REST_CHARS)
        .collect();
    starts.sort_unstable();
    starts.dedup();
    if letters_follow && !hanzi.is_empty() {
        starts.push(hanzi.len());
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::super::tests::shown;
    use super::*;
    use crate::analysis::Analyzer;
    use crate::dictionaries::Dictionaries;
    use crate::suggest::index::{write_suggest_index_with, SuggestExtras};
    use crate::suggest::mine::{Candidate, Components};
    use crate::suggest::next_words::next_words;

    #[test]
    fn rests_start_at_words_but_the_first_longest_first() {
        // 宠物 狗 牵
        assert_eq!(rest_starts("宠物狗牵", [0, 6, 9], false), vec![6, 9]);
        assert_eq!(rest_starts("宠物狗", [0, 6], true), vec![6, 9]);
        assert_eq!(rest_starts("连", [0], false), Vec::<usize>::new());
        assert_eq!(rest_starts("连", [0], true), vec![3]);
    }

    #[test]
    fn a_rest_is_short_and_starts_on_a_character() {
        let long = "一二三四五六七八";
        assert_eq!(
            rest_starts(long, [0, 3, 6, 9, 12, 1], false),
            vec![6, 9, 12]
        );
    }

    fn analyzer() -> &'static Analyzer {
        static ANALYZER: std::sync::OnceLock<Analyzer> = std::sync::OnceLock::new();
        ANALYZER.get_or_init(|| Analyzer::new(&Dictionaries::embedded()))
    }

    /// An index of `entries` (text, score; every one found in the catalog
    /// but those with score 0.77, a log-only text), with next words.
    fn index_of(entries: &[(&str, f32)]) -> (tempfile::TempDir, SuggestIndex) {
        let dir = tempfile::tempdir().unwrap();
        let candidates: Vec<Candidate> = entries
            .iter()
            .map(|(text, score)| Candidate {
                text: text.to_string(),
                score: *score,
                components: Components {
                    documents: u64::from(*score != 0.77),
                    ..Components::default()
                },
            })
            .collect();
        let extras = SuggestExtras {
            next_words: next_words(&candidates, analyzer()),
            ..SuggestExtras::default()
        };
        write_suggest_index_with(dir.path(), candidates, extras).unwrap();
        let index = SuggestIndex::open(dir.path())
            .unwrap()
            .with_completions(analyzer());
        (dir, index)
    }

    fn completion(text: &str) -> (String, MatchKind) {
        (text.to_string(), MatchKind::Completion)
    }

    const CATALOG: &[(&str, f32)] = &[
        ("牵手", 0.9),
        ("牵牛花", 0.8),
        ("牵引绳", 0.5),
        ("小型 宠物 牵引绳", 0.3),
        ("宠物牵挂", 0.1),
    ];

    #[test]
    fn a_rare_prefix_is_completed_after_its_matches_the_next_word_first() {
        let (_dir, index) = index_of(CATALOG);
        assert_eq!(
            shown(&index, "宠物牵"),
            vec![
                ("宠物牵挂".to_string(), MatchKind::Prefix),
                // 牵引绳 follows 宠物 in a candidate: before the more popular 牵手.
                completion("宠物牵引绳"),
                completion("宠物牵手"),
                completion("宠物牵牛花"),
            ]
        );
    }

    #[test]
    fn letters_after_the_kept_words_complete_the_next_word_in_pinyin() {
        let (_dir, index) = index_of(CATALOG);
        for typed in ["宠物qianyin", "宠物qy"] {
            assert_eq!(shown(&index, typed)[0], completion("宠物牵引绳"), "{typed}");
        }
        // Fewer than four letters complete only the words that follow.
        assert_eq!(
            shown(&index, "宠物q"),
            vec![
                ("宠物牵挂".to_string(), MatchKind::Mixed),
                completion("宠物牵引绳")
            ]
        );
        assert!(shown(&index, "宠物qian").contains(&completion("宠物牵手")));
    }

    #[test]
    fn a_full_drop_down_is_not_completed() {
        let mut entries: Vec<(String, f32)> = (0..10)
            .map(|index| (format!("宠物牵挂{index}"), 0.5))
            .collect();
        entries.push(("牵手".to_string(), 0.9));
        let entries: Vec<(&str, f32)> = entries
            .iter()
            .map(|(text, score)| (text.as_str(), *score))
            .collect();
        let (_dir, index) = index_of(&entries);
        let kinds: Vec<MatchKind> = shown(&index, "宠物牵")
            .into_iter()
            .map(|(_, kind)| kind)
            .collect();
        assert_eq!(kinds, vec![MatchKind::Prefix; 10]);
    }

    #[test]
    fn only_texts_found_in_the_catalog_complete_a_rest() {
        // 牵挂 is a log-only text (a headline of the hot list, say).
        let (_dir, index) = index_of(&[("牵挂", 0.77), ("牵手", 0.5)]);
        assert_eq!(shown(&index, "宠物牵"), vec![completion("宠物牵手")]);
    }

    #[test]
    fn without_a_segmenter_nothing_is_completed() {
        let (dir, _index) = index_of(CATALOG);
        let plain = SuggestIndex::open(dir.path()).unwrap();
        assert_eq!(
            shown(&plain, "宠物牵"),
            vec![("宠物牵挂".to_string(), MatchKind::Prefix)]
        );
    }

    #[test]
    fn a_word_begins_as_typed_in_hanzi_then_pinyin() {
        assert!(begins_as_typed("牵引绳", "牵", ""));
        assert!(!begins_as_typed("牵", "牵", ""), "nothing left to complete");
        assert!(begins_as_typed("牵引绳", "牵", "yin"));
        assert!(begins_as_typed("牵引绳", "", "qys"));
        assert!(begins_as_typed("牵引绳", "", "qianyin"));
        assert!(!begins_as_typed("牵引绳", "", "qiang"));
        assert!(!begins_as_typed("牵引绳", "宠", ""));
    }
}

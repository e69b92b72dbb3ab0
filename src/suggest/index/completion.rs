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

use std::collections::HashMap;

use super::{MatchKind, Reach, SuggestIndex, Suggestion, MAX_LIMIT, NO_CANDIDATE};
use crate::analysis::AnalyzerMode;
use crate::suggest::keys::{
    classify, compact_pinyin, first_reading, is_syllable, primary_initials, primary_reading,
    TypedPrefix,
};
use crate::suggest::mine::holds_blocked_term;
use crate::text::is_han;

/// Longest typed end, in characters, looked up as the start of a
/// candidate: a longer one is itself a rare prefix.
const MAX_REST_CHARS: usize = 6;
/// Longest candidate that completes a typed end, in characters.
const MAX_COMPLETING_CHARS: usize = 8;
/// Fewest typed letters completed, with no hanzi of their word typed,
/// by candidates that do not follow the word before.
const MIN_LETTERS_ALONE: usize = 4;
/// Fewest and most letters typed with no hanzi read as words then completed.
const MIN_SPELLED_LETTERS: usize = 6;
const MAX_SPELLED_LETTERS: usize = 64;
/// Longest pinyin of a word read as hanzi, and the most letters typed
/// after hanzi that are completed.
const MAX_WORD_LETTERS: usize = 24;
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

    /// Whether `text` contains a term of the generation's blocklist.
    fn is_blocked(&self, text: &str) -> bool {
        holds_blocked_term(text, &self.blocklist)
    }

    /// Fills `shown` up to `limit` with completions of the end of `typed`
    /// (hanzi, or hanzi then letters), after what it already holds. At each
    /// word start of the typed text, the longest rest first: the words that
    /// follow the word before it, then (when the rest holds hanzi or enough
    /// letters) the candidates that begin with it. When none of that adds
    /// anything, letters are read as the words they spell and what is left
    /// after them is completed (双汇玉米changzheng), and a typed text ending
    /// in a word is followed by that word's next words (桃红色 → 桃红色连衣裙).
    /// The list's order is the ranking: a completion's score is comparable
    /// only with other completions of the same rest.
    pub(super) fn complete_tail(
        &self,
        typed: &TypedPrefix,
        limit: usize,
        shown: &mut Vec<Suggestion>,
    ) {
        self.complete_tail_reading(typed, limit, shown, true);
    }

    /// [`SuggestIndex::complete_tail`]; letters nothing completes are read
    /// as words only when `may_read` (once per keystroke, so the work
    /// stays bounded).
    fn complete_tail_reading(
        &self,
        typed: &TypedPrefix,
        limit: usize,
        shown: &mut Vec<Suggestion>,
        may_read: bool,
    ) {
        let (hanzi, latin) = match typed {
            TypedPrefix::Hanzi(hanzi) => (hanzi.as_str(), ""),
            TypedPrefix::Mixed { hanzi, latin } => (hanzi.as_str(), latin.as_str()),
            TypedPrefix::Latin(latin) => return self.complete_spelled(latin, limit, shown),
            TypedPrefix::Empty => return,
        };
        let Some(segmenter) = &self.segmenter else {
            return;
        };
        // Nothing is kept that could not begin a suggestion: text too long
        // to leave room, letters longer than a word's pinyin, characters
        // other than words are made of (emoji, punctuation, joiners), or a
        // blocklisted term.
        let keeps_words = hanzi
            .chars()
            .all(|c| is_han(c) || c.is_ascii_alphanumeric() || c == ' ');
        if hanzi.chars().count() >= MAX_COMPLETED_CHARS
            || latin.len() > MAX_WORD_LETTERS
            || !keeps_words
            || self.is_blocked(hanzi)
        {
            return;
        }
        let mut words = Vec::new();
        segmenter.analyze_into(hanzi, AnalyzerMode::Query, &mut words);
        let letters = compact_pinyin(latin);
        let shown_before = shown.len();
        let mut offer = |text: String, score: f32, id: u32| {
            self.push_completion(shown, text, score, id);
            shown.len() >= limit
        };
        let word_starts = words.iter().map(|word| word.offset_from);
        for start in rest_starts(hanzi, word_starts, !latin.is_empty()) {
            let (kept, rest_hanzi) = hanzi.split_at(start);
            let word_before = words
                .iter()
                .rev()
                .find(|word| word.offset_to <= start)
                .map(|word| word.text.as_str());
            // Letters that end inside a syllable at a point that is a
            // syllable of its own (qian inside qiang) read the shorter
            // syllable first, as input methods do: such completions wait.
            let as_read = |completing: &str| {
                let after = completing.strip_prefix(rest_hanzi).unwrap_or(completing);
                letters.is_empty() || letters_end_as_read(after, &letters)
            };
            let mut waiting: Vec<(String, f32, u32)> = Vec::new();
            let mut longer: Vec<(String, f32, u32)> = Vec::new();
            let mut followed = 0;
            for next in word_before
                .and_then(|word| self.next_words.get(word))
                .into_iter()
                .flatten()
            {
                if !begins_as_typed(next, rest_hanzi, &letters) {
                    continue;
                }
                let (id, score) = self.word_popularity(next);
                followed += 1;
                let text = format!("{kept}{next}");
                let after_next = self
                    .next_words
                    .get(next.as_str())
                    .and_then(|after| after.first())
                    // A single character after a word is rarely a word of
                    // its own (中级经济师 + 中).
                    .filter(|after| after.chars().count() >= 2);
                if let Some(after_next) = after_next {
                    longer.push((format!("{text}{after_next}"), score, id));
                }
                if !as_read(next) {
                    waiting.push((text, score, id));
                } else if offer(text, score, id) {
                    return;
                }
            }
            // Then two words ahead: the next word and the word that most
            // often follows it (布线神 → 布线神器, 布线神器家用), which saves
            // a typist of hanzi more than one word can.
            for (text, score, id) in longer {
                if offer(text, score, id) {
                    return;
                }
            }
            // What the typed words are followed by says more than what a
            // character begins most often: 布线神 → 布线神器, not 布线神舟.
            // A few letters alone (or digits) say too little to complete
            // without the word before: 宠物狗q would offer whatever q
            // begins most often.
            let rest_has_han = rest_hanzi.chars().any(is_han);
            let context_free = followed == 0 && (rest_has_han || latin.len() >= MIN_LETTERS_ALONE);
            if context_free {
                let rest = classify(&format!("{rest_hanzi}{latin}"));
                // Drawn from the most the index ranks, as some are not goods.
                let completing = self.rank(self.matches(&rest, MAX_LIMIT, Reach::Exact), MAX_LIMIT);
                for completion in completing {
                    let adds_nothing = completion.text == rest_hanzi;
                    // Letters alone are completed by hanzi, not by a Latin
                    // text that happens to begin with them (qiangli).
                    let reads_letters = rest_has_han || completion.text.chars().any(is_han);
                    if adds_nothing || !reads_letters || !self.completes_as_goods(completion.id) {
                        continue;
                    }
                    let text = format!("{kept}{}", completion.text);
                    if !as_read(&completion.text) {
                        waiting.push((text, completion.score, completion.id));
                    } else if offer(text, completion.score, completion.id) {
                        return;
                    }
                }
            }
            for (text, score, id) in waiting {
                if offer(text, score, id) {
                    return;
                }
            }
        }
        if shown.len() > shown_before {
            return;
        }
        // A single character is more often a word still being typed (电动牙).
        let last_word = words
            .last()
            .filter(|word| word.offset_to == hanzi.len() && word.text.chars().count() >= 2);
        if letters.is_empty() {
            if let Some(last_word) = last_word {
                self.offer_next_words(hanzi, &last_word.text, limit, shown);
            }
            return;
        }
        if !may_read {
            return;
        }
        // Nothing begins with the letters: they may spell more than one
        // word (双汇玉米changzheng). Read the words they spell after the
        // last typed word, then complete what is left after them.
        let word_before = words.last().map(|word| word.text.as_str());
        let (read, read_letters) = self.read_letters(word_before, &letters);
        if read.is_empty() {
            return;
        }
        let typed = TypedPrefix::Mixed {
            hanzi: format!("{hanzi}{read}"),
            latin: letters[read_letters..].to_string(),
        };
        self.complete_tail_reading(&typed, limit, shown, false);
    }

    /// Offers the words that follow the word `typed` ends with, when
    /// nothing begins with it nor completes a part of it: 桃红色 →
    /// 桃红色连衣裙.
    fn offer_next_words(
        &self,
        typed: &str,
        last_word: &str,
        limit: usize,
        shown: &mut Vec<Suggestion>,
    ) {
        let is_word = |word: &str| word.chars().count() >= 2 && word.chars().all(is_han);
        let following = self.next_words.get(last_word).into_iter().flatten();
        for next in following.filter(|next| is_word(next)) {
            if shown.len() >= limit {
                return;
            }
            let (id, score) = self.word_popularity(next);
            self.push_completion(shown, format!("{typed}{next}"), score, id);
        }
    }

    /// The id and popularity of the candidate `word`; a word that is no
    /// candidate of its own (seen only inside longer queries) has no
    /// popularity to show.
    fn word_popularity(&self, word: &str) -> (u32, f32) {
        self.find(word)
            .map_or((NO_CANDIDATE, 0.0), |(id, candidate)| (id, candidate.score))
    }

    /// Appends the completion `text` to `shown` unless it is too long,
    /// holds a blocklisted term or is shown already.
    fn push_completion(&self, shown: &mut Vec<Suggestion>, text: String, score: f32, id: u32) {
        let too_long = text.chars().count() > MAX_COMPLETED_CHARS;
        if too_long || self.is_blocked(&text) || is_shown(shown, &text) {
            return;
        }
        shown.push(Suggestion {
            text,
            score: score * MatchKind::Completion.factor(),
            match_kind: MatchKind::Completion,
            id,
        });
    }
}

impl SuggestIndex {
    /// Completes pinyin typed with no hanzi (zhongjijingji) as an input
    /// method reads it: the words the letters spell from their start are
    /// taken as hanzi ([`SuggestIndex::read_letters`]: 中级), and the rest is
    /// completed after them as if typed mixed (中级jingji → 中级经济师).
    fn complete_spelled(&self, latin: &str, limit: usize, shown: &mut Vec<Suggestion>) {
        let letters = compact_pinyin(latin);
        let spellable = (MIN_SPELLED_LETTERS..=MAX_SPELLED_LETTERS).contains(&letters.len())
            && letters.bytes().all(|b| b.is_ascii_lowercase());
        if !spellable || self.segmenter.is_none() {
            return;
        }
        let (kept, rest_from) = self.read_letters(None, &letters);
        if kept.is_empty() {
            return;
        }
        let typed = TypedPrefix::Mixed {
            hanzi: kept,
            latin: letters[rest_from..].to_string(),
        };
        self.complete_tail_reading(&typed, limit, shown, false);
    }

    /// Reads the start of typed `letters` as words, as an input method
    /// converts pinyin: from the word before them on, each step takes the
    /// word whose primary full pinyin spells the most letters from there,
    /// among the words that follow the word read last (双汇玉米 + chang →
    /// 肠), else the word those letters spell most often in the table
    /// (zhongji → 中级). The last word is left unread when it would take
    /// every letter left, to be completed with what follows it. Returns the
    /// hanzi read and how many letters they take.
    fn read_letters(&self, word_before: Option<&str>, letters: &str) -> (String, usize) {
        let mut read = String::new();
        let mut before = word_before;
        let mut from = 0;
        while from < letters.len() {
            let left = &letters[from..];
            let following = before
                .and_then(|word| self.next_words.get(word))
                .into_iter()
                .flatten()
                .filter_map(|next| {
                    let reading = self.word_readings.get(next)?;
                    let reads = left.starts_with(reading.as_str())
                        && !splits_a_syllable(next, &left[reading.len()..]);
                    reads.then_some((reading.len(), next.as_str()))
                })
                // The longest; of equal length, the most frequent (listed first).
                .fold(None, |best: Option<(usize, &str)>, found| match best {
                    Some(best) if best.0 >= found.0 => Some(best),
                    _ => Some(found),
                });
            let spelled = || {
                (2..=left.len().min(MAX_WORD_LETTERS))
                    .rev()
                    .find_map(|end| {
                        let word = self.spelled_words.get(left.get(..end)?)?;
                        (!splits_a_syllable(word, &left[end..])).then_some((end, word.as_str()))
                    })
            };
            let Some((length, word)) = following.or_else(spelled) else {
                break;
            };
            if length == left.len() {
                // The last word spelled whole is left to be completed
                // (经济 → 经济师).
                break;
            }
            read.push_str(word);
            before = Some(word);
            from += length;
        }
        (read, from)
    }
}

/// Whether `text` is shown already, spaces aside (宠物 狗粮 and 宠物狗粮 are
/// one suggestion to a buyer).
fn is_shown(shown: &[Suggestion], text: &str) -> bool {
    let compact = |text: &str| text.chars().filter(|c| *c != ' ').collect::<String>();
    let text = compact(text);
    shown.iter().any(|already| compact(&already.text) == text)
}

/// Whether reading `word` from typed letters, with `after` left, cuts a
/// syllable: its last syllable and the next letters would spell a longer
/// one (xi|an… reads 西安, not 西 + an; chang|z reads 肠 + z).
fn splits_a_syllable(word: &str, after: &str) -> bool {
    let Some(last) = word.chars().last() else {
        return false;
    };
    let Some(reading) = first_reading(last) else {
        return false;
    };
    (1..=after.len().min(4))
        .filter_map(|length| after.get(..length))
        .any(|more| is_syllable(&format!("{reading}{more}")))
}

/// The primary full pinyin of every Han word of the next-words table (the
/// words and the words after them).
pub(super) fn word_readings(next_words: &HashMap<String, Vec<String>>) -> HashMap<String, String> {
    let mut readings = HashMap::new();
    let words = next_words
        .iter()
        .flat_map(|(word, next)| std::iter::once(word).chain(next));
    for word in words {
        if readings.contains_key(word) || word.is_empty() || !word.chars().all(is_han) {
            continue;
        }
        readings.insert(word.clone(), primary_reading(word));
    }
    readings
}

/// The best word spelled by each full pinyin among the words of the
/// next-words table of two or more characters (the word seen most often in
/// it).
pub(super) fn spelled_words(
    next_words: &HashMap<String, Vec<String>>,
    readings: &HashMap<String, String>,
) -> HashMap<String, String> {
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for (word, next) in next_words {
        *seen.entry(word.as_str()).or_default() += next.len() as u32;
        for next_word in next {
            *seen.entry(next_word.as_str()).or_default() += 1;
        }
    }
    let mut best: HashMap<&str, (u32, &str)> = HashMap::new();
    for (word, count) in seen {
        let Some(spelled) = readings.get(word) else {
            continue;
        };
        if word.chars().count() < 2 {
            continue;
        }
        let entry = best.entry(spelled.as_str()).or_insert((count, word));
        if (count, std::cmp::Reverse(word)) > (entry.0, std::cmp::Reverse(entry.1)) {
            *entry = (count, word);
        }
    }
    best.into_iter()
        .map(|(spelled, (_, word))| (spelled.to_string(), word.to_string()))
        .collect()
}

/// Whether `word` begins with the typed `hanzi` and then, in pinyin (full
/// or initials of its primary reading), with the typed `letters` (compacted as
/// [`compact_pinyin`] does).
fn begins_as_typed(word: &str, hanzi: &str, letters: &str) -> bool {
    let Some(after) = word.strip_prefix(hanzi) else {
        return false;
    };
    if letters.is_empty() {
        return !after.is_empty();
    }
    if after.starts_with(letters) {
        return true;
    }
    // The primary reading only, as for the candidates that complete a
    // rest: 冰箱 is no completion of n because 冰 was once read ning.
    after.chars().any(is_han)
        && (primary_reading(after).starts_with(letters)
            || primary_initials(after).starts_with(letters))
}

/// Whether typed `letters` that spell the start of `text`'s primary
/// reading end where one of its syllables does, or inside one at a point
/// that is no syllable of its own: qiany reads 牵引 (qian|y), but qian is
/// a syllable, so it does not read 强力 (qiang). Letters that are not the
/// start of the primary reading (initials, another reading) pass.
fn letters_end_as_read(text: &str, letters: &str) -> bool {
    let mut spelled = 0;
    for c in text.chars() {
        let reading = match first_reading(c) {
            Some(reading) => reading.to_string(),
            None => c.to_lowercase().collect(),
        };
        let typed = &letters[spelled..];
        if typed.len() <= reading.len() {
            let inside = typed.len() < reading.len() && reading.starts_with(typed);
            return !inside || !is_syllable(typed);
        }
        if !typed.starts_with(reading.as_str()) {
            return true;
        }
        spelled += reading.len();
    }
    true
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
    /// but those with score 0.77, a log-only text), with next words and
    /// the blocklist `blocked`.
    fn index_blocking(
        entries: &[(&str, f32)],
        blocked: &[&str],
    ) -> (tempfile::TempDir, SuggestIndex) {
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
            blocklist: blocked.iter().map(|term| term.to_string()).collect(),
            ..SuggestExtras::default()
        };
        write_suggest_index_with(dir.path(), candidates, extras).unwrap();
        let index = SuggestIndex::open(dir.path())
            .unwrap()
            .with_completions(analyzer());
        (dir, index)
    }

    fn index_of(entries: &[(&str, f32)]) -> (tempfile::TempDir, SuggestIndex) {
        index_blocking(entries, &[])
    }

    fn completion(text: &str) -> (String, MatchKind) {
        (text.to_string(), MatchKind::Completion)
    }

    /// 牵引绳 follows 宠物 in a candidate, and 大型犬 follows 牵引绳; 牵引车
    /// and 牵牛花 are more popular.
    const CATALOG: &[(&str, f32)] = &[
        ("牵引车", 0.9),
        ("牵牛花", 0.8),
        ("牵引绳", 0.5),
        ("小型 宠物 牵引绳", 0.3),
        ("牵引绳 大型犬", 0.2),
        ("宠物牵挂", 0.1),
    ];

    #[test]
    fn a_rare_prefix_is_completed_after_its_matches_by_the_next_word() {
        let (_dir, index) = index_of(CATALOG);
        assert_eq!(
            shown(&index, "宠物牵"),
            vec![
                ("宠物牵挂".to_string(), MatchKind::Prefix),
                // The word that follows 宠物, then the word after it, and
                // nothing a character merely begins (宠物牵引车, 宠物牵牛花).
                completion("宠物牵引绳"),
                completion("宠物牵引绳大型犬"),
            ]
        );
        // Without a word that follows, what the rest begins, most popular first.
        assert_eq!(
            shown(&index, "女装牵"),
            vec![
                completion("女装牵引车"),
                completion("女装牵牛花"),
                completion("女装牵引绳"),
                completion("女装牵引绳 大型犬"),
            ]
        );
    }

    #[test]
    fn two_words_ahead_the_second_is_a_word_not_a_character() {
        let (_dir, index) = index_of(&[("小型 宠物 牵引绳", 0.3), ("牵引绳 大", 0.2)]);
        let texts: Vec<String> = shown(&index, "宠物牵")
            .into_iter()
            .map(|(text, _)| text)
            .collect();
        assert!(texts.contains(&"宠物牵引绳".to_string()), "{texts:?}");
        assert!(!texts.contains(&"宠物牵引绳大".to_string()), "{texts:?}");
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
                completion("宠物牵引绳"),
                completion("宠物牵引绳大型犬"),
            ]
        );
        assert!(shown(&index, "女装q").is_empty());
        assert_eq!(shown(&index, "女装qianniu"), vec![completion("女装牵牛花")]);
    }

    #[test]
    fn letters_that_are_a_syllable_read_it_before_a_longer_one() {
        // qian is a syllable: 前台 (qian) before the more popular 强力 (qiang).
        let (_dir, index) = index_of(&[("强力", 0.9), ("前台", 0.2)]);
        assert_eq!(
            shown(&index, "女装qian"),
            vec![completion("女装前台"), completion("女装强力")]
        );
        // The whole syllable typed reads only 强力.
        assert_eq!(shown(&index, "女装qiang"), vec![completion("女装强力")]);
    }

    #[test]
    fn pinyin_typed_alone_is_read_as_the_words_it_spells_then_completed() {
        let (_dir, index) = index_of(CATALOG);
        // chongwu spells 宠物 (a word of the next-words table); qianyin is
        // completed by the word that follows it.
        assert!(shown(&index, "chongwuqianyin").contains(&completion("宠物牵引绳")));
        assert!(shown(&index, "chongwu")
            .iter()
            .all(|(_, kind)| *kind != MatchKind::Completion));
    }

    #[test]
    fn letters_spelling_several_words_are_read_by_the_words_that_follow() {
        let (_dir, index) = index_of(CATALOG);
        // 牵引绳 follows 宠物 and spells qianyinsheng; da begins the
        // candidate 牵引绳 大型犬.
        assert_eq!(
            index.read_letters(Some("宠物"), "qianyinshengda"),
            ("牵引绳".to_string(), "qianyinsheng".len())
        );
        assert_eq!(
            shown(&index, "宠物qianyinshengda"),
            vec![completion("宠物牵引绳 大型犬")]
        );
        // The last word is left to be completed, not read.
        assert_eq!(
            index.read_letters(Some("宠物"), "qianyinsheng"),
            (String::new(), 0)
        );
    }

    #[test]
    fn letters_are_not_read_as_a_word_that_cuts_a_syllable() {
        assert!(splits_a_syllable("西", "anquan"), "xi|an reads xian");
        assert!(splits_a_syllable("铲", "gzi"), "chan|g reads chang");
        assert!(!splits_a_syllable("肠", "zheng"));
        assert!(!splits_a_syllable("肠", ""));
        // 西 follows 宠物 and spells xi, but xi|an… is 西安 or 先, not 西 + 安全.
        let (_dir, index) = index_of(&[("宠物 西", 0.3), ("西 安全", 0.2), ("安全 座椅", 0.1)]);
        assert!(!shown(&index, "宠物xianquanzuoyi")
            .iter()
            .any(|(text, _)| text.starts_with("宠物西")));
    }

    #[test]
    fn a_typed_word_is_followed_by_its_next_words_when_the_list_is_short() {
        let (_dir, index) = index_of(&[("小型 宠物 牵引绳", 0.3)]);
        // No candidate begins with 宠物.
        assert_eq!(shown(&index, "宠物"), vec![completion("宠物牵引绳")]);
        // A single character is a word still being typed: no next words.
        let (_dir, index) = index_of(&[("美白 牙 贴片", 0.3)]);
        assert!(shown(&index, "电动牙").is_empty());
        // One does: it comes first, and the next word it already shows
        // (狗粮, spaced otherwise) is not shown twice.
        let (_dir, index) = index_of(&[("小型 宠物 牵引绳", 0.3), ("宠物 狗粮", 0.2)]);
        assert_eq!(
            shown(&index, "宠物"),
            vec![
                ("宠物 狗粮".to_string(), MatchKind::Prefix),
                completion("宠物牵引绳")
            ]
        );
    }

    #[test]
    fn a_full_drop_down_is_not_completed() {
        let mut entries: Vec<(String, f32)> = (0..10)
            .map(|index| (format!("宠物牵挂{index}"), 0.5))
            .collect();
        entries.push(("牵引车".to_string(), 0.9));
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
        let (_dir, index) = index_of(&[("牵挂", 0.77), ("牵引车", 0.5)]);
        assert_eq!(shown(&index, "女装牵"), vec![completion("女装牵引车")]);
    }

    #[test]
    fn a_rare_reading_does_not_complete_a_rest() {
        // 行 reads xing and hang: hang is a rarer reading of 行李箱.
        let (_dir, index) = index_of(&[("行李箱", 0.9), ("杭州", 0.1)]);
        assert_eq!(shown(&index, "女装hang"), vec![completion("女装杭州")]);
    }

    #[test]
    fn nothing_blocklisted_is_completed_typed_or_joined() {
        let (_dir, index) =
            index_blocking(&[("连衣裙", 0.9), ("仿包", 0.5), ("包包", 0.4)], &["高仿"]);
        for typed in ["高仿连", "高仿lianyiqun", "高仿 包"] {
            assert!(shown(&index, typed).is_empty(), "{typed}");
        }
        // 高 kept, 仿包 completing: the join spells 高仿.
        assert!(!shown(&index, "女装高仿")
            .iter()
            .any(|(text, _)| text.contains("高仿")));
        // Nor with a space between: 女装 kept, 高 仿包 completing (a
        // candidate a build would have refused; here, written directly).
        let (_dir, index) = index_blocking(&[("高 仿包", 0.5)], &["高仿"]);
        for typed in ["女装高", "女装gaofang"] {
            let texts: Vec<String> = shown(&index, typed)
                .into_iter()
                .map(|(text, _)| text.replace(' ', ""))
                .collect();
            assert!(
                !texts.iter().any(|text| text.contains("高仿")),
                "{typed}: {texts:?}"
            );
        }
    }

    #[test]
    fn a_digit_or_an_odd_character_is_not_completed() {
        let (_dir, index) = index_of(&[("1米8床", 0.9), ("牵引车", 0.5)]);
        assert!(shown(&index, "宠物 1").is_empty());
        for typed in ["宠物😀牵", "宠物。牵", "宠物\u{200d}牵"] {
            assert!(shown(&index, typed).is_empty(), "{typed}");
        }
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
        assert!(
            !begins_as_typed("冰箱", "", "n"),
            "冰 was once read ning: the primary reading bing decides"
        );
    }

    #[test]
    fn letters_end_as_read_at_a_syllable_or_inside_one_at_no_syllable() {
        assert!(letters_end_as_read("牵引绳", "qian"));
        assert!(letters_end_as_read("牵引绳", "qiany"));
        assert!(!letters_end_as_read("强力", "qian"), "qian is a syllable");
        assert!(
            !letters_end_as_read("强力", "qia"),
            "qia (恰) is a syllable too"
        );
        assert!(letters_end_as_read("强力", "qiangl"), "l is no syllable");
        assert!(letters_end_as_read("牵引绳", "qys"), "initials pass");
    }
}

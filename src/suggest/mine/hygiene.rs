//! Candidate hygiene: the rules a mined phrase must pass to read as a query
//! a person would type, and the canonical spacing of model numbers.
//!
//! The rules that need only the text ([`has_stray_latin`], [`canonical_model_spacing`],
//! [`ShapeLimits`]) also serve the junk audit of `indexer eval-suggest`; the
//! rules that need the whole corpus (a phrase glued to a neighbouring
//! character, a fragment of a more popular candidate, a phrase no query
//! contains) are applied by the miner with the tallies it keeps.

use std::borrow::Cow;

use rustc_hash::FxHashSet;
use serde::Serialize;

use crate::analysis::Analyzer;
use crate::text::is_han;

/// One hygiene rule, as named in the build summary and the junk audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HygieneRule {
    /// A single Latin letter, or one letter repeated (oo), glued to a word:
    /// 零食o, 零食oo (title artefacts, a literal `O` for a space).
    StrayLatin,
    /// A space inside a model number (华为p 30, iphone 17 e): rewritten to
    /// the canonical spacing, not removed.
    ModelNumberSpacing,
    /// Starts or ends inside a word: the character next to it is nearly
    /// always the same and forms a dictionary word with its edge (口径全自动 in 大口径全自动).
    PartialWord,
    /// Longer, in characters or words, than nearly every logged query.
    RunOn,
    /// Appears inside no logged query and is no brand + product word
    /// (judged only when the log is large enough).
    NotQueryLike,
    /// Almost only ever seen as the start of a longer candidate (连衣 of
    /// 连衣裙), and not itself a logged query.
    PrefixFragment,
}

impl HygieneRule {
    /// Every rule, in the order the miner applies them.
    pub const ALL: [HygieneRule; 6] = [
        HygieneRule::ModelNumberSpacing,
        HygieneRule::StrayLatin,
        HygieneRule::RunOn,
        HygieneRule::PartialWord,
        HygieneRule::NotQueryLike,
        HygieneRule::PrefixFragment,
    ];

    /// The rule's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            HygieneRule::StrayLatin => "stray_latin",
            HygieneRule::ModelNumberSpacing => "model_number_spacing",
            HygieneRule::PartialWord => "partial_word",
            HygieneRule::RunOn => "run_on",
            HygieneRule::NotQueryLike => "not_query_like",
            HygieneRule::PrefixFragment => "prefix_fragment",
        }
    }
}

/// How many mined phrases each rule removed (or, for model numbers, rewrote).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HygieneReport {
    /// Distinct phrases mined from titles, captions, hashtags and the starts
    /// of logged queries, before the rules.
    pub mined_phrases: u64,
    /// Mined phrases kept as candidates.
    pub kept_phrases: u64,
    /// Per rule, the phrases it removed (for model numbers: the distinct
    /// phrases merged from another spacing, which stay); a phrase is
    /// counted under the first rule that removes it.
    pub by_rule: Vec<(HygieneRule, u64)>,
    /// The shape learned from the log that [`HygieneRule::RunOn`] applied.
    pub shape: ShapeLimits,
    /// Whether the log was large enough for [`HygieneRule::NotQueryLike`].
    pub query_evidence_used: bool,
}

impl HygieneReport {
    /// The count of `rule`, 0 when it removed nothing.
    pub fn removed_by(&self, rule: HygieneRule) -> u64 {
        self.by_rule
            .iter()
            .find(|(each, _)| *each == rule)
            .map_or(0, |(_, count)| *count)
    }

    pub(super) fn add(&mut self, rule: HygieneRule, count: u64) {
        match self.by_rule.iter_mut().find(|(each, _)| *each == rule) {
            Some((_, total)) => *total += count,
            None => self.by_rule.push((rule, count)),
        }
    }
}

/// Letter + hanzi words a person does type (T恤, U盘, A字裙): a single
/// letter glued before these is not an artefact.
const LETTER_WORDS: &[&str] = &[
    "t恤", "u盘", "a字", "v领", "x光", "b超", "k金", "q版", "k歌", "c位", "t台", "h型", "o型",
    "x型", "u型", "v型", "a货", "b站", "s码", "m码", "l码",
];

/// Hanzi words a single letter is written after (维生素c, 维e): a letter
/// glued after these is part of the name, not an artefact.
const WORDS_BEFORE_A_LETTER: &[&str] = &["维生素", "维"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Han,
    Letter,
    Digit,
    Space,
    Other,
}

fn class_of(c: char) -> Class {
    if is_han(c) {
        Class::Han
    } else if c.is_ascii_alphabetic() {
        Class::Letter
    } else if c.is_ascii_digit() {
        Class::Digit
    } else if c == ' ' {
        Class::Space
    } else {
        Class::Other
    }
}

/// Runs of characters of one class: (class, start char index, end char index).
fn runs(chars: &[char]) -> Vec<(Class, usize, usize)> {
    let mut runs: Vec<(Class, usize, usize)> = Vec::new();
    for (index, &c) in chars.iter().enumerate() {
        let class = class_of(c);
        match runs.last_mut() {
            Some((last, _, end)) if *last == class => *end = index + 1,
            _ => runs.push((class, index, index + 1)),
        }
    }
    runs
}

/// Whether normalised `text` has a stray Latin letter: one letter (or one
/// letter repeated) glued after a hanzi and not starting a model number
/// (零食o, 零食oo零食), or a single letter standing alone between spaces
/// (华为 p). A letter before hanzi that together make a typed word (t恤) is kept.
pub fn has_stray_latin(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let runs = runs(&chars);
    for (position, &(class, start, end)) in runs.iter().enumerate() {
        if class != Class::Letter {
            continue;
        }
        let letters = &chars[start..end];
        let one_letter_repeated = letters.iter().all(|&c| c == letters[0]);
        if !one_letter_repeated || letters.len() > 3 {
            continue;
        }
        let before = position.checked_sub(1).map(|p| runs[p].0);
        let after = runs.get(position + 1).map(|run| run.0);
        if after == Some(Class::Digit) {
            continue; // p30, x9: a model number
        }
        if after == Some(Class::Han) {
            let next: String = chars[start..(end + 1).min(chars.len())].iter().collect();
            if letters.len() == 1 && LETTER_WORDS.contains(&next.as_str()) {
                continue;
            }
        }
        let han_before: String = chars[..start].iter().collect();
        let names_a_letter = letters.len() == 1
            && WORDS_BEFORE_A_LETTER
                .iter()
                .any(|word| han_before.ends_with(word));
        let glued_after_han = before == Some(Class::Han) && !names_a_letter;
        let alone = letters.len() == 1
            && matches!(before, None | Some(Class::Space))
            && matches!(after, None | Some(Class::Space))
            && runs.len() > 1;
        let repeated_glued =
            letters.len() >= 2 && (before == Some(Class::Han) || after == Some(Class::Han));
        if glued_after_han || alone || repeated_glued {
            return true;
        }
    }
    false
}

/// The canonical spacing of model numbers, so 华为p 30 and 华为p30, mate20
/// and mate 20, iphone 17 e and iphone 17e are one candidate:
/// - a series of one or two letters is glued to its number (p 30 → p30);
/// - a word of three or more letters keeps a space before its number
///   (mate20 → mate 20, iphone15 → iphone 15), as the search log writes them;
/// - a single letter after a number is glued to it (17 e → 17e), except at
///   the end of a prefix being typed (`typing`), where it may be the start
///   of a word (iphone 15 p… on the way to pro).
pub fn canonical_model_spacing(text: &str, typing: bool) -> Cow<'_, str> {
    if !text.bytes().any(|byte| byte.is_ascii_digit()) {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let runs = runs(&chars);
    let mut out = String::with_capacity(text.len() + 4);
    for (position, &(class, start, end)) in runs.iter().enumerate() {
        let before = position.checked_sub(1).map(|p| runs[p]);
        let after = runs.get(position + 1).copied();
        match class {
            Class::Space if end - start == 1 => {
                let (Some(before), Some(after)) = (before, after) else {
                    out.extend(&chars[start..end]);
                    continue;
                };
                let series_then_number = before.0 == Class::Letter
                    && before.2 - before.1 <= 2
                    && after.0 == Class::Digit;
                let after_after = runs.get(position + 2).map(|run| run.0);
                let number_then_letter = before.0 == Class::Digit
                    && after.0 == Class::Letter
                    && after.2 - after.1 == 1
                    && matches!(after_after, None | Some(Class::Space | Class::Han))
                    && !(typing && after_after.is_none());
                if !(series_then_number || number_then_letter) {
                    out.push(' ');
                }
            }
            Class::Digit => {
                let word_before = before
                    .is_some_and(|(class, start, end)| class == Class::Letter && end - start >= 3);
                if word_before {
                    out.push(' ');
                }
                out.extend(&chars[start..end]);
            }
            _ => out.extend(&chars[start..end]),
        }
    }
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// The shape of a query learned from the log: mined phrases longer than
/// nearly every logged query are run-on title chunks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ShapeLimits {
    /// Most characters (spaces not counted).
    pub max_chars: usize,
    /// Most jieba words.
    pub max_words: usize,
}

/// Share of logged queries the learned shape must admit.
const SHAPE_QUANTILE: f64 = 0.95;
/// Fewest distinct logged queries to learn a shape from.
const MIN_QUERIES_FOR_SHAPE: usize = 100;

impl ShapeLimits {
    /// The 95th percentile of the characters and of the words of the logged
    /// `queries` (normalised, distinct), each at most the configured
    /// `fallback`; the fallback alone when the log has fewer than 100 queries.
    pub fn learn(queries: &[&str], analyzer: &Analyzer, fallback: ShapeLimits) -> ShapeLimits {
        use rayon::prelude::*;
        if queries.len() < MIN_QUERIES_FOR_SHAPE {
            return fallback;
        }
        let (mut chars, mut words): (Vec<usize>, Vec<usize>) = queries
            .par_iter()
            .map(|query| (compact_chars(query), analyzer.words(query).len()))
            .unzip();
        let quantile = |values: &mut Vec<usize>| {
            values.sort_unstable();
            let index = ((values.len() as f64) * SHAPE_QUANTILE) as usize;
            values[index.min(values.len() - 1)]
        };
        ShapeLimits {
            max_chars: quantile(&mut chars).clamp(2, fallback.max_chars),
            max_words: quantile(&mut words).clamp(1, fallback.max_words),
        }
    }

    /// Whether a phrase of `text` mined as `words` words exceeds the shape.
    pub fn is_run_on(&self, text: &str, words: usize) -> bool {
        compact_chars(text) > self.max_chars || words > self.max_words
    }
}

fn compact_chars(text: &str) -> usize {
    text.chars().filter(|c| *c != ' ').count()
}

/// Longest logged query, in characters, whose substrings are indexed as
/// evidence: longer queries add only their first characters' substrings.
const EVIDENCE_QUERY_CHARS: usize = 24;

/// Hashes of every substring (2+ characters, spaces dropped) of the logged
/// queries: a mined phrase found here appears inside a query people typed.
pub struct QueryEvidence {
    substrings: FxHashSet<u64>,
}

impl QueryEvidence {
    /// The substrings of `queries` (normalised).
    pub fn new(queries: &[&str]) -> Self {
        use rayon::prelude::*;
        let substrings = queries
            .par_iter()
            .fold(FxHashSet::default, |mut set, query| {
                let chars: Vec<char> = query
                    .chars()
                    .filter(|c| *c != ' ')
                    .take(EVIDENCE_QUERY_CHARS)
                    .collect();
                for start in 0..chars.len() {
                    for end in start + 2..=chars.len() {
                        set.insert(hash_chars(&chars[start..end]));
                    }
                }
                set
            })
            .reduce(FxHashSet::default, |mut left, right| {
                left.extend(right);
                left
            });
        QueryEvidence { substrings }
    }

    /// Whether `text` (spaces dropped) appears inside a logged query.
    pub fn appears_in_log(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().filter(|c| *c != ' ').collect();
        chars.len() <= EVIDENCE_QUERY_CHARS && self.substrings.contains(&hash_chars(&chars))
    }
}

fn hash_chars(chars: &[char]) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(chars)
}

/// The most frequent neighbour of a phrase in its documents, tracked with
/// the mergeable majority counter (Misra–Gries with one slot): `count` is
/// at most that character's occurrences, and at least twice them minus all.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MajorityNeighbour {
    /// The candidate neighbour; `'\0'` stands for none (the text's edge, a
    /// Latin word, punctuation).
    pub neighbour: char,
    /// Its counter.
    pub count: u32,
}

impl MajorityNeighbour {
    /// Counts one occurrence next to `neighbour`.
    pub fn observe(&mut self, neighbour: char) {
        self.merge(MajorityNeighbour {
            neighbour,
            count: 1,
        });
    }

    /// Merges the counter of other documents.
    pub fn merge(&mut self, other: MajorityNeighbour) {
        if self.count == 0 {
            *self = other;
        } else if self.neighbour == other.neighbour {
            self.count = self.count.saturating_add(other.count);
        } else if self.count >= other.count {
            self.count -= other.count;
        } else {
            *self = MajorityNeighbour {
                neighbour: other.neighbour,
                count: other.count - self.count,
            };
        }
    }

    /// The hanzi next to the phrase in at least 80% of its `occurrences`
    /// (a counter of 60% or more guarantees it), if any.
    pub fn dominant(&self, occurrences: u64) -> Option<char> {
        let dominant = self.neighbour != '\0'
            && occurrences >= 2
            && f64::from(self.count) >= 0.6 * occurrences as f64;
        dominant.then_some(self.neighbour)
    }
}

/// Whether a phrase whose left neighbour is nearly always `left` (or right
/// neighbour `right`) cuts a word there: the neighbour and the phrase's
/// edge (character or first/last word) form a dictionary word.
pub fn cuts_a_word(
    analyzer: &Analyzer,
    text: &str,
    left: Option<char>,
    right: Option<char>,
) -> bool {
    let mut chars = text.chars();
    let (Some(first), Some(last)) = (chars.next(), text.chars().next_back()) else {
        return false;
    };
    let glued = |word: String| word.chars().count() >= 2 && analyzer.is_dictionary_word(&word);
    let left_cut = left.is_some_and(|left| {
        is_han(first) && {
            let second: Option<char> = text.chars().nth(1);
            glued(format!("{left}{first}"))
                || second.is_some_and(|second| glued(format!("{left}{first}{second}")))
        }
    });
    let right_cut = right.is_some_and(|right| {
        is_han(last) && {
            let before_last: Option<char> = text.chars().rev().nth(1);
            glued(format!("{last}{right}"))
                || before_last.is_some_and(|before| glued(format!("{before}{last}{right}")))
        }
    });
    left_cut || right_cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dictionaries::Dictionaries;

    #[test]
    fn stray_letters_and_repeated_artefacts_are_found() {
        for junk in ["零食o", "零食oo", "零食o零食", "华为 p", "零食ooo"] {
            assert!(has_stray_latin(junk), "{junk}");
        }
        for clean in [
            "t恤男",
            "纯棉t恤",
            "华为p30",
            "iphone 17e",
            "卫衣ins风",
            "u盘",
            "零食",
            "iphone 15 pro max",
            "xxl码",
            "维生素c",
            "维e乳",
        ] {
            assert!(!has_stray_latin(clean), "{clean}");
        }
    }

    #[test]
    fn model_numbers_are_spaced_one_way() {
        assert_eq!(canonical_model_spacing("华为p 30", false), "华为p30");
        assert_eq!(canonical_model_spacing("mate20", false), "mate 20");
        assert_eq!(canonical_model_spacing("mate 20", false), "mate 20");
        assert_eq!(canonical_model_spacing("iphone 17 e", false), "iphone 17e");
        assert_eq!(
            canonical_model_spacing("iphone15手机壳", false),
            "iphone 15手机壳"
        );
        assert_eq!(
            canonical_model_spacing("iphone 15 pro max", false),
            "iphone 15 pro max"
        );
        assert_eq!(canonical_model_spacing("连衣裙", false), "连衣裙");
        // Typing, a last letter may be the start of a word (pro).
        assert_eq!(canonical_model_spacing("iphone 15 p", true), "iphone 15 p");
        assert_eq!(canonical_model_spacing("iphone 15 p", false), "iphone 15p");
        assert_eq!(canonical_model_spacing("华为p 3", true), "华为p3");
    }

    #[test]
    fn run_on_shape_is_learned_from_the_log() {
        let analyzer = Analyzer::new(&Dictionaries::embedded());
        let queries: Vec<String> = (0..200)
            .map(|index| {
                if index % 2 == 0 {
                    "连衣裙".to_string()
                } else {
                    "夏季连衣裙".to_string()
                }
            })
            .collect();
        let queries: Vec<&str> = queries.iter().map(String::as_str).collect();
        let fallback = ShapeLimits {
            max_chars: 24,
            max_words: 3,
        };
        let shape = ShapeLimits::learn(&queries, &analyzer, fallback);
        assert_eq!(shape.max_chars, 5);
        assert!(shape.is_run_on("美特退钉枪枪针", 2), "7 chars against 5");
        assert!(!shape.is_run_on("连衣裙", 1));
        // Too small a log: the configured limits.
        assert_eq!(
            ShapeLimits::learn(&queries[..10], &analyzer, fallback),
            fallback
        );
    }

    #[test]
    fn query_evidence_finds_substrings_of_logged_queries() {
        let evidence = QueryEvidence::new(&["碎花连衣裙夏", "iphone 15"]);
        assert!(evidence.appears_in_log("连衣裙"));
        assert!(evidence.appears_in_log("iphone15"));
        assert!(!evidence.appears_in_log("扣环活动页"));
    }

    #[test]
    fn majority_neighbour_merges_and_judges() {
        let mut left = MajorityNeighbour::default();
        for c in ['大', '大', '大', '小'] {
            left.observe(c);
        }
        assert_eq!(left.dominant(4), None, "3 of 4 leaves a counter of 2");
        let mut more = MajorityNeighbour::default();
        for _ in 0..6 {
            more.observe('大');
        }
        left.merge(more);
        assert_eq!(left.dominant(10), Some('大'));
        let mut edge = MajorityNeighbour::default();
        edge.observe('\0');
        edge.observe('\0');
        assert_eq!(edge.dominant(2), None, "the text's edge is no neighbour");
    }

    #[test]
    fn a_dominant_neighbour_that_makes_a_word_cuts_it() {
        let analyzer = Analyzer::new(&Dictionaries::embedded());
        assert!(cuts_a_word(&analyzer, "衣裙", Some('连'), None));
        assert!(cuts_a_word(&analyzer, "连衣", None, Some('裙')));
        assert!(!cuts_a_word(&analyzer, "连衣裙", Some('款'), Some('女')));
    }
}

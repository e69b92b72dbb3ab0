//! Mining suggestion candidates from a validated catalog: the search log,
//! brands, categories, anchor names, hashtags, and phrases of consecutive
//! jieba words from titles and captions, each with its popularity signals;
//! [`hygiene`] decides which mined phrases read as queries, [`popularity`]
//! turns a dated log into decayed, rising counts.

pub mod hygiene;
pub mod popularity;
pub mod signals;
pub mod words;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use rustc_hash::{FxHashMap, FxHashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::Analyzer;
use crate::catalog::{Anchor, Catalog, LoggedQuery};
use crate::text::{is_han, normalize};
use hygiene::{
    canonical_model_spacing, cuts_a_word, has_stray_latin, HygieneReport, HygieneRule,
    MajorityNeighbour, QueryEvidence, ShapeLimits,
};
use popularity::{log_signals, newest_date, LogSignals};
use signals::DocumentSignals;
use words::{CatalogWords, WordLists};

/// How candidates are mined and scored; every setting has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuggestConfig {
    /// Weight of the search-log count in the popularity score.
    pub search_log_weight: f64,
    /// Weight of the sales of products whose titles contain the candidate.
    pub sales_weight: f64,
    /// Weight of the followers of anchors whose products, videos and lives contain it.
    pub followers_weight: f64,
    /// Longest phrase mined from titles and captions, in jieba words.
    pub max_phrase_words: usize,
    /// A phrase of several words must occur in at least this many documents.
    pub min_phrase_documents: u64,
    /// Fewest characters of a candidate.
    pub min_chars: usize,
    /// Most characters of a candidate.
    pub max_chars: usize,
    /// Candidates kept, the most popular first.
    pub max_candidates: usize,
    /// Whether the hygiene rules apply to mined phrases (off: every phrase
    /// that passes the length and blocklist checks, as before the rules).
    pub hygiene: bool,
    /// Factor on the popularity of a phrase mined from titles and captions
    /// (not a logged query or the start of logged queries, not a brand,
    /// category or anchor name): a logged query of similar popularity comes first.
    pub mined_phrase_factor: f64,
    /// Fewest distinct logged queries for the log to judge which mined
    /// phrases look like queries (a smaller log judges nothing).
    pub min_log_queries_for_evidence: usize,
    /// Days after which a logged count weighs half.
    pub half_life_days: f64,
    /// Days, up to the build's date, whose counts make the rising window.
    pub rising_recent_days: u32,
    /// Days before the rising window whose daily average is the baseline.
    pub rising_baseline_days: u32,
    /// Searches per day added to both windows, so a handful is no trend.
    pub rising_prior: f64,
    /// Largest rising boost.
    pub max_rising_boost: f64,
    /// Fuzzy pinyin: which confusions typed pinyin may make.
    pub fuzzy: crate::suggest::keys::FuzzyRules,
}

impl Default for SuggestConfig {
    fn default() -> Self {
        SuggestConfig {
            search_log_weight: 0.5,
            sales_weight: 0.3,
            followers_weight: 0.2,
            max_phrase_words: 3,
            min_phrase_documents: 2,
            min_chars: 2,
            max_chars: 24,
            max_candidates: 1_000_000,
            hygiene: true,
            mined_phrase_factor: 0.7,
            min_log_queries_for_evidence: 1_000,
            half_life_days: 7.0,
            rising_recent_days: 1,
            rising_baseline_days: 7,
            rising_prior: 1.0,
            max_rising_boost: 3.0,
            fuzzy: crate::suggest::keys::FuzzyRules::default(),
        }
    }
}

impl SuggestConfig {
    /// Checks the settings together; the error names the key at fault
    /// (`suggest.min_chars`, ...).
    pub fn validate(&self) -> crate::Result<()> {
        let invalid =
            |key: &str, reason| crate::Error::invalid_option(format!("suggest.{key}"), reason);
        if self.min_chars == 0 || self.min_chars > self.max_chars {
            return Err(invalid(
                "min_chars",
                "must be at least 1 and at most max_chars",
            ));
        }
        if self.max_phrase_words == 0 {
            return Err(invalid("max_phrase_words", "must be at least 1"));
        }
        let weights = [
            ("search_log_weight", self.search_log_weight),
            ("sales_weight", self.sales_weight),
            ("followers_weight", self.followers_weight),
        ];
        crate::Error::check_each("suggest", &weights, crate::error::Bound::NotNegative)?;
        if !(self.mined_phrase_factor > 0.0 && self.mined_phrase_factor <= 1.0) {
            return Err(invalid(
                "mined_phrase_factor",
                "must be above 0 and at most 1",
            ));
        }
        if !(self.half_life_days.is_finite() && self.half_life_days > 0.0) {
            return Err(invalid(
                "half_life_days",
                "must be a positive number of days",
            ));
        }
        if self.rising_recent_days == 0 || self.rising_baseline_days == 0 {
            let key = if self.rising_recent_days == 0 {
                "rising_recent_days"
            } else {
                "rising_baseline_days"
            };
            return Err(invalid(key, "must be at least 1 day"));
        }
        if !(self.rising_prior.is_finite() && self.rising_prior > 0.0) {
            return Err(invalid("rising_prior", "must be a positive number"));
        }
        if !(self.max_rising_boost.is_finite() && self.max_rising_boost >= 1.0) {
            return Err(invalid(
                "max_rising_boost",
                "must be a number of at least 1",
            ));
        }
        if weights.iter().map(|(_, weight)| weight).sum::<f64>() <= 0.0 {
            return Err(invalid(
                "search_log_weight",
                "the weights (search_log_weight, sales_weight, followers_weight) must not all be zero",
            ));
        }
        Ok(())
    }
}

/// The raw signals behind a candidate's score, kept so it can be explained.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, bincode::Encode, bincode::Decode,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Components {
    /// Count in the search log.
    pub search_count: u64,
    /// Sales of products whose titles contain it.
    pub sales: u64,
    /// Followers of anchors whose content contains it.
    pub followers: u64,
    /// Products, videos, lives and anchors whose text contains it.
    pub documents: u64,
    /// Whether it is a brand, category or anchor name, or a logged query
    /// (kept even when it occurs in only one document).
    pub curated: bool,
    /// Whether it is itself a logged query (not only the start of longer ones).
    pub queried: bool,
    /// Search-log counts decayed by age (with those of the longer logged
    /// queries it begins): the count the score uses.
    #[serde(serialize_with = "crate::finite::f32_or_zero")]
    pub recent_search: f32,
    /// Rising boost of its own searches against their recent baseline (1: not rising).
    #[serde(serialize_with = "crate::finite::f32_or_zero")]
    pub rising: f32,
}

impl Components {
    /// The trending score the hot list ranks by: decayed searches × rising.
    pub fn trending(&self) -> f32 {
        self.recent_search * self.rising.max(1.0)
    }
}

impl Components {
    fn add(&mut self, other: &Components) {
        self.search_count = self.search_count.saturating_add(other.search_count);
        self.sales = self.sales.saturating_add(other.sales);
        self.followers = self.followers.saturating_add(other.followers);
        self.documents = self.documents.saturating_add(other.documents);
        self.curated |= other.curated;
        self.queried |= other.queried;
        self.recent_search += other.recent_search;
        self.rising = self.rising.max(other.rising);
    }
}

/// A mined candidate with its popularity in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, bincode::Encode, bincode::Decode)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    /// The text suggested.
    pub text: String,
    #[serde(serialize_with = "crate::finite::f32_or_zero")]
    /// Popularity in [0, 1].
    pub score: f32,
    /// The signals behind the score.
    pub components: Components,
}

/// Decides which texts may be suggested.
pub struct CandidateFilter<'a> {
    analyzer: &'a Analyzer,
    blocklist: &'a [String],
    min_chars: usize,
    max_chars: usize,
}

impl<'a> CandidateFilter<'a> {
    /// A filter with the blocklist and the length limits of `config`.
    pub fn new(analyzer: &'a Analyzer, blocklist: &'a [String], config: &SuggestConfig) -> Self {
        CandidateFilter {
            analyzer,
            blocklist,
            min_chars: config.min_chars,
            max_chars: config.max_chars,
        }
    }

    /// Whether normalised `text` is allowed as a suggestion.
    pub fn allows(&self, text: &str) -> bool {
        let chars = text.chars().count();
        if chars < self.min_chars || chars > self.max_chars {
            return false;
        }
        let has_han = text.chars().any(is_han);
        let letters = text
            .chars()
            .filter(|c| c.is_alphabetic() && !is_han(*c))
            .count();
        if !has_han && letters < 2 {
            return false; // pure numbers, punctuation, single letters
        }
        if self.analyzer.is_stopword(text) {
            return false;
        }
        !self.is_blocked(text)
    }

    /// Whether `text` contains a blocklisted term.
    pub fn is_blocked(&self, text: &str) -> bool {
        holds_blocked_term(text, self.blocklist)
    }
}

/// Whether `text` contains a term of `blocklist`, spaces aside (高 仿 is
/// 高仿): the one rule mining and the completions of a loaded index both
/// apply.
pub fn holds_blocked_term(text: &str, blocklist: &[String]) -> bool {
    let unspaced = text.contains(' ').then(|| text.replace(' ', ""));
    blocklist.iter().any(|term| {
        let term = term.as_str();
        !term.is_empty()
            && (text.contains(term) || unspaced.as_deref().is_some_and(|text| text.contains(term)))
    })
}

/// Joins consecutive words: Latin and digit words keep a space between them.
fn join_words<S: AsRef<str>>(words: &[S]) -> String {
    let mut phrase = String::new();
    for word in words {
        let word = word.as_ref();
        let latin_boundary = phrase
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && word
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if latin_boundary {
            phrase.push(' ');
        }
        phrase.push_str(word);
    }
    phrase
}

/// Hashtags of a caption (#好物推荐 → 好物推荐), normalised.
pub fn hashtags(caption: &str) -> Vec<String> {
    caption
        .split(['#', '＃'])
        .skip(1)
        .filter_map(|rest| {
            let tag: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '#' && *c != '＃')
                .collect();
            let tag = normalize(&tag);
            (!tag.is_empty()).then_some(tag)
        })
        .collect()
}

/// Signals per phrase, with the number of words it was mined with (0 for
/// names and logged queries, which are kept whatever their length).
type Tally = FxHashMap<String, Tallied>;

#[derive(Debug, Clone, Copy, Default)]
struct Tallied {
    components: Components,
    words: u8,
    /// The hanzi most often right before and right after it in its documents.
    left: MajorityNeighbour,
    right: MajorityNeighbour,
    /// Whether it was merged from a spelling with other model-number spacing.
    respaced: bool,
}

/// A chunk of titles' or captions' tally: leaner than [`Tally`], since every
/// chunk holds much of the vocabulary again (the build's peak memory is
/// here): a boxed key, and only the signals documents give.
type ChunkTally = FxHashMap<Box<str>, ChunkTallied>;

/// [`Tallied`] of a phrase in one chunk of documents.
#[derive(Debug, Clone, Copy, Default)]
struct ChunkTallied {
    sales: u64,
    followers: u64,
    /// At most the chunk's documents ([`DOCUMENTS_PER_TALLY`]).
    documents: u32,
    words: u8,
    respaced: bool,
    left: MajorityNeighbour,
    right: MajorityNeighbour,
}

impl ChunkTallied {
    /// Counts one document with `signals` (only their sales, followers and
    /// documents: documents give no other signal).
    fn add(&mut self, signals: &Components) {
        self.sales = self.sales.saturating_add(signals.sales);
        self.followers = self.followers.saturating_add(signals.followers);
        self.documents = self
            .documents
            .saturating_add(u32::try_from(signals.documents).unwrap_or(u32::MAX));
    }

    fn into_tallied(self) -> Tallied {
        Tallied {
            components: Components {
                sales: self.sales,
                followers: self.followers,
                documents: u64::from(self.documents),
                ..Components::default()
            },
            words: self.words,
            left: self.left,
            right: self.right,
            respaced: self.respaced,
        }
    }
}

impl Tallied {
    fn merge(&mut self, other: &Tallied) {
        self.components.add(&other.components);
        if self.words == 0 || (other.words != 0 && other.words < self.words) {
            self.words = other.words;
        }
        self.left.merge(other.left);
        self.right.merge(other.right);
        self.respaced |= other.respaced;
    }
}

/// The phrases of a text: (first word, number of words) for every run of
/// up to `max_phrase_words` words within `max_chars` characters.
fn phrase_spans(words: &[&str], config: &SuggestConfig) -> Vec<(usize, usize)> {
    let chars: Vec<usize> = words.iter().map(|word| word.chars().count()).collect();
    let mut spans = Vec::with_capacity(words.len() * config.max_phrase_words);
    for start in 0..words.len() {
        let mut length_chars = 0;
        for length in 1..=config.max_phrase_words.min(words.len() - start) {
            // A space may join Latin words: count it so the limit holds.
            length_chars += chars[start + length - 1] + usize::from(length > 1);
            if length_chars > config.max_chars + 2 {
                break;
            }
            spans.push((start, length));
        }
    }
    spans
}

/// A hash of a run of words, the same in both mining passes.
fn phrase_hash(words: &[&str]) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut hasher = rustc_hash::FxBuildHasher.build_hasher();
    for word in words {
        word.hash(&mut hasher);
    }
    hasher.finish()
}

/// First pass: hashes of the phrases of several words that occur in at
/// least `min_phrase_documents` documents. Counting hashes allocates no
/// strings; only these phrases are then tallied as text. Each chunk of texts
/// gives its hashes (once per text) sorted, and the runs of the merged
/// chunks are their counts: a hash map per chunk cost about three times the
/// memory, at the build's peak.
fn frequent_phrases(catalog_words: &CatalogWords, config: &SuggestConfig) -> FxHashSet<u64> {
    let texts: Vec<&[u32]> = catalog_words
        .products
        .iter()
        .chain(catalog_words.videos.iter())
        .collect();
    let chunk = texts
        .len()
        .div_ceil(rayon::current_num_threads() * 2)
        .max(1);
    let sorted_chunks: Vec<Vec<u64>> = texts
        .par_chunks(chunk)
        .map(|texts| {
            let mut chunk_hashes = Vec::new();
            let mut hashes = Vec::new();
            let mut words = Vec::new();
            for text in texts {
                catalog_words.fill(text, &mut words);
                hashes.clear();
                hashes.extend(
                    phrase_spans(&words, config)
                        .into_iter()
                        .filter(|&(_, length)| length > 1)
                        .map(|(start, length)| phrase_hash(&words[start..start + length])),
                );
                hashes.sort_unstable();
                hashes.dedup();
                chunk_hashes.extend_from_slice(&hashes);
            }
            chunk_hashes.sort_unstable();
            chunk_hashes
        })
        .collect();
    drop(texts);
    let mut hashes = merge_sorted(sorted_chunks).peekable();
    let mut frequent = FxHashSet::default();
    while let Some(hash) = hashes.next() {
        let mut documents = 1;
        while hashes.next_if_eq(&hash).is_some() {
            documents += 1;
        }
        if documents >= config.min_phrase_documents {
            frequent.insert(hash);
        }
    }
    frequent
}

/// The values of sorted `runs` in one sorted sequence (each run freed once
/// read to its end).
fn merge_sorted(runs: Vec<Vec<u64>>) -> impl Iterator<Item = u64> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut runs: Vec<std::vec::IntoIter<u64>> = runs.into_iter().map(Vec::into_iter).collect();
    let mut heads: BinaryHeap<Reverse<(u64, usize)>> = runs
        .iter_mut()
        .enumerate()
        .filter_map(|(index, run)| Some(Reverse((run.next()?, index))))
        .collect();
    std::iter::from_fn(move || {
        let Reverse((value, index)) = heads.pop()?;
        match runs[index].next() {
            Some(next) => heads.push(Reverse((next, index))),
            None => runs[index] = Vec::new().into_iter(),
        }
        Some(value)
    })
}

/// The hanzi at one edge of a word, `'\0'` when there is none (no word, or
/// a Latin or digit word: a phrase cannot be glued to those).
fn edge_han(word: Option<&&str>, last: bool) -> char {
    let edge = word.and_then(|word| {
        if last {
            word.chars().next_back()
        } else {
            word.chars().next()
        }
    });
    edge.filter(|c| is_han(*c)).unwrap_or('\0')
}

/// Adds the phrases of one text (each counted once per document); phrases
/// of several words only when `frequent` holds their hash.
fn tally_text(
    tally: &mut ChunkTally,
    config: &SuggestConfig,
    frequent: &FxHashSet<u64>,
    words: &[&str],
    signals: Components,
    extra: &[String],
) {
    // (phrase, words in it, left and right neighbours); each phrase counts
    // once per document, with the neighbours of its first occurrence.
    let mut phrases: Vec<(String, u8, char, char)> = Vec::with_capacity(words.len() * 2);
    for (start, length) in phrase_spans(words, config) {
        let run = &words[start..start + length];
        if length > 1 && !frequent.contains(&phrase_hash(run)) {
            continue;
        }
        let phrase = join_words(run);
        if phrase.chars().count() <= config.max_chars {
            let left = edge_han(start.checked_sub(1).map(|index| &words[index]), true);
            let right = edge_han(words.get(start + length), false);
            phrases.push((phrase, length as u8, left, right));
        }
    }
    phrases.extend(extra.iter().map(|tag| (tag.clone(), 0, '\0', '\0')));
    phrases.sort_by(|left, right| left.0.cmp(&right.0));
    phrases.dedup_by(|later, earlier| later.0 == earlier.0);
    for (phrase, words, left, right) in phrases {
        let entry = match tally.get_mut(phrase.as_str()) {
            Some(entry) => entry,
            None => tally.entry(phrase.into_boxed_str()).or_default(),
        };
        entry.add(&signals);
        if entry.words == 0 || words < entry.words {
            entry.words = words;
        }
        entry.left.observe(left);
        entry.right.observe(right);
    }
}

/// The candidates of a catalog with what hygiene did to the mined phrases.
#[derive(Debug, Clone)]
pub struct Mined {
    /// Candidates sorted by score (then text), most popular first.
    pub candidates: Vec<Candidate>,
    /// How many mined phrases each hygiene rule removed.
    pub hygiene: HygieneReport,
    /// The day the log was read as of (None: an undated log).
    pub as_of: Option<time::Date>,
    /// The product words of the logged queries, for related searches.
    pub related: Vec<crate::suggest::related::RelatedWord>,
    /// The words that follow each word of the candidates.
    pub next_words: Vec<crate::suggest::next_words::NextWords>,
}

impl Mined {
    /// The candidates, and what the suggestion index stores beside them
    /// (with fuzzy keys folded by `fuzzy`, and the `blocklist` they were
    /// mined with).
    pub fn into_index_parts(
        self,
        fuzzy: crate::suggest::FuzzyRules,
        blocklist: &[String],
    ) -> (Vec<Candidate>, crate::suggest::index::SuggestExtras) {
        let extras = crate::suggest::index::SuggestExtras {
            fuzzy,
            related: self.related,
            next_words: self.next_words,
            blocklist: blocklist.to_vec(),
        };
        (self.candidates, extras)
    }
}

/// Mines, filters, scores and ranks the candidates of `catalog`, reading
/// the search log as of `as_of` (by default its newest date); the result is
/// sorted by score (then text), most popular first.
pub fn mine_candidates(
    catalog: &Catalog,
    analyzer: &Analyzer,
    blocklist: &[String],
    config: &SuggestConfig,
    as_of: Option<time::Date>,
) -> Mined {
    let input = MiningInput {
        words: CatalogWords::analyze(catalog, analyzer),
        documents: DocumentSignals::of(catalog),
        anchors: &catalog.anchors,
        queries: &catalog.queries,
    };
    mine_candidates_from(input, analyzer, blocklist, config, as_of)
}

/// What mining reads of a catalog: the words and signals of its products
/// and videos (a build collects both while indexing, freeing each record
/// once indexed), its anchors and its search log.
#[derive(Debug)]
pub struct MiningInput<'a> {
    /// The words of every title and caption; dropped as soon as the phrases
    /// are counted.
    pub words: CatalogWords,
    /// The signals of every product and video, in the same order.
    pub documents: DocumentSignals,
    /// Every anchor (their names are candidates).
    pub anchors: &'a [Anchor],
    /// The search log.
    pub queries: &'a [LoggedQuery],
}

/// [`mine_candidates`] from what a build kept of the catalog.
///
/// # Panics
///
/// When the words and the signals are of different numbers of products or
/// videos (a caller's bug: they were taken from different catalogs).
pub fn mine_candidates_from(
    input: MiningInput<'_>,
    analyzer: &Analyzer,
    blocklist: &[String],
    config: &SuggestConfig,
    as_of: Option<time::Date>,
) -> Mined {
    let MiningInput {
        words,
        documents,
        anchors,
        queries,
    } = input;
    assert!(
        words.products.len() == documents.products.len()
            && words.videos.len() == documents.videos.len(),
        "the words and the signals of different catalogs"
    );
    let as_of = as_of.or_else(|| newest_date(queries));
    let document = |sales: u64, followers: u64| Components {
        sales,
        followers,
        documents: 1,
        ..Components::default()
    };
    let frequent = frequent_phrases(&words, config);
    crate::process::phase_mark("mine: frequent phrases");

    // One tally per chunk of documents, not per rayon split: merging many
    // large maps cost more than building them, and every chunk's map holds
    // much of the vocabulary again (hence the lean [`ChunkTally`]).
    // Chunks are cut by document count, never by thread count: the
    // majority-neighbour counters merge in chunk order, so the same catalog
    // gives the same candidates on any machine.
    let mut chunk_tallies = tally_chunks(
        &documents.products,
        &words.products,
        &words,
        config,
        &frequent,
        |product| (document(product.sales, product.followers), &[]),
    );
    chunk_tallies.extend(tally_chunks(
        &documents.videos,
        &words.videos,
        &words,
        config,
        &frequent,
        |video| (document(0, video.followers), &video.hashtags),
    ));
    drop(words);
    crate::process::phase_mark("mine: tallies");
    let mut curated = Tally::default();

    // Curated sources: names and the search log, kept even when rare.
    let mut curate = |text: &str, signals: Components| {
        let text = normalize(text);
        if text.is_empty() {
            return;
        }
        let entry = curated.entry(text).or_default();
        entry.components.add(&signals);
        entry.components.curated = true;
    };
    for anchor in anchors {
        curate(&anchor.name, document(0, anchor.followers));
    }
    let mut brands: FxHashSet<String> = FxHashSet::default();
    for product in &documents.products {
        let brand = documents.brand(product);
        if let Some(brand) = brand {
            brands.insert(normalize(brand));
        }
        for name in [brand, documents.category(product)].into_iter().flatten() {
            curate(
                name,
                Components {
                    sales: product.sales,
                    ..Components::default()
                },
            );
        }
    }
    drop(documents);
    let signals = log_signals(queries, as_of, config);
    for (query, logged) in &signals {
        curate(
            query,
            Components {
                search_count: logged.count,
                queried: true,
                recent_search: logged.recent as f32,
                rising: logged.rising(config) as f32,
                ..Components::default()
            },
        );
    }
    let mut tallies = vec![curated];
    // What many logged queries start with (连衣裙 in 连衣裙女夏, 连衣裙长款) is
    // itself a query people are on the way to: count it with their counts.
    // A mined phrase, not a curated one: hygiene judges it.
    let mut starts = Tally::default();
    for (prefix, (count, recent, queries)) in logged_query_prefixes(&signals, analyzer) {
        if queries >= 2 {
            let entry = starts.entry(prefix).or_default();
            entry.components.add(&Components {
                search_count: count,
                recent_search: recent as f32,
                ..Components::default()
            });
        }
    }
    tallies.push(starts);
    crate::process::phase_mark("mine: curated");

    let mut report = HygieneReport::default();
    let logged_texts: Vec<&str> = signals.keys().map(String::as_str).collect();
    let fallback_shape = ShapeLimits {
        max_chars: config.max_chars,
        max_words: config.max_phrase_words,
    };
    let shape = ShapeLimits::learn(&logged_texts, analyzer, fallback_shape);
    report.shape = shape;
    let evidence = (config.hygiene && logged_texts.len() >= config.min_log_queries_for_evidence)
        .then(|| QueryEvidence::new(&logged_texts));
    report.query_evidence_used = evidence.is_some();
    let judge = Judge {
        analyzer,
        config,
        shape,
        evidence: evidence.as_ref(),
        brands: &brands,
        counts: HygieneRule::ALL.map(|_| AtomicU64::new(0)),
        mined: AtomicU64::new(0),
    };

    // Merge by shard: every chunk splits its tally by hash, then each shard
    // is merged, filtered and scored on its own, in parallel. Model numbers
    // are respaced first, so 华为p 30 and 华为p30 merge into one.
    const SHARDS: usize = 64;
    fn spaced<K: AsRef<str> + From<String>>(text: K, respaced: &mut bool) -> K {
        match canonical_model_spacing(text.as_ref(), false) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(spaced) => {
                *respaced = true;
                K::from(spaced)
            }
        }
    }
    fn split<K: AsRef<str> + From<String>, V>(
        tally: FxHashMap<K, V>,
        respaced: impl Fn(&mut V) -> &mut bool,
    ) -> Vec<Vec<(K, V)>> {
        let mut shards: Vec<Vec<(K, V)>> = (0..SHARDS).map(|_| Vec::new()).collect();
        for (text, mut tallied) in tally {
            let text = spaced(text, respaced(&mut tallied));
            shards[shard_of(text.as_ref(), SHARDS)].push((text, tallied));
        }
        shards
    }
    // The chunks' tallies stay lean until their shard is merged.
    let (chunk_sharded, sharded): (Vec<_>, Vec<_>) = rayon::join(
        || {
            chunk_tallies
                .into_par_iter()
                .map(|tally| split(tally, |tallied: &mut ChunkTallied| &mut tallied.respaced))
                .collect()
        },
        || {
            tallies
                .into_par_iter()
                .map(|tally| split(tally, |tallied: &mut Tallied| &mut tallied.respaced))
                .collect()
        },
    );
    crate::process::phase_mark("mine: sharded");
    let filter = CandidateFilter::new(analyzer, blocklist, config);
    type Pieces = (
        Vec<Vec<(Box<str>, ChunkTallied)>>,
        Vec<Vec<(String, Tallied)>>,
    );
    let mut parts: Vec<Pieces> = (0..SHARDS).map(|_| Pieces::default()).collect();
    for shards in chunk_sharded {
        for (index, shard) in shards.into_iter().enumerate() {
            parts[index].0.push(shard);
        }
    }
    for shards in sharded {
        for (index, shard) in shards.into_iter().enumerate() {
            parts[index].1.push(shard);
        }
    }
    let kept: Vec<(String, Components)> = parts
        .into_par_iter()
        .flat_map_iter(|(chunk_pieces, pieces)| {
            // In the tallies' order: the chunks', then the curated ones.
            let mut merged = Tally::default();
            for (text, tallied) in chunk_pieces.into_iter().flatten() {
                merged
                    .entry(text.into_string())
                    .or_default()
                    .merge(&tallied.into_tallied());
            }
            for (text, tallied) in pieces.into_iter().flatten() {
                merged.entry(text).or_default().merge(&tallied);
            }
            merged
                .into_iter()
                .filter(|(text, tallied)| {
                    let components = &tallied.components;
                    (components.curated
                        || tallied.words <= 1
                        || components.documents >= config.min_phrase_documents)
                        && filter.allows(text)
                        && judge.keeps(text, tallied)
                })
                .map(|(text, tallied)| (text, tallied.components))
                .collect::<Vec<_>>()
        })
        .collect();
    crate::process::phase_mark("mine: merged and judged");
    let kept = if config.hygiene {
        judge.drop_prefix_fragments(kept)
    } else {
        kept
    };
    let mined = judge.mined.load(Ordering::Relaxed);
    report.mined_phrases = mined;
    for (rule, count) in HygieneRule::ALL.iter().zip(&judge.counts) {
        report.add(*rule, count.load(Ordering::Relaxed));
    }
    let removed: u64 = report
        .by_rule
        .iter()
        .filter(|(rule, _)| *rule != HygieneRule::ModelNumberSpacing)
        .map(|(_, count)| count)
        .sum();
    report.kept_phrases = mined.saturating_sub(removed);
    let candidates = score_and_rank(kept, config);
    crate::process::phase_mark("mine: scored");
    // Each candidate segmented once, for both tables.
    let words = crate::suggest::next_words::candidate_words(&candidates, analyzer);
    let (related, next_words) = rayon::join(
        || crate::suggest::related::related_words(&candidates, &words, analyzer),
        || crate::suggest::next_words::next_words_of(&words),
    );
    Mined {
        candidates,
        hygiene: report,
        as_of,
        related,
        next_words,
    }
}

/// One tally per chunk of `records` (in order), each record's words (of
/// `texts`, ids into `words`' vocabulary) counted with the signals and extra
/// phrases (hashtags) `describe` gives it.
fn tally_chunks<R: Sync>(
    records: &[R],
    texts: &WordLists,
    words: &CatalogWords,
    config: &SuggestConfig,
    frequent: &FxHashSet<u64>,
    describe: impl Fn(&R) -> (Components, &[String]) + Sync,
) -> Vec<ChunkTally> {
    let chunks = records.len().div_ceil(DOCUMENTS_PER_TALLY).max(2);
    let chunk = records.len().div_ceil(chunks).max(1);
    records
        .par_chunks(chunk)
        .enumerate()
        .map(|(index, records)| {
            let mut tally = ChunkTally::default();
            let mut text_words = Vec::new();
            for (offset, record) in records.iter().enumerate() {
                let (signals, extra) = describe(record);
                words.fill(texts.get(index * chunk + offset), &mut text_words);
                tally_text(&mut tally, config, frequent, &text_words, signals, extra);
            }
            tally
        })
        .collect()
}

/// Titles or captions per phrase tally (at least two tallies per kind, so
/// two threads share the work even on a small catalog).
const DOCUMENTS_PER_TALLY: usize = 1 << 19;

/// Share of a phrase's evidence its most popular extension must hold for
/// the phrase to be a mere fragment of it.
const FRAGMENT_SHARE: f64 = 0.8;
/// Extensions read per phrase when looking for a more popular one.
const FRAGMENT_SCAN: usize = 512;

/// The hygiene rules with what they need, counting what each removes.
struct Judge<'a> {
    analyzer: &'a Analyzer,
    config: &'a SuggestConfig,
    shape: ShapeLimits,
    evidence: Option<&'a QueryEvidence>,
    brands: &'a FxHashSet<String>,
    /// Per rule of [`HygieneRule::ALL`], phrases removed.
    counts: [AtomicU64; 6],
    /// Mined phrases judged.
    mined: AtomicU64,
}

impl Judge<'_> {
    fn count(&self, rule: HygieneRule) {
        if let Some(index) = HygieneRule::ALL.iter().position(|each| *each == rule) {
            self.counts[index].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether a merged phrase passes the rules that need only itself and
    /// its tallies; names and logged queries always pass.
    fn keeps(&self, text: &str, tallied: &Tallied) -> bool {
        if tallied.components.curated {
            return true;
        }
        self.mined.fetch_add(1, Ordering::Relaxed);
        if tallied.respaced {
            self.count(HygieneRule::ModelNumberSpacing);
        }
        if !self.config.hygiene {
            return true;
        }
        let broken = self.broken_rule(text, tallied);
        if let Some(rule) = broken {
            self.count(rule);
        }
        broken.is_none()
    }

    fn broken_rule(&self, text: &str, tallied: &Tallied) -> Option<HygieneRule> {
        if has_stray_latin(text) {
            return Some(HygieneRule::StrayLatin);
        }
        if self.shape.is_run_on(text, usize::from(tallied.words)) {
            return Some(HygieneRule::RunOn);
        }
        let occurrences = tallied.components.documents;
        let left = tallied.left.dominant(occurrences);
        let right = tallied.right.dominant(occurrences);
        if (left.is_some() || right.is_some()) && cuts_a_word(self.analyzer, text, left, right) {
            return Some(HygieneRule::PartialWord);
        }
        if let Some(evidence) = self.evidence {
            let from_log = tallied.components.search_count > 0;
            if !from_log && !evidence.appears_in_log(text) && !self.is_brand_and_product(text) {
                return Some(HygieneRule::NotQueryLike);
            }
        }
        None
    }

    /// A brand, a product word (one word), or a brand followed by a product word.
    fn is_brand_and_product(&self, text: &str) -> bool {
        if self.brands.contains(text) {
            return true;
        }
        let words = self.analyzer.words(text);
        match words.as_slice() {
            [word] => self.analyzer.is_product_word(word),
            [brand, rest @ ..] => {
                self.brands.contains(brand.as_str())
                    && self.analyzer.is_product_word(&rest.concat())
            }
            [] => false,
        }
    }

    /// Drops mined phrases that are almost only the start of one longer
    /// candidate (连衣 of 连衣裙): an extension holds at least 80% of the
    /// phrase's evidence (documents and searches).
    fn drop_prefix_fragments(
        &self,
        mut kept: Vec<(String, Components)>,
    ) -> Vec<(String, Components)> {
        kept.par_sort_unstable_by(|left, right| left.0.cmp(&right.0));
        let evidence = |components: &Components| {
            components.documents as f64 + f64::from(components.recent_search)
        };
        let fragment: Vec<bool> = (0..kept.len())
            .into_par_iter()
            .map(|index| {
                let (text, components) = &kept[index];
                if components.curated || components.queried {
                    return false;
                }
                let own = evidence(components);
                kept[index + 1..]
                    .iter()
                    .take(FRAGMENT_SCAN)
                    .take_while(|(longer, _)| longer.starts_with(text.as_str()))
                    .any(|(_, longer)| evidence(longer) >= FRAGMENT_SHARE * own)
            })
            .collect();
        let removed = fragment.iter().filter(|is| **is).count() as u64;
        if let Some(index) = HygieneRule::ALL
            .iter()
            .position(|rule| *rule == HygieneRule::PrefixFragment)
        {
            self.counts[index].fetch_add(removed, Ordering::Relaxed);
        }
        kept.into_iter()
            .zip(fragment)
            .filter(|(_, is_fragment)| !is_fragment)
            .map(|(entry, _)| entry)
            .collect()
    }
}

/// Word-boundary prefixes of the logged queries (all but the whole query),
/// with the summed count, the summed decayed count and the number of
/// queries sharing each.
fn logged_query_prefixes(
    signals: &FxHashMap<String, LogSignals>,
    analyzer: &Analyzer,
) -> HashMap<String, (u64, f64, u64)> {
    signals
        .par_iter()
        .fold(
            HashMap::new,
            |mut prefixes: HashMap<String, (u64, f64, u64)>, (query, logged)| {
                let words = analyzer.words(query);
                for length in 1..words.len() {
                    let entry = prefixes.entry(join_words(&words[..length])).or_default();
                    entry.0 = entry.0.saturating_add(logged.count);
                    entry.1 += logged.recent;
                    entry.2 += 1;
                }
                prefixes
            },
        )
        .reduce(HashMap::new, |mut left, right| {
            for (prefix, (count, recent, queries)) in right {
                let entry = left.entry(prefix).or_default();
                entry.0 = entry.0.saturating_add(count);
                entry.1 += recent;
                entry.2 += queries;
            }
            left
        })
}

fn shard_of(text: &str, shards: usize) -> usize {
    use std::hash::BuildHasher;
    (rustc_hash::FxBuildHasher.hash_one(text) >> 32) as usize % shards
}

/// Blends the components into a popularity score in [0, 1]: each signal
/// on a log scale relative to the largest of its kind, weighted; the search
/// signal is the decayed count times the rising boost. A mined phrase
/// (neither a logged query nor a name) is scaled by `mined_phrase_factor`.
pub fn score_and_rank(kept: Vec<(String, Components)>, config: &SuggestConfig) -> Vec<Candidate> {
    let max_of =
        |pick: fn(&Components) -> u64| kept.iter().map(|(_, c)| pick(c)).max().unwrap_or(0);
    let scale = |value: f64, max: f64| {
        if max <= 0.0 {
            return 0.0;
        }
        value.ln_1p() / max.ln_1p()
    };
    let searched = |components: &Components| f64::from(components.trending());
    let max_search = kept
        .iter()
        .map(|(_, components)| searched(components))
        .fold(0.0, f64::max);
    let max_sales = max_of(|c| c.sales) as f64;
    let max_followers = max_of(|c| c.followers) as f64;
    let total_weight = (config.search_log_weight + config.sales_weight + config.followers_weight)
        .max(f64::MIN_POSITIVE);
    let mut candidates: Vec<Candidate> = kept
        .into_iter()
        .map(|(text, components)| {
            let blended = config.search_log_weight * scale(searched(&components), max_search)
                + config.sales_weight * scale(components.sales as f64, max_sales)
                + config.followers_weight * scale(components.followers as f64, max_followers);
            // Mined from titles and captions only: the starts of logged
            // queries carry searches, and count as the log.
            let mined = !components.curated && !components.queried && components.search_count == 0;
            let factor = if mined && config.hygiene {
                config.mined_phrase_factor
            } else {
                1.0
            };
            Candidate {
                text,
                score: (factor * blended / total_weight).clamp(0.0, 1.0) as f32,
                components,
            }
        })
        .collect();
    candidates.par_sort_unstable_by(|left, right| {
        right
            .score
            .total_cmp(&left.score)
            .then_with(|| left.text.cmp(&right.text))
    });
    candidates.truncate(config.max_candidates);
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_runs_merge_into_one_sorted_sequence() {
        let runs = vec![vec![1, 4, 4, 9], vec![], vec![2, 4, 10], vec![0]];
        let merged: Vec<u64> = merge_sorted(runs).collect();
        assert_eq!(merged, [0, 1, 2, 4, 4, 4, 9, 10]);
    }

    #[test]
    fn hashtags_are_extracted() {
        assert_eq!(
            hashtags("好看 #好物推荐 #秋冬穿搭#国货"),
            ["好物推荐", "秋冬穿搭", "国货"]
        );
        assert!(hashtags("没有标签").is_empty());
    }

    #[test]
    fn latin_words_keep_a_space() {
        let words: Vec<String> = ["iphone", "15", "手机壳"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        assert_eq!(join_words(&words), "iphone 15手机壳");
    }

    fn logged(count: u64) -> Components {
        Components {
            search_count: count,
            recent_search: count as f32,
            rising: 1.0,
            queried: true,
            curated: true,
            ..Default::default()
        }
    }

    #[test]
    fn score_orders_by_blend() {
        let kept = vec![
            ("a连衣裙".to_string(), logged(10)),
            ("b连衣裙".to_string(), logged(1000)),
            (
                "c连衣裙".to_string(),
                Components {
                    sales: 1000,
                    curated: true,
                    ..Default::default()
                },
            ),
        ];
        let ranked = score_and_rank(kept, &SuggestConfig::default());
        assert_eq!(ranked[0].text, "b连衣裙");
        assert!(
            (ranked[0].score - 0.5).abs() < 1e-6,
            "search log alone at its max gives its weight"
        );
        assert!(ranked.iter().all(|c| (0.0..=1.0).contains(&c.score)));
    }

    #[test]
    fn a_logged_query_outranks_a_mined_phrase_of_similar_popularity() {
        // A title phrase selling somewhat more than a rarely searched query.
        let mined = Components {
            sales: 2000,
            documents: 40,
            ..Default::default()
        };
        let query = Components {
            sales: 500,
            documents: 40,
            ..logged(1)
        };
        let kept = || {
            vec![
                ("连衣裙夏".to_string(), mined),
                ("连衣裙女".to_string(), query),
                ("手机".to_string(), logged(100_000)),
            ]
        };
        let ranked = score_and_rank(kept(), &SuggestConfig::default());
        let position = |ranked: &[Candidate], text: &str| {
            ranked.iter().position(|candidate| candidate.text == text)
        };
        assert!(
            position(&ranked, "连衣裙女") < position(&ranked, "连衣裙夏"),
            "{ranked:?}"
        );
        // Without the mined-phrase factor the phrase would lead: the factor decides.
        let without = score_and_rank(
            kept(),
            &SuggestConfig {
                hygiene: false,
                ..SuggestConfig::default()
            },
        );
        assert!(position(&without, "连衣裙夏") < position(&without, "连衣裙女"));
    }

    #[test]
    fn the_rising_boost_multiplies_the_decayed_count() {
        let boosted = Components {
            rising: 2.0,
            ..logged(50)
        };
        let kept = vec![
            ("新品".to_string(), boosted),
            ("老品".to_string(), logged(100)),
        ];
        let ranked = score_and_rank(kept, &SuggestConfig::default());
        assert_eq!(boosted.trending(), 100.0);
        assert_eq!(ranked[0].score, ranked[1].score, "50 × 2 ties 100 × 1");
    }

    use crate::catalog::{LoggedQuery, Product};
    use crate::dictionaries::Dictionaries;
    use time::macros::date;

    fn catalog_of(titles: &[&str], queries: &[(&str, u64, Option<time::Date>)]) -> Catalog {
        Catalog {
            products: titles
                .iter()
                .enumerate()
                .map(|(index, title)| Product {
                    product_id: format!("p{index}"),
                    title: title.to_string(),
                    brand: None,
                    category: None,
                    price_cents: None,
                    sales: 10,
                    anchor_ids: Vec::new(),
                })
                .collect(),
            queries: queries
                .iter()
                .map(|(query, count, date)| LoggedQuery {
                    query: query.to_string(),
                    count: *count,
                    date: *date,
                })
                .collect(),
            ..Catalog::default()
        }
    }

    fn mine(catalog: &Catalog, config: &SuggestConfig) -> Mined {
        let analyzer = Analyzer::new(&Dictionaries::embedded());
        mine_candidates(catalog, &analyzer, &[], config, None)
    }

    fn texts(mined: &Mined) -> Vec<&str> {
        mined.candidates.iter().map(|c| c.text.as_str()).collect()
    }

    #[test]
    fn stray_letters_and_spaced_model_numbers_leave_the_candidates() {
        let catalog = catalog_of(
            &[
                "零食o大礼包",
                "零食o大礼包",
                "华为p 30手机",
                "华为p30手机壳",
            ],
            &[],
        );
        let mined = mine(&catalog, &SuggestConfig::default());
        let texts = texts(&mined);
        assert!(!texts.contains(&"零食o"), "{texts:?}");
        assert!(!texts.contains(&"华为p 30"), "{texts:?}");
        assert!(texts.contains(&"华为p30"), "{texts:?}");
        assert!(mined.hygiene.removed_by(HygieneRule::StrayLatin) >= 1);
        assert!(mined.hygiene.removed_by(HygieneRule::ModelNumberSpacing) >= 1);
        // Without the rules the artefact is a candidate: the rule did the work.
        let without = mine(
            &catalog,
            &SuggestConfig {
                hygiene: false,
                ..SuggestConfig::default()
            },
        );
        assert!(self::texts(&without).contains(&"零食o"));
    }

    #[test]
    fn phrases_no_logged_query_contains_are_dropped_when_the_log_can_judge() {
        let catalog = catalog_of(
            &["夏季新款 碎花连衣裙", "夏季新款 碎花连衣裙"],
            &[("碎花连衣裙夏", 5, None)],
        );
        let config = SuggestConfig {
            min_log_queries_for_evidence: 1,
            ..SuggestConfig::default()
        };
        let mined = mine(&catalog, &config);
        let texts = texts(&mined);
        assert!(
            texts.contains(&"连衣裙"),
            "inside a logged query: {texts:?}"
        );
        assert!(!texts.contains(&"夏季新款"), "in no query: {texts:?}");
        assert!(!texts.contains(&"新款碎花连衣裙"), "in no query: {texts:?}");
        assert!(mined.hygiene.removed_by(HygieneRule::NotQueryLike) >= 1);
        assert!(mined.hygiene.query_evidence_used);
    }

    /// What a judge borrows: the embedded dictionaries, the default
    /// config and no brands.
    struct JudgeInputs {
        analyzer: Analyzer,
        config: SuggestConfig,
        brands: FxHashSet<String>,
    }

    impl JudgeInputs {
        fn new() -> Self {
            Self {
                analyzer: Analyzer::new(&Dictionaries::embedded()),
                config: SuggestConfig::default(),
                brands: FxHashSet::default(),
            }
        }

        /// A judge with a fixed query shape (24 characters, 3 words) and no log.
        fn judge_without_log(&self) -> Judge<'_> {
            Judge {
                analyzer: &self.analyzer,
                config: &self.config,
                shape: ShapeLimits {
                    max_chars: 24,
                    max_words: 3,
                },
                evidence: None,
                brands: &self.brands,
                counts: HygieneRule::ALL.map(|_| AtomicU64::new(0)),
                mined: AtomicU64::new(0),
            }
        }
    }

    #[test]
    fn a_fragment_of_a_more_popular_candidate_goes_unless_searched() {
        let inputs = JudgeInputs::new();
        let judge = inputs.judge_without_log();
        let documents = |documents: u64| Components {
            documents,
            ..Components::default()
        };
        let kept = vec![
            ("连衣".to_string(), documents(10)),
            ("连衣裙".to_string(), documents(9)),
            ("连衣裙夏".to_string(), documents(2)),
            ("长款".to_string(), logged(1)),
            ("长款连衣裙".to_string(), documents(50)),
        ];
        let mut left: Vec<String> = judge
            .drop_prefix_fragments(kept)
            .into_iter()
            .map(|(text, _)| text)
            .collect();
        left.sort();
        assert_eq!(left, ["连衣裙", "连衣裙夏", "长款", "长款连衣裙"]);
        assert_eq!(judge.counts[5].load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_phrase_glued_to_the_same_neighbour_that_makes_a_word_starts_inside_it() {
        let inputs = JudgeInputs::new();
        let judge = inputs.judge_without_log();
        let tallied = |left: &[char], right: &[char]| {
            let mut tallied = Tallied {
                words: 1,
                ..Tallied::default()
            };
            tallied.components.documents = left.len() as u64;
            for (&before, &after) in left.iter().zip(right) {
                tallied.left.observe(before);
                tallied.right.observe(after);
            }
            tallied
        };
        // 衣裙 always after 连 (连衣 is a word): it starts inside 连衣裙.
        assert!(!judge.keeps("衣裙", &tallied(&['连', '连', '连'], &['\0', '女', '夏'])));
        // 连衣 always before 裙: it ends inside 连衣裙.
        assert!(!judge.keeps("连衣", &tallied(&['\0', '款', '夏'], &['裙', '裙', '裙'])));
        // 连衣裙 after varied neighbours, or the same one making no word: kept.
        assert!(judge.keeps("连衣裙", &tallied(&['款', '季', '\0'], &['女', '夏', '\0'])));
        assert!(judge.keeps("连衣裙", &tallied(&['款', '款', '款'], &['\0', '\0', '\0'])));
        assert_eq!(judge.counts[3].load(Ordering::Relaxed), 2, "partial_word");
    }

    #[test]
    fn run_on_title_chunks_are_dropped_by_the_logs_shape() {
        let queries: Vec<(String, u64, Option<time::Date>)> = (0..120)
            .map(|index| (format!("连衣裙{index}"), 1, None))
            .collect();
        let queries: Vec<(&str, u64, Option<time::Date>)> = queries
            .iter()
            .map(|(query, count, date)| (query.as_str(), *count, *date))
            .collect();
        let title = "新款韩版宽松显瘦百搭 女士长袖针织开衫外套";
        let catalog = catalog_of(&[title, title, title], &queries);
        let mined = mine(&catalog, &SuggestConfig::default());
        assert!(
            mined.hygiene.removed_by(HygieneRule::RunOn) >= 1,
            "{:?}",
            mined.hygiene
        );
        let shape = mined.hygiene.shape;
        assert!(mined
            .candidates
            .iter()
            .filter(|c| !c.components.curated)
            .all(|c| c.text.chars().filter(|ch| *ch != ' ').count() <= shape.max_chars));
    }

    #[test]
    fn the_log_is_read_as_of_a_day() {
        let catalog = catalog_of(
            &[],
            &[
                ("连衣裙", 8, Some(date!(2026 - 05 - 10))),
                ("连衣裙", 8, Some(date!(2026 - 05 - 03))),
                ("半身裙", 100, Some(date!(2026 - 05 - 11))),
            ],
        );
        let analyzer = Analyzer::new(&Dictionaries::embedded());
        let config = SuggestConfig::default(); // half-life 7 days
        let as_of = Some(date!(2026 - 05 - 10));
        let mined = mine_candidates(&catalog, &analyzer, &[], &config, as_of);
        assert_eq!(mined.as_of, as_of);
        let texts = texts(&mined);
        assert!(
            !texts.contains(&"半身裙"),
            "searched after the day: {texts:?}"
        );
        let dress = &mined.candidates[0];
        assert_eq!(dress.components.search_count, 16);
        assert!(
            (dress.components.recent_search - 12.0).abs() < 1e-4,
            "8 + 8/2"
        );
        // By default: the newest date, where 半身裙 counts.
        let newest = mine_candidates(&catalog, &analyzer, &[], &config, None);
        assert_eq!(newest.as_of, Some(date!(2026 - 05 - 11)));
        assert_eq!(newest.candidates[0].text, "半身裙");
    }
}

//! Mining suggestion candidates from a validated catalog: the search log,
//! brands, categories, anchor names, hashtags, and phrases of consecutive
//! jieba words from titles and captions, each with its popularity signals.

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::Analyzer;
use crate::catalog::Catalog;
use crate::text::{is_han, normalize};

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
        crate::Error::check_each(
            "suggest",
            &weights,
            |weight| weight.is_finite() && weight >= 0.0,
            "must be finite and not negative",
        )?;
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
}

impl Components {
    fn add(&mut self, other: &Components) {
        self.search_count = self.search_count.saturating_add(other.search_count);
        self.sales = self.sales.saturating_add(other.sales);
        self.followers = self.followers.saturating_add(other.followers);
        self.documents = self.documents.saturating_add(other.documents);
        self.curated |= other.curated;
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
        self.blocklist
            .iter()
            .any(|term| !term.is_empty() && text.contains(term.as_str()))
    }
}

/// Joins consecutive words: Latin and digit words keep a space between them.
fn join_words(words: &[String]) -> String {
    let mut phrase = String::new();
    for word in words {
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
}

/// The phrases of a text: (first word, number of words) for every run of
/// up to `max_phrase_words` words within `max_chars` characters.
fn phrase_spans(words: &[String], config: &SuggestConfig) -> Vec<(usize, usize)> {
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
fn phrase_hash(words: &[String]) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut hasher = rustc_hash::FxBuildHasher.build_hasher();
    for word in words {
        word.hash(&mut hasher);
    }
    hasher.finish()
}

/// First pass: hashes of the phrases of several words that occur in at
/// least `min_phrase_documents` documents. Counting hashes allocates no
/// strings; only these phrases are then tallied as text.
fn frequent_phrases(texts: &[&str], analyzer: &Analyzer, config: &SuggestConfig) -> FxHashSet<u64> {
    let chunk = texts
        .len()
        .div_ceil(rayon::current_num_threads() * 2)
        .max(1);
    let counts: Vec<FxHashMap<u64, u32>> = texts
        .par_chunks(chunk)
        .map(|texts| {
            let mut counts: FxHashMap<u64, u32> = FxHashMap::default();
            let mut hashes = Vec::new();
            for text in texts {
                let words = analyzer.words(text);
                hashes.clear();
                hashes.extend(
                    phrase_spans(&words, config)
                        .into_iter()
                        .filter(|&(_, length)| length > 1)
                        .map(|(start, length)| phrase_hash(&words[start..start + length])),
                );
                hashes.sort_unstable();
                hashes.dedup();
                for hash in &hashes {
                    *counts.entry(*hash).or_default() += 1;
                }
            }
            counts
        })
        .collect();
    let mut total: FxHashMap<u64, u32> = FxHashMap::default();
    for counts in counts {
        for (hash, count) in counts {
            *total.entry(hash).or_default() += count;
        }
    }
    total
        .into_iter()
        .filter(|&(_, count)| u64::from(count) >= config.min_phrase_documents)
        .map(|(hash, _)| hash)
        .collect()
}

/// Adds the phrases of one text (each counted once per document); phrases
/// of several words only when `frequent` holds their hash.
fn tally_text(
    tally: &mut Tally,
    analyzer: &Analyzer,
    config: &SuggestConfig,
    frequent: &FxHashSet<u64>,
    text: &str,
    signals: Components,
    extra: &[String],
) {
    let words = analyzer.words(text);
    // (phrase, words in it); each phrase counts once per document.
    let mut phrases: Vec<(String, u8)> = Vec::with_capacity(words.len() * 2);
    for (start, length) in phrase_spans(&words, config) {
        let run = &words[start..start + length];
        if length > 1 && !frequent.contains(&phrase_hash(run)) {
            continue;
        }
        let phrase = join_words(run);
        if phrase.chars().count() <= config.max_chars {
            phrases.push((phrase, length as u8));
        }
    }
    phrases.extend(extra.iter().map(|tag| (tag.clone(), 0)));
    phrases.sort_unstable();
    phrases.dedup_by(|later, earlier| later.0 == earlier.0);
    for (phrase, words) in phrases {
        let entry = tally.entry(phrase).or_default();
        entry.components.add(&signals);
        if entry.words == 0 || words < entry.words {
            entry.words = words;
        }
    }
}

/// Mines, filters, scores and ranks the candidates of `catalog`; the result
/// is sorted by score (then text), most popular first.
pub fn mine_candidates(
    catalog: &Catalog,
    analyzer: &Analyzer,
    blocklist: &[String],
    config: &SuggestConfig,
) -> Vec<Candidate> {
    let anchors = catalog.anchor_by_id();
    let document = |sales: u64, followers: u64| Components {
        sales,
        followers,
        documents: 1,
        ..Components::default()
    };
    let texts: Vec<&str> = catalog
        .products
        .iter()
        .map(|product| product.title.as_str())
        .chain(catalog.videos.iter().map(|video| video.caption.as_str()))
        .collect();
    let frequent = frequent_phrases(&texts, analyzer, config);

    // One tally per chunk of documents (a few per thread), not per rayon
    // split: merging many large maps cost more than building them.
    let chunk_count = rayon::current_num_threads() * 2;
    let product_chunk = catalog.products.len().div_ceil(chunk_count).max(1);
    let video_chunk = catalog.videos.len().div_ceil(chunk_count).max(1);
    let from_products = catalog.products.par_chunks(product_chunk).map(|products| {
        let mut tally = Tally::default();
        for product in products {
            let followers = product
                .anchor_ids
                .iter()
                .filter_map(|id| anchors.get(id.as_str()))
                .map(|anchor| anchor.followers)
                .max()
                .unwrap_or(0);
            tally_text(
                &mut tally,
                analyzer,
                config,
                &frequent,
                &product.title,
                document(product.sales, followers),
                &[],
            );
        }
        tally
    });
    let from_videos = catalog.videos.par_chunks(video_chunk).map(|videos| {
        let mut tally = Tally::default();
        for video in videos {
            let followers = anchors
                .get(video.anchor_id.as_str())
                .map_or(0, |anchor| anchor.followers);
            let tags = hashtags(&video.caption);
            tally_text(
                &mut tally,
                analyzer,
                config,
                &frequent,
                &video.caption,
                document(0, followers),
                &tags,
            );
        }
        tally
    });
    let mut tallies: Vec<Tally> = from_products.chain(from_videos).collect();
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
    for anchor in &catalog.anchors {
        curate(&anchor.name, document(0, anchor.followers));
    }
    for product in &catalog.products {
        for name in [&product.brand, &product.category].into_iter().flatten() {
            curate(
                name,
                Components {
                    sales: product.sales,
                    ..Components::default()
                },
            );
        }
    }
    for logged in &catalog.queries {
        curate(
            &logged.query,
            Components {
                search_count: logged.count,
                ..Components::default()
            },
        );
    }
    // What many logged queries start with (连衣裙 in 连衣裙女夏, 连衣裙长款) is
    // itself a query people are on the way to: count it with their counts.
    for (prefix, (count, queries)) in logged_query_prefixes(catalog, analyzer) {
        if queries >= 2 {
            curate(
                &prefix,
                Components {
                    search_count: count,
                    ..Components::default()
                },
            );
        }
    }

    tallies.push(curated);

    // Merge by shard: every chunk splits its tally by hash, then each shard
    // is merged, filtered and scored on its own, in parallel.
    const SHARDS: usize = 64;
    let sharded: Vec<Vec<Vec<(String, Tallied)>>> = tallies
        .into_par_iter()
        .map(|tally| {
            let mut shards: Vec<Vec<(String, Tallied)>> = (0..SHARDS).map(|_| Vec::new()).collect();
            for (text, tallied) in tally {
                shards[shard_of(&text, SHARDS)].push((text, tallied));
            }
            shards
        })
        .collect();
    let filter = CandidateFilter::new(analyzer, blocklist, config);
    let mut parts: Vec<Vec<Vec<(String, Tallied)>>> = (0..SHARDS).map(|_| Vec::new()).collect();
    for shards in sharded {
        for (index, shard) in shards.into_iter().enumerate() {
            parts[index].push(shard);
        }
    }
    let kept: Vec<(String, Components)> = parts
        .into_par_iter()
        .flat_map_iter(|pieces| {
            let mut merged = Tally::default();
            for (text, tallied) in pieces.into_iter().flatten() {
                merge_entry(&mut merged, text, tallied);
            }
            merged
                .into_iter()
                .filter(|(text, tallied)| {
                    let components = &tallied.components;
                    (components.curated
                        || tallied.words <= 1
                        || components.documents >= config.min_phrase_documents)
                        && filter.allows(text)
                })
                .map(|(text, tallied)| (text, tallied.components))
                .collect::<Vec<_>>()
        })
        .collect();
    score_and_rank(kept, config)
}

/// Word-boundary prefixes of the logged queries (all but the whole query),
/// with the summed count and the number of queries sharing each.
fn logged_query_prefixes(catalog: &Catalog, analyzer: &Analyzer) -> HashMap<String, (u64, u64)> {
    catalog
        .queries
        .par_iter()
        .fold(
            HashMap::new,
            |mut prefixes: HashMap<String, (u64, u64)>, logged| {
                let words = analyzer.words(&logged.query);
                for length in 1..words.len() {
                    let entry = prefixes.entry(join_words(&words[..length])).or_default();
                    entry.0 = entry.0.saturating_add(logged.count);
                    entry.1 += 1;
                }
                prefixes
            },
        )
        .reduce(HashMap::new, |mut left, right| {
            for (prefix, (count, queries)) in right {
                let entry = left.entry(prefix).or_default();
                entry.0 = entry.0.saturating_add(count);
                entry.1 += queries;
            }
            left
        })
}

fn shard_of(text: &str, shards: usize) -> usize {
    use std::hash::BuildHasher;
    (rustc_hash::FxBuildHasher.hash_one(text) >> 32) as usize % shards
}

fn merge_entry(into: &mut Tally, text: String, tallied: Tallied) {
    let entry = into.entry(text).or_default();
    entry.components.add(&tallied.components);
    if entry.words == 0 || (tallied.words != 0 && tallied.words < entry.words) {
        entry.words = tallied.words;
    }
}

/// Blends the components into a popularity score in [0, 1]: each signal
/// on a log scale relative to the largest of its kind, weighted.
pub fn score_and_rank(kept: Vec<(String, Components)>, config: &SuggestConfig) -> Vec<Candidate> {
    let max_of =
        |pick: fn(&Components) -> u64| kept.iter().map(|(_, c)| pick(c)).max().unwrap_or(0);
    let scale = |value: u64, max: u64| {
        if max == 0 {
            return 0.0;
        }
        (value as f64).ln_1p() / (max as f64).ln_1p()
    };
    let max_search = max_of(|c| c.search_count);
    let max_sales = max_of(|c| c.sales);
    let max_followers = max_of(|c| c.followers);
    let total_weight = (config.search_log_weight + config.sales_weight + config.followers_weight)
        .max(f64::MIN_POSITIVE);
    let mut candidates: Vec<Candidate> = kept
        .into_iter()
        .map(|(text, components)| {
            let blended = config.search_log_weight * scale(components.search_count, max_search)
                + config.sales_weight * scale(components.sales, max_sales)
                + config.followers_weight * scale(components.followers, max_followers);
            Candidate {
                text,
                score: (blended / total_weight) as f32,
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

    #[test]
    fn score_orders_by_blend() {
        let kept = vec![
            (
                "a连衣裙".to_string(),
                Components {
                    search_count: 10,
                    ..Default::default()
                },
            ),
            (
                "b连衣裙".to_string(),
                Components {
                    search_count: 1000,
                    ..Default::default()
                },
            ),
            (
                "c连衣裙".to_string(),
                Components {
                    sales: 1000,
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
}

//! Query understanding from the catalog itself: the words of a query, their
//! variants, how rare each is (IDF), which one names the product (中心词),
//! and which words a relaxed search may drop.

use serde::Serialize;
use tantivy::query::{EnableScoring, Query};
use tantivy::{DocSet, Searcher, Term, TERMINATED};

use super::query::required_query;
use super::SearchContext;
use crate::analysis::AnalyzerMode;
use crate::error::Result;
use crate::schema::DocType;
use crate::text::is_han;

/// How much more a guessed product word weighs than its IDF alone when
/// relaxation chooses what to drop.
const GUESSED_PRODUCT_WEIGHT: f32 = 1.0;

/// With no word required, words held by more than this share of the
/// documents only count for hits that other words retrieved.
const ANY_WORD_MAX_SHARE: f64 = 0.02;

/// A word held by at most this many documents always retrieves: in a small
/// catalog every word is cheap.
const ANY_WORD_MIN_LIMIT: u64 = 1_000;

/// What a word does in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WordRole {
    /// The word naming what is bought (钱包 in 真皮钱包), a word the
    /// dictionaries know as a product: dropped last.
    Product,
    /// The product word guessed as the last plain noun of the query (节气门
    /// in 节气门总成 is not known to name a product): rare words outrank it.
    GuessedProduct,
    /// A brand or another word the product must have.
    Attribute,
}

/// One word of the query with its variants and statistics.
#[derive(Debug, Clone)]
pub struct QueryWord {
    /// The word as analysed (normalised).
    pub text: String,
    /// The word as typed, then its parts (小米手环 → 小米 手环) when a
    /// dictionary splits it, then its synonyms; each as query-mode tokens (a
    /// variant of several tokens must match them side by side).
    pub variants: Vec<Vec<String>>,
    /// Documents holding the word or a variant in some field (an upper bound:
    /// the largest count over fields and variants).
    pub document_frequency: u64,
    /// BM25's inverse document frequency of that count.
    pub idf: f32,
    /// What the word is to the query.
    pub role: WordRole,
}

/// The words of a query and the subset every hit must match.
#[derive(Debug, Clone)]
pub struct QueryPlan {
    /// The query's words in order.
    pub words: Vec<QueryWord>,
    /// Index into `words` of the product word, if the query names one.
    pub product_word: Option<usize>,
    /// Indexes of the words every hit matches (all words unless relaxed;
    /// none when even the most important word alone matched too few
    /// documents, and then a hit matches any present word).
    pub required: Vec<usize>,
    /// Indexes of the words dropped by relaxation, in the order dropped.
    pub dropped: Vec<usize>,
}

impl QueryPlan {
    /// Analyses `text`, looks up every word's statistics and relaxes the
    /// required words until enough documents of `doc_type` match.
    pub fn new(context: &SearchContext<'_>, text: &str, doc_type: Option<DocType>) -> Result<Self> {
        let analyzer = context.analyzer;
        let searcher = context.searcher;
        let mut tokens = analyzer.token_texts(text, AnalyzerMode::Query);
        tokens.dedup();
        let tokens = join_single_characters(context, tokens)?;
        let total_documents = searcher.num_docs().max(1);
        let mut words = Vec::new();
        let mut index = 0;
        while index < tokens.len() {
            // A synonym may span several query words (手提 电脑 → 手提电脑).
            let joined = (2..=3)
                .rev()
                .filter(|span| index + span <= tokens.len())
                .map(|span| (span, tokens[index..index + span].concat()))
                .find(|(_, joined)| !analyzer.synonyms_of(joined).is_empty());
            let (span, word) = joined.unwrap_or_else(|| (1, tokens[index].clone()));
            index += span;
            if words.iter().any(|known: &QueryWord| known.text == word) {
                continue;
            }
            let tiling = (span == 1)
                .then(|| analyzer.subword_tiling(&word))
                .flatten();
            let variants: Vec<Vec<String>> = std::iter::once(split_word(context, &word, span))
                .chain(tiling)
                .chain(
                    analyzer
                        .synonyms_of(&word)
                        .iter()
                        .map(|variant| analyzer.token_texts(variant, AnalyzerMode::Query))
                        .filter(|tokens| !tokens.is_empty()),
                )
                .collect();
            let document_frequency = document_frequency(searcher, context, &variants)?;
            words.push(QueryWord {
                idf: idf(document_frequency, total_documents),
                role: WordRole::Attribute,
                text: word,
                variants,
                document_frequency,
            });
        }
        let product_word = product_word(context, &words);
        if let Some(product) = product_word {
            words[product].role = if names_product(context, &words[product]) {
                WordRole::Product
            } else {
                WordRole::GuessedProduct
            };
        }
        let mut plan = QueryPlan {
            required: (0..words.len()).collect(),
            dropped: Vec::new(),
            words,
            product_word,
        };
        plan.relax(context, doc_type)?;
        Ok(plan)
    }

    /// Whether some word of the query occurs in the catalog at all.
    pub fn matches_anything(&self) -> bool {
        self.words.iter().any(|word| word.document_frequency > 0)
    }

    /// Drops words that match nothing, then the least important words one by
    /// one, while fewer than `relax_min_hits` documents match every
    /// required word and more than one word is left.
    fn relax(&mut self, context: &SearchContext<'_>, doc_type: Option<DocType>) -> Result<()> {
        let absent: Vec<usize> = self
            .required
            .iter()
            .copied()
            .filter(|&word| self.words[word].document_frequency == 0)
            .collect();
        for word in absent {
            self.drop_word(word);
        }
        let wanted = context.config.relax_min_hits;
        while self.required.len() > 1 {
            let query = required_query(context, self, doc_type);
            if matches_at_least(context.searcher, query.as_ref(), wanted)? {
                break;
            }
            let least = *self
                .required
                .iter()
                .min_by(|&&left, &&right| {
                    self.importance(left)
                        .total_cmp(&self.importance(right))
                        // Of equal importance, drop the earlier word: the
                        // head of a Chinese noun phrase comes last.
                        .then(left.cmp(&right))
                })
                .expect("more than one word is required");
            self.drop_word(least);
        }
        // Even the most important word alone finds too few: any word will
        // do, those matching more words (and the product word) first.
        if let [last] = self.required[..] {
            let others_match = self
                .words
                .iter()
                .enumerate()
                .any(|(index, word)| index != last && word.document_frequency > 0);
            let query = required_query(context, self, doc_type);
            if others_match && !matches_at_least(context.searcher, query.as_ref(), wanted)? {
                self.drop_word(last);
            }
        }
        Ok(())
    }

    /// The words whose documents are retrieved when no word is required:
    /// the present words held by at most `ANY_WORD_MAX_SHARE` of the
    /// documents (or `ANY_WORD_MIN_LIMIT`) (a hit of a common word alone is a poor hit, and merging its
    /// long posting list is what makes such a search slow); the most
    /// important present word when every one is common. Documents retrieved
    /// still count every word they match.
    pub fn any_word_retrieval(&self, total_documents: u64) -> Vec<usize> {
        let limit =
            ((total_documents as f64 * ANY_WORD_MAX_SHARE).ceil() as u64).max(ANY_WORD_MIN_LIMIT);
        let present = self.present_words();
        let rare: Vec<usize> = present
            .iter()
            .copied()
            .filter(|&word| self.words[word].document_frequency <= limit)
            .collect();
        if !rare.is_empty() {
            return rare;
        }
        present
            .into_iter()
            .max_by(|&left, &right| self.importance(left).total_cmp(&self.importance(right)))
            .into_iter()
            .collect()
    }

    /// Indexes of the words that can match (some document holds them).
    pub fn present_words(&self) -> Vec<usize> {
        (0..self.words.len())
            .filter(|&word| self.words[word].document_frequency > 0)
            .collect()
    }

    fn drop_word(&mut self, word: usize) {
        self.required.retain(|&required| required != word);
        self.dropped.push(word);
    }

    /// How much a hit needs the word: its IDF, the product word far above
    /// every other.
    fn importance(&self, word: usize) -> f32 {
        let word = &self.words[word];
        match word.role {
            WordRole::Product => 1_000.0 + word.idf,
            WordRole::GuessedProduct => GUESSED_PRODUCT_WEIGHT * word.idf,
            WordRole::Attribute => word.idf,
        }
    }

    /// The texts of the dropped words.
    pub fn dropped_texts(&self) -> Vec<String> {
        self.dropped
            .iter()
            .map(|&word| self.words[word].text.clone())
            .collect()
    }
}

/// Joins runs of single Chinese characters that jieba left apart in a short
/// query (讯|飞|有声) into the word the catalog holds (讯飞), when it does.
fn join_single_characters(context: &SearchContext<'_>, tokens: Vec<String>) -> Result<Vec<String>> {
    let is_single_han = |token: &String| {
        let mut chars = token.chars();
        matches!((chars.next(), chars.next()), (Some(c), None) if is_han(c))
    };
    let mut joined = Vec::with_capacity(tokens.len());
    let mut index = 0;
    while index < tokens.len() {
        let run = tokens[index..]
            .iter()
            .take_while(|token| is_single_han(token))
            .count()
            .min(4);
        let mut taken = 1;
        for length in (2..=run).rev() {
            let word = tokens[index..index + length].concat();
            let term = Term::from_field_text(context.fields.title, &word);
            if context.searcher.doc_freq(&term)? > 0 {
                taken = length;
                break;
            }
        }
        joined.push(tokens[index..index + taken].concat());
        index += taken;
    }
    Ok(joined)
}

/// Whether at least `wanted` live documents match `query`: stops counting
/// there, so a common word costs no more than a rare one.
fn matches_at_least(searcher: &Searcher, query: &dyn Query, wanted: usize) -> Result<bool> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut found = 0;
    for segment in searcher.segment_readers() {
        let mut scorer = weight.scorer(segment, 1.0)?;
        let alive = segment.alive_bitset();
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                found += 1;
                if found >= wanted {
                    return Ok(true);
                }
            }
            doc = scorer.advance();
        }
    }
    Ok(found >= wanted)
}

/// A word joined from several query tokens keeps them as its first variant
/// (the catalog may hold them apart); otherwise the word itself.
fn split_word(context: &SearchContext<'_>, word: &str, span: usize) -> Vec<String> {
    if span == 1 {
        return vec![word.to_string()];
    }
    context.analyzer.token_texts(word, AnalyzerMode::Query)
}

/// The largest document count of any single-token variant in any searched
/// field; a variant of several tokens counts as its rarest token.
fn document_frequency(
    searcher: &Searcher,
    context: &SearchContext<'_>,
    variants: &[Vec<String>],
) -> Result<u64> {
    let mut largest = 0;
    for variant in variants {
        let mut rarest = u64::MAX;
        for token in variant {
            let mut token_count = 0;
            for field in context.fields.searched_text_fields() {
                token_count =
                    token_count.max(searcher.doc_freq(&Term::from_field_text(field, token))?);
            }
            rarest = rarest.min(token_count);
        }
        if rarest != u64::MAX {
            largest = largest.max(rarest);
        }
    }
    Ok(largest)
}

/// BM25's IDF (as tantivy computes it).
fn idf(document_frequency: u64, total_documents: u64) -> f32 {
    let df = document_frequency.min(total_documents) as f32;
    let total = total_documents as f32;
    (1.0 + (total - df + 0.5) / (df + 0.5)).ln()
}

/// The product word: the last word (Chinese noun phrases are head-final)
/// that names a kind of product; else the last Chinese word of two or more
/// characters that is not an attribute (brand, material, audience, …).
fn product_word(context: &SearchContext<'_>, words: &[QueryWord]) -> Option<usize> {
    let analyzer = context.analyzer;
    let present = |word: &QueryWord| word.document_frequency > 0;
    let plain_noun = |word: &QueryWord| {
        !analyzer.is_attribute_word(&word.text)
            && word.text.chars().filter(|&c| is_han(c)).count() >= 2
    };
    words
        .iter()
        .rposition(|word| present(word) && names_product(context, word))
        .or_else(|| {
            words
                .iter()
                .rposition(|word| present(word) && plain_noun(word))
        })
}

/// Whether the dictionaries know `word` (or a one-word variant) as a
/// product word.
fn names_product(context: &SearchContext<'_>, word: &QueryWord) -> bool {
    let analyzer = context.analyzer;
    analyzer.is_product_word(&word.text)
        || word
            .variants
            .iter()
            .any(|variant| variant.len() == 1 && analyzer.is_product_word(&variant[0]))
}

//! The relevance collector: every document matching the required words is
//! given a sort key of tiers, then a blended score, and the best are kept.
//!
//! The key, compared in order:
//! 1. how many query words the document matches (so a hit matching every
//!    word ranks above any hit that matches fewer, however popular);
//! 2. the product-word tier: the query's product word among the title's own
//!    product words (2), only mentioned (1: a gift, a part, a compatible
//!    device, a modifier), or absent (0);
//! 3. text × proximity × popularity: BM25 over the fields, raised when
//!    neighbouring query words stand side by side in the title, multiplied by
//!    the saturating popularity blend;
//! 4. the smaller id rank, so ties are deterministic across segments.
//!
//! Popularity thus reorders hits of the same tiers only: it can never lift a
//! mention over the product itself. The words every hit must match come
//! from the retrieval query, whose BM25 score is their sum; the dropped
//! words, the product word's head test and the neighbour phrases are looked
//! up per document by seeking their own scorers forward, which is cheap
//! because tantivy collects a segment in document order.

use std::cmp::{Ordering, Reverse};
use std::sync::Arc;

use serde::Serialize;
use tantivy::columnar::ColumnValues;
use tantivy::query::{EnableScoring, Scorer, Weight};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::config::{RankingConfig, Signals};
use super::plan::{QueryPlan, QueryWord};
use super::prepared::PreparedSearch;
use super::query::{head_query, neighbour_queries, word_query};
use super::top::{SegmentKeys, TopOrder};
use super::SearchContext;
use crate::error::Result;
use crate::schema::{field, DocType};

/// Whether the query's product word names what the document sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProductMatch {
    /// The document does not contain the product word.
    Absent,
    /// The document only mentions it (a gift, part, compatible device or
    /// modifier of another product).
    Mention,
    /// The product word is among the title's own product words, or the
    /// query names no product.
    Product,
}

/// The ordering key of a hit; larger ranks first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SortKey {
    pub words_matched: u32,
    pub product_match: ProductMatch,
    pub score: Score,
    pub id_rank: u64,
}

impl Eq for SortKey {}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.words_matched
            .cmp(&other.words_matched)
            .then(self.product_match.cmp(&other.product_match))
            .then(self.score.total_cmp(&other.score))
            .then(Reverse(self.id_rank).cmp(&Reverse(other.id_rank)))
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Everything the key of one document is made of, for `explain`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tiers {
    /// The query words this document matches.
    pub matched_words: Vec<String>,
    /// The query words it does not match.
    pub missing_words: Vec<String>,
    /// How the document stands to the query's product word.
    pub product_match: ProductMatch,
    /// Pairs of neighbouring query words side by side in the title, of all.
    pub adjacent_pairs: usize,
    /// Pairs of neighbouring query words.
    pub neighbour_pairs: usize,
    /// BM25 over the fields, summed over the matched words.
    #[serde(serialize_with = "crate::finite::f32_or_zero")]
    pub text: f32,
    /// 1 + proximity_weight × adjacent_pairs / neighbour_pairs.
    #[serde(serialize_with = "crate::finite::f32_or_zero")]
    pub proximity: f32,
    #[serde(serialize_with = "crate::finite::f32_or_zero")]
    /// The popularity multiplier.
    pub popularity: f32,
}

/// Weights of the plan's queries, made once per search.
pub(crate) struct PlanWeights {
    /// The dropped words, each with its index in the plan.
    dropped: Vec<(usize, Box<dyn Weight>)>,
    /// Every word, in plan order; made only for `explain`.
    all_words: Vec<Box<dyn Weight>>,
    product: Option<(usize, Box<dyn Weight>)>,
    neighbours: Vec<Box<dyn Weight>>,
}

impl PlanWeights {
    pub(crate) fn new(
        context: &SearchContext<'_>,
        plan: &QueryPlan,
        explain: bool,
    ) -> Result<Self> {
        let searcher = context.searcher;
        let scored = EnableScoring::enabled_from_searcher(searcher);
        let unscored = EnableScoring::disabled_from_searcher(searcher);
        let explained_words: &[QueryWord] = if explain { &plan.words } else { &[] };
        let all_words = explained_words
            .iter()
            .map(|word| word_query(context, word).weight(scored))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let dropped = plan
            .dropped
            .iter()
            .map(|&word| Ok((word, word_query(context, &plan.words[word]).weight(scored)?)))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let product = plan
            .tier_word()
            .map(|word| {
                head_query(context, &plan.words[word])
                    .weight(unscored)
                    .map(|weight| (word, weight))
            })
            .transpose()?;
        let neighbours = neighbour_queries(context, plan)
            .iter()
            .map(|query| query.weight(unscored))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(PlanWeights {
            dropped,
            all_words,
            product,
            neighbours,
        })
    }
}

/// Fast-field columns of one segment (cheap to clone: shared handles).
#[derive(Clone)]
pub(crate) struct Columns {
    sales: Option<Arc<dyn ColumnValues<u64>>>,
    followers: Option<Arc<dyn ColumnValues<u64>>>,
    likes: Option<Arc<dyn ColumnValues<u64>>>,
    id_rank: Option<Arc<dyn ColumnValues<u64>>>,
    doc_type: Option<Arc<dyn ColumnValues<u64>>>,
}

impl Columns {
    pub(crate) fn new(segment: &SegmentReader) -> Self {
        let fast = segment.fast_fields();
        let column = |name: &str| {
            fast.u64(name)
                .ok()
                .map(|column| column.first_or_default_col(0))
        };
        Columns {
            sales: column(field::SALES),
            followers: column(field::FOLLOWERS),
            likes: column(field::LIKES),
            id_rank: column(field::ID_RANK),
            doc_type: column(field::DOC_TYPE_CODE),
        }
    }

    fn value(column: &Option<Arc<dyn ColumnValues<u64>>>, doc: DocId) -> u64 {
        column.as_ref().map_or(0, |column| column.get_val(doc))
    }

    fn signals(&self, doc: DocId) -> (Signals, bool) {
        let signals = Signals {
            sales: Self::value(&self.sales, doc),
            followers: Self::value(&self.followers, doc),
            likes: Self::value(&self.likes, doc),
        };
        let is_live = Self::value(&self.doc_type, doc) == DocType::Live.code();
        (signals, is_live)
    }
}

/// Moves `scorer` to `doc` if it can; whether it matches `doc`.
fn matches(scorer: &mut dyn Scorer, doc: DocId) -> bool {
    if scorer.doc() < doc {
        scorer.seek(doc);
    }
    scorer.doc() == doc
}

/// The per-document lookups of one segment.
struct SegmentScorers {
    required_count: u32,
    /// Scorers of the dropped words, each with its index in the plan.
    dropped: Vec<(usize, Box<dyn Scorer>)>,
    /// The product word's index and its scorer over the title's heads.
    product: Option<(usize, Box<dyn Scorer>)>,
    neighbours: Vec<Box<dyn Scorer>>,
    columns: Columns,
    /// Upper bounds of the proximity and popularity factors, for pruning.
    max_proximity: f32,
    max_popularity: f32,
}

impl SegmentScorers {
    fn new(
        weights: &PlanWeights,
        plan: &QueryPlan,
        config: &RankingConfig,
        segment: &SegmentReader,
        columns: Columns,
    ) -> Result<Self> {
        let dropped = weights
            .dropped
            .iter()
            .map(|(word, weight)| Ok((*word, weight.scorer(segment, 1.0)?)))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let product = match &weights.product {
            Some((word, weight)) => Some((*word, weight.scorer(segment, 1.0)?)),
            None => None,
        };
        let neighbours = weights
            .neighbours
            .iter()
            .map(|weight| weight.scorer(segment, 1.0))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let max_proximity = proximity(config, neighbours.len(), neighbours.len());
        Ok(SegmentScorers {
            required_count: plan.required.len() as u32,
            dropped,
            product,
            neighbours,
            columns,
            max_proximity,
            max_popularity: config.max_popularity_multiplier(),
        })
    }

    /// The key of `doc`, which matches every required word with the summed
    /// BM25 `required_score`; `None` as soon as it is sure the key cannot
    /// beat `worst` (the worst kept key once the heap is full), so most
    /// documents of a common word skip the lookups and fast fields.
    fn key(
        &mut self,
        config: &RankingConfig,
        doc: DocId,
        required_score: Score,
        worst: Option<&SortKey>,
    ) -> Option<SortKey> {
        let mut words_matched = self.required_count;
        let mut text = required_score;
        let mut product_present = true;
        let product_word = self.product.as_ref().map(|(word, _)| *word);
        let words_needed = worst.map_or(0, |worst| worst.words_matched);
        let mut unchecked = self.dropped.len() as u32;
        for (word, scorer) in &mut self.dropped {
            unchecked -= 1;
            if matches(scorer.as_mut(), doc) {
                words_matched += 1;
                text += scorer.score();
            } else {
                if product_word == Some(*word) {
                    product_present = false;
                }
                // Even matching every word left cannot reach the worst kept.
                if words_matched + unchecked < words_needed {
                    return None;
                }
            }
        }
        if worst.is_some_and(|worst| words_matched < worst.words_matched) {
            return None;
        }
        let product_match = match &mut self.product {
            None => ProductMatch::Product,
            Some(_) if !product_present => ProductMatch::Absent,
            Some((_, scorer)) => {
                if matches(scorer.as_mut(), doc) {
                    ProductMatch::Product
                } else {
                    ProductMatch::Mention
                }
            }
        };
        if let Some(worst) = worst {
            let tiers = (words_matched, product_match);
            let worst_tiers = (worst.words_matched, worst.product_match);
            if tiers < worst_tiers {
                return None;
            }
            let best_possible = text * self.max_proximity * self.max_popularity;
            if tiers == worst_tiers && best_possible < worst.score {
                return None;
            }
        }
        let proximity = proximity(config, self.adjacent_pairs(doc), self.neighbours.len());
        let (signals, is_live) = self.columns.signals(doc);
        Some(SortKey {
            words_matched,
            product_match,
            score: text * proximity * config.popularity_multiplier(signals, is_live),
            id_rank: Columns::value(&self.columns.id_rank, doc),
        })
    }
}

impl SegmentScorers {
    /// Neighbour pairs side by side in `doc` (asking twice for one document
    /// seeks nothing more).
    fn adjacent_pairs(&mut self, doc: DocId) -> usize {
        let mut adjacent = 0;
        for scorer in &mut self.neighbours {
            adjacent += usize::from(matches(scorer.as_mut(), doc));
        }
        adjacent
    }
}

fn proximity(config: &RankingConfig, adjacent: usize, pairs: usize) -> f32 {
    if pairs == 0 {
        return 1.0;
    }
    1.0 + config.proximity_weight * adjacent as f32 / pairs as f32
}

/// The relevance order: the tiered key of every document matching the
/// required words.
pub(crate) struct RelevanceOrder<'a> {
    pub weights: &'a PlanWeights,
    pub plan: &'a QueryPlan,
    pub config: &'a RankingConfig,
    /// The generation's columns opened once, when searching a loaded generation.
    pub prepared: Option<&'a PreparedSearch>,
}

pub(crate) struct RelevanceSegment {
    scorers: SegmentScorers,
    config: RankingConfig,
}

impl TopOrder for RelevanceOrder<'_> {
    type Segment = RelevanceSegment;
    const SCORED: bool = true;

    fn open(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<RelevanceSegment> {
        // Opening a column decodes its block headers: reuse the generation's.
        let columns = match self
            .prepared
            .and_then(|prepared| prepared.segment(segment, reader))
        {
            Some(prepared) => prepared.columns.clone(),
            None => Columns::new(reader),
        };
        let scorers = SegmentScorers::new(self.weights, self.plan, self.config, reader, columns)
            .map_err(|error| tantivy::TantivyError::InternalError(error.to_string()))?;
        Ok(RelevanceSegment {
            scorers,
            config: self.config.clone(),
        })
    }
}

impl SegmentKeys for RelevanceSegment {
    type Key = SortKey;

    fn key(&mut self, doc: DocId, score: Score, worst: Option<&SortKey>) -> Option<SortKey> {
        // With no required word, every word is scored by its own scorer.
        let required_score = if self.scorers.required_count == 0 {
            0.0
        } else {
            score
        };
        self.scorers.key(&self.config, doc, required_score, worst)
    }
}

/// The tiers of one document, computed word by word, for `explain`.
pub(crate) fn explain_tiers(
    context: &SearchContext<'_>,
    weights: &PlanWeights,
    plan: &QueryPlan,
    address: DocAddress,
) -> Result<Tiers> {
    let searcher: &Searcher = context.searcher;
    let segment = searcher.segment_reader(address.segment_ord);
    let doc = address.doc_id;
    let mut matched_words = Vec::new();
    let mut missing_words = Vec::new();
    let mut text = 0.0;
    let mut required_score = 0.0;
    for (index, (word, weight)) in plan.words.iter().zip(&weights.all_words).enumerate() {
        let mut scorer = weight.scorer(segment, 1.0)?;
        if matches(scorer.as_mut(), doc) {
            let score = scorer.score();
            text += score;
            if plan.required.contains(&index) {
                required_score += score;
            }
            matched_words.push(word.text.clone());
        } else {
            missing_words.push(word.text.clone());
        }
    }
    let columns = Columns::new(segment);
    let mut scorers = SegmentScorers::new(weights, plan, context.config, segment, columns)?;
    let key = scorers
        .key(context.config, doc, required_score, None)
        .expect("a key is always computed without a worst key to beat");
    let adjacent_pairs = scorers.adjacent_pairs(doc);
    let (signals, is_live) = scorers.columns.signals(doc);
    Ok(Tiers {
        matched_words,
        missing_words,
        product_match: key.product_match,
        adjacent_pairs,
        neighbour_pairs: weights.neighbours.len(),
        text,
        proximity: proximity(context.config, adjacent_pairs, weights.neighbours.len()),
        popularity: context.config.popularity_multiplier(signals, is_live),
    })
}

//! Search: relaxed matching over the jieba fields, ranked in tiers, with
//! popularity blended inside collection.
//!
//! - [`plan`]: query understanding from the catalog itself (words, variants,
//!   IDF, the product word) and relaxation (the least important words are
//!   dropped while too few documents match every word).
//! - [`query`]: the tantivy queries of a plan.
//! - [`collector`]: the sort key of every matching document: words matched,
//!   product-word tier, then text × proximity × popularity.
//! - [`hits`]: stored fields and `explain` of the hits on the page.
//!
//! When nothing matches a query typed in pinyin (lianyiqun, lyq), the best
//! hanzi suggestion for it is searched instead and the response says so.

mod collector;
mod config;
mod hits;
mod plan;
mod query;

use serde::Serialize;
use tantivy::Searcher;

pub use collector::{ProductMatch, Tiers};
pub use config::{RankingConfig, Signals};
pub use hits::{AnchorRef, Hit, ScoreExplanation};
pub use plan::{QueryPlan, QueryWord, WordRole};

use crate::analysis::Analyzer;
use crate::error::Result;
use crate::schema::{CatalogSchema, DocType};
use crate::suggest::SuggestIndex;
use crate::text::is_han;
use collector::{PlanWeights, RelevanceCollector};

/// What a search needs besides the request: the generation's searcher and
/// fields, the analyzer, the ranking settings and, to read pinyin, the
/// generation's suggestions.
#[derive(Clone, Copy)]
pub struct SearchContext<'a> {
    pub searcher: &'a Searcher,
    pub fields: &'a CatalogSchema,
    pub analyzer: &'a Analyzer,
    pub config: &'a RankingConfig,
    pub suggest: Option<&'a SuggestIndex>,
}

/// One search request, already validated by the caller.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    pub doc_type: Option<DocType>,
    pub limit: usize,
    pub offset: usize,
    pub explain: bool,
}

/// How the query was rewritten before searching.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueryConversion {
    /// `pinyin` (typed in pinyin, nothing matched as typed) or `traditional`
    /// (traditional characters read as simplified).
    pub kind: String,
    pub from: String,
    pub to: String,
}

/// The page of hits and how the query was understood.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    /// The query's words as analysed.
    pub tokens: Vec<String>,
    /// The word naming what is bought, when the query has one.
    pub product_word: Option<String>,
    /// Whether words were dropped because too few documents matched them all.
    pub relaxed: bool,
    /// The dropped words, least important first. Hits matching them still
    /// rank above hits that do not.
    pub dropped_words: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converted: Option<QueryConversion>,
    /// Documents matching the words that were kept.
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// Runs `request`: see the module documentation.
pub fn search(context: &SearchContext<'_>, request: &SearchRequest) -> Result<SearchResults> {
    let simplified = fast2s::convert(&request.query);
    let mut converted = (simplified != request.query).then(|| QueryConversion {
        kind: "traditional".to_string(),
        from: request.query.clone(),
        to: simplified.clone(),
    });
    let mut plan = QueryPlan::new(context, &simplified, request.doc_type)?;
    if !plan.matches_anything() {
        if let Some(hanzi) = pinyin_reading(context, &simplified) {
            let pinyin_plan = QueryPlan::new(context, &hanzi, request.doc_type)?;
            if pinyin_plan.matches_anything() {
                plan = pinyin_plan;
                converted = Some(QueryConversion {
                    kind: "pinyin".to_string(),
                    from: request.query.clone(),
                    to: hanzi,
                });
            }
        }
    }
    let tokens: Vec<String> = plan.words.iter().map(|word| word.text.clone()).collect();
    let mut results = SearchResults {
        product_word: plan.product_word.map(|word| plan.words[word].text.clone()),
        relaxed: !plan.dropped.is_empty(),
        dropped_words: plan.dropped_texts(),
        converted,
        tokens,
        total: 0,
        hits: Vec::new(),
    };
    if plan.present_words().is_empty() {
        return Ok(results);
    }
    let weights = PlanWeights::new(context, &plan)?;
    let retrieval = query::required_query(context, &plan, request.doc_type);
    let collector = RelevanceCollector {
        weights: &weights,
        plan: &plan,
        config: context.config,
        keep: request.offset + request.limit.max(1),
    };
    let collected = context.searcher.search(retrieval.as_ref(), &collector)?;
    results.total = collected.total;
    for (key, address) in collected.top.into_iter().skip(request.offset) {
        let tiers = if request.explain {
            Some(collector::explain_tiers(context, &weights, &plan, address)?)
        } else {
            None
        };
        results
            .hits
            .push(hits::hit(context, address, key.score, tiers)?);
    }
    Ok(results)
}

/// The hanzi a query typed in pinyin or initials most likely stands for:
/// the top suggestion for it, when the query is Latin letters only and the
/// suggestion is Chinese.
fn pinyin_reading(context: &SearchContext<'_>, query: &str) -> Option<String> {
    let suggest = context.suggest?;
    let letters = query.trim();
    let is_pinyin = !letters.is_empty()
        && letters
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '\'');
    if !is_pinyin {
        return None;
    }
    suggest
        .suggest(letters, 1)
        .into_iter()
        .map(|suggestion| suggestion.text)
        .find(|text| text.chars().any(is_han))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dictionaries::Dictionaries;

    /// A product of an in-RAM test index: (id, id rank, title, sales, followers).
    type TestProduct<'a> = (&'a str, u64, &'a str, u64, u64);

    /// Indexes `products` in RAM and runs `query` over them, limit 20.
    fn search_products(
        analyzer: &Analyzer,
        products: &[TestProduct<'_>],
        query: &str,
        explain: bool,
    ) -> SearchResults {
        let fields = CatalogSchema::new();
        let index = tantivy::Index::create_in_ram(fields.schema.clone());
        crate::analysis::register_analyzers(&index, analyzer);
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        for &(id, id_rank, title, sales, followers) in products {
            let mut document = TantivyDocument::default();
            document.add_text(fields.doc_type, "product");
            document.add_u64(fields.doc_type_code, DocType::Product.code());
            document.add_text(fields.id, id);
            document.add_u64(fields.id_rank, id_rank);
            document.add_text(fields.title, title);
            document.add_text(fields.title_words, title);
            document.add_text(fields.title_text, title);
            document.add_u64(fields.sales, sales);
            document.add_u64(fields.followers, followers);
            document.add_u64(fields.likes, 0);
            writer.add_document(document).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let request = SearchRequest {
            query: query.into(),
            doc_type: None,
            limit: 20,
            offset: 0,
            explain,
        };
        search(
            &searcher,
            &fields,
            analyzer,
            &RankingConfig::default(),
            &request,
        )
        .unwrap()
    }

    #[test]
    fn multiplier_grows_with_each_signal_and_saturates() {
        let config = RankingConfig::default();
        let base = Signals::default();
        let more_sales = Signals { sales: 10, ..base };
        let many_sales = Signals {
            sales: 10_000_000,
            ..base
        };
        assert!(
            config.popularity_multiplier(more_sales, false)
                > config.popularity_multiplier(base, false)
        );
        assert!(config.popularity_multiplier(many_sales, false) < 1.0 + config.sales_weight + 1e-3);
        assert!(
            config.popularity_multiplier(base, true) > config.popularity_multiplier(base, false)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

        #[test]
        fn the_multiplier_never_falls_when_a_signal_rises(
            sales in 0u64..u64::MAX / 2,
            followers in 0u64..u64::MAX / 2,
            likes in 0u64..u64::MAX / 2,
            extra in 0u64..1_000_000_000,
            which in 0usize..3,
            is_live: bool,
        ) {
            let config = RankingConfig::default();
            let base = Signals { sales, followers, likes };
            let mut raised = base;
            match which {
                0 => raised.sales += extra,
                1 => raised.followers += extra,
                _ => raised.likes += extra,
            }
            let before = config.popularity_multiplier(base, is_live);
            let after = config.popularity_multiplier(raised, is_live);
            proptest::prop_assert!(after >= before, "{before} > {after}");
            proptest::prop_assert!(before >= 1.0 && before.is_finite());
        }

        /// Documents of equal text: one with at least the sales and the
        /// followers of another, and a higher multiplier, ranks above it.
        #[test]
        fn a_dominated_document_never_ranks_higher(
            signals in proptest::collection::vec((0u64..50_000_000, 0u64..50_000_000), 2..12)
        ) {
            static ANALYZER: std::sync::OnceLock<Analyzer> = std::sync::OnceLock::new();
            let analyzer = ANALYZER.get_or_init(|| Analyzer::new(&Dictionaries::embedded()));
            let ids: Vec<String> = (0..signals.len()).map(|rank| format!("p{rank:02}")).collect();
            let products: Vec<TestProduct<'_>> = signals
                .iter()
                .enumerate()
                .map(|(rank, &(sales, followers))| (ids[rank].as_str(), rank as u64, "森马连帽卫衣", sales, followers))
                .collect();
            let results = search_products(analyzer, &products, "卫衣", false);
            proptest::prop_assert_eq!(results.hits.len(), signals.len());
            let position_of = |rank: usize| {
                let id = format!("p{rank:02}");
                results.hits.iter().position(|hit| hit.id == id).unwrap()
            };
            for (left, &(left_sales, left_followers)) in signals.iter().enumerate() {
                for (right, &(right_sales, right_followers)) in signals.iter().enumerate() {
                    let dominates = left_sales >= right_sales && left_followers >= right_followers;
                    // Far past the pivots f32 saturates: two multipliers may
                    // be equal, and then the id breaks the tie (documented).
                    let multiplier = |sales, followers| {
                        RankingConfig::default().popularity_multiplier(
                            Signals { sales, followers, likes: 0 },
                            false,
                        )
                    };
                    let ahead = multiplier(left_sales, left_followers)
                        > multiplier(right_sales, right_followers);
                    if dominates && ahead {
                        proptest::prop_assert!(
                            position_of(left) < position_of(right),
                            "p{left:02} {:?} ranked below p{right:02} {:?}",
                            (left_sales, left_followers),
                            (right_sales, right_followers)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn search_blends_popularity_and_breaks_ties_by_id() {
        let analyzer = Analyzer::new(&Dictionaries::embedded());
        // id_rank follows the id order: p1 < p2 < p3 < p4.
        let products = [
            ("p3", 2, "森马连帽卫衣", 10u64, 0u64),
            ("p1", 0, "森马连帽卫衣", 10, 0),
            ("p2", 1, "森马连帽卫衣", 5000, 0),
            ("p4", 3, "森马外套", 9_000_000, 0),
        ];
        let results = search_products(&analyzer, &products, "卫衣", true);
        let ids: Vec<&str> = results.hits.iter().map(|hit| hit.id.as_str()).collect();
        // p4 sells most but does not match; p2 outsells p1 and p3; p1 and p3 tie, p1 first.
        assert_eq!(ids, ["p2", "p1", "p3"]);
        assert_eq!(results.total, 3);
        let explain = results.hits[0].explain.as_ref().unwrap();
        assert!(
            (explain.text * explain.popularity_multiplier - results.hits[0].score).abs() < 1e-3
        );
    }
}

//! Search ranking: BM25 over the jieba fields, blended inside tantivy's
//! collection with saturating functions of sales, followers and likes.
//!
//! `score = text × (1 + w_sales·s/(s+p_sales) + w_followers·f/(f+p_followers)
//!                    + w_likes·l/(l+p_likes) + live_boost·[type = live])`
//!
//! The blend multiplies the text score, so a document that does not match is
//! never collected however popular it is; each signal term grows with its
//! signal and saturates, so popularity can reorder comparable matches but not
//! bury a much better one. Ties are broken by id (`id_rank`).

use std::cmp::Reverse;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentReader, TantivyDocument, Term};

use crate::analysis::{Analyzer, AnalyzerMode};
use crate::error::Result;
use crate::schema::{CatalogSchema, DocType};

/// Field boosts and signal weights; every value has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RankingConfig {
    pub title_boost: f32,
    /// Extra weight when a query word is a whole word of the title.
    pub title_words_boost: f32,
    pub brand_boost: f32,
    pub anchor_name_boost: f32,
    pub category_boost: f32,
    pub sales_weight: f32,
    pub sales_pivot: f32,
    pub followers_weight: f32,
    pub followers_pivot: f32,
    pub likes_weight: f32,
    pub likes_pivot: f32,
    pub live_boost: f32,
}

impl Default for RankingConfig {
    fn default() -> Self {
        RankingConfig {
            title_boost: 2.0,
            title_words_boost: 1.0,
            brand_boost: 1.2,
            anchor_name_boost: 1.2,
            category_boost: 0.6,
            sales_weight: 1.0,
            sales_pivot: 1_000.0,
            followers_weight: 0.6,
            followers_pivot: 100_000.0,
            likes_weight: 0.4,
            likes_pivot: 1_000.0,
            live_boost: 0.3,
        }
    }
}

/// Popularity signals of one document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signals {
    pub sales: u64,
    pub followers: u64,
    pub likes: u64,
}

impl RankingConfig {
    /// The factor the text score is multiplied by.
    pub fn popularity_multiplier(&self, signals: Signals, is_live: bool) -> f32 {
        let saturate = |value: u64, pivot: f32| {
            let value = value as f32;
            value / (value + pivot.max(f32::MIN_POSITIVE))
        };
        let live = if is_live { self.live_boost } else { 0.0 };
        1.0 + self.sales_weight * saturate(signals.sales, self.sales_pivot)
            + self.followers_weight * saturate(signals.followers, self.followers_pivot)
            + self.likes_weight * saturate(signals.likes, self.likes_pivot)
            + live
    }

    pub fn formula(&self) -> String {
        format!(
            "text × (1 + {}·sales/(sales+{}) + {}·followers/(followers+{}) + {}·likes/(likes+{}) + {}·is_live)",
            self.sales_weight,
            self.sales_pivot,
            self.followers_weight,
            self.followers_pivot,
            self.likes_weight,
            self.likes_pivot,
            self.live_boost
        )
    }
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

/// Why a hit scored what it did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreExplanation {
    pub text: f32,
    pub popularity_multiplier: f32,
    pub formula: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnchorRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hit {
    #[serde(rename = "type")]
    pub doc_type: String,
    pub id: String,
    pub title: String,
    pub score: f32,
    pub signals: Signals,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<AnchorRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<ScoreExplanation>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub tokens: Vec<String>,
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// The blended sort key: score first, then the smaller id rank.
type SortKey = (Score, Reverse<u64>);

/// Builds the text query: every query word must match in some field.
pub fn text_query(
    fields: &CatalogSchema,
    config: &RankingConfig,
    tokens: &[String],
) -> Box<dyn Query> {
    let field_boosts = [
        (fields.title, config.title_boost),
        (fields.title_words, config.title_words_boost),
        (fields.brand, config.brand_boost),
        (fields.anchor_name, config.anchor_name_boost),
        (fields.category, config.category_boost),
    ];
    let per_word: Vec<(Occur, Box<dyn Query>)> = tokens
        .iter()
        .map(|token| {
            let alternatives: Vec<(Occur, Box<dyn Query>)> = field_boosts
                .iter()
                .map(|&(field, boost)| {
                    let term = TermQuery::new(
                        Term::from_field_text(field, token),
                        IndexRecordOption::WithFreqs,
                    );
                    let boosted: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(term), boost));
                    (Occur::Should, boosted)
                })
                .collect();
            let any_field: Box<dyn Query> = Box::new(BooleanQuery::new(alternatives));
            (Occur::Must, any_field)
        })
        .collect();
    Box::new(BooleanQuery::new(per_word))
}

/// Runs `request` on `searcher` (one per request).
pub fn search(
    searcher: &Searcher,
    fields: &CatalogSchema,
    analyzer: &Analyzer,
    config: &RankingConfig,
    request: &SearchRequest,
) -> Result<SearchResults> {
    let mut tokens = analyzer.token_texts(&request.query, AnalyzerMode::Query);
    tokens.dedup();
    if tokens.is_empty() {
        return Ok(SearchResults {
            tokens,
            total: 0,
            hits: Vec::new(),
        });
    }
    let mut query = text_query(fields, config, &tokens);
    if let Some(doc_type) = request.doc_type {
        let type_filter = TermQuery::new(
            Term::from_field_text(fields.doc_type, doc_type.as_str()),
            IndexRecordOption::Basic,
        );
        query = Box::new(BooleanQuery::new(vec![
            (Occur::Must, query),
            // A filter: it must match but adds nothing to the score.
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(type_filter), 0.0)) as Box<dyn Query>,
            ),
        ]));
    }

    let blend = config.clone();
    let live_code = DocType::Live.code();
    let collector = TopDocs::with_limit(request.limit.max(1))
        .and_offset(request.offset)
        .tweak_score(move |segment: &SegmentReader| {
            let fast = segment.fast_fields();
            let column = |name: &str| {
                fast.u64(name)
                    .ok()
                    .map(|column| column.first_or_default_col(0))
            };
            let sales = column("sales");
            let followers = column("followers");
            let likes = column("likes");
            let id_rank = column("id_rank");
            let doc_type = column("doc_type_code");
            let blend = blend.clone();
            move |doc: DocId, text_score: Score| -> SortKey {
                let value =
                    |column: &Option<std::sync::Arc<dyn tantivy::columnar::ColumnValues<u64>>>| {
                        column.as_ref().map_or(0, |column| column.get_val(doc))
                    };
                let signals = Signals {
                    sales: value(&sales),
                    followers: value(&followers),
                    likes: value(&likes),
                };
                let is_live = value(&doc_type) == live_code;
                let score = text_score * blend.popularity_multiplier(signals, is_live);
                (score, Reverse(value(&id_rank)))
            }
        });
    let (top, total) = searcher.search(query.as_ref(), &(collector, Count))?;

    let mut hits = Vec::with_capacity(top.len());
    for ((score, _), address) in top {
        hits.push(hit(
            searcher,
            fields,
            config,
            query.as_ref(),
            address,
            score,
            request.explain,
        )?);
    }
    Ok(SearchResults {
        tokens,
        total,
        hits,
    })
}

fn hit(
    searcher: &Searcher,
    fields: &CatalogSchema,
    config: &RankingConfig,
    query: &dyn Query,
    address: DocAddress,
    score: Score,
    explain: bool,
) -> Result<Hit> {
    let document: TantivyDocument = searcher.doc(address)?;
    let text = |field| {
        document
            .get_first(field)
            .and_then(|value| value.as_str())
            .unwrap_or("")
            .to_string()
    };
    let number = |field| {
        document
            .get_first(field)
            .and_then(|value| value.as_u64())
            .unwrap_or(0)
    };
    let signals = Signals {
        sales: number(fields.sales),
        followers: number(fields.followers),
        likes: number(fields.likes),
    };
    let doc_type = text(fields.doc_type);
    let anchor_id = text(fields.anchor_id);
    let anchor = (!anchor_id.is_empty()).then(|| AnchorRef {
        id: anchor_id,
        name: text(fields.anchor_name_text),
    });
    let explain = if explain {
        let text_score = query.explain(searcher, address)?.value();
        Some(ScoreExplanation {
            text: text_score,
            popularity_multiplier: config
                .popularity_multiplier(signals, doc_type == DocType::Live.as_str()),
            formula: config.formula(),
        })
    } else {
        None
    };
    Ok(Hit {
        doc_type,
        id: text(fields.id),
        title: text(fields.title_text),
        score,
        signals,
        anchor,
        explain,
    })
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

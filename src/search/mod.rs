//! Search: relaxed matching over the jieba fields, ranked in tiers, with
//! popularity blended inside collection.
//!
//! - `plan`: query understanding from the catalog itself (words, variants,
//!   IDF, the product word) and relaxation (the least important words are
//!   dropped while too few documents match every word).
//! - `query`: the tantivy queries of a plan.
//! - `collector`: the sort key of every matching document: words matched,
//!   product-word tier, then text × proximity × popularity.
//! - `hits`: stored fields and `explain` of the hits on the page.
//! - `filter`: which documents may be returned (unscored query clauses).
//! - `sort`: the orders other than relevance (one fast field, then the id).
//! - `facets`: counts of categories, brands and price buckets over every match.
//! - `highlight`: where a hit's title holds the query's words.
//! - `cursor`: `search_after` cursors for paging past the offset cap.
//! - `prepared`: what a loaded generation opens once for all its searches
//!   (columns, facet value ids); `facet_cache`: its bounded facet counts.
//!
//! When nothing matches a query typed in pinyin (lianyiqun, lyq), the best
//! hanzi suggestion for it is searched instead and the response says so. A
//! word of three or four characters no dictionary knows and no title holds
//! is read as its closest homophone the catalog holds beside the query's
//! other words (地扳革 → 地板革, `plan::homophone_correction`), and the
//! response says so too.

mod collector;
mod config;
mod cursor;
mod facet_cache;
mod facets;
mod filter;
mod highlight;
mod hits;
mod plan;
mod prepared;
mod query;
mod sort;
mod top;

use serde::Serialize;
use tantivy::query::Query;
use tantivy::{DocAddress, Score, Searcher};

pub use collector::{ProductMatch, Tiers};
pub use config::{RankingConfig, Signals};
pub use cursor::{decode_cursor, encode_cursor, CursorError, CursorKey};
pub use facet_cache::{FacetCacheLimits, FacetCacheStats};
pub use facets::{
    FacetRequest, FacetValue, Facets, PriceBucket, FACET_TOP_VALUES, PRICE_BUCKET_STARTS,
};
pub use filter::Filters;
pub use highlight::{highlight, Span};
pub use hits::{AnchorRef, Hit, ScoreExplanation};
pub use plan::{QueryPlan, QueryWord, WordRole};
pub use prepared::PreparedSearch;
pub use sort::SortOrder;

use crate::analysis::Analyzer;
use crate::error::Result;
use crate::schema::{CatalogSchema, DocType};
use crate::suggest::SuggestIndex;
use crate::text::is_han;
use collector::{PlanWeights, RelevanceOrder, SortKey};
use cursor::PageKey;
use facets::{FacetCollector, FacetCounts};
use sort::FieldKey;
use top::{OrderKey, TopCollector, TopOrder};

/// What a search needs besides the request: the generation's searcher and
/// fields, the analyzer, the ranking settings and, to read pinyin, the
/// generation's suggestions.
#[derive(Clone, Copy)]
pub struct SearchContext<'a> {
    /// A searcher of the generation's index.
    pub searcher: &'a Searcher,
    /// The fields of its schema.
    pub fields: &'a CatalogSchema,
    /// The analyzer the index was built with.
    pub analyzer: &'a Analyzer,
    /// Ranking settings.
    pub config: &'a RankingConfig,
    /// The generation's suggestions, to read pinyin queries; none for a bare index.
    pub suggest: Option<&'a SuggestIndex>,
}

impl<'a> SearchContext<'a> {
    /// The context of a bare index: no suggestions, so no pinyin reading.
    pub fn new(
        searcher: &'a Searcher,
        fields: &'a CatalogSchema,
        analyzer: &'a Analyzer,
        config: &'a RankingConfig,
    ) -> Self {
        Self {
            searcher,
            fields,
            analyzer,
            config,
            suggest: None,
        }
    }
}

/// One search request, already validated by the caller.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// The query as typed.
    pub query: String,
    /// Only documents of this type; all types when `None`.
    pub doc_type: Option<DocType>,
    /// Hits to return.
    pub limit: usize,
    /// Hits to skip (after `search_after`, when given).
    pub offset: usize,
    /// Whether hits carry a [`ScoreExplanation`].
    pub explain: bool,
    /// Which documents may be returned; they never change a score.
    pub filters: Filters,
    /// The order of the hits.
    pub sort: SortOrder,
    /// Facets to count over every match.
    pub facets: FacetRequest,
    /// Only hits after this key (a cursor of an earlier page, decoded with
    /// [`decode_cursor`] and this request's [`SearchRequest::fingerprint`]).
    pub search_after: Option<CursorKey>,
}

impl SearchRequest {
    /// A checksum of what decides the order and the set of hits (query,
    /// type, filters, sort): a cursor is only valid for a search with the
    /// same fingerprint.
    pub fn fingerprint(&self) -> u32 {
        let identity = serde_json::json!([
            self.query,
            self.doc_type.map(DocType::as_str),
            self.filters,
            self.sort,
        ]);
        crc32fast::hash(identity.to_string().as_bytes())
    }
}

/// How the query was rewritten before searching.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueryConversion {
    /// `pinyin` (typed in pinyin, nothing matched as typed), `traditional`
    /// (traditional characters read as simplified) or `homophone` (a word
    /// no title holds read as the homophone titles hold: 地扳革 → 地板革).
    pub kind: String,
    /// The query as typed.
    pub from: String,
    /// The query as searched.
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
    /// How the query was rewritten, when it was.
    pub converted: Option<QueryConversion>,
    /// Documents matching every word kept and every filter; in any-word
    /// mode (no word kept), the documents the retrieving words hold.
    pub total: usize,
    /// The requested page of hits, best first.
    pub hits: Vec<Hit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The facets asked for, counted over every match.
    pub facets: Option<Facets>,
    /// The key of the last hit of the page, when the page is full (more
    /// hits may follow); see [`SearchResults::next_cursor`].
    #[serde(skip)]
    pub last_key: Option<CursorKey>,
    /// Pass back as `search_after` for the next page; absent on the last
    /// page. Set by the caller that knows the generation
    /// ([`crate::serving::LoadedGeneration::search`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Runs `request`: see the module documentation.
pub fn search(context: &SearchContext<'_>, request: &SearchRequest) -> Result<SearchResults> {
    search_prepared(context, request, None)
}

/// Runs `request` with what `prepared` opened once for the searcher's
/// generation (columns, facet value ids, the facet cache): the same results
/// as [`search`]. Ignored when `prepared` was made for other segments.
pub fn search_prepared(
    context: &SearchContext<'_>,
    request: &SearchRequest,
    prepared: Option<&PreparedSearch>,
) -> Result<SearchResults> {
    let prepared = prepared.filter(|prepared| prepared.prepared_for(context.searcher));
    let simplified = fast2s::convert(&request.query);
    let mut converted = (simplified != request.query).then(|| QueryConversion {
        kind: "traditional".to_string(),
        from: request.query.clone(),
        to: simplified.clone(),
    });
    let searched = match plan::homophone_correction(context, &simplified)? {
        Some(corrected) => {
            converted = Some(QueryConversion {
                kind: "homophone".to_string(),
                from: request.query.clone(),
                to: corrected.clone(),
            });
            corrected
        }
        None => simplified.clone(),
    };
    let mut plan = QueryPlan::new(context, &searched, request.doc_type)?;
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
        facets: request.facets.any().then(|| Facets::empty(request.facets)),
        last_key: None,
        next_cursor: None,
    };
    let wants_facets = request.facets.any();
    if !plan.matches_anything() || (request.limit == 0 && !wants_facets) {
        return Ok(results);
    }
    let weights = PlanWeights::new(context, &plan, request.explain)?;
    // Relaxation was planned without the filters: they never change which
    // words rank a hit.
    let retrieval = filter::apply(
        query::required_query(context, &plan, request.doc_type),
        &request.filters,
        context.fields,
    );
    let keep = request.offset.saturating_add(request.limit);
    // One more than the page, to know whether another page follows.
    let collect = keep.saturating_add(1);
    // The counts depend only on the documents matched: the retrieval query
    // as built, with the type and the filters, names them exactly.
    let cache_key = match prepared {
        Some(_) if wants_facets => Some(format!("{:?}|{:?}", request.facets, retrieval)),
        _ => None,
    };
    let cached = match (prepared, &cache_key) {
        (Some(prepared), Some(key)) => prepared.facet_cache.get(key),
        _ => None,
    };
    let facet_collector = (wants_facets && cached.is_none()).then_some(FacetCollector {
        request: request.facets,
        prepared,
    });
    let collected = match request.sort {
        SortOrder::Relevance => {
            let after = match request.search_after {
                Some(CursorKey(PageKey::Relevance(key))) => Some(key),
                _ => None,
            };
            let order = RelevanceOrder {
                weights: &weights,
                plan: &plan,
                config: context.config,
                prepared,
            };
            let collector = TopCollector {
                order,
                keep: collect,
                after,
            };
            let page_entry = |key: SortKey| (PageKey::Relevance(key), key.score);
            search_top(context, &*retrieval, collector, facet_collector, page_entry)?
        }
        order => {
            let after = match request.search_after {
                Some(CursorKey(PageKey::Field(key))) => Some(key),
                _ => None,
            };
            let collector = TopCollector {
                order,
                keep: collect,
                after,
            };
            // Outside relevance order a hit has no score.
            let page_entry = |key: FieldKey| (PageKey::Field(key), 0.0);
            search_top(context, &*retrieval, collector, facet_collector, page_entry)?
        }
    };
    results.total = collected.total;
    let page = collected.page;
    if let Some(counts) = collected.facet_counts {
        let facets = counts.into_facets(request.facets);
        if let (Some(prepared), Some(key)) = (prepared, &cache_key) {
            prepared.facet_cache.insert(key, facets.clone());
        }
        results.facets = Some(facets);
    } else if cached.is_some() {
        results.facets = cached;
    }
    let more_follow = request.limit > 0 && page.len() > keep;
    for (key, address, score) in page.into_iter().skip(request.offset).take(request.limit) {
        let tiers = if request.explain {
            Some(collector::explain_tiers(context, &weights, &plan, address)?)
        } else {
            None
        };
        results
            .hits
            .push(hits::hit(context, address, score, tiers, &plan.words)?);
        results.last_key = Some(CursorKey(key));
    }
    if !more_follow {
        results.last_key = None;
    }
    Ok(results)
}

/// What one search collected, whatever its order.
struct Collected {
    /// The kept documents, best first, each with its page key and score.
    page: Vec<(PageKey, DocAddress, Score)>,
    /// How many documents matched.
    total: usize,
    /// The facet counts, when asked and not cached.
    facet_counts: Option<FacetCounts>,
}

/// One search with `collector` beside the facet collector; `page_entry`
/// makes each kept key a page key (for a cursor) and the score shown.
fn search_top<O: TopOrder>(
    context: &SearchContext<'_>,
    retrieval: &dyn Query,
    collector: TopCollector<O>,
    facet_collector: Option<FacetCollector<'_>>,
    page_entry: impl Fn(OrderKey<O>) -> (PageKey, Score),
) -> Result<Collected> {
    let (ranked, facet_counts) = context
        .searcher
        .search(retrieval, &(collector, facet_collector))?;
    Ok(Collected {
        total: ranked.total,
        page: ranked.page(page_entry),
        facet_counts,
    })
}

/// The hanzi a query typed in pinyin or initials most likely stands for:
/// the top suggestion for it, when the query is Latin letters only and the
/// suggestion is Chinese. A completion guesses words beyond what was typed:
/// it is no reading of the query.
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
        .filter(|suggestion| suggestion.match_kind != crate::suggest::MatchKind::Completion)
        .map(|suggestion| suggestion.text)
        .find(|text| text.chars().any(is_han))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::index_in_ram;
    use crate::catalog::{Anchor, Catalog, Product};
    use crate::dictionaries::Dictionaries;

    /// A product of an in-RAM test index: (id, title, sales, followers).
    type TestProduct<'a> = (&'a str, &'a str, u64, u64);

    /// A product sold by no anchor.
    fn product(id: &str, title: &str, category: Option<&str>) -> Product {
        Product {
            product_id: id.to_string(),
            title: title.to_string(),
            brand: None,
            category: category.map(str::to_string),
            price_cents: None,
            sales: 0,
            anchor_ids: Vec::new(),
        }
    }

    fn analyzer() -> &'static Analyzer {
        static ANALYZER: std::sync::OnceLock<Analyzer> = std::sync::OnceLock::new();
        ANALYZER.get_or_init(|| Analyzer::new(&Dictionaries::embedded()))
    }

    /// Indexes `products` in RAM as a build would; a product with followers
    /// is sold by an anchor of its own with that many.
    fn index_products(products: &[TestProduct<'_>]) -> tantivy::Index {
        let mut catalog = Catalog::default();
        for &(id, title, sales, followers) in products {
            let mut anchor_ids = Vec::new();
            if followers > 0 {
                let anchor_id = format!("a-{id}");
                catalog.anchors.push(Anchor {
                    anchor_id: anchor_id.clone(),
                    name: "主播".to_string(),
                    followers,
                });
                anchor_ids.push(anchor_id);
            }
            catalog.products.push(Product {
                sales,
                anchor_ids,
                ..product(id, title, None)
            });
        }
        index_in_ram(&catalog, analyzer()).unwrap()
    }

    fn run(index: &tantivy::Index, query: &str, explain: bool) -> SearchResults {
        run_with(&RankingConfig::default(), index, query, explain)
    }

    fn run_with(
        config: &RankingConfig,
        index: &tantivy::Index,
        query: &str,
        explain: bool,
    ) -> SearchResults {
        let searcher = index.reader().unwrap().searcher();
        let fields = CatalogSchema::from_schema(&index.schema()).unwrap();
        let context = SearchContext::new(&searcher, &fields, analyzer(), config);
        let request = SearchRequest {
            query: query.into(),
            doc_type: Some(DocType::Product),
            limit: 20,
            offset: 0,
            explain,
            ..SearchRequest::default()
        };
        search(&context, &request).unwrap()
    }

    fn search_products(products: &[TestProduct<'_>], query: &str, explain: bool) -> SearchResults {
        run(&index_products(products), query, explain)
    }

    /// The product-word tier of every hit (searched with `explain`).
    fn product_matches(results: &SearchResults) -> Vec<ProductMatch> {
        results
            .hits
            .iter()
            .map(|hit| hit.explain.as_ref().unwrap().tiers.product_match)
            .collect()
    }

    fn ids(results: &SearchResults) -> Vec<&str> {
        results.hits.iter().map(|hit| hit.id.as_str()).collect()
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

    #[test]
    fn search_blends_popularity_and_breaks_ties_by_id() {
        let products = [
            ("p3", "森马连帽卫衣", 10u64, 0u64),
            ("p1", "森马连帽卫衣", 10, 0),
            ("p2", "森马连帽卫衣", 5000, 0),
            ("p4", "森马外套", 9_000_000, 0),
        ];
        let results = search_products(&products, "卫衣", true);
        // p4 sells most but does not match; p2 outsells p1 and p3; p1 and p3 tie, p1 first.
        assert_eq!(ids(&results), ["p2", "p1", "p3"]);
        assert_eq!(results.total, 3);
        assert!(!results.relaxed);
        let explain = results.hits[0].explain.as_ref().unwrap();
        let tiers = &explain.tiers;
        let expected = tiers.text * tiers.proximity * explain.popularity_multiplier;
        assert!((expected - results.hits[0].score).abs() < 1e-3);
    }

    #[test]
    fn a_hit_matching_every_word_ranks_above_partial_ones_however_popular() {
        let products = [
            ("all", "纯棉袜子男士", 0, 0),
            ("socks", "袜子 船袜", 90_000_000, 9_000_000),
            ("cotton", "纯棉毛巾", 90_000_000, 9_000_000),
        ];
        let results = search_products(&products, "纯棉袜子", true);
        assert!(results.relaxed, "{results:?}");
        assert_eq!(results.hits[0].id, "all");
        let tiers = &results.hits[0].explain.as_ref().unwrap().tiers;
        assert!(tiers.missing_words.is_empty(), "{tiers:?}");
        let partial = &results.hits[1].explain.as_ref().unwrap().tiers;
        assert_eq!(partial.missing_words.len(), 1, "{partial:?}");
    }

    #[test]
    fn too_few_all_word_hits_relax_the_least_important_word_never_the_product_word() {
        let products = [
            ("p1", "真皮钱包男士", 0, 0),
            ("p2", "钱包女长款", 0, 0),
            ("p3", "钱包卡包", 0, 0),
            ("p4", "真皮腰带", 0, 0),
        ];
        let config = RankingConfig {
            relax_min_hits: 2,
            ..RankingConfig::default()
        };
        let results = run_with(&config, &index_products(&products), "小羊皮真皮钱包", false);
        assert!(results.relaxed);
        assert_eq!(results.dropped_words, ["小羊皮", "真皮"]);
        assert_eq!(results.product_word.as_deref(), Some("钱包"));
        assert!(!results.dropped_words.contains(&"钱包".to_string()));
        assert!(results.dropped_words.contains(&"小羊皮".to_string()));
        // Every hit holds the product word; the one that also holds 真皮 first.
        assert_eq!(results.hits[0].id, "p1");
        assert!(!ids(&results).contains(&"p4"), "{:?}", ids(&results));
    }

    #[test]
    fn a_word_no_title_holds_is_searched_as_its_dictionary_parts() {
        // No title holds 小米手环, nor 小米 beside 手环; each part is held.
        let products = [
            ("both", "小米运动手环黑色", 0, 0),
            ("band", "华为手环", 0, 0),
            ("phone", "小米手机", 0, 0),
        ];
        let results = search_products(&products, "小米手环", true);
        let words: Vec<&str> = results.tokens.iter().map(String::as_str).collect();
        assert_eq!(words, ["小米", "手环"], "{results:?}");
        assert_eq!(results.hits[0].id, "both", "{:?}", ids(&results));
        assert_eq!(results.total, 3, "{:?}", ids(&results));
    }

    #[test]
    fn a_word_the_dictionaries_cannot_split_is_searched_as_the_longest_words_titles_hold() {
        let products = [("squash", "板栗南瓜", 0, 0), ("cake", "手工 饼 老式", 0, 0)];
        let results = search_products(&products, "南瓜饼", false);
        let words: Vec<&str> = results.tokens.iter().map(String::as_str).collect();
        assert_eq!(words, ["南瓜", "饼"], "{results:?}");
        assert_eq!(results.total, 2, "{results:?}");
    }

    #[test]
    fn a_word_whose_parts_never_stand_together_does_not_empty_the_page() {
        // 小米手环 is estimated from its parts' counts (both held), though no
        // title has them side by side; the query still finds the band.
        let products = [("p1", "运动手环", 0, 0), ("p2", "小米手机", 0, 0)];
        let results = search_products(&products, "小米手环", false);
        assert!(!results.hits.is_empty(), "{results:?}");
    }

    #[test]
    fn when_even_the_product_word_finds_too_few_any_word_matches() {
        let products = [
            ("p1", "真皮钱包男士", 0, 0),
            ("p2", "真皮腰带", 0, 0),
            ("p3", "钱包女长款", 0, 0),
        ];
        let results = search_products(&products, "真皮钱包", true);
        assert_eq!(results.total, 3);
        assert_eq!(results.hits[0].id, "p1");
        // Of the partial hits, the one holding the product word first.
        assert_eq!(ids(&results)[1..], ["p3", "p2"]);
        assert_eq!(product_matches(&results)[2], ProductMatch::Absent);
    }

    #[test]
    fn a_brand_short_form_no_title_holds_is_searched_as_the_brand() {
        // brands.dict lists 科大讯飞; buyers type 讯飞, which no title holds.
        let products = [
            ("translator", "科大讯飞翻译机 离线翻译", 0, 0),
            ("pen", "儿童点读笔", 0, 0),
        ];
        let results = search_products(&products, "讯飞", false);
        assert_eq!(ids(&results), ["translator"], "{results:?}");
        // Jieba leaves the short form as single characters before a word.
        let results = search_products(&products, "讯飞翻译机", false);
        assert_eq!(results.tokens[0], "讯飞", "{results:?}");
        assert_eq!(ids(&results), ["translator"], "{results:?}");
    }

    #[test]
    fn a_short_form_titles_hold_as_a_word_is_not_taken_for_a_brand() {
        // 之家 is the tail of 海澜之家, and a word of its own in titles.
        let products = [
            ("shirt", "海澜之家衬衫", 0, 0),
            ("book", "美食之家 菜谱", 0, 0),
        ];
        let index = index_products(&products);
        let searcher = index.reader().unwrap().searcher();
        let fields = CatalogSchema::from_schema(&index.schema()).unwrap();
        let title_holds = |word: &str| {
            searcher
                .doc_freq(&tantivy::Term::from_field_text(fields.title, word))
                .unwrap()
        };
        assert!(
            !analyzer().brands_short_for("之家").is_empty(),
            "the rule applies to 之家 only through the title count"
        );
        assert!(title_holds("之家") > 0);
        let results = run(&index, "之家", false);
        assert_eq!(ids(&results), ["book"], "{results:?}");
    }

    #[test]
    fn a_guessed_product_word_that_relaxation_dropped_sets_no_tier() {
        // 有声 is no dictionary product word: only guessed as the last
        // noun. Neither word finds enough alone, so any word retrieves, and
        // the brand's hits are not buried under every 有声 title.
        let products = [
            ("translator", "科大讯飞翻译机", 0, 0),
            ("chart", "有声挂图 儿童 有声 启蒙", 0, 0),
            ("book", "有声故事书", 0, 0),
        ];
        let results = search_products(&products, "讯飞有声", true);
        assert_eq!(results.product_word.as_deref(), Some("有声"), "{results:?}");
        assert_eq!(results.dropped_words.len(), 2, "{results:?}");
        assert_eq!(results.total, 3, "{results:?}");
        assert!(
            product_matches(&results)
                .iter()
                .all(|tier| *tier == ProductMatch::Product),
            "{results:?}"
        );
        // A dictionary product word keeps its tier when dropped the same way
        // (see `when_even_the_product_word_finds_too_few_any_word_matches`).
    }

    #[test]
    fn homophones_are_the_characters_of_the_same_syllable() {
        let found = crate::suggest::keys::homophones('扳');
        assert!(found.contains(&'板') && found.contains(&'扳'), "{found:?}");
        assert!(!found.contains(&'革'));
    }

    #[test]
    fn a_query_is_read_as_the_words_titles_hold() {
        struct Reading<'a> {
            name: &'a str,
            products: &'a [TestProduct<'a>],
            query: &'a str,
            kind: &'a str,
            to: &'a str,
            hit: &'a str,
        }
        let cases = [
            Reading {
                // 扳革 is no word, and 地扳革 sounds like the dictionary word 地板革.
                name: "a word no title holds, read as the homophone titles hold",
                products: &[
                    ("floor", "加厚地板革 家用 防水", 0, 0),
                    ("glue", "地毯胶 强力", 0, 0),
                ],
                query: "地扳革",
                kind: "homophone",
                to: "地板革",
                hit: "floor",
            },
            Reading {
                name: "traditional characters, read as simplified",
                products: &[("dress", "碎花连衣裙夏", 0, 0)],
                query: "連衣裙",
                kind: "traditional",
                to: "连衣裙",
                hit: "dress",
            },
        ];
        for case in cases {
            let name = case.name;
            let results = search_products(case.products, case.query, false);
            let converted = results.converted.as_ref().expect(name);
            assert_eq!(converted.kind, case.kind, "{name}");
            assert_eq!(converted.to, case.to, "{name}");
            assert_eq!(ids(&results), [case.hit], "{name}: {results:?}");
        }
    }

    #[test]
    fn a_word_a_brand_holds_is_no_slip_though_no_title_holds_it() {
        let mut catalog = Catalog::default();
        catalog
            .products
            .push(product("floor", "加厚地板革 家用 防水", None));
        catalog.products.push(Product {
            brand: Some("地扳革".to_string()),
            ..product("branded", "防水卷材 家用", None)
        });
        let index = index_in_ram(&catalog, analyzer()).unwrap();
        let results = run(&index, "地扳革", false);
        assert!(results.converted.is_none(), "{results:?}");
        assert!(ids(&results).contains(&"branded"), "{results:?}");
    }

    #[test]
    fn a_homophone_reading_is_taken_only_where_titles_bear_it_out() {
        let floor_and_mat: &[TestProduct<'_>] = &[
            ("floor", "加厚地板革 家用 防水", 0, 0),
            ("mat", "汽车脚垫 防水", 0, 0),
        ];
        let king_and_pile: &[TestProduct<'_>] = &[
            ("king", "国王 充电桩 玩偶", 0, 0),
            ("pile", "充电桩 家用", 0, 0),
        ];
        // (case, products, query, the query read, if it is read as another)
        let cases: [(&str, &[TestProduct<'_>], &str, Option<&str>); 4] = [
            // No title holds 地板革 with 汽车: the reading is not taken.
            (
                "beside a word no title holds it with",
                floor_and_mat,
                "汽车 地扳革",
                None,
            ),
            (
                "beside a word a title holds it with",
                floor_and_mat,
                "防水 地扳革",
                Some("防水 地板革"),
            ),
            // 国网 is two characters: too short to tell a slip from a name,
            // though 国王 stands beside 充电桩 in a title.
            ("a short word", king_and_pile, "国网充电桩", None),
            // A dictionary word no title holds is a word, not a slip (喂鸡).
            (
                "a known word",
                &[("feed", "鸡饲料 喂养", 0, 0)],
                "喂鸡饲料",
                None,
            ),
        ];
        for (case, products, query, reading) in cases {
            let results = search_products(products, query, false);
            assert_eq!(
                results
                    .converted
                    .as_ref()
                    .map(|converted| converted.to.as_str()),
                reading,
                "{case}: {results:?}"
            );
        }
    }

    #[test]
    fn the_product_itself_ranks_above_a_title_that_only_mentions_it_however_popular() {
        // (case, products, query, the ids in order: the product, then the mention)
        let cases: [(&str, &[TestProduct<'_>], &str, [&str; 2]); 2] = [
            (
                "a case for the product",
                &[
                    ("case", "华为蓝牙耳机Pro保护套 硅胶", 9_000_000, 9_000_000),
                    ("buds", "华为蓝牙耳机Pro 降噪", 0, 0),
                ],
                "蓝牙耳机",
                ["buds", "case"],
            ),
            (
                "a title that gives the product away",
                &[
                    ("cream", "保湿面霜送口红一支", 5_000_000, 5_000_000),
                    ("lipstick", "哑光口红持久", 0, 0),
                ],
                "口红",
                ["lipstick", "cream"],
            ),
        ];
        for (case, products, query, expected) in cases {
            let results = search_products(products, query, true);
            assert_eq!(ids(&results), expected, "{case}");
            assert_eq!(
                product_matches(&results),
                [ProductMatch::Product, ProductMatch::Mention],
                "{case}"
            );
        }
    }

    #[test]
    fn a_category_naming_the_product_word_puts_the_product_in_the_product_tier() {
        let mut catalog = Catalog::default();
        for (id, title, category) in [
            (
                "in-category",
                "夏季新款碎花长款 送连衣裙腰带",
                Some("连衣裙"),
            ),
            ("gift-only", "夏季新款碎花长款 送连衣裙腰带", None),
        ] {
            catalog.products.push(product(id, title, category));
        }
        catalog
            .products
            .push(product("case", "iPhone15 手机壳", Some("手机配件")));
        let index = index_in_ram(&catalog, analyzer()).unwrap();
        let results = run(&index, "连衣裙", true);
        assert_eq!(ids(&results), ["in-category", "gift-only"]);
        // A category naming a part (手机配件) does not make the part a phone.
        let phones = run(&index, "手机", true);
        assert_eq!(
            product_matches(&phones)[0],
            ProductMatch::Mention,
            "{phones:?}"
        );
        assert_eq!(
            product_matches(&results)[..2],
            [ProductMatch::Product, ProductMatch::Mention]
        );
    }

    #[test]
    fn synonyms_match_both_ways() {
        let products = [
            ("tomato", "新鲜番茄5斤", 0, 0),
            ("other", "西红柿炒蛋调料", 0, 0),
        ];
        let index = index_products(&products);
        let tomato = run(&index, "西红柿", false);
        assert_eq!(tomato.total, 2, "{tomato:?}");
        assert_eq!(tomato.hits[0].id, "other", "the word as typed first");
        let reverse = run(&index, "番茄", false);
        assert_eq!(reverse.total, 2);
        assert_eq!(reverse.hits[0].id, "tomato");
    }

    #[test]
    fn words_side_by_side_score_above_the_same_words_apart() {
        let products = [
            ("apart", "无线充电器 鼠标垫", 0, 0),
            ("together", "鼠标垫 无线充电器", 0, 0),
        ];
        let results = search_products(&products, "鼠标垫无线", true);
        let proximity = |id: &str| {
            let hit = results.hits.iter().find(|hit| hit.id == id).unwrap();
            hit.explain.as_ref().unwrap().tiers.adjacent_pairs
        };
        assert_eq!(proximity("together"), 1);
        assert_eq!(proximity("apart"), 0);
        assert_eq!(results.hits[0].id, "together");
    }

    #[test]
    fn a_limit_of_zero_returns_no_hit_and_a_huge_offset_does_not_overflow() {
        let index = index_products(&[("p1", "碎花连衣裙", 0, 0), ("p2", "连衣裙", 0, 0)]);
        let searcher = index.reader().unwrap().searcher();
        let fields = CatalogSchema::from_schema(&index.schema()).unwrap();
        let config = RankingConfig::default();
        let context = SearchContext::new(&searcher, &fields, analyzer(), &config);
        let request = |limit, offset| SearchRequest {
            query: "连衣裙".into(),
            doc_type: None,
            limit,
            offset,
            explain: false,
            ..SearchRequest::default()
        };
        assert!(search(&context, &request(0, 0)).unwrap().hits.is_empty());
        assert!(search(&context, &request(5, usize::MAX))
            .unwrap()
            .hits
            .is_empty());
        assert_eq!(search(&context, &request(1, 1)).unwrap().hits.len(), 1);
    }

    #[test]
    fn the_any_word_fallback_never_empties_a_page_of_the_wanted_type() {
        // 连衣裙 is common among anchors but held by only three products; the
        // product search for 碎花连衣裙 must still find them.
        let mut catalog = Catalog::default();
        for number in 0..1_100 {
            catalog.anchors.push(Anchor {
                anchor_id: format!("a{number}"),
                name: format!("连衣裙旗舰{number}"),
                followers: 1,
            });
        }
        for number in 0..5 {
            catalog.anchors.push(Anchor {
                anchor_id: format!("b{number}"),
                name: format!("碎花小店{number}"),
                followers: 1,
            });
        }
        for number in 0..3 {
            catalog
                .products
                .push(product(&format!("p{number}"), "夏季长款连衣裙", None));
        }
        let index = index_in_ram(&catalog, analyzer()).unwrap();
        let results = run(&index, "碎花连衣裙", false);
        assert_eq!(results.hits.len(), 3, "{results:?}");
    }

    #[test]
    fn a_query_sharing_no_word_with_the_catalog_finds_nothing() {
        let results = search_products(&[("p1", "碎花连衣裙", 0, 0)], "机械键盘", false);
        assert!(results.hits.is_empty());
        assert_eq!(results.total, 0);
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
            let ids: Vec<String> = (0..signals.len()).map(|rank| format!("p{rank:02}")).collect();
            let products: Vec<TestProduct<'_>> = signals
                .iter()
                .enumerate()
                .map(|(rank, &(sales, followers))| (ids[rank].as_str(), "森马连帽卫衣", sales, followers))
                .collect();
            let results = search_products(&products, "卫衣", false);
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

        /// Adding a word to a query never turns a non-empty first page empty.
        #[test]
        fn adding_a_word_never_empties_a_page(
            query in proptest::sample::select(QUERY_WORDS.to_vec()),
            extra in proptest::sample::select(QUERY_WORDS.to_vec()),
            at_front: bool,
        ) {
            static INDEX: std::sync::OnceLock<tantivy::Index> = std::sync::OnceLock::new();
            let index = INDEX.get_or_init(|| index_products(&PROPERTY_CATALOG));
            let before = run(index, query, false);
            let longer = if at_front { format!("{extra}{query}") } else { format!("{query}{extra}") };
            let after = run(index, &longer, false);
            if !before.hits.is_empty() {
                proptest::prop_assert!(!after.hits.is_empty(), "{query} found hits, {longer} none");
            }
        }
    }

    /// Words for the property above: in the catalog, in the dictionaries
    /// but not the catalog, and unknown anywhere.
    const QUERY_WORDS: [&str; 12] = [
        "连衣裙",
        "碎花",
        "真皮",
        "钱包",
        "口红",
        "机械键盘",
        "蓝牙耳机",
        "红色",
        "夏季",
        "螺丝刀",
        "xyz",
        "2024",
    ];

    const PROPERTY_CATALOG: [TestProduct<'static>; 6] = [
        ("p1", "碎花连衣裙夏季", 10, 0),
        ("p2", "真皮钱包男士", 20, 0),
        ("p3", "哑光口红", 30, 0),
        ("p4", "红色连衣裙", 40, 0),
        ("p5", "钱包女长款", 50, 0),
        ("p6", "夏季凉鞋", 60, 0),
    ];
}

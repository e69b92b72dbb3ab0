//! What a loaded generation opens once for all its searches instead of once
//! per search: the fast-field columns the collectors read, the category and
//! brand values of every segment as ids into one sorted table, and the
//! bounded cache of facet counts.
//!
//! Why: at 1,000,000 products, opening the relevance columns decoded every
//! block header of a blockwise-linear column on each search (about a tenth
//! of a search), and naming the counted brands read the zstd-compressed
//! term dictionary (a third of a result page). A generation's segments never
//! change (manual reload), so both are done at load; a segment that is not
//! the one prepared (another searcher) falls back to opening its own.

use std::sync::Arc;

use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{Searcher, SegmentOrdinal, SegmentReader};

use super::collector::Columns;
use super::facet_cache::{FacetCache, FacetCacheLimits};
use crate::schema::field;

/// Everything prepared for the searches of one generation.
pub struct PreparedSearch {
    segments: Vec<PreparedSegment>,
    pub(crate) facet_cache: FacetCache,
}

impl std::fmt::Debug for PreparedSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedSearch")
            .field("segments", &self.segments.len())
            .finish()
    }
}

/// One segment's columns, opened once.
pub(crate) struct PreparedSegment {
    id: SegmentId,
    pub columns: Columns,
    pub category: Option<ValueIds>,
    pub brand: Option<ValueIds>,
    pub price: Option<Column<u64>>,
}

/// A segment's term ordinals of a string column, and for each ordinal the
/// id of its value in the generation's sorted table of values (so ids
/// order as the values do, and name them without the term dictionary).
#[derive(Clone)]
pub(crate) struct ValueIds {
    pub ords: Column<u64>,
    pub ids: Arc<[u32]>,
    pub names: Arc<[String]>,
}

impl PreparedSearch {
    /// Opens the columns of every segment of `searcher` and reads the
    /// category and brand values of each once.
    pub fn new(searcher: &Searcher, cache: FacetCacheLimits) -> tantivy::Result<Self> {
        let readers = searcher.segment_readers();
        let category = value_ids(readers, field::CATEGORY_TEXT)?;
        let brand = value_ids(readers, field::BRAND_TEXT)?;
        let segments = readers
            .iter()
            .zip(category.into_iter().zip(brand))
            .map(|(reader, (category, brand))| {
                Ok(PreparedSegment {
                    id: reader.segment_id(),
                    columns: Columns::new(reader),
                    category,
                    brand,
                    price: reader.fast_fields().column_opt::<u64>(field::PRICE_CENTS)?,
                })
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(PreparedSearch {
            segments,
            facet_cache: FacetCache::new(cache),
        })
    }

    /// The prepared segment `ordinal`, when it is the segment `reader` reads.
    pub(crate) fn segment(
        &self,
        ordinal: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> Option<&PreparedSegment> {
        self.segments
            .get(ordinal as usize)
            .filter(|segment| segment.id == reader.segment_id())
    }

    /// Whether `searcher` reads exactly the prepared segments.
    pub(crate) fn prepared_for(&self, searcher: &Searcher) -> bool {
        let readers = searcher.segment_readers();
        readers.len() == self.segments.len()
            && readers
                .iter()
                .zip(&self.segments)
                .all(|(reader, segment)| reader.segment_id() == segment.id)
    }

    /// Entries, bytes, hits and misses of the facet cache.
    pub fn facet_cache_stats(&self) -> super::facet_cache::FacetCacheStats {
        self.facet_cache.stats()
    }
}

/// For each segment, the ordinals of its `name` column mapped to ids in the
/// sorted table of every segment's values.
fn value_ids(readers: &[SegmentReader], name: &str) -> tantivy::Result<Vec<Option<ValueIds>>> {
    let mut columns: Vec<Option<(StrColumn, Vec<String>)>> = Vec::with_capacity(readers.len());
    for reader in readers {
        let Some(column) = reader.fast_fields().str(name)? else {
            columns.push(None);
            continue;
        };
        let mut values = Vec::with_capacity(column.num_terms());
        let mut stream = column.dictionary().stream()?;
        while stream.advance() {
            values.push(String::from_utf8_lossy(stream.key()).into_owned());
        }
        columns.push(Some((column, values)));
    }
    let mut names: Vec<String> = columns
        .iter()
        .flatten()
        .flat_map(|(_, values)| values.iter().cloned())
        .collect();
    names.sort_unstable();
    names.dedup();
    let names: Arc<[String]> = names.into();
    Ok(columns
        .into_iter()
        .map(|column| {
            column.map(|(column, values)| {
                let ids: Vec<u32> = values
                    .iter()
                    // Every value is in the table it was just added to.
                    .map(|value| names.binary_search(value).unwrap_or(0) as u32)
                    .collect();
                ValueIds {
                    ords: column.ords().clone(),
                    ids: ids.into(),
                    names: names.clone(),
                }
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Analyzer;
    use crate::build::index_in_ram_segments;
    use crate::catalog::{Catalog, Product};
    use crate::dictionaries::Dictionaries;
    use crate::schema::{CatalogSchema, DocType};
    use crate::search::{
        search, search_prepared, FacetRequest, Filters, RankingConfig, SearchContext,
        SearchRequest, SortOrder,
    };

    /// 600 products in three segments: 33 brands (more than the 20 shown,
    /// with tied counts), 7 categories, prices in every bucket, and some
    /// without a brand, category or price.
    fn catalog() -> Catalog {
        let titles = [
            "连帽卫衣",
            "碎花连衣裙",
            "纯棉卫衣宽松",
            "运动裤",
            "卫衣外套",
        ];
        let products = (0..600u64)
            .map(|number| Product {
                product_id: format!("p{number:03}"),
                title: titles[(number % 5) as usize].to_string(),
                // Skewed and tied: brand k holds about 1/(k+1) of its share.
                brand: (number % 11 != 0).then(|| format!("品牌{:02}", (number * 7 % 97) % 33)),
                category: (number % 13 != 0).then(|| format!("类目{}", number % 7)),
                price_cents: (number % 17 != 0).then_some(number * 311 % 150_000),
                sales: number % 50,
                anchor_ids: Vec::new(),
            })
            .collect();
        Catalog {
            products,
            ..Catalog::default()
        }
    }

    fn analyzer() -> &'static Analyzer {
        static ANALYZER: std::sync::OnceLock<Analyzer> = std::sync::OnceLock::new();
        ANALYZER.get_or_init(|| Analyzer::new(&Dictionaries::embedded()))
    }

    fn index() -> &'static tantivy::Index {
        static INDEX: std::sync::OnceLock<tantivy::Index> = std::sync::OnceLock::new();
        INDEX.get_or_init(|| index_in_ram_segments(&catalog(), analyzer(), 3).unwrap())
    }

    /// Result pages over the catalog: words, filters, types and orders.
    fn requests() -> Vec<SearchRequest> {
        let every_facet = FacetRequest {
            category: true,
            brand: true,
            price: true,
        };
        let filters = [
            Filters::default(),
            Filters {
                categories: vec!["类目1".into(), "类目3".into()],
                ..Filters::default()
            },
            Filters {
                price_min_cents: Some(5_000),
                price_max_cents: Some(100_000),
                ..Filters::default()
            },
            Filters {
                brands: vec!["品牌01".into()],
                price_min_cents: Some(1_000),
                ..Filters::default()
            },
        ];
        let mut requests = Vec::new();
        for query in ["卫衣", "连衣裙", "纯棉卫衣", "运动裤"] {
            for filters in &filters {
                for (sort, doc_type) in [
                    (SortOrder::Relevance, None),
                    (SortOrder::PriceAsc, None),
                    (SortOrder::Relevance, Some(DocType::Product)),
                ] {
                    requests.push(SearchRequest {
                        query: query.into(),
                        doc_type,
                        limit: 10,
                        filters: filters.clone(),
                        sort,
                        facets: every_facet,
                        ..SearchRequest::default()
                    });
                }
            }
        }
        requests.push(SearchRequest {
            facets: FacetRequest {
                brand: true,
                ..FacetRequest::default()
            },
            ..requests[0].clone()
        });
        requests
    }

    fn no_cache() -> FacetCacheLimits {
        FacetCacheLimits {
            max_entries: 0,
            ..FacetCacheLimits::default()
        }
    }

    fn with_context<T>(run: impl FnOnce(&SearchContext<'_>) -> T) -> T {
        let index = index();
        let searcher = index.reader().unwrap().searcher();
        let fields = CatalogSchema::from_schema(&index.schema()).unwrap();
        let config = RankingConfig::default();
        let context = SearchContext::new(&searcher, &fields, analyzer(), &config);
        run(&context)
    }

    #[test]
    fn prepared_segments_give_the_same_results_and_facets_as_opening_each_search() {
        with_context(|context| {
            assert_eq!(context.searcher.segment_readers().len(), 3);
            let prepared = PreparedSearch::new(context.searcher, no_cache()).unwrap();
            let mut brands_cut = false;
            for request in requests() {
                let plain = search(context, &request).unwrap();
                let fast = search_prepared(context, &request, Some(&prepared)).unwrap();
                assert_eq!(plain, fast, "{request:?}");
                let brands = plain
                    .facets
                    .as_ref()
                    .and_then(|facets| facets.brand.as_ref());
                brands_cut |= brands.is_some_and(|brands| brands.len() == 20);
            }
            // The top 20 of more brands than that (ties decided by value).
            assert!(brands_cut);
            assert_eq!(prepared.facet_cache_stats().entries, 0);
        });
    }

    #[test]
    fn cached_facets_are_the_facets_counted_without_the_cache() {
        with_context(|context| {
            let prepared =
                PreparedSearch::new(context.searcher, FacetCacheLimits::default()).unwrap();
            let requests = requests();
            // Twice over: the second round is answered from the cache, and
            // requests differing only by a filter must not share counts.
            for round in 0..2 {
                for request in &requests {
                    let plain = search(context, request).unwrap();
                    let cached = search_prepared(context, request, Some(&prepared)).unwrap();
                    assert_eq!(plain, cached, "round {round}: {request:?}");
                }
            }
            // The order does not change the counts: one entry per query,
            // type, filters and facets asked for.
            let mut distinct: Vec<String> = requests
                .iter()
                .map(|request| {
                    let SearchRequest {
                        query,
                        doc_type,
                        filters,
                        facets,
                        ..
                    } = request;
                    format!("{query:?}{doc_type:?}{filters:?}{facets:?}")
                })
                .collect();
            distinct.sort_unstable();
            distinct.dedup();
            assert!(distinct.len() < requests.len());
            let stats = prepared.facet_cache_stats();
            assert_eq!(stats.entries, distinct.len(), "{stats:?}");
            assert_eq!(stats.misses, distinct.len() as u64, "{stats:?}");
            assert_eq!(stats.hits + stats.misses, 2 * requests.len() as u64);
        });
    }

    #[test]
    fn two_prepared_searches_do_not_share_their_caches() {
        with_context(|context| {
            let request = &requests()[0];
            let first = PreparedSearch::new(context.searcher, FacetCacheLimits::default()).unwrap();
            let second =
                PreparedSearch::new(context.searcher, FacetCacheLimits::default()).unwrap();
            search_prepared(context, request, Some(&first)).unwrap();
            search_prepared(context, request, Some(&first)).unwrap();
            assert_eq!(first.facet_cache_stats().hits, 1);
            search_prepared(context, request, Some(&second)).unwrap();
            let stats = second.facet_cache_stats();
            assert_eq!((stats.hits, stats.misses), (0, 1), "{stats:?}");
        });
    }

    #[test]
    fn a_prepared_search_of_other_segments_is_ignored() {
        let other = index_in_ram_segments(&catalog(), analyzer(), 2).unwrap();
        let other_searcher = other.reader().unwrap().searcher();
        let prepared = PreparedSearch::new(&other_searcher, FacetCacheLimits::default()).unwrap();
        with_context(|context| {
            assert!(!prepared.prepared_for(context.searcher));
            let request = &requests()[0];
            let plain = search(context, request).unwrap();
            let ignored = search_prepared(context, request, Some(&prepared)).unwrap();
            assert_eq!(plain, ignored);
            assert_eq!(prepared.facet_cache_stats(), Default::default());
        });
    }
}

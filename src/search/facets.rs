//! Facets: counts over every match of a search (not just the page), read
//! from fast fields while the hits are collected: the top categories and
//! brands by term ordinal, and fixed price buckets.
//!
//! A document without a category (brand, price) is counted in no value of
//! that facet, so the counts of a facet sum to the total when every match
//! has the field.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::schema::field;

/// Values of the category and brand facets returned, most frequent first.
pub const FACET_TOP_VALUES: usize = 20;

/// Lower bounds of the price buckets in cents (¥0, ¥10, ¥50, ¥100, ¥200,
/// ¥500, ¥1000); each bucket ends where the next starts, the last is open.
pub const PRICE_BUCKET_STARTS: [u64; 7] = [0, 1_000, 5_000, 10_000, 20_000, 50_000, 100_000];

/// Which facets a search counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FacetRequest {
    /// The top categories.
    pub category: bool,
    /// The top brands.
    pub brand: bool,
    /// The fixed price buckets.
    pub price: bool,
}

impl FacetRequest {
    /// Whether any facet is asked for.
    pub fn any(&self) -> bool {
        self.category || self.brand || self.price
    }
}

/// One value of a category or brand facet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetValue {
    /// The value, exactly as the catalog writes it (pass it back as a filter).
    pub value: String,
    /// Matches with this value.
    pub count: u64,
}

/// One price bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceBucket {
    /// Lowest price of the bucket, in cents, included.
    pub min_cents: u64,
    /// Price where the bucket ends, in cents, excluded; none for the last.
    pub max_cents: Option<u64>,
    /// Matches priced in the bucket.
    pub count: u64,
}

/// The facets asked for; a facet not asked for is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facets {
    /// Top categories, most matches first (ties by value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Vec<FacetValue>>,
    /// Top brands, most matches first (ties by value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<Vec<FacetValue>>,
    /// Every price bucket, cheapest first, empty ones included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Vec<PriceBucket>>,
}

impl Facets {
    /// The facets of a search that matched nothing.
    pub(crate) fn empty(request: FacetRequest) -> Facets {
        FacetCounts::default().into_facets(request)
    }
}

/// Counts the requested facets of every collected document.
pub(crate) struct FacetCollector {
    pub request: FacetRequest,
}

/// Counts by value, merged across segments.
#[derive(Default)]
pub(crate) struct FacetCounts {
    category: HashMap<String, u64>,
    brand: HashMap<String, u64>,
    price: [u64; PRICE_BUCKET_STARTS.len()],
}

impl FacetCounts {
    pub(crate) fn into_facets(self, request: FacetRequest) -> Facets {
        let buckets = PRICE_BUCKET_STARTS
            .iter()
            .enumerate()
            .map(|(index, &min_cents)| PriceBucket {
                min_cents,
                max_cents: PRICE_BUCKET_STARTS.get(index + 1).copied(),
                count: self.price[index],
            })
            .collect();
        Facets {
            category: request.category.then(|| top_values(self.category)),
            brand: request.brand.then(|| top_values(self.brand)),
            price: request.price.then_some(buckets),
        }
    }
}

fn top_values(counts: HashMap<String, u64>) -> Vec<FacetValue> {
    let mut values: Vec<FacetValue> = counts
        .into_iter()
        .map(|(value, count)| FacetValue { value, count })
        .collect();
    values.sort_by(|left, right| {
        right
            .count
            .cmp(&left.count)
            .then_with(|| left.value.cmp(&right.value))
    });
    values.truncate(FACET_TOP_VALUES);
    values
}

/// Counts of one segment by term ordinal, named at harvest.
struct TermCounter {
    column: Option<StrColumn>,
    counts: Vec<u64>,
}

impl TermCounter {
    fn new(wanted: bool, segment: &SegmentReader, name: &str) -> tantivy::Result<Self> {
        let column = if wanted {
            segment.fast_fields().str(name)?
        } else {
            None
        };
        let terms = column.as_ref().map_or(0, |column| column.num_terms());
        Ok(TermCounter {
            column,
            counts: vec![0; terms],
        })
    }

    fn count(&mut self, doc: DocId) {
        let Some(column) = &self.column else {
            return;
        };
        if let Some(ordinal) = column.ords().first(doc) {
            if let Some(count) = self.counts.get_mut(ordinal as usize) {
                *count += 1;
            }
        }
    }

    fn harvest(self, into: &mut HashMap<String, u64>) {
        let Some(column) = self.column else {
            return;
        };
        let counted: Vec<(u64, u64)> = self
            .counts
            .iter()
            .enumerate()
            .filter(|(_, &count)| count > 0)
            .map(|(ordinal, &count)| (ordinal as u64, count))
            .collect();
        let ordinals: Vec<u64> = counted.iter().map(|&(ordinal, _)| ordinal).collect();
        // One pass over the dictionary for every counted ordinal, in order: a
        // lookup per ordinal would decode its block from the start each time.
        let mut counts = counted.iter().map(|&(_, count)| count);
        let _ = column
            .dictionary()
            .sorted_ords_to_term_cb(&ordinals, |bytes| {
                if let Some(count) = counts.next() {
                    let value = String::from_utf8_lossy(bytes).into_owned();
                    *into.entry(value).or_default() += count;
                }
            });
    }
}

pub(crate) struct FacetSegmentCollector {
    category: TermCounter,
    brand: TermCounter,
    price: Option<Column<u64>>,
    counts: FacetCounts,
}

impl Collector for FacetCollector {
    type Fruit = FacetCounts;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let price = if self.request.price {
            reader.fast_fields().column_opt::<u64>(field::PRICE_CENTS)?
        } else {
            None
        };
        Ok(FacetSegmentCollector {
            category: TermCounter::new(self.request.category, reader, field::CATEGORY_TEXT)?,
            brand: TermCounter::new(self.request.brand, reader, field::BRAND_TEXT)?,
            price,
            counts: FacetCounts::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut merged = FacetCounts::default();
        for fruit in fruits {
            for (value, count) in fruit.category {
                *merged.category.entry(value).or_default() += count;
            }
            for (value, count) in fruit.brand {
                *merged.brand.entry(value).or_default() += count;
            }
            for (total, count) in merged.price.iter_mut().zip(fruit.price) {
                *total += count;
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.category.count(doc);
        self.brand.count(doc);
        if let Some(price) = self.price.as_ref().and_then(|column| column.first(doc)) {
            let bucket = PRICE_BUCKET_STARTS
                .partition_point(|&start| start <= price)
                .saturating_sub(1);
            self.counts.price[bucket] += 1;
        }
    }

    fn harvest(mut self) -> FacetCounts {
        self.category.harvest(&mut self.counts.category);
        self.brand.harvest(&mut self.counts.brand);
        self.counts
    }
}

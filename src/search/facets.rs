//! Facets: counts over every match of a search (not just the page), read
//! from fast fields while the hits are collected: the top categories and
//! brands by term ordinal, and fixed price buckets.
//!
//! A document without a category (brand, price) is counted in no value of
//! that facet, so the counts of a facet sum to the total when every match
//! has the field.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::prepared::{PreparedSearch, PreparedSegment, ValueIds};
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
pub(crate) struct FacetCollector<'a> {
    pub request: FacetRequest,
    /// The generation's columns and value ids, when searching a loaded one.
    pub prepared: Option<&'a PreparedSearch>,
}

/// Counts of one facet by value, merged across segments: by name when a
/// segment's ordinals were named from its dictionary, by the generation's
/// value id when prepared (named only for the values returned).
#[derive(Default)]
struct ValueCounts {
    by_name: HashMap<String, u64>,
    by_id: FxHashMap<u32, u64>,
    /// The generation's sorted values, which the ids index.
    names: Option<Arc<[String]>>,
}

impl ValueCounts {
    fn merge(&mut self, other: ValueCounts) {
        for (value, count) in other.by_name {
            *self.by_name.entry(value).or_default() += count;
        }
        for (id, count) in other.by_id {
            *self.by_id.entry(id).or_default() += count;
        }
        if self.names.is_none() {
            self.names = other.names;
        }
    }

    /// The most frequent values, ties by value.
    fn top(mut self) -> Vec<FacetValue> {
        let names = self.names.take().unwrap_or_else(|| Arc::from(Vec::new()));
        if self.by_name.is_empty() {
            // Ids order as their values do: rank by id, name the kept few.
            let mut counted: Vec<(u32, u64)> = self.by_id.into_iter().collect();
            let by_rank = |left: &(u32, u64), right: &(u32, u64)| {
                right.1.cmp(&left.1).then(left.0.cmp(&right.0))
            };
            if counted.len() > FACET_TOP_VALUES {
                counted.select_nth_unstable_by(FACET_TOP_VALUES - 1, by_rank);
                counted.truncate(FACET_TOP_VALUES);
            }
            counted.sort_unstable_by(by_rank);
            return counted
                .into_iter()
                .filter_map(|(id, count)| {
                    names.get(id as usize).map(|value| FacetValue {
                        value: value.clone(),
                        count,
                    })
                })
                .collect();
        }
        // Some segments were counted by name: name every id as well.
        for (id, count) in self.by_id {
            if let Some(value) = names.get(id as usize) {
                *self.by_name.entry(value.clone()).or_default() += count;
            }
        }
        top_values(self.by_name)
    }
}

/// Counts by value, merged across segments.
#[derive(Default)]
pub(crate) struct FacetCounts {
    category: ValueCounts,
    brand: ValueCounts,
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
            category: request.category.then(|| self.category.top()),
            brand: request.brand.then(|| self.brand.top()),
            price: request.price.then_some(buckets),
        }
    }
}

fn top_values(counts: HashMap<String, u64>) -> Vec<FacetValue> {
    let mut values: Vec<FacetValue> = counts
        .into_iter()
        .map(|(value, count)| FacetValue { value, count })
        .collect();
    // The most counted first; ties by value.
    values.sort_by(|left, right| (right.count, &left.value).cmp(&(left.count, &right.value)));
    values.truncate(FACET_TOP_VALUES);
    values
}

/// How a segment's counted ordinals are named at harvest.
enum Naming {
    /// From the segment's term dictionary.
    Dictionary(StrColumn),
    /// Through the generation's value ids.
    Ids(ValueIds),
}

/// Counts of one segment by term ordinal, named at harvest.
struct TermCounter {
    ords: Option<(Column<u64>, Naming)>,
    counts: Vec<u64>,
}

impl TermCounter {
    fn new(
        wanted: bool,
        segment: &SegmentReader,
        name: &str,
        prepared: Option<&PreparedSegment>,
        pick: fn(&PreparedSegment) -> &Option<ValueIds>,
    ) -> tantivy::Result<Self> {
        let ords = if !wanted {
            None
        } else if let Some(prepared) = prepared {
            pick(prepared)
                .clone()
                .map(|ids| (ids.ords.clone(), Naming::Ids(ids)))
        } else {
            segment
                .fast_fields()
                .str(name)?
                .map(|column| (column.ords().clone(), Naming::Dictionary(column)))
        };
        let terms = ords.as_ref().map_or(0, |(_, naming)| match naming {
            Naming::Dictionary(column) => column.num_terms(),
            Naming::Ids(ids) => ids.ids.len(),
        });
        Ok(TermCounter {
            ords,
            counts: vec![0; terms],
        })
    }

    #[inline]
    fn count(&mut self, doc: DocId) {
        let Some((ords, _)) = &self.ords else {
            return;
        };
        if let Some(ordinal) = ords.first(doc) {
            if let Some(count) = self.counts.get_mut(ordinal as usize) {
                *count += 1;
            }
        }
    }

    fn harvest(self, into: &mut ValueCounts) {
        let Some((_, naming)) = self.ords else {
            return;
        };
        let counted = self
            .counts
            .iter()
            .enumerate()
            .filter(|(_, &count)| count > 0)
            .map(|(ordinal, &count)| (ordinal, count));
        match naming {
            Naming::Ids(ids) => {
                for (ordinal, count) in counted {
                    if let Some(&id) = ids.ids.get(ordinal) {
                        *into.by_id.entry(id).or_default() += count;
                    }
                }
                into.names = Some(ids.names);
            }
            Naming::Dictionary(column) => {
                let counted: Vec<(u64, u64)> = counted
                    .map(|(ordinal, count)| (ordinal as u64, count))
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
                            *into.by_name.entry(value).or_default() += count;
                        }
                    });
            }
        }
    }
}

pub(crate) struct FacetSegmentCollector {
    category: TermCounter,
    brand: TermCounter,
    price: Option<Column<u64>>,
    counts: FacetCounts,
}

impl Collector for FacetCollector<'_> {
    type Fruit = FacetCounts;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let prepared = self
            .prepared
            .and_then(|prepared| prepared.segment(segment, reader));
        let price = match (self.request.price, prepared) {
            (false, _) => None,
            (true, Some(prepared)) => prepared.price.clone(),
            (true, None) => reader.fast_fields().column_opt::<u64>(field::PRICE_CENTS)?,
        };
        Ok(FacetSegmentCollector {
            category: TermCounter::new(
                self.request.category,
                reader,
                field::CATEGORY_TEXT,
                prepared,
                |prepared| &prepared.category,
            )?,
            brand: TermCounter::new(
                self.request.brand,
                reader,
                field::BRAND_TEXT,
                prepared,
                |prepared| &prepared.brand,
            )?,
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
            merged.category.merge(fruit.category);
            merged.brand.merge(fruit.brand);
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

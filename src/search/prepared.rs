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

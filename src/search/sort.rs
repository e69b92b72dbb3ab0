//! Sort orders other than relevance: the documents matching the words,
//! ordered by one fast field, ties broken by the id rank (the same order in
//! every segment and every request of a generation).
//!
//! Relevance itself is the tiered key of `collector`; these orders read
//! one fast field per match and need no scoring at all.

use std::cmp::{Ordering, Reverse};

use serde::Serialize;
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::top::{SegmentKeys, TopOrder};
use crate::schema::field;

/// The order of the hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// The blended ranking: tiers, then text × proximity × popularity.
    #[default]
    Relevance,
    /// Most units sold first.
    Sales,
    /// Cheapest first; documents without a price last.
    PriceAsc,
    /// Dearest first; documents without a price last.
    PriceDesc,
    /// Latest published first; documents without a publication time
    /// (products, anchors) last.
    Newest,
    /// Anchors with most followers first (a product's best-followed seller's).
    Followers,
}

impl SortOrder {
    /// Every order, as the API names them.
    pub const ALL: [SortOrder; 6] = [
        SortOrder::Relevance,
        SortOrder::Sales,
        SortOrder::PriceAsc,
        SortOrder::PriceDesc,
        SortOrder::Newest,
        SortOrder::Followers,
    ];

    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Relevance => "relevance",
            SortOrder::Sales => "sales",
            SortOrder::PriceAsc => "price_asc",
            SortOrder::PriceDesc => "price_desc",
            SortOrder::Newest => "newest",
            SortOrder::Followers => "followers",
        }
    }

    /// The order named `text`, if any.
    pub fn parse(text: &str) -> Option<SortOrder> {
        SortOrder::ALL
            .into_iter()
            .find(|order| order.as_str() == text)
    }
}

/// The key of a hit under a field order; larger ranks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldKey {
    /// Whether the document has the field (those without rank last).
    pub present: bool,
    /// The field's value mapped so that larger ranks first.
    pub value: u64,
    /// The id rank: smaller first.
    pub id_rank: u64,
}

impl Ord for FieldKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.present
            .cmp(&other.present)
            .then(self.value.cmp(&other.value))
            .then(Reverse(self.id_rank).cmp(&Reverse(other.id_rank)))
    }
}

impl PartialOrd for FieldKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The column a field order reads, as a value where larger ranks first.
enum OrderColumn {
    Unsigned {
        column: Option<Column<u64>>,
        ascending: bool,
    },
    Signed(Option<Column<i64>>),
}

impl OrderColumn {
    fn new(order: SortOrder, segment: &SegmentReader) -> tantivy::Result<Self> {
        let fast = segment.fast_fields();
        let unsigned = |name: &str, ascending| -> tantivy::Result<OrderColumn> {
            Ok(OrderColumn::Unsigned {
                column: fast.column_opt::<u64>(name)?,
                ascending,
            })
        };
        match order {
            // Relevance never reaches here; sales is a harmless stand-in.
            SortOrder::Relevance | SortOrder::Sales => unsigned(field::SALES, false),
            SortOrder::PriceAsc => unsigned(field::PRICE_CENTS, true),
            SortOrder::PriceDesc => unsigned(field::PRICE_CENTS, false),
            SortOrder::Followers => unsigned(field::FOLLOWERS, false),
            SortOrder::Newest => Ok(OrderColumn::Signed(
                fast.column_opt::<i64>(field::PUBLISHED_AT)?,
            )),
        }
    }

    /// Whether `doc` has a value, and the value mapped so larger ranks first.
    fn value(&self, doc: DocId) -> (bool, u64) {
        match self {
            OrderColumn::Unsigned { column, ascending } => {
                match column.as_ref().and_then(|column| column.first(doc)) {
                    None => (false, 0),
                    Some(value) if *ascending => (true, u64::MAX - value),
                    Some(value) => (true, value),
                }
            }
            // Flipping the sign bit keeps the order of i64 among u64.
            OrderColumn::Signed(column) => match column.as_ref().and_then(|c| c.first(doc)) {
                None => (false, 0),
                Some(value) => (true, (value as u64) ^ (1 << 63)),
            },
        }
    }
}

/// A field order's keys in one segment.
pub(crate) struct FieldOrderSegment {
    column: OrderColumn,
    id_rank: Option<Column<u64>>,
}

/// A field order: any order but relevance, which `collector` keys.
impl TopOrder for SortOrder {
    type Segment = FieldOrderSegment;
    const SCORED: bool = false;

    fn open(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FieldOrderSegment> {
        Ok(FieldOrderSegment {
            column: OrderColumn::new(*self, reader)?,
            id_rank: reader.fast_fields().column_opt::<u64>(field::ID_RANK)?,
        })
    }
}

impl SegmentKeys for FieldOrderSegment {
    type Key = FieldKey;

    fn key(&mut self, doc: DocId, _score: Score, _worst: Option<&FieldKey>) -> Option<FieldKey> {
        let (present, value) = self.column.value(doc);
        let id_rank = self
            .id_rank
            .as_ref()
            .and_then(|column| column.first(doc))
            .unwrap_or(0);
        Some(FieldKey {
            present,
            value,
            id_rank,
        })
    }
}

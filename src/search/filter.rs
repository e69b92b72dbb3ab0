//! Filters: which documents a search may return, never how they score.
//!
//! Every filter is a query clause over an exact (untokenized) field or a
//! fast field, scored 0 and joined to the retrieval query as one more
//! `Must` clause: the BM25 sum of the words is unchanged (x + 0 is x in
//! floating point), and no stored document is loaded. Relaxation is planned
//! without the filters, so a filter never changes which words a hit is
//! ranked by either. An unknown value (a brand no document has) matches
//! nothing; it is not an error.

use std::ops::Bound;

use serde::Serialize;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use crate::schema::{CatalogSchema, DocType};

/// The filters of one search; the default filters nothing. Values of one
/// filter are alternatives (any brand listed); filters together must all hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Filters {
    /// Categories, exactly as the catalog writes them; any of them.
    pub categories: Vec<String>,
    /// Brands, exactly as the catalog writes them; any of them.
    pub brands: Vec<String>,
    /// Lowest price in cents, included; documents without a price fail it.
    pub price_min_cents: Option<u64>,
    /// Highest price in cents, included; documents without a price fail it.
    pub price_max_cents: Option<u64>,
    /// Documents of this anchor: the anchor itself, its videos and lives,
    /// and the products it sells (any of a product's anchors).
    pub anchor_id: Option<String>,
    /// Least units sold (only products sell).
    pub min_sales: Option<u64>,
    /// Only lives (videos of kind live).
    pub live_now: bool,
    /// Only videos and lives published strictly after this time (seconds
    /// since the Unix epoch); those without a publication time fail it.
    pub published_after: Option<i64>,
}

impl Filters {
    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// Every filter as one unscored query; `None` when none is set.
    fn query(&self, fields: &CatalogSchema) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        if !self.categories.is_empty() {
            clauses.push(any_term(fields.category_text, &self.categories));
        }
        if !self.brands.is_empty() {
            clauses.push(any_term(fields.brand_text, &self.brands));
        }
        if self.price_min_cents.is_some() || self.price_max_cents.is_some() {
            let lowest = self.price_min_cents.unwrap_or(0);
            let highest = self.price_max_cents.unwrap_or(u64::MAX);
            if lowest > highest {
                clauses.push(Box::new(EmptyQuery));
            } else {
                clauses.push(Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_u64(fields.price_cents, lowest)),
                    Bound::Included(Term::from_field_u64(fields.price_cents, highest)),
                )));
            }
        }
        if let Some(anchor_id) = &self.anchor_id {
            clauses.push(any_term(fields.anchor_ids, std::slice::from_ref(anchor_id)));
        }
        if let Some(min_sales) = self.min_sales {
            clauses.push(Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_u64(fields.sales, min_sales)),
                Bound::Unbounded,
            )));
        }
        if self.live_now {
            clauses.push(doc_types(fields, &[DocType::Live]));
        }
        if let Some(after) = self.published_after {
            // Only videos and lives carry a publication time.
            clauses.push(doc_types(fields, &[DocType::Video, DocType::Live]));
            clauses.push(Box::new(RangeQuery::new(
                Bound::Excluded(Term::from_field_i64(fields.published_at, after)),
                Bound::Unbounded,
            )));
        }
        if clauses.is_empty() {
            return None;
        }
        let all = clauses
            .into_iter()
            .map(|clause| (Occur::Must, clause))
            .collect();
        Some(Box::new(BooleanQuery::new(all)))
    }
}

/// `retrieval` restricted by `filters`, with the same score: the filters
/// join as one clause scored 0 beside the untouched retrieval query.
pub(crate) fn apply(
    retrieval: Box<dyn Query>,
    filters: &Filters,
    fields: &CatalogSchema,
) -> Box<dyn Query> {
    match filters.query(fields) {
        None => retrieval,
        Some(filter) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, retrieval),
            (Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))),
        ])),
    }
}

/// Any of `values` in the untokenized `field`.
fn any_term(field: Field, values: &[String]) -> Box<dyn Query> {
    let alternatives = values
        .iter()
        .map(|value| {
            let term = TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            );
            (Occur::Should, Box::new(term) as Box<dyn Query>)
        })
        .collect();
    Box::new(BooleanQuery::new(alternatives))
}

fn doc_types(fields: &CatalogSchema, types: &[DocType]) -> Box<dyn Query> {
    let names: Vec<String> = types
        .iter()
        .map(|doc_type| doc_type.as_str().to_string())
        .collect();
    any_term(fields.doc_type, &names)
}

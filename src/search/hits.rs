//! The hits of a page: stored fields, signals and, on request, why each
//! ranked where it did.

use serde::Serialize;
use tantivy::schema::Value;
use tantivy::{DocAddress, Score, TantivyDocument};

use super::collector::Tiers;
use super::config::Signals;
use super::highlight::Span;
use super::SearchContext;
use crate::error::Result;

/// Why a hit scored what it did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreExplanation {
    /// BM25 over the fields, summed over the matched words.
    #[serde(serialize_with = "crate::finite::f32_or_zero")]
    pub text: f32,
    #[serde(serialize_with = "crate::finite::f32_or_zero")]
    /// Factor of popularity (see [`crate::search::RankingConfig::popularity_multiplier`]).
    pub popularity_multiplier: f32,
    /// The tiers the hit is sorted by, before its score.
    pub tiers: Tiers,
    /// The blend as a formula.
    pub formula: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
/// The anchor of a hit.
pub struct AnchorRef {
    /// The anchor's id.
    pub id: String,
    /// The anchor's name.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
/// One search result.
pub struct Hit {
    #[serde(rename = "type")]
    /// `product`, `video`, `live` or `anchor`.
    pub doc_type: String,
    /// The catalog id.
    pub id: String,
    /// Title, caption or anchor name.
    pub title: String,
    /// Where `title` holds the query's words: character offsets into it,
    /// `end` excluded, in order, not overlapping.
    pub highlights: Vec<Span>,
    /// text × proximity × popularity; hits are sorted by their tiers first.
    /// 0 when the hits are sorted by another order than relevance.
    #[serde(serialize_with = "crate::finite::f32_or_zero")]
    pub score: f32,
    /// The popularity signals blended into the score.
    pub signals: Signals,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The anchor selling or posting it, when there is one.
    pub anchor: Option<AnchorRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// A product's price in cents, when the catalog gives one.
    pub price_cents: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// A product's brand, when the catalog gives one.
    pub brand: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// A product's category, when the catalog gives one.
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// When a video or live was published (RFC 3339, UTC), when known.
    pub published_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Why it scored what it did, when asked.
    pub explain: Option<ScoreExplanation>,
}

/// Reads the stored fields of the document at `address`.
pub(crate) fn hit(
    context: &SearchContext<'_>,
    address: DocAddress,
    score: Score,
    tiers: Option<Tiers>,
    highlight_words: &[super::plan::QueryWord],
) -> Result<Hit> {
    let fields = context.fields;
    let document: TantivyDocument = context.searcher.doc(address)?;
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
    let optional_text = |field| {
        document
            .get_first(field)
            .and_then(|value| value.as_str())
            .map(str::to_string)
    };
    let published_at = document
        .get_first(fields.published_at)
        .and_then(|value| value.as_i64())
        .and_then(rfc3339);
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
    let explain = tiers.map(|tiers| ScoreExplanation {
        text: tiers.text,
        popularity_multiplier: tiers.popularity,
        tiers,
        formula: context.config.formula(),
    });
    let title = text(fields.title_text);
    Ok(Hit {
        doc_type,
        id: text(fields.id),
        highlights: super::highlight::highlight(context.analyzer, &title, highlight_words),
        title,
        score,
        signals,
        anchor,
        price_cents: document
            .get_first(fields.price_cents)
            .and_then(|value| value.as_u64()),
        brand: optional_text(fields.brand_text),
        category: optional_text(fields.category_text),
        published_at,
        explain,
    })
}

/// Seconds since the Unix epoch as RFC 3339 in UTC; `None` out of range.
fn rfc3339(seconds: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

//! `/v1/search`: parameters checked here, the search itself in
//! `LoadedGeneration::search`.

use axum::extract::{RawQuery, State};
use axum::Json;
use livesearch::catalog::parse_rfc3339;
use livesearch::schema::DocType;
use livesearch::search::{FacetRequest, Filters, SearchRequest, SearchResults, SortOrder};
use serde::Serialize;

use super::serving_generation;
use crate::config::{Limits, DEFAULT_SEARCH_LIMIT};
use crate::error::{ApiError, ReadErrors};
use crate::params::{truncate, Params};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SearchResponse {
    query: String,
    generation: String,
    #[serde(flatten)]
    results: SearchResults,
}

/// Search products, videos, lives and anchors: text relevance blended with
/// sales, followers and likes; filters, other sort orders, facets, title
/// highlights and cursors for the pages past the offset cap.
#[utoipa::path(get, path = "/v1/search", tag = "search",
    params(
        ("q" = String, Query, description = "what was typed (not blank); hits matching every word come first, and when fewer than `relax_min_hits` do, the least important words are dropped (`relaxed`, `dropped_words`)"),
        ("type" = Option<String>, Query, description = "all (default), product, video, live or anchor"),
        ("limit" = Option<u32>, Query, description = "hits to return (default 10)"),
        ("offset" = Option<u32>, Query, description = "hits to skip (default 0); past the cap, page with `search_after`"),
        ("explain" = Option<bool>, Query, description = "add the text score, multiplier and formula to each hit"),
        ("category" = Option<Vec<String>>, Query, style = Form, explode, description = "only these categories, exactly as the catalog writes them (repeated or comma-separated; any of them); an unknown one matches nothing"),
        ("brand" = Option<Vec<String>>, Query, style = Form, explode, description = "only these brands, exactly as the catalog writes them (repeated or comma-separated; any of them); an unknown one matches nothing"),
        ("price_min" = Option<u64>, Query, description = "lowest price in cents, included (documents without a price are left out)"),
        ("price_max" = Option<u64>, Query, description = "highest price in cents, included (documents without a price are left out); below price_min nothing matches"),
        ("anchor_id" = Option<String>, Query, description = "only this anchor, its videos and lives, and the products it sells"),
        ("min_sales" = Option<u64>, Query, description = "least units sold (only products sell)"),
        ("live_now" = Option<bool>, Query, description = "true: only lives (videos of kind live); false filters nothing"),
        ("published_after" = Option<String>, Query, format = DateTime, description = "only videos and lives published strictly after this RFC 3339 time"),
        ("sort" = Option<String>, Query, description = "relevance (default), sales, price_asc, price_desc, newest or followers; ties by id; a document without the field comes last"),
        ("facets" = Option<Vec<String>>, Query, style = Form, explode, description = "facets to count over every match: category, brand, price (repeated or comma-separated)"),
        ("search_after" = Option<String>, Query, description = "the `next_cursor` of the previous page: the hits after it, in the same order; refused when another generation or another search returned it"),
    ),
    responses(
        (status = 200, description = "the ranked hits", body = SearchResponse),
        ReadErrors,
    ))]
pub(crate) async fn search_handler(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let (mut request, cursor) = parse_search_query(raw.as_deref(), &state.config().limits)?;
    let generation = serving_generation(&state)?;
    if let Some(cursor) = cursor {
        let key = generation
            .decode_cursor(&cursor, &request)
            .map_err(|error| ApiError::invalid("search_after", error.to_string()))?;
        request.search_after = Some(key);
    }
    let query = request.query.clone();
    let analyzer = state.analyzer().clone();
    let ranking = state.config().ranking.clone();
    let searched = generation.clone();
    let results =
        tokio::task::spawn_blocking(move || searched.search(&analyzer, &ranking, &request))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
    Ok(Json(SearchResponse {
        query,
        generation: generation.id().to_string(),
        results,
    }))
}

/// The query parameters of `/v1/search`; the OpenAPI document must declare
/// exactly these (a test checks it).
pub const SEARCH_PARAMS: &[&str] = &[
    "q",
    "type",
    "limit",
    "offset",
    "explain",
    "category",
    "brand",
    "price_min",
    "price_max",
    "anchor_id",
    "min_sales",
    "live_now",
    "published_after",
    "sort",
    "facets",
    "search_after",
];

/// The parameters of `/v1/search` that may be repeated.
pub const LIST_PARAMS: &[&str] = &["category", "brand", "facets"];

/// Most values of one list parameter.
pub const MAX_LIST_VALUES: usize = 20;

/// Largest number accepted for prices and sales: the largest integer a
/// JSON client can hold exactly.
pub const MAX_NUMBER: u64 = (1 << 53) - 1;

/// The request a `/v1/search` query string describes, every value checked,
/// and the `search_after` cursor as sent (it is decoded against the served
/// generation). Public for the fuzz target of the query-string parser.
pub fn parse_search_query(
    raw: Option<&str>,
    limits: &Limits,
) -> Result<(SearchRequest, Option<String>), ApiError> {
    let params = Params::parse_with_lists(raw, SEARCH_PARAMS, LIST_PARAMS)?;
    let request = search_request(&params, limits)?;
    Ok((request, params.get("search_after").map(str::to_string)))
}

/// The request the parameters describe, every value checked (all but the
/// cursor, which needs the served generation).
fn search_request(params: &Params, limits: &Limits) -> Result<SearchRequest, ApiError> {
    let typed = params.get("q").unwrap_or("");
    // The limit applies to what was sent, as the OpenAPI document says, not
    // to what is left once surrounding white space (U+0085 too) is trimmed.
    let chars = typed.chars().count();
    let query = typed.trim().to_string();
    if query.is_empty() {
        return Err(ApiError::invalid("q", "is required and must not be blank"));
    }
    if chars > limits.max_query_chars {
        return Err(ApiError::invalid(
            "q",
            format!(
                "has {chars} characters, over the limit of {}",
                limits.max_query_chars
            ),
        ));
    }
    let doc_type = match params.get("type").unwrap_or("all") {
        "all" => None,
        other => Some(DocType::parse(other).ok_or_else(|| {
            ApiError::invalid(
                "type",
                format!(
                    "must be all, product, video, live or anchor, got `{}`",
                    truncate(other)
                ),
            )
        })?),
    };
    let sort = match params.get("sort") {
        None => SortOrder::Relevance,
        Some(name) => SortOrder::parse(name).ok_or_else(|| {
            ApiError::invalid(
                "sort",
                format!(
                    "must be relevance, sales, price_asc, price_desc, newest or followers, got `{}`",
                    truncate(name)
                ),
            )
        })?,
    };
    Ok(SearchRequest {
        query,
        doc_type,
        limit: params.integer(
            "limit",
            DEFAULT_SEARCH_LIMIT.min(limits.max_limit),
            1..=limits.max_limit,
        )?,
        offset: params.integer("offset", 0, 0..=limits.max_offset)?,
        explain: params.boolean("explain", false)?,
        filters: filters(params)?,
        sort,
        facets: facets(params)?,
        search_after: None,
    })
}

fn filters(params: &Params) -> Result<Filters, ApiError> {
    let anchor_id = match params.get("anchor_id") {
        Some("") => return Err(ApiError::invalid("anchor_id", "must not be empty")),
        other => other.map(str::to_string),
    };
    let published_after = params
        .get("published_after")
        .map(|text| {
            parse_rfc3339(text.trim()).map_err(|reason| {
                ApiError::invalid(
                    "published_after",
                    format!(
                        "must be an RFC 3339 time such as 2026-11-01T08:00:00+08:00, got `{}` ({reason})",
                        truncate(text)
                    ),
                )
            })
        })
        .transpose()?;
    Ok(Filters {
        categories: list(params, "category")?,
        brands: list(params, "brand")?,
        price_min_cents: params.optional_number("price_min", MAX_NUMBER)?,
        price_max_cents: params.optional_number("price_max", MAX_NUMBER)?,
        anchor_id,
        min_sales: params.optional_number("min_sales", MAX_NUMBER)?,
        live_now: params.boolean("live_now", false)?,
        published_after,
    })
}

fn list(params: &Params, name: &str) -> Result<Vec<String>, ApiError> {
    let values = params.list(name);
    // The OpenAPI document's `maxItems` counts the parameter's repeats, empty
    // ones too; comma-separated pieces count as values as well.
    let given = values.len().max(params.occurrences(name));
    if given > MAX_LIST_VALUES {
        return Err(ApiError::invalid(
            name,
            format!("has {given} values, over the limit of {MAX_LIST_VALUES}"),
        ));
    }
    Ok(values.into_iter().map(str::to_string).collect())
}

fn facets(params: &Params) -> Result<FacetRequest, ApiError> {
    let mut request = FacetRequest::default();
    // Each piece must name a facet: the OpenAPI document lists the values
    // (an empty `facets=` is a mistake, not a request for none).
    for name in params.list_pieces("facets") {
        let asked = match name {
            "category" => &mut request.category,
            "brand" => &mut request.brand,
            "price" => &mut request.price,
            other => {
                return Err(ApiError::invalid(
                    "facets",
                    format!(
                        "must list category, brand or price, got `{}`",
                        truncate(other)
                    ),
                ))
            }
        };
        // The document allows each facet once (at most three values).
        if *asked {
            return Err(ApiError::invalid(
                "facets",
                format!("lists `{name}` more than once"),
            ));
        }
        *asked = true;
    }
    Ok(request)
}

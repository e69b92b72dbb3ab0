//! `/v1/search`: thin over `LoadedGeneration::search`.

use axum::extract::{RawQuery, State};
use axum::Json;
use livesearch::schema::DocType;
use livesearch::search::{SearchRequest, SearchResults};
use serde::Serialize;

use super::serving_generation;
use crate::config::DEFAULT_SEARCH_LIMIT;
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
/// sales, followers and likes.
#[utoipa::path(get, path = "/v1/search", tag = "search",
    params(
        ("q" = String, Query, description = "what was typed (not blank); hits matching every word come first, and when fewer than `relax_min_hits` do, the least important words are dropped (`relaxed`, `dropped_words`)"),
        ("type" = Option<String>, Query, description = "all (default), product, video, live or anchor"),
        ("limit" = Option<u32>, Query, description = "hits to return (default 10)"),
        ("offset" = Option<u32>, Query, description = "hits to skip (default 0)"),
        ("explain" = Option<bool>, Query, description = "add the text score, multiplier and formula to each hit"),
    ),
    responses(
        (status = 200, description = "the ranked hits", body = SearchResponse),
        ReadErrors,
    ))]
pub(crate) async fn search_handler(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let limits = &state.config().limits;
    let params = Params::parse(raw.as_deref(), SEARCH_PARAMS)?;
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
    let request = SearchRequest {
        query: query.clone(),
        doc_type,
        limit: params.integer(
            "limit",
            DEFAULT_SEARCH_LIMIT.min(limits.max_limit),
            1..=limits.max_limit,
        )?,
        offset: params.integer("offset", 0, 0..=limits.max_offset)?,
        explain: params.boolean("explain", false)?,
    };
    let generation = serving_generation(&state)?;
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
pub const SEARCH_PARAMS: &[&str] = &["q", "type", "limit", "offset", "explain"];

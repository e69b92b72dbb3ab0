//! `/v1/suggest`, `/v1/suggest/probe` and `/v1/related`: thin over the
//! suggestion index.

use axum::extract::{RawQuery, State};
use axum::Json;
use serde::Serialize;

use super::serving_generation;
use crate::config::{Limits, DEFAULT_SUGGEST_LIMIT};
use crate::error::{ApiError, ReadErrors};
use crate::params::Params;
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SuggestResponse {
    query: String,
    generation: String,
    suggestions: Vec<livesearch::suggest::Suggestion>,
}

/// Reads a suggestion prefix or term: may be empty, at most
/// `max_suggest_query_chars` characters.
fn suggest_text(params: &Params, name: &str, limits: &Limits) -> Result<String, ApiError> {
    let text = params.get(name).unwrap_or("").to_string();
    let chars = text.chars().count();
    let max_chars = limits.max_suggest_query_chars;
    if chars > max_chars {
        return Err(ApiError::invalid(
            name,
            format!("has {chars} characters, over the limit of {max_chars}"),
        ));
    }
    Ok(text)
}

/// Reads a term that must be given and not blank, bounded as any other.
fn required_suggest_text(params: &Params, name: &str, limits: &Limits) -> Result<String, ApiError> {
    let text = suggest_text(params, name, limits)?;
    if text.trim().is_empty() {
        return Err(ApiError::invalid(name, "is required and must not be blank"));
    }
    Ok(text)
}

/// The suggestion lookup is a few microseconds of work: it runs on the
/// async runtime, unlike search.
#[utoipa::path(get, path = "/v1/suggest", tag = "suggest",
    params(
        ("q" = Option<String>, Query, description = "the prefix typed so far: hanzi, full pinyin, initials or mixed (连yi); empty gives the hot list"),
        ("limit" = Option<u32>, Query, description = "suggestions to return (default 10)"),
    ),
    responses(
        (status = 200, description = "suggestions, best first, no repeats", body = SuggestResponse),
        ReadErrors,
    ))]
pub(crate) async fn suggest_handler(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SuggestResponse>, ApiError> {
    let limits = &state.config().limits;
    let params = Params::parse(raw.as_deref(), SUGGEST_PARAMS)?;
    let query = suggest_text(&params, "q", limits)?;
    let limit = params.integer(
        "limit",
        DEFAULT_SUGGEST_LIMIT.min(limits.max_suggest_limit),
        1..=limits.max_suggest_limit,
    )?;
    let generation = serving_generation(&state)?;
    let suggestions = generation.suggest.suggest(&query, limit);
    Ok(Json(SuggestResponse {
        query,
        generation: generation.id().to_string(),
        suggestions,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ProbeResponse {
    generation: String,
    #[serde(flatten)]
    probe: livesearch::suggest::Probe,
}

/// For SEO staff: where a term ranks for every prefix that leads to it.
#[utoipa::path(get, path = "/v1/suggest/probe", tag = "suggest",
    params(("term" = String, Query, description = "the suggestion term to probe (not blank)")),
    responses(
        (status = 200, description = "the term's score and its rank under each prefix", body = ProbeResponse),
        ReadErrors,
    ))]
pub(crate) async fn probe_handler(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<ProbeResponse>, ApiError> {
    let params = Params::parse(raw.as_deref(), PROBE_PARAMS)?;
    let term = required_suggest_text(&params, "term", &state.config().limits)?;
    let generation = serving_generation(&state)?;
    let probed = generation.clone();
    let probe = tokio::task::spawn_blocking(move || probed.suggest.probe(&term))
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(ProbeResponse {
        generation: generation.id().to_string(),
        probe,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct RelatedResponse {
    query: String,
    generation: String,
    related: Vec<livesearch::suggest::Suggestion>,
}

/// Related searches (相关搜索): logged queries sharing the product word of
/// `q`, or logged with it, the most popular first.
#[utoipa::path(get, path = "/v1/related", tag = "suggest",
    params(
        ("q" = String, Query, description = "what was searched (not blank)"),
        ("limit" = Option<u32>, Query, description = "related searches to return (default 10)"),
    ),
    responses(
        (status = 200, description = "related searches, most popular first, no repeats, never q itself", body = RelatedResponse),
        ReadErrors,
    ))]
pub(crate) async fn related_handler(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<RelatedResponse>, ApiError> {
    let params = Params::parse(raw.as_deref(), RELATED_PARAMS)?;
    let query = required_suggest_text(&params, "q", &state.config().limits)?;
    let max_related = livesearch::suggest::related::MAX_RELATED;
    let limit = params.integer("limit", max_related, 1..=max_related)?;
    let generation = serving_generation(&state)?;
    let related = generation.suggest.related(&query, limit);
    Ok(Json(RelatedResponse {
        query,
        generation: generation.id().to_string(),
        related,
    }))
}

/// The query parameters of `/v1/related` (likewise).
pub const RELATED_PARAMS: &[&str] = &["q", "limit"];

/// The query parameters of `/v1/suggest`; the OpenAPI document must declare
/// exactly these (a test checks it).
pub const SUGGEST_PARAMS: &[&str] = &["q", "limit"];

/// The query parameters of `/v1/suggest/probe` (likewise).
pub const PROBE_PARAMS: &[&str] = &["term"];

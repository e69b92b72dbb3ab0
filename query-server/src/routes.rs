//! The HTTP API: `app(state)` builds the router that `main` serves and the
//! tests call with `oneshot`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::error_handling::HandleErrorLayer;
use axum::extract::{ConnectInfo, MatchedPath, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Json, Router};
use livesearch::schema::DocType;
use livesearch::search::{SearchRequest, SearchResults};
use serde::Serialize;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::params::{truncate, Params};
use crate::state::ReloadOutcome;
use crate::state::{loaded_at_seconds, AppState};

pub fn app(state: AppState) -> Router {
    let config = state.config().clone();
    let overload_and_timeouts = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(shed_or_time_out))
        .load_shed()
        .concurrency_limit(config.server.max_concurrency)
        .timeout(config.request_timeout());
    Router::new()
        .route("/", get(console_page))
        .route("/console/console.js", get(console_script))
        .route("/console/console.css", get(console_style))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi_document))
        .route("/v1/search", get(search_handler))
        .route("/v1/suggest", get(suggest_handler))
        .route("/v1/suggest/probe", get(probe_handler))
        .route("/admin/reload", post(admin_reload))
        .fallback(not_found)
        .layer(overload_and_timeouts)
        .layer(RequestBodyLimitLayer::new(config.server.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_and_shape_errors,
        ))
        // No response may be sniffed into HTML: error messages quote input.
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn shed_or_time_out(error: BoxError) -> ApiError {
    if error.is::<tower::timeout::error::Elapsed>() {
        return ApiError::new(ErrorCode::Timeout, "the request took too long");
    }
    if error.is::<tower::load_shed::error::Overloaded>() {
        return ApiError::new(
            ErrorCode::Overloaded,
            "the server is overloaded; retry shortly",
        );
    }
    ApiError::internal(error)
}

/// Records metrics for every request and gives every error response the
/// API's JSON shape, whichever layer produced it.
async fn record_and_shape_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |path| path.as_str().to_string());
    let mut response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let code = ErrorCode::from_status(status);
        let message = status.canonical_reason().unwrap_or("error").to_lowercase();
        let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
        // Keep the original status (408 stays 408 though its code is `timeout`).
        response = (status, ApiError::new(code, message)).into_response();
        if let Some(retry_after) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after);
        }
    }
    state
        .metrics()
        .record(&route, status.as_u16(), started.elapsed());
    response
}

// The SEO console: static files compiled into the binary, so it works
// offline and never reflects request input.
const CONSOLE_HTML: &str = include_str!("../console/index.html");
const CONSOLE_JS: &str = include_str!("../console/console.js");
const CONSOLE_CSS: &str = include_str!("../console/console.css");

async fn console_page() -> Response {
    static_asset("text/html; charset=utf-8", CONSOLE_HTML)
}

async fn console_script() -> Response {
    static_asset("text/javascript; charset=utf-8", CONSOLE_JS)
}

async fn console_style() -> Response {
    static_asset("text/css; charset=utf-8", CONSOLE_CSS)
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:",
            ),
        ],
        body,
    )
        .into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

/// The process is up (it may not be ready to serve yet: see `/readyz`).
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "the process answers", body = Health)))]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    status: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Ready {
    status: &'static str,
    generation: String,
    /// When the indexer built the generation (RFC 3339).
    created_at: String,
    /// When this process loaded it (RFC 3339).
    loaded_at: String,
    documents: std::collections::BTreeMap<String, u64>,
    /// True when CURRENT's generation could not be served and the newest
    /// good generation on disk is served instead (`last_refused` says why).
    fallback: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_refused: Option<crate::state::LoadFailure>,
}

/// Whether a generation is served, which one, and why the newest was
/// refused if it was.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "a generation is served", body = Ready),
    (status = 503, description = "no generation is loaded", body = ErrorBody,
        headers(("Retry-After" = u32, description = "seconds to wait")))))]
pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    let last_refused = state.last_failure();
    let Some(generation) = state.generation() else {
        let reason = last_refused.map_or_else(
            || "no generation is loaded yet".to_string(),
            |failure| format!("no generation is loaded: {}", failure.reason),
        );
        return ApiError::new(ErrorCode::NotReady, reason).into_response();
    };
    Json(Ready {
        status: "ready",
        generation: generation.id().to_string(),
        created_at: generation.manifest.created_at.clone(),
        loaded_at: livesearch::generation::rfc3339(generation.loaded_at),
        documents: generation.manifest.documents.clone(),
        fallback: state.serving_fallback(),
        last_refused,
    })
    .into_response()
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses(
    (status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain")))]
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let mut extra = String::new();
    if let Some(generation) = state.generation() {
        use std::fmt::Write;
        let _ = writeln!(
            extra,
            "# HELP index_generation_info The generation being served."
        );
        let _ = writeln!(extra, "# TYPE index_generation_info gauge");
        let _ = writeln!(
            extra,
            "index_generation_info{{generation=\"{}\"}} 1",
            generation.id()
        );
        let _ = writeln!(extra, "# HELP index_generation_loaded_timestamp_seconds When the served generation was loaded.");
        let _ = writeln!(
            extra,
            "# TYPE index_generation_loaded_timestamp_seconds gauge"
        );
        let _ = writeln!(
            extra,
            "index_generation_loaded_timestamp_seconds {}",
            loaded_at_seconds(&generation)
        );
        let _ = writeln!(
            extra,
            "# HELP index_documents Documents in the served generation, by type."
        );
        let _ = writeln!(extra, "# TYPE index_documents gauge");
        for (doc_type, count) in &generation.manifest.documents {
            let _ = writeln!(extra, "index_documents{{type=\"{doc_type}\"}} {count}");
        }
    }
    let body = state.metrics().render(&extra);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// This document, generated from the handlers and types of the code.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", responses(
    (status = 200, description = "the OpenAPI 3.1 document of this API", body = Object)))]
pub(crate) async fn openapi_document(State(state): State<AppState>) -> Response {
    let document = crate::openapi::document(&state.config().limits);
    Json(document).into_response()
}

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
        (status = 400, description = "a bad parameter, named in the error", body = ErrorBody),
        (status = 503, description = "no generation loaded, or overloaded", body = ErrorBody,
            headers(("Retry-After" = u32, description = "seconds to wait"))),
        (status = 504, description = "the request took too long", body = ErrorBody),
    ))]
pub(crate) async fn search_handler(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let limits = &state.config().limits;
    let params = Params::parse(raw.as_deref(), SEARCH_PARAMS)?;
    let query = params.get("q").unwrap_or("").trim().to_string();
    if query.is_empty() {
        return Err(ApiError::invalid("q", "is required and must not be blank"));
    }
    let chars = query.chars().count();
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
        limit: params.integer("limit", 10, 1..=limits.max_limit)?,
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

/// The query parameters of each route; the OpenAPI document must declare
/// exactly these (a test checks it).
pub const SEARCH_PARAMS: &[&str] = &["q", "type", "limit", "offset", "explain"];
pub const SUGGEST_PARAMS: &[&str] = &["q", "limit"];
pub const PROBE_PARAMS: &[&str] = &["term"];

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SuggestResponse {
    query: String,
    generation: String,
    suggestions: Vec<livesearch::suggest::Suggestion>,
}

/// Reads a suggestion prefix or term: may be empty, bounded in length.
fn suggest_text(params: &Params, name: &str, max_chars: usize) -> Result<String, ApiError> {
    let text = params.get(name).unwrap_or("").to_string();
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(ApiError::invalid(
            name,
            format!("has {chars} characters, over the limit of {max_chars}"),
        ));
    }
    Ok(text)
}

fn serving_generation(
    state: &AppState,
) -> Result<std::sync::Arc<livesearch::serving::LoadedGeneration>, ApiError> {
    state
        .generation()
        .ok_or_else(|| ApiError::new(ErrorCode::NotReady, "no index generation is loaded"))
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
        (status = 400, description = "a bad parameter, named in the error", body = ErrorBody),
        (status = 503, description = "no generation loaded, or overloaded", body = ErrorBody,
            headers(("Retry-After" = u32, description = "seconds to wait"))),
        (status = 504, description = "the request took too long", body = ErrorBody),
    ))]
pub(crate) async fn suggest_handler(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SuggestResponse>, ApiError> {
    let limits = &state.config().limits;
    let params = Params::parse(raw.as_deref(), SUGGEST_PARAMS)?;
    let query = suggest_text(&params, "q", limits.max_suggest_query_chars)?;
    let limit = params.integer("limit", 10, 1..=limits.max_suggest_limit)?;
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
        (status = 400, description = "a bad parameter, named in the error", body = ErrorBody),
        (status = 503, description = "no generation loaded, or overloaded", body = ErrorBody,
            headers(("Retry-After" = u32, description = "seconds to wait"))),
        (status = 504, description = "the request took too long", body = ErrorBody),
    ))]
pub(crate) async fn probe_handler(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<ProbeResponse>, ApiError> {
    let limits = &state.config().limits;
    let params = Params::parse(raw.as_deref(), PROBE_PARAMS)?;
    let term = suggest_text(&params, "term", limits.max_suggest_query_chars)?;
    if term.trim().is_empty() {
        return Err(ApiError::invalid(
            "term",
            "is required and must not be blank",
        ));
    }
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

/// `/admin/*` is for loopback callers, or for anyone with the bearer token
/// when one is configured.
fn authorize_admin(
    state: &AppState,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    match &state.config().server.admin_token {
        Some(token) => {
            let presented = headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.strip_prefix("Bearer "))
                .unwrap_or("");
            if constant_time_eq(presented.as_bytes(), token.as_bytes()) {
                Ok(())
            } else {
                Err(ApiError::new(
                    ErrorCode::Unauthorized,
                    "admin routes need a valid bearer token",
                ))
            }
        }
        None if peer.is_some_and(|peer| peer.ip().is_loopback()) => Ok(()),
        None => Err(ApiError::new(
            ErrorCode::Forbidden,
            "admin routes answer loopback callers only",
        )),
    }
}

/// Compares without an early exit on the first differing byte, so the time
/// taken does not tell how much of a guessed token was right.
fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    let mut difference = (left.len() ^ right.len()) as u8 | u8::from(left.len() != right.len());
    for (index, byte) in right.iter().enumerate() {
        let other = left.get(index).copied().unwrap_or(0);
        difference |= other ^ byte;
    }
    difference == 0
}

/// Loads the generation CURRENT names now (the server also polls it).
#[utoipa::path(post, path = "/admin/reload", tag = "operations",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "loaded, or already served", body = ReloadOutcome),
        (status = 409, description = "the generation was refused; the previous one is still served", body = ReloadOutcome),
        (status = 401, description = "a token is configured and the request lacks it", body = ErrorBody),
        (status = 403, description = "no token is configured and the caller is not on loopback", body = ErrorBody),
    ))]
pub(crate) async fn admin_reload(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, ApiError> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| *address);
    authorize_admin(&state, peer, request.headers())?;
    let outcome = state.reload(true).await;
    let status = match &outcome {
        crate::state::ReloadOutcome::Refused { .. } => StatusCode::CONFLICT,
        _ => StatusCode::OK,
    };
    Ok((status, Json(outcome)).into_response())
}

/// Waits for SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// How long graceful shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn constant_time_eq_matches_only_equal_tokens() {
        assert!(constant_time_eq(b"secret-token-123", b"secret-token-123"));
        assert!(!constant_time_eq(b"secret-token-124", b"secret-token-123"));
        assert!(!constant_time_eq(b"secret-token-12", b"secret-token-123"));
        assert!(!constant_time_eq(b"", b"secret-token-123"));
    }
}

//! The HTTP API: `app(state)` builds the router that `main` serves and the
//! tests call with `oneshot`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::error_handling::HandleErrorLayer;
use axum::extract::{ConnectInfo, MatchedPath, RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Json, Router};
use livesearch::schema::DocType;
use livesearch::search::{search, SearchRequest, SearchResults};
use serde::Serialize;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::error::{ApiError, ErrorCode};
use crate::params::{truncate, Params};
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

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

#[derive(Serialize)]
struct Ready {
    status: &'static str,
    generation: String,
    created_at: String,
    loaded_at: u64,
    documents: std::collections::BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_refused: Option<crate::state::LoadFailure>,
}

async fn readyz(State(state): State<AppState>) -> Response {
    let last_refused = state.last_failure();
    let Some(generation) = state.generation() else {
        let reason = last_refused.map_or_else(
            || "no generation is loaded yet".to_string(),
            |failure| {
                format!(
                    "no generation is loaded: {} refused: {}",
                    failure.generation, failure.reason
                )
            },
        );
        return ApiError::new(ErrorCode::NotReady, reason).into_response();
    };
    Json(Ready {
        status: "ready",
        generation: generation.id().to_string(),
        created_at: generation.manifest.created_at.clone(),
        loaded_at: loaded_at_seconds(&generation),
        documents: generation.manifest.documents.clone(),
        last_refused,
    })
    .into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
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

#[derive(Serialize)]
struct SearchResponse {
    query: String,
    generation: String,
    #[serde(flatten)]
    results: SearchResults,
}

async fn search_handler(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let limits = &state.config().limits;
    let params = Params::parse(raw.as_deref(), &["q", "type", "limit", "offset", "explain"])?;
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
    let results = tokio::task::spawn_blocking(move || {
        let searcher = searched.searcher();
        search(&searcher, &searched.fields, &analyzer, &ranking, &request)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    Ok(Json(SearchResponse {
        query,
        generation: generation.id().to_string(),
        results,
    }))
}

#[derive(Serialize)]
struct SuggestResponse {
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
async fn suggest_handler(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SuggestResponse>, ApiError> {
    let limits = &state.config().limits;
    let params = Params::parse(raw.as_deref(), &["q", "limit"])?;
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

#[derive(Serialize)]
struct ProbeResponse {
    generation: String,
    #[serde(flatten)]
    probe: livesearch::suggest::Probe,
}

async fn probe_handler(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<ProbeResponse>, ApiError> {
    let limits = &state.config().limits;
    let params = Params::parse(raw.as_deref(), &["term"])?;
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

async fn admin_reload(
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

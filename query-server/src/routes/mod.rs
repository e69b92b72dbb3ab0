//! The HTTP API: `app(state)` builds the router that `main` serves and the
//! tests call with `oneshot`.

pub(crate) mod admin;
mod console;
pub(crate) mod ops;
pub(crate) mod search;
pub(crate) mod suggest;

use console::{console_page, console_script, console_style};
pub use search::{parse_search_query, MAX_LIST_VALUES, SEARCH_PARAMS};
pub use suggest::{PROBE_PARAMS, RELATED_PARAMS, SUGGEST_PARAMS};

use std::time::Instant;

use axum::error_handling::HandleErrorLayer;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{BoxError, Router};
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorCode};
use crate::openapi::ApiDoc;
use crate::state::AppState;

/// The one list of routes: the router serves it and the OpenAPI document is
/// generated from it, so the two cannot drift. Each documented route takes
/// its method and path from the handler's `#[utoipa::path]`.
pub(crate) fn route_list() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(search::search_handler))
        .routes(routes!(suggest::suggest_handler))
        .routes(routes!(suggest::probe_handler))
        .routes(routes!(suggest::related_handler))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
        .routes(routes!(ops::openapi_document))
        .routes(routes!(admin::admin_reload))
        // The console is a page, not part of the API document.
        .route("/", get(console_page))
        .route("/console/console.js", get(console_script))
        .route("/console/console.css", get(console_style))
}

pub fn app(state: AppState) -> Router {
    let config = state.config().clone();
    let overload_and_timeouts = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(shed_or_time_out))
        .load_shed()
        .concurrency_limit(config.server.max_concurrency)
        .timeout(config.request_timeout());
    let (router, _document) = route_list().split_for_parts();
    router
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

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

fn serving_generation(
    state: &AppState,
) -> Result<std::sync::Arc<livesearch::serving::LoadedGeneration>, ApiError> {
    state
        .generation()
        .ok_or_else(|| ApiError::new(ErrorCode::NotReady, "no index generation is loaded"))
}

//! Operations: liveness, readiness, Prometheus metrics and the OpenAPI document.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::{loaded_at_seconds, AppState};

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
    /// With `serve --source`: the object store followed, the lag behind its
    /// CURRENT, the last download and the failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<crate::replica::SourceReport>,
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
        // A replica that has nothing yet says why: its store's last error.
        let store_error = state
            .replica()
            .and_then(|replica| replica.report(None).last_error);
        let reason = match (last_refused, store_error) {
            (Some(failure), _) => format!("no generation is loaded: {}", failure.reason),
            (None, Some(error)) => format!("no generation is loaded yet: {error}"),
            (None, None) => "no generation is loaded yet".to_string(),
        };
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
        source: state
            .replica()
            .map(|replica| replica.report(Some(generation.id()))),
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
        // The served generation's facet cache (a new generation starts empty).
        let cache = generation.prepared.facet_cache_stats();
        for (name, kind, help, value) in [
            (
                "search_facet_cache_entries",
                "gauge",
                "Facet counts held by the served generation's cache.",
                cache.entries as u64,
            ),
            (
                "search_facet_cache_bytes",
                "gauge",
                "Bytes the served generation's facet cache holds, as counted against its limit.",
                cache.bytes as u64,
            ),
            (
                "search_facet_cache_hits_total",
                "counter",
                "Result pages whose facets the served generation's cache answered.",
                cache.hits,
            ),
            (
                "search_facet_cache_misses_total",
                "counter",
                "Result pages whose facets were counted (not in the cache).",
                cache.misses,
            ),
        ] {
            let _ = writeln!(extra, "# HELP {name} {help}");
            let _ = writeln!(extra, "# TYPE {name} {kind}");
            let _ = writeln!(extra, "{name} {value}");
        }
    }
    if let Some(replica) = state.replica() {
        let serving = state.generation();
        replica.render_metrics(
            serving.as_ref().map(|generation| generation.id()),
            &mut extra,
        );
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

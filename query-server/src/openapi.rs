//! The OpenAPI 3.1 document of the HTTP API, served at `/openapi.json`.
//! Operations come from the `#[utoipa::path]` attributes on the handlers and
//! schemas from the response types themselves, so the document follows the
//! code; the configured limits are written into the parameter schemas when
//! it is served, so it states what this server accepts.

use std::sync::OnceLock;

use serde_json::{json, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::config::Limits;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "livesearch query server",
        description = "Search and drop-down suggestions (下拉联想词) of a live-commerce catalog."
    ),
    paths(
        crate::routes::search::search_handler,
        crate::routes::suggest::suggest_handler,
        crate::routes::suggest::probe_handler,
        crate::routes::suggest::related_handler,
        crate::routes::ops::healthz,
        crate::routes::ops::readyz,
        crate::routes::ops::metrics,
        crate::routes::ops::openapi_document,
        crate::routes::admin::admin_reload,
    ),
    modifiers(&BearerToken),
    tags(
        (name = "search", description = "ranked search"),
        (name = "suggest", description = "drop-down suggestions and the SEO probe"),
        (name = "operations", description = "health, readiness, metrics, reload"),
    )
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as generated from the code, before limits are applied.
pub fn generated() -> &'static Value {
    static GENERATED: OnceLock<Value> = OnceLock::new();
    GENERATED.get_or_init(|| {
        serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serializes")
    })
}

/// The served document: the generated one with this server's limits.
pub fn document(limits: &Limits) -> Value {
    let mut document = generated().clone();
    let not_blank = ".*\\S.*";
    let constraints = [
        (
            "/v1/search",
            "q",
            json!({"minLength": 1, "maxLength": limits.max_query_chars, "pattern": not_blank}),
        ),
        (
            "/v1/search",
            "type",
            json!({"enum": ["all", "product", "video", "live", "anchor"]}),
        ),
        (
            "/v1/search",
            "limit",
            json!({"minimum": 1, "maximum": limits.max_limit}),
        ),
        (
            "/v1/search",
            "offset",
            json!({"minimum": 0, "maximum": limits.max_offset}),
        ),
        (
            "/v1/suggest",
            "q",
            json!({"maxLength": limits.max_suggest_query_chars}),
        ),
        (
            "/v1/suggest",
            "limit",
            json!({"minimum": 1, "maximum": limits.max_suggest_limit}),
        ),
        (
            "/v1/suggest/probe",
            "term",
            json!({"minLength": 1, "maxLength": limits.max_suggest_query_chars, "pattern": not_blank}),
        ),
        (
            "/v1/related",
            "q",
            json!({"minLength": 1, "maxLength": limits.max_suggest_query_chars, "pattern": not_blank}),
        ),
        (
            "/v1/related",
            "limit",
            json!({"minimum": 1, "maximum": livesearch::suggest::related::MAX_RELATED}),
        ),
    ];
    for (path, name, extra) in constraints {
        let Some(parameters) = document
            .pointer_mut(&format!(
                "/paths/{}/get/parameters",
                path.replace('/', "~1")
            ))
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        for parameter in parameters {
            if parameter["name"] != name {
                continue;
            }
            if let (Some(schema), Some(extra)) =
                (parameter["schema"].as_object_mut(), extra.as_object())
            {
                schema.extend(extra.clone());
            }
        }
    }
    document
}

/// Names of the query parameters the document declares for `path`.
pub fn declared_parameters(document: &Value, path: &str) -> Vec<String> {
    document
        .pointer(&format!(
            "/paths/{}/get/parameters",
            path.replace('/', "~1")
        ))
        .and_then(Value::as_array)
        .map(|parameters| {
            parameters
                .iter()
                .filter_map(|parameter| parameter["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{PROBE_PARAMS, RELATED_PARAMS, SEARCH_PARAMS, SUGGEST_PARAMS};

    #[test]
    fn declared_parameters_are_exactly_those_the_handlers_accept() {
        let document = document(&Limits::default());
        for (path, accepted) in [
            ("/v1/search", SEARCH_PARAMS),
            ("/v1/suggest", SUGGEST_PARAMS),
            ("/v1/suggest/probe", PROBE_PARAMS),
            ("/v1/related", RELATED_PARAMS),
        ] {
            let mut declared = declared_parameters(&document, path);
            let mut accepted: Vec<String> = accepted.iter().map(|name| name.to_string()).collect();
            declared.sort();
            accepted.sort();
            assert_eq!(declared, accepted, "{path}");
        }
    }

    #[test]
    fn limits_are_written_into_the_parameter_schemas() {
        let limits = Limits {
            max_limit: 77,
            ..Limits::default()
        };
        let document = document(&limits);
        let parameters = document
            .pointer("/paths/~1v1~1search/get/parameters")
            .unwrap()
            .as_array()
            .unwrap();
        let limit = parameters.iter().find(|p| p["name"] == "limit").unwrap();
        assert_eq!(limit["schema"]["maximum"], 77);
        assert_eq!(
            document["openapi"].as_str().unwrap().chars().next(),
            Some('3')
        );
        for schema in [
            "SearchResponse",
            "SuggestResponse",
            "ProbeResponse",
            "ErrorBody",
            "Hit",
            "Suggestion",
        ] {
            assert!(
                document
                    .pointer(&format!("/components/schemas/{schema}"))
                    .is_some(),
                "{schema} missing"
            );
        }
    }
}

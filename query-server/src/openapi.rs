//! The OpenAPI 3.1 document of the HTTP API, served at `/openapi.json`.
//! Operations come from the route list the router serves
//! (`routes::route_list`, each handler's `#[utoipa::path]`) and schemas from
//! the response types themselves, so the document follows the code; the configured limits are written into the parameter schemas when
//! it is served, so it states what this server accepts.

use std::sync::OnceLock;

use serde_json::{json, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::config::{Limits, DEFAULT_SEARCH_LIMIT, DEFAULT_SUGGEST_LIMIT};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "livesearch query server",
        description = "Search and drop-down suggestions (下拉联想词) of a live-commerce catalog."
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
        let (_router, document) = crate::routes::route_list().split_for_parts();
        serde_json::to_value(document).expect("the OpenAPI document serializes")
    })
}

/// The served document: the generated one with this server's limits.
pub fn document(limits: &Limits) -> Value {
    let mut document = generated().clone();
    // Some character the server's `trim` keeps: not Unicode White_Space.
    // ECMA-262's `\s` lacks U+0085 (NEL), which Rust trims, and holds
    // U+FEFF, which Rust keeps.
    let not_blank = "[^\\s\\u0085]|\\uFEFF";
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
            json!({"minimum": 1, "maximum": limits.max_limit, "default": DEFAULT_SEARCH_LIMIT.min(limits.max_limit)}),
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
            json!({"minimum": 1, "maximum": limits.max_suggest_limit, "default": DEFAULT_SUGGEST_LIMIT.min(limits.max_suggest_limit)}),
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
    let constraints = constraints.into_iter().chain(search_page_constraints());
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

/// The schemas of `/v1/search`'s result-page parameters (filters, sort,
/// facets, cursor), which no configured limit changes.
fn search_page_constraints() -> Vec<(&'static str, &'static str, Value)> {
    use crate::routes::search::{MAX_LIST_VALUES, MAX_NUMBER};
    use livesearch::search::SortOrder;
    let sorts: Vec<&str> = SortOrder::ALL.iter().map(|order| order.as_str()).collect();
    let number = json!({"minimum": 0, "maximum": MAX_NUMBER});
    let list =
        json!({"maxItems": MAX_LIST_VALUES, "items": {"type": "string", "pattern": "^[^,]*$"}});
    vec![
        ("/v1/search", "sort", json!({"enum": sorts})),
        ("/v1/search", "price_min", number.clone()),
        ("/v1/search", "price_max", number.clone()),
        ("/v1/search", "min_sales", number),
        ("/v1/search", "category", list.clone()),
        ("/v1/search", "brand", list),
        (
            "/v1/search",
            "facets",
            json!({"maxItems": 3, "uniqueItems": true, "items": {"type": "string", "enum": ["category", "brand", "price"]}}),
        ),
        ("/v1/search", "anchor_id", json!({"minLength": 1})),
        (
            "/v1/search",
            "search_after",
            json!({"minLength": 1, "maxLength": 1024, "pattern": "^[0-9a-f]+$"}),
        ),
    ]
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
    fn result_page_parameters_are_typed_for_clients_and_fuzzers() {
        let document = document(&Limits::default());
        let parameter = |name: &str| {
            document
                .pointer("/paths/~1v1~1search/get/parameters")
                .and_then(Value::as_array)
                .and_then(|parameters| parameters.iter().find(|p| p["name"] == name))
                .cloned()
                .unwrap_or_else(|| panic!("{name} is not declared"))
        };
        let facets = parameter("facets");
        assert_eq!(facets["schema"]["type"], "array", "{facets}");
        assert_eq!(facets["explode"], true, "{facets}");
        assert_eq!(
            facets["schema"]["items"]["enum"],
            json!(["category", "brand", "price"])
        );
        assert_eq!(parameter("brand")["schema"]["type"], "array");
        assert_eq!(parameter("sort")["schema"]["enum"][0], "relevance");
        assert_eq!(parameter("price_min")["schema"]["minimum"], 0);
        assert_eq!(
            parameter("published_after")["schema"]["format"],
            "date-time"
        );
        assert_eq!(parameter("search_after")["schema"]["minLength"], 1);
        for schema in ["Facets", "FacetValue", "PriceBucket", "Span"] {
            assert!(
                document
                    .pointer(&format!("/components/schemas/{schema}"))
                    .is_some(),
                "{schema} missing"
            );
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
        assert_eq!(limit["schema"]["default"], DEFAULT_SEARCH_LIMIT);
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

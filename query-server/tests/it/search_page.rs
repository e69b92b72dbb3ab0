//! `/v1/search` as a result page: filters, sort orders, facets, highlights
//! and cursors through `app(state)` on the fixture catalog. Every check is
//! against the fields the hits themselves carry.

use std::collections::HashSet;

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::{
    assert_error, build_fixtures, encode, fixture_state, get, search_uri, state_for, Answer,
};

async fn ok(state: &query_server::state::AppState, uri: &str) -> Value {
    let answer = get(state, uri).await;
    assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text);
    answer.json
}

/// The answer to a search for `query` with the further `params` (each
/// starting with `&`), which must succeed.
async fn search(state: &query_server::state::AppState, query: &str, params: &str) -> Value {
    ok(state, &search_uri(query, params)).await
}

fn hits(json: &Value) -> &Vec<Value> {
    json["hits"].as_array().unwrap()
}

/// Hits of a page, asserting the page is not empty (a filter that keeps
/// nothing would pass any check on its hits).
fn some_hits(json: &Value) -> &Vec<Value> {
    let hits = hits(json);
    assert!(!hits.is_empty(), "{json}");
    hits
}

#[tokio::test]
async fn every_hit_obeys_every_filter() {
    let (_root, state) = fixture_state().await;
    let brand_li_ning = encode("李宁");
    let json = search(&state, "李宁", &format!("&brand={brand_li_ning}&limit=50")).await;
    for hit in some_hits(&json) {
        assert_eq!(hit["brand"], "李宁", "{hit}");
    }
    // Repeated and comma-separated values are alternatives.
    let two_brands = format!("brand={}&brand={}", encode("李宁"), encode("森马"));
    let comma = format!("brand={}", encode("李宁,森马"));
    let both = ok(&state, &format!("/v1/search?q=t&{two_brands}&limit=50")).await;
    let same = ok(&state, &format!("/v1/search?q=t&{comma}&limit=50")).await;
    assert_eq!(both["total"], same["total"]);
    let json = search(&state, "卫衣", "&price_min=5000&price_max=30000&limit=50").await;
    for hit in some_hits(&json) {
        let price = hit["price_cents"].as_u64().unwrap();
        assert!((5000..=30000).contains(&price), "{hit}");
    }
    let json = search(&state, "卫衣", "&min_sales=5&limit=50").await;
    for hit in some_hits(&json) {
        assert!(hit["signals"]["sales"].as_u64().unwrap() >= 5, "{hit}");
    }
    let live = search(&state, "直播间", "&live_now=true&limit=50").await;
    for hit in some_hits(&live) {
        assert_eq!(hit["type"], "live", "{hit}");
    }
    let after = "2026-11-15T00:00:00%2B08:00";
    let json = search(
        &state,
        "直播间",
        &format!("&published_after={after}&limit=50"),
    )
    .await;
    let cutoff = "2026-11-14T16:00:00Z";
    for hit in some_hits(&json) {
        let published = hit["published_at"].as_str().unwrap();
        assert!(published > cutoff, "{hit}");
    }
    let anchor = some_hits(&live)[0]["anchor"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let json = search(
        &state,
        "直播间",
        &format!("&anchor_id={anchor}&type=live&limit=50"),
    )
    .await;
    for hit in some_hits(&json) {
        assert_eq!(hit["anchor"]["id"], anchor.as_str(), "{hit}");
    }
    // An unknown value matches nothing and is no error.
    let none = search(&state, "卫衣", &format!("&brand={}", encode("无此品牌"))).await;
    assert_eq!(none["total"], 0);
}

#[tokio::test]
async fn sort_orders_sort_and_facets_sum_to_the_total() {
    let (_root, state) = fixture_state().await;
    let products = |params: &str| format!("&type=product{params}");
    let by_sales = search(&state, "卫衣", &products("&limit=100&sort=sales")).await;
    let sales: Vec<u64> = some_hits(&by_sales)
        .iter()
        .map(|hit| hit["signals"]["sales"].as_u64().unwrap())
        .collect();
    assert!(sales.windows(2).all(|pair| pair[0] >= pair[1]), "{sales:?}");
    let by_price = search(&state, "卫衣", &products("&limit=100&sort=price_asc")).await;
    let prices: Vec<u64> = some_hits(&by_price)
        .iter()
        .filter_map(|hit| hit["price_cents"].as_u64())
        .collect();
    assert!(
        prices.windows(2).all(|pair| pair[0] <= pair[1]),
        "{prices:?}"
    );
    let relevance = search(&state, "卫衣", &products("&limit=100")).await;
    assert_eq!(by_sales["total"], relevance["total"]);

    let faceted = search(
        &state,
        "卫衣",
        &products("&limit=1&facets=category,brand&facets=price"),
    )
    .await;
    let total = faceted["total"].as_u64().unwrap();
    assert!(total > 1);
    let sum = |facet: &str| -> u64 {
        faceted["facets"][facet]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["count"].as_u64().unwrap())
            .sum()
    };
    // Every fixture product has a category and a price; brands may pass the top 20.
    assert_eq!(sum("category"), total, "{}", faceted["facets"]);
    assert_eq!(sum("price"), total, "{}", faceted["facets"]);
    assert!(sum("brand") <= total);
    let bucket = &faceted["facets"]["price"][0];
    assert_eq!(bucket["min_cents"], 0);
    assert!(bucket["max_cents"].is_u64());
    // A category's count is what filtering by it finds.
    let top = &faceted["facets"]["category"][0];
    let category = top["value"].as_str().unwrap();
    let filtered = search(
        &state,
        "卫衣",
        &products(&format!("&category={}", encode(category))),
    )
    .await;
    assert_eq!(filtered["total"], top["count"]);
    assert!(relevance.get("facets").is_none());
}

#[tokio::test]
async fn highlights_mark_the_query_words_in_each_title() {
    let (_root, state) = fixture_state().await;
    let json = search(&state, "卫衣", "&limit=20").await;
    for hit in some_hits(&json) {
        let title: Vec<char> = hit["title"].as_str().unwrap().chars().collect();
        let marked: Vec<String> = hit["highlights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|span| {
                let start = span["start"].as_u64().unwrap() as usize;
                let end = span["end"].as_u64().unwrap() as usize;
                title[start..end].iter().collect()
            })
            .collect();
        if title.iter().collect::<String>().contains("卫衣") {
            assert!(marked.iter().any(|text| text.contains("卫衣")), "{hit}");
        }
    }
}

/// Pages through `uri` with `search_after`; the ids in order.
async fn page_through(state: &query_server::state::AppState, uri: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut next = uri.to_string();
    for _ in 0..200 {
        let json = ok(state, &next).await;
        ids.extend(
            hits(&json)
                .iter()
                .map(|hit| hit["id"].as_str().unwrap().to_string()),
        );
        match json["next_cursor"].as_str() {
            None => return ids,
            Some(cursor) => next = format!("{uri}&search_after={cursor}"),
        }
    }
    panic!("paging did not end");
}

#[tokio::test]
async fn cursors_page_through_every_hit_once_and_only_on_their_generation() {
    let (_root, state) = fixture_state().await;
    for sort in ["relevance", "sales", "price_desc", "newest"] {
        let everything = search(&state, "卫衣", &format!("&sort={sort}&limit=100")).await;
        let total = everything["total"].as_u64().unwrap() as usize;
        assert!(total > 7 && total <= 100, "{total}");
        let paged = page_through(
            &state,
            &search_uri("卫衣", &format!("&sort={sort}&limit=7")),
        )
        .await;
        let expected: Vec<String> = hits(&everything)
            .iter()
            .map(|hit| hit["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(paged, expected, "{sort}");
        assert_eq!(paged.iter().collect::<HashSet<_>>().len(), total);
    }
    let first = search(&state, "卫衣", "&limit=3").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    // Another search: refused, naming the cursor.
    let other = get(
        &state,
        &search_uri(
            "卫衣",
            &format!("&limit=3&sort=sales&search_after={cursor}"),
        ),
    )
    .await;
    assert_bad(&other, "search_after");
    // Another generation: refused, saying so.
    let other_root = tempfile::tempdir().unwrap();
    build_fixtures(other_root.path());
    let other_state = state_for(other_root.path(), Default::default());
    other_state.reload(true).await;
    let answer = get(
        &other_state,
        &search_uri("卫衣", &format!("&limit=3&search_after={cursor}")),
    )
    .await;
    assert_bad(&answer, "search_after");
    assert!(
        answer.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("generation"),
        "{}",
        answer.text
    );
}

fn assert_bad(answer: &Answer, parameter: &str) {
    assert_error(
        answer,
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
        Some(parameter),
    );
}

#[tokio::test]
async fn malformed_result_page_parameters_get_400_naming_them() {
    let (_root, state) = fixture_state().await;
    let many_brands = vec!["b"; 21].join(",");
    let cases = [
        ("price_min=abc", "price_min"),
        ("price_min=-1", "price_min"),
        ("price_max=1.5", "price_max"),
        ("price_max=9007199254740992", "price_max"),
        ("min_sales=lots", "min_sales"),
        ("live_now=maybe", "live_now"),
        ("published_after=yesterday", "published_after"),
        ("published_after=2026-11-01", "published_after"),
        ("sort=cheapest", "sort"),
        ("facets=color", "facets"),
        ("facets=", "facets"),
        ("facets=brand,", "facets"),
        ("facets=brand,brand", "facets"),
        ("facets=brand&facets=category&facets=brand", "facets"),
        ("search_after=zz", "search_after"),
        ("search_after=00", "search_after"),
        ("anchor_id=", "anchor_id"),
        ("sort=sales&sort=newest", "sort"),
        (&format!("brand={many_brands}"), "brand"),
        // The OpenAPI document's maxItems counts repeats, empty ones too.
        (&"brand=&".repeat(21), "brand"),
    ];
    for (query, parameter) in cases {
        let answer = get(&state, &format!("/v1/search?q=a&{query}")).await;
        assert_bad(&answer, parameter);
    }
    // A lowest price above the highest is no error: it matches nothing.
    let empty = ok(&state, "/v1/search?q=a&price_min=10&price_max=1").await;
    assert_eq!(empty["total"], 0);
}

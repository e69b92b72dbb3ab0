//! Route tests through `app(state)`.

use std::net::SocketAddr;

use axum::http::{Method, StatusCode};
use query_server::config::ServerConfig;
use query_server::AppState;

use crate::support::{
    assert_error, build_fixtures, call, encode, fixture_state, fixture_state_with, generation_dir,
    get, search_uri, state_for, Answer,
};

/// `POST /admin/reload` from `peer` (unknown when `None`), with a bearer
/// `token` when given.
async fn admin_reload(state: &AppState, peer: Option<SocketAddr>, token: Option<&str>) -> Answer {
    call(state, Method::POST, "/admin/reload", peer, token).await
}

#[tokio::test]
async fn search_answers_with_tokens_hits_and_generation() {
    let (_root, state) = fixture_state().await;
    let answer = get(&state, &search_uri("美特斯邦威卫衣", "&limit=5")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let json = &answer.json;
    assert_eq!(json["query"], "美特斯邦威卫衣");
    assert_eq!(json["tokens"], serde_json::json!(["美特斯邦威", "卫衣"]));
    assert_eq!(json["generation"], state.generation().unwrap().id());
    let hits = json["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 5);
    for hit in hits {
        assert!(hit["title"].as_str().unwrap().contains("卫衣"), "{hit}");
        assert!(hit.get("explain").is_none(), "explain only when asked");
        assert!(hit["signals"]["sales"].is_u64());
    }
}

#[tokio::test]
async fn a_query_with_a_word_no_document_holds_is_relaxed_and_says_so() {
    let (_root, state) = fixture_state().await;
    let strict = get(&state, &search_uri("卫衣", "")).await;
    assert_eq!(strict.json["relaxed"], false, "{}", strict.text);
    assert_eq!(strict.json["dropped_words"], serde_json::json!([]));
    assert_eq!(strict.json["product_word"], "卫衣");

    let answer = get(&state, &search_uri("卫衣 zzqx", "&explain=true")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let json = &answer.json;
    assert_eq!(json["relaxed"], true, "{json}");
    assert_eq!(json["dropped_words"], serde_json::json!(["zzqx"]));
    assert_eq!(json["total"], strict.json["total"]);
    let hits = json["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    for hit in hits {
        assert_eq!(
            hit["explain"]["tiers"]["missing_words"],
            serde_json::json!(["zzqx"])
        );
    }
}

#[tokio::test]
async fn pinyin_typed_into_the_search_box_is_read_as_hanzi() {
    let (_root, state) = fixture_state().await;
    for typed in ["lianyiqun", "lyq"] {
        let answer = get(&state, &format!("/v1/search?q={typed}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let json = &answer.json;
        assert_eq!(json["converted"]["kind"], "pinyin", "{typed}: {json}");
        assert_eq!(json["converted"]["from"], typed);
        let hanzi = json["converted"]["to"].as_str().unwrap();
        assert!(hanzi.contains("连衣裙"), "{typed} read as {hanzi}");
        let hits = json["hits"].as_array().unwrap();
        assert!(!hits.is_empty(), "{json}");
        assert!(hits[0]["title"].as_str().unwrap().contains("连衣裙"));
    }
    // Latin that matches as typed is not converted.
    let brand = get(&state, "/v1/search?q=vivo").await;
    assert!(!brand.json["hits"].as_array().unwrap().is_empty());
    assert!(brand.json.get("converted").is_none(), "{}", brand.text);
}

#[tokio::test]
async fn explain_gives_components_that_multiply_to_the_score() {
    let (_root, state) = fixture_state().await;
    let answer = get(&state, &search_uri("连衣裙", "&explain=true")).await;
    let hit = &answer.json["hits"][0];
    let text = hit["explain"]["text"].as_f64().unwrap();
    let multiplier = hit["explain"]["popularity_multiplier"].as_f64().unwrap();
    let tiers = &hit["explain"]["tiers"];
    let proximity = tiers["proximity"].as_f64().unwrap();
    let score = hit["score"].as_f64().unwrap();
    assert!(
        (text * proximity * multiplier - score).abs() < 1e-3 * score.max(1.0),
        "{hit}"
    );
    assert_eq!(
        tiers["matched_words"],
        serde_json::json!(["连衣裙"]),
        "{hit}"
    );
    assert_eq!(tiers["product_match"], "product", "{hit}");
    assert!(hit["explain"]["formula"]
        .as_str()
        .unwrap()
        .contains("sales"));
}

#[tokio::test]
async fn type_filter_offset_and_determinism() {
    let (_root, state) = fixture_state().await;
    let lives = get(&state, &search_uri("直播间", "&type=live&limit=50")).await;
    let live_hits = lives.json["hits"].as_array().unwrap();
    assert!(!live_hits.is_empty());
    assert!(live_hits.iter().all(|hit| hit["type"] == "live"));

    let uri = search_uri("卫衣", "&limit=10");
    let first = get(&state, &uri).await.json;
    let again = get(&state, &uri).await.json;
    assert_eq!(first["hits"], again["hits"], "same request, same order");
    let page_two = get(&state, &format!("{uri}&offset=5")).await.json;
    assert_eq!(
        first["hits"][5], page_two["hits"][0],
        "offset pages through the same ranking"
    );
    assert_eq!(first["total"], page_two["total"]);
}

#[tokio::test]
async fn bad_input_gets_400_naming_the_parameter() {
    let (_root, state) = fixture_state().await;
    let long = encode(&"长".repeat(257));
    let cases: &[(&str, &str)] = &[
        ("/v1/search", "q"),
        ("/v1/search?q=", "q"),
        ("/v1/search?q=+++", "q"),
        (&format!("/v1/search?q={long}"), "q"),
        (&format!("/v1/search?q=a{}", "%C2%85".repeat(300)), "q"),
        ("/v1/search?q=a&limit=0", "limit"),
        ("/v1/search?q=a&limit=101", "limit"),
        ("/v1/search?q=a&limit=ten", "limit"),
        ("/v1/search?q=a&offset=10001", "offset"),
        ("/v1/search?q=a&type=shop", "type"),
        ("/v1/search?q=a&explain=maybe", "explain"),
        ("/v1/search?q=%ZZ", "q"),
        ("/v1/search?q=%FF%FE", "q"),
        ("/v1/search?q=a&limt=3", "limt"),
    ];
    for (uri, parameter) in cases {
        let answer = get(&state, uri).await;
        assert_error(
            &answer,
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            Some(parameter),
        );
    }
    assert_eq!(
        get(&state, "/v1/search?q=a&offset=10000").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn unknown_routes_wrong_methods_and_no_index_have_the_error_shape() {
    let (_root, state) = fixture_state().await;
    assert_error(
        &get(&state, "/v2/nothing").await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let wrong_method = call(&state, Method::DELETE, "/v1/search?q=a", None, None).await;
    assert_error(
        &wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        None,
    );

    let empty_root = tempfile::tempdir().unwrap();
    let not_ready = state_for(empty_root.path(), ServerConfig::default());
    assert_error(
        &get(&not_ready, "/v1/search?q=a").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "not_ready",
        None,
    );
    assert_error(
        &get(&not_ready, "/readyz").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "not_ready",
        None,
    );
    assert_eq!(get(&not_ready, "/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn readyz_and_metrics_report_the_generation() {
    let (_root, state) = fixture_state().await;
    let ready = get(&state, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json["documents"]["product"], 360);
    for field in ["created_at", "loaded_at"] {
        let value = ready.json[field].as_str().unwrap_or_default();
        assert!(looks_like_rfc3339(value), "{field}: {}", ready.json);
    }
    get(&state, "/v1/search?q=a&limit=0").await;
    get(&state, &search_uri("卫衣", "")).await;
    // The same result page twice: counted once, then from the cache.
    let page = search_uri("卫衣", "&facets=brand,price");
    let counted = get(&state, &page).await;
    let cached = get(&state, &page).await;
    assert_eq!(counted.json["facets"], cached.json["facets"]);
    let metrics = get(&state, "/metrics").await.text;
    for line in [
        "search_facet_cache_entries 1",
        "search_facet_cache_hits_total 1",
        "search_facet_cache_misses_total 1",
    ] {
        assert!(metrics.contains(line), "{line}: {metrics}");
    }
    assert!(
        metrics.contains("http_requests_total{route=\"/v1/search\",status=\"200\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("http_request_errors_total{route=\"/v1/search\",status=\"400\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("http_request_duration_seconds_bucket{route=\"/v1/search\""));
    let generation = state.generation().unwrap();
    assert!(metrics.contains(&format!(
        "index_generation_info{{generation=\"{}\"}} 1",
        generation.id()
    )));
    assert!(metrics.contains("index_documents{type=\"product\"} 360"));
}

#[tokio::test]
async fn admin_is_loopback_only_without_a_token() {
    let (_root, state) = fixture_state().await;
    let loopback: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let remote: SocketAddr = "203.0.113.7:40000".parse().unwrap();
    let allowed = admin_reload(&state, Some(loopback), None).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);
    assert_eq!(allowed.json["outcome"], "unchanged");
    let refused = admin_reload(&state, Some(remote), None).await;
    assert_error(&refused, StatusCode::FORBIDDEN, "forbidden", None);
    let unknown_peer = admin_reload(&state, None, None).await;
    assert_error(&unknown_peer, StatusCode::FORBIDDEN, "forbidden", None);
}

#[tokio::test]
async fn admin_needs_the_bearer_token_when_one_is_set() {
    let root = tempfile::tempdir().unwrap();
    build_fixtures(root.path());
    let mut config = ServerConfig::default();
    config.server.admin_token = Some("a-long-admin-token-0123".to_string());
    let state = state_for(root.path(), config);
    let remote: SocketAddr = "203.0.113.7:40000".parse().unwrap();
    let loopback: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let no_token = admin_reload(&state, Some(loopback), None).await;
    assert_error(&no_token, StatusCode::UNAUTHORIZED, "unauthorized", None);
    let wrong = admin_reload(&state, Some(remote), Some("a-long-admin-token-0124")).await;
    assert_error(&wrong, StatusCode::UNAUTHORIZED, "unauthorized", None);
    let right = admin_reload(&state, Some(remote), Some("a-long-admin-token-0123")).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.text);
    assert_eq!(right.json["outcome"], "loaded");
}

#[tokio::test]
async fn reload_swaps_in_a_new_generation_and_refuses_a_corrupt_one() {
    let (root, state) = fixture_state().await;
    let loopback: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let first = state.generation().unwrap().id().to_string();
    let held = state.generation().unwrap();

    let second = build_fixtures(root.path());
    let reloaded = admin_reload(&state, Some(loopback), None).await;
    assert_eq!(reloaded.json["outcome"], "loaded");
    assert_eq!(reloaded.json["previous"], first.as_str());
    assert_eq!(
        get(&state, "/readyz").await.json["generation"],
        second.as_str()
    );
    // A request that started on the old generation can still finish on it.
    assert_eq!(held.id(), first);
    assert!(held.searcher().num_docs() > 0);
    // Once that request is done, the old generation is freed, not kept.
    let old = std::sync::Arc::downgrade(&held);
    drop(held);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while old.upgrade().is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the replaced generation was never released"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // A third generation with a truncated segment file is refused.
    let third = build_fixtures(root.path());
    let index_dir = generation_dir(root.path(), &third).join("index");
    let segment_file = std::fs::read_dir(&index_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|ext| ext == "idx"))
        .unwrap();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&segment_file)
        .unwrap();
    file.set_len(3).unwrap();
    let refused = admin_reload(&state, Some(loopback), None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(refused.json["outcome"], "refused");
    let ready = get(&state, "/readyz").await.json;
    assert_eq!(
        ready["generation"],
        second.as_str(),
        "the old generation stays served"
    );
    assert_eq!(ready["last_refused"]["generation"], third.as_str());
    let refused_at = ready["last_refused"]["at"].as_str().unwrap_or_default();
    assert!(looks_like_rfc3339(refused_at), "{ready}");
    assert!(
        ready["last_refused"]["reason"]
            .as_str()
            .unwrap()
            .contains("bytes"),
        "{ready}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_concurrency_limit_requests_are_shed_with_retry_after() {
    use tower::ServiceExt;

    let mut config = ServerConfig::default();
    config.server.max_concurrency = 1;
    let (_root, state) = fixture_state_with(config).await;
    let router = query_server::app(state.clone());
    let uri = search_uri("卫衣 直播间", "&limit=100&explain=true");
    let requests = (0..64).map(|_| {
        let router = router.clone();
        let request = axum::http::Request::builder()
            .uri(uri.clone())
            .body(axum::body::Body::empty())
            .unwrap();
        tokio::spawn(async move { router.oneshot(request).await.unwrap() })
    });
    let mut shed = 0;
    for handle in requests.collect::<Vec<_>>() {
        let response = handle.await.unwrap();
        match response.status() {
            StatusCode::OK => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                shed += 1;
                assert_eq!(response.headers().get("retry-after").unwrap(), "1");
                let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                    .await
                    .unwrap();
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(json["error"]["code"], "overloaded");
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(
        shed > 0,
        "64 simultaneous requests against a limit of 1 shed none"
    );
    // Load gone, the server answers again.
    let request = axum::http::Request::builder()
        .uri(uri)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(
        router.oneshot(request).await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_console_is_served_static_and_never_reflects_input() {
    let (_root, state) = fixture_state().await;
    let page = get(&state, "/?q=%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page
        .header("content-security-policy")
        .contains("script-src 'self'"));
    assert!(page.text.contains("<label for=\"q\""));
    assert!(
        !page.text.contains("alert(1)"),
        "request input reflected into the page"
    );
    let script = get(&state, "/console/console.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.header("content-type").starts_with("text/javascript"));
    assert!(
        !script.text.contains("innerHTML"),
        "the console writes server data as text only"
    );
    assert_eq!(
        get(&state, "/console/console.css").await.status,
        StatusCode::OK
    );
}

#[test]
fn a_request_over_the_time_limit_gets_504_in_the_error_shape() {
    // One blocking thread, held by a slow task: a search (which runs on the
    // blocking pool) waits behind it and cannot finish within the limit,
    // whatever the machine's speed.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut config = ServerConfig::default();
        config.server.request_timeout_ms = 50;
        let (_root, state) = fixture_state_with(config).await;
        let uri = search_uri("卫衣", "");
        assert_eq!(get(&state, &uri).await.status, StatusCode::OK);

        let slow = tokio::task::spawn_blocking(|| {
            std::thread::sleep(std::time::Duration::from_millis(600))
        });
        let answer = get(&state, &uri).await;
        assert_eq!(
            answer.status,
            StatusCode::GATEWAY_TIMEOUT,
            "{}",
            answer.text
        );
        assert_eq!(answer.json["error"]["code"], "timeout", "{}", answer.text);
        slow.await.unwrap();
        // The pool free again, the same request is served.
        assert_eq!(get(&state, &uri).await.status, StatusCode::OK);
    });
}

#[tokio::test]
async fn input_quoted_in_errors_is_json_that_browsers_will_not_sniff_as_html() {
    let (_root, state) = fixture_state().await;
    let payload = "<script>alert(1)</script>";
    for uri in [
        format!("/v1/search?q=x&type={}", encode(payload)),
        format!("/v1/search?q=x&limit={}", encode(payload)),
        format!("/v1/suggest?q=x&{}=1", encode(payload)),
        format!("/{}", encode(payload)),
    ] {
        let answer = get(&state, &uri).await;
        assert!(answer.status.is_client_error(), "{uri}: {}", answer.status);
        assert!(
            answer
                .header("content-type")
                .starts_with("application/json"),
            "{uri}"
        );
        assert_eq!(answer.headers["x-content-type-options"], "nosniff", "{uri}");
        assert!(
            answer.json["error"]["code"].is_string(),
            "{uri}: {}",
            answer.text
        );
    }
    let served = get(&state, "/openapi.json").await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers["x-content-type-options"], "nosniff");
    assert!(
        served.json["paths"]["/v1/suggest"]["get"].is_object(),
        "{}",
        served.text
    );
}

#[tokio::test]
async fn a_missing_manifest_or_other_dictionaries_are_refused_and_a_missing_current_is_not_ready() {
    let root = tempfile::tempdir().unwrap();
    let state = state_for(root.path(), ServerConfig::default());
    // CURRENT names a generation that does not exist: not ready, with the reason.
    std::fs::write(root.path().join("CURRENT"), "20200101T000000.000Z-0000\n").unwrap();
    state.reload(false).await;
    let not_ready = get(&state, "/readyz").await;
    assert_error(
        &not_ready,
        StatusCode::SERVICE_UNAVAILABLE,
        "not_ready",
        None,
    );
    assert!(not_ready.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("20200101T000000.000Z-0000"));

    // A good generation is published: the watcher's reload makes the server ready.
    let good = build_fixtures(root.path());
    state.reload(false).await;
    assert_eq!(
        get(&state, "/readyz").await.json["generation"],
        good.as_str()
    );

    // A generation without its manifest is refused.
    let no_manifest = build_fixtures(root.path());
    std::fs::remove_file(generation_dir(root.path(), &no_manifest).join("manifest.json")).unwrap();
    state.reload(false).await;
    let ready = get(&state, "/readyz").await.json;
    assert_eq!(ready["generation"], good.as_str());
    assert_eq!(ready["last_refused"]["generation"], no_manifest.as_str());

    // A generation built with other dictionaries is refused with both checksums named.
    let other = build_fixtures(root.path());
    let manifest_path = generation_dir(root.path(), &other).join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    manifest["dictionary_checksum"] = "0".repeat(64).into();
    livesearch::generation::write_manifest_bytes(
        manifest_path.parent().unwrap(),
        &serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    state.reload(false).await;
    let ready = get(&state, "/readyz").await.json;
    assert_eq!(ready["generation"], good.as_str());
    assert_eq!(ready["last_refused"]["generation"], other.as_str());
    assert!(
        ready["last_refused"]["reason"]
            .as_str()
            .unwrap()
            .contains("dictionaries"),
        "{ready}"
    );
}

#[tokio::test]
async fn not_ready_answers_say_when_to_retry_and_hold_no_absolute_path() {
    let root = tempfile::tempdir().unwrap();
    let state = state_for(root.path(), ServerConfig::default());
    std::fs::create_dir_all(root.path().join("generations/20200101T000000.000Z-0000")).unwrap();
    std::fs::write(root.path().join("CURRENT"), "20200101T000000.000Z-0000\n").unwrap();
    state.reload(false).await;
    for uri in ["/readyz", "/v1/search?q=x", "/v1/suggest?q=x"] {
        let answer = get(&state, uri).await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        assert_eq!(answer.headers["retry-after"], "5", "{uri}");
        assert_eq!(answer.json["error"]["code"], "not_ready", "{uri}");
    }
    let message = get(&state, "/readyz").await.json["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("manifest.json"), "{message}");
    assert!(
        !message.contains(&root.path().display().to_string()),
        "{message}"
    );
    assert!(!message.contains("Os {"), "debug text: {message}");
}

/// `2026-11-28T07:01:02.123Z` or `…+08:00`: the shape of RFC 3339 times.
fn looks_like_rfc3339(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10)
        && bytes.get(10) == Some(&b'T')
        && digits(11..13)
        && bytes.get(13) == Some(&b':')
        && digits(14..16)
        && bytes.get(16) == Some(&b':')
        && digits(17..19)
        && (text.ends_with('Z') || bytes.get(text.len().wrapping_sub(6)) == Some(&b'+'))
}

//! `/v1/suggest`, `/v1/suggest/probe` and `/v1/related` through `app(state)`.

use axum::http::StatusCode;
use query_server::config::ServerConfig;

use crate::support::{build_catalog, encode, fixture_state, fixtures_with_lines, get, state_for};

async fn suggest(
    state: &query_server::AppState,
    typed: &str,
    limit: usize,
) -> Vec<(String, String, f64)> {
    let answer = get(
        state,
        &format!("/v1/suggest?q={}&limit={limit}", encode(typed)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json["query"], typed);
    answer.json["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["text"].as_str().unwrap().to_string(),
                s["match"].as_str().unwrap().to_string(),
                s["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// The `key` string of each item of the JSON array `items`.
fn strings_at<'a>(items: &'a serde_json::Value, key: &str) -> Vec<&'a str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap())
        .collect()
}

fn position(list: &[(String, String, f64)], text: &str) -> Option<(usize, String)> {
    list.iter()
        .position(|(t, _, _)| t == text)
        .map(|index| (index, list[index].1.clone()))
}

#[tokio::test]
async fn every_kind_of_prefix_finds_the_word() {
    let (_root, state) = fixture_state().await;
    let cases = [
        ("连衣", "连衣裙", "prefix"),
        ("lianyi", "连衣裙", "pinyin"),
        ("lianyiq", "连衣裙", "pinyin"),
        ("lyq", "连衣裙", "initials"),
        ("LYQ", "连衣裙", "initials"),
        ("ｌｙｑ", "连衣裙", "initials"),
        ("连yi", "连衣裙", "mixed"),
        ("连衣q", "连衣裙", "mixed"),
        ("iph", "iphone 15", "prefix"),
        ("IPHONE", "iphone 15", "prefix"),
        ("mtsbw", "美特斯邦威", "initials"),
        ("changq", "长裙", "pinyin"),
        ("zhangq", "长裙", "pinyin"),
        ("yinhangka", "银行卡套", "pinyin"),
        ("yinxingka", "银行卡套", "pinyin"),
    ];
    for (typed, expected, kind) in cases {
        let list = suggest(&state, typed, 10).await;
        let found = position(&list, expected);
        assert!(
            found.as_ref().is_some_and(|(_, k)| k == kind),
            "{typed}: {expected} as {kind} not in {list:?}"
        );
    }
}

#[tokio::test]
async fn lists_are_bounded_unique_and_ordered() {
    let (_root, state) = fixture_state().await;
    for typed in [
        "",
        "l",
        "连",
        "s",
        "sh",
        "美",
        "wy",
        "连y",
        "x",
        "红色连",
        "美特斯邦威男",
    ] {
        for limit in [1, 5, 20] {
            let list = suggest(&state, typed, limit).await;
            assert!(list.len() <= limit, "{typed}: {} > {limit}", list.len());
            let mut texts: Vec<&str> = list.iter().map(|(t, _, _)| t.as_str()).collect();
            texts.sort_unstable();
            texts.dedup();
            assert_eq!(texts.len(), list.len(), "{typed}: duplicates in {list:?}");
            // Exact matches, then fuzzy, then typos; by score within each.
            // The hot list (nothing typed) is ordered by trending instead;
            // completions of a rare prefix come last, in their own order.
            let tier = |kind: &str| match kind {
                "fuzzy" => 1,
                "typo" => 2,
                "completion" => 3,
                _ => 0,
            };
            let in_order = |pair: &[(String, String, f64)]| {
                let (left, right) = (&pair[0], &pair[1]);
                if left.1 == "completion" {
                    return right.1 == "completion";
                }
                (tier(&left.1), -left.2) <= (tier(&right.1), -right.2)
            };
            assert!(
                typed.is_empty() || list.windows(2).all(in_order),
                "{typed}: not ordered {list:?}"
            );
        }
    }
    let hot = suggest(&state, "", 10).await;
    assert_eq!(hot.len(), 10, "empty q gives the hot list");
    assert_eq!(
        hot[0].0, "连衣裙",
        "the most searched query leads the hot list"
    );
}

#[tokio::test]
async fn a_rare_prefix_is_completed_after_every_whole_prefix_match() {
    let (_root, state) = fixture_state().await;
    for (typed, expected) in [("红色连", "红色连衣裙"), ("iphone手", "iphone手机壳")] {
        let list = suggest(&state, typed, 10).await;
        assert!(
            position(&list, expected).is_some_and(|(_, kind)| kind == "completion"),
            "{typed}: {expected} not completed in {list:?}"
        );
        let first_completion = list.iter().position(|(_, kind, _)| kind == "completion");
        assert!(
            list[first_completion.unwrap_or(list.len())..]
                .iter()
                .all(|(_, kind, _)| kind == "completion"),
            "{typed}: a candidate after a completion in {list:?}"
        );
    }
    // A common prefix has a full list of candidates: nothing is completed.
    let common = suggest(&state, "连", 10).await;
    assert!(
        common.iter().all(|(_, kind, _)| kind != "completion"),
        "{common:?}"
    );
}

#[tokio::test]
async fn blocklisted_terms_are_never_suggested() {
    let catalog = fixtures_with_lines(
        "queries.tsv",
        "高仿包包\t9999999\n电子烟\t888888\n高跟鞋\t5000\n",
    );
    let root = tempfile::tempdir().unwrap();
    build_catalog(catalog.path(), root.path());
    let state = state_for(root.path(), ServerConfig::default());
    state.reload(true).await;
    for typed in [
        "",
        "高",
        "高仿",
        "gao",
        "gf",
        "gfb",
        "dian",
        "dzy",
        "电子",
        "电",
        "高仿连",
        "高仿lianyiqun",
        "高仿 包",
        "电子y",
    ] {
        let list = suggest(&state, typed, 20).await;
        for (text, _, _) in &list {
            assert!(
                !text.contains("高仿") && !text.contains("电子烟"),
                "{typed}: blocked {text} suggested"
            );
        }
    }
    assert!(
        position(&suggest(&state, "高", 20).await, "高跟鞋").is_some(),
        "unblocked neighbours stay"
    );
}

#[tokio::test]
async fn bad_suggest_input_gets_400() {
    let (_root, state) = fixture_state().await;
    let long = encode(&"连".repeat(65));
    for (uri, parameter) in [
        (format!("/v1/suggest?q={long}"), "q"),
        ("/v1/suggest?q=a&limit=0".to_string(), "limit"),
        ("/v1/suggest?q=a&limit=21".to_string(), "limit"),
        ("/v1/suggest?q=%FF".to_string(), "q"),
        ("/v1/suggest?prefix=a".to_string(), "prefix"),
        ("/v1/suggest/probe".to_string(), "term"),
        ("/v1/suggest/probe?term=%E8".to_string(), "term"),
        ("/v1/related".to_string(), "q"),
        ("/v1/related?q=%20".to_string(), "q"),
        (format!("/v1/related?q={long}"), "q"),
        ("/v1/related?q=a&limit=11".to_string(), "limit"),
        ("/v1/related?q=a&term=b".to_string(), "term"),
    ] {
        let answer = get(&state, &uri).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            answer.text
        );
        assert_eq!(answer.json["error"]["parameter"], parameter, "{uri}");
    }
    assert_eq!(
        get(
            &state,
            &format!("/v1/suggest?q={}", encode(&"连".repeat(64)))
        )
        .await
        .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn probe_ranks_agree_with_suggest() {
    let (_root, state) = fixture_state().await;
    for term in ["连衣裙", "美特斯邦威卫衣", "iphone 15", "从未出现的词"] {
        let answer = get(&state, &format!("/v1/suggest/probe?term={}", encode(term))).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let probe = &answer.json;
        let is_candidate = !probe["candidate"].is_null();
        assert_eq!(is_candidate, term != "从未出现的词", "{term}");
        let prefixes = probe["prefixes"].as_array().unwrap();
        assert!(!prefixes.is_empty());
        for entry in prefixes {
            let prefix = entry["prefix"].as_str().unwrap();
            let shown = suggest(&state, prefix, 10).await;
            let shown_texts: Vec<&str> = shown.iter().map(|(t, _, _)| t.as_str()).collect();
            let probe_texts = strings_at(&entry["shown"], "text");
            assert_eq!(probe_texts, shown_texts, "{term} at {prefix}");
            let expected_rank = shown_texts
                .iter()
                .position(|t| *t == term)
                .map(|index| index as u64 + 1);
            assert_eq!(entry["rank"].as_u64(), expected_rank, "{term} at {prefix}");
            if expected_rank.is_none() && is_candidate && shown.len() == 10 {
                let needed = entry["needed_score"].as_f64().unwrap();
                assert!(
                    needed >= probe["candidate"]["score"].as_f64().unwrap(),
                    "{term} at {prefix}"
                );
            }
        }
    }
    let probe = get(
        &state,
        &format!("/v1/suggest/probe?term={}", encode("连衣裙")),
    )
    .await
    .json;
    let typed_as = strings_at(&probe["prefixes"], "typed_as");
    assert!(
        typed_as.contains(&"hanzi")
            && typed_as.contains(&"pinyin")
            && typed_as.contains(&"initials")
    );
    assert!(
        probe["candidate"]["components"]["search_count"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[tokio::test]
async fn probing_a_pinyin_spelling_studies_the_candidate_it_spells() {
    let (_root, state) = fixture_state().await;
    for spelling in ["lianyiqun", "LianYiQun", "lyq"] {
        let answer = get(&state, &format!("/v1/suggest/probe?term={spelling}")).await;
        let probe = &answer.json;
        assert_eq!(probe["term"], "连衣裙", "{spelling}: {probe}");
        assert_eq!(probe["spelled_as"], spelling.to_lowercase(), "{probe}");
        assert!(!probe["candidate"].is_null(), "{probe}");
        for prefix in probe["prefixes"].as_array().unwrap() {
            let text = prefix["prefix"].as_str().unwrap();
            let typed_as = prefix["typed_as"].as_str().unwrap();
            let expected = if text.is_ascii() {
                typed_as == "pinyin" || typed_as == "initials"
            } else {
                typed_as == "hanzi"
            };
            assert!(expected, "{text} typed as {typed_as}");
        }
    }
    // An unfinished spelling spells no candidate: studied as written.
    let unfinished = get(&state, "/v1/suggest/probe?term=lianyiq").await.json;
    assert_eq!(unfinished["term"], "lianyiq");
    assert!(unfinished.get("spelled_as").is_none(), "{unfinished}");
    for prefix in unfinished["prefixes"].as_array().unwrap() {
        assert_eq!(prefix["typed_as"], "latin", "{unfinished}");
    }
}

#[tokio::test]
async fn related_searches_are_bounded_unique_and_in_the_probe() {
    let (_root, state) = fixture_state().await;
    let answer = get(&state, &format!("/v1/related?q={}", encode("连衣裙"))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let related = strings_at(&answer.json["related"], "text");
    assert!(!related.is_empty() && related.len() <= 10, "{related:?}");
    let mut unique = related.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), related.len(), "{related:?}");
    assert!(!related.contains(&"连衣裙"), "{related:?}");
    let probe = get(
        &state,
        &format!("/v1/suggest/probe?term={}", encode("连衣裙")),
    )
    .await;
    let probed = strings_at(&probe.json["related"], "text");
    assert_eq!(probed, related, "the probe lists what /v1/related does");
    let limited = get(
        &state,
        &format!("/v1/related?q={}&limit=2", encode("连衣裙")),
    )
    .await;
    assert_eq!(limited.json["related"].as_array().unwrap().len(), 2);
}

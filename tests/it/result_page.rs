//! The result page an app builds on: filters, sort orders, facets,
//! highlights and cursors, on a small catalog whose values are checked by
//! hand below.
//!
//! | id | title | brand | category | price | sales | anchors (followers) |
//! |----|-------|-------|----------|-------|-------|---------------------|
//! | p1 | 连帽卫衣男 | 森马 | 卫衣 | 5900 | 300 | a1 (100) |
//! | p2 | 加绒卫衣女 | 优衣库 | 卫衣 | 12900 | 50 | a2 (5000) |
//! | p3 | 纯棉卫衣 宽松 | 森马 | 卫衣 | 800 | 1200 | a1, a3 (100, 20) |
//! | p4 | 卫衣外套套装 | 李宁 | 套装 | 25900 | 0 | — |
//! | p5 | 儿童卫衣 | 优衣库 | 童装 | 100000 | 75 | a2 (5000) |
//! | p6 | 运动裤 | 李宁 | 裤子 | 9900 | 9999 | — |
//! | p7 | ＮＩＫＥ卫衣 | Nike | 卫衣 | — | 10 | — |
//! | p8 | iPhone15 手机壳 | Apple | 手机配件 | 2900 | 5 | — |
//!
//! Videos: v1 live 卫衣直播 by a1 (2026-11-01), v2 short 卫衣穿搭分享 by a2
//! (2026-10-01), v3 short 卫衣测评 by a3 (no time).

use std::collections::HashSet;

use livesearch::analysis::{Analyzer, AnalyzerMode};
use livesearch::build::index_in_ram;
use livesearch::catalog::{Anchor, Catalog, Product, Video, VideoKind};
use livesearch::dictionaries::Dictionaries;
use livesearch::schema::{CatalogSchema, DocType};
use livesearch::search::{
    decode_cursor, encode_cursor, search, FacetRequest, FacetValue, Filters, RankingConfig,
    SearchContext, SearchRequest, SearchResults, SortOrder, Span,
};

fn analyzer() -> &'static Analyzer {
    static ANALYZER: std::sync::OnceLock<Analyzer> = std::sync::OnceLock::new();
    ANALYZER.get_or_init(|| Analyzer::new(&Dictionaries::embedded()))
}

/// 2026-10-01T10:00:00Z and a month later.
const OCTOBER_FIRST: i64 = 1_790_848_800;
const NOVEMBER_FIRST: i64 = OCTOBER_FIRST + 31 * 86_400;

fn catalog() -> Catalog {
    let anchor = |id: &str, followers| Anchor {
        anchor_id: id.to_string(),
        name: format!("主播{id}"),
        followers,
    };
    let product =
        |id: &str, title: &str, brand: &str, category: &str, price, sales, anchors: &[&str]| {
            Product {
                product_id: id.to_string(),
                title: title.to_string(),
                brand: Some(brand.to_string()),
                category: Some(category.to_string()),
                price_cents: price,
                sales,
                anchor_ids: anchors.iter().map(|id| id.to_string()).collect(),
            }
        };
    let video = |id: &str, kind, caption: &str, anchor: &str, published_at| Video {
        video_id: id.to_string(),
        kind,
        caption: caption.to_string(),
        anchor_id: anchor.to_string(),
        likes: 0,
        views: 0,
        product_ids: Vec::new(),
        published_at,
    };
    Catalog {
        anchors: vec![anchor("a1", 100), anchor("a2", 5000), anchor("a3", 20)],
        products: vec![
            product("p1", "连帽卫衣男", "森马", "卫衣", Some(5900), 300, &["a1"]),
            product(
                "p2",
                "加绒卫衣女",
                "优衣库",
                "卫衣",
                Some(12900),
                50,
                &["a2"],
            ),
            product(
                "p3",
                "纯棉卫衣 宽松",
                "森马",
                "卫衣",
                Some(800),
                1200,
                &["a1", "a3"],
            ),
            product("p4", "卫衣外套套装", "李宁", "套装", Some(25900), 0, &[]),
            product(
                "p5",
                "儿童卫衣",
                "优衣库",
                "童装",
                Some(100000),
                75,
                &["a2"],
            ),
            product("p6", "运动裤", "李宁", "裤子", Some(9900), 9999, &[]),
            product("p7", "ＮＩＫＥ卫衣", "Nike", "卫衣", None, 10, &[]),
            product(
                "p8",
                "iPhone15 手机壳",
                "Apple",
                "手机配件",
                Some(2900),
                5,
                &[],
            ),
        ],
        videos: vec![
            video(
                "v1",
                VideoKind::Live,
                "卫衣直播",
                "a1",
                Some(NOVEMBER_FIRST),
            ),
            video(
                "v2",
                VideoKind::ShortVideo,
                "卫衣穿搭分享",
                "a2",
                Some(OCTOBER_FIRST),
            ),
            video("v3", VideoKind::ShortVideo, "卫衣测评", "a3", None),
        ],
        ..Catalog::default()
    }
}

fn index() -> &'static tantivy::Index {
    static INDEX: std::sync::OnceLock<tantivy::Index> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| index_in_ram(&catalog(), analyzer()).unwrap())
}

fn run(request: &SearchRequest) -> SearchResults {
    let index = index();
    let searcher = index.reader().unwrap().searcher();
    let fields = CatalogSchema::from_schema(&index.schema()).unwrap();
    let config = RankingConfig::default();
    let context = SearchContext::new(&searcher, &fields, analyzer(), &config);
    search(&context, request).unwrap()
}

fn request(query: &str, doc_type: Option<DocType>) -> SearchRequest {
    SearchRequest {
        query: query.to_string(),
        doc_type,
        limit: 50,
        ..SearchRequest::default()
    }
}

fn ids(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|hit| hit.id.as_str()).collect()
}

fn sorted_ids(results: &SearchResults) -> Vec<&str> {
    let mut ids = ids(results);
    ids.sort_unstable();
    ids
}

fn filtered(doc_type: Option<DocType>, filters: Filters) -> SearchResults {
    run(&SearchRequest {
        filters,
        ..request("卫衣", doc_type)
    })
}

#[test]
fn each_filter_keeps_exactly_the_documents_that_obey_it() {
    let product = Some(DocType::Product);
    let cases: Vec<(Option<DocType>, Filters, Vec<&str>)> = vec![
        (
            product,
            Filters {
                categories: vec!["卫衣".into()],
                ..Filters::default()
            },
            vec!["p1", "p2", "p3", "p7"],
        ),
        (
            product,
            Filters {
                brands: vec!["森马".into(), "李宁".into()],
                ..Filters::default()
            },
            vec!["p1", "p3", "p4"],
        ),
        (
            product,
            Filters {
                price_min_cents: Some(800),
                price_max_cents: Some(12900),
                ..Filters::default()
            },
            vec!["p1", "p2", "p3"],
        ),
        (
            product,
            Filters {
                price_min_cents: Some(20000),
                ..Filters::default()
            },
            vec!["p4", "p5"],
        ),
        (
            None,
            Filters {
                anchor_id: Some("a3".into()),
                ..Filters::default()
            },
            vec!["p3", "v3"],
        ),
        (
            product,
            Filters {
                min_sales: Some(75),
                ..Filters::default()
            },
            vec!["p1", "p3", "p5"],
        ),
        (
            None,
            Filters {
                live_now: true,
                ..Filters::default()
            },
            vec!["v1"],
        ),
        (
            None,
            Filters {
                published_after: Some(OCTOBER_FIRST),
                ..Filters::default()
            },
            vec!["v1"],
        ),
        (
            None,
            Filters {
                published_after: Some(OCTOBER_FIRST - 1),
                ..Filters::default()
            },
            vec!["v1", "v2"],
        ),
        // Filters together must all hold.
        (
            product,
            Filters {
                brands: vec!["优衣库".into()],
                categories: vec!["卫衣".into()],
                ..Filters::default()
            },
            vec!["p2"],
        ),
        // An unknown value matches nothing; min above max matches nothing.
        (
            product,
            Filters {
                brands: vec!["无此品牌".into()],
                ..Filters::default()
            },
            vec![],
        ),
        (
            product,
            Filters {
                price_min_cents: Some(2),
                price_max_cents: Some(1),
                ..Filters::default()
            },
            vec![],
        ),
    ];
    for (doc_type, filters, expected) in cases {
        let results = filtered(doc_type, filters.clone());
        assert_eq!(sorted_ids(&results), expected, "{filters:?}");
        assert_eq!(results.total, expected.len(), "{filters:?}");
    }
}

#[test]
fn filters_never_change_a_score_or_the_relative_order() {
    let all = run(&request("卫衣", Some(DocType::Product)));
    let some = filtered(
        Some(DocType::Product),
        Filters {
            brands: vec!["森马".into(), "优衣库".into()],
            ..Filters::default()
        },
    );
    let unfiltered_order: Vec<&str> = ids(&all)
        .into_iter()
        .filter(|id| ids(&some).contains(id))
        .collect();
    assert_eq!(ids(&some), unfiltered_order);
    for hit in &some.hits {
        let same = all.hits.iter().find(|other| other.id == hit.id).unwrap();
        assert_eq!(hit.score.to_bits(), same.score.to_bits(), "{}", hit.id);
    }
}

fn sorted(order: SortOrder, doc_type: Option<DocType>) -> SearchResults {
    run(&SearchRequest {
        sort: order,
        ..request("卫衣", doc_type)
    })
}

#[test]
fn each_sort_order_obeys_its_field_and_breaks_ties_by_id() {
    let product = Some(DocType::Product);
    for (order, expected) in [
        // p6 sells most but does not match 卫衣.
        (SortOrder::Sales, ["p3", "p1", "p5", "p2", "p7", "p4"]),
        // Without a price (p7) last in both directions.
        (SortOrder::PriceAsc, ["p3", "p1", "p2", "p4", "p5", "p7"]),
        (SortOrder::PriceDesc, ["p5", "p4", "p2", "p1", "p3", "p7"]),
        // p2 and p5 tie at 5000 followers, p1 and p3 at 100, p4 and p7 at 0.
        (SortOrder::Followers, ["p2", "p5", "p1", "p3", "p4", "p7"]),
    ] {
        assert_eq!(ids(&sorted(order, product)), expected, "{order:?}");
    }
    // Dated videos first, then everything else by id.
    let newest = sorted(SortOrder::Newest, None);
    assert_eq!(ids(&newest)[..2], ["v1", "v2"]);
    let undated: Vec<&str> = ids(&newest)[2..].to_vec();
    let mut by_id = undated.clone();
    by_id.sort_unstable();
    assert_eq!(undated, by_id);
    // Every order returns the same matches as relevance, which is the default.
    let relevance = sorted(SortOrder::Relevance, None);
    assert_eq!(ids(&relevance), ids(&run(&request("卫衣", None))));
    for order in SortOrder::ALL {
        let results = sorted(order, None);
        assert_eq!(results.total, relevance.total, "{order:?}");
        assert_eq!(sorted_ids(&results), sorted_ids(&relevance), "{order:?}");
    }
}

fn facets_of(results: &SearchResults) -> &livesearch::search::Facets {
    results.facets.as_ref().expect("facets were asked for")
}

fn value(value: &str, count: u64) -> FacetValue {
    FacetValue {
        value: value.to_string(),
        count,
    }
}

#[test]
fn facets_count_every_match_not_just_the_page() {
    let every_facet = FacetRequest {
        category: true,
        brand: true,
        price: true,
    };
    let results = run(&SearchRequest {
        limit: 1,
        facets: every_facet,
        ..request("卫衣", Some(DocType::Product))
    });
    assert_eq!(results.total, 6);
    assert_eq!(results.hits.len(), 1);
    let facets = facets_of(&results);
    let categories = facets.category.as_ref().unwrap();
    assert_eq!(
        categories,
        &[value("卫衣", 4), value("套装", 1), value("童装", 1)]
    );
    let brands = facets.brand.as_ref().unwrap();
    assert_eq!(
        brands,
        &[
            value("优衣库", 2),
            value("森马", 2),
            value("Nike", 1),
            value("李宁", 1)
        ]
    );
    // Single-valued fields every match has: the counts sum to the total.
    for counts in [categories, brands] {
        assert_eq!(
            counts.iter().map(|v| v.count).sum::<u64>(),
            results.total as u64
        );
    }
    // One bucket per product with a price (p7 has none).
    let buckets = facets.price.as_ref().unwrap();
    let counts: Vec<u64> = buckets.iter().map(|bucket| bucket.count).collect();
    assert_eq!(counts, [1, 0, 1, 1, 1, 0, 1]);
    assert_eq!(buckets[0].min_cents, 0);
    assert_eq!(buckets[0].max_cents, Some(1_000));
    assert_eq!(buckets.last().unwrap().max_cents, None);
    // Facets follow the filters; only the facets asked for are returned.
    let samsung = run(&SearchRequest {
        facets: FacetRequest {
            category: true,
            ..FacetRequest::default()
        },
        filters: Filters {
            brands: vec!["森马".into()],
            ..Filters::default()
        },
        ..request("卫衣", Some(DocType::Product))
    });
    let facets = facets_of(&samsung);
    assert_eq!(facets.category.as_ref().unwrap(), &[value("卫衣", 2)]);
    assert!(facets.brand.is_none() && facets.price.is_none());
    // No facets unless asked.
    assert!(run(&request("卫衣", None)).facets.is_none());
}

/// The character span of the first `needle` in `title`.
fn span_of(title: &str, needle: &str) -> Span {
    let byte = title.find(needle).unwrap();
    let start = title[..byte].chars().count();
    Span {
        start,
        end: start + needle.chars().count(),
    }
}

fn highlights(query: &str, id: &str) -> (String, Vec<Span>) {
    let results = run(&request(query, None));
    let hit = results.hits.iter().find(|hit| hit.id == id).unwrap();
    (hit.title.clone(), hit.highlights.clone())
}

#[test]
fn highlights_cover_exactly_the_matched_characters() {
    // A sub-word: 连帽卫衣 is one dictionary word, 卫衣 inside it.
    let words = analyzer().token_texts("连帽卫衣男", AnalyzerMode::Query);
    assert!(words.contains(&"连帽卫衣".to_string()), "{words:?}");
    let (title, spans) = highlights("卫衣", "p1");
    assert_eq!(spans, [span_of(&title, "卫衣")]);
    // Hanzi in a plain title.
    let (title, spans) = highlights("卫衣", "p2");
    assert_eq!(spans, [span_of(&title, "卫衣")]);
    // Full-width Latin found by a half-width query, then with hanzi beside it.
    let (title, spans) = highlights("nike", "p7");
    assert_eq!(spans, [span_of(&title, "ＮＩＫＥ")]);
    let (title, spans) = highlights("NIKE 卫衣", "p7");
    assert_eq!(spans, [span_of(&title, "ＮＩＫＥ卫衣")]);
    // Latin in a mixed title; the untouched rest is not highlighted.
    let (title, spans) = highlights("iphone 手机壳", "p8");
    assert_eq!(
        spans,
        [span_of(&title, "iPhone"), span_of(&title, "手机壳")]
    );
    // A word matched outside the title (the brand) highlights nothing there.
    let (_, spans) = highlights("森马", "p1");
    assert!(spans.is_empty(), "{spans:?}");
}

#[test]
fn hits_carry_price_brand_category_anchor_and_publication_time() {
    let results = run(&request("卫衣", None));
    let hit = |id: &str| results.hits.iter().find(|hit| hit.id == id).unwrap();
    let p3 = hit("p3");
    assert_eq!(p3.price_cents, Some(800));
    assert_eq!(p3.brand.as_deref(), Some("森马"));
    assert_eq!(p3.category.as_deref(), Some("卫衣"));
    assert_eq!(p3.anchor.as_ref().unwrap().id, "a1");
    assert_eq!(hit("p7").price_cents, None);
    let v2 = hit("v2");
    assert_eq!(v2.published_at.as_deref(), Some("2026-10-01T10:00:00Z"));
    assert_eq!(v2.anchor.as_ref().unwrap().id, "a2");
    assert_eq!(hit("v3").published_at, None);
}

/// Pages through `first` with cursors of `page_size` hits, encoding and
/// decoding each as a client would.
fn page_through(first: SearchRequest, page_size: usize) -> Vec<String> {
    let mut request = SearchRequest {
        limit: page_size,
        ..first
    };
    let mut seen = Vec::new();
    for _ in 0..100 {
        let results = run(&request);
        seen.extend(results.hits.iter().map(|hit| hit.id.clone()));
        let Some(key) = results.last_key else {
            return seen;
        };
        assert_eq!(
            results.hits.len(),
            page_size,
            "only the last page may be short"
        );
        let cursor = encode_cursor("generation-1", request.fingerprint(), key);
        request.search_after =
            Some(decode_cursor(&cursor, "generation-1", request.fingerprint()).unwrap());
    }
    panic!("paging did not end");
}

#[test]
fn cursors_page_through_every_hit_exactly_once_in_every_order() {
    for order in SortOrder::ALL {
        let first = SearchRequest {
            sort: order,
            ..request("卫衣", None)
        };
        let everything = run(&first);
        for page_size in [1, 2, 3, 50] {
            let paged = page_through(first.clone(), page_size);
            assert_eq!(paged, ids(&everything), "{order:?} by {page_size}");
            let unique: HashSet<&String> = paged.iter().collect();
            assert_eq!(unique.len(), everything.total, "{order:?}");
        }
    }
    // A cursor of another search or generation is refused.
    let first = request("卫衣", None);
    let key = run(&SearchRequest {
        limit: 2,
        ..first.clone()
    })
    .last_key
    .unwrap();
    let cursor = encode_cursor("generation-1", first.fingerprint(), key);
    let other_sort = SearchRequest {
        sort: SortOrder::Sales,
        ..first.clone()
    };
    assert!(decode_cursor(&cursor, "generation-1", other_sort.fingerprint()).is_err());
    let error = decode_cursor(&cursor, "generation-2", first.fingerprint()).unwrap_err();
    assert!(error.to_string().contains("generation-1"), "{error}");
}

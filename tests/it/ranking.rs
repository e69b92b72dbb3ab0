//! Ranking properties on generated in-memory indexes: popularity never
//! ranks a dominated document higher, a better text match never ranks lower
//! at equal signals, and the order is deterministic.

use livesearch::analysis::Analyzer;
use livesearch::build::index_in_ram;
use livesearch::catalog::{Anchor, Catalog};
use livesearch::dictionaries::Dictionaries;
use livesearch::schema::{CatalogSchema, DocType};
use livesearch::search::{search, Hit, RankingConfig, SearchContext, SearchRequest};

struct Product<'a> {
    id: String,
    title: &'a str,
    sales: u64,
    followers: u64,
}

/// A tiny deterministic generator (xorshift) for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// Indexes `products` as a build would (each with an anchor of its own
/// holding its followers) and returns every hit of `query`, explained.
fn run(products: &[Product<'_>], query: &str, config: &RankingConfig) -> Vec<Hit> {
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let mut catalog = Catalog::default();
    for product in products {
        let anchor_id = format!("a-{}", product.id);
        catalog.anchors.push(Anchor {
            anchor_id: anchor_id.clone(),
            name: "主播".to_string(),
            followers: product.followers,
        });
        catalog.products.push(livesearch::catalog::Product {
            product_id: product.id.clone(),
            title: product.title.to_string(),
            brand: None,
            category: None,
            price_cents: None,
            sales: product.sales,
            anchor_ids: vec![anchor_id],
        });
    }
    let index = index_in_ram(&catalog, &analyzer).unwrap();
    let searcher = index.reader().unwrap().searcher();
    let fields = CatalogSchema::from_schema(&index.schema()).unwrap();
    let context = SearchContext {
        searcher: &searcher,
        fields: &fields,
        analyzer: &analyzer,
        config,
        suggest: None,
    };
    let request = SearchRequest {
        query: query.to_string(),
        doc_type: Some(DocType::Product),
        limit: 100,
        offset: 0,
        explain: true,
        ..SearchRequest::default()
    };
    search(&context, &request).unwrap().hits
}

#[test]
fn at_equal_text_more_sales_or_followers_never_ranks_lower() {
    for seed in 1..=8u64 {
        let mut rng = Rng(seed * 7919);
        let products: Vec<Product<'_>> = (0..40)
            .map(|index| Product {
                id: format!("p{index:02}"),
                title: "森马连帽卫衣男",
                sales: rng.next(5) * rng.next(100_000),
                followers: rng.next(4) * rng.next(1_000_000),
            })
            .collect();
        let hits = run(&products, "卫衣", &RankingConfig::default());
        assert_eq!(hits.len(), 40);
        for (higher_index, higher) in hits.iter().enumerate() {
            for lower in &hits[higher_index + 1..] {
                let dominates = lower.signals.sales >= higher.signals.sales
                    && lower.signals.followers >= higher.signals.followers
                    && (lower.signals.sales > higher.signals.sales
                        || lower.signals.followers > higher.signals.followers);
                assert!(
                    !dominates,
                    "seed {seed}: {} ranked above {} which sells and reaches more",
                    higher.id, lower.id
                );
            }
        }
    }
}

#[test]
fn at_equal_signals_a_better_text_match_never_ranks_lower() {
    let titles = [
        "卫衣",
        "卫衣 卫衣 连帽卫衣",
        "森马卫衣男款宽松加绒秋冬新款潮牌外套上衣",
        "连帽卫衣 外套",
        "卫衣 女",
    ];
    let products: Vec<Product<'_>> = titles
        .iter()
        .enumerate()
        .map(|(index, title)| Product {
            id: format!("p{index}"),
            title,
            sales: 500,
            followers: 10_000,
        })
        .collect();
    let hits = run(&products, "卫衣", &RankingConfig::default());
    assert_eq!(hits.len(), titles.len());
    // Within one tier (here: 卫衣 named as the product, or only as the
    // modifier of 外套), a better text match never ranks lower.
    let tier = |hit: &Hit| hit.explain.as_ref().unwrap().tiers.product_match;
    for pair in hits.windows(2) {
        let (higher, lower) = (&pair[0], &pair[1]);
        assert!(tier(higher) >= tier(lower), "{hits:?}");
        if tier(higher) == tier(lower) {
            let text = |hit: &Hit| hit.explain.as_ref().unwrap().text;
            assert!(text(higher) >= text(lower), "{hits:?}");
        }
    }
}

#[test]
fn documents_that_do_not_match_never_appear_and_ties_go_by_id() {
    let mut products: Vec<Product<'_>> = ["p9", "p3", "p5", "p1"]
        .iter()
        .map(|id| Product {
            id: id.to_string(),
            title: "珀莱雅精华液",
            sales: 100,
            followers: 100,
        })
        .collect();
    products.push(Product {
        id: "p0".into(),
        title: "完美日记口红",
        sales: u64::MAX / 4,
        followers: u64::MAX / 4,
    });
    let hits = run(&products, "精华液", &RankingConfig::default());
    let ids: Vec<&str> = hits.iter().map(|hit| hit.id.as_str()).collect();
    assert_eq!(ids, ["p1", "p3", "p5", "p9"]);
}

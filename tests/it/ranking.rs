//! Ranking properties on generated in-memory indexes: popularity never
//! ranks a dominated document higher, a better text match never ranks lower
//! at equal signals, and the order is deterministic.

use livesearch::analysis::{register_analyzers, Analyzer};
use livesearch::dictionaries::Dictionaries;
use livesearch::schema::{CatalogSchema, DocType};
use livesearch::search::{search, Hit, RankingConfig, SearchRequest};
use tantivy::{Index, IndexWriter, TantivyDocument};

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

fn run(products: &[Product<'_>], query: &str, config: &RankingConfig) -> Vec<Hit> {
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let fields = CatalogSchema::new();
    let index = Index::create_in_ram(fields.schema.clone());
    register_analyzers(&index, &analyzer);
    let mut writer: IndexWriter = index.writer(15_000_000).unwrap();
    let mut ids: Vec<&str> = products.iter().map(|product| product.id.as_str()).collect();
    ids.sort_unstable();
    for product in products {
        let mut document = TantivyDocument::default();
        document.add_text(fields.doc_type, "product");
        document.add_u64(fields.doc_type_code, DocType::Product.code());
        document.add_text(fields.id, &product.id);
        document.add_u64(
            fields.id_rank,
            ids.binary_search(&product.id.as_str()).unwrap() as u64,
        );
        document.add_text(fields.title, product.title);
        document.add_text(fields.title_words, product.title);
        document.add_text(fields.title_text, product.title);
        document.add_u64(fields.sales, product.sales);
        document.add_u64(fields.followers, product.followers);
        document.add_u64(fields.likes, 0);
        writer.add_document(document).unwrap();
    }
    writer.commit().unwrap();
    let searcher = index.reader().unwrap().searcher();
    let request = SearchRequest {
        query: query.to_string(),
        doc_type: None,
        limit: 100,
        offset: 0,
        explain: true,
    };
    search(&searcher, &fields, &analyzer, config, &request)
        .unwrap()
        .hits
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
    let text_scores: Vec<f32> = hits
        .iter()
        .map(|hit| hit.explain.as_ref().unwrap().text)
        .collect();
    assert!(
        text_scores.windows(2).all(|pair| pair[0] >= pair[1]),
        "{text_scores:?}"
    );
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

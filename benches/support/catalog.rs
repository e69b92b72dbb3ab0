//! Deterministic catalog generator shared by the benchmarks and the
//! `gen_catalog` command: product titles composed from real vocabulary
//! (title fragments of ../shared/data when present, the fixtures otherwise),
//! heavy-tailed sales and followers, videos, lives and a search log.

#![allow(dead_code)]

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// xorshift64*: tiny, deterministic, good enough for synthetic data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound.max(1) as u64) as usize
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Pareto-distributed count in [low, high]: many small, a few huge.
    pub fn heavy_tail(&mut self, low: f64, high: f64, shape: f64) -> u64 {
        let value = low / (1.0 - self.unit()).powf(1.0 / shape);
        value.min(high) as u64
    }

    /// An index in 0..len, skewed to the front (Zipf-like).
    pub fn skewed(&mut self, len: usize) -> usize {
        let x = self.unit();
        ((x * x * x) * len as f64) as usize % len.max(1)
    }
}

/// Words and fragments titles are composed from.
pub struct Vocabulary {
    pub brands: Vec<String>,
    pub fragments: Vec<String>,
    pub queries: Vec<String>,
    /// Real video titles and captions with their view counts (KuaiRec,
    /// Bilibili), for the real-media catalog; empty without ../shared/data.
    pub captions: Vec<(String, u64)>,
    /// A real dated log (Douyin hot-search lists: query, hot value, day).
    pub dated_queries: Vec<(String, u64, String)>,
    pub source: String,
}

pub fn shared_data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    dir.is_dir().then_some(dir)
}

impl Vocabulary {
    pub fn load() -> Vocabulary {
        match shared_data_dir() {
            Some(dir) => Self::from_shared(&dir),
            None => Self::from_fixtures(),
        }
    }

    fn from_shared(dir: &Path) -> Vocabulary {
        let read = |relative: &str| std::fs::read_to_string(dir.join(relative)).unwrap_or_default();
        let brands: Vec<String> = read("dictionaries/brands_gazetteer.txt")
            .lines()
            .map(str::trim)
            .filter(|brand| brand.chars().count() >= 2 && brand.chars().any(|c| c as u32 >= 0x4E00))
            .map(str::to_string)
            .collect();
        let mut fragments = Vec::new();
        for title in read("products/jd_titles.txt").lines() {
            fragments.extend(split_fragments(title));
        }
        for line in read("products/taobao_titles_labeled.tsv").lines() {
            if let Some((title, _)) = line.split_once('\t') {
                fragments.extend(split_fragments(title));
            }
        }
        let queries = read("queries/taobao_queries.txt")
            .lines()
            .map(str::trim)
            .filter(|query| !query.is_empty())
            .map(str::to_string)
            .collect();
        let mut captions = Vec::new();
        for row in read("videos/kuairec_caption_category.csv").lines().skip(1) {
            let fields = split_csv_line(row);
            if let Some(caption) = fields.get(2).map(|caption| caption.trim()) {
                if !caption.is_empty() {
                    // KuaiRec has no view counts: a deterministic heavy tail.
                    captions.push((caption.to_string(), 0));
                }
            }
        }
        for row in read("videos/bilibili_weekly.csv").lines().skip(1) {
            let fields = split_csv_line(row);
            let views = fields
                .get(3)
                .and_then(|views| views.parse().ok())
                .unwrap_or(0);
            if let Some(title) = fields.first().map(|title| title.trim()) {
                if !title.is_empty() {
                    captions.push((title.to_string(), views));
                }
            }
        }
        let dated_queries = read("queries/douyin_hotsearch_daily.tsv")
            .lines()
            .skip(1)
            .filter_map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                let hot = fields.get(3)?.parse().ok()?;
                let query = fields.get(2)?.trim();
                (!query.is_empty()).then(|| (query.to_string(), hot, fields[0].to_string()))
            })
            .collect();
        Vocabulary {
            brands,
            fragments,
            queries,
            captions,
            dated_queries,
            source: "../shared/data (JD and Taobao titles, brand gazetteer, Taobao queries)".into(),
        }
    }

    fn from_fixtures() -> Vocabulary {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut brands = Vec::new();
        let mut fragments = Vec::new();
        for line in std::fs::read_to_string(dir.join("products.jsonl"))
            .unwrap_or_default()
            .lines()
        {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            if let Some(brand) = value["brand"].as_str() {
                brands.push(brand.to_string());
            }
            fragments.extend(split_fragments(value["title"].as_str().unwrap_or("")));
        }
        let queries = std::fs::read_to_string(dir.join("queries.tsv"))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split_once('\t').map(|(query, _)| query.to_string()))
            .collect();
        Vocabulary {
            brands,
            fragments,
            queries,
            captions: Vec::new(),
            dated_queries: Vec::new(),
            source: "fixtures/".into(),
        }
    }

    /// A product title: a brand and 3 to 6 fragments, at most 60 characters.
    pub fn title(&self, rng: &mut Rng) -> String {
        self.title_and_brand(rng).0
    }

    /// A title as [`Vocabulary::title`] and the brand it starts with.
    pub fn title_and_brand(&self, rng: &mut Rng) -> (String, Option<String>) {
        let mut title = String::new();
        let mut brand = None;
        if !self.brands.is_empty() {
            let chosen = &self.brands[rng.skewed(self.brands.len())];
            title.push_str(chosen);
            brand = Some(chosen.clone());
        }
        let fragments = 3 + rng.below(4);
        for _ in 0..fragments {
            let fragment = &self.fragments[rng.below(self.fragments.len())];
            if title.chars().count() + fragment.chars().count() > 60 {
                break;
            }
            if rng.below(4) == 0 {
                title.push(' ');
            }
            title.push_str(fragment);
        }
        (title, brand)
    }
}

/// Categories of generated products, the first ones most common.
pub const CATEGORIES: [&str; 24] = [
    "女装",
    "男装",
    "美妆",
    "食品",
    "数码",
    "家居",
    "鞋靴",
    "母婴",
    "运动",
    "箱包",
    "家电",
    "个护",
    "配饰",
    "童装",
    "内衣",
    "手机",
    "电脑",
    "宠物",
    "图书",
    "玩具",
    "汽车用品",
    "珠宝",
    "医药",
    "生鲜",
];

/// Splits a title on spaces and punctuation into fragments of 2 to 12 characters.
fn split_fragments(title: &str) -> Vec<String> {
    title
        .split(|c: char| c.is_whitespace() || "，,。/|【】[]()（）+*-_:：;；!！?？\"'".contains(c))
        .map(str::trim)
        .filter(|fragment| (2..=12).contains(&fragment.chars().count()))
        .map(str::to_string)
        .collect()
}

/// The fields of one CSV line (RFC 4180 quoting; no line breaks in fields).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// Sizes of a generated catalog.
#[derive(Debug, Clone, Copy)]
pub struct CatalogSize {
    pub products: usize,
    pub anchors: usize,
    pub videos: usize,
    pub lives: usize,
    pub logged_queries: usize,
    /// Videos are the vocabulary's real captions (all of them, `videos`
    /// and `lives` ignored) and the log adds its real dated queries.
    pub real_media: bool,
}

impl CatalogSize {
    /// Proportions of a live-commerce catalog for `products` products.
    pub fn for_products(products: usize) -> Self {
        CatalogSize {
            products,
            anchors: (products / 100).max(10),
            videos: products / 10,
            lives: (products / 200).max(1),
            logged_queries: (products / 10).clamp(100, 100_000),
            real_media: false,
        }
    }

    /// `products` recombined titles with the real videos and the whole
    /// real log of the vocabulary (the build benchmark's `BENCH_CATALOG=real`).
    pub fn real_media(products: usize) -> Self {
        CatalogSize {
            // The vocabulary's captions, however many there are.
            videos: 0,
            lives: 0,
            logged_queries: 100_000,
            real_media: true,
            ..Self::for_products(products)
        }
    }
}

/// The texts a written catalog holds, for floors measured on the same text.
pub struct CatalogTexts {
    pub titles: Vec<String>,
    pub captions: Vec<String>,
}

/// Writes a catalog of `size` into `dir`; returns the product titles.
pub fn write_catalog(
    dir: &Path,
    size: CatalogSize,
    seed: u64,
    vocabulary: &Vocabulary,
) -> std::io::Result<Vec<String>> {
    write_catalog_texts(dir, size, seed, vocabulary).map(|texts| texts.titles)
}

/// Writes a catalog of `size` into `dir`; returns its titles and captions.
pub fn write_catalog_texts(
    dir: &Path,
    size: CatalogSize,
    seed: u64,
    vocabulary: &Vocabulary,
) -> std::io::Result<CatalogTexts> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng::new(seed);
    let open = |name: &str| -> std::io::Result<BufWriter<std::fs::File>> {
        Ok(BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(dir.join(name))?,
        ))
    };

    let mut anchors = open("anchors.jsonl")?;
    let mut anchor_names = Vec::with_capacity(size.anchors);
    for index in 0..size.anchors {
        let name = format!(
            "{}{}",
            vocabulary.fragments[rng.below(vocabulary.fragments.len())],
            index
        );
        let followers = rng.heavy_tail(3_000.0, 80_000_000.0, 0.8);
        let record = serde_json::json!({"anchor_id": format!("ga{index}"), "name": name, "followers": followers});
        writeln!(anchors, "{record}")?;
        anchor_names.push(name);
    }
    anchors.flush()?;

    let mut products = open("products.jsonl")?;
    let mut titles = Vec::with_capacity(size.products);
    // Categories come from a stream of their own, so titles, sales and
    // prices are those of catalogs generated before products had one.
    let mut category_rng = Rng::new(seed ^ 0xCA7E_6085);
    for index in 0..size.products {
        let (title, brand) = vocabulary.title_and_brand(&mut rng);
        let record = serde_json::json!({
            "product_id": format!("gp{index}"),
            "title": title,
            "brand": brand,
            "category": CATEGORIES[category_rng.skewed(CATEGORIES.len())],
            "sales": rng.heavy_tail(1.0, 5_000_000.0, 0.7),
            "price_cents": 990 + rng.below(200_000),
            "anchor_ids": [format!("ga{}", rng.skewed(size.anchors))],
        });
        writeln!(products, "{record}")?;
        titles.push(title);
    }
    products.flush()?;

    let mut videos = open("videos.jsonl")?;
    let mut captions = Vec::new();
    if size.real_media {
        for (index, (caption, views)) in vocabulary.captions.iter().enumerate() {
            let views = match views {
                0 => rng.heavy_tail(100.0, 100_000_000.0, 0.8),
                known => *known,
            };
            let record = serde_json::json!({
                "video_id": format!("rv{index}"),
                "kind": "short_video",
                "caption": caption,
                "anchor_id": format!("ga{}", rng.skewed(size.anchors)),
                "likes": views / 20,
                "views": views,
                "product_ids": [format!("gp{}", rng.below(size.products.max(1)))],
            });
            writeln!(videos, "{record}")?;
            captions.push(caption.clone());
        }
    }
    let generated_videos = if size.real_media {
        0
    } else {
        size.videos + size.lives
    };
    for index in 0..generated_videos {
        let is_live = index >= size.videos;
        let product = rng.below(size.products.max(1));
        let caption = format!(
            "{} {}",
            titles[product],
            vocabulary.fragments[rng.below(vocabulary.fragments.len())]
        );
        let views = rng.heavy_tail(100.0, 100_000_000.0, 0.8);
        let record = serde_json::json!({
            "video_id": format!("{}{index}", if is_live { "gl" } else { "gv" }),
            "kind": if is_live { "live" } else { "short_video" },
            "caption": caption,
            "anchor_id": format!("ga{}", rng.skewed(size.anchors)),
            "likes": views / 20,
            "views": views,
            "product_ids": [format!("gp{product}")],
        });
        writeln!(videos, "{record}")?;
        captions.push(caption);
    }
    videos.flush()?;

    let mut queries = open("queries.tsv")?;
    for index in 0..size.logged_queries.min(vocabulary.queries.len()) {
        let query = vocabulary.queries[index].replace('\t', " ");
        writeln!(
            queries,
            "{query}\t{}",
            rng.heavy_tail(1.0, 1_000_000.0, 0.9).max(1)
        )?;
    }
    if size.real_media {
        for (query, hot, day) in &vocabulary.dated_queries {
            writeln!(
                queries,
                "{}\t{}\t{day}",
                query.replace('\t', " "),
                hot.max(&1)
            )?;
        }
    }
    queries.flush()?;
    Ok(CatalogTexts { titles, captions })
}

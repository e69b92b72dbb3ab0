//! `indexer eval-search`: graded relevance (nDCG@10) of our search against a
//! plain BM25 baseline on the same catalog, in the same run.
//!
//! The catalog is the real product titles of the shared data, as the
//! relevance set's README describes it (every title of the JD and Taobao
//! files, stripped, empty ones dropped, duplicates removed). Judgments are
//! keyed by title text, so any catalog holding these titles can be scored;
//! unjudged hits count as 0 and their number is reported. The baseline is
//! tantivy BM25 over the query-mode jieba words of the titles, words OR-ed
//! (a `BooleanQuery` of term queries: tantivy's query parser would read an
//! unspaced Chinese run as one phrase), no popularity.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use livesearch::analysis::{register_analyzers, Analyzer, AnalyzerMode, QUERY_TOKENIZER};
use livesearch::build::{build, BuildOptions, NoProgress};
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::IndexRoot;
use livesearch::schema::DocType;
use livesearch::search::{RankingConfig, SearchRequest};
use livesearch::serving::LoadedGeneration;
use rayon::prelude::*;
use sha2::Digest;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, TextFieldIndexing, TextOptions, Value};
use tantivy::{Index, TantivyDocument, Term};

use crate::report::print_json;

/// Hits per query that are scored.
const DEPTH: usize = 10;

#[derive(clap::Args)]
pub struct Args {
    /// The shared data folder (products/, queries/, relevance/).
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Queries to score, `group<TAB>query` with a header line
    /// [default: DATA/relevance/dev_queries.tsv].
    #[arg(long)]
    queries: Option<PathBuf>,
    /// Graded judgments, `query<TAB>title<TAB>grade` with a header line
    /// [default: DATA/relevance/dev_judgments.tsv].
    #[arg(long)]
    judgments: Option<PathBuf>,
    /// The project's own judgments of pooled hits the set left unjudged,
    /// `query<TAB>sha256:<first 16 hex digits of the title's SHA-256><TAB>grade`
    /// with a header line (titles are not copied into the repository); read
    /// when present.
    #[arg(long, default_value = "benches/relevance/own_judgments.tsv")]
    own_judgments: PathBuf,
    /// Score with the set's judgments only [default: off].
    #[arg(long)]
    no_own_judgments: bool,
    /// Sales of the catalog's products: `hashed` gives every title a
    /// deterministic log-uniform figure from 0 to 100,000 (Taobao items keep
    /// their real sales), so the popularity blend is exercised; `none` sets
    /// every figure to 0.
    #[arg(long, default_value = "hashed", value_parser = ["hashed", "none"])]
    sales: String,
    /// Real Taobao queries (queries/taobao_queries.txt) whose empty first
    /// pages are counted, from the top of the file; 0 skips this.
    #[arg(long, default_value_t = 5000)]
    real_queries: usize,
    /// Write the unjudged top-10 hits of ours and of the baseline as
    /// `query<TAB>title` lines to this file, for judging by the set's rules
    /// [default: not written].
    #[arg(long)]
    unjudged_out: Option<PathBuf>,
    /// Print each query's nDCG beside the baseline's [default: off].
    #[arg(long)]
    per_query: bool,
    /// Print the top 10 of ours and of the baseline for this query, with
    /// their grades (repeatable) [default: none].
    #[arg(long)]
    show: Vec<String>,
    /// Print the whole report as JSON [default: off].
    #[arg(long)]
    json: bool,
}

/// One query of the set.
struct EvalQuery {
    group: String,
    text: String,
}

/// Scores of one system over the set.
#[derive(Default, Clone, serde::Serialize)]
struct GroupScore {
    queries: usize,
    ndcg_sum: f64,
    unjudged: usize,
    empty_first_pages: usize,
}

impl GroupScore {
    fn ndcg(&self) -> f64 {
        self.ndcg_sum / self.queries.max(1) as f64
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let relevance = args.data.join("relevance");
    let queries_path = args
        .queries
        .clone()
        .unwrap_or_else(|| relevance.join("dev_queries.tsv"));
    let judgments_path = args
        .judgments
        .clone()
        .unwrap_or_else(|| relevance.join("dev_judgments.tsv"));
    let queries = read_queries(&queries_path)?;
    let mut judgments = Judgments {
        by_title: read_judgments(&judgments_path)?,
        by_title_hash: HashMap::new(),
    };
    let set_judgments = judgments.by_title.len();
    if !args.no_own_judgments && args.own_judgments.exists() {
        // A pair the set judged keeps the set's grade, and counts once.
        let judged_by_the_set: HashSet<(String, String)> = judgments
            .by_title
            .keys()
            .map(|(query, title)| (query.clone(), title_key(title)))
            .collect();
        judgments.by_title_hash = read_judgments(&args.own_judgments)?
            .into_iter()
            .filter(|(key, _)| !judged_by_the_set.contains(key))
            .collect();
    }

    let titles = catalog_titles(&args.data)?;
    let catalog = tempfile::tempdir()?;
    write_products(&catalog.path().join("products.jsonl"), &titles, &args.sales)?;
    let root = tempfile::tempdir()?;
    let options = BuildOptions::new(catalog.path(), root.path()).max_reject_ratio(0.05);
    let summary = build(&options, &NoProgress)?;
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let index_root = IndexRoot::new(root.path());
    let generation = LoadedGeneration::open(&index_root, &summary.manifest.generation, &analyzer)?;
    let ranking = RankingConfig::default();
    let ours_results =
        |query: &str, explain: bool| -> anyhow::Result<livesearch::search::SearchResults> {
            let request = SearchRequest {
                query: query.to_string(),
                doc_type: Some(DocType::Product),
                limit: DEPTH,
                offset: 0,
                explain,
                ..SearchRequest::default()
            };
            Ok(generation.search(&analyzer, &ranking, &request)?)
        };
    let ours = |query: &str| -> anyhow::Result<Vec<String>> {
        Ok(ours_results(query, false)?
            .hits
            .into_iter()
            .map(|hit| hit.title)
            .collect())
    };
    let baseline = Baseline::new(&titles, &analyzer)?;

    let mut ours_scores: BTreeMap<String, GroupScore> = BTreeMap::new();
    let mut baseline_scores: BTreeMap<String, GroupScore> = BTreeMap::new();
    let mut unjudged_pairs: Vec<(String, String)> = Vec::new();
    let mut per_query_lines = Vec::new();
    for query in &queries {
        let our_titles = ours(&query.text)?;
        let baseline_titles = baseline.search(&query.text)?;
        let (our_ndcg, our_unjudged) = ndcg(&query.text, &our_titles, &judgments);
        let (base_ndcg, base_unjudged) = ndcg(&query.text, &baseline_titles, &judgments);
        for title in our_titles.iter().chain(&baseline_titles) {
            if judgments.grade(&query.text, title).is_none() {
                unjudged_pairs.push((query.text.clone(), title.clone()));
            }
        }
        for (scores, value, unjudged, empty) in [
            (
                &mut ours_scores,
                our_ndcg,
                our_unjudged,
                our_titles.is_empty(),
            ),
            (
                &mut baseline_scores,
                base_ndcg,
                base_unjudged,
                baseline_titles.is_empty(),
            ),
        ] {
            for group in [query.group.as_str(), "all"] {
                let score = scores.entry(group.to_string()).or_default();
                score.queries += 1;
                score.ndcg_sum += value;
                score.unjudged += unjudged;
                score.empty_first_pages += usize::from(empty);
            }
        }
        per_query_lines.push(format!(
            "{:<12} {:.3} {:.3} {:+.3}  unjudged {:>2} {:>2}  {}",
            query.group,
            our_ndcg,
            base_ndcg,
            our_ndcg - base_ndcg,
            our_unjudged,
            base_unjudged,
            query.text
        ));
    }

    for query in &args.show {
        let grade = |title: &String| {
            judgments
                .grade(query, title)
                .map_or("?".to_string(), |grade| grade.to_string())
        };
        let understood = ours_results(query, true)?;
        println!(
            "{query}: words {:?}, product word {:?}, dropped {:?}, total {}",
            understood.tokens, understood.product_word, understood.dropped_words, understood.total
        );
        println!("ours for {query}:");
        for hit in &understood.hits {
            if let Some(explain) = &hit.explain {
                let tiers = &explain.tiers;
                println!(
                    "  [{}] {:?} words {} text {:.2} proximity {:.2} popularity {:.2} | {}",
                    grade(&hit.title),
                    tiers.product_match,
                    tiers.matched_words.len(),
                    tiers.text,
                    tiers.proximity,
                    tiers.popularity,
                    hit.title
                );
            }
        }
        for (system, titles) in [("baseline", baseline.search(query)?)] {
            println!("{system} for {query}:");
            for title in &titles {
                println!("  [{}] {title}", grade(title));
            }
        }
    }

    let real_queries = read_real_queries(&args.data, args.real_queries)?;
    // Per query: (ours empty, baseline empty). An empty page of ours where
    // the baseline found something means the catalog shares a word with the
    // query and we still showed nothing: the failure the target forbids.
    let empty_pages = real_queries
        .par_iter()
        .map(|query| Ok((ours(query)?.is_empty(), baseline.search(query)?.is_empty())))
        .collect::<anyhow::Result<Vec<(bool, bool)>>>()?;
    let empty_ours = empty_pages.iter().filter(|(ours, _)| *ours).count();
    let empty_baseline = empty_pages.iter().filter(|(_, base)| *base).count();
    let empty_where_baseline_found: Vec<&String> = real_queries
        .iter()
        .zip(&empty_pages)
        .filter(|(_, (ours, base))| *ours && !*base)
        .map(|(query, _)| query)
        .collect();
    if args.per_query {
        for query in &empty_where_baseline_found {
            println!("empty page though the baseline found a word: {query}");
        }
    }

    if let Some(path) = &args.unjudged_out {
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        );
        let mut seen = HashSet::new();
        for (query, title) in &unjudged_pairs {
            if seen.insert((query, title)) {
                writeln!(out, "{query}\t{title}")?;
            }
        }
        out.flush()?;
    }

    if args.json {
        let report = serde_json::json!({
            "catalog_products": titles.len(),
            "sales": args.sales,
            "judgments": set_judgments,
            "own_judgments": judgments.by_title_hash.len(),
            "ours": ours_scores,
            "baseline": baseline_scores,
            "real_queries": {"count": real_queries.len(), "empty_ours": empty_ours, "empty_baseline": empty_baseline, "empty_ours_where_baseline_found_some": empty_where_baseline_found.len()},
        });
        return print_json(&report);
    }
    println!(
        "{} queries ({}), {} judgments of the set + {} own; catalog of {} product titles, sales {}",
        queries.len(),
        queries_path.display(),
        set_judgments,
        judgments.by_title_hash.len(),
        titles.len(),
        args.sales
    );
    if args.per_query {
        println!("group        ours  base  diff  unjudged ours base  query");
        for line in &per_query_lines {
            println!("{line}");
        }
    }
    println!("| group | queries | ours nDCG@10 | baseline nDCG@10 | ours − baseline | unjudged in our top 10 | unjudged in baseline's | empty first page ours | baseline |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (group, ours) in &ours_scores {
        let base = &baseline_scores[group];
        println!(
            "| {group} | {} | {:.3} | {:.3} | {:+.3} | {} | {} | {} | {} |",
            ours.queries,
            ours.ndcg(),
            base.ndcg(),
            ours.ndcg() - base.ndcg(),
            ours.unjudged,
            base.unjudged,
            ours.empty_first_pages,
            base.empty_first_pages
        );
    }
    if !real_queries.is_empty() {
        let share = |count: usize| 100.0 * count as f64 / real_queries.len() as f64;
        println!(
            "empty first page on {} real Taobao queries: ours {} ({:.1}%), baseline {} ({:.1}%); \
             ours empty where the baseline found a word in the catalog: {}",
            real_queries.len(),
            empty_ours,
            share(empty_ours),
            empty_baseline,
            share(empty_baseline),
            empty_where_baseline_found.len()
        );
    }
    Ok(())
}

/// Graded judgments: the set's, keyed by title text, and the project's own,
/// keyed by a hash of the title.
struct Judgments {
    by_title: HashMap<(String, String), u8>,
    by_title_hash: HashMap<(String, String), u8>,
}

impl Judgments {
    fn grade(&self, query: &str, title: &str) -> Option<u8> {
        let key = (query.to_string(), title.to_string());
        if let Some(&grade) = self.by_title.get(&key) {
            return Some(grade);
        }
        let hashed = (query.to_string(), title_key(title));
        self.by_title_hash.get(&hashed).copied()
    }

    /// Every grade judged for `query`, for the ideal ranking.
    fn grades_of(&self, query: &str) -> Vec<u8> {
        self.by_title
            .iter()
            .chain(&self.by_title_hash)
            .filter(|((judged_query, _), _)| judged_query == query)
            .map(|(_, &grade)| grade)
            .collect()
    }
}

/// How the project's own judgments name a title without copying it.
fn title_key(title: &str) -> String {
    let digest = sha2::Sha256::digest(title.as_bytes());
    format!("sha256:{}", &hex::encode(digest)[..16])
}

/// nDCG@10 of `titles` for `query` (gain 2^grade − 1, the ideal ranking from
/// the query's judged grades) and the number of unjudged titles.
fn ndcg(query: &str, titles: &[String], judgments: &Judgments) -> (f64, usize) {
    let gain = |grade: u8| f64::from((1u32 << grade) - 1);
    let discount = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let mut unjudged = 0;
    let mut dcg = 0.0;
    for (rank, title) in titles.iter().take(DEPTH).enumerate() {
        match judgments.grade(query, title) {
            Some(grade) => dcg += gain(grade) * discount(rank),
            None => unjudged += 1,
        }
    }
    let mut ideal_grades = judgments.grades_of(query);
    ideal_grades.sort_unstable_by(|left, right| right.cmp(left));
    let ideal: f64 = ideal_grades
        .iter()
        .take(DEPTH)
        .enumerate()
        .map(|(rank, &grade)| gain(grade) * discount(rank))
        .sum();
    if ideal == 0.0 {
        return (0.0, unjudged);
    }
    (dcg / ideal, unjudged)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn read_queries(path: &Path) -> anyhow::Result<Vec<EvalQuery>> {
    let mut queries = Vec::new();
    for (line_index, line) in read_text(path)?.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let Some((group, text)) = line.split_once('\t') else {
            bail!(
                "{} line {}: expected group<TAB>query",
                path.display(),
                line_index + 1
            );
        };
        queries.push(EvalQuery {
            group: group.to_string(),
            text: text.to_string(),
        });
    }
    Ok(queries)
}

fn read_judgments(path: &Path) -> anyhow::Result<HashMap<(String, String), u8>> {
    let mut judgments = HashMap::new();
    for (line_index, line) in read_text(path)?.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let grade = match fields.as_slice() {
            [_, _, grade] => grade.trim().parse::<u8>().ok().filter(|grade| *grade <= 3),
            _ => None,
        };
        let Some(grade) = grade else {
            bail!(
                "{} line {}: expected query<TAB>title<TAB>grade 0-3",
                path.display(),
                line_index + 1
            );
        };
        judgments.insert((fields[0].to_string(), fields[1].to_string()), grade);
    }
    Ok(judgments)
}

/// Every title of the product files, stripped, empty ones dropped, duplicates
/// removed, in file order; with the real sales of the Taobao items.
fn catalog_titles(data: &Path) -> anyhow::Result<Vec<(String, Option<u64>)>> {
    let products = data.join("products");
    let mut titles: Vec<(String, Option<u64>)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut add = |title: &str, sales: Option<u64>| {
        let title = title.trim();
        if !title.is_empty() && title.chars().count() <= 1000 && seen.insert(title.to_string()) {
            titles.push((title.to_string(), sales));
        }
    };
    for line in read_text(&products.join("taobao_items_2021.tsv"))?
        .lines()
        .skip(1)
    {
        let fields: Vec<&str> = line.split('\t').collect();
        if let Some(title) = fields.get(3) {
            let sales = fields.get(6).and_then(|value| value.trim().parse().ok());
            add(title, sales);
        }
    }
    for file in ["taobao_titles_labeled.tsv", "taobao_titles_labeled_2.tsv"] {
        for line in read_text(&products.join(file))?.lines() {
            add(line.split('\t').next().unwrap_or(""), None);
        }
    }
    for line in read_text(&products.join("jd_titles.txt"))?.lines() {
        add(line, None);
    }
    Ok(titles)
}

/// A deterministic log-uniform figure in 0..=100,000 from the title's text.
fn hashed_sales(title: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in title.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let unit = (hash >> 11) as f64 / (1u64 << 53) as f64;
    (10f64.powf(unit * 5.0) - 1.0).round() as u64
}

fn write_products(
    path: &Path,
    titles: &[(String, Option<u64>)],
    sales: &str,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for (number, (title, real_sales)) in titles.iter().enumerate() {
        let sales = match sales {
            "none" => 0,
            _ => real_sales.unwrap_or_else(|| hashed_sales(title)),
        };
        let record = serde_json::json!({
            "product_id": format!("p{number:06}"),
            "title": title,
            "sales": sales,
        });
        writeln!(out, "{record}")?;
    }
    out.flush()?;
    Ok(())
}

/// The first `count` distinct, non-blank real Taobao queries.
fn read_real_queries(data: &Path, count: usize) -> anyhow::Result<Vec<String>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let text = read_text(&data.join("queries/taobao_queries.txt"))?;
    let mut seen = HashSet::new();
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|query| !query.is_empty() && seen.insert(*query))
        .take(count)
        .map(str::to_string)
        .collect())
}

/// BM25 over the jieba words of the titles, words OR-ed, in RAM.
struct Baseline {
    analyzer: Analyzer,
    reader: tantivy::IndexReader,
    title: tantivy::schema::Field,
}

impl Baseline {
    fn new(titles: &[(String, Option<u64>)], analyzer: &Analyzer) -> anyhow::Result<Self> {
        let mut builder = tantivy::schema::Schema::builder();
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(QUERY_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let title = builder.add_text_field(
            "title",
            TextOptions::default()
                .set_indexing_options(indexing)
                .set_stored(),
        );
        let index = Index::create_in_ram(builder.build());
        register_analyzers(&index, analyzer);
        let mut writer: tantivy::IndexWriter = index.writer(200_000_000)?;
        for (text, _) in titles {
            let mut document = TantivyDocument::default();
            document.add_text(title, text);
            writer.add_document(document)?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(Baseline {
            analyzer: analyzer.clone(),
            reader,
            title,
        })
    }

    /// The query's jieba words (query mode), each a `Should` term query:
    /// tantivy's query parser would read a run of words without spaces as
    /// one phrase.
    fn search(&self, query: &str) -> anyhow::Result<Vec<String>> {
        let mut words = self.analyzer.token_texts(query, AnalyzerMode::Query);
        words.sort_unstable();
        words.dedup();
        let clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .map(|word| {
                let term = Term::from_field_text(self.title, word);
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                (Occur::Should, query)
            })
            .collect();
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(DEPTH).order_by_score(),
        )?;
        let mut titles = Vec::with_capacity(top.len());
        for (_, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            if let Some(text) = document.get_first(self.title).and_then(|v| v.as_str()) {
                titles.push(text.to_string());
            }
        }
        Ok(titles)
    }
}

//! `indexer eval-suggest`: keystroke saving of our drop-down against
//! most-popular-completion on real queries (see [`crate::keystrokes`]).
//!
//! Holds out a random part of the Taobao queries, builds a generation whose
//! search log is the rest (count 1 each) plus the Douyin hot-search lists
//! (hot value as count) and whose products are the JD and Taobao titles of
//! the shared data (Taobao sales where given), then simulates a user typing
//! each held-out query in hanzi and in pinyin against both drop-downs, and
//! against the same build without the hygiene rules, log-first ranking and
//! fuzzy pinyin. Then the junk audit ([`crate::junk_audit`]) of both builds.

use std::io::Write;
use std::path::PathBuf;

use crate::junk_audit::{common_prefixes, JunkAudit};
use crate::keystrokes::{type_hanzi, type_pinyin, DropDown, MostPopularCompletion, Saving, Traced};
use crate::report::print_json;
use anyhow::Context;
use livesearch::analysis::Analyzer;
use livesearch::build::{build, BuildOptions, NoProgress};
use livesearch::dictionaries::Dictionaries;
use livesearch::suggest::index::DROP_DOWN_LEN;
use livesearch::suggest::mine::hygiene::{HygieneRule, QueryEvidence, ShapeLimits};
use livesearch::suggest::{FuzzyRules, HygieneReport, SuggestConfig, SuggestIndex};

/// Prefixes the junk audit reads the drop-down of.
const AUDITED_PREFIXES: usize = 500;
use livesearch::text::normalize;

#[derive(clap::Args)]
pub struct Args {
    /// The shared data folder (queries/, products/).
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Share of the Taobao queries held out for the simulation, above 0 and below 1.
    #[arg(long, default_value_t = 0.1, value_parser = fraction_above_0_below_1)]
    holdout_fraction: f64,
    /// Held-out queries simulated at most; at least 1.
    #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u64).range(1..))]
    max_queries: u64,
    /// Seed of the shuffle that picks the held-out queries; any integer, 0 to 2^64 - 1.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// TOML file of suggestion settings for our build (as `indexer build
    /// --suggest-config`) [default: built-in settings].
    #[arg(long)]
    suggest_config: Option<PathBuf>,
    /// Also print our top 10 for this prefix (repeatable) [default: none].
    #[arg(long)]
    show: Vec<String>,
    /// Write the Douyin hot lists into the log without their dates, summed
    /// as before dated logs (the protocol of the first figures) [default:
    /// off: dated, so old lists decay as of the newest].
    #[arg(long)]
    undated_hot_lists: bool,
    /// Print JSON instead of a table [default: off].
    #[arg(long)]
    json: bool,
    /// Also print, to standard error, every step of our drop-down for the
    /// first N simulated queries, typed in hanzi and in pinyin [default: 0].
    #[arg(long, default_value_t = 0)]
    trace: usize,
}

fn fraction_above_0_below_1(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if share > 0.0 && share < 1.0 => Ok(share),
        _ => Err(format!(
            "must be a number above 0 and below 1, not {text:?}"
        )),
    }
}

/// xorshift64*: deterministic shuffling.
/// "rule count" for each rule, comma-separated.
fn rule_counts(by_rule: &[(HygieneRule, impl std::fmt::Display)]) -> String {
    let counts: Vec<String> = by_rule
        .iter()
        .map(|(rule, count)| format!("{} {count}", rule.name()))
        .collect();
    counts.join(", ")
}

fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed.max(1);
    for index in (1..items.len()).rev() {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let pick = (state.wrapping_mul(0x2545_F491_4F6C_DD1D) % (index as u64 + 1)) as usize;
        items.swap(index, pick);
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let read = |relative: &str| {
        let path = args.data.join(relative);
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    };
    let mut queries: Vec<String> = read("queries/taobao_queries.txt")?
        .lines()
        .map(normalize)
        .filter(|query| !query.is_empty() && query.chars().count() <= 64)
        .collect();
    queries.sort_unstable();
    queries.dedup();
    shuffle(&mut queries, args.seed);
    let holdout_count = ((queries.len() as f64) * args.holdout_fraction) as usize;
    let (held_out, training) = queries.split_at(holdout_count);

    let mut log: Vec<(String, u64)> = training.iter().map(|query| (query.clone(), 1)).collect();
    // The log file's lines: the Taobao queries undated, the hot lists dated.
    let mut log_lines: Vec<String> = Vec::with_capacity(log.len() + 12_000);
    log_lines.extend(log.iter().map(|(query, count)| format!("{query}\t{count}")));
    for line in read("queries/douyin_hotsearch_daily.tsv")?.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        if let (Some(date), Some(query), Some(hot)) = (
            fields.first(),
            fields.get(2),
            fields.get(3).and_then(|v| v.parse::<u64>().ok()),
        ) {
            let query = query.replace(['\t', '\n'], " ");
            if query.trim().is_empty() {
                continue;
            }
            log.push((query.clone(), hot.max(1)));
            log_lines.push(if args.undated_hot_lists {
                format!("{query}\t{}", hot.max(1))
            } else {
                format!("{query}\t{}\t{}", hot.max(1), date.trim())
            });
        }
    }

    let catalog = tempfile::tempdir()?;
    let mut products = std::io::BufWriter::new(std::fs::File::create(
        catalog.path().join("products.jsonl"),
    )?);
    let mut product_count = 0;
    for title in read("products/jd_titles.txt")?
        .lines()
        .filter(|t| !t.trim().is_empty() && t.chars().count() <= 1000)
    {
        product_count += 1;
        let record = serde_json::json!({"product_id": format!("jd{product_count}"), "title": title, "sales": 0});
        writeln!(products, "{record}")?;
    }
    for line in read("products/taobao_items_2021.tsv")?.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let (Some(title), Some(sales)) = (fields.get(3), fields.get(6)) else {
            continue;
        };
        if title.trim().is_empty() || title.chars().count() > 1000 {
            continue;
        }
        product_count += 1;
        let sales: u64 = sales.trim().parse().unwrap_or(0);
        let record = serde_json::json!({"product_id": format!("tb{product_count}"), "title": title, "sales": sales});
        writeln!(products, "{record}")?;
    }
    products.flush()?;
    drop(products);
    let mut log_file =
        std::io::BufWriter::new(std::fs::File::create(catalog.path().join("queries.tsv"))?);
    for line in &log_lines {
        writeln!(log_file, "{line}")?;
    }
    log_file.flush()?;
    drop(log_file);

    // Ours, and the same build (completions on) without the hygiene rules, log-first
    // ranking and fuzzy pinyin: what the drop-down did before them.
    let without_hygiene_config = SuggestConfig {
        hygiene: false,
        fuzzy: FuzzyRules::none(),
        ..SuggestConfig::default()
    };
    // Completions of rare prefixes need the analyzer's word boundaries, as
    // the server opens its generations.
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    type Built = (tempfile::TempDir, std::path::PathBuf, HygieneReport);
    let build_with = |config: SuggestConfig| -> anyhow::Result<Built> {
        let root = tempfile::tempdir()?;
        let options = BuildOptions::new(catalog.path(), root.path())
            .max_reject_ratio(0.05)
            .suggest_config(config);
        let summary = build(&options, &NoProgress)?;
        Ok((root, summary.generation_dir, summary.suggest_hygiene))
    };
    let ours_config = match &args.suggest_config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text)
                .with_context(|| format!("bad suggestion config {}", path.display()))?
        }
        None => SuggestConfig::default(),
    };
    let (_ours_root, ours_dir, hygiene) = build_with(ours_config)?;
    let ours = SuggestIndex::open(&ours_dir)?.with_completions(&analyzer);
    // The same generation without completions of rare prefixes.
    let ours_whole_prefix = SuggestIndex::open(&ours_dir)?;
    for prefix in &args.show {
        let shown: Vec<String> = ours
            .suggest(prefix, DROP_DOWN_LEN)
            .into_iter()
            .map(|s| format!("{} ({:?} {:.3})", s.text, s.match_kind, s.score))
            .collect();
        eprintln!("{prefix}: {}", shown.join(" · "));
    }
    let (_before_root, before_dir, _) = build_with(without_hygiene_config)?;
    let before = SuggestIndex::open(&before_dir)?.with_completions(&analyzer);

    // The audit judges with the log the builds had: the training queries
    // and the hot lists, normalised and distinct, as the miner reads them.
    let mut logged: Vec<String> = log
        .iter()
        .map(|(query, _)| normalize(query))
        .filter(|query| !query.is_empty())
        .collect();
    logged.sort_unstable();
    logged.dedup();
    let logged: Vec<&str> = logged.iter().map(String::as_str).collect();
    let audit = JunkAudit {
        analyzer: &analyzer,
        shape: ShapeLimits::learn(
            &logged,
            &analyzer,
            ShapeLimits {
                max_chars: SuggestConfig::default().max_chars,
                max_words: SuggestConfig::default().max_phrase_words,
            },
        ),
        evidence: QueryEvidence::new(&logged),
    };
    let prefixes = common_prefixes(&queries, AUDITED_PREFIXES);
    let junk_before = audit.run(&before, &prefixes);
    let junk_ours = audit.run(&ours, &prefixes);
    let baseline = MostPopularCompletion::new(log);

    let simulated: Vec<&String> = held_out
        .iter()
        .take(usize::try_from(args.max_queries).unwrap_or(usize::MAX))
        .collect();
    let measure = |dropdown: &dyn DropDown| {
        let mut hanzi = Saving::default();
        let mut pinyin = Saving::default();
        for query in &simulated {
            hanzi.add(type_hanzi(dropdown, query));
            pinyin.add(type_pinyin(dropdown, query));
        }
        (hanzi, pinyin)
    };
    for query in simulated.iter().take(args.trace) {
        let traced = Traced(&ours);
        eprintln!("{query} (hanzi): {:?}", type_hanzi(&traced, query));
        eprintln!("{query} (pinyin): {:?}", type_pinyin(&traced, query));
    }
    let (ours_hanzi, ours_pinyin) = measure(&ours);
    let (whole_hanzi, whole_pinyin) = measure(&ours_whole_prefix);
    let (before_hanzi, before_pinyin) = measure(&before);
    let (mpc_hanzi, mpc_pinyin) = measure(&baseline);

    if args.json {
        let report = serde_json::json!({
            "held_out": held_out.len(), "simulated": simulated.len(), "training_log": training.len(),
            "products": product_count, "candidates": ours.len(),
            "ours": {"hanzi": ours_hanzi, "pinyin": ours_pinyin, "candidates": ours.len(),
                "junk_audit": junk_ours},
            "ours_without_completions": {"hanzi": whole_hanzi, "pinyin": whole_pinyin},
            "without_hygiene": {"hanzi": before_hanzi, "pinyin": before_pinyin, "candidates": before.len(),
                "junk_audit": junk_before},
            "most_popular_completion": {"hanzi": mpc_hanzi, "pinyin": mpc_pinyin},
            "hygiene": hygiene,
        });
        return print_json(&report);
    }
    println!(
        "simulated {} held-out Taobao queries (of {}); log: {} training queries + Douyin hot lists; {} products; {} candidates",
        simulated.len(),
        held_out.len(),
        training.len(),
        product_count,
        ours.len()
    );
    println!("| typing | ours: keystroke saving | ours without completions | without hygiene | MPC | ours − MPC | ours: completed by a suggestion | without completions: completed | without hygiene: completed | MPC: completed |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let completed = |saving: &Saving| {
        100.0 * saving.completed_by_suggestion as f64 / saving.queries.max(1) as f64
    };
    for (mode, ours, whole, before, mpc) in [
        ("hanzi", ours_hanzi, whole_hanzi, before_hanzi, mpc_hanzi),
        (
            "pinyin",
            ours_pinyin,
            whole_pinyin,
            before_pinyin,
            mpc_pinyin,
        ),
    ] {
        println!(
            "| {mode} | {:.3} | {:.3} | {:.3} | {:.3} | {:+.3} | {:.1}% | {:.1}% | {:.1}% | {:.1}% |",
            ours.keystroke_saving(),
            whole.keystroke_saving(),
            before.keystroke_saving(),
            mpc.keystroke_saving(),
            ours.keystroke_saving() - mpc.keystroke_saving(),
            completed(&ours),
            completed(&whole),
            completed(&before),
            completed(&mpc),
        );
    }
    println!();
    println!(
        "hygiene of our build: {} mined phrases, {} kept; {} (query shape: at most {} characters, {} words)",
        hygiene.mined_phrases,
        hygiene.kept_phrases,
        rule_counts(&hygiene.by_rule),
        hygiene.shape.max_chars,
        hygiene.shape.max_words
    );
    println!();
    println!(
        "junk audit: top {DROP_DOWN_LEN} of the {} most common 1-2 character prefixes of the Taobao queries",
        prefixes.len()
    );
    println!("| build | candidates | shown | breaking a hygiene rule | share | by rule |");
    println!("|---|---|---|---|---|---|");
    for (name, index, junk) in [
        ("without hygiene", &before, &junk_before),
        ("ours", &ours, &junk_ours),
    ] {
        println!(
            "| {name} | {} | {} | {} | {:.3} | {} |",
            index.len(),
            junk.shown,
            junk.junk,
            junk.share(),
            rule_counts(&junk.by_rule)
        );
    }
    Ok(())
}

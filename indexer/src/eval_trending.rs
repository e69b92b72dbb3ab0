//! `indexer eval-trending`: trending suggestions on the Douyin daily hot
//! lists (`queries/douyin_hotsearch_daily.tsv`: date, rank, query, hot value).
//!
//! For each of the last `--days` days D of the file, two suggestion indexes
//! are built from the lists before D (hot value as count): ours, dated and
//! read as of D − 1 (decay and rising), and the baseline, the same lines
//! undated (summed counts). Measured on D:
//! - success@10: for the queries on D's list that were on an earlier list,
//!   whether typing their first two characters shows them in the top 10;
//! - recency: the share of the empty-box top 10 (the hot list) that was on
//!   a list in the 3 days before D.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use anyhow::{bail, Context};
use livesearch::analysis::Analyzer;
use livesearch::catalog::{parse_log_date, Catalog, LogDate, LoggedQuery};
use livesearch::dictionaries::Dictionaries;
use livesearch::suggest::index::{write_suggest_index_with, DROP_DOWN_LEN};
use livesearch::suggest::mine::hygiene::canonical_model_spacing;
use livesearch::suggest::{mine_candidates, SuggestConfig, SuggestIndex};
use livesearch::text::normalize;

use crate::report::print_json;

#[derive(clap::Args)]
pub struct Args {
    /// The shared data folder (queries/).
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Consecutive days evaluated, the last of the file; at least 1.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    days: u64,
    /// Days before D whose lists make a hot-list entry recent; at least 1.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    recent_days: u64,
    /// Print JSON instead of a table [default: off].
    #[arg(long)]
    json: bool,
}

/// One line of the hot lists, normalised.
struct Listed {
    date: LogDate,
    query: String,
    hot: u64,
}

#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
struct Score {
    targets: usize,
    found: usize,
    hot_shown: usize,
    hot_recent: usize,
}

impl Score {
    fn success_at_10(&self) -> f64 {
        self.found as f64 / self.targets.max(1) as f64
    }

    fn recency(&self) -> f64 {
        self.hot_recent as f64 / self.hot_shown.max(1) as f64
    }

    fn add(&mut self, other: Score) {
        self.targets += other.targets;
        self.found += other.found;
        self.hot_shown += other.hot_shown;
        self.hot_recent += other.hot_recent;
    }
}

fn canonical(query: &str) -> String {
    canonical_model_spacing(&normalize(query), false).into_owned()
}

fn read_lists(path: &std::path::Path) -> anyhow::Result<Vec<Listed>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut listed = Vec::new();
    for (number, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let (Some(date), Some(query), Some(hot)) = (fields.first(), fields.get(2), fields.get(3))
        else {
            bail!(
                "{}:{}: expected date, rank, query, hot value",
                path.display(),
                number + 1
            );
        };
        let date = parse_log_date(date)
            .map_err(|reason| anyhow::anyhow!("{}:{}: {reason}", path.display(), number + 1))?;
        let hot: u64 = hot.trim().parse().unwrap_or(0).max(1);
        let query = canonical(query);
        if !query.is_empty() {
            listed.push(Listed { date, query, hot });
        }
    }
    Ok(listed)
}

struct Builder {
    analyzer: Analyzer,
    blocklist: Vec<String>,
    config: SuggestConfig,
}

impl Builder {
    fn index(
        &self,
        queries: Vec<LoggedQuery>,
        as_of: Option<LogDate>,
    ) -> anyhow::Result<(tempfile::TempDir, SuggestIndex)> {
        let catalog = Catalog {
            queries,
            ..Catalog::default()
        };
        let mined = mine_candidates(
            &catalog,
            &self.analyzer,
            &self.blocklist,
            &self.config,
            as_of,
        );
        let dir = tempfile::tempdir()?;
        let (candidates, extras) = mined.into_index_parts(self.config.fuzzy, &self.blocklist);
        write_suggest_index_with(dir.path(), candidates, extras)?;
        let index = SuggestIndex::open(dir.path())?.with_completions(&self.analyzer);
        Ok((dir, index))
    }
}

fn score_day(index: &SuggestIndex, targets: &[&str], recent: &HashSet<&str>) -> Score {
    let mut score = Score {
        targets: targets.len(),
        ..Score::default()
    };
    for target in targets {
        let typed: String = target.chars().take(2).collect();
        if index
            .suggest(&typed, DROP_DOWN_LEN)
            .iter()
            .any(|suggestion| suggestion.text == *target)
        {
            score.found += 1;
        }
    }
    for suggestion in index.suggest("", DROP_DOWN_LEN) {
        score.hot_shown += 1;
        score.hot_recent += usize::from(recent.contains(suggestion.text.as_str()));
    }
    score
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let listed = read_lists(&args.data.join("queries/douyin_hotsearch_daily.tsv"))?;
    let days: Vec<LogDate> = {
        let mut days: Vec<LogDate> = listed.iter().map(|line| line.date).collect();
        days.sort_unstable();
        days.dedup();
        days
    };
    let evaluated = usize::try_from(args.days).unwrap_or(usize::MAX);
    if days.len() < evaluated + 1 {
        bail!(
            "the file has {} days; --days {} needs at least one more day before them",
            days.len(),
            evaluated
        );
    }
    let dictionaries = Dictionaries::embedded();
    let builder = Builder {
        analyzer: Analyzer::new(&dictionaries),
        blocklist: dictionaries.blocklist().to_vec(),
        config: SuggestConfig::default(),
    };
    let mut ours_total = Score::default();
    let mut undated_total = Score::default();
    let mut per_day: BTreeMap<String, (Score, Score)> = BTreeMap::new();
    for &day in &days[days.len() - evaluated..] {
        let before: Vec<&Listed> = listed.iter().filter(|line| line.date < day).collect();
        let seen: HashSet<&str> = before.iter().map(|line| line.query.as_str()).collect();
        let recent: HashSet<&str> = before
            .iter()
            .filter(|line| (day - line.date).whole_days() <= args.recent_days as i64)
            .map(|line| line.query.as_str())
            .collect();
        let mut targets: Vec<&str> = listed
            .iter()
            .filter(|line| line.date == day && seen.contains(line.query.as_str()))
            .map(|line| line.query.as_str())
            .collect();
        targets.sort_unstable();
        targets.dedup();
        let dated: Vec<LoggedQuery> = before
            .iter()
            .map(|line| LoggedQuery {
                query: line.query.clone(),
                count: line.hot,
                date: Some(line.date),
            })
            .collect();
        let undated: Vec<LoggedQuery> = dated
            .iter()
            .map(|line| LoggedQuery {
                date: None,
                ..line.clone()
            })
            .collect();
        let as_of = day.previous_day();
        let (_ours_dir, ours) = builder.index(dated, as_of)?;
        let (_undated_dir, baseline) = builder.index(undated, None)?;
        let ours_score = score_day(&ours, &targets, &recent);
        let undated_score = score_day(&baseline, &targets, &recent);
        ours_total.add(ours_score);
        undated_total.add(undated_score);
        per_day.insert(
            livesearch::catalog::format_log_date(day),
            (ours_score, undated_score),
        );
    }

    if args.json {
        let report = serde_json::json!({
            "days": per_day.len(),
            "first_day": per_day.keys().next(),
            "last_day": per_day.keys().next_back(),
            "recent_days": args.recent_days,
            "ours": {"score": ours_total, "success_at_10": ours_total.success_at_10(), "recency": ours_total.recency()},
            "undated_summed_counts": {"score": undated_total, "success_at_10": undated_total.success_at_10(), "recency": undated_total.recency()},
        });
        return print_json(&report);
    }
    println!(
        "{} days ({} .. {}); each day a build from the lists before it; {} returning queries typed by their first 2 characters",
        per_day.len(),
        per_day.keys().next().map_or("", String::as_str),
        per_day.keys().next_back().map_or("", String::as_str),
        ours_total.targets
    );
    println!("| build | success@10 (first 2 characters) | hot list recency (top 10 on a list in the {} days before) |", args.recent_days);
    println!("|---|---|---|");
    for (name, score) in [
        ("ours: dated, decayed, rising", ours_total),
        ("undated summed counts", undated_total),
    ] {
        println!(
            "| {name} | {:.3} ({}/{}) | {:.3} ({}/{}) |",
            score.success_at_10(),
            score.found,
            score.targets,
            score.recency(),
            score.hot_recent,
            score.hot_shown
        );
    }
    Ok(())
}

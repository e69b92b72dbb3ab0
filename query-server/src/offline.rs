//! `query-server suggest` and `query-server probe`: the same answers as the
//! HTTP routes, computed on a generation on disk, printed as a table or JSON.

use std::path::PathBuf;

use std::fmt::Write;

use anyhow::Context;
use livesearch::analysis::Analyzer;
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::IndexRoot;
use livesearch::serving::LoadedGeneration;
use unicode_width::UnicodeWidthStr;

#[derive(clap::Args)]
pub struct Common {
    /// Folder holding the generations and CURRENT [required].
    #[arg(long, env = "QS_INDEX_ROOT")]
    index_root: PathBuf,
    /// Dictionary folder the indexer built with [default: compiled in].
    #[arg(long, env = "QS_DICTIONARIES")]
    dictionaries: Option<PathBuf>,
    /// Print JSON instead of a table [default: off].
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    common: Common,
    /// What the user typed: hanzi, pinyin, initials or mixed (empty: the hot list).
    prefix: String,
    /// Suggestions to print, 1 to 20.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=20))]
    limit: u64,
}

#[derive(clap::Args)]
pub struct ProbeArgs {
    #[command(flatten)]
    common: Common,
    /// The suggestion term to study, in hanzi or as its full pinyin or initials.
    term: String,
}

/// Writes the whole report at once; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    Ok(livesearch::text::write_report(text)?)
}

fn open(common: &Common) -> anyhow::Result<LoadedGeneration> {
    let dictionaries = match &common.dictionaries {
        Some(dir) => Dictionaries::from_dir(dir)?,
        None => Dictionaries::embedded(),
    };
    let root = IndexRoot::new(&common.index_root);
    let generation = root.current()?.with_context(|| {
        format!(
            "no generation is published under {}",
            common.index_root.display()
        )
    })?;
    Ok(LoadedGeneration::open(
        &root,
        &generation,
        &Analyzer::new(&dictionaries),
    )?)
}

/// `text` padded with spaces to `width` terminal columns: a CJK character
/// takes two columns, so `{:<16}` (which counts characters) would misalign.
fn pad(text: &str, width: usize) -> String {
    let columns = UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(columns)))
}

/// The widest of `texts` and `header`, in terminal columns.
fn column_width<'a>(header: &str, texts: impl Iterator<Item = &'a str>) -> usize {
    texts
        .map(UnicodeWidthStr::width)
        .chain([UnicodeWidthStr::width(header)])
        .max()
        .unwrap_or(0)
}

pub fn suggest(args: SuggestArgs) -> anyhow::Result<()> {
    let generation = open(&args.common)?;
    let mut out = String::new();
    let suggestions = generation
        .suggest
        .suggest(&args.prefix, args.limit as usize);
    if args.common.json {
        let report = serde_json::json!({
            "query": args.prefix, "generation": generation.id(), "suggestions": suggestions,
        });
        return emit(&(serde_json::to_string_pretty(&report)? + "\n"));
    }
    writeln!(
        out,
        "generation {}  prefix {:?}",
        generation.id(),
        args.prefix
    )?;
    if suggestions.is_empty() {
        writeln!(out, "no suggestions")?;
        return emit(&out);
    }
    let kinds: Vec<String> = suggestions
        .iter()
        .map(|suggestion| {
            serde_json::to_value(suggestion.match_kind)
                .ok()
                .and_then(|kind| kind.as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .collect();
    let kind_width = column_width("match", kinds.iter().map(String::as_str));
    writeln!(
        out,
        "{:>4}  {} {:>7}  text",
        "rank",
        pad("match", kind_width),
        "score"
    )?;
    for (index, (suggestion, kind)) in suggestions.iter().zip(&kinds).enumerate() {
        writeln!(
            out,
            "{:>4}  {} {:>7.4}  {}",
            index + 1,
            pad(kind, kind_width),
            suggestion.score,
            suggestion.text
        )?;
    }
    emit(&out)
}

pub fn probe(args: ProbeArgs) -> anyhow::Result<()> {
    let generation = open(&args.common)?;
    let mut out = String::new();
    let probe = generation.suggest.probe(&args.term);
    if args.common.json {
        let mut report = serde_json::to_value(&probe)?;
        report["generation"] = generation.id().into();
        return emit(&(serde_json::to_string_pretty(&report)? + "\n"));
    }
    writeln!(out, "generation {}  term {:?}", generation.id(), probe.term)?;
    if let Some(spelling) = &probe.spelled_as {
        writeln!(out, "{spelling:?} spells the candidate {:?}", probe.term)?;
    }
    match &probe.candidate {
        None => writeln!(out, "not a suggestion candidate")?,
        Some(candidate) => {
            let c = &candidate.components;
            writeln!(
                out,
                "score {:.4}  (search log {}, decayed {:.1}, rising ×{:.2}, sales {}, followers {}, documents {}{})",
                candidate.score,
                c.search_count,
                c.recent_search,
                c.rising.max(1.0),
                c.sales,
                c.followers,
                c.documents,
                if c.curated { ", curated" } else { "" }
            )?;
        }
    }
    if let Some(rank) = probe.hot_rank {
        writeln!(out, "hot list rank {rank}")?;
    }
    if !probe.related.is_empty() {
        let related: Vec<&str> = probe.related.iter().map(|s| s.text.as_str()).collect();
        writeln!(out, "related searches: {}", related.join(" · "))?;
    }
    let prefix_width = column_width("prefix", probe.prefixes.iter().map(|p| p.prefix.as_str()));
    let typed_width = column_width("typed as", probe.prefixes.iter().map(|p| p.typed_as));
    writeln!(
        out,
        "{} {} {:>5} {:>8}  top 10 shown",
        pad("prefix", prefix_width),
        pad("typed as", typed_width),
        "rank",
        "needed"
    )?;
    for prefix in &probe.prefixes {
        let rank = prefix.rank.map_or("-".to_string(), |rank| rank.to_string());
        // A dash when the term is already shown; blank when fewer than 10
        // are shown (any score would enter) or the term is no candidate.
        let needed = match (prefix.rank, prefix.needed_score) {
            (Some(_), _) => "-".to_string(),
            (None, Some(score)) => format!("{score:.4}"),
            (None, None) => String::new(),
        };
        let shown: Vec<&str> = prefix.shown.iter().map(|s| s.text.as_str()).collect();
        let shown = if shown.is_empty() {
            "no suggestions".to_string()
        } else {
            shown.join(" · ")
        };
        writeln!(
            out,
            "{} {} {:>5} {:>8}  {}",
            pad(&prefix.prefix, prefix_width),
            pad(prefix.typed_as, typed_width),
            rank,
            needed,
            shown
        )?;
    }
    emit(&out)
}

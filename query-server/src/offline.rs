//! `query-server suggest` and `query-server probe`: the same answers as the
//! HTTP routes, computed on a generation on disk, printed as a table or JSON.

use std::path::PathBuf;

use std::fmt::Write;

use anyhow::Context;
use livesearch::analysis::Analyzer;
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::IndexRoot;
use livesearch::serving::LoadedGeneration;

#[derive(clap::Args)]
pub struct Common {
    /// Folder holding the generations and CURRENT.
    #[arg(long, env = "QS_INDEX_ROOT")]
    index_root: PathBuf,
    /// Dictionary folder the indexer built with; the compiled-in one by default.
    #[arg(long, env = "QS_DICTIONARIES")]
    dictionaries: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    common: Common,
    /// What the user typed: hanzi, pinyin, initials or mixed (empty: the hot list).
    prefix: String,
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=20))]
    limit: u64,
}

#[derive(clap::Args)]
pub struct ProbeArgs {
    #[command(flatten)]
    common: Common,
    /// The suggestion term to study.
    term: String,
}

/// Writes the whole report at once; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
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
    writeln!(out, "{:>4}  {:<9} {:>7}  text", "rank", "match", "score")?;
    for (index, suggestion) in suggestions.iter().enumerate() {
        let kind = serde_json::to_value(suggestion.match_kind)?;
        writeln!(
            out,
            "{:>4}  {:<9} {:>7.4}  {}",
            index + 1,
            kind.as_str().unwrap_or(""),
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
    match &probe.candidate {
        None => writeln!(out, "not a suggestion candidate")?,
        Some(candidate) => {
            let c = &candidate.components;
            writeln!(
                out,
                "score {:.4}  (search log {}, sales {}, followers {}, documents {}{})",
                candidate.score,
                c.search_count,
                c.sales,
                c.followers,
                c.documents,
                if c.curated { ", curated" } else { "" }
            )?;
        }
    }
    writeln!(
        out,
        "{:<16} {:<9} {:>5} {:>8}  top 10 shown",
        "prefix", "typed as", "rank", "needed"
    )?;
    for prefix in &probe.prefixes {
        let rank = prefix.rank.map_or("-".to_string(), |rank| rank.to_string());
        let needed = prefix
            .needed_score
            .map_or(String::new(), |score| format!("{score:.4}"));
        let shown: Vec<&str> = prefix.shown.iter().map(|s| s.text.as_str()).collect();
        writeln!(
            out,
            "{:<16} {:<9} {:>5} {:>8}  {}",
            prefix.prefix,
            prefix.typed_as,
            rank,
            needed,
            shown.join(" · ")
        )?;
    }
    emit(&out)
}

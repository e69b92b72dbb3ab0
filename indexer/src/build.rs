//! `indexer build`.

use std::path::PathBuf;

use anyhow::Context;
use livesearch::build::{
    build, BuildOptions, DEFAULT_KEEP, DEFAULT_MAX_REJECT_RATIO, DEFAULT_MAX_SHRINK,
    DEFAULT_WRITER_MEMORY_MIB,
};
use livesearch::dictionaries::Dictionaries;
use livesearch::suggest::SuggestConfig;

#[derive(clap::Args)]
pub struct Args {
    /// Catalog directory (anchors.jsonl, products.jsonl, videos.jsonl, queries.tsv) [required].
    #[arg(long)]
    input: PathBuf,
    /// Folder holding the generations and CURRENT; created if missing [required].
    #[arg(long)]
    index_root: PathBuf,
    /// Dictionary folder (*.dict, stopwords.txt, blocklist.txt); the
    /// dictionaries compiled into this binary [default: compiled in].
    #[arg(long)]
    dictionaries: Option<PathBuf>,
    /// Analysis threads, at least 1 [default: all cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Largest share of rejected records any one file may have, 0 to 1.
    #[arg(long, default_value_t = DEFAULT_MAX_REJECT_RATIO)]
    max_reject_ratio: f64,
    /// Complete generations to keep, the current one included; at least 1.
    #[arg(long, default_value_t = DEFAULT_KEEP)]
    keep: usize,
    /// TOML file of suggestion settings (weights of the search log, sales and
    /// followers in the popularity score; phrase lengths; limits). Unknown
    /// keys are errors [default: built-in settings].
    #[arg(long)]
    suggest_config: Option<PathBuf>,
    /// Largest share by which the documents of any type, or the suggestion
    /// candidates, may fall from the current generation before the build is
    /// refused; 0 to 1.
    #[arg(long, default_value_t = DEFAULT_MAX_SHRINK)]
    max_shrink: f64,
    /// Publish even when the catalog shrank more than --max-shrink [default: off].
    #[arg(long)]
    allow_shrink: bool,
    /// Indexing memory of the tantivy writer in MiB; at least 15 per writer
    /// thread (at most 8 writer threads, whatever --threads).
    #[arg(long, default_value_t = DEFAULT_WRITER_MEMORY_MIB)]
    writer_memory_mib: usize,
    /// After the build, publish the current generation to this object store
    /// (s3://bucket/prefix), as `indexer publish` does [default: none].
    #[arg(long)]
    publish_to: Option<String>,
    /// With --publish-to: complete generations kept in the store, the
    /// current one included; at least 1.
    #[arg(long, default_value_t = livesearch::remote::publish::DEFAULT_STORE_KEEP)]
    store_keep: usize,
    #[command(flatten)]
    store: crate::publish::StoreArgs,
    /// Day the search log is read as of, YYYY-MM-DD: later lines are not
    /// counted, earlier ones decay by age [default: the newest date in queries.tsv].
    #[arg(long, value_parser = parse_day)]
    as_of: Option<livesearch::catalog::LogDate>,
}

fn parse_day(text: &str) -> Result<livesearch::catalog::LogDate, String> {
    livesearch::catalog::parse_log_date(text)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut options = BuildOptions::new(&args.input, &args.index_root)
        .max_reject_ratio(args.max_reject_ratio)
        .keep(args.keep)
        .max_shrink(args.max_shrink)
        .allow_shrink(args.allow_shrink)
        .writer_memory_bytes(args.writer_memory_mib << 20);
    if let Some(day) = args.as_of {
        options = options.as_of(day);
    }
    if let Some(threads) = args.threads {
        options = options.threads(threads);
    }
    if let Some(dir) = &args.dictionaries {
        let dictionaries = Dictionaries::from_dir(dir)
            .with_context(|| format!("loading dictionaries from {}", dir.display()))?;
        options = options.dictionaries(dictionaries);
    }
    if let Some(path) = &args.suggest_config {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let config: SuggestConfig = toml::from_str(&text)
            .with_context(|| format!("bad suggestion config {}", path.display()))?;
        options = options.suggest_config(config);
    }
    let progress = crate::progress::for_stderr();
    let summary = build(&options, progress.as_ref())?;
    let manifest = &summary.manifest;
    println!("published generation {}", manifest.generation);
    println!("  folder      {}", summary.generation_dir.display());
    if let Some(previous) = &summary.previous_generation {
        println!("  replaces    {previous}");
    }
    for (doc_type, count) in &manifest.documents {
        println!("  {doc_type:<11} {count}");
    }
    println!("  rejects     {} (see rejects.jsonl)", manifest.rejects);
    println!(
        "  suggestions {} candidates",
        manifest.suggestion_candidates
    );
    if let Some(day) = summary.as_of {
        println!(
            "  search log  as of {}",
            livesearch::catalog::format_log_date(day)
        );
    }
    let hygiene = &summary.suggest_hygiene;
    println!(
        "  hygiene     {} mined phrases, {} kept (query shape: at most {} characters, {} words{})",
        hygiene.mined_phrases,
        hygiene.kept_phrases,
        hygiene.shape.max_chars,
        hygiene.shape.max_words,
        if hygiene.query_evidence_used {
            "; phrases must appear in a logged query"
        } else {
            "; log too small to judge phrases by"
        }
    );
    for (rule, count) in &hygiene.by_rule {
        let verb = if *rule == livesearch::suggest::HygieneRule::ModelNumberSpacing {
            "respaced"
        } else {
            "removed"
        };
        println!("    {:<22} {count} {verb}", rule.name());
    }
    for input in &manifest.inputs {
        let unknown: usize = input.unknown_fields.values().sum();
        println!(
            "  {:<15} {} records, {} rejected, {} blank lines, {} unknown fields",
            input.file, input.records, input.rejected, input.blank_lines, unknown
        );
    }
    println!(
        "  time        {:.2} s, {:.0} documents/s",
        summary.elapsed.as_secs_f64(),
        summary.documents_per_second()
    );
    // The indexer does nothing else: the process's peak is the build's.
    if let Some(peak) = livesearch::process::peak_resident_bytes() {
        println!("  memory      {:.0} MB peak resident", peak as f64 / 1e6);
    }
    for removed in &summary.removed_generations {
        println!("  removed old generation {removed}");
    }
    for cleaned in &summary.cleaned_partial_builds {
        println!("  cleaned up partial build {cleaned}");
    }
    if let Some(url) = &args.publish_to {
        let root = livesearch::generation::IndexRoot::new(&args.index_root);
        crate::publish::publish_current(&root, url, args.store_keep, &args.store)?;
    }
    Ok(())
}

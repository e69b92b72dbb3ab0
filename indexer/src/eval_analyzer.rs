//! `indexer eval-analyzer`: an outside check of the dictionaries on
//! labelled titles (`text<TAB>entity/TYPE ...`).

use std::path::PathBuf;

use crate::entity_coverage::entity_coverage;
use crate::report::print_json;
use anyhow::Context;
use livesearch::analysis::Analyzer;
use livesearch::dictionaries::Dictionaries;

#[derive(clap::Args)]
pub struct Args {
    /// Labelled titles, e.g. ../shared/data/products/taobao_titles_labeled.tsv [required].
    #[arg(long)]
    labeled: PathBuf,
    /// Entity types to measure, comma-separated labels of the file (HPPX brand,
    /// HCCX product; any type the file uses).
    #[arg(long, value_delimiter = ',', default_value = "HPPX,HCCX")]
    types: Vec<String>,
    /// Dictionary folder to measure [default: compiled in].
    #[arg(long)]
    dictionaries: Option<PathBuf>,
    /// Print JSON instead of a table [default: off].
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.labeled)
        .with_context(|| format!("reading {}", args.labeled.display()))?;
    let ours = Dictionaries::from_dir_or_embedded(args.dictionaries.as_deref())?;
    let types: Vec<&str> = args.types.iter().map(String::as_str).collect();
    let baseline = entity_coverage(&Analyzer::new(&Dictionaries::none()), text.lines(), &types);
    let project = entity_coverage(&Analyzer::new(&ours), text.lines(), &types);
    if args.json {
        let report = serde_json::json!({ "jieba_default": baseline, "ours": project });
        return print_json(&report);
    }
    println!("labelled titles: {}", args.labeled.display());
    println!(
        "{:<6} {:>9} {:>22} {:>22} {:>22} {:>22}",
        "type",
        "entities",
        "whole: jieba default",
        "whole: ours",
        "findable: default",
        "findable: ours"
    );
    for entity_type in &types {
        let default = baseline[*entity_type];
        let ours = project[*entity_type];
        println!(
            "{:<6} {:>9} {:>21.1}% {:>21.1}% {:>21.1}% {:>21.1}%",
            entity_type,
            ours.entities,
            100.0 * default.whole_token_share(),
            100.0 * ours.whole_token_share(),
            100.0 * default.findable_share(),
            100.0 * ours.findable_share(),
        );
    }
    Ok(())
}

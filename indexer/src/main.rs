//! `indexer`: the nightly batch job. `main` parses arguments, runs one
//! subcommand and turns its error into a message and an exit code.

mod build;
mod entity_coverage;
mod eval_analyzer;
mod eval_search;
mod eval_suggest;
mod eval_trending;
mod junk_audit;
mod keystrokes;
mod progress;
mod rollback;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "indexer",
    version,
    about = "Builds and manages search index generations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a catalog, analyse it and publish a new generation.
    Build(build::Args),
    /// Print the current generation and its manifest.
    Status(IndexRootArgs),
    /// Point CURRENT back at the previous complete generation.
    Rollback(IndexRootArgs),
    /// Measure how many labelled brand and product entities come out of the
    /// index analyzer whole, with jieba's default dictionary and with ours.
    EvalAnalyzer(eval_analyzer::Args),
    /// Keystroke saving of the drop-down against most-popular-completion on
    /// held-out real queries (reads ../shared/data).
    EvalSuggest(eval_suggest::Args),
    /// Trending suggestions on the Douyin daily hot lists: for each day,
    /// a build from the log before it, dated and decayed against undated
    /// summed counts (reads ../shared/data).
    EvalTrending(eval_trending::Args),
    /// Graded search relevance (nDCG@10) beside a plain BM25 baseline on a
    /// catalog of real titles (reads ../shared/data).
    EvalSearch(eval_search::Args),
}

/// The one argument of `status` and `rollback`.
#[derive(clap::Args)]
struct IndexRootArgs {
    /// Folder holding the generations and CURRENT [required].
    #[arg(long)]
    index_root: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Build(args) => build::run(args),
        Command::Status(args) => status::run(&args.index_root),
        Command::Rollback(args) => rollback::run(&args.index_root),
        Command::EvalAnalyzer(args) => eval_analyzer::run(args),
        Command::EvalSuggest(args) => eval_suggest::run(args),
        Command::EvalSearch(args) => eval_search::run(args),
        Command::EvalTrending(args) => eval_trending::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

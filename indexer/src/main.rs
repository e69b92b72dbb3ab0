//! `indexer`: the nightly batch job. `main` parses arguments, runs one
//! subcommand and turns its error into a message and an exit code.

// Options' doc comments are their `--help` text, where `[required]` and
// `[default: …]` are plain text, not links.
#![allow(rustdoc::broken_intra_doc_links)]

mod build;
mod entity_coverage;
mod eval_analyzer;
mod eval_search;
mod eval_suggest;
mod eval_trending;
mod junk_audit;
mod keystrokes;
mod progress;
mod publish;
mod report;
mod rollback;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A build allocates per token and per phrase on every thread at once:
/// glibc's malloc spent about 40 % of a build's CPU time (perf, 300,000
/// products); mimalloc's thread-local heaps cost a fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (mimalloc.h; the bindings name the
/// option after it, `mi_option_use_numa_nodes`, but not this one).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const _: () = assert!(libmimalloc_sys::mi_option_use_numa_nodes == MI_OPTION_PURGE_DELAY + 1);

/// Freed memory goes back to the system at once rather than after 10 ms:
/// a build frees large tallies and arenas phase after phase, and holding
/// them raised its peak resident memory by about 40 % (300,000 products:
/// 683 MB against 482 MB) for about 5 % more time. `MIMALLOC_PURGE_DELAY`
/// in the environment still decides when set.
fn purge_freed_memory_at_once() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option of the allocator, which mimalloc
        // reads atomically; no memory is touched.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
}

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
    /// Upload the current generation to an object store (s3://bucket/prefix)
    /// and point the store's CURRENT at it. Credentials, region and endpoint
    /// from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
    /// AWS_ENDPOINT_URL, AWS_ALLOW_HTTP.
    Publish(publish::Args),
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

/// Log levels when `RUST_LOG` is not set.
/// (object_store logs each retry of a publish at info.)
const LOG_FILTER: &str = "info,object_store=warn";

fn main() -> ExitCode {
    purge_freed_memory_at_once();
    let cli = Cli::parse();
    livesearch::cli::run_command(LOG_FILTER, || match cli.command {
        Command::Build(args) => build::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Status(args) => status::run(&args.index_root),
        Command::Rollback(args) => rollback::run(&args.index_root),
        Command::EvalAnalyzer(args) => eval_analyzer::run(args),
        Command::EvalSuggest(args) => eval_suggest::run(args),
        Command::EvalSearch(args) => eval_search::run(args),
        Command::EvalTrending(args) => eval_trending::run(args),
    })
}

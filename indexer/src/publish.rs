//! `indexer publish`, and the publish step of `indexer build --publish-to`.

use std::path::PathBuf;

use anyhow::Context;
use livesearch::generation::IndexRoot;
use livesearch::remote::publish::{
    DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PARALLEL_UPLOADS, DEFAULT_STORE_KEEP,
};
use livesearch::remote::{publish, PublishOptions, RemoteStore};

#[derive(clap::Args)]
pub struct Args {
    /// Folder holding the generations and CURRENT; its current generation is
    /// published [required].
    #[arg(long)]
    index_root: PathBuf,
    /// Object store to publish to: s3://bucket/prefix [required].
    #[arg(long)]
    to: String,
    /// Complete generations kept in the store, the current one included; at
    /// least 1.
    #[arg(long, default_value_t = DEFAULT_STORE_KEEP)]
    keep: usize,
    #[command(flatten)]
    options: StoreArgs,
}

/// How to upload; shared with `build --publish-to` (which names the store's
/// retention `--store-keep`, its `--keep` being the local one).
#[derive(clap::Args)]
pub struct StoreArgs {
    /// Files uploaded at once; at least 1.
    #[arg(long, default_value_t = DEFAULT_PARALLEL_UPLOADS)]
    parallel_uploads: usize,
    /// Files over this many MiB are uploaded in 8 MiB parts.
    #[arg(long, default_value_t = DEFAULT_MULTIPART_THRESHOLD >> 20)]
    multipart_threshold_mib: u64,
    /// Replace the store's CURRENT even when it names a newer generation (a
    /// deliberate rollback) [default: off].
    #[arg(long)]
    allow_older: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    publish_current(
        &IndexRoot::new(&args.index_root),
        &args.to,
        args.keep,
        &args.options,
    )
}

/// Publishes what `root`'s CURRENT names to `url` and prints what was done.
/// Credentials come from the environment and are never printed.
pub fn publish_current(
    root: &IndexRoot,
    url: &str,
    keep: usize,
    args: &StoreArgs,
) -> anyhow::Result<()> {
    let options = PublishOptions {
        keep,
        parallel: args.parallel_uploads,
        multipart_threshold: args.multipart_threshold_mib << 20,
        allow_older: args.allow_older,
    };
    options.validate()?;
    let store = RemoteStore::from_url(url)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = runtime.block_on(publish(&store, root, &options))?;
    println!(
        "published generation {} to {}",
        report.generation,
        store.url()
    );
    if let Some(previous) = &report.previous {
        println!("  replaces    {previous}");
    }
    println!(
        "  uploaded    {} files, {} bytes",
        report.uploaded_files, report.uploaded_bytes
    );
    println!(
        "  skipped     {} files already in the store",
        report.skipped_files
    );
    println!("  time        {:.2} s", report.elapsed.as_secs_f64());
    for removed in &report.removed {
        println!("  removed old generation {removed} from the store");
    }
    Ok(())
}

//! Writes a deterministic generated catalog for benchmarks and load tests.
//!
//! `cargo run --release --example gen_catalog -- --products 1000000 --out /tmp/catalog-1m`

#[path = "support/catalog.rs"]
mod catalog;

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
#[command(
    about = "Writes a deterministic generated catalog (products, anchors, videos, lives, search log)"
)]
struct Args {
    /// Number of products; anchors, videos, lives and logged queries scale with it.
    #[arg(long, default_value_t = 1_000_000)]
    products: usize,
    /// Output catalog directory.
    #[arg(long)]
    out: PathBuf,
    /// Random seed: the same seed writes the same catalog.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Videos from the real captions of ../shared/data (KuaiRec, Bilibili)
    /// and its dated hot-search log added to the search log.
    #[arg(long)]
    real_media: bool,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let vocabulary = catalog::Vocabulary::load();
    let size = if args.real_media {
        catalog::CatalogSize::real_media(args.products)
    } else {
        catalog::CatalogSize::for_products(args.products)
    };
    catalog::write_catalog(&args.out, size, args.seed, &vocabulary)?;
    println!(
        "wrote {size:?} to {} from {}",
        args.out.display(),
        vocabulary.source
    );
    Ok(())
}

//! `indexer rollback`.

use std::path::PathBuf;

use livesearch::generation::IndexRoot;

#[derive(clap::Args)]
pub struct Args {
    /// Folder holding the generations and CURRENT [required].
    #[arg(long)]
    index_root: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let root = IndexRoot::new(&args.index_root);
    let lock = root.lock()?;
    let (from, to) = root.rollback(&lock)?;
    println!("CURRENT now names {to} (was {from})");
    Ok(())
}

//! `indexer rollback`.

use std::path::Path;

use livesearch::generation::IndexRoot;

pub fn run(index_root: &Path) -> anyhow::Result<()> {
    let root = IndexRoot::new(index_root);
    let lock = root.lock()?;
    let (from, to) = root.rollback(&lock)?;
    println!("CURRENT now names {to} (was {from})");
    Ok(())
}

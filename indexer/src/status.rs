//! `indexer status`.

use std::fmt::Write as _;
use std::path::Path;

use livesearch::generation::IndexRoot;

pub fn run(index_root: &Path) -> anyhow::Result<()> {
    let root = IndexRoot::new(index_root);
    let Some(current) = root.current()? else {
        anyhow::bail!("no generation is published under {}", index_root.display());
    };
    let manifest = root.read_manifest(&current)?;
    let mut out = String::new();
    writeln!(out, "current generation {current}")?;
    writeln!(
        out,
        "complete generations: {}",
        root.complete_generations()?.join(", ")
    )?;
    writeln!(out, "{}", serde_json::to_string_pretty(&manifest)?)?;
    Ok(livesearch::text::write_report(&out)?)
}

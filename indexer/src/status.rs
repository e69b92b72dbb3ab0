//! `indexer status`.

use std::fmt::Write as _;
use std::io::Write as _;
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
    let Some(current) = root.current()? else {
        anyhow::bail!(
            "no generation is published under {}",
            args.index_root.display()
        );
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
    // A closed pipe (`| head`) is not an error.
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

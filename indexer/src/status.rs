//! `indexer status`.

use std::path::PathBuf;

use livesearch::generation::IndexRoot;

#[derive(clap::Args)]
pub struct Args {
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
    println!("current generation {current}");
    println!(
        "complete generations: {}",
        root.complete_generations()?.join(", ")
    );
    println!("{}", serde_json::to_string_pretty(&manifest)?);
    Ok(())
}

//! Writes URL lists for the load scripts from real queries: `/v1/search`
//! with whole queries, and `/v1/suggest` with the prefixes users type on the
//! way to them (hanzi, full pinyin, initials, mixed), percent-encoded.
//!
//! `cargo run --release --example make_urls -- --queries ../shared/data/queries/taobao_queries.txt --base http://127.0.0.1:8080 --out /tmp/urls`

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use livesearch::suggest::keys::{initials_prefixes, mixed_keys, syllable_prefixes};
use livesearch::text::{is_han, normalize, percent_encode};

#[derive(Parser)]
#[command(about = "Writes search_urls.txt and suggest_urls.txt for oha from a query list")]
struct Args {
    /// One query per line.
    #[arg(long)]
    queries: PathBuf,
    /// Server base URL.
    #[arg(long)]
    base: String,
    #[arg(long)]
    out: PathBuf,
    /// Queries used at most.
    #[arg(long, default_value_t = 20_000)]
    count: usize,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out)?;
    let text = std::fs::read_to_string(&args.queries)?;
    let queries: Vec<String> = text
        .lines()
        .map(normalize)
        .filter(|query| {
            !query.is_empty() && query.chars().count() <= 64 && query.chars().any(is_han)
        })
        .take(args.count)
        .collect();
    let mut search =
        std::io::BufWriter::new(std::fs::File::create(args.out.join("search_urls.txt"))?);
    let mut suggest =
        std::io::BufWriter::new(std::fs::File::create(args.out.join("suggest_urls.txt"))?);
    for (index, query) in queries.iter().enumerate() {
        writeln!(
            search,
            "{}/v1/search?q={}&limit=10",
            args.base,
            percent_encode(query)
        )?;
        let chars: Vec<char> = query.chars().collect();
        let take = 1 + index % chars.len().min(3);
        let typed = match index % 4 {
            0 => chars[..take].iter().collect::<String>(),
            1 => {
                let syllables = syllable_prefixes(query);
                let spelled = &syllables[(index / 4) % syllables.len().min(3)];
                spelled[..1 + (index / 7) % spelled.len()].to_string()
            }
            2 => {
                let initials = initials_prefixes(query);
                initials[(index / 4) % initials.len().min(4)].clone()
            }
            _ => mixed_keys(query).map_or_else(
                || chars[..1].iter().collect(),
                |(full, _)| {
                    let cut: usize = full
                        .char_indices()
                        .nth(2 + (index / 4) % 3)
                        .map_or(full.len(), |(offset, _)| offset);
                    full[..cut].to_string()
                },
            ),
        };
        writeln!(
            suggest,
            "{}/v1/suggest?q={}&limit=10",
            args.base,
            percent_encode(&typed)
        )?;
    }
    println!(
        "wrote {} search and suggest URLs to {}",
        queries.len(),
        args.out.display()
    );
    Ok(())
}

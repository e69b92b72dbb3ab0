//! `query-server`: `main` parses arguments, runs one subcommand and maps its
//! error to a message and an exit code.

mod offline;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "query-server",
    version,
    about = "Serves search and suggestions over HTTP"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the generation ROOT/CURRENT names, following it as it changes.
    Serve(Box<serve::Args>),
    /// Print the suggestions a prefix gets from the current generation.
    Suggest(offline::SuggestArgs),
    /// Show where a term ranks for every prefix typed on the way to it.
    Probe(offline::ProbeArgs),
}

/// Log levels when `RUST_LOG` is not set.
/// (object_store logs each retry at info: every poll while the store is down.)
const LOG_FILTER: &str = "info,tower_http=warn,object_store=warn";

fn main() -> ExitCode {
    let cli = Cli::parse();
    livesearch::cli::run_command(LOG_FILTER, || match cli.command {
        Command::Serve(args) => serve::run(*args),
        Command::Suggest(args) => offline::suggest(args),
        Command::Probe(args) => offline::probe(args),
    })
}

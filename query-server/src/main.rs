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

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Serve(args) => serve::run(*args),
        Command::Suggest(args) => offline::suggest(args),
        Command::Probe(args) => offline::probe(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,tower_http=warn,object_store=warn")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

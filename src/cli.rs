//! What both binaries do around their subcommands: logging to stderr and
//! turning a subcommand's error into a message and an exit code.

use std::fmt::Display;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Sets up logging, runs `command` and maps its outcome to an exit code:
/// success, or the error with its causes (`{:#}`) on stderr and failure.
///
/// `default_filter` applies when `RUST_LOG` is not set (for instance
/// `"info,tower_http=warn"`). Logs go to stderr, so a subcommand's report
/// on stdout can be piped; colours only on a terminal.
pub fn run_command<E: Display>(
    default_filter: &str,
    command: impl FnOnce() -> Result<(), E>,
) -> ExitCode {
    init_logging(default_filter);
    match command() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

//! What the `--json` flag of the eval subcommands prints.

use serde::Serialize;

/// Prints `report` as pretty JSON on stdout: one document a run, for
/// scripts to compare runs by.
pub fn print_json(report: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(report)?);
    Ok(())
}

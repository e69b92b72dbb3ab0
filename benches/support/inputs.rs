//! What the benchmarks read besides the catalog: sizes from the environment
//! and lists (queries, prefixes, URLs) from files.

#![allow(dead_code)]

use std::path::Path;

/// The environment variable `name` as a number; `None` when it is unset or
/// not a number.
pub fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
}

/// The lines of `path` that are not blank; panics when it cannot be read or
/// has none.
pub fn non_blank_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let lines: Vec<String> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(String::from)
        .collect();
    assert!(!lines.is_empty(), "{} has no lines", path.display());
    lines
}

//! The `indexer build` command line the binaries' tests run (included with
//! `#[path]` by `indexer/tests/cli.rs` and `query-server/tests/it/store.rs`).

use std::path::Path;

/// `indexer build` of the catalog folder `input` into `root` on two threads,
/// then `extra`.
pub fn build_args<'a>(input: &'a Path, root: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "build",
        "--input",
        input.to_str().unwrap(),
        "--index-root",
        root.to_str().unwrap(),
        "--threads",
        "2",
    ];
    args.extend_from_slice(extra);
    args
}

//! Reading clap `--help` texts in the binaries' tests (included with
//! `#[path]` by `indexer/tests/cli.rs` and `query-server/tests/it/cli.rs`).

/// Each option of a clap `--help` text with the lines that describe it.
pub fn option_blocks(help: &str) -> Vec<(String, String)> {
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut in_options = false;
    for line in help.lines() {
        if line == "Options:" {
            in_options = true;
            continue;
        }
        if !in_options {
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('-') {
            let name = trimmed
                .split(|c: char| c.is_whitespace() || c == ',')
                .find(|word| word.starts_with("--"))
                .unwrap_or(trimmed)
                .to_string();
            blocks.push((name, line.to_string()));
        } else if let Some((_, text)) = blocks.last_mut() {
            text.push('\n');
            text.push_str(line);
        }
    }
    blocks
}

/// Asserts that `help` (of `subcommand`) lists at least `at_least` options
/// and that every one but `--help` and `--version` names its default.
pub fn assert_every_option_names_its_default(subcommand: &str, help: &str, at_least: usize) {
    let blocks = option_blocks(help);
    assert!(blocks.len() >= at_least, "{subcommand}: {help}");
    for (option, text) in &blocks {
        if option == "--help" || option == "--version" {
            continue;
        }
        assert!(
            text.contains("[default") || text.contains("[required]"),
            "{subcommand} {option} names no default: {text}"
        );
    }
}

/// Asserts that the lines describing `option` in `help` hold every one of
/// `parts` (its default, its range, ...).
pub fn assert_option_says(help: &str, option: &str, parts: &[&str]) {
    let (_, text) = option_blocks(help)
        .into_iter()
        .find(|(name, _)| name == option)
        .unwrap_or_else(|| panic!("no {option} in {help}"));
    for part in parts {
        assert!(text.contains(part), "{option} does not say {part}: {text}");
    }
}

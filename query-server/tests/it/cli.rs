//! The `query-server` binary's command line: help on every option, and the
//! offline `suggest` and `probe` tables.

#[path = "../../../tests/common/cli_help.rs"]
mod cli_help;

use cli_help::{assert_every_option_names_its_default, assert_option_says};

use std::process::{Command, Output};

use unicode_width::UnicodeWidthStr;

use crate::support::build_fixtures;

fn query_server(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_query-server"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("query-server runs")
}

fn stdout_of(args: &[&str]) -> String {
    let output = query_server(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn every_option_says_its_default_and_range() {
    for subcommand in ["serve", "suggest", "probe"] {
        let help = stdout_of(&[subcommand, "--help"]);
        assert_every_option_names_its_default(subcommand, &help, 3);
    }
    let serve = stdout_of(&["serve", "--help"]);
    for (option, default, range) in [
        ("--request-timeout-ms", "[default: 2000]", "at least 1"),
        ("--max-concurrency", "[default: 256]", "at least 1"),
        ("--watch-interval-ms", "[default: 1000]", "at least 50"),
        ("--header-read-timeout-ms", "[default: 10000]", "at least 1"),
        ("--idle-timeout-ms", "[default: 60000]", "more than"),
        ("--addr", "[default: 127.0.0.1:8080]", "port 0"),
    ] {
        assert_option_says(&serve, option, &[default, range]);
    }
    let suggest = stdout_of(&["suggest", "--help"]);
    assert_option_says(&suggest, "--limit", &["[default: 10]", "1 to 20"]);
}

#[test]
fn a_flag_out_of_its_range_is_refused_naming_it() {
    let output = query_server(&[
        "serve",
        "--index-root",
        "/nonexistent",
        "--watch-interval-ms",
        "10",
    ]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("--watch-interval-ms"), "{message}");
}

/// The display column (CJK characters two wide) where `word` starts in `line`.
fn column_of(line: &str, word: &str) -> usize {
    let start = line
        .find(word)
        .unwrap_or_else(|| panic!("{word:?} not in {line:?}"));
    UnicodeWidthStr::width(&line[..start])
}

#[test]
fn probe_and_suggest_tables_align_and_label_how_each_prefix_was_typed() {
    let root = tempfile::tempdir().unwrap();
    build_fixtures(root.path());
    let root = root.path().to_str().unwrap();

    let report = stdout_of(&["probe", "--index-root", root, "连衣裙"]);
    let lines: Vec<&str> = report.lines().collect();
    let header = lines
        .iter()
        .position(|line| line.starts_with("prefix"))
        .unwrap_or_else(|| panic!("no table header in {report}"));
    let typed_as_column = column_of(lines[header], "typed as");
    let rows: Vec<Vec<&str>> = lines[header + 1..]
        .iter()
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert!(rows.len() >= 6, "{report}");
    for (line, row) in lines[header + 1..].iter().zip(&rows) {
        let typed_as = row[1];
        let after_prefix = &line[row[0].len()..];
        let column = UnicodeWidthStr::width(row[0]) + column_of(after_prefix, typed_as);
        assert_eq!(column, typed_as_column, "misaligned: {report}");
        let has_han = !row[0].is_ascii();
        let expected: &[&str] = if has_han {
            &["hanzi"]
        } else {
            &["pinyin", "initials"]
        };
        assert!(expected.contains(&typed_as), "{line}");
    }
    let lyq = rows.iter().find(|row| row[0] == "lyq").unwrap();
    assert_eq!(
        (lyq[2], lyq[3]),
        ("1", "-"),
        "rank 1, so no score is needed: {report}"
    );

    let spelled = stdout_of(&["probe", "--index-root", root, "lianyiqun"]);
    assert!(
        spelled.contains("term \"连衣裙\"")
            && spelled.contains("\"lianyiqun\" spells the candidate \"连衣裙\"")
            && spelled.contains("score "),
        "{spelled}"
    );
    assert!(!spelled.contains("not a suggestion candidate"), "{spelled}");

    let nothing = stdout_of(&["suggest", "--index-root", root, "从未出现的词"]);
    assert!(
        nothing.lines().any(|line| line == "no suggestions"),
        "{nothing}"
    );
    let some = stdout_of(&["suggest", "--index-root", root, "lyq"]);
    let some_lines: Vec<&str> = some.lines().skip(1).collect();
    let text_column = column_of(some_lines[0], "text");
    assert!(some_lines.len() > 1, "{some}");
    for line in &some_lines[1..] {
        let score = line.split_whitespace().nth(2).unwrap();
        let text_starts = column_of(line, score) + score.len() + 2;
        assert_eq!(text_starts, text_column, "{some}");
    }
}

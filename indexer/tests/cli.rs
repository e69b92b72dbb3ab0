//! The `indexer` binary end to end: exit codes, messages, and crashes at
//! several points of a build (the process aborts as kill -9 would stop it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn indexer(args: &[&str], fail_point: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_indexer"));
    command.args(args).env("RUST_LOG", "warn");
    if let Some(point) = fail_point {
        command.env("LIVESEARCH_FAIL_POINT", point);
    }
    command.output().expect("indexer runs")
}

fn build(root: &Path, fail_point: Option<&str>) -> Output {
    let input = fixtures();
    indexer(
        &[
            "build",
            "--input",
            input.to_str().unwrap(),
            "--index-root",
            root.to_str().unwrap(),
            "--threads",
            "2",
        ],
        fail_point,
    )
}

fn current(root: &Path) -> String {
    std::fs::read_to_string(root.join("CURRENT"))
        .unwrap()
        .trim()
        .to_string()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_crash_at_any_point_leaves_current_on_a_complete_generation() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    let first = build(root, None);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let served = current(root);

    for point in ["during_analysis", "during_commit", "before_current_switch"] {
        let crashed = build(root, Some(point));
        assert!(
            !crashed.status.success(),
            "{point}: the build should have died"
        );
        assert_eq!(current(root), served, "{point}: CURRENT moved");
        let manifest = root.join("generations").join(&served).join("manifest.json");
        assert!(manifest.is_file(), "{point}: served generation incomplete");
    }
    // The partial build of the last crash before the switch left a staged or
    // unserved folder; the next build succeeds and cleans up staging.
    let next = build(root, None);
    assert!(
        next.status.success(),
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
    assert_ne!(current(root), served);
    assert!(
        names_in(&root.join("staging")).is_empty(),
        "staging not cleaned"
    );
    let stdout = String::from_utf8_lossy(&next.stdout);
    assert!(stdout.contains("published generation"), "{stdout}");
}

#[test]
fn status_and_rollback_commands() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    assert!(build(root, None).status.success());
    let first = current(root);
    assert!(build(root, None).status.success());
    let second = current(root);

    let status = indexer(&["status", "--index-root", root.to_str().unwrap()], None);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains(&format!("current generation {second}")),
        "{text}"
    );
    assert!(text.contains("\"product\": 360"), "{text}");

    let rollback = indexer(&["rollback", "--index-root", root.to_str().unwrap()], None);
    assert!(rollback.status.success());
    assert_eq!(current(root), first);
}

#[test]
fn bad_options_and_bad_feeds_exit_non_zero_with_a_message() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path().to_str().unwrap();
    let input = fixtures();
    let input = input.to_str().unwrap();

    let bad_ratio = indexer(
        &[
            "build",
            "--input",
            input,
            "--index-root",
            root,
            "--max-reject-ratio",
            "2",
        ],
        None,
    );
    assert!(!bad_ratio.status.success());
    assert!(String::from_utf8_lossy(&bad_ratio.stderr).contains("--max-reject-ratio"));

    let missing = indexer(
        &[
            "build",
            "--input",
            "/nonexistent/catalog",
            "--index-root",
            root,
        ],
        None,
    );
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/catalog"));

    let no_generation = indexer(&["status", "--index-root", root], None);
    assert!(!no_generation.status.success());
    assert!(String::from_utf8_lossy(&no_generation.stderr).contains("no generation"));
}

#[test]
fn suggestion_config_is_strict() {
    let root_dir = tempfile::tempdir().unwrap();
    let config = root_dir.path().join("suggest.toml");
    let input = fixtures();
    let build_with = |text: &str| {
        std::fs::write(&config, text).unwrap();
        indexer(
            &[
                "build",
                "--input",
                input.to_str().unwrap(),
                "--index-root",
                root_dir.path().join("root").to_str().unwrap(),
                "--suggest-config",
                config.to_str().unwrap(),
            ],
            None,
        )
    };
    let typo = build_with("sales_wieght = 0.5\n");
    assert!(!typo.status.success());
    assert!(String::from_utf8_lossy(&typo.stderr).contains("sales_wieght"));
    let negative = build_with("sales_weight = -1.0\n");
    assert!(!negative.status.success());
    let good = build_with("search_log_weight = 1.0\nsales_weight = 0.0\nfollowers_weight = 0.0\n");
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(String::from_utf8_lossy(&good.stdout).contains("suggestions"));
}

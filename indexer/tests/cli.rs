//! The `indexer` binary end to end: exit codes, messages, kill -9 at
//! several points of a build, and a build on a full disk.

#[path = "../../tests/common/build_args.rs"]
mod build_args;
#[path = "../../tests/common/cli_help.rs"]
mod cli_help;

use build_args::build_args;
use cli_help::{assert_every_option_names_its_default, assert_option_says};

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use livesearch::analysis::Analyzer;
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::IndexRoot;
use livesearch::serving::LoadedGeneration;

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
    indexer(&build_args(&fixtures(), root, &[]), fail_point)
}

/// Asserts that a run of the binary succeeded, showing its stderr when not.
fn assert_succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Builds the fixtures into `root`, which must succeed; returns the
/// generation `CURRENT` then names.
fn build_fixtures(root: &Path) -> String {
    assert_succeeded(&build(root, None));
    current(root)
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

/// Starts a build that stops at `point`, waits until it says so, then sends
/// SIGKILL, as an operator's kill -9 or the OOM killer would.
fn kill_build_at(root: &Path, point: &str) {
    let input = fixtures();
    let mut child = Command::new(env!("CARGO_BIN_EXE_indexer"))
        .args(build_args(&input, root, &[]))
        .env("RUST_LOG", "warn")
        .env("LIVESEARCH_FAIL_POINT", point)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("indexer starts");
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut reached = false;
    for line in stderr.lines() {
        let line = line.unwrap();
        if line.contains(&format!("fail point {point} reached")) {
            reached = true;
            break;
        }
    }
    assert!(reached, "{point}: the build never reached the fail point");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{point}: not killed by SIGKILL");
}

/// What the query server checks before it serves a generation.
fn assert_server_can_open(root: &Path, generation: &str) {
    let analyzer = Analyzer::new(&Dictionaries::embedded());
    let loaded = LoadedGeneration::open(&IndexRoot::new(root), generation, &analyzer);
    assert!(loaded.is_ok(), "{generation}: {:?}", loaded.err());
}

#[test]
fn kill_9_at_any_point_leaves_current_on_a_complete_generation() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    let served = build_fixtures(root);

    for point in ["during_analysis", "during_commit", "before_current_switch"] {
        kill_build_at(root, point);
        assert_eq!(current(root), served, "{point}: CURRENT moved");
        assert_server_can_open(root, &served);
        // The killed build held the build lock; the kernel released it with
        // the process, so nothing stale blocks the next build.
    }
    // The killed builds left staged or unserved folders; the next build
    // succeeds and cleans up staging.
    let next = build(root, None);
    assert_succeeded(&next);
    let published = current(root);
    assert_ne!(published, served);
    assert_server_can_open(root, &published);
    assert!(
        names_in(&root.join("staging")).is_empty(),
        "staging not cleaned"
    );
    let stdout = String::from_utf8_lossy(&next.stdout);
    assert!(stdout.contains("published generation"), "{stdout}");
}

/// Runs `script` as root of a private mount namespace (`unshare`), so it can
/// mount a small tmpfs without touching the machine's mounts.
fn in_private_mount_namespace(script: &str) -> Output {
    Command::new("unshare")
        .args(["--map-root-user", "--mount", "sh", "-eu", "-c", script])
        .env("INDEXER", env!("CARGO_BIN_EXE_indexer"))
        .env("FIXTURES", fixtures())
        .env("RUST_LOG", "warn")
        .output()
        .expect("unshare runs")
}

#[test]
fn a_build_on_a_full_disk_fails_cleanly_and_publishes_nothing() {
    let mount_dir = tempfile::tempdir().unwrap();
    // A 64 MiB tmpfs holds one fixture generation with room to spare; a
    // filler file then leaves only 256 KiB, far less than a generation.
    let script = format!(
        r#"
        root={root}
        mount -t tmpfs -o size=64m tmpfs "$root"
        "$INDEXER" build --input "$FIXTURES" --index-root "$root" --threads 2 >/dev/null
        first=$(cat "$root/CURRENT")
        echo "first=$first"
        free_kib=$(df -k --output=avail "$root" | tail -1 | tr -d ' ')
        dd if=/dev/zero of="$root/filler" bs=1k count=$((free_kib - 256)) 2>/dev/null
        if "$INDEXER" build --input "$FIXTURES" --index-root "$root" --threads 2 2>"$root/../full.err"; then
          echo "full=succeeded"
        else
          echo "full=failed rc=$?"
        fi
        echo "stderr=$(tr '
' ' ' < "$root/../full.err")"
        echo "after=$(cat "$root/CURRENT")"
        echo "generations=$(ls "$root/generations" | tr '
' ' ')"
        echo "staging=$(ls "$root/staging" | tr '
' ' ')"
        rm "$root/filler"
        "$INDEXER" build --input "$FIXTURES" --index-root "$root" --threads 2 >/dev/null
        echo "recovered=$(cat "$root/CURRENT")"
        "#,
        root = mount_dir.path().join("root").display()
    );
    std::fs::create_dir(mount_dir.path().join("root")).unwrap();
    let output = in_private_mount_namespace(&script);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value = |key: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in {stdout}"))
            .trim()
            .to_string()
    };
    let first = value("first");
    assert!(value("full").starts_with("failed rc=1"), "{stdout}");
    let message = value("stderr");
    assert!(
        message.contains("No space left on device"),
        "no clear message: {message}"
    );
    assert_eq!(value("after"), first, "CURRENT moved on a full disk");
    assert_eq!(
        value("generations"),
        first,
        "a partial generation was published"
    );
    assert_eq!(
        value("staging"),
        "",
        "the failed build left its staging folder"
    );
    let recovered = value("recovered");
    assert!(!recovered.is_empty() && recovered != first, "{stdout}");
}

#[test]
fn status_and_rollback_commands() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    let first = build_fixtures(root);
    let second = build_fixtures(root);

    let status = indexer(&["status", "--index-root", root.to_str().unwrap()], None);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains(&format!("current generation {second}")),
        "{text}"
    );
    assert!(text.contains("\"product\": 360"), "{text}");

    let rollback = indexer(&["rollback", "--index-root", root.to_str().unwrap()], None);
    assert_succeeded(&rollback);
    assert_eq!(current(root), first);

    let past_the_oldest = indexer(&["rollback", "--index-root", root.to_str().unwrap()], None);
    assert!(!past_the_oldest.status.success());
    let message = String::from_utf8_lossy(&past_the_oldest.stderr);
    assert!(
        message.contains(&format!(
            "no generation older than the current one ({first})"
        )),
        "{message}"
    );
    assert!(!message.contains("unusable"), "{message}");
    assert_eq!(current(root), first, "a refused rollback moved CURRENT");
}

#[test]
fn log_lines_quote_the_phase_alike_at_start_and_finish() {
    let root_dir = tempfile::tempdir().unwrap();
    let input = fixtures();
    // stderr is a pipe here, so progress comes as log lines, not a bar.
    let output = Command::new(env!("CARGO_BIN_EXE_indexer"))
        .args(["build", "--input", input.to_str().unwrap()])
        .args(["--index-root", root_dir.path().to_str().unwrap()])
        .env("RUST_LOG", "info")
        .output()
        .expect("indexer runs");
    assert!(output.status.success());
    let log = String::from_utf8_lossy(&output.stderr);
    for event in ["phase started", "phase finished"] {
        let line = log
            .lines()
            .find(|line| line.contains(event) && line.contains("reading catalog"))
            .unwrap_or_else(|| panic!("no {event:?} line for reading catalog in {log}"));
        assert!(line.contains(r#"phase="reading catalog""#), "{line}");
    }
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
    assert_succeeded(&good);
    assert!(String::from_utf8_lossy(&good.stdout).contains("suggestions"));
}

/// A copy of the fixture catalog whose products file is `products`; videos
/// lose their product references so that no video depends on a product.
fn catalog_with_products(products: &[u8]) -> tempfile::TempDir {
    let catalog = tempfile::tempdir().unwrap();
    for name in ["anchors.jsonl", "queries.tsv"] {
        std::fs::copy(fixtures().join(name), catalog.path().join(name)).unwrap();
    }
    let videos: String = std::fs::read_to_string(fixtures().join("videos.jsonl"))
        .unwrap()
        .lines()
        .map(|line| {
            let mut video: serde_json::Value = serde_json::from_str(line).unwrap();
            video.as_object_mut().unwrap().remove("product_ids");
            format!("{video}\n")
        })
        .collect();
    std::fs::write(catalog.path().join("videos.jsonl"), videos).unwrap();
    std::fs::write(catalog.path().join("products.jsonl"), products).unwrap();
    catalog
}

fn build_from(catalog: &Path, root: &Path, extra: &[&str]) -> Output {
    indexer(&build_args(catalog, root, extra), None)
}

#[test]
fn an_empty_or_shrunken_feed_is_refused_unless_allowed() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    let served = build_fixtures(root);

    let all_products = std::fs::read_to_string(fixtures().join("products.jsonl")).unwrap();
    let half: String = all_products
        .lines()
        .step_by(2)
        .map(|line| format!("{line}\n"))
        .collect();
    let kept = half.lines().count();
    assert!(
        kept < 360 * 7 / 10,
        "the test needs a shrink over 30%: {kept} kept"
    );

    for (name, products) in [("empty", String::new()), ("halved", half)] {
        let catalog = catalog_with_products(products.as_bytes());
        let refused = build_from(catalog.path(), root, &[]);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(1), "{name}: {stderr}");
        let expected_count = if name == "empty" { 0 } else { kept };
        assert!(
            stderr.contains(&format!(
                "product documents fell from 360 to {expected_count}"
            )),
            "{name}: {stderr}"
        );
        assert!(stderr.contains("--allow-shrink"), "{name}: {stderr}");
        assert_eq!(current(root), served, "{name}: CURRENT moved");
        assert_eq!(names_in(&root.join("generations")), vec![served.clone()]);
        let failed = names_in(&root.join("failed"));
        let report = root
            .join("failed")
            .join(failed.last().unwrap())
            .join("shrink.json");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        assert_eq!(report["current_count"], 360, "{name}");
        assert_eq!(report["new_count"], expected_count, "{name}");
    }

    let catalog = catalog_with_products(b"");
    let allowed = build_from(catalog.path(), root, &["--allow-shrink"]);
    assert_succeeded(&allowed);
    assert_ne!(current(root), served);
    let stdout = String::from_utf8_lossy(&allowed.stdout);
    assert!(
        stdout.contains("0 records, 0 rejected, 0 blank lines"),
        "{stdout}"
    );
}

#[test]
fn the_first_build_of_an_empty_root_may_be_empty() {
    let root_dir = tempfile::tempdir().unwrap();
    let catalog = catalog_with_products(b"");
    let first = build_from(catalog.path(), root_dir.path(), &[]);
    assert_succeeded(&first);
}

#[test]
fn a_wrong_input_creates_nothing_under_the_index_root() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("root");
    let empty_catalog = tempfile::tempdir().unwrap();
    for input in [Path::new("/nonexistent/catalog"), empty_catalog.path()] {
        let output = build_from(input, &root, &[]);
        assert_eq!(output.status.code(), Some(1));
        assert!(!root.exists(), "{} created the index root", input.display());
    }
    std::fs::create_dir(&root).unwrap();
    let output = build_from(Path::new("/nonexistent/catalog"), &root, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(names_in(&root).is_empty(), "{:?}", names_in(&root));
}

#[test]
fn publish_refuses_a_store_url_it_cannot_use_and_an_index_root_without_a_generation() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    for (url, expected) in [
        ("gs://bucket/prefix", "scheme `gs` is not supported"),
        ("s3://key:secret@bucket/prefix", "holds credentials"),
        ("s3://bucket/prefix", "no generation is published under"),
    ] {
        let output = indexer(&["publish", "--index-root", root, "--to", url], None);
        assert_eq!(output.status.code(), Some(1), "{url}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{url}: {stderr}");
        assert!(!stderr.contains("secret"), "{stderr}");
    }
}

#[test]
fn every_option_says_its_default_and_range() {
    for subcommand in [
        "build",
        "publish",
        "status",
        "rollback",
        "eval-analyzer",
        "eval-suggest",
        "eval-search",
        "eval-trending",
    ] {
        let output = indexer(&[subcommand, "--help"], None);
        assert!(output.status.success());
        let help = String::from_utf8_lossy(&output.stdout);
        assert_every_option_names_its_default(subcommand, &help, 2);
    }
    for (subcommand, option, expected) in [
        ("build", "--max-shrink", ["[default: 0.3]", "0 to 1"]),
        ("build", "--keep", ["[default: 3]", "at least 1"]),
        ("build", "--threads", ["[default: all cores]", "at least 1"]),
        ("build", "--index-root", ["[required]", "CURRENT"]),
        (
            "eval-analyzer",
            "--types",
            ["[default: HPPX,HCCX]", "comma-separated"],
        ),
        ("eval-suggest", "--seed", ["[default: 7]", "0 to 2^64 - 1"]),
        (
            "build",
            "--as-of",
            ["[default: the newest date", "YYYY-MM-DD"],
        ),
        ("eval-trending", "--days", ["[default: 30]", "at least 1"]),
        ("eval-suggest", "--json", ["[default: off]", "JSON"]),
        (
            "eval-suggest",
            "--holdout-fraction",
            ["[default: 0.1]", "below 1"],
        ),
    ] {
        let output = indexer(&[subcommand, "--help"], None);
        assert_option_says(&String::from_utf8_lossy(&output.stdout), option, &expected);
    }
    let bad_day = indexer(
        &[
            "build",
            "--input",
            ".",
            "--index-root",
            ".",
            "--as-of",
            "2026-02-30",
        ],
        None,
    );
    assert!(!bad_day.status.success());
    let stderr = String::from_utf8_lossy(&bad_day.stderr);
    assert!(
        stderr.contains("--as-of") && stderr.contains("YYYY-MM-DD"),
        "{stderr}"
    );
    let bad = indexer(&["eval-suggest", "--holdout-fraction", "1.5"], None);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--holdout-fraction"));
}

#[test]
fn a_dated_log_is_read_as_of_a_day_and_the_summary_counts_hygiene() {
    let catalog = catalog_with_products(&std::fs::read(fixtures().join("products.jsonl")).unwrap());
    let mut log = std::fs::read_to_string(catalog.path().join("queries.tsv")).unwrap();
    log.push_str("碎花半身裙\t40\t2026-05-01\n碎花半身裙\t90\t2026-05-03\n");
    std::fs::write(catalog.path().join("queries.tsv"), log).unwrap();
    let root = tempfile::tempdir().unwrap();
    let newest = build_from(catalog.path(), root.path(), &[]);
    let stdout = String::from_utf8_lossy(&newest.stdout);
    assert_succeeded(&newest);
    assert!(
        stdout.contains("as of 2026-05-03"),
        "the newest date: {stdout}"
    );
    assert!(
        stdout.contains("hygiene") && stdout.contains("stray_latin"),
        "{stdout}"
    );
    let earlier = build_from(catalog.path(), root.path(), &["--as-of", "2026-05-02"]);
    let stdout = String::from_utf8_lossy(&earlier.stdout);
    assert_succeeded(&earlier);
    assert!(stdout.contains("as of 2026-05-02"), "{stdout}");
}

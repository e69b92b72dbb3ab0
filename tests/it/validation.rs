//! Every kind of bad record lands in rejects.jsonl with its file, line and
//! reason; good records around it are indexed.

use livesearch::catalog::Reject;
use livesearch::generation::REJECTS_FILE;

use crate::support::ScratchCatalog;

fn good_product(id: usize) -> String {
    format!(
        r#"{{"product_id":"p{id}","title":"森马卫衣男款{id}","sales":{id},"anchor_ids":["a1"]}}"#
    )
}

#[test]
fn every_kind_of_bad_record_is_rejected_with_its_line() {
    let catalog = ScratchCatalog::new();
    catalog.write(
        "anchors.jsonl",
        "{\"anchor_id\":\"a1\",\"name\":\"小美\",\"followers\":1000}\n\
         {\"anchor_id\":\"a2\",\"name\":\"\",\"followers\":5}\n\
         {\"anchor_id\":\"a3\",\"name\":\"阿强\",\"followers\":-5}\n",
    );
    let long_title = "长".repeat(1001);
    let bad_products: Vec<(String, &str)> = vec![
        ("{\"product_id\":\"p900\",".to_string(), "invalid JSON"),
        (
            r#"{"product_id":"p901","sales":3}"#.to_string(),
            "missing required field `title`",
        ),
        (
            r#"{"product_id":"p902","title":"  ","sales":3}"#.to_string(),
            "field `title` is empty",
        ),
        (
            r#"{"product_id":"p903","title":"好","sales":"3"}"#.to_string(),
            "must be a non-negative integer, got a string",
        ),
        (
            r#"{"product_id":"p904","title":"好","sales":-3}"#.to_string(),
            "got -3",
        ),
        (
            r#"{"product_id":"p905","title":"好","sales":2.5}"#.to_string(),
            "got 2.5",
        ),
        (
            r#"{"product_id":"p1","title":"重复","sales":1}"#.to_string(),
            "duplicate id `p1` (first seen on line 1)",
        ),
        (
            r#"{"product_id":"p906","title":"好","sales":1,"anchor_ids":["a404"]}"#.to_string(),
            "unknown anchor `a404`",
        ),
        (
            format!(r#"{{"product_id":"p907","title":"{long_title}","sales":1}}"#),
            "1001 characters",
        ),
        (r#"["p908"]"#.to_string(), "expected a JSON object"),
        (
            r#"{"product_id":7,"title":"好","sales":1}"#.to_string(),
            "field `product_id` must be a string",
        ),
    ];
    let mut products = String::new();
    let mut expected: Vec<(usize, &str)> = Vec::new();
    let mut line = 0;
    for id in 1..=100 {
        line += 1;
        products.push_str(&good_product(id));
        products.push('\n');
        if id % 9 == 0 {
            if let Some((raw, reason)) = bad_products.get(id / 9 - 1) {
                line += 1;
                products.push_str(raw);
                products.push('\n');
                expected.push((line, reason));
            }
        }
    }
    // An unknown field is counted, a blank line is counted, neither is a reject.
    products.push_str(r#"{"product_id":"p200","title":"森马外套","sales":1,"color":"红"}"#);
    products.push_str("\n\n");
    let mut product_bytes = products.into_bytes();
    product_bytes
        .extend_from_slice(b"{\"product_id\":\"p201\",\"title\":\"\xff\xfe\",\"sales\":1}\n");
    let invalid_utf8_line = line + 3;
    catalog.write("products.jsonl", &product_bytes);
    catalog.write(
        "videos.jsonl",
        "{\"video_id\":\"v1\",\"kind\":\"live\",\"caption\":\"直播间卫衣秒杀\",\"anchor_id\":\"a1\",\"product_ids\":[\"p1\"]}\n\
         {\"video_id\":\"v2\",\"kind\":\"story\",\"caption\":\"好\",\"anchor_id\":\"a1\"}\n\
         {\"video_id\":\"v3\",\"kind\":\"short_video\",\"caption\":\"好\",\"anchor_id\":\"a1\",\"product_ids\":[\"p404\"]}\n\
         {\"video_id\":\"v4\",\"kind\":\"short_video\",\"caption\":\"好\",\"anchor_id\":\"a2\"}\n\
         {\"video_id\":\"v5\",\"kind\":\"short_video\",\"caption\":\"好\",\"anchor_id\":\"a1\",\"published_at\":\"yesterday\"}\n",
    );
    catalog.write("queries.tsv", "连衣裙\t10\n卫衣\t0\n没有计数\n");

    let (summary, rejects) = build_keeping_rejects(&catalog);
    let find = |file: &str, line: usize| {
        rejects
            .iter()
            .find(|reject| reject.file == file && reject.line == line)
            .unwrap_or_else(|| panic!("no reject for {file}:{line} in {rejects:#?}"))
    };

    for (line, reason) in &expected {
        let reject = find("products.jsonl", *line);
        assert!(
            reject.reason.contains(reason),
            "line {line}: {} lacks {reason}",
            reject.reason
        );
        assert!(!reject.raw.is_empty());
    }
    let invalid = find("products.jsonl", invalid_utf8_line);
    assert!(
        invalid.reason.contains("invalid UTF-8"),
        "{}",
        invalid.reason
    );
    assert!(invalid.raw_hex.as_deref().unwrap().contains("fffe"));

    assert!(find("anchors.jsonl", 2).reason.contains("`name` is empty"));
    assert!(find("anchors.jsonl", 3).reason.contains("`followers`"));
    assert!(find("videos.jsonl", 2).reason.contains("\"story\""));
    assert!(find("videos.jsonl", 3)
        .reason
        .contains("unknown product `p404`"));
    assert!(
        find("videos.jsonl", 4)
            .reason
            .contains("unknown anchor `a2`"),
        "a2 was itself rejected"
    );
    assert!(find("videos.jsonl", 5).reason.contains("RFC 3339"));
    assert!(find("queries.tsv", 2).reason.contains("positive"));
    assert!(find("queries.tsv", 3).reason.contains("no tab"));

    let manifest = &summary.manifest;
    let expected_rejects = expected.len() + 1 + 2 + 4 + 2;
    assert_eq!(rejects.len(), expected_rejects);
    assert_eq!(manifest.rejects, expected_rejects);
    let products_report = file_report(&summary, "products.jsonl");
    assert_eq!(products_report.accepted, 101);
    assert_eq!(products_report.rejected, expected.len() + 1);
    assert_eq!(products_report.blank_lines, 1);
    assert_eq!(products_report.unknown_fields["color"], 1);
    assert_eq!(manifest.documents["product"], 101);
    assert_eq!(manifest.documents["live"], 1);
}

/// What the build read from `file`.
fn file_report<'a>(
    summary: &'a livesearch::build::BuildSummary,
    file: &str,
) -> &'a livesearch::catalog::FileReport {
    summary
        .manifest
        .inputs
        .iter()
        .find(|input| input.file == file)
        .unwrap()
}

#[test]
fn a_byte_order_mark_is_skipped_and_counted_and_an_empty_file_has_no_lines() {
    let catalog = ScratchCatalog::new();
    catalog.write(
        "anchors.jsonl",
        "\u{feff}{\"anchor_id\":\"a1\",\"name\":\"小美\",\"followers\":1000}\n",
    );
    let mut products = b"\xEF\xBB\xBF".to_vec();
    products.extend_from_slice(good_product(1).as_bytes());
    products.push(b'\n');
    catalog.write("products.jsonl", &products);
    catalog.write("videos.jsonl", "");
    let root = tempfile::tempdir().unwrap();
    let summary = crate::support::build_into(catalog.path(), root.path()).unwrap();

    let products = file_report(&summary, "products.jsonl");
    assert!(products.byte_order_mark);
    assert_eq!(
        (products.records, products.accepted, products.rejected),
        (1, 1, 0)
    );
    let anchors = file_report(&summary, "anchors.jsonl");
    assert!(anchors.byte_order_mark);
    assert_eq!(anchors.accepted, 1);
    let videos = file_report(&summary, "videos.jsonl");
    assert!(!videos.byte_order_mark);
    assert_eq!((videos.records, videos.blank_lines), (0, 0));
    assert_eq!(summary.manifest.rejects, 0);
}

#[test]
fn duplicate_keys_overlong_names_and_repeated_ids_are_handled() {
    let catalog = ScratchCatalog::new();
    catalog.write(
        "anchors.jsonl",
        format!(
            "{{\"anchor_id\":\"a1\",\"name\":\"小美\",\"followers\":1000}}\n\
             {{\"anchor_id\":\"a2\",\"name\":\"{}\",\"followers\":1}}\n\
             {{\"anchor_id\":\"a3\",\"name\":\"阿强\",\"followers\":5,\"followers\":6}}\n",
            "名".repeat(101)
        ),
    );
    let long_brand = "牌".repeat(101);
    let repeated_ids = vec!["\"a1\""; 50_000].join(",");
    catalog.write(
        "products.jsonl",
        format!(
            "{}\n\
             {{\"product_id\":\"p2\",\"title\":\"卫衣\",\"sales\":1,\"anchor_ids\":[\"a1\"],\"anchor_ids\":[\"a404\"]}}\n\
             {{\"product_id\":\"p3\",\"title\":\"卫衣\",\"sales\":1,\"brand\":\"{long_brand}\"}}\n\
             {{\"product_id\":\"p4\",\"title\":\"卫衣\",\"sales\":1,\"category\":\"{long_brand}\"}}\n\
             {{\"product_id\":\"p5\",\"title\":\"卫衣\",\"sales\":1,\"x\":{{\"k\":1,\"k\":2}}}}\n\
             {{\"product_id\":\"p6\",\"title\":\"卫衣\",\"sales\":1,\"anchor_ids\":[{repeated_ids}]}}\n",
            good_product(1)
        ),
    );
    let (summary, rejects) = build_keeping_rejects(&catalog);
    let reason = |file: &str, line: usize| {
        rejects
            .iter()
            .find(|reject| reject.file == file && reject.line == line)
            .map(|reject| reject.reason.clone())
            .unwrap_or_else(|| panic!("no reject for {file}:{line} in {rejects:#?}"))
    };
    assert!(reason("anchors.jsonl", 2).contains("`name` has 101 characters"));
    assert!(reason("anchors.jsonl", 3).contains("duplicate key `followers`"));
    assert!(reason("products.jsonl", 2).contains("duplicate key `anchor_ids`"));
    assert!(reason("products.jsonl", 3).contains("`brand` has 101 characters"));
    assert!(reason("products.jsonl", 4).contains("`category` has 101 characters"));
    assert!(
        reason("products.jsonl", 5).contains("duplicate key `k`"),
        "nested objects too"
    );
    assert_eq!(rejects.len(), 6);
    // 50,000 copies of one id are one anchor: p6 is indexed with a1.
    assert_eq!(file_report(&summary, "products.jsonl").accepted, 2);
}

/// Builds `catalog` whatever its share of rejects; the summary and the rejects.
fn build_keeping_rejects(
    catalog: &ScratchCatalog,
) -> (livesearch::build::BuildSummary, Vec<Reject>) {
    let root = tempfile::tempdir().unwrap();
    let options =
        livesearch::build::BuildOptions::new(catalog.path(), root.path()).max_reject_ratio(1.0);
    let summary = livesearch::build::build(&options, &livesearch::build::NoProgress).unwrap();
    let rejects = std::fs::read_to_string(summary.generation_dir.join(REJECTS_FILE))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (summary, rejects)
}

//! The release binary on a real loopback socket: index the fixtures, query,
//! publish a second generation while a client loops on queries.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::{build_catalog, build_fixtures, encode, fixtures_with_lines};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(root: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_query-server"))
        .args([
            "serve",
            "--index-root",
            root.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
            "--watch-interval-ms",
            "200",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("query-server starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    Server {
        child,
        base: format!("http://{address}"),
    }
}

fn get_json(agent: &ureq::Agent, url: &str) -> (u16, serde_json::Value) {
    let mut response = agent.get(url).call().unwrap();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
    )
}

#[test]
fn serves_queries_and_switches_generation_without_failing_a_request() {
    let root = tempfile::tempdir().unwrap();
    let first = build_fixtures(root.path());
    let server = start_server(root.path());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();

    let (status, ready) = get_json(&agent, &format!("{}/readyz", server.base));
    assert_eq!(status, 200);
    assert_eq!(ready["generation"], first.as_str());
    let search_url = format!("{}/v1/search?q={}", server.base, encode("卫衣"));
    let (status, results) = get_json(&agent, &search_url);
    assert_eq!(status, 200);
    assert!(!results["hits"].as_array().unwrap().is_empty());

    // A client loops on queries while a second generation with a new product is published.
    let stop = Arc::new(AtomicBool::new(false));
    let looping = {
        let stop = stop.clone();
        let agent = agent.clone();
        let url = search_url.clone();
        std::thread::spawn(move || {
            let mut statuses = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                statuses.push(get_json(&agent, &url).0);
            }
            statuses
        })
    };
    let catalog = fixtures_with_lines("products.jsonl", "{\"product_id\":\"p-new\",\"title\":\"独角兽限定款卫衣\",\"sales\":5,\"anchor_ids\":[\"a1\"]}\n");
    let second = build_catalog(catalog.path(), root.path());

    let deadline = Instant::now() + Duration::from_secs(20);
    let new_url = format!("{}/v1/search?q={}", server.base, encode("独角兽"));
    loop {
        let (status, found) = get_json(&agent, &new_url);
        assert_eq!(status, 200);
        if found["generation"] == second.as_str() {
            assert_eq!(found["hits"][0]["id"], "p-new");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not pick up {second}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let statuses = looping.join().unwrap();
    assert!(
        statuses.len() > 10,
        "the client made {} requests",
        statuses.len()
    );
    assert!(
        statuses.iter().all(|status| *status == 200),
        "a request failed during the switch: {statuses:?}"
    );
}

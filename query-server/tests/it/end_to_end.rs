//! The release binary on a real loopback socket: index the fixtures, query,
//! publish a second generation while a client loops on queries.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::{
    agent, build_catalog, build_fixtures, encode, fixtures_with_lines, generation_dir,
    listening_base, raw_answer,
};

pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_server(root: &Path) -> Server {
    start_server_with(root, &[], "warn", None)
}

/// Starts the binary with `extra` arguments; its log goes to `log` when
/// given (drained by a thread so the server never blocks on it).
pub(crate) fn start_server_with(
    root: &Path,
    extra: &[&str],
    log_level: &str,
    log: Option<Arc<std::sync::Mutex<String>>>,
) -> Server {
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
        .args(extra)
        .env("RUST_LOG", log_level)
        .stdout(Stdio::piped())
        .stderr(if log.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("query-server starts");
    if let Some(log) = log {
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                log.lock().unwrap().push_str(&line);
                log.lock().unwrap().push('\n');
            }
        });
    }
    let base = listening_base(&mut child);
    Server { child, base }
}

pub(crate) fn get_json(agent: &ureq::Agent, url: &str) -> (u16, serde_json::Value) {
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
    let agent = agent();

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

/// Sends raw bytes on a fresh connection and returns the status line.
fn raw_status_line(base: &str, request: &[u8]) -> String {
    raw_answer(base, request)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

#[test]
fn oversized_or_too_many_headers_are_refused_and_the_server_keeps_serving() {
    let root = tempfile::tempdir().unwrap();
    build_fixtures(root.path());
    let server = start_server(root.path());

    let huge_value = "x".repeat(512 * 1024);
    let huge = format!("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: {huge_value}\r\n\r\n");
    let status = raw_status_line(&server.base, huge.as_bytes());
    assert!(status.starts_with("HTTP/1.1 431"), "{status:?}");

    let many: String = (0..200).map(|n| format!("X-H{n}: v\r\n")).collect();
    let many = format!("GET /healthz HTTP/1.1\r\nHost: t\r\n{many}\r\n");
    let status = raw_status_line(&server.base, many.as_bytes());
    assert!(status.starts_with("HTTP/1.1 431"), "{status:?}");

    let body = "x".repeat(64 * 1024);
    let post = format!(
        "POST /admin/reload HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let status = raw_status_line(&server.base, post.as_bytes());
    assert!(status.starts_with("HTTP/1.1 413"), "{status:?}");

    let fine = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    assert_eq!(
        raw_status_line(&server.base, fine.as_bytes()),
        "HTTP/1.1 200 OK"
    );
}

#[test]
fn the_admin_token_is_never_logged() {
    let root = tempfile::tempdir().unwrap();
    build_fixtures(root.path());
    let token = "s3cret-token-0123456789";
    let log = Arc::new(std::sync::Mutex::new(String::new()));
    let server = start_server_with(
        root.path(),
        &["--admin-token", token],
        "debug",
        Some(log.clone()),
    );
    let agent = agent();
    let reload = format!("{}/admin/reload", server.base);
    for presented in [token, "s3cret-token-0123456780", ""] {
        let status = agent
            .post(&reload)
            .header("authorization", format!("Bearer {presented}"))
            .send_empty()
            .unwrap()
            .status()
            .as_u16();
        let expected = if presented == token { 200 } else { 401 };
        assert_eq!(status, expected, "token {presented:?}");
    }
    std::thread::sleep(Duration::from_millis(300));
    drop(server);
    let log = log.lock().unwrap().clone();
    assert!(
        log.contains("/admin/reload"),
        "debug log has no requests: {log}"
    );
    assert!(
        !log.contains("s3cret-token"),
        "the token was logged:\n{log}"
    );
}

/// Polls `/readyz` until `done` accepts it (30 s at most: a loaded CI
/// machine may take long to build and open a generation).
pub(crate) fn wait_for_readyz(
    agent: &ureq::Agent,
    base: &str,
    what: &str,
    done: impl Fn(u16, &serde_json::Value) -> bool,
) -> (u16, serde_json::Value) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, ready) = get_json(agent, &format!("{base}/readyz"));
        if done(status, &ready) {
            return (status, ready);
        }
        assert!(
            Instant::now() < deadline,
            "{what}: last /readyz {status} {ready}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn starts_not_ready_on_a_missing_generation_then_serves_and_refuses_a_corrupt_one() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("CURRENT"), "20200101T000000.000Z-dead\n").unwrap();
    let log = Arc::new(std::sync::Mutex::new(String::new()));
    let server = start_server_with(root.path(), &[], "info", Some(log.clone()));
    let agent = agent();

    let (status, not_ready) = get_json(&agent, &format!("{}/readyz", server.base));
    assert_eq!(status, 503);
    assert!(
        not_ready["error"]["message"]
            .as_str()
            .unwrap()
            .contains("20200101T000000.000Z-dead"),
        "{not_ready}"
    );
    let (status, _) = get_json(&agent, &format!("{}/v1/suggest?q=lyq", server.base));
    assert_eq!(status, 503, "not ready yet, yet answering");

    // A good generation is published: the watcher makes the server ready.
    let good = build_fixtures(root.path());
    wait_for_readyz(
        &agent,
        &server.base,
        "ready on the good generation",
        |status, ready| status == 200 && ready["generation"] == good.as_str(),
    );

    // A corrupt one (its manifest deleted) is refused; the good one stays served.
    let corrupt = build_fixtures(root.path());
    std::fs::remove_file(generation_dir(root.path(), &corrupt).join("manifest.json")).unwrap();
    let (_, ready) = wait_for_readyz(&agent, &server.base, "refusal reported", |status, ready| {
        status == 200 && ready["last_refused"]["generation"] == corrupt.as_str()
    });
    assert_eq!(ready["generation"], good.as_str());
    let (status, _) = get_json(
        &agent,
        &format!("{}/v1/search?q={}", server.base, encode("卫衣")),
    );
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(200));
    drop(server);
    let log = log.lock().unwrap().clone();
    let refusal = log
        .lines()
        .find(|line| {
            line.contains("refused to switch generation") && line.contains(corrupt.as_str())
        })
        .unwrap_or_else(|| panic!("no refusal of {corrupt} in the log:\n{log}"));
    assert!(refusal.contains("ERROR"), "{refusal}");
}

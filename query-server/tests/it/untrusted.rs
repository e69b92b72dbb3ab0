//! The real binary against bytes it cannot trust: changed generation files,
//! a CURRENT that is a FIFO or names a refused generation, a shrunken feed,
//! and connections that never finish their request.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use livesearch::build::{build, BuildOptions, NoProgress};
use livesearch::generation::{
    write_manifest_bytes, IndexRoot, MANIFEST_CHECKSUM_FILE, MANIFEST_FILE,
};

use crate::end_to_end::{get_json, start_server_with, wait_for_readyz, Server};
use crate::support::{agent, build_fixtures, encode, fixtures_dir, generation_dir, raw_answer};

/// A client looping on a search and a suggestion until stopped; returns
/// every status it got.
struct ClientLoop {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<(String, u16)>>,
}

impl ClientLoop {
    fn start(base: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let urls = [
            format!("{base}/v1/search?q={}", encode("卫衣")),
            format!("{base}/v1/suggest?q=lyq"),
            format!("{base}/v1/suggest?q={}", encode("连")),
        ];
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let agent = agent();
                let mut statuses = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    for url in &urls {
                        statuses.push((url.clone(), get_json(&agent, url).0));
                    }
                }
                statuses
            })
        };
        ClientLoop { stop, thread }
    }

    fn assert_all_answered(self) {
        self.stop.store(true, Ordering::Relaxed);
        let statuses = self.thread.join().unwrap();
        assert!(statuses.len() > 10, "only {} requests", statuses.len());
        let failed: Vec<_> = statuses
            .iter()
            .filter(|(_, status)| *status != 200)
            .collect();
        assert!(failed.is_empty(), "requests failed: {failed:?}");
    }
}

fn start(root: &Path, extra: &[&str]) -> Server {
    start_server_with(root, extra, "warn", None)
}

/// A fresh root with the fixtures built (the generation is returned) and the
/// binary serving it, started with `extra` arguments.
fn serve_fixtures(extra: &[&str]) -> (tempfile::TempDir, String, Server) {
    let root_dir = tempfile::tempdir().unwrap();
    let good = build_fixtures(root_dir.path());
    let server = start(root_dir.path(), extra);
    (root_dir, good, server)
}

fn admin_reload(agent: &ureq::Agent, base: &str) -> (u16, serde_json::Value) {
    let mut response = agent
        .post(format!("{base}/admin/reload"))
        .send_empty()
        .unwrap();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&body).unwrap())
}

#[test]
fn one_byte_changes_in_every_file_kind_are_refused_while_requests_keep_answering() {
    let (root_dir, good, server) = serve_fixtures(&[]);
    let root = root_dir.path();
    let agent = agent();
    let clients = ClientLoop::start(&server.base);

    // One file of every kind (by extension), the largest of its kind.
    let manifest = IndexRoot::new(root).read_manifest(&good).unwrap();
    let mut by_kind: std::collections::BTreeMap<String, (String, u64)> = Default::default();
    for (file, entry) in &manifest.files {
        let kind = Path::new(file)
            .extension()
            .map_or_else(|| file.clone(), |ext| ext.to_string_lossy().into_owned());
        let largest = by_kind.entry(kind).or_insert((file.clone(), 0));
        if entry.bytes >= largest.1 {
            *largest = (file.clone(), entry.bytes);
        }
    }
    for kind in [
        "store", "fast", "idx", "term", "pos", "json", "fst", "bin", "jsonl",
    ] {
        assert!(by_kind.contains_key(kind), "no {kind} file in {by_kind:?}");
    }
    // The manifest and its checksum file too (the copies' manifests name a
    // longer generation, so the offsets stay inside).
    for file in [MANIFEST_FILE, MANIFEST_CHECKSUM_FILE] {
        let bytes = std::fs::metadata(generation_dir(root, &good).join(file))
            .unwrap()
            .len();
        by_kind.insert(file.to_string(), (file.to_string(), bytes));
    }
    let mut refused = 0;
    for (file, bytes) in by_kind.values() {
        if *bytes == 0 {
            continue;
        }
        for offset in [0, bytes / 2, bytes - 1] {
            refused += 1;
            let changed = format!("{good}-c{refused}");
            let status = std::process::Command::new("cp")
                .arg("-r")
                .arg(generation_dir(root, &good))
                .arg(generation_dir(root, &changed))
                .status()
                .unwrap();
            assert!(status.success());
            let changed_dir = generation_dir(root, &changed);
            let mut manifest: serde_json::Value =
                serde_json::from_slice(&std::fs::read(changed_dir.join(MANIFEST_FILE)).unwrap())
                    .unwrap();
            manifest["generation"] = changed.clone().into();
            let manifest = serde_json::to_vec_pretty(&manifest).unwrap();
            write_manifest_bytes(&changed_dir, &manifest).unwrap();
            let path = generation_dir(root, &changed).join(file);
            let mut content = std::fs::read(&path).unwrap();
            content[offset as usize] ^= 0x5a;
            std::fs::write(&path, content).unwrap();

            IndexRoot::new(root).set_current(&changed).unwrap();
            let (status, outcome) = admin_reload(&agent, &server.base);
            assert_eq!(status, 409, "{file} at {offset}: {outcome}");
            let reason = outcome["reason"].as_str().unwrap();
            assert!(
                reason.contains(file.as_str()),
                "{file} at {offset}: {reason}"
            );
            assert_eq!(outcome["serving"], good.as_str());
        }
    }
    assert!(refused >= 30, "{refused} changes tried");
    let (status, ready) = get_json(&agent, &format!("{}/readyz", server.base));
    assert_eq!(status, 200);
    assert_eq!(ready["generation"], good.as_str());
    clients.assert_all_answered();
}

#[test]
fn a_fifo_current_leaves_the_server_answering_and_a_fixed_one_clears_the_refusal() {
    let (root_dir, good, server) = serve_fixtures(&[]);
    let root = root_dir.path();
    let agent = agent();

    let fifo = root.join("CURRENT.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    std::fs::rename(&fifo, root.join("CURRENT")).unwrap();
    let (_, ready) = wait_for_readyz(&agent, &server.base, "FIFO refused", |status, ready| {
        status == 200 && ready["last_refused"]["reason"].is_string()
    });
    let reason = ready["last_refused"]["reason"].as_str().unwrap();
    assert!(reason.contains("CURRENT is not a regular file"), "{reason}");
    assert!(
        !ready.to_string().contains(&root.display().to_string()),
        "{ready}"
    );
    assert_eq!(ready["generation"], good.as_str());
    let (status, _) = get_json(&agent, &format!("{}/healthz", server.base));
    assert_eq!(status, 200);
    let (status, hits) = get_json(
        &agent,
        &format!("{}/v1/search?q={}", server.base, encode("卫衣")),
    );
    assert_eq!(status, 200, "{hits}");

    // CURRENT names the served generation again: the refusal is stale and goes.
    std::fs::remove_file(root.join("CURRENT")).unwrap();
    IndexRoot::new(root).set_current(&good).unwrap();
    wait_for_readyz(&agent, &server.base, "refusal cleared", |status, ready| {
        status == 200 && ready.get("last_refused").is_none()
    });
}

#[test]
fn a_restart_on_a_corrupt_current_serves_the_last_good_generation() {
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    let good = build_fixtures(root);
    let corrupt = build_fixtures(root);
    let table = generation_dir(root, &corrupt).join("suggest/candidates.bin");
    let mut bytes = std::fs::read(&table).unwrap();
    bytes[100] ^= 0x01;
    std::fs::write(&table, bytes).unwrap();
    let agent = agent();

    // CURRENT names the corrupt generation; then CURRENT itself is bad.
    for (current, reason) in [
        (
            corrupt.clone(),
            "file suggest/candidates.bin checksum".to_string(),
        ),
        (
            "../../etc/passwd".to_string(),
            "not a generation name".to_string(),
        ),
    ] {
        std::fs::write(root.join("CURRENT"), format!("{current}\n")).unwrap();
        let server = start(root, &[]);
        let (status, ready) = get_json(&agent, &format!("{}/readyz", server.base));
        assert_eq!(status, 200, "{current}: {ready}");
        assert_eq!(ready["generation"], good.as_str(), "{current}");
        assert_eq!(ready["fallback"], true, "{current}");
        let refused = ready["last_refused"]["reason"].as_str().unwrap();
        assert!(refused.contains(&reason), "{current}: {refused}");
        assert!(!refused.contains(&root.display().to_string()), "{refused}");
        let (status, _) = get_json(&agent, &format!("{}/v1/suggest?q=lyq", server.base));
        assert_eq!(status, 200);
        drop(server);
    }

    // Pointing CURRENT at the generation served ends the fallback, in the
    // running server and after a restart.
    let server = start(root, &[]);
    let (_, ready) = get_json(&agent, &format!("{}/readyz", server.base));
    assert_eq!(ready["fallback"], true, "{ready}");
    IndexRoot::new(root).set_current(&good).unwrap();
    wait_for_readyz(&agent, &server.base, "fallback ended", |status, ready| {
        status == 200 && ready["fallback"] == false && ready.get("last_refused").is_none()
    });
    drop(server);
    let server = start(root, &[]);
    let (_, ready) = get_json(&agent, &format!("{}/readyz", server.base));
    assert_eq!(ready["fallback"], false, "{ready}");
    assert!(ready.get("last_refused").is_none(), "{ready}");
}

#[test]
fn a_shrunken_feed_is_refused_and_the_running_server_keeps_its_products() {
    let (root_dir, good, server) = serve_fixtures(&[]);
    let root = root_dir.path();
    let agent = agent();

    let catalog = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures_dir().join("anchors.jsonl"),
        catalog.path().join("anchors.jsonl"),
    )
    .unwrap();
    std::fs::write(catalog.path().join("products.jsonl"), "").unwrap();
    let options = BuildOptions::new(catalog.path(), root)
        .threads(2)
        .writer_memory_bytes(64 << 20);
    let error = build(&options, &NoProgress).unwrap_err();
    assert!(
        matches!(&error, livesearch::Error::ShrinkRefused { now: 0, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("--allow-shrink"), "{error}");
    assert_eq!(IndexRoot::new(root).current().unwrap(), Some(good.clone()));

    // Several watch intervals later the products are still served.
    std::thread::sleep(Duration::from_millis(800));
    let (status, ready) = get_json(&agent, &format!("{}/readyz", server.base));
    assert_eq!(status, 200);
    assert_eq!(ready["generation"], good.as_str());
    assert_eq!(ready["documents"]["product"], 360);
    let (_, found) = get_json(
        &agent,
        &format!(
            "{}/v1/search?q={}&type=product",
            server.base,
            encode("卫衣")
        ),
    );
    assert!(!found["hits"].as_array().unwrap().is_empty(), "{found}");
}

/// Reads one HTTP/1.1 response (head and a content-length body) from `stream`.
fn read_response(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while !bytes.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).unwrap(), 1, "closed mid-head");
        bytes.push(byte[0]);
    }
    let head = String::from_utf8(bytes).unwrap();
    let length: usize = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_string)
        })
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
    head + &String::from_utf8(body).unwrap()
}

/// Whether the server closed `stream` (EOF or reset) before `wait` passed.
fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut buffer = [0u8; 64];
    match stream.read(&mut buffer) {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => error.kind() == std::io::ErrorKind::ConnectionReset,
    }
}

#[test]
fn unfinished_headers_and_idle_connections_are_closed_while_healthz_answers() {
    let (_root_dir, _, server) = serve_fixtures(&[
        "--header-read-timeout-ms",
        "1000",
        "--idle-timeout-ms",
        "4000",
    ]);
    let address = server.base.strip_prefix("http://").unwrap().to_string();
    let agent = agent();

    let mut unfinished: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).unwrap();
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
                .unwrap();
            stream
        })
        .collect();
    let (status, _) = get_json(&agent, &format!("{}/healthz", server.base));
    assert_eq!(status, 200, "healthz with 100 unfinished requests open");
    // A keep-alive connection waits between requests longer than the header
    // timeout: only the idle timeout applies there.
    let mut keep_alive = TcpStream::connect(&address).unwrap();
    let request = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
    keep_alive.write_all(request).unwrap();
    assert!(read_response(&mut keep_alive).starts_with("HTTP/1.1 200"));

    for (index, stream) in unfinished.iter_mut().enumerate() {
        assert!(
            closed_within(stream, Duration::from_secs(5)),
            "connection {index} with an unfinished head still open"
        );
    }
    let (status, _) = get_json(&agent, &format!("{}/healthz", server.base));
    assert_eq!(status, 200);

    std::thread::sleep(Duration::from_millis(1500));
    keep_alive.write_all(request).unwrap();
    assert!(
        read_response(&mut keep_alive).starts_with("HTTP/1.1 200"),
        "the keep-alive connection was cut by the header timeout"
    );
    assert!(
        closed_within(&mut keep_alive, Duration::from_secs(8)),
        "an idle keep-alive connection stayed open"
    );
}

#[test]
fn errors_of_the_http_layer_have_the_json_shape() {
    let root_dir = tempfile::tempdir().unwrap();
    build_fixtures(root_dir.path());
    let server = start(root_dir.path(), &[]);
    let long_target = format!(
        "GET /healthz?{} HTTP/1.1\r\nHost: t\r\n\r\n",
        "x".repeat(70_000)
    );
    let huge_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n",
        "x".repeat(512 * 1024)
    );
    for (request, status, code) in [
        ("NOT HTTP AT ALL\r\n\r\n".to_string(), 400, "bad_request"),
        (long_target, 414, "uri_too_long"),
        (huge_header, 431, "headers_too_large"),
    ] {
        let answer = raw_answer(&server.base, request.as_bytes());
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{code}: {}",
            answer.lines().next().unwrap_or("")
        );
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{answer}"
        );
        let body = answer.split("\r\n\r\n").nth(1).unwrap();
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"]["code"], code, "{answer}");
        assert!(json["error"]["message"].is_string());
    }
    let (status, _) = get_json(&agent(), &format!("{}/healthz", server.base));
    assert_eq!(status, 200);
}

#[test]
fn beyond_the_connection_cap_a_request_waits_for_a_free_slot_and_is_answered() {
    let root_dir = tempfile::tempdir().unwrap();
    build_fixtures(root_dir.path());
    let server = start(
        root_dir.path(),
        &["--max-connections", "2", "--header-read-timeout-ms", "1000"],
    );
    let address = server.base.strip_prefix("http://").unwrap().to_string();
    let mut stalled: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).unwrap();
            stream.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let mut waiting = TcpStream::connect(&address).unwrap();
    waiting
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert!(read_response(&mut waiting).starts_with("HTTP/1.1 200"));
    // It was answered only once a stalled connection had been closed.
    assert!(
        stalled
            .iter_mut()
            .any(|stream| closed_within(stream, Duration::from_millis(50))),
        "answered while both stalled connections held the two slots"
    );
}

//! One closed-loop load driver for ours and Sonic, so both are measured by
//! the same client code: C connections each send the next request as soon as
//! the previous answer arrives, for a fixed time per concurrency level.
//!
//! - `http`: GET each URL of a file (our `/v1/suggest` or `/v1/search`).
//! - `sonic-ingest`: PUSH `id<TAB>text` lines into a Sonic collection.
//! - `sonic`: QUERY or SUGGEST each term of a file over Sonic Channel.
//!
//! Prints one JSON line per level: requests/s, p50/p90/p99 and the share of
//! answers that were not empty. Loopback addresses only.
//!
//! `cargo run --release --example peer_load -- http --urls suggest_urls.txt --connections 1,8,32`

#[path = "../support/inputs.rs"]
mod inputs;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use inputs::non_blank_lines;

#[derive(Parser)]
#[command(about = "Closed-loop load driver for our HTTP API and Sonic Channel (loopback only)")]
struct Args {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// GET every URL of a file, in a loop.
    Http {
        #[arg(long)]
        urls: PathBuf,
        #[command(flatten)]
        load: Load,
    },
    /// PUSH documents (`id<TAB>text` per line) into Sonic; reports docs/s.
    SonicIngest {
        #[command(flatten)]
        sonic: Sonic,
        #[arg(long)]
        docs: PathBuf,
        #[arg(long, default_value_t = 2)]
        connections: usize,
    },
    /// QUERY or SUGGEST every term of a file over Sonic Channel.
    Sonic {
        #[command(flatten)]
        sonic: Sonic,
        /// query or suggest.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        terms: PathBuf,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[command(flatten)]
        load: Load,
    },
}

#[derive(clap::Args)]
struct Load {
    /// Concurrency levels, one measurement each.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    connections: Vec<usize>,
    /// Seconds per level.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// A label carried into the output (engine, route).
    #[arg(long, default_value = "")]
    label: String,
}

#[derive(clap::Args, Clone)]
struct Sonic {
    #[arg(long, default_value = "127.0.0.1:1491")]
    addr: String,
    #[arg(long, default_value = "SecretPassword")]
    password: String,
    #[arg(long, default_value = "products")]
    collection: String,
    #[arg(long, default_value = "default")]
    bucket: String,
}

fn assert_loopback(address: &str) {
    let host = address
        .trim_start_matches("http://")
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    assert!(
        host.starts_with("127.") || host == "localhost" || address.contains("[::1]"),
        "refusing a non-loopback target: {address}"
    );
}

/// A Sonic Channel connection in one mode.
struct Channel {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Channel {
    fn open(sonic: &Sonic, mode: &str) -> Channel {
        assert_loopback(&sonic.addr);
        let stream = TcpStream::connect(&sonic.addr)
            .unwrap_or_else(|error| panic!("cannot connect to Sonic at {}: {error}", sonic.addr));
        stream.set_nodelay(true).unwrap();
        let mut channel = Channel {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        let greeting = channel.read_line();
        assert!(greeting.starts_with("CONNECTED"), "{greeting}");
        let started = channel.call(&format!("START {mode} {}", sonic.password));
        assert!(started.starts_with("STARTED"), "{started}");
        channel
    }

    fn read_line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("sonic answers");
        line.trim_end().to_string()
    }

    fn call(&mut self, command: &str) -> String {
        self.writer.write_all(command.as_bytes()).unwrap();
        self.writer.write_all(b"\r\n").unwrap();
        self.read_line()
    }

    /// QUERY or SUGGEST: PENDING, then the EVENT line; returns the results,
    /// or Sonic's `ERR ...` refusal (for instance `ERR query_error` when a
    /// SUGGEST word is more than one token).
    fn search(&mut self, command: &str) -> Result<Vec<String>, String> {
        let pending = self.call(command);
        if pending.starts_with("ERR") {
            return Err(pending);
        }
        assert!(pending.starts_with("PENDING"), "{command}: {pending}");
        let event = self.read_line();
        assert!(event.starts_with("EVENT"), "{command}: {event}");
        Ok(event.split(' ').skip(3).map(String::from).collect())
    }
}

/// Sonic terms are quoted; quotes and line breaks inside are not allowed.
fn quoted(text: &str) -> String {
    text.replace(['"', '\r', '\n', '\\'], " ")
}

struct Level {
    latencies_us: Vec<u64>,
    nonempty: usize,
    errors: usize,
    seconds: f64,
}

fn run_level<F>(connections: usize, duration: Duration, worker: F) -> Level
where
    F: Fn(usize, Instant, Duration) -> (Vec<u64>, usize, usize) + Send + Sync + 'static,
{
    let worker = Arc::new(worker);
    let started = Instant::now();
    let handles: Vec<_> = (0..connections)
        .map(|index| {
            let worker = worker.clone();
            std::thread::spawn(move || worker(index, started, duration))
        })
        .collect();
    let mut level = Level {
        latencies_us: Vec::new(),
        nonempty: 0,
        errors: 0,
        seconds: 0.0,
    };
    for handle in handles {
        let (latencies, nonempty, errors) = handle.join().expect("worker");
        level.latencies_us.extend(latencies);
        level.nonempty += nonempty;
        level.errors += errors;
    }
    level.seconds = started.elapsed().as_secs_f64();
    level
}

/// Calls `send` on the items in turn until `duration` has passed since
/// `started`. Connection `index` of `connections` starts at its own place and
/// steps over the others', so the connections walk the list apart.
fn send_in_turn<T>(
    items: &[T],
    index: usize,
    connections: usize,
    started: Instant,
    duration: Duration,
    mut send: impl FnMut(&T),
) {
    let mut next = index * 7919;
    while started.elapsed() < duration {
        send(&items[next % items.len()]);
        next += connections;
    }
}

fn report(label: &str, connections: usize, mut level: Level) {
    level.latencies_us.sort_unstable();
    let at = |quantile: f64| {
        let sorted = &level.latencies_us;
        if sorted.is_empty() {
            return 0.0;
        }
        sorted[((sorted.len() - 1) as f64 * quantile).round() as usize] as f64 / 1000.0
    };
    let requests = level.latencies_us.len();
    println!(
        "{}",
        serde_json::json!({
            "label": label,
            "connections": connections,
            "requests": requests,
            "seconds": level.seconds,
            "rps": requests as f64 / level.seconds,
            "p50_ms": at(0.50),
            "p90_ms": at(0.90),
            "p99_ms": at(0.99),
            "nonempty_share": if requests == 0 { 0.0 } else { level.nonempty as f64 / requests as f64 },
            "errors": level.errors,
        })
    );
}

fn http(urls: PathBuf, load: Load) {
    let urls = Arc::new(non_blank_lines(&urls));
    for url in urls.iter() {
        assert_loopback(url);
    }
    for &connections in &load.connections {
        let urls = urls.clone();
        let level = run_level(
            connections,
            Duration::from_secs(load.duration),
            move |index, started, duration| {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let (mut latencies, mut nonempty, mut errors) = (Vec::new(), 0, 0);
                send_in_turn(&urls, index, connections, started, duration, |url| {
                    let sent = Instant::now();
                    match agent.get(url).call() {
                        Ok(mut response) if response.status() == 200 => {
                            let body = response.body_mut().read_to_string().unwrap_or_default();
                            latencies.push(sent.elapsed().as_micros() as u64);
                            if !body.contains("\"suggestions\":[]") && !body.contains("\"hits\":[]")
                            {
                                nonempty += 1;
                            }
                        }
                        _ => errors += 1,
                    }
                });
                (latencies, nonempty, errors)
            },
        );
        report(&load.label, connections, level);
    }
}

fn sonic_ingest(sonic: Sonic, docs: PathBuf, connections: usize) {
    let docs = Arc::new(non_blank_lines(&docs));
    let total = docs.len();
    let started = Instant::now();
    let handles: Vec<_> = (0..connections)
        .map(|index| {
            let docs = docs.clone();
            let sonic = sonic.clone();
            std::thread::spawn(move || {
                let mut channel = Channel::open(&sonic, "ingest");
                let mut pushed = 0;
                for line in docs.iter().skip(index).step_by(connections) {
                    let Some((id, text)) = line.split_once('\t') else {
                        continue;
                    };
                    let answer = channel.call(&format!(
                        "PUSH {} {} {} \"{}\" LANG(cmn)",
                        sonic.collection,
                        sonic.bucket,
                        id,
                        quoted(text)
                    ));
                    assert_eq!(answer, "OK", "PUSH {id}");
                    pushed += 1;
                }
                channel.call("QUIT");
                pushed
            })
        })
        .collect();
    let pushed: usize = handles
        .into_iter()
        .map(|h| h.join().expect("ingest worker"))
        .sum();
    let push_seconds = started.elapsed().as_secs_f64();
    // The suggestion graph is built at consolidation; it counts as ingest.
    let mut control = Channel::open(&sonic, "control");
    let answer = control.call("TRIGGER consolidate");
    assert_eq!(answer, "OK", "consolidate");
    control.call("QUIT");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "label": "sonic ingest",
            "documents": total,
            "pushed": pushed,
            "connections": connections,
            "push_seconds": push_seconds,
            "seconds": seconds,
            "docs_per_s": pushed as f64 / seconds,
        })
    );
}

fn sonic_search(sonic: Sonic, kind: String, terms: PathBuf, limit: usize, load: Load) {
    let verb = match kind.as_str() {
        "query" => "QUERY",
        "suggest" => "SUGGEST",
        other => panic!("--kind must be query or suggest, got {other}"),
    };
    let terms = Arc::new(non_blank_lines(&terms));
    for &connections in &load.connections {
        let terms = terms.clone();
        let sonic = sonic.clone();
        let level = run_level(
            connections,
            Duration::from_secs(load.duration),
            move |index, started, duration| {
                let mut channel = Channel::open(&sonic, "search");
                let (mut latencies, mut nonempty, mut refused) = (Vec::new(), 0, 0);
                send_in_turn(&terms, index, connections, started, duration, |term| {
                    let sent = Instant::now();
                    let results = channel.search(&format!(
                        "{verb} {} {} \"{}\" LIMIT({limit})",
                        sonic.collection,
                        sonic.bucket,
                        quoted(term)
                    ));
                    latencies.push(sent.elapsed().as_micros() as u64);
                    match results {
                        Ok(results) if !results.is_empty() => nonempty += 1,
                        Ok(_) => {}
                        Err(_) => refused += 1,
                    }
                });
                channel.call("QUIT");
                (latencies, nonempty, refused)
            },
        );
        report(&load.label, connections, level);
    }
}

fn main() {
    match Args::parse().mode {
        Mode::Http { urls, load } => http(urls, load),
        Mode::SonicIngest {
            sonic,
            docs,
            connections,
        } => sonic_ingest(sonic, docs, connections),
        Mode::Sonic {
            sonic,
            kind,
            terms,
            limit,
            load,
        } => sonic_search(sonic, kind, terms, limit, load),
    }
}

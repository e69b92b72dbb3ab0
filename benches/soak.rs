//! Soak and overload driver for the release query server on loopback.
//!
//! `soak`: a bounded, paced load of mixed `/v1/suggest` and `/v1/search`
//! requests (URL lists from `make_urls`) for `--duration` seconds while
//! `--reindex` (a shell command that builds and publishes a generation) runs
//! at each of `--switch-at` seconds. Reports requests, errors, p50/p99 before,
//! during and after each switch (switch = first response naming the new
//! generation), and the server's resident memory along the way.
//!
//! `overload`: unpaced clients far past the server's concurrency limit for
//! `--duration` seconds, then a light paced load: how many requests were shed
//! (503 with Retry-After), how fast the refusals came, and whether every
//! request succeeded once the load dropped.
//!
//! `benches/soak.sh` runs both; see it for the full setup.

#[path = "support/inputs.rs"]
mod inputs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use inputs::non_blank_lines;

#[derive(Parser)]
#[command(about = "Soak and overload load driver for the query server (loopback only)")]
struct Args {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Paced mixed load while generations are rebuilt and published.
    Soak(SoakArgs),
    /// Load far past the concurrency limit, then a light load.
    Overload(OverloadArgs),
}

#[derive(clap::Args)]
struct Common {
    /// `suggest_urls.txt` from make_urls.
    #[arg(long)]
    suggest_urls: PathBuf,
    /// `search_urls.txt` from make_urls.
    #[arg(long)]
    search_urls: PathBuf,
    /// Share of requests that are searches (the rest are suggestions).
    #[arg(long, default_value_t = 0.2)]
    search_share: f64,
    /// Pid of the server, to sample its resident memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Where the JSON report goes.
    #[arg(long)]
    report: PathBuf,
}

#[derive(clap::Args)]
struct SoakArgs {
    #[command(flatten)]
    common: Common,
    #[arg(long, default_value_t = 75)]
    duration: u64,
    /// Requests per second in all, spread over the connections.
    #[arg(long, default_value_t = 500)]
    rate: u64,
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Seconds into the run at which a reindex starts (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "15,45")]
    switch_at: Vec<u64>,
    /// Shell command that builds and publishes a new generation.
    #[arg(long)]
    reindex: String,
}

#[derive(clap::Args)]
struct OverloadArgs {
    #[command(flatten)]
    common: Common,
    /// Seconds of overload.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Unpaced clients during the overload.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds of light load afterwards, at `--recovery-rate` requests/s.
    #[arg(long, default_value_t = 10)]
    recovery: u64,
    #[arg(long, default_value_t = 100)]
    recovery_rate: u64,
}

/// One request's outcome.
#[derive(Clone)]
struct Sample {
    /// Milliseconds since the run started, when the request was sent.
    sent_ms: u64,
    latency_us: u64,
    /// HTTP status, or 0 for a transport error.
    status: u16,
    retry_after: bool,
    generation: Option<String>,
}

fn read_urls(path: &Path) -> Vec<String> {
    let urls = non_blank_lines(path);
    for url in &urls {
        let host = url.split('/').nth(2).unwrap_or("");
        assert!(
            host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]"),
            "refusing a non-loopback target: {url}"
        );
    }
    urls
}

/// Deterministic request mix: a small xorshift per client.
struct Mix {
    suggest: Arc<Vec<String>>,
    search: Arc<Vec<String>>,
    search_share: f64,
    state: u64,
}

impl Mix {
    fn next(&mut self) -> &str {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        let pick = (self.state >> 11) as f64 / (1u64 << 53) as f64;
        let index = (self.state % 1_000_003) as usize;
        if pick < self.search_share {
            &self.search[index % self.search.len()]
        } else {
            &self.suggest[index % self.suggest.len()]
        }
    }
}

fn generation_of(body: &str) -> Option<String> {
    let start = body.find("\"generation\":\"")? + "\"generation\":\"".len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

fn send(agent: &ureq::Agent, url: &str, started: Instant) -> Sample {
    let sent = Instant::now();
    let sent_ms = sent.duration_since(started).as_millis() as u64;
    match agent.get(url).call() {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let retry_after = response.headers().contains_key("retry-after");
            let body = response.body_mut().read_to_string().unwrap_or_default();
            Sample {
                sent_ms,
                latency_us: sent.elapsed().as_micros() as u64,
                status,
                retry_after,
                generation: generation_of(&body),
            }
        }
        Err(_) => Sample {
            sent_ms,
            latency_us: sent.elapsed().as_micros() as u64,
            status: 0,
            retry_after: false,
            generation: None,
        },
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Runs `clients` threads for `duration`; each sends at `per_client_rate`
/// requests/s (unpaced when None).
fn run_clients(
    common: &Common,
    clients: usize,
    duration: Duration,
    per_client_rate: Option<f64>,
    started: Instant,
    seed: u64,
) -> Vec<Sample> {
    let suggest = Arc::new(read_urls(&common.suggest_urls));
    let search = Arc::new(read_urls(&common.search_urls));
    let handles: Vec<_> = (0..clients)
        .map(|client| {
            let mut mix = Mix {
                suggest: suggest.clone(),
                search: search.clone(),
                search_share: common.search_share,
                state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    ^ ((client as u64 + 1) * 0x2545_F491),
            };
            std::thread::spawn(move || {
                let agent = agent();
                let begin = Instant::now();
                let mut samples = Vec::new();
                let interval = per_client_rate.map(|rate| Duration::from_secs_f64(1.0 / rate));
                let mut next_at = begin;
                while begin.elapsed() < duration {
                    if let Some(interval) = interval {
                        let now = Instant::now();
                        if next_at > now {
                            std::thread::sleep(next_at - now);
                        }
                        next_at += interval;
                    }
                    let url = mix.next().to_string();
                    samples.push(send(&agent, &url, started));
                }
                samples
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|handle| handle.join().expect("client thread"))
        .collect()
}

/// Resident memory in KiB: (all, anonymous). The rest is mapped index
/// files, which grow as queries touch pages and which the kernel may drop.
fn rss_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|value| value.split_whitespace().next())
            .and_then(|value| value.parse().ok())
    };
    Some((field("VmRSS:")?, field("RssAnon:")?))
}

fn percentile(sorted: &[u64], quantile: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let index = ((sorted.len() as f64 - 1.0) * quantile).round() as usize;
    Some(sorted[index] as f64 / 1000.0)
}

/// Requests, errors and latency (ms) of the samples sent in [from, to).
fn window(samples: &[Sample], name: &str, from_ms: u64, to_ms: u64) -> serde_json::Value {
    let inside: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.sent_ms >= from_ms && s.sent_ms < to_ms)
        .collect();
    let mut latencies: Vec<u64> = inside.iter().map(|s| s.latency_us).collect();
    latencies.sort_unstable();
    let errors = inside.iter().filter(|s| s.status != 200).count();
    serde_json::json!({
        "window": name,
        "from_s": from_ms as f64 / 1000.0,
        "to_s": to_ms as f64 / 1000.0,
        "requests": inside.len(),
        "errors": errors,
        "p50_ms": percentile(&latencies, 0.50),
        "p99_ms": percentile(&latencies, 0.99),
        "max_ms": percentile(&latencies, 1.0),
    })
}

fn statuses(samples: &[Sample]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for sample in samples {
        let key = if sample.status == 0 {
            "transport_error".to_string()
        } else {
            sample.status.to_string()
        };
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

fn soak(args: SoakArgs) -> serde_json::Value {
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let memory = Arc::new(Mutex::new(Vec::<(f64, (u64, u64))>::new()));
    let sampler = args.common.server_pid.map(|pid| {
        let stop = stop.clone();
        let memory = memory.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some(kib) = rss_kib(pid) {
                    memory
                        .lock()
                        .unwrap()
                        .push((started.elapsed().as_secs_f64(), kib));
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    });
    let builds = Arc::new(Mutex::new(Vec::<(f64, f64, bool)>::new()));
    let reindexer = {
        let builds = builds.clone();
        let command = args.reindex.clone();
        let switch_at = args.switch_at.clone();
        std::thread::spawn(move || {
            for at in switch_at {
                let wait = Duration::from_secs(at).saturating_sub(started.elapsed());
                std::thread::sleep(wait);
                let begin = started.elapsed().as_secs_f64();
                let succeeded = std::process::Command::new("sh")
                    .args(["-c", &command])
                    .status()
                    .is_ok_and(|status| status.success());
                let end = started.elapsed().as_secs_f64();
                builds.lock().unwrap().push((begin, end, succeeded));
            }
        })
    };
    let per_client = args.rate as f64 / args.connections as f64;
    let samples = run_clients(
        &args.common,
        args.connections,
        Duration::from_secs(args.duration),
        Some(per_client),
        started,
        7,
    );
    reindexer.join().expect("reindex thread");
    stop.store(true, Ordering::Relaxed);
    if let Some(sampler) = sampler {
        sampler.join().expect("memory sampler");
    }
    let builds = builds.lock().unwrap().clone();
    let memory = memory.lock().unwrap().clone();

    // A switch is the first response that names a generation not seen before.
    let mut ordered = samples.clone();
    ordered.sort_by_key(|s| s.sent_ms);
    let mut switches_ms: Vec<(u64, String)> = Vec::new();
    let mut current: Option<String> = None;
    for sample in &ordered {
        let Some(generation) = &sample.generation else {
            continue;
        };
        match &current {
            None => current = Some(generation.clone()),
            Some(served) if generation > served => {
                switches_ms.push((sample.sent_ms, generation.clone()));
                current = Some(generation.clone());
            }
            Some(_) => {}
        }
    }
    let end_ms = args.duration * 1000;
    let mut windows = Vec::new();
    let mut cursor = 0u64;
    for (index, (begin, _end, _)) in builds.iter().enumerate() {
        let build_ms = (begin * 1000.0) as u64;
        let switch_ms = switches_ms.get(index).map_or(end_ms, |(at, _)| *at);
        let settled_ms = (switch_ms + 2000).min(end_ms);
        let label = if index == 0 { "before" } else { "between" };
        windows.push(window(&samples, label, cursor, build_ms));
        windows.push(window(
            &samples,
            &format!(
                "reindex {} (build start to 2 s after the switch)",
                index + 1
            ),
            build_ms,
            settled_ms,
        ));
        cursor = settled_ms;
    }
    windows.push(window(&samples, "after", cursor, end_ms));
    let rss_at = |at_s: f64| {
        memory
            .iter()
            .min_by(|a, b| (a.0 - at_s).abs().total_cmp(&(b.0 - at_s).abs()))
            .map(|(_, kib)| *kib)
    };
    let anon = |pick: Option<&(f64, (u64, u64))>| pick.map(|m| m.1 .1);
    let switch_rss: Vec<_> = switches_ms
        .iter()
        .map(|(at, generation)| {
            serde_json::json!({
                "generation": generation,
                "at_s": *at as f64 / 1000.0,
                "rss_kib_2s_after": rss_at(*at as f64 / 1000.0 + 2.0).map(|m| m.0),
                "anon_kib_2s_after": rss_at(*at as f64 / 1000.0 + 2.0).map(|m| m.1),
            })
        })
        .collect();
    let errors = samples.iter().filter(|s| s.status != 200).count();
    serde_json::json!({
        "mode": "soak",
        "duration_s": args.duration,
        "rate_per_s": args.rate,
        "connections": args.connections,
        "search_share": args.common.search_share,
        "requests": samples.len(),
        "errors": errors,
        "statuses": statuses(&samples),
        "builds": builds.iter().map(|(begin, end, ok)| serde_json::json!({"start_s": begin, "end_s": end, "succeeded": ok})).collect::<Vec<_>>(),
        "switches": switch_rss,
        "windows": windows,
        "rss_kib_start": memory.first().map(|m| m.1 .0),
        "rss_kib_end": memory.last().map(|m| m.1 .0),
        "rss_kib_max": memory.iter().map(|m| m.1 .0).max(),
        "anon_kib_start": anon(memory.first()),
        "anon_kib_end": anon(memory.last()),
        "anon_kib_max": memory.iter().map(|m| m.1 .1).max(),
    })
}

fn overload(args: OverloadArgs) -> serde_json::Value {
    let started = Instant::now();
    let heavy = run_clients(
        &args.common,
        args.connections,
        Duration::from_secs(args.duration),
        None,
        started,
        11,
    );
    let light = run_clients(
        &args.common,
        4,
        Duration::from_secs(args.recovery),
        Some(args.recovery_rate as f64 / 4.0),
        started,
        13,
    );
    let latency_of = |samples: &[Sample], status: u16| {
        let mut latencies: Vec<u64> = samples
            .iter()
            .filter(|s| s.status == status)
            .map(|s| s.latency_us)
            .collect();
        latencies.sort_unstable();
        serde_json::json!({
            "count": latencies.len(),
            "p50_ms": percentile(&latencies, 0.5),
            "p99_ms": percentile(&latencies, 0.99),
        })
    };
    let shed = heavy.iter().filter(|s| s.status == 503).count();
    let shed_with_retry_after = heavy
        .iter()
        .filter(|s| s.status == 503 && s.retry_after)
        .count();
    let recovery_errors = light.iter().filter(|s| s.status != 200).count();
    serde_json::json!({
        "mode": "overload",
        "overload_s": args.duration,
        "connections": args.connections,
        "overload_requests": heavy.len(),
        "overload_statuses": statuses(&heavy),
        "shed": shed,
        "shed_with_retry_after": shed_with_retry_after,
        "served_latency": latency_of(&heavy, 200),
        "shed_latency": latency_of(&heavy, 503),
        "recovery_s": args.recovery,
        "recovery_requests": light.len(),
        "recovery_errors": recovery_errors,
        "recovery_latency": latency_of(&light, 200),
    })
}

fn main() {
    let args = Args::parse();
    let (report, path) = match args.mode {
        Mode::Soak(args) => {
            let path = args.common.report.clone();
            (soak(args), path)
        }
        Mode::Overload(args) => {
            let path = args.common.report.clone();
            (overload(args), path)
        }
    };
    let text = serde_json::to_string_pretty(&report).expect("report serializes");
    std::fs::write(&path, &text)
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    println!("{text}");
}

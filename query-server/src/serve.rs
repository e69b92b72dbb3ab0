//! `query-server serve`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use livesearch::analysis::Analyzer;
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::{BuildLock, IndexRoot};
use livesearch::remote::{PullOptions, RemoteStore};
use query_server::config::ServerConfig;
use query_server::connections::{self, ConnectionLimits};
use query_server::replica::ReplicaStatus;
use query_server::state::ReloadOutcome;
use query_server::{app, AppState};

#[derive(clap::Args)]
pub struct Args {
    /// Folder holding the generations and CURRENT; required unless --source
    /// [default: none].
    #[arg(long, env = "QS_INDEX_ROOT", required_unless_present = "source")]
    index_root: Option<PathBuf>,
    /// Object store to follow instead of an index root: s3://bucket/prefix.
    /// Credentials, region and endpoint from AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL, AWS_ALLOW_HTTP
    /// [default: none].
    #[arg(
        long,
        env = "QS_SOURCE",
        conflicts_with = "index_root",
        requires = "cache_dir"
    )]
    source: Option<String>,
    /// With --source: folder for downloaded generations (one replica per
    /// folder); its last good generation is served after a restart, store
    /// reachable or not; required with --source [default: none].
    #[arg(long, env = "QS_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// With --source: how often the store's CURRENT is read; milliseconds,
    /// at least 100 [default: 10000].
    #[arg(long, env = "QS_POLL_INTERVAL_MS", value_parser = clap::value_parser!(u64).range(100..))]
    poll_interval_ms: Option<u64>,
    /// With --source: a random 0 to this many milliseconds added to each
    /// poll interval; at most --poll-interval-ms [default: 2000].
    #[arg(long, env = "QS_POLL_JITTER_MS")]
    poll_jitter_ms: Option<u64>,
    /// Address to listen on; port 0 picks a free one [default: 127.0.0.1:8080].
    #[arg(long, env = "QS_ADDR")]
    addr: Option<SocketAddr>,
    /// TOML config file: [server], [limits], [ranking]; unknown keys are errors.
    /// Flags and QS_* variables override it [default: none, built-in settings].
    #[arg(long, env = "QS_CONFIG")]
    config: Option<PathBuf>,
    /// Bearer token for /admin/*, at least 16 characters; without it /admin/*
    /// answers loopback only [default: none].
    #[arg(long, env = "QS_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Dictionary folder the indexer built with [default: compiled in].
    #[arg(long, env = "QS_DICTIONARIES")]
    dictionaries: Option<PathBuf>,
    // The numeric flags have no clap default: a value set in --config must
    // win over the built-in default, so the defaults are in the help text.
    /// A request taking longer gets 504; milliseconds, at least 1 [default: 2000].
    #[arg(long, env = "QS_REQUEST_TIMEOUT_MS", value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout_ms: Option<u64>,
    /// Requests handled at once; beyond it 503 with Retry-After; at least 1
    /// [default: 256].
    #[arg(long, env = "QS_MAX_CONCURRENCY", value_parser = clap::value_parser!(u64).range(1..))]
    max_concurrency: Option<u64>,
    /// How often CURRENT is read; milliseconds, at least 50 [default: 1000].
    #[arg(long, env = "QS_WATCH_INTERVAL_MS", value_parser = clap::value_parser!(u64).range(50..))]
    watch_interval_ms: Option<u64>,
    /// A whole request head must arrive within it; milliseconds, at least 1
    /// [default: 10000].
    #[arg(long, env = "QS_HEADER_READ_TIMEOUT_MS", value_parser = clap::value_parser!(u64).range(1..))]
    header_read_timeout_ms: Option<u64>,
    /// A connection silent both ways this long is closed; milliseconds, more
    /// than --request-timeout-ms [default: 60000].
    #[arg(long, env = "QS_IDLE_TIMEOUT_MS", value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_ms: Option<u64>,
    /// Open connections at most; further ones wait in the listen backlog; 1 to
    /// the file-descriptor limit - 256 [default: the file-descriptor limit - 256].
    #[arg(long, env = "QS_MAX_CONNECTIONS", value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: Option<u64>,
}

impl Args {
    /// Defaults, then the file, then environment and flags (clap merges those two).
    fn config(&self) -> anyhow::Result<ServerConfig> {
        let mut config = match &self.config {
            Some(path) => ServerConfig::from_toml_file(path)?,
            None => ServerConfig::default(),
        };
        let server = &mut config.server;
        if let Some(addr) = self.addr {
            server.addr = addr;
        }
        if let Some(token) = &self.admin_token {
            server.admin_token = Some(token.clone());
        }
        if let Some(timeout) = self.request_timeout_ms {
            server.request_timeout_ms = timeout;
        }
        if let Some(concurrency) = self.max_concurrency {
            server.max_concurrency = usize::try_from(concurrency).unwrap_or(usize::MAX);
        }
        if let Some(interval) = self.watch_interval_ms {
            server.watch_interval_ms = interval;
        }
        if let Some(interval) = self.poll_interval_ms {
            server.source_poll_interval_ms = interval;
        }
        if let Some(jitter) = self.poll_jitter_ms {
            server.source_poll_jitter_ms = jitter;
        }
        if let Some(timeout) = self.header_read_timeout_ms {
            server.header_read_timeout_ms = timeout;
        }
        if let Some(timeout) = self.idle_timeout_ms {
            server.idle_timeout_ms = timeout;
        }
        if let Some(max_connections) = self.max_connections {
            server.max_connections = Some(usize::try_from(max_connections).unwrap_or(usize::MAX));
        }
        config.validate()?;
        Ok(config)
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = args.config()?;
    let dictionaries = match &args.dictionaries {
        Some(dir) => Dictionaries::from_dir(dir)
            .with_context(|| format!("loading dictionaries from {}", dir.display()))?,
        None => Dictionaries::embedded(),
    };
    let analyzer = Analyzer::new(&dictionaries);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let source = match (&args.source, &args.cache_dir, &args.index_root) {
        (Some(url), Some(cache_dir), _) => Source::Store(Replica::open(url, cache_dir)?),
        (None, _, Some(index_root)) => Source::IndexRoot(IndexRoot::new(index_root)),
        // clap requires one of the two; kept as an error, not a panic.
        _ => anyhow::bail!("give --index-root, or --source with --cache-dir"),
    };
    runtime.block_on(serve(config, analyzer, source))
}

/// Where generations come from.
enum Source {
    /// A local index root, followed through its CURRENT.
    IndexRoot(IndexRoot),
    /// An object store, pulled into a cache folder.
    Store(Replica),
}

/// `--source` and `--cache-dir`, checked before anything is served.
struct Replica {
    store: RemoteStore,
    cache: IndexRoot,
    lock: BuildLock,
}

impl Replica {
    fn open(url: &str, cache_dir: &std::path::Path) -> anyhow::Result<Self> {
        let store = RemoteStore::from_url(url)?;
        let cache = IndexRoot::new(cache_dir);
        let lock = cache.lock().with_context(|| {
            format!(
                "--cache-dir {}: each replica needs a folder of its own",
                cache_dir.display()
            )
        })?;
        cache.create_dirs()?;
        Ok(Replica { store, cache, lock })
    }
}

async fn serve(config: ServerConfig, analyzer: Analyzer, source: Source) -> anyhow::Result<()> {
    let addr = config.server.addr;
    let limits = ConnectionLimits {
        max_connections: config.max_connections(),
        header_read_timeout: config.header_read_timeout(),
        idle_timeout: config.idle_timeout(),
        shutdown_grace: SHUTDOWN_GRACE,
    };
    let (root, replica) = match source {
        Source::IndexRoot(root) => (root, None),
        Source::Store(replica) => (replica.cache.clone(), Some(replica)),
    };
    let state = AppState::new(config, analyzer, root);
    if let Some(replica) = &replica {
        state.set_replica(Arc::new(ReplicaStatus::new(replica.store.url())));
        tracing::info!(source = replica.store.url(), "following the object store");
    }
    // With --source this serves what the cache's CURRENT names, the store
    // reachable or not; the first poll follows at once.
    match state.reload(true).await {
        ReloadOutcome::Loaded { generation, .. } => {
            tracing::info!(%generation, "generation loaded")
        }
        outcome => tracing::warn!(
            ?outcome,
            "starting without a generation: not ready until one is published"
        ),
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!(
        %local,
        max_connections = limits.max_connections,
        "listening"
    );
    // Tests and scripts read the bound address (port 0 picks a free port) from stdout.
    println!("listening on {local}");
    std::io::stdout().flush().ok();

    let (stop_watching, watching_stopped) = tokio::sync::oneshot::channel::<()>();
    let stopped = async {
        let _ = watching_stopped.await;
    };
    let watcher = match replica {
        Some(Replica { store, lock, .. }) => tokio::spawn(query_server::replica::follow(
            state.clone(),
            store,
            lock,
            PullOptions::default(),
            stopped,
        )),
        None => tokio::spawn(state.clone().watch(stopped)),
    };
    connections::serve(listener, app(state), limits, shutdown_signal()).await;
    let _ = stop_watching.send(());
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, watcher).await;
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// How long graceful shutdown waits for requests in flight.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

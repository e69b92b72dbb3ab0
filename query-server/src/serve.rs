//! `query-server serve`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use livesearch::analysis::Analyzer;
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::IndexRoot;
use query_server::config::ServerConfig;
use query_server::connections::{self, ConnectionLimits};
use query_server::routes::{shutdown_signal, SHUTDOWN_GRACE};
use query_server::state::ReloadOutcome;
use query_server::{app, AppState};

#[derive(clap::Args)]
pub struct Args {
    /// Folder holding the generations and CURRENT.
    #[arg(long, env = "QS_INDEX_ROOT")]
    index_root: PathBuf,
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).
    #[arg(long, env = "QS_ADDR")]
    addr: Option<SocketAddr>,
    /// TOML config file: [server], [limits], [ranking]; unknown keys are errors.
    #[arg(long, env = "QS_CONFIG")]
    config: Option<PathBuf>,
    /// Bearer token for /admin/*; without it /admin/* answers loopback only.
    #[arg(long, env = "QS_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Dictionary folder the indexer built with; the compiled-in one by default.
    #[arg(long, env = "QS_DICTIONARIES")]
    dictionaries: Option<PathBuf>,
    #[arg(long, env = "QS_REQUEST_TIMEOUT_MS")]
    request_timeout_ms: Option<u64>,
    #[arg(long, env = "QS_MAX_CONCURRENCY")]
    max_concurrency: Option<usize>,
    #[arg(long, env = "QS_WATCH_INTERVAL_MS")]
    watch_interval_ms: Option<u64>,
    #[arg(long, env = "QS_HEADER_READ_TIMEOUT_MS")]
    header_read_timeout_ms: Option<u64>,
    #[arg(long, env = "QS_IDLE_TIMEOUT_MS")]
    idle_timeout_ms: Option<u64>,
    #[arg(long, env = "QS_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
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
            server.max_concurrency = concurrency;
        }
        if let Some(interval) = self.watch_interval_ms {
            server.watch_interval_ms = interval;
        }
        if let Some(timeout) = self.header_read_timeout_ms {
            server.header_read_timeout_ms = timeout;
        }
        if let Some(timeout) = self.idle_timeout_ms {
            server.idle_timeout_ms = timeout;
        }
        if let Some(max_connections) = self.max_connections {
            server.max_connections = Some(max_connections);
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
    runtime.block_on(serve(config, analyzer, IndexRoot::new(&args.index_root)))
}

async fn serve(config: ServerConfig, analyzer: Analyzer, root: IndexRoot) -> anyhow::Result<()> {
    let addr = config.server.addr;
    let limits = ConnectionLimits {
        max_connections: config.max_connections(),
        header_read_timeout: config.header_read_timeout(),
        idle_timeout: config.idle_timeout(),
        shutdown_grace: SHUTDOWN_GRACE,
    };
    let state = AppState::new(config, analyzer, root);
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
    let watcher = tokio::spawn(state.clone().watch(async {
        let _ = watching_stopped.await;
    }));
    connections::serve(listener, app(state), limits, shutdown_signal()).await;
    let _ = stop_watching.send(());
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, watcher).await;
    tracing::info!("stopped");
    Ok(())
}

//! Shared server state: the served generation, swapped atomically.
//!
//! Requests take an `Arc` of the generation they start on, so a swap never
//! disturbs a request in flight; the old generation is dropped when its last
//! request finishes.

use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use livesearch::analysis::Analyzer;
use livesearch::generation::IndexRoot;
use livesearch::serving::LoadedGeneration;
use serde::Serialize;

use crate::config::ServerConfig;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    config: ServerConfig,
    analyzer: Analyzer,
    root: IndexRoot,
    current: RwLock<Option<Arc<LoadedGeneration>>>,
    last_failure: RwLock<Option<LoadFailure>>,
    reloading: tokio::sync::Mutex<()>,
    metrics: Metrics,
}

/// Why the newest generation named by CURRENT is not the one served.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LoadFailure {
    pub generation: String,
    pub reason: String,
    /// Seconds since the Unix epoch.
    pub at: u64,
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReloadOutcome {
    /// CURRENT names the generation already served.
    Unchanged { generation: String },
    Loaded {
        generation: String,
        previous: Option<String>,
    },
    /// The generation was refused; the previous one (if any) is still served.
    Refused {
        generation: String,
        reason: String,
        serving: Option<String>,
    },
    /// CURRENT is missing or empty.
    NoCurrent { serving: Option<String> },
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

impl AppState {
    pub fn new(config: ServerConfig, analyzer: Analyzer, root: IndexRoot) -> Self {
        AppState {
            shared: Arc::new(Shared {
                config,
                analyzer,
                root,
                current: RwLock::new(None),
                last_failure: RwLock::new(None),
                reloading: tokio::sync::Mutex::new(()),
                metrics: Metrics::default(),
            }),
        }
    }

    pub fn config(&self) -> &ServerConfig {
        &self.shared.config
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.shared.analyzer
    }

    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    pub fn root(&self) -> &IndexRoot {
        &self.shared.root
    }

    /// The generation new requests are served from.
    pub fn generation(&self) -> Option<Arc<LoadedGeneration>> {
        self.shared
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn last_failure(&self) -> Option<LoadFailure> {
        self.shared
            .last_failure
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn served_id(&self) -> Option<String> {
        self.generation()
            .map(|generation| generation.id().to_string())
    }

    /// Reads CURRENT and, if it names a generation other than the served
    /// one, opens it off the async runtime and swaps it in. With `retry_refused`
    /// false, a generation refused before is not tried again (the watcher's
    /// case); an explicit reload retries it.
    pub async fn reload(&self, retry_refused: bool) -> ReloadOutcome {
        let _one_at_a_time = self.shared.reloading.lock().await;
        let named = match self.shared.root.current() {
            Ok(Some(named)) => named,
            Ok(None) => {
                return ReloadOutcome::NoCurrent {
                    serving: self.served_id(),
                }
            }
            Err(error) => {
                return self.refuse(String::new(), format!("cannot read CURRENT: {error}"));
            }
        };
        let previous = self.served_id();
        if previous.as_deref() == Some(named.as_str()) {
            return ReloadOutcome::Unchanged { generation: named };
        }
        if !retry_refused {
            if let Some(failure) = self.last_failure() {
                if failure.generation == named {
                    return ReloadOutcome::Refused {
                        generation: named,
                        reason: failure.reason,
                        serving: previous,
                    };
                }
            }
        }
        let root = self.shared.root.clone();
        let analyzer = self.shared.analyzer.clone();
        let to_open = named.clone();
        let opened =
            tokio::task::spawn_blocking(move || LoadedGeneration::open(&root, &to_open, &analyzer))
                .await;
        let generation = match opened {
            Ok(Ok(generation)) => generation,
            Ok(Err(error)) => return self.refuse(named, error.to_string()),
            Err(join_error) => {
                return self.refuse(named, format!("loading panicked: {join_error}"))
            }
        };
        tracing::info!(
            generation = %named,
            previous = previous.as_deref().unwrap_or("none"),
            load_ms = generation.load_duration.as_millis() as u64,
            "serving new generation"
        );
        let replaced = self
            .shared
            .current
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .replace(Arc::new(generation));
        if let Some(replaced) = replaced {
            tokio::task::spawn_blocking(move || release_when_unused(replaced));
        }
        *self
            .shared
            .last_failure
            .write()
            .unwrap_or_else(|e| e.into_inner()) = None;
        ReloadOutcome::Loaded {
            generation: named,
            previous,
        }
    }

    fn refuse(&self, generation: String, reason: String) -> ReloadOutcome {
        let serving = self.served_id();
        tracing::error!(
            generation = %generation,
            %reason,
            serving = serving.as_deref().unwrap_or("none"),
            "refused to switch generation"
        );
        *self
            .shared
            .last_failure
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(LoadFailure {
            generation: generation.clone(),
            reason: reason.clone(),
            at: unix_seconds(SystemTime::now()),
        });
        ReloadOutcome::Refused {
            generation,
            reason,
            serving,
        }
    }

    /// Polls CURRENT every `watch_interval` until `shutdown` resolves.
    pub async fn watch(self, shutdown: impl std::future::Future<Output = ()>) {
        let mut ticker = tokio::time::interval(self.config().watch_interval());
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = ticker.tick() => {
                    self.reload(false).await;
                }
            }
        }
    }
}

/// Drops a replaced generation once the requests still using it are done,
/// then hands the freed heap back to the operating system. Without the
/// trim, glibc keeps the old suggestion table's pages and the resident
/// memory climbs by a table at each switch (measured by benches/soak.sh).
fn release_when_unused(generation: Arc<LoadedGeneration>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while Arc::strong_count(&generation) > 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let id = generation.id().to_string();
    let still_used = Arc::strong_count(&generation) > 1;
    drop(generation);
    if still_used {
        // A request held it for over a minute; it is freed with that request.
        tracing::warn!(generation = %id, "old generation still in use after 60 s");
        return;
    }
    crate::memory::return_freed_memory();
    tracing::debug!(generation = %id, "old generation released");
}

pub fn loaded_at_seconds(generation: &LoadedGeneration) -> u64 {
    unix_seconds(generation.loaded_at)
}

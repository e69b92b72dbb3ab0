//! Shared server state: the served generation, swapped atomically.
//!
//! Requests take an `Arc` of the generation they start on, so a swap never
//! disturbs a request in flight; the old generation is dropped when its last
//! request finishes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use livesearch::analysis::Analyzer;
use livesearch::generation::IndexRoot;
use livesearch::serving::LoadedGeneration;
use serde::Serialize;

use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::replica::ReplicaStatus;

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
    /// Whether the served generation is not the one CURRENT names, but the
    /// newest good one on disk, taken because CURRENT's was refused.
    serving_fallback: AtomicBool,
    /// Generations a fallback could not open: not verified again at every
    /// tick of the watcher (verifying reads every file).
    failed_fallbacks: std::sync::Mutex<std::collections::HashSet<String>>,
    reloading: tokio::sync::Mutex<()>,
    metrics: Metrics,
    /// Set when generations come from an object store (`serve --source`).
    replica: std::sync::OnceLock<Arc<ReplicaStatus>>,
}

/// Why the newest generation named by CURRENT is not the one served.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LoadFailure {
    pub generation: String,
    pub reason: String,
    /// When it was refused, RFC 3339 like the generation's `created_at`.
    pub at: String,
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
                serving_fallback: AtomicBool::new(false),
                failed_fallbacks: Default::default(),
                reloading: tokio::sync::Mutex::new(()),
                metrics: Metrics::default(),
                replica: std::sync::OnceLock::new(),
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

    /// What the replica knows of its object store, in `--source` mode.
    pub fn replica(&self) -> Option<&Arc<ReplicaStatus>> {
        self.shared.replica.get()
    }

    /// Marks this server as a replica of an object store (once, at start).
    pub fn set_replica(&self, status: Arc<ReplicaStatus>) {
        let _ = self.shared.replica.set(status);
    }

    /// Serves a generation pulled from the object store (opened and checked
    /// already), one swap at a time like [`AppState::reload`].
    pub async fn serve_pulled(&self, generation: LoadedGeneration) {
        let _one_at_a_time = self.shared.reloading.lock().await;
        self.swap_in(generation);
        self.clear_failure();
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

    /// Whether the served generation is a fallback (see [`AppState::reload`]).
    pub fn serving_fallback(&self) -> bool {
        self.shared.serving_fallback.load(Ordering::Relaxed)
    }

    fn served_id(&self) -> Option<String> {
        self.generation()
            .map(|generation| generation.id().to_string())
    }

    /// Reads CURRENT and, if it names a generation other than the served
    /// one, opens it off the async runtime and swaps it in. With `retry_refused`
    /// false, a generation refused before is not tried again (the watcher's
    /// case); an explicit reload retries it. When nothing is served and
    /// CURRENT is missing, unreadable or names a refused generation, the
    /// newest generation on disk that opens is served instead (a fallback,
    /// shown in `/readyz`), so a restart on a bad CURRENT still serves.
    pub async fn reload(&self, retry_refused: bool) -> ReloadOutcome {
        let _one_at_a_time = self.shared.reloading.lock().await;
        let root = self.shared.root.clone();
        // Off the runtime: CURRENT is a file on a disk that may be slow.
        let read = tokio::task::spawn_blocking(move || root.current()).await;
        let named = match read {
            Ok(Ok(Some(named))) => named,
            Ok(Ok(None)) => {
                self.fall_back_if_nothing_served(None).await;
                return ReloadOutcome::NoCurrent {
                    serving: self.served_id(),
                };
            }
            Ok(Err(error)) => {
                self.record_failure(String::new(), error.to_string());
                self.fall_back_if_nothing_served(None).await;
                return self.refused(String::new(), error.to_string());
            }
            Err(join_error) => {
                tracing::error!(%join_error, "reading CURRENT failed");
                let reason = "reading CURRENT failed unexpectedly".to_string();
                self.record_failure(String::new(), reason.clone());
                return self.refused(String::new(), reason);
            }
        };
        let previous = self.served_id();
        if previous.as_deref() == Some(named.as_str()) {
            // CURRENT names what is served: a refusal recorded is stale, and
            // a fallback is now the generation CURRENT names.
            self.clear_failure();
            self.shared.serving_fallback.store(false, Ordering::Relaxed);
            return ReloadOutcome::Unchanged { generation: named };
        }
        if !retry_refused {
            if let Some(failure) = self.last_failure() {
                if failure.generation == named {
                    return self.refused(named, failure.reason);
                }
            }
        }
        let generation = match self.open(&named).await {
            Ok(generation) => generation,
            Err(reason) => {
                self.record_failure(named.clone(), reason.clone());
                self.fall_back_if_nothing_served(Some(&named)).await;
                return self.refused(named, reason);
            }
        };
        tracing::info!(
            generation = %named,
            previous = previous.as_deref().unwrap_or("none"),
            load_ms = generation.load_duration.as_millis() as u64,
            verify_ms = generation.verify_duration.as_millis() as u64,
            "serving new generation"
        );
        self.swap_in(generation);
        self.clear_failure();
        ReloadOutcome::Loaded {
            generation: named,
            previous,
        }
    }

    /// Opens a generation on the blocking pool; the error is the reason shown
    /// to operators (no absolute path, no debug text).
    async fn open(&self, generation: &str) -> Result<LoadedGeneration, String> {
        let root = self.shared.root.clone();
        let analyzer = self.shared.analyzer.clone();
        let to_open = generation.to_string();
        let opened =
            tokio::task::spawn_blocking(move || LoadedGeneration::open(&root, &to_open, &analyzer))
                .await;
        match opened {
            Ok(Ok(generation)) => Ok(generation),
            Ok(Err(error)) => Err(error.to_string()),
            Err(join_error) => {
                tracing::error!(%generation, %join_error, "opening the generation failed");
                Err("opening failed unexpectedly".to_string())
            }
        }
    }

    fn swap_in(&self, generation: LoadedGeneration) {
        let replaced = self
            .shared
            .current
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .replace(Arc::new(generation));
        self.shared.serving_fallback.store(false, Ordering::Relaxed);
        if let Some(replaced) = replaced {
            tokio::task::spawn_blocking(move || release_when_unused(replaced));
        }
    }

    /// When nothing is served, serves the newest complete generation on disk
    /// (other than `refused`) that opens.
    async fn fall_back_if_nothing_served(&self, refused: Option<&str>) {
        if self.generation().is_some() {
            return;
        }
        let root = self.shared.root.clone();
        let listed = tokio::task::spawn_blocking(move || root.complete_generations()).await;
        let Ok(Ok(generations)) = listed else {
            return;
        };
        for candidate in generations.iter().rev() {
            let failed_before = self
                .shared
                .failed_fallbacks
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(candidate);
            if failed_before || Some(candidate.as_str()) == refused {
                continue;
            }
            match self.open(candidate).await {
                Ok(generation) => {
                    tracing::warn!(
                        generation = %candidate,
                        "CURRENT gives no servable generation: serving the newest good one on disk"
                    );
                    self.swap_in(generation);
                    self.shared.serving_fallback.store(true, Ordering::Relaxed);
                    return;
                }
                Err(reason) => {
                    tracing::warn!(generation = %candidate, reason = reason.as_str(), "fallback generation refused");
                    self.shared
                        .failed_fallbacks
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(candidate.clone());
                }
            }
        }
    }

    pub(crate) fn clear_failure(&self) {
        *self
            .shared
            .last_failure
            .write()
            .unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Records why `generation` is not served; logs it as an error unless it
    /// is the failure already recorded (the watcher retries every second).
    pub(crate) fn record_failure(&self, generation: String, reason: String) {
        let mut last_failure = self
            .shared
            .last_failure
            .write()
            .unwrap_or_else(|e| e.into_inner());
        let repeated = last_failure
            .as_ref()
            .is_some_and(|failure| failure.generation == generation && failure.reason == reason);
        if !repeated {
            tracing::error!(
                generation = %generation,
                reason = reason.as_str(),
                serving = self.served_id().as_deref().unwrap_or("none"),
                "refused to switch generation"
            );
        }
        *last_failure = Some(LoadFailure {
            generation,
            reason,
            at: livesearch::generation::now_rfc3339(),
        });
    }

    fn refused(&self, generation: String, reason: String) -> ReloadOutcome {
        ReloadOutcome::Refused {
            generation,
            reason,
            serving: self.served_id(),
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

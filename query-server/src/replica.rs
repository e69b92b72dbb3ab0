//! `serve --source`: a replica following an object store's `CURRENT`.
//!
//! Every poll (interval plus a random jitter, so replicas started together
//! do not poll together) reads the store's `CURRENT`; a generation other than
//! the served one is pulled into the cache folder, verified, opened and
//! swapped in (`livesearch::remote::pull_generation`). A refused generation
//! is recorded (`/readyz` `last_refused`) and not downloaded again for
//! [`REFUSED_RETRY_POLLS`] polls; the served one stays. What the replica
//! knows of the store is in [`ReplicaStatus`], shown by `/readyz` and
//! `/metrics`.

use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use livesearch::generation::{rfc3339, BuildLock};
use livesearch::remote::{pull_generation, PullOptions, PullReport, RemoteStore};
use serde::Serialize;

use crate::state::AppState;

/// A refused generation is downloaded again after this many polls (its
/// objects may have been uploaded again under the same name).
pub const REFUSED_RETRY_POLLS: u32 = 10;

/// What a replica knows of its store; shared with the handlers.
pub struct ReplicaStatus {
    source: String,
    observed: Mutex<Observed>,
}

#[derive(Default)]
struct Observed {
    store_current: Option<String>,
    /// When the store's CURRENT was first seen naming a generation other
    /// than the served one.
    behind_since: Option<SystemTime>,
    last_contact: Option<SystemTime>,
    /// Whether the last poll reached the store.
    reachable: bool,
    last_error: Option<String>,
    last_pull: Option<LastPull>,
    poll_failures: u64,
    refused: u64,
    pulls: u64,
    refused_recently: Option<(String, u32)>,
}

/// The replica as `/readyz` shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SourceReport {
    /// The store, `s3://bucket/prefix`.
    pub url: String,
    /// What the store's CURRENT named at the last successful poll.
    pub store_current: Option<String>,
    /// Whether the served generation is the one the store's CURRENT names.
    pub in_sync: bool,
    /// Seconds since the store's CURRENT first named a generation that is
    /// still not served; 0 when in sync.
    pub lag_seconds: f64,
    /// Whether the last poll reached the store.
    pub store_reachable: bool,
    /// Last successful poll (RFC 3339).
    pub last_contact_at: Option<String>,
    /// Why the last poll or pull failed, while it still fails.
    pub last_error: Option<String>,
    pub last_pull: Option<LastPull>,
    pub poll_failures_total: u64,
    pub refused_total: u64,
    pub pulls_total: u64,
}

/// The last generation pulled.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LastPull {
    pub generation: String,
    pub download_seconds: f64,
    pub downloaded_bytes: u64,
    pub downloaded_files: usize,
    /// Opening it with every check (CRC-32 of every file, versions, decoding).
    pub open_seconds: f64,
    pub at: String,
}

impl ReplicaStatus {
    pub fn new(source: &str) -> Self {
        ReplicaStatus {
            source: source.to_string(),
            observed: Mutex::default(),
        }
    }

    fn observed(&self) -> std::sync::MutexGuard<'_, Observed> {
        self.observed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The store answered: its CURRENT names `store_current`.
    fn contact(&self, store_current: Option<String>, serving: Option<&str>) {
        let mut observed = self.observed();
        let behind = store_current.is_some() && store_current.as_deref() != serving;
        if behind {
            observed.behind_since.get_or_insert_with(SystemTime::now);
        } else {
            observed.behind_since = None;
        }
        observed.store_current = store_current;
        observed.last_contact = Some(SystemTime::now());
        observed.reachable = true;
    }

    pub fn report(&self, serving: Option<&str>) -> SourceReport {
        let observed = self.observed();
        let in_sync =
            observed.store_current.is_some() && observed.store_current.as_deref() == serving;
        let lag_seconds = observed
            .behind_since
            .filter(|_| !in_sync)
            .and_then(|since| since.elapsed().ok())
            .map_or(0.0, |lag| lag.as_secs_f64());
        SourceReport {
            url: self.source.clone(),
            store_current: observed.store_current.clone(),
            in_sync,
            lag_seconds,
            store_reachable: observed.reachable,
            last_contact_at: observed.last_contact.map(rfc3339),
            last_error: observed.last_error.clone(),
            last_pull: observed.last_pull.clone(),
            poll_failures_total: observed.poll_failures,
            refused_total: observed.refused,
            pulls_total: observed.pulls,
        }
    }

    /// The replica's lines of `/metrics`.
    pub fn render_metrics(&self, serving: Option<&str>, out: &mut String) {
        let report = self.report(serving);
        let source = report.url.replace(['\\', '"', '\n'], "_");
        let gauges = [
            ("replica_source_info", "The object store followed.", 1.0),
            (
                "replica_in_sync",
                "1 when the served generation is the store's CURRENT.",
                f64::from(u8::from(report.in_sync)),
            ),
            (
                "replica_lag_seconds",
                "Seconds since the store's CURRENT first named a generation not yet served.",
                report.lag_seconds,
            ),
            (
                "replica_store_reachable",
                "1 when the last poll reached the store.",
                f64::from(u8::from(report.store_reachable)),
            ),
            (
                "replica_last_download_seconds",
                "Download time of the last generation pulled.",
                report
                    .last_pull
                    .as_ref()
                    .map_or(0.0, |pull| pull.download_seconds),
            ),
            (
                "replica_last_download_bytes",
                "Bytes downloaded for the last generation pulled.",
                report
                    .last_pull
                    .as_ref()
                    .map_or(0.0, |pull| pull.downloaded_bytes as f64),
            ),
        ];
        for (name, help, value) in gauges {
            let labels = if name == "replica_source_info" {
                format!("{{source=\"{source}\"}}")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name}{labels} {value}"
            );
        }
        let counters = [
            (
                "replica_poll_failures_total",
                "Polls that did not reach the store or failed during a download.",
                report.poll_failures_total,
            ),
            (
                "replica_refused_total",
                "Generations refused (missing manifest, checksum, versions, not opening).",
                report.refused_total,
            ),
            (
                "replica_pulls_total",
                "Generations pulled and swapped in.",
                report.pulls_total,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        }
    }
}

/// Polls the store until `shutdown` resolves. Holds the cache's lock: one
/// replica per cache folder.
pub async fn follow(
    state: AppState,
    store: RemoteStore,
    cache_lock: BuildLock,
    options: PullOptions,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let Some(status) = state.replica().cloned() else {
        tracing::error!("the replica's status is not set: not following the store");
        return;
    };
    tokio::pin!(shutdown);
    loop {
        poll_once(&state, &status, &store, &cache_lock, &options).await;
        let wait = with_jitter(
            state.config().server.source_poll_interval_ms,
            state.config().server.source_poll_jitter_ms,
        );
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// `interval_ms` plus a random share of `jitter_ms`.
fn with_jitter(interval_ms: u64, jitter_ms: u64) -> Duration {
    // A fresh RandomState is randomly keyed: random enough to spread polls.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let jitter = if jitter_ms == 0 {
        0
    } else {
        random % (jitter_ms + 1)
    };
    Duration::from_millis(interval_ms.saturating_add(jitter))
}

async fn poll_once(
    state: &AppState,
    status: &ReplicaStatus,
    store: &RemoteStore,
    lock: &BuildLock,
    options: &PullOptions,
) {
    let serving = state
        .generation()
        .map(|generation| generation.id().to_string());
    let named = match store.current().await {
        Ok(named) => named,
        Err(error) => {
            let mut observed = status.observed();
            observed.poll_failures += 1;
            observed.reachable = false;
            let reason = error.to_string();
            if observed.last_error.as_deref() != Some(reason.as_str()) {
                tracing::warn!(%reason, serving = serving.as_deref().unwrap_or("none"), "the store is unreachable: serving what the cache holds");
            }
            observed.last_error = Some(reason);
            return;
        }
    };
    status.contact(named.clone(), serving.as_deref());
    let store_names_something = named.is_some();
    let Some(named) = named.filter(|named| Some(named) != serving.as_ref()) else {
        if store_names_something {
            // The store names what is served (again): a refusal shown is stale.
            state.clear_failure();
        }
        let mut observed = status.observed();
        observed.last_error = None;
        observed.refused_recently = None;
        return;
    };
    {
        let mut observed = status.observed();
        if let Some((refused, polls)) = &mut observed.refused_recently {
            if *refused == named && *polls < REFUSED_RETRY_POLLS {
                *polls += 1;
                return;
            }
        }
    }
    let started = Instant::now();
    let pulled =
        pull_generation(store, state.root(), lock, &named, state.analyzer(), options).await;
    match pulled {
        Ok((generation, report)) => {
            log_pull(&named, serving.as_deref(), &report, started);
            state.serve_pulled(*generation).await;
            let mut observed = status.observed();
            observed.pulls += 1;
            observed.behind_since = None;
            observed.last_error = None;
            observed.refused_recently = None;
            observed.last_pull = Some(LastPull {
                generation: named,
                download_seconds: report.download_duration.as_secs_f64(),
                downloaded_bytes: report.downloaded_bytes,
                downloaded_files: report.downloaded_files,
                open_seconds: report.open_duration.as_secs_f64(),
                at: rfc3339(SystemTime::now()),
            });
        }
        Err(error @ (livesearch::Error::Store { .. } | livesearch::Error::Io { .. })) => {
            // Transient: the next poll tries again.
            let mut observed = status.observed();
            observed.poll_failures += 1;
            observed.reachable = !matches!(error, livesearch::Error::Store { .. });
            let reason = error.to_string();
            tracing::warn!(generation = %named, %reason, "pull failed; retrying at the next poll");
            observed.last_error = Some(reason);
        }
        Err(error) => {
            let reason = error.to_string();
            state.record_failure(named.clone(), reason.clone());
            let mut observed = status.observed();
            observed.refused += 1;
            observed.last_error = Some(reason);
            observed.refused_recently = Some((named, 0));
        }
    }
}

fn log_pull(generation: &str, previous: Option<&str>, report: &PullReport, started: Instant) {
    tracing::info!(
        %generation,
        previous = previous.unwrap_or("none"),
        downloaded_files = report.downloaded_files,
        downloaded_bytes = report.downloaded_bytes,
        reused_files = report.reused_files,
        download_ms = report.download_duration.as_millis() as u64,
        open_ms = report.open_duration.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "serving generation pulled from the store"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_stay_within_the_interval_and_its_jitter_and_vary() {
        let waits: Vec<Duration> = (0..200).map(|_| with_jitter(1_000, 300)).collect();
        let low = Duration::from_millis(1_000);
        let high = Duration::from_millis(1_300);
        assert!(waits.iter().all(|wait| (low..=high).contains(wait)));
        assert!(waits.iter().any(|wait| *wait != waits[0]), "no jitter");
        assert_eq!(with_jitter(500, 0), Duration::from_millis(500));
    }

    #[test]
    fn lag_counts_from_when_the_store_first_named_an_unserved_generation() {
        let status = ReplicaStatus::new("s3://bucket/prefix");
        let before = status.report(Some("g1"));
        assert!(!before.in_sync && !before.store_reachable);

        status.contact(Some("g2".to_string()), Some("g1"));
        std::thread::sleep(Duration::from_millis(30));
        status.contact(Some("g3".to_string()), Some("g1"));
        let behind = status.report(Some("g1"));
        assert!(!behind.in_sync && behind.store_reachable);
        assert_eq!(behind.store_current.as_deref(), Some("g3"));
        assert!(behind.lag_seconds >= 0.03, "{}", behind.lag_seconds);

        status.contact(Some("g3".to_string()), Some("g3"));
        let caught_up = status.report(Some("g3"));
        assert!(caught_up.in_sync);
        assert_eq!(caught_up.lag_seconds, 0.0);

        let mut metrics = String::new();
        status.render_metrics(Some("g3"), &mut metrics);
        assert!(metrics.contains("replica_source_info{source=\"s3://bucket/prefix\"} 1"));
        assert!(metrics.contains("replica_in_sync 1\n"));
        assert!(metrics.contains("replica_lag_seconds 0\n"));
    }
}

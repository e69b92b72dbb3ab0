//! Request metrics in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0,
];

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Recorded>,
}

#[derive(Default)]
struct Recorded {
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

impl Metrics {
    pub fn record(&self, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut recorded = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *recorded
            .requests
            .entry((route.to_string(), status))
            .or_default() += 1;
        let histogram = recorded.latency.entry(route.to_string()).or_default();
        histogram.count += 1;
        histogram.sum_seconds += seconds;
        if let Some(bucket) = LATENCY_BUCKETS.iter().position(|bound| seconds <= *bound) {
            histogram.counts[bucket] += 1;
        }
    }

    /// Renders the request metrics; `extra` is appended (generation gauges).
    pub fn render(&self, extra: &str) -> String {
        let recorded = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str("# HELP http_requests_total Requests answered, by route and status.\n");
        out.push_str("# TYPE http_requests_total counter\n");
        for ((route, status), count) in &recorded.requests {
            let _ = writeln!(
                out,
                "http_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str("# HELP http_request_errors_total Requests answered with a 4xx or 5xx status, by route and status.\n");
        out.push_str("# TYPE http_request_errors_total counter\n");
        for ((route, status), count) in recorded
            .requests
            .iter()
            .filter(|((_, status), _)| *status >= 400)
        {
            let _ = writeln!(
                out,
                "http_request_errors_total{{route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str("# HELP http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for (route, histogram) in &recorded.latency {
            let mut cumulative = 0;
            for (bound, count) in LATENCY_BUCKETS.iter().zip(histogram.counts) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                histogram.sum_seconds
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                histogram.count
            );
        }
        out.push_str(extra);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.record("/v1/search", 200, Duration::from_micros(800));
        metrics.record("/v1/search", 200, Duration::from_millis(30));
        metrics.record("/v1/search", 400, Duration::from_micros(100));
        let text = metrics.render("");
        assert!(text.contains("http_requests_total{route=\"/v1/search\",status=\"200\"} 2"));
        assert!(text.contains("http_request_errors_total{route=\"/v1/search\",status=\"400\"} 1"));
        assert!(text
            .contains("http_request_duration_seconds_bucket{route=\"/v1/search\",le=\"0.001\"} 2"));
        assert!(text
            .contains("http_request_duration_seconds_bucket{route=\"/v1/search\",le=\"+Inf\"} 3"));
    }
}

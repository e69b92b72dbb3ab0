//! Build progress: a bar on a terminal, a log line every few seconds otherwise.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use livesearch::build::Progress;

const LOG_EVERY: Duration = Duration::from_secs(5);

pub fn for_stderr() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(BarProgress {
            bar: Mutex::new(None),
        })
    } else {
        Box::new(LogProgress {
            state: Mutex::new(LogState::default()),
        })
    }
}

struct BarProgress {
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress for BarProgress {
    fn start_phase(&self, name: &str, total: u64) {
        let bar = if total == 0 {
            ProgressBar::new_spinner()
        } else {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar
        };
        bar.set_message(name.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
    }

    fn advance(&self, done: u64) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            bar.inc(done);
        }
    }

    fn finish_phase(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}

#[derive(Default)]
struct LogState {
    name: String,
    total: u64,
    done: u64,
    started: Option<Instant>,
    last_log: Option<Instant>,
}

struct LogProgress {
    state: Mutex<LogState>,
}

impl Progress for LogProgress {
    fn start_phase(&self, name: &str, total: u64) {
        tracing::info!(phase = name, total, "phase started");
        let now = Instant::now();
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = LogState {
            name: name.to_string(),
            total,
            done: 0,
            started: Some(now),
            last_log: Some(now),
        };
    }

    fn advance(&self, done: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.done += done;
        let now = Instant::now();
        if state.last_log.is_some_and(|last| now - last >= LOG_EVERY) {
            state.last_log = Some(now);
            // `as_str()` keeps the value quoted, as in "phase started" (`%` would not).
            tracing::info!(
                phase = state.name.as_str(),
                done = state.done,
                total = state.total,
                "progress"
            );
        }
    }

    fn finish_phase(&self) {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let elapsed = state
            .started
            .map(|started| started.elapsed())
            .unwrap_or_default();
        tracing::info!(
            phase = state.name.as_str(),
            done = state.done,
            elapsed_ms = elapsed.as_millis() as u64,
            "phase finished"
        );
    }
}

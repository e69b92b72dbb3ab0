//! Typed errors of the library core. Each variant carries what a caller needs
//! to act on it (the path, the file and line, the parameter); binaries turn
//! them into messages and exit codes, the server into HTTP statuses.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("bad dictionary entry in {file} line {line}: {reason}")]
    Dictionary {
        file: String,
        line: usize,
        reason: String,
    },

    #[error("catalog {path} is unusable: {reason}")]
    Catalog { path: PathBuf, reason: String },

    #[error(
        "{file}: {rejected} of {total} records rejected ({ratio:.4}), over the allowed ratio {max_ratio}; \
         nothing was published; every reject is listed in {}", rejects_path.display()
    )]
    RejectRatioExceeded {
        file: String,
        rejects_path: PathBuf,
        rejected: usize,
        total: usize,
        ratio: f64,
        max_ratio: f64,
    },

    /// The new build has far fewer documents of one type (or suggestion
    /// candidates) than the served generation: likely a truncated feed.
    #[error(
        "{what} fell from {previous} to {now} ({shrink_percent:.1}% fewer), more than the allowed {max_shrink_percent:.0}%; \
         nothing was published (report in {}); if the feed really shrank, build again with --allow-shrink",
        report_path.display()
    )]
    ShrinkRefused {
        /// `product documents`, `video documents`, ... or `suggestion candidates`.
        what: String,
        previous: u64,
        now: u64,
        shrink_percent: f64,
        max_shrink_percent: f64,
        report_path: PathBuf,
    },

    #[error("invalid option {option}: {reason}")]
    InvalidOption { option: String, reason: String },

    #[error("another build holds the lock {path}")]
    BuildLocked { path: PathBuf },

    #[error("generation {generation} is unusable: {reason}")]
    Generation { generation: String, reason: String },

    /// One file of a generation fails a check; `file` is relative to the
    /// generation folder, `reason` holds no absolute path.
    #[error("generation {generation} is unusable: file {file} {reason}")]
    GenerationFile {
        generation: String,
        file: String,
        reason: String,
    },

    /// `ROOT/CURRENT` is not a small regular file naming a generation.
    #[error("CURRENT {reason}")]
    BadCurrent { reason: String },

    #[error("no generation is published under {root}")]
    NoCurrentGeneration { root: PathBuf },

    /// `rollback` when CURRENT already names the oldest complete generation.
    #[error("no generation older than the current one ({current}) to roll back to")]
    NoOlderGeneration { current: String },

    #[error("index error: {0}")]
    Index(#[from] tantivy::TantivyError),

    #[error("cannot encode or decode {what}: {reason}")]
    Encoding { what: String, reason: String },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}
